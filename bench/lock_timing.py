"""How long a randomization holds the shared locks (``randomization_server.py --lock-timing``).

Loaded in every server process through a ``sitecustomize`` that the benchmark writes next to a
copy of this file: it wraps ``_take_position`` (the stratum counter's row lock, the first shared
lock a randomization takes), ``audit_chain.append`` (the chain head's row lock, taken at commit)
and ``UnitOfWork.commit``, and appends one line per randomization to the file named by
``DAWNA_BENCH_LOCK_TIMING``: the monotonic clock (system-wide on Linux, so comparable between
processes) when the stratum lock was obtained, when the chain head was asked for (waiting for
it included), when the commit returned, and the worker's pid. Bench only: neither the
application nor the tests import it.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from typing import Any

_local = threading.local()


def install(path: str) -> None:
    try:
        from dawna.services import randomization_counters as counters
    except ImportError:  # before branch rand102: the counters lived in randomization.py
        from dawna.services import randomization

        counters = _Renamed(randomization)
    from dawna.store import audit_chain
    from dawna.store.uow import UnitOfWork

    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    take, append, commit = counters.take_position, audit_chain.append, UnitOfWork.commit
    sequence = counters.next_sequence
    both = getattr(counters, "take_position_and_sequence", None)

    def timed_take(*args: Any, **kwargs: Any) -> Any:
        try:
            return take(*args, **kwargs)
        finally:  # the lock is held from here (waiting for it is not holding it)
            _local.lock = time.monotonic()

    def timed_sequence(*args: Any, **kwargs: Any) -> Any:
        try:
            return sequence(*args, **kwargs)
        finally:  # the list's sequence (one lock for every stratum) is held from here
            _local.sequence = time.monotonic()

    def timed_both(*args: Any, **kwargs: Any) -> Any:
        try:
            return both(*args, **kwargs)
        finally:  # both locks are held from here
            _local.lock = _local.sequence = time.monotonic()

    def timed_append(*args: Any, **kwargs: Any) -> Any:
        _local.head = time.monotonic()
        return append(*args, **kwargs)

    def timed_commit(self: Any) -> None:
        try:
            commit(self)
        finally:
            lock, head = getattr(_local, "lock", None), getattr(_local, "head", None)
            seq = getattr(_local, "sequence", None)
            _local.lock = _local.head = _local.sequence = None
            if lock is not None and head is not None:
                os.write(fd, f"{lock:.6f} {seq or lock:.6f} {head:.6f} {time.monotonic():.6f} "
                             f"{os.getpid()}\n".encode())

    counters.take_position = timed_take
    counters.next_sequence = timed_sequence
    if both is not None:
        counters.take_position_and_sequence = timed_both
    audit_chain.append = timed_append
    UnitOfWork.commit = timed_commit


class _Renamed:
    """The counters of randomization.py (``_take_position``, ``_next_sequence``) by the names of
    randomization_counters.py."""

    def __init__(self, module: Any) -> None:
        object.__setattr__(self, "_module", module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, "_" + name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._module, "_" + name, value)


def summary(path: str, started: float | None = None) -> dict[str, Any]:
    """Mean and p95 hold of each lock (ms), and the share of the burst's wall time during which
    some randomization held the list's sequence (their union over time: the one-at-a-time
    part of the burst)."""
    with open(path) as lines:
        rows = sorted(tuple(map(float, line.split())) for line in lines if line.strip())
    per_worker = sorted(Counter(int(row[4]) for row in rows).values(), reverse=True)
    rows = [row[:4] for row in rows]
    if not rows:
        return {}
    rows.sort(key=lambda row: row[1])

    def ms(values: list[float]) -> tuple[float, float]:
        values = sorted(values)
        return (round(1000 * sum(values) / len(values), 2),
                round(1000 * values[int(0.95 * (len(values) - 1))], 2))

    stratum = ms([end - lock for lock, _seq, _head, end in rows])
    sequence = ms([end - seq for _lock, seq, _head, end in rows])
    head = ms([end - head for _lock, _seq, head, end in rows])
    busy, reach = 0.0, float("-inf")
    for _lock, seq, _head, end in rows:
        busy += max(0.0, end - max(seq, reach))
        reach = max(reach, end)
    span = max(row[3] for row in rows) - (started if started is not None else rows[0][0])
    return {"stratum_lock_held_ms_mean_p95": stratum,
            "sequence_lock_held_ms_mean_p95": sequence,
            "chain_head_wait_and_held_ms_mean_p95": head,
            "sequence_lock_busy_share": round(busy / span, 2) if span > 0 else None,
            "randomizations_per_worker": per_worker}
