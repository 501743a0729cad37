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

from dawna.rules.ctcae_analytes import LAB_ANALYTES
from dawna.rules.ctcae_terms import TERMS
from dawna.rules.dose_modification import Toxicity

__all__ = [
    "BEFORE_TREATMENT_DAYS", "FEVER_OR_INFECTION_TERMS", "HAEMATOLOGICAL_TERMS",
    "LAB_TERMS", "NEUTROPENIA_TERMS", "SAMPLED_BEFORE_CYCLE_DAYS", "EventObservation",
    "LabObservation", "count_cycle_day", "current_toxicities", "fever_or_infection",
    "recheck_after_hold", "toxicity_window_start",
]

SAMPLED_BEFORE_CYCLE_DAYS = 3
BEFORE_TREATMENT_DAYS = 14

#: CTCAE terms graded from a laboratory value.
LAB_TERMS = frozenset(a.term for a in LAB_ANALYTES.values())
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
    """An adverse event: its CTCAE term and grade, stop date (None = ongoing) and the
    investigator's relatedness per drug ("related" / "not_related")."""

    term: str
    grade: int
    stop_date: date | None = None
    relatedness: Mapping[str, str] = field(default_factory=dict, hash=False)


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
                       drug: str | None = None) -> list[Toxicity]:
    """The toxicities a proposal rests on, the highest grade of each term, worst first (then by
    term):

    - laboratory results sampled on or after ``since`` (``labs`` in sample order): the latest
      of each test, or with ``whole_cycle`` the worst of each test;
    - adverse events ongoing (no stop date), or with ``whole_cycle`` also those stopped on or
      after ``since``; an event the investigator judged "not_related" to ``drug`` is left out;
    - grade 0 is no toxicity; haematological per :data:`HAEMATOLOGICAL_TERMS`; a neutropenia
      term is "with fever or infection" when one of the events kept is coded fever or infection
      (:func:`fever_or_infection`).
    """
    latest: dict[str, LabObservation] = {}
    for lab in labs:
        if lab.sample_date < since:
            continue
        if not whole_cycle or lab.analyte not in latest or latest[lab.analyte].grade < lab.grade:
            latest[lab.analyte] = lab
    kept = [ae for ae in events
            if (ae.stop_date is None or (whole_cycle and ae.stop_date >= since))
            and not (drug is not None and ae.relatedness.get(drug) == "not_related")]
    fever = fever_or_infection(ae.term for ae in kept)
    worst: dict[str, Toxicity] = {}

    def add(term: str, grade: int) -> None:
        if grade <= 0:
            return
        tox = Toxicity(term=term, grade=grade, haematological=term in HAEMATOLOGICAL_TERMS,
                       with_fever_or_infection=fever and term in NEUTROPENIA_TERMS)
        if term not in worst or worst[term].grade < grade:
            worst[term] = tox

    for lab in latest.values():
        add(lab.term, lab.grade)
    for ae in kept:
        add(ae.term, ae.grade)
    return sorted(worst.values(), key=lambda t: (-t.grade, t.term))


def recheck_after_hold(based_on: Sequence[Mapping[str, object]],
                       labs_after: Sequence[LabObservation],
                       ongoing: Sequence[EventObservation]) -> tuple[list[Toxicity], int | None]:
    """After a hold: the toxicities that caused it (``based_on``, as the hold decision stored
    them: ``term``, ``grade``, ``fever``) with the grade they have recovered to.

    The recovered grade is the latest result (``labs_after``: sampled after the hold, in sample
    order) of a cause's term; when a cause is clinical (not a laboratory term) and no result
    was rechecked, it is the highest grade of the ``ongoing`` events of the clinical causes'
    terms, 0 when none is ongoing. None: not rechecked yet (palbociclib label Table 2: resume
    when recovered)."""
    terms = {str(t.get("term")) for t in based_on}
    recovered: int | None = None
    for lab in labs_after:
        if lab.term in terms:
            recovered = lab.grade
    clinical = terms - LAB_TERMS
    if clinical and recovered is None:
        grades = [ae.grade for ae in ongoing if ae.term in clinical]
        recovered = max(grades) if grades else 0
    causes = [Toxicity(term=str(t["term"]), grade=int(str(t["grade"])),
                       haematological=str(t["term"]) in HAEMATOLOGICAL_TERMS,
                       with_fever_or_infection=bool(t.get("fever")),
                       recovered_to_grade=recovered) for t in based_on]
    return causes, recovered


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
