"""The form status grid in Debian's Chromium at 1366 × 768 (issue 20: no layout overflow at
1366 px): the page does not scroll sideways; the wide grid scrolls inside its container, with
the participant column kept in view; a cell opens the form's page."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from form_status_data import grid_trial
from helpers import PASSWORD

from dawna.config import Settings
from dawna.store.db import Database
from dawna.web.app import create_app

CHROMIUM = os.environ.get("DAWNA_CHROMIUM", "/usr/bin/chromium")
pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    target = tmp_path / "grid.sqlite3"
    shutil.copy(sqlite_template, target)
    settings = Settings(env="test", database_url=f"sqlite:///{target}", secret_key="b" * 40)
    db = Database(settings.database_url)
    grid_trial(db)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    srv = uvicorn.Server(uvicorn.Config(create_app(settings, db), host="127.0.0.1", port=port,
                                        log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "server did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)
    db.dispose()


def test_grid_fits_1366_and_scrolls_inside(server: str) -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{CHROMIUM} missing under CI=true")
        pytest.skip(f"{CHROMIUM} not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])
        for locale in ("en-US", "zh-CN"):
            page = browser.new_context(locale=locale,
                                       viewport={"width": 1366, "height": 768}).new_page()
            page.goto(f"{server}/login")
            page.fill("input[name=username]", "stat_ab")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]:not(.link)")
            page.wait_for_load_state()
            page.goto(f"{server}/forms")
            widths = page.evaluate("""() => {
                const box = document.querySelector('[data-testid=form-grid-scroll]');
                return {page: document.documentElement.scrollWidth,
                        view: document.documentElement.clientWidth,
                        inner: box.scrollWidth, box: box.clientWidth,
                        overflow: getComputedStyle(box).overflowX};
            }""")
            assert widths["page"] <= widths["view"], widths
            assert widths["inner"] > widths["box"] and widths["overflow"] == "auto", widths
            page.click('tr[data-participant="F003"] [data-cell="screening/pet_study"] a')
            page.wait_for_url("**/participants/F003/pet")
            page.context.close()
        browser.close()
