"""Issue 21 "Done when", in Debian's Chromium (Playwright): the coordinator fills and saves every
new form through its page, in English and in Simplified Chinese, and sees the saved row; for
each form one bad input is refused with the field named by its label on the page (a stop before
the start, a weight of 5000 kg, QT without RR or rate, a pregnancy test after the dose it should
precede, prophylaxis started without its drug, more returned than dispensed, a missed day
outside the diary); an entry is corrected (with a reason) and one deleted through the page. On
the Chinese page no label, legend, button or column heading of these forms is left in English.

One served trial for the module (two participants on capecitabine, cycle 1 on 2024-03-15, one
per language); every wait is Playwright's auto-waiting ``expect``."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from browser_support import log_in, serving
from helpers import PASSWORD, SYSTEM, principal, two_site_trial
from playwright.sync_api import expect
from treatment_data import randomized_to

from dawna.clock import simulated
from dawna.config import Settings
from dawna.services import randomization, treatment
from dawna.store.db import Database

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_clinical_forms")]

LOCALES = ("en-US", "zh-CN")
#: Codes that stay as they are in Chinese text (laboratory and ECG abbreviations), alone or
#: with their unit in full-width brackets (the Chinese catalogue's "QT（ms）").
CODES = {"HBsAg", "CYP3A", "ATC", "QT", "RR", "QTcF", "HBV DNA"}
UNIT = re.compile(r"（[^）]*）$")
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
           ) -> Iterator[tuple[str, dict[str, str]]]:
    """The served trial and the participant of each language."""
    target = tmp_path_factory.mktemp("forms21") / "forms21.sqlite3"
    shutil.copy(sqlite_template, target)
    db = Database(f"sqlite:///{target}")
    settings = Settings(env="test", database_url=db.url, secret_key="b" * 40)
    two_site_trial(db)
    randomization.generate(db, settings, SYSTEM, "list for the test")
    randomization.go_live(db, SYSTEM, "go live for the test")
    pids = {}
    for n, locale in enumerate(LOCALES):
        pid = randomized_to(db, settings, "B", "capecitabine", mrn=f"MRN-21{n}")
        with simulated(datetime(2024, 3, 14, 4, tzinfo=UTC)):
            treatment.confirm_plan(db, settings, principal(db, "inv_a"), pid,
                                   treatment.PlanIn.model_validate({
                                       "measures": {"height_cm": 160, "weight_kg": 64},
                                       "chosen": {"capecitabine": 1000}}))
        with simulated(datetime(2024, 3, 15, 4, tzinfo=UTC)):
            treatment.record_cycle(db, settings, principal(db, "coord_a"), pid,
                                   treatment.CycleIn(cycle=1, start_date=date(2024, 3, 15)))
        pids[locale] = pid
    db.dispose()
    with serving(target) as base:
        yield base, pids


@pytest.fixture(scope="module")
def live_server(served: tuple[str, dict[str, str]]) -> str:
    return served[0]


@pytest.fixture
def coordinator(browser: Any, live_server: str, locale: str) -> Iterator[Any]:
    """A page of the coordinator whose browser asks for ``locale`` (Accept-Language)."""
    context = browser.new_context(locale=locale, viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    log_in(page, live_server, "coord_a", PASSWORD)
    yield page
    context.close()


def _fill(form: Any, values: dict[str, str]) -> None:
    for name, value in values.items():
        field = form.locator(f"[name={name}]")
        tag = field.evaluate("e => e.tagName + (e.type || '')")
        if tag.startswith("SELECT"):
            field.select_option(value)
        elif tag == "INPUTcheckbox":
            field.set_checked(value == "true")
        else:
            field.fill(value)


def _save(page: Any, testid: str, values: dict[str, str], button: str) -> None:
    form = page.get_by_test_id(testid)
    _fill(form, values)
    form.get_by_test_id(button).click()


def _refused(page: Any, field: str, form_testid: str) -> None:
    """The refusal names ``field`` by the label the form shows for it."""
    error = page.get_by_test_id("form-error")
    expect(error).to_have_attribute("data-field", field)
    label = page.get_by_test_id(form_testid).locator(f"label:has([name={field}])").first
    text = label.evaluate("l => { const c = l.cloneNode(true);"
                          " c.querySelectorAll('select, input, textarea').forEach(n => n.remove());"
                          " return c.textContent.replace(/\\s+/g, ' ').trim(); }")
    assert text, field
    expect(error.locator(f"[data-for={field}]")).to_have_text(text)


def _untranslated(page: Any) -> list[str]:
    """Labels, legends, buttons and column headings of the forms with no Chinese in them."""
    texts = page.locator("main form.crf label, main form.crf legend, main form.crf button, "
                         "main table.grid th").all_inner_texts()
    return [t for t in (" ".join(x.split()) for x in texts)
            if t and not CJK.search(t) and UNIT.sub("", t) not in CODES]


@pytest.mark.parametrize("locale", LOCALES)
def test_the_clinical_forms_saved_refused_corrected_and_deleted(
        served: tuple[str, dict[str, str]], coordinator: Any, locale: str) -> None:
    server, pids = served
    pid, page = pids[locale], coordinator
    url = f"{server}/participants/{pid}/clinical"
    page.goto(url)
    if locale == "zh-CN":
        assert _untranslated(page) == [], _untranslated(page)
    # concomitant medication: saved; a stop before the start refused
    conmed = {"drug": "ondansetron", "dose": "8", "unit": "mg", "route": "oral",
              "frequency": "BID", "indication": "nausea", "start_date": "2024-03-15",
              "ongoing": "true"}
    _save(page, "conmed-form", conmed, "save-conmed")
    expect(page.get_by_test_id("conmeds")).to_contain_text("ondansetron")
    _save(page, "conmed-form", {**conmed, "drug": "metoclopramide", "ongoing": "false",
                                "start_date": "2024-03-20", "stop_date": "2024-03-10"},
          "save-conmed")
    _refused(page, "stop_date", "conmed-form")
    # medical history: saved; a stop before the start refused
    page.goto(url)
    history = {"condition": "hypertension", "code": "I10", "start_date": "2019-05-01"}
    _save(page, "history-form", history, "save-history")
    expect(page.get_by_test_id("history")).to_contain_text("hypertension")
    _save(page, "history-form", {"condition": "diabetes", "start_date": "2020-01-10",
                                 "ongoing": "false", "stop_date": "2019-01-01"}, "save-history")
    _refused(page, "stop_date", "history-form")
    # vital signs: saved; a weight of 5000 kg refused
    page.goto(url)
    vitals = {"measured_on": "2024-03-14", "timepoint": "screening", "height_cm": "160",
              "weight_kg": "64", "systolic_mmhg": "122", "diastolic_mmhg": "78"}
    _save(page, "vitals-form", vitals, "save-vitals")
    expect(page.get_by_test_id("vitals")).to_contain_text("122/78")
    _save(page, "vitals-form", {**vitals, "weight_kg": "5000"}, "save-vitals")
    _refused(page, "weight_kg", "vitals-form")
    # ECG: saved (QT 400 ms, RR 1000 ms: QTcF 400); QT without RR or rate refused
    page.goto(url)
    ecg = {"recorded_on": "2024-03-14", "timepoint": "screening", "qt_ms": "400",
           "rr_ms": "1000"}
    _save(page, "ecg-form", ecg, "save-ecg")
    expect(page.get_by_test_id("qtcf")).to_have_text("400")
    _save(page, "ecg-form", {**ecg, "rr_ms": ""}, "save-ecg")
    _refused(page, "rr_ms", "ecg-form")
    # a correction with its reason: the weight was 62 kg
    page.goto(url)
    page.get_by_test_id("vitals").locator("[data-testid^=edit-vitals-]").click()
    form = page.get_by_test_id("vitals-form")
    expect(form.locator("[name=weight_kg]")).to_have_value("64")
    form.locator("[name=weight_kg]").fill("62")
    form.get_by_test_id("correction-reason").fill("scale read wrongly")
    form.get_by_test_id("save-correction").click()
    expect(page.get_by_test_id("vitals").locator("tbody tr").first).to_contain_text("62")
    expect(page.get_by_test_id("vitals")).not_to_contain_text("64")
    # a deletion with its reason: the medication was entered for the wrong participant
    page.get_by_test_id("conmeds").locator("[data-testid^=edit-conmeds-]").click()
    page.get_by_test_id("delete-reason").fill("entered for the wrong participant")
    page.get_by_test_id("delete-entry").click()
    expect(page.get_by_test_id("conmeds")).not_to_contain_text("ondansetron")
    if locale == "zh-CN":  # the correction and deletion forms too
        page.get_by_test_id("history").locator("[data-testid^=edit-history-]").click()
        expect(page.get_by_test_id("delete-form")).to_be_visible()
        assert _untranslated(page) == [], _untranslated(page)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_pretreatment_and_oral_drug_forms_saved_and_refused(
        served: tuple[str, dict[str, str]], coordinator: Any, locale: str) -> None:
    server, pids = served
    pid, page = pids[locale], coordinator
    url = f"{server}/participants/{pid}/drugs"
    page.goto(url)
    if locale == "zh-CN":
        assert _untranslated(page) == [], _untranslated(page)
    # pregnancy test before treatment: saved; one dated after the first dose refused
    test = {"test_date": "2024-03-13", "purpose": "treatment", "method": "serum",
            "result": "negative", "contraception": "intrauterine device"}
    _save(page, "pregnancy-form", test, "save-pregnancy")
    expect(page.get_by_test_id("pregnancy-tests")).to_contain_text("intrauterine device")
    _save(page, "pregnancy-form", {**test, "test_date": "2024-03-16"}, "save-pregnancy")
    _refused(page, "test_date", "pregnancy-form")
    # hepatitis B: saved; prophylaxis started without its drug refused
    page.goto(url)
    hbv = {"sample_date": "2024-03-10", "hbsag_positive": "false",
           "anti_hbc_positive": "true", "hbv_dna_iu_ml": "0"}
    _save(page, "hbv-form", hbv, "save-hbv")
    expect(page.get_by_test_id("hbv-results")).to_contain_text("2024-03-10")
    _save(page, "hbv-form", {**hbv, "prophylaxis_start": "2024-03-12"}, "save-hbv")
    _refused(page, "prophylaxis_drug", "hbv-form")
    # dispensing: 2 bottles of 56 capecitabine 500 mg tablets, 6 a day for 14 days
    page.goto(url)
    _save(page, "dispense-form", {
        "cycle": "1", "drug": "capecitabine", "dispensed_on": "2024-03-15",
        "lot_number": "CP2403A", "expiry_date": "2025-12-31", "bottles": "2",
        "units_dispensed": "112", "unit_strength_mg": "500", "units_per_day": "6",
        "prescribed_days": "14"}, "save-dispense")
    expect(page.get_by_test_id("dispensings")).to_contain_text("CP2403A")
    # a return of more than was dispensed is refused; 28 back: (112 - 28) / 84 = 100 %
    back = {"returned_on": "2024-03-29", "units_returned": "113", "units_lost": "0"}
    _fill(page.get_by_test_id("return-form"), back)
    page.get_by_test_id("return-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("form-error")).to_have_attribute("data-field", "units_returned")
    page.goto(url)
    _fill(page.get_by_test_id("return-form"), {**back, "units_returned": "28"})
    page.get_by_test_id("return-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("compliance")).to_have_text("100.0%")
    # the diary: a missed day outside the 14 dosing days refused; days 3 and 7 missed saved
    diary = {"cycle": "1", "drug": "capecitabine", "first_day": "2024-03-15",
             "last_day": "2024-03-28", "missed": "15"}
    _save(page, "diary-form", diary, "save-diary")
    _refused(page, "missed", "diary-form")
    page.goto(url)
    _save(page, "diary-form", {**diary, "missed": "3, 7"}, "save-diary")
    expect(page.get_by_test_id("diaries")).to_contain_text("3, 7")
    expect(page.get_by_test_id("dispensings")).to_contain_text("12 / 2")
    if locale == "zh-CN":
        assert _untranslated(page) == [], _untranslated(page)
