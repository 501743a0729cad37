"""The schedule of activities as data (``schedule:`` in the protocol file): which visits the
protocol expects, when, within which window, and which case report forms each visit collects.

A visit is timed from an *anchor*, a date of the participant's course:

- ``consent`` (informed consent signed), ``eligibility`` (the signed eligible decision),
  ``randomization``, ``treatment_start`` (cycle 1 day 1), ``end_of_treatment``;
- ``repeat`` makes it recur: ``cycle`` on day 1 of every cycle (the cycle length is the
  regimen's, ``arms[].regimen.cycle_length_days``: 28 days in arm A, 21 in arm B; a delayed
  cycle moves the ones after it, ``dawna/rules/treatment_calendar.py``), ``interval`` every
  ``every`` (a site setting in weeks) from the anchor, ``after_previous`` every ``every`` from
  the previous visit actually held (survival contacts), ``depot`` on each depot drug's own clock
  (``dawna/rules/depot.py``);
- the window is named by site settings, never copied: ``window_before`` / ``window_after``
  (settings in days; one name for both sides when the protocol says "± n days"); a visit without
  ``window_after`` stays due until its form is entered (never overdue).

Forms are the table names of ``dawna/services/form_catalogue.py`` (checked there by a test: the
protocol layer does not import services). ``unscheduled`` lists the event-driven forms (adverse
events, dose decisions, deviations, SUSAR reports): counted, never due.

Precedent: the REDCap record status dashboard (events × instruments; Harris et al., J Biomed
Inform 2009;42:377-381) and the CDISC USDM schedule of activities (encounters with timings
relative to an anchor and a window), which the USDM export reads from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import Field, model_validator

from dawna.protocol.common import Slug, StrictModel, Text, fail

__all__ = ["Anchor", "Repeat", "ScheduleOfActivities", "Visit", "check_schedule"]

Anchor = Literal["consent", "eligibility", "randomization", "treatment_start",
                 "end_of_treatment"]
Repeat = Literal["cycle", "interval", "after_previous", "depot"]


class Visit(StrictModel):
    """One visit (a USDM encounter) of the schedule."""

    id: Slug
    label: Text
    anchor: Anchor
    day: int = 0  # relative day from the anchor (0: on the anchor's day)
    repeat: Repeat | None = None
    every: Slug | None = None  # a site setting in weeks (repeat interval / after_previous)
    window_before: Slug | None = None  # site settings in days
    window_after: Slug | None = None
    until: Literal["end_of_treatment", "progression_or_end_of_study", "end_of_study"] = (
        "end_of_study")
    arms: tuple[str, ...] = ()  # empty: every participant
    forms: tuple[Slug, ...] = Field(min_length=1)
    source: Text

    @model_validator(mode="after")
    def _check(self) -> Visit:
        needs_every = self.repeat in ("interval", "after_previous")
        if needs_every and self.every is None:
            fail("every", f"a visit repeated by {self.repeat!r} names its interval setting")
        if not needs_every and self.every is not None:
            fail("every", "only an interval or after_previous visit has an interval")
        if len(set(self.forms)) != len(self.forms):
            fail("forms", "a form is listed twice")
        return self


class ScheduleOfActivities(StrictModel):
    """The visits in order and the unscheduled (event-driven) forms."""

    source: Text
    visits: tuple[Visit, ...] = Field(min_length=1)
    unscheduled: tuple[Slug, ...] = ()

    def visit(self, visit_id: str) -> Visit:
        for visit in self.visits:
            if visit.id == visit_id:
                return visit
        fail("visit", f"no visit {visit_id!r} in the schedule")


def check_schedule(schedule: ScheduleOfActivities, settings: Mapping[str, object],
                   arms: Mapping[str, int | None]) -> None:
    """Cross-checks against the rest of the protocol: visit ids unique; every setting named
    exists with the right unit (``every`` in weeks, windows in days); arms exist and a
    ``cycle`` visit's arms have a cycle length; no form both scheduled and unscheduled.
    ``settings``: name -> unit; ``arms``: arm id -> cycle length (None without one)."""
    seen: set[str] = set()
    for i, visit in enumerate(schedule.visits):
        where = f"schedule.visits[{i}]"
        if visit.id in seen:
            fail(f"{where}.id", f"duplicate visit id {visit.id!r}")
        seen.add(visit.id)
        for attribute, unit in (("every", "weeks"), ("window_before", "days"),
                                ("window_after", "days")):
            name = getattr(visit, attribute)
            if name is None:
                continue
            if name not in settings:
                fail(f"{where}.{attribute}", f"no site setting {name!r}")
            if settings[name] != unit:
                fail(f"{where}.{attribute}", f"setting {name!r} is in {settings[name]}, "
                                             f"not {unit}")
        for j, arm in enumerate(visit.arms):
            if arm not in arms:
                fail(f"{where}.arms[{j}]", f"{arm!r} is not an arm of the protocol")
            if visit.repeat == "cycle" and not arms[arm]:
                fail(f"{where}.arms[{j}]", f"arm {arm!r} has no cycle length")
        if visit.repeat == "cycle" and not visit.arms:
            fail(f"{where}.arms", "a cycle visit names the arms whose cycles it follows")
        for j, form in enumerate(visit.forms):
            if form in schedule.unscheduled:
                fail(f"{where}.forms[{j}]", f"{form!r} is also listed as unscheduled")
