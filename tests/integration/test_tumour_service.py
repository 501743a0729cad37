"""Tumour assessments through the services on SQLite and PostgreSQL: stored, re-derived,
audited leaf by leaf, refused whole when a RECIST rule or a date is broken, scoped by site and
role."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from helpers import principal
from sqlalchemy import func, select

from dawna.config import Settings
from dawna.errors import (
    ConflictError,
    NotFound,
    PermissionDenied,
    ProtocolViolation,
    ValidationError,
)
from dawna.services import audit_trail, participants, tumour
from dawna.services.schemas import ParticipantCreate
from dawna.store.db import Database
from dawna.store.models import AuditRecord, TumourAssessment

BASE = date(2024, 3, 4)


# ``trial``: tests/conftest.py (the two-site trial, copied from a template)


@pytest.fixture
def pid(trial: Database, settings: Settings) -> str:
    return participants.register(trial, settings, principal(trial, "coord_a"), ParticipantCreate(
        site_code="SITEA", consent_date=date(2024, 3, 1), full_name="钱芳",
        medical_record_number="MRN-88")).pseudonym


def baseline(**changes: Any) -> tumour.Baseline:
    data: dict[str, Any] = {"date": BASE.isoformat(), "lesions": [
        {"id": "T1", "organ": "liver", "diameter_mm": 40, "target": True},
        {"id": "T2", "organ": "lung", "diameter_mm": 20, "target": True},
        {"id": "NT1", "organ": "bone", "target": False}]}
    data.update(changes)
    return tumour.parse_baseline(data)


def follow_up(days: int, t1: Any, t2: Any = 10, nt: str = "present",
              new: str = "no") -> tumour.Assessment:
    return tumour.parse_assessment({
        "date": (BASE + timedelta(days=days)).isoformat(), "target": {"T1": t1, "T2": t2},
        "non_target": {"NT1": nt}, "new_lesions": new})


def count(db: Database) -> int:
    with db.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(TumourAssessment)) or 0)


def test_baseline_and_follow_ups_are_stored_and_responses_derived(
        trial: Database, settings: Settings, pid: str) -> None:
    reader = principal(trial, "reader_a")
    tumour.save_baseline(trial, settings, reader, pid, baseline())
    tumour.save_assessment(trial, settings, reader, pid, follow_up(56, 20))   # 30 of 60: PR
    view = tumour.save_assessment(trial, settings, reader, pid, follow_up(112, 18))  # 28: PR
    assert view.result is not None
    assert [t.overall for t in view.result.timepoints] == ["PR", "PR"]
    assert view.result.confirmed.response == "PR"  # confirmed 56 days later
    # a third one entered out of order (an earlier date) is sorted in
    view = tumour.save_assessment(trial, settings, reader, pid, follow_up(140, 40, 10))
    assert [t.overall for t in view.result.timepoints] == ["PR", "PR", "PD"]
    assert view.result.progression_date == BASE + timedelta(days=140)
    assert tumour.get(trial, settings, principal(trial, "monitor_a"), pid).result == view.result


def test_every_field_is_audited_with_its_reason(trial: Database, settings: Settings,
                                               pid: str) -> None:
    coord = principal(trial, "coord_a")
    tumour.save_baseline(trial, settings, coord, pid, baseline())
    view = tumour.save_assessment(trial, settings, coord, pid, follow_up(56, 20))
    stored = view.assessments[0]
    tumour.save_assessment(trial, settings, coord, pid, follow_up(56, 22),
                           reason="re-measured on the source images", assessment_id=stored.id,
                           expected_version=stored.version)
    with trial.sessions() as s:
        rows = s.scalars(select(AuditRecord).where(
            AuditRecord.table_name == "tumour_assessment")).all()
    changes = {(r.action, r.field, r.old_value, r.new_value, r.reason) for r in rows}
    assert ("update", "data.target.T1", "20.0", "22.0",
            "re-measured on the source images") in changes
    assert any(c[:2] == ("create", "data.lesions.0.diameter_mm") and c[3] == "40.0"
               for c in changes)
    # the participant's own audit trail shows them, a deleted follow-up included
    tumour.delete_assessment(trial, settings, coord, pid, stored.id, "entered for the wrong "
                             "participant", stored.version + 1)
    entries = audit_trail.trail(trial, principal(trial, "inv_a"), participant=pid)
    tumour_entries = [e for e in entries if e.table_name == "tumour_assessment"]
    assert any(e.action == "delete" for e in tumour_entries)
    assert count(trial) == 1


def test_a_change_needs_a_reason_and_the_current_version(trial: Database, settings: Settings,
                                                        pid: str) -> None:
    coord = principal(trial, "coord_a")
    view = tumour.save_baseline(trial, settings, coord, pid, baseline())
    with pytest.raises(ValidationError) as caught:
        tumour.save_baseline(trial, settings, coord, pid, baseline(date="2024-03-05"))
    assert caught.value.field == "reason"
    tumour.save_baseline(trial, settings, coord, pid, baseline(date="2024-03-05"),
                         reason="date typo", expected_version=view.baseline_version)
    with pytest.raises(ConflictError):
        tumour.save_baseline(trial, settings, coord, pid, baseline(date="2024-03-06"),
                             reason="again", expected_version=view.baseline_version)


@pytest.mark.parametrize(("make", "field"), [
    (lambda: follow_up(-3, 20), "date"),                      # before baseline
    (lambda: follow_up(0, 20), "date"),                       # on the baseline date
    (lambda: tumour.parse_assessment({"date": "2024-05-01", "target": {"T9": 10}}),
     "target.T9"),                                            # not a baseline target
    (lambda: tumour.parse_assessment({"date": "2024-05-01", "non_target": {"T1": "absent"}}),
     "non_target.T1"),
])
def test_rule_breaking_follow_ups_are_refused_and_nothing_is_stored(
        trial: Database, settings: Settings, pid: str, make: Any, field: str) -> None:
    coord = principal(trial, "coord_a")
    tumour.save_baseline(trial, settings, coord, pid, baseline())
    with pytest.raises(ValidationError) as caught:
        tumour.save_assessment(trial, settings, coord, pid, make())
    assert caught.value.field == field
    assert count(trial) == 1


@pytest.mark.parametrize(("data", "field"), [
    ({"date": "2024-05-01", "target": {"T1": -2}}, "target.T1"),
    ({"date": "2024-05-01", "target": {"T1": "twelve"}}, "target.T1"),
    ({"date": "2024-02-30"}, "date"),
])
def test_malformed_follow_ups_name_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        tumour.parse_assessment(data)
    assert caught.value.field is not None and caught.value.field.startswith(field)


def test_baseline_rules_and_dates(trial: Database, settings: Settings, pid: str) -> None:
    coord = principal(trial, "coord_a")
    bad = baseline(lesions=[{"id": "T1", "organ": "liver", "diameter_mm": 8, "target": True}])
    with pytest.raises(ValidationError) as caught:
        tumour.save_baseline(trial, settings, coord, pid, bad)
    assert caught.value.field == "lesions[0].diameter_mm"
    with pytest.raises(ValidationError) as caught:
        tumour.save_baseline(trial, settings, coord, pid, baseline(date="2999-01-01"))
    assert caught.value.field == "date"
    assert count(trial) == 0


def test_a_corrected_baseline_must_fit_the_follow_ups(trial: Database, settings: Settings,
                                                     pid: str) -> None:
    coord = principal(trial, "coord_a")
    view = tumour.save_baseline(trial, settings, coord, pid, baseline())
    tumour.save_assessment(trial, settings, coord, pid, follow_up(56, 20))
    later = baseline(date=(BASE + timedelta(days=60)).isoformat())
    with pytest.raises(ValidationError) as caught:
        tumour.save_baseline(trial, settings, coord, pid, later, reason="wrong date",
                             expected_version=view.baseline_version)
    assert "follow-up" in caught.value.message
    assert tumour.get(trial, settings, coord, pid).baseline == baseline()


def test_follow_up_needs_a_baseline_and_dates_are_unique(trial: Database, settings: Settings,
                                                        pid: str) -> None:
    coord = principal(trial, "coord_a")
    with pytest.raises(ProtocolViolation):
        tumour.save_assessment(trial, settings, coord, pid, follow_up(56, 20))
    tumour.save_baseline(trial, settings, coord, pid, baseline())
    tumour.save_assessment(trial, settings, coord, pid, follow_up(56, 20))
    with pytest.raises(ValidationError) as caught:
        tumour.save_assessment(trial, settings, coord, pid, follow_up(56, 25))
    assert caught.value.field == "date"
    with pytest.raises(NotFound):
        tumour.save_assessment(trial, settings, coord, pid, follow_up(70, 25), reason="fix",
                               assessment_id=99999)


def test_roles_and_sites(trial: Database, settings: Settings, pid: str) -> None:
    for who in ("stat_ab", "monitor_a"):
        with pytest.raises(PermissionDenied):
            tumour.save_baseline(trial, settings, principal(trial, who), pid, baseline())
    with pytest.raises(NotFound):
        tumour.get(trial, settings, principal(trial, "coord_b"), pid)
    assert tumour.get(trial, settings, principal(trial, "monitor_a"), pid).can_edit is False
    assert count(trial) == 0


def test_preview_stores_nothing(trial: Database, settings: Settings, pid: str) -> None:
    coord = principal(trial, "coord_a")
    tumour.save_baseline(trial, settings, coord, pid, baseline())
    result = tumour.preview(trial, settings, coord, pid, assessment=follow_up(56, 0, 0, "absent"))
    assert [t.overall for t in result.timepoints] == ["CR"]
    assert count(trial) == 1
