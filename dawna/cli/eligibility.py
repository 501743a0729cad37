"""``dawna eligibility ...``: a participant's screening record saved or corrected (with a
reason), the signed decision beside the current one, and the protocol deviations a correction
after randomization opened, acknowledged by the investigator (issue 18 item 3). The same
services as the web pages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from dawna.cli.common import OutputFormat, database, principal, read_json_object
from dawna.i18n import _

app = typer.Typer(help="Eligibility: save or correct a screening record, signed and corrected "
                  "decisions, protocol deviations.", no_args_is_help=True)
console = Console()
As = Annotated[str, typer.Option("--as", help="User name acting (their roles apply).")]


@app.command()
def save(pseudonym: str, file: Path, user: As,
         reason: Annotated[str | None, typer.Option(help="Required to change a saved record.")]
         = None,
         version: Annotated[int | None, typer.Option(
             help="The version you corrected (required to change a saved record).")] = None
         ) -> None:
    """Save the screening record in FILE.json (the format of docs/screening-record.md)."""
    from dawna.config import get_settings
    from dawna.services import deviations, screening

    db = database()
    who = principal(db, user)
    record = screening.record_from_dict(read_json_object(file, _("a screening record")))
    before = len(deviations.list_for(db, who, pseudonym))
    view = screening.save(db, get_settings(), who, pseudonym, record, reason, version)
    console.print(_("saved (version {version}): {outcome}").format(
        version=view.version, outcome=view.result.outcome.value), highlight=False)
    opened = deviations.list_for(db, who, pseudonym)[before:]
    for d in opened:
        console.print(_("protocol deviation {id} opened: {signed} -> {corrected}; the "
                        "investigator must acknowledge it").format(
            id=d.id, signed=d.signed_outcome, corrected=d.corrected_outcome), highlight=False)


def _decisions_json(d: Any) -> dict[str, Any]:
    return {
        "randomized": d.randomized,
        "signed": {"outcome": d.signed_outcome, "by": d.signed_by,
                   "at": d.signed_at.isoformat() if d.signed_at else None,
                   "criteria": d.signed_criteria},
        "current": {"outcome": d.current_outcome, "criteria": d.current_criteria},
        "changed": {k: list(v) for k, v in d.changed.items()},
        "deviations": [{"id": v.id, "kind": v.kind, "opened_on": v.opened_on.isoformat(),
                        "opened_by": v.opened_by, "reason": v.reason,
                        "signed_outcome": v.signed_outcome,
                        "corrected_outcome": v.corrected_outcome, "open": v.open,
                        "acknowledged_by": v.acknowledged_by,
                        "acknowledgement": v.acknowledgement} for v in d.deviations]}


@app.command()
def decisions(pseudonym: str, user: As,
              format: OutputFormat = typer.Option(OutputFormat.TEXT, "--format")) -> None:
    """The signed decision (kept as signed) beside the current record's, and the deviations."""
    from dawna.config import get_settings
    from dawna.services import deviations, screening

    db = database()
    who = principal(db, user)
    view = screening.get(db, get_settings(), who, pseudonym)
    d = deviations.decisions(db, who, pseudonym, view.result if view.version else None)
    if format is OutputFormat.JSON:
        typer.echo(json.dumps(_decisions_json(d), indent=2, ensure_ascii=False))
        return
    console.print(_("signed: {signed} ({by}); current: {current}").format(
        signed=d.signed_outcome or "-", by=d.signed_by or "-", current=d.current_outcome or "-"),
        highlight=False)
    for cid, (was, now) in d.changed.items():
        console.print(f"  {cid}: {was} -> {now}", highlight=False)
    for v in d.deviations:
        state = _("open") if v.open else _("acknowledged by {user}").format(
            user=v.acknowledged_by)
        console.print(_("deviation {id} ({kind}) {date}: {signed} -> {corrected}; {state}; "
                        "reason: {reason}").format(
            id=v.id, kind=v.kind, date=v.opened_on.isoformat(), signed=v.signed_outcome,
            corrected=v.corrected_outcome, state=state, reason=v.reason), highlight=False)


@app.command()
def acknowledge(pseudonym: str, deviation_id: int, user: As,
                comment: Annotated[str, typer.Option(help="What was done (required).")] = ""
                ) -> None:
    """The investigator acknowledges a protocol deviation, with a comment."""
    from dawna.config import get_settings
    from dawna.services import deviations

    db = database()
    done = deviations.acknowledge(db, get_settings(), principal(db, user), pseudonym,
                                  deviation_id, comment)
    console.print(_("deviation {id} acknowledged by {user}").format(
        id=done.id, user=done.acknowledged_by), highlight=False)
