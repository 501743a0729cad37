"""What the form status rule needs of many participants, read with one query per table: their
key dates (consent, signed decision, randomization, cycles, end of treatment, end of study,
depot doses) and every form entered with its clinical date (dates recorded as times are taken
in the site's zone)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import literal, select, union_all
from sqlalchemy.orm import Session

from dawna.config import Settings
from dawna.protocol import Protocol
from dawna.rules.form_status import Entered
from dawna.rules.lifecycle import Event
from dawna.store.models import (
    AdverseEvent,
    Allocation,
    ConcomitantMedication,
    Consent,
    DepotDose,
    DoseDecision,
    DrugDispensing,
    Ecg,
    EligibilitySignature,
    FollowUpContact,
    HbvScreening,
    LabResult,
    MedicalHistory,
    PetStudy,
    PregnancyTest,
    ProtocolDeviation,
    Screening,
    StatusEvent,
    SusarReport,
    TreatmentCycle,
    TreatmentPlan,
    TumourAssessment,
    VitalSigns,
)

__all__ = ["CourseRows", "load_course_rows"]


@dataclass
class CourseRows:
    """One participant's key dates (keyword arguments of ``rules.form_status.Course``), the
    scheduled forms entered, and the unscheduled (event-driven) ones."""

    course: dict[str, Any] = field(default_factory=dict)
    entered: list[Entered] = field(default_factory=list)
    unscheduled: list[Entered] = field(default_factory=list)


def _day(value: datetime | date, settings: Settings) -> date:
    return value.astimezone(settings.zone).date() if isinstance(value, datetime) else value


def _events(s: Session, ids: Sequence[int], out: dict[int, CourseRows]) -> None:
    rows = s.execute(select(StatusEvent.participant_id, StatusEvent.id, StatusEvent.event,
                            StatusEvent.event_date, StatusEvent.reason)
                     .where(StatusEvent.participant_id.in_(ids))
                     .order_by(StatusEvent.event_date, StatusEvent.id))
    for pid, row_id, event, on, reason in rows:
        c = out[pid].course
        if event == Event.SIGNED_ELIGIBLE:
            c["eligible"], c["screen_failed"] = on, None
        elif event == Event.SIGNED_NOT_ELIGIBLE:
            c["screen_failed"], c["eligible"] = on, None
        elif event == Event.DECISION_VOIDED:
            c["eligible"] = c["screen_failed"] = None
        elif event == Event.RANDOMIZED:
            c["randomization"] = on
        elif event == Event.TREATMENT_STARTED:
            c.setdefault("treatment_start", on)
        elif event == Event.TREATMENT_ENDED:
            c["end_of_treatment"], c["ended_at_progression"] = on, reason == "progression"
            out[pid].entered.append(Entered("status_event", row_id, on, visit="end_of_treatment"))
        elif event == Event.STUDY_ENDED:
            c["end_of_study"] = on


def _dated(s: Session, ids: Sequence[int], out: dict[int, CourseRows], settings: Settings
           ) -> None:
    """Forms entered whose date is one column."""
    simple: list[tuple[str, Any, Any]] = [
        ("consent", Consent, Consent.signed_on),
        ("eligibility_signature", EligibilitySignature, EligibilitySignature.signed_at),
        ("pet_study", PetStudy, PetStudy.scan_date),
        ("lab_result", LabResult, LabResult.sample_date),
        ("follow_up_contact", FollowUpContact, FollowUpContact.contact_date),
        ("allocation", Allocation, Allocation.randomized_at),
        ("treatment_plan", TreatmentPlan, TreatmentPlan.confirmed_at),
        ("medical_history", MedicalHistory, MedicalHistory.recorded_at),
        ("vital_signs", VitalSigns, VitalSigns.measured_on),
        ("ecg", Ecg, Ecg.recorded_on),
    ]
    for form, model, when in simple:
        for pid, row_id, on in s.execute(select(model.participant_id, model.id, when)
                                          .where(model.participant_id.in_(ids))):
            out[pid].entered.append(Entered(form, row_id, _day(on, settings)))
    for pid, row_id, on, decided in s.execute(
            select(Screening.participant_id, Screening.id, Screening.updated_at,
                   Screening.decision_date).where(Screening.participant_id.in_(ids))):
        out[pid].entered.append(Entered("screening", row_id, decided or _day(on, settings)))
    # issue 21's dated forms in one statement (the grid's statement count stays flat)
    ours = union_all(*(select(literal(form).label("form"), model.participant_id, model.id,
                              when.label("on")).where(model.participant_id.in_(ids))
                       for form, model, when in (
                           ("pregnancy_test", PregnancyTest, PregnancyTest.test_date),
                           ("hbv_screening", HbvScreening, HbvScreening.sample_date),
                           ("drug_dispensing", DrugDispensing, DrugDispensing.dispensed_on))))
    for form, pid, row_id, on in s.execute(ours):
        out[pid].entered.append(Entered(form, row_id, _day(on, settings)))
    for pid, row_id, kind, on in s.execute(
            select(TumourAssessment.participant_id, TumourAssessment.id, TumourAssessment.kind,
                   TumourAssessment.assessment_date)
            .where(TumourAssessment.participant_id.in_(ids))):
        visit = "screening" if kind == "baseline" else "tumour_assessment"
        out[pid].entered.append(Entered("tumour_assessment", row_id, on, visit=visit))


def _treatment(s: Session, ids: Sequence[int], out: dict[int, CourseRows], protocol: Protocol,
               depot_drugs: frozenset[str]) -> None:
    for pid, arm in s.execute(select(Allocation.participant_id, Allocation.arm)
                              .where(Allocation.participant_id.in_(ids))):
        out[pid].course["arm"] = arm
        out[pid].course["cycle_length_days"] = protocol.arm(arm).regimen.cycle_length_days
    for pid, length, doses in s.execute(
            select(TreatmentPlan.participant_id, TreatmentPlan.cycle_length_days,
                   TreatmentPlan.doses).where(TreatmentPlan.participant_id.in_(ids))):
        if length:
            out[pid].course["cycle_length_days"] = length
        drugs = {d.get("drug") for d in doses or []} & depot_drugs
        out[pid].course["depots"] = {drug: [] for drug in sorted(drugs)}
    for pid, row_id, cycle, start in s.execute(
            select(TreatmentCycle.participant_id, TreatmentCycle.id, TreatmentCycle.cycle,
                   TreatmentCycle.start_date).where(TreatmentCycle.participant_id.in_(ids))
            .order_by(TreatmentCycle.cycle)):
        c = out[pid].course
        c.setdefault("cycles", {})[cycle] = start
        if cycle == 1:
            c["treatment_start"] = start
        out[pid].entered.append(Entered("treatment_cycle", row_id, start, occurrence=cycle))
    for pid, row_id, drug, given in s.execute(
            select(DepotDose.participant_id, DepotDose.id, DepotDose.drug, DepotDose.given_on)
            .where(DepotDose.participant_id.in_(ids)).order_by(DepotDose.given_on)):
        if drug in depot_drugs:
            out[pid].course.setdefault("depots", {}).setdefault(drug, []).append(given)
        out[pid].entered.append(Entered("depot_dose", row_id, given, detail=drug))


def _unscheduled(s: Session, ids: Sequence[int], out: dict[int, CourseRows]) -> None:
    dated: list[tuple[str, Any, Any]] = [
        ("adverse_event", AdverseEvent, AdverseEvent.start_date),
        ("dose_decision", DoseDecision, DoseDecision.decision_date),
        ("protocol_deviation", ProtocolDeviation, ProtocolDeviation.opened_on),
        ("concomitant_medication", ConcomitantMedication, ConcomitantMedication.start_date)]
    for form, model, when in dated:
        for pid, row_id, on in s.execute(select(model.participant_id, model.id, when)
                                          .where(model.participant_id.in_(ids))):
            out[pid].unscheduled.append(Entered(form, row_id, on))
    for pid, row_id, on in s.execute(
            select(AdverseEvent.participant_id, SusarReport.id, SusarReport.sent_on)
            .join(SusarReport, SusarReport.adverse_event_id == AdverseEvent.id)
            .where(AdverseEvent.participant_id.in_(ids))):
        out[pid].unscheduled.append(Entered("susar_report", row_id, on))


def load_course_rows(s: Session, settings: Settings, ids: Sequence[int], protocol: Protocol,
                     *, depot_drugs: frozenset[str]) -> dict[int, CourseRows]:
    """participant id -> :class:`CourseRows`, for ``ids`` (a fixed number of queries)."""
    out = {pid: CourseRows() for pid in ids}
    if not ids:
        return out
    _events(s, ids, out)
    _dated(s, ids, out, settings)
    _treatment(s, ids, out, protocol, depot_drugs)
    _unscheduled(s, ids, out)
    for rows in out.values():
        consents = [e.on for e in rows.entered if e.form == "consent"]
        if consents:
            rows.course["consent"] = min(consents)
    return out

