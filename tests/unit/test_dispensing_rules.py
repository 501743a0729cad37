"""Compliance, dose diary and relative dose intensity (dawna.rules.dispensing), pregnancy
clearance (dawna.rules.pregnancy) and HBV prophylaxis (dawna.rules.hbv), against values worked
by hand."""

from __future__ import annotations

from datetime import date

import pytest

from dawna.rules import dispensing, hbv, pregnancy
from dawna.rules.menopause import MenopausalStatus
from dawna.rules.rule_errors import RuleError, RuleViolation


def test_compliance_by_pill_count_worked_by_hand() -> None:
    # dalpiciclib 125 mg x 1 capsule a day, days 1-21: 21 expected; 3 bottles of 7 = 21
    # dispensed... here 28 dispensed, 8 returned, 1 lost: taken 28 - 8 - 1 = 19; 19 / 21
    c = dispensing.compliance(28, 8, 1, 21, 1)
    assert (c.taken, c.expected) == (19, 21)
    assert c.ratio == pytest.approx(0.904762, abs=1e-6)
    # capecitabine 1000 mg/m2 bid as 3 + 3 tablets of 500 mg = 6 a day for 14 days: 84 expected;
    # 84 dispensed, 12 returned: 72 / 84 = 6 / 7
    c = dispensing.compliance(84, 12, 0, 14, 6)
    assert (c.taken, c.expected, c.ratio) == (72, 84, pytest.approx(6 / 7))


def test_more_returned_than_dispensed_names_units_returned() -> None:
    with pytest.raises(RuleError) as caught:
        dispensing.compliance(21, 20, 2, 21, 1)
    assert caught.value.field == "units_returned"
    with pytest.raises(RuleError) as caught:
        dispensing.compliance(21, -1, 0, 21, 1)
    assert caught.value.field == "units_returned"


def test_diary_counts_and_days_outside_the_cycle() -> None:
    first, last = date(2024, 3, 14), date(2024, 4, 3)  # 21 days
    days = {date(2024, 3, 14): True, date(2024, 3, 15): False, date(2024, 3, 16): True}
    assert dispensing.diary_counts(days, first, last) == (2, 1)
    with pytest.raises(RuleError) as caught:
        dispensing.diary_counts({date(2024, 4, 4): True}, first, last)
    assert caught.value.field == "days"


def test_relative_dose_intensity_actual_over_planned() -> None:
    # 2 cycles planned 21 x 125 mg = 2625 mg each = 5250 mg; took 21 + 18 days: 39 x 125 = 4875
    assert dispensing.relative_dose_intensity(4875, 5250) == pytest.approx(0.928571, abs=1e-6)
    assert dispensing.relative_dose_intensity(0, 0) is None


def test_childbearing_potential() -> None:
    assert pregnancy.childbearing_potential(True, MenopausalStatus.PREMENOPAUSAL)
    assert pregnancy.childbearing_potential(True, MenopausalStatus.PERIMENOPAUSAL)
    assert pregnancy.childbearing_potential(True, None)
    assert not pregnancy.childbearing_potential(True, MenopausalStatus.POSTMENOPAUSAL)
    assert not pregnancy.childbearing_potential(False, MenopausalStatus.NOT_APPLICABLE)
    assert not pregnancy.childbearing_potential(True, None, sterile=True)


def test_a_test_after_the_dose_it_should_precede_is_refused_on_test_date() -> None:
    pregnancy.check_purpose_date(date(2024, 3, 10), date(2024, 3, 14), "treatment")
    pregnancy.check_purpose_date(date(2024, 3, 14), date(2024, 3, 14), "treatment")
    pregnancy.check_purpose_date(date(2024, 3, 20), None, "treatment")
    with pytest.raises(RuleError) as caught:
        pregnancy.check_purpose_date(date(2024, 3, 15), date(2024, 3, 14), "fes_scan")
    assert caught.value.field == "test_date"


def test_positive_blocks_negative_clears_old_warns() -> None:
    neg = pregnancy.Test(date(2024, 3, 10), "negative", "treatment")
    pos = pregnancy.Test(date(2024, 3, 12), "positive", "treatment")
    assert pregnancy.clearance([neg], date(2024, 3, 14), 7, "treatment") is None
    # 2024-03-10 to 2024-03-18 is 8 days: older than 7
    assert pregnancy.clearance([neg], date(2024, 3, 18), 7, "treatment") is not None
    assert pregnancy.clearance([], date(2024, 3, 18), 7, "fes_scan") is not None
    with pytest.raises(RuleViolation) as caught:
        pregnancy.clearance([neg, pos], date(2024, 3, 14), 7, "treatment")
    assert caught.value.field == "pregnancy_test"
    # a positive test after the day does not block that day
    assert pregnancy.clearance([neg, pos], date(2024, 3, 11), 7, "fes_scan") is None


@pytest.mark.parametrize(("hbsag", "anti_hbc", "dna", "prophylaxis", "monitor"), [
    (True, True, None, True, True),      # HBsAg+: prophylaxis whatever the DNA
    (False, True, 150.0, True, True),    # resolved infection with detectable DNA
    (False, True, 0.0, False, True),     # resolved, DNA undetectable: monitor
    (False, False, None, False, False),  # no marker
])
def test_hbv_advice(hbsag: bool, anti_hbc: bool, dna: float | None, prophylaxis: bool,
                    monitor: bool) -> None:
    a = hbv.advice(hbsag, anti_hbc, dna)
    assert (a.prophylaxis, a.monitor) == (prophylaxis, monitor)


def test_hbv_negative_dna_names_the_field() -> None:
    with pytest.raises(RuleError) as caught:
        hbv.advice(False, True, -1)
    assert caught.value.field == "hbv_dna_iu_ml"
