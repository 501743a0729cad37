"""Site data export (issue 20 item 7), on the scaled demo trial: the files read back with pandas
and openpyxl hold the rows and values of the store (compared with independent SQL), the data
dictionary covers every variable, identifiers appear only for a role that may see them at that
site, and the export is recorded in the audit trail without breaking its chain.
"""

from __future__ import annotations

import io
import shutil
import sqlite3
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from cli_runner import invoke
from fastapi.testclient import TestClient
from helpers import demo_logins

from dawna.services import audit_integrity
from dawna.store.db import Database

Login = Callable[[str], TestClient]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Path:
    path = tmp_path_factory.mktemp("export") / "demo.sqlite3"
    shutil.copy(demo_template, path)
    return path


@pytest.fixture(scope="module")
def login(demo: Path) -> Iterator[Login]:
    yield from demo_logins(f"sqlite:///{demo}", "e")


def _count(demo: Path, query: str, *args: object) -> int:
    with sqlite3.connect(demo) as c:
        return int(c.execute(query, args).fetchone()[0])


def _identities(demo: Path) -> list[str]:
    with sqlite3.connect(demo) as c:
        return [v for row in c.execute("SELECT full_name, medical_record_number, phone FROM "
                                       "participant_identity") for v in row if v]


def _zip(client: TestClient, **params: str) -> zipfile.ZipFile:
    answer = client.get("/exports/site-data.zip", params=params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    return zipfile.ZipFile(io.BytesIO(answer.content))


def test_the_data_manager_exports_the_whole_trial_without_identifiers(demo: Path,
                                                                      login: Login) -> None:
    archive = _zip(login("datamanager"), format="csv")
    names = set(archive.namelist())
    assert "participant_identity.csv" not in names and "data_dictionary.csv" in names
    for table in ("participant", "lab_result", "adverse_event", "treatment_cycle",
                  "dose_decision", "status_event"):
        frame = pd.read_csv(archive.open(f"{table}.csv"), encoding="utf-8-sig")
        assert len(frame) == _count(demo, f"SELECT count(*) FROM {table}"), table
    labs = pd.read_csv(archive.open("lab_result.csv"), encoding="utf-8-sig")
    with sqlite3.connect(demo) as c:
        stored = dict(c.execute("SELECT id, value FROM lab_result").fetchall())
    assert dict(zip(labs["id"], labs["value"], strict=True)) == pytest.approx(stored)
    assert set(labs["site"]) == {"PUMCH", "SIM2"}
    text = b"".join(archive.read(n) for n in names).decode("utf-8-sig", errors="replace")
    leaked = [v for v in _identities(demo) if v in text]
    assert leaked == []
    dictionary = pd.read_csv(archive.open("data_dictionary.csv"), encoding="utf-8-sig")
    for name in names - {"data_dictionary.csv"}:
        form = name.removesuffix(".csv")
        columns = pd.read_csv(archive.open(name), encoding="utf-8-sig", nrows=0).columns
        assert set(columns) == set(dictionary[dictionary["form"] == form]["variable"]), form
    row = dictionary[(dictionary["form"] == "lab_result")
                     & (dictionary["variable"] == "sample_date")].iloc[0]
    assert (row["label_en"], row["type"]) == ("Sampled on", "date (YYYY-MM-DD)")
    status = dictionary[(dictionary["form"] == "participant")
                        & (dictionary["variable"] == "status")].iloc[0]
    assert "randomized" in status["allowed_values"].split(" | ")


def test_an_investigator_exports_their_site_in_excel_with_its_identifiers(
        demo: Path, login: Login) -> None:
    archive = _zip(login("investigator"), format="xlsx")
    site = "SELECT id FROM site WHERE code = 'PUMCH'"
    book = openpyxl.load_workbook(io.BytesIO(archive.read("lab_result.xlsx")), read_only=True)
    assert book.sheetnames == ["data", "dictionary"]
    labs = pd.read_excel(io.BytesIO(archive.read("lab_result.xlsx")), sheet_name="data")
    assert len(labs) == _count(demo, "SELECT count(*) FROM lab_result l JOIN participant p ON "
                                     f"p.id = l.participant_id WHERE p.site_id = ({site})")
    assert set(labs["site"]) == {"PUMCH"}
    identity = pd.read_excel(io.BytesIO(archive.read("participant_identity.xlsx")))
    assert len(identity) == _count(demo, "SELECT count(*) FROM participant_identity i JOIN "
                                         "participant p ON p.id = i.participant_id WHERE "
                                         f"p.site_id = ({site})")
    with sqlite3.connect(demo) as c:
        other = [n for (n,) in c.execute(
            "SELECT full_name FROM participant_identity i JOIN participant p ON p.id = "
            f"i.participant_id WHERE p.site_id <> ({site})")]
    assert other and not set(other) & set(identity["full_name"])
    assert "data_dictionary.xlsx" in archive.namelist()


def test_roles_without_export_or_outside_their_sites_are_refused(login: Login) -> None:
    assert login("monitor").get("/exports/site-data.zip").status_code == 403
    assert login("monitor").get("/api/exports/site-data").status_code == 403
    assert login("investigator").get("/exports/site-data.zip",
                                     params={"site": "SIM2"}).status_code == 403
    bad = login("investigator").get("/exports/site-data.zip", params={"format": "pdf"})
    # the demo investigator reads Chinese: the refusal is in their language
    assert bad.status_code == 422 and "格式须为 csv 或 xlsx" in bad.text


def test_the_page_and_api_describe_the_export_and_each_download_is_audited(
        demo: Path, login: Login) -> None:
    summary = login("datamanager").get("/api/exports/site-data").json()
    assert summary["sites"] == ["PUMCH", "SIM2"] and summary["identifiers"] is False
    forms = {f["form"]: f["rows"] for f in summary["forms"]}
    assert forms["lab_result"] == _count(demo, "SELECT count(*) FROM lab_result")
    page = login("datamanager").get("/exports")
    assert page.status_code == 200 and 'id="export-xlsx"' in page.text
    before = _count(demo, "SELECT count(*) FROM audit_record WHERE table_name = 'data_export'")
    _zip(login("datamanager"), site="SIM2", format="csv")
    with sqlite3.connect(demo) as c:
        rows = c.execute("SELECT actor, action, field, new_value FROM audit_record WHERE "
                         "table_name = 'data_export' ORDER BY id DESC LIMIT 4").fetchall()
    assert _count(demo, "SELECT count(*) FROM audit_record WHERE "
                        "table_name = 'data_export'") == before + 4
    assert {(a, act) for a, act, _f, _v in rows} == {("datamanager", "export")}
    recorded = {f: v for _a, _act, f, v in rows}
    assert (recorded["scope"], recorded["identifiers"], recorded["format"]) == (
        "SIM2", "false", "csv")
    assert "participant_identity" not in recorded["forms"].split(", ")
    trail = login("monitor").get("/api/audit", params={"action": "export"}).json()
    assert {e["form"] for e in trail} == {"Data export"}
    db = Database(f"sqlite:///{demo}")
    try:
        assert audit_integrity.check(db).ok
    finally:
        db.dispose()


def test_the_command_line_writes_the_files_and_refuses_a_site_not_yours(
        demo: Path, tmp_path: Path) -> None:
    env = {"DAWNA_DATABASE_URL": f"sqlite:///{demo}", "DAWNA_ENV": "test", "LANG": "C.UTF-8"}
    out = tmp_path / "export"
    done = invoke(["export", "site-data", str(out), "--as", "coordinator2", "--format", "xlsx"],
                  env)
    assert done.returncode == 0, done.stderr
    labs = pd.read_excel(out / "lab_result.xlsx", sheet_name="data")
    assert set(labs["site"]) == {"SIM2"} and len(labs) == _count(
        demo, "SELECT count(*) FROM lab_result l JOIN participant p ON p.id = l.participant_id "
              "JOIN site s ON s.id = p.site_id WHERE s.code = 'SIM2'")
    assert (out / "participant_identity.xlsx").exists()
    assert pd.read_csv(out / "data_dictionary.csv", encoding="utf-8-sig")["label_en"].notna().all()
    refused = invoke(["export", "site-data", str(tmp_path / "no"), "--as", "coordinator2",
                      "--site", "PUMCH"], env)
    assert refused.returncode == 1 and "PUMCH" in refused.stderr
    assert not (tmp_path / "no").exists()
