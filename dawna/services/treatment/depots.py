"""Depot injections (goserelin, leuprorelin, fulvestrant) on their own clock: each dose given is
recorded, and the next is due 28 days after the dose actually given (fulvestrant: days 1, 15
and 29, then every 28 days), not on a cycle's day 1, so a dalpiciclib hold or a delayed cycle
does not move them. Rules: :mod:`dawna.rules.depot` (Zoladex, leuprorelin and Faslodex
prescribing information); the grace before a depot is late is the protocol setting
``depot_grace_days``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.clock import local_today
from dawna.config import Settings
from dawna.errors import NotFound, ProtocolViolation, ValidationError
from dawna.i18n import _
from dawna.protocol import bundled_protocol
from dawna.rules import regimens as rx
from dawna.rules.depot import DEPOT_SCHEDULES, depot_state, due_dates
from dawna.rules.lifecycle import State
from dawna.rules.messages import N_, Message, number
from dawna.rules.rule_errors import RuleError
from dawna.services.access import Permission, Principal
from dawna.services.participants import actor_of
from dawna.services.treatment.common import (
    allocation_of,
    find_allocation,
    find_plan,
    first_dose,
    load_for,
    plan_of,
    randomized_on,
    render,
    require_collecting,
    rule_error,
)
from dawna.services.treatment.dose_history import discontinued
from dawna.services.treatment.plans import plan_regimen
from dawna.store.db import Database
from dawna.store.models import DepotDose, Participant, TreatmentPlan
from dawna.store.uow import UnitOfWork

__all__ = ["DepotClock", "DepotDoseIn", "DepotOut", "DepotsOut", "depot_clocks",
           "depot_events", "depot_events_from", "depot_view", "given_depots", "grace_days",
           "record_depot"]


class DepotDoseIn(BaseModel):
    """A depot dose given: the drug and the day."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    drug: str = Field(min_length=2, max_length=40)
    given_on: date
    note: str | None = Field(default=None, max_length=500)


@dataclass(frozen=True)
class DepotClock:
    """Where one depot drug's own clock stands today."""

    drug: str
    given: list[date]
    next_due: date
    late: bool
    days_late: int
    reason: str
    late_doses: list[date]
    grace_days: int
    #: the row of each dose given, by its day (its queries are marked on the page)
    dose_ids: dict[date, int] = field(default_factory=dict)


class DepotOut(BaseModel):
    drug: str
    given: list[str]
    next_due: str
    late: bool
    days_late: int
    reason: str
    late_doses: list[str]
    grace_days: int


class DepotsOut(BaseModel):
    participant: str
    depots: list[DepotOut]

    @classmethod
    def of(cls, pseudonym: str, clocks: list[DepotClock]) -> DepotsOut:
        return cls(participant=pseudonym, depots=[DepotOut(
            drug=c.drug, given=[d.isoformat() for d in c.given], next_due=c.next_due.isoformat(),
            late=c.late, days_late=c.days_late, reason=c.reason,
            late_doses=[d.isoformat() for d in c.late_doses], grace_days=c.grace_days)
            for c in clocks])


def grace_days() -> int:
    try:
        return int(bundled_protocol().setting_number("depot_grace_days"))
    except (NotFound, TypeError):  # a protocol file without the setting: no grace
        return 0


def _given(s: Session, p: Participant) -> dict[str, list[date]]:
    return given_depots(s, [p.id]).get(p.id, {})


def given_depots(s: Session, ids: list[int]) -> dict[int, dict[str, list[date]]]:
    """The depot doses given to each of the participants ``ids``: per drug, the days in
    order (one statement for all of them)."""
    out: dict[int, dict[str, list[date]]] = {}
    for pid, drug, given_on in s.execute(
            select(DepotDose.participant_id, DepotDose.drug, DepotDose.given_on)
            .where(DepotDose.participant_id.in_(ids))
            .order_by(DepotDose.participant_id, DepotDose.given_on)):
        out.setdefault(pid, {}).setdefault(drug, []).append(given_on)
    return out


def _dose_ids(s: Session, p: Participant) -> dict[str, dict[date, int]]:
    out: dict[str, dict[date, int]] = {}
    for row_id, drug, given_on in s.execute(select(DepotDose.id, DepotDose.drug,
                                                   DepotDose.given_on)
                                            .where(DepotDose.participant_id == p.id)):
        out.setdefault(drug, {})[given_on] = row_id
    return out


def _depot_drugs(regimen: rx.Regimen) -> list[rx.PlannedDrug]:
    return [d for d in regimen.drugs if d.drug in DEPOT_SCHEDULES]


def depot_clocks(s: Session, p: Participant, regimen: rx.Regimen, today: date,
                 first_planned: date, *, given: Mapping[str, list[date]] | None = None,
                 gone: set[str] | None = None) -> list[DepotClock]:
    """Each depot drug of the regimen: the doses given and its next due day (the first is due
    on ``first_planned``, cycle 1 day 1, while none is given). Nothing is late once treatment
    has ended or the drug was discontinued. ``given`` (the days given per drug, in order) and
    ``gone`` (the drugs discontinued): already read by the caller, else read here."""
    grace = grace_days()
    given = _given(s, p) if given is None else given
    active = State(p.status) in (State.RANDOMIZED, State.ON_TREATMENT)
    gone = discontinued(s, p) if gone is None else gone
    out = []
    for planned in _depot_drugs(regimen):
        doses = given.get(planned.drug, [])
        if not active or planned.drug in gone:
            last = doses[-1].isoformat() if doses else "-"
            out.append(DepotClock(planned.drug, doses, doses[-1] if doses else first_planned,
                                  False, 0, _("not due: treatment ended or {drug} was "
                                              "discontinued (last dose {date})").format(
                                      drug=planned.drug, date=last), [], grace))
            continue
        if doses:
            try:
                state = depot_state(planned.drug, doses, today, grace_days=grace)
            except RuleError as exc:  # pragma: no cover - stored doses are ordered
                raise rule_error(exc) from None
            out.append(DepotClock(planned.drug, doses, state.next_due, state.late,
                                  state.days_late, render(state.reason), list(state.late_doses),
                                  grace))
        else:
            late = (today - first_planned).days > grace
            out.append(DepotClock(planned.drug, [], first_planned, late,
                                  (today - first_planned).days if late else 0,
                                  _("first dose due on cycle 1 day 1 ({date})").format(
                                      date=first_planned.isoformat()), [], grace))
    ids = _dose_ids(s, p)
    return [replace(c, dose_ids=ids.get(c.drug, {})) for c in out]


def depot_events(s: Session, p: Participant, regimen: rx.Regimen, plan: TreatmentPlan,
                 today: date, first_planned: date, until: date) -> list[rx.CalendarEvent]:
    """Calendar events of the depot drugs on their own clock: the doses given, then the due
    days up to ``until``; a due day already past its grace is labelled late."""
    return depot_events_from(_given(s, p), regimen, plan, today, first_planned, until)


def depot_events_from(given: dict[str, list[date]], regimen: rx.Regimen, plan: TreatmentPlan,
                      today: date, first_planned: date,
                      until: date) -> list[rx.CalendarEvent]:
    """:func:`depot_events` from the depot doses ``given`` (:func:`given_depots`)."""
    grace = grace_days()
    confirmed = {d["drug"]: d for d in plan.doses}
    out: list[rx.CalendarEvent] = []
    for planned in _depot_drugs(regimen):
        row = confirmed.get(planned.drug, {})
        dose = float(row["dose"]) if row.get("dose") is not None else planned.dose
        unit = str(row.get("unit") or planned.unit)
        amount = f"{number(dose)} {unit}" if dose is not None else unit
        params = {"drug": planned.drug, "amount": amount, "route": planned.route}
        doses = given.get(planned.drug, [])
        for day in doses:
            out.append(rx.CalendarEvent(day, "dose", None, None, drug=planned.drug, dose=dose,
                                        unit=unit, route=planned.route, frequency="ONCE",
                                        label=Message(N_("{drug} {amount} {route} given (own "
                                                         "28-day clock)"), params)))
        for due in due_dates(planned.drug, doses, first_planned, until, today=today):
            overdue = (today - due).days
            label = (Message(N_("{drug} {amount} {route} LATE: due {due}, {days} days ago (own "
                                "28-day clock)"),
                             {**params, "due": due.isoformat(), "days": str(overdue)})
                     if overdue > grace else
                     Message(N_("{drug} {amount} {route} due (own 28-day clock from the last "
                                "dose)"), params))
            out.append(rx.CalendarEvent(due, "dose", None, None, drug=planned.drug, dose=dose,
                                        unit=unit, route=planned.route, frequency="ONCE",
                                        label=label))
    return out


def record_depot(db: Database, settings: Settings, principal: Principal, pseudonym: str,
                 entry: DepotDoseIn) -> None:
    """Record a depot dose given. Refused, naming the field: a day in the future or not after
    the previous dose of the drug (``given_on``), a drug that is not a depot of the plan
    (``drug``)."""
    today = local_today(settings.zone)
    if entry.given_on > today:
        raise ValidationError(_("is after today at the site ({today}); dates cannot be in the "
                                "future").format(today=today), field="given_on")
    drug = entry.drug.strip().lower()
    with UnitOfWork(db, actor_of(principal), _("Depot dose recorded")) as uow:
        s = uow.session
        p = load_for(s, principal, pseudonym, Permission.TREATMENT_RECORD)
        if State(p.status) not in (State.RANDOMIZED, State.ON_TREATMENT):
            raise ProtocolViolation(_("doses are recorded while on treatment; {id} is "
                                      "{status}").format(id=p.pseudonym, status=p.status.value),
                                    field="status")
        allocation = allocation_of(s, p)
        plan = plan_of(s, p)
        regimen = plan_regimen(plan, allocation)
        depots = {d.drug: d for d in _depot_drugs(regimen)}
        if drug not in depots:
            raise ValidationError(_("{drug} is not a depot injection of this regimen ({depots})")
                                  .format(drug=drug, depots=", ".join(sorted(depots)) or "-"),
                                  field="drug")
        randomized = randomized_on(allocation, settings)
        if entry.given_on < randomized:
            raise ValidationError(_("is before randomization ({date})").format(
                date=randomized.isoformat()), field="given_on")
        require_collecting(s, p, entry.given_on, "given_on")
        previous = _given(s, p).get(drug, [])
        if previous and entry.given_on <= previous[-1]:
            raise ValidationError(_("a {drug} dose on {date} must come after the previous one "
                                    "({previous})").format(drug=drug,
                                                           date=entry.given_on.isoformat(),
                                                           previous=previous[-1].isoformat()),
                                  field="given_on")
        confirmed = {d["drug"]: d for d in plan.doses}.get(drug, {})
        s.add(DepotDose(participant_id=p.id, drug=drug, given_on=entry.given_on,
                        dose=confirmed.get("dose"), unit=confirmed.get("unit"),
                        note=(entry.note or "").strip() or None,
                        recorded_by=principal.username))
        uow.commit()


def depot_view(db: Database, settings: Settings, principal: Principal,
               pseudonym: str) -> list[DepotClock]:
    """The depot clocks of ``pseudonym`` today (empty before the plan or without depots)."""
    today = local_today(settings.zone)
    with UnitOfWork(db) as uow:
        s = uow.session
        p = load_for(s, principal, pseudonym, Permission.TREATMENT_VIEW)
        allocation, plan = find_allocation(s, p), find_plan(s, p)
        if allocation is None or plan is None:
            return []
        regimen = plan_regimen(plan, allocation)
        first = first_dose(s, p) or max(randomized_on(allocation, settings), today)
        return depot_clocks(s, p, regimen, today, first)

