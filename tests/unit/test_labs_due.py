"""Which blood counts of the calendar are due (dawna/rules/treatment_calendar.py: labs_due), on
events written here: from the first dose on, up to 7 days ahead or overdue, unless a count was
sampled from 3 days before the due day to 1 day after it."""

from __future__ import annotations

from datetime import date, timedelta

from dawna.errors import ValidationError
from dawna.rules.messages import Message
from dawna.rules.regimen_model import DosingError
from dawna.rules.treatment_calendar import CalendarEvent, labs_due

D = date.fromisoformat
FIRST = D("2026-03-01")


def lab(day: str) -> CalendarEvent:
    return CalendarEvent(D(day), "lab", 1, (D(day) - FIRST).days + 1)


# day 1 and day 15 of cycles 1-2 (28 days), day 1 of cycle 3: 1 and 15 March, 29 March,
# 12 April, 26 April
EVENTS = [lab("2026-03-01"), lab("2026-03-15"), lab("2026-03-29"), lab("2026-04-12"),
          lab("2026-04-26"), CalendarEvent(D("2026-03-29"), "visit", 2, 1)]


def due(today: str, sampled: list[str], *, first: date | None = FIRST,
        on_treatment: bool = True) -> list[str]:
    return [e.date.isoformat() for e in labs_due(
        EVENTS, D(today), first_dose=first, on_treatment=on_treatment,
        sampled=[D(s) for s in sampled])]


def test_counts_without_a_sample_are_due_up_to_a_week_ahead() -> None:
    # today 6 April: overdue 1, 15 and 29 March; 12 April is 6 days ahead (≤ 7); 26 April not
    assert due("2026-04-06", []) == ["2026-03-01", "2026-03-15", "2026-03-29", "2026-04-12"]


def test_a_sample_from_three_days_before_to_one_day_after_covers_the_count() -> None:
    # 26 Feb is 3 days before 1 March (covers it); 16 March is 1 day after 15 March (covers);
    # 25 March is 4 days before 29 March (does not)
    assert due("2026-04-06", ["2026-02-26", "2026-03-16", "2026-03-25"]) == [
        "2026-03-29", "2026-04-12"]
    # 31 March is 2 days after 29 March: not that count's
    assert "2026-03-29" in due("2026-04-06", ["2026-03-31"])


def test_the_horizon_is_seven_days() -> None:
    # today 5 April: 12 April is exactly 7 days ahead, due; today 4 April: 8 days, not yet
    assert due("2026-04-05", ["2026-03-01", "2026-03-15", "2026-03-29"]) == ["2026-04-12"]
    assert due("2026-04-04", ["2026-03-01", "2026-03-15", "2026-03-29"]) == []


def test_nothing_is_due_before_the_first_dose_or_off_treatment() -> None:
    assert due("2026-04-06", [], first=None) == []
    assert due("2026-04-06", [], on_treatment=False) == []
    # counts before a later first dose are not due: first dose 29 March
    assert due("2026-04-06", [], first=D("2026-03-29")) == ["2026-03-29", "2026-04-12"]


def test_only_lab_events_are_due() -> None:
    assert all(e.kind == "lab" for e in labs_due(
        EVENTS, FIRST + timedelta(days=60), first_dose=FIRST, on_treatment=True, sampled=[]))


def test_a_rule_error_is_a_validation_error_naming_its_field() -> None:
    error = DosingError("cycles", Message("at least one cycle is needed"))
    assert isinstance(error, ValidationError) and isinstance(error, ValueError)
    assert (error.field, error.message, error.status_code) == (
        "cycles", "at least one cycle is needed", 422)
    assert str(error) == "cycles: at least one cycle is needed"
    translated = error.translated(lambda text: text.upper(), "plan.")
    assert (translated.field, translated.message) == ("plan.cycles",
                                                      "AT LEAST ONE CYCLE IS NEEDED")
