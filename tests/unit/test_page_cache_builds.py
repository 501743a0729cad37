"""One build per entry (``services/page_cache.py``, issue 23 item 4): requests asking for an
entry that another is building wait for it and get the same value; a failed build is not kept,
and one of those waiting then builds it for the others; another entry is never held up."""

from __future__ import annotations

import threading
import time

import pytest

from dawna.services import page_cache

AT = ("test://", "v1", "en", "")


@pytest.fixture(autouse=True)
def empty() -> None:
    page_cache.clear()


def _until(condition, limit: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "the threads never got there"
        time.sleep(0.005)


def test_those_asking_meanwhile_wait_for_the_one_build() -> None:
    release, builds, got = threading.Event(), [], []

    def build() -> object:
        builds.append(threading.get_ident())
        release.wait(30)
        return object()

    def ask() -> None:
        got.append(page_cache.cached("page", AT, build))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    threads[0].start()
    _until(lambda: len(builds) == 1)
    for t in threads[1:]:
        t.start()
    _until(lambda: page_cache.waiting() == 3)
    assert page_cache.cached("another", AT, lambda: "built") == "built"  # not held up
    release.set()
    for t in threads:
        t.join(30)
    assert len(builds) == 1 and len(got) == 4 and all(v is got[0] for v in got)
    assert page_cache.waiting() == 0 and page_cache.size() == 2


def test_a_failed_build_is_not_kept_and_one_of_the_waiting_builds_it() -> None:
    release, calls, got, errors = threading.Event(), [], [], []

    def build() -> str:
        calls.append(1)
        if len(calls) == 1:
            release.wait(30)
            raise RuntimeError("the database went away")
        return "value"

    def ask() -> None:
        try:
            got.append(page_cache.cached("page", AT, build))
        except RuntimeError as exc:
            errors.append(exc)

    first = threading.Thread(target=ask)
    first.start()
    _until(lambda: len(calls) == 1)
    others = [threading.Thread(target=ask) for _ in range(2)]
    for t in others:
        t.start()
    _until(lambda: page_cache.waiting() == 2)
    release.set()
    for t in [first, *others]:
        t.join(30)
    assert len(errors) == 1 and got == ["value", "value"] and len(calls) == 2
    assert page_cache.cached("page", AT, lambda: "later") == "value"
