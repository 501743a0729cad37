"""``dawna export usdm DIR``: the protocol as a CDISC USDM 4.0 JSON document, validated against
the vendored USDM 4.0 schema, with ``manifest.json`` (issue 22 item 6; ``docs/usdm.md``).

By default it reads the protocol file shipped with dawna (version 1) and needs no database, so
it starts at once; ``--protocol FILE`` exports another protocol file; ``--version-id LABEL`` or
``--in-force`` export a version stored in the database (an amendment)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dawna.cli.common import database, get_settings
from dawna.errors import ValidationError
from dawna.i18n import _

__all__ = ["export_usdm"]


def export_usdm(
        directory: Annotated[Path, typer.Argument(help="Output folder.")],
        protocol_file: Annotated[Path | None, typer.Option(
            "--protocol", help="Protocol file (YAML) to export instead of the one shipped "
                               "with dawna.")] = None,
        label: Annotated[str | None, typer.Option(
            help="Version identifier written for --protocol (default: the file name).")] = None,
        version_id: Annotated[str | None, typer.Option(
            "--version-id", help="Export this stored protocol version (database).")] = None,
        in_force: Annotated[bool, typer.Option(
            "--in-force", help="Export the protocol version in force today (database).")]
        = False) -> None:
    """The protocol as USDM 4.0 JSON (usdm.json) and manifest.json."""
    from dawna.exports.usdm import write_usdm

    if protocol_file is not None and (version_id is not None or in_force):
        raise ValidationError(_("give either --protocol or a stored version, not both"),
                              field="protocol")
    if version_id is not None or in_force:
        from dawna.clock import local_today
        from dawna.services import protocol_versions

        info, protocol = protocol_versions.version_protocol(
            database(), version_id, local_today(get_settings().zone))
        version, rationale = info.label, info.summary
    elif protocol_file is not None:
        from dawna.protocol import load_protocol

        protocol = load_protocol(protocol_file)
        # document content (English, as every USDM text of the export), not a message
        version, rationale = label or protocol_file.stem, f"Protocol file {protocol_file.name}"
    else:
        from dawna.protocol import bundled_protocol

        protocol, version, rationale = bundled_protocol(), "1", "Protocol as registered"
    paths = write_usdm(directory, protocol, version=version, rationale=rationale)
    for path in paths:
        typer.echo(str(path))
    typer.echo(_("USDM 4.0 of {nct} version {version}: valid against the USDM 4.0 schema").format(
        nct=protocol.registry.nct_id, version=version))
