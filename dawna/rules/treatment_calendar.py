"""The treatment calendar: cycle starts (delays move the cycles after them), dose days, visits,
blood counts and tumour assessments, and which blood counts are due.

Sources: the protocol file's ``arms[].regimen`` (``docs/domain.md`` §5), ``site_settings``
``tumour_assessment_interval_weeks`` / ``tumour_assessment_window_days`` (domain.md §2: every
8 weeks ± 7 days from randomization, site decision) and the palbociclib label's blood-count
schedule (§5.1 / §2.2: "prior to the start of therapy and at the beginning of each cycle, as
well as on Day 15 of the first 2 cycles"), used for dalpiciclib as the class standard
(domain.md §5).
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from dawna.rules.dose_formulas import ComputedDose
from dawna.rules.messages import N_, Message, number
from dawna.rules.regimen_model import DosingError, Regimen

__all__ = [
    "BLOOD_COUNT_ANALYTES",
    "CDK46_LAB_RULE",
    "CHEMOTHERAPY_LAB_RULE",
    "DUE_AHEAD_DAYS",
    "CalendarEvent",
    "LabRule",
    "build_calendar",
    "cycle_starts",
    "default_lab_rule",
    "interval_dates",
    "labs_due",
    "sampled_in_window",
]

EventKind = Literal["dose", "visit", "lab", "tumour_assessment", "procedure"]
_KIND_ORDER: Mapping[str, int] = {"procedure": 0, "visit": 1, "lab": 2, "dose": 3,
                                  "tumour_assessment": 4}


@dataclass(frozen=True)
class CalendarEvent:
    date: datetime.date
    kind: EventKind
    cycle: int | None
    day: int | None
    drug: str | None = None
    dose: float | None = None
    unit: str | None = None
    route: str | None = None
    frequency: str | None = None
    label: Message | None = None
    window_start: datetime.date | None = None
    window_end: datetime.date | None = None


@dataclass(frozen=True)
class LabRule:
    """Blood counts: on ``days`` of every cycle, plus ``early_days`` in cycles 1 to
    ``early_cycles``."""

    days: tuple[int, ...] = (1,)
    early_days: tuple[int, ...] = ()
    early_cycles: int = 0
    source: str = ""


CDK46_LAB_RULE = LabRule(days=(1,), early_days=(15,), early_cycles=2, source=(
    "palbociclib label §2.2/§5.1: complete blood count at the beginning of each cycle and on "
    "day 15 of the first 2 cycles (the CDK4/6 inhibitor class standard for dalpiciclib)"))
CHEMOTHERAPY_LAB_RULE = LabRule(days=(1,), source=(
    "site decision: complete blood count before each 21-day chemotherapy cycle (day 1)"))


def default_lab_rule(regimen: Regimen) -> LabRule:
    """Day 1 of every cycle and day 15 of cycles 1–2 when the regimen has dalpiciclib (arm A);
    otherwise day 1 of every cycle (arm B: a site decision) and every day a drug's
    modification rule counts before its dose (``count_days``: day 8 of gemcitabine, days 8 and
    15 of weekly paclitaxel)."""
    if any(drug.drug == "dalpiciclib" for drug in regimen.drugs):
        return CDK46_LAB_RULE
    days = sorted({1} | {day for drug in regimen.drugs if drug.modification is not None
                         for day in drug.modification.count_days})
    if days != [1]:
        return LabRule(days=tuple(days), source=(
            "protocol file, the regimen's modification rules: a blood count before each dose "
            "judged by a count (Gemzar prescribing information §2: day-8 dose by the counts)"))
    return CHEMOTHERAPY_LAB_RULE


def cycle_starts(first_day: datetime.date, cycle_length_days: int, cycles: int,
                 actual_starts: Mapping[int, datetime.date] | None = None
                 ) -> list[datetime.date]:
    """Start of each cycle 1..``cycles``: planned back to back from ``first_day``; an actual
    (delayed) start of cycle k moves cycles k+1… by the same delay. A start before the previous
    cycle ends is refused; actual starts of cycles beyond ``cycles`` are ignored."""
    if isinstance(cycles, bool) or not isinstance(cycles, int) or cycles < 1:
        raise DosingError("cycles", Message(N_("at least one cycle is needed")))
    if cycle_length_days < 1:
        raise DosingError("cycle_length_days", Message(N_("must be at least 1 day")))
    actual = dict(actual_starts or {})
    for cycle in actual:
        if cycle < 1:
            raise DosingError("cycle_start", Message(N_("cycle {cycle} does not exist"),
                                                     {"cycle": str(cycle)}))
    length = datetime.timedelta(days=cycle_length_days)
    starts: list[datetime.date] = []
    for cycle in range(1, cycles + 1):
        planned = starts[-1] + length if starts else first_day
        start = actual.get(cycle, planned)
        if starts and start < planned:
            raise DosingError("cycle_start", Message(
                N_("cycle {cycle} cannot start before cycle {previous} ends ({end}); the "
                   "earliest start is {earliest}"),
                {"cycle": str(cycle), "previous": str(cycle - 1),
                 "end": (planned - datetime.timedelta(days=1)).isoformat(),
                 "earliest": planned.isoformat()}))
        starts.append(start)
    return starts


def interval_dates(anchor: datetime.date, interval_weeks: int,
                   until: datetime.date) -> list[datetime.date]:
    """Every ``interval_weeks`` weeks after ``anchor`` up to ``until`` (the tumour assessment
    grid: on the calendar from randomization, not moved by cycle delays; domain.md §2)."""
    if interval_weeks < 1:
        raise DosingError("interval_weeks", Message(N_("must be at least 1 week")))
    out: list[datetime.date] = []
    for n in itertools.count(1):
        when = anchor + datetime.timedelta(weeks=interval_weeks * n)
        if when > until:
            return out
        out.append(when)
    return out  # pragma: no cover - itertools.count never ends


def _amount(dose: float | None, low: float | None, high: float | None, unit: str) -> str:
    value = number(dose) if dose is not None else f"{number(low or 0)}–{number(high or 0)}"
    if unit == "AUC mg/mL·min":
        return f"AUC {value}"
    return f"{value} {'mg/m²' if unit == 'mg/m2' else unit}"


def build_calendar(regimen: Regimen, first_day: datetime.date, cycles: int, *,
                   randomization_date: datetime.date | None = None,
                   actual_starts: Mapping[int, datetime.date] | None = None,
                   doses: Sequence[ComputedDose] = (),
                   assessment_interval_weeks: int = 8, assessment_window_days: int = 7,
                   assessments_until: datetime.date | None = None,
                   lab_rule: LabRule | None = None) -> list[CalendarEvent]:
    """The treatment calendar of ``cycles`` cycles from ``first_day`` (cycle 1 day 1).

    - Doses: every administration day of every drug, with the computed dose (mg) when ``doses``
      has the drug, else the protocol dose and unit (None for an unchosen range). Days follow
      ``cycle_overrides`` (fulvestrant days 1 and 15 of cycle 1, then day 1). Continuous drugs
      (letrozole, tamoxifen) have one event per day of the cycle and go on through a delay
      before the next cycle (those days count on as days 29, 30… of the delayed cycle's
      predecessor); BID stays one event per day with frequency "BID".
    - A visit on day 1 of every cycle; procedures (bilateral oophorectomy) once, on
      ``first_day``.
    - Blood counts by ``lab_rule`` (default :func:`default_lab_rule`), following the actual
      cycle starts.
    - Tumour assessments every ``assessment_interval_weeks`` weeks from ``randomization_date``
      (default ``first_day``) ± ``assessment_window_days``, not moved by cycle delays (RECIST
      assessments run on the calendar, domain.md §2), up to ``assessments_until`` or the last
      day of the last cycle. The baseline scan (within 4 weeks before start) is not scheduled.

    Sorted by date, then kind (procedure, visit, lab, dose, tumour assessment), then drug.
    """
    anchor = randomization_date or first_day
    if first_day < anchor:
        raise DosingError("first_day", Message(
            N_("treatment cannot start before randomization ({date})"),
            {"date": anchor.isoformat()}))
    if assessment_interval_weeks < 1:
        raise DosingError("assessment_interval_weeks", Message(N_("must be at least 1 week")))
    if assessment_window_days < 0:
        raise DosingError("assessment_window_days", Message(N_("cannot be negative")))
    starts = cycle_starts(first_day, regimen.cycle_length_days, cycles, actual_starts)
    if starts[0] < anchor:
        raise DosingError("cycle_start", Message(
            N_("treatment cannot start before randomization ({date})"),
            {"date": anchor.isoformat()}))
    rule = lab_rule or default_lab_rule(regimen)
    length = regimen.cycle_length_days
    for day in (*rule.days, *rule.early_days):
        if not 1 <= day <= length:
            raise DosingError("lab_rule", Message(
                N_("day {day} is outside the {length}-day cycle"),
                {"day": str(day), "length": str(length)}))
    computed = {dose.drug: dose for dose in doses}
    for name in computed:
        regimen.drug(name)  # refuses a dose of a drug the regimen does not have

    events: list[CalendarEvent] = []
    one_day = datetime.timedelta(days=1)
    for cycle, start in enumerate(starts, 1):
        next_start = starts[cycle] if cycle < len(starts) else start + length * one_day
        if cycle == 1:
            events.extend(CalendarEvent(start, "procedure", 1, 1, label=Message(
                N_("Procedure: {name}"), {"name": name})) for name in regimen.procedures)
        events.append(CalendarEvent(start, "visit", cycle, 1, label=Message(
            N_("Cycle {cycle} day 1 visit"), {"cycle": str(cycle)})))
        lab_days = set(rule.days) | (set(rule.early_days) if cycle <= rule.early_cycles
                                     else set())
        events.extend(CalendarEvent(start + (day - 1) * one_day, "lab", cycle, day,
                                    label=Message(N_("Blood count")))
                      for day in sorted(lab_days))
        for drug in regimen.drugs:
            days = drug.days_in_cycle(cycle) or range(1, (next_start - start).days + 1)
            given = computed.get(drug.drug)
            dose, unit = (given.dose, given.unit) if given else (drug.dose, drug.unit)
            amount = _amount(dose, drug.dose_min, drug.dose_max, unit)
            label = Message(N_("{drug} {amount} {route} {frequency}"), {
                "drug": drug.drug, "amount": amount, "route": drug.route,
                "frequency": drug.frequency})
            events.extend(CalendarEvent(start + (day - 1) * one_day, "dose", cycle, day,
                                        drug=drug.drug, dose=dose, unit=unit, route=drug.route,
                                        frequency=drug.frequency, label=label)
                          for day in days)

    until = assessments_until or (starts[-1] + (length - 1) * one_day)
    window = datetime.timedelta(days=assessment_window_days)
    for n, when in enumerate(interval_dates(anchor, assessment_interval_weeks, until), 1):
        events.append(CalendarEvent(
            when, "tumour_assessment", None, None, window_start=when - window,
            window_end=when + window, label=Message(
                N_("Tumour assessment {number} (window {start} – {end})"),
                {"number": str(n), "start": (when - window).isoformat(),
                 "end": (when + window).isoformat()})))
    events.sort(key=lambda e: (e.date, _KIND_ORDER[e.kind], e.drug or ""))
    return events


#: Laboratory tests that make a blood count (``dawna.rules.ctcae.LAB_ANALYTES`` keys).
BLOOD_COUNT_ANALYTES = ("anc", "wbc", "platelets", "haemoglobin")
#: A blood count is shown as due this many days ahead [site decision: the week's work list].
DUE_AHEAD_DAYS = 7
#: A count sampled from this many days before the due day to this many days after it is the
#: count of that day [site decision: the palbociclib label asks for the count "at the beginning
#: of each cycle"; a sample taken 1–3 days before day 1 is usual practice].
SAMPLED_BEFORE_DAYS, SAMPLED_AFTER_DAYS = 3, 1


def sampled_in_window(due: datetime.date, sampled: Iterable[datetime.date]) -> bool:
    """Whether a blood count was sampled for the count due on ``due``: from
    :data:`SAMPLED_BEFORE_DAYS` (3) days before it to :data:`SAMPLED_AFTER_DAYS` (1) day after."""
    before = due - datetime.timedelta(days=SAMPLED_BEFORE_DAYS)
    after = due + datetime.timedelta(days=SAMPLED_AFTER_DAYS)
    return any(before <= d <= after for d in sampled)


def labs_due(events: Sequence[CalendarEvent], today: datetime.date, *,
             first_dose: datetime.date | None, on_treatment: bool,
             sampled: Iterable[datetime.date]) -> list[CalendarEvent]:
    """The blood counts of the calendar ``events`` that are due: from the first dose on (none
    before treatment starts or once it has ended), up to :data:`DUE_AHEAD_DAYS` (7) days after
    ``today`` or overdue, without a blood count ``sampled`` (sample dates of the
    :data:`BLOOD_COUNT_ANALYTES`) from :data:`SAMPLED_BEFORE_DAYS` (3) days before the due day
    to :data:`SAMPLED_AFTER_DAYS` (1) day after it. Calendar order is kept.

    Source: the blood-count schedule of :func:`default_lab_rule` (palbociclib label §2.2/§5.1,
    domain.md §5); the windows are site decisions."""
    if first_dose is None or not on_treatment:
        return []
    dates = set(sampled)
    horizon = today + datetime.timedelta(days=DUE_AHEAD_DAYS)
    due = []
    for e in events:
        if e.kind != "lab" or e.date < first_dose or e.date > horizon:
            continue
        if sampled_in_window(e.date, dates):
            continue
        due.append(e)
    return due
