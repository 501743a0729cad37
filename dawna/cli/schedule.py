"""``dawna calendar`` and ``dawna ctcae``: a treatment calendar and a CTCAE grade. Neither needs
the database unless ``dawna calendar`` is given a participant, so the rules, the protocol and the
services are imported inside the commands (the command line starts at once: issue 23 item 2)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from dawna.cli.common import OutputFormat, database, day, get_settings, principal
from dawna.errors import ValidationError
from dawna.i18n import _
from dawna.rules import ctcae
from dawna.services.rendered import event_json, render

if TYPE_CHECKING:
    from dawna.rules.regimens import CalendarEvent

__all__ = ["CalendarFormat", "calendar", "ctcae_command"]


class CalendarFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    ICS = "ics"


def _print_events(events: list[CalendarEvent], title: str, fmt: CalendarFormat,
                  uid: str) -> None:
    if fmt is CalendarFormat.JSON:
        typer.echo(json.dumps({"calendar": title, "events": [event_json(e) for e in events]},
                              indent=2, ensure_ascii=False))
        return
    if fmt is CalendarFormat.ICS:
        from dawna.exports.ical import calendar_ics

        sys.stdout.write(calendar_ics(events, calendar_name=title, uid_prefix=uid,
                                      render=render, tz=get_settings().site_timezone)
                         .decode("utf-8"))
        return
    from rich.console import Console  # Rich loads when a table is printed, not for --help
    from rich.table import Table

    table = Table(title=title)
    for column in (_("Date"), _("Cycle/day"), _("What"), _("Drug and dose")):
        table.add_column(column)
    for e in events:
        dose = ""
        if e.drug:
            amount = f"{e.dose:g} {e.unit}" if e.dose is not None else ""
            dose = " ".join(x for x in (e.drug, amount, e.route or "", e.frequency or "") if x)
        table.add_row(e.date.isoformat(), f"C{e.cycle}D{e.day}" if e.cycle else "",
                      e.kind + (f" · {render(e.label)}" if e.label else ""), dose)
    Console().print(table)


def calendar(
    participant: Annotated[str | None, typer.Argument(
        help="Participant pseudonym (needs --as); or use --regimen.")] = None,
    regimen: Annotated[str | None, typer.Option(
        help="Regimen id, e.g. A:letrozole, A:fulvestrant+goserelin, B:paclitaxel_carboplatin "
             "(no database needed).")] = None,
    start: Annotated[str | None, typer.Option(help="Cycle 1 day 1 (YYYY-MM-DD).")] = None,
    cycles: Annotated[int, typer.Option(min=1, max=60, help="Number of cycles.")] = 6,
    height_cm: Annotated[float | None, typer.Option(help="For mg/m² doses.")] = None,
    weight_kg: Annotated[float | None, typer.Option(help="For mg/m² and carboplatin.")] = None,
    age: Annotated[float | None, typer.Option(help="Years, for carboplatin.")] = None,
    creatinine: Annotated[float | None, typer.Option(
        help="Serum creatinine µmol/L, for carboplatin.")] = None,
    user: Annotated[str | None, typer.Option("--as", help="User name (with a participant).")]
    = None,
    format: Annotated[CalendarFormat, typer.Option("--format")] = CalendarFormat.TEXT,
) -> None:
    """Print a treatment calendar: every dose day, visit, blood count and tumour assessment."""
    if regimen is not None:
        if participant is not None:
            raise ValidationError(_("give a participant or --regimen, not both"),
                                  field="regimen")
        if start is None:
            raise ValidationError(_("--regimen needs --start"), field="start")
        from dawna.protocol import bundled_protocol
        from dawna.rules import regimens as rx

        protocol = bundled_protocol()
        try:
            resolved = rx.regimen_from_id(protocol, regimen)
            doses: list[rx.ComputedDose] = []
            if height_cm or weight_kg or age or creatinine:
                doses = rx.compute_doses(resolved, rx.PatientMeasures(
                    height_cm=height_cm, weight_kg=weight_kg, age_years=age,
                    creatinine_umol_l=creatinine),
                    gfr_cap=protocol.setting_number("carboplatin_gfr_cap"))
            first = day(start, "start")
            events = rx.build_calendar(
                resolved, first, cycles, randomization_date=first, doses=doses,
                assessment_interval_weeks=int(protocol.setting_number(
                    "tumour_assessment_interval_weeks")),
                assessment_window_days=int(protocol.setting_number(
                    "tumour_assessment_window_days")))
        except rx.DosingError as exc:
            raise ValidationError(render(exc.reason), field=exc.field) from None
        _print_events(events, f"DAWNA-FES {resolved.id}", format, f"{resolved.id}-")
        return
    if participant is None or user is None:
        raise ValidationError(_("give a participant and --as USER, or --regimen ID --start "
                              "DATE"), field="participant")
    from dawna.services import treatment

    db = database()
    events = treatment.participant_calendar(db, get_settings(), principal(db, user),
                                            participant, extra_cycles=cycles)
    _print_events(events, f"DAWNA-FES {participant}", format, f"{participant}-")


def ctcae_command(
    term: Annotated[str, typer.Argument(help="Test or CTCAE term: ANC, WBC, PLT, Hb, ALT, AST, "
                                             "bilirubin, creatinine, or the CTCAE term.")],
    value: Annotated[float, typer.Argument(help="The value as reported.")],
    unit: Annotated[str, typer.Argument(help="Its unit, e.g. 10^9/L, /mm3, g/dL, U/L, "
                                             "umol/L, mg/dL.")],
    lln: Annotated[float | None, typer.Option(help="Lower limit of normal (same unit).")]
    = None,
    uln: Annotated[float | None, typer.Option(help="Upper limit of normal (same unit).")]
    = None,
    baseline: Annotated[float | None, typer.Option(
        help="Baseline value (same unit), for ALT, AST, bilirubin, creatinine.")] = None,
    format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TEXT,
) -> None:
    """The CTCAE v5.0 grade of a laboratory value, with the rule applied."""
    try:
        graded = ctcae.grade_lab(ctcae.analyte_key(term), value, unit, lln=lln, uln=uln,
                                 baseline=baseline)
    except ctcae.CtcaeError as exc:
        raise ValidationError(render(exc.reason), field=exc.field) from None
    if format is OutputFormat.JSON:
        typer.echo(json.dumps({"term": graded.term, "grade": graded.grade,
                               "value": graded.value, "unit": graded.unit,
                               "basis": graded.basis, "rule": render(graded.rule),
                               "ctcae_version": ctcae.CTCAE_VERSION}, ensure_ascii=False))
        return
    typer.echo(_("{term}: grade {grade}").format(term=graded.term, grade=graded.grade))
    typer.echo(render(graded.rule))
