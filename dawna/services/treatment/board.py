"""The site's safety work list: serious adverse events not yet reported (with the time left on
the 24-hour clock, ICH E6; domain.md §8), the SUSARs with their expedited-report deadlines and
status (ICH E2A III.A.2, :mod:`.susar`), what falls due this week (blood counts, visits, tumour
assessments) and the open grade ≥ 3 events; and the adverse event listing (CSV)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from dawna.clock import local_today, utcnow
from dawna.config import Settings
from dawna.rules import regimens as rx
from dawna.rules.lifecycle import Event, State
from dawna.services import page_cache
from dawna.services.access import Permission, Principal
from dawna.services.treatment.adverse_events import deadline
from dawna.services.treatment.calendar import CalendarData, calendar_data, calendar_events
from dawna.services.treatment.common import treatment_sites
from dawna.services.treatment.labs import blood_count_days, labs_due
from dawna.services.treatment.rows import AdverseEventRow
from dawna.services.treatment.susar import SusarRow, site_susars
from dawna.store.db import Database
from dawna.store.models import AdverseEvent, Allocation, Participant, Site, StatusEvent
from dawna.store.uow import UnitOfWork

__all__ = ["AE_COLUMNS", "DueRow", "SaeRow", "SafetyBoard", "ae_listing", "board", "csv_safe",
           "local_datetime", "unreported_saes"]


@dataclass(frozen=True)
class SaeRow:
    pseudonym: str
    site_code: str
    number: int
    term: str
    grade: int
    aware_at: datetime
    deadline: datetime
    overdue: bool
    hours_left: float


@dataclass(frozen=True)
class DueRow:
    pseudonym: str
    site_code: str
    event: rx.CalendarEvent
    overdue: bool


@dataclass(frozen=True)
class SafetyBoard:
    today: date
    sae_unreported: list[SaeRow]
    due: list[DueRow]
    open_grade3: list[tuple[str, AdverseEventRow]]
    susars: list[SusarRow] = field(default_factory=list)
    #: participants on the list who ended the study, with the date: their open events are
    #: flagged (close or update them; issue 20)
    ended: dict[str, date] = field(default_factory=dict)


def unreported_saes(db: Database, principal: Principal,
                    at: page_cache.Version | None = None) -> list[SaeRow]:
    """Serious adverse events at the user's sites not yet reported, soonest deadline first (one
    query: the dashboard shows them to everyone who may see treatment data). The events are
    kept per data version ``at`` (read now when not given; ``services/page_cache.py``); whether
    each is overdue and its hours left are those of this request."""
    sites = principal.sites_with(Permission.TREATMENT_VIEW)
    if not sites:
        return []
    at = at if at is not None else page_cache.version(db)  # before the data
    rows = page_cache.cached(("unreported_saes", tuple(sites)), at,
                             lambda: _unreported(db, sites))
    now = utcnow()
    return [replace(r, overdue=now > r.deadline,
                    hours_left=(r.deadline - now).total_seconds() / 3600) for r in rows]


def _unreported(db: Database, sites: list[int]) -> list[SaeRow]:
    now = utcnow()
    out: list[SaeRow] = []
    with UnitOfWork(db) as uow:
        s = uow.session
        q = (select(AdverseEvent, Participant.pseudonym, Site.code)
             .join(Participant, Participant.id == AdverseEvent.participant_id)
             .join(Site, Site.id == Participant.site_id)
             .where(Participant.site_id.in_(sites), AdverseEvent.serious.is_(True),
                    AdverseEvent.reported_at.is_(None), AdverseEvent.aware_at.is_not(None)))
        for ae, pseudonym, code in s.execute(q):
            limit = deadline(ae)
            assert limit is not None and ae.aware_at is not None
            out.append(SaeRow(pseudonym=pseudonym, site_code=code, number=ae.number,
                              term=ae.term, grade=ae.grade, aware_at=ae.aware_at,
                              deadline=limit, overdue=now > limit,
                              hours_left=(limit - now).total_seconds() / 3600))
    return sorted(out, key=lambda r: r.deadline)


def board(db: Database, settings: Settings, principal: Principal,
          at: page_cache.Version | None = None) -> SafetyBoard:
    """Serious adverse events not yet reported (with the time left on the 24-hour clock) and
    what falls due this week at the user's sites: blood counts, visits, tumour assessments;
    overdue blood counts first. Open events of a participant who ended the study stay on the
    list, flagged with the end date (``ended``): the site closes or updates them.

    Built once per change of data and day for the user's sites (``services/page_cache.py``);
    the hours left on each 24-hour clock are those of this request. ``at``: the data version,
    read now when not given (it must hold the site's zone: ``page_cache.version(db, settings)``)."""
    at = at if at is not None else page_cache.version(db, settings)  # before the data
    today = local_today(settings.zone)
    sites = treatment_sites(principal)
    built = page_cache.cached(("safety_board", tuple(sorted(sites)), today), at,
                              lambda: _board(db, settings, principal, sites, today))
    now = utcnow()
    return replace(built, sae_unreported=[
        replace(r, overdue=now > r.deadline, hours_left=(r.deadline - now).total_seconds() / 3600)
        for r in built.sae_unreported])


def _board(db: Database, settings: Settings, principal: Principal, sites: list[int],
           today: date) -> SafetyBoard:
    now = utcnow()
    saes: list[SaeRow] = []
    due: list[DueRow] = []
    severe: list[tuple[str, AdverseEventRow]] = []
    with UnitOfWork(db) as uow:
        s = uow.session
        people = list(s.scalars(select(Participant).where(Participant.site_id.in_(sites))
                                .order_by(Participant.screening_number)))
        ended: dict[str, date] = {}
        ids = [p.id for p in people]
        study_ended: dict[int, date] = {}
        for pid, day in s.execute(select(StatusEvent.participant_id, StatusEvent.event_date)
                                  .where(StatusEvent.participant_id.in_(ids),
                                         StatusEvent.event == Event.STUDY_ENDED.value)
                                  .order_by(StatusEvent.event_date.desc())):
            study_ended[pid] = day  # the earliest, as lifecycle.event_date gives it
        events: dict[int, list[AdverseEvent]] = {i: [] for i in ids}
        # only the events the list can show: open ones, and serious ones not yet reported
        for ae in s.scalars(select(AdverseEvent).where(
                AdverseEvent.participant_id.in_(ids),
                AdverseEvent.stop_date.is_(None) | (AdverseEvent.serious.is_(True)
                                                    & AdverseEvent.reported_at.is_(None)))
                            .order_by(AdverseEvent.number)):
            events[ae.participant_id].append(ae)
        # the calendars' data and blood count days of those on treatment, read for all at
        # once (not eight statements per participant)
        treated = [p.id for p in people if State(p.status) is State.ON_TREATMENT]
        calendars = calendar_data(s, treated)
        sampled = blood_count_days(s, treated)
        for p in people:
            end = study_ended.get(p.id) if State(p.status) is State.END_OF_STUDY else None
            for ae in events[p.id]:
                limit = deadline(ae)
                if ae.serious and ae.reported_at is None and limit is not None and \
                        ae.aware_at is not None:
                    saes.append(SaeRow(pseudonym=p.pseudonym, site_code=p.site.code,
                                       number=ae.number, term=ae.term, grade=ae.grade,
                                       aware_at=ae.aware_at, deadline=limit,
                                       overdue=now > limit,
                                       hours_left=(limit - now).total_seconds() / 3600))
                if ae.stop_date is None and ae.grade >= 3:
                    severe.append((p.pseudonym, AdverseEventRow.of(ae)))
                if end is not None and (ae.stop_date is None or (
                        ae.serious and ae.reported_at is None)):
                    ended[p.pseudonym] = end
            if State(p.status) is not State.ON_TREATMENT:
                continue
            data = calendars.get(p.id) or CalendarData(None, None)
            _regimen, calendar = calendar_events(s, settings, p, extra_cycles=2, data=data)
            late = {id(e) for e in labs_due(s, p, calendar, today, data.cycles,
                                            sampled.get(p.id, set())) if e.date < today}
            for e in calendar:
                if e.kind == "dose":
                    continue
                if id(e) in late:
                    due.append(DueRow(p.pseudonym, p.site.code, e, True))
                elif today <= e.date <= today + timedelta(days=7):
                    due.append(DueRow(p.pseudonym, p.site.code, e, False))
    saes.sort(key=lambda r: r.deadline)
    due.sort(key=lambda r: (not r.overdue, r.event.date, r.pseudonym))
    return SafetyBoard(today=today, sae_unreported=saes, due=due, open_grade3=severe,
                       susars=site_susars(db, settings, principal), ended=ended)


AE_COLUMNS = ["participant", "site", "arm", "number", "term", "grade", "start_date", "stop_date",
              "serious", "seriousness", "relatedness", "action_taken", "outcome", "aware_at",
              "reported_at", "expectedness"]


def csv_safe(value: object) -> object:
    """A cell a spreadsheet will not run as a formula (OWASP CSV injection): text starting with
    = + - @ or a tab/return gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def ae_listing(db: Database, principal: Principal) -> list[dict[str, object]]:
    """Every adverse event at the user's sites, one row each, for the CSV listing."""
    sites = treatment_sites(principal)
    rows: list[dict[str, object]] = []
    with UnitOfWork(db) as uow:
        s = uow.session
        q = (select(AdverseEvent, Participant, Allocation.arm)
             .join(Participant, Participant.id == AdverseEvent.participant_id)
             .outerjoin(Allocation, Allocation.participant_id == Participant.id)
             .where(Participant.site_id.in_(sites))
             .order_by(Participant.screening_number, AdverseEvent.number))
        for ae, p, arm in s.execute(q):
            rows.append({
                "participant": p.pseudonym, "site": p.site.code, "arm": arm or "",
                "number": ae.number, "term": ae.term, "grade": ae.grade,
                "start_date": ae.start_date.isoformat(),
                "stop_date": ae.stop_date.isoformat() if ae.stop_date else "",
                "serious": "Y" if ae.serious else "N",
                "seriousness": ";".join(ae.seriousness),
                "relatedness": ";".join(f"{k}={v}" for k, v in sorted(ae.relatedness.items())),
                "action_taken": ae.action_taken, "outcome": ae.outcome,
                "aware_at": ae.aware_at.isoformat() if ae.aware_at else "",
                "reported_at": ae.reported_at.isoformat() if ae.reported_at else "",
                "expectedness": ae.expectedness or ""})
    rows = [{k: csv_safe(v) for k, v in row.items()} for row in rows]
    return rows


def local_datetime(day: date, at: time | None, settings: Settings) -> datetime:
    """A date and time at the site, as an aware datetime."""
    return datetime.combine(day, at or time(0, 0), tzinfo=settings.zone)
