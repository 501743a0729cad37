"""Which toxicities are current for a dose proposal: the fold of a participant's graded
laboratory results and adverse events into the worst grade of each CTCAE term, the windows it
looks back over, fever or infection from the CTCAE term of the event, and the recheck after a
hold.

Sources: CTCAE v5.0 (NCI 2017; ``docs/domain.md`` §4) for the terms and their system organ
classes; the palbociclib (IBRANCE) label §2.2 Table 2 (grade 3 neutropenia "with fever ≥ 38.5 °C
and/or infection"; recovery to grade ≤ 2 after a hold) as the dalpiciclib class standard
(domain.md §5). The look-back windows are site decisions:

- a proposal rests on the latest result of each laboratory test sampled since 3 days before the
  current cycle's day 1 (:data:`SAMPLED_BEFORE_CYCLE_DAYS`: a count taken 1–3 days before day 1
  is that day's count), or in the last 14 days before treatment starts
  (:data:`BEFORE_TREATMENT_DAYS`), and on every ongoing adverse event;
- the chemotherapy day-1 rule (:func:`dawna.rules.dose_modification.propose_chemotherapy`) looks
  back over the whole last cycle (``whole_cycle``): the worst result of each test in the window,
  and every event ongoing at any time in it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from dawna.rules.class_warnings import LYMPHOPENIA_TERMS
from dawna.rules.ctcae_analytes import LAB_ANALYTES
from dawna.rules.ctcae_terms import TERMS
from dawna.rules.dose_modification import Toxicity
from dawna.rules.hold_recovery import (
    CauseState,
    EventEvidence,
    HoldCause,
    LabEvidence,
    Recovery,
    recovery_of,
)

__all__ = [
    "BEFORE_TREATMENT_DAYS", "FEVER_OR_INFECTION_TERMS", "HAEMATOLOGICAL_TERMS",
    "LAB_KEY_OF_TERM", "LAB_TERMS", "NEUTROPENIA_TERMS", "SAMPLED_BEFORE_CYCLE_DAYS",
    "EventObservation", "LabObservation", "count_cycle_day", "current_toxicities",
    "fever_or_infection", "hold_causes", "toxicity_window_start",
]

SAMPLED_BEFORE_CYCLE_DAYS = 3
BEFORE_TREATMENT_DAYS = 14

#: CTCAE terms graded from a laboratory value.
LAB_TERMS = frozenset(a.term for a in LAB_ANALYTES.values())
#: The laboratory test of each CTCAE term graded from one.
LAB_KEY_OF_TERM = {a.term: a.key for a in LAB_ANALYTES.values()}
#: Haematological toxicities (palbociclib label Table 2): the blood-count terms and febrile
#: neutropenia; every other term is non-haematological (Table 3).
HAEMATOLOGICAL_TERMS = frozenset(
    a.term for a in LAB_ANALYTES.values()
    if a.key in ("anc", "wbc", "platelets", "haemoglobin")) | {"Febrile neutropenia"}
#: The neutropenia terms that fever or infection makes worse (Table 2).
NEUTROPENIA_TERMS = frozenset({"Neutrophil count decreased", "Febrile neutropenia"})
#: Coded fever or infection: the CTCAE v5.0 terms Febrile neutropenia and Fever, and every term
#: of the system organ class "Infections and infestations" (Lung infection, Urinary tract
#: infection, Sepsis, Infections and infestations - Other, specify).
FEVER_OR_INFECTION_TERMS = frozenset(
    {"Febrile neutropenia", "Fever"}
    | {name for name, term in TERMS.items() if term.soc == "Infections and infestations"})


@dataclass(frozen=True)
class LabObservation:
    """A graded laboratory result: its test, CTCAE term and grade, and sample date."""

    analyte: str
    term: str
    grade: int
    sample_date: date


@dataclass(frozen=True)
class EventObservation:
    """An adverse event: its CTCAE term and grade, stop date (None = ongoing), the
    investigator's relatedness per drug ("related" / "not_related") and its number."""

    term: str
    grade: int
    stop_date: date | None = None
    relatedness: Mapping[str, str] = field(default_factory=dict, hash=False)
    number: str | None = None


def toxicity_window_start(cycle_starts: Sequence[date], today: date) -> date:
    """First sample date a proposal looks at: 3 days before the latest cycle's day 1, or 14 days
    before ``today`` when no cycle has started (site decisions, module docstring). The whole-
    cycle window of the chemotherapy rule starts on the same day."""
    if cycle_starts:
        return cycle_starts[-1] - timedelta(days=SAMPLED_BEFORE_CYCLE_DAYS)
    return today - timedelta(days=BEFORE_TREATMENT_DAYS)


def fever_or_infection(terms: Iterable[str]) -> bool:
    """Whether one of the CTCAE ``terms`` is coded fever or infection
    (:data:`FEVER_OR_INFECTION_TERMS`)."""
    return any(term in FEVER_OR_INFECTION_TERMS for term in terms)


def current_toxicities(labs: Sequence[LabObservation], events: Sequence[EventObservation],
                       since: date, *, whole_cycle: bool = False,
                       drug: str | None = None,
                       worst_counts_since: date | None = None) -> list[Toxicity]:
    """The toxicities a proposal rests on, the highest grade of each term, worst first (then by
    term):

    - laboratory results sampled on or after ``since`` (``labs`` in sample order): the latest
      of each test, or with ``whole_cycle`` the worst of each test;
    - adverse events ongoing (no stop date), or with ``whole_cycle`` also those stopped on or
      after ``since``; an event the investigator judged "not_related" to ``drug`` is left out;
    - grade 0 is no toxicity; haematological per :data:`HAEMATOLOGICAL_TERMS`; a neutropenia
      term is "with fever or infection" when one of the events kept is coded fever or infection
      (:func:`fever_or_infection`);
    - ``worst_counts_since`` (dalpiciclib, palbociclib label Table 2: grade 4 "at any time", or
      grade 3 with fever or infection, in the cycle): a blood count is its worst result sampled
      on or after that day (the later of ``since`` and the day after the drug's last dose
      decision, so a nadir already answered is not answered twice), with the latest as
      ``recovered_to_grade`` when it is better; fever or infection counts from any event
      ongoing in the window.
    """
    latest: dict[str, LabObservation] = {}
    nadir: dict[str, LabObservation] = {}
    for lab in labs:
        if lab.sample_date < since:
            continue
        if not whole_cycle or lab.analyte not in latest or latest[lab.analyte].grade < lab.grade:
            latest[lab.analyte] = lab
        if worst_counts_since is not None and lab.sample_date >= worst_counts_since and (
                lab.analyte not in nadir or nadir[lab.analyte].grade < lab.grade):
            nadir[lab.analyte] = lab
    kept = [ae for ae in events
            if (ae.stop_date is None or (whole_cycle and ae.stop_date >= since))
            and not (drug is not None and ae.relatedness.get(drug) == "not_related")]
    worst_counts = worst_counts_since is not None
    fever = fever_or_infection(ae.term for ae in kept) or (worst_counts and fever_or_infection(
        ae.term for ae in events if ae.stop_date is None or ae.stop_date >= since))
    worst: dict[str, Toxicity] = {}
    fever_terms = NEUTROPENIA_TERMS | LYMPHOPENIA_TERMS

    def add(term: str, grade: int, now: int | None = None) -> None:
        if grade <= 0:
            return
        tox = Toxicity(term=term, grade=grade, haematological=term in HAEMATOLOGICAL_TERMS,
                       with_fever_or_infection=fever and term in fever_terms,
                       recovered_to_grade=now)
        if term not in worst or worst[term].grade < grade:
            worst[term] = tox

    for key, lab in latest.items():
        low = nadir.get(key, lab)
        if lab.term in HAEMATOLOGICAL_TERMS and low.grade > lab.grade:
            add(lab.term, low.grade, lab.grade)
        else:
            add(lab.term, lab.grade)
    for ae in kept:
        add(ae.term, ae.grade)
    return sorted(worst.values(), key=lambda t: (-t.grade, t.term))


def _cause_of(entry: Mapping[str, object], since: date, recover_to: int | None) -> HoldCause:
    term = str(entry.get("term"))
    grade = int(str(entry.get("grade")))
    limit = recover_to if recover_to is not None else (
        2 if term in HAEMATOLOGICAL_TERMS else 1)
    analyte = entry.get("analyte") or LAB_KEY_OF_TERM.get(term)
    if analyte:
        return HoldCause("lab", str(analyte), term, grade, since, limit)
    event = entry.get("event")
    return HoldCause("event", str(event) if event is not None else term, term, grade, since,
                     limit)


def _evidence(events: Sequence[EventObservation]) -> list[EventEvidence]:
    """Each event by its number, and (for holds stored without event numbers) each term: ongoing
    when an event of the term is, at the highest grade of its ongoing events."""
    out = [EventEvidence(e.number, e.stop_date is None, e.grade) for e in events if e.number]
    for term in {e.term for e in events}:
        same = [e for e in events if e.term == term]
        ongoing = [e.grade for e in same if e.stop_date is None]
        out.append(EventEvidence(term, bool(ongoing), max(ongoing) if ongoing else 0))
    return out


def hold_causes(based_on: Sequence[Mapping[str, object]], held_on: date,
                labs_after: Sequence[LabObservation], events: Sequence[EventObservation], *,
                recover_to: int | None = None) -> tuple[list[Toxicity], list[CauseState]]:
    """After a hold decided on ``held_on``: each cause (``based_on`` as the decision stored
    it: ``term``, ``grade``, ``fever``, and ``analyte`` or ``event`` number) judged on its
    OWN evidence (:func:`dawna.rules.hold_recovery.recovery_of`): a blood count by the latest
    result of the same test sampled after the hold (``labs_after``, in sample order), an
    adverse event by its own course (resolved, or its current grade). Each cause becomes a
    toxicity with its own ``recovered_to_grade`` (None: no recheck yet) and its worst grade
    since the hold (a count that fell further still counts, palbociclib label Table 2 "at any
    time"). ``recover_to``: one threshold for every cause (capecitabine label §2: grade 0-1);
    by default grade <= 2 for a blood count, <= 1 otherwise (palbociclib label Tables 2-3)."""
    causes = [_cause_of(entry, held_on, recover_to) for entry in based_on]
    lab_evidence = [LabEvidence(LAB_KEY_OF_TERM.get(lab.term, lab.analyte), lab.sample_date,
                                lab.grade) for lab in labs_after]
    states = recovery_of(causes, lab_evidence, _evidence(events))
    toxicities = []
    for entry, cause, state in zip(based_on, causes, states, strict=True):
        grade, now = cause.grade, None
        if cause.kind == "lab":
            rechecks = [lab.grade for lab in lab_evidence
                        if lab.key == cause.key and lab.sampled_on > held_on]
            grade = max([grade, *rechecks])
            now = rechecks[-1] if rechecks else None
        elif state.state is not Recovery.NO_RECHECK:
            now = next((e.grade if e.ongoing else 0 for e in _evidence(events)
                        if e.number == cause.key), None)
        toxicities.append(Toxicity(
            term=cause.label, grade=grade, haematological=cause.label in HAEMATOLOGICAL_TERMS,
            with_fever_or_infection=bool(entry.get("fever")), recovered_to_grade=now))
    return toxicities, states


def count_cycle_day(cycle_starts: Sequence[date], latest_count: date | None,
                    today: date) -> int | None:
    """The cycle day a proposal is for: the day of the latest neutrophil count when it was
    sampled in the current cycle (a day-15 count reviewed on day 16 is still day 15), else
    ``today``'s; None before the first cycle (palbociclib label Table 2 distinguishes day 1 and
    day 15 counts)."""
    if not cycle_starts:
        return None
    start = cycle_starts[-1]
    on_day = latest_count if latest_count is not None and latest_count >= start else today
    return (on_day - start).days + 1
