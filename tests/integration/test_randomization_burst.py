"""Randomization under a burst, on SQLite and PostgreSQL (issue 19 item 8): every participant is
allocated once, no slot is used twice, ``allocation.sequence`` runs 1..n per list with no gap or
repeat, and a participant sent twice at the same moment gets one allocation and one 409.

On main the sequence was ``count + 1`` read without a lock (52-75 repeats in 200 allocations on
PostgreSQL) and a duplicate's IntegrityError surfaced from a flush inside the lifecycle step,
outside the handler (a 500).
"""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from helpers import SYSTEM, principal
from randomization_data import CHOICES, STRATA, _signed_eligible
from sqlalchemy import select

from dawna.config import Settings
from dawna.errors import ConflictError
from dawna.services import randomization, randomization_report
from dawna.store.audit_verify import check_chain
from dawna.store.db import Database
from dawna.store.models import Allocation, Site
from dawna.store.uow import UnitOfWork


@pytest.fixture
def live(trial: Database, settings: Settings) -> Database:
    """The two-site trial (tests/conftest.py ``trial``, copied from its template) with a list
    of 60 per stratum generated and live."""
    randomization.generate(trial, settings, SYSTEM, "list for the trial", 60)
    randomization.go_live(trial, SYSTEM, "go-live approved")
    return trial


def _attempt(db: Database, settings: Settings, pid: str, factors: dict[str, str]) -> Any:
    try:
        return randomization.randomize(db, settings, principal(db, "coord_a"), pid, factors,
                                       CHOICES)
    except Exception as exc:  # the test inspects what each request got
        return exc


def test_a_participant_sent_twice_after_both_checks_gets_one_allocation_and_one_409(
        live: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deterministic: both requests pass the "not yet randomized" check before either writes
    (a barrier right after it), and they ask for different strata so they do not queue on
    one stratum's lock: the second's allocation meets the unique participant constraint.
    The participant's row lock, which makes the second request wait before its check, is left
    out here (as a second process skipping it would) so that the constraint, the backstop, is
    what is tested."""
    trial = live
    [pid] = _signed_eligible(trial, 1)
    barrier = threading.Barrier(2)
    checked = randomization.require_signed_eligible
    loaded = randomization.load_visible
    monkeypatch.setattr(randomization, "load_visible",
                        lambda s, who, pseudonym, for_update=False: loaded(s, who, pseudonym))

    def check_then_wait(*args: Any) -> Any:
        out = checked(*args)
        barrier.wait(timeout=20)
        return out

    monkeypatch.setattr(randomization, "require_signed_eligible", check_then_wait)
    # SQLite: as two server processes would (the in-process lock serialises one process only)
    monkeypatch.setattr(randomization, "_SQLITE_WRITER", contextlib.nullcontext())
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda f: _attempt(trial, settings, pid, f),
                                [STRATA[0], STRATA[3]]))
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], ConflictError), results
    assert errors[0].status_code == 409 and errors[0].field == "participant"
    with trial.sessions() as s:
        rows = s.scalars(select(Allocation)).all()
    assert [(a.sequence, a.position) for a in rows] == [(1, 1)]
    assert randomization.status(trial).used == 1  # the loser's position was given back


def test_a_burst_with_duplicates_allocates_each_once_with_sequence_1_to_n(
        live: Database, settings: Settings) -> None:
    trial = live
    ids = _signed_eligible(trial, 48)
    requests = [(pid, STRATA[i % 4]) for i, pid in enumerate(ids)]
    # 12 participants sent a second time, right next to their first request
    for i in range(0, 48, 4):
        requests.insert(requests.index((ids[i], STRATA[i % 4])) + 1, (ids[i], STRATA[i % 4]))
    start = threading.Barrier(12)

    def go(req: tuple[str, dict[str, str]]) -> Any:
        # the first 12 start together; the rest follow in twelves as threads free up
        with contextlib.suppress(threading.BrokenBarrierError):
            start.wait(timeout=5)
        return _attempt(trial, settings, *req)

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(go, requests))
    errors = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(e, ConflictError) and e.status_code == 409 for e in errors), errors
    assert len(errors) == 12
    with trial.sessions() as s:
        made = s.scalars(select(Allocation).order_by(Allocation.sequence)).all()
    assert len(made) == 48 and len({a.participant_id for a in made}) == 48
    assert [a.sequence for a in made] == list(range(1, 49))  # unique and gap-free
    by_stratum: dict[str, list[int]] = {}
    for a in made:
        by_stratum.setdefault(a.stratum, []).append(a.position)
    assert all(sorted(p) == list(range(1, 13)) for p in by_stratum.values())
    report = randomization_report.verify(trial, settings)
    assert report.ok and report.checked == 48, report.mismatches



def test_randomizations_and_other_writes_at_once_all_commit_on_one_chain(
        live: Database, settings: Settings) -> None:
    """Other writers take the audit chain's head at their commit while randomizations hold the
    list's counters (and, on PostgreSQL, the head from the counters on): nobody deadlocks or
    fails, the sequence stays 1..n and the chain verifies."""
    trial = live
    ids = _signed_eligible(trial, 24)
    with trial.sessions() as s:
        site_id = s.scalars(select(Site.id)).first()
    start = threading.Barrier(12)

    def edit(i: int) -> Any:
        try:
            with UnitOfWork(trial, SYSTEM, f"site address corrected ({i})") as uow:
                uow.session.get(Site, site_id).city = f"City {i}"
                uow.commit()
        except Exception as exc:  # the test inspects what each writer got
            return exc
        return None

    def go(job: tuple[str, Any]) -> Any:
        with contextlib.suppress(threading.BrokenBarrierError):
            start.wait(timeout=5)
        kind, arg = job
        return edit(arg) if kind == "edit" else _attempt(trial, settings, arg, STRATA[0])

    jobs = [job for i, pid in enumerate(ids) for job in (("randomize", pid), ("edit", i))]
    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(go, jobs))
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    with trial.sessions() as s:
        made = s.scalars(select(Allocation).order_by(Allocation.sequence)).all()
        assert check_chain(s) == []
    assert [a.sequence for a in made] == list(range(1, 25))


def _at_0015(db_url: str, sequences: list[int]) -> list[int]:
    """A database downgraded to 0015 (the revision before 0016) holding one site, one list and
    three allocations made a minute apart with ``sequences``, written in SQL against the tables
    as they were then (today's models have columns and listeners that came later), each
    allocation's creation chained into the audit trail as the application wrote it; returns
    the allocation ids in randomization order."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import MetaData, Table, create_engine

    from dawna.store import audit_chain
    from dawna.store.db import normalise_url
    from dawna.store.migrate import downgrade

    downgrade(db_url, "0015")
    engine = create_engine(normalise_url(db_url))
    t0 = datetime(2024, 3, 12, 3, tzinfo=UTC)
    meta = MetaData()

    def insert(conn, table_name: str, /, **values):  # type: ignore[no-untyped-def]
        table = Table(table_name, meta, autoload_with=conn)
        for col in table.columns:  # the NOT NULL columns of that time, filled plainly
            if col.name in values or col.primary_key or col.nullable or col.server_default:
                continue
            kind = col.type.python_type
            values[col.name] = {str: "x", int: 0, bool: False, dict: {}, list: []}.get(
                kind, t0)
        return conn.execute(table.insert().values(**values)).inserted_primary_key[0]

    made = []
    with engine.begin() as conn:
        site = insert(conn, "site", code="SITEA", name="Hospital A")
        lst = insert(conn, "randomization_list", method="permuted_blocks", settings={},
                     seed_sealed="x", fingerprint="f" * 64, size_per_stratum=10,
                     created_by="t")
        audit_rows = []
        for i, sequence in enumerate(sequences):
            person = insert(conn, "participant", site_id=site, screening_number=f"S-{i}",
                            pseudonym=f"DF-{i}")
            at = t0 + timedelta(minutes=i)
            made.append(insert(conn, "allocation", list_id=lst, participant_id=person,
                               site_id=site, stratum="all", position=i + 1, sequence=sequence,
                               arm="A", factors={}, regimen={}, detail={}, randomized_at=at,
                               randomized_by="coord"))
            audit_rows.append({"at": at, "actor_id": None, "actor": "coord",
                               "action": "create", "table_name": "allocation",
                               "row_id": str(made[-1]), "site_id": site, "field": "sequence",
                               "old_value": None, "new_value": str(sequence),
                               "reason": "randomized"})
        audit_chain.append(conn, audit_rows, versions=False)  # no data_version before 0026
    engine.dispose()
    return made


def test_migration_0016_renumbers_repeated_sequences_by_time_then_id(db_url: str) -> None:
    """A database holding main's repeated sequence numbers (1, 1, 2 for three allocations made
    in that order) upgrades to 1, 2, 3 in randomization order, ties broken by row id."""
    from sqlalchemy import create_engine, text

    from dawna.store.db import normalise_url
    from dawna.store.migrate import upgrade

    _at_0015(db_url, [1, 1, 2])
    upgrade(db_url)
    engine = create_engine(normalise_url(db_url))
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT position, sequence FROM allocation ORDER BY position"))
        assert [tuple(r) for r in rows] == [(1, 1), (2, 2), (3, 3)]
    engine.dispose()


def test_migration_0016_audits_the_sequences_it_renumbers(db_url: str) -> None:
    """Allocations whose creation is in the audit trail and repeat a sequence number (main's
    count + 1 without a lock: 1, 2, 2) upgrade with the chain intact and each allocation's
    last audit record of ``sequence`` equal to its number: 0016 chains one audit record per
    renumbered allocation (old and new number, a reason naming the migration), and none for
    an allocation whose number stays (what ``dawna audit verify`` compares)."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from dawna.store import audit_verify
    from dawna.store.db import normalise_url
    from dawna.store.migrate import upgrade
    from dawna.store.models import AuditRecord

    made = _at_0015(db_url, [1, 2, 2])
    upgrade(db_url)
    engine = create_engine(normalise_url(db_url))
    with Session(engine) as s:
        assert audit_verify.check_chain(s) == []
        numbers = {a.id: a.sequence for a in s.scalars(select(Allocation))}
        assert [numbers[i] for i in made] == [1, 2, 3]
        records = s.scalars(select(AuditRecord).where(
            AuditRecord.table_name == "allocation", AuditRecord.field == "sequence")
            .order_by(AuditRecord.id)).all()
        last = {r.row_id: r.new_value for r in records}
        assert last == {str(i): str(n) for i, n in numbers.items()}
        renumbered = [r for r in records if r.action == "update"]
        assert [(r.row_id, r.old_value, r.new_value) for r in renumbered] == [
            (str(made[2]), "2", "3")]
        assert "0016" in renumbered[0].reason
