"""SUSARs through the services on SQLite and PostgreSQL (issue 17 item 10): expectedness stored
with the reference safety information, the ICH E2A III.A.2 clocks counted on the site's
calendar (Asia/Shanghai, UTC+8), the safety work list, reports to the ethics committee and the
authority, and the refusals (nothing stored).

Hand-worked clocks: awareness 2024-08-31 15:30 UTC is 23:30 on 31 August in Shanghai (day 0 =
31 August; 7 days -> due 7 September; no initial report yet: follow-up 8 more days -> 15
September). Awareness 2024-08-31 16:30 UTC is 00:30 on 1 September in Shanghai (day 0 = 1
September; 15 days -> due 16 September; late from 17 September 00:00 Shanghai = 16 September
16:00 UTC)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from helpers import principal
from sqlalchemy import func, select
from treatment_data import randomized_to

from dawna.clock import simulated
from dawna.config import Settings
from dawna.errors import ConflictError, ProtocolViolation, ValidationError
from dawna.services import safety, treatment
from dawna.store.db import Database
from dawna.store.models import AdverseEvent, AuditRecord, SusarReport

NOW = datetime(2024, 9, 1, 4, tzinfo=UTC)  # 12:00 on 1 September at the site
LATE_EVENING = datetime(2024, 8, 31, 15, 30, tzinfo=UTC)  # 23:30 on 31 August, Shanghai
AFTER_MIDNIGHT = datetime(2024, 8, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 September, Shanghai


# ``trial``: tests/conftest.py (the two-site trial with its randomization list live)
pytestmark = pytest.mark.list_live


def _count(db: Database, model: Any) -> int:
    with db.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _on_dalpiciclib(db: Database, settings: Settings) -> str:
    pid = randomized_to(db, settings, "A", "letrozole")
    with simulated(NOW):
        treatment.confirm_plan(db, settings, principal(db, "inv_a"), pid,
                               treatment.PlanIn.model_validate({"measures": {}}))
        treatment.record_cycle(db, settings, principal(db, "coord_a"), pid,
                               treatment.CycleIn(cycle=1, start_date=date(2024, 3, 14)))
    return pid


def _sae(**kw: Any) -> safety.AeIn:
    base: dict[str, Any] = {
        "grade": 3, "start_date": "2024-08-31", "serious": True,
        "seriousness": ["hospitalisation"],
        "relatedness": {"dalpiciclib": "related", "letrozole": "not_related"},
        "action_taken": "drug_interrupted", "outcome": "not_recovered"}
    return safety.AeIn.model_validate({**base, **kw})


def test_a_serious_related_event_without_expectedness_is_refused_and_nothing_stored(
        trial: Database, settings: Settings) -> None:
    pid = _on_dalpiciclib(trial, settings)
    coord = principal(trial, "coord_a")
    with simulated(NOW), pytest.raises(ValidationError) as caught:
        safety.record_ae(trial, settings, coord, pid, _sae(
            term="Pneumonitis", aware_at=LATE_EVENING.isoformat()))
    assert caught.value.field == "expectedness"
    assert _count(trial, AdverseEvent) == 0
    with trial.sessions() as s:
        assert s.scalar(select(func.count()).select_from(AuditRecord).where(
            AuditRecord.table_name == "adverse_event")) == 0


def test_susars_are_stored_listed_with_their_clocks_and_reported(
        trial: Database, settings: Settings) -> None:
    pid = _on_dalpiciclib(trial, settings)
    coord = principal(trial, "coord_a")
    with simulated(NOW):
        fatal = safety.record_ae(trial, settings, coord, pid, _sae(
            term="Pneumonitis", grade=4, seriousness=["life_threatening", "hospitalisation"],
            aware_at=LATE_EVENING.isoformat(), expectedness="unexpected"))
        other = safety.record_ae(trial, settings, coord, pid, _sae(
            term="Thromboembolic event", start_date="2024-09-01",
            aware_at=AFTER_MIDNIGHT.isoformat(), expectedness="unexpected"))
        expected = safety.record_ae(trial, settings, coord, pid, _sae(
            term="Febrile neutropenia", aware_at=LATE_EVENING.isoformat(),
            expectedness="expected"))
        stored = safety.adverse_event(trial, coord, pid, fatal)
        assert stored.expectedness == "unexpected"
        # the RSI of the related drug, as the protocol file names it (version to confirm)
        assert stored.rsi_document is not None and "Dalpiciclib" in stored.rsi_document
        assert stored.rsi_version == "to confirm"

        rows = safety.site_susars(trial, settings, coord)
        assert [r.number for r in rows] == [fatal, other]  # soonest deadline first
        first, second = rows
        assert first.fatal_or_life_threatening and first.aware_day == date(2024, 8, 31)
        initial, follow = first.deadlines
        assert (initial.kind, initial.days, initial.due_on, initial.status) == (
            "initial", 7, date(2024, 9, 7), "due")
        assert initial.days_left == 6  # today 1 September
        assert (follow.kind, follow.due_on) == ("follow_up", date(2024, 9, 15))
        assert not second.fatal_or_life_threatening and second.aware_day == date(2024, 9, 1)
        (only,) = second.deadlines
        assert (only.days, only.due_on, only.missing) == (
            15, date(2024, 9, 16), ("ethics_committee", "authority"))
        board = safety.board(trial, settings, coord)
        assert [r.number for r in board.susars] == [fatal, other]
        assert expected not in safety.participant_susars(trial, settings, coord, pid)

    with simulated(datetime(2024, 9, 6, 4, tzinfo=UTC)):
        for recipient, day in (("ethics_committee", 5), ("authority", 6)):
            safety.record_susar_report(trial, settings, coord, pid, fatal, safety.SusarReportIn(
                kind="initial", recipient=recipient, sent_on=date(2024, 9, day),
                sent_by="Dr Wang", reference=f"REF-{day}"))
        refusals: list[tuple[int, dict[str, Any], type[Exception], str]] = [
            (fatal, {"kind": "initial", "recipient": "ethics_committee",
                     "sent_on": "2024-09-06"}, ConflictError, "recipient"),
            (other, {"kind": "follow_up", "recipient": "authority",
                     "sent_on": "2024-09-06"}, ValidationError, "kind"),
            (other, {"kind": "initial", "recipient": "authority",
                     "sent_on": "2024-09-07"}, ValidationError, "sent_on"),  # future
            (fatal, {"kind": "initial", "recipient": "authority",
                     "sent_on": "2024-08-30"}, ValidationError, "sent_on"),  # before day 0
            (expected, {"kind": "initial", "recipient": "authority",
                        "sent_on": "2024-09-06"}, ProtocolViolation, "number"),
        ]
        for number, data, error, field in refusals:
            with pytest.raises(error) as caught:
                safety.record_susar_report(trial, settings, coord, pid, number,
                                           safety.SusarReportIn.model_validate(data))
            assert caught.value.field == field, data
        assert _count(trial, SusarReport) == 2
        first = safety.participant_susars(trial, settings, coord, pid)[fatal]
        initial, follow = first.deadlines
        assert (initial.status, initial.missing) == ("sent", ())
        # ICH E2A: the complete report within 8 days of the initial one (5 September)
        assert (follow.due_on, follow.status) == (date(2024, 9, 13), "due")
        assert [(r.recipient, r.sent_by) for r in first.reports] == [
            ("ethics_committee", "Dr Wang"), ("authority", "Dr Wang")]

    # the 15-day clock of the other SUSAR runs out at midnight in Shanghai, not in UTC
    with simulated(datetime(2024, 9, 16, 15, 59, tzinfo=UTC)):  # 23:59 on 16 September
        row = safety.participant_susars(trial, settings, coord, pid)[other]
        assert (row.deadlines[0].status, row.deadlines[0].days_left) == ("due", 0)
    with simulated(datetime(2024, 9, 16, 16, 0, tzinfo=UTC)):  # 00:00 on 17 September
        row = safety.participant_susars(trial, settings, coord, pid)[other]
        assert row.deadlines[0].status == "overdue" and row.overdue
        # the clocks run from the awareness time: once reported, it cannot move
        stored = safety.adverse_event(trial, coord, pid, fatal)
        with pytest.raises(ProtocolViolation) as caught:
            safety.update_ae(trial, settings, coord, pid, fatal, _sae(
                term="Pneumonitis", grade=4, seriousness=["life_threatening", "hospitalisation"],
                aware_at=AFTER_MIDNIGHT.isoformat(), expectedness="unexpected"),
                version=stored.version, reason="awareness entered a day early")
        assert caught.value.field == "aware_at"
    with trial.sessions() as s:
        audit = s.scalars(select(AuditRecord).where(
            AuditRecord.table_name == "susar_report", AuditRecord.field == "recipient")).all()
        assert sorted(a.new_value for a in audit) == ["authority", "ethics_committee"]
