"""A walk through the site in Debian's Chromium (Playwright): log in, study page, participant."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import serving
from helpers import DEMO_AS_OF
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("demo")]
DEMO_PASSWORD = "dawna-demo-2026"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Iterator[str]:
    """One served copy of the demo trial (scaled to 32 participants) for the module's tests:
    they read it, and the one that writes (a tumour follow-up) adds to a participant no other
    test counts on."""
    target = tmp_path_factory.mktemp("browser") / "browser.sqlite3"
    shutil.copy(demo_template, target)
    with serving(target) as base:
        yield base


def test_log_in_open_the_study_page_and_a_participant(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server}/participants")
    assert "/login" in page.url
    page.fill("input[name=username]", "coordinator")
    page.fill("input[name=password]", "dawna-demo-2026")
    page.click("button[type=submit]:not(.link)")
    page.wait_for_url("**/participants")
    assert page.get_by_test_id("current-user").inner_text().startswith("王协调员")

    page.click("a[href='/study']")
    assert "Dalpiciclib With Endocrine Therapy" in page.get_by_test_id("study-title").inner_text()
    assert "Results pending" in page.get_by_test_id("results-status").inner_text()

    page.click("nav a[href='/participants']")
    rows = page.locator("#rows tr")
    assert rows.count() == 24  # the demo's PUMCH participants; SIM2's are not shown
    # HTMX live search narrows the list without a page load
    page.fill("input[name=q]", "PUMCH-S002")
    expect(rows).to_have_count(1)
    page.click("#rows a")
    page.wait_for_url("**/participants/DF-*")
    heading = page.get_by_test_id("participant-heading").inner_text()
    assert heading.startswith("Participant DF-")
    assert "PUMCH-S002" in page.content()
    assert errors == []  # no CSP violations or script errors


def test_screening_checklist_follows_the_form_as_it_is_filled(live_server: str, page_as) -> None:  # type: ignore[no-untyped-def]
    page = page_as("investigator", DEMO_PASSWORD)
    page.goto(f"{live_server}/screening-log")
    page.locator("table.grid tbody tr a").first.click()
    page.wait_for_url("**/screening")
    in3 = page.locator("#checklist tr[data-criterion=IN3]")
    page.select_option("select[name=ecog]", "3")  # HTMX posts the form; nothing is saved
    expect(in3).to_have_attribute("data-status", "not_met")
    expect(page.get_by_test_id("eligibility-outcome")).to_contain_text("Not eligible")
    page.select_option("select[name=ecog]", "1")
    expect(in3).to_have_attribute("data-status", "met")


def test_tumour_follow_up_shows_its_response_live_and_the_spider_plot_loads(  # type: ignore[no-untyped-def]
        live_server: str, page_as) -> None:
    page = page_as("reader", DEMO_PASSWORD)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    followed = None
    for p in page.request.get(f"{live_server}/api/participants").json():
        if p["status"] == "end_of_study":  # no record after the end of study (issue 18 item 7)
            continue
        data = page.request.get(f"{live_server}/api/participants/{p['pseudonym']}/tumour").json()
        if data["result"] and data["result"]["timepoints"]:
            followed = data
            break
    assert followed is not None, "the demo gives PUMCH participants tumour assessments"
    pid = followed["pseudonym"]
    page.goto(f"{live_server}/participants/{pid}/tumour")
    rows = page.locator("[data-testid=response-history] tbody tr")
    expect(rows).to_have_count(len(followed["assessments"]))
    plot = page.get_by_test_id("spider-plot")
    expect(plot).to_be_visible()
    page.wait_for_function("document.querySelector('[data-testid=spider-plot]').complete")
    assert page.evaluate("document.querySelector('[data-testid=spider-plot]').naturalWidth") > 0

    page.get_by_test_id("add-follow-up").click()
    page.wait_for_url("**/tumour/follow-up")
    page.fill("input[name=date]", DEMO_AS_OF.isoformat())  # the demo's today (helpers)
    for lesion in followed["baseline"]["lesions"]:
        if lesion["target"]:
            page.fill(f"input[name='target.{lesion['id']}']", "0")
        else:
            page.select_option(f"select[name='non_target.{lesion['id']}']", "absent")
    # every non-nodal target gone, nodes 0 mm, non-targets absent: CR, shown before saving
    expect(page.locator("#timepoint .outcome")).to_have_attribute("data-overall", "CR")
    page.get_by_test_id("save-follow-up").click()
    page.wait_for_url("**/tumour?saved=1")
    expect(rows).to_have_count(len(followed["assessments"]) + 1)
    expect(rows.last).to_have_attribute("data-overall", "CR")
    assert errors == []


def test_lab_result_is_graded_live_and_the_results_page_draws(live_server: str, page_as) -> None:  # type: ignore[no-untyped-def]
    page = page_as("coordinator", DEMO_PASSWORD)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    treated = next(p["pseudonym"] for p in page.request.get(
        f"{live_server}/api/participants").json() if p["status"] in (
        "on_treatment", "end_of_treatment", "follow_up", "end_of_study")
        and page.request.get(f"{live_server}/api/participants/{p['pseudonym']}/treatment")
        .json()["cycles"])
    page.goto(f"{live_server}/participants/{treated}/treatment")
    expect(page.get_by_test_id("cycles").locator("tbody tr").first).to_be_visible()
    # 700 /mm³ = 0.7 ×10⁹/L: grade 3 (< 1.0 - 0.5, CTCAE v5.0), shown before saving
    form = page.get_by_test_id("lab-form")
    form.locator("select[name=analyte]").select_option("anc")
    form.locator("input[name=unit]").fill("/mm3")
    form.locator("input[name=lln]").fill("1800")
    form.locator("input[name=value]").fill("700")
    form.locator("input[name=value]").press("Tab")  # the change event posts the form (HTMX)
    expect(page.get_by_test_id("lab-grade")).to_contain_text("grade 3")
    page.goto(f"{live_server}/results")  # a cold build is loaded by HTMX behind a placeholder
    expect(page.get_by_test_id("km-pfs").locator("img")).to_be_visible(timeout=120_000)
    for figure in ("km-pfs", "consort", "forest"):
        image = page.get_by_test_id(figure).locator("img")
        expect(image).to_be_visible()
        assert image.evaluate("i => i.complete && i.naturalWidth > 0")
    assert errors == []


# -- issue 17 item 11: the AE form's CTCAE term picker (HTMX under the site's CSP) --------------
def test_typing_chinese_nausea_finds_and_picks_nausea(live_server: str, page_as) -> None:  # type: ignore[no-untyped-def]
    page = page_as("coordinator", DEMO_PASSWORD)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    treated = next(p["pseudonym"] for p in page.request.get(
        f"{live_server}/api/participants").json() if p["status"] in (
        "on_treatment", "end_of_treatment", "follow_up", "end_of_study"))
    page.goto(f"{live_server}/participants/{treated}/adverse-events/new")
    expect(page.get_by_test_id("expectedness")).to_be_visible()
    page.get_by_test_id("term-input").press_sequentially("恶心")
    choice = page.get_by_test_id("term-choice").first
    expect(choice).to_have_text("Nausea · 恶心")
    choice.click()
    expect(page.get_by_test_id("term-input")).to_have_value("Nausea")
    expect(page.get_by_test_id("term-grades")).to_contain_text("Nausea · 恶心")
    assert errors == []
