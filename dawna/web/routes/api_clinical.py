"""JSON API of the clinical forms (issue 21 items 1-4): read every form of a participant, record
a concomitant medication, a medical history condition, vital signs or an ECG, and the coded
medication list."""

from __future__ import annotations

from fastapi import Depends

from dawna.services import clinical
from dawna.web.deps import CurrentUser, DbDep, RecordId, SettingsDep
from dawna.web.routing import Router
from dawna.web.security import csrf_protect

router = Router(prefix="/api", tags=["clinical forms"])
CSRF = [Depends(csrf_protect)]


@router.get("/conmeds/coded", response_model=list[clinical.CodedDrugOut])
def coded(user: CurrentUser) -> list[clinical.CodedDrugOut]:
    """The coded medication list: names, Chinese names, ATC codes, CYP3A class (FDA table)."""
    return clinical.coded_list()


@router.get("/participants/{pseudonym}/clinical", response_model=clinical.ClinicalOut)
def get_clinical(pseudonym: str, db: DbDep, settings: SettingsDep,
                 user: CurrentUser) -> clinical.ClinicalOut:
    """Concomitant medications, medical history, vital signs, ECGs, the weight prompt and the
    CYP3A warnings of today."""
    return clinical.clinical_view(db, settings, user, pseudonym)


@router.post("/participants/{pseudonym}/conmeds", dependencies=CSRF,
             response_model=clinical.ConmedOut, status_code=201)
def post_conmed(pseudonym: str, body: clinical.ConmedIn, db: DbDep, settings: SettingsDep,
                user: CurrentUser) -> clinical.ConmedOut:
    """Record a concomitant medication (a stop before the start is refused naming
    ``stop_date``; a strong CYP3A inhibitor or inducer is flagged)."""
    return clinical.record_conmed(db, settings, user, pseudonym, body)


@router.post("/participants/{pseudonym}/medical-history", dependencies=CSRF,
             response_model=clinical.HistoryOut, status_code=201)
def post_history(pseudonym: str, body: clinical.HistoryIn, db: DbDep, settings: SettingsDep,
                 user: CurrentUser) -> clinical.HistoryOut:
    """Record a condition of the medical history."""
    return clinical.record_history(db, settings, user, pseudonym, body)


@router.post("/participants/{pseudonym}/vital-signs", dependencies=CSRF,
             response_model=clinical.VitalsOut, status_code=201)
def post_vitals(pseudonym: str, body: clinical.VitalsIn, db: DbDep, settings: SettingsDep,
                user: CurrentUser) -> clinical.VitalsOut:
    """Record vital signs (an impossible value, such as 5000 kg, is refused naming its field)."""
    return clinical.record_vitals(db, settings, user, pseudonym, body)


@router.post("/participants/{pseudonym}/ecgs", dependencies=CSRF,
             response_model=clinical.EcgOut, status_code=201)
def post_ecg(pseudonym: str, body: clinical.EcgIn, db: DbDep, settings: SettingsDep,
             user: CurrentUser) -> clinical.EcgOut:
    """Record an ECG; QTcF (Fridericia) and its CTCAE grade are computed (QT without RR or rate
    is refused naming ``rr_ms``)."""
    return clinical.record_ecg(db, settings, user, pseudonym, body)


@router.put("/participants/{pseudonym}/conmeds/{conmed_id}/stop", dependencies=CSRF,
            response_model=clinical.ConmedOut)
def stop_conmed(pseudonym: str, conmed_id: RecordId, body: clinical.ConmedStopIn, db: DbDep,
                settings: SettingsDep, user: CurrentUser) -> clinical.ConmedOut:
    """Stop an ongoing medication (``version`` as read; a later change is a 409 naming the
    current version)."""
    return clinical.stop_conmed(db, settings, user, pseudonym, conmed_id, body.stop_date,
                                body.version)
