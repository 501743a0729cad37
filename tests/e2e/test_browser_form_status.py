"""The form status grid in Debian's Chromium at 1366 × 768 (issue 20: no layout overflow at
1366 px): the page does not scroll sideways; the wide grid scrolls inside its container, with
the participant column kept in view; a cell opens the form's page."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import log_in, serving
from form_status_data import grid_trial
from helpers import PASSWORD

from dawna.store.db import Database

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
                ) -> Iterator[str]:
    target = tmp_path_factory.mktemp("grid") / "grid.sqlite3"
    shutil.copy(sqlite_template, target)
    db = Database(f"sqlite:///{target}")
    grid_trial(db)
    db.dispose()
    with serving(target) as base:
        yield base


def test_grid_fits_1366_and_scrolls_inside(live_server: str, browser: Any) -> None:
    server = live_server
    for locale in ("en-US", "zh-CN"):
        page = browser.new_context(locale=locale,
                                   viewport={"width": 1366, "height": 768}).new_page()
        log_in(page, server, "stat_ab", PASSWORD)
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
