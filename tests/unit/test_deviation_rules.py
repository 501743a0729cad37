"""The deviation detection rules against hand-worked schedules: tumour assessments every 8 weeks
± 7 days from randomization (domain.md §2), blood counts sampled 3 days before to 1 day after
their day, doses at their level or within 10 % of the prescription; the importance each kind
is proposed with (ICH E3 §10.2)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from dawna.rules.deviation_rules import (
    Category,
    Importance,
    Kind,
    ScheduledAssessment,
    assessment_findings,
    blood_count_findings,
    dose_finding,
)
from dawna.rules.treatment_calendar import CalendarEvent

RANDOMIZED = date(2025, 1, 6)


def _grid(n: int) -> list[ScheduledAssessment]:
    # week 8k after randomization, ± 7 days, worked by hand for the first two:
    # 2025-03-03 (2025-02-24 … 2025-03-10), 2025-04-28 (2025-04-21 … 2025-05-05)
    out = []
    for k in range(1, n + 1):
        target = RANDOMIZED + timedelta(weeks=8 * k)
        out.append(ScheduledAssessment(k, target, target - timedelta(days=7),
                                       target + timedelta(days=7)))
    return out


def test_the_grid_is_the_hand_worked_one() -> None:
    first, second = _grid(2)
    assert (first.start, first.target, first.end) == (date(2025, 2, 24), date(2025, 3, 3),
                                                      date(2025, 3, 10))
    assert second.target == date(2025, 4, 28)


def test_an_assessment_inside_its_window_is_no_deviation_and_one_a_day_late_is() -> None:
    assert assessment_findings(_grid(2), [date(2025, 3, 10), date(2025, 4, 21)],
                               today=date(2025, 5, 6)) == []
    [late] = assessment_findings(_grid(1), [date(2025, 3, 11)], today=date(2025, 3, 12))
    assert (late.kind, late.category, late.occurred_on) == (
        Kind.ASSESSMENT_OUT_OF_WINDOW, Category.VISIT_WINDOW, date(2025, 3, 11))
    assert late.key == "tumour_assessment:2025-03-11"
    assert "2025-02-24 – 2025-03-10" in str(late.description)
    assert late.importance is Importance.NOT_IMPORTANT


def test_a_window_passed_without_an_assessment_is_missed_but_not_before_it_ends() -> None:
    grid = _grid(2)
    assert assessment_findings(grid, [date(2025, 3, 3)], today=date(2025, 5, 5)) == []
    [missed] = assessment_findings(grid, [date(2025, 3, 3)], today=date(2025, 5, 6))
    assert (missed.kind, missed.key, missed.occurred_on) == (
        Kind.ASSESSMENT_MISSED, "tumour_assessment_missed:2", date(2025, 5, 5))
    assert missed.importance is Importance.IMPORTANT


def test_a_late_assessment_counts_for_its_nearest_time_point_so_it_is_late_not_missed() -> None:
    # 2025-03-20 is 17 days after 2025-03-03 and 39 days before 2025-04-28: assessment 1, late
    found = assessment_findings(_grid(1), [date(2025, 3, 20)], today=date(2025, 4, 1))
    assert [f.kind for f in found] == [Kind.ASSESSMENT_OUT_OF_WINDOW]


def test_an_unscheduled_scan_before_the_first_window_is_not_judged() -> None:
    assert assessment_findings(_grid(1), [date(2025, 1, 20)], today=date(2025, 2, 1)) == []


def _lab(day: date, cycle: int, cycle_day: int) -> CalendarEvent:
    return CalendarEvent(day, "lab", cycle, cycle_day)


def test_a_blood_count_is_missed_only_without_a_sample_3_days_before_to_1_day_after() -> None:
    due = date(2025, 2, 10)
    events = [_lab(due, 2, 8)]
    first_dose = date(2025, 1, 27)
    for sampled in (date(2025, 2, 7), date(2025, 2, 11)):  # -3 and +1 days: in the window
        assert blood_count_findings(events, [sampled], first_dose, date(2025, 3, 1)) == []
    [missed] = blood_count_findings(events, [date(2025, 2, 6), date(2025, 2, 12)], first_dose,
                                    date(2025, 3, 1))
    assert (missed.key, missed.kind, missed.occurred_on) == (
        "blood_count:2:8", Kind.BLOOD_COUNT_MISSED, due)
    # not yet missed while its window is open (today is the window's last day + 1 = 2025-02-12)
    assert blood_count_findings(events, [], first_dose, date(2025, 2, 11)) == []
    assert blood_count_findings(events, [], first_dose, date(2025, 2, 12)) != []
    assert blood_count_findings(events, [], None, date(2025, 3, 1)) == []  # no dose yet


def test_a_dose_with_dose_levels_is_due_at_its_current_level() -> None:
    levels = (150.0, 125.0, 100.0)
    kw = {"levels": levels, "prescribed": None}
    assert dose_finding(3, date(2025, 3, 1), "dalpiciclib", Decimal(125), "mg", level=1,
                        **kw) is None
    wrong = dose_finding(3, date(2025, 3, 1), "dalpiciclib", Decimal(125), "mg", level=0, **kw)
    assert wrong is not None and (wrong.kind, wrong.category, wrong.key) == (
        Kind.DOSE_OFF_LEVEL, Category.DOSE, "dose:3:dalpiciclib")
    assert str(wrong.description) == ("Cycle 3: dalpiciclib 125 mg given where 150 mg was "
                                      "due")
    assert wrong.importance is Importance.IMPORTANT


def test_a_dose_without_levels_may_differ_by_10_percent_of_the_prescription() -> None:
    # prescribed 1500 mg: 1350 and 1650 are within 10 % (150 mg), 1349 and 1651 are not
    kw = {"levels": None, "level": None, "prescribed": Decimal(1500)}
    for given, deviates in ((1350, False), (1650, False), (1349, True), (1651, True)):
        found = dose_finding(2, date(2025, 2, 1), "capecitabine", Decimal(given), "mg", **kw)
        assert (found is not None) is deviates, given
    assert dose_finding(2, date(2025, 2, 1), "x", Decimal(5), "mg", levels=None, level=None,
                        prescribed=None) is None
