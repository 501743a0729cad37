"""SUSAR classification and clocks against ICH E2A III.A.2 (7 + 8 and 15 calendar days from
first knowledge), counted on the site's calendar (Asia/Shanghai), worked by hand across day
boundaries."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from dawna.rules.expedited_reporting import (
    Expectedness,
    is_susar,
    susar_clocks,
)
from dawna.rules.rule_errors import RuleError

SHANGHAI = ZoneInfo("Asia/Shanghai")  # UTC+8, no daylight saving


@pytest.mark.parametrize(("serious", "related", "expectedness", "susar"), [
    (True, True, "unexpected", True),     # ICH E2A III.A.2: serious + suspected + unexpected
    (True, True, "expected", False),      # listed in the reference safety information
    (True, False, None, False),           # not suspected: an SAE, not a SUSAR
    (False, True, "unexpected", False),   # not serious: no expedited report
    (True, True, Expectedness.UNEXPECTED, True),
])
def test_susar_is_serious_related_and_unexpected(serious: bool, related: bool,
                                                  expectedness: str | None, susar: bool) -> None:
    assert is_susar(serious=serious, related=related, expectedness=expectedness) is susar


@pytest.mark.parametrize("missing", [None, ""])
def test_a_serious_related_event_without_expectedness_is_refused(missing: str | None) -> None:
    with pytest.raises(RuleError) as caught:
        is_susar(serious=True, related=True, expectedness=missing)
    assert caught.value.field == "expectedness"


def test_fatal_susar_known_late_evening_local_counts_from_that_local_day() -> None:
    """Aware 2026-03-01 23:30 in Beijing (15:30 UTC): day 0 is 1 March; 7 calendar days ->
    due by the end of 8 March local, late from 9 March 00:00 local = 8 March 16:00 UTC. The
    follow-up, with no initial report yet: 8 more days after day 7 -> 16 March."""
    aware = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)
    clocks = susar_clocks(aware, fatal_or_life_threatening=True, zone=SHANGHAI)
    assert clocks.initial.due_on == date(2026, 3, 8)
    assert clocks.initial.overdue_from == datetime(2026, 3, 8, 16, 0, tzinfo=UTC)
    assert not clocks.initial.overdue(datetime(2026, 3, 8, 15, 59, 59, tzinfo=UTC))
    assert clocks.initial.overdue(datetime(2026, 3, 8, 16, 0, tzinfo=UTC))
    assert clocks.follow_up is not None
    assert clocks.follow_up.due_on == date(2026, 3, 16)


def test_awareness_just_after_local_midnight_starts_the_next_day() -> None:
    """16:30 UTC on 1 March is 00:30 on 2 March in Beijing: day 0 is 2 March, due 9 March,
    although the UTC date of awareness is 1 March."""
    aware = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)
    clocks = susar_clocks(aware, fatal_or_life_threatening=True, zone=SHANGHAI)
    assert clocks.initial.due_on == date(2026, 3, 9)
    assert clocks.initial.days_left(datetime(2026, 3, 9, 15, 0, tzinfo=UTC)) == 0
    assert clocks.initial.days_left(datetime(2026, 3, 9, 16, 0, tzinfo=UTC)) == -1


def test_follow_up_runs_eight_days_from_an_early_initial_report() -> None:
    """Initial report on day 3 (4 March): the complete report is due 8 days later, 12 March."""
    aware = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 local, 1 March
    clocks = susar_clocks(aware, fatal_or_life_threatening=True, zone=SHANGHAI,
                          initial_reported_on=date(2026, 3, 4))
    assert clocks.follow_up is not None and clocks.follow_up.due_on == date(2026, 3, 12)


def test_other_susar_due_in_fifteen_days_across_the_new_year() -> None:
    """Aware 31 Dec 2026 20:00 UTC = 1 Jan 2027 04:00 local: day 0 is 1 January, due 16 January;
    no follow-up clock."""
    aware = datetime(2026, 12, 31, 20, 0, tzinfo=UTC)
    clocks = susar_clocks(aware, fatal_or_life_threatening=False, zone=SHANGHAI)
    assert clocks.initial.due_on == date(2027, 1, 16)
    assert clocks.follow_up is None
    assert clocks.initial.overdue(datetime(2027, 1, 16, 16, 0, tzinfo=UTC))
    assert not clocks.initial.overdue(datetime(2027, 1, 20, tzinfo=UTC),
                                      reported_at=datetime(2027, 1, 15, 2, 0, tzinfo=UTC))


def test_an_initial_report_before_awareness_is_refused() -> None:
    with pytest.raises(RuleError) as caught:
        susar_clocks(datetime(2026, 3, 5, 2, 0, tzinfo=UTC), fatal_or_life_threatening=True,
                     zone=SHANGHAI, initial_reported_on=date(2026, 3, 4))
    assert caught.value.field == "initial_reported_on"


def test_a_naive_awareness_time_is_refused() -> None:
    with pytest.raises(RuleError) as caught:
        susar_clocks(datetime(2026, 3, 5, 2, 0), fatal_or_life_threatening=False, zone=SHANGHAI)
    assert caught.value.field == "awareness_time"
