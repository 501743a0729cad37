"""Pregnancy tests, hepatitis B screening, oral drug dispensing, dose diary and relative dose
intensity through the services, on SQLite and PostgreSQL (issue 21 items 5-7). Hand-worked:
dalpiciclib 125 mg once daily days 1-21; 21 capsules dispensed, 3 returned: taken 18 of 21
expected, compliance 18 / 21 = 0.857143; the diary shows days 3 and 7 missed: 19 days x 125 mg
= 2375 mg of 21 x 125 = 2625 mg planned, RDI 2375 / 2625 = 0.904762."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from helpers import SYSTEM, principal, two_site_trial
from screening_data import premenopausal_record
from sqlalchemy import select
from treatment_data import randomized_to

from dawna.clock import simulated
from dawna.config import Settings
from dawna.errors import ProtocolViolation, ValidationError
from dawna.services import participants, pet, randomization, treatment
from dawna.services.analysis_data import analysis_data
from dawna.services.schemas import ParticipantCreate
from dawna.services.treatment import dispensing, pretreatment
from dawna.store.db import Database
from dawna.store.models import AuditRecord, DrugDispensing, PregnancyTest

CHOICES = {"endocrine_therapy": "letrozole", "chemotherapy": "capecitabine",
           "ovarian_function_suppression": "goserelin"}


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 4, tzinfo=UTC)


@pytest.fixture
def trial(db: Database, settings: Settings) -> Database:
    two_site_trial(db)
    randomization.generate(db, settings, SYSTEM, "list for the test")
    randomization.go_live(db, SYSTEM, "go live for the test")
    return db


def _planned(db: Database, settings: Settings) -> str:
    pid = randomized_to(db, settings, "A", "letrozole", record=premenopausal_record(),
                        choices=CHOICES)
    with simulated(at(date(2024, 3, 14))):
        treatment.confirm_plan(db, settings, principal(db, "inv_a"), pid,
                               treatment.PlanIn.model_validate(
                                   {"variants": {"ovarian_function_suppression": "goserelin"}}))
    return pid


def _test(day: date, result: str, purpose: str = "treatment") -> pretreatment.PregnancyTestIn:
    return pretreatment.PregnancyTestIn(test_date=day, purpose=purpose, method="serum",
                                        result=result, contraception="intrauterine device")


def test_positive_pregnancy_test_blocks_dosing_and_late_test_is_refused(
        trial: Database, settings: Settings) -> None:
    pid = _planned(trial, settings)
    coord = principal(trial, "coord_a")
    with simulated(at(date(2024, 3, 15))):
        view = pretreatment.pretreatment_view(trial, settings, coord, pid)
        assert view.childbearing_potential and view.pregnancy_warnings  # no test yet
        pretreatment.record_pregnancy_test(trial, settings, coord, pid,
                                           _test(date(2024, 3, 13), "positive"))
        with pytest.raises(ProtocolViolation) as caught:
            treatment.record_cycle(trial, settings, coord, pid,
                                   treatment.CycleIn(cycle=1, start_date=date(2024, 3, 15)))
        assert caught.value.field == "pregnancy_test" and "2024-03-13" in str(caught.value)
        pretreatment.record_pregnancy_test(trial, settings, coord, pid,
                                           _test(date(2024, 3, 14), "negative"))
        treatment.record_cycle(trial, settings, coord, pid,
                               treatment.CycleIn(cycle=1, start_date=date(2024, 3, 15)))
    with simulated(at(date(2024, 3, 20))):
        with pytest.raises(ValidationError) as refused:
            pretreatment.record_pregnancy_test(trial, settings, coord, pid,
                                               _test(date(2024, 3, 16), "negative"))
        assert refused.value.field == "test_date"
    with trial.sessions() as s:
        assert len(s.scalars(select(PregnancyTest)).all()) == 2
        fields = {a.field for a in s.scalars(select(AuditRecord).where(
            AuditRecord.table_name == "pregnancy_test"))}
        assert {"result", "test_date", "contraception"} <= fields


def test_hbv_prophylaxis_warning_until_started(trial: Database, settings: Settings) -> None:
    pid = randomized_to(trial, settings, "B", "capecitabine")
    coord = principal(trial, "coord_a")
    with simulated(at(date(2024, 3, 14))):
        assert "no hepatitis B screening" in (
            pretreatment.pretreatment_view(trial, settings, coord, pid).hbv_warning or "")
        # the prescriber sees it on the treatment page before cycle 1
        assert any("hepatitis B" in p for p in
                   treatment.treatment_view(trial, settings, coord, pid).problems)
        pretreatment.record_hbv(trial, settings, coord, pid, pretreatment.HbvIn(
            sample_date=date(2024, 3, 13), hbsag_positive=False, anti_hbc_positive=True,
            hbv_dna_iu_ml=120.0))
        view = pretreatment.pretreatment_view(trial, settings, coord, pid)
        assert "prophylaxis" in (view.hbv_warning or "")
        with pytest.raises(ValidationError) as caught:
            pretreatment.record_hbv(trial, settings, coord, pid, pretreatment.HbvIn(
                sample_date=date(2024, 3, 13), hbsag_positive=False, anti_hbc_positive=True,
                prophylaxis_drug="lamivudine", prophylaxis_start=date(2024, 3, 14)))
        assert caught.value.field == "prophylaxis_drug"
        pretreatment.record_hbv(trial, settings, coord, pid, pretreatment.HbvIn(
            sample_date=date(2024, 3, 14), hbsag_positive=False, anti_hbc_positive=True,
            hbv_dna_iu_ml=120.0, prophylaxis_drug="entecavir",
            prophylaxis_start=date(2024, 3, 14)))
        assert pretreatment.pretreatment_view(trial, settings, coord, pid).hbv_warning is None


def test_dispensing_compliance_diary_and_rdi(trial: Database, settings: Settings) -> None:
    pid = _planned(trial, settings)
    coord = principal(trial, "coord_a")
    with simulated(at(date(2024, 3, 15))):
        pretreatment.record_pregnancy_test(trial, settings, coord, pid,
                                           _test(date(2024, 3, 14), "negative"))
        treatment.record_cycle(trial, settings, coord, pid,
                               treatment.CycleIn(cycle=1, start_date=date(2024, 3, 15)))
        entry = dispensing.DispenseIn(
            cycle=1, drug="dalpiciclib", dispensed_on=date(2024, 3, 15), lot_number="DL2403A",
            expiry_date=date(2025, 12, 31), bottles=1, units_dispensed=21,
            unit_strength_mg=125, units_per_day=1, prescribed_days=21)
        dispensing.dispense(trial, settings, coord, pid, entry)
        for bad, field in ((entry.model_copy(update={"drug": "goserelin"}), "drug"),
                           (entry.model_copy(update={"cycle": 2}), "cycle"),
                           (entry.model_copy(update={"expiry_date": date(2024, 3, 1)}),
                            "expiry_date"),
                           (entry, "drug")):
            with pytest.raises(ValidationError) as caught:
                dispensing.dispense(trial, settings, coord, pid, bad)
            assert caught.value.field == field
    with simulated(at(date(2024, 4, 12))):
        (row,) = dispensing.accountability(trial, coord, pid).dispensings
        with pytest.raises(ValidationError) as caught:
            dispensing.record_return(trial, settings, coord, pid, row.id, dispensing.ReturnIn(
                returned_on=date(2024, 4, 12), units_returned=20, units_lost=2))
        assert caught.value.field == "units_returned"
        with trial.sessions() as s:  # nothing stored
            assert s.scalars(select(DrugDispensing)).one().units_returned is None
        dispensing.record_return(trial, settings, coord, pid, row.id, dispensing.ReturnIn(
            returned_on=date(2024, 4, 12), units_returned=3, version=row.version))
        missed = {date(2024, 3, 17), date(2024, 3, 21)}  # days 3 and 7
        days = {date(2024, 3, 15) + timedelta(days=i): True for i in range(21)}
        days.update(dict.fromkeys(missed, False))
        dispensing.record_diary(trial, settings, coord, pid, dispensing.DiaryIn(
            cycle=1, drug="dalpiciclib", days=days))
        with pytest.raises(ValidationError) as caught:
            dispensing.record_diary(trial, settings, coord, pid, dispensing.DiaryIn(
                cycle=1, drug="dalpiciclib", days={date(2024, 3, 14): True}))
        assert caught.value.field == "days"
        acc = dispensing.accountability(trial, coord, pid)
    (row,) = acc.dispensings
    assert (row.taken, row.expected, row.compliance) == (18, 21, 0.8571)
    assert (row.diary_taken, row.diary_missed) == (19, 2)
    (rdi,) = acc.intensities
    assert (rdi.drug, rdi.actual_mg, rdi.planned_mg) == ("dalpiciclib", 2375, 2625)
    assert rdi.relative_dose_intensity == 0.9048
    with trial.sessions() as s:
        fields = {a.field for a in s.scalars(select(AuditRecord).where(
            AuditRecord.table_name == "drug_dispensing"))}
        assert {"lot_number", "expiry_date", "units_returned"} <= fields
    # the analysis data set carries it: ADSL.RDIDALP = 2375 / 2625; no letrozole dispensed
    adsl = analysis_data(trial, settings, principal(trial, "stat_ab"),
                         cutoff=date(2024, 4, 12)).adsl
    row = adsl[adsl["SUBJID"] == pid].iloc[0]
    assert row["RDIDALP"] == pytest.approx(0.9048, abs=1e-4)
    assert row["RDIENDO"] is None or row["RDIENDO"] != row["RDIENDO"]
    early = analysis_data(trial, settings, principal(trial, "stat_ab"),
                          cutoff=date(2024, 3, 14)).adsl
    assert early[early["SUBJID"] == pid].iloc[0]["RDIDALP"] != 0.9048  # nothing dispensed yet


def test_positive_pregnancy_test_blocks_the_fes_scan(trial: Database,
                                                     settings: Settings) -> None:
    coord = principal(trial, "coord_a")
    pid = participants.register(trial, settings, coord, ParticipantCreate(
        site_code="SITEA", full_name="李娜", medical_record_number="MRN-5151",
        consent_date=date(2024, 3, 1), consent_time=time(9, 30),
        consent_obtained_by="Dr Sun")).pseudonym
    scan = {"injected_mbq": 185, "weight_kg": 60, "uptake_min": 60}
    with simulated(at(date(2024, 3, 8))):
        pretreatment.record_pregnancy_test(trial, settings, coord, pid,
                                           _test(date(2024, 3, 3), "positive", "fes_scan"))
        with pytest.raises(ProtocolViolation) as caught:
            pet.register_scan(trial, settings, coord, pid,
                              {"tracer": "FES", "scan_date": "2024-03-04", **scan})
        assert caught.value.field == "pregnancy_test"
        pretreatment.record_pregnancy_test(trial, settings, coord, pid,
                                           _test(date(2024, 3, 5), "negative", "fes_scan"))
        pet.register_scan(trial, settings, coord, pid,
                          {"tracer": "FES", "scan_date": "2024-03-06", **scan})
        with pytest.raises(ValidationError) as late:  # after the scan it should precede
            pretreatment.record_pregnancy_test(trial, settings, coord, pid,
                                               _test(date(2024, 3, 7), "negative", "fes_scan"))
        assert late.value.field == "test_date"


def test_without_a_decision_date_the_woman_is_tested_as_of_childbearing_potential(
        trial: Database, settings: Settings) -> None:
    """The status depends on age on the decision date (NCCN MENO-1); a screening row that lost
    it (read back from a file) leaves the status unknown, so pregnancy tests are required
    (pretreatment._childbearing), as for any unknown status."""
    from dawna.store.models import Screening
    from dawna.store.uow import UnitOfWork

    pid = randomized_to(trial, settings, "A", "letrozole")  # postmenopausal woman of 62
    coord = principal(trial, "coord_a")
    with simulated(at(date(2024, 3, 15))):
        before = pretreatment.pretreatment_view(trial, settings, coord, pid)
    assert not before.childbearing_potential
    with UnitOfWork(trial, SYSTEM, "test set-up: a row read back without its date") as uow:
        row = uow.session.scalars(select(Screening)).one()
        row.record = {**row.record, "decision_date": None}
        row.decision_date = None
        uow.commit()
    with simulated(at(date(2024, 3, 15))):
        view = pretreatment.pretreatment_view(trial, settings, coord, pid)
    assert view.childbearing_potential and view.pregnancy_warnings
