"""pytest plugin: how a pytest-xdist run's work fell on its workers (issue 23 item 6).

    PYTHONPATH=.:bench CI=true .venv/bin/pytest -n 2 --dist loadgroup --no-loadscope-reorder \
        -p xdist_balance -p no:cacheprovider -q

At the end, per worker: the tests it ran, the seconds its tests' set-up, call and tear-down
took (wall; a set-up waiting for the demo counts), and when its last test reported, counted
from the start of the session, so that workers finishing apart show as such.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from typing import Any

_START = time.monotonic()
_busy: defaultdict[str, float] = defaultdict(float)
_tests: Counter[str] = Counter()
_last: dict[str, float] = {}


def pytest_sessionstart(session: Any) -> None:
    global _START
    _START = time.monotonic()


def pytest_runtest_logreport(report: Any) -> None:
    worker = getattr(getattr(getattr(report, "node", None), "gateway", None), "id", "main")
    _busy[worker] += report.duration
    _last[worker] = time.monotonic() - _START
    if report.when == "call" or (report.when == "setup" and not report.passed):
        _tests[worker] += 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    terminalreporter.write_sep("-", "work per worker")
    for worker in sorted(_busy):
        terminalreporter.write_line(
            f"{worker}: {_tests[worker]} tests, {_busy[worker]:.0f} s of set-up, call and "
            f"tear-down, last report at {_last[worker]:.0f} s")
