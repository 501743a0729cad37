"""A participant's treatment calendar (cycles given at their actual starts, the planned ones
ahead, blood counts, visits and tumour assessments on the randomization grid; domain.md §2, §5)
and the site's calendar."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.clock import local_today
from dawna.config import Settings
from dawna.protocol import bundled_protocol
from dawna.rules import regimens as rx
from dawna.rules.depot import DEPOT_SCHEDULES
from dawna.rules.lifecycle import Event, State
from dawna.rules.messages import Message
from dawna.services.access import Permission, Principal
from dawna.services.rendered import event_json
from dawna.services.treatment.common import (
    load_for,
    randomized_on,
    rule_error,
    treatment_sites,
)
from dawna.services.treatment.depots import depot_events_from, given_depots
from dawna.services.treatment.dose_history import discontinued_in, doses_after, levels_after
from dawna.services.treatment.plans import entered_lab_rule, plan_regimen
from dawna.store.db import Database
from dawna.store.models import (
    Allocation,
    DoseDecision,
    Participant,
    StatusEvent,
    TreatmentCycle,
    TreatmentPlan,
)
from dawna.store.uow import UnitOfWork

__all__ = ["CalendarData", "calendar_data", "calendar_events", "event_json",
           "participant_calendar", "site_calendar"]


@dataclass(frozen=True)
class CalendarData:
    """What a participant's calendar is laid out from: the allocation, the plan, the cycles
    recorded (by number), the dose decisions (in the order made), the status events (by date)
    and the depot doses given (per drug, in order)."""

    allocation: Allocation | None
    plan: TreatmentPlan | None
    cycles: Sequence[TreatmentCycle] = ()
    decisions: Sequence[DoseDecision] = ()
    status_events: Sequence[StatusEvent] = ()
    depots_given: Mapping[str, list[date]] = field(default_factory=dict)

    def event_date(self, event: Event) -> date | None:
        """The date of the first ``event`` (``services.lifecycle.event_date``)."""
        return next((e.event_date for e in self.status_events if e.event == event.value),
                    None)


def calendar_data(s: Session, ids: Sequence[int], *,
                  every: bool = False) -> dict[int, CalendarData]:
    """The :class:`CalendarData` of each of the participants ``ids`` (those allocated; with
    ``every``, each of them, ``allocation`` None where there is none), in six statements for all
    of them (issue 23: not a calendar's worth of statements each)."""
    def rows(model: Any, *order: Any) -> dict[int, list[Any]]:
        out: dict[int, list[Any]] = {}
        for row in s.scalars(select(model).where(model.participant_id.in_(ids))
                             .order_by(model.participant_id, *order)):
            out.setdefault(row.participant_id, []).append(row)
        return out

    allocations = {a.participant_id: a for a in s.scalars(
        select(Allocation).where(Allocation.participant_id.in_(ids)))}
    plans = {x.participant_id: x for x in s.scalars(
        select(TreatmentPlan).where(TreatmentPlan.participant_id.in_(ids)))}
    cycles = rows(TreatmentCycle, TreatmentCycle.cycle)
    decisions = rows(DoseDecision, DoseDecision.decision_date, DoseDecision.id)
    events = rows(StatusEvent, StatusEvent.event_date, StatusEvent.id)
    depots = given_depots(s, list(ids))
    return {pid: CalendarData(allocations.get(pid), plans.get(pid), cycles.get(pid, []),
                              decisions.get(pid, []), events.get(pid, []), depots.get(pid, {}))
            for pid in (ids if every else allocations)}


def calendar_events(s: Session, settings: Settings, p: Participant, *, extra_cycles: int = 3,
                    data: CalendarData | None = None
                    ) -> tuple[rx.Regimen | None, list[rx.CalendarEvent]]:
    """The calendar of ``p``: cycles given at their actual starts, then ``extra_cycles`` planned
    ones while on treatment; tumour assessments on the randomization grid (domain.md §2).
    ``data``: what it is laid out from, already read (:func:`calendar_data`), for many
    participants at once; else read here."""
    if data is None:
        data = calendar_data(s, [p.id]).get(p.id) or CalendarData(None, None)
    allocation, plan = data.allocation, data.plan
    if allocation is None or plan is None:
        return None, []
    regimen = plan_regimen(plan, allocation)
    cycles = list(data.cycles)
    randomized = randomized_on(allocation, settings)
    first = cycles[0].start_date if cycles else max(randomized, local_today(settings.zone))
    on_treatment = State(p.status) in (State.RANDOMIZED, State.ON_TREATMENT)
    count = len(cycles) + (extra_cycles if on_treatment else 0)
    if count == 0:
        return regimen, []
    protocol = bundled_protocol()
    actual = {c.cycle: c.start_date for c in cycles}
    levels = levels_after(data.decisions)
    now = doses_after(data.decisions, plan)
    gone = discontinued_in(data.decisions)
    doses = []
    for d in plan.doses:
        planned = next((x for x in regimen.drugs if x.drug == d["drug"]), None)
        dose = float(now.get(d["drug"], d["dose"]))
        if planned is not None and planned.dose_levels and d["drug"] in levels:
            dose = float(planned.dose_levels[levels[d["drug"]]])
        doses.append(rx.ComputedDose(drug=d["drug"], dose=dose, unit=str(d["unit"]),
                                     per="administration", formula=Message(""),
                                     inputs=dict(d.get("inputs", {})), level=d.get("level")))
    eot = None if on_treatment else data.event_date(Event.TREATMENT_ENDED)
    try:
        events = rx.build_calendar(
            regimen, first, count, randomization_date=randomized, actual_starts=actual,
            doses=doses,
            assessment_interval_weeks=int(protocol.setting_number(
                "tumour_assessment_interval_weeks")),
            assessment_window_days=int(protocol.setting_number("tumour_assessment_window_days")),
            assessments_until=_assessments_until(data, settings, on_treatment),
            lab_rule=entered_lab_rule(regimen))
    except rx.DosingError as exc:
        raise rule_error(exc) from None
    events = _on_their_own_clock(data, settings, regimen, plan, events, first)
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


_ORDER = {"procedure": 0, "visit": 1, "lab": 2, "dose": 3, "tumour_assessment": 4}


def _on_their_own_clock(data: CalendarData, settings: Settings, regimen: rx.Regimen,
                        plan: TreatmentPlan, events: list[rx.CalendarEvent],
                        first: date) -> list[rx.CalendarEvent]:
    """Depot injections (goserelin, leuprorelin, fulvestrant) taken off the cycle grid and put
    on their own 28-day clock from the dose actually given (``rules.depot``): a cycle delay
    or a dalpiciclib hold does not move them."""
    depots = {d.drug for d in regimen.drugs if d.drug in DEPOT_SCHEDULES}
    if not depots or not events:
        return events
    until = max(e.date for e in events)
    kept = [e for e in events if not (e.kind == "dose" and e.drug in depots)]
    own = depot_events_from(dict(data.depots_given), regimen, plan, local_today(settings.zone),
                            first, until)
    return sorted(kept + own, key=lambda e: (e.date, _ORDER.get(e.kind, 9), e.drug or ""))


def _with_dose(e: rx.CalendarEvent, dose: float) -> rx.CalendarEvent:
    """``e`` with the dose actually given, its label too."""
    params = dict(e.label.params) if e.label is not None else {}
    params["amount"] = f"{dose:g} {e.unit or ''}".strip()
    label = Message(e.label.template, params) if e.label is not None else None
    return rx.CalendarEvent(**{**e.__dict__, "dose": dose, "label": label})


def _assessments_until(data: CalendarData, settings: Settings,
                       on_treatment: bool) -> date | None:
    """Tumour assessments continue after the end of treatment until progression (PFS needs
    them, domain.md §3): up to the end of treatment when it ended at progression, else to the
    end of the study, or the next interval ahead for a participant still followed."""
    if on_treatment:
        return None
    ended = min((e for e in data.status_events if e.event == Event.TREATMENT_ENDED.value),
                key=lambda e: e.id, default=None)  # the first recorded (there is one)
    if ended is not None and ended.reason == "progression":
        return ended.event_date
    study_end = data.event_date(Event.STUDY_ENDED)
    if study_end is not None:
        return study_end
    weeks = int(bundled_protocol().setting_number("tumour_assessment_interval_weeks"))
    return local_today(settings.zone) + timedelta(weeks=weeks)


def participant_calendar(db: Database, settings: Settings, principal: Principal,
                         pseudonym: str, extra_cycles: int = 3) -> list[rx.CalendarEvent]:
    with UnitOfWork(db) as uow:
        s = uow.session
        p = load_for(s, principal, pseudonym, Permission.TREATMENT_VIEW)
        return calendar_events(s, settings, p, extra_cycles=extra_cycles)[1]


def site_calendar(db: Database, settings: Settings,
                  principal: Principal) -> list[tuple[str, rx.CalendarEvent]]:
    """Every visit, blood count, tumour assessment and depot injection (given at the site, on
    its own clock) of the participants on treatment at the user's sites (the other dose days
    stay on the participants' own calendars)."""
    sites = treatment_sites(principal)
    out: list[tuple[str, rx.CalendarEvent]] = []
    with UnitOfWork(db) as uow:
        s = uow.session
        people = list(s.scalars(select(Participant).where(
            Participant.site_id.in_(sites),
            Participant.status.in_([State.RANDOMIZED, State.ON_TREATMENT]))
            .order_by(Participant.screening_number)))
        data = calendar_data(s, [p.id for p in people])
        for p in people:
            for e in calendar_events(s, settings, p, data=data.get(p.id)
                                     or CalendarData(None, None))[1]:
                if e.kind != "dose" or (e.cycle is None and e.drug in DEPOT_SCHEDULES):
                    out.append((p.pseudonym, e))
    return out
