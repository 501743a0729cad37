"""Depot injections on their own clock: goserelin, leuprorelin and fulvestrant.

A depot's next dose is timed from the dose actually given, not from cycle day 1: a dalpiciclib
hold or a delayed cycle must not push ovarian suppression (or fulvestrant) past its interval.

Sources (summarised in ``docs/endocrine-therapy.md``):

- Goserelin 3.6 mg implant (Zoladex, AstraZeneca, prescribing information, section 2): one
  implant subcutaneously every 28 days.
- Leuprorelin acetate 3.75 mg depot (e.g. Lupron Depot 3.75 mg / Enantone, prescribing
  information): one injection every 4 weeks (28 days).
- Fulvestrant 500 mg (Faslodex, AstraZeneca, prescribing information, section 2.1): on days 1, 15
  and 29, then once monthly (every 28 days).
- ``docs/domain.md`` §5 (the same schedules as used for DAWNA-FES).

The grace a site allows before a depot counts as late is a protocol setting
(``depot_grace_days``, a site decision; 3 days in the protocol file; 0 here when not given:
due on the day the interval ends).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dawna.rules.messages import N_, Message
from dawna.rules.rule_errors import RuleError

__all__ = [
    "DEPOT_SCHEDULES",
    "DepotSchedule",
    "DepotState",
    "depot_state",
    "due_dates",
]




@dataclass(frozen=True)
class DepotSchedule:
    """``loading_days``: days after the first dose of the extra early doses (fulvestrant: 14,
    28, i.e. days 15 and 29); then one dose every ``interval_days`` after the previous."""

    drug: str
    interval_days: int
    loading_days: tuple[int, ...] = ()
    source: str = ""


DEPOT_SCHEDULES: dict[str, DepotSchedule] = {
    "goserelin": DepotSchedule("goserelin", 28, (), "Zoladex 3.6 mg prescribing information §2"),
    "leuprorelin": DepotSchedule("leuprorelin", 28, (),
                                 "leuprorelin acetate 3.75 mg depot prescribing information"),
    "fulvestrant": DepotSchedule("fulvestrant", 28, (14, 28),
                                 "Faslodex prescribing information §2.1"),
}


@dataclass(frozen=True)
class DepotState:
    drug: str
    next_due: date
    late: bool
    days_late: int
    reason: Message
    late_doses: tuple[date, ...] = ()  # doses already given after their due day (+ grace)


def _due_after(schedule: DepotSchedule, first: date, doses: list[date], index: int) -> date:
    """The due day of dose number ``index`` (0-based) given the doses before it."""
    if index <= len(schedule.loading_days):
        # loading doses are timed from the first dose (day 15 = first + 14, day 29 = first + 28)
        return first + timedelta(days=schedule.loading_days[index - 1])
    return doses[index - 1] + timedelta(days=schedule.interval_days)


def depot_state(drug: str, doses: list[date], today: date, *, grace_days: int = 0,
                schedule: DepotSchedule | None = None) -> DepotState:
    """Where ``drug``'s own clock stands on ``today`` given the dates it was given.

    The doses must be in the order given, each after the previous one (a date before the
    previous dose is refused on ``doses[i]``). A dose given more than ``grace_days`` after its
    due day is listed as late; the next dose is late when ``today`` is past its due day + grace.
    """
    sched = schedule or DEPOT_SCHEDULES.get(drug)
    if sched is None:
        raise RuleError("drug", Message(N_("{drug} is not a depot drug"), {"drug": drug}))
    if not doses:
        raise RuleError("doses", Message(N_("no dose of {drug} recorded yet"), {"drug": drug}))
    if grace_days < 0:
        raise RuleError("grace_days", Message(N_("must be 0 or more")))
    for i in range(1, len(doses)):
        if doses[i] <= doses[i - 1]:
            raise RuleError(f"doses[{i}]", Message(
                N_("a {drug} dose on {date} must come after the previous one ({previous})"),
                {"drug": drug, "date": doses[i].isoformat(),
                 "previous": doses[i - 1].isoformat()}))
    first = doses[0]
    late_doses = tuple(d for i, d in enumerate(doses[1:], start=1)
                       if (d - _due_after(sched, first, doses, i)).days > grace_days)
    due = _due_after(sched, first, doses, len(doses))
    overdue_by = (today - due).days
    late = overdue_by > grace_days
    if late:
        reason = Message(N_("{drug} was due on {due}: {days} days late (own 28-day clock from "
                            "the last dose, not the cycle)"),
                         {"drug": drug, "due": due.isoformat(), "days": str(overdue_by)})
    else:
        reason = Message(N_("{drug} next due on {due} (own clock from the last dose)"),
                         {"drug": drug, "due": due.isoformat()})
    return DepotState(drug, due, late, max(overdue_by, 0) if late else 0, reason, late_doses)


def due_dates(drug: str, doses: list[date], first_planned: date, until: date, *,
              today: date | None = None, schedule: DepotSchedule | None = None) -> list[date]:
    """The due days of ``drug`` after the doses given, up to ``until``: the next one on its own
    clock (:func:`depot_state`), then each later one counted as if the previous were given on
    its due day, or on ``today`` when that due day is already past (an overdue dose is given
    today at the earliest). With no dose given yet the first is due on ``first_planned``
    (cycle 1 day 1), then fulvestrant's loading days 15 and 29 and every 28 days."""
    sched = schedule or DEPOT_SCHEDULES.get(drug)
    if sched is None:
        raise RuleError("drug", Message(N_("{drug} is not a depot drug"), {"drug": drug}))
    given = list(doses)
    out: list[date] = []
    if not given:
        if first_planned > until:
            return []
        out.append(first_planned)
        given.append(first_planned)
    while len(out) < 1000:
        due = _due_after(sched, given[0], given, len(given))
        if due > until:
            break
        out.append(due)
        given.append(max(due, today) if today is not None else due)
    return out
