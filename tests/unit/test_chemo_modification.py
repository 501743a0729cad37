"""Per-drug chemotherapy rules checked against the labels' own tables, row by row."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from dawna.rules.chemo_modification import (
    GEMCITABINE_DAY8_TABLES,
    capecitabine_modification,
    day8_percent,
    oral_days_not_taken,
    paclitaxel_modification,
)
from dawna.rules.rule_errors import RuleError

# Xeloda PI §2, dose modification table: (grade, appearance) -> (action, percent)
XELODA = [
    (1, 1, "continue", 100),
    (2, 1, "interrupt", 100), (2, 2, "interrupt", 75), (2, 3, "interrupt", 50),
    (2, 4, "discontinue", None),
    (3, 1, "interrupt", 75), (3, 2, "interrupt", 50), (3, 3, "discontinue", None),
    (4, 1, "discontinue", None), (4, 2, "discontinue", None),
]


@pytest.mark.parametrize(("grade", "appearance", "action", "percent"), XELODA)
def test_capecitabine_label_table(grade: int, appearance: int, action: str,
                                  percent: int | None) -> None:
    rule = capecitabine_modification(grade, appearance)
    assert (rule.action, rule.resume_percent) == (action, percent)
    if action == "interrupt":
        assert rule.resume_at_grade == 1  # "until resolved to grade 0-1"


def test_capecitabine_grade_4_first_time_offers_the_physician_option_at_50() -> None:
    rule = capecitabine_modification(4, 1)
    assert rule.alternative is not None
    assert (rule.alternative.action, rule.alternative.resume_percent) == ("interrupt", 50)


def test_capecitabine_never_re_escalates() -> None:
    """Already at 50 % after two grade 3 events, a first grade 2 of another toxicity resumes at
    50 %, not 100 % ("once reduced, not increased")."""
    assert capecitabine_modification(2, 1, current_percent=50).resume_percent == 50


def test_capecitabine_days_not_taken_are_not_made_up() -> None:
    """Twice daily on days 1-14; interrupted from day 6, resumed day 10: days 6-9 are missed,
    the cycle still ends on day 21."""
    assert oral_days_not_taken(range(1, 15), 6, 10) == [6, 7, 8, 9]
    assert oral_days_not_taken(range(1, 15), 12, None) == [12, 13, 14]
    with pytest.raises(RuleError) as caught:
        oral_days_not_taken(range(1, 15), 6, 6)
    assert caught.value.field == "resumed_on_day"


# Gemzar PI §2 breast cancer day-8 table, AGC and platelets in ×10⁹/L (1200/mm3 = 1.2)
BREAST = [
    ("1.2", "76", 100), ("1.2", "75", 75),      # platelets must be > 75,000 for full dose
    ("1.1", "200", 75), ("1.5", "50", 75),      # 1000-1199 or 50,000-75,000
    ("0.8", "60", 50), ("0.7", "50", 50),       # 700-999 and >= 50,000
    ("0.69", "300", 0), ("2.0", "49", 0),       # < 700 or < 50,000: hold
]


@pytest.mark.parametrize(("agc", "plt", "percent"), BREAST)
def test_gemcitabine_day8_with_paclitaxel(agc: str, plt: str, percent: int) -> None:
    table = GEMCITABINE_DAY8_TABLES["gemcitabine_with_paclitaxel"]
    assert day8_percent(table, D(agc), D(plt))[0] == percent


@pytest.mark.parametrize(("agc", "plt", "percent"), [
    ("1.5", "100", 100), ("1.4", "150", 50), ("2.0", "99", 50), ("0.99", "200", 0),
    ("1.6", "74", 0),
])
def test_gemcitabine_day8_with_carboplatin(agc: str, plt: str, percent: int) -> None:
    table = GEMCITABINE_DAY8_TABLES["gemcitabine_with_carboplatin"]
    assert day8_percent(table, D(agc), D(plt))[0] == percent


@pytest.mark.parametrize(("grade", "days", "action", "percent"), [
    (2, 0, "continue", 100), (3, 0, "reduce", 80), (1, 7, "reduce", 80), (1, 6, "continue", 100),
])
def test_paclitaxel_reduces_by_a_fifth(grade: int, days: int, action: str, percent: int) -> None:
    rule = paclitaxel_modification(grade, neutrophils_below_0_5_days=days)
    assert (rule.action, rule.resume_percent) == (action, percent)


@pytest.mark.parametrize(("call", "field"), [
    (lambda: capecitabine_modification(6, 1), "grade"),
    (lambda: capecitabine_modification(2, 0), "appearance"),
    (lambda: day8_percent(GEMCITABINE_DAY8_TABLES["gemcitabine_with_carboplatin"], D("-1"),
                          D("100")), "granulocytes"),
])
def test_bad_input_names_the_field(call, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuleError) as caught:
        call()
    assert caught.value.field == field
