"""The clinical forms through the services on SQLite and PostgreSQL (issue 21 items 1-4): stored
and audited, bad input refused naming the field with nothing stored, the CYP3A flag and the
prohibited-medication deviation, the weight prompt with the recomputed capecitabine dose, the
QTcF by Fridericia and the screening limit, a measured fever seen by the dose rules.

Hand calculations sit next to the assertions."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from helpers import SYSTEM, principal, two_site_trial
from sqlalchemy import func, select
from treatment_data import randomized_to

from dawna.clock import simulated
from dawna.config import Settings
from dawna.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from dawna.services import clinical, randomization, safety, treatment
from dawna.store.db import Database
from dawna.store.models import (
    AuditRecord,
    ConcomitantMedication,
    Ecg,
    MedicalHistory,
    Participant,
    ProtocolDeviation,
    VitalSigns,
)

NOW = datetime(2024, 9, 1, 4, tzinfo=UTC)
#: The storage tests (every test not marked so) run on SQLite and PostgreSQL; a rule reached
#: through the service runs on SQLite only, never collected for PostgreSQL (nothing skips in CI).
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def trial(request: pytest.FixtureRequest, db_url: str, db: Database,
          settings: Settings) -> tuple[Database, str]:
    """A participant on capecitabine 1000 mg/m² (160 cm, 64 kg: BSA 1.69 m², 1690 mg), cycle 1
    on 2024-03-15."""
    two_site_trial(db)
    randomization.generate(db, settings, SYSTEM, "list for the test")
    randomization.go_live(db, SYSTEM, "go live for the test")
    pid = randomized_to(db, settings, "B", "capecitabine")
    inv, coord = principal(db, "inv_a"), principal(db, "coord_a")
    with simulated(datetime(2024, 3, 14, 4, tzinfo=UTC)):
        treatment.confirm_plan(db, settings, inv, pid, treatment.PlanIn.model_validate(
            {"measures": {"height_cm": 160, "weight_kg": 64},
             "chosen": {"capecitabine": 1000}}))
    with simulated(datetime(2024, 3, 15, 4, tzinfo=UTC)):
        treatment.record_cycle(db, settings, coord, pid,
                               treatment.CycleIn(cycle=1, start_date=date(2024, 3, 15)))
    return db, pid


def _count(db: Database, model: Any) -> int:
    with db.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _conmed(**over: Any) -> clinical.ConmedIn:
    data = {"drug": "ondansetron", "dose": 8, "unit": "mg", "route": "oral",
            "frequency": "BID", "indication": "nausea", "start_date": "2024-03-15",
            "ongoing": True} | over
    return clinical.ConmedIn.model_validate(data)


def test_conmed_coded_audited_and_stop_before_start_refused(trial: tuple[Database, str],
                                                            settings: Settings) -> None:
    db, pid = trial
    coord = principal(db, "coord_a")
    with simulated(NOW):
        row = clinical.record_conmed(db, settings, coord, pid, _conmed())
        assert row.atc_code == "A04AA01" and row.cyp3a is None and not row.prohibited
        with pytest.raises(ValidationError) as exc:
            clinical.record_conmed(db, settings, coord, pid, _conmed(
                ongoing=False, start_date="2024-04-02", stop_date="2024-04-01"))
        assert exc.value.field == "stop_date"
        with pytest.raises(ValidationError) as exc:
            clinical.record_conmed(db, settings, coord, pid, _conmed(adverse_event_number=9))
        assert exc.value.field == "adverse_event_number"
    assert _count(db, ConcomitantMedication) == 1
    with db.sessions() as s:
        fields = set(s.scalars(select(AuditRecord.field).where(
            AuditRecord.table_name == "concomitant_medication")))
    assert {"drug", "atc_code", "start_date"} <= fields


@SQLITE_ONLY
def test_strong_cyp3a_inhibitor_during_treatment_is_flagged_and_a_deviation(
        trial: tuple[Database, str], settings: Settings) -> None:
    db, pid = trial
    coord, inv = principal(db, "coord_a"), principal(db, "inv_a")
    with simulated(NOW):
        ae = safety.record_ae(db, settings, inv, pid, safety.AeIn(
            term="Lung infection", grade=2, start_date=date(2024, 8, 20),
            relatedness={"capecitabine": "not_related"}))
        row = clinical.record_conmed(db, settings, coord, pid, _conmed(
            drug="Clarithromycin", dose=500, frequency="BID", indication="pneumonia",
            start_date="2024-08-20", stop_date="2024-08-27", ongoing=False,
            adverse_event_number=ae))
        assert row.cyp3a == "strong_inhibitor" and row.prohibited
        assert row.adverse_event_number == ae and "CYP3A" in (row.cyp3a_warning or "")
        # before treatment (stopped the day before cycle 1): flagged, not prohibited
        before = clinical.record_conmed(db, settings, coord, pid, _conmed(
            drug="rifampicin", start_date="2024-03-01", stop_date="2024-03-14", ongoing=False))
        assert before.cyp3a == "strong_inducer" and not before.prohibited
        # at prescription: only what is taken today (2024-09-01)
        assert clinical.prescription_warnings(db, settings, inv, pid) == []
        clinical.record_conmed(db, settings, coord, pid, _conmed(
            drug="St John's wort", indication="mood", start_date="2024-08-30"))
        (warning,) = clinical.prescription_warnings(db, settings, inv, pid)
        assert "inducer" in warning
    with db.sessions() as s:
        rows = list(s.scalars(select(ProtocolDeviation).order_by(ProtocolDeviation.id)))
        kinds = [r.kind for r in rows]
        # in the deviation log as the investigator acknowledges it: classified (important,
        # ICH E3 §10.2: a prohibited concomitant treatment), dated, described, once per drug
        assert {(r.category, r.importance) for r in rows} == {("other", "important")}
        assert [r.occurred_on.isoformat() for r in rows] == ["2024-08-20", "2024-08-30"]
        assert len({r.detection_key for r in rows}) == 2 and all(r.description for r in rows)
    assert kinds == ["prohibited_medication", "prohibited_medication"]


@SQLITE_ONLY
def test_history_worsening_after_first_dose_is_an_adverse_event(trial: tuple[Database, str],
                                                                settings: Settings) -> None:
    db, pid = trial
    coord = principal(db, "coord_a")
    with simulated(NOW):
        base = clinical.record_history(db, settings, coord, pid, clinical.HistoryIn(
            condition="Hypertension", code="I10", start_date=date(2015, 1, 1)))
        worse = clinical.record_history(db, settings, coord, pid, clinical.HistoryIn(
            condition="Diabetes mellitus type 2", start_date=date(2018, 5, 1),
            worsened_on=date(2024, 4, 2)))
        assert not base.adverse_event and worse.adverse_event
        with pytest.raises(ValidationError) as exc:
            clinical.record_history(db, settings, coord, pid, clinical.HistoryIn(
                condition="Gout", start_date=date(2020, 1, 2), stop_date=date(2020, 1, 1),
                ongoing=False))
        assert exc.value.field == "stop_date"
    assert _count(db, MedicalHistory) == 2


@SQLITE_ONLY
def test_weight_5000_refused_and_a_10_percent_loss_recomputes_capecitabine(
        trial: tuple[Database, str], settings: Settings) -> None:
    db, pid = trial
    coord = principal(db, "coord_a")
    with simulated(NOW):
        with pytest.raises(ValidationError) as exc:
            clinical.record_vitals(db, settings, coord, pid, clinical.VitalsIn(
                measured_on=date(2024, 8, 30), timepoint="cycle 6", weight_kg=5000))
        assert exc.value.field == "weight_kg"
        assert _count(db, VitalSigns) == 0
        # 64 kg dosed, 57.6 kg now: (57.6 - 64) / 64 = -10.0 % -> recompute
        clinical.record_vitals(db, settings, coord, pid, clinical.VitalsIn(
            measured_on=date(2024, 8, 30), timepoint="cycle 6", weight_kg=57.6,
            systolic_mmhg=120, diastolic_mmhg=75, pulse_bpm=80, temperature_c=36.6))
        view = clinical.clinical_view(db, settings, coord, pid)
    prompt = view.weight_prompt
    assert prompt is not None and prompt.percent == -10.0 and prompt.recompute
    # BSA = sqrt(160 x 57.6 / 3600) = sqrt(2.56) = 1.60 m2; 1000 x 1.60 = 1600 mg (was 1690)
    (dose,) = prompt.doses
    assert (dose.drug, dose.current_dose, dose.new_dose) == ("capecitabine", 1690, 1600)
    assert view.vitals[0].bsa_m2 is None  # no height recorded at that visit nor before


@SQLITE_ONLY
def test_measured_fever_reaches_the_dose_rules(trial: tuple[Database, str],
                                               settings: Settings) -> None:
    db, pid = trial
    coord = principal(db, "coord_a")
    with simulated(NOW):
        clinical.record_vitals(db, settings, coord, pid, clinical.VitalsIn(
            measured_on=date(2024, 8, 31), timepoint="unscheduled", weight_kg=64,
            temperature_c=38.6))
        view = clinical.clinical_view(db, settings, coord, pid)
    assert view.vitals[0].febrile
    # what the dose context adds to the adverse events (dawna.services.dose_context)
    with db.sessions() as s:
        p = s.scalar(select(Participant).where(Participant.pseudonym == pid))
        (obs,) = clinical.fevers(s, p, date(2024, 8, 1))
    assert obs.term == "Fever" and obs.grade == 1


def test_ecg_qtcf_grade_and_screening_limit(trial: tuple[Database, str],
                                            settings: Settings) -> None:
    db, pid = trial
    coord = principal(db, "coord_a")
    with simulated(NOW):
        with pytest.raises(ValidationError) as exc:
            clinical.record_ecg(db, settings, coord, pid, clinical.EcgIn(
                recorded_on=date(2024, 3, 5), timepoint="screening", qt_ms=400))
        assert exc.value.field == "rr_ms"
        assert _count(db, Ecg) == 0
        # QT 360 ms, RR 729 ms: 360 / 0.9 = 400 ms, grade 0
        s0 = clinical.record_ecg(db, settings, coord, pid, clinical.EcgIn(
            recorded_on=date(2024, 3, 5), timepoint="screening", qt_ms=360, rr_ms=729))
        assert s0.qtcf_ms == 400.0 and s0.grade == 0 and not s0.above_screening_limit
        # QT 380 ms, heart rate 60: 380 ms; 380 - 400 baseline: no change grade, < 450: 0
        # QT 384 ms, RR 512 ms: 384 / 0.8 = 480 ms: grade 1 by value, +80 ms from 400: grade 3
        c3 = clinical.record_ecg(db, settings, coord, pid, clinical.EcgIn(
            recorded_on=date(2024, 5, 10), timepoint="cycle 3", qt_ms=384, rr_ms=512))
        assert c3.qtcf_ms == 480.0 and c3.grade == 3 and c3.above_screening_limit
        assert clinical.screening_qtcf(db, coord, pid) == 400.0


@SQLITE_ONLY
def test_monitor_reads_but_cannot_record_and_other_site_sees_nothing(
        trial: tuple[Database, str], settings: Settings) -> None:
    db, pid = trial
    with simulated(NOW):
        assert clinical.clinical_view(db, settings, principal(db, "monitor_a"), pid).vitals == []
        with pytest.raises(PermissionDenied):
            clinical.record_vitals(db, settings, principal(db, "monitor_a"), pid,
                                   clinical.VitalsIn(measured_on=date(2024, 8, 30),
                                                     timepoint="cycle 6", weight_kg=60))
        with pytest.raises(NotFound):
            clinical.clinical_view(db, settings, principal(db, "coord_b"), pid)


def test_stopping_an_ongoing_medication_checks_version_and_dates(
        trial: tuple[Database, str], settings: Settings) -> None:
    db, pid = trial
    coord = principal(db, "coord_a")
    with simulated(NOW):
        row = clinical.record_conmed(db, settings, coord, pid, _conmed())
        with pytest.raises(ValidationError) as exc:
            clinical.stop_conmed(db, settings, coord, pid, row.id, date(2024, 3, 14),
                                 row.version)
        assert exc.value.field == "stop_date"  # before the start (2024-03-15)
        done = clinical.stop_conmed(db, settings, coord, pid, row.id, date(2024, 4, 1),
                                    row.version)
        assert not done.ongoing and done.stop_date == date(2024, 4, 1)
        with pytest.raises(ConflictError) as conflict:
            clinical.stop_conmed(db, settings, coord, pid, row.id, date(2024, 4, 2),
                                 row.version)
        assert str(done.version) in str(conflict.value)
