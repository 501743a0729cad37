"""The prohibited-medication deviation follows the concomitant medication it was found in
(``docs/deviations.md`` "When the record behind a deviation changes"): the medication deleted or
corrected so it is no longer prohibited withdraws its deviation (kept, with the change and its
reason, audited, out of the open deviations and the report's tables); once acknowledged, the
deviation is flagged for the investigator's review instead; a correction into a prohibited
medication opens one, or reinstates the one withdrawn.

The reference is the rule as written in the document: clarithromycin is a strong CYP3A
inhibitor (``docs/cyp3a.md``); cycle 1 started on 2024-03-15, so a medication taken on or after
that day is taken during treatment, one stopped on 2024-03-14 is not."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from helpers import principal
from sqlalchemy import select
from treatment_data import capecitabine_cycle_1

from dawna.clock import simulated
from dawna.config import Settings
from dawna.errors import ConflictError
from dawna.services import clinical, deviation_log, deviation_review, form_edits
from dawna.store.db import Database
from dawna.store.models import AuditRecord, ConcomitantMedication, ProtocolDeviation

pytestmark = pytest.mark.list_live
NOW = datetime(2024, 9, 1, 4, tzinfo=UTC)
CLARITHROMYCIN = {"drug": "Clarithromycin", "dose": 500, "unit": "mg", "route": "oral",
                  "frequency": "BID", "indication": "pneumonia", "start_date": "2024-08-20",
                  "stop_date": "2024-08-27", "ongoing": False}


@pytest.fixture
def pid(trial: Database, settings: Settings) -> str:
    """Arm B on capecitabine, cycle 1 on 2024-03-15."""
    return capecitabine_cycle_1(trial, settings)


def _record(db: Database, settings: Settings, pid: str, **over: Any) -> int:
    with simulated(NOW):
        return clinical.record_conmed(db, settings, principal(db, "coord_a"), pid,
                                      clinical.ConmedIn.model_validate(CLARITHROMYCIN | over)).id


def _correct(db: Database, settings: Settings, pid: str, row_id: int, version: int,
             reason: str, **over: Any) -> None:
    entry = form_edits.CORRECTIONS["conmeds"].model_validate(
        CLARITHROMYCIN | over | {"version": version, "reason": reason})
    with simulated(NOW):
        form_edits.correct(db, settings, principal(db, "coord_a"), pid, "conmeds", row_id,
                           entry, version=version, reason=reason)


def _delete(db: Database, settings: Settings, pid: str, row_id: int, version: int,
            reason: str) -> None:
    with simulated(NOW):
        form_edits.delete(db, settings, principal(db, "coord_a"), pid, "conmeds", row_id,
                          version=version, reason=reason)


def _deviation(db: Database) -> ProtocolDeviation:
    with db.sessions() as s:
        row = s.scalars(select(ProtocolDeviation)).one()
        s.expunge(row)
        return row


def _log(db: Database, status: str | None = None) -> list[deviation_log.DeviationRow]:
    return deviation_log.listing(db, principal(db, "monitor_a"),
                                 deviation_log.LogFilter(status=status))


def test_deleting_the_medication_withdraws_its_deviation_audited(
        trial: Database, settings: Settings, pid: str) -> None:
    row_id = _record(trial, settings, pid)
    opened = _deviation(trial)
    assert opened.kind == "prohibited_medication" and opened.withdrawn_at is None
    assert [r.status for r in _log(trial, "open")] == ["open"]
    _delete(trial, settings, pid, row_id, 1, "entered for the wrong patient")
    with trial.sessions() as s:
        assert s.scalars(select(ConcomitantMedication)).all() == []
    gone = _deviation(trial)  # still there: never deleted
    assert gone.id == opened.id and gone.withdrawn_by == "coord_a"
    assert gone.withdrawal == "source record deleted: entered for the wrong patient"
    assert gone.withdrawn_at is not None and gone.acknowledged_at is None
    # out of the open deviations and the report; the monitor still sees it and why
    assert _log(trial, "open") == []
    (row,) = _log(trial)
    assert row.status == "withdrawn" and not row.open
    assert [r.id for r in _log(trial, "withdrawn")] == [opened.id]
    assert deviation_log.report_tables(_log(trial)) == ([], [])
    csv = deviation_log.to_csv(_log(trial))
    assert "withdrawn" in csv and "source record deleted: entered for the wrong patient" in csv
    # audited: who, old and new value, the deletion's reason
    with trial.sessions() as s:
        audit = {a.field: a for a in s.scalars(select(AuditRecord).where(
            AuditRecord.table_name == "protocol_deviation", AuditRecord.row_id == str(gone.id),
            AuditRecord.action == "update"))}
    assert {"withdrawn_at", "withdrawn_by", "withdrawal"} <= set(audit)
    assert audit["withdrawal"].old_value is None
    assert audit["withdrawal"].new_value == gone.withdrawal
    assert audit["withdrawal"].reason == "entered for the wrong patient"
    assert audit["withdrawal"].actor == "coord_a"
    # nothing to acknowledge any more
    with pytest.raises(ConflictError):
        deviation_log.acknowledge(trial, settings, principal(trial, "inv_a"), pid, gone.id,
                                  "seen", gone.version)


def test_correcting_out_of_and_back_into_a_prohibited_medication(
        trial: Database, settings: Settings, pid: str) -> None:
    row_id = _record(trial, settings, pid)
    # another drug: no longer prohibited
    _correct(trial, settings, pid, row_id, 1, "the chart says amoxicillin", drug="amoxicillin")
    first = _deviation(trial)
    assert first.withdrawal == ("source record corrected, no longer a prohibited medication: "
                                "the chart says amoxicillin")
    assert _log(trial, "open") == []
    # back to clarithromycin, started a day later: reinstated with the current facts
    _correct(trial, settings, pid, row_id, 2, "clarithromycin after all",
             start_date="2024-08-21")
    again = _deviation(trial)
    assert again.id == first.id and again.withdrawn_at is None and again.withdrawal is None
    assert again.occurred_on == date(2024, 8, 21) and "2024-08-21" in (again.description or "")
    assert [r.status for r in _log(trial, "open")] == ["open"]
    # dates outside the treatment period (stopped the day before cycle 1): withdrawn again
    _correct(trial, settings, pid, row_id, 3, "dates from the discharge letter",
             start_date="2024-03-01", stop_date="2024-03-14")
    assert _deviation(trial).withdrawal == ("source record corrected, no longer a prohibited "
                                            "medication: dates from the discharge letter")


def test_correcting_into_a_prohibited_medication_opens_the_deviation(
        trial: Database, settings: Settings, pid: str) -> None:
    row_id = _record(trial, settings, pid, drug="amoxicillin")
    with trial.sessions() as s:
        assert s.scalars(select(ProtocolDeviation)).all() == []
    _correct(trial, settings, pid, row_id, 1, "the chart says clarithromycin")
    opened = _deviation(trial)
    assert opened.kind == "prohibited_medication" and opened.occurred_on == date(2024, 8, 20)
    assert opened.detection_key == f"prohibited_medication:{row_id}"
    assert [r.status for r in _log(trial, "open")] == ["open"]


def test_an_acknowledged_deviation_is_flagged_for_review_not_withdrawn(
        trial: Database, settings: Settings, pid: str) -> None:
    row_id = _record(trial, settings, pid)
    inv = principal(trial, "inv_a")
    dev = _deviation(trial)
    with simulated(NOW):
        deviation_log.acknowledge(trial, settings, inv, pid, dev.id, "sponsor informed",
                                  dev.version)
    _delete(trial, settings, pid, row_id, 1, "duplicate of another entry")
    flagged = _deviation(trial)
    assert flagged.withdrawn_at is None
    assert flagged.review == "source record deleted: duplicate of another entry"
    (row,) = _log(trial, "review")
    assert row.status == "review"
    # the investigator's judgement stands until reviewed: still in the report as important
    summary, important = deviation_log.report_tables(_log(trial))
    assert [r["important"] for r in summary] == [1] and len(important) == 1
    # a coordinator cannot decide; the investigator withdraws it with a comment
    decision = deviation_review.ReviewIn(withdraw=True, comment="never given: duplicate",
                                         version=flagged.version)
    with pytest.raises(Exception) as refused:
        deviation_review.review(trial, settings, principal(trial, "coord_a"), pid, dev.id,
                                decision)
    assert getattr(refused.value, "status_code", None) == 403
    with simulated(NOW):
        out = deviation_review.review(trial, settings, inv, pid, dev.id, decision)
    assert out.status == "withdrawn" and out.withdrawn_by == "inv_a"
    assert out.withdrawal == ("source record deleted: duplicate of another entry · never "
                              "given: duplicate")
    assert deviation_log.report_tables(_log(trial)) == ([], [])
    with pytest.raises(ConflictError):
        deviation_review.review(trial, settings, inv, pid, dev.id, decision)


def test_kept_after_review_stays_acknowledged(trial: Database, settings: Settings,
                                              pid: str) -> None:
    row_id = _record(trial, settings, pid)
    inv = principal(trial, "inv_a")
    dev = _deviation(trial)
    with simulated(NOW):
        deviation_log.acknowledge(trial, settings, inv, pid, dev.id, "sponsor informed",
                                  dev.version)
    _correct(trial, settings, pid, row_id, 1, "amoxicillin per the chart", drug="amoxicillin")
    flagged = _deviation(trial)
    assert flagged.review == ("source record corrected, no longer a prohibited medication: "
                              "amoxicillin per the chart")
    with simulated(NOW):
        out = deviation_review.review(trial, settings, inv, pid, dev.id,
                                      deviation_review.ReviewIn(
                                          withdraw=False, comment="pharmacy shows it was given",
                                          version=flagged.version))
    assert out.status == "acknowledged" and out.review is None
    assert out.acknowledgement == "sponsor informed · pharmacy shows it was given"


def test_stopping_before_the_first_dose_withdraws_it(trial: Database, settings: Settings,
                                                     pid: str) -> None:
    row_id = _record(trial, settings, pid, start_date="2024-03-01", stop_date=None,
                     ongoing=True)
    assert _deviation(trial).withdrawn_at is None  # ongoing into treatment: prohibited
    with simulated(NOW):
        out = clinical.stop_conmed(trial, settings, principal(trial, "coord_a"), pid, row_id,
                                   date(2024, 3, 10), 1)
    assert not out.prohibited
    assert _deviation(trial).withdrawal == ("source record corrected, no longer a prohibited "
                                            "medication: stopped on 2024-03-10, before "
                                            "treatment")
