"""A participant's treatment calendar (cycles given at their actual starts, the planned ones
ahead, blood counts, visits and tumour assessments on the randomization grid; domain.md §2, §5)
and the site's calendar."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.clock import local_today
from dawna.config import Settings
from dawna.protocol import bundled_protocol
from dawna.rules import regimens as rx
from dawna.rules.depot import DEPOT_SCHEDULES
from dawna.rules.lifecycle import Event, State
from dawna.rules.messages import Message
from dawna.services import lifecycle
from dawna.services.access import Permission, Principal
from dawna.services.rendered import event_json
from dawna.services.treatment.common import (
    cycles_of,
    find_allocation,
    find_plan,
    load_for,
    randomized_on,
    rule_error,
    treatment_sites,
)
from dawna.services.treatment.depots import depot_events
from dawna.services.treatment.dose_history import current_doses, current_levels, discontinued
from dawna.services.treatment.plans import entered_lab_rule, plan_regimen
from dawna.store.db import Database
from dawna.store.models import Participant, StatusEvent, TreatmentPlan
from dawna.store.uow import UnitOfWork

__all__ = ["calendar_events", "event_json", "participant_calendar", "site_calendar"]


def calendar_events(s: Session, settings: Settings, p: Participant, *,
                    extra_cycles: int = 3) -> tuple[rx.Regimen | None, list[rx.CalendarEvent]]:
    """The calendar of ``p``: cycles given at their actual starts, then ``extra_cycles`` planned
    ones while on treatment; tumour assessments on the randomization grid (domain.md §2)."""
    allocation = find_allocation(s, p)
    plan = find_plan(s, p)
    if allocation is None or plan is None:
        return None, []
    regimen = plan_regimen(plan, allocation)
    cycles = cycles_of(s, p)
    randomized = randomized_on(allocation, settings)
    first = cycles[0].start_date if cycles else max(randomized, local_today(settings.zone))
    on_treatment = State(p.status) in (State.RANDOMIZED, State.ON_TREATMENT)
    count = len(cycles) + (extra_cycles if on_treatment else 0)
    if count == 0:
        return regimen, []
    protocol = bundled_protocol()
    actual = {c.cycle: c.start_date for c in cycles}
    levels = current_levels(s, p)
    now = current_doses(s, p, plan)
    gone = discontinued(s, p)
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
            regimen, first, count, randomization_date=randomized, actual_starts=actual,
            doses=doses,
            assessment_interval_weeks=int(protocol.setting_number(
                "tumour_assessment_interval_weeks")),
            assessment_window_days=int(protocol.setting_number("tumour_assessment_window_days")),
            assessments_until=_assessments_until(s, settings, p, on_treatment),
            lab_rule=entered_lab_rule(regimen))
    except rx.DosingError as exc:
        raise rule_error(exc) from None
    events = _on_their_own_clock(s, settings, p, regimen, plan, events, first)
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


def _on_their_own_clock(s: Session, settings: Settings, p: Participant, regimen: rx.Regimen,
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
    own = depot_events(s, p, regimen, plan, local_today(settings.zone), first, until)
    return sorted(kept + own, key=lambda e: (e.date, _ORDER.get(e.kind, 9), e.drug or ""))


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
        people = s.scalars(select(Participant).where(
            Participant.site_id.in_(sites),
            Participant.status.in_([State.RANDOMIZED, State.ON_TREATMENT]))
            .order_by(Participant.screening_number))
        for p in people:
            for e in calendar_events(s, settings, p)[1]:
                if e.kind != "dose" or (e.cycle is None and e.drug in DEPOT_SCHEDULES):
                    out.append((p.pseudonym, e))
    return out
