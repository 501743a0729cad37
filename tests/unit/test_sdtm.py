"""SDTM data sets built from hand-written records (SDTMIG 3.4): study days without day 0
(§4.4.4), --SEQ per subject, DM's reference dates from EX and its arm-null reasons (DM
assumption 4), IE only for criteria not met, the self-checks naming what is broken, and the
files read back with pyreadstat and pandas."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from dawna.exports.adam_files import XptCheckError
from dawna.exports.manifest import verify_manifest
from dawna.exports.sdtm import build_sdtm, labels_of, write_sdtm
from dawna.exports.sdtm_checks import run_checks
from dawna.exports.sdtm_records import (
    AdverseEvent,
    Exposure,
    LabTest,
    SdtmInput,
    StatusChange,
    Subject,
)
from dawna.protocol import bundled_protocol

TREATED = Subject(pseudonym="DF-AAAAAA", site="PUMCH", consent=date(2024, 1, 2), age=55,
                  sex="female", arm="A", randomized=date(2024, 1, 10),
                  decision=date(2024, 1, 9), eligible=True,
                  events=(StatusChange("consent", date(2024, 1, 2)),
                          StatusChange("randomized", date(2024, 1, 10))))
FAILED = Subject(pseudonym="DF-BBBBBB", site="PUMCH", consent=date(2024, 1, 3), age=61,
                 sex="female", decision=date(2024, 1, 12), eligible=False,
                 failed_criteria=("IN3", "EX1"),
                 events=(StatusChange("signed_not_eligible", date(2024, 1, 12)),))


def _ae(number: int, start: date) -> AdverseEvent:
    return AdverseEvent("DF-AAAAAA", number, "Nausea", 1, start, None, False, (), True,
                        "dose_not_changed", "recovered")


DATA = SdtmInput(
    cutoff=date(2024, 3, 1), subjects=(TREATED, FAILED),
    exposures=(Exposure("DF-AAAAAA", "dalpiciclib", date(2024, 1, 15), date(2024, 2, 4), 150.0,
                        "mg", "PO", "QD", "dispensing", cycle=1, lot="L1",
                        units_dispensed=21),
               Exposure("DF-AAAAAA", "dalpiciclib", date(2024, 2, 12), date(2024, 2, 20),
                        150.0, "mg", "PO", "QD", "dispensing", cycle=2, lot="L2")),
    # entered out of order: AESEQ follows the start dates
    adverse_events=(_ae(3, date(2024, 1, 20)), _ae(1, date(2024, 1, 14)),
                    _ae(2, date(2024, 1, 15))),
    labs=(LabTest("DF-AAAAAA", "anc", date(2024, 1, 8), 2.1, "10^9/L", 1.8, 6.3, 0,
                  "Neutrophil count decreased"),
          LabTest("DF-AAAAAA", "anc", date(2024, 1, 15), 1.5, "10^9/L", 1.8, 6.3, 1,
                  "Neutrophil count decreased"),
          LabTest("DF-AAAAAA", "anc", date(2024, 1, 29), 7.0, "10^9/L", 1.8, 6.3, 0,
                  "Neutrophil count decreased")))


@pytest.fixture(scope="module")
def built():  # type: ignore[no-untyped-def]
    return build_sdtm(DATA, bundled_protocol())


def test_study_days_have_no_day_zero_and_seq_follows_the_start_dates(built) -> None:  # type: ignore[no-untyped-def]
    ae = built.frames["AE"]
    # first dose 2024-01-15: 14 Jan is day -1, 15 Jan day 1, 20 Jan day 6 (hand count)
    assert ae["AESTDTC"].tolist() == ["2024-01-14", "2024-01-15", "2024-01-20"]
    assert ae["AESTDY"].tolist() == [-1, 1, 6]
    assert ae["AESEQ"].tolist() == [1, 2, 3]
    assert ae["AESPID"].tolist() == ["1", "2", "3"]
    assert ae["EPOCH"].tolist() == ["SCREENING", "TREATMENT", "TREATMENT"]
    assert set(ae["AEREL"]) == {"RELATED"} and set(ae["AEOUT"]) == {"RECOVERED/RESOLVED"}


def test_dm_takes_its_reference_dates_from_ex_and_names_why_an_arm_is_null(built) -> None:  # type: ignore[no-untyped-def]
    dm = built.frames["DM"].set_index("SUBJID")
    assert dm.loc["DF-AAAAAA", "RFSTDTC"] == "2024-01-15"
    assert dm.loc["DF-AAAAAA", "RFENDTC"] == "2024-02-20"
    assert dm.loc["DF-AAAAAA", "ARMCD"] == "A" and dm.loc["DF-AAAAAA", "ACTARMCD"] == "A"
    assert dm.loc["DF-AAAAAA", "USUBJID"] == "DAWNA-FES-DF-AAAAAA"
    assert dm.loc["DF-BBBBBB", "ARMNRS"] == "SCREEN FAILURE"
    assert dm.loc["DF-BBBBBB", "ARMCD"] is None and dm.loc["DF-BBBBBB", "RFSTDTC"] is None
    ex = built.frames["EX"]
    # 2024-02-04 is day 21 and 2024-02-12 day 29 of a first dose on 2024-01-15
    assert ex["EXENDY"].tolist() == [21, 37] and ex["EXSTDY"].tolist() == [1, 29]


def test_ie_lists_the_criteria_not_met_and_lb_flags_the_last_value_before_exposure(built) -> None:  # type: ignore[no-untyped-def]
    ie = built.frames["IE"]
    assert ie[["IETESTCD", "IECAT", "IEORRES"]].values.tolist() == [
        ["EX1", "EXCLUSION", "Y"], ["IN3", "INCLUSION", "N"]]
    lb = built.frames["LB"]
    # the sample of the first-dose day is the last before exposure (SDTMIG 3.4 §4.5.6)
    assert lb["LBLOBXFL"].tolist() == [None, "Y", None]
    assert lb["LBNRIND"].tolist() == ["NORMAL", "LOW", "HIGH"]
    assert lb["LBTESTCD"].unique().tolist() == ["NEUT"]


def test_ae_carries_the_meddra_codes_ctcae_gives_its_term() -> None:
    """CTCAE v5.0 terms are MedDRA v20.1 lowest level terms: Nausea 10028813 in
    Gastrointestinal disorders 10017947 (CTCAE_v5.0.xlsx); an "Other, specify" event has its
    SOC but no LLT (its verbatim text is not MedDRA-coded)."""
    import dataclasses

    nausea = dataclasses.replace(_ae(1, date(2024, 1, 20)), soc="Gastrointestinal disorders")
    other = dataclasses.replace(_ae(2, date(2024, 1, 21)),
                                term="Gastrointestinal disorders - Other, specify",
                                soc="Gastrointestinal disorders")
    ae = build_sdtm(dataclasses.replace(DATA, adverse_events=(nausea, other)),
                    bundled_protocol()).frames["AE"].set_index("AESPID")
    assert ae.loc["1", ["AELLT", "AELLTCD", "AEBDSYCD", "AESOC", "AESOCCD"]].tolist() == [
        "Nausea", 10028813, 10017947, "Gastrointestinal disorders", 10017947]
    assert ae.loc["2", "AELLT"] is None and pd.isna(ae.loc["2", "AELLTCD"])
    assert ae.loc["2", "AESOCCD"] == 10017947


def test_the_self_checks_are_empty_on_consistent_records(built) -> None:  # type: ignore[no-untyped-def]
    assert built.findings == ()


def test_the_self_checks_name_the_broken_variable(built) -> None:  # type: ignore[no-untyped-def]
    frames = dict(built.frames)
    ae = frames["AE"].copy()
    ae.loc[0, "AEDECOD"] = None
    ae.loc[1, "AESER"] = "MAYBE"
    ae.loc[2, "AESTDTC"] = "20/01/2024"
    ae.loc[2, "AESEQ"] = 1
    frames["AE"] = ae
    dm = frames["DM"].copy()
    dm.loc[dm["SUBJID"] == "DF-AAAAAA", "RFSTDTC"] = "2024-01-16"
    frames["DM"] = dm
    found = {(f.check, f.dataset, f.variable) for f in run_checks(
        frames, {n: labels_of(n) for n in frames})}
    assert {("REQUIRED", "AE", "AEDECOD"), ("CT", "AE", "AESER"), ("ISO8601", "AE", "AESTDTC"),
            ("SEQ", "AE", "AESEQ"), ("RFEX", "DM", "RFSTDTC")} <= found


def test_files_read_back_with_pyreadstat_and_pandas(built, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = write_sdtm(built, tmp_path)
    assert verify_manifest(tmp_path)["kind"] == "sdtm"
    for name, df in built.frames.items():
        xpt, meta = pyreadstat.read_xport(str(tmp_path / f"{name.lower()}.xpt"),
                                          encoding="utf-8")
        csv = pd.read_csv(tmp_path / f"{name.lower()}.csv", dtype=str, keep_default_na=False)
        assert len(xpt) == len(csv) == len(df) == rows[f"{name.lower()}.xpt"]
        assert meta.table_name == name
        assert list(xpt.columns) == list(df.columns) == list(csv.columns)
    ae = pyreadstat.read_xport(str(tmp_path / "ae.xpt"))[0]
    assert ae["AESTDY"].tolist() == [-1.0, 1.0, 6.0]
    assert pd.read_csv(tmp_path / "sdtm-checks.csv").empty
    spec = pd.read_csv(tmp_path / "variables.csv")
    assert spec.loc[(spec.DATASET == "DM") & (spec.VARIABLE == "USUBJID"), "LENGTH"].item() \
        == len("DAWNA-FES-DF-AAAAAA")
    datasets = pd.read_csv(tmp_path / "datasets.csv")
    assert sorted(datasets["DATASET"]) == sorted(built.frames)
    terms = pd.read_csv(tmp_path / "codelists.csv", dtype=str, keep_default_na=False)
    sex = terms[terms["CODELIST"] == "SEX"]
    # CDISC CT: SEX is C66731, its term F is C16576
    assert sex["CODELIST_NCI"].unique().tolist() == ["C66731"]
    assert sex.loc[sex["TERM"] == "F", "TERM_NCI"].item() == "C16576"


def test_a_value_over_200_bytes_is_refused_before_anything_is_written(
        built, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    frames = dict(built.frames)
    ae = frames["AE"].copy()
    ae.loc[0, "AETERM"] = "恶心" * 40  # 240 bytes in UTF-8
    frames["AE"] = ae
    broken = type(built)(cutoff=built.cutoff, frames=frames, empty=built.empty,
                         findings=built.findings)
    with pytest.raises(XptCheckError) as error:
        write_sdtm(broken, tmp_path / "out")
    assert error.value.field == "AE.AETERM"
    assert not (tmp_path / "out").exists()
