"""The SDTM export of the demo trial (32 participants) read back with independent readers
(pyreadstat for the SAS transport files, pandas for the CSV) and compared with the store:
DM has every consented participant with screen failures named, AE one row per adverse event,
LB one row per laboratory result, pregnancy test and hepatitis B marker, EX one row per oral
drug dispensing and depot dose; the self-check report is empty, the manifest verifies, no
identifier is in any file, a data cut leaves later records out, and a role without
``treatment.view`` is refused."""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from cli_runner import invoke
from helpers import demo_logins
from sqlalchemy import func, select

from dawna.exports.manifest import verify_manifest
from dawna.store.db import Database
from dawna.store.models import (
    AdverseEvent,
    Allocation,
    AuditRecord,
    ConcomitantMedication,
    DepotDose,
    DrugDispensing,
    HbvScreening,
    LabResult,
    MedicalHistory,
    Participant,
    ParticipantIdentity,
    PregnancyTest,
    Screening,
    VitalSigns,
)

pytestmark = pytest.mark.xdist_group("demo_exports")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory,
         demo_template: Path) -> Iterator[tuple[dict[str, str], Database, Path]]:
    folder = tmp_path_factory.mktemp("sdtm")
    target = folder / "demo.sqlite3"
    shutil.copy(demo_template, target)
    env = {"DAWNA_DATABASE_URL": f"sqlite:///{target}", "DAWNA_ENV": "test",
           "DAWNA_SECRET_KEY": "b" * 40}
    out = folder / "out"
    result = invoke(["export", "sdtm", str(out), "--as", "datamanager"], env=env)
    assert result.returncode == 0, result.stderr
    db = Database(env["DAWNA_DATABASE_URL"])
    yield env, db, out
    db.dispose()


def _read(out: Path, name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    xpt, _meta = pyreadstat.read_xport(str(out / f"{name}.xpt"), encoding="utf-8")
    csv = pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False)
    assert len(xpt) == len(csv)
    return xpt, csv


def _count(db: Database, model: type, *where: object) -> int:
    with db.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_every_file_reads_back_and_the_manifest_verifies(demo) -> None:  # type: ignore[no-untyped-def]
    _env, _db, out = demo
    manifest = verify_manifest(out)
    assert manifest["kind"] == "sdtm" and manifest["pseudonymized"] is True
    for entry in manifest["files"]:
        if entry["name"].endswith(".xpt"):
            xpt, csv = _read(out, entry["name"][:-4])
            assert len(xpt) == entry["rows"] == len(csv)
            assert list(xpt.columns) == list(csv.columns)
            key = "USUBJID" if "USUBJID" in csv.columns else "STUDYID"
            assert xpt[key].tolist() == csv[key].tolist()
    assert pd.read_csv(out / "sdtm-checks.csv").empty, (out / "sdtm-checks.csv").read_text()
    assert set(manifest["domains"]) >= {"DM", "DS", "IE", "SV", "AE", "CM", "MH", "EX", "LB",
                                        "VS", "EG", "TU", "TR", "RS", "TS", "TA", "TE", "TV",
                                        "TI"}


def test_dm_has_every_consented_participant_and_names_the_screen_failures(demo) -> None:  # type: ignore[no-untyped-def]
    _env, db, out = demo
    xpt, csv = _read(out, "dm")
    with db.sessions() as s:
        consented = set(s.scalars(select(Participant.pseudonym)
                                  .where(Participant.consent_date.is_not(None))))
        failed = set(s.scalars(select(Participant.pseudonym)
                               .where(Participant.status == "screen_failed")))
        arms = {str(p): str(a) for p, a in s.execute(
            select(Participant.pseudonym, Allocation.arm)
            .join(Allocation, Allocation.participant_id == Participant.id)).all()}
    assert set(xpt["SUBJID"]) == consented and len(xpt) == len(consented)
    assert set(xpt.loc[xpt["ARMNRS"] == "SCREEN FAILURE", "SUBJID"]) == failed
    assert dict(zip(csv.loc[csv["ARMCD"] != "", "SUBJID"],
                    csv.loc[csv["ARMCD"] != "", "ARMCD"], strict=True)) == arms
    assert (xpt["USUBJID"] == "DAWNA-FES-" + xpt["SUBJID"]).all()


def test_dm_race_and_ethnicity_are_the_cdisc_terms_of_the_screening_record(demo) -> None:  # type: ignore[no-untyped-def]
    """RACE (codelist C74457) and ETHNIC (C66790) as submission values, from the record's
    codes (terms written out here by hand); empty for a participant with no record."""
    _env, db, out = demo
    xpt, _csv = _read(out, "dm")
    race = {"asian": "ASIAN", "white": "WHITE", "not_reported": "NOT REPORTED"}
    ethnic = {"not_hispanic_or_latino": "NOT HISPANIC OR LATINO",
              "hispanic_or_latino": "HISPANIC OR LATINO"}
    with db.sessions() as s:
        records = {str(p): r for p, r in s.execute(
            select(Participant.pseudonym, Screening.record)
            .join(Screening, Screening.participant_id == Participant.id)).all()}
    got = xpt.set_index("SUBJID")
    assert records and set(records) <= set(got.index)
    for subject in got.index:
        record = records.get(subject) or {}
        assert got.loc[subject, "RACE"] == race.get(record.get("race"), ""), subject
        assert got.loc[subject, "ETHNIC"] == ethnic.get(record.get("ethnicity"), ""), subject
    assert (got["RACE"] == "ASIAN").sum() == len(records)  # the demo's sites are in China


def test_ae_lb_cm_mh_rows_equal_the_store(demo) -> None:  # type: ignore[no-untyped-def]
    _env, db, out = demo
    assert len(_read(out, "ae")[0]) == _count(db, AdverseEvent)
    assert len(_read(out, "cm")[0]) == _count(db, ConcomitantMedication)
    assert len(_read(out, "mh")[0]) == _count(db, MedicalHistory)
    lb = _read(out, "lb")[0]
    assert (lb["LBTESTCD"].isin(["NEUT", "WBC", "PLAT", "HGB", "ALT", "AST", "BILI",
                                 "CREAT"]).sum()) == _count(db, LabResult)
    assert (lb["LBTESTCD"] == "HCG").sum() == _count(db, PregnancyTest)
    assert (lb["LBTESTCD"] == "HBSAG").sum() == _count(db, HbvScreening)
    assert (lb["LBTESTCD"] == "HBVVLD").sum() == _count(
        db, HbvScreening, HbvScreening.hbv_dna_iu_ml.is_not(None))
    with db.sessions() as s:
        row = s.scalars(select(AdverseEvent).order_by(AdverseEvent.id)).first()
        who = s.get(Participant, row.participant_id).pseudonym
        vitals = list(s.scalars(select(VitalSigns)))
    ae = _read(out, "ae")[1]
    mine = ae[(ae["USUBJID"] == f"DAWNA-FES-{who}") & (ae["AESPID"] == str(row.number))]
    assert mine[["AETERM", "AESTDTC", "AETOXGR"]].values.tolist() == [
        [row.term, row.start_date.isoformat(), str(row.grade)]]
    with db.sessions() as s:
        lab = s.scalars(select(LabResult).order_by(LabResult.id)).first()
        lab_who = s.get(Participant, lab.participant_id).pseudonym
    lb_xpt = _read(out, "lb")[0]
    hit = lb_xpt[(lb_xpt["USUBJID"] == f"DAWNA-FES-{lab_who}")
                 & (lb_xpt["LBDTC"] == lab.sample_date.isoformat())
                 & (lb_xpt["LBSTRESU"] == lab.unit) & (lb_xpt["LBSTRESN"] == lab.value)]
    assert len(hit) >= 1 and set(hit["LBTOXGR"]) >= {str(lab.grade)}
    measured = sum(sum(getattr(v, a) is not None for a in (
        "height_cm", "weight_kg", "systolic_mmhg", "diastolic_mmhg", "pulse_bpm",
        "temperature_c")) for v in vitals)
    assert len(_read(out, "vs")[0]) == measured


def test_ex_follows_the_dispensings_and_the_depots(demo) -> None:  # type: ignore[no-untyped-def]
    _env, db, out = demo
    ex = _read(out, "ex")[1]
    oral = ex[ex["EXROUTE"] == "ORAL"]
    with db.sessions() as s:
        lots = sorted(s.scalars(select(DrugDispensing.lot_number)))
    assert len(oral) == _count(db, DrugDispensing)
    assert sorted(oral["EXLOT"]) == lots
    depots = ex[ex["EXTRT"].isin(["GOSERELIN", "LEUPRORELIN", "FULVESTRANT"])]
    assert len(depots) == _count(db, DepotDose)
    dm = _read(out, "dm")[1].set_index("USUBJID")
    for subject, rows in ex.groupby("USUBJID"):
        assert dm.loc[subject, "RFSTDTC"] == min(rows["EXSTDTC"])
        assert dm.loc[subject, "RFENDTC"] == max(rows["EXENDTC"])


def test_no_identifier_leaves_in_any_file(demo) -> None:  # type: ignore[no-untyped-def]
    _env, db, out = demo
    with db.sessions() as s:
        names = [(i.full_name, i.medical_record_number) for i in s.scalars(
            select(ParticipantIdentity))]
    text = "\n".join(p.read_text(encoding="utf-8") for p in out.glob("*.csv"))
    assert names
    for full_name, mrn in names:
        assert full_name not in text and mrn not in text


def test_a_data_cut_leaves_later_records_out(demo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env, db, _out = demo
    cut = date(2024, 6, 30)
    result = invoke(["export", "sdtm", str(tmp_path), "--as", "statistician",
                     "--cutoff", cut.isoformat()], env=env)
    assert result.returncode == 0, result.stderr
    assert len(_read(tmp_path, "ae")[0]) == _count(db, AdverseEvent,
                                                   AdverseEvent.start_date <= cut)
    assert len(_read(tmp_path, "dm")[0]) == _count(db, Participant,
                                                   Participant.consent_date <= cut)
    ts = _read(tmp_path, "ts")[1]
    assert ts.loc[ts["TSPARMCD"] == "DCUTDTC", "TSVAL"].item() == cut.isoformat()
    assert verify_manifest(tmp_path)["data_cut"] == cut.isoformat()
    assert pd.read_csv(tmp_path / "sdtm-checks.csv").empty


def test_a_role_blind_to_the_arm_is_refused(demo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env, _db, _out = demo
    result = invoke(["export", "sdtm", str(tmp_path / "x"), "--as", "reader"], env=env)
    # refused as every data export is without data.export, which no arm-blind role holds
    # (docs/exports.md "Who may export")
    assert result.returncode == 1 and "data.export" in result.stderr
    assert not (tmp_path / "x").exists()


@pytest.fixture(scope="module")
def login(demo):  # type: ignore[no-untyped-def]
    env, _db, _out = demo
    yield from demo_logins(env["DAWNA_DATABASE_URL"], "s")


def test_the_web_page_api_and_zip_for_the_statistician_and_data_manager(
        demo, login, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _env, db, _out = demo
    summary = login("statistician").get("/api/exports/sdtm")
    assert summary.status_code == 200, summary.text
    body = summary.json()
    rows = {d["name"]: d["rows"] for d in body["domains"]}
    assert rows["AE"] == _count(db, AdverseEvent) and body["findings"] == []
    assert body["pseudonymized"] is True and body["standard"] == "SDTMIG 3.4"
    page = login("statistician").get("/exports/sdtm")
    assert page.status_code == 200 and 'data-testid="sdtm-no-findings"' in page.text
    sdtm_events = (AuditRecord.table_name == "data_export", AuditRecord.field == "kind",
                   AuditRecord.new_value == "sdtm")
    before = _count(db, AuditRecord, *sdtm_events)
    answer = login("datamanager").get("/exports/sdtm.zip")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    zipfile.ZipFile(io.BytesIO(answer.content)).extractall(tmp_path)
    manifest = verify_manifest(tmp_path / "sdtm")
    assert manifest["domains"] == rows
    # one export event per site exported (PUMCH and SIM2)
    assert _count(db, AuditRecord, *sdtm_events) == before + 2
    assert login("reader").get("/api/exports/sdtm").status_code == 403
