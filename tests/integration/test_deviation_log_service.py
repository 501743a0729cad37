"""The deviation log's storage on SQLite and PostgreSQL (issue 20 item 6): detection opens each
finding once however often it runs (one row per participant and detection key), a deviation
recorded by hand refuses a date in the future with nothing stored, and an acknowledgement made
on a stale version is a conflict naming the current version, nothing changed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from helpers import principal, two_site_trial
from sqlalchemy import func, select
from treatment_data import on_dalpiciclib_cycle_1

from dawna.clock import simulated
from dawna.config import Settings
from dawna.errors import ConflictError, ValidationError
from dawna.rules.deviation_rules import Category, Importance
from dawna.services import deviation_detect, deviation_log
from dawna.store.db import Database
from dawna.store.models import ProtocolDeviation

NOW = datetime(2024, 9, 1, 4, tzinfo=UTC)


@pytest.fixture
def pid(db: Database, settings: Settings) -> str:
    two_site_trial(db)
    return on_dalpiciclib_cycle_1(db, settings, NOW)


def _count(db: Database) -> int:
    with db.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(ProtocolDeviation)) or 0)


def test_detection_opens_each_finding_once(db: Database, settings: Settings, pid: str) -> None:
    coord, monitor = principal(db, "coord_a"), principal(db, "monitor_a")
    with simulated(NOW):
        first = deviation_detect.detect(db, settings, coord)
        again = deviation_detect.detect(db, settings, monitor, pid)
    # dose:1:dalpiciclib, blood_count:1:1, blood_count:1:15 (the module docstring of
    # tests/e2e/test_deviation_log_pages.py works them out)
    assert (first.participants, first.total, again.total) == (1, 3, 0)
    assert _count(db) == 3


def test_a_future_date_and_a_stale_acknowledgement_are_refused(db: Database, settings: Settings,
                                                              pid: str) -> None:
    coord, inv = principal(db, "coord_a"), principal(db, "inv_a")
    with simulated(NOW):
        with pytest.raises(ValidationError) as caught:
            deviation_log.record(db, settings, coord, pid, deviation_log.DeviationIn(
                category=Category.OTHER, occurred_on=date(2024, 9, 2), description="x" * 5,
                importance=Importance.NOT_IMPORTANT))
        assert caught.value.field == "occurred_on" and _count(db) == 0
        row = deviation_log.record(db, settings, coord, pid, deviation_log.DeviationIn(
            category=Category.CONSENT, occurred_on=date(2024, 3, 20),
            description="Re-consent obtained late", importance=Importance.IMPORTANT))
        with pytest.raises(ConflictError) as stale:
            deviation_log.acknowledge(db, settings, inv, pid, row.id, "seen", row.version + 1)
        assert "now version 1" in stale.value.message
        assert deviation_log.listing(db, inv)[0].open
        done = deviation_log.acknowledge(db, settings, inv, pid, row.id, "seen", row.version,
                                         importance=Importance.NOT_IMPORTANT)
    assert (done.acknowledged_by, done.importance, done.version) == (
        "inv_a", "not_important", 2)
