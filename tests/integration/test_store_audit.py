"""The store on SQLite and PostgreSQL: audit trail in the same transaction, append-only, UTC.

Reference: 21 CFR 11.10(e) and ICH E6(R3) — every change records who, when, what, the old and new
value and the reason; audit records are never changed or deleted.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from dawna.errors import ValidationError
from dawna.store.audit import Actor
from dawna.store.base import Base
from dawna.store.db import Database
from dawna.store.migrate import current_revision, head_revision
from dawna.store.models import AuditRecord, Participant, ParticipantIdentity, Site
from dawna.store.uow import UnitOfWork

ALICE = Actor(user_id=7, username="alice")
T0 = datetime(2026, 3, 1, 2, 30, tzinfo=UTC)


def _site(db: Database) -> int:
    with UnitOfWork(db, ALICE, "site set-up", now=T0) as uow:
        site = Site(code="S1", name="Site one", city="Beijing")
        uow.session.add(site)
        uow.session.flush()
        uow.commit()
        return site.id


def _audit(db: Database, table: str) -> list[AuditRecord]:
    with db.sessions() as s:
        return list(s.scalars(select(AuditRecord).where(AuditRecord.table_name == table)
                              .order_by(AuditRecord.id)))


def test_migrations_reach_head_and_match_the_models(db: Database) -> None:
    assert current_revision(db) == head_revision()
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_create_writes_one_audit_record_per_field_with_actor_time_and_reason(db: Database) -> None:
    site_id = _site(db)
    with UnitOfWork(db, ALICE, "registered at screening visit", now=T0) as uow:
        p = Participant(site_id=site_id, screening_number="S1-S001", pseudonym="DF-AAAAAA")
        p.identity = ParticipantIdentity(full_name="王秀英", medical_record_number="MRN-1")
        uow.session.add(p)
        uow.commit()
    rows = _audit(db, "participant")
    by_field = {r.field: r for r in rows}
    assert {"screening_number", "pseudonym", "site_id", "status"} <= set(by_field)
    r = by_field["screening_number"]
    assert (r.action, r.actor, r.actor_id, r.old_value, r.new_value, r.reason) == (
        "create", "alice", 7, None, "S1-S001", "registered at screening visit")
    assert r.at == T0 and r.site_id == site_id
    with db.sessions() as s:
        pid = s.scalars(select(Participant.id)).one()
    assert {row.row_id for row in rows} == {str(pid)}
    identity = {r.field: r for r in _audit(db, "participant_identity")}
    assert identity["full_name"].new_value == "王秀英"
    assert identity["full_name"].site_id == site_id  # scoped to the participant's site


def test_update_records_old_and_new_value_and_delete_records_what_was_lost(db: Database) -> None:
    site_id = _site(db)
    with UnitOfWork(db, ALICE, "create") as uow:
        uow.session.add(Participant(site_id=site_id, screening_number="S1-S001",
                                    pseudonym="DF-BBBBBB"))
        uow.commit()
    bob = Actor(user_id=8, username="bob")
    with UnitOfWork(db, bob, "consent date misread from the form") as uow:
        p = uow.session.scalars(select(Participant)).one()
        p.consent_date = datetime(2024, 1, 2).date()
        uow.commit()
    changed = [r for r in _audit(db, "participant") if r.action == "update"]
    assert [(r.field, r.old_value, r.new_value, r.actor, r.reason) for r in changed] == [
        ("consent_date", None, "2024-01-02", "bob", "consent date misread from the form")]
    with UnitOfWork(db, bob, "registered twice by mistake") as uow:
        uow.session.delete(uow.session.scalars(select(Participant)).one())
        uow.commit()
    deleted = {r.field: r for r in _audit(db, "participant") if r.action == "delete"}
    assert deleted["screening_number"].old_value == "S1-S001"
    assert deleted["consent_date"].old_value == "2024-01-02"
    assert deleted["screening_number"].new_value is None


def test_a_write_without_reason_or_actor_is_refused_and_nothing_is_stored(db: Database) -> None:
    site_id = _site(db)
    with pytest.raises(ValidationError) as info, UnitOfWork(db, ALICE, "  ") as uow:
        uow.session.add(Participant(site_id=site_id, screening_number="X", pseudonym="DF-X"))
        uow.commit()
    assert info.value.field == "reason"
    with db.sessions() as s:
        assert s.scalars(select(Participant)).all() == []
        assert s.info.get("actor") is None
    with pytest.raises(ValidationError) as info2, db.sessions() as s:
        s.add(Participant(site_id=site_id, screening_number="Y", pseudonym="DF-Y"))
        s.commit()
    assert info2.value.field == "actor"
    assert _audit(db, "participant") == []


def test_nothing_is_half_saved_when_the_use_case_fails_midway(db: Database) -> None:
    site_id = _site(db)
    with pytest.raises(RuntimeError), UnitOfWork(db, ALICE, "two rows") as uow:
        uow.session.add(Participant(site_id=site_id, screening_number="A", pseudonym="DF-A"))
        uow.session.flush()
        raise RuntimeError("fails before commit")
    with db.sessions() as s:
        assert s.scalars(select(Participant)).all() == []
    assert _audit(db, "participant") == []


@pytest.mark.parametrize("statement", [
    update(AuditRecord).values(new_value="tampered"),
    delete(AuditRecord),
])
def test_audit_records_cannot_be_changed_or_deleted(db: Database, statement) -> None:  # type: ignore[no-untyped-def]
    _site(db)
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(statement)
    assert {r.new_value for r in _audit(db, "site") if r.field == "code"} == {"S1"}


def test_times_are_stored_in_utc_and_naive_times_refused(db: Database) -> None:
    shanghai = timezone(timedelta(hours=8))
    with UnitOfWork(db, ALICE, "site") as uow:
        uow.session.add(Site(code="S2", name="two", created_at=datetime(2026, 1, 1, 8, 0,
                                                                         tzinfo=shanghai)))
        uow.commit()
    with db.sessions() as s:
        created = s.scalars(select(Site.created_at).where(Site.code == "S2")).one()
    assert created == datetime(2026, 1, 1, 0, 0, tzinfo=UTC) and created.utcoffset() == timedelta(0)
    with pytest.raises(Exception, match="naive datetime"), UnitOfWork(db, ALICE, "x") as uow:
        uow.session.add(Site(code="S3", name="three", created_at=datetime(2026, 1, 1)))
        uow.commit()


def test_password_hashes_never_enter_the_audit_trail(db: Database) -> None:
    from dawna.services import admin
    from dawna.services.schemas import UserCreate

    admin.create_user(db, ALICE, UserCreate(username="carol", display_name="Carol",
                                            password="long-enough-password"), "new colleague")
    rows = {r.field: r for r in _audit(db, "app_user")}
    assert rows["password_hash"].new_value == "[redacted]"
    assert "argon2" not in " ".join(str(r.new_value) for r in rows.values())


def test_unique_screening_number_is_enforced_by_the_database(db: Database) -> None:
    site_id = _site(db)
    with UnitOfWork(db, ALICE, "one") as uow:
        uow.session.add(Participant(site_id=site_id, screening_number="DUP", pseudonym="DF-1"))
        uow.commit()
    with pytest.raises(Exception), UnitOfWork(db, ALICE, "two") as uow:
        uow.session.add(Participant(site_id=site_id, screening_number="DUP", pseudonym="DF-2"))
        uow.commit()
    with db.engine.connect() as conn:
        assert conn.execute(text("select count(*) from participant")).scalar() == 1
