"""The cycles given: a cycle's day 1, its delay and the dose given of each drug.

A cycle cannot start before the previous one ends (day 1 + cycle length, domain.md §5); a later
start is a delay that needs its reason and moves the cycles after it. The dose given is checked
by :func:`dawna.rules.cycle_doses.check_cycle_dose` (dose levels, no re-escalation, never above
the prescribed dose).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from dawna.clock import local_today
from dawna.config import Settings
from dawna.errors import ProtocolViolation, ValidationError
from dawna.i18n import _
from dawna.rules import regimens as rx
from dawna.rules.cycle_doses import DoseVerdict, check_cycle_dose, exact
from dawna.rules.lifecycle import Event, State
from dawna.services import lifecycle
from dawna.services.access import Permission, Principal
from dawna.services.participants import actor_of
from dawna.services.treatment.common import (
    allocation_of,
    cycles_of,
    load_for,
    plan_of,
    randomized_on,
    render,
)
from dawna.services.treatment.dose_history import (
    current_doses,
    current_levels,
    discontinued,
    held,
)
from dawna.services.treatment.plans import plan_regimen
from dawna.services.treatment.pretreatment import pregnancy_gate
from dawna.store.db import Database
from dawna.store.models import Participant, TreatmentCycle, TreatmentPlan
from dawna.store.uow import UnitOfWork

__all__ = ["CycleIn", "record_cycle"]


class CycleIn(BaseModel):
    """A cycle started: its day 1, the dose given of each drug (default: the current level),
    and why it started later than planned."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    cycle: int = Field(ge=1, le=200)
    start_date: date
    doses: dict[str, float] = Field(default_factory=dict)
    delay_reason: str | None = Field(default=None, max_length=500)


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
        p = load_for(s, principal, pseudonym, Permission.TREATMENT_RECORD)
        status = State(p.status)
        if status not in (State.RANDOMIZED, State.ON_TREATMENT):
            raise ProtocolViolation(_("cycles are recorded while on treatment; {id} is "
                                      "{status}").format(id=p.pseudonym, status=status.value),
                                    field="status")
        allocation = allocation_of(s, p)
        plan = plan_of(s, p)
        if plan.custom_drugs and plan.schedule_confirmed_at is None:
            raise ProtocolViolation(_("the prescriber has not confirmed the schedule of the "
                                      "physician-entered regimen (cycle length and dosing "
                                      "days); no cycle can start until it is confirmed"),
                                    field="schedule_confirmed")
        regimen = plan_regimen(plan, allocation)
        cycles = cycles_of(s, p)
        expected = len(cycles) + 1
        if entry.cycle != expected:
            raise ValidationError(_("the next cycle to record is cycle {n}").format(n=expected),
                                  field="cycle")
        lifecycle.require_collecting(s, p, entry.start_date, "start_date")
        pregnancy_gate(s, p, entry.start_date, "treatment")  # a positive test blocks dosing
        randomized = randomized_on(allocation, settings)
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
            if entry.start_date < randomized:
                raise ValidationError(_("cycle 1 cannot start before randomization ({date})")
                                      .format(date=randomized.isoformat()),
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
    current = current_doses(s, p, plan)
    levels = current_levels(s, p)
    gone = discontinued(s, p)
    on_hold = held(s, p)
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
        if drug in on_hold:
            raise ProtocolViolation(_("{drug} is on hold: record the decision to resume "
                                      "first").format(drug=drug), field=f"doses.{drug}")
        base = confirmed.get(drug)
        unit = str(base["unit"]) if base else planned.unit
        level = levels.get(drug, 0) if planned.dose_levels else None
        prescribed = current.get(drug, float(base["dose"])) if base is not None else None
        if drug in entry.doses:
            dose = entry.doses[drug]
            check = check_cycle_dose(planned, exact(dose), current_level=level,
                                     prescribed=None if prescribed is None
                                     else exact(prescribed))
            field = f"doses.{drug}"
            if check.verdict is DoseVerdict.NOT_POSITIVE:
                raise ValidationError(_("a dose must be above zero"), field=field)
            if check.verdict is DoseVerdict.NOT_A_LEVEL:
                raise ValidationError(render(check.reason), field=field)
            if check.verdict is DoseVerdict.ABOVE_LEVEL:
                assert planned.dose_levels is not None and level is not None
                raise ProtocolViolation(
                    _("{dose:g} {unit} is above the current dose level ({current:g} {unit}); "
                      "doses are not re-escalated").format(
                        dose=dose, unit=unit, current=planned.dose_levels[level]),
                    field=field)
            if check.verdict is DoseVerdict.ABOVE_PRESCRIBED:
                raise ProtocolViolation(
                    _("{dose:g} {unit} is above the prescribed dose ({current:g} {unit}); the "
                      "prescriber changes the plan to increase it").format(
                        dose=dose, unit=unit, current=prescribed),
                    field=field)
            if planned.dose_levels:
                level = check.level
        elif planned.dose_levels and level is not None:
            dose = float(planned.dose_levels[level])
        elif prescribed is not None:
            dose = prescribed
        else:
            raise ValidationError(_("enter the dose of {drug}").format(drug=drug),
                                  field=f"doses.{drug}")
        out.append({"drug": drug, "dose": dose, "unit": unit, "level": level})
    return out
