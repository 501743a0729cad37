"""``dawna course ...`` and ``dawna dashboard``: a participant's course from the command line,
through the same services as the participant page (the named user's roles and sites apply)."""

from __future__ import annotations

import json
from datetime import time
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from dawna.cli.common import OutputFormat, database, day, get_settings, principal
from dawna.i18n import _

app = typer.Typer(help="A participant's course: consent, treatment, follow-up, end of study.",
                  no_args_is_help=True)
console = Console()
As = Annotated[str, typer.Option("--as", help="User name acting (their roles apply).")]
On = Annotated[str, typer.Option("--date", help="Date of the event (YYYY-MM-DD).")]
Detail = Annotated[str | None, typer.Option(help="Free-text details.")]


def _show(pseudonym: str, user: str, format: OutputFormat = OutputFormat.TEXT) -> None:
    from dawna.services import follow_up

    db = database()
    view = follow_up.course(db, principal(db, user), pseudonym)
    if format is OutputFormat.JSON:
        typer.echo(json.dumps(follow_up.as_json(view), indent=2, ensure_ascii=False))
        return
    table = Table(title=_("{id}: {status}").format(id=pseudonym, status=view.status.value))
    for column in (_("Date"), _("Event"), _("Status after"), _("Reason")):
        table.add_column(column)
    for e in view.events:
        table.add_row(e.event_date.isoformat(), e.event, e.to_status,
                      " · ".join(x for x in (e.reason, e.detail) if x))
    console.print(table)
    for k in view.consents:
        console.print(_("consent {version} signed {date} ({kind})").format(
            version=k.version, date=k.signed_on.isoformat(), kind=k.kind), highlight=False)
    if view.needs_reconsent:
        console.print(_("re-consent due: version {version}").format(version=view.latest_version))
    if view.next_contact_due:
        console.print(_("next survival contact due {date}").format(
            date=view.next_contact_due.isoformat()))


@app.command()
def show(pseudonym: str, user: As,
         format: OutputFormat = typer.Option(OutputFormat.TEXT, "--format")) -> None:
    """The participant's status, events, consents and next contact."""
    _show(pseudonym, user, format)


@app.command()
def consent(pseudonym: str, user: As, version: Annotated[str, typer.Option()], on: On,
            obtained_by: Annotated[str, typer.Option(help="Who obtained the consent.")],
            at: Annotated[str | None, typer.Option("--time", help="HH:MM at the site.")] = None
            ) -> None:
    """Record a consent (first, or re-consent to a newer approved version)."""
    from dawna.services import lifecycle

    db = database()
    signed_at = time.fromisoformat(at) if at else None
    lifecycle.record_consent(db, get_settings(), principal(db, user), pseudonym, version,
                             day(on), signed_at, obtained_by)
    _show(pseudonym, user)


@app.command("start-treatment")
def start_treatment(pseudonym: str, user: As, on: On) -> None:
    """First dose: randomized -> on treatment."""
    from dawna.services import lifecycle

    db = database()
    lifecycle.start_treatment(db, get_settings(), principal(db, user), pseudonym, day(on))
    _show(pseudonym, user)


@app.command("end-treatment")
def end_treatment(pseudonym: str, user: As, on: On,
                  reason: Annotated[str, typer.Option(help="progression, toxicity, "
                                                      "withdrawal_of_consent, "
                                                      "investigator_decision, death, other")],
                  detail: Detail = None) -> None:
    """End of treatment with its reason."""
    from dawna.services import lifecycle

    db = database()
    lifecycle.end_treatment(db, get_settings(), principal(db, user), pseudonym, day(on),
                            reason, detail)
    _show(pseudonym, user)


@app.command()
def withdraw(pseudonym: str, user: As, on: On, detail: Detail = None) -> None:
    """Withdrawal of consent: no data collected after this date."""
    from dawna.services import lifecycle

    db = database()
    lifecycle.withdraw(db, get_settings(), principal(db, user), pseudonym, day(on), detail)
    _show(pseudonym, user)


@app.command("end-study")
def end_study(pseudonym: str, user: As, on: On,
              reason: Annotated[str, typer.Option(help="death, withdrawal, lost_to_follow_up, "
                                                  "study_closed")],
              detail: Detail = None) -> None:
    """End of study with its reason."""
    from dawna.services import lifecycle

    db = database()
    lifecycle.end_study(db, get_settings(), principal(db, user), pseudonym, day(on), reason,
                        detail)
    _show(pseudonym, user)


@app.command()
def contact(pseudonym: str, user: As, on: On,
            status: Annotated[str, typer.Option(help="alive, dead or lost")],
            death_date: Annotated[str | None, typer.Option()] = None,
            cause: Annotated[str | None, typer.Option(help="Cause of death.")] = None,
            therapy: Annotated[str | None, typer.Option(
                help="Subsequent anticancer therapy started.")] = None,
            therapy_start: Annotated[str | None, typer.Option()] = None) -> None:
    """A survival follow-up contact after end of treatment."""
    from dawna.services import follow_up
    from dawna.validation import validate

    data: dict[str, object] = {"contact_date": on, "vital_status": status,
                               "death_date": death_date, "death_cause": cause}
    if therapy or therapy_start:
        data["subsequent_therapy"] = [{"name": therapy or "", "start_date": therapy_start}]
    entry = validate(follow_up.ContactIn, data, root="contact", count_more=True)
    db = database()
    follow_up.record_contact(db, get_settings(), principal(db, user), pseudonym, entry)
    _show(pseudonym, user)


@app.command("consent-form")
def consent_form(user: As, version: Annotated[str, typer.Option()],
                 approved: Annotated[str, typer.Option(help="Approval date (YYYY-MM-DD).")],
                 approved_by: Annotated[str, typer.Option(help="The ethics committee.")],
                 reason: Annotated[str, typer.Option(help="Reason (audit trail).")]) -> None:
    """Record a consent form version approved after the protocol file (administrators)."""
    from dawna.services import lifecycle

    db = database()
    added = lifecycle.add_consent_version(db, get_settings(), principal(db, user), version,
                                          day(approved, "approved"), approved_by, reason)
    console.print(_("consent form version {version} approved {date} recorded").format(
        version=added.version, date=added.approved.isoformat()), highlight=False)


def dashboard(user: As,
              format: OutputFormat = typer.Option(OutputFormat.TEXT, "--format")) -> None:
    """Counts by state (CONSORT flow), re-consent due, follow-up contacts due."""
    from dawna.services import follow_up

    db = database()
    d = follow_up.dashboard(db, get_settings(), principal(db, user))
    if format is OutputFormat.JSON:
        typer.echo(json.dumps({"counts": d.counts, "flow": d.flow,
                               "reconsent": d.reconsent,
                               "follow_ups_due": [[f.pseudonym, f.due.isoformat(), f.overdue]
                                                  for f in d.follow_ups]}, indent=2))
        return
    table = Table(title=_("CONSORT flow"))
    table.add_column(_("Step"))
    table.add_column(_("Participants"), justify="right")
    for step, n in d.flow.items():
        table.add_row(step, str(n))
    console.print(table)
    for f in d.follow_ups:
        console.print(_("{id}: survival contact due {date}{late}").format(
            id=f.pseudonym, date=f.due.isoformat(), late=_(" (overdue)") if f.overdue else ""),
            highlight=False)
    for pid, _site, version in d.reconsent:
        console.print(_("{id}: re-consent due (signed {version})").format(id=pid,
                                                                          version=version))
