"""``dawna treatment ...``: treatment and safety from the command line, through the same rules and
services as the web pages (the named user's roles and sites apply). The services are imported
inside the commands (docs/architecture.md, CLI modules); ``dawna calendar`` and ``dawna ctcae``
are in :mod:`dawna.cli.schedule`."""

from __future__ import annotations

import csv
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from dawna.cli.common import (
    OutputFormat,
    database,
    day,
    get_settings,
    principal,
    read_json_object,
)
from dawna.errors import ValidationError
from dawna.i18n import _
from dawna.services.rendered import render

app = typer.Typer(help="Treatment and safety: plan, cycles, labs, adverse events, doses.",
                  no_args_is_help=True)
console = Console()
As = Annotated[str, typer.Option("--as", help="User name acting (their roles apply).")]


@app.command()
def show(pseudonym: str, user: As,
         format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TEXT) -> None:
    """Regimen, confirmed doses, cycles, dose levels, blood counts due, ongoing AEs."""
    from dawna.services import treatment

    db = database()
    view = treatment.treatment_view(db, get_settings(), principal(db, user), pseudonym)
    data = treatment.as_json(view)
    if format is OutputFormat.JSON:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
        return
    console.print(_("{id}: arm {arm}, {status}").format(id=pseudonym, arm=view.arm or "-",
                                                        status=view.status.value),
                  highlight=False)
    if data["regimen"]:
        console.print(f"{data['regimen']['id']} · {data['regimen']['label']}", highlight=False)
        for d in data["regimen"]["doses"]:
            console.print(f"  {d['drug']} {d['dose']:g} {d['unit']} {d['route']}: "
                          f"{d['formula']}", highlight=False)
    for c in view.cycles:
        doses = "; ".join(f"{d['drug']} {d['dose']:g} {d['unit']}" for d in c.doses)
        console.print(_("cycle {n} day 1 {date}: {doses}").format(
            n=c.cycle, date=c.start_date.isoformat(), doses=doses), highlight=False)
    for e in view.labs_due:
        console.print(_("blood count due {date}").format(date=e.date.isoformat()))
    for d in view.depots:
        flag = _("LATE by {n} days").format(n=d.days_late) if d.late else ""
        console.print(_("{drug}: given {given}; next due {due} {flag}").format(
            drug=d.drug, given=", ".join(g.isoformat() for g in d.given) or "-",
            due=d.next_due.isoformat(), flag=flag).rstrip(), highlight=False)
    for ae in view.open_aes:
        console.print(_("ongoing AE {n}: {term} grade {grade}").format(
            n=ae.number, term=ae.term, grade=ae.grade), highlight=False)


@app.command()
def plan(pseudonym: str, user: As,
         file: Annotated[Path, typer.Argument(
             help="JSON: measures, variants, chosen, custom_drugs (see README).")],
         version: Annotated[int | None, typer.Option(help="Current version, to change.")]
         = None,
         reason: Annotated[str | None, typer.Option(help="Why the plan changes.")] = None,
         preview: Annotated[bool, typer.Option(help="Compute only; store nothing.")] = False,
         confirm_implausible: Annotated[bool, typer.Option(
             "--confirm-implausible", help="Keep a weight or height outside its usual range.")]
         = False) -> None:
    """Confirm the regimen and doses (investigators), or --preview them."""
    from dawna.services import treatment
    from dawna.validation import validate

    data = read_json_object(file, _("a treatment plan"))
    if confirm_implausible:
        data["confirm_implausible"] = True
    entry = validate(treatment.PlanIn, data, root="plan", count_more=True)
    db = database()
    acting = principal(db, user)
    result = (treatment.preview_plan(db, acting, pseudonym, entry) if preview else
              treatment.confirm_plan(db, get_settings(), acting, pseudonym, entry,
                                     version=version, reason=reason))
    for d in result.doses:
        typer.echo(f"{d.drug}: {d.dose:g} {d.unit} {d.route} {d.frequency} · {d.formula}")
    if not preview:
        typer.echo(_("confirmed: {regimen}").format(regimen=result.regimen_id))


@app.command()
def cycle(pseudonym: str, user: As, number: Annotated[int, typer.Option("--cycle")],
          start: Annotated[str, typer.Option(help="Day 1 (YYYY-MM-DD).")],
          dose: Annotated[list[str] | None, typer.Option(
              help="DRUG=DOSE given, e.g. dalpiciclib=125 (default: current level).")] = None,
          delay_reason: Annotated[str | None, typer.Option(help="Why it starts late.")] = None
          ) -> None:
    """Record the start of a cycle."""
    from dawna.services import treatment

    doses: dict[str, float] = {}
    for item in dose or []:
        drug, _sep, amount = item.partition("=")
        try:
            doses[drug.strip()] = float(amount)
        except ValueError:
            raise ValidationError(_("give DRUG=DOSE, e.g. dalpiciclib=125"),
                                  field="dose") from None
    db = database()
    treatment.record_cycle(db, get_settings(), principal(db, user), pseudonym,
                           treatment.CycleIn(cycle=number, start_date=day(start, "start"),
                                             doses=doses, delay_reason=delay_reason))
    typer.echo(_("cycle {n} recorded").format(n=number))


@app.command()
def depot(pseudonym: str, user: As,
          drug: Annotated[str | None, typer.Option(
              help="goserelin, leuprorelin or fulvestrant, to record a dose given.")] = None,
          given_on: Annotated[str | None, typer.Option(help="Day given (YYYY-MM-DD).")] = None,
          note: Annotated[str | None, typer.Option()] = None,
          format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TEXT
          ) -> None:
    """Record a depot dose given (--drug, --given-on), then show each depot's own 28-day
    clock: doses given, next due, late."""
    from dawna.services import treatment

    db = database()
    settings, acting = get_settings(), principal(db, user)
    if drug is not None or given_on is not None:
        if drug is None or given_on is None:
            raise ValidationError(_("give both --drug and --given-on"),
                                  field="drug" if drug is None else "given_on")
        treatment.record_depot(db, settings, acting, pseudonym, treatment.DepotDoseIn(
            drug=drug, given_on=day(given_on, "given_on"), note=note))
        typer.echo(_("{drug} recorded on {date}").format(drug=drug, date=given_on))
    clocks = treatment.depot_view(db, settings, acting, pseudonym)
    if format is OutputFormat.JSON:
        typer.echo(treatment.DepotsOut.of(pseudonym, clocks).model_dump_json(indent=2))
        return
    for c in clocks:
        given = ", ".join(d.isoformat() for d in c.given) or "-"
        flag = _("LATE by {n} days").format(n=c.days_late) if c.late else ""
        typer.echo(_("{drug}: given {given}; next due {due} {flag}").format(
            drug=c.drug, given=given, due=c.next_due.isoformat(), flag=flag).rstrip())


@app.command()
def lab(pseudonym: str, user: As, test: Annotated[str, typer.Option("--test")],
        value: Annotated[float, typer.Option()], unit: Annotated[str, typer.Option()],
        sampled: Annotated[str, typer.Option(help="Sample date (YYYY-MM-DD).")],
        lln: Annotated[float | None, typer.Option()] = None,
        uln: Annotated[float | None, typer.Option()] = None,
        confirm_implausible: Annotated[bool, typer.Option(
            "--confirm-implausible", help="Keep a value outside its usual range (the protocol "
            "file's plausibility block).")] = False) -> None:
    """Record a laboratory result; prints its CTCAE v5.0 grade."""
    from dawna.services import safety

    db = database()
    row = safety.record_lab(db, get_settings(), principal(db, user), pseudonym, safety.LabIn(
        analyte=test, value=value, unit=unit, lln=lln, uln=uln,
        sample_date=day(sampled, "sampled"), confirm_implausible=confirm_implausible))
    typer.echo(_("{term}: grade {grade}").format(term=row.term, grade=row.grade))
    typer.echo(row.rule)


@app.command()
def ae(pseudonym: str, user: As,
       file: Annotated[Path, typer.Argument(help="JSON adverse event.")],
       number: Annotated[int | None, typer.Option(help="Correct this event.")] = None,
       version: Annotated[int | None, typer.Option()] = None,
       reason: Annotated[str | None, typer.Option()] = None) -> None:
    """Record an adverse event, or correct one (--number, --version, --reason)."""
    from dawna.services import safety
    from dawna.validation import validate

    data = read_json_object(file, _("an adverse event"))
    entry = validate(safety.AeIn, data, root="adverse_event", count_more=True)
    db = database()
    acting = principal(db, user)
    if number is None:
        number = safety.record_ae(db, get_settings(), acting, pseudonym, entry)
        typer.echo(_("adverse event {n} recorded").format(n=number))
    else:
        safety.update_ae(db, get_settings(), acting, pseudonym, number, entry,
                         version=version if version is not None else -1, reason=reason or "")
        typer.echo(_("adverse event {n} changed").format(n=number))


@app.command("sae-report")
def sae_report(pseudonym: str, user: As, number: Annotated[int, typer.Option()],
               at: Annotated[str | None, typer.Option(
                   help="When reported (YYYY-MM-DDTHH:MM, site time); default now.")] = None
               ) -> None:
    """Record that a serious adverse event was reported to the sponsor."""
    from dawna.services import safety

    settings = get_settings()
    when = None
    if at:
        try:
            when = datetime.fromisoformat(at).replace(tzinfo=settings.zone)
        except ValueError:
            raise ValidationError(_("not a date and time: {value}").format(value=at),
                                  field="at") from None
    db = database()
    safety.report_sae(db, settings, principal(db, user), pseudonym, number, when)
    typer.echo(_("adverse event {n} reported").format(n=number))


@app.command()
def dose(pseudonym: str, user: As,
         drug: Annotated[str | None, typer.Option(help="Record a decision for this drug.")]
         = None,
         action: Annotated[str | None, typer.Option(help="continue, hold_recheck, resume_same, "
                                                          "resume_lower, discontinue, delay, "
                                                          "reduce, day_dose")] = None,
         reason: Annotated[str | None, typer.Option()] = None,
         dose_to: Annotated[float | None, typer.Option(help="Reduced chemotherapy dose.")]
         = None,
         override: Annotated[bool, typer.Option(
             help="Resume although a cause of the hold has no recheck (say why in --reason).")]
         = False) -> None:
    """Show dawna's dose proposals (each cause of a hold with its state, every ongoing grade 3
    or higher event in or out of the proposal); with --drug, --action and --reason record a
    decision."""
    from dawna.services import dose_modification

    db = database()
    settings = get_settings()
    acting = principal(db, user)
    if drug is not None:
        dose_modification.decide(db, settings, acting, pseudonym, drug, action or "",
                                 reason or "", dose_to=dose_to, override=override)
        typer.echo(_("decision recorded for {drug}").format(drug=drug))
        return
    states = {"recovered": _("recovered"), "not_recovered": _("not recovered"),
              "no_recheck": _("no recheck yet")}
    for d in dose_modification.propose(db, settings, acting, pseudonym):
        typer.echo(f"{d.drug}: {d.proposal.action.value} · {d.rule} ({d.proposal.source})")
        for c in d.causes:
            typer.echo("  " + _("cause %(term)s grade %(grade)s: %(state)s · %(text)s") % {
                "term": c.term, "grade": c.grade, "state": states[c.state], "text": c.text})
        for r in d.severe:
            where = (_("in the proposal") if r.in_proposal
                     else _("left out of the proposal") + ": " + r.why)
            typer.echo("  " + _("ongoing %(term)s grade %(grade)s: %(where)s") % {
                "term": r.term, "grade": r.grade, "where": where})


@app.command("safety")
def safety_command(user: As) -> None:
    """Unreported serious adverse events and what is due this week."""
    from dawna.services import safety

    db = database()
    settings = get_settings()
    board = safety.board(db, settings, principal(db, user))
    for r in board.sae_unreported:
        state = _("overdue") if r.overdue else _("{h:.1f} h left").format(h=r.hours_left)
        typer.echo(_("SAE {id} #{n} {term}: report by {deadline} ({state})").format(
            id=r.pseudonym, n=r.number, term=r.term,
            deadline=r.deadline.astimezone(settings.zone).strftime("%Y-%m-%d %H:%M %Z"),
            state=state))
    for row in board.due:
        flag = _("overdue") if row.overdue else ""
        typer.echo(f"{row.event.date.isoformat()} {row.pseudonym} {row.event.kind} "
                   f"{render(row.event.label)} {flag}".rstrip())


@app.command("ae-export")
def ae_export(user: As) -> None:
    """The adverse event listing of your sites as CSV on standard output."""
    from dawna.services import safety

    db = database()
    rows = safety.ae_listing(db, principal(db, user))
    names = safety.AE_COLUMNS
    writer = csv.DictWriter(sys.stdout, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
