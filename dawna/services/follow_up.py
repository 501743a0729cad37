"""Survival follow-up after end of treatment, a participant's course as one view, and the
dashboard: counts by state (the CONSORT flow), participants to re-consent, follow-ups due.

Rules: contacts every ``survival_follow_up_interval_weeks`` (12) after end of treatment, overdue
``survival_follow_up_window_days`` (14) after the due date (protocol file); a contact records
alive, dead (date and cause; the study ends at death) or lost, and any subsequent anticancer
therapy, which censors PFS (FDA 2018 endpoints guidance; ``docs/domain.md`` §3); the counts are
those of the CONSORT 2010 flow diagram (item 13).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.clock import local_today
from dawna.config import Settings
from dawna.errors import ProtocolViolation, ValidationError
from dawna.i18n import _, gettext
from dawna.protocol import bundled_protocol
from dawna.rules.form_status import next_after_previous
from dawna.rules.lifecycle import Event, State, TransitionRefused, check_record_in_study
from dawna.rules.messages import N_, Message
from dawna.services import course_records, lifecycle, page_cache
from dawna.services.access import Permission, Principal
from dawna.services.participants import public_summary
from dawna.services.schemas import ParticipantPublic
from dawna.services.scope import actor_of, load_visible
from dawna.services.treatment.rows import copy_row
from dawna.store.db import Database
from dawna.store.models import Consent, FollowUpContact, Participant, Site, StatusEvent
from dawna.store.uow import UnitOfWork

__all__ = ["ContactIn", "CourseView", "Dashboard", "course", "dashboard", "record_contact"]


class Therapy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1, max_length=200)
    start_date: date


class ContactIn(BaseModel):
    """A survival follow-up contact as entered."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    contact_date: date
    vital_status: Literal["alive", "dead", "lost"]
    death_date: date | None = None
    death_cause: str | None = Field(default=None, max_length=200)
    subsequent_therapy: list[Therapy] = Field(default_factory=list, max_length=20)
    note: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _death(self) -> ContactIn:
        if self.vital_status == "dead":
            if self.death_date is None:
                raise ValueError("death_date is required when the participant died")
            if self.death_date > self.contact_date:
                raise ValueError("death_date cannot be after the contact date")
        elif self.death_date is not None:
            raise ValueError("death_date is only given when the participant died")
        for therapy in self.subsequent_therapy:
            if therapy.start_date > self.contact_date:
                raise ValueError("a subsequent therapy cannot start after the contact date")
        return self


@dataclass(frozen=True)
class EventRow:
    event: str
    from_status: str
    to_status: str
    event_date: date
    reason: str | None
    detail: str | None
    recorded_by: str
    recorded_at: datetime
    id: int | None = None  # the form's row (its queries are marked on the page)


@dataclass(frozen=True)
class ConsentRow:
    version: str
    signed_on: date
    signed_at: datetime | None
    obtained_by: str | None
    kind: str
    recorded_by: str
    id: int | None = None  # the form's row (its queries are marked on the page)


@dataclass(frozen=True)
class ContactRow:
    contact_date: date
    vital_status: str
    death_date: date | None
    death_cause: str | None
    subsequent_therapy: list[dict[str, Any]]
    note: str | None
    recorded_by: str
    id: int | None = None  # the form's row (its queries are marked on the page)


def _rows(cls: Any, rows: list[Any]) -> list[Any]:
    return [copy_row(cls, r) for r in rows]


@dataclass(frozen=True)
class CourseView:
    participant: ParticipantPublic
    status: State
    events: list[EventRow]
    consents: list[ConsentRow]
    contacts: list[ContactRow]
    latest_version: str | None
    needs_reconsent: bool
    withdrawn_on: date | None
    end_of_treatment: date | None
    next_contact_due: date | None
    can_edit: bool


def _interval(protocol_setting: str) -> int:
    return int(bundled_protocol().setting_number(protocol_setting))


def _eot_date(events: list[EventRow]) -> date | None:
    return next((e.event_date for e in events if e.event == Event.TREATMENT_ENDED.value), None)


def _due(status: State, eot: date | None, contacts: list[ContactRow]) -> date | None:
    if status not in (State.END_OF_TREATMENT, State.FOLLOW_UP) or eot is None:
        return None
    return next_after_previous(eot, (c.contact_date for c in contacts),
                               _interval("survival_follow_up_interval_weeks"))


def _course(s: Session, p: Participant, principal: Principal) -> CourseView:
    return _courses(s, [p], principal)[p.id]


def _courses(s: Session, people: list[Participant], principal: Principal
             ) -> dict[int, CourseView]:
    """Each participant's course, from three queries for all of them (the dashboard's work
    lists used to run five per participant)."""
    ids = [p.id for p in people]
    events: dict[int, list[EventRow]] = {i: [] for i in ids}
    consents: dict[int, list[ConsentRow]] = {i: [] for i in ids}
    contacts: dict[int, list[ContactRow]] = {i: [] for i in ids}
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        for e in s.scalars(select(StatusEvent).where(StatusEvent.participant_id.in_(chunk))
                           .order_by(StatusEvent.event_date, StatusEvent.id)):
            events[e.participant_id].extend(_rows(EventRow, [e]))
        for c in s.scalars(select(Consent).where(Consent.participant_id.in_(chunk))
                           .order_by(Consent.signed_on, Consent.id)):
            consents[c.participant_id].extend(_rows(ConsentRow, [c]))
        for f in s.scalars(select(FollowUpContact).where(
                FollowUpContact.participant_id.in_(chunk)).order_by(
                FollowUpContact.contact_date, FollowUpContact.id)):
            contacts[f.participant_id].extend(_rows(ContactRow, [f]))
    versions = lifecycle.consent_versions(s)
    latest = versions[-1].version if versions else None
    views = {}
    for p in people:
        status = State(p.status)
        active = status not in (State.END_OF_STUDY, State.SCREEN_FAILED, State.PRE_SCREENING)
        mine, signed = events[p.id], consents[p.id]
        eot = _eot_date(mine)
        views[p.id] = CourseView(
            participant=public_summary(p), status=status, events=mine, consents=signed,
            contacts=contacts[p.id], latest_version=latest,
            needs_reconsent=bool(active and signed and latest
                                 and signed[-1].version != latest),
            withdrawn_on=next((e.event_date for e in mine
                               if e.event == Event.STUDY_ENDED.value
                               and e.reason == "withdrawal"), None),
            end_of_treatment=eot, next_contact_due=_due(status, eot, contacts[p.id]),
            can_edit=principal.can(Permission.PARTICIPANT_EDIT, p.site_id))
    return views


def course(db: Database, principal: Principal, pseudonym: str,
           at: page_cache.Version | None = None) -> CourseView:
    """The participant's course, kept until the data change (``services/page_cache.py``; the
    user's right to see the participant checked every time, ``can_edit`` theirs; ``at``: the
    participant's data version if the caller has read it already, before the data)."""
    if at is None:
        at = page_cache.version(db, participant=pseudonym)  # before the data
    with UnitOfWork(db) as uow:
        s = uow.session
        p = load_visible(s, principal, pseudonym)
        return replace(kept_course(s, p, at),
                       can_edit=principal.can(Permission.PARTICIPANT_EDIT, p.site_id))


#: whom a kept course is built for: its only use of the user, ``can_edit``, is filled in for
#: the actual user on every request (:func:`course`)
_NOBODY = Principal(user_id=0, username="", display_name="")


def kept_course(s: Session, p: Participant, at: page_cache.Version,
                built: CourseView | None = None) -> CourseView:
    """``p``'s course at data version ``at``, built the first time (``can_edit`` False: the
    caller fills it in for its user). Shared with the warm-up at a worker's start
    (``services/page_warm.py``), so both key it alike; ``built``: the course as
    :func:`courses_of` read it for many participants at once (read after ``at``)."""
    return page_cache.cached(("course", p.id), at,
                             lambda: built if built is not None else _course(s, p, _NOBODY))


def courses_of(s: Session, people: list[Participant]) -> dict[int, CourseView]:
    """The courses of ``people`` in three statements for all of them, as :func:`kept_course`
    builds each (``can_edit`` False)."""
    return _courses(s, people, _NOBODY)


def record_contact(db: Database, settings: Settings, principal: Principal, pseudonym: str,
                   contact: ContactIn) -> CourseView:
    """Record a contact; the first one starts follow-up, a death ends the study."""
    today = local_today(settings.zone)
    if contact.contact_date > today:
        raise ValidationError(_("is after today at the site ({today}); dates cannot be in the "
                                "future").format(today=today), field="contact_date")
    with UnitOfWork(db, actor_of(principal), _("Survival follow-up contact")) as uow:
        s = uow.session
        p = load_visible(s, principal, pseudonym)
        principal.require(Permission.PARTICIPANT_EDIT, p.site_id)
        status = State(p.status)
        eot = s.scalar(select(StatusEvent.event_date).where(
            StatusEvent.participant_id == p.id,
            StatusEvent.event == Event.TREATMENT_ENDED.value))
        if status is State.END_OF_STUDY:  # a contact after the end of study names it
            try:
                check_record_in_study(contact.contact_date,
                                      study_ended=course_records.study_end(s, p),
                                      what=Message(N_("a survival contact")))
            except TransitionRefused as exc:
                raise ValidationError(exc.message.render(gettext),
                                      field="contact_date") from None
        # a contact held before the end of study may be entered late (no change of state)
        late = status is State.END_OF_STUDY and eot is not None and contact.death_date is None
        if status not in (State.END_OF_TREATMENT, State.FOLLOW_UP) and not late:
            raise ProtocolViolation(_("survival follow-up starts after the end of treatment; "
                                      "{id} is not there").format(id=p.pseudonym),
                                    field="status")
        if eot is not None and contact.contact_date < eot:
            raise ValidationError(_("{date} is before the end of treatment ({eot})").format(
                date=contact.contact_date.isoformat(), eot=eot.isoformat()),
                field="contact_date")
        lifecycle.require_collecting(s, p, contact.contact_date, "contact_date")
        if contact.death_date is not None:
            last = lifecycle.latest_visit(s, p)
            if last is not None and contact.death_date < last:
                raise ValidationError(_("a death on {date} is before a recorded visit of "
                                        "{visit}").format(date=contact.death_date.isoformat(),
                                                          visit=last.isoformat()),
                                      field="death_date")
        if status is State.END_OF_TREATMENT:
            lifecycle.apply_event(s, p, Event.FOLLOW_UP_STARTED, eot or contact.contact_date,
                                  principal.username, today)
        s.add(FollowUpContact(
            participant_id=p.id, contact_date=contact.contact_date,
            vital_status=contact.vital_status, death_date=contact.death_date,
            death_cause=contact.death_cause,
            subsequent_therapy=[t.model_dump(mode="json") for t in contact.subsequent_therapy],
            note=contact.note, recorded_by=principal.username))
        s.flush()
        if contact.death_date is not None:
            lifecycle.apply_event(s, p, Event.STUDY_ENDED, contact.death_date,
                                  principal.username, today, "death", contact.death_cause)
        view = _course(s, p, principal)
        uow.commit()
    return view


@dataclass(frozen=True)
class DueContact:
    pseudonym: str
    site_code: str
    due: date
    overdue: bool


@dataclass(frozen=True)
class Dashboard:
    counts: dict[str, int]
    flow: dict[str, int]
    end_of_treatment_reasons: dict[str, int]
    end_of_study_reasons: dict[str, int]
    reconsent: list[tuple[str, str, str]] = field(default_factory=list)
    follow_ups: list[DueContact] = field(default_factory=list)
    latest_version: str | None = None


def dashboard(db: Database, settings: Settings, principal: Principal) -> Dashboard:
    """Counts by state and the work lists, over the user's sites: from the columns they need
    (four queries, no ORM objects; the courses of :func:`course` hold far more than this),
    once per change of data and day for those sites (``services/page_cache.py``)."""
    at = page_cache.version(db, settings)  # before the data
    today = local_today(settings.zone)
    sites = sorted(principal.sites_with(Permission.PARTICIPANT_VIEW))
    return page_cache.cached(("dashboard", tuple(sites), today), at,
                             lambda: _dashboard(db, sites, today))


def _dashboard(db: Database, sites: list[int], today: date) -> Dashboard:
    window = timedelta(days=_interval("survival_follow_up_window_days"))
    interval = _interval("survival_follow_up_interval_weeks")
    with UnitOfWork(db) as uow:
        s = uow.session
        people = s.execute(select(Participant.id, Participant.pseudonym, Participant.status,
                                  Participant.screening_number, Site.code)
                           .join(Site, Site.id == Participant.site_id)
                           .where(Participant.site_id.in_(sites))).all()
        counts = Counter(State(p.status).value for p in people)
        ids = [p.id for p in people]
        seen: dict[str, set[int]] = {}
        eot_on: dict[int, date] = {}
        eot, eos = Counter[str](), Counter[str]()
        latest_signed: dict[int, str] = {}
        held: dict[int, list[date]] = {}
        for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
            for pid, name, reason, day in s.execute(
                    select(StatusEvent.participant_id, StatusEvent.event, StatusEvent.reason,
                           StatusEvent.event_date).where(StatusEvent.participant_id.in_(chunk))
                    .order_by(StatusEvent.event_date, StatusEvent.id)):
                seen.setdefault(name, set()).add(pid)
                if name == Event.TREATMENT_ENDED.value:
                    eot[reason or ""] += 1
                    eot_on.setdefault(pid, day)  # the first, as the course shows it
                elif name == Event.STUDY_ENDED.value:
                    eos[reason or ""] += 1
            for pid, version in s.execute(select(Consent.participant_id, Consent.version)
                                          .where(Consent.participant_id.in_(chunk))
                                          .order_by(Consent.signed_on, Consent.id)):
                latest_signed[pid] = version  # the last one signed
            for pid, day in s.execute(select(FollowUpContact.participant_id,
                                             FollowUpContact.contact_date)
                                      .where(FollowUpContact.participant_id.in_(chunk))):
                held.setdefault(pid, []).append(day)
        flow = {"registered": len(people), "consented": len(seen.get("consent", ())),
                "screened": len(seen.get("screening_started", ())),
                "screen_failed": counts.get("screen_failed", 0),
                "randomized": len(seen.get("randomized", ())),
                "treated": len(seen.get("treatment_started", ())),
                "ended_treatment": len(seen.get("treatment_ended", ())),
                "in_follow_up": counts.get("follow_up", 0),
                "ended_study": counts.get("end_of_study", 0)}
        versions = lifecycle.consent_versions(s)
        latest = versions[-1].version if versions else None
    reconsent, due = [], []
    for p in sorted(people, key=lambda p: p.screening_number):
        status = State(p.status)
        signed = latest_signed.get(p.id)
        if status not in (State.END_OF_STUDY, State.SCREEN_FAILED, State.PRE_SCREENING) \
                and signed and latest and signed != latest:
            reconsent.append((p.pseudonym, p.code, signed))
        if status in (State.END_OF_TREATMENT, State.FOLLOW_UP) and p.id in eot_on:
            next_due = next_after_previous(eot_on[p.id], held.get(p.id, []), interval)
            if next_due <= today + window:
                due.append(DueContact(p.pseudonym, p.code, next_due,
                                      overdue=today > next_due + window))
    return Dashboard(counts=dict(counts), flow=flow, end_of_treatment_reasons=dict(eot),
                     end_of_study_reasons=dict(eos), reconsent=reconsent,
                     follow_ups=sorted(due, key=lambda d: d.due), latest_version=latest)


def as_json(view: CourseView) -> dict[str, Any]:
    def iso(value: date | datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "pseudonym": view.participant.pseudonym, "status": view.status.value,
        "needs_reconsent": view.needs_reconsent, "latest_consent_version": view.latest_version,
        "withdrawn_on": iso(view.withdrawn_on), "end_of_treatment": iso(view.end_of_treatment),
        "next_contact_due": iso(view.next_contact_due),
        "events": [{"event": e.event, "from": e.from_status, "to": e.to_status,
                    "date": iso(e.event_date), "reason": e.reason, "detail": e.detail,
                    "recorded_by": e.recorded_by} for e in view.events],
        "consents": [{"version": c.version, "signed_on": iso(c.signed_on),
                      "signed_at": iso(c.signed_at), "obtained_by": c.obtained_by,
                      "kind": c.kind} for c in view.consents],
        "contacts": [{"contact_date": iso(c.contact_date), "vital_status": c.vital_status,
                      "death_date": iso(c.death_date), "death_cause": c.death_cause,
                      "subsequent_therapy": c.subsequent_therapy, "note": c.note}
                     for c in view.contacts],
    }
