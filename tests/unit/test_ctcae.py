"""CTCAE v5.0 grading against the CTCAE v5.0 tables (NCI, 27 November 2017; docs/domain.md §4).

The laboratory wording is the NCI spreadsheet's as transcribed in pharmaverse/admiral
``data-raw/adlb_grading/ncictcaev5.json`` (copied in tests/reference/ctcae/). Every boundary of
every laboratory term is tested on both sides; every ratio and conversion is worked by hand in
the test. Boundaries: "<1.0 - 0.5" is 0.5 ≤ value < 1.0; ">3.0 - 5.0 x ULN" is 3 × ULN < value
≤ 5 × ULN; "1.5 - 3.0 x baseline" includes 1.5 × baseline.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from dawna.rules.ctcae import (
    CTCAE_VERSION,
    LAB_ANALYTES,
    TERMS,
    CtcaeError,
    analyte_key,
    check_grade,
    febrile_neutropenia,
    grade_lab,
    term,
)
from dawna.rules.units import convert

REFERENCE = Path(__file__).parents[1] / "reference" / "ctcae" / "ctcae_v5_lab_terms.json"


def grade(analyte: str, value: float, unit: str, **limits: float) -> int:
    return grade_lab(analyte, value, unit, **limits).grade


# -- decreased terms: every threshold, both sides ------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    (2.0, 0),   # = LLN: not below it
    (1.99, 1),  # "<LLN - 1.5 x 10e9 /L"
    (1.5, 1),
    (1.49, 2),  # "<1.5 - 1.0 x 10e9 /L"
    (1.0, 2),
    (0.99, 3),  # "<1.0 - 0.5 x 10e9 /L"
    (0.5, 3),
    (0.49, 4),  # "<0.5 x 10e9 /L"
    (0.0, 4),
])
def test_neutrophils_grade_boundaries_ctcae_v5_table(value: float, expected: int) -> None:
    assert grade("anc", value, "10^9/L", lln=2.0) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (4.0, 0), (3.99, 1), (3.0, 1), (2.99, 2), (2.0, 2), (1.99, 3), (1.0, 3), (0.99, 4),
])
def test_white_blood_cells_grade_boundaries_ctcae_v5_table(value: float, expected: int) -> None:
    # "<LLN - 3.0", "<3.0 - 2.0", "<2.0 - 1.0", "<1.0 x 10e9 /L"; LLN 4.0
    assert grade("wbc", value, "10^9/L", lln=4.0) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (150, 0), (149, 1), (75, 1), (74.9, 2), (50, 2), (49.9, 3), (25, 3), (24.9, 4),
])
def test_platelets_grade_boundaries_ctcae_v5_table(value: float, expected: int) -> None:
    # "<LLN - 75.0", "<75.0 - 50.0", "<50.0 - 25.0", "<25.0 x 10e9 /L"; LLN 150
    assert grade("platelets", value, "10^9/L", lln=150) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (115, 0), (114, 1), (100, 1), (99.9, 2), (80, 2), (79.9, 3), (30, 3),
])
def test_anaemia_grade_boundaries_ctcae_v5_table(value: float, expected: int) -> None:
    # "<LLN - 100 g/L", "<100 - 80g/L", "<80 g/L; transfusion indicated"; LLN 115 g/L.
    # Grade 4 is "Life-threatening consequences; urgent intervention indicated": never from
    # the value, so even Hb 30 g/L is grade 3 here.
    assert grade("haemoglobin", value, "g/L", lln=115) == expected


def test_anaemia_rule_says_grade_4_is_clinical() -> None:
    result = grade_lab("Hb", 60, "g/L")
    assert (result.grade, result.basis) == (3, "absolute")
    assert str(result.rule) == (
        "Grade 3: < 80 g/L (CTCAE v5.0, Anemia); grade 4 (life-threatening consequences; "
        "urgent intervention indicated) is a clinical judgement, never given from the value "
        "alone")


def test_decreased_rule_texts_and_basis() -> None:
    g3 = grade_lab("anc", 0.7, "10^9/L")
    assert (g3.analyte, g3.term, g3.grade, g3.value, g3.unit, g3.basis) == (
        "anc", "Neutrophil count decreased", 3, 0.7, "10^9/L", "absolute")
    assert str(g3.rule) == "Grade 3: < 1.0 – 0.5 ×10⁹/L (CTCAE v5.0, Neutrophil count decreased)"
    assert str(grade_lab("anc", 0.3, "10^9/L").rule) == (
        "Grade 4: < 0.5 ×10⁹/L (CTCAE v5.0, Neutrophil count decreased)")
    g1 = grade_lab("anc", 1.8, "10^9/L", lln=2.0)
    assert (g1.grade, g1.basis) == (1, "lln")
    assert str(g1.rule) == "Grade 1: < LLN 2 – 1.5 ×10⁹/L (CTCAE v5.0, Neutrophil count decreased)"
    g0 = grade_lab("platelets", 180, "10^9/L", lln=150)
    assert (g0.grade, g0.basis) == (0, "lln")
    assert str(g0.rule) == (
        "Grade 0: 180 ×10⁹/L is not below the LLN 150 ×10⁹/L (CTCAE v5.0, Platelet count "
        "decreased)")


def test_lln_needed_only_above_the_grade_2_bound() -> None:
    # ANC 0.7 is grade 3 with or without an LLN; 1.8 cannot be told grade 0 from grade 1.
    assert grade("anc", 0.7, "10^9/L") == grade("anc", 0.7, "10^9/L", lln=2.0) == 3
    assert grade("anc", 1.49, "10^9/L") == 2
    with pytest.raises(CtcaeError) as error:
        grade_lab("anc", 1.8, "10^9/L")
    assert error.value.field == "lln"
    assert "< LLN – 1.5 ×10⁹/L" in str(error.value.message)
    assert "Neutrophil count decreased" in str(error.value.message)
    with pytest.raises(CtcaeError) as error:
        grade_lab("haemoglobin", 100, "g/L")  # "<LLN - 100 g/L" needs the LLN
    assert error.value.field == "lln"


def test_lln_below_a_grade_bound_is_taken_as_given() -> None:
    # Laboratory LLN 1.4 ×10⁹/L, below the 1.5 bound of grade 2: a value within the
    # laboratory's limits is grade 0 (1.45 ≥ 1.4); below it the table grades it (1.2 → 2).
    assert grade("anc", 1.45, "10^9/L", lln=1.4) == 0
    assert grade("anc", 1.4, "10^9/L", lln=1.4) == 0
    assert grade("anc", 1.39, "10^9/L", lln=1.4) == 2
    assert grade("anc", 1.0, "10^9/L", lln=1.4) == 2
    assert grade("anc", 0.99, "10^9/L", lln=1.4) == 3


# -- unit conversion paths ------------------------------------------------------------------

def test_counts_per_mm3_and_per_ul_are_exact_boundaries() -> None:
    # 1000 /mm3 = 1000 × 10⁶/L = 1.0 ×10⁹/L: "<1.5 - 1.0" → grade 2, not grade 3.
    result = grade_lab("ANC", 1000, "/mm3")
    assert (result.grade, result.value, result.unit) == (2, 1.0, "10^9/L")
    assert grade("ANC", 999, "/mm3") == 3
    assert grade("neutrophils", 500, "cells/uL") == 3  # 0.5 ×10⁹/L
    assert grade("neutrophils", 499, "cells/uL") == 4
    assert grade("PLT", 75000, "/mm3", lln=150000) == 1  # 75.0 ×10⁹/L, LLN 150
    assert grade("PLT", 74999, "/mm3", lln=150000) == 2
    assert grade("WBC", 2000, "/mm3") == 2  # 2.0 ×10⁹/L
    assert grade("WBC", 1999, "cells/uL") == 3


def test_haemoglobin_g_per_dl_and_mmol_per_l() -> None:
    # 7.9 g/dL × 10 = 79 g/L < 80 → grade 3; 8.0 g/dL = 80 g/L → grade 2.
    result = grade_lab("Hb", 7.9, "g/dL")
    assert (result.grade, result.value, result.unit) == (3, 79.0, "g/L")
    assert grade("Hb", 8.0, "g/dL") == 2
    assert grade("Hb", 10.0, "g/dL", lln=12.0) == 1  # 100 g/L, LLN 120 g/L
    # 6.0 mmol/L ÷ 0.6206 × 10 = 96.68 g/L → grade 2.
    result = grade_lab("hemoglobin", 6.0, "mmol/L", lln=7.1)
    assert result.grade == 2
    assert result.value == pytest.approx(96.68063164679)
    # 4.9 mmol/L = 78.96 g/L: grade 3 in g/L (CTCAE's "<6.2 - 4.9 mmol/L" column is rounded).
    assert grade("hemoglobin", 4.9, "mmol/L") == 3
    assert grade("hemoglobin", 4.97, "mmol/L") == 2  # 80.08 g/L


def test_bilirubin_in_mg_per_dl_with_uln_in_mg_per_dl() -> None:
    # 1.2 mg/dL × 17.1 = 20.52 µmol/L; ULN 1.0 mg/dL = 17.1 µmol/L; 20.52 / 17.1 = 1.2 × ULN:
    # ">ULN - 1.5 x ULN" → grade 1.
    result = grade_lab("bilirubin", 1.2, "mg/dL", uln=1.0)
    assert (result.grade, result.value, result.unit, result.basis) == (1, 20.52, "umol/L", "uln")
    assert str(result.rule) == (
        "Total bilirubin 1.2 × ULN: grade 1 (> ULN – 1.5 × ULN, no baseline value: graded as "
        "baseline normal; CTCAE v5.0, Blood bilirubin increased)")
    # 1.5 mg/dL = 25.65 µmol/L = exactly 1.5 × 17.1: still grade 1; 1.51 mg/dL → grade 2.
    assert grade("TBIL", 1.5, "mg/dL", uln=1.0) == 1
    assert grade("TBIL", 1.51, "mg/dL", uln=1.0) == 2


def test_creatinine_in_mg_per_dl() -> None:
    # ULN 1.0 mg/dL = 88.4 µmol/L. 1.5 mg/dL = 132.6 = 1.5 × ULN → grade 1;
    # 1.6 mg/dL = 141.44 µmol/L = 1.6 × ULN → grade 2 (">1.5 - 3.0 x ULN").
    result = grade_lab("creatinine", 1.5, "mg/dL", uln=1.0)
    assert (result.grade, result.value, result.unit) == (1, 132.6, "umol/L")
    assert grade("Cr", 1.6, "mg/dL", uln=1.0) == 2
    assert grade("Cr", 3.0, "mg/dL", uln=1.0) == 2
    assert grade("Cr", 3.01, "mg/dL", uln=1.0) == 3


def test_every_accepted_unit_converts_to_the_reference_unit() -> None:
    for spec in LAB_ANALYTES.values():
        assert spec.unit == spec.units[0]
        for unit in spec.units:
            assert convert(1.0, unit, spec.unit, spec.quantity) > 0


def test_unit_aliases_of_the_display_forms() -> None:
    assert grade("anc", 0.7, "×10⁹/L") == 3
    assert grade("TBIL", 40, "µmol/L", uln=20) == 2  # 2.0 × ULN
    assert grade("ALT", 100, "IU/L", uln=40) == 1  # 2.5 × ULN


def test_unknown_unit_lists_the_accepted_units() -> None:
    with pytest.raises(CtcaeError) as error:
        grade_lab("Hb", 9.0, "mg/dL")
    assert error.value.field == "unit"
    assert "g/L, g/dL, mmol/L" in str(error.value.message)
    with pytest.raises(CtcaeError) as error:
        grade_lab("ALT", 50, "umol/L", uln=40)
    assert error.value.field == "unit"
    assert str(error.value.message).endswith("use one of: U/L")


# -- increased terms ------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    (40, 0), (40.1, 1), (120, 1), (120.1, 2), (200, 2), (200.1, 3), (800, 3), (800.1, 4),
])
def test_alt_ast_baseline_normal_ctcae_v5_table(value: float, expected: int) -> None:
    # ULN 40 U/L: ">ULN - 3.0 x ULN" = (40, 120]; ">3.0 - 5.0" = (120, 200];
    # ">5.0 - 20.0" = (200, 800]; ">20.0" = > 800. Baseline 35 ≤ ULN, or none: normal.
    assert grade("alt", value, "U/L", uln=40) == expected
    assert grade("ast", value, "U/L", uln=40, baseline=35) == expected
    assert grade("ast", value, "U/L", uln=40, baseline=40) == expected  # = ULN is normal


@pytest.mark.parametrize(("value", "expected"), [
    (89, 0), (90, 1), (180, 1), (180.1, 2), (300, 2), (300.1, 3), (1200, 3), (1200.1, 4),
])
def test_alt_ast_baseline_abnormal_ctcae_v5_table(value: float, expected: int) -> None:
    # ULN 40, baseline 60 U/L (> ULN, abnormal): "1.5 - 3.0 x baseline" = [90, 180];
    # ">3.0 - 5.0" = (180, 300]; ">5.0 - 20.0" = (300, 1200]; ">20.0" > 1200.
    # 89 / 60 = 1.483 < 1.5 → grade 0 although 89 > 2 × ULN.
    result = grade_lab("alt", value, "U/L", uln=40, baseline=60)
    assert (result.grade, result.basis) == (expected, "baseline")
    assert grade("AST", value, "U/L", uln=40, baseline=60) == expected


def test_alt_rule_states_the_multiple() -> None:
    # 248 / 40 = 6.2 × ULN: ">5.0 - 20.0 x ULN if baseline was normal" → grade 3.
    result = grade_lab("ALT", 248, "U/L", uln=40, baseline=30)
    assert str(result.rule) == (
        "ALT 6.2 × ULN: grade 3 (> 5.0 – 20.0 × ULN, baseline normal; CTCAE v5.0, Alanine "
        "aminotransferase increased)")
    assert str(grade_lab("ALT", 30, "U/L", uln=40).rule) == (
        "ALT 0.75 × ULN: grade 0 (not above the ULN, no baseline value: graded as baseline "
        "normal; CTCAE v5.0, Alanine aminotransferase increased)")
    # 150 / 60 = 2.5 × baseline → grade 1; 89 / 60 = 1.483 → grade 0.
    assert str(grade_lab("AST", 150, "U/L", uln=40, baseline=60).rule) == (
        "AST 2.5 × baseline: grade 1 (1.5 – 3.0 × baseline, baseline above the ULN; CTCAE "
        "v5.0, Aspartate aminotransferase increased)")
    assert str(grade_lab("AST", 89, "U/L", uln=40, baseline=60).rule) == (
        "AST 1.483 × baseline: grade 0 (grade 1 is 1.5 – 3.0 × baseline, baseline above the "
        "ULN; CTCAE v5.0, Aspartate aminotransferase increased)")


@pytest.mark.parametrize(("value", "expected"), [
    (20, 0), (20.1, 1), (30, 1), (30.1, 2), (60, 2), (60.1, 3), (200, 3), (200.1, 4),
])
def test_bilirubin_baseline_normal_ctcae_v5_table(value: float, expected: int) -> None:
    # ULN 20 µmol/L: ">ULN - 1.5 x ULN" = (20, 30]; ">1.5 - 3.0" = (30, 60];
    # ">3.0 - 10.0" = (60, 200]; ">10.0" > 200.
    assert grade("bilirubin", value, "umol/L", uln=20) == expected
    assert grade("bilirubin", value, "umol/L", uln=20, baseline=15) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (30, 0), (30.1, 1), (45, 1), (45.1, 2), (90, 2), (90.1, 3), (300, 3), (300.1, 4),
])
def test_bilirubin_baseline_abnormal_ctcae_v5_table(value: float, expected: int) -> None:
    # ULN 21, baseline 30 µmol/L (abnormal): "> 1.0 - 1.5 x baseline" = (30, 45];
    # ">1.5 - 3.0" = (45, 90]; ">3.0 - 10.0" = (90, 300]; ">10.0" > 300.
    result = grade_lab("bilirubin", value, "umol/L", uln=21, baseline=30)
    assert (result.grade, result.basis) == (expected, "baseline")


@pytest.mark.parametrize(("value", "expected"), [
    (90, 0), (90.1, 1), (135, 1), (135.1, 2), (270, 2), (270.1, 3), (540, 3), (540.1, 4),
])
def test_creatinine_by_uln_ctcae_v5_table(value: float, expected: int) -> None:
    # ULN 90 µmol/L: ">ULN - 1.5 x ULN" = (90, 135]; ">1.5 - 3.0 x ULN" = (135, 270];
    # ">3.0 - 6.0 x ULN" = (270, 540]; ">6.0 x ULN" > 540.
    result = grade_lab("creatinine", value, "umol/L", uln=90)
    assert (result.grade, result.basis) == (expected, "uln")


def test_creatinine_takes_the_higher_of_the_baseline_and_uln_grades() -> None:
    # ULN 90, baseline 50 µmol/L. 80: 0.89 × ULN (grade 0) but 1.6 × baseline (">1.5 - 3.0 x
    # baseline", grade 2) → 2 by the baseline. 75 = 1.5 × baseline exactly → grade 0.
    result = grade_lab("Cr", 80, "umol/L", uln=90, baseline=50)
    assert (result.grade, result.basis) == (2, "baseline")
    assert str(result.rule) == (
        "Creatinine 1.6 × baseline: grade 2 (> 1.5 – 3.0 × baseline, higher than the grade by "
        "the ULN; CTCAE v5.0, Creatinine increased)")
    assert grade("Cr", 75, "umol/L", uln=90, baseline=50) == 0
    # 151: 3.02 × baseline (">3.0 baseline", grade 3) vs 1.68 × ULN (grade 2) → 3.
    assert grade_lab("Cr", 151, "umol/L", uln=90, baseline=50).basis == "baseline"
    assert grade("Cr", 151, "umol/L", uln=90, baseline=50) == 3
    # 541: 6.01 × ULN → grade 4 by the ULN (the baseline criterion stops at 3).
    result = grade_lab("Cr", 541, "umol/L", uln=90, baseline=50)
    assert (result.grade, result.basis) == (4, "uln")
    # 100 with baseline 80: 1.11 × ULN (grade 1), 1.25 × baseline (none) → 1 by the ULN.
    result = grade_lab("Cr", 100, "umol/L", uln=90, baseline=80)
    assert (result.grade, result.basis) == (1, "uln")


def test_uln_is_required_for_the_increased_terms() -> None:
    for analyte in ("alt", "ast", "bilirubin", "creatinine"):
        with pytest.raises(CtcaeError) as error:
            grade_lab(analyte, 50, LAB_ANALYTES[analyte].unit, baseline=30)
        assert error.value.field == "uln"
        assert LAB_ANALYTES[analyte].term in str(error.value.message)


# -- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [-0.1, math.nan, math.inf])
def test_negative_or_non_finite_value_is_refused(value: float) -> None:
    with pytest.raises(CtcaeError) as error:
        grade_lab("anc", value, "10^9/L", lln=2.0)
    assert error.value.field == "value"


@pytest.mark.parametrize(("field", "limits"), [
    ("lln", {"lln": -1.0}), ("lln", {"lln": 0.0}), ("uln", {"uln": -40.0}),
    ("uln", {"uln": math.nan}), ("baseline", {"baseline": -3.0}),
    ("lln", {"lln": 40.0, "uln": 40.0}), ("lln", {"lln": 50.0, "uln": 40.0}),
])
def test_bad_limits_name_their_field(field: str, limits: dict[str, float]) -> None:
    with pytest.raises(CtcaeError) as error:
        grade_lab("alt", 30, "U/L", **({"uln": 40.0} | limits))
    assert error.value.field == field


def test_limits_are_converted_like_the_value() -> None:
    # ANC 1600 /mm3 with LLN 1800 /mm3 → 1.6 < 1.8 ×10⁹/L → grade 1; 1800 /mm3 → grade 0.
    assert grade("anc", 1600, "/mm3", lln=1800) == 1
    assert grade("anc", 1800, "/mm3", lln=1800) == 0


def test_zero_count_is_a_value() -> None:
    assert grade("anc", 0, "10^9/L") == 4


# -- analyte names --------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "key"), [
    ("ANC", "anc"), ("neutrophils", "anc"), ("Neutrophil count", "anc"),
    ("Neutrophil count decreased", "anc"), ("Hb", "haemoglobin"), ("hemoglobin", "haemoglobin"),
    ("Haemoglobin", "haemoglobin"), ("Anemia", "haemoglobin"), ("PLT", "platelets"),
    ("platelets", "platelets"), ("Platelet count decreased", "platelets"), ("WBC", "wbc"),
    ("white cells", "wbc"), ("White blood cell decreased", "wbc"), ("ALT", "alt"),
    ("alanine aminotransferase", "alt"), ("AST", "ast"), ("Aspartate aminotransferase "
    "increased", "ast"), ("TBIL", "bilirubin"), ("T-BIL", "bilirubin"), ("bilirubin", "bilirubin"),
    ("Blood bilirubin increased", "bilirubin"), ("creatinine", "creatinine"), ("Cr", "creatinine"),
    ("Creatinine increased", "creatinine"), ("  anc ", "anc"),
])
def test_analyte_key_aliases(text: str, key: str) -> None:
    assert analyte_key(text) == key


def test_unknown_analyte_is_refused() -> None:
    for text in ("glucose", "", "eosinophils"):
        with pytest.raises(CtcaeError) as error:
            analyte_key(text)
        assert error.value.field == "analyte"
    with pytest.raises(CtcaeError) as error:
        grade_lab("albumin", 30, "g/L")
    assert error.value.field == "analyte"


# -- terms ----------------------------------------------------------------------------------

def test_lab_terms_match_the_ctcae_v5_spreadsheet_wording() -> None:
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))["terms"]
    assert {r["TERM"] for r in reference} == {a.term for a in LAB_ANALYTES.values()}
    for row in reference:
        found = TERMS[row["TERM"]]
        assert found.soc == row["SOC"]
        expected = {g: row[f"GRADE_{g}"] for g in range(1, 6) if row[f"GRADE_{g}"] != "-"}
        if row["TERM"] == "Creatinine increased":  # admiral keeps v4.03's wording here
            assert expected[3] == ">3.0 baseline; >3.0 - 6.0 x ULN"
            expected[3] = ">3.0 x baseline; >3.0 - 6.0 x ULN"  # NCI's v5.0 spreadsheet
        assert dict(found.grades) == expected
        assert LAB_ANALYTES[found.lab_analyte or ""].term == found.term


def test_every_term_is_worded_as_the_nci_ctcae_v5_spreadsheet() -> None:
    """Name, system organ class, the grades defined and every grade text of each term, as the
    rows of NCI's CTCAE_v5.0.xlsx (tests/reference/ctcae/README.md) give them."""
    import csv

    path = REFERENCE.parent / "ctcae_v5_terms.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = {r["CTCAE Term"]: r for r in csv.DictReader(fh)}
    assert set(rows) == set(TERMS) and len(rows) == 47
    for name, found in TERMS.items():
        row = rows[name]
        assert found.soc == row["MedDRA SOC"], name
        expected = {g: row[f"Grade {g}"] for g in range(1, 6) if row[f"Grade {g}"] != "-"}
        assert dict(found.grades) == expected, name
    psychiatric = TERMS["Psychiatric disorders - Other, specify"].grades
    assert psychiatric[4] == (
        "Life-threatening consequences; hospitalization or urgent intervention indicated")


def test_term_list_covers_the_trial_terms() -> None:
    required = {
        "Febrile neutropenia", "Diarrhea", "Nausea", "Vomiting", "Fatigue", "Anorexia",
        "Mucositis oral", "Palmar-plantar erythrodysesthesia syndrome",
        "Peripheral sensory neuropathy", "Alopecia", "Rash maculo-papular", "Hot flashes",
        "Arthralgia", "Constipation", "Fever", "Lung infection", "Thromboembolic event",
        "Injection site reaction", "Electrocardiogram QT corrected interval prolonged",
        "Death NOS",
    }
    assert required <= set(TERMS)
    for name, found in TERMS.items():
        assert found.term == name
        assert found.grades and set(found.grades) <= {1, 2, 3, 4, 5}
        assert all(text.strip() for text in found.grades.values())


@pytest.mark.parametrize(("name", "grades"), [
    ("Alopecia", {1, 2}), ("Nausea", {1, 2, 3}), ("Febrile neutropenia", {3, 4, 5}),
    ("Death NOS", {5}), ("Lung infection", {2, 3, 4, 5}), ("Fatigue", {1, 2, 3}),
    ("Peripheral sensory neuropathy", {1, 2, 3, 4}), ("Rash maculo-papular", {1, 2, 3}),
    ("Palmar-plantar erythrodysesthesia syndrome", {1, 2, 3}), ("Vomiting", {1, 2, 3, 4, 5}),
    ("Anemia", {1, 2, 3, 4, 5}), ("Neutrophil count decreased", {1, 2, 3, 4}),
    ("Electrocardiogram QT corrected interval prolonged", {1, 2, 3, 4}),
])
def test_terms_define_only_the_ctcae_v5_grades(name: str, grades: set[int]) -> None:
    assert set(TERMS[name].grades) == grades


def test_clinical_wording_ctcae_v5() -> None:
    assert TERMS["Febrile neutropenia"].grades[3] == (
        "ANC <1000/mm3 with a single temperature of >38.3 degrees C (101 degrees F) or a "
        "sustained temperature of >=38 degrees C (100.4 degrees F) for more than one hour")
    assert TERMS["Febrile neutropenia"].soc == "Blood and lymphatic system disorders"
    assert TERMS["Fever"].grades[1] == "38.0 - 39.0 degrees C (100.4 - 102.2 degrees F)"
    assert TERMS["Vomiting"].grades[2] == "Outpatient IV hydration; medical intervention indicated"
    assert TERMS["Diarrhea"].grades[1] == (
        "Increase of <4 stools per day over baseline; mild increase in ostomy output compared "
        "to baseline")
    assert TERMS["Peripheral sensory neuropathy"].soc == "Nervous system disorders"
    assert TERMS["Hot flashes"].soc == "Vascular disorders"


def test_term_lookup_is_case_insensitive() -> None:
    assert term("alopecia").term == "Alopecia"
    assert term("  PALMAR-PLANTAR   erythrodysesthesia syndrome").term == (
        "Palmar-plantar erythrodysesthesia syndrome")
    assert term("anemia").lab_analyte == "haemoglobin"
    with pytest.raises(CtcaeError) as error:
        term("Hand-foot syndrome")
    assert error.value.field == "term"
    assert str(error.value.message) == (
        "'Hand-foot syndrome' is not a CTCAE v5.0 term in dawna's list")


@pytest.mark.parametrize(("name", "bad"), [
    ("Alopecia", 3), ("Nausea", 4), ("Nausea", 5), ("Febrile neutropenia", 2),
    ("Death NOS", 4), ("Fatigue", 0), ("Lung infection", 1),
    ("Peripheral sensory neuropathy", 5), ("Neutrophil count decreased", 5),
])
def test_check_grade_refuses_grades_the_term_does_not_define(name: str, bad: int) -> None:
    with pytest.raises(CtcaeError) as error:
        check_grade(name, bad)
    assert error.value.field == "grade"


def test_check_grade_accepts_defined_grades() -> None:
    check_grade("Alopecia", 2)
    check_grade("nausea", 3)
    check_grade("Febrile neutropenia", 5)
    check_grade("Death NOS", 5)
    with pytest.raises(CtcaeError) as error:
        check_grade("Alopecia", True)
    assert error.value.field == "grade"
    with pytest.raises(CtcaeError) as error:
        check_grade("Not a term", 1)
    assert error.value.field == "term"


# -- febrile neutropenia --------------------------------------------------------------------

@pytest.mark.parametrize(("anc", "temperature", "sustained", "expected"), [
    (0.99, 38.4, False, True),   # single temperature > 38.3 °C
    (0.99, 38.3, False, False),  # 38.3 is not > 38.3
    (0.99, 38.3, True, True),    # ≥ 38.0 °C sustained > 1 h
    (0.99, 38.0, True, True),
    (0.99, 37.9, True, False),
    (0.99, 38.0, False, False),
    (1.0, 39.5, True, False),    # ANC must be < 1.0 ×10⁹/L (< 1000/mm3)
    (0.0, 40.0, False, True),
])
def test_febrile_neutropenia_ctcae_v5_definition(anc: float, temperature: float,
                                                 sustained: bool, expected: bool) -> None:
    assert febrile_neutropenia(anc, temperature, sustained) is expected


def test_febrile_neutropenia_refuses_bad_numbers() -> None:
    with pytest.raises(CtcaeError) as error:
        febrile_neutropenia(-0.1, 38.5, False)
    assert error.value.field == "anc_10e9_l"
    with pytest.raises(CtcaeError) as error:
        febrile_neutropenia(0.5, math.nan, False)
    assert error.value.field == "temperature_c"


def test_version_and_error_text() -> None:
    assert CTCAE_VERSION == "5.0"
    error = CtcaeError("uln", grade_lab("anc", 0.7, "10^9/L").rule)
    assert isinstance(error, ValueError)
    assert str(error).startswith("uln: Grade 3")


def test_meddra_codes_are_the_ctcae_v5_spreadsheet_codes() -> None:
    """A listed term's LLT code, and each SOC's code from its "Other, specify" row."""
    import csv

    from dawna.rules.ctcae_meddra import MEDDRA_LLT, MEDDRA_SOC

    with (REFERENCE.parent / "ctcae_v5_terms.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    other = [r for r in rows if r["CTCAE Term"].endswith(" - Other, specify")]
    assert dict(MEDDRA_LLT) == {r["CTCAE Term"]: int(r["MedDRA Code"]) for r in rows
                                if r not in other}
    assert dict(MEDDRA_SOC) == {r["MedDRA SOC"]: int(r["MedDRA Code"]) for r in other}
    assert {t.soc for t in TERMS.values()} <= set(MEDDRA_SOC)  # every term's SOC has its code
    assert MEDDRA_LLT["Febrile neutropenia"] == 10016288
    assert MEDDRA_SOC["Investigations"] == 10022891
