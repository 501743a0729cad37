"""The audit trail is tamper-evident (issue 19 item 1; 21 CFR 11.10(e)).

Every tampering is done the way the probe did it: with the append-only guard switched off
(SQLite: the trigger dropped; PostgreSQL: ``ALTER TABLE ... DISABLE TRIGGER``), then plain SQL.
Each must be found and named by ``audit_verify.verify``. The hash of a record is recomputed here
by hand from the serialization written in docs/audit-trail.md, independently of the code.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from dawna.store.audit import Actor
from dawna.store.audit_chain import GENESIS
from dawna.store.audit_verify import check_chain, head, verify
from dawna.store.db import Database
from dawna.store.models import AdverseEvent, AuditChainHead, AuditRecord, Participant, Site
from dawna.store.uow import UnitOfWork

ALICE = Actor(user_id=7, username="alice")
T0 = datetime(2026, 3, 1, 2, 30, 0, 5, tzinfo=UTC)


def _trial(db: Database) -> tuple[int, int]:
    """A site, a participant and one grade 2 adverse event, written through the application."""
    with UnitOfWork(db, ALICE, "set-up", now=T0) as uow:
        site = Site(code="S1", name="Site one", city="Beijing")
        uow.session.add(site)
        uow.session.flush()
        p = Participant(site_id=site.id, screening_number="S1-S001", pseudonym="DF-AAAAAA")
        uow.session.add(p)
        uow.session.flush()
        ae = AdverseEvent(participant_id=p.id, number=1, term="Nausea", grade=2,
                          start_date=date(2026, 3, 1), action_taken="DOSE NOT CHANGED",
                          outcome="RECOVERING/RESOLVING", recorded_by="alice",
                          relatedness={"dalpiciclib": "related"})
        uow.session.add(ae)
        uow.commit()
        return p.id, ae.id


def _raw(db: Database, *statements: str) -> None:
    """Run SQL with the audit table's append-only guard off, as a tamperer would."""
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.execute(text("ALTER TABLE audit_record DISABLE TRIGGER audit_record_no_change"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_record_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_record_no_delete"))
        for sql in statements:
            conn.execute(text(sql))


def _problems(db: Database) -> list[str]:
    with db.sessions() as s:
        return [str(p) for p in verify(s)]


def test_records_are_chained_by_the_documented_serialization(db: Database) -> None:
    _trial(db)
    with db.sessions() as s:
        records = list(s.scalars(select(AuditRecord).order_by(AuditRecord.id)))
        anchor = s.get(AuditChainHead, 1)
    assert records[0].prev_hash == GENESIS
    first = records[0]
    # by hand, as docs/audit-trail.md says: JSON array, UTF-8, no spaces, UTC time with 6 digits
    payload = json.dumps([GENESIS, "2026-03-01T02:30:00.000005Z", 7, "alice", "create", "site",
                          first.row_id, None, first.field, None, first.new_value, "set-up"],
                         ensure_ascii=False, separators=(",", ":"))
    assert first.hash == hashlib.sha256(payload.encode("utf-8")).hexdigest()
    for before, after in itertools.pairwise(records):
        assert after.prev_hash == before.hash
    assert anchor is not None
    assert (anchor.last_id, anchor.hash) == (records[-1].id, records[-1].hash)
    assert _problems(db) == []


def test_an_altered_audit_record_is_named(db: Database) -> None:
    _trial(db)
    with db.sessions() as s:
        rid = s.scalar(select(AuditRecord.id).where(AuditRecord.table_name == "adverse_event",
                                                    AuditRecord.field == "grade"))
    _raw(db, f"UPDATE audit_record SET new_value = '1' WHERE id = {rid}")
    problems = _problems(db)
    assert f"audit_record {rid}: content altered: the record no longer matches its hash" in problems


def test_a_deleted_audit_record_is_named(db: Database) -> None:
    _trial(db)
    with db.sessions() as s:
        ids = list(s.scalars(select(AuditRecord.id).order_by(AuditRecord.id)))
    _raw(db, f"DELETE FROM audit_record WHERE id = {ids[3]}")
    problems = _problems(db)
    assert any(p.startswith(f"audit_record {ids[4]}: broken link: does not follow record "
                            f"{ids[2]}") for p in problems), problems


def test_the_last_audit_record_deleted_is_named_by_the_chain_head(db: Database) -> None:
    _trial(db)
    with db.sessions() as s:
        last = s.scalar(select(AuditRecord.id).order_by(AuditRecord.id.desc()).limit(1))
    _raw(db, f"DELETE FROM audit_record WHERE id = {last}")
    assert any(p.startswith(f"audit_chain_head 1: the chain head names record {last}")
               for p in _problems(db))


def test_a_forged_audit_record_is_named(db: Database) -> None:
    _pid, ae_id = _trial(db)
    with db.sessions() as s:
        last = s.scalars(select(AuditRecord).order_by(AuditRecord.id.desc()).limit(1)).one()
    # a forger who knows the algorithm chains the record correctly, but not the head
    from dawna.store.audit_chain import record_hash
    forged = {"at": T0, "actor_id": 7, "actor": "alice", "action": "update",
              "table_name": "adverse_event", "row_id": str(ae_id), "site_id": None,
              "field": "term", "old_value": "Nausea", "new_value": "Vomiting", "reason": "x"}
    digest = record_hash(last.hash, forged)
    at = "2026-03-01 02:30:00.000005" + ("+00" if db.dialect == "postgresql" else "")
    _raw(db, "INSERT INTO audit_record (at, actor_id, actor, action, table_name, row_id, field, "
             f"old_value, new_value, reason, prev_hash, hash) VALUES ('{at}', 7, 'alice', "
             f"'update', 'adverse_event', '{ae_id}', 'term', 'Nausea', 'Vomiting', 'x', "
             f"'{last.hash}', '{digest}')")
    problems = _problems(db)
    assert any(p.startswith(f"audit_chain_head 1: the chain head names record {last.id}")
               for p in problems), problems
    # and the row it claims to explain does not say Vomiting
    assert (f"adverse_event {ae_id}: field term is 'Nausea' but its last audit record says "
            "'Vomiting'") in problems


def test_a_direct_update_of_a_trial_row_is_named(db: Database) -> None:
    _, ae_id = _trial(db)
    with db.engine.begin() as conn:
        conn.execute(text(f"UPDATE adverse_event SET grade = 5 WHERE id = {ae_id}"))
    assert _problems(db) == [
        f"adverse_event {ae_id}: field grade is '5' but its last audit record says '2'"]


def test_a_direct_insert_of_a_trial_row_is_named(db: Database) -> None:
    pid, _ = _trial(db)
    with db.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO adverse_event (participant_id, number, term, grade, start_date, serious, "
            "seriousness, relatedness, action_taken, outcome, recorded_by, recorded_at, version) "
            f"VALUES ({pid}, 2, 'Fatigue', 1, '2026-03-02', false, '[]', '{{}}', 'NONE', "
            "'RECOVERED', 'mallory', '2026-03-02 00:00:00', 1)"))
        new_id = conn.execute(text("SELECT max(id) FROM adverse_event")).scalar_one()
    assert _problems(db) == [
        f"adverse_event {new_id}: unexplained row: no audit record creates it"]


def test_a_direct_delete_of_a_trial_row_is_named(db: Database) -> None:
    _, ae_id = _trial(db)
    with db.engine.begin() as conn:
        conn.execute(text(f"DELETE FROM adverse_event WHERE id = {ae_id}"))
    assert _problems(db) == [f"adverse_event {ae_id}: row deleted without an audit record"]


def test_two_writers_at_once_do_not_fork_the_chain(db: Database) -> None:
    _trial(db)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(5):
                with UnitOfWork(db, ALICE, f"writer {n}") as uow:
                    uow.session.add(Site(code=f"W{n}-{i}", name="w", city="c"))
                    uow.commit()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.sessions() as s:
        prevs = list(s.scalars(select(AuditRecord.prev_hash)))
        assert len(prevs) == len(set(prevs))  # no two records share a predecessor
        assert head(s).last_id == s.scalar(select(AuditRecord.id).order_by(
            AuditRecord.id.desc()).limit(1))
    assert _problems(db) == []


def test_the_migration_hashes_existing_records_in_id_order(db_url: str) -> None:
    """Records written before the chain existed are hashed by migration 0014, oldest first."""
    from dawna.store.migrate import downgrade, upgrade

    downgrade(db_url, "0013")
    old = Database(db_url)
    try:
        with old.engine.begin() as conn:
            for i, (actor_id, value) in enumerate([(7, "王秀英"), (None, None), (8, "2")]):
                conn.execute(text(
                    "INSERT INTO audit_record (at, actor_id, actor, action, table_name, row_id, "
                    "site_id, field, old_value, new_value, reason) VALUES (:at, :a, 'alice', "
                    "'create', 'site', '1', NULL, :f, NULL, :v, 'before the chain')"),
                    {"at": datetime(2026, 1, 1, 0, 0, i, tzinfo=UTC)
                     if db_url.startswith("postgresql") else f"2026-01-01 00:00:0{i}.000000",
                     "a": actor_id, "f": f"f{i}", "v": value})
    finally:
        old.dispose()
    upgrade(db_url)
    new = Database(db_url)
    try:
        with new.sessions() as s:
            records = list(s.scalars(select(AuditRecord).order_by(AuditRecord.id)))
            assert records[0].prev_hash == GENESIS
            payload = json.dumps([GENESIS, "2026-01-01T00:00:00.000000Z", 7, "alice", "create",
                                  "site", "1", None, "f0", None, "王秀英", "before the chain"],
                                 ensure_ascii=False, separators=(",", ":"))
            assert records[0].hash == hashlib.sha256(payload.encode()).hexdigest()
            assert [r.prev_hash for r in records[1:]] == [r.hash for r in records[:-1]]
            assert head(s).last_id == records[-1].id and head(s).hash == records[-1].hash
        # the chain is whole; the made-up records describe a site that was never written
        assert _problems(new) == ["site 1: row deleted without an audit record"]
        with pytest.raises(DBAPIError), new.engine.begin() as conn:  # the guard is back
            conn.execute(text("UPDATE audit_record SET reason = 'x'"))
    finally:
        new.dispose()


def test_the_chain_head_lock_cannot_deadlock_with_a_row_lock(db: Database) -> None:
    """T1 writes (flushes) an audited change, then waits for a row T2 has locked; T2 then writes
    and commits. Had T1's flush taken the chain head's lock, T2 would wait for T1 and T1 for T2
    (a deadlock, a 500 on PostgreSQL); the head is taken only at commit, so both commit."""
    pid, _ = _trial(db)
    t2_locked, t1_flushed = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def t1() -> None:
        try:
            with UnitOfWork(db, ALICE, "t1") as uow:
                uow.session.add(Site(code="T1", name="t1", city="c"))
                uow.session.flush()
                t1_flushed.set()
                t2_locked.wait(10)
                uow.session.scalars(select(Participant.id).where(Participant.id == pid)
                                    .with_for_update()).one()
                uow.commit()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def t2() -> None:
        try:
            with UnitOfWork(db, ALICE, "t2") as uow:
                uow.session.scalars(select(Participant.id).where(Participant.id == pid)
                                    .with_for_update()).one()
                p = uow.session.get_one(Participant, pid)
                t2_locked.set()
                t1_flushed.wait(10)
                p.screening_number = "S1-S002"
                uow.commit()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    if db.dialect == "sqlite":  # one writer at a time: T2 must lock first, then T1 flushes
        threads = [threading.Thread(target=t2)]
        t1_flushed.set()
    else:
        threads = [threading.Thread(target=t1), threading.Thread(target=t2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert _problems(db) == []


def test_awkward_text_and_times_are_stored_as_they_were_hashed(db: Database) -> None:
    """Quotes, backslashes, line breaks, CJK, an emoji, a time without microseconds given in
    another zone: each record is stored exactly as hashed, so the chain recomputed by hand from
    the stored row holds (PostgreSQL receives the records as one JSON document)."""
    from datetime import timedelta, timezone

    from dawna.store import audit_chain

    zone = timezone(timedelta(hours=8))
    texts = ['say "no"', "back\\slash", "line\nbreak\ttab", "不良事件 3 级", "🙂", "\u2028", ""]
    rows = [{"at": datetime(2026, 3, 1, 10, 30, i, 0 if i % 2 else 7, tzinfo=zone),
             "actor_id": 7, "actor": "alice", "action": "update", "table_name": "site",
             "row_id": str(i), "site_id": None if i % 2 else i, "field": "name",
             "old_value": value, "new_value": None if i == 3 else value[::-1], "reason": value}
            for i, value in enumerate(texts)]
    with db.engine.begin() as conn:
        audit_chain.append(conn, [dict(row) for row in rows])
    with db.sessions() as s:
        stored = list(s.scalars(select(AuditRecord).order_by(AuditRecord.id)))[-len(rows):]
        assert check_chain(s) == []
    prev = stored[0].prev_hash
    for row, record in zip(rows, stored, strict=True):
        assert record.at == row["at"]
        for name in ("actor_id", "row_id", "site_id", "old_value", "new_value", "reason"):
            assert getattr(record, name) == row[name]
        at = row["at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        payload = json.dumps([prev, at, 7, "alice", "update", "site", row["row_id"],
                              row["site_id"], "name", row["old_value"], row["new_value"],
                              row["reason"]], ensure_ascii=False, separators=(",", ":"))
        assert record.prev_hash == prev
        assert record.hash == hashlib.sha256(payload.encode("utf-8")).hexdigest()
        prev = record.hash
    with db.sessions() as s:
        assert s.get(AuditChainHead, 1).hash == prev


def test_records_of_one_commit_take_ids_in_chain_order(db: Database) -> None:
    """Many records appended at once (SQLite: one executemany, the last id read back from the
    connection): each is stored under the id after its predecessor's, in the order chained,
    and the head names the last of them, also when other records came before."""
    from dawna.store import audit_chain

    _trial(db)
    with db.sessions() as s:
        before = s.scalar(select(AuditRecord.id).order_by(AuditRecord.id.desc()).limit(1))
    rows = [{"at": T0, "actor_id": 7, "actor": "alice", "action": "update", "table_name": "site",
             "row_id": str(i), "site_id": 1, "field": "name", "old_value": str(i),
             "new_value": str(i + 1), "reason": "bulk"} for i in range(2500)]
    with db.engine.begin() as conn:
        audit_chain.append(conn, [dict(row) for row in rows])
    with db.sessions() as s:
        stored = list(s.execute(select(AuditRecord.id, AuditRecord.row_id, AuditRecord.prev_hash,
                                       AuditRecord.hash).where(AuditRecord.id > before)
                                .order_by(AuditRecord.id)))
        chain_head = s.get(AuditChainHead, 1)
        assert check_chain(s) == []
    assert [r.row_id for r in stored] == [str(i) for i in range(2500)]
    assert [r.id for r in stored] == list(range(before + 1, before + 2501))
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(stored))
    assert (chain_head.last_id, chain_head.hash) == (stored[-1].id, stored[-1].hash)


def test_an_audit_time_compares_with_the_same_instant_written_by_the_orm(db: Database) -> None:
    """An audit record's time stored by the chain's own insert is the same value, in the same
    storage form, as the ORM writes for another column: ``at >= t`` finds the record written at
    a whole second ``t`` (on SQLite both are text, so a whole second once written without its
    ``.000000`` sorted before the same instant and a query answer found no correction)."""
    from dawna.store import audit_chain

    whole = datetime(2026, 3, 1, 10, 30, 0, tzinfo=UTC)
    rows = [{"at": whole, "actor_id": 7, "actor": "alice", "action": "update",
             "table_name": "site", "row_id": "1", "site_id": None, "field": "name",
             "old_value": "a", "new_value": "b", "reason": "r"}]
    with db.engine.begin() as conn:
        audit_chain.append(conn, [dict(row) for row in rows])
    with db.sessions() as s:
        found = s.scalars(select(AuditRecord.id).where(AuditRecord.at >= whole,
                                                       AuditRecord.row_id == "1")).all()
        head_at = s.scalar(select(AuditChainHead.at).where(AuditChainHead.at >= whole))
    assert len(found) == 1
    assert head_at == whole
    if db.dialect == "sqlite":  # the text itself: the form SQLAlchemy's SQLite DATETIME writes
        with db.engine.connect() as conn:
            raw = conn.exec_driver_sql(
                "SELECT at FROM audit_record WHERE row_id = '1' ORDER BY id DESC").scalar()
        assert raw == "2026-03-01 10:30:00.000000"
