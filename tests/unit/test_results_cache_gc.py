"""The results cache pauses the cyclic garbage collector while builds run (``services/
results_cache.py``, issue 23): off during a build, nested builds included, on again (as it was)
when the last one ends, also when a build fails; after the first build the long-lived objects
are frozen out of full collections."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from dawna.services import results_cache


@pytest.fixture(autouse=True)
def _clean() -> Iterator[None]:
    results_cache.clear()
    yield
    results_cache.clear()
    gc.enable()


def test_the_collector_is_off_during_a_build_and_on_after_it() -> None:
    seen: list[bool] = []

    def inner() -> str:
        seen.append(gc.isenabled())
        return "inner"

    def outer() -> str:
        seen.append(gc.isenabled())
        results_cache.cached(("gc-test", "inner"), inner)
        seen.append(gc.isenabled())  # still off: the outer build runs on
        return "outer"

    assert gc.isenabled()
    assert results_cache.cached(("gc-test", "outer"), outer) == "outer"
    assert seen == [False, False, False]
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0  # the heap after the first build, frozen


def test_a_failed_build_turns_the_collector_on_again() -> None:
    def failing() -> str:
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        results_cache.cached(("gc-test", "failing"), failing)
    assert gc.isenabled()


def test_a_collector_turned_off_by_someone_else_stays_off() -> None:
    gc.disable()
    results_cache.cached(("gc-test", "off"), lambda: 1)
    assert not gc.isenabled()
