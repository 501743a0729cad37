"""The dose given on a cycle's day 1 against the plan (dawna/rules/cycle_doses.py): exact
decimals, no tolerance. Hand-worked: the old check allowed up to 1.0001 × the prescribed dose
(1234.5 mg × 1.0001 = 1234.62345 mg, so 1234.6 mg passed); now anything above the prescribed
dose is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dawna.rules.cycle_doses import DoseVerdict, check_cycle_dose, exact
from dawna.rules.regimen_model import PlannedDrug


def drug(levels: tuple[float, ...] | None = None) -> PlannedDrug:
    return PlannedDrug(drug="dalpiciclib" if levels else "paclitaxel", dose=150.0 if levels
                       else 80.0, dose_min=None, dose_max=None, unit="mg" if levels else "mg/m2",
                       route="PO" if levels else "IV", frequency="QD" if levels else "ONCE",
                       days=(1,), cycle_overrides={}, dose_levels=levels, source="test")


DALPICICLIB = drug((150.0, 125.0, 100.0))
PACLITAXEL = drug()


def test_exact_is_the_written_decimal() -> None:
    assert exact(0.1) == Decimal("0.1")          # not 0.1000000000000000055511151231257827
    assert exact(0.1) + exact(0.2) == exact(0.3)
    assert exact(125) == exact(125.0)


@pytest.mark.parametrize(("dose", "verdict"), [
    ("1234.5", DoseVerdict.GIVEN),              # the prescribed dose
    ("1234.6", DoseVerdict.ABOVE_PRESCRIBED),   # 0.1 mg above: refused (the old 1.0001 let it)
    ("1234.4", DoseVerdict.GIVEN),              # below: a lower dose may be given
    ("0", DoseVerdict.NOT_POSITIVE),
    ("-5", DoseVerdict.NOT_POSITIVE),
])
def test_a_drug_without_levels_is_not_given_above_the_prescribed_dose(
        dose: str, verdict: DoseVerdict) -> None:
    check = check_cycle_dose(PACLITAXEL, Decimal(dose), current_level=None,
                             prescribed=Decimal("1234.5"))
    assert check.verdict is verdict
    assert check.level is None


def test_without_a_prescribed_dose_there_is_nothing_to_compare() -> None:
    check = check_cycle_dose(PACLITAXEL, Decimal("9999"), current_level=None, prescribed=None)
    assert check.verdict is DoseVerdict.GIVEN


@pytest.mark.parametrize(("dose", "current", "verdict", "level"), [
    ("150", 0, DoseVerdict.GIVEN, 0),
    ("125", 0, DoseVerdict.GIVEN, 1),          # a lower level than the current one: allowed
    ("125", 1, DoseVerdict.GIVEN, 1),
    ("125.0", 1, DoseVerdict.GIVEN, 1),         # 125.0 is 125
    ("150", 1, DoseVerdict.ABOVE_LEVEL, 0),     # after a reduction: not re-escalated
    ("150", 2, DoseVerdict.ABOVE_LEVEL, 0),
])
def test_a_drug_with_levels_is_given_on_a_level_not_above_the_current_one(
        dose: str, current: int, verdict: DoseVerdict, level: int) -> None:
    check = check_cycle_dose(DALPICICLIB, Decimal(dose), current_level=current,
                             prescribed=Decimal("150"))
    assert (check.verdict, check.level) == (verdict, level)


def test_a_dose_between_levels_is_refused_with_the_levels() -> None:
    check = check_cycle_dose(DALPICICLIB, Decimal("130"), current_level=0,
                             prescribed=Decimal("150"))
    assert check.verdict is DoseVerdict.NOT_A_LEVEL
    assert str(check.reason) == ("130 mg is not a dose level of dalpiciclib: 150/125/100 mg are "
                                 "the dose levels")
