"""``dawna deviations ...``: the protocol deviation log (issue 20 item 6): list (text, CSV or
JSON), record one, run the detection rules, acknowledge, review one whose record changed
after it was acknowledged. The same services as the web page."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from dawna.cli.common import OutputFormat, database, principal
from dawna.i18n import _

app = typer.Typer(help="Protocol deviations: list, record, detect, acknowledge, review.",
                  no_args_is_help=True)
console = Console()
As = Annotated[str, typer.Option("--as", help="User name acting (their roles apply).")]


@app.command("list")
def list_command(user: As,
                 site: Annotated[str | None, typer.Option(help="Site code.")] = None,
                 category: Annotated[str | None, typer.Option(
                     help="eligibility, visit_window, dose, consent or other.")] = None,
                 importance: Annotated[str | None, typer.Option(
                     help="important or not_important.")] = None,
                 status: Annotated[str | None, typer.Option(
                     help="open, acknowledged, review or withdrawn.")]
                 = None,
                 participant: Annotated[str | None, typer.Option(help="Pseudonym.")] = None,
                 csv: Annotated[bool, typer.Option("--csv", help="CSV on stdout.")] = False,
                 format: OutputFormat = typer.Option(OutputFormat.TEXT, "--format")) -> None:
    """The deviation log at the user's sites."""
    from dawna.services import deviation_log

    db = database()
    rows = deviation_log.listing(db, principal(db, user), deviation_log.LogFilter(
        site=site, category=category, importance=importance, status=status,
        pseudonym=participant))
    if csv:
        typer.echo(deviation_log.to_csv(rows), nl=False)
        return
    if format is OutputFormat.JSON:
        typer.echo(json.dumps([{
            "id": r.id, "participant": r.pseudonym, "site": r.site_code, "kind": r.kind,
            "category": r.category, "occurred_on": r.occurred_on.isoformat(),
            "description": r.description, "importance": r.importance,
            "action_taken": r.action_taken, "open": r.open, "status": r.status,
            "withdrawal": r.withdrawal, "review": r.review,
            "acknowledged_by": r.acknowledged_by} for r in rows], indent=2,
            ensure_ascii=False))
        return
    table = Table(title=_("Protocol deviations"))
    for column in ("#", _("Site"), _("Participant"), _("Date"), _("Category"),
                   _("Description"), _("Importance"), _("Acknowledgement")):
        table.add_column(column)
    for r in rows:
        table.add_row(str(r.id), r.site_code, r.pseudonym, r.occurred_on.isoformat(),
                      deviation_log.category_label(r.category), r.description,
                      deviation_log.importance_label(r.importance),
                      deviation_log.status_label(r.status) if r.status != "acknowledged"
                      else r.acknowledged_by or "")
    console.print(table)


@app.command()
def record(pseudonym: str, user: As,
           category: Annotated[str, typer.Option(
               help="eligibility, visit_window, dose, consent or other.")],
           on: Annotated[str, typer.Option("--on", help="Date of the deviation (YYYY-MM-DD).")],
           description: Annotated[str, typer.Option(help="What happened.")],
           importance: Annotated[str, typer.Option(help="important or not_important.")],
           action: Annotated[str | None, typer.Option(help="Action taken.")] = None) -> None:
    """Record a deviation (investigator or coordinator of the participant's site)."""
    from dawna.config import get_settings
    from dawna.services import deviation_log
    from dawna.validation import validate

    db = database()
    entry = validate(deviation_log.DeviationIn, {
        "category": category, "occurred_on": on, "description": description,
        "importance": importance, "action_taken": action})
    row = deviation_log.record(db, get_settings(), principal(db, user), pseudonym, entry)
    console.print(_("deviation {id} recorded").format(id=row.id), highlight=False)


@app.command()
def detect(user: As,
           participant: Annotated[str | None, typer.Option(help="Only this participant.")]
           = None) -> None:
    """Run the detection rules (assessments and blood counts out of window, doses off their
    level) at the user's sites; what is already in the log is not opened again."""
    from dawna.config import get_settings
    from dawna.services import deviation_detect

    db = database()
    summary = deviation_detect.detect(db, get_settings(), principal(db, user), participant)
    console.print(_("{participants} participants checked; {n} new deviations opened").format(
        participants=summary.participants, n=summary.total), highlight=False)
    for kind, n in sorted(summary.opened.items()):
        console.print(f"  {kind}: {n}", highlight=False)


@app.command()
def acknowledge(pseudonym: str, deviation_id: int, user: As,
                comment: Annotated[str, typer.Option(help="What was done (required).")] = "",
                importance: Annotated[str | None, typer.Option(
                    help="important or not_important (default: as proposed).")] = None,
                action: Annotated[str | None, typer.Option(help="Action taken.")] = None
                ) -> None:
    """The investigator acknowledges a deviation, with a comment."""
    from dawna.config import get_settings
    from dawna.services import deviation_log
    from dawna.validation import validate

    db = database()
    chosen = validate(deviation_log.AcknowledgeIn, {
        "comment": comment, "importance": importance, "action_taken": action})
    done = deviation_log.acknowledge(db, get_settings(), principal(db, user), pseudonym,
                                     deviation_id, chosen.comment,
                                     importance=chosen.importance,
                                     action_taken=chosen.action_taken)
    console.print(_("deviation {id} acknowledged by {user}").format(
        id=done.id, user=done.acknowledged_by), highlight=False)


@app.command()
def review(pseudonym: str, deviation_id: int, user: As,
           decision: Annotated[str, typer.Option(help="withdraw or keep.")],
           comment: Annotated[str, typer.Option(help="Why (required).")] = "") -> None:
    """The investigator withdraws or keeps a deviation whose record changed after it was
    acknowledged (status review)."""
    from dawna.config import get_settings
    from dawna.errors import ValidationError
    from dawna.services import deviation_log, deviation_review
    from dawna.validation import validate

    if decision not in ("withdraw", "keep"):
        raise ValidationError(_("the decision is withdraw or keep"), field="decision")
    db = database()
    chosen = validate(deviation_review.ReviewIn, {"withdraw": decision == "withdraw",
                                                  "comment": comment})
    done = deviation_review.review(db, get_settings(), principal(db, user), pseudonym,
                                   deviation_id, chosen)
    console.print(_("deviation {id}: {status}").format(
        id=done.id, status=deviation_log.status_label(done.status)), highlight=False)
