"""Plausible values enforced on the server (issue 18 item 5), through the services on SQLite
and PostgreSQL: the issue's four examples refused (a 10,000-character name and record number,
ANC 5000 ×10⁹/L, a birth date in 1800, 5000 months of expected survival) with nothing stored;
an implausible value stored only when confirmed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from helpers import principal, two_site_trial
from screening_data import eligible_record
from sqlalchemy import func, select
from treatment_data import randomized_to

from dawna.clock import simulated
from dawna.config import Settings
from dawna.errors import ImplausibleValue, ValidationError
from dawna.services import participants, randomization, safety, screening
from dawna.services.schemas import ParticipantCreate, ParticipantUpdate
from dawna.store.db import Database
from dawna.store.models import AuditRecord, LabResult, Participant, Screening
from dawna.validation import validate

NOW = datetime(2024, 9, 1, 4, tzinfo=UTC)


# ``trial``: tests/conftest.py (the two-site trial, copied from a template)


@pytest.fixture
def pid(trial: Database, settings: Settings) -> str:
    return participants.register(trial, settings, principal(trial, "coord_a"), ParticipantCreate(
        site_code="SITEA", consent_date=date(2024, 3, 1), full_name="赵丽",
        medical_record_number="MRN-77")).pseudonym


def _count(db: Database, model: Any) -> int:
    with db.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _save(db: Database, settings: Settings, pid: str, data: dict[str, Any],
          confirm: bool = False) -> screening.ScreeningView:
    with simulated(NOW):
        return screening.save(db, settings, principal(db, "coord_a"), pid,
                              screening.record_from_dict(data), None, None, confirm)


@pytest.mark.parametrize("field", ["full_name", "medical_record_number"])
def test_a_10000_character_name_or_record_number_is_refused(trial: Database, settings: Settings,
                                                            pid: str, field: str) -> None:
    data = {"site_code": "SITEA", "full_name": "x", "medical_record_number": "MRN-1",
            field: "A" * 10_000}
    with pytest.raises(ValidationError) as caught:
        validate(ParticipantCreate, data)
    assert caught.value.field == field
    with pytest.raises(ValidationError) as caught:
        validate(ParticipantUpdate, {field: "A" * 10_000, "reason": "typo"})
    assert caught.value.field == field
    assert _count(trial, Participant) == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"labs": {"anc": {"value": 5000, "unit": "10^9/L"}}}, "labs.anc.value"),
    ({"date_of_birth": "1800-05-01"}, "date_of_birth"),
    ({"expected_survival_months": 5000}, "expected_survival_months"),
])
def test_the_issues_impossible_screening_values_are_refused_even_confirmed(
        trial: Database, settings: Settings, pid: str, change: dict[str, Any],
        field: str) -> None:
    data = eligible_record()
    for key, value in change.items():
        data[key] = {**data[key], **value} if isinstance(value, dict) else value
    for confirm in (False, True):
        with pytest.raises(ValidationError) as caught:
            _save(trial, settings, pid, data, confirm)
        assert caught.value.field == field
        assert not isinstance(caught.value, ImplausibleValue)
    assert _count(trial, Screening) == 0
    with trial.sessions() as s:
        assert s.scalar(select(func.count()).select_from(AuditRecord).where(
            AuditRecord.table_name == "screening")) == 0


def test_an_implausible_screening_value_is_stored_only_when_confirmed(
        trial: Database, settings: Settings, pid: str) -> None:
    data = eligible_record()
    data["labs"]["anc"]["value"] = 45  # above the soft maximum 30, below the hard 150
    with pytest.raises(ImplausibleValue) as caught:
        _save(trial, settings, pid, data)
    assert caught.value.field == "labs.anc.value" and caught.value.code == "implausible_value"
    assert _count(trial, Screening) == 0
    view = _save(trial, settings, pid, data, confirm=True)
    assert view.record.labs is not None and view.record.labs.anc is not None
    assert view.record.labs.anc.value == 45


def test_a_17_year_old_needs_confirmation_and_is_then_ineligible(
        trial: Database, settings: Settings, pid: str) -> None:
    data = eligible_record()  # decided on 2024-03-10
    data["date_of_birth"] = "2006-06-01"
    with pytest.raises(ImplausibleValue):
        _save(trial, settings, pid, data)
    view = _save(trial, settings, pid, data, confirm=True)
    assert view.result.outcome.value == "ineligible"


def test_laboratory_results_impossible_refused_implausible_confirmed(
        db: Database, settings: Settings) -> None:
    two_site_trial(db)
    from helpers import SYSTEM

    randomization.generate(db, settings, SYSTEM, "list for the test")
    randomization.go_live(db, SYSTEM, "go live for the test")
    pid = randomized_to(db, settings, "A", "letrozole")
    coord = principal(db, "coord_a")
    before = _count(db, LabResult)

    def lab(**kw: Any) -> Any:
        with simulated(NOW):
            return safety.record_lab(db, settings, coord, pid, safety.LabIn.model_validate(
                {"analyte": "ANC", "unit": "10^9/L", "lln": 1.8, "sample_date": "2024-03-20",
                 **kw}))

    for confirm in (False, True):  # ANC 5000 ×10⁹/L: was stored as grade 0
        with pytest.raises(ValidationError) as caught:
            lab(value=5000, confirm_implausible=confirm)
        assert caught.value.field == "value" and not isinstance(caught.value, ImplausibleValue)
    with pytest.raises(ImplausibleValue):
        lab(value=40)
    assert _count(db, LabResult) == before
    assert lab(value=40, confirm_implausible=True).grade == 0
    assert lab(value=5000, unit="/mm3", lln=1800).grade == 0  # 5 ×10⁹/L, plausible
    assert _count(db, LabResult) == before + 2


def test_long_texts_of_the_screening_form_and_reasons_are_refused_with_nothing_stored(
        trial: Database, settings: Settings, pid: str) -> None:
    data = eligible_record()
    data["measurable_lesions"][0]["location"] = "L" * 10_000
    with pytest.raises(ValidationError) as caught:
        screening.record_from_dict(data)
    assert caught.value.field == "measurable_lesions[0].location"
    _save(trial, settings, pid, eligible_record())
    with simulated(NOW), pytest.raises(ValidationError) as caught:
        # the web form passes the reason as typed: the unit of work refuses 2001 characters
        screening.save(trial, settings, principal(trial, "coord_a"), pid,
                       screening.record_from_dict(eligible_record() | {"ecog": 0}),
                       "r" * 2001, 1)
    assert caught.value.field == "reason"
    with trial.sessions() as s:
        assert s.scalar(select(Screening.version)) == 1


def test_a_phone_number_is_limited_like_the_form(trial: Database) -> None:
    data = {"site_code": "SITEA", "full_name": "x", "medical_record_number": "MRN-1",
            "phone": "1" * 10_000}
    with pytest.raises(ValidationError) as caught:
        validate(ParticipantCreate, data)
    assert caught.value.field == "phone"


def test_a_weight_outside_its_usual_range_needs_confirmation_in_the_plan(
        db: Database, settings: Settings) -> None:
    from helpers import SYSTEM

    from dawna.services import treatment

    two_site_trial(db)
    randomization.generate(db, settings, SYSTEM, "list for the test")
    randomization.go_live(db, SYSTEM, "go live for the test")
    pid = randomized_to(db, settings, "A", "letrozole")
    inv = principal(db, "inv_a")
    heavy = {"measures": {"height_cm": 160, "weight_kg": 180}}  # soft maximum 150 kg
    with simulated(NOW):
        with pytest.raises(ImplausibleValue) as caught:
            treatment.confirm_plan(db, settings, inv, pid, treatment.PlanIn.model_validate(heavy))
        assert caught.value.field == "measures.weight_kg"
        done = treatment.confirm_plan(db, settings, inv, pid, treatment.PlanIn.model_validate(
            heavy | {"confirm_implausible": True}))
    assert done.regimen_id
