"""CTCAE v5.0 terms in Chinese and English (issue 17 item 11): every term has its Simplified
Chinese name and is found by it; Pneumonitis and Lymphocyte count decreased as CTCAE v5.0
defines them, the lymphocyte count graded by hand from the CTCAE table."""

from __future__ import annotations

import pytest

from dawna.rules.ctcae import LAB_ANALYTES, TERMS, analyte_key, check_grade, grade_lab
from dawna.rules.ctcae_search import search_terms
from dawna.rules.ctcae_zh import SOC_ZH


def test_typing_chinese_nausea_finds_nausea() -> None:
    assert search_terms("恶心")[0].term == "Nausea"


def test_typing_chinese_pneumonitis_finds_pneumonitis_not_lung_infection() -> None:
    """肺炎 is CTCAE "Pneumonitis"; a lung infection is 肺部感染."""
    found = [t.term for t in search_terms("肺炎")]
    assert found[0] == "Pneumonitis"
    assert "Lung infection" not in found


@pytest.mark.parametrize(("query", "term"), [
    ("nausea", "Nausea"), ("NAUSEA", "Nausea"), ("nau", "Nausea"), ("腹泻", "Diarrhea"),
    ("手足综合征", "Palmar-plantar erythrodysesthesia syndrome"),
    ("hand-foot syndrome", "Palmar-plantar erythrodysesthesia syndrome"),
    ("淋巴细胞", "Lymphocyte count decreased"), ("lymphopenia", "Lymphocyte count decreased"),
    ("interstitial lung disease", "Pneumonitis"), ("pneumonia", "Lung infection"),
    ("中性粒细胞减少", "Neutrophil count decreased"),
])
def test_english_chinese_and_usual_names_find_the_term(query: str, term: str) -> None:
    assert search_terms(query)[0].term == term


def test_every_term_has_a_chinese_name_and_is_found_by_it() -> None:
    for name, found in TERMS.items():
        assert found.zh and found.zh != name
        assert name in [t.term for t in search_terms(found.zh, limit=100)]
        assert found.soc in SOC_ZH


def test_empty_query_lists_terms_and_nonsense_finds_none() -> None:
    assert len(search_terms("", limit=500)) == len(TERMS)
    assert search_terms("xyzzy") == []


def test_pneumonitis_has_ctcae_v5_grades_1_to_5() -> None:
    """CTCAE v5.0, Respiratory, thoracic and mediastinal disorders: Pneumonitis grades 1-5."""
    found = TERMS["Pneumonitis"]
    assert found.soc == "Respiratory, thoracic and mediastinal disorders"
    assert set(found.grades) == {1, 2, 3, 4, 5}
    assert found.grades[3] == "Severe symptoms; limiting self care ADL; oxygen indicated"
    assert found.grades[5] == "Death"
    check_grade("Pneumonitis", 5)


@pytest.mark.parametrize(("value", "unit", "lln", "grade"), [
    # CTCAE v5.0 Lymphocyte count decreased: G1 <LLN - 0.8; G2 <0.8 - 0.5; G3 <0.5 - 0.2;
    # G4 <0.2 x 10e9/L. "<0.8 - 0.5" means 0.5 <= value < 0.8.
    (1.2, "10^9/L", 1.1, 0),     # at or above the LLN: no adverse event
    (1.0, "10^9/L", 1.1, 1),     # < LLN 1.1, >= 0.8
    (0.8, "10^9/L", 1.1, 1),     # 0.8 itself is not "< 0.8"
    (0.79, "10^9/L", None, 2),
    (0.5, "10^9/L", None, 2),
    (0.49, "10^9/L", None, 3),
    (0.2, "10^9/L", None, 3),
    (0.19, "10^9/L", None, 4),
    (150, "/mm3", None, 4),      # 150/mm3 = 0.15 x 10^9/L: "<200/mm3"
    (500, "cells/uL", None, 2),  # 500/uL = 0.5 x 10^9/L: "<800 - 500/mm3"
])
def test_lymphocyte_count_graded_by_the_ctcae_table(value: float, unit: str,
                                                     lln: float | None, grade: int) -> None:
    result = grade_lab("lymphocytes", value, unit, lln=lln)
    assert result.grade == grade
    assert result.term == "Lymphocyte count decreased"


def test_lymphocyte_aliases_and_term() -> None:
    assert analyte_key("ALC") == analyte_key("Lymphocyte count") == "lymphocytes"
    assert LAB_ANALYTES["lymphocytes"].term in TERMS
    assert TERMS["Lymphocyte count decreased"].lab_analyte == "lymphocytes"


def test_a_term_given_by_its_chinese_name_is_the_ctcae_term() -> None:
    """What a coordinator saves as 恶心 is stored as the CTCAE v5.0 term Nausea."""
    from dawna.rules.ctcae import term

    assert term("恶心").term == "Nausea"
    assert term("肺炎").term == "Pneumonitis"
