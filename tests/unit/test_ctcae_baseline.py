"""Which stored result is the CTCAE baseline (dawna/rules/ctcae.py: baseline_value), on results
written here: the latest sampled on or before the first dose, or before the new result when
treatment has not started; converted to the new result's unit (bilirubin 1 mg/dL = 17.1 µmol/L,
creatinine 1 mg/dL = 88.4 µmol/L, dawna/rules/units.py)."""

from __future__ import annotations

from datetime import date

import pytest

from dawna.rules.ctcae import StoredResult, baseline_value, graded_against_baseline

D = date.fromisoformat
RESULTS = [StoredResult(D("2026-02-20"), 30.0, "U/L"),
           StoredResult(D("2026-02-27"), 45.0, "U/L"),
           StoredResult(D("2026-03-01"), 50.0, "U/L"),    # the first dose day
           StoredResult(D("2026-03-15"), 120.0, "U/L")]   # on treatment


def test_the_baseline_is_the_latest_result_on_or_before_the_first_dose() -> None:
    # first dose 1 March: the result of 1 March (50), not the later one of 15 March
    assert baseline_value("alt", RESULTS, "U/L", first_dose=D("2026-03-01"),
                          before=D("2026-03-29")) == 50.0


def test_before_treatment_the_baseline_is_the_latest_earlier_result() -> None:
    # no dose yet, a new result of 28 February: the latest earlier one, 27 February (45)
    assert baseline_value("alt", RESULTS[:2], "U/L", first_dose=None,
                          before=D("2026-02-28")) == 45.0
    # a new result of 20 February: nothing earlier
    assert baseline_value("alt", RESULTS[:1], "U/L", first_dose=None,
                          before=D("2026-02-20")) is None


def test_before_treatment_a_result_of_the_same_day_leaves_no_baseline() -> None:
    # as the service always did: the latest result up to the new one's day is of that day
    # (27 February), which is not a baseline, and the earlier one (20 February) is not used
    assert baseline_value("alt", RESULTS[:2], "U/L", first_dose=None,
                          before=D("2026-02-27")) is None


def test_no_result_before_the_first_dose_is_no_baseline() -> None:
    assert baseline_value("alt", RESULTS[3:], "U/L", first_dose=D("2026-03-01"),
                          before=D("2026-03-29")) is None
    assert baseline_value("alt", [], "U/L", first_dose=None, before=D("2026-03-29")) is None


def test_the_baseline_is_converted_to_the_unit_of_the_new_result() -> None:
    stored = [StoredResult(D("2026-02-27"), 1.2, "mg/dL")]
    # 1.2 mg/dL × 17.1 = 20.52 µmol/L
    assert baseline_value("bilirubin", stored, "umol/L", first_dose=D("2026-03-01"),
                          before=D("2026-03-29")) == pytest.approx(20.52)
    stored = [StoredResult(D("2026-02-27"), 88.4, "µmol/L")]  # spelt as the lab does
    assert baseline_value("creatinine", stored, "mg/dL", first_dose=D("2026-03-01"),
                          before=D("2026-03-29")) == pytest.approx(1.0)


def test_a_stored_unit_that_cannot_be_converted_gives_no_baseline() -> None:
    stored = [StoredResult(D("2026-02-27"), 1.2, "furlongs")]
    assert baseline_value("bilirubin", stored, "umol/L", first_dose=D("2026-03-01"),
                          before=D("2026-03-29")) is None


@pytest.mark.parametrize(("analyte", "against"), [
    ("alt", True), ("AST", True), ("bilirubin", True), ("creatinine", True),
    ("anc", False), ("platelets", False), ("Hb", False), ("wbc", False)])
def test_only_the_increased_terms_are_graded_against_a_baseline(analyte: str,
                                                                against: bool) -> None:
    assert graded_against_baseline(analyte) is against
