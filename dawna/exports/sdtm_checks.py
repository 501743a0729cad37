"""Self-checks of an SDTM export (issue 22 item 3): what a conformance validator (e.g. the
FDA Validator Rules v1.6 and CDISC SDTM conformance rules v2.0 as run by Pinnacle 21) would
flag first, run on every export and listed in ``sdtm-checks.csv``:

- SD0056 / CG0016: every Req variable of the domain present and populated (SDTMIG 3.4 §4.1.1.5);
- SD0007 / CG0020: --SEQ unique per USUBJID;
- SD0003 / CG0099: --DTC values ISO 8601 (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` with an
  optional time) and --DY never 0 (SDTMIG 3.4 §4.4.4);
- SD1001 (v5 transport): variable and data set names ≤ 8 characters, A-Z/0-9/_;
  labels ≤ 40 bytes; character values ≤ 200 bytes (SAS TS-140, FDA Technical Conformance
  Guide §3.3);
- CT2001/CT2002: values of a variable with a codelist in that codelist (``sdtm_ct.yaml``);
- SD0083 / SD1201: every USUBJID of a subject domain in DM, and every DM subject in at least
  one other subject domain;
- SD1002 / SD2005: RFSTDTC = the first EXSTDTC and RFENDTC = the last EXENDTC of the subject
  (null when the subject has no EX record).

Each finding names the check, the data set, the variable and the subject or row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from dawna.exports.sdtm_spec import DOMAINS, codelists

__all__ = ["CHECK_COLUMNS", "Finding", "findings_frame", "run_checks"]

ISO = re.compile(r"^\d{4}(-\d{2}(-\d{2}(T\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?)?)?)?$")
NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,7}$")
CHECK_COLUMNS = ["CHECK", "DATASET", "VARIABLE", "USUBJID", "ROW", "MESSAGE"]


@dataclass(frozen=True)
class Finding:
    check: str
    dataset: str
    variable: str
    usubjid: str
    row: int | None
    message: str


def _empty(value: object) -> bool:
    return value is None or value == "" or (isinstance(value, float) and value != value)


def _rows(df: pd.DataFrame, column: str) -> Iterable[tuple[int, str, object]]:
    subjects = df["USUBJID"].tolist() if "USUBJID" in df.columns else [""] * len(df)
    for i, (value, subject) in enumerate(zip(df[column].tolist(), subjects, strict=True),
                                         start=1):
        yield i, str(subject or ""), value


def _dataset(name: str, df: pd.DataFrame, labels: Mapping[str, str]) -> list[Finding]:
    out: list[Finding] = []
    spec = DOMAINS.get(name)
    lists = codelists()

    def add(check: str, variable: str, subject: str, row: int | None, message: str) -> None:
        out.append(Finding(check, name, variable, subject, row, message))

    if not NAME.match(name):
        add("NAME", "", "", None, "data set name is not 1-8 characters A-Z, 0-9, _")
    if spec is not None:
        for v in spec.variables:
            if v.core == "Req" and v.name not in df.columns:
                add("REQUIRED", v.name, "", None, "required variable missing")
            elif v.core == "Req":
                for i, subject, value in _rows(df, v.name):
                    if _empty(value):
                        add("REQUIRED", v.name, subject, i, "required variable is null")
    for column in df.columns:
        if not NAME.match(str(column)):
            add("NAME", str(column), "", None, "variable name is not 1-8 characters A-Z, 0-9, _")
        label = labels.get(str(column), "")
        if not label or len(label.encode("utf-8")) > 40:
            add("LABEL", str(column), "", None, f"label is {len(label.encode())} bytes "
                "(1 to 40 allowed)")
        for i, subject, value in _rows(df, str(column)):
            if isinstance(value, str) and len(value.encode("utf-8")) > 200:
                add("LENGTH", str(column), subject, i,
                    f"value is {len(value.encode('utf-8'))} bytes (at most 200)")
            if str(column).endswith("DTC") and isinstance(value, str) and value \
                    and not ISO.match(value):
                add("ISO8601", str(column), subject, i, f"{value!r} is not an ISO 8601 date")
            if str(column).endswith("DY") and not _empty(value) and value == 0:
                add("STUDYDAY", str(column), subject, i, "study day 0 does not exist")
        variable = spec.variable(str(column)) if spec and str(column) in spec.names() else None
        if variable is not None and variable.codelist and any(
                lists[c]["terms"] for c in variable.codelist.split("|")):
            allowed = {t for c in variable.codelist.split("|") for t in lists[c]["terms"]}
            for i, subject, value in _rows(df, str(column)):
                if not _empty(value) and str(value) not in allowed:
                    add("CT", str(column), subject, i,
                        f"{value!r} is not in codelist {variable.codelist}")
    seq = f"{name}SEQ"
    if seq in df.columns and "USUBJID" in df.columns and len(df):
        dup = df[df.duplicated(["USUBJID", seq], keep=False)]
        for i, row in dup.iterrows():
            add("SEQ", seq, str(row["USUBJID"]), int(i) + 1, f"{seq} {row[seq]} is repeated")
    return out


def _subjects(frames: Mapping[str, pd.DataFrame]) -> list[Finding]:
    out: list[Finding] = []
    dm = frames.get("DM")
    if dm is None:
        return [Finding("DM", "DM", "USUBJID", "", None, "no DM data set")]
    in_dm = set(dm["USUBJID"])
    elsewhere: set[str] = set()
    for name, df in frames.items():
        if name == "DM" or "USUBJID" not in df.columns or DOMAINS[name].cls == "TRIAL DESIGN":
            continue
        seen = set(df["USUBJID"])
        elsewhere |= seen
        for subject in sorted(seen - in_dm):
            out.append(Finding("DM", name, "USUBJID", subject, None, "subject not in DM"))
    for subject in sorted(in_dm - elsewhere):
        out.append(Finding("DM", "DM", "USUBJID", subject, None,
                           "DM subject in no other domain"))
    return out


def _reference(frames: Mapping[str, pd.DataFrame]) -> list[Finding]:
    dm, ex = frames.get("DM"), frames.get("EX")
    if dm is None:
        return []
    out: list[Finding] = []
    spans: dict[str, tuple[str, str]] = {}
    if ex is not None:
        for subject, rows in ex.groupby("USUBJID"):
            starts = [v[:10] for v in rows["EXSTDTC"] if isinstance(v, str) and v]
            ends = [v[:10] for v in rows["EXENDTC"] if isinstance(v, str) and v] or starts
            spans[str(subject)] = (min(starts), max(ends))
    for i, row in enumerate(dm.itertuples(index=False), start=1):
        first, last = spans.get(row.USUBJID, (None, None))
        for variable, value, expected in (("RFSTDTC", row.RFSTDTC, first),
                                          ("RFENDTC", row.RFENDTC, last)):
            have = value[:10] if isinstance(value, str) and value else None
            if have != expected:
                out.append(Finding("RFEX", "DM", variable, row.USUBJID, i,
                                   f"{have or 'null'} differs from EX ({expected or 'none'})"))
    return out


def run_checks(frames: Mapping[str, pd.DataFrame],
               labels: Mapping[str, Mapping[str, str]]) -> list[Finding]:
    """Every finding over the data sets written (``frames``: name → data; ``labels``: name →
    variable → label)."""
    out: list[Finding] = []
    for name, df in frames.items():
        out += _dataset(name, df, labels.get(name, {}))
    return out + _subjects(frames) + _reference(frames)


def findings_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    return pd.DataFrame([{k.upper(): v for k, v in asdict(f).items()} for f in findings],
                        columns=CHECK_COLUMNS)
