"""Treatment of a randomized participant: the regimen and its confirmed doses, the cycles given,
the calendar, and the treatment page's view (current cycle, dose levels, labs due, open AEs).

Rules come from ``dawna.rules.regimens`` (regimens from the protocol file, dose formulas, the
cycle calendar; domain.md §2 and §5). The regimen choice is the one recorded at randomization
(ICH E9 §2.3: a physician's choice declared before the arm is known); the prescriber may pick a
variant the protocol file lists for that option (weekly paclitaxel, cisplatin for carboplatin,
intramuscular leuprorelin) and confirms the computed doses with their formula and inputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.clock import local_today, utcnow
from dawna.config import Settings
from dawna.errors import ConflictError, ProtocolViolation, ValidationError
from dawna.i18n import _, gettext
from dawna.protocol import bundled_protocol
from dawna.rules import regimens as rx
from dawna.rules.lifecycle import Event, State
from dawna.rules.messages import Message
from dawna.services import lifecycle
from dawna.services.access import Permission, Principal
from dawna.services.participants import actor_of, load_visible
from dawna.store.db import Database
from dawna.store.models import (
    AdverseEvent,
    Allocation,
    DoseDecision,
    Participant,
    StatusEvent,
    TreatmentCycle,
    TreatmentPlan,
)
from dawna.store.uow import UnitOfWork

__all__ = [
    "CustomDrugIn", "CycleIn", "MeasuresIn", "PlanIn", "PlanPreview", "TreatmentView",
    "calendar_events", "confirm_plan", "preview_plan", "record_cycle", "render",
    "treatment_view",
]

CUSTOM = "physician_entered"


def render(message: Message | None) -> str:
    """A rule's message in the reader's language."""
    return "" if message is None else message.render(gettext)


def _rule_error(exc: rx.DosingError) -> ValidationError:
    return ValidationError(render(exc.message), field=exc.field)


# --- input --------------------------------------------------------------------------------------


class MeasuresIn(BaseModel):
    """Inputs of computed doses: body surface area (mg/m²) and Calvert carboplatin."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    height_cm: float | None = Field(default=None, ge=100, le=250)
    weight_kg: float | None = Field(default=None, ge=25, le=250)
    age_years: float | None = Field(default=None, ge=18, le=110)
    creatinine_umol_l: float | None = Field(default=None, gt=0, le=2000)
    female: bool = True
    measured_on: date | None = None


class CustomDrugIn(BaseModel):
    """One drug of a physician-entered arm B regimen (registry record: "not limited to")."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    drug: str = Field(min_length=2, max_length=60, pattern=r"^[A-Za-z][A-Za-z0-9 \-]*$")
    dose: float = Field(gt=0, le=10000)
    unit: Literal["mg", "mg/m2", "AUC mg/mL·min"]
    route: Literal["PO", "IV", "IM", "SC"]
    frequency: Literal["ONCE", "QD", "BID"] = "ONCE"
    days: list[int] = Field(min_length=1, max_length=21)


class PlanIn(BaseModel):
    """The prescriber's plan: measures, variants of the randomized choices, doses picked within
    a protocol range (tamoxifen 10-20 mg), and the drugs of a physician-entered regimen."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    measures: MeasuresIn = MeasuresIn()
    variants: dict[str, str] = Field(default_factory=dict)
    chosen: dict[str, float] = Field(default_factory=dict)
    custom_drugs: list[CustomDrugIn] = Field(default_factory=list, max_length=6)


class CycleIn(BaseModel):
    """A cycle started: its day 1, the dose given of each drug (default: the current level),
    and why it started later than planned."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    cycle: int = Field(ge=1, le=200)
    start_date: date
    doses: dict[str, float] = Field(default_factory=dict)
    delay_reason: str | None = Field(default=None, max_length=500)


# --- regimen of a participant ------------------------------------------------------------------


def _allocation(s: Session, p: Participant) -> Allocation:
    allocation = s.scalar(select(Allocation).where(Allocation.participant_id == p.id))
    if allocation is None:
        raise ProtocolViolation(_("{id} is not randomized; treatment starts after "
                                  "randomization").format(id=p.pseudonym), field="status")
    return allocation


def _randomized_on(allocation: Allocation, settings: Settings) -> date:
    return allocation.randomized_at.astimezone(settings.zone).date()


def _choices(allocation: Allocation, variants: Mapping[str, str]) -> tuple[dict[str, str], bool]:
    """Option per choice group of the allocated arm, with the prescriber's variants; and whether
    the regimen is physician-entered."""
    arm = next(a for a in bundled_protocol().arms if a.id == allocation.arm)
    out: dict[str, str] = {}
    custom = False
    for group in arm.regimen.choices:
        chosen = (allocation.regimen or {}).get(group.id)
        if not chosen:
            continue
        option_id = chosen.get("option")
        if option_id == CUSTOM:
            custom = True
            continue
        option = group.option(str(option_id))
        allowed = {option.id} | {alt.id for alt in option.alternatives}
        variant = variants.get(group.id, option.id)
        if variant not in allowed:
            raise ValidationError(
                _("the choice {option} was recorded at randomization; only its variants "
                  "({allowed}) may be given").format(option=option.id,
                                                     allowed=", ".join(sorted(allowed))),
                field=f"variants.{group.id}")
        out[group.id] = variant
    for key in variants:
        if key not in out:
            raise ValidationError(_("not a regimen choice of this participant"),
                                  field=f"variants.{key}")
    return out, custom


def _custom_regimen(base: rx.Regimen, drugs: Sequence[Mapping[str, Any]]) -> rx.Regimen:
    planned = tuple(rx.PlannedDrug(
        drug=str(d["drug"]).strip().lower(), dose=float(d["dose"]), dose_min=None,
        dose_max=None, unit=str(d["unit"]), route=str(d["route"]),
        frequency=str(d.get("frequency", "ONCE")), days=tuple(int(x) for x in d["days"]),
        cycle_overrides={}, dose_levels=None, source="physician-entered regimen")
        for d in drugs)
    return rx.Regimen(id=f"{base.arm}:{CUSTOM}", arm=base.arm,
                      cycle_length_days=base.cycle_length_days,
                      drugs=tuple(base.drugs) + planned, procedures=base.procedures,
                      label=_("Physician-entered regimen"))


def _regimen(allocation: Allocation, variants: Mapping[str, str],
             custom_drugs: Sequence[Mapping[str, Any]]) -> rx.Regimen:
    choices, custom = _choices(allocation, variants)
    try:
        base = rx.resolve_regimen(bundled_protocol(), allocation.arm, choices)
    except rx.DosingError as exc:
        raise _rule_error(exc) from None
    if custom:
        if not custom_drugs:
            raise ValidationError(_("a physician-entered regimen needs its drugs (drug, dose, "
                                    "unit, route, cycle days)"), field="custom_drugs")
        for i, d in enumerate(custom_drugs):
            for day in d["days"]:
                if not 1 <= int(day) <= base.cycle_length_days:
                    raise ValidationError(
                        _("day {day} is outside the {n}-day cycle").format(
                            day=day, n=base.cycle_length_days),
                        field=f"custom_drugs.{i}.days")
        return _custom_regimen(base, custom_drugs)
    if custom_drugs:
        raise ValidationError(_("drugs are entered only for a physician-entered regimen"),
                              field="custom_drugs")
    return base


def plan_regimen(plan: TreatmentPlan, allocation: Allocation) -> rx.Regimen:
    return _regimen(allocation, plan.variants, plan.custom_drugs)


def _measures(m: MeasuresIn) -> rx.PatientMeasures:
    return rx.PatientMeasures(height_cm=m.height_cm, weight_kg=m.weight_kg,
                              age_years=m.age_years, creatinine_umol_l=m.creatinine_umol_l,
                              female=m.female)


def _gfr_cap() -> float:
    return bundled_protocol().setting_number("carboplatin_gfr_cap")


@dataclass(frozen=True)
class DoseRow:
    drug: str
    dose: float
    unit: str
    route: str
    frequency: str
    formula: str
    inputs: dict[str, float]
    level: int | None


@dataclass(frozen=True)
class PlanPreview:
    regimen_id: str
    label: str
    arm: str
    cycle_length_days: int
    doses: list[DoseRow]
    procedures: list[str]


def _dose_rows(regimen: rx.Regimen, doses: Sequence[rx.ComputedDose]) -> list[DoseRow]:
    by_drug = {d.drug: d for d in regimen.drugs}
    return [DoseRow(drug=d.drug, dose=d.dose, unit=d.unit, route=by_drug[d.drug].route,
                    frequency=by_drug[d.drug].frequency, formula=render(d.formula),
                    inputs=dict(d.inputs), level=d.level) for d in doses]


def _compute(regimen: rx.Regimen, plan: PlanIn, levels: Mapping[str, int] | None = None,
             factors: Mapping[str, float] | None = None) -> list[rx.ComputedDose]:
    try:
        return rx.compute_doses(regimen, _measures(plan.measures), levels=levels,
                                chosen=plan.chosen, gfr_cap=_gfr_cap(), factors=factors)
    except rx.DosingError as exc:
        raise _rule_error(exc) from None


def _load_for_treatment(s: Session, principal: Principal, pseudonym: str,
                        permission: Permission) -> Participant:
    p = load_visible(s, principal, pseudonym)
    principal.require(permission, p.site_id)
    return p


def preview_plan(db: Database, principal: Principal, pseudonym: str,
                 plan: PlanIn) -> PlanPreview:
    """The regimen and its computed doses, with formula and inputs, not stored."""
    with db.sessions() as s:
        p = _load_for_treatment(s, principal, pseudonym, Permission.TREATMENT_VIEW)
        allocation = _allocation(s, p)
        regimen = _regimen(allocation, plan.variants,
                           [d.model_dump() for d in plan.custom_drugs])
        doses = _compute(regimen, plan)
    return PlanPreview(regimen_id=regimen.id, label=regimen.label, arm=regimen.arm,
                       cycle_length_days=regimen.cycle_length_days,
                       doses=_dose_rows(regimen, doses), procedures=list(regimen.procedures))


def confirm_plan(db: Database, settings: Settings, principal: Principal, pseudonym: str,
                 plan: PlanIn, *, version: int | None = None,
                 reason: str | None = None) -> PlanPreview:
    """The prescriber confirms the regimen and its doses (investigators only). A change of a
    confirmed plan (new weight, another variant) needs the current version and a reason."""
    today = local_today(settings.zone)
    if plan.measures.measured_on is not None and plan.measures.measured_on > today:
        raise ValidationError(_("is after today at the site ({today}); dates cannot be in the "
                                "future").format(today=today), field="measures.measured_on")
    with UnitOfWork(db, actor_of(principal), _("Treatment plan confirmed")) as uow:
        s = uow.session
        p = _load_for_treatment(s, principal, pseudonym, Permission.DOSE_PRESCRIBE)
        if State(p.status) not in (State.RANDOMIZED, State.ON_TREATMENT):
            raise ProtocolViolation(_("doses are prescribed for randomized participants on "
                                      "treatment; {id} is {status}").format(
                id=p.pseudonym, status=p.status.value), field="status")
        allocation = _allocation(s, p)
        custom = [d.model_dump() for d in plan.custom_drugs]
        regimen = _regimen(allocation, plan.variants, custom)
        current = s.scalar(select(TreatmentPlan).where(TreatmentPlan.participant_id == p.id))
        levels, factors = _adjustments(s, p, regimen) if current is not None else ({}, {})
        doses = _compute(regimen, plan, levels, factors)
        rows = _dose_rows(regimen, doses)
        measures = plan.measures.model_dump(mode="json")
        stored = [{"drug": r.drug, "dose": r.dose, "unit": r.unit, "route": r.route,
                   "frequency": r.frequency, "formula": str(d.formula), "inputs": r.inputs,
                   "level": r.level} for r, d in zip(rows, doses, strict=True)]
        if current is None:
            s.add(TreatmentPlan(participant_id=p.id, arm=allocation.arm, regimen_id=regimen.id,
                                variants=dict(plan.variants), measures=measures, doses=stored,
                                custom_drugs=custom, confirmed_by=principal.username))
        else:
            if version is None or version != current.version:
                raise ConflictError(_("the plan was changed by someone else (version {v}); "
                                      "reload it and enter your change again").format(
                    v=current.version), field="version")
            if not reason or len(reason.strip()) < 3:
                raise ValidationError(_("give the reason for changing the confirmed plan"),
                                      field="reason")
            uow.set_reason(reason.strip())
            current.regimen_id = regimen.id
            current.variants = dict(plan.variants)
            current.measures = measures
            current.doses = stored
            current.custom_drugs = custom
            current.confirmed_by = principal.username
            current.confirmed_at = utcnow()
        uow.commit()
    return PlanPreview(regimen_id=regimen.id, label=regimen.label, arm=regimen.arm,
                       cycle_length_days=regimen.cycle_length_days, doses=rows,
                       procedures=list(regimen.procedures))


# --- dose levels ---------------------------------------------------------------------------------

def _adjustments(s: Session, p: Participant,
                 regimen: rx.Regimen) -> tuple[dict[str, int], dict[str, float]]:
    """The current dose level of each drug with dose levels, and the current fraction of the
    starting dose of each other drug reduced (chemotherapy: 20 % of the starting dose per
    reduction), for re-computing the plan after a change of weight or variant."""
    current = _current_levels(s, p)
    levels: dict[str, int] = {}
    factors: dict[str, float] = {}
    for drug in regimen.drugs:
        step = current.get(drug.drug)
        if step is None:
            continue
        if drug.dose_levels:
            levels[drug.drug] = step
        elif step:
            factors[drug.drug] = 1 - rx.CHEMO_REDUCTION_PERCENT * step / 100
    return levels, factors



def _current_levels(s: Session, p: Participant) -> dict[str, int]:
    """Dose level of each drug with levels after the latest decision (0 = starting dose);
    a discontinued drug is absent."""
    levels: dict[str, int] = {}
    gone: set[str] = set()
    for d in s.scalars(select(DoseDecision).where(DoseDecision.participant_id == p.id)
                       .order_by(DoseDecision.decision_date, DoseDecision.id)):
        if d.action == rx.Action.DISCONTINUE.value:
            gone.add(d.drug)
            levels.pop(d.drug, None)
        elif d.level_to is not None and d.drug not in gone:
            levels[d.drug] = d.level_to
    return levels


def _current_doses(s: Session, p: Participant, plan: TreatmentPlan) -> dict[str, float]:
    """Dose of each drug now: the confirmed dose, or the latest reduced dose decided."""
    doses = {d["drug"]: float(d["dose"]) for d in plan.doses}
    for d in s.scalars(select(DoseDecision).where(DoseDecision.participant_id == p.id)
                       .order_by(DoseDecision.decision_date, DoseDecision.id)):
        # a plan confirmed again after a decision already carries the reduction
        if d.dose_to is not None and d.drug in doses and d.decided_at >= plan.confirmed_at:
            doses[d.drug] = d.dose_to
    return doses


def _discontinued(s: Session, p: Participant) -> set[str]:
    return set(s.scalars(select(DoseDecision.drug).where(
        DoseDecision.participant_id == p.id,
        DoseDecision.action == rx.Action.DISCONTINUE.value)))


def _held(s: Session, p: Participant) -> set[str]:
    """Drugs whose latest decision is a hold or a delay (waiting for the recheck): the next
    dose needs a decision to resume first."""
    latest: dict[str, str] = {}
    for d in s.scalars(select(DoseDecision).where(DoseDecision.participant_id == p.id)
                       .order_by(DoseDecision.decision_date, DoseDecision.id)):
        latest[d.drug] = d.action
    return {drug for drug, action in latest.items()
            if action in (rx.Action.HOLD_RECHECK.value, rx.Action.DELAY.value)}


# --- cycles ------------------------------------------------------------------------------------


def _plan(s: Session, p: Participant) -> TreatmentPlan:
    plan = s.scalar(select(TreatmentPlan).where(TreatmentPlan.participant_id == p.id))
    if plan is None:
        raise ProtocolViolation(_("the prescriber has not confirmed the regimen and doses of "
                                  "{id}").format(id=p.pseudonym), field="plan")
    return plan


def _cycles(s: Session, p: Participant) -> list[TreatmentCycle]:
    return list(s.scalars(select(TreatmentCycle).where(TreatmentCycle.participant_id == p.id)
                          .order_by(TreatmentCycle.cycle)))


def record_cycle(db: Database, settings: Settings, principal: Principal, pseudonym: str,
                 entry: CycleIn) -> None:
    """Record the start of a cycle. Cycle 1's day 1 is the first dose (randomized -> on
    treatment). A cycle cannot start before the previous one ends (day 1 + cycle length,
    domain.md §5); a later start is a delay that needs its reason and moves the cycles after it.
    Doses of drugs with dose levels must be on the levels and not above the current level."""
    today = local_today(settings.zone)
    if entry.start_date > today:
        raise ValidationError(_("is after today at the site ({today}); dates cannot be in the "
                                "future").format(today=today), field="start_date")
    with UnitOfWork(db, actor_of(principal), _("Treatment cycle started")) as uow:
        s = uow.session
        p = _load_for_treatment(s, principal, pseudonym, Permission.TREATMENT_RECORD)
        status = State(p.status)
        if status not in (State.RANDOMIZED, State.ON_TREATMENT):
            raise ProtocolViolation(_("cycles are recorded while on treatment; {id} is "
                                      "{status}").format(id=p.pseudonym, status=status.value),
                                    field="status")
        allocation = _allocation(s, p)
        plan = _plan(s, p)
        regimen = plan_regimen(plan, allocation)
        cycles = _cycles(s, p)
        expected = len(cycles) + 1
        if entry.cycle != expected:
            raise ValidationError(_("the next cycle to record is cycle {n}").format(n=expected),
                                  field="cycle")
        lifecycle.require_collecting(s, p, entry.start_date, "start_date")
        randomized_on = _randomized_on(allocation, settings)
        if cycles:
            previous = cycles[-1]
            planned = previous.start_date + timedelta(days=regimen.cycle_length_days)
            if entry.start_date < planned:
                raise ValidationError(
                    _("cycle {n} can start on {date} at the earliest, when cycle {m} is "
                      "complete").format(
                        n=entry.cycle, m=previous.cycle, date=planned.isoformat()),
                    field="start_date")
        else:
            planned = entry.start_date
            started = lifecycle.event_date(s, p, Event.TREATMENT_STARTED)
            if started is not None and started != entry.start_date:
                raise ValidationError(_("the first dose was recorded on {date}; cycle 1 starts "
                                        "that day").format(date=started.isoformat()),
                                      field="start_date")
            if entry.start_date < randomized_on:
                raise ValidationError(_("cycle 1 cannot start before randomization ({date})")
                                      .format(date=randomized_on.isoformat()),
                                      field="start_date")
        delay_reason = (entry.delay_reason or "").strip() or None
        if entry.start_date > planned and delay_reason is None:
            raise ValidationError(_("cycle {n} starts {days} days after its planned day 1 "
                                    "({date}); give the reason for the delay").format(
                n=entry.cycle, days=(entry.start_date - planned).days,
                date=planned.isoformat()), field="delay_reason")
        doses = _cycle_doses(s, p, plan, regimen, entry)
        if status is State.RANDOMIZED:
            lifecycle.apply_event(s, p, Event.TREATMENT_STARTED, entry.start_date,
                                  principal.username, today)
        s.add(TreatmentCycle(participant_id=p.id, cycle=entry.cycle,
                             start_date=entry.start_date, planned_date=planned,
                             delay_reason=delay_reason, doses=doses,
                             recorded_by=principal.username))
        uow.commit()


def _cycle_doses(s: Session, p: Participant, plan: TreatmentPlan, regimen: rx.Regimen,
                 entry: CycleIn) -> list[dict[str, Any]]:
    confirmed = {d["drug"]: d for d in plan.doses}
    current = _current_doses(s, p, plan)
    levels = _current_levels(s, p)
    gone = _discontinued(s, p)
    held = _held(s, p)
    by_drug = {d.drug: d for d in regimen.drugs}
    for drug in entry.doses:
        if drug not in by_drug:
            raise ValidationError(_("{drug} is not a drug of this regimen").format(drug=drug),
                                  field=f"doses.{drug}")
    out: list[dict[str, Any]] = []
    for planned in regimen.drugs:
        drug = planned.drug
        if drug in gone:
            if drug in entry.doses:
                raise ProtocolViolation(_("{drug} was discontinued").format(drug=drug),
                                        field=f"doses.{drug}")
            continue
        if drug in held:
            raise ProtocolViolation(_("{drug} is on hold: record the decision to resume "
                                      "first").format(drug=drug), field=f"doses.{drug}")
        base = confirmed.get(drug)
        unit = str(base["unit"]) if base else planned.unit
        level = levels.get(drug, 0) if planned.dose_levels else None
        if drug in entry.doses:
            dose = entry.doses[drug]
            if dose <= 0:
                raise ValidationError(_("a dose must be above zero"), field=f"doses.{drug}")
            if planned.dose_levels:
                try:
                    given = rx.check_dose_on_levels(planned, dose)
                except rx.DosingError as exc:
                    raise ValidationError(render(exc.message), field=f"doses.{drug}") from None
                if level is not None and given < level:
                    raise ProtocolViolation(
                        _("{dose:g} {unit} is above the current dose level ({current:g} {unit}); "
                          "doses are not re-escalated").format(
                            dose=dose, unit=unit, current=planned.dose_levels[level]),
                        field=f"doses.{drug}")
                level = given
            elif base is not None and dose > current.get(drug, float(base["dose"])) * 1.0001:
                raise ProtocolViolation(
                    _("{dose:g} {unit} is above the prescribed dose ({current:g} {unit}); the "
                      "prescriber changes the plan to increase it").format(
                        dose=dose, unit=unit, current=current.get(drug, float(base["dose"]))),
                    field=f"doses.{drug}")
        elif planned.dose_levels and level is not None:
            dose = float(planned.dose_levels[level])
        elif base is not None:
            dose = current.get(drug, float(base["dose"]))
        else:
            raise ValidationError(_("enter the dose of {drug}").format(drug=drug),
                                  field=f"doses.{drug}")
        out.append({"drug": drug, "dose": dose, "unit": unit, "level": level})
    return out


# --- calendar and the treatment page -------------------------------------------------------------


@dataclass(frozen=True)
class CycleRow:
    cycle: int
    start_date: date
    planned_date: date
    delay_days: int
    delay_reason: str | None
    doses: list[dict[str, Any]]
    recorded_by: str


@dataclass(frozen=True)
class DecisionRow:
    drug: str
    decision_date: date
    proposed_action: str
    proposed_level: int | None
    rule: str
    action: str
    level_from: int | None
    level_to: int | None
    dose_to: float | None
    reason: str
    decided_by: str


@dataclass(frozen=True)
class TreatmentView:
    pseudonym: str
    site_code: str
    status: State
    arm: str | None
    randomized_on: date | None
    plan: TreatmentPlan | None
    regimen: rx.Regimen | None
    cycles: list[CycleRow]
    current_cycle: int | None
    current_cycle_day: int | None
    levels: dict[str, float | None]
    decisions: list[DecisionRow]
    events: list[rx.CalendarEvent]
    labs_due: list[rx.CalendarEvent]
    open_aes: list[AdverseEvent]
    can_record: bool
    can_prescribe: bool
    today: date
    problems: list[str] = field(default_factory=list)
    physician_entered: bool = False


def calendar_events(s: Session, settings: Settings, p: Participant, *,
                    extra_cycles: int = 3) -> tuple[rx.Regimen | None, list[rx.CalendarEvent]]:
    """The calendar of ``p``: cycles given at their actual starts, then ``extra_cycles`` planned
    ones while on treatment; tumour assessments on the randomization grid (domain.md §2)."""
    allocation = s.scalar(select(Allocation).where(Allocation.participant_id == p.id))
    plan = s.scalar(select(TreatmentPlan).where(TreatmentPlan.participant_id == p.id))
    if allocation is None or plan is None:
        return None, []
    regimen = plan_regimen(plan, allocation)
    cycles = _cycles(s, p)
    randomized_on = _randomized_on(allocation, settings)
    first = cycles[0].start_date if cycles else max(randomized_on, local_today(settings.zone))
    on_treatment = State(p.status) in (State.RANDOMIZED, State.ON_TREATMENT)
    count = len(cycles) + (extra_cycles if on_treatment else 0)
    if count == 0:
        return regimen, []
    protocol = bundled_protocol()
    actual = {c.cycle: c.start_date for c in cycles}
    levels = _current_levels(s, p)
    now = _current_doses(s, p, plan)
    gone = _discontinued(s, p)
    doses = []
    for d in plan.doses:
        planned = next((x for x in regimen.drugs if x.drug == d["drug"]), None)
        dose = float(now.get(d["drug"], d["dose"]))
        if planned is not None and planned.dose_levels and d["drug"] in levels:
            dose = float(planned.dose_levels[levels[d["drug"]]])
        doses.append(rx.ComputedDose(drug=d["drug"], dose=dose, unit=str(d["unit"]),
                                     per="administration", formula=Message(""),
                                     inputs=dict(d.get("inputs", {})), level=d.get("level")))
    eot = None if on_treatment else lifecycle.event_date(s, p, Event.TREATMENT_ENDED)
    try:
        events = rx.build_calendar(
            regimen, first, count, randomization_date=randomized_on, actual_starts=actual,
            doses=doses,
            assessment_interval_weeks=int(protocol.setting_number(
                "tumour_assessment_interval_weeks")),
            assessment_window_days=int(protocol.setting_number("tumour_assessment_window_days")),
            assessments_until=_assessments_until(s, settings, p, on_treatment))
    except rx.DosingError as exc:
        raise _rule_error(exc) from None
    given = {c.cycle: {d["drug"]: d for d in c.doses} for c in cycles}
    out = []
    for e in events:
        if e.kind == "dose" and e.drug is not None:
            if e.cycle in given:
                row = given[e.cycle].get(e.drug)
                if row is None:
                    continue  # not given in that cycle (discontinued or held)
                if row["dose"] != e.dose:
                    e = _with_dose(e, float(row["dose"]))
            elif e.drug in gone:
                continue  # discontinued: no future doses
        if eot is not None and e.date > eot and e.kind != "tumour_assessment":
            continue
        out.append(e)
    return regimen, out


def _with_dose(e: rx.CalendarEvent, dose: float) -> rx.CalendarEvent:
    """``e`` with the dose actually given, its label too."""
    params = dict(e.label.params) if e.label is not None else {}
    params["amount"] = f"{dose:g} {e.unit or ''}".strip()
    label = Message(e.label.template, params) if e.label is not None else None
    return rx.CalendarEvent(**{**e.__dict__, "dose": dose, "label": label})


def _assessments_until(s: Session, settings: Settings, p: Participant,
                       on_treatment: bool) -> date | None:
    """Tumour assessments continue after the end of treatment until progression (PFS needs
    them, domain.md §3): up to the end of treatment when it ended at progression, else to the
    end of the study, or the next interval ahead for a participant still followed."""
    if on_treatment:
        return None
    ended = s.scalar(select(StatusEvent).where(
        StatusEvent.participant_id == p.id, StatusEvent.event == Event.TREATMENT_ENDED.value))
    if ended is not None and ended.reason == "progression":
        return ended.event_date
    study_end = lifecycle.event_date(s, p, Event.STUDY_ENDED)
    if study_end is not None:
        return study_end
    weeks = int(bundled_protocol().setting_number("tumour_assessment_interval_weeks"))
    return local_today(settings.zone) + timedelta(weeks=weeks)


def _view(s: Session, settings: Settings, principal: Principal,
          p: Participant) -> TreatmentView:
    from dawna.services import safety

    allocation = s.scalar(select(Allocation).where(Allocation.participant_id == p.id))
    plan = s.scalar(select(TreatmentPlan).where(TreatmentPlan.participant_id == p.id))
    today = local_today(settings.zone)
    problems: list[str] = []
    try:
        regimen, events = calendar_events(s, settings, p)
    except ValidationError as exc:  # a protocol change made a stored plan invalid
        regimen, events = None, []
        problems.append(str(exc))
    cycles = _cycles(s, p)
    rows = [CycleRow(cycle=c.cycle, start_date=c.start_date, planned_date=c.planned_date,
                     delay_days=(c.start_date - c.planned_date).days,
                     delay_reason=c.delay_reason, doses=list(c.doses),
                     recorded_by=c.recorded_by) for c in cycles]
    current = cycles[-1] if cycles and State(p.status) is State.ON_TREATMENT else None
    levels: dict[str, float | None] = {}
    if regimen is not None:
        current_levels = _current_levels(s, p)
        gone = _discontinued(s, p)
        for drug in regimen.drugs:
            if drug.dose_levels:
                levels[drug.drug] = (None if drug.drug in gone else
                                     drug.dose_levels[current_levels.get(drug.drug, 0)])
    decisions = [DecisionRow(**{n: getattr(d, n) for n in DecisionRow.__dataclass_fields__})
                 for d in s.scalars(select(DoseDecision).where(
                     DoseDecision.participant_id == p.id).order_by(DoseDecision.decision_date,
                                                                   DoseDecision.id))]
    labs_due = safety.labs_due(s, p, events, today)
    return TreatmentView(
        pseudonym=p.pseudonym, site_code=p.site.code, status=State(p.status),
        arm=allocation.arm if allocation else None,
        randomized_on=_randomized_on(allocation, settings) if allocation else None,
        plan=plan, regimen=regimen, cycles=rows,
        current_cycle=current.cycle if current else None,
        current_cycle_day=(today - current.start_date).days + 1 if current else None,
        levels=levels, decisions=decisions, events=events, labs_due=labs_due,
        open_aes=safety.open_events(s, p), today=today,
        can_record=principal.can(Permission.TREATMENT_RECORD, p.site_id),
        can_prescribe=principal.can(Permission.DOSE_PRESCRIBE, p.site_id),
        problems=problems,
        physician_entered=allocation is not None and any(
            (choice or {}).get("option") == CUSTOM
            for choice in (allocation.regimen or {}).values()))


def treatment_view(db: Database, settings: Settings, principal: Principal,
                   pseudonym: str) -> TreatmentView:
    with db.sessions() as s:
        p = _load_for_treatment(s, principal, pseudonym, Permission.TREATMENT_VIEW)
        view = _view(s, settings, principal, p)
        s.expunge_all()
        return view


def participant_calendar(db: Database, settings: Settings, principal: Principal,
                         pseudonym: str, extra_cycles: int = 3) -> list[rx.CalendarEvent]:
    with db.sessions() as s:
        p = _load_for_treatment(s, principal, pseudonym, Permission.TREATMENT_VIEW)
        return calendar_events(s, settings, p, extra_cycles=extra_cycles)[1]


def site_calendar(db: Database, settings: Settings,
                  principal: Principal) -> list[tuple[str, rx.CalendarEvent]]:
    """Every visit, blood count and tumour assessment of the participants on treatment at the
    user's sites (dose days stay on the participants' own calendars)."""
    from dawna.services.safety import treatment_sites

    sites = treatment_sites(principal)
    out: list[tuple[str, rx.CalendarEvent]] = []
    with db.sessions() as s:
        people = s.scalars(select(Participant).where(
            Participant.site_id.in_(sites),
            Participant.status.in_([State.RANDOMIZED, State.ON_TREATMENT]))
            .order_by(Participant.screening_number))
        for p in people:
            for e in calendar_events(s, settings, p)[1]:
                if e.kind != "dose":
                    out.append((p.pseudonym, e))
    return out


def when(value: datetime | None, settings: Settings) -> datetime | None:
    return value.astimezone(settings.zone) if value is not None else None


def event_json(e: rx.CalendarEvent) -> dict[str, Any]:
    return {"date": e.date.isoformat(), "kind": e.kind, "cycle": e.cycle, "day": e.day,
            "drug": e.drug, "dose": e.dose, "unit": e.unit, "route": e.route,
            "frequency": e.frequency, "label": render(e.label),
            "window_start": e.window_start.isoformat() if e.window_start else None,
            "window_end": e.window_end.isoformat() if e.window_end else None}


def as_json(view: TreatmentView) -> dict[str, Any]:
    """The treatment page as JSON (API and CLI)."""
    plan = view.plan
    return {
        "participant": view.pseudonym, "site": view.site_code, "status": view.status.value,
        "arm": view.arm,
        "randomized_on": view.randomized_on.isoformat() if view.randomized_on else None,
        "regimen": None if plan is None else {
            "id": plan.regimen_id, "label": view.regimen.label if view.regimen else None,
            "variants": plan.variants, "measures": plan.measures, "doses": plan.doses,
            "custom_drugs": plan.custom_drugs, "confirmed_by": plan.confirmed_by,
            "confirmed_at": plan.confirmed_at.isoformat(), "version": plan.version},
        "current_cycle": view.current_cycle, "current_cycle_day": view.current_cycle_day,
        "dose_levels": view.levels,
        "cycles": [{"cycle": c.cycle, "start_date": c.start_date.isoformat(),
                    "planned_date": c.planned_date.isoformat(), "delay_days": c.delay_days,
                    "delay_reason": c.delay_reason, "doses": c.doses,
                    "recorded_by": c.recorded_by} for c in view.cycles],
        "dose_decisions": [{**d.__dict__, "decision_date": d.decision_date.isoformat()}
                           for d in view.decisions],
        "labs_due": [event_json(e) for e in view.labs_due],
        "open_adverse_events": [{"number": a.number, "term": a.term, "grade": a.grade,
                                 "serious": a.serious} for a in view.open_aes],
        "calendar": [event_json(e) for e in view.events],
        "problems": view.problems,
    }
