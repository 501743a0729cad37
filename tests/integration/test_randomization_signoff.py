"""Randomization meets locks and signatures like every other write (issue 20 item 4).

Randomizing writes the participant's status change first and the allocation in a second flush,
under the list's locks; the second flush reuses what the first found in force for the
participant whose row it holds (``signoff_guard.hold``). These tests check the outcome against
what the rules say, not the mechanism: a locked casebook refuses randomization and nothing is
consumed; a casebook signature in force is voided by it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from helpers import PASSWORD, SYSTEM, principal, two_site_trial
from screening_data import eligible_record
from sqlalchemy import func, select
from treatment_data import CHOICES, FACTORS

from dawna.clock import simulated
from dawna.config import Settings
from dawna.errors import ConflictError
from dawna.services import admin, locks, participants, randomization, screening, signoff
from dawna.services.schemas import ParticipantCreate, UserCreate
from dawna.services.schemas_signoff import SignIn
from dawna.store.db import Database
from dawna.store.models import Allocation, FormSignature, Participant, Role, StatusEvent


@pytest.fixture
def trial(db: Database, settings: Settings) -> Database:
    two_site_trial(db)
    admin.create_user(db, SYSTEM, UserCreate(username="dm_a", display_name="Data Manager A",
                                             password=PASSWORD), "test set-up")
    admin.grant_role(db, SYSTEM, "dm_a", "SITEA", Role.DATA_MANAGER, "test set-up")
    randomization.generate(db, settings, SYSTEM, "list for the test")
    randomization.go_live(db, SYSTEM, "go live for the test")
    return db


def _signed_eligible(db: Database, settings: Settings) -> str:
    pid = participants.register(db, settings, principal(db, "coord_a"), ParticipantCreate(
        site_code="SITEA", full_name="吴霞", medical_record_number="MRN-4242",
        consent_date=date(2024, 3, 1), consent_time=time(9, 30),
        consent_obtained_by="Dr Sun")).pseudonym
    with simulated(datetime(2024, 3, 10, 8, tzinfo=UTC)):
        screening.save(db, settings, principal(db, "coord_a"), pid,
                       screening.record_from_dict(eligible_record()), None, None)
        screening.sign(db, settings, principal(db, "inv_a"), pid, PASSWORD, True)
    return pid


def _randomize(db: Database, settings: Settings, pid: str) -> None:
    with simulated(datetime(2024, 3, 12, 3, tzinfo=UTC)):
        randomization.randomize(db, settings, principal(db, "coord_a"), pid, FACTORS, CHOICES)


def _state(db: Database, pid: str) -> tuple[str, int, int, int]:
    with db.sessions() as s:
        p = s.scalars(select(Participant).where(Participant.pseudonym == pid)).one()
        return (p.status.value, int(s.scalar(select(func.count()).select_from(Allocation)) or 0),
                int(s.scalar(select(func.count()).select_from(StatusEvent).where(
                    StatusEvent.participant_id == p.id)) or 0),
                randomization.status(db).used)


def test_a_locked_casebook_refuses_randomization_and_consumes_nothing(
        trial: Database, settings: Settings) -> None:
    pid = _signed_eligible(trial, settings)
    before = _state(trial, pid)
    locks.lock(trial, principal(trial, "dm_a"), pid, None, None, "casebook review")
    with pytest.raises(ConflictError) as caught:
        _randomize(trial, settings, pid)
    assert caught.value.field == "lock" and pid in caught.value.message
    assert _state(trial, pid) == before
    locks.unlock(trial, principal(trial, "dm_a"), pid, None, None, "review finished")
    _randomize(trial, settings, pid)
    status, allocations, events, used = _state(trial, pid)
    assert (status, allocations, events, used) == ("randomized", 1, before[2] + 1, 1)


def test_randomization_voids_a_casebook_signature_in_force(trial: Database,
                                                            settings: Settings) -> None:
    pid = _signed_eligible(trial, settings)
    inv = principal(trial, "inv_a")
    book = signoff.casebook(trial, inv, pid)
    signoff.sign(trial, settings, inv, pid, None, None,
                 SignIn(password=PASSWORD, confirm=True, content_sha256=book.content_sha256))
    locks.unlock(trial, principal(trial, "dm_a"), pid, None, None, "randomization due")
    _randomize(trial, settings, pid)
    view = signoff.casebook(trial, inv, pid)
    assert view.signature is not None and not view.signature.valid
    with trial.sessions() as s:
        assert s.scalar(select(func.count()).select_from(FormSignature).where(
            FormSignature.scope == "casebook", FormSignature.active_key.is_not(None))) == 0
    assert _state(trial, pid)[:2] == ("randomized", 1)
