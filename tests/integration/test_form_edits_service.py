"""Corrections and deletions of the issue 21 forms (``services/form_edits.py``) on SQLite and
PostgreSQL: a correction is audited with the old value, the new one and the reason; a stale
version, and the second of two requests of one version, get a 409 naming the current version;
a bad correction is refused naming its field as on entry, with nothing changed; a deletion
keeps every value in the audit trail; a locked form is neither corrected nor deleted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from helpers import PASSWORD, SYSTEM, principal
from races import race
from sqlalchemy import func, select
from treatment_data import capecitabine_cycle_1

from dawna.clock import simulated
from dawna.config import Settings
from dawna.errors import ConflictError, ValidationError
from dawna.services import admin, clinical, form_edits, locks
from dawna.services.schemas import UserCreate
from dawna.services.treatment import dispensing, pretreatment
from dawna.store.db import Database
from dawna.store.models import (
    AuditRecord,
    ConcomitantMedication,
    DrugDispensing,
    Ecg,
    HbvScreening,
    MedicalHistory,
    PregnancyTest,
    Role,
    VitalSigns,
)

pytestmark = pytest.mark.list_live
NOW = datetime(2024, 9, 1, 4, tzinfo=UTC)


@pytest.fixture
def pid(trial: Database, settings: Settings) -> str:
    """Arm B on capecitabine (an oral drug: dispensed), cycle 1 on 2024-03-15."""
    return capecitabine_cycle_1(trial, settings)


def _record(db: Database, settings: Settings, pid: str, form: str, data: dict[str, Any]
            ) -> int:
    """Record one entry of ``form`` as the coordinator; its id."""
    coord = principal(db, "coord_a")
    spec = form_edits.EDITABLE[form]
    entry = spec.entry.model_validate(data)
    save = {"conmeds": clinical.record_conmed, "history": clinical.record_history,
            "vitals": clinical.record_vitals, "ecg": clinical.record_ecg,
            "pregnancy": pretreatment.record_pregnancy_test, "hbv": pretreatment.record_hbv,
            "dispensing": dispensing.dispense}[form]
    with simulated(NOW):
        save(db, settings, coord, pid, entry)
    with db.sessions() as s:
        return int(s.scalar(select(func.max(spec.model.id))))


def _correct(db: Database, settings: Settings, pid: str, form: str, row_id: int,
             data: dict[str, Any], version: int = 1, reason: str = "transcription error",
             user: str = "coord_a") -> None:
    entry = form_edits.CORRECTIONS[form].model_validate(
        {**data, "version": version, "reason": reason})
    with simulated(NOW):
        form_edits.correct(db, settings, principal(db, user), pid, form, row_id, entry,
                           version=version, reason=reason)


def _trail(db: Database, table: str, row_id: int) -> list[AuditRecord]:
    with db.sessions() as s:
        return list(s.scalars(select(AuditRecord).where(
            AuditRecord.table_name == table, AuditRecord.row_id == str(row_id))
            .order_by(AuditRecord.id)))


VITALS = {"measured_on": "2024-03-14", "timepoint": "screening", "height_cm": 160,
          "weight_kg": 64, "systolic_mmhg": 120, "diastolic_mmhg": 80}
ECG = {"recorded_on": "2024-03-14", "timepoint": "screening", "qt_ms": 400, "rr_ms": 1000}
CONMED = {"drug": "ondansetron", "dose": 8, "unit": "mg", "route": "oral", "frequency": "BID",
          "indication": "nausea", "start_date": "2024-03-15", "ongoing": True}
DISPENSE = {"cycle": 1, "drug": "capecitabine", "dispensed_on": "2024-03-15",
            "lot_number": "CP2403", "expiry_date": "2025-12-31", "bottles": 2,
            "units_dispensed": 112, "unit_strength_mg": 500, "units_per_day": 6,
            "prescribed_days": 14}


def test_a_correction_is_audited_with_the_old_and_new_value_and_the_reason(
        trial: Database, settings: Settings, pid: str) -> None:
    row_id = _record(trial, settings, pid, "vitals", VITALS)
    _correct(trial, settings, pid, "vitals", row_id, {**VITALS, "weight_kg": 62},
             reason="scale read wrongly: 62 kg")
    with trial.sessions() as s:
        row = s.get(VitalSigns, row_id)
        assert (row.weight_kg, row.version) == (62, 2)
    (change,) = [r for r in _trail(trial, "vital_signs", row_id) if r.action == "update"
                 and r.field == "weight_kg"]
    assert float(change.old_value) == 64 and float(change.new_value) == 62
    assert (change.reason, change.actor) == ("scale read wrongly: 62 kg", "coord_a")


def test_an_ecg_correction_computes_qtcf_again(trial: Database, settings: Settings,
                                               pid: str) -> None:
    row_id = _record(trial, settings, pid, "ecg", ECG)
    # QT 400 ms at RR 1000 ms: QTcF 400; corrected to RR 800 ms: 400 / 0.8^(1/3) = 430.9 ms
    _correct(trial, settings, pid, "ecg", row_id, {**ECG, "rr_ms": 800})
    with trial.sessions() as s:
        assert s.get(Ecg, row_id).qtcf_ms == 430.9


def test_a_stale_version_is_refused_naming_the_current_one(trial: Database, settings: Settings,
                                                           pid: str) -> None:
    row_id = _record(trial, settings, pid, "history",
                     {"condition": "hypertension", "start_date": "2019-05-01"})
    _correct(trial, settings, pid, "history", row_id,
             {"condition": "essential hypertension", "code": "I10",
              "start_date": "2019-05-01"})
    with pytest.raises(ConflictError) as stale:
        _correct(trial, settings, pid, "history", row_id,
                 {"condition": "hypertension grade 2", "start_date": "2019-05-01"})
    assert stale.value.status_code == 409 and stale.value.field == "version"
    assert "version 2" in stale.value.message
    with pytest.raises(ConflictError) as late_delete, simulated(NOW):
        form_edits.delete(trial, settings, principal(trial, "coord_a"), pid, "history", row_id,
                          version=1, reason="entered twice")
    assert "version 2" in late_delete.value.message
    with trial.sessions() as s:
        row = s.get(MedicalHistory, row_id)
        assert (row.condition, row.code, row.version) == ("essential hypertension", "I10", 2)


def test_two_corrections_of_one_version_at_once_give_one_save_and_one_409(
        trial: Database, settings: Settings, pid: str,
        flush_barrier: Callable[[int], None]) -> None:
    row_id = _record(trial, settings, pid, "conmeds", CONMED)

    def correct(frequency: str) -> Callable[[], Any]:
        return lambda: _correct(trial, settings, pid, "conmeds", row_id,
                                {**CONMED, "frequency": frequency})

    flush_barrier(2)
    results = race(correct("TID"), correct("QD"), at=NOW)
    conflicts = [r for r in results if isinstance(r, ConflictError)]
    assert len(conflicts) == 1 and [r for r in results if r is None] == [None], results
    assert conflicts[0].field == "version" and "version 2" in conflicts[0].message
    with trial.sessions() as s:
        row = s.get(ConcomitantMedication, row_id)
        assert row.version == 2 and row.frequency in ("TID", "QD")


def test_a_bad_correction_is_refused_naming_its_field_and_nothing_changes(
        trial: Database, settings: Settings, pid: str) -> None:
    ids = {form: _record(trial, settings, pid, form, data) for form, data in (
        ("vitals", VITALS), ("ecg", ECG), ("conmeds", CONMED), ("dispensing", DISPENSE),
        ("pregnancy", {"test_date": "2024-03-13", "purpose": "treatment", "method": "serum",
                       "result": "negative", "contraception": "none needed"}))}
    with simulated(NOW):
        dispensing.record_return(trial, settings, principal(trial, "coord_a"), pid,
                                 ids["dispensing"], dispensing.ReturnIn(
                                     returned_on=date(2024, 3, 29), units_returned=30))
    with trial.sessions() as s:
        before = s.scalar(select(func.count()).select_from(AuditRecord))
    bad = [("vitals", {**VITALS, "weight_kg": 5000}, "weight_kg"),
           ("ecg", {**ECG, "rr_ms": None}, "rr_ms"),
           ("conmeds", {**CONMED, "ongoing": False, "stop_date": "2024-03-10"}, "stop_date"),
           # 30 came back: fewer than 30 dispensed is impossible
           ("dispensing", {**DISPENSE, "units_dispensed": 20}, "units_dispensed"),
           # the first dose was on 2024-03-15: a test "before treatment" after it is refused
           ("pregnancy", {"test_date": "2024-03-16", "purpose": "treatment", "method": "serum",
                          "result": "negative", "contraception": "none needed"}, "test_date")]
    for form, data, field in bad:
        version = 2 if form == "dispensing" else 1  # the return made version 2
        with pytest.raises(ValidationError) as refused:
            _correct(trial, settings, pid, form, ids[form], data, version)
        assert refused.value.field == field, (form, refused.value.field, refused.value.message)
    with pytest.raises(ValidationError) as no_reason, simulated(NOW):
        form_edits.correct(trial, settings, principal(trial, "coord_a"), pid, "vitals",
                           ids["vitals"], form_edits.CORRECTIONS["vitals"].model_validate(
                               {**VITALS, "version": 1, "reason": "abc"}),
                           version=1, reason="  ")
    assert no_reason.value.field == "reason"
    with trial.sessions() as s:
        assert s.scalar(select(func.count()).select_from(AuditRecord)) == before
        assert s.get(VitalSigns, ids["vitals"]).weight_kg == 64
        assert s.get(Ecg, ids["ecg"]).rr_ms == 1000
        assert s.get(ConcomitantMedication, ids["conmeds"]).ongoing is True
        assert s.get(DrugDispensing, ids["dispensing"]).units_dispensed == 112
        assert s.get(PregnancyTest, ids["pregnancy"]).test_date == date(2024, 3, 13)
        assert {s.get(m, ids[f]).version for f, m in (
            ("vitals", VitalSigns), ("ecg", Ecg), ("conmeds", ConcomitantMedication),
            ("pregnancy", PregnancyTest))} == {1}


def test_a_deletion_keeps_every_value_and_the_reason_in_the_audit_trail(
        trial: Database, settings: Settings, pid: str) -> None:
    row_id = _record(trial, settings, pid, "hbv", {
        "sample_date": "2024-03-10", "hbsag_positive": False, "anti_hbc_positive": True,
        "hbv_dna_iu_ml": 0})
    with simulated(NOW):
        form_edits.delete(trial, settings, principal(trial, "coord_a"), pid, "hbv", row_id,
                          version=1, reason="another patient's result")
    with trial.sessions() as s:
        assert s.get(HbvScreening, row_id) is None
    gone = {r.field: r for r in _trail(trial, "hbv_screening", row_id) if r.action == "delete"}
    assert gone["sample_date"].old_value == "2024-03-10"
    assert gone["anti_hbc_positive"].old_value in ("True", "true", "1")
    assert {r.reason for r in gone.values()} == {"another patient's result"}
    assert {r.new_value for r in gone.values()} == {None}


def test_a_locked_form_is_neither_corrected_nor_deleted(trial: Database, settings: Settings,
                                                        pid: str) -> None:
    row_id = _record(trial, settings, pid, "vitals", VITALS)
    admin.create_user(trial, SYSTEM, UserCreate(username="dm_a", display_name="Data Manager A",
                                                password=PASSWORD), "test set-up")
    admin.grant_role(trial, SYSTEM, "dm_a", "SITEA", Role.DATA_MANAGER, "test set-up")
    with simulated(NOW):
        locks.lock(trial, principal(trial, "dm_a"), pid, "vital_signs", str(row_id),
                   "reviewed and locked")
    with pytest.raises(ConflictError) as edit:
        _correct(trial, settings, pid, "vitals", row_id, {**VITALS, "weight_kg": 62})
    with pytest.raises(ConflictError) as gone, simulated(NOW):
        form_edits.delete(trial, settings, principal(trial, "coord_a"), pid, "vitals", row_id,
                          version=1, reason="entered in error")
    assert edit.value.field == gone.value.field == "lock"
    with trial.sessions() as s:
        row = s.get(VitalSigns, row_id)
        assert (row.weight_kg, row.version) == (64, 1)
