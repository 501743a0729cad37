"""The clinical forms a site kept on paper (issue 21 items 1-4), one module each:

- :mod:`.conmeds`: concomitant medications, the CYP3A flag, prohibited medications;
- :mod:`.history`: medical history, a worsening after the first dose an adverse event;
- :mod:`.vitals`: vital signs and weight, the dose-recompute prompt, measured fever;
- :mod:`.ecg`: ECGs, QTcF (Fridericia) and its CTCAE grade, the screening QTcF of IN8.

This module is their public face: the participant's page and JSON (:func:`clinical_view`), the
recording functions, the CYP3A warnings at prescription (:func:`prescription_warnings`) and one
export function per form for the analysis data sets (:func:`export_rows`).
"""

from __future__ import annotations

from typing import Any

from dawna.clock import local_today
from dawna.config import Settings
from dawna.protocol.conmeds import coded_drugs
from dawna.services.access import Permission, Principal
from dawna.services.clinical import common
from dawna.services.clinical.conmeds import (
    PROHIBITED_MEDICATION,
    active_flags,
    conmed_rows,
    record_conmed,
    stop_conmed,
)
from dawna.services.clinical.ecg import (
    ecg_rows,
    qtcf_max,
    qtcf_pair,
    record_ecg,
    screening_qtcf,
)
from dawna.services.clinical.history import history_rows, record_history
from dawna.services.clinical.schemas import (
    ROUTES,
    ClinicalOut,
    CodedDrugOut,
    ConmedIn,
    ConmedOut,
    ConmedStopIn,
    EcgIn,
    EcgOut,
    HistoryIn,
    HistoryOut,
    VitalsIn,
    VitalsOut,
)
from dawna.services.clinical.vitals import fevers, record_vitals, vitals_rows, weight_prompt
from dawna.store.db import Database
from dawna.store.models import ConcomitantMedication, Ecg, MedicalHistory, VitalSigns
from dawna.store.uow import UnitOfWork

__all__ = [
    "EXPORTS", "PROHIBITED_MEDICATION", "ROUTES", "ClinicalOut", "CodedDrugOut", "ConmedIn",
    "ConmedOut", "ConmedStopIn", "EcgIn", "EcgOut", "HistoryIn", "HistoryOut", "VitalsIn",
    "VitalsOut",
    "clinical_view", "coded_list", "export_rows", "fevers", "prescription_warnings",
    "record_conmed", "record_ecg", "record_history", "record_vitals", "screening_qtcf",
    "stop_conmed",
]


def coded_list() -> list[CodedDrugOut]:
    """The coded medication list (the form's suggestions)."""
    return [CodedDrugOut(name=d.name, name_zh=d.name_zh, atc=d.atc, cyp3a=d.cyp3a)
            for d in coded_drugs()]


def clinical_view(db: Database, settings: Settings, principal: Principal,
                  pseudonym: str) -> ClinicalOut:
    """Every clinical form of ``pseudonym``, the weight prompt and today's CYP3A warnings."""
    today = local_today(settings.zone)
    with UnitOfWork(db) as uow:
        s = uow.session
        p = common.load_read(s, principal, pseudonym)
        from_ecg, in_record = qtcf_pair(s, p)
        return ClinicalOut(
            participant=p.pseudonym, conmeds=conmed_rows(s, p), history=history_rows(s, p),
            vitals=vitals_rows(s, p), ecgs=ecg_rows(s, p), weight_prompt=weight_prompt(s, p),
            cyp3a_warnings=active_flags(s, p, today), qtcf_max_ms=qtcf_max(),
            screening_ecg_qtcf_ms=from_ecg, screening_record_qtcf_ms=in_record,
            can_record=principal.can(Permission.PARTICIPANT_EDIT, p.site_id))


def prescription_warnings(db: Database, settings: Settings, principal: Principal,
                          pseudonym: str) -> list[str]:
    """The strong CYP3A inhibitors and inducers taken today: shown to the prescriber."""
    today = local_today(settings.zone)
    with UnitOfWork(db) as uow:
        p = common.load_read(uow.session, principal, pseudonym)
        return active_flags(uow.session, p, today)


#: form -> (model, columns, order column): what the analysis exports read (CM, MH, VS, EG).
EXPORTS: dict[str, tuple[Any, tuple[str, ...], str]] = {
    "concomitant_medication": (ConcomitantMedication, (
        "drug", "atc_code", "dose", "unit", "route", "frequency", "indication", "start_date",
        "stop_date", "ongoing", "cyp3a", "prohibited"), "start_date"),
    "medical_history": (MedicalHistory, (
        "condition", "code", "start_date", "stop_date", "ongoing", "worsened_on"), "id"),
    "vital_signs": (VitalSigns, (
        "measured_on", "timepoint", "height_cm", "weight_kg", "systolic_mmhg", "diastolic_mmhg",
        "pulse_bpm", "temperature_c", "fever_sustained"), "measured_on"),
    "ecg": (Ecg, ("recorded_on", "timepoint", "qt_ms", "rr_ms", "heart_rate_bpm", "qtcf_ms",
                  "grade", "torsade"), "recorded_on"),
}


def export_rows(db: Database, principal: Principal, form: str) -> list[dict[str, Any]]:
    """Every row of one clinical form at the user's sites, as plain data (participant, site,
    then the form's columns): the source of the CM, MH, VS and EG data sets."""
    model, columns, order = EXPORTS[form]
    sites = principal.sites_with(Permission.TREATMENT_VIEW)
    with UnitOfWork(db) as uow:
        return common.export_rows(uow.session, model, sites, columns, getattr(model, order))
