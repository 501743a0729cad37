"""The treatment page's view of a participant: the plan, the cycles given, the current cycle and
dose levels, the dose decisions, the calendar, the blood counts due and the open adverse events;
and the same as JSON (API and CLI)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from dawna.clock import local_today
from dawna.config import Settings
from dawna.errors import ValidationError
from dawna.rules import regimens as rx
from dawna.rules.lifecycle import State
from dawna.services import page_cache
from dawna.services.access import Permission, Principal
from dawna.services.treatment.adverse_events import is_open
from dawna.services.treatment.calendar import (
    CalendarData,
    calendar_data,
    calendar_events,
    event_json,
)
from dawna.services.treatment.common import (
    CUSTOM,
    load_for,
    randomized_on,
)
from dawna.services.treatment.depots import DepotClock, depot_clocks
from dawna.services.treatment.dose_history import discontinued_in, levels_after
from dawna.services.treatment.labs import labs_due
from dawna.services.treatment.pretreatment import pretreatment_problems
from dawna.services.treatment.rows import AdverseEventRow, LabRow, PlanRow, copy_row, read_rows
from dawna.store.db import Database
from dawna.store.models import AdverseEvent, LabResult, Participant
from dawna.store.uow import UnitOfWork

__all__ = ["CycleRow", "DecisionRow", "TreatmentPage", "TreatmentView", "as_json",
           "treatment_page", "treatment_view", "when"]


@dataclass(frozen=True)
class CycleRow:
    cycle: int
    start_date: date
    planned_date: date
    delay_days: int
    delay_reason: str | None
    doses: list[dict[str, Any]]
    recorded_by: str
    id: int | None = None  # the cycle's row (its queries are marked on the page)


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
    cycle: int | None = None
    days_not_taken: list[int] | None = None  # oral doses missed by an interruption
    override: bool = False  # resumed without every cause's recheck, the reason says why
    id: int | None = None  # the decision's row (its queries are marked on the page)


@dataclass(frozen=True)
class TreatmentView:
    pseudonym: str
    site_code: str
    status: State
    arm: str | None
    randomized_on: date | None
    plan: PlanRow | None
    regimen: rx.Regimen | None
    cycles: list[CycleRow]
    current_cycle: int | None
    current_cycle_day: int | None
    levels: dict[str, float | None]
    decisions: list[DecisionRow]
    events: list[rx.CalendarEvent]
    labs_due: list[rx.CalendarEvent]
    open_aes: list[AdverseEventRow]
    can_record: bool
    can_prescribe: bool
    today: date
    problems: list[str] = field(default_factory=list)
    physician_entered: bool = False
    depots: list[DepotClock] = field(default_factory=list)


def _view(s: Session, settings: Settings, p: Participant, today: date,
          data: CalendarData | None = None) -> TreatmentView:
    """The view of ``p`` as anyone allowed to see it sees it (``can_record`` and
    ``can_prescribe`` False: :func:`_for` fills them in for the user); ``data``: the calendar's
    data of ``p`` if read already (``calendar_data`` over many participants)."""
    # read once (six statements) and handed to the calendar, the dose levels, the blood counts
    # due and the depot clocks, which would each read again what they need (bench/README.md)
    if data is None:
        data = calendar_data(s, [p.id], every=True)[p.id]
    allocation, plan = data.allocation, data.plan
    problems: list[str] = []
    try:
        regimen, events = calendar_events(s, settings, p, data=data)
    except ValidationError as exc:  # a protocol change made a stored plan invalid
        regimen, events = None, []
        problems.append(str(exc))
    cycles = list(data.cycles)
    if allocation is not None and not cycles:  # before cycle 1: the pre-treatment tests
        problems += pretreatment_problems(s, p, today)
    rows = [CycleRow(cycle=c.cycle, start_date=c.start_date, planned_date=c.planned_date,
                     delay_days=(c.start_date - c.planned_date).days,
                     delay_reason=c.delay_reason, doses=list(c.doses),
                     recorded_by=c.recorded_by, id=c.id) for c in cycles]
    current = cycles[-1] if cycles and State(p.status) is State.ON_TREATMENT else None
    levels: dict[str, float | None] = {}
    gone = discontinued_in(data.decisions)
    if regimen is not None:
        now = levels_after(data.decisions)
        for drug in regimen.drugs:
            if drug.dose_levels:
                levels[drug.drug] = (None if drug.drug in gone else
                                     drug.dose_levels[now.get(drug.drug, 0)])
    decisions = [copy_row(DecisionRow, d) for d in data.decisions]
    due = labs_due(s, p, events, today, cycles)
    depots: list[DepotClock] = []
    if regimen is not None and plan is not None and allocation is not None:
        first = cycles[0].start_date if cycles else max(randomized_on(allocation, settings),
                                                        today)
        depots = depot_clocks(s, p, regimen, today, first, given=data.depots_given, gone=gone)
    return TreatmentView(
        pseudonym=p.pseudonym, site_code=p.site.code, status=State(p.status),
        arm=allocation.arm if allocation else None,
        randomized_on=randomized_on(allocation, settings) if allocation else None,
        plan=None if plan is None else PlanRow.of(plan), regimen=regimen, cycles=rows,
        current_cycle=current.cycle if current else None,
        current_cycle_day=(today - current.start_date).days + 1 if current else None,
        levels=levels, decisions=decisions, events=events, labs_due=due,
        open_aes=[ae for ae in AdverseEventRow.of_participant(s, p.id) if is_open(ae)],
        today=today,
        can_record=False, can_prescribe=False,
        problems=problems, depots=depots,
        physician_entered=allocation is not None and any(
            (choice or {}).get("option") == CUSTOM
            for choice in (allocation.regimen or {}).values()))


def _for(view: TreatmentView, principal: Principal, p: Participant) -> TreatmentView:
    return replace(view, can_record=principal.can(Permission.TREATMENT_RECORD, p.site_id),
                   can_prescribe=principal.can(Permission.DOSE_PRESCRIBE, p.site_id))


def _cached_view(s: Session, settings: Settings, p: Participant,
                 at: page_cache.Version, data: CalendarData | None = None) -> TreatmentView:
    """The participant's view at data version ``at`` (``services/page_cache.py``): built once
    per change of data and day, not on every request."""
    today = local_today(settings.zone)
    return page_cache.cached(("treatment_view", p.id, today), at,
                             lambda: _view(s, settings, p, today, data))


def treatment_view(db: Database, settings: Settings, principal: Principal,
                   pseudonym: str) -> TreatmentView:
    at = page_cache.version(db, settings, pseudonym)  # before the data
    with UnitOfWork(db) as uow:
        p = load_for(uow.session, principal, pseudonym, Permission.TREATMENT_VIEW)
        return _for(_cached_view(uow.session, settings, p, at), principal, p)


@dataclass(frozen=True)
class TreatmentPage:
    """What the treatment page shows: the view, the laboratory results in sample order and
    the adverse events by number."""

    view: TreatmentView
    labs: list[LabRow]
    events: list[AdverseEventRow]
    site_id: int  # the participant's site: what a kept page checks the user's right against


def treatment_page(db: Database, settings: Settings, principal: Principal,
                   pseudonym: str, at: page_cache.Version | None = None) -> TreatmentPage:
    """The treatment page's data in one read: the user's right to the participant checked
    every time, the rest kept until the data change (``services/page_cache.py``; ``at``: the
    participant's data version if the caller has read it already, before the data)."""
    if at is None:
        at = page_cache.version(db, settings, pseudonym)  # before the data
    with UnitOfWork(db) as uow:
        s = uow.session
        p = load_for(s, principal, pseudonym, Permission.TREATMENT_VIEW)
        view, rows, events = kept_page_data(s, settings, p, at)
        return TreatmentPage(view=_for(view, principal, p), labs=list(rows),
                             events=list(events), site_id=p.site_id)


def kept_page_data(s: Session, settings: Settings, p: Participant, at: page_cache.Version,
                   read: PageRows | None = None
                   ) -> tuple[TreatmentView, list[LabRow], list[AdverseEventRow]]:
    """What the treatment page keeps of ``p`` at data version ``at`` (built the first time):
    the view as anyone allowed sees it, the laboratory results and the adverse events. Shared
    with the warm-up at a worker's start (``services/page_warm.py``), so both key it alike;
    ``read``: what :func:`page_rows` read for many participants at once (read after ``at``)."""
    view = _cached_view(s, settings, p, at, read.calendars[p.id] if read else None)
    labs = page_cache.cached(("labs", p.id), at, lambda: read.labs[p.id] if read
                             else LabRow.of_participant(s, p.id))
    events = page_cache.cached(("adverse_events", p.id), at,
                               lambda: read.adverse_events[p.id] if read
                               else AdverseEventRow.of_participant(s, p.id))
    return view, labs, events


@dataclass(frozen=True)
class PageRows:
    """The rows of many participants' treatment pages, read at once (:func:`page_rows`)."""

    calendars: dict[int, CalendarData]
    labs: dict[int, list[LabRow]]
    adverse_events: dict[int, list[AdverseEventRow]]


def page_rows(s: Session, ids: list[int]) -> PageRows:
    """The calendars' data, laboratory results (in sample order) and adverse events (by
    number) of the participants ``ids``, in eight statements for all of them: what
    :func:`kept_page_data` reads participant by participant."""
    labs: dict[int, list[LabRow]] = {i: [] for i in ids}
    for lab in read_rows(s, LabRow, LabResult, LabResult.participant_id.in_(ids),
                         order_by=(LabResult.participant_id, LabResult.sample_date,
                                   LabResult.id)):
        labs[lab.participant_id].append(lab)
    events: dict[int, list[AdverseEventRow]] = {i: [] for i in ids}
    for ae in read_rows(s, AdverseEventRow, AdverseEvent, AdverseEvent.participant_id.in_(ids),
                        order_by=(AdverseEvent.participant_id, AdverseEvent.number)):
        events[ae.participant_id].append(ae)
    return PageRows(calendars=calendar_data(s, ids, every=True), labs=labs,
                    adverse_events=events)


def when(value: datetime | None, settings: Settings) -> datetime | None:
    return value.astimezone(settings.zone) if value is not None else None


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
            "custom_drugs": plan.custom_drugs, "cycle_length_days": plan.cycle_length_days,
            "schedule_confirmed_by": plan.schedule_confirmed_by,
            "schedule_confirmed_at": (plan.schedule_confirmed_at.isoformat()
                                      if plan.schedule_confirmed_at else None),
            "confirmed_by": plan.confirmed_by,
            "confirmed_at": plan.confirmed_at.isoformat(), "version": plan.version},
        "current_cycle": view.current_cycle, "current_cycle_day": view.current_cycle_day,
        "dose_levels": view.levels,
        "cycles": [{"cycle": c.cycle, "start_date": c.start_date.isoformat(),
                    "planned_date": c.planned_date.isoformat(), "delay_days": c.delay_days,
                    "delay_reason": c.delay_reason, "doses": c.doses,
                    "recorded_by": c.recorded_by} for c in view.cycles],
        "dose_decisions": [{**{k: v for k, v in d.__dict__.items() if k != "id"},
                            "decision_date": d.decision_date.isoformat()}
                           for d in view.decisions],
        "labs_due": [event_json(e) for e in view.labs_due],
        "open_adverse_events": [{"number": a.number, "term": a.term, "grade": a.grade,
                                 "serious": a.serious} for a in view.open_aes],
        "calendar": [event_json(e) for e in view.events],
        "problems": view.problems,
        "depots": [{"drug": d.drug, "given": [g.isoformat() for g in d.given],
                    "next_due": d.next_due.isoformat(), "late": d.late,
                    "days_late": d.days_late, "reason": d.reason} for d in view.depots],
    }
