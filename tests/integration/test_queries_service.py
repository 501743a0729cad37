"""Queries and source data verification through the services on SQLite and PostgreSQL (issue 20
items 1 and 2): the workflow open -> answered -> closed -> re-opened, an answer that links the
correction saved on the form, the refusals (nothing stored), two steps on one version at once
(one 409), the edit checks raised once, and verification marks cleared by a change.

Participant: consent 2024-03-01, randomized 2024-03-12 (``treatment_data.randomized_to``); labs
ALT 30 U/L and ANC 35 ×10⁹/L (outside the protocol file's soft range 0-30 ×10⁹/L, confirmed at
entry) sampled 2024-03-13."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from helpers import SYSTEM, principal, two_site_trial
from races import race
from screening_data import eligible_record
from sqlalchemy import func, select
from treatment_data import randomized_to

from dawna.clock import simulated
from dawna.config import Settings
from dawna.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from dawna.services import (
    admin,
    queries,
    query_checks,
    query_lists,
    randomization,
    safety,
    screening,
    sdv,
)
from dawna.services.schemas import UserCreate
from dawna.services.schemas_queries import QueryAnswerIn, QueryRaiseIn, QueryStepIn, SdvMarkIn
from dawna.store.db import Database
from dawna.store.models import (
    AuditRecord,
    DataQuery,
    Participant,
    QueryMessage,
    Role,
    Screening,
    SourceVerification,
)
from dawna.validation import validate

NOW = datetime(2024, 9, 1, 4, tzinfo=UTC)  # 12:00 on 1 September at the site


@pytest.fixture
def trial(db: Database, settings: Settings) -> tuple[Database, str, int, int]:
    two_site_trial(db)
    admin.create_user(db, SYSTEM, UserCreate(username="dm_b", display_name="dm_b",
                                             password="correct-horse-battery"), "test set-up")
    admin.grant_role(db, SYSTEM, "dm_b", "SITEB", Role.DATA_MANAGER, "test set-up")
    randomization.generate(db, settings, SYSTEM, "list for the test")
    randomization.go_live(db, SYSTEM, "go live for the test")
    pid = randomized_to(db, settings, "A", "letrozole")
    coord = principal(db, "coord_a")
    with simulated(datetime(2024, 3, 13, 4, tzinfo=UTC)):
        alt = safety.record_lab(db, settings, coord, pid, safety.LabIn(
            analyte="ALT", value=30, unit="U/L", uln=40, sample_date=date(2024, 3, 13)))
        anc = safety.record_lab(db, settings, coord, pid, safety.LabIn(
            analyte="ANC", value=35, unit="10^9/L", lln=1.8, sample_date=date(2024, 3, 13),
            confirm_implausible=True))
    return db, pid, alt.id, anc.id


def _count(db: Database, model: Any, *where: Any) -> int:
    with db.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _raise(db: Database, lab_id: int, who: str = "monitor_a", field: str | None = "value",
           text: str = "Please check ALT against the lab report") -> int:
    return queries.raise_query(db, principal(db, who), QueryRaiseIn(
        table_name="lab_result", row_id=str(lab_id), field=field, text=text))


def test_a_query_is_raised_answered_closed_and_reopened_each_step_audited(
        trial: tuple[Database, str, int, int], settings: Settings) -> None:
    db, pid, alt, _anc = trial
    with simulated(NOW):
        qid = _raise(db, alt)
        view = query_lists.get(db, settings, principal(db, "monitor_a"), qid)
        assert (view.status, view.version, view.field, view.pseudonym) == ("open", 1, "value",
                                                                         pid)
        assert view.url == f"/participants/{pid}/labs/{alt}"
        v2 = queries.answer(db, principal(db, "coord_a"), qid, QueryAnswerIn(
            text="The report says 30 U/L", answer_kind="explained", version=1))
        v3 = queries.close(db, principal(db, "monitor_a"), qid, QueryStepIn(version=v2))
        v4 = queries.reopen(db, principal(db, "monitor_a"), qid, QueryStepIn(
            text="The source shows 36 U/L", version=v3))
    assert (v2, v3, v4) == (2, 3, 4)
    view = query_lists.get(db, settings, principal(db, "coord_a"), qid)
    assert view.status == "open"
    assert [m.kind for m in view.messages] == ["raise", "answer", "close", "reopen"]
    assert [m.actor for m in view.messages] == ["monitor_a", "coord_a", "monitor_a", "monitor_a"]
    # every step audited: the query's status changes and each message created
    assert _count(db, AuditRecord, AuditRecord.table_name == "query_message",
                  AuditRecord.field == "kind") == 4
    statuses = _count(db, AuditRecord, AuditRecord.table_name == "data_query",
                      AuditRecord.field == "status")
    assert statuses == 4  # created open, answered, closed, open
    # the age counts site days: raised 2024-09-01 at the site, seen on 2024-09-11 -> 10 days
    with simulated(datetime(2024, 9, 11, 4, tzinfo=UTC)):
        (listed,) = query_lists.site_list(db, settings, principal(db, "monitor_a"),
                                          query_lists.QueryFilter(status="open", min_age=10))
    assert listed.age_days == 10


def test_an_answer_by_correction_links_the_correction_saved_on_the_form(
        trial: tuple[Database, str, int, int], settings: Settings) -> None:
    db, pid, alt, _anc = trial
    coord = principal(db, "coord_a")
    with simulated(NOW):
        qid = _raise(db, alt)
        with pytest.raises(ValidationError) as caught:  # nothing corrected yet
            queries.answer(db, coord, qid, QueryAnswerIn(text="corrected",
                                                         answer_kind="corrected", version=1))
        assert caught.value.field == "answer_kind"
        safety.correct_lab(db, settings, coord, pid, alt, safety.LabIn(
            analyte="ALT", value=36, unit="U/L", uln=40, sample_date=date(2024, 3, 13)),
            version=1, reason="transcription error: the report says 36")
        queries.answer(db, coord, qid, QueryAnswerIn(text="Corrected to 36 U/L",
                                                     answer_kind="corrected", version=1))
    view = query_lists.get(db, settings, principal(db, "monitor_a"), qid)
    answer = view.messages[1]
    assert answer.answer_kind == "corrected"
    assert [(c["field"], c["old"], c["new"], c["reason"]) for c in answer.corrections] == [
        ("value", "30.0", "36.0", "transcription error: the report says 36")]


def test_refusals_name_the_reason_and_store_nothing(
        trial: tuple[Database, str, int, int], settings: Settings) -> None:
    db, _pid, alt, _anc = trial
    with pytest.raises(ValidationError) as caught:
        validate(QueryRaiseIn, {"table_name": "lab_result", "row_id": str(alt),
                                "field": "value", "text": "   "})
    assert caught.value.field == "text"
    with pytest.raises(PermissionDenied):  # a coordinator does not raise queries
        _raise(db, alt, who="coord_a")
    with pytest.raises(NotFound):  # a data manager of site B: the form is not at their site
        _raise(db, alt, who="dm_b")
    with pytest.raises(NotFound):
        _raise(db, 999_999)
    with pytest.raises(ValidationError) as caught:
        _raise(db, alt, field="no_such_field")
    assert caught.value.field == "field"
    with pytest.raises(ValidationError) as caught:
        queries.raise_query(db, principal(db, "monitor_a"), QueryRaiseIn(
            table_name="app_user", row_id="1", text="x"))
    assert caught.value.field == "table_name"
    assert _count(db, DataQuery) == 0 and _count(db, QueryMessage) == 0
    with simulated(NOW):
        qid = _raise(db, alt)
    with pytest.raises(PermissionDenied):  # a monitor does not answer
        queries.answer(db, principal(db, "monitor_a"), qid, QueryAnswerIn(
            text="ok", answer_kind="explained", version=1))
    with pytest.raises(PermissionDenied):  # the site cannot close it
        queries.close(db, principal(db, "coord_a"), qid, QueryStepIn(version=1))
    with pytest.raises(ConflictError) as conflict:  # a stale version
        queries.close(db, principal(db, "monitor_a"), qid, QueryStepIn(version=7))
    assert conflict.value.field == "version" and "version 1" in conflict.value.message
    with pytest.raises(ConflictError):  # an open query is not re-opened
        queries.reopen(db, principal(db, "monitor_a"), qid, QueryStepIn(text="x", version=1))
    with pytest.raises(NotFound):  # another site's user does not see it
        query_lists.get(db, settings, principal(db, "coord_b"), qid)
    assert _count(db, QueryMessage) == 1
    assert _count(db, DataQuery, DataQuery.status == "open", DataQuery.version == 1) == 1


def test_two_answers_of_one_version_at_once_give_one_answer_and_one_409(
        trial: tuple[Database, str, int, int], settings: Settings,
        flush_barrier: Callable[[int], None]) -> None:
    db, _pid, alt, _anc = trial
    with simulated(NOW):
        qid = _raise(db, alt)
    coord, inv = principal(db, "coord_a"), principal(db, "inv_a")

    def answer(who: Any, text: str) -> Callable[[], Any]:
        return lambda: queries.answer(db, who, qid, QueryAnswerIn(
            text=text, answer_kind="explained", version=1))

    flush_barrier(2)
    results = race(answer(coord, "first"), answer(inv, "second"))
    conflicts = [r for r in results if isinstance(r, ConflictError)]
    assert len(conflicts) == 1 and conflicts[0].field == "version", results
    assert 2 in results
    assert _count(db, QueryMessage, QueryMessage.kind == "answer") == 1


def test_edit_checks_raise_one_query_per_finding_and_runs_are_idempotent(
        trial: tuple[Database, str, int, int], settings: Settings) -> None:
    db, _pid, alt, anc = trial
    with simulated(NOW):
        first = query_checks.run_checks(db, settings)
        again = query_checks.run_checks(db, settings)
    # ANC 35 ×10⁹/L > soft max 30: one finding; ALT 30 U/L is inside 0-1000
    assert (first.findings, first.raised, first.already) == (1, 1, 0)
    assert (again.findings, again.raised, again.already) == (1, 0, 1)
    with db.sessions() as s:
        q = s.scalars(select(DataQuery)).one()
    assert (q.check_id, q.table_name, q.row_id, q.field, q.raised_by) == (
        "lab_implausible", "lab_result", str(anc), "value", "system:edit-check")
    # closed by the monitor (the value is right): not raised again for the same facts
    with simulated(NOW):
        queries.close(db, principal(db, "monitor_a"), q.id, QueryStepIn(
            text="ANC 35 confirmed on the source (G-CSF)", version=1))
        third = query_checks.run_checks(db, settings)
    assert (third.raised, third.already) == (0, 1)
    assert alt != anc


def test_a_change_clears_the_verification_of_the_changed_field_and_the_form(
        trial: tuple[Database, str, int, int], settings: Settings) -> None:
    db, pid, alt, anc = trial
    monitor, coord = principal(db, "monitor_a"), principal(db, "coord_a")
    with simulated(NOW):
        for field in ("value", "unit", None):
            sdv.mark(db, monitor, SdvMarkIn(table_name="lab_result", row_id=str(alt),
                                            field=field))
        sdv.mark(db, monitor, SdvMarkIn(table_name="lab_result", row_id=str(anc)))
        with pytest.raises(ConflictError):
            sdv.mark(db, monitor, SdvMarkIn(table_name="lab_result", row_id=str(anc)))
        with pytest.raises(PermissionDenied):
            sdv.mark(db, coord, SdvMarkIn(table_name="lab_result", row_id=str(anc)))
        # 2 lab forms, both verified whole: 100 %
        labs = {r.key: r for r in sdv.progress(db, monitor, by="form")}["lab_result"]
        assert (labs.forms, labs.verified, labs.percent) == (2, 2, 100.0)
        safety.correct_lab(db, settings, coord, pid, alt, safety.LabIn(
            analyte="ALT", value=36, unit="U/L", uln=40, sample_date=date(2024, 3, 13)),
            version=1, reason="transcription error")
    current = {(m.row_id, m.field) for m in sdv.marks_of(db, monitor, pid)}
    # the value changed: its mark and the whole-form mark go; the unit did not change
    assert current == {(str(alt), "unit"), (str(anc), "")}
    cleared = [m for m in sdv.marks_of(db, monitor, pid, include_cleared=True) if m.cleared_at]
    assert {(m.field, m.cleared_by, m.cleared_reason) for m in cleared} == {
        ("value", "coord_a", "transcription error"), ("", "coord_a", "transcription error")}
    assert _count(db, AuditRecord, AuditRecord.table_name == "source_verification",
                  AuditRecord.field == "cleared_at", AuditRecord.action == "update") == 2
    # 1 of 2 lab forms verified whole, the other partly (its unit): 50 %
    labs = {r.key: r for r in sdv.progress(db, monitor, by="form")}["lab_result"]
    assert (labs.forms, labs.verified, labs.partly, labs.percent) == (2, 1, 1, 50.0)
    with db.sessions() as s:
        state = sdv.verification_state(s, [_participant_id(db, pid)])
    (marks,) = state.values()
    assert marks[("lab_result", str(anc))].whole
    assert marks[("lab_result", str(alt))].fields == frozenset({"unit"})


def _participant_id(db: Database, pseudonym: str) -> int:
    with db.sessions() as s:
        return int(s.scalar(select(Participant.id).where(Participant.pseudonym == pseudonym)))


def test_two_marks_of_one_field_at_once_give_one_mark_and_one_409(
        trial: tuple[Database, str, int, int], flush_barrier: Callable[[int], None]
) -> None:
    db, _pid, alt, _anc = trial
    monitor = principal(db, "monitor_a")

    def mark() -> Any:
        return sdv.mark(db, monitor, SdvMarkIn(table_name="lab_result", row_id=str(alt),
                                               field="value"))

    flush_barrier(2)
    results = race(mark, mark)
    assert sum(isinstance(r, ConflictError) for r in results) == 1, results
    assert _count(db, SourceVerification) == 1


def test_query_counts_per_form_for_many_participants(
        trial: tuple[Database, str, int, int], settings: Settings) -> None:
    db, pid, alt, anc = trial
    with simulated(NOW):
        _raise(db, alt)
        _raise(db, alt, field=None, text="whole form")
        closed = _raise(db, anc)
        queries.close(db, principal(db, "monitor_a"), closed, QueryStepIn(version=1))
    ident = _participant_id(db, pid)
    with db.sessions() as s:
        counts = queries.query_counts(s, [ident, 424242])
    assert counts[424242] == {}
    form = counts[ident][("lab_result", str(alt))]
    assert (form.open, form.answered, form.fields) == (2, 0, frozenset({"value"}))
    assert ("lab_result", str(anc)) not in counts[ident]
    by_site = query_lists.counts_by_site(db, principal(db, "monitor_a"))
    assert by_site == {"SITEA": {"open": 2, "answered": 0, "closed": 1}}


def test_a_mark_inside_a_json_document_is_cleared_only_when_its_leaf_changes(
        trial: tuple[Database, str, int, int], settings: Settings) -> None:
    db, pid, _alt, _anc = trial
    monitor, coord = principal(db, "monitor_a"), principal(db, "coord_a")
    with db.sessions() as s:
        row_id = str(s.scalar(select(Screening.id)))
    with simulated(NOW):
        for leaf in ("record.labs.anc.value", "record.labs.platelets.value"):
            sdv.mark(db, monitor, SdvMarkIn(table_name="screening", row_id=row_id, field=leaf))
        record = eligible_record()
        record["labs"]["anc"]["value"] = 2.2  # was 2.1; platelets unchanged
        view = screening.get(db, settings, coord, pid)
        screening.save(db, settings, coord, pid, screening.record_from_dict(record),
                       "ANC re-read from the laboratory report", view.version)
    current = {m.field for m in sdv.marks_of(db, monitor, pid)}
    assert current == {"record.labs.platelets.value"}
