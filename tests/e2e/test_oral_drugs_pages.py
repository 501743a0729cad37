"""Pre-treatment tests and oral drug accountability through the web page (English and
Chinese) and the JSON API (issue 21 items 5-7): a positive pregnancy test blocks cycle 1 with
a clear refusal; bottles dispensed and returned give compliance 18 / 21 = 85.7 %; more returned
than dispensed is refused naming units_returned; the diary's two missed days give an RDI of
19 / 21 = 90.5 %."""

from __future__ import annotations

import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from cli_runner import invoke
from helpers import SYSTEM, csrf_of, principal
from screening_data import premenopausal_record
from treatment_data import randomized_to

from dawna.clock import simulated
from dawna.config import Settings
from dawna.services import randomization, treatment
from dawna.store.db import Database

CHOICES = {"endocrine_therapy": "letrozole", "chemotherapy": "capecitabine",
           "ovarian_function_suppression": "goserelin"}


@pytest.fixture
def pid(app_db: Database, settings: Settings) -> str:
    randomization.generate(app_db, settings, SYSTEM, "list for the test")
    randomization.go_live(app_db, SYSTEM, "go live for the test")
    pid = randomized_to(app_db, settings, "A", "letrozole", record=premenopausal_record(),
                        choices=CHOICES)
    with simulated(datetime(2024, 3, 14, 4, tzinfo=UTC)):
        treatment.confirm_plan(app_db, settings, principal(app_db, "inv_a"), pid,
                               treatment.PlanIn.model_validate(
                                   {"variants": {"ovarian_function_suppression": "goserelin"}}))
    return pid


def _post(client, url: str, data: dict[str, str], page: str):  # type: ignore[no-untyped-def]
    return client.post(url, data={**data, "csrf_token": csrf_of(client.get(page).text)},
                       follow_redirects=False)


def test_pregnancy_block_dispensing_diary_in_both_languages(client_for,  # type: ignore[no-untyped-def]
                                                            pid: str) -> None:
    coord = client_for("coord_a")
    page = f"/participants/{pid}/drugs"
    treat = f"/participants/{pid}/treatment"
    assert 'data-testid="pregnancy-warning"' in coord.get(page).text
    assert _post(coord, f"{page}/pregnancy", {
        "test_date": "2024-03-13", "purpose": "treatment", "method": "serum",
        "result": "positive", "contraception": "intrauterine device"}, page).status_code == 303
    blocked = _post(coord, f"{treat}/cycles", {"cycle": "1", "start_date": "2024-03-15"}, treat)
    assert blocked.status_code == 409 and 'data-field="pregnancy_test"' in blocked.text
    assert "positive pregnancy test on 2024-03-13" in blocked.text
    assert _post(coord, f"{page}/pregnancy", {
        "test_date": "2024-03-14", "purpose": "treatment", "method": "urine",
        "result": "negative", "contraception": "intrauterine device"}, page).status_code == 303
    assert _post(coord, f"{treat}/cycles", {"cycle": "1", "start_date": "2024-03-15"},
                 treat).status_code == 303
    late = _post(coord, f"{page}/pregnancy", {
        "test_date": "2024-03-16", "purpose": "treatment", "method": "urine",
        "result": "negative", "contraception": "intrauterine device"}, page)
    assert late.status_code == 422 and 'data-field="test_date"' in late.text
    assert _post(coord, f"{page}/dispense", {
        "cycle": "1", "drug": "dalpiciclib", "dispensed_on": "2024-03-15",
        "lot_number": "DL2403A", "expiry_date": "2025-12-31", "bottles": "1",
        "units_dispensed": "21", "unit_strength_mg": "125", "units_per_day": "1",
        "prescribed_days": "21"}, page).status_code == 303
    api = coord.get(f"/api/participants/{pid}/dispensing").json()
    (row,) = api["dispensings"]
    ret = f"{page}/dispense/{row['id']}/return"
    refused = _post(coord, ret, {"returned_on": "2024-04-12", "units_returned": "22",
                                 "units_lost": "0", "version": str(row["version"])}, page)
    assert refused.status_code == 422 and 'data-field="units_returned"' in refused.text
    assert coord.get(f"/api/participants/{pid}/dispensing").json()[
        "dispensings"][0]["units_returned"] is None
    assert _post(coord, ret, {"returned_on": "2024-04-12", "units_returned": "3",
                              "units_lost": "0", "version": str(row["version"])},
                 page).status_code == 303
    assert _post(coord, f"{page}/diary", {"cycle": "1", "drug": "dalpiciclib",
                                          "first_day": "2024-03-15", "last_day": "2024-04-04",
                                          "missed": "3, 7"}, page).status_code == 303
    shown = coord.get(page).text
    assert "85.7%" in shown and "90.5%" in shown and "DL2403A" in shown
    api = coord.get(f"/api/participants/{pid}/dispensing").json()
    assert api["intensities"][0]["relative_dose_intensity"] == 0.9048
    zh = client_for("coord_a", "zh-CN")
    text = zh.get(page).text
    assert "妊娠试验" in text and "口服药物发放" in text and "相对剂量强度" in text
    bad = _post(zh, f"{page}/dispense", {
        "cycle": "1", "drug": "goserelin", "dispensed_on": "2024-03-15", "lot_number": "X",
        "expiry_date": "2025-12-31", "bottles": "1", "units_dispensed": "21",
        "unit_strength_mg": "125", "units_per_day": "1", "prescribed_days": "21"}, page)
    assert bad.status_code == 422 and 'data-field="drug"' in bad.text
    # the trial report shows the relative dose intensity by arm: dalpiciclib 90.5 %
    report = client_for("stat_ab").get("/results/report.html?cutoff=2024-04-12").text
    assert 'data-testid="exposure"' in report and "90.5 (90.5–90.5), n = 1" in report


def test_api_pretreatment_and_hbv(client_for, pid: str) -> None:  # type: ignore[no-untyped-def]
    coord = client_for("coord_a")
    token = csrf_of(coord.get(f"/participants/{pid}/drugs").text)
    answer = coord.post(f"/api/participants/{pid}/hbv-screenings", headers={
        "x-csrf-token": token}, json={"sample_date": "2024-03-13", "hbsag_positive": True,
                                      "anti_hbc_positive": True, "hbv_dna_iu_ml": 2000})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["hbv"][0]["hbsag_positive"] and "HBsAg positive" in body["hbv_advice"]
    late = coord.post(f"/api/participants/{pid}/pregnancy-tests", headers={
        "x-csrf-token": token}, json={"test_date": "2999-01-01", "purpose": "fes_scan",
                                      "method": "serum", "result": "negative",
                                      "contraception": "condom"})
    assert late.status_code == 422 and late.json()["field"] == "test_date"


def test_cli_pregnancy_dispense_return_diary(app_db: Database, pid: str) -> None:
    db_file = Path(app_db.engine.url.database or "")
    env = {"DAWNA_DATABASE_URL": f"sqlite:///{db_file}", "DAWNA_ENV": "test", "LANG": "C.UTF-8"}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return invoke(["treatment", args[0], pid, "--as", "coord_a", *args[1:]], env)

    done = cli("pregnancy-test", "--test-date", "2024-03-14", "--result", "negative",
               "--contraception", "intrauterine device")
    assert done.returncode == 0, done.stderr
    assert "2024-03-14 treatment serum negative" in done.stdout
    with simulated(datetime(2024, 3, 15, 4, tzinfo=UTC)):
        treatment.record_cycle(app_db, Settings(database_url=f"sqlite:///{db_file}"),
                               principal(app_db, "coord_a"), pid,
                               treatment.CycleIn(cycle=1, start_date=date(2024, 3, 15)))
    done = cli("dispense", "--cycle", "1", "--drug", "letrozole", "--dispensed-on",
               "2024-03-15", "--lot", "LZ77", "--expiry", "2026-01-31", "--bottles", "1",
               "--units", "30", "--strength-mg", "2.5", "--units-per-day", "1", "--days", "28")
    assert done.returncode == 0, done.stderr
    dispensing_id = done.stdout.split("(id ")[1].split(")")[0]
    over = cli("drug-return", "--id", dispensing_id, "--returned-on", "2024-04-12",
               "--returned", "31")
    assert over.returncode == 1 and over.stderr.startswith("error: units_returned:")
    done = cli("drug-return", "--id", dispensing_id, "--returned-on", "2024-04-12",
               "--returned", "4")
    # letrozole: 30 - 4 = 26 taken of 28 expected = 92.9 %
    assert done.returncode == 0 and "taken 26 of 28, compliance 92.9%" in done.stdout
    done = cli("diary", "--cycle", "1", "--drug", "letrozole", "--first-day", "2024-03-15",
               "--last-day", "2024-04-11", "--missed", "10")
    # diary: 27 of 28 days x 2.5 mg = 67.5 of 70 mg = 96.4 %
    assert done.returncode == 0 and "relative dose intensity 96.4% (67.5 of 70 mg)" in done.stdout
