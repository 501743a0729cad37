"""Every dated record of a participant, for the status events to be checked against (issue 18
item 7): consents and re-consents, the screening decision, status events, treatment cycles,
dose decisions, laboratory results, adverse events, tumour assessments, PET scans and survival
contacts, each named for a refusal ("survival contact of 2025-04-02").

The rules are :func:`dawna.rules.lifecycle.check_against_records` (an end of study or of
treatment dated before data already recorded; lost to follow-up before a contact at which the
participant was alive) and :func:`dawna.rules.lifecycle.check_record_in_study` (a record after
the end of study); sources in :mod:`dawna.rules.lifecycle` (ICH E6(R3) 3.16.1).
"""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.rules.lifecycle import DatedRecord, Event
from dawna.rules.messages import N_, Message
from dawna.store.models import (
    AdverseEvent,
    Consent,
    DoseDecision,
    FollowUpContact,
    LabResult,
    Participant,
    PetStudy,
    Screening,
    StatusEvent,
    TreatmentCycle,
    TumourAssessment,
)

__all__ = ["DEATH_REPORT", "dated_records", "study_end"]

#: Kind of a survival contact that reported the death: it may be dated after the death it
#: reports (the end of study on the date of death), unlike any other record.
DEATH_REPORT = "death_report"

_EVENT_NAMES = {
    Event.CONSENT: N_("consent"), Event.SCREENING_STARTED: N_("start of screening"),
    Event.SIGNED_ELIGIBLE: N_("eligibility signature"),
    Event.SIGNED_NOT_ELIGIBLE: N_("eligibility signature"),
    Event.DECISION_VOIDED: N_("voided eligibility decision"),
    Event.RANDOMIZED: N_("randomization"), Event.TREATMENT_STARTED: N_("first dose"),
    Event.TREATMENT_ENDED: N_("end of treatment"),
    Event.FOLLOW_UP_STARTED: N_("start of follow-up"), Event.STUDY_ENDED: N_("end of study"),
}


def _label(template: str, on: date, **params: str | Message) -> Message:
    return Message(template, {"date": on.isoformat(), **params})


#: The models read here (each with its ``participant_id``).
_M = TypeVar("_M", Consent, Screening, StatusEvent, TreatmentCycle, DoseDecision, LabResult,
             AdverseEvent, TumourAssessment, PetStudy, FollowUpContact)


def _rows(session: Session, model: type[_M], p: Participant) -> list[_M]:
    return list(session.scalars(select(model).where(model.participant_id == p.id)))


def dated_records(session: Session, p: Participant) -> list[DatedRecord]:
    """The participant's dated records, by date (the ``kind`` of each: consent, reconsent,
    screening, status, cycle, dose_decision, lab, adverse_event, tumour_assessment, pet_scan,
    contact, death_report)."""
    out: list[DatedRecord] = []
    for c in _rows(session, Consent, p):
        out.append(DatedRecord(c.kind, c.signed_on, _label(
            N_("re-consent (version {version}) of {date}") if c.kind == "reconsent"
            else N_("informed consent (version {version}) of {date}"), c.signed_on,
            version=c.version)))
    for s in _rows(session, Screening, p):
        if s.decision_date is not None:
            out.append(DatedRecord("screening", s.decision_date, _label(
                N_("screening decision of {date}"), s.decision_date)))
    for e in _rows(session, StatusEvent, p):
        name = _EVENT_NAMES.get(Event(e.event), e.event)
        out.append(DatedRecord("status", e.event_date, _label(
            N_("{event} of {date}"), e.event_date, event=Message(name))))
    for cycle in _rows(session, TreatmentCycle, p):
        out.append(DatedRecord("cycle", cycle.start_date, _label(
            N_("treatment cycle {cycle} of {date}"), cycle.start_date, cycle=str(cycle.cycle))))
    for d in _rows(session, DoseDecision, p):
        out.append(DatedRecord("dose_decision", d.decision_date, _label(
            N_("dose decision of {date}"), d.decision_date)))
    for lab in _rows(session, LabResult, p):
        out.append(DatedRecord("lab", lab.sample_date, _label(
            N_("laboratory result ({analyte}) of {date}"), lab.sample_date,
            analyte=lab.analyte)))
    for ae in _rows(session, AdverseEvent, p):
        out.append(DatedRecord("adverse_event", ae.start_date, _label(
            N_("adverse event {number} ({term}) starting {date}"), ae.start_date,
            number=str(ae.number), term=ae.term)))
    for t in _rows(session, TumourAssessment, p):
        out.append(DatedRecord("tumour_assessment", t.assessment_date, _label(
            N_("tumour assessment of {date}"), t.assessment_date)))
    for scan in _rows(session, PetStudy, p):
        out.append(DatedRecord("pet_scan", scan.scan_date, _label(
            N_("{tracer} PET scan of {date}"), scan.scan_date, tracer=scan.tracer)))
    for contact in _rows(session, FollowUpContact, p):
        kind = DEATH_REPORT if contact.vital_status == "dead" else "contact"
        out.append(DatedRecord(kind, contact.contact_date, _label(
            N_("survival contact of {date}"), contact.contact_date),
            alive=contact.vital_status == "alive"))
    return sorted(out, key=lambda r: r.on)


def study_end(session: Session, p: Participant) -> date | None:
    """Date of the participant's end of study (None while in the study)."""
    return session.scalar(select(StatusEvent.event_date).where(
        StatusEvent.participant_id == p.id, StatusEvent.event == Event.STUDY_ENDED.value)
        .order_by(StatusEvent.event_date).limit(1))
