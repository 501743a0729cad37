"""``dawna audit verify``, ``dawna audit head`` and ``dawna audit logins``: is the audit trail
intact, the chain head to anchor elsewhere, and the login events (docs/audit-trail.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from dawna.cli.common import OutputFormat, database, get_settings, principal
from dawna.i18n import _, format_local

__all__ = ["app"]

app = typer.Typer(help="The audit trail: read it, verify its hash chain and rows, print its "
                       "head.",
                  no_args_is_help=True)
console = Console(highlight=False, soft_wrap=True)


@app.command("verify")
def verify(anchor: Annotated[str | None, typer.Option(
               help="A head hash printed earlier by 'dawna audit head': it must still be in "
                    "the chain.")] = None,
           anchors: Annotated[Path | None, typer.Option(
               "--anchors", help="A file written by 'dawna audit head --to': its last head "
                                 "must still be in the chain.")] = None,
           output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TEXT) -> None:
    """Check the hash chain and every trial row against its audit records; exit 1 naming each
    broken link or unexplained row."""
    from dawna.services import audit_integrity

    if anchor is None and anchors is not None:
        lines = [ln.split() for ln in anchors.read_text(encoding="utf-8").splitlines()
                 if ln.strip()]
        anchor = lines[-1][1] if lines and len(lines[-1]) > 1 else None
    result = audit_integrity.check(database(), anchor=anchor)
    if output is OutputFormat.JSON:
        typer.echo(result.model_dump_json(indent=2))
    else:
        for p in result.problems:
            console.print(f"{p.table} {p.row_id}: {p.detail}")
        if result.anchor_found is False:
            console.print(_("anchor %(hash)s is no longer in the chain") % {"hash": anchor})
        if result.ok:
            console.print(_("audit trail intact: %(n)s records, head %(hash)s") % {
                "n": result.head.records, "hash": result.head.hash})
        else:
            console.print(_("audit trail NOT intact: %(n)s problems") % {
                "n": len(result.problems) + (result.anchor_found is False)})
    if not result.ok:
        raise typer.Exit(1)


@app.command("head")
def head(to: Annotated[Path | None, typer.Option(
        "--to", help="Also append the line to this file (a second place: another disk, a "
                     "write-once share).")] = None) -> None:
    """Print the chain head (record id, hash, time) for a site to keep in a second place."""
    from dawna.services import audit_integrity

    h = audit_integrity.chain_head(database())
    line = (f"{h.last_id if h.last_id is not None else '-'} {h.hash} "
            f"{h.at.isoformat() if h.at else '-'}")
    typer.echo(line)
    if to is not None:
        with to.open("a", encoding="utf-8") as out:
            out.write(line + "\n")


@app.command("trail")
def trail(user: Annotated[str, typer.Option("--as", help="User name reading (their sites and "
                                                          "roles apply).")],
          participant: Annotated[str | None, typer.Option(help="Participant id.")] = None,
          form: Annotated[str | None, typer.Option(help="Form (table name, e.g. lab_result).")
                          ] = None,
          actor: Annotated[str | None, typer.Option("--user", help="Who made the change.")
                           ] = None,
          action: Annotated[str | None, typer.Option(
              help="create, update, delete or export.")] = None,
          date_from: Annotated[str | None, typer.Option("--from", help="First day (site "
                                                                       "calendar).")] = None,
          date_to: Annotated[str | None, typer.Option("--to", help="Last day.")] = None,
          csv_file: Annotated[Path | None, typer.Option(
              "--csv", help="Write the whole filtered trail to this CSV file.")] = None,
          limit: Annotated[int, typer.Option(help="At most this many rows on screen.")] = 100
          ) -> None:
    """The audit trail in words: form and field labels, readable values, site times; identity
    values masked for roles that may not see them."""
    from dawna.services import audit_trail

    db, zone = database(), get_settings().zone
    who = principal(db, user)
    filters = audit_trail.filters_from(form, None, participant, actor, action, date_from,
                                       date_to)
    if csv_file is not None:
        lines = audit_trail.csv_lines(db, who, filters, zone)
        with csv_file.open("w", encoding="utf-8", newline="") as out:
            out.writelines(lines)
        typer.echo(str(csv_file))
        return
    table = Table()
    for column in (_("When"), _("Who"), _("Action"), _("Participant"), _("Form"), _("Field"),
                   _("Old value"), _("New value"), _("Reason")):
        table.add_column(column)
    for e in audit_trail.trail_page(db, who, limit=limit, filters=filters, zone=zone).entries:
        table.add_row(format_local(e.at, zone), e.actor, audit_trail.action_label(e.action),
                      e.participant or "", e.form, e.field_label, e.old_text, e.new_text,
                      e.reason)
    console.print(table)


@app.command("logins")
def logins(user: Annotated[str | None, typer.Option(help="Only this user name.")] = None,
           limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 100
           ) -> None:
    """Logins, failed logins, logouts, lockouts and password changes."""
    from dawna.services import login_events

    table = Table()
    for column in (_("When"), _("User name"), _("Event"), _("Outcome"), _("Client address")):
        table.add_column(column)
    for e in login_events.recent(database(), username=user, limit=limit):
        table.add_row(e.at.isoformat(), e.username, e.event, e.outcome, e.client or "")
    console.print(table)
