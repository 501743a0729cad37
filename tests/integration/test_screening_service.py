"""Screening through the services on SQLite and PostgreSQL: save, audit, sign, void, log."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import PASSWORD, principal
from screening_data import eligible_record
from sqlalchemy import select

from dawna.config import Settings
from dawna.errors import (
    AuthenticationFailed,
    ConflictError,
    PermissionDenied,
    ProtocolViolation,
    ValidationError,
)
from dawna.services import participants, screening
from dawna.services.schemas import ParticipantCreate
from dawna.services.screening_log import screening_log
from dawna.store.db import Database
from dawna.store.models import AuditRecord, Participant, ParticipantStatus

# ``trial``: tests/conftest.py (the two-site trial, copied from a template)


@pytest.fixture
def pid(trial: Database, settings: Settings) -> str:
    return participants.register(trial, settings, principal(trial, "coord_a"), ParticipantCreate(
        site_code="SITEA", consent_date=date(2024, 3, 1), full_name="赵丽",
        medical_record_number="MRN-77")).pseudonym


def _save(db, settings, who, pid, data, reason=None, version=None):  # type: ignore[no-untyped-def]
    return screening.save(db, settings, principal(db, who), pid,
                          screening.record_from_dict(data), reason, version)


def test_saved_record_is_evaluated_and_each_field_audited(trial, settings, pid) -> None:  # type: ignore[no-untyped-def]
    view = _save(trial, settings, "coord_a", pid, eligible_record())
    assert view.result.outcome.value == "eligible" and view.version == 1
    data = eligible_record()
    data["labs"]["anc"]["value"] = 1.2
    view = _save(trial, settings, "coord_a", pid, data, reason="lab re-check", version=1)
    assert view.result.outcome.value == "ineligible"
    assert [c.id for c in view.result.failed] == ["IN8"]
    with trial.sessions() as s:
        rows = s.scalars(select(AuditRecord).where(AuditRecord.table_name == "screening",
                                                   AuditRecord.action == "update")).all()
    changed = {(r.field, r.old_value, r.new_value, r.reason) for r in rows}
    assert ("record.labs.anc.value", "2.1", "1.2", "lab re-check") in changed
    assert ("outcome", "eligible", "ineligible", "lab re-check") in changed


def test_changing_a_saved_record_needs_a_reason_and_the_current_version(
        trial, settings, pid) -> None:  # type: ignore[no-untyped-def]
    _save(trial, settings, "coord_a", pid, eligible_record())
    with pytest.raises(ValidationError) as info:
        _save(trial, settings, "coord_a", pid, eligible_record(), reason="", version=1)
    assert info.value.field == "reason"
    _save(trial, settings, "inv_a", pid, eligible_record() | {"ecog": 0}, reason="re-assessed",
          version=1)
    with pytest.raises(ConflictError):  # the coordinator's form still shows version 1
        _save(trial, settings, "coord_a", pid, eligible_record() | {"ecog": 2},
              reason="stale form", version=1)
    assert screening.get(trial, settings, principal(trial, "coord_a"), pid).record.ecog == 0


def test_future_dates_and_a_consent_date_differing_from_registration_are_refused(
        trial, settings, pid) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as info:
        _save(trial, settings, "coord_a", pid, eligible_record(decision_date="2999-01-01"))
    assert info.value.field == "decision_date"
    with pytest.raises(ValidationError) as info:
        _save(trial, settings, "coord_a", pid, eligible_record(consent="2024-02-28"))
    assert info.value.field == "consent_date"
    assert screening.get(trial, settings, principal(trial, "coord_a"), pid).version is None


def test_only_an_investigator_signs_with_password_and_meaning(trial, settings, pid) -> None:  # type: ignore[no-untyped-def]
    _save(trial, settings, "coord_a", pid, eligible_record())
    with pytest.raises(PermissionDenied):
        screening.sign(trial, settings, principal(trial, "coord_a"), pid, PASSWORD, True)
    inv = principal(trial, "inv_a")
    with pytest.raises(ValidationError) as info:
        screening.sign(trial, settings, inv, pid, PASSWORD, False)
    assert info.value.field == "confirm"
    with pytest.raises(AuthenticationFailed):
        screening.sign(trial, settings, inv, pid, "wrong-password", True)
    view = screening.sign(trial, settings, inv, pid, PASSWORD, True)
    assert view.signature is not None and view.signature.valid
    assert "ELIGIBLE" in view.signature.meaning and pid in view.signature.meaning
    assert view.participant.status is ParticipantStatus.ELIGIBLE
    with trial.sessions() as s:
        p = s.scalars(select(Participant).where(Participant.pseudonym == pid)).one()
        screening.require_signed_eligible(s, p)  # randomization may proceed


def test_a_change_after_signing_voids_the_signature(trial, settings, pid) -> None:  # type: ignore[no-untyped-def]
    _save(trial, settings, "coord_a", pid, eligible_record())
    screening.sign(trial, settings, principal(trial, "inv_a"), pid, PASSWORD, True)
    view = _save(trial, settings, "coord_a", pid, eligible_record() | {"ecog": 0},
                 reason="ECOG re-assessed", version=1)
    assert view.signature is not None and not view.signature.valid
    assert view.participant.status is ParticipantStatus.SCREENING
    with trial.sessions() as s:
        p = s.scalars(select(Participant).where(Participant.pseudonym == pid)).one()
        with pytest.raises(ProtocolViolation, match="changed after it was signed"):
            screening.require_signed_eligible(s, p)


def test_incomplete_cannot_be_signed_and_ineligible_blocks_randomization(
        trial, settings, pid) -> None:  # type: ignore[no-untyped-def]
    data = eligible_record()
    del data["labs"]
    _save(trial, settings, "coord_a", pid, data)
    with pytest.raises(ProtocolViolation, match="incomplete"):
        screening.sign(trial, settings, principal(trial, "inv_a"), pid, PASSWORD, True)
    with trial.sessions() as s:
        p = s.scalars(select(Participant).where(Participant.pseudonym == pid)).one()
        with pytest.raises(ProtocolViolation, match="no signed eligibility"):
            screening.require_signed_eligible(s, p)
    data = eligible_record()
    data["fes_pet"]["er_positive_lesions"] = 0
    _save(trial, settings, "coord_a", pid, data, reason="FES read completed", version=1)
    view = screening.sign(trial, settings, principal(trial, "inv_a"), pid, PASSWORD, True)
    assert view.participant.status is ParticipantStatus.SCREEN_FAILED
    with trial.sessions() as s:
        p = s.scalars(select(Participant).where(Participant.pseudonym == pid)).one()
        with pytest.raises(ProtocolViolation, match="not eligible"):
            screening.require_signed_eligible(s, p)


def test_screening_log_counts_for_consort(trial, settings) -> None:  # type: ignore[no-untyped-def]
    coord, inv = principal(trial, "coord_a"), principal(trial, "inv_a")
    ids = [participants.register(trial, settings, coord, ParticipantCreate(
        site_code="SITEA", consent_date=date(2024, 3, 1), full_name=f"p{i}",
        medical_record_number=f"MRN-{i:03d}")).pseudonym for i in range(5)]
    _save(trial, settings, "coord_a", ids[0], eligible_record())
    screening.sign(trial, settings, inv, ids[0], PASSWORD, True)
    brain = eligible_record() | {"cns_metastasis": True}
    _save(trial, settings, "coord_a", ids[1], brain)
    both = eligible_record() | {"cns_metastasis": True, "ecog": 3}
    _save(trial, settings, "coord_a", ids[2], both)
    _save(trial, settings, "coord_a", ids[3], eligible_record())  # eligible, not yet signed
    log = screening_log(trial, principal(trial, "monitor_a"))
    c = log.counts
    assert (c.assessed, c.excluded, c.eligible_signed, c.eligible_unsigned, c.not_started) == (
        5, 2, 1, 1, 1)
    assert c.excluded_by_criterion == {"EX4": 2, "IN3": 1}
    assert screening_log(trial, principal(trial, "coord_b")).rows == []


def test_a_participants_audit_trail_includes_screening_and_signature(trial, settings,
                                                                    pid) -> None:  # type: ignore[no-untyped-def]
    from dawna.services import audit_trail

    _save(trial, settings, "coord_a", pid, eligible_record())
    screening.sign(trial, settings, principal(trial, "inv_a"), pid, PASSWORD, True)
    entries = audit_trail.trail(trial, principal(trial, "monitor_a"), participant=pid)
    tables = {e.table_name for e in entries}
    assert {"participant", "participant_identity", "screening",
            "eligibility_signature"} <= tables
    assert any(e.field == "record.labs.anc.value" and e.new_value == "2.1" for e in entries)
