"""A data version per participant (issue 23 item 4; ``DataVersion``, ``services/page_cache.py``
``participant_version``), on SQLite and PostgreSQL, two participants randomized at SITEA:
a change of one participant's data moves their version only, and the other participant's pages
stay kept (the same objects, not built again) while the changed participant's next page shows
the change; a change of data that is no single participant's (a new site) moves
every participant's; a SUSAR report counts for its adverse event's participant; a row moved
from one participant to another (its participant before loaded or not) counts for all; a write
rolled back after its flush, a refused one and an export's event move nothing. The reference
for "moved" is the audit chain's head after the write (``audit_chain_head``), read apart."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from helpers import SYSTEM, principal
from sqlalchemy import inspect, select
from sqlalchemy.orm import defer
from treatment_data import on_dalpiciclib_cycle_1, randomized_to

from dawna.clock import simulated
from dawna.config import Settings
from dawna.errors import ValidationError
from dawna.i18n import set_locale
from dawna.services import admin, follow_up, page_cache, safety, treatment
from dawna.services.schemas import SiteCreate
from dawna.store.db import Database
from dawna.store.models import (
    AdverseEvent,
    AuditChainHead,
    DataVersion,
    LabResult,
    Participant,
    ParticipantIdentity,
    SusarReport,
)
from dawna.store.uow import UnitOfWork

NOW = datetime(2024, 9, 1, 4, tzinfo=UTC)


@pytest.fixture
def two(trial: Database, settings: Settings) -> Iterator[tuple[str, str]]:
    """Participant A on dalpiciclib (cycle 1 on 2024-03-14), B randomized to capecitabine;
    the tests run "on" 2024-09-01."""
    page_cache.clear()
    set_locale("en")
    a = on_dalpiciclib_cycle_1(trial, settings, NOW)
    b = randomized_to(trial, settings, "B", "capecitabine", mrn="MRN-5151")
    with simulated(NOW):
        yield a, b
    page_cache.clear()


def _head(db: Database) -> str:
    with db.sessions() as s:
        return str(s.scalars(select(AuditChainHead.hash)).one())


def _row(db: Database, pseudonym: str) -> DataVersion | None:
    with db.sessions() as s:
        pid = s.scalars(select(Participant.id).where(Participant.pseudonym == pseudonym)).one()
        return s.get(DataVersion, pid)


def _lab(db: Database, settings: Settings, pseudonym: str, value: float) -> None:
    safety.record_lab(db, settings, principal(db, "coord_a"), pseudonym, safety.LabIn(
        analyte="neutrophils", value=value, unit="10^9/L", lln=2.0, uln=7.5,
        sample_date=date(2024, 8, 31), confirm_implausible=True))


def test_a_change_of_one_participant_leaves_the_others_pages_kept(
        trial: Database, settings: Settings, two: tuple[str, str]) -> None:
    db, (a, b) = trial, two
    coord = principal(db, "coord_a")
    page_a = treatment.treatment_page(db, settings, coord, a)
    page_b = treatment.treatment_page(db, settings, coord, b)
    course_b = follow_up.course(db, coord, b)
    version_a, version_b = (page_cache.participant_version(db, a),
                            page_cache.participant_version(db, b))
    lists = page_cache.version(db, settings)
    _lab(db, settings, a, 0.4)
    # A's row holds the chain's head after the write; B's did not move
    row = _row(db, a)
    assert row is not None and row.hash == _head(db)
    assert page_cache.participant_version(db, a) != version_a
    assert page_cache.participant_version(db, b) == version_b
    # B's pages are the kept ones (the same objects: not built again) ...
    again_b = treatment.treatment_page(db, settings, coord, b)
    assert again_b.view.events is page_b.view.events
    assert again_b.view.cycles is page_b.view.cycles and again_b.view.plan is page_b.view.plan
    assert follow_up.course(db, coord, b).events is course_b.events
    # ... and A's next page shows the new result
    after_a = treatment.treatment_page(db, settings, coord, a)
    assert len(after_a.labs) == len(page_a.labs) + 1 and after_a.labs[-1].value == 0.4
    # the lists cover every participant: the audit chain's head keys them, so they moved
    assert page_cache.version(db, settings) != lists


def test_data_of_no_single_participant_moves_every_version(
        trial: Database, settings: Settings, two: tuple[str, str]) -> None:
    db, (a, b) = trial, two
    before = {p: page_cache.participant_version(db, p) for p in (a, b)}
    kept = treatment.treatment_page(db, settings, principal(db, "coord_a"), b)
    admin.create_site(db, SYSTEM, SiteCreate(code="SITEC", name="Hospital SITEC"),
                      "a third site for the test")
    with db.sessions() as s:
        zero = s.get(DataVersion, 0)
    assert zero is not None and zero.hash == _head(db)
    for p in (a, b):
        assert page_cache.participant_version(db, p) != before[p]
    assert treatment.treatment_page(db, settings, principal(db, "coord_a"), b).view.events \
        is not kept.view.events  # built again


def test_a_susar_report_counts_for_its_adverse_events_participant(
        trial: Database, settings: Settings, two: tuple[str, str]) -> None:
    db, (a, b) = trial, two
    coord = principal(db, "coord_a")
    plan = treatment.treatment_page(db, settings, coord, a).view.plan
    assert plan is not None
    number = safety.record_ae(db, settings, coord, a, safety.AeIn(
        term="Nausea", grade=3, start_date=date(2024, 8, 30),
        relatedness={d["drug"]: "not_related" for d in plan.doses}))
    version_a, version_b = (page_cache.participant_version(db, a),
                            page_cache.participant_version(db, b))
    zero = page_cache.participant_version(db, b)[2]
    with UnitOfWork(db, SYSTEM, "SUSAR report for the test") as uow:
        s = uow.session
        event = s.scalars(select(AdverseEvent).join(Participant).where(
            Participant.pseudonym == a, AdverseEvent.number == number)).one()
        s.add(SusarReport(adverse_event_id=event.id, kind="initial", recipient="NMPA",
                          sent_on=date(2024, 8, 31), sent_by="Dr A", recorded_by="test"))
        uow.commit()
    assert page_cache.participant_version(db, a) != version_a
    assert page_cache.participant_version(db, b) == version_b
    assert page_cache.participant_version(db, b)[2] == zero  # not counted for all


def test_a_row_moved_to_another_participant_counts_for_all(
        trial: Database, settings: Settings, two: tuple[str, str]) -> None:
    db, (a, b) = trial, two
    _lab(db, settings, a, 1.1)
    before_b = page_cache.participant_version(db, b)
    zero = before_b[2]
    with UnitOfWork(db, SYSTEM, "result entered for the wrong participant") as uow:
        s = uow.session
        b_id = s.scalars(select(Participant.id).where(Participant.pseudonym == b)).one()
        lab = s.scalars(select(LabResult).join(Participant).where(
            Participant.pseudonym == a, LabResult.value == 1.1)).one()
        lab.participant_id = b_id
        uow.commit()
    after_b = page_cache.participant_version(db, b)
    assert after_b != before_b and after_b[2] != zero  # row 0 moved: every page built again
    # moved back with the column's value before not loaded (deferred): counted for all too
    with UnitOfWork(db, SYSTEM, "result moved back to its participant") as uow:
        s = uow.session
        a_id = s.scalars(select(Participant.id).where(Participant.pseudonym == a)).one()
        lab = s.scalars(select(LabResult).options(defer(LabResult.participant_id))
                        .where(LabResult.value == 1.1)).one()
        assert "participant_id" not in inspect(lab).dict  # not loaded
        lab.participant_id = a_id
        uow.commit()
    assert page_cache.participant_version(db, b)[2] != after_b[2]


def test_a_write_rolled_back_after_its_flush_moves_nothing(
        trial: Database, settings: Settings, two: tuple[str, str]) -> None:
    """The versions move at commit with the records, not when the rows are flushed: a unit
    of work that flushed a change (a phone number), then failed, leaves every version and the
    head."""
    db, (a, b) = trial, two
    versions, head = [page_cache.participant_version(db, p) for p in (a, b)], _head(db)
    with pytest.raises(RuntimeError), UnitOfWork(db, SYSTEM, "fails after its flush") as uow:
        s = uow.session
        row = s.scalars(select(ParticipantIdentity).join(Participant)
                        .where(Participant.pseudonym == a)).one()
        row.phone = "+86 10 0000 0000"
        s.flush()
        raise RuntimeError("after the flush")
    assert [page_cache.participant_version(db, p) for p in (a, b)] == versions
    assert _head(db) == head
    with pytest.raises(ValidationError):  # refused before anything is written
        safety.record_lab(db, settings, principal(db, "coord_a"), a, safety.LabIn(
            analyte="neutrophils", value=0.4, unit="10^9/L", lln=2.0, uln=7.5,
            sample_date=date(2031, 1, 1)))  # in the future
    assert page_cache.participant_version(db, a) == versions[0] and _head(db) == head


def test_an_event_that_changes_no_row_moves_no_version(
        trial: Database, settings: Settings, two: tuple[str, str]) -> None:
    """The audit record of an export (``store/audit_events.py``) is chained, but no page
    shows it: every participant's version stays."""
    from dawna.store import audit_events

    db, (a, b) = trial, two
    versions, head = [page_cache.participant_version(db, p) for p in (a, b)], _head(db)
    with UnitOfWork(db, SYSTEM, "an export for the test") as uow:
        audit_events.record(uow.session, "export", "test-1", "export", None, {"rows": 3})
        uow.commit()
    assert _head(db) != head  # the event is in the chain
    assert [page_cache.participant_version(db, p) for p in (a, b)] == versions
