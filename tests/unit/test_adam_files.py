"""The analysis data sets as files: SAS transport v5 read back with ``pyreadstat.read_xport``
(names, labels, SAS dates, UTF-8 text), CSV with ISO dates, byte-identical files for the same
data and cut-off, and the v5 limits (SAS TS-140; CDISC "A short history of CDISC and SAS
transport files"): names ≤ 8, labels ≤ 40 bytes, text ≤ 200 bytes in UTF-8 (a Chinese
character is 3 bytes), refused before anything is written."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pyreadstat
import pytest

from dawna.analysis import adam
from dawna.analysis.adam import AdverseEventRecord, ResponseRecord, SubjectRecord
from dawna.errors import ValidationError
from dawna.exports.adam_files import XptCheckError, check_xpt, write_adam

R = date(2024, 3, 12)
CUTOFF = date(2024, 12, 31)
FILES = ["adsl.csv", "adsl.xpt", "adtte.csv", "adtte.xpt", "adrs.csv", "adrs.xpt", "adae.csv",
         "adae.xpt", "definitions.csv"]


def _data(term: str = "中性粒细胞计数降低") -> adam.AdamData:
    p1 = SubjectRecord(
        pseudonym="P001", site="SITEA", arm="A", arm_label="Arm A", randomized=R,
        factors={"visceral_metastasis": "yes", "cdk46i_setting": "advanced"},
        cycle_starts=(date(2024, 3, 14),),
        responses=(ResponseRecord(date(2024, 5, 7), date(2024, 5, 7), "SD", -10.0),
                   ResponseRecord(date(2024, 7, 2), date(2024, 7, 2), "PD", 25.0)),
        progression_date=date(2024, 7, 2),
        adverse_events=(AdverseEventRecord(1, term, 3, date(2024, 4, 1)),))
    p2 = SubjectRecord(pseudonym="P002", site="SITEA", arm="B", arm_label="Arm B",
                       randomized=R, factors={"visceral_metastasis": "no",
                                              "cdk46i_setting": "adjuvant"})
    return adam.derive([p1, p2], CUTOFF)


def test_xpt_round_trip_keeps_names_labels_dates_and_chinese_text(tmp_path: Path) -> None:
    data = _data()
    paths = write_adam(data, tmp_path / "out")
    assert [p.name for p in paths] == FILES
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(FILES)  # no temp left
    adtte, meta = pyreadstat.read_xport(str(tmp_path / "out" / "adtte.xpt"))
    assert (meta.table_name, meta.file_label) == ("ADTTE", "Time-to-Event Analysis Dataset")
    assert meta.column_names == list(data.adtte.columns)
    labels = data.definitions[data.definitions.DATASET == "ADTTE"].set_index("VARIABLE").LABEL
    assert meta.column_names_to_labels == labels.to_dict()
    assert meta.original_variable_types["ADT"] == "DATE9"
    assert meta.readstat_variable_types["ADT"] == "double"
    pfs = adtte[adtte.PARAMCD == "PFS"].iloc[0]
    # randomized 2024-03-12, PD 2024-07-02: AVAL = 112 + 1 = 113, CNSR 0
    assert pick(pfs, "USUBJID", "STARTDT", "ADT", "AVAL", "CNSR") == (
        "DAWNA-FES-P001", R, date(2024, 7, 2), 113.0, 0.0)
    # SAS stores the date as days since 1960-01-01: 2024-07-02 is 23559 days after it
    raw, _ = pyreadstat.read_xport(str(tmp_path / "out" / "adtte.xpt"),
                                   disable_datetime_conversion=True)
    assert raw.ADT.iloc[0] == (date(2024, 7, 2) - date(1960, 1, 1)).days == 23559
    adae, _ = pyreadstat.read_xport(str(tmp_path / "out" / "adae.xpt"), encoding="utf-8")
    assert adae.AEDECOD.tolist() == ["中性粒细胞计数降低"]
    adsl, _ = pyreadstat.read_xport(str(tmp_path / "out" / "adsl.xpt"))
    assert adsl.SUBJID.tolist() == ["P001", "P002"]
    assert pd.isna(adsl.TRTSDT.iloc[1]) and adsl.SAFFL.tolist() == ["Y", "N"]


def test_csv_has_iso_dates_and_blank_missing_values(tmp_path: Path) -> None:
    write_adam(_data(), tmp_path)
    with (tmp_path / "adsl.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["SUBJID"], r["RANDDT"], r["TRTSDT"], r["STRAT1V"]) for r in rows] == [
        ("P001", "2024-03-12", "2024-03-14", "1"), ("P002", "2024-03-12", "", "0")]
    with (tmp_path / "definitions.csv").open(encoding="utf-8", newline="") as f:
        defs = list(csv.DictReader(f))
    assert {"DATASET", "VARIABLE", "LABEL", "TYPE", "DERIVATION", "SOURCE"} == set(defs[0])
    assert len(defs) == len(_data().definitions)


def test_same_data_and_cutoff_give_byte_identical_files(tmp_path: Path) -> None:
    first, second = write_adam(_data(), tmp_path / "a"), write_adam(_data(), tmp_path / "b")
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    # the XPT header times are the cut-off at midnight, not the time of writing
    header = (tmp_path / "a" / "adsl.xpt").read_bytes()[:500]
    assert header.count(b"31DEC24:00:00:00") == 4


def pick(row: Any, *names: str) -> tuple[Any, ...]:
    return tuple(row[n] for n in names)


def _frame(**columns: list[Any]) -> Any:
    return pd.DataFrame(columns)


@pytest.mark.parametrize(("df", "name", "labels", "field", "words"), [
    (_frame(USUBJID=["a"]), "ADVERSEEV", {"USUBJID": "Subject"}, "ADVERSEEV", "8 characters"),
    (_frame(USUBJID=["a"]), "adsl", {"USUBJID": "Subject"}, "adsl", "8 characters"),
    (_frame(TOOLONGNAME=["a"]), "ADSL", {"TOOLONGNAME": "x"}, "ADSL.TOOLONGNAME",
     "8 characters"),
    (_frame(usubjid=["a"]), "ADSL", {"usubjid": "x"}, "ADSL.usubjid", "A-Z"),
    (_frame(**{"1ST": ["a"]}), "ADSL", {"1ST": "x"}, "ADSL.1ST", "starting with a letter"),
    (_frame(USUBJID=["a"]), "ADSL", {}, "ADSL.USUBJID", "no label"),
    # 41 ASCII characters
    (_frame(USUBJID=["a"]), "ADSL", {"USUBJID": "x" * 41}, "ADSL.USUBJID", "41 bytes"),
    # 14 Chinese characters: 14 characters but 42 bytes
    (_frame(USUBJID=["a"]), "ADSL", {"USUBJID": "标" * 14},
     "ADSL.USUBJID", "42 bytes"),
    # 201 ASCII bytes
    (_frame(AEDECOD=["x" * 201]), "ADAE", {"AEDECOD": "Term"}, "ADAE.AEDECOD", "201 bytes"),
    # 67 Chinese characters = 201 bytes (67 characters only)
    (_frame(AEDECOD=["ok", "中" * 67]), "ADAE", {"AEDECOD": "Term"}, "ADAE.AEDECOD",
     "row 2 is 201 bytes"),
    (_frame(ASTDT=["2024-04-01"]), "ADAE", {"ASTDT": "Start"}, "ADAE.ASTDT", "dates only"),
    (_frame(AESEQ=[1, "2"]), "ADAE", {"AESEQ": "Seq"}, "ADAE.AESEQ", "mixes text and numbers"),
    (_frame(AVAL=[float("inf")]), "ADTTE", {"AVAL": "Value"}, "ADTTE.AVAL", "infinite"),
])
def test_check_xpt_names_the_variable_and_the_rule(df: Any, name: str, labels: dict[str, str],
                                                   field: str, words: str) -> None:
    with pytest.raises(XptCheckError) as caught:
        check_xpt(df, name, labels)
    assert caught.value.field == field
    assert words in caught.value.message
    assert isinstance(caught.value, ValidationError)


def test_check_xpt_accepts_the_limits_themselves() -> None:
    # 200 ASCII bytes; 66 Chinese characters = 198 bytes; a 40-byte label; an 8-character name
    check_xpt(_frame(AEDECOD=["x" * 200, "中" * 66], AETOXGRN=[1, None],
                     ASTDT=[date(2024, 4, 1), None]),
              "ADAE", {"AEDECOD": "x" * 40, "AETOXGRN": "Grade", "ASTDT": "Start"},
              dataset_label="y" * 40)
    with pytest.raises(XptCheckError) as caught:
        check_xpt(_frame(A=["x"]), "ADAE", {"A": "x"}, dataset_label="y" * 41)
    assert caught.value.field == "ADAE" and "41 bytes" in caught.value.message


def test_write_adam_refuses_before_writing_anything(tmp_path: Path) -> None:
    # one AE term of 70 Chinese characters = 210 bytes breaks ADAE; ADSL, written first when
    # all is well, must not be written either
    out = tmp_path / "out"
    out.mkdir()
    (out / "adsl.csv").write_text("earlier export\n", encoding="utf-8")
    with pytest.raises(XptCheckError) as caught:
        write_adam(_data(term="中" * 70), out)
    assert caught.value.field == "ADAE.AEDECOD" and "210 bytes" in caught.value.message
    assert sorted(p.name for p in out.iterdir()) == ["adsl.csv"]
    assert (out / "adsl.csv").read_text(encoding="utf-8") == "earlier export\n"


def test_empty_data_sets_are_written_with_their_columns(tmp_path: Path) -> None:
    data = adam.derive([], CUTOFF)
    write_adam(data, tmp_path)
    adsl, meta = pyreadstat.read_xport(str(tmp_path / "adsl.xpt"))
    assert adsl.empty and meta.column_names == list(data.adsl.columns)
    assert meta.readstat_variable_types["USUBJID"] == "string"
    assert meta.readstat_variable_types["RANDDT"] == "double"
    assert (tmp_path / "adae.csv").read_text(encoding="utf-8").startswith("STUDYID,USUBJID,")


def test_a_file_in_place_of_the_folder_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "not_a_folder"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        write_adam(_data(), target)
    assert caught.value.field == "out_dir"
