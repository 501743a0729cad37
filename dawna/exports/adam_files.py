"""The analysis data sets as files: CSV (UTF-8, ISO dates) and SAS transport version 5 (XPT, the
format FDA and PMDA require for submitted data sets), plus the definitions table as CSV.

SAS transport v5 limits (SAS Technical Support TS-140, "The record layout of a data set in SAS
transport (XPORT) format"; CDISC knowledge base, "A short history of CDISC and SAS transport
files"): data set and variable names at most 8 characters, A-Z, 0-9 or _, starting with a
letter; data set and variable labels at most 40 bytes; character values at most 200 bytes.
Lengths are counted in UTF-8 bytes, so a Chinese character counts 3 (names and labels here are
ASCII, as FDA's Study Data Technical Conformance Guide asks; values such as a Chinese AE term
are written as UTF-8 bytes and read back with ``encoding="utf-8"``). Variables named ``*DT``
are dates (ADaM convention): numbers of days since 1960-01-01 with the DATE9. format in XPT, ISO
8601 text in CSV. Every check runs on every data set before anything is written; the files are
written to a temporary folder inside the target and then moved in, so a failed check or write
leaves no half-written set.
With a data cut-off, the XPT header's creation and modification times are set to the cut-off
date at 00:00:00, so the same data give byte-identical files.
"""

from __future__ import annotations

import math
import numbers
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd  # type: ignore[import-untyped, unused-ignore]
import pyreadstat

from dawna.analysis.adam import AdamData
from dawna.errors import ValidationError
from dawna.i18n import _

__all__ = ["DATASETS", "XptCheckError", "check_xpt", "write_adam", "write_dataset"]

NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,7}$")
MAX_LABEL_BYTES = 40
MAX_VALUE_BYTES = 200
SAS_EPOCH = date(1960, 1, 1)
#: file stem, data set name, data set label
DATASETS = (("adsl", "ADSL", "Subject-Level Analysis Dataset"),
            ("adtte", "ADTTE", "Time-to-Event Analysis Dataset"),
            ("adrs", "ADRS", "Response Analysis Dataset"),
            ("adae", "ADAE", "Adverse Events Analysis Dataset"))


class XptCheckError(ValidationError):
    """A data set breaks a SAS transport v5 rule; ``field`` is ``DATASET.VARIABLE``."""

    def __init__(self, dataset: str, variable: str | None, rule: str) -> None:
        super().__init__(rule, field=f"{dataset}.{variable}" if variable else dataset)
        self.dataset = dataset
        self.variable = variable


def _bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def _is_date(value: Any) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_column(df: pd.DataFrame, name: str, column: str) -> None:
    values = [v for v in df[column].tolist() if not _missing(v)]
    if column.endswith("DT"):
        if not all(_is_date(v) for v in values):
            raise XptCheckError(name, column, _(
                "a variable named *DT holds dates only (it is written as a SAS date)"))
        return
    texts = [v for v in values if isinstance(v, str)]
    if texts and len(texts) != len(values):
        raise XptCheckError(name, column, _("mixes text and numbers; a SAS variable is either "
                                            "character or numeric"))
    if not texts:
        if not all(_is_number(v) for v in values):
            raise XptCheckError(name, column, _("holds values that are neither text, numbers "
                                                "nor dates"))
        if any(math.isinf(float(v)) for v in values):
            raise XptCheckError(name, column, _("holds an infinite number, which SAS cannot "
                                                "store"))
        return
    for row, text in enumerate(df[column].tolist(), start=1):
        if isinstance(text, str) and _bytes(text) > MAX_VALUE_BYTES:
            raise XptCheckError(name, column, _(
                "row {row} is {n} bytes long in UTF-8; SAS transport v5 allows at most "
                "{limit} bytes (a Chinese character counts 3)").format(
                row=row, n=_bytes(text), limit=MAX_VALUE_BYTES))


def check_xpt(df: pd.DataFrame, name: str, labels: Mapping[str, str], *,
              dataset_label: str = "") -> None:
    """Refuse (:class:`XptCheckError`, naming ``DATASET.VARIABLE`` and the rule) a data set
    that SAS transport v5 cannot hold; see the module docstring for the rules."""
    if not NAME.match(name):
        raise XptCheckError(name, None, _(
            "a data set name has at most 8 characters, A-Z, 0-9 or _, starting with a letter"))
    if _bytes(dataset_label) > MAX_LABEL_BYTES:
        raise XptCheckError(name, None, _(
            "the data set label is {n} bytes long; at most {limit} are allowed").format(
            n=_bytes(dataset_label), limit=MAX_LABEL_BYTES))
    columns = [str(c) for c in df.columns]
    for column in columns:
        if columns.count(column) > 1:
            raise XptCheckError(name, column, _("the variable appears twice"))
        if not NAME.match(column):
            raise XptCheckError(name, column, _(
                "a variable name has at most 8 characters, A-Z, 0-9 or _, starting with a "
                "letter"))
        label = labels.get(column)
        if not label:
            raise XptCheckError(name, column, _("the variable has no label"))
        if _bytes(label) > MAX_LABEL_BYTES:
            raise XptCheckError(name, column, _(
                "the label is {n} bytes long; at most {limit} are allowed").format(
                n=_bytes(label), limit=MAX_LABEL_BYTES))
        _check_column(df, name, column)


def _sas_date(value: Any) -> float:
    return math.nan if _missing(value) else float((value - SAS_EPOCH).days)


def _for_xpt(df: pd.DataFrame, types: Mapping[str, str]) -> tuple[pd.DataFrame, dict[str, str]]:
    out, formats = pd.DataFrame(index=df.index), {}
    for column in df.columns:
        if column.endswith("DT"):
            out[column] = pd.Series([_sas_date(v) for v in df[column]], index=df.index,
                                    dtype=float)
            formats[column] = "DATE9."
        elif types.get(column) == "Num" or (len(df) and df[column].map(_is_number).any()):
            out[column] = pd.to_numeric(df[column], errors="raise").astype(float)
        else:
            out[column] = pd.Series(["" if _missing(v) else str(v) for v in df[column]],
                                    index=df.index, dtype=object)
    return out.reset_index(drop=True), formats


def _for_csv(df: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=df.index)
    for column in df.columns:
        values = df[column].tolist()
        known = [v for v in values if not _missing(v)]
        if column.endswith("DT") or any(_is_date(v) for v in known):
            out[column] = ["" if _missing(v) else v.isoformat() for v in values]
        elif known and all(_is_number(v) and float(v).is_integer() for v in known):
            out[column] = pd.array([None if _missing(v) else int(v) for v in values],
                                   dtype="Int64")
        else:
            out[column] = values
    return out


_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_STAMP = re.compile(rb"^\d\d[A-Z]{3}\d\d:\d\d:\d\d:\d\d$")
#: byte offsets of the created/modified stamps in the library and member headers
_STAMPS = (144, 160, 464, 480)


def _stamp(path: Path, day: date) -> None:
    """Set the XPT header times to ``day`` 00:00:00 (TS-140 layout: library header records 2
    and 3, member descriptor records 2 and 3); left alone if the layout is not the expected
    one."""
    data = bytearray(path.read_bytes())
    if not (data.startswith(b"HEADER RECORD*******LIBRARY HEADER RECORD")
            and data[240:281] == b"HEADER RECORD*******MEMBER  HEADER RECORD"
            and data[320:361] == b"HEADER RECORD*******DSCRPTR HEADER RECORD"
            and all(_STAMP.match(bytes(data[i:i + 16])) for i in _STAMPS)):
        return
    text = f"{day.day:02d}{_MONTHS[day.month - 1]}{day.year % 100:02d}:00:00:00".encode()
    for i in _STAMPS:
        data[i:i + 16] = text
    path.write_bytes(bytes(data))


def _labels(definitions: pd.DataFrame, dataset: str) -> tuple[dict[str, str], dict[str, str]]:
    rows = definitions[definitions["DATASET"] == dataset]
    return (dict(zip(rows["VARIABLE"], rows["LABEL"], strict=True)),
            dict(zip(rows["VARIABLE"], rows["TYPE"], strict=True)))


def write_dataset(df: pd.DataFrame, folder: Path, stem: str, name: str, label: str,
                  labels: Mapping[str, str], types: Mapping[str, str],
                  stamp: date | None = None) -> list[str]:
    """Write ``df`` as ``stem.csv`` and ``stem.xpt`` (SAS transport v5, data set ``name``) into
    ``folder``; ``types`` maps a variable to ``Num`` or ``Char``; with ``stamp`` the XPT header
    times are that day. Check first with :func:`check_xpt`. Returns the file names."""
    _for_csv(df).to_csv(folder / f"{stem}.csv", index=False, encoding="utf-8",
                        lineterminator="\n")
    table, formats = _for_xpt(df, types)
    pyreadstat.write_xport(table, str(folder / f"{stem}.xpt"), file_label=label,
                           column_labels={c: labels[c] for c in table.columns},
                           table_name=name, file_format_version=5,
                           variable_format=formats or None)
    if stamp is not None:
        _stamp(folder / f"{stem}.xpt", stamp)
    return [f"{stem}.csv", f"{stem}.xpt"]


def write_adam(data: AdamData, out_dir: Path) -> list[Path]:
    """Write adsl/adtte/adrs/adae as .csv and .xpt and definitions.csv into ``out_dir``
    (created if missing); returns the paths. Refuses before writing anything when a check
    fails; replaces files of the same names."""
    frames = {"adsl": data.adsl, "adtte": data.adtte, "adrs": data.adrs, "adae": data.adae}
    for stem, name, label in DATASETS:
        check_xpt(frames[stem], name, _labels(data.definitions, name)[0], dataset_label=label)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ValidationError(_("{path} exists and is not a folder").format(path=out_dir),
                              field="out_dir")
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".adam-", dir=out_dir))
    try:
        names: list[str] = []
        for stem, name, label in DATASETS:
            labels, types = _labels(data.definitions, name)
            names += write_dataset(frames[stem], work, stem, name, label, labels, types,
                                   data.cutoff)
        data.definitions.to_csv(work / "definitions.csv", index=False, encoding="utf-8",
                                lineterminator="\n")
        names.append("definitions.csv")
        for file in names:
            os.replace(work / file, out_dir / file)
        return [out_dir / file for file in names]
    finally:
        shutil.rmtree(work, ignore_errors=True)
