"""Two requests at the same moment, made deterministic without sleeps (issue 19 item 7; shared
by the concurrency tests): ``flush_barrier(n)`` holds each of n threads at its session's first
flush until all have read, so their writes race; ``race`` runs the calls in threads at once."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from dawna.clock import simulated

NOW = datetime(2024, 9, 1, 4, tzinfo=UTC)


@pytest.fixture
def flush_barrier() -> Iterator[Callable[[int], None]]:
    """``arm(n)``: the next first flush of each of n threads waits for the other threads."""
    state: dict[str, Any] = {"barrier": None}
    seen = threading.local()

    def before_flush(session: Session, *_: Any) -> None:
        barrier = state["barrier"]
        if barrier is None or getattr(seen, "done", False):
            return
        seen.done = True
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=20)  # a safety net only: both threads always get here

    def arm(n: int) -> None:
        state["barrier"] = threading.Barrier(n)

    event.listen(Session, "before_flush", before_flush)
    yield arm
    event.remove(Session, "before_flush", before_flush)


def race(*calls: Callable[[], Any], at: datetime = NOW) -> list[Any]:
    """Run the calls in threads at once; each result is its return value or its exception."""
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            with simulated(at):
                results[i] = calls[i]()
        except Exception as exc:  # the test inspects what each request got
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results
