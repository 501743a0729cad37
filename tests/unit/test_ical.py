"""The treatment calendar as iCalendar (dawna/exports/ical.py, RFC 5545), parsed back with
icalendar.Calendar.from_ical; dates and counts worked by hand from the DAWNA-FES regimens."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from icalendar import Calendar

from dawna.exports.ical import PRODID, calendar_ics
from dawna.protocol import load_protocol
from dawna.rules.messages import Message
from dawna.rules.regimens import (
    CalendarEvent,
    PatientMeasures,
    build_calendar,
    compute_doses,
    regimen_from_id,
)

PROTOCOL = load_protocol()
FIRST = date(2024, 1, 8)
STAMP = datetime(2024, 1, 2, 9, 30, tzinfo=UTC)


def english(message: Message) -> str:
    return message.render(lambda s: s)


def ics(events: list[CalendarEvent], render: Any = english, **kwargs: Any) -> bytes:
    return calendar_ics(events, calendar_name="DAWNA-FES 001", uid_prefix="dawna-001",
                        render=render, stamp=STAMP, **kwargs)


def vevents(data: bytes) -> list[Any]:
    calendar = Calendar.from_ical(data)
    assert isinstance(calendar, Calendar)
    return list(calendar.walk("VEVENT"))


def span(event: Any) -> tuple[date, date]:
    return event["DTSTART"].dt, event["DTEND"].dt


def fulvestrant_goserelin() -> list[CalendarEvent]:
    return build_calendar(regimen_from_id(PROTOCOL, "A:fulvestrant+goserelin"), FIRST, 2,
                          randomization_date=date(2024, 1, 1))


def test_calendar_header() -> None:
    data = ics(fulvestrant_goserelin())
    calendar = Calendar.from_ical(data)
    assert isinstance(calendar, Calendar)
    assert str(calendar["PRODID"]) == PRODID == "-//dawna//DAWNA-FES//EN"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["X-WR-CALNAME"]) == "DAWNA-FES 001"
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Shanghai"


def test_one_all_day_vevent_per_event_with_daily_runs_merged() -> None:
    data = ics(fulvestrant_goserelin())
    events = vevents(data)
    # per cycle: visit, blood counts (days 1 and 15), dalpiciclib days 1-21 as one event,
    # goserelin day 1; fulvestrant days 1 and 15 in cycle 1, day 1 in cycle 2; one tumour
    # assessment (2024-01-01 + 8 weeks = 2024-02-26, before the end 2024-03-03):
    # (1 + 2 + 1 + 1 + 2) + (1 + 2 + 1 + 1 + 1) + 1 = 14
    assert len(events) == 14
    assert all(type(e["DTSTART"].dt) is date for e in events)       # all-day, not date-time
    assert data.count(b"DTSTART;VALUE=DATE:") == 14
    dalpiciclib = [e for e in events if str(e["UID"]).endswith("-dalpiciclib")]
    # cycle 1 days 1-21: 2024-01-08 to 2024-01-28, DTEND the day after; cycle 2 from 2024-02-05
    assert [span(e) for e in dalpiciclib] == [(date(2024, 1, 8), date(2024, 1, 29)),
                                              (date(2024, 2, 5), date(2024, 2, 26))]
    fulvestrant = [e for e in events if str(e["UID"]).endswith("-fulvestrant")]
    assert [span(e)[0] for e in fulvestrant] == [date(2024, 1, 8), date(2024, 1, 22),
                                                 date(2024, 2, 5)]
    assert all(span(e)[1] == span(e)[0].fromordinal(span(e)[0].toordinal() + 1)
               for e in fulvestrant)
    scans = [e for e in events if "-tumour_assessment-" in str(e["UID"])]
    assert [span(e)[0] for e in scans] == [date(2024, 2, 26)]


def test_uids_are_stable_and_unique() -> None:
    first = ics(fulvestrant_goserelin())
    assert first == ics(fulvestrant_goserelin())
    uids = [str(e["UID"]) for e in vevents(first)]
    assert len(uids) == len(set(uids))
    assert "dawna-001-dose-20240108-dalpiciclib" in uids
    assert "dawna-001-lab-20240122" in uids
    assert "dawna-001-visit-20240205" in uids


def test_summary_and_description_go_through_render() -> None:
    catalogue = {"Blood count": "血常规", "Cycle {cycle}, days {first}–{last}":
                 "第 {cycle} 周期，第 {first}–{last} 天"}

    def chinese(message: Message) -> str:
        return message.render(lambda s: catalogue.get(s, s))

    events = vevents(ics(fulvestrant_goserelin(), render=chinese))
    labs = [e for e in events if "-lab-" in str(e["UID"])]
    assert {str(e["SUMMARY"]) for e in labs} == {"血常规"}
    dalpiciclib = next(e for e in events if str(e["UID"]).endswith("-dalpiciclib"))
    assert str(dalpiciclib["SUMMARY"]) == "dalpiciclib 150 mg PO QD"
    assert str(dalpiciclib["DESCRIPTION"]) == "dalpiciclib: 150 mg PO QD\n第 1 周期，第 1–21 天"


def test_description_of_a_computed_dose_and_a_tumour_assessment() -> None:
    regimen = regimen_from_id(PROTOCOL, "B:paclitaxel_carboplatin")
    doses = compute_doses(regimen, PatientMeasures(height_cm=160, weight_kg=64, age_years=60,
                                                   creatinine_umol_l=80))
    events = vevents(ics(build_calendar(regimen, FIRST, 3, doses=doses)))
    carboplatin = [e for e in events if str(e["UID"]).endswith("-carboplatin")]
    # 21-day cycles from 2024-01-08; AUC 5 × (66.8 + 25) = 459 mg (test_dosing)
    assert [span(e)[0] for e in carboplatin] == [date(2024, 1, 8), date(2024, 1, 29),
                                                 date(2024, 2, 19)]
    assert str(carboplatin[1]["DESCRIPTION"]) == "carboplatin: 459 mg IV ONCE\nCycle 2, day 1"
    scan = next(e for e in events if "-tumour_assessment-" in str(e["UID"]))
    # 2024-01-08 + 8 weeks = 2024-03-04 ± 7 days
    assert span(scan)[0] == date(2024, 3, 4)
    assert str(scan["DESCRIPTION"]) == "Window 2024-02-26 – 2024-03-11"


def test_continuous_drug_through_a_delay_is_one_event_per_cycle() -> None:
    events = build_calendar(regimen_from_id(PROTOCOL, "A:letrozole"), FIRST, 2,
                            actual_starts={2: date(2024, 2, 12)})
    letrozole = [e for e in vevents(ics(events)) if str(e["UID"]).endswith("-letrozole")]
    # cycle 1 days 1-35 (2024-01-08 to 2024-02-11, the delayed week included), cycle 2 days
    # 1-28 from 2024-02-12 to 2024-03-10
    assert [span(e) for e in letrozole] == [(date(2024, 1, 8), date(2024, 2, 12)),
                                            (date(2024, 2, 12), date(2024, 3, 11))]
    assert "Cycle 1, days 1–35" in str(letrozole[0]["DESCRIPTION"])


def test_procedure_and_time_zone() -> None:
    events = build_calendar(regimen_from_id(PROTOCOL, "A:exemestane+bilateral_oophorectomy"),
                            FIRST, 1)
    data = ics(events, tz="Europe/London")
    assert str(Calendar.from_ical(data)["X-WR-TIMEZONE"]) == "Europe/London"
    procedure = next(e for e in vevents(data) if "-procedure-" in str(e["UID"]))
    assert str(procedure["SUMMARY"]) == "Procedure: bilateral oophorectomy"
    assert span(procedure) == (FIRST, date(2024, 1, 9))


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="tz"):
        ics(fulvestrant_goserelin(), tz="Mars/Olympus")
    with pytest.raises(ValueError, match="stamp"):
        calendar_ics([], calendar_name="x", uid_prefix="x", render=english,
                     stamp=datetime(2024, 1, 1))


def test_empty_calendar_is_valid() -> None:
    assert vevents(ics([])) == []
