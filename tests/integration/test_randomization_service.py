"""Randomization through the services on SQLite and PostgreSQL: refusals, concealment,
concurrency (200 simultaneous randomizations), verification."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from helpers import SYSTEM, principal
from randomization_data import CHOICES, STRATA, _signed_eligible
from sqlalchemy import select, text

from dawna.config import Settings
from dawna.errors import ConflictError, PermissionDenied, ProtocolViolation, ValidationError
from dawna.services import randomization, randomization_report
from dawna.store.db import Database
from dawna.store.models import (
    Allocation,
    Participant,
    ParticipantStatus,
    SequenceCounter,
    StratumCounter,
)

# ``trial``: tests/conftest.py (the two-site trial, copied from a template; for a test marked
# ``list_live`` with the list generated and taken live as ``_live`` below does, also copied)


def _live(db: Database, settings: Settings, size: int | None = None) -> None:
    randomization.generate(db, settings, SYSTEM, "list for the trial", size)
    randomization.go_live(db, SYSTEM, "go-live approved")


def test_refusals_consume_nothing(trial: Database, settings: Settings) -> None:
    coord = principal(trial, "coord_a")
    [pid] = _signed_eligible(trial, 1)
    with pytest.raises(ProtocolViolation, match="not live"):
        randomization.randomize(trial, settings, coord, pid, STRATA[0], CHOICES)
    _live(trial, settings)
    with pytest.raises(PermissionDenied):
        randomization.randomize(trial, settings, principal(trial, "reader_a"), pid, STRATA[0],
                                CHOICES)
    with pytest.raises(ValidationError) as missing:
        randomization.randomize(trial, settings, coord, pid, {"visceral_metastasis": "yes"},
                                CHOICES)
    assert missing.value.field == "cdk46i_setting"
    with pytest.raises(ValidationError) as no_choice:
        randomization.randomize(trial, settings, coord, pid, STRATA[0],
                                {"endocrine_therapy": "letrozole"})
    assert no_choice.value.field == "chemotherapy"
    assert randomization.status(trial).used == 0
    first = randomization.randomize(trial, settings, coord, pid, STRATA[0], CHOICES)
    assert first.arm in ("A", "B")
    with pytest.raises(ConflictError, match="already randomized"):
        randomization.randomize(trial, settings, coord, pid, STRATA[0], CHOICES)
    assert randomization.status(trial).used == 1


@pytest.mark.list_live  # the list generated and live: copied from its template
def test_unsigned_or_ineligible_participants_are_refused(trial: Database,
                                                         settings: Settings) -> None:
    [pid] = _signed_eligible(trial, 1)
    with trial.sessions() as s, s.begin():
        s.execute(text("delete from eligibility_signature"))
    with pytest.raises(ProtocolViolation, match="no signed eligibility"):
        randomization.randomize(trial, settings, principal(trial, "coord_a"), pid, STRATA[0],
                                CHOICES)
    assert randomization.status(trial).used == 0


def test_list_is_generated_once_and_locked_at_go_live(trial: Database,
                                                      settings: Settings) -> None:
    randomization.generate(trial, settings, SYSTEM, "first")
    with pytest.raises(ConflictError):
        randomization.generate(trial, settings, SYSTEM, "second")
    randomization.go_live(trial, SYSTEM, "approved")
    with pytest.raises(ConflictError):
        randomization.go_live(trial, SYSTEM, "again")


@pytest.mark.list_live  # the list generated and live: copied from its template
def test_no_future_allocation_is_readable_from_the_database(trial: Database,
                                                            settings: Settings) -> None:
    from dawna.rules.randomization import unseal
    from dawna.services.randomization import SEAL_CONTEXT, seal_key

    with trial.engine.connect() as conn:
        sealed = conn.execute(text("select seed_sealed from randomization_list")).scalar_one()
        dump = " ".join(str(row) for table in ("randomization_list", "stratum_counter",
                                               "audit_record")
                        for row in conn.execute(text(f"select * from {table}")))
        columns = {c for (c,) in conn.execute(text(
            "select name from pragma_table_info('stratum_counter')" if trial.dialect == "sqlite"
            else "select column_name from information_schema.columns "
                 "where table_name = 'stratum_counter'"))}
    seed = unseal(sealed, seal_key(settings), SEAL_CONTEXT)
    assert seed.hex() not in dump and seed.hex().upper() not in dump  # never in clear
    assert columns == {"id", "list_id", "stratum", "used", "capacity"}  # no per-slot arms
    with trial.sessions() as s:
        assert s.scalars(select(Allocation)).all() == []


def test_exhausted_stratum_is_refused_and_consumes_nothing(trial: Database,
                                                           settings: Settings) -> None:
    _live(trial, settings, size=2)
    ids = _signed_eligible(trial, 6)
    coord = principal(trial, "coord_a")
    with trial.sessions() as s:  # one block of 2 or 4 covers the 2 positions asked for
        capacity = s.scalars(select(StratumCounter.capacity).where(
            StratumCounter.stratum == "visceral_metastasis=yes|cdk46i_setting=adjuvant")).one()
    assert capacity in (2, 4)
    for pid in ids[:capacity]:
        randomization.randomize(trial, settings, coord, pid, STRATA[0], CHOICES)
    with pytest.raises(ProtocolViolation, match="exhausted"):
        randomization.randomize(trial, settings, coord, ids[capacity], STRATA[0], CHOICES)
    with trial.sessions() as s:
        p = s.scalars(select(Participant).where(Participant.pseudonym == ids[capacity])).one()
        assert p.status is ParticipantStatus.ELIGIBLE


def test_200_concurrent_randomizations_use_each_slot_once_in_order(trial: Database,
                                                                   settings: Settings) -> None:
    _live(trial, settings, size=60)
    ids = _signed_eligible(trial, 200)
    coord = principal(trial, "coord_a")

    def go(i: int) -> str:
        return randomization.randomize(trial, settings, coord, ids[i], STRATA[i % 4], CHOICES).arm

    with ThreadPoolExecutor(max_workers=16) as pool:
        arms = list(pool.map(go, range(200)))
    assert len(arms) == 200
    with trial.sessions() as s:
        made = s.scalars(select(Allocation)).all()
    assert len(made) == 200
    by_stratum: dict[str, list[int]] = {}
    for a in made:
        by_stratum.setdefault(a.stratum, []).append(a.position)
    for positions in by_stratum.values():
        assert sorted(positions) == list(range(1, 51))  # none used twice, none skipped
    report = randomization_report.verify(trial, settings)
    assert report.ok, report.mismatches  # each arm is the list's arm at its position
    assert report.checked == 200
    # permuted blocks of 2 and 4 keep each stratum within 2 of 1:1 at any point
    for positions in by_stratum.values():
        assert len(positions) == 50
    counts = Counter(a.arm for a in made)
    assert abs(counts["A"] - counts["B"]) <= 8


def test_sequence_continues_after_a_refusal_and_without_a_counter_row(
        trial: Database, settings: Settings) -> None:
    _live(trial, settings, size=2)
    ids = _signed_eligible(trial, 4)
    coord = principal(trial, "coord_a")
    randomization.randomize(trial, settings, coord, ids[0], STRATA[0], CHOICES)
    with pytest.raises(ConflictError):  # refused: takes no number
        randomization.randomize(trial, settings, coord, ids[0], STRATA[0], CHOICES)
    randomization.randomize(trial, settings, coord, ids[1], STRATA[1], CHOICES)
    with trial.sessions() as s, s.begin():  # a list whose counter row is missing
        s.execute(SequenceCounter.__table__.delete())
    randomization.randomize(trial, settings, coord, ids[2], STRATA[2], CHOICES)
    randomization.randomize(trial, settings, coord, ids[3], STRATA[3], CHOICES)
    with trial.sessions() as s:
        made = {a.participant_id: a.sequence for a in s.scalars(select(Allocation))}
        by_id = {p.pseudonym: p.id for p in s.scalars(select(Participant))}
        assert s.scalars(select(SequenceCounter.used)).one() == 4
    assert [made[by_id[pid]] for pid in ids] == [1, 2, 3, 4]


@pytest.mark.list_live  # the list generated and live: copied from its template
def test_verification_reports_a_tampered_allocation(trial: Database, settings: Settings) -> None:
    ids = _signed_eligible(trial, 3)
    coord = principal(trial, "coord_a")
    for pid in ids:
        randomization.randomize(trial, settings, coord, pid, STRATA[1], CHOICES)
    with trial.sessions() as s, s.begin():
        a = s.scalars(select(Allocation).order_by(Allocation.id)).first()
        assert a is not None
        flipped = "B" if a.arm == "A" else "A"
        s.execute(text("update allocation set arm = :arm where id = :id"),
                  {"arm": flipped, "id": a.id})
    report = randomization_report.verify(trial, settings)
    assert not report.ok and len(report.mismatches) == 1


@pytest.mark.list_live  # the list generated and live: copied from its template
def test_wrong_server_key_cannot_open_the_seed(trial: Database, settings: Settings) -> None:
    other = settings.model_copy(update={"secret_key": "x" * 40})
    report = randomization_report.verify(trial, other)
    assert not report.ok and "cannot be opened" in report.mismatches[0]


def _with_randomization(**change):  # type: ignore[no-untyped-def]
    from dawna.protocol import bundled_protocol

    protocol = bundled_protocol()
    assert protocol.randomization is not None
    return protocol.model_copy(update={
        "randomization": protocol.randomization.model_copy(update=change)})


@pytest.mark.list_live  # the list generated and live: copied from its template
def test_a_configuration_change_after_go_live_is_refused(trial: Database,
                                                         settings: Settings) -> None:
    [pid] = _signed_eligible(trial, 1)
    changed = _with_randomization(block_sizes=(4, 6))
    with pytest.raises(ProtocolViolation, match="changed after go-live"):
        randomization.randomize(trial, settings, principal(trial, "coord_a"), pid, STRATA[0],
                                CHOICES, protocol=changed)
    assert randomization.status(trial).used == 0


def test_minimization_allocates_in_order_and_verifies(trial: Database,
                                                      settings: Settings) -> None:
    minimization = _with_randomization(method="minimization")
    randomization.generate(trial, settings, SYSTEM, "minimization list", 100,
                           protocol=minimization)
    randomization.go_live(trial, SYSTEM, "live", protocol=minimization)
    ids = _signed_eligible(trial, 24)
    coord = principal(trial, "coord_a")
    arms = [randomization.randomize(trial, settings, coord, pid, STRATA[i % 4], CHOICES,
                                    protocol=minimization).arm for i, pid in enumerate(ids)]
    assert set(arms) <= {"A", "B"}
    with trial.sessions() as s:
        details = [a.detail for a in s.scalars(select(Allocation).order_by(Allocation.sequence))]
    # every decision keeps its imbalance scores and random draw, so it can be replayed
    assert all(set(d) >= {"scores", "u", "preferred", "method"} for d in details)
    report = randomization_report.verify(trial, settings)  # replays all 24 decisions
    assert report.ok and report.checked == 24, report.mismatches
    with trial.sessions() as s:
        positions = sorted(s.scalars(select(Allocation.position)).all())
    assert positions == list(range(1, 25))
