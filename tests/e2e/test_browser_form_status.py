"""The form status grid in Debian's Chromium at 1366 × 768 (issue 20: no layout overflow at
1366 px): the page does not scroll sideways; the wide grid scrolls inside its container, with
the participant column kept in view; a cell opens the form's page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import chromium, live_server, log_in
from form_status_data import grid_trial
from helpers import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    for url, _db in live_server(tmp_path, sqlite_template, grid_trial):
        yield url


def test_grid_fits_1366_and_scrolls_inside(server: str) -> None:
    with chromium() as browser:
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
