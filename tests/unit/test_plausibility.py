"""Plausible values (issue 18 item 5): the bounds of ``rules/plausibility.py`` with the limits of
the protocol file's ``plausibility:`` block, checked by hand at and beyond each limit."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dawna.errors import ImplausibleValue, ValidationError
from dawna.i18n import gettext
from dawna.protocol import bundled_protocol
from dawna.protocol.loader import parse_protocol
from dawna.rules import plausibility as pl
from dawna.rules.rule_errors import RuleError
from dawna.rules.screening_record import ScreeningRecord
from dawna.rules.verdict import completed_years

LIMITS = bundled_protocol().plausibility
assert LIMITS is not None


def _check(field: str, value: float, name: str, confirmed: bool = False) -> None:
    pl.check_values([pl.Check(field, value, LIMITS.ranges[name])], confirmed=confirmed)


def test_every_range_has_a_source_and_ordered_limits() -> None:
    for name, r in {**LIMITS.ranges, "age_years": LIMITS.age_years}.items():
        assert r.source and r.status.value in ("site_decision", "confirmed", "to_confirm"), name
        assert r.hard_min <= r.soft_min < r.soft_max <= r.hard_max, name


def test_limits_out_of_order_are_refused_by_the_protocol_model() -> None:
    text = (Path(__file__).parents[2] / "dawna/protocols/dawna_fes.yaml").read_text(
        encoding="utf-8").replace(
        "soft_max: 30, hard_max: 150", "soft_max: 300, hard_max: 150")
    with pytest.raises(ValidationError, match=r"plausibility\.ranges\.anc"):
        parse_protocol(text)


def test_a_misspelt_range_name_is_refused_and_every_graded_analyte_has_a_range() -> None:
    from dawna.protocol.plausibility import RANGE_NAMES
    from dawna.rules.ctcae_analytes import LAB_ANALYTES

    assert set(LAB_ANALYTES) <= RANGE_NAMES
    assert set(LAB_ANALYTES) <= set(LIMITS.ranges)
    text = (Path(__file__).parents[2] / "dawna/protocols/dawna_fes.yaml").read_text(
        encoding="utf-8").replace("    wbc: {label:", "    wbcc: {label:")
    with pytest.raises(ValidationError, match="wbcc"):
        parse_protocol(text)


@pytest.mark.parametrize("value", [0, 1.5, 30])
def test_anc_inside_the_soft_limits_passes(value: float) -> None:
    _check("value", value, "anc")


def test_anc_5000_is_impossible_even_confirmed() -> None:
    # the case: ANC 5000 ×10⁹/L (a count in /mm³ typed as ×10⁹/L); hard maximum 150
    with pytest.raises(RuleError) as caught:
        _check("labs.anc.value", 5000, "anc", confirmed=True)
    assert caught.value.field == "labs.anc.value"
    assert not isinstance(caught.value, pl.ImplausibleRefused)
    assert "5000" in str(caught.value) and "150" in str(caught.value)


def test_anc_just_above_the_hard_limit_is_impossible_and_at_it_implausible() -> None:
    with pytest.raises(RuleError):
        _check("value", 150.01, "anc", confirmed=True)
    with pytest.raises(pl.ImplausibleRefused):
        _check("value", 150, "anc")
    _check("value", 150, "anc", confirmed=True)


def test_implausible_needs_confirmation_and_translates_with_its_code() -> None:
    with pytest.raises(pl.ImplausibleRefused) as caught:
        _check("value", 31, "anc")
    error = caught.value.translated(gettext)
    assert isinstance(error, ImplausibleValue) and error.code == "implausible_value"
    assert error.status_code == 422 and error.field == "value"
    _check("value", 31, "anc", confirmed=True)


def test_several_implausible_values_are_listed_together() -> None:
    checks = [pl.Check("a", 40, LIMITS.ranges["anc"]), pl.Check("b", 2, LIMITS.ranges["platelets"])]
    with pytest.raises(pl.ImplausibleRefused) as caught:
        pl.check_values(checks, confirmed=False)
    assert caught.value.field == "a"
    assert "a = 40" in str(caught.value) and "b = 2" in str(caught.value)


def test_an_impossible_value_is_named_before_an_implausible_one() -> None:
    checks = [pl.Check("a", 40, LIMITS.ranges["anc"]), pl.Check("b", 9000, LIMITS.ranges["anc"])]
    with pytest.raises(RuleError) as caught:
        pl.check_values(checks, confirmed=False)
    assert caught.value.field == "b" and not isinstance(caught.value, pl.ImplausibleRefused)


def test_lab_values_are_converted_to_the_unit_of_their_range() -> None:
    # 5000 /mm3 = 5 ×10⁹/L: plausible; 12 g/dL = 120 g/L: plausible; 1.2 mg/dL bilirubin
    # = 20.52 µmol/L
    for analyte, value, unit, expected in (("anc", 5000, "/mm3", 5.0),
                                           ("haemoglobin", 12, "g/dL", 120.0),
                                           ("bilirubin", 1.2, "mg/dL", 20.52)):
        check = pl.lab_check("value", analyte, value, unit, LIMITS)
        assert check is not None and check.value == pytest.approx(expected)
        pl.check_values([check], confirmed=False)


def test_haemoglobin_in_g_dl_typed_as_g_l_is_impossible() -> None:
    check = pl.lab_check("value", "haemoglobin", 9.5, "g/L", LIMITS)
    assert check is not None
    with pytest.raises(RuleError):
        pl.check_values([check], confirmed=True)


def test_age_counts_completed_years() -> None:
    assert completed_years(date(1961, 7, 15), date(2024, 7, 14)) == 62
    assert completed_years(date(1961, 7, 15), date(2024, 7, 15)) == 63
    # the eligibility age criterion's convention (rules.verdict.completed_years): a 29 February
    # birthday counts on 28 February in a common year, so the two checks agree on who is 18
    assert completed_years(date(2000, 2, 29), date(2018, 2, 27)) == 17
    assert completed_years(date(2000, 2, 29), date(2018, 2, 28)) == 18


def test_birth_date_in_1800_is_impossible() -> None:
    with pytest.raises(RuleError) as caught:
        pl.check_birth_date("date_of_birth", date(1800, 5, 1), date(2024, 3, 10), LIMITS)
    assert caught.value.field == "date_of_birth" and "1900-01-01" in str(caught.value)


def test_age_bounds_at_the_decision_date() -> None:
    on = date(2024, 3, 10)
    # 1900-01-01 is allowed as a date, but 124 years old on 2024-03-10 is above 120
    with pytest.raises(RuleError):
        pl.check_values([pl.check_birth_date("date_of_birth", date(1900, 1, 1), on, LIMITS)],
                        confirmed=True)
    # 17 years old: below the protocol's minimum age of 18, asks for confirmation
    young = pl.check_birth_date("date_of_birth", date(2006, 3, 11), on, LIMITS)
    assert young.value == 17
    with pytest.raises(pl.ImplausibleRefused):
        pl.check_values([young], confirmed=False)
    pl.check_values([young], confirmed=True)
    pl.check_values([pl.check_birth_date("date_of_birth", date(1961, 7, 15), on, LIMITS)],
                    confirmed=False)


def test_expected_survival_5000_months_is_impossible_and_200_implausible() -> None:
    with pytest.raises(RuleError) as caught:
        _check("expected_survival_months", 5000, "expected_survival", confirmed=True)
    assert not isinstance(caught.value, pl.ImplausibleRefused)
    with pytest.raises(pl.ImplausibleRefused):
        _check("expected_survival_months", 200, "expected_survival")
    _check("expected_survival_months", 12, "expected_survival")


def test_screening_checks_name_the_fields_of_the_form() -> None:
    record = ScreeningRecord.model_validate({
        "date_of_birth": "1961-07-15", "expected_survival_months": 12,
        "labs": {"anc": {"value": 2.1, "unit": "10^9/L"},
                 "hemoglobin": {"value": 118, "unit": "g/L"},
                 "creatinine_clearance_ml_min": 80, "qtcf_ms": 420}})
    fields = [c.field for c in pl.screening_checks(record, date(2024, 3, 10), LIMITS)]
    assert fields == ["date_of_birth", "expected_survival_months", "labs.anc.value",
                      "labs.hemoglobin.value", "labs.creatinine_clearance_ml_min",
                      "labs.qtcf_ms"]
