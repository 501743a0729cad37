"""Issue 18 item 5 in Debian's Chromium (Playwright): an implausible value on the screening form
shows the warning and a confirmation box; ticked, the record is saved."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import serving
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, trial_templates: Any) -> Iterator[str]:
    """The two-site trial (helpers.two_site_trial, from the process's template), served."""
    target = tmp_path_factory.mktemp("browser-plausible") / "browser.sqlite3"
    shutil.copy(trial_templates.get("sqlite", "two_site"), target)
    with serving(target) as base:
        yield base


def test_an_implausible_survival_is_confirmed_on_the_screening_form(live_server: str,
                                                                     page_as) -> None:  # type: ignore[no-untyped-def]
    from helpers import PASSWORD

    page = page_as("coord_a", PASSWORD)
    page.goto(f"{live_server}/participants/new")
    page.fill("input[name=consent_date]", "2024-03-01")
    page.fill("input[name=full_name]", "周燕")
    page.fill("input[name=medical_record_number]", "MRN-501")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/participants/DF-*")
    page.goto(page.url + "/screening")
    # the form's laboratory unit selects always post a unit: their values are filled too
    for name, value, uln in (("anc", "2.1", None), ("platelets", "180", None),
                             ("hemoglobin", "118", None), ("total_bilirubin", "12", "21"),
                             ("alt", "30", "40"), ("ast", "28", "40"),
                             ("creatinine", "70", "97")):
        page.fill(f"input[name='labs.{name}.value']", value)
        if uln:
            page.fill(f"input[name='labs.{name}.uln']", uln)
    page.fill("input[name=expected_survival_months]", "200")
    page.click("text=Save screening record")
    alert = page.locator("div.error[data-field=expected_survival_months]").first
    expect(alert).to_contain_text("implausible")
    page.fill("input[name=expected_survival_months]", "200")
    page.check("input[name=confirm_implausible]")
    page.click("text=Save screening record")
    page.wait_for_url("**/screening?saved=1")
    expect(page.locator("input[name=expected_survival_months]")).to_have_value(
        re.compile(r"^200(\.0)?$"))
