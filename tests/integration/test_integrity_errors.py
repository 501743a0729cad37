"""Which database refusals are conflicts (issue 19, open end of item 7), on SQLite and
PostgreSQL: a duplicate key (a concurrent insert of the same thing) and a missing or still
referenced parent (deleted or used at the same moment: every service loads what it links first)
are 409; a NOT NULL or CHECK violation is a value the service should have refused, a 422 naming
the column, never a 409 telling the user to "reload and try again"; anything else (an
append-only trigger) stays a server error. Nothing is saved in any case."""

from __future__ import annotations

import logging

import pytest
from helpers import SYSTEM
from sqlalchemy import func, select, text

from dawna.errors import ConflictError, ValidationError
from dawna.store.db import Database
from dawna.store.models import AuditRecord, Participant, Site
from dawna.store.uow import UnitOfWork


def _site(db: Database) -> int:
    with UnitOfWork(db, SYSTEM, "set-up") as uow:
        site = Site(code="SITEA", name="Hospital A")
        uow.session.add(site)
        uow.session.flush()
        uow.commit()
    return site.id


def _participants(db: Database) -> int:
    with db.sessions() as s:
        return s.scalar(select(func.count()).select_from(Participant)) or 0


def test_a_duplicate_key_is_a_conflict(db: Database) -> None:
    _site(db)
    with pytest.raises(ConflictError) as caught, UnitOfWork(db, SYSTEM, "again") as uow:
        uow.session.add(Site(code="SITEA", name="Hospital A again"))
        uow.commit()
    assert caught.value.status_code == 409


def test_a_missing_parent_is_a_conflict(db: Database) -> None:
    with pytest.raises(ConflictError) as caught, UnitOfWork(db, SYSTEM, "orphan") as uow:
        uow.session.add(Participant(site_id=987654, screening_number="X-1", pseudonym="DF-X1"))
        uow.commit()
    assert caught.value.status_code == 409 and _participants(db) == 0


def test_a_missing_required_value_is_a_422_naming_the_column(
        db: Database, caplog: pytest.LogCaptureFixture) -> None:
    site_id = _site(db)
    with caplog.at_level(logging.ERROR, logger="dawna.store"), \
            pytest.raises(ValidationError) as caught, \
            UnitOfWork(db, SYSTEM, "no number") as uow:
        uow.session.add(Participant(site_id=site_id, screening_number=None, pseudonym="DF-X2"))
        uow.commit()
    assert not isinstance(caught.value, ConflictError)
    assert caught.value.status_code == 422 and caught.value.field == "screening_number"
    assert _participants(db) == 0
    assert any("not_null" in r.getMessage() for r in caplog.records)  # the gap is logged


def test_a_failed_check_inside_the_use_case_is_a_422_naming_the_rule(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE bench_check (x INTEGER "
                          "CONSTRAINT ck_bench_check_x_positive CHECK (x > 0))"))
    with pytest.raises(ValidationError) as caught, UnitOfWork(db, SYSTEM, "check") as uow:
        uow.session.execute(text("INSERT INTO bench_check (x) VALUES (-1)"))
    assert caught.value.status_code == 422
    assert caught.value.field == "ck_bench_check_x_positive"


def test_an_append_only_refusal_is_not_dressed_up_as_a_conflict(db: Database) -> None:
    _site(db)
    with pytest.raises(Exception) as caught, UnitOfWork(db, SYSTEM, "tamper") as uow:
        uow.session.execute(text("UPDATE audit_record SET reason = 'x'"))
    assert not isinstance(caught.value, ConflictError | ValidationError)
    with db.sessions() as s:
        assert s.scalar(select(func.count()).where(AuditRecord.reason == "x")) == 0


def test_a_service_duplicate_handler_still_answers_its_own_409(db: Database) -> None:
    """The services' own handlers (here: a role granted twice) keep their message for a
    duplicate; they re-raise only what is not a unique violation."""
    from dawna.services import admin
    from dawna.services.schemas import SiteCreate, UserCreate
    from dawna.store.models import Role

    admin.create_site(db, SYSTEM, SiteCreate(code="SITEA", name="Hospital A"), "set-up")
    admin.create_user(db, SYSTEM, UserCreate(username="coord", display_name="coord",
                                             password="correct-horse-battery"), "set-up")
    admin.grant_role(db, SYSTEM, "coord", "SITEA", Role.COORDINATOR, "set-up")
    with pytest.raises(ConflictError, match="already holds this role") as caught:
        admin.grant_role(db, SYSTEM, "coord", "SITEA", Role.COORDINATOR, "again")
    assert caught.value.field == "role"
