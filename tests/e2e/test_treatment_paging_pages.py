"""Issue 20, review fix: the treatment page of a participant with many cycles and laboratory
results stays short (the latest cycles open, earlier ones loaded when their section is opened,
results paged newest first) and the new-result form comes before the results table; in Chromium
the earlier cycles load when their section is opened."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from e2e.test_browser import live_server  # noqa: F401 - the shared live server (demo)
from helpers import SYSTEM
from playwright.sync_api import expect
from sqlalchemy import select
from treatment_data import randomized_to

from dawna.config import Settings
from dawna.services import randomization
from dawna.store.db import Database
from dawna.store.models import LabResult, Participant, TreatmentCycle
from dawna.store.uow import UnitOfWork
from dawna.web.routes.treatment import LABS_PER_PAGE, RECENT_CYCLES

CYCLES, LABS = 51, 418  # the demo participant of the review


@pytest.fixture
def long_course(app_db: Database, settings: Settings) -> str:
    randomization.generate(app_db, settings, SYSTEM, "list for the test")
    randomization.go_live(app_db, SYSTEM, "go live for the test")
    pid = randomized_to(app_db, settings, "A", "letrozole")
    start = date(2024, 3, 14)
    with UnitOfWork(app_db, SYSTEM, "test set-up: a long course") as uow:
        s = uow.session
        p = s.scalars(select(Participant).where(Participant.pseudonym == pid)).one()
        for n in range(1, CYCLES + 1):
            day1 = start + timedelta(days=28 * (n - 1))
            s.add(TreatmentCycle(participant_id=p.id, cycle=n, start_date=day1,
                                 planned_date=day1, doses=[], recorded_by="coord_a"))
        for i in range(LABS):
            s.add(LabResult(participant_id=p.id, sample_date=start + timedelta(days=3 * i),
                            analyte="anc", value=2.0 + i / 1000, unit="10^9/L", lln=1.8,
                            uln=7.5, grade=0, term="Neutrophil count decreased", rule="-",
                            recorded_by="coord_a"))
        uow.commit()
    return pid


def _rows(html: str, testid: str) -> list[str]:
    table = html.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S)


def test_a_long_course_renders_a_bounded_page_with_the_lab_form_first(
        client_for, long_course: str) -> None:  # type: ignore[no-untyped-def]
    coord = client_for("coord_a")
    page = coord.get(f"/participants/{long_course}/treatment")
    assert page.status_code == 200
    html = page.text
    cycles = _rows(html, "cycles")
    assert len(cycles) == RECENT_CYCLES == 4
    assert cycles[0].startswith(f"<td>{CYCLES}</td>")  # the latest cycle first
    assert 'data-testid="older-cycles"' in html and "1 to 47" in html
    labs = _rows(html, "labs")
    assert len(labs) == LABS_PER_PAGE == 30
    newest = date(2024, 3, 14) + timedelta(days=3 * (LABS - 1))
    assert newest.isoformat() in labs[0]
    assert html.index('data-testid="lab-form"') < html.index('data-testid="labs"')
    assert "1 to 30 of 418" in html
    # bounded: far fewer table rows than the 51 + 418 stored
    assert html.count("<tr") < 150

    older = coord.get(f"/participants/{long_course}/treatment/older-cycles")
    rows = re.findall(r"<tr>", older.text)
    assert len(rows) == CYCLES - RECENT_CYCLES and older.text.startswith("<tr><td>47</td>")

    last = -(-LABS // LABS_PER_PAGE)  # 14 pages; the last holds 418 - 13 * 30 = 28
    tail = coord.get(f"/participants/{long_course}/treatment?labs_page={last}")
    assert len(_rows(tail.text, "labs")) == 28 and "391 to 418 of 418" in tail.text
    assert date(2024, 3, 14).isoformat() in _rows(tail.text, "labs")[-1]
    beyond = coord.get(f"/participants/{long_course}/treatment?labs_page=99")
    assert len(_rows(beyond.text, "labs")) == 28  # clamped to the last page


@pytest.mark.browser
def test_earlier_cycles_load_when_their_section_is_opened_in_a_browser(
        live_server: str, page_as) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """In Chromium (HTMX under the site's CSP): opening "Earlier cycles" loads their rows."""
    page = page_as("coordinator", "dawna-demo-2026")
    counts = {p["pseudonym"]: len(page.request.get(
        f"{live_server}/api/participants/{p['pseudonym']}/treatment").json().get("cycles", []))
        for p in page.request.get(f"{live_server}/api/participants").json()
        if p["status"] != "screening"}
    long = max(counts, key=lambda k: counts[k])
    if counts[long] <= RECENT_CYCLES:
        pytest.skip("no demo participant with more cycles than shown open")
    page.goto(f"{live_server}/participants/{long}/treatment")
    older = page.get_by_test_id("older-cycles")
    expect(older.locator("tbody tr")).to_have_count(1)  # "Loading…" until opened
    older.locator("summary").click()
    expect(older.locator("tbody tr")).to_have_count(counts[long] - RECENT_CYCLES)
    expect(older.locator("tbody tr").last.locator("td").first).to_have_text("1")
