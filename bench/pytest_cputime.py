"""A pytest plugin for measuring the suite on a shared machine: the CPU time (this process and
its children, ``resource.getrusage``) of every set-up, call and tear-down, then the total per
module and the 40 dearest phases, printed after the run. CPU time depends less on the other load
of the machine than the wall time ``--durations`` gives.

    PYTHONPATH=bench .venv/bin/pytest -p pytest_cputime -p no:cacheprovider -q tests/e2e/test_odm.py
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

_rows: list[tuple[float, float, str, str]] = []


def _cpu() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _timed(phase: str) -> Callable[..., Iterator[None]]:
    @pytest.hookimpl(wrapper=True)
    def hook(item: pytest.Item, *args: Any, **kwargs: Any) -> Iterator[None]:
        cpu, wall = _cpu(), time.perf_counter()
        try:
            return (yield)
        finally:
            _rows.append((_cpu() - cpu, time.perf_counter() - wall, phase, item.nodeid))
    return hook


pytest_runtest_setup = _timed("setup")
pytest_runtest_call = _timed("call")
pytest_runtest_teardown = _timed("teardown")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    write = terminalreporter.write_line
    write(f"CPU time of the tests: {sum(r[0] for r in _rows):.1f} s in {len(_rows)} phases")
    modules: dict[str, float] = {}
    for cpu, _wall, _phase, nodeid in _rows:
        module = nodeid.split("::")[0]
        modules[module] = modules.get(module, 0.0) + cpu
    for module, cpu in sorted(modules.items(), key=lambda m: -m[1])[:40]:
        write(f"  {cpu:7.1f} s CPU  {module}")
    for cpu, wall, phase, nodeid in sorted(_rows, reverse=True)[:40]:
        write(f"  {cpu:7.2f} s CPU {wall:7.2f} s wall  {phase:8s} {nodeid}")
