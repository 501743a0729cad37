"""A participant's course: informed consent (versions, re-consent), the state machine of
``dawna.rules.lifecycle`` applied with dated, reasoned and audited events, end of treatment,
end of study and withdrawal of consent.

Rules: ICH E6(R3) 2.8 (consent before any trial procedure; re-consent when the form changes),
3.16.1 (data kept, changes reasoned); the state machine and its sources in
``dawna.rules.lifecycle``. Other services move a participant through :func:`apply_event` in
their own transaction (registration, screening, signature, randomization); this module's
functions are the moves a site makes by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from dawna.clock import local_today
from dawna.config import Settings
from dawna.errors import PermissionDenied, ProtocolViolation, ValidationError
from dawna.i18n import _, gettext
from dawna.protocol import bundled_protocol
from dawna.rules.lifecycle import (
    Event,
    State,
    TransitionRefused,
    check_against_records,
    check_event_date,
    check_record_in_study,
    target_state,
)
from dawna.rules.messages import N_, Message
from dawna.services import course_records
from dawna.services.access import Permission, Principal
from dawna.services.scope import actor_of, load_visible
from dawna.store.db import Database
from dawna.store.models import (
    Consent,
    ConsentFormVersion,
    FollowUpContact,
    LabResult,
    Participant,
    StatusEvent,
    TreatmentCycle,
    TumourAssessment,
)
from dawna.store.uow import UnitOfWork

__all__ = [
    "ConsentVersion", "add_consent_version", "apply_event", "approved_versions",
    "consent_versions", "end_study", "end_treatment", "latest_visit", "record_consent",
    "record_initial_consent",
    "require_collecting", "start_treatment", "version_in_force", "withdraw", "withdrawal_date",
]


@dataclass(frozen=True)
class ConsentVersion:
    version: str
    approved: date
    approved_by: str
    source: str  # "protocol" or "administrator"


def consent_versions(session: Session) -> list[ConsentVersion]:
    """Approved versions: the protocol file's and those an administrator entered, by date."""
    versions = {f.version: ConsentVersion(f.version, f.approved, f.approved_by, "protocol")
                for f in bundled_protocol().consent_forms}
    for row in session.scalars(select(ConsentFormVersion)):
        versions.setdefault(row.version, ConsentVersion(row.version, row.approved_on,
                                                        row.approved_by, "administrator"))
    return sorted(versions.values(), key=lambda v: (v.approved, v.version))


def approved_versions(db: Database) -> list[ConsentVersion]:
    """:func:`consent_versions` in a read of its own (for pages)."""
    with UnitOfWork(db) as uow:
        return consent_versions(uow.session)


def version_in_force(session: Session, on: date) -> ConsentVersion | None:
    """The newest version approved on or before ``on``."""
    approved = [v for v in consent_versions(session) if v.approved <= on]
    return approved[-1] if approved else None


def _refuse(exc: TransitionRefused) -> ValidationError:
    return ValidationError(exc.message.render(gettext), field=exc.field)


_LAST_EVENT_DATE = select(func.max(StatusEvent.event_date)).where(
    StatusEvent.participant_id == bindparam("participant"))  # built once: every move reads it


def _last_event_date(session: Session, p: Participant) -> date | None:
    return session.scalar(_LAST_EVENT_DATE, {"participant": p.id})


def latest_visit(session: Session, p: Participant) -> date | None:
    """The latest date anything was recorded for the participant (events, tumour
    assessments, follow-up contacts, treatment cycles, laboratory samples): a death cannot
    precede it."""
    dates = [
        _last_event_date(session, p),
        session.scalar(select(func.max(TumourAssessment.assessment_date)).where(
            TumourAssessment.participant_id == p.id)),
        session.scalar(select(func.max(FollowUpContact.contact_date)).where(
            FollowUpContact.participant_id == p.id)),
        session.scalar(select(func.max(TreatmentCycle.start_date)).where(
            TreatmentCycle.participant_id == p.id)),
        session.scalar(select(func.max(LabResult.sample_date)).where(
            LabResult.participant_id == p.id)),
    ]
    known = [d for d in dates if d is not None]
    return max(known) if known else None


def apply_event(session: Session, p: Participant, event: Event, on: date, recorded_by: str,
                today: date, reason: str | None = None, detail: str | None = None) -> State:
    """Move ``p`` by ``event`` dated ``on`` in the caller's transaction; refused (nothing
    changed) when the state machine or the dates forbid it, or when an end of treatment or of
    study would precede a record of the participant (:mod:`dawna.services.course_records`)."""
    try:
        target = target_state(State(p.status), event, reason)
        check_event_date(on, consent=p.consent_date, previous=_last_event_date(session, p),
                         today=today, event=event)
        if event in (Event.STUDY_ENDED, Event.TREATMENT_ENDED):
            # every dated record, not only the last status change (issue 18 item 7); the
            # contact that reported a death may be dated after it
            records = [r for r in course_records.dated_records(session, p)
                       if not (reason == "death" and r.kind == course_records.DEATH_REPORT)]
            check_against_records(event, on, records, reason=reason)
    except TransitionRefused as exc:
        raise _refuse(exc) from None
    session.add(StatusEvent(participant_id=p.id, event=event.value, from_status=p.status.value,
                            to_status=target.value, event_date=on, reason=reason,
                            detail=detail, recorded_by=recorded_by))
    p.status = target
    return target


def event_date(session: Session, p: Participant, event: Event) -> date | None:
    """Date of the first ``event`` of ``p`` (None if it has not happened)."""
    return session.scalar(select(StatusEvent.event_date).where(
        StatusEvent.participant_id == p.id, StatusEvent.event == event.value)
        .order_by(StatusEvent.event_date).limit(1))


def withdrawal_date(session: Session, p: Participant) -> date | None:
    return session.scalar(select(StatusEvent.event_date).where(
        StatusEvent.participant_id == p.id, StatusEvent.event == Event.STUDY_ENDED.value,
        StatusEvent.reason == "withdrawal"))


def require_collecting(session: Session, p: Participant, on: date, field: str) -> None:
    """Refuse data dated after a withdrawal of consent (what was collected before is kept) or
    after any other end of study, naming the end of study
    (:func:`dawna.rules.lifecycle.check_record_in_study`)."""
    withdrawn = withdrawal_date(session, p)
    if withdrawn is not None and on > withdrawn:
        raise ProtocolViolation(_("{id} withdrew consent on {date}; no data is collected after "
                                  "that date").format(id=p.pseudonym, date=withdrawn.isoformat()),
                                field=field)
    try:
        check_record_in_study(on, study_ended=course_records.study_end(session, p),
                              what=Message(N_("a record")))
    except TransitionRefused as exc:
        raise ProtocolViolation(exc.message.render(gettext), field=field) from None


# --- consent -------------------------------------------------------------------------------


def _check_version(session: Session, version: str, signed_on: date) -> ConsentVersion:
    known = {v.version: v for v in consent_versions(session)}
    form = known.get(version)
    if form is None:
        raise ValidationError(_("unknown consent form version {version} (approved: "
                                "{known})").format(version=version,
                                                   known=", ".join(known) or "-"),
                              field="consent_version")
    if form.approved > signed_on:
        raise ValidationError(_("version {version} was approved on {approved}; it cannot have "
                                "been signed on {date}").format(
            version=version, approved=form.approved.isoformat(), date=signed_on.isoformat()),
            field="consent_version")
    return form


def _signed_at(on: date, at: time | None, settings: Settings) -> datetime | None:
    return datetime.combine(on, at, tzinfo=settings.zone) if at is not None else None


def record_initial_consent(session: Session, settings: Settings, p: Participant, on: date,
                           version: str | None, at: time | None, obtained_by: str | None,
                           recorded_by: str) -> None:
    """Registration with a consent: the consent record and the move to *consented*."""
    if version is None:
        form = version_in_force(session, on)
        if form is None:
            raise ValidationError(_("no consent form version was approved on or before {date}")
                                  .format(date=on.isoformat()), field="consent_date")
        version = form.version
    _check_version(session, version, on)
    session.add(Consent(participant_id=p.id, version=version, signed_on=on,
                        signed_at=_signed_at(on, at, settings), obtained_by=obtained_by,
                        kind="initial", recorded_by=recorded_by))
    apply_event(session, p, Event.CONSENT, on, recorded_by, local_today(settings.zone))


def record_consent(db: Database, settings: Settings, principal: Principal, pseudonym: str,
                   version: str, signed_on: date, at: time | None, obtained_by: str,
                   reason: str | None = None) -> None:
    """A consent signed after registration: the first one (pre-screening -> consented) or a
    re-consent to a newer approved version."""
    today = local_today(settings.zone)
    if signed_on > today:
        raise ValidationError(_("is after today at the site ({today}); dates cannot be in the "
                                "future").format(today=today), field="signed_on")
    if not obtained_by.strip():
        raise ValidationError(_("name the person who obtained the consent"),
                              field="obtained_by")
    with UnitOfWork(db, actor_of(principal)) as uow:
        s = uow.session
        p = load_visible(s, principal, pseudonym)
        principal.require(Permission.PARTICIPANT_EDIT, p.site_id)
        form = _check_version(s, version, signed_on)
        latest = s.scalars(select(Consent).where(Consent.participant_id == p.id)
                           .order_by(Consent.signed_on.desc(), Consent.id.desc())).first()
        if p.status is State.END_OF_STUDY:
            raise ProtocolViolation(_("{id} has ended the study").format(id=p.pseudonym),
                                    field="status")
        if latest is None:
            uow.set_reason((reason or "").strip() or _("Informed consent signed"))
            s.add(Consent(participant_id=p.id, version=version, signed_on=signed_on,
                          signed_at=_signed_at(signed_on, at, settings),
                          obtained_by=obtained_by.strip(), kind="initial",
                          recorded_by=principal.username))
            p.consent_date = signed_on
            apply_event(s, p, Event.CONSENT, signed_on, principal.username, today)
        else:
            signed = {v.version: v for v in consent_versions(s)}.get(latest.version)
            if signed is not None and form.approved <= signed.approved:
                raise ValidationError(_("{id} already signed version {signed}; a re-consent is "
                                        "to a newer approved version").format(
                    id=p.pseudonym, signed=latest.version), field="consent_version")
            if signed_on < latest.signed_on:
                raise ValidationError(_("{date} is before the previous consent ({previous})")
                                      .format(date=signed_on.isoformat(),
                                              previous=latest.signed_on.isoformat()),
                                      field="signed_on")
            uow.set_reason((reason or "").strip() or _("Re-consent to version {version}").format(
                version=version))
            s.add(Consent(participant_id=p.id, version=version, signed_on=signed_on,
                          signed_at=_signed_at(signed_on, at, settings),
                          obtained_by=obtained_by.strip(), kind="reconsent",
                          recorded_by=principal.username))
        uow.commit()


# --- moves made by hand ---------------------------------------------------------------------


def _move(db: Database, settings: Settings, principal: Principal, pseudonym: str,
          steps: list[tuple[Event, str | None]], on: date, detail: str | None,
          audit_reason: str) -> None:
    today = local_today(settings.zone)
    with UnitOfWork(db, actor_of(principal), audit_reason) as uow:
        s = uow.session
        p = load_visible(s, principal, pseudonym)
        principal.require(Permission.PARTICIPANT_EDIT, p.site_id)
        for event, reason in steps:
            apply_event(s, p, event, on, principal.username, today, reason, detail)
        uow.commit()


def start_treatment(db: Database, settings: Settings, principal: Principal, pseudonym: str,
                    on: date) -> None:
    """First dose of the allocated treatment (randomized -> on treatment)."""
    _move(db, settings, principal, pseudonym, [(Event.TREATMENT_STARTED, None)], on, None,
          _("Treatment started"))


def _check_death(session: Session, p: Participant, on: date) -> None:
    last = latest_visit(session, p)
    if last is not None and on < last:
        raise ValidationError(_("a death on {date} is before a recorded visit of {visit}").format(
            date=on.isoformat(), visit=last.isoformat()), field="date")


def end_treatment(db: Database, settings: Settings, principal: Principal, pseudonym: str,
                  on: date, reason: str, detail: str | None = None) -> None:
    """End of treatment with its reason; a death also ends the study, a withdrawal of consent
    also ends the study and stops data collection."""
    steps: list[tuple[Event, str | None]] = [(Event.TREATMENT_ENDED, reason)]
    if reason == "death":
        steps.append((Event.STUDY_ENDED, "death"))
    elif reason == "withdrawal_of_consent":
        steps.append((Event.STUDY_ENDED, "withdrawal"))
    if reason == "death":
        with UnitOfWork(db) as uow:
            s = uow.session
            _check_death(s, load_visible(s, principal, pseudonym), on)
    _move(db, settings, principal, pseudonym, steps, on, detail, _("End of treatment: {reason}")
          .format(reason=reason))


def end_study(db: Database, settings: Settings, principal: Principal, pseudonym: str,
              on: date, reason: str, detail: str | None = None) -> None:
    if reason == "death":
        with UnitOfWork(db) as uow:
            s = uow.session
            _check_death(s, load_visible(s, principal, pseudonym), on)
    _move(db, settings, principal, pseudonym, [(Event.STUDY_ENDED, reason)], on, detail,
          _("End of study: {reason}").format(reason=reason))


def withdraw(db: Database, settings: Settings, principal: Principal, pseudonym: str,
             on: date, detail: str | None = None) -> None:
    """Withdrawal of consent: ends treatment if it is running, ends the study; what was
    collected before ``on`` is kept, nothing dated later is accepted."""
    with UnitOfWork(db) as uow:
        s = uow.session
        status = State(load_visible(s, principal, pseudonym).status)
    steps: list[tuple[Event, str | None]] = []
    if status in (State.RANDOMIZED, State.ON_TREATMENT):
        steps.append((Event.TREATMENT_ENDED, "withdrawal_of_consent"))
    steps.append((Event.STUDY_ENDED, "withdrawal"))
    _move(db, settings, principal, pseudonym, steps, on, detail, _("Consent withdrawn"))



def add_consent_version(db: Database, settings: Settings, principal: Principal, version: str,
                        approved_on: date, approved_by: str, reason: str) -> ConsentVersion:
    """An administrator records a consent form version the ethics committee approved after the
    protocol file was written (ICH E6(R3) 2.8.1); participants on older versions are then due
    for re-consent."""
    if not principal.can_anywhere(Permission.USER_MANAGE):
        raise PermissionDenied(_("only an administrator records consent form versions"),
                               field="role")
    version, approved_by = version.strip(), approved_by.strip()
    if not version or len(version) > 20:
        raise ValidationError(_("a version is 1 to 20 characters"), field="version")
    if not approved_by:
        raise ValidationError(_("name the ethics committee that approved it"),
                              field="approved_by")
    if approved_on > local_today(settings.zone):
        raise ValidationError(_("is after today at the site ({today}); dates cannot be in the "
                                "future").format(today=local_today(settings.zone)),
                              field="approved_on")
    if len(reason.strip()) < 3:
        raise ValidationError(_("a reason is required (kept in the audit trail)"), field="reason")
    with UnitOfWork(db, actor_of(principal), reason.strip()) as uow:
        s = uow.session
        known = consent_versions(s)
        if any(v.version == version for v in known):
            raise ValidationError(_("version {version} is already recorded").format(
                version=version), field="version")
        if known and approved_on < known[-1].approved:
            raise ValidationError(_("{date} is before the approval of version {latest} "
                                    "({approved}); versions are recorded in order").format(
                date=approved_on.isoformat(), latest=known[-1].version,
                approved=known[-1].approved.isoformat()), field="approved_on")
        s.add(ConsentFormVersion(version=version, approved_on=approved_on,
                                 approved_by=approved_by, entered_by=principal.username))
        uow.commit()
    return ConsentVersion(version, approved_on, approved_by, "administrator")
