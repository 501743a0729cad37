"""``dawna protocol amend / versions / diff``: protocol amendments from the command line
(issue 20 item 8), the same service as the web form and the API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dawna.cli.common import OutputFormat, database, get_settings, principal, read_text
from dawna.clock import local_today
from dawna.i18n import _

if TYPE_CHECKING:  # the command line starts without SQLAlchemy (docs/architecture.md)
    from dawna.services.protocol_versions import VersionInfo

__all__ = ["amend", "diff", "versions"]

As = Annotated[str, typer.Option("--as", help=_("User name acting (their roles apply)."))]
Format = Annotated[OutputFormat, typer.Option("--format", help=_("Output format."))]


def _version_json(v: VersionInfo, in_force: str) -> dict[str, Any]:
    return {"label": v.label, "sha256": v.sha256, "approved_on": v.approved_on.isoformat(),
            "effective_on": v.effective_on.isoformat(), "summary": v.summary,
            "consent_version": v.consent_version, "loaded_by": v.loaded_by,
            "loaded_at": v.loaded_at.isoformat() if v.loaded_at else None,
            "stored": v.stored, "in_force": v.label == in_force}


def amend(
    file: Annotated[Path, typer.Argument(help=_("The amended protocol file (YAML)."))],
    version: Annotated[str, typer.Option("--version", help=_("Version label, e.g. 2."))],
    approved: Annotated[str, typer.Option("--approved", help=_(
        "Ethics approval date (YYYY-MM-DD)."))],
    effective: Annotated[str, typer.Option("--effective", help=_(
        "Effective date (YYYY-MM-DD): today or later."))],
    summary: Annotated[str, typer.Option("--summary", help=_("Summary of changes."))],
    consent_version: Annotated[str, typer.Option("--consent-version", help=_(
        "Consent form version participants must have signed."))],
    user: As,
    format: Format = OutputFormat.TEXT,
) -> None:
    """Load a protocol amendment (administrator) and show what it changes."""
    from dawna.services import protocol_amendments, protocol_versions

    db = database()
    settings = get_settings()
    text = read_text(file)
    previous = protocol_versions.versions(db)[-1].label
    info = protocol_amendments.amend(db, settings, principal(db, user), text, {
        "version": version, "approved_on": approved, "effective_on": effective,
        "summary": summary, "consent_version": consent_version})
    if format is OutputFormat.JSON:
        in_force = protocol_versions.in_force_on(db, local_today(settings.zone)).label
        typer.echo(json.dumps(_version_json(info, in_force), indent=2, ensure_ascii=False))
        return
    typer.echo(_("Protocol version {label} loaded, effective {date}.").format(
        label=info.label, date=info.effective_on.isoformat()))
    diff(previous, info.label)


def versions(format: Format = OutputFormat.TEXT) -> None:
    """Every version of the protocol file and the one in force today."""
    from dawna.services import protocol_versions

    db = database()
    known, in_force, _protocol = protocol_versions.overview(
        db, local_today(get_settings().zone))
    if format is OutputFormat.JSON:
        typer.echo(json.dumps({"in_force": in_force,
                               "versions": [_version_json(v, in_force) for v in known]},
                              indent=2, ensure_ascii=False))
        return
    from rich.console import Console  # Rich loads when a table is printed, not for --help
    from rich.table import Table

    table = Table(title=_("Protocol versions"))
    for column in (_("Version"), _("Ethics approval"), _("Effective"), _("Consent form"),
                   _("Summary of changes")):
        table.add_column(column)
    for v in known:
        mark = " *" if v.label == in_force else ""
        table.add_row(v.label + mark, v.approved_on.isoformat(), v.effective_on.isoformat(),
                      v.consent_version or "", v.summary)
    Console(highlight=False).print(table)
    typer.echo(_("* in force today"))


def diff(
    old: Annotated[str, typer.Argument(help=_("Version compared from."))],
    new: Annotated[str, typer.Argument(help=_("Version compared to."))],
    format: Format = OutputFormat.TEXT,
) -> None:
    """What version NEW changes from version OLD: criteria, regimens, schedule, settings."""
    from dawna.services import protocol_amendments

    a, b, changes = protocol_amendments.diff(database(), old, new)
    if format is OutputFormat.JSON:
        typer.echo(json.dumps({"old": a.label, "new": b.label} | changes.as_json(), indent=2,
                              ensure_ascii=False))
        return
    if changes.empty:
        typer.echo(_("No difference."))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=_("Protocol version {new} compared with version {old}").format(
        new=b.label, old=a.label))
    for column in (_("Section"), _("Change"), _("Field"), _("Before"), _("After")):
        table.add_column(column)
    for c in changes.changes:
        table.add_row(c.section, c.kind, c.path, _cell(c.old), _cell(c.new))
    Console(highlight=False, soft_wrap=False).print(table)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 300 else text[:297] + "..."
