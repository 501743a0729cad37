"""Screening: save the case report form, evaluate eligibility, sign the decision, keep the log.

The clinical decision is made by ``dawna.rules.eligibility.evaluate`` against the protocol file;
this module loads, checks dates against the site's calendar, stores with an audit trail and
handles the investigator's electronic signature (21 CFR 11.50 signature manifestation, 11.70
signature/record linking, 11.200 password re-entry). A signature covers the SHA-256 of the exact
record signed: a later change to the record voids it and returns the participant to screening.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, select, true
from sqlalchemy.orm import Session

from dawna.clock import local_today, utcnow
from dawna.config import Settings
from dawna.errors import ConflictError, PermissionDenied, ProtocolViolation, ValidationError
from dawna.i18n import _, gettext
from dawna.protocol import Protocol, bundled_protocol
from dawna.rules.eligibility import EligibilityResult, Outcome, evaluate
from dawna.rules.lifecycle import Event
from dawna.rules.menopause_record import assess, form_code
from dawna.rules.rule_errors import RuleError
from dawna.rules.screening_record import ScreeningRecord, future_dates
from dawna.services import auth, deviations, lifecycle, plausibility, protocol_versions
from dawna.services.access import Permission, Principal
from dawna.services.participants import public_summary
from dawna.services.schemas import ParticipantPublic
from dawna.services.scope import actor_of, load_visible
from dawna.services.screening_confirmations import require_investigator
from dawna.services.screening_fingerprint import fingerprint as fingerprint  # re-exported
from dawna.store.db import Database
from dawna.store.models import (
    EligibilitySignature,
    Participant,
    ParticipantStatus,
    Screening,
)
from dawna.store.uow import UnitOfWork
from dawna.validation import validate


@dataclass(frozen=True)
class SignatureView:
    signer_name: str
    signed_at: datetime
    outcome: str
    meaning: str  # the statement as signed (in the signer's language), kept as signed
    valid: bool
    meaning_shown: str = ""  # the same statement in the reader's language (issue 20 review)


@dataclass(frozen=True)
class ScreeningView:
    participant: ParticipantPublic
    record: ScreeningRecord
    result: EligibilityResult
    version: int | None
    signature: SignatureView | None
    protocol_version: str = protocol_versions.BUNDLED_LABEL  # judged under (issue 20 item 8)


def record_from_dict(data: dict[str, Any]) -> ScreeningRecord:
    """Validate a submitted record; the first problem becomes a ValidationError naming its path."""
    return validate(ScreeningRecord, data, root="record")


def _with_defaults(record: ScreeningRecord, participant: Participant,
                   settings: Settings) -> ScreeningRecord:
    """Consent date comes from the registration; the decision date defaults to today at the site."""
    today = local_today(settings.zone)
    if (record.consent_date and participant.consent_date
            and record.consent_date != participant.consent_date):
        raise ValidationError(
            _("{date} differs from the consent date of the registration ({registered}); "
              "correct the registration first").format(date=record.consent_date,
                                                      registered=participant.consent_date),
            field="consent_date")
    updates: dict[str, Any] = {}
    if record.consent_date is None and participant.consent_date is not None:
        updates["consent_date"] = participant.consent_date
    if record.decision_date is None:
        updates["decision_date"] = today
    record = record.model_copy(update=updates) if updates else record
    consent = participant.consent_date
    if consent is not None:
        procedures = [("decision_date", record.decision_date),
                      ("fes_pet.scan_date", record.fes_pet.scan_date if record.fes_pet else None)]
        for field_name, when in procedures:
            if when is not None and when < consent:
                raise ValidationError(_("{date} is before the informed consent of {consent}; no "
                                        "trial procedure may precede consent (ICH E6(R3) 2.8)")
                                      .format(date=when.isoformat(), consent=consent.isoformat()),
                                      field=field_name)
    future = future_dates(record, today)
    if future:
        raise ValidationError(
            _("is after today at the site ({today}); dates cannot be in the future").format(
                today=today), field=future[0])
    return record


def _with_menopausal_status(record: ScreeningRecord) -> ScreeningRecord:
    """With the menopause criteria entered, the status they give (NCCN MENO-1) fills a blank
    ``menopausal_status``; a typed status they contradict is refused on that field."""
    if (record.menopause is None or record.sex != "female" or record.date_of_birth is None
            or record.decision_date is None):
        return record
    try:
        code = form_code(assess(record, record.decision_date).status)
    except RuleError as exc:
        if exc.field == "age_years":  # not an adult: the age criterion answers, not MENO-1
            return record
        raise exc.translated(gettext) from None
    if record.menopausal_status is None and code is not None:
        return record.model_copy(update={"menopausal_status": code})
    return record


def menopause_summary(record: ScreeningRecord) -> str | None:
    """The menopausal status the record's criteria give (NCCN MENO-1) and why, or what is
    missing, for the screening form; None before sex, date of birth and decision date."""
    if record.sex is None or record.date_of_birth is None or record.decision_date is None:
        return None
    try:
        result = assess(record, record.decision_date)
    except RuleError as exc:
        return f"{exc.field}: {exc.reason.render(gettext)}"
    return f"{gettext(result.status.value)}: {result.reason.render(gettext)}"


def evaluate_draft(record: ScreeningRecord, participant_consent: date | None, settings: Settings,
                   protocol: Protocol | None = None,
                   db: Database | None = None) -> EligibilityResult:
    """Evaluate without saving (the live checklist on the form), under ``protocol``, else the
    version in force at the decision date (read from ``db``), else the bundled file."""
    if record.consent_date is None and participant_consent is not None:
        record = record.model_copy(update={"consent_date": participant_consent})
    decision = record.decision_date or local_today(settings.zone)
    if protocol is None and db is not None:
        with UnitOfWork(db) as uow:
            protocol = protocol_versions.protocol_on(uow.session, decision)[1]
    return evaluate(record, protocol or bundled_protocol(), decision)


def _signature_view(sig: EligibilitySignature | None, screening: Screening | None,
                    record: ScreeningRecord, pseudonym: str) -> SignatureView | None:
    if sig is None:
        return None
    valid = screening is not None and sig.record_sha256 == fingerprint(record)
    decided = (sig.result or {}).get("decision_date")
    shown = sig.meaning
    if decided and sig.outcome in {o.value for o in Outcome}:
        shown = meaning_text(pseudonym, Outcome(sig.outcome), date.fromisoformat(decided),
                             bundled_protocol())
    return SignatureView(signer_name=sig.signer_name, signed_at=sig.signed_at,
                         outcome=sig.outcome, meaning=sig.meaning, valid=valid,
                         meaning_shown=shown)


def _latest_signature(session: Session, participant_id: int) -> EligibilitySignature | None:
    return session.scalars(
        select(EligibilitySignature).where(EligibilitySignature.participant_id == participant_id)
        .order_by(EligibilitySignature.id.desc()).limit(1)).first()


def _view(session: Session, p: Participant, settings: Settings) -> ScreeningView:
    screening = session.scalars(select(Screening).where(Screening.participant_id == p.id)).first()
    record = (ScreeningRecord.model_validate(screening.record) if screening
              else ScreeningRecord(consent_date=p.consent_date))
    decision = record.decision_date or local_today(settings.zone)
    label, protocol = protocol_versions.protocol_on(session, decision)
    result = evaluate(record, protocol, decision)
    sig = _signature_view(_latest_signature(session, p.id), screening, record, p.pseudonym)
    return ScreeningView(participant=public_summary(p), record=record, result=result,
                         version=screening.version if screening else None, signature=sig,
                         protocol_version=label)


def get(db: Database, settings: Settings, principal: Principal, pseudonym: str) -> ScreeningView:
    with UnitOfWork(db) as uow:
        session = uow.session
        return _view(session, load_visible(session, principal, pseudonym), settings)


def save(db: Database, settings: Settings, principal: Principal, pseudonym: str,
         record: ScreeningRecord, reason: str | None, expected_version: int | None,
         confirm_implausible: bool = False) -> ScreeningView:
    """Store the screening record and its computed outcome.

    The first entry needs no reason; every later change does (ICH E6(R3) 3.16.1). A record saved
    by someone else since the form was opened is a conflict, not an overwrite. Impossible
    values are refused, implausible ones kept only with ``confirm_implausible``
    (:mod:`dawna.services.plausibility`).
    """
    with UnitOfWork(db, actor_of(principal)) as uow:
        s = uow.session
        p = load_visible(s, principal, pseudonym)
        principal.require(Permission.PARTICIPANT_EDIT, p.site_id)
        if p.status in (ParticipantStatus.PRE_SCREENING, ParticipantStatus.END_OF_STUDY):
            raise ProtocolViolation(
                _("no informed consent is recorded; no trial procedure may precede consent "
                  "(ICH E6(R3) 2.8)") if p.status is ParticipantStatus.PRE_SCREENING
                else _("{id} has ended the study").format(id=p.pseudonym), field="status")
        record = _with_defaults(record, p, settings)
        plausibility.check_screening(record, record.decision_date or local_today(settings.zone),
                                     confirm_implausible)
        record = _with_menopausal_status(record)
        label, protocol = protocol_versions.protocol_on(
            s, record.decision_date or local_today(settings.zone))
        result = evaluate(record, protocol, record.decision_date or local_today(settings.zone))
        screening = s.scalars(select(Screening).where(Screening.participant_id == p.id)).first()
        require_investigator(principal, p.site_id, screening.record if screening else None,
                             record)
        previous = screening.outcome if screening else None
        data = record.model_dump(mode="json", exclude_none=True)
        failed = ",".join(c.id for c in result.failed)[:200]
        if screening is None:
            uow.set_reason((reason or "").strip() or _("Screening data entered"))
            screening = Screening(participant_id=p.id, record=data, outcome=result.outcome.value,
                                  decision_date=record.decision_date, failed_criteria=failed,
                                  protocol_version=label)
            s.add(screening)
        else:
            if not reason or len(reason.strip()) < 3:
                raise ValidationError(_("a reason is required to change a saved screening "
                                        "record"), field="reason")
            if expected_version is None:
                raise ValidationError(_("the version of the record you read is required to "
                                        "change it (it is now %(version)s)")
                                      % {"version": screening.version}, field="version")
            if expected_version != screening.version:
                raise ConflictError(_("this screening record was changed by someone else since "
                                      "you opened it (it is now at version %(version)s); reload "
                                      "and enter your change again")
                                    % {"version": screening.version}, field="version")
            uow.set_reason(reason.strip())
            if screening.record != data:
                screening.record = data
                screening.updated_at = utcnow()
            screening.outcome = result.outcome.value
            screening.decision_date = record.decision_date
            screening.failed_criteria = failed
            screening.protocol_version = label
        today = local_today(settings.zone)
        if p.status is ParticipantStatus.CONSENTED:
            lifecycle.apply_event(s, p, Event.SCREENING_STARTED,
                                  min(record.decision_date or today, today), principal.username,
                                  today)
        sig = _latest_signature(s, p.id)
        if sig is not None and sig.record_sha256 != fingerprint(record) and p.status in (
                ParticipantStatus.ELIGIBLE, ParticipantStatus.SCREEN_FAILED):
            # the signed decision no longer covers this record
            lifecycle.apply_event(s, p, Event.DECISION_VOIDED, today, principal.username, today,
                                  detail=_("screening record changed after signature"))
        if previous is not None:  # a correction: after randomization it may open a deviation
            deviations.after_correction(s, p, previous, result, (reason or "").strip(),
                                        principal.username, today)
        s.flush()  # a concurrent save: StaleDataError, a 409 with the version (the unit of work)
        view = _view(s, p, settings)
        uow.commit()
    return view


def meaning_text(pseudonym: str, outcome: Outcome, decision_date: date, protocol: Protocol) -> str:
    """The signature manifestation (21 CFR 11.50): what the signer attests, in words."""
    label = gettext("ELIGIBLE") if outcome is Outcome.ELIGIBLE else gettext("NOT ELIGIBLE")
    return _("I confirm as investigator that I have reviewed the screening record of {id} and "
             "that the participant is {outcome} for {acronym} ({nct}) as of {date}.").format(
        id=pseudonym, outcome=label, acronym=protocol.registry.acronym,
        nct=protocol.registry.nct_id, date=decision_date.isoformat())


def sign(db: Database, settings: Settings, principal: Principal, pseudonym: str, password: str,
         confirm: bool) -> ScreeningView:
    """The investigator signs the computed decision, re-entering their password."""
    with UnitOfWork(db) as uow:
        session = uow.session
        p = load_visible(session, principal, pseudonym)
        site_id = p.site_id
    if not principal.can(Permission.ELIGIBILITY_SIGN, site_id):
        raise PermissionDenied(_("only an investigator of this site can sign eligibility"),
                               field="role")
    if not confirm:
        raise ValidationError(_("tick the box to confirm the meaning of your signature"),
                              field="confirm")
    signer = auth.reauthenticate(db, settings, principal.user_id, password)
    with UnitOfWork(db, actor_of(principal)) as uow:
        s = uow.session
        p = load_visible(s, principal, pseudonym)
        screening = s.scalars(select(Screening).where(Screening.participant_id == p.id)
                              .with_for_update()).first()
        if screening is None:
            raise ProtocolViolation(_("no screening record has been saved yet"), field="record")
        record = ScreeningRecord.model_validate(screening.record)
        decision = record.decision_date or local_today(settings.zone)
        label, protocol = protocol_versions.protocol_on(s, decision)
        result = evaluate(record, protocol, decision)
        if result.outcome is Outcome.INCOMPLETE:
            raise ProtocolViolation(
                _("eligibility cannot be signed while the record is incomplete: {missing}").format(
                    missing=", ".join(result.missing)), field="record")
        meaning = meaning_text(p.pseudonym, result.outcome, decision, protocol)
        uow.set_reason(meaning)
        s.add(EligibilitySignature(
            participant_id=p.id, signer_id=signer.id, signer_name=signer.display_name,
            signed_at=utcnow(), outcome=result.outcome.value, meaning=meaning,
            record_sha256=fingerprint(record), protocol_version=label,
            result={"decision_date": decision.isoformat(),
                    "criteria": [{"id": c.id, "status": c.status.value} for c in result.criteria]}))
        target = (ParticipantStatus.ELIGIBLE if result.outcome is Outcome.ELIGIBLE
                  else ParticipantStatus.SCREEN_FAILED)
        if p.status is not target:
            today = local_today(settings.zone)
            if p.status in (ParticipantStatus.ELIGIBLE, ParticipantStatus.SCREEN_FAILED):
                lifecycle.apply_event(s, p, Event.DECISION_VOIDED, today, signer.username, today)
            lifecycle.apply_event(
                s, p, Event.SIGNED_ELIGIBLE if target is ParticipantStatus.ELIGIBLE
                else Event.SIGNED_NOT_ELIGIBLE, today, signer.username, today)
        s.flush()
        view = _view(s, p, settings)
        uow.commit()
    return view


_LATEST_SIGNATURE = (select(EligibilitySignature.record_sha256, EligibilitySignature.outcome)
                     .where(EligibilitySignature.participant_id == bindparam("participant"))
                     .order_by(EligibilitySignature.id.desc()).limit(1).subquery())
#: the screening row and its latest signature, in one statement built once per process
_SIGNED_SCREENING = (select(Screening, _LATEST_SIGNATURE.c.record_sha256,
                            _LATEST_SIGNATURE.c.outcome)
                     .outerjoin(_LATEST_SIGNATURE, true())
                     .where(Screening.participant_id == bindparam("participant")))


@lru_cache(maxsize=256)
def _validated(stored: str) -> tuple[ScreeningRecord, str]:
    """A stored record (its JSON, keys sorted) validated and fingerprinted once per content and
    process; the record is shared between requests: read it, never change it."""
    record = ScreeningRecord.model_validate(json.loads(stored))
    return record, fingerprint(record)


def require_signed_eligible(session: Session,
                            participant: Participant) -> tuple[Screening, ScreeningRecord]:
    """Refuse unless an investigator signed this participant eligible and the signed record is
    the current one (randomization calls this first); the screening row and its record, read
    and validated once, for the caller."""
    found = session.execute(_SIGNED_SCREENING, {"participant": participant.id}).first()
    if found is None or found.outcome is None:
        raise ProtocolViolation(_("{id} has no signed eligibility decision").format(
            id=participant.pseudonym), field="eligibility")
    screening = found.Screening
    record, current = _validated(json.dumps(screening.record, sort_keys=True))
    if found.record_sha256 != current:
        raise ProtocolViolation(_("the screening record of {id} changed after it was signed; "
                                  "the investigator must sign again").format(
            id=participant.pseudonym), field="eligibility")
    if found.outcome != Outcome.ELIGIBLE.value:
        raise ProtocolViolation(_("{id} was signed as not eligible").format(
            id=participant.pseudonym), field="eligibility")
    return screening, record
