"""Registering and correcting participants through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from helpers import principal
from sqlalchemy import func, select

from dawna.clock import local_today
from dawna.config import Settings
from dawna.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from dawna.services import audit_trail, participants
from dawna.services.schemas import ParticipantCreate, ParticipantUpdate
from dawna.store.db import Database
from dawna.store.models import AuditRecord, Participant

# ``trial``: tests/conftest.py (the two-site trial, copied from a template)


def _new(site: str = "SITEA", mrn: str = "MRN-001", consent: date | None = date(2024, 3, 1),
         ) -> ParticipantCreate:
    return ParticipantCreate(site_code=site, consent_date=consent, full_name="李秀兰",
                             medical_record_number=mrn, phone="+86-133-6617-1269")


def _count(db: Database) -> int:
    with db.sessions() as s:
        return s.scalar(select(func.count()).select_from(Participant)) or 0


def test_register_gives_site_screening_number_and_random_pseudonym(trial: Database,
                                                                   settings: Settings) -> None:
    coord = principal(trial, "coord_a")
    first = participants.register(trial, settings, coord, _new(mrn="MRN-001"))
    second = participants.register(trial, settings, coord, _new(mrn="MRN-002"))
    assert (first.screening_number, second.screening_number) == ("SITEA-S001", "SITEA-S002")
    assert re.fullmatch(r"DF-[0-9A-HJKMNP-TV-Z]{6}", first.pseudonym)
    assert first.pseudonym != second.pseudonym
    assert first.identity is not None and first.identity.full_name == "李秀兰"


def test_same_medical_record_number_twice_at_a_site_is_a_conflict(trial: Database,
                                                                    settings: Settings) -> None:
    coord = principal(trial, "coord_a")
    participants.register(trial, settings, coord, _new())
    with pytest.raises(ConflictError) as info:
        participants.register(trial, settings, coord, _new())
    assert info.value.field == "medical_record_number"
    assert _count(trial) == 1


@pytest.mark.parametrize(("consent", "words"), [
    (date(2023, 5, 14), "before the study started (2023-05-15)"),  # registry start date
    (None, "in the future"),
])
def test_impossible_consent_dates_are_refused(trial: Database, settings: Settings,
                                              consent: date | None, words: str) -> None:
    consent = consent or local_today(settings.zone) + timedelta(days=1)
    with pytest.raises(ValidationError, match=re.escape(words)) as info:
        participants.register(trial, settings, principal(trial, "coord_a"), _new(consent=consent))
    assert info.value.field == "consent_date"
    assert _count(trial) == 0


def test_roles_and_sites_bound_what_a_user_may_do_and_see(trial: Database,
                                                          settings: Settings) -> None:
    a = participants.register(trial, settings, principal(trial, "coord_a"), _new())
    # a coordinator of site B cannot register at site A, nor see A's participant
    with pytest.raises(ValidationError) as info:
        participants.register(trial, settings, principal(trial, "coord_b"), _new(mrn="MRN-9"))
    assert info.value.field == "site_code"
    with pytest.raises(NotFound):
        participants.get_participant(trial, principal(trial, "coord_b"), a.pseudonym)
    assert participants.list_participants(trial, principal(trial, "coord_b")) == []
    # the imaging reader sees the participant but not the identity, and cannot register
    seen = participants.get_participant(trial, principal(trial, "reader_a"), a.pseudonym)
    assert seen.identity is None and seen.screening_number == "SITEA-S001"
    with pytest.raises(PermissionDenied):
        participants.register(trial, settings, principal(trial, "reader_a"), _new(mrn="MRN-8"))
    # the statistician of both sites lists it, without identity
    listed = participants.list_participants(trial, principal(trial, "stat_ab"))
    assert [p.pseudonym for p in listed] == [a.pseudonym]
    assert not hasattr(listed[0], "identity")


def test_correction_needs_a_reason_and_is_audited_field_by_field(trial: Database,
                                                                 settings: Settings) -> None:
    coord = principal(trial, "coord_a")
    p = participants.register(trial, settings, coord, _new())
    with pytest.raises(Exception):  # pydantic: reason is required
        ParticipantUpdate(phone="+86-10-6915-6114")  # type: ignore[call-arg]
    participants.update(trial, settings, principal(trial, "inv_a"), p.pseudonym,
                        ParticipantUpdate(phone="+86-10-6915-6114", version=1,
                                          consent_date=date(2024, 3, 2),
                                          reason="transcription error, checked against ICF"))
    with trial.sessions() as s:
        rows = s.scalars(select(AuditRecord).where(AuditRecord.action == "update",
                                                   AuditRecord.actor == "inv_a")).all()
    # the consent record and the consent event move with the registration's consent date
    assert sorted((r.table_name, r.field, r.old_value, r.new_value, r.actor) for r in rows) == [
        ("consent", "signed_on", "2024-03-01", "2024-03-02", "inv_a"),
        ("participant", "consent_date", "2024-03-01", "2024-03-02", "inv_a"),
        ("participant_identity", "phone", "+86-133-6617-1269", "+86-10-6915-6114", "inv_a"),
        ("status_event", "event_date", "2024-03-01", "2024-03-02", "inv_a"),
    ]
    assert {r.reason for r in rows} == {"transcription error, checked against ICF"}


def test_reader_cannot_correct_and_nothing_changes(trial: Database, settings: Settings) -> None:
    p = participants.register(trial, settings, principal(trial, "coord_a"), _new())
    with pytest.raises(PermissionDenied):
        participants.update(trial, settings, principal(trial, "reader_a"), p.pseudonym,
                            ParticipantUpdate(phone="+86-10-1234-5678", reason="try",
                                              version=1))
    again = participants.get_participant(trial, principal(trial, "coord_a"), p.pseudonym)
    assert again.identity is not None and again.identity.phone == "+86-133-6617-1269"


def test_audit_trail_is_scoped_and_masks_identity_for_roles_without_it(
        trial: Database, settings: Settings) -> None:
    p = participants.register(trial, settings, principal(trial, "coord_a"), _new())
    monitor = audit_trail.trail(trial, principal(trial, "monitor_a"), participant=p.pseudonym)
    names = [e for e in monitor if e.field == "full_name"]
    assert names and names[0].new_value == "李秀兰"
    administrator = audit_trail.trail(trial, principal(trial, "admin_ab"),
                                      participant=p.pseudonym)
    assert [e.new_value for e in administrator if e.field == "full_name"] == ["•••"]
    with pytest.raises(PermissionDenied):
        audit_trail.trail(trial, principal(trial, "coord_a"))


def test_simultaneous_registrations_get_distinct_numbers(trial: Database,
                                                         settings: Settings) -> None:
    from concurrent.futures import ThreadPoolExecutor

    coord = principal(trial, "coord_a")
    with ThreadPoolExecutor(max_workers=6) as pool:
        done = list(pool.map(lambda i: participants.register(
            trial, settings, coord, _new(mrn=f"MRN-{i:03d}"), attempts=20), range(12)))
    numbers = sorted(p.screening_number for p in done)
    assert numbers == [f"SITEA-S{i:03d}" for i in range(1, 13)]
