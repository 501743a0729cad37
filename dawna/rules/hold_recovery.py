"""Resuming a held drug: every cause of the hold recovers on its own evidence.

A hold for grade 3 neutrophils *and* grade 3 platelets resumes only when each count, rechecked
after the hold began, is back at its threshold; a clinical cause (grade 3 diarrhoea) recovers
only by that adverse event's own course (resolved, or its current grade at the threshold), never
by a blood count. The proposal names each cause and its state.

Sources:

- Palbociclib (Ibrance, Pfizer) prescribing information §2.2, Table 2 (haematological
  toxicities, the class rule dawna applies to dalpiciclib, ``docs/domain.md`` §5): withhold until
  recovery to grade <= 2; grade 3 neutropenia with fever >= 38.5 °C and/or infection, or grade 4
  **at any time** in the cycle, resumes at the next lower dose; grade 3 alone resumes at the same
  dose. Table 3 (non-haematological, grade >= 3): withhold until <= grade 1 (or <= grade 2 if not
  a safety risk), resume at the next lower dose.
- Capecitabine (Xeloda) prescribing information §2: interrupt until resolved to grade 0-1.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from dawna.rules.messages import N_, Message
from dawna.rules.rule_errors import RuleError

__all__ = [
    "CauseState",
    "EventEvidence",
    "HoldCause",
    "LabEvidence",
    "Recovery",
    "haematological_resume",
    "recovery_of",
    "resume_proposal",
]


class Recovery(enum.StrEnum):
    RECOVERED = "recovered"
    NOT_RECOVERED = "not_recovered"
    NO_RECHECK = "no_recheck"  # no evidence since the hold began


@dataclass(frozen=True)
class HoldCause:
    """One reason the drug is held: a lab (``key`` = the analyte, e.g. "anc") or an adverse
    event (``key`` = its number as text), at ``grade`` on ``since``; recovered at grade
    ``recover_to`` or better."""

    kind: str  # "lab" or "event"
    key: str
    label: str
    grade: int
    since: date
    recover_to: int


@dataclass(frozen=True)
class LabEvidence:
    key: str
    sampled_on: date
    grade: int


@dataclass(frozen=True)
class EventEvidence:
    number: str
    ongoing: bool
    grade: int  # the event's current (latest recorded) grade


@dataclass(frozen=True)
class CauseState:
    cause: HoldCause
    state: Recovery
    reason: Message


def _lab_state(cause: HoldCause, labs: list[LabEvidence]) -> CauseState:
    rechecks = sorted(
        (lab for lab in labs if lab.key == cause.key and lab.sampled_on > cause.since),
        key=lambda lab: lab.sampled_on)
    if not rechecks:
        return CauseState(cause, Recovery.NO_RECHECK, Message(N_(
            "{what}: no recheck since {since}"), {"what": cause.label,
                                                  "since": cause.since.isoformat()}))
    last = rechecks[-1]
    params: dict[str, str | Message] = {"what": cause.label, "grade": str(last.grade),
                                        "date": last.sampled_on.isoformat(),
                                        "limit": str(cause.recover_to)}
    if last.grade <= cause.recover_to:
        return CauseState(cause, Recovery.RECOVERED, Message(N_(
            "{what}: grade {grade} on {date}, recovered (grade {limit} or better)"), params))
    return CauseState(cause, Recovery.NOT_RECOVERED, Message(N_(
        "{what}: still grade {grade} on {date} (needs grade {limit} or better)"), params))


def _event_state(cause: HoldCause, events: dict[str, EventEvidence]) -> CauseState:
    event = events.get(cause.key)
    if event is None:
        return CauseState(cause, Recovery.NO_RECHECK, Message(N_(
            "{what}: the adverse event's course is not recorded"), {"what": cause.label}))
    params: dict[str, str | Message] = {"what": cause.label, "grade": str(event.grade),
                                        "limit": str(cause.recover_to)}
    if not event.ongoing or event.grade <= cause.recover_to:
        return CauseState(cause, Recovery.RECOVERED, Message(N_(
            "{what}: resolved or now grade {grade} (needs grade {limit} or better)"), params))
    return CauseState(cause, Recovery.NOT_RECOVERED, Message(N_(
        "{what}: ongoing at grade {grade} (needs grade {limit} or better)"), params))


def recovery_of(causes: Iterable[HoldCause], labs: Iterable[LabEvidence],
                events: Iterable[EventEvidence]) -> list[CauseState]:
    """Each cause judged on its own evidence: a lab cause by the latest result *of the same
    test* sampled after the hold began; an event cause by that event's own state."""
    lab_list = list(labs)
    by_number = {e.number: e for e in events}
    return [(_lab_state(c, lab_list) if c.kind == "lab" else _event_state(c, by_number))
            for c in causes]


def resume_proposal(states: list[CauseState]) -> str:
    """"resume" when every cause has recovered, "hold" when any has not, "recheck" when none
    is known not to have recovered but some have no evidence yet. No cause at all -> "recheck"
    (a hold cannot be lifted on no evidence)."""
    if not states:
        return "recheck"
    kinds = {s.state for s in states}
    if Recovery.NOT_RECOVERED in kinds:
        return "hold"
    if Recovery.NO_RECHECK in kinds:
        return "recheck"
    return "resume"


def haematological_resume(worst_grade_in_cycle: int, *, fever_or_infection: bool) -> str:
    """Palbociclib PI §2.2 Table 2, on the **worst** neutrophil grade of the cycle (a grade 4
    nadir followed by a recovered count still counts): "lower" (next lower dose level) for any
    grade 4, or grade 3 with fever >= 38.5 °C or infection; "same" otherwise."""
    if not 0 <= worst_grade_in_cycle <= 4:
        raise RuleError("worst_grade_in_cycle",
                        Message(N_("a haematological CTCAE grade is 0 to 4")))
    if worst_grade_in_cycle >= 4 or (worst_grade_in_cycle == 3 and fever_or_infection):
        return "lower"
    return "same"
