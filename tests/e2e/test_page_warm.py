"""The participants' page data built at a worker's start (issue 23 item 4,
``services/page_warm.py``): after the warm-up, a participant's page and treatment page build
only their rendering (the data entries are the warm-up's, under the keys the routes use), and
they equal the pages a fresh build gives; a write after the warm-up shows on the next request;
what depends on the user (may edit) is the user's own, not the warm-up's; every language is
built, the site's default first; a warm-up that fails leaves the worker serving."""

from __future__ import annotations

import logging
from datetime import date
from types import SimpleNamespace

import pytest
from helpers import principal
from treatment_data import on_letrozole

from dawna.config import Settings
from dawna.services import follow_up, page_cache, page_warm, safety, treatment
from dawna.store.db import Database
from dawna.web.app import warm_pages


@pytest.fixture
def pid(app_db: Database, settings: Settings) -> str:
    page_cache.clear()
    pseudonym = on_letrozole(app_db, settings)
    yield pseudonym
    page_cache.clear()


def test_every_language_the_default_first(settings: Settings) -> None:
    assert page_warm.languages(settings) == ("zh_CN", "en")  # the default: zh_CN
    assert page_warm.languages(settings.model_copy(update={"default_locale": "en"})) == (
        "en", "zh_CN")


def test_after_the_warm_up_the_pages_build_only_their_rendering(
        client_for, app_db: Database, settings: Settings, pid: str) -> None:  # type: ignore[no-untyped-def]
    urls = (f"/participants/{pid}", f"/participants/{pid}/treatment")
    clients = {"en": client_for("coord_a"), "zh_CN": client_for("coord_a", "zh-CN")}
    fresh = {}
    for language, client in clients.items():
        for url in urls:
            page_cache.clear()
            before = page_cache.size()
            answer = client.get(url)
            assert answer.status_code == 200, url
            # the reference: without the warm-up, the data and the page are built
            assert page_cache.size() - before > 1, url
            fresh[language, url] = answer.text
    page_cache.clear()
    warmed = page_warm.warm(app_db, settings)
    assert warmed.participants == 1 and warmed.languages == ("zh_CN", "en")
    assert warmed.built == 2 * 4  # view, results, adverse events, course; in each language
    for language, client in clients.items():
        for url in urls:
            before = page_cache.size()
            answer = client.get(url)
            assert answer.status_code == 200, url
            assert page_cache.size() == before + 1, (language, url)  # the rendered page only
            assert answer.text == fresh[language, url], (language, url)


def test_a_write_after_the_warm_up_shows_and_the_user_is_their_own(
        app_db: Database, settings: Settings, pid: str) -> None:
    db = app_db
    coord, monitor = principal(db, "coord_a"), principal(db, "monitor_a")
    page_cache.clear()
    page_warm.warm(db, settings, ("en",))
    at = page_cache.version(db, settings, pid)  # as the participant page reads it
    assert follow_up.course(db, coord, pid, at).can_edit is True  # not the warm-up's False
    assert follow_up.course(db, monitor, pid, at).can_edit is False
    first = treatment.treatment_page(db, settings, coord, pid)
    safety.record_lab(db, settings, coord, pid, safety.LabIn(
        analyte="neutrophils", value=0.4, unit="10^9/L", lln=2.0, uln=7.5,
        sample_date=date(2024, 8, 31), confirm_implausible=True))
    after = treatment.treatment_page(db, settings, coord, pid)
    assert len(after.labs) == len(first.labs) + 1 and after.labs[-1].value == 0.4


def test_a_failed_warm_up_is_logged_and_the_worker_goes_on(
        settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    unreachable = Database("postgresql+psycopg://nobody@127.0.0.1:1/none")
    app = SimpleNamespace(state=SimpleNamespace(db=unreachable, settings=settings))
    try:
        with caplog.at_level(logging.ERROR, logger="uvicorn.error"):
            warm_pages(app)  # type: ignore[arg-type]
    finally:
        unreachable.dispose()
    assert "page data not built at start" in caplog.text
