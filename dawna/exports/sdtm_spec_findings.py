"""SDTM domain specifications: findings (LB, VS, EG; SDTMIG 3.4 §6.3), oncology (TU, TR, RS;
SDTMIG 3.4 §6.3.11 and the SDTM oncology domains, RECIST 1.1) and supplemental qualifiers
(SUPP--, SDTMIG 3.4 §8.4). Each variable: (name, label, type, role, core, origin, codelist,
derivation)."""

from __future__ import annotations

from typing import Any

from dawna.exports.sdtm_spec_subject import (
    EPOCH,
    GRP,
    ID,
    RES,
    SYN,
    TIM,
    TOP,
    VQ,
    identifiers,
    timing,
)

__all__ = ["FINDINGS_DOMAINS", "SUPP_DOMAINS"]

LOBXFL = ("Last observation before exposure: Y on the latest non-missing result per test "
          "dated on or before RFXSTDTC")


def _results(p: str, *, ranges: bool, units: bool = True, codelist: str | None = None,
             reslist: str | None = None) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = [
        (f"{p}ORRES", "Result or Finding in Original Units", "Char", RES, "Exp", "Collected",
         reslist)]
    if units:
        out.append((f"{p}ORRESU", "Original Units", "Char", VQ, "Exp", "Collected", codelist))
    if ranges:
        out += [(f"{p}ORNRLO", "Reference Range Lower Limit in Orig Unit", "Char", VQ, "Exp",
                 "Collected"),
                (f"{p}ORNRHI", "Reference Range Upper Limit in Orig Unit", "Char", VQ, "Exp",
                 "Collected")]
    out += [(f"{p}STRESC", "Character Result/Finding in Std Format", "Char", RES, "Exp",
             "Derived", reslist, "ORRES (standard units are the units collected)"),
            (f"{p}STRESN", "Numeric Result/Finding in Standard Units", "Num", RES, "Exp",
             "Derived", None, "STRESC as a number")]
    if units:
        out.append((f"{p}STRESU", "Standard Units", "Char", VQ, "Exp", "Derived", codelist))
    return out


def _test(p: str, short: str, name: str, codelist: str | None) -> list[tuple[Any, ...]]:
    return [(f"{p}TESTCD", short, "Char", TOP, "Req", "Assigned", codelist),
            (f"{p}TEST", name, "Char", SYN, "Req", "Assigned")]


VISIT = [("VISITNUM", "Visit Number", "Num", TIM, "Exp", "Assigned"),
         ("VISIT", "Visit Name", "Char", TIM, "Perm", "Assigned")]

_LB = ("LB", "Laboratory Test Results", "FINDINGS",
       "One record per lab test per time point per subject",
       ["STUDYID", "USUBJID", "LBTESTCD", "LBDTC"], [
    *identifiers("LB"), *_test("LB", "Lab Test or Examination Short Name",
                                      "Lab Test or Examination Name", "LBTESTCD"),
    ("LBCAT", "Category for Lab Test", "Char", GRP, "Exp", "Assigned"),
    *_results("LB", ranges=True, codelist="UNIT"),
    ("LBSTNRLO", "Reference Range Lower Limit-Std Units", "Num", VQ, "Exp", "Derived"),
    ("LBSTNRHI", "Reference Range Upper Limit-Std Units", "Num", VQ, "Exp", "Derived"),
    ("LBNRIND", "Reference Range Indicator", "Char", VQ, "Exp", "Derived", "NRIND",
     "LOW below the lower limit, HIGH above the upper, else NORMAL; null without limits"),
    ("LBSPEC", "Specimen Type", "Char", "Record Qualifier", "Perm", "Collected", "SPEC"),
    ("LBLOBXFL", "Last Observation Before Exposure Flag", "Char", TIM, "Exp", "Derived", "NY",
     LOBXFL),
    ("LBTOX", "Toxicity", "Char", VQ, "Perm", "Derived", None, "the CTCAE v5.0 term graded"),
    ("LBTOXGR", "Standard Toxicity Grade", "Char", VQ, "Perm", "Derived", "TOXGR",
     "CTCAE v5.0 grade (dawna.rules.ctcae)"),
    EPOCH, *timing("LB", end=False, label="Specimen Collection")])

_VS = ("VS", "Vital Signs", "FINDINGS",
       "One record per vital sign measurement per time point per subject",
       ["STUDYID", "USUBJID", "VSTESTCD", "VISITNUM"], [
    *identifiers("VS"), *_test("VS", "Vital Signs Test Short Name",
                                      "Vital Signs Test Name", "VSTESTCD"),
    *_results("VS", ranges=False, codelist="UNIT"),
    ("VSLOBXFL", "Last Observation Before Exposure Flag", "Char", TIM, "Exp", "Derived", "NY",
     LOBXFL),
    *VISIT, EPOCH, *timing("VS", end=False, label="Measurements")])

_EG = ("EG", "ECG Test Results", "FINDINGS",
       "One record per ECG observation per time point per subject",
       ["STUDYID", "USUBJID", "EGTESTCD", "VISITNUM"], [
    *identifiers("EG"), *_test("EG", "ECG Test or Examination Short Name",
                                      "ECG Test or Examination Name", "EGTESTCD"),
    *_results("EG", ranges=False, codelist="UNIT"),
    ("EGLOBXFL", "Last Observation Before Exposure Flag", "Char", TIM, "Exp", "Derived", "NY",
     LOBXFL),
    *VISIT, EPOCH, *timing("EG", end=False, label="ECG")])

_EVAL = ("Record Qualifier")
_TU = ("TU", "Tumor/Lesion Identification", "FINDINGS",
       "One record per identified tumor per subject", ["STUDYID", "USUBJID", "TULNKID"], [
    *identifiers("TU"),
    ("TULNKID", "Link ID", "Char", ID, "Exp", "Collected", None, "the lesion id (T1, NT1)"),
    *_test("TU", "Tumor/Lesion ID Short Name", "Tumor/Lesion ID Test Name", "TUTESTCD"),
    ("TUORRES", "Tumor/Lesion ID Result", "Char", RES, "Exp", "Collected", "TUMIDENT"),
    ("TUSTRESC", "Tumor/Lesion ID Result Std. Format", "Char", RES, "Exp", "Derived",
     "TUMIDENT"),
    ("TULOC", "Location of the Tumor/Lesion", "Char", "Record Qualifier", "Exp", "Collected"),
    ("TUMETHOD", "Method of Identification", "Char", "Record Qualifier", "Exp", "Collected",
     "METHOD"),
    ("TUEVAL", "Evaluator", "Char", _EVAL, "Exp", "Assigned"),
    EPOCH, *timing("TU", end=False, label="Tumor Identification")])

_TR = ("TR", "Tumor/Lesion Results", "FINDINGS",
       "One record per tumor measurement or assessment per visit per subject",
       ["STUDYID", "USUBJID", "TRTESTCD", "TRLNKID", "TRDTC"], [
    *identifiers("TR"),
    ("TRLNKID", "Link ID", "Char", ID, "Exp", "Collected"),
    *_test("TR", "Tumor/Lesion Assessment Short Name",
            "Tumor/Lesion Assessment Test Name", "TRTESTCD"),
    ("TRORRES", "Result or Finding in Original Units", "Char", RES, "Exp", "Collected"),
    ("TRORRESU", "Original Units", "Char", VQ, "Exp", "Collected", "UNIT"),
    ("TRSTRESC", "Character Result/Finding in Std Format", "Char", RES, "Exp", "Derived"),
    ("TRSTRESN", "Numeric Result/Finding in Standard Units", "Num", RES, "Exp", "Derived"),
    ("TRSTRESU", "Standard Units", "Char", VQ, "Exp", "Derived", "UNIT"),
    ("TREVAL", "Evaluator", "Char", _EVAL, "Exp", "Assigned"),
    EPOCH, *timing("TR", end=False, label="Tumor Measurement")])

_RS = ("RS", "Disease Response and Clin Classification", "FINDINGS",
       "One record per response assessment per visit per subject",
       ["STUDYID", "USUBJID", "RSTESTCD", "RSDTC"], [
    *identifiers("RS"),
    *_test("RS", "Assessment Short Name", "Assessment Name", "RSTESTCD"),
    ("RSCAT", "Category for Assessment", "Char", GRP, "Exp", "Assigned"),
    ("RSORRES", "Result or Finding in Original Units", "Char", RES, "Exp", "Derived", "RSRESP",
     "RECIST 1.1 response at the assessment (dawna.rules.recist, re-derived from the "
     "assessments on or before the data cut)"),
    ("RSSTRESC", "Character Result/Finding in Std Format", "Char", RES, "Exp", "Derived",
     "RSRESP"),
    ("RSEVAL", "Evaluator", "Char", _EVAL, "Exp", "Assigned"),
    EPOCH, *timing("RS", end=False, label="Assessment")])


def _supp(parent: str, label: str) -> tuple[Any, ...]:
    return (f"SUPP{parent}", f"Supplemental Qualifiers for {parent}", "RELATIONSHIP",
            "One record per supplemental qualifier per parent record",
            ["STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM"], [
        ("STUDYID", "Study Identifier", "Char", ID, "Req", "Protocol"),
        ("RDOMAIN", "Related Domain Abbreviation", "Char", ID, "Req", "Assigned"),
        ("USUBJID", "Unique Subject Identifier", "Char", ID, "Req", "Derived"),
        ("IDVAR", "Identifying Variable", "Char", ID, "Exp", "Assigned"),
        ("IDVARVAL", "Identifying Variable Value", "Char", ID, "Exp", "Derived"),
        ("QNAM", "Qualifier Variable Name", "Char", TOP, "Req", "Assigned"),
        ("QLABEL", "Qualifier Variable Label", "Char", SYN, "Req", "Assigned"),
        ("QVAL", "Data Value", "Char", RES, "Req", "Collected", None, label),
        ("QORIG", "Origin", "Char", "Record Qualifier", "Req", "Assigned"),
        ("QEVAL", "Evaluator", "Char", "Record Qualifier", "Exp", "Assigned")])


SUPP_DOMAINS = {
    "SUPPAE": _supp("AE", "expectedness against the reference safety information"),
    "SUPPCM": _supp("CM", "ATC code and strong CYP3A class of the medication"),
    "SUPPEX": _supp("EX", "units dispensed, returned and lost of an oral drug dispensing")}

FINDINGS_DOMAINS = (_LB, _VS, _EG, _TU, _TR, _RS, *SUPP_DOMAINS.values())
