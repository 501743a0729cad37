"""How long a randomization holds the shared locks (``randomization_server.py --lock-timing``).

Loaded in every server process through a ``sitecustomize`` that the benchmark writes next to a
copy of this file: it wraps ``_take_position`` (the stratum counter's row lock, the first shared
lock a randomization takes), ``audit_chain.append`` (the chain head's row lock, taken at commit)
and ``UnitOfWork.commit``, and appends one line per randomization to the file named by
``DAWNA_BENCH_LOCK_TIMING``: the monotonic clock (system-wide on Linux, so comparable between
processes) when the stratum lock was obtained, when the chain head was asked for (waiting for
it included), and when the commit returned. Bench only: neither the application nor the tests
import it.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

_local = threading.local()


def install(path: str) -> None:
    from dawna.services import randomization
    from dawna.store import audit_chain
    from dawna.store.uow import UnitOfWork

    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    take, append, commit = randomization._take_position, audit_chain.append, UnitOfWork.commit

    def timed_take(*args: Any, **kwargs: Any) -> Any:
        try:
            return take(*args, **kwargs)
        finally:  # the lock is held from here (waiting for it is not holding it)
            _local.lock = time.monotonic()

    def timed_append(*args: Any, **kwargs: Any) -> Any:
        _local.head = time.monotonic()
        return append(*args, **kwargs)

    def timed_commit(self: Any) -> None:
        try:
            commit(self)
        finally:
            lock, head = getattr(_local, "lock", None), getattr(_local, "head", None)
            _local.lock = _local.head = None
            if lock is not None and head is not None:
                os.write(fd, f"{lock:.6f} {head:.6f} {time.monotonic():.6f}\n".encode())

    randomization._take_position = timed_take
    audit_chain.append = timed_append
    UnitOfWork.commit = timed_commit


def summary(path: str, started: float | None = None) -> dict[str, Any]:
    """Mean and p95 hold of each lock (ms), and the share of the burst's wall time during which
    some randomization held the stratum/sequence locks (their union over time)."""
    with open(path) as lines:
        rows = sorted(tuple(map(float, line.split())) for line in lines if line.strip())
    if not rows:
        return {}
    holds = sorted(1000 * (end - lock) for lock, _head, end in rows)
    heads = sorted(1000 * (end - head) for _lock, head, end in rows)
    busy, reach = 0.0, float("-inf")
    for lock, _head, end in rows:
        busy += max(0.0, end - max(lock, reach))
        reach = max(reach, end)
    span = rows[-1][2] - (started if started is not None else rows[0][0])
    return {"counter_lock_hold_ms_mean": round(sum(holds) / len(holds), 2),
            "counter_lock_hold_ms_p95": round(holds[int(0.95 * (len(holds) - 1))], 2),
            "chain_head_hold_ms_mean": round(sum(heads) / len(heads), 2),
            "chain_head_hold_ms_p95": round(heads[int(0.95 * (len(heads) - 1))], 2),
            "counter_lock_busy_share": round(busy / span, 2) if span > 0 else None}
