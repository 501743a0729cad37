"""Depot due days ahead on their own clock (rules.depot.due_dates), by hand from the labels:
Faslodex §2.1 (500 mg on days 1, 15 and 29, then every 28 days) and Zoladex 3.6 mg §2 (every 28
days from the implant given)."""

from __future__ import annotations

from datetime import date

import pytest

from dawna.rules.depot import due_dates
from dawna.rules.rule_errors import RuleError


def test_fulvestrant_loading_then_every_28_days_from_cycle_1_day_1() -> None:
    # day 1 = 1 Mar 2024; day 15 = 15 Mar; day 29 = 29 Mar; then 26 Apr, 24 May (leap year)
    assert due_dates("fulvestrant", [], date(2024, 3, 1), date(2024, 5, 31)) == [
        date(2024, 3, 1), date(2024, 3, 15), date(2024, 3, 29), date(2024, 4, 26),
        date(2024, 5, 24)]


def test_goserelin_counts_from_the_implant_actually_given() -> None:
    # given 1 Mar and (late) 5 Apr: next due 5 Apr + 28 = 3 May, then 31 May
    assert due_dates("goserelin", [date(2024, 3, 1), date(2024, 4, 5)], date(2024, 3, 1),
                     date(2024, 6, 1)) == [date(2024, 5, 3), date(2024, 5, 31)]


def test_after_an_overdue_dose_the_clock_restarts_from_today() -> None:
    # given 1 Mar; due 29 Mar; on 5 Apr it is still not given: the one after is due 28 days
    # after the earliest day it can be given (5 Apr + 28 = 3 May), not 26 Apr
    assert due_dates("goserelin", [date(2024, 3, 1)], date(2024, 3, 1), date(2024, 5, 31),
                     today=date(2024, 4, 5)) == [date(2024, 3, 29), date(2024, 5, 3),
                                                 date(2024, 5, 31)]


def test_a_drug_without_a_depot_schedule_is_refused() -> None:
    with pytest.raises(RuleError) as err:
        due_dates("letrozole", [], date(2024, 3, 1), date(2024, 4, 1))
    assert err.value.field == "drug"
