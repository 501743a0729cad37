"""The edit check "adverse event ongoing after the participant ended the study" over the store
(issue 20, safety work list): on the small trial of ``tests/form_status_data.py``, F100 (SITEB)
ends the study on 2026-03-01 with two adverse events, one without a stop date (started
2026-01-20) and one stopped 2026-02-10; F003 (SITEA, still in the study) has one without a stop
date. By hand: one finding, on F100's open event, field stop_date; a second run raises nothing;
once its stop date is recorded the finding is gone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from form_status_data import grid_database
from helpers import SYSTEM
from sqlalchemy import select

from dawna.clock import simulated
from dawna.config import Settings
from dawna.services import query_checks
from dawna.store.db import Database
from dawna.store.models import AdverseEvent, DataQuery, Participant, StatusEvent
from dawna.store.uow import UnitOfWork

NOW = datetime(2026, 3, 10, 4, tzinfo=UTC)


@pytest.fixture(scope="module")
def ended(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
          ) -> Iterator[tuple[Database, int]]:
    for db in grid_database(tmp_path_factory.mktemp("ae_end"), sqlite_template):
        with UnitOfWork(db, SYSTEM, "test set-up: end of study") as uow:
            s = uow.session
            p = s.scalars(select(Participant).filter_by(pseudonym="F100")).one()
            s.add(StatusEvent(participant_id=p.id, event="study_ended",
                              from_status="end_of_treatment", to_status="study_ended",
                              event_date=date(2026, 3, 1), reason="withdrew consent",
                              recorded_by="test"))
            open_ae = AdverseEvent(participant_id=p.id, number=1, term="Fatigue", grade=2,
                                   start_date=date(2026, 1, 20), action_taken="none",
                                   outcome="not_recovered", recorded_by="test")
            s.add_all([open_ae, AdverseEvent(
                participant_id=p.id, number=2, term="Nausea", grade=1,
                start_date=date(2026, 1, 21), stop_date=date(2026, 2, 10),
                action_taken="none", outcome="recovered", recorded_by="test")])
            s.flush()
            ae_id = open_ae.id
            uow.commit()
        yield db, ae_id


def test_one_query_per_ongoing_event_once_and_gone_when_stopped(
        ended: tuple[Database, int]) -> None:
    db, ae_id = ended
    settings = Settings(env="test", database_url=db.url, secret_key="t" * 40)
    with simulated(NOW):
        first = query_checks.run_checks(db, settings)
        again = query_checks.run_checks(db, settings)
    assert (first.findings, first.raised, first.already) == (1, 1, 0)
    assert (again.findings, again.raised, again.already) == (1, 0, 1)
    with db.sessions() as s:
        q = s.scalars(select(DataQuery)).one()
    assert (q.check_id, q.table_name, q.row_id, q.field, q.status) == (
        "ae_ongoing_after_study_end", "adverse_event", str(ae_id), "stop_date", "open")
    assert "ended the study on 2026-03-01" in q.text
    with UnitOfWork(db, SYSTEM, "stop date from the source") as uow:
        uow.session.get(AdverseEvent, ae_id).stop_date = date(2026, 2, 25)
        uow.commit()
    with simulated(NOW):
        after = query_checks.run_checks(db, settings)
    assert (after.findings, after.raised) == (0, 0)
