"""The list's counters: a stratum's next position and the list's next sequence number.

Each is one atomic ``UPDATE ... RETURNING`` on a counter row whose row lock is held until the
commit, so concurrent randomizations are serialised on it (PostgreSQL and SQLite alike) and a
rollback returns the number with the lock: positions are never skipped, sequence numbers are
unique and gap-free per list (backed by ``uq_allocation_sequence``). Locks are always taken in
the same order (the stratum's, then the list's), so two randomizations cannot deadlock.
"""

from __future__ import annotations

from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from dawna.errors import ProtocolViolation
from dawna.i18n import _
from dawna.store import audit_chain
from dawna.store.models import Allocation, RandomizationList, SequenceCounter, StratumCounter

_TAKE_POSITION = (update(StratumCounter)  # built once per process, as _TAKE_SEQUENCE
                  .where(StratumCounter.list_id == bindparam("list"),
                         StratumCounter.stratum == bindparam("stratum_key"),
                         StratumCounter.used < StratumCounter.capacity)
                  .values(used=StratumCounter.used + 1).returning(StratumCounter.used)
                  .execution_options(synchronize_session=False))


def take_position(s: Session, list_id: int, stratum: str) -> int:
    """Atomically take the stratum's next position (row lock until commit)."""
    taken = s.execute(_TAKE_POSITION, {"list": list_id, "stratum_key": stratum}
                      ).scalar_one_or_none()
    if taken is None:
        exists = s.scalar(select(func.count()).select_from(StratumCounter).where(
            StratumCounter.list_id == list_id, StratumCounter.stratum == stratum))
        if not exists:
            raise ProtocolViolation(_("stratum {s} is not in the allocation list").format(
                s=stratum), field="factors")
        raise ProtocolViolation(_("the allocation list is exhausted in stratum {s}; the "
                                  "statistician must be contacted").format(s=stratum),
                                field="factors")
    return int(taken)


def next_sequence(s: Session, list_id: int) -> int:
    """The list's next sequence number, unique and gap-free: one atomic ``UPDATE ... RETURNING``
    on the list's counter row (its row lock held until commit, always taken after the stratum's
    so the order of locks is the same for everyone; SQLite already holds its one write lock),
    backed by the ``uq_allocation_sequence`` constraint. A rollback returns the number with the
    lock. A list without a counter row (written by hand) gets one, under the list row's lock,
    starting after its last allocation."""
    taken = s.execute(_TAKE_SEQUENCE, {"list": list_id}).scalar_one_or_none()
    if taken is not None:
        return int(taken)
    s.execute(select(RandomizationList.id).where(RandomizationList.id == list_id)
              .with_for_update()).one()
    last = s.scalar(select(func.max(Allocation.sequence)).where(Allocation.list_id == list_id))
    s.execute(insert(SequenceCounter).values(list_id=list_id, used=int(last or 0) + 1))
    return int(last or 0) + 1


#: PostgreSQL: the stratum's position, the list's sequence and the audit chain's head in one
#: round trip, the locks in that order (the sequence's update reads the position's result, so it
#: runs after it, and only when a position was taken: an exhausted stratum consumes nothing; the
#: head is read, ``FOR UPDATE``, only once both were taken: a list without its counter row takes
#: the slow path below, whose list-row lock must not be waited for holding the head). Every
#: randomization holds the list's sequence until its commit anyway, so taking the head with it
#: serialises nothing more among randomizations, and saves the commit a round trip under both
#: locks (``audit_chain.HELD``); other writers wait for the head while the allocation is written.
#: No deadlock: the head's holder then only inserts the allocation (its participant's row is
#: held, its numbers are taken) and commits; other writers take the head last, at their commit.
_TAKE_ALL = text(
    "WITH pos AS (UPDATE stratum_counter SET used = used + 1 WHERE list_id = :list "
    "AND stratum = :stratum_key AND used < capacity RETURNING used), "
    "seq AS (UPDATE sequence_counter SET used = used + 1 WHERE list_id = :list "
    "AND EXISTS (SELECT 1 FROM pos) RETURNING used), "
    "head AS (SELECT hash FROM audit_chain_head WHERE id = 1 AND EXISTS (SELECT 1 FROM seq) "
    "FOR UPDATE) "
    "SELECT pos.used, seq.used, (SELECT hash FROM head) FROM pos LEFT JOIN seq ON true")


def take_position_and_sequence(s: Session, list_id: int, stratum: str) -> tuple[int, int]:
    """The stratum's next position, then the list's next sequence number (one statement on
    PostgreSQL, with the audit chain's head; :func:`take_position` and :func:`next_sequence`
    elsewhere or when the list has no counter row yet)."""
    if s.get_bind().dialect.name != "postgresql":
        position = take_position(s, list_id, stratum)
        return position, next_sequence(s, list_id)
    row = s.execute(_TAKE_ALL, {"list": list_id, "stratum_key": stratum}).one_or_none()
    if row is None:  # nothing taken: refused below (exhausted, unknown stratum) as before
        position = take_position(s, list_id, stratum)
        return position, next_sequence(s, list_id)
    position, sequence, head = int(row[0]), row[1], row[2]
    if sequence is None:  # a list without its counter row: the slow path, head taken at commit
        return position, next_sequence(s, list_id)
    if head is not None:
        audit_chain.hold_head(s, head)
    return position, int(sequence)


_TAKE_SEQUENCE = (update(SequenceCounter).where(SequenceCounter.list_id == bindparam("list"))
                  .values(used=SequenceCounter.used + 1).returning(SequenceCounter.used)
                  .execution_options(synchronize_session=False))
