"""SDTM LB, VS, EG (SDTMIG 3.4 §6.3) and the oncology domains TU, TR, RS (SDTMIG 3.4
§6.3.11, RECIST 1.1: Eisenhauer et al., Eur J Cancer 2009) from plain records.

Results are kept in the units collected, which are the standard units (``--STRESU`` =
``--ORRESU``). The last observation before exposure (``--LOBXFL``, SDTMIG 3.4 §4.5.6) is the
latest non-missing result of each test dated on or before the first dose. Test codes and names
as CDISC controlled terminology (LBTESTCD, VSTESTCD, EGTESTCD, TUTESTCD, TRTESTCD, RSTESTCD of
``sdtm_ct.yaml``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from dawna.exports.sdtm_common import Timeline, epoch, frame, iso, number, usubjid, visit_of
from dawna.exports.sdtm_records import SdtmInput

__all__ = ["LAB_TESTS", "build_eg", "build_lb", "build_rs", "build_tr", "build_tu",
           "build_vs"]

#: dawna analyte → LBTESTCD, LBTEST, LBCAT, LBSPEC
LAB_TESTS = {
    "anc": ("NEUT", "Neutrophils", "HEMATOLOGY", "BLOOD"),
    "wbc": ("WBC", "Leukocytes", "HEMATOLOGY", "BLOOD"),
    "platelets": ("PLAT", "Platelets", "HEMATOLOGY", "BLOOD"),
    "haemoglobin": ("HGB", "Hemoglobin", "HEMATOLOGY", "BLOOD"),
    "alt": ("ALT", "Alanine Aminotransferase", "CHEMISTRY", "SERUM"),
    "ast": ("AST", "Aspartate Aminotransferase", "CHEMISTRY", "SERUM"),
    "bilirubin": ("BILI", "Bilirubin", "CHEMISTRY", "SERUM"),
    "creatinine": ("CREAT", "Creatinine", "CHEMISTRY", "SERUM"),
    "hcg": ("HCG", "Choriogonadotropin Beta", "PREGNANCY TEST", None),
    "hbsag": ("HBSAG", "Hepatitis B Virus Surface Antigen", "SEROLOGY", "SERUM"),
    "hbcab": ("HBCAB", "Hepatitis B Virus Core Antibody", "SEROLOGY", "SERUM"),
    "hbvdna": ("HBVVLD", "Hepatitis B Virus Viral Load", "VIROLOGY", "SERUM")}
_VS = (("height_cm", "HEIGHT", "Height", "cm"), ("weight_kg", "WEIGHT", "Weight", "kg"),
       ("systolic_mmhg", "SYSBP", "Systolic Blood Pressure", "mmHg"),
       ("diastolic_mmhg", "DIABP", "Diastolic Blood Pressure", "mmHg"),
       ("pulse_bpm", "PULSE", "Pulse Rate", "beats/min"),
       ("temperature_c", "TEMP", "Temperature", "C"))
_EG = (("qt_ms", "QTAG", "QT Interval, Aggregate", "ms"),  # UNIT C41140 (not its synonym msec)
       ("rr_ms", "RRAG", "RR Interval, Aggregate", "ms"),
       ("qtcf_ms", "QTCFAG", "QTcF Interval, Aggregate", "ms"),
       ("heart_rate_bpm", "EGHRMN", "ECG Mean Heart Rate", "beats/min"))
_METHOD = {"CT": "CT SCAN", "MRI": "MRI", "X-RAY": "X-RAY",
           "CALIPER": "CALIPER MEASUREMENT METHOD"}  # METHOD C176470
_STATE = {"absent": "ABSENT", "present": "PRESENT",
          "unequivocal_progression": "UNEQUIVOCAL PROGRESSION",
          "not_evaluated": "NOT EVALUATED"}
INVESTIGATOR = "INVESTIGATOR"


def _flag_last_before(rows: list[dict[str, Any]], p: str,
                      times: Mapping[str, Timeline]) -> None:
    """Set ``{p}LOBXFL`` = Y on each subject's latest non-missing result per test on or before
    the first dose (rows carry ``_ON``, ``_PS``)."""
    best: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        first = times[row["_PS"]].first_dose if row["_PS"] in times else None
        if first is None or row["_ON"] > first or row.get(f"{p}ORRES") in (None, ""):
            continue
        key = (row["USUBJID"], row[f"{p}TESTCD"])
        if key not in best or row["_ON"] >= best[key]["_ON"]:
            best[key] = row
    for row in best.values():
        row[f"{p}LOBXFL"] = "Y"


def _clean(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]


def _range(value: float, low: float | None, high: float | None) -> str | None:
    if low is None and high is None:
        return None
    if low is not None and value < low:
        return "LOW"
    if high is not None and value > high:
        return "HIGH"
    return "NORMAL"


def build_lb(data: SdtmInput, times: Mapping[str, Timeline]) -> pd.DataFrame:
    rows = []
    for x in data.labs:
        code, name, cat, spec = LAB_TESTS[x.test]
        t = times.get(x.pseudonym)
        numeric = isinstance(x.value, (int, float))
        text = number(float(x.value)) if numeric else str(x.value)
        rows.append({
            "_ON": x.on, "_PS": x.pseudonym, "USUBJID": usubjid(x.pseudonym),
            "LBTESTCD": code, "LBTEST": name, "LBCAT": cat, "LBORRES": text,
            "LBORRESU": x.unit if numeric else None, "LBORNRLO": number(x.low),
            "LBORNRHI": number(x.high), "LBSTRESC": text,
            "LBSTRESN": float(x.value) if numeric else None,
            "LBSTRESU": x.unit if numeric else None, "LBSTNRLO": x.low, "LBSTNRHI": x.high,
            "LBNRIND": _range(float(x.value), x.low, x.high) if numeric else None,
            "LBSPEC": x.specimen or spec, "LBTOX": x.toxicity,
            "LBTOXGR": None if x.grade is None else str(x.grade),
            "EPOCH": epoch(t, x.on), "LBDTC": iso(x.on), "LBDY": t.day(x.on) if t else None})
    _flag_last_before(rows, "LB", times)
    return frame("LB", _clean(rows), sort=("USUBJID", "LBDTC", "LBCAT", "LBTESTCD"))


def _measures(p: str, data: list[Any], tests: tuple[tuple[str, str, str, str], ...],
              times: Mapping[str, Timeline]) -> pd.DataFrame:
    rows = []
    for x in data:
        t = times.get(x.pseudonym)
        visit, visitnum = visit_of(x.timepoint)
        for attr, code, name, unit in tests:
            value = getattr(x, attr)
            if value is None:
                continue
            rows.append({
                "_ON": x.on, "_PS": x.pseudonym, "USUBJID": usubjid(x.pseudonym),
                f"{p}TESTCD": code, f"{p}TEST": name, f"{p}ORRES": number(value),
                f"{p}ORRESU": unit, f"{p}STRESC": number(value), f"{p}STRESN": float(value),
                f"{p}STRESU": unit, "VISITNUM": visitnum, "VISIT": visit,
                "EPOCH": epoch(t, x.on), f"{p}DTC": iso(x.on),
                f"{p}DY": t.day(x.on) if t else None})
    _flag_last_before(rows, p, times)
    return frame(p, _clean(rows), sort=("USUBJID", f"{p}DTC", "VISITNUM", f"{p}TESTCD"))


def build_vs(data: SdtmInput, times: Mapping[str, Timeline]) -> pd.DataFrame:
    return _measures("VS", list(data.vitals), _VS, times)


def build_eg(data: SdtmInput, times: Mapping[str, Timeline]) -> pd.DataFrame:
    return _measures("EG", list(data.ecgs), _EG, times)


def build_tu(data: SdtmInput, times: Mapping[str, Timeline]) -> pd.DataFrame:
    rows = []
    for lesion in data.lesions:
        t = times.get(lesion.pseudonym)
        rows.append({
            "USUBJID": usubjid(lesion.pseudonym), "TULNKID": lesion.lesion,
            "TUTESTCD": "TUMIDENT", "TUTEST": "Tumor Identification",
            "TUORRES": lesion.role, "TUSTRESC": lesion.role, "TULOC": lesion.organ.upper(),
            "TUMETHOD": _METHOD.get(lesion.method.upper(), lesion.method.upper()),
            "TUEVAL": INVESTIGATOR, "EPOCH": epoch(t, lesion.on), "TUDTC": iso(lesion.on),
            "TUDY": t.day(lesion.on) if t else None})
    return frame("TU", rows, sort=("USUBJID", "TUDTC", "TULNKID"))


def build_tr(data: SdtmInput, times: Mapping[str, Timeline]) -> pd.DataFrame:
    nodal = {(x.pseudonym, x.lesion) for x in data.lesions if x.nodal}
    rows = []
    for r in data.readings:
        t = times.get(r.pseudonym)
        base = {"USUBJID": usubjid(r.pseudonym), "TREVAL": INVESTIGATOR,
                "EPOCH": epoch(t, r.on), "TRDTC": iso(r.on),
                "TRDY": t.day(r.on) if t else None}

        def mm(link: str | None, code: str, name: str, value: float | None,
               base: Mapping[str, object] = base) -> None:
            rows.append({**base, "TRLNKID": link, "TRTESTCD": code, "TRTEST": name,
                         "TRORRES": number(value), "TRORRESU": "mm",
                         "TRSTRESC": number(value), "TRSTRESN": value, "TRSTRESU": "mm"})

        for lesion, value in r.target:
            if value is None:
                continue
            if (r.pseudonym, lesion) in nodal:
                mm(lesion, "SAXIS", "Short Axis", value)
            else:
                mm(lesion, "LDIAM", "Longest Diameter", value)
        for lesion, state in r.non_target:
            text = _STATE.get(state, state.upper())
            rows.append({**base, "TRLNKID": lesion, "TRTESTCD": "TUMSTATE",
                         "TRTEST": "Tumor State", "TRORRES": text, "TRSTRESC": text})
        if r.sum_mm is not None:
            mm(None, "SUMDIAM", "Sum of Diameter", r.sum_mm)
    return frame("TR", rows, sort=("USUBJID", "TRDTC", "TRTESTCD", "TRLNKID"))


def build_rs(data: SdtmInput, times: Mapping[str, Timeline]) -> pd.DataFrame:
    rows = []
    for r in data.responses:
        t = times.get(r.pseudonym)
        for code, name, value in (("TRGRESP", "Target Response", r.target),
                                  ("NTRGRESP", "Non-target Response", r.non_target),
                                  ("OVRLRESP", "Overall Response", r.overall)):
            if value is None:
                continue
            rows.append({"USUBJID": usubjid(r.pseudonym), "RSTESTCD": code, "RSTEST": name,
                         "RSCAT": "RECIST 1.1", "RSORRES": value, "RSSTRESC": value,
                         "RSEVAL": INVESTIGATOR, "EPOCH": epoch(t, r.on), "RSDTC": iso(r.on),
                         "RSDY": t.day(r.on) if t else None})
    return frame("RS", rows, sort=("USUBJID", "RSDTC", "RSTESTCD"))
