"""Issue 20 review fixes in Debian's Chromium (Playwright): at 1366 px no page scrolls sideways
(the audit table, the screening history tables and the menu stay inside the window; a wide table
scrolls inside its own box), in English and Chinese; a refused form names each field by the
label on the page and highlights its input."""

from __future__ import annotations

import pytest
from browser_support import log_in
from e2e.test_browser import live_server  # noqa: F401 - the shared live server

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_layout")]

WIDTH = 1366
_OVERFLOW = """() => {
  const d = document.documentElement, nav = document.querySelector('header nav');
  const out = [...document.querySelectorAll('main *')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.right > d.clientWidth + 1 && !e.closest('.table-scroll');
  }).slice(0, 5).map(e => e.tagName + '.' + e.className);
  return {page: d.scrollWidth - d.clientWidth, nav: nav.scrollWidth - nav.clientWidth, out};
}"""


def _log_in(browser, base: str, user: str, locale: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale=locale, viewport={"width": WIDTH, "height": 800})
    page = context.new_page()
    log_in(page, base, user, "dawna-demo-2026")
    return context, page


def test_no_page_scrolls_sideways_at_1366_px(live_server: str, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    for user, locale in (("monitor", "zh-CN"), ("investigator", "en-US")):
        context, page = _log_in(browser, live_server, user, locale)
        pid = page.request.get(f"{live_server}/api/participants").json()[0]["pseudonym"]
        for path in ("/dashboard", "/audit", "/screening-log", "/participants",
                     f"/participants/{pid}", f"/participants/{pid}/screening",
                     f"/audit?participant={pid}", "/deviations", "/safety"):
            page.goto(f"{live_server}{path}")
            found = page.evaluate(_OVERFLOW)
            assert found == {"page": 0, "nav": 0, "out": []}, (user, locale, path, found)
        context.close()


def test_a_refused_form_names_each_field_by_its_label_and_highlights_it(  # type: ignore[no-untyped-def]
        live_server: str, browser) -> None:  # noqa: F811
    context, page = _log_in(browser, live_server, "coordinator", "zh-CN")
    pid = page.request.get(f"{live_server}/api/participants").json()[0]["pseudonym"]
    page.goto(f"{live_server}/participants/{pid}/pet")
    page.fill("input[name=scan_date]", "2024-02-20")
    for name in ("injected_mbq", "weight_kg", "uptake_min"):  # past the browser's own checks
        page.evaluate(f"document.querySelector('input[name={name}]').removeAttribute('required')")
    page.fill("input[name=injected_mbq]", "0")
    page.click("form[action$='/pet'] button[type=submit]")
    page.wait_for_load_state()
    names = page.locator(".error [data-for]")
    fields = [names.nth(i).get_attribute("data-for") for i in range(names.count())]
    assert fields == ["injected_mbq", "weight_kg", "uptake_min"]
    label = page.evaluate("""() => { const l = document.querySelector(
        'input[name=injected_mbq]').closest('label').cloneNode(true);
        l.querySelectorAll('input').forEach(n => n.remove()); return l.textContent.trim(); }""")
    assert names.first.inner_text() == label and label != "injected mbq"
    for name in fields:
        assert page.get_attribute(f"input[name={name}]", "aria-invalid") == "true"
    context.close()
