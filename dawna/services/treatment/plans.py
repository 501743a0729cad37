"""The prescriber's plan: the regimen of a randomized participant and its confirmed doses.

Rules come from ``dawna.rules.regimens`` (regimens from the protocol file, dose formulas;
domain.md §5). The regimen choice is the one recorded at randomization (ICH E9 §2.3: a
physician's choice declared before the arm is known); the prescriber may pick a variant the
protocol file lists for that option (weekly paclitaxel, cisplatin for carboplatin, intramuscular
leuprorelin) and confirms the computed doses with their formula and inputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dawna.clock import local_today, utcnow
from dawna.config import Settings
from dawna.errors import ConflictError, NotFound, ProtocolViolation, ValidationError
from dawna.i18n import _
from dawna.protocol import bundled_protocol
from dawna.rules import regimens as rx
from dawna.rules.lifecycle import State
from dawna.services import plausibility
from dawna.services.access import Permission, Principal
from dawna.services.participants import actor_of
from dawna.services.treatment.common import (
    CUSTOM,
    allocation_of,
    find_plan,
    load_for,
    render,
    rule_error,
)
from dawna.services.treatment.dose_history import adjustments
from dawna.services.treatment.suppression import require_suppression
from dawna.store.db import Database
from dawna.store.models import Allocation, TreatmentPlan
from dawna.store.uow import UnitOfWork

__all__ = ["CustomDrugIn", "DoseRow", "MeasuresIn", "PlanIn", "PlanPreview", "confirm_plan",
           "entered_lab_rule", "plan_regimen", "preview_plan"]


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
    #: keep a weight or height outside its usual range (``dawna.services.plausibility``)
    confirm_implausible: bool = False
    # a physician-entered regimen's schedule: its cycle length (the drugs' days are within it)
    # and the prescriber's explicit confirmation of it (no cycle starts without it)
    cycle_length_days: int | None = Field(default=None, ge=7, le=42)
    schedule_confirmed: bool = False


# --- regimen of a participant ------------------------------------------------------------------


def _choices(allocation: Allocation, variants: Mapping[str, str]) -> tuple[dict[str, str], bool]:
    """Option per choice group of the allocated arm, with the prescriber's variants; and whether
    the regimen is physician-entered."""
    arm = next(a for a in bundled_protocol().arms if a.id == allocation.arm)
    out: dict[str, str] = {}
    custom = False
    for group in arm.regimen.choices:
        chosen = (allocation.regimen or {}).get(group.id)
        if not chosen and group.required_when is not None and group.id in variants:
            chosen = {"option": variants[group.id]}  # suppression added by the prescriber
        if not chosen:
            continue
        option_id = chosen.get("option")
        if option_id == CUSTOM:
            custom = True
            out[group.id] = CUSTOM  # resolved as "physician-entered" (its drugs are entered)
            continue
        try:
            option = group.option(str(option_id))
        except NotFound:
            raise ValidationError(_("{value} is not an option of {group}").format(
                value=option_id, group=group.label), field=f"variants.{group.id}") from None
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


def _custom_regimen(base: rx.Regimen, drugs: Sequence[Mapping[str, Any]],
                    cycle_length_days: int) -> rx.Regimen:
    planned = tuple(rx.PlannedDrug(
        drug=str(d["drug"]).strip().lower(), dose=float(d["dose"]), dose_min=None,
        dose_max=None, unit=str(d["unit"]), route=str(d["route"]),
        frequency=str(d.get("frequency", "ONCE")), days=tuple(int(x) for x in d["days"]),
        cycle_overrides={}, dose_levels=None, source="physician-entered regimen")
        for d in drugs)
    return rx.Regimen(id=f"{base.arm}:{CUSTOM}", arm=base.arm,
                      cycle_length_days=cycle_length_days,
                      drugs=tuple(base.drugs) + planned, procedures=base.procedures,
                      label=_("Physician-entered regimen"))


def entered_lab_rule(regimen: rx.Regimen) -> rx.LabRule | None:
    """Blood counts of a physician-entered regimen: before each dosing day of its parenteral
    drugs (the generic chemotherapy rule, as the labels of eribulin, vinorelbine and
    nab-paclitaxel ask for a blood count before each dose); None for a protocol regimen."""
    entered = [d for d in regimen.drugs if d.source == "physician-entered regimen"]
    if not entered:
        return None
    days = {1} | {day for d in entered if d.route != "PO" for day in d.days_in_cycle(1) or ()}
    return rx.LabRule(days=tuple(sorted(days)), source=(
        "generic chemotherapy rule: complete blood count before each dose of a "
        "physician-entered regimen"))


def _regimen(allocation: Allocation, variants: Mapping[str, str],
             custom_drugs: Sequence[Mapping[str, Any]],
             cycle_length_days: int | None = None) -> rx.Regimen:
    choices, custom = _choices(allocation, variants)
    try:
        base = rx.resolve_regimen(bundled_protocol(), allocation.arm, choices)
    except rx.DosingError as exc:
        raise rule_error(exc) from None
    if custom:
        if not custom_drugs:
            raise ValidationError(_("a physician-entered regimen needs its drugs (drug, dose, "
                                    "unit, route, cycle days)"), field="custom_drugs")
        length = cycle_length_days or base.cycle_length_days
        for i, d in enumerate(custom_drugs):
            for day in d["days"]:
                if not 1 <= int(day) <= length:
                    raise ValidationError(
                        _("day {day} is outside the {n}-day cycle").format(
                            day=day, n=length),
                        field=f"custom_drugs.{i}.days")
        return _custom_regimen(base, custom_drugs, length)
    if custom_drugs:
        raise ValidationError(_("drugs are entered only for a physician-entered regimen"),
                              field="custom_drugs")
    if cycle_length_days is not None and cycle_length_days != base.cycle_length_days:
        raise ValidationError(_("the cycle length is set by the protocol ({n} days); it is "
                                "entered only for a physician-entered regimen").format(
            n=base.cycle_length_days), field="cycle_length_days")
    return base


def plan_regimen(plan: TreatmentPlan, allocation: Allocation) -> rx.Regimen:
    return _regimen(allocation, plan.variants, plan.custom_drugs, plan.cycle_length_days)


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
        raise rule_error(exc) from None


def preview_plan(db: Database, principal: Principal, pseudonym: str,
                 plan: PlanIn) -> PlanPreview:
    """The regimen and its computed doses, with formula and inputs, not stored."""
    with UnitOfWork(db) as uow:
        s = uow.session
        p = load_for(s, principal, pseudonym, Permission.TREATMENT_VIEW)
        allocation = allocation_of(s, p)
        regimen = _regimen(allocation, plan.variants,
                           [d.model_dump() for d in plan.custom_drugs], plan.cycle_length_days)
        require_suppression(s, p, allocation, regimen)
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
    plausibility.check_measures({"weight": ("measures.weight_kg", plan.measures.weight_kg),
                                 "height": ("measures.height_cm", plan.measures.height_cm)},
                                plan.confirm_implausible)
    with UnitOfWork(db, actor_of(principal), _("Treatment plan confirmed")) as uow:
        s = uow.session
        p = load_for(s, principal, pseudonym, Permission.DOSE_PRESCRIBE)
        if State(p.status) not in (State.RANDOMIZED, State.ON_TREATMENT):
            raise ProtocolViolation(_("doses are prescribed for randomized participants on "
                                      "treatment; {id} is {status}").format(
                id=p.pseudonym, status=p.status.value), field="status")
        allocation = allocation_of(s, p)
        custom = [d.model_dump() for d in plan.custom_drugs]
        regimen = _regimen(allocation, plan.variants, custom, plan.cycle_length_days)
        require_suppression(s, p, allocation, regimen)
        length = plan.cycle_length_days if custom else None
        if custom and length is None:
            raise ValidationError(_("a physician-entered regimen needs its cycle length in days "
                                    "(with each drug's dosing days)"), field="cycle_length_days")
        schedule_by = principal.username if custom and plan.schedule_confirmed else None
        schedule_at = utcnow() if schedule_by else None
        current = find_plan(s, p)
        levels, factors = adjustments(s, p, regimen) if current is not None else ({}, {})
        doses = _compute(regimen, plan, levels, factors)
        rows = _dose_rows(regimen, doses)
        measures = plan.measures.model_dump(mode="json")
        stored = [{"drug": r.drug, "dose": r.dose, "unit": r.unit, "route": r.route,
                   "frequency": r.frequency, "formula": str(d.formula), "inputs": r.inputs,
                   "level": r.level} for r, d in zip(rows, doses, strict=True)]
        if current is None:
            s.add(TreatmentPlan(participant_id=p.id, arm=allocation.arm, regimen_id=regimen.id,
                                variants=dict(plan.variants), measures=measures, doses=stored,
                                custom_drugs=custom, confirmed_by=principal.username,
                                cycle_length_days=length, schedule_confirmed_by=schedule_by,
                                schedule_confirmed_at=schedule_at))
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
            current.cycle_length_days = length
            current.schedule_confirmed_by = schedule_by  # a changed plan is confirmed again
            current.schedule_confirmed_at = schedule_at
            current.confirmed_by = principal.username
            current.confirmed_at = utcnow()
        uow.commit()
    return PlanPreview(regimen_id=regimen.id, label=regimen.label, arm=regimen.arm,
                       cycle_length_days=regimen.cycle_length_days, doses=rows,
                       procedures=list(regimen.procedures))
