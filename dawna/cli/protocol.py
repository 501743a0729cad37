"""``dawna protocol ...``: validate a protocol file and show a protocol.

Mounted as ``dawna protocol`` by :func:`dawna.cli.mounts.protocol`, with the amendments of
:mod:`dawna.cli.protocol_versions`; the text of ``show`` is drawn by
:mod:`dawna.cli.protocol_text`. Errors print one line, ``error: <message>``, on stderr and exit
with status 1 (docs/architecture.md, Errors).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dawna.errors import DawnaError
from dawna.i18n import _

if TYPE_CHECKING:  # the protocol's pydantic models load when a command reads a protocol
    from dawna.protocol.schema import Protocol

__all__ = ["app"]



class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    YAML = "yaml"


# Help texts are plain English like every CLI module's: they are read at import, before the
# command's locale is chosen, and calling the catalogue there made every command parse it.
app = typer.Typer(
    help="Validate and show study protocol files (the trial's registry record as data).",
    no_args_is_help=True,
)


def _load_or_exit(file: Path | None) -> Protocol:
    from dawna.protocol.loader import load_protocol

    try:
        return load_protocol(file)
    except DawnaError as exc:
        typer.echo(_("error: {message}").format(message=" ".join(str(exc).split())), err=True)
        raise typer.Exit(code=1) from None


@app.command("validate")
def validate(
    file: Annotated[Path, typer.Argument(help="Protocol file (YAML) to check.")],
) -> None:
    """Check a protocol file against the schema and print a one-line summary."""
    protocol = _load_or_exit(file)
    typer.echo(
        _("OK: {nct_id} {acronym}, {inclusion} inclusion / {exclusion} exclusion criteria, "
          "{arms} arms").format(
            nct_id=protocol.registry.nct_id,
            acronym=protocol.registry.acronym,
            inclusion=len(protocol.eligibility.inclusion),
            exclusion=len(protocol.eligibility.exclusion),
            arms=len(protocol.arms),
        )
    )


@app.command("show")
def show(
    file: Annotated[
        Path | None,
        typer.Option("--file", "-f", help="Protocol file; default: the bundled DAWNA-FES."),
    ] = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="Output format.")
    ] = OutputFormat.TEXT,
) -> None:
    """Show every section of a protocol: registry, arms and regimens, criteria, settings."""
    protocol = _load_or_exit(file)
    if output is OutputFormat.JSON:
        typer.echo(protocol.model_dump_json(indent=2, by_alias=True))
    elif output is OutputFormat.YAML:
        import yaml

        data = json.loads(protocol.model_dump_json(by_alias=True, exclude_none=True))
        typer.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))
    else:
        from rich.console import Console  # Rich loads when a protocol is shown, not for --help

        from dawna.cli.protocol_text import render

        console = Console(highlight=False, soft_wrap=False)
        for part in render(protocol):
            console.print(part)
            console.print()
