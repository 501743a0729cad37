"""Depot injections on their own clock (Zoladex 3.6 mg PI §2: every 28 days; Faslodex PI §2.1:
days 1, 15, 29, then every 28 days), worked by hand; a cycle delay does not move them."""

from __future__ import annotations

from datetime import date

import pytest

from dawna.rules.depot import depot_state
from dawna.rules.rule_errors import RuleError


def test_goserelin_every_28_days_from_the_dose_actually_given() -> None:
    """Given 2026-01-05 and (2 days late in the clinic) 2026-02-04: next due 28 days after the
    last dose = 2026-03-04, whatever the cycles do."""
    state = depot_state("goserelin", [date(2026, 1, 5), date(2026, 2, 4)], date(2026, 3, 1))
    assert state.next_due == date(2026, 3, 4)
    assert not state.late
    assert state.late_doses == (date(2026, 2, 4),)  # due 2026-02-02, given 2 days after


def test_a_dalpiciclib_hold_does_not_push_suppression() -> None:
    """Cycle 2 of arm A was due 2026-02-02 but dalpiciclib was held until 2026-02-16; goserelin
    stays due 2026-02-02 and is flagged late on 2026-02-10 (8 days)."""
    state = depot_state("goserelin", [date(2026, 1, 5)], date(2026, 2, 10))
    assert state.next_due == date(2026, 2, 2)
    assert state.late and state.days_late == 8


def test_fulvestrant_loading_doses_then_every_28_days() -> None:
    first = date(2026, 1, 5)
    assert depot_state("fulvestrant", [first], first).next_due == date(2026, 1, 19)       # day 15
    two = [first, date(2026, 1, 19)]
    assert depot_state("fulvestrant", two, first).next_due == date(2026, 2, 2)            # day 29
    three = [*two, date(2026, 2, 2)]
    assert depot_state("fulvestrant", three, first).next_due == date(2026, 3, 2)          # +28


def test_grace_days_are_a_site_setting() -> None:
    doses = [date(2026, 1, 5)]
    assert not depot_state("leuprorelin", doses, date(2026, 2, 4), grace_days=3).late
    assert depot_state("leuprorelin", doses, date(2026, 2, 6), grace_days=3).late


def test_a_depot_date_before_the_previous_one_is_refused_naming_it() -> None:
    with pytest.raises(RuleError) as caught:
        depot_state("goserelin", [date(2026, 2, 2), date(2026, 1, 5)], date(2026, 3, 1))
    assert caught.value.field == "doses[1]"


@pytest.mark.parametrize(("drug", "doses", "field"), [
    ("letrozole", [date(2026, 1, 5)], "drug"),
    ("goserelin", [], "doses"),
])
def test_bad_input_names_the_field(drug: str, doses: list[date], field: str) -> None:
    with pytest.raises(RuleError) as caught:
        depot_state(drug, doses, date(2026, 3, 1))
    assert caught.value.field == field
