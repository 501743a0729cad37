"""A participant's regimen from the protocol file, and the treatment calendar.

Sources: the protocol file's ``arms[].regimen`` (registry record NCT05861830 arm texts and
``docs/domain.md`` §5), ``site_settings`` ``tumour_assessment_interval_weeks`` /
``tumour_assessment_window_days`` (domain.md §2: every 8 weeks ± 7 days from randomization,
site decision) and the palbociclib label's blood-count schedule (§5.1 / §2.2: "prior to the
start of therapy and at the beginning of each cycle, as well as on Day 15 of the first 2
cycles"), used for dalpiciclib as the class standard (domain.md §5).

A regimen id names the arm and the chosen option ids, in the protocol's group order:
``A:letrozole``, ``A:fulvestrant+goserelin``, ``B:weekly_paclitaxel``; a physician-entered arm B
regimen (registry "not limited to") is ``B:physician_entered`` and has no drugs: its calendar
holds the visits, blood counts and tumour assessments only.

Formulas, computed doses and dose modification are in :mod:`dawna.rules.dosing` and re-exported
here.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from dawna.protocol import Protocol
from dawna.protocol.regimen import ChoiceGroup, DrugComponent, Schedule
from dawna.rules.dosing import (
    CHEMO_REDUCTION_PERCENT,
    Action,
    ComputedDose,
    DosingError,
    PatientMeasures,
    Proposal,
    Toxicity,
    body_surface_area_m2,
    carboplatin_dose_mg,
    check_dose_on_levels,
    compute_doses,
    creatinine_clearance_ml_min,
    propose_chemotherapy,
    propose_dalpiciclib,
)
from dawna.rules.messages import N_, Message, number

__all__ = [
    "CHEMO_REDUCTION_PERCENT",
    "PHYSICIAN_ENTERED",
    "Action",
    "CalendarEvent",
    "ComputedDose",
    "DosingError",
    "LabRule",
    "PatientMeasures",
    "PlannedDrug",
    "Proposal",
    "Regimen",
    "RegimenSettings",
    "Toxicity",
    "body_surface_area_m2",
    "build_calendar",
    "carboplatin_dose_mg",
    "check_dose_on_levels",
    "choices_from_stored",
    "compute_doses",
    "creatinine_clearance_ml_min",
    "cycle_starts",
    "default_lab_rule",
    "propose_chemotherapy",
    "propose_dalpiciclib",
    "regimen_from_id",
    "regimen_ids",
    "regimen_settings",
    "resolve_regimen",
]

PHYSICIAN_ENTERED = "physician_entered"  # as dawna.services.regimen_choice stores it


@dataclass(frozen=True)
class PlannedDrug:
    """One drug of a participant's regimen, resolved from the protocol.

    ``dose`` per administration in ``unit`` (None for a range dose until chosen); ``days`` the
    cycle days (None = continuous, every day); ``cycle_overrides`` cycle -> days (loading doses);
    ``dose_levels`` starting dose first."""

    drug: str
    dose: float | None
    dose_min: float | None
    dose_max: float | None
    unit: str
    route: str
    frequency: str
    days: tuple[int, ...] | None
    cycle_overrides: Mapping[int, tuple[int, ...]] = field(hash=False)
    dose_levels: tuple[float, ...] | None
    source: str
    provenance: str = ""
    note: str | None = None

    def days_in_cycle(self, cycle: int) -> tuple[int, ...] | None:
        """Cycle days of administration in ``cycle`` (1-based); None when continuous."""
        return self.cycle_overrides.get(cycle, self.days)


@dataclass(frozen=True)
class Regimen:
    """A participant's resolved regimen (see the module docstring for ``id``)."""

    id: str
    arm: str
    cycle_length_days: int
    drugs: tuple[PlannedDrug, ...]
    procedures: tuple[str, ...]
    label: str
    physician_entered: bool = False

    def drug(self, name: str) -> PlannedDrug:
        for drug in self.drugs:
            if drug.drug == name:
                return drug
        raise DosingError("drug", Message(N_("{drug} is not a drug of {regimen}"),
                                          {"drug": name, "regimen": self.label}))


def _planned(component: DrugComponent) -> PlannedDrug:
    return PlannedDrug(
        drug=component.drug, dose=component.dose, dose_min=component.dose_min,
        dose_max=component.dose_max, unit=component.unit.value, route=component.route.value,
        frequency=component.frequency.value,
        days=None if component.continuous else tuple(component.days or ()),
        cycle_overrides={cycle: tuple(days) for cycle, days in component.cycle_overrides.items()},
        dose_levels=(tuple(component.dose_levels.levels) if component.dose_levels else None),
        source=component.source, provenance=component.provenance.value, note=component.note)


def _schedules(group: ChoiceGroup) -> Iterable[Schedule]:
    for option in group.options:
        yield option
        yield from option.alternatives


def _find(group: ChoiceGroup, option_id: str) -> Schedule | None:
    return next((s for s in _schedules(group) if s.id == option_id), None)


def resolve_regimen(protocol: Protocol, arm_id: str, choices: Mapping[str, str]) -> Regimen:
    """The regimen of a participant of ``arm_id`` with ``choices`` {choice group id: option or
    alternative id}.

    The arm's fixed components (dalpiciclib) always come first, then each group's choice in the
    protocol's order. A group with ``required_when`` (ovarian function suppression) may be left
    out; any other unanswered group, an unknown option or ``physician_entered`` where the group
    does not allow it is refused naming the group. Groups of the protocol's other arms and their
    ``<group>_text`` keys (as stored at randomization) are ignored; other keys are refused.
    """
    arm = next((a for a in protocol.arms if a.id == arm_id), None)
    if arm is None:
        raise DosingError("arm", Message(N_("{arm} is not an arm of the protocol"),
                                         {"arm": arm_id}))
    known = {g.id for a in protocol.arms for g in a.regimen.choices}
    for key in choices:
        if key not in known and not (key.endswith("_text") and key[:-5] in known):
            raise DosingError(key, Message(N_("not a choice group of the protocol")))
    drugs = [_planned(c) for c in arm.regimen.components]
    procedures: list[str] = []
    chosen_ids: list[str] = []
    labels = [c.drug.capitalize() for c in arm.regimen.components]
    entered = False
    for group in arm.regimen.choices:
        value = (choices.get(group.id) or "").strip()
        if not value:
            if group.required_when is not None:
                continue
            raise DosingError(group.id, Message(N_("choose one of the options of {group}"),
                                                {"group": group.label}))
        if value == PHYSICIAN_ENTERED:
            if not group.physician_entered_allowed:
                raise DosingError(group.id, Message(
                    N_("{group} must be one of the listed options"), {"group": group.label}))
            entered = True
            chosen_ids.append(value)
            labels.append("physician-entered regimen")
            continue
        schedule = _find(group, value)
        if schedule is None:
            raise DosingError(group.id, Message(
                N_("{value} is not an option of {group} ({options})"),
                {"value": value, "group": group.label,
                 "options": ", ".join(s.id for s in _schedules(group))}))
        chosen_ids.append(schedule.id)
        labels.append(schedule.label)
        drugs.extend(_planned(c) for c in schedule.components)
        if schedule.procedure is not None:
            procedures.append(schedule.procedure.name)
    return Regimen(id=f"{arm.id}:{'+'.join(chosen_ids)}", arm=arm.id,
                   cycle_length_days=arm.regimen.cycle_length_days, drugs=tuple(drugs),
                   procedures=tuple(procedures), label=f"{arm.label}: {' + '.join(labels)}",
                   physician_entered=entered)


def choices_from_stored(stored: Mapping[str, Mapping[str, str]], arm_id: str) -> dict[str, str]:
    """The choices of ``arm_id`` from the randomization record's ``regimen_choices``
    (``{group_id: {"arm": "A", "option": option_id, "label": ...}}``, see
    :mod:`dawna.services.regimen_choice`), for :func:`resolve_regimen`."""
    return {group: str(entry["option"]) for group, entry in stored.items()
            if entry.get("arm") == arm_id and entry.get("option")}


def regimen_from_id(protocol: Protocol, regimen_id: str) -> Regimen:
    """The regimen named ``ARM:OPTION[+OPTION...]`` (option or alternative ids of the arm's
    choice groups, in any order; the arm's fixed drugs may be named too and are ignored), e.g.
    ``A:goserelin+fulvestrant`` → ``A:fulvestrant+goserelin``. For ``dawna calendar --regimen``
    without a database."""
    arm_id, sep, rest = regimen_id.strip().partition(":")
    arm = next((a for a in protocol.arms if a.id == arm_id.strip()), None)
    if not sep or arm is None:
        raise DosingError("regimen", Message(
            N_("{value} is not a regimen id: ARM:OPTION[+OPTION], e.g. {example}"),
            {"value": regimen_id, "example": "A:fulvestrant+goserelin"}))
    fixed = {c.drug for c in arm.regimen.components}
    choices: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in rest.split("+"))):
        if part in fixed:
            continue
        groups = [g for g in arm.regimen.choices
                  if _find(g, part) is not None
                  or (part == PHYSICIAN_ENTERED and g.physician_entered_allowed)]
        if not groups:
            raise DosingError("regimen", Message(
                N_("{value} is not an option of arm {arm}"), {"value": part, "arm": arm.id}))
        group = groups[0]
        if group.id in choices:
            raise DosingError("regimen", Message(
                N_("{first} and {second} are both options of {group}: choose one"),
                {"first": choices[group.id], "second": part, "group": group.label}))
        choices[group.id] = part
    return resolve_regimen(protocol, arm.id, choices)


def regimen_ids(protocol: Protocol) -> list[str]:
    """Every regimen id with one option (or alternative) per required group, and none or one
    per conditional group (OFS), in protocol order; ``physician_entered`` where allowed."""
    out: list[str] = []
    for arm in protocol.arms:
        per_group: list[list[str | None]] = []
        for group in arm.regimen.choices:
            ids: list[str | None] = [s.id for s in _schedules(group)]
            if group.physician_entered_allowed:
                ids.append(PHYSICIAN_ENTERED)
            per_group.append([None, *ids] if group.required_when is not None else ids)
        for combo in itertools.product(*per_group):
            out.append(f"{arm.id}:{'+'.join(i for i in combo if i is not None)}")
    return out


@dataclass(frozen=True)
class RegimenSettings:
    """The protocol's calendar and dosing settings (defaults: domain.md §2, §5)."""

    assessment_interval_weeks: int = 8
    assessment_window_days: int = 7
    carboplatin_gfr_cap: float = 125.0


def regimen_settings(protocol: Protocol) -> RegimenSettings:
    """``tumour_assessment_interval_weeks``, ``tumour_assessment_window_days`` and
    ``carboplatin_gfr_cap`` from the protocol's site settings (defaults when absent);
    ``bsa_formula`` other than ``mosteller`` is refused (the only one implemented)."""
    settings = protocol.site_settings
    bsa = settings.get("bsa_formula")
    if bsa is not None and str(bsa.value).lower() != "mosteller":
        raise DosingError("bsa_formula", Message(N_("{value} is not supported: use mosteller"),
                                                 {"value": str(bsa.value)}))
    default = RegimenSettings()

    def get(name: str, fallback: float) -> float:
        return protocol.setting_number(name) if name in settings else fallback

    return RegimenSettings(
        assessment_interval_weeks=int(get("tumour_assessment_interval_weeks",
                                          default.assessment_interval_weeks)),
        assessment_window_days=int(get("tumour_assessment_window_days",
                                       default.assessment_window_days)),
        carboplatin_gfr_cap=get("carboplatin_gfr_cap", default.carboplatin_gfr_cap))


# --- calendar --------------------------------------------------------------------------------

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
    "day 15 of the first 2 cycles (dalpiciclib class standard, domain.md §5)"))
CHEMOTHERAPY_LAB_RULE = LabRule(days=(1,), source=(
    "site decision: complete blood count before each 21-day chemotherapy cycle (day 1)"))


def default_lab_rule(regimen: Regimen) -> LabRule:
    """Day 1 of every cycle and day 15 of cycles 1–2 when the regimen has dalpiciclib (arm A);
    day 1 of every cycle otherwise (arm B: a site decision)."""
    if any(drug.drug == "dalpiciclib" for drug in regimen.drugs):
        return CDK46_LAB_RULE
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
    for n in itertools.count(1):
        when = anchor + datetime.timedelta(weeks=assessment_interval_weeks * n)
        if when > until:
            break
        events.append(CalendarEvent(
            when, "tumour_assessment", None, None, window_start=when - window,
            window_end=when + window, label=Message(
                N_("Tumour assessment {number} (window {start} – {end})"),
                {"number": str(n), "start": (when - window).isoformat(),
                 "end": (when + window).isoformat()})))
    events.sort(key=lambda e: (e.date, _KIND_ORDER[e.kind], e.drug or ""))
    return events
