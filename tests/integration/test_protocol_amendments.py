"""Protocol amendments through the services on SQLite and PostgreSQL (issue 20 item 8): the
version in force at the decision date judges eligibility and is recorded with each decision;
bad amendments are refused naming the field with nothing stored; the randomization settings
stay locked after go-live; re-consent is due under the consent version the version in force
requires.

Dates: an amendment takes effect today or later, so the tests load it on a simulated day in the
past (``dawna.clock.simulated``) and save decisions dated after that day under the real clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from helpers import PASSWORD, SYSTEM, principal, two_site_trial
from protocol_data import v2_text
from randomization_data import CHOICES, STRATA, _signed_eligible
from screening_data import eligible_record
from sqlalchemy import func, select

from dawna.clock import local_today, simulated
from dawna.config import Settings
from dawna.errors import PermissionDenied, ProtocolViolation, ValidationError
from dawna.services import lifecycle, participants, randomization, screening
from dawna.services import protocol_amendments as amendments
from dawna.services import protocol_versions as pv
from dawna.services.schemas import ParticipantCreate
from dawna.store.db import Database
from dawna.store.models import (
    Allocation,
    AuditRecord,
    ConsentFormVersion,
    EligibilitySignature,
    ProtocolVersion,
    Screening,
)


def amendment(version: str = "2", approved: str = "2024-03-01", effective: str = "2024-03-08",
              consent: str = "1.0") -> dict[str, str]:
    return {"version": version, "approved_on": approved, "effective_on": effective,
            "summary": "IN8: absolute neutrophil count at least 2.5 x 10^9/L",
            "consent_version": consent}


def on(day: str):  # type: ignore[no-untyped-def]
    """The clock at 10:00 at the site (Asia/Shanghai) on ``day``."""
    return simulated(datetime.fromisoformat(f"{day}T02:00:00").replace(tzinfo=UTC))


@pytest.fixture
def trial(db: Database) -> Database:
    two_site_trial(db)
    return db


def _register(db: Database, settings: Settings, consent: str = "2024-03-01") -> str:
    return participants.register(db, settings, principal(db, "coord_a"), ParticipantCreate(
        site_code="SITEA", consent_date=date.fromisoformat(consent), full_name="赵丽",
        medical_record_number="MRN-88")).pseudonym


def test_eligibility_is_judged_under_the_version_in_force_at_the_decision_date(
        trial: Database, settings: Settings) -> None:
    admin = principal(trial, "admin_ab")
    with on("2024-03-05"):
        info = amendments.amend(trial, settings, admin, v2_text(), amendment())
    assert (info.label, info.effective_on, info.stored) == ("2", date(2024, 3, 8), True)
    pid = _register(trial, settings)
    coord = principal(trial, "coord_a")
    # ANC 2.1: meets IN8 under version 1 (>= 1.5), not under version 2 (>= 2.5)
    before = screening.save(trial, settings, coord, pid, screening.record_from_dict(
        eligible_record(decision_date="2024-03-07")), None, None)
    assert (before.result.outcome.value, before.protocol_version) == ("eligible", "1")
    after = screening.save(trial, settings, coord, pid, screening.record_from_dict(
        eligible_record(decision_date="2024-03-10")), "decision re-dated", 1)
    assert (after.result.outcome.value, after.protocol_version) == ("ineligible", "2")
    assert [c.id for c in after.result.failed] == ["IN8"]
    screening.sign(trial, settings, principal(trial, "inv_a"), pid, PASSWORD, True)
    with trial.sessions() as s:
        assert s.scalars(select(Screening.protocol_version)).one() == "2"
        assert s.scalars(select(EligibilitySignature.protocol_version)).one() == "2"
        assert [(r.label, r.sha256 == pv.bundled_sha256()) for r in pv.stored_rows(s)] == [
            ("1", True), ("2", False)]
        assert pv.label_on(s, date(2024, 3, 7)) == "1"
        assert pv.label_on(s, date(2024, 3, 8)) == "2"
        assert pv.label_on(s, date(2020, 1, 1)) == "1"  # before version 1: version 1
        audited = s.scalars(select(AuditRecord).where(
            AuditRecord.table_name == "protocol_version", AuditRecord.field == "label")).all()
        assert sorted(r.new_value for r in audited) == ["1", "2"]
        assert all(r.actor == "admin_ab" and "IN8" in (r.reason or "") for r in audited)
    old, new, diff = amendments.diff(trial, "1", "2")
    assert (old.label, new.label, new.consent_version) == ("1", "2", "1.0")
    assert [(c.section, c.path, c.old, c.new) for c in diff.changes] == [
        ("settings", "site_settings.anc_min.value", 1.5, 2.5)]


def _nothing_stored(db: Database) -> None:
    with db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ProtocolVersion)) == 0
        assert s.scalar(select(func.count()).select_from(ConsentFormVersion)) == 0
        assert s.scalar(select(func.count()).select_from(AuditRecord).where(
            AuditRecord.table_name == "protocol_version")) == 0
        assert [v.label for v in pv.versions_of(s)] == ["1"]


REFUSED = [  # (changes to the amendment, file text or None for version 2, field named)
    ({}, v2_text(extra=(("    - id: IN1\n", "    - id: X1\n"),)), "eligibility.inclusion[0].id"),
    ({"effective_on": "2024-02-28"}, None, "effective_on"),  # before the approval
    ({"approved_on": "2024-02-30"}, None, "approved_on"),  # no such day
    ({"approved_on": "2024-03-06", "effective_on": "2024-03-08"}, None, "approved_on"),  # future
    ({"approved_on": "2024-02-01", "effective_on": "2024-03-04"}, None, "effective_on"),  # past
    ({"consent_version": "9.9"}, None, "consent_version"),
    ({"version": "1"}, None, "version"),
    ({}, pv.bundled_text(), "file"),  # identical to version 1
    ({"summary": ""}, None, "summary"),
]


def test_bad_amendments_are_refused_naming_the_field_and_nothing_is_stored(
        trial: Database, settings: Settings) -> None:
    admin = principal(trial, "admin_ab")
    for data, text, field in REFUSED:
        with on("2024-03-05"), pytest.raises(ValidationError) as info:
            amendments.amend(trial, settings, admin, text or v2_text(), amendment() | data)
        assert info.value.field == field, (data, info.value)
    with pytest.raises(PermissionDenied):
        amendments.amend(trial, settings, principal(trial, "coord_a"), v2_text(), amendment())
    _nothing_stored(trial)


def test_a_change_of_the_randomization_settings_after_go_live_is_refused(
        trial: Database, settings: Settings) -> None:
    randomization.generate(trial, settings, SYSTEM, "list for the trial")
    randomization.go_live(trial, SYSTEM, "go-live approved")
    admin = principal(trial, "admin_ab")
    blocks = v2_text(extra=(("  block_sizes: [2, 4]", "  block_sizes: [4]   "),))
    with pytest.raises(ProtocolViolation, match="after go-live") as info:
        amendments.amend(trial, settings, admin, blocks, amendment(
            approved=local_today(settings.zone).isoformat(), effective="2999-01-01"))
    assert info.value.field == "randomization"
    _nothing_stored(trial)
    today = local_today(settings.zone).isoformat()
    kept = amendments.amend(trial, settings, admin, v2_text(), amendment(
        approved=today, effective=today))  # in force from today
    assert kept.label == "2"
    [pid] = _signed_eligible(trial, 1)
    randomization.randomize(trial, settings, principal(trial, "coord_a"), pid, STRATA[0],
                            CHOICES)
    with trial.sessions() as s:
        assert s.scalars(select(Allocation.protocol_version)).one() == "2"


def test_re_consent_is_due_under_the_consent_version_the_version_in_force_requires(
        trial: Database, settings: Settings) -> None:
    pid = _register(trial, settings)  # signs version 1.0, in force on 2024-03-01
    admin = principal(trial, "admin_ab")
    coord = principal(trial, "coord_a")
    assert amendments.reconsent_due(trial, settings, coord) == []
    new_form = ("consent_forms:\n", "consent_forms:\n  - version: \"1.2\"\n"
                "    approved: 2025-03-08\n    approved_by: Ethics committee\n"
                "    status: site_decision\n")
    with on("2025-03-10"):
        amendments.amend(trial, settings, admin, v2_text(extra=(new_form,)), amendment(
            approved="2025-03-08", effective="2025-03-15", consent="1.2"))
    with trial.sessions() as s:
        assert s.scalars(select(ConsentFormVersion.version)).all() == ["1.2"]
    [due] = amendments.reconsent_due(trial, settings, coord)
    assert (due.pseudonym, due.version_signed, due.version_required, due.protocol_version) == (
        pid, "1.0", "1.2", "2")
    assert amendments.reconsent_due(trial, settings, principal(trial, "coord_b")) == []
    lifecycle.record_consent(trial, settings, coord, pid, "1.2", date(2025, 4, 1), None,
                             "Study nurse")
    assert amendments.reconsent_due(trial, settings, coord, pid) == []
