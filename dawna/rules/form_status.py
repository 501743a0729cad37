"""Form status: for one participant, every visit of the protocol's schedule of activities that
has come (or comes next) × each form it collects, and where that form stands on a given day.

Sources: the schedule of activities of the protocol file (``schedule:``, model
``dawna/protocol/schedule.py``): visits timed from the participant's course (consent, signed
eligible decision, randomization, first cycle, end of treatment), their windows named by site
settings; the cycle grid of ``rules/treatment_calendar.py`` (a delayed cycle moves the next) and
the depot clock of ``rules/depot.py``. The states and their colours follow the REDCap record
status dashboard (design precedent, ``docs/form-status.md``).

States of one expected form (:class:`FormState`), on ``today``:

- ``entered``: a form of that kind fills the occurrence (see matching below);
- ``not_due``: its window has not opened (``today`` < due − ``window_before``);
- ``due``: the window is open (up to due + ``window_after``; open-ended without it);
- ``overdue``: past the window's end and not entered;
- ``not_expected``: the screening form of a participant the investigator signed not eligible
  was never entered: the decision was made without it, nothing is missing.

Matching entered forms to occurrences: a form carrying its occurrence (a cycle's number) fills
that one; a dated form fills the occurrence whose window holds its date, else (tumour
assessments, contacts out of window) the nearest occurrence within half the repeat interval,
flagged ``out_of_window``; a one-off visit takes every form of its kind (re-consents).
Blood counts match windows only (the day-15 counts are the treatment calendar's, not a visit).

Later marks (queried, verified, signed, locked) come from the data-management services; an
entered form shows the first of :data:`MARK_PRECEDENCE` it carries: an open query is work to
do and outranks every completion mark; then the furthest step of review, locked after signed
after source-verified (ICH E6(R3) data review order).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from dawna.protocol.schedule import ScheduleOfActivities, Visit
from dawna.rules.depot import due_dates
from dawna.rules.regimen_model import DosingError
from dawna.rules.treatment_calendar import cycle_starts, interval_dates

__all__ = [
    "MARK_PRECEDENCE",
    "UNSCHEDULED",
    "Course",
    "Entered",
    "FormState",
    "Mark",
    "Occurrence",
    "Summary",
    "display_state",
    "form_status",
    "next_after_previous",
    "summarize",
    "unscheduled",
]


class FormState(enum.StrEnum):
    NOT_DUE = "not_due"
    DUE = "due"
    OVERDUE = "overdue"
    ENTERED = "entered"
    NOT_EXPECTED = "not_expected"


class Mark(enum.StrEnum):
    QUERIED = "queried"
    VERIFIED = "verified"
    SIGNED = "signed"
    LOCKED = "locked"


#: The pseudo-visit of the event-driven forms.
UNSCHEDULED = "unscheduled"
#: Which mark an entered form shows when it carries several (first wins).
MARK_PRECEDENCE: tuple[Mark, ...] = (Mark.QUERIED, Mark.LOCKED, Mark.SIGNED, Mark.VERIFIED)
#: How urgent a state is when occurrences are summed up in one cell (first wins): something to
#: do first, then the least advanced review step, so a cell is "locked" only if all are.
_URGENCY: tuple[str, ...] = ("overdue", "queried", "due", "entered", "verified", "signed",
                             "locked", "not_due", "not_expected")


@dataclass(frozen=True)
class Course:
    """A participant's key dates as recorded, and the settings the schedule names (values in
    their unit: days or weeks). ``cycles``: cycle number -> actual start; ``depots``: depot drug
    of the plan -> dates given."""

    today: date
    settings: Mapping[str, int]
    consent: date | None = None
    eligible: date | None = None
    screen_failed: date | None = None
    randomization: date | None = None
    arm: str | None = None
    cycle_length_days: int | None = None
    treatment_start: date | None = None
    cycles: Mapping[int, date] = field(default_factory=dict)
    depots: Mapping[str, Sequence[date]] = field(default_factory=dict)
    end_of_treatment: date | None = None
    ended_at_progression: bool = False
    end_of_study: date | None = None


@dataclass(frozen=True)
class Entered:
    """One form entered: its kind (table), row, clinical date; ``visit`` when the kind belongs to
    more than one visit (a baseline tumour assessment: ``screening``); ``occurrence`` when the
    row names it (a cycle's number)."""

    form: str
    row_id: int
    on: date
    visit: str | None = None
    occurrence: int | None = None
    detail: str | None = None  # a depot dose's drug


@dataclass(frozen=True)
class Occurrence:
    """One expected form at one occurrence of a visit, and its state."""

    visit: str
    number: int
    form: str
    due: date
    opens: date
    closes: date | None
    state: FormState
    rows: tuple[int, ...] = ()
    marks: frozenset[Mark] = frozenset()
    out_of_window: bool = False
    detail: str | None = None  # the depot drug


@dataclass(frozen=True)
class _Slot:
    number: int
    due: date
    opens: date
    closes: date | None
    detail: str | None = None


def next_after_previous(start: date, held: Iterable[date], every_weeks: int) -> date:
    """The next contact of a visit repeated after the previous one actually held: ``every_weeks``
    after the latest of ``start`` and the contacts ``held`` (survival follow-up, domain.md §3)."""
    return max([start, *held]) + timedelta(weeks=every_weeks)


def _days(course: Course, name: str | None) -> int | None:
    return None if name is None else int(course.settings[name])


def _slot(course: Course, visit: Visit, number: int, due: date, detail: str | None = None
          ) -> _Slot:
    before = _days(course, visit.window_before) or 0
    after = _days(course, visit.window_after)
    return _Slot(number, due, due - timedelta(days=before),
                 None if after is None else due + timedelta(days=after), detail)


def _anchor(course: Course, visit: Visit) -> date | None:
    return {"consent": course.consent, "eligibility": course.eligible,
            "randomization": course.randomization, "treatment_start": course.treatment_start,
            "end_of_treatment": course.end_of_treatment}[visit.anchor]


def _until(course: Course, visit: Visit) -> date | None:
    if visit.until == "end_of_treatment":
        return course.end_of_treatment or course.end_of_study
    if visit.until == "progression_or_end_of_study" and course.ended_at_progression:
        return course.end_of_treatment
    return course.end_of_study


def _slots(course: Course, visit: Visit, entered: Sequence[Entered]) -> list[_Slot]:
    anchor = _anchor(course, visit)
    if anchor is None or (visit.arms and course.arm not in visit.arms):
        return []
    first = anchor + timedelta(days=visit.day)
    until = _until(course, visit)
    if visit.repeat is None:
        return [_slot(course, visit, 1, first)]
    if visit.repeat == "cycle":
        if course.cycle_length_days is None:
            return []
        given = max(course.cycles, default=0)
        count = given if until is not None else given + 1  # the next one while on treatment
        if count == 0:
            return []
        try:
            starts = cycle_starts(first, course.cycle_length_days, count, course.cycles)
        except DosingError:  # starts recorded out of order: show them as recorded
            starts = [course.cycles[c] for c in sorted(course.cycles)]
        return [_slot(course, visit, n, start) for n, start in enumerate(starts, 1)]
    if visit.repeat == "depot":
        return _depot_slots(course, visit, first, until)
    every = int(course.settings[visit.every or ""])
    if visit.repeat == "after_previous":
        held = sorted(e.on for e in entered)
        dues = [next_after_previous(first, held[:k], every) for k in range(len(held) + 1)]
        if until is not None:
            dues = dues[:len(held)]  # the visit ended: no next contact
        return [_slot(course, visit, n, due) for n, due in enumerate(dues, 1)]
    horizon = course.today + timedelta(weeks=every)  # the ones come, and the next
    dues = interval_dates(first, every, min(horizon, until) if until else horizon)
    return [_slot(course, visit, n, due) for n, due in enumerate(dues, 1)]


def _depot_slots(course: Course, visit: Visit, first: date, until: date | None) -> list[_Slot]:
    """Each dose given, and the next one on the drug's own clock while on treatment."""
    slots: list[_Slot] = []
    for drug, doses in sorted(course.depots.items()):
        given = sorted(doses)
        ahead = [] if until is not None else due_dates(
            drug, given, first, course.today + timedelta(days=60), today=course.today)[:1]
        for when in [*given, *ahead]:
            slots.append(_slot(course, visit, len(slots) + 1, when, drug))
    return slots


def _state(slot: _Slot, today: date) -> FormState:
    if today < slot.opens:
        return FormState.NOT_DUE
    if slot.closes is not None and today > slot.closes:
        return FormState.OVERDUE
    return FormState.DUE


def _match(visit: Visit, slots: list[_Slot], forms: Sequence[Entered], every_weeks: int
           ) -> dict[int, tuple[list[int], bool]]:
    """slot number -> (rows filling it, out of window)."""
    filled: dict[int, tuple[list[int], bool]] = {}
    ordered = sorted(forms, key=lambda e: (e.on, e.row_id))
    if not slots or not ordered:
        return filled
    if visit.repeat is None:
        return {1: ([e.row_id for e in ordered], False)}
    for k, e in enumerate(ordered):
        slot, late = _slot_for(visit, slots, e, k, every_weeks)
        if slot is None:
            continue
        rows, was_late = filled.get(slot.number, ([], False))
        filled[slot.number] = ([*rows, e.row_id], was_late or late)
    return filled


def _inside(slot: _Slot, on: date) -> bool:
    return slot.opens <= on and (slot.closes is None or on <= slot.closes)


def _slot_for(visit: Visit, slots: list[_Slot], e: Entered, k: int, every_weeks: int
              ) -> tuple[_Slot | None, bool]:
    if visit.repeat == "depot":
        hit = [s for s in slots if s.detail == e.detail and s.due == e.on]
        return (hit[0] if hit else None), False
    if e.occurrence is not None:
        hit = [s for s in slots if s.number == e.occurrence]
        return (hit[0] if hit else None), False
    if visit.repeat == "after_previous":  # the k-th contact held is the k-th visit
        slot = slots[k] if k < len(slots) else None
        return slot, slot is not None and not _inside(slot, e.on)
    inside = [s for s in slots if _inside(s, e.on)]
    if inside:
        return min(inside, key=lambda s: abs((s.due - e.on).days)), False
    if visit.repeat == "interval":  # out of window: the nearest within half an interval
        nearest = min(slots, key=lambda s: abs((s.due - e.on).days))
        if abs((nearest.due - e.on).days) * 2 <= every_weeks * 7:
            return nearest, True
    return None, False


def _belongs(e: Entered, visit: Visit, owners: Mapping[str, list[str]]) -> bool:
    if e.visit is not None:
        return e.visit == visit.id
    return owners[e.form][0] == visit.id


def form_status(schedule: ScheduleOfActivities, course: Course, entered: Iterable[Entered],
                marks: Mapping[tuple[str, int], Iterable[Mark]] | None = None,
                casebook: Iterable[Mark] = ()) -> list[Occurrence]:
    """Every expected form of the participant with its state on ``course.today``, in schedule
    order (visit, occurrence, form). ``marks``: (form, row id) -> marks of the entered forms;
    ``casebook``: marks of the whole casebook (signed, locked), on every entered form."""
    marks = marks or {}
    whole = frozenset(casebook)
    owners: dict[str, list[str]] = {}
    for visit in sorted(schedule.visits, key=lambda v: v.repeat is None):
        for form in visit.forms:  # a kind in several visits, without its visit: a repeated one
            owners.setdefault(form, []).append(visit.id)
    rows = [e for e in entered if e.form in owners]
    out: list[Occurrence] = []
    for visit in schedule.visits:
        mine = [e for e in rows if e.form in visit.forms and _belongs(e, visit, owners)]
        held = [e for e in mine if e.form == visit.forms[0]]
        slots = _slots(course, visit, held)
        every = int(course.settings[visit.every]) if visit.every else 0
        filled = {form: _match(visit, slots, [e for e in mine if e.form == form], every)
                  for form in visit.forms}
        for slot in slots:
            for form in visit.forms:
                hit, late = filled[form].get(slot.number, ([], False))
                state = FormState.ENTERED if hit else _state(slot, course.today)
                if (not hit and visit.anchor == "consent"
                        and course.screen_failed is not None):
                    state = FormState.NOT_EXPECTED
                got = frozenset(m for r in hit for m in marks.get((form, r), ()))
                got = got | whole if hit else got
                out.append(Occurrence(visit.id, slot.number, form, slot.due, slot.opens,
                                      slot.closes, state, tuple(hit), got, late, slot.detail))
    return out


def unscheduled(entered: Iterable[Entered],
                marks: Mapping[tuple[str, int], Iterable[Mark]] | None = None,
                casebook: Iterable[Mark] = ()) -> list[Occurrence]:
    """Event-driven forms (adverse events, dose decisions, deviations, SUSAR reports): each
    entered, with its marks, never due; numbered by date within its kind."""
    marks, whole = marks or {}, frozenset(casebook)
    out: list[Occurrence] = []
    number: dict[str, int] = {}
    for e in sorted(entered, key=lambda e: (e.form, e.on, e.row_id)):
        number[e.form] = number.get(e.form, 0) + 1
        out.append(Occurrence(UNSCHEDULED, number[e.form], e.form, e.on, e.on, e.on,
                              FormState.ENTERED, (e.row_id,),
                              frozenset(marks.get((e.form, e.row_id), ())) | whole))
    return out


def display_state(occurrence: Occurrence) -> str:
    """The state a cell shows: an entered form's first mark by :data:`MARK_PRECEDENCE`."""
    if occurrence.state is FormState.ENTERED:
        for mark in MARK_PRECEDENCE:
            if mark in occurrence.marks:
                return mark.value
    return occurrence.state.value


@dataclass(frozen=True)
class Summary:
    """Several occurrences in one cell: the most urgent state and how many are entered."""

    state: str
    entered: int
    expected: int
    counts: Mapping[str, int]


def summarize(occurrences: Sequence[Occurrence]) -> Summary | None:
    """One cell of the grid (a visit × form over its occurrences): the most urgent displayed
    state (overdue, queried, due, then the least advanced review step), None without any."""
    if not occurrences:
        return None
    counts: dict[str, int] = {}
    for o in occurrences:
        shown = display_state(o)
        counts[shown] = counts.get(shown, 0) + 1
    state = min(counts, key=_URGENCY.index)
    entered = sum(1 for o in occurrences if o.state is FormState.ENTERED)
    expected = sum(1 for o in occurrences if o.state is not FormState.NOT_EXPECTED
                   and o.state is not FormState.NOT_DUE)
    return Summary(state, entered, expected, counts)
