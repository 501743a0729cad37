"""The treatment calendar as an iCalendar file (RFC 5545), for the participant's or the study
nurse's calendar application.

Every :class:`~dawna.rules.treatment_calendar.CalendarEvent` becomes an all-day VEVENT
(``DTSTART;VALUE=DATE``, ``DTEND`` = the day after). Consecutive daily doses of one drug with the
same dose in one cycle (dalpiciclib days 1–21, continuous letrozole, capecitabine days 1–14) are
merged into one multi-day VEVENT whose ``DTEND`` is the day after the last dose; other doses
(fulvestrant days 1 and 15) stay one VEVENT each.

UIDs are stable: ``<uid_prefix>-<kind>-<first date YYYYMMDD>[-<drug>]``, so re-importing an
updated calendar replaces events rather than duplicating them. SUMMARY and DESCRIPTION are
rendered through the caller's ``render`` (a gettext renderer for the reader's language).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Event

from dawna.rules.messages import N_, Message, number
from dawna.rules.treatment_calendar import CalendarEvent

__all__ = ["PRODID", "calendar_ics"]

PRODID = "-//dawna//DAWNA-FES//EN"

_KIND_NAMES = {
    "dose": N_("Dose"),
    "visit": N_("Visit"),
    "lab": N_("Blood count"),
    "tumour_assessment": N_("Tumour assessment"),
    "procedure": N_("Procedure"),
}


@dataclass(frozen=True)
class _Block:
    first: CalendarEvent
    last: CalendarEvent


def _mergeable(a: CalendarEvent, b: CalendarEvent) -> bool:
    return (a.kind == b.kind == "dose" and a.drug == b.drug and a.cycle == b.cycle
            and a.dose == b.dose and a.unit == b.unit and a.route == b.route
            and a.frequency == b.frequency and b.date == a.date + datetime.timedelta(days=1)
            and a.day is not None and b.day == a.day + 1)


def _blocks(events: Sequence[CalendarEvent]) -> list[_Block]:
    """Runs of consecutive daily doses merged; everything else one block each."""
    open_runs: dict[tuple[str | None, int | None], int] = {}  # (drug, cycle) -> index in out
    out: list[_Block] = []
    for event in sorted(events, key=lambda e: (e.date, e.kind, e.drug or "")):
        if event.kind == "dose":
            key = (event.drug, event.cycle)
            index = open_runs.get(key)
            if index is not None and _mergeable(out[index].last, event):
                out[index] = _Block(out[index].first, event)
                continue
            open_runs[key] = len(out)
        out.append(_Block(event, event))
    return out


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def _description(block: _Block, render: Callable[[Message], str]) -> str:
    first, last = block.first, block.last
    lines: list[str] = []
    if first.kind == "dose":
        amount = "–" if first.dose is None else number(first.dose)
        lines.append(render(Message(N_("{drug}: {dose} {unit} {route} {frequency}"), {
            "drug": first.drug or "", "dose": amount, "unit": first.unit or "",
            "route": first.route or "", "frequency": first.frequency or ""})))
    if first.cycle is not None and first.day is not None:
        if last.day is not None and last.day != first.day:
            lines.append(render(Message(N_("Cycle {cycle}, days {first}–{last}"), {
                "cycle": str(first.cycle), "first": str(first.day), "last": str(last.day)})))
        else:
            lines.append(render(Message(N_("Cycle {cycle}, day {day}"), {
                "cycle": str(first.cycle), "day": str(first.day)})))
    if first.window_start is not None and first.window_end is not None:
        lines.append(render(Message(N_("Window {start} – {end}"), {
            "start": first.window_start.isoformat(), "end": first.window_end.isoformat()})))
    return "\n".join(lines)


def calendar_ics(events: Sequence[CalendarEvent], *, calendar_name: str, uid_prefix: str,
                 render: Callable[[Message], str], tz: str = "Asia/Shanghai",
                 stamp: datetime.datetime | None = None) -> bytes:
    """``events`` as an iCalendar file (see the module docstring).

    ``tz`` (an IANA zone, checked) goes to ``X-WR-TIMEZONE``; the events are all-day and carry
    no time zone. ``stamp`` is the DTSTAMP of every VEVENT (default: now, UTC); pass a fixed
    one for byte-identical output.
    """
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"tz: {tz!r} is not an IANA time zone") from None
    if stamp is None:
        stamp = datetime.datetime.now(datetime.UTC)
    elif stamp.tzinfo is None:
        raise ValueError("stamp: must be timezone-aware")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", calendar_name)
    calendar.add("x-wr-timezone", tz)
    seen: set[str] = set()
    for block in _blocks(events):
        first = block.first
        uid = f"{uid_prefix}-{first.kind}-{first.date:%Y%m%d}"
        if first.drug:
            uid += f"-{_slug(first.drug)}"
        base, n = uid, 1
        while uid in seen:  # the same drug twice on one day (not in DAWNA-FES): keep UIDs unique
            n += 1
            uid = f"{base}-{n}"
        seen.add(uid)
        event = Event()
        event.add("uid", uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", first.date)
        event.add("dtend", block.last.date + datetime.timedelta(days=1))
        label = first.label or Message(_KIND_NAMES[first.kind])
        event.add("summary", render(label))
        description = _description(block, render)
        if description:
            event.add("description", description)
        event.add("categories", [first.kind])
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return bytes(calendar.to_ical())
