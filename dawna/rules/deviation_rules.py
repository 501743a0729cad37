"""Protocol deviations found in the recorded data: a tumour assessment or a blood count outside
its protocol window, a dose off its level; the categories and the importance of a deviation.

Sources (the text is quoted in ``docs/deviations.md``):

- ICH E3 Questions & Answers (R1), question 7 (2012): a protocol deviation is any change,
  divergence or departure from the study design or procedures defined in the protocol;
  *important* protocol deviations are the subset that may significantly affect the
  completeness, accuracy and/or reliability of the study data or a subject's rights, safety or
  well-being. ICH E6(R3) 2.5.2 / 3.7 keep the same two levels.
- ICH E3 §10.2: the deviations listed in the report by category, among them participants who
  entered without meeting the entry criteria and those who received an incorrect dose (both
  important here).
- The windows: tumour assessments every ``tumour_assessment_interval_weeks`` weeks ±
  ``tumour_assessment_window_days`` days from randomization (protocol file, domain.md §2); blood
  counts on the days of :func:`dawna.rules.treatment_calendar.default_lab_rule`, sampled from 3
  days before to 1 day after the day (:func:`~dawna.rules.treatment_calendar.sampled_in_window`).
- The dose: a drug with dose levels is given at its current level (a lower level without a dose
  decision is a wrong dose); any other drug within :data:`DOSE_TOLERANCE` (10 %) of the
  prescribed dose [site decision: the ±10 % convention of oncology protocols for a dose
  "as prescribed"].

Which deviations a rule proposes as important is a proposal the investigator confirms or
changes when acknowledging (``IMPORTANCE_OF``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from dawna.rules.messages import N_, Message, number
from dawna.rules.treatment_calendar import SAMPLED_AFTER_DAYS, CalendarEvent, sampled_in_window

__all__ = ["DOSE_TOLERANCE", "IMPORTANCE_OF", "Category", "Finding", "Importance", "Kind",
           "ScheduledAssessment", "SourceChange", "after_source_change", "assessment_findings",
           "blood_count_findings", "dose_finding"]


class Category(StrEnum):
    """The categories of the deviation log (ICH E3 §10.2 groups deviations by category)."""

    ELIGIBILITY = "eligibility"
    VISIT_WINDOW = "visit_window"
    DOSE = "dose"
    CONSENT = "consent"
    OTHER = "other"


class Importance(StrEnum):
    IMPORTANT = "important"
    NOT_IMPORTANT = "not_important"


class Kind(StrEnum):
    """How a deviation came to the log: entered by the site, or found by a rule."""

    RECORDED = "recorded"
    ELIGIBILITY_VIOLATION = "eligibility_violation"
    ASSESSMENT_OUT_OF_WINDOW = "assessment_out_of_window"
    ASSESSMENT_MISSED = "assessment_missed"
    BLOOD_COUNT_MISSED = "blood_count_missed"
    DOSE_OFF_LEVEL = "dose_off_level"
    PROHIBITED_MEDICATION = "prohibited_medication"


#: The importance a rule proposes (module docstring): entry without meeting the criteria and an
#: incorrect dose are important (ICH E3 §10.2); a missed tumour assessment loses key data of
#: the response and progression endpoints; a blood count missed before a dose of a
#: myelosuppressive drug may affect the participant's safety; an assessment done outside its
#: window is kept and analysed, so not important unless the investigator judges otherwise.
IMPORTANCE_OF: dict[Kind, Importance] = {
    Kind.ELIGIBILITY_VIOLATION: Importance.IMPORTANT,
    # a strong CYP3A inhibitor or inducer changes dalpiciclib exposure (docs/cyp3a.md): a
    # prohibited concomitant treatment, important (ICH E3 §10.2)
    Kind.PROHIBITED_MEDICATION: Importance.IMPORTANT,
    Kind.DOSE_OFF_LEVEL: Importance.IMPORTANT,
    Kind.ASSESSMENT_MISSED: Importance.IMPORTANT,
    Kind.BLOOD_COUNT_MISSED: Importance.IMPORTANT,
    Kind.ASSESSMENT_OUT_OF_WINDOW: Importance.NOT_IMPORTANT,
}

class SourceChange(StrEnum):
    """What becomes of a deviation a rule found in a record, when that record is deleted or
    corrected so that the rule no longer finds it."""

    WITHDRAW = "withdraw"
    REVIEW = "review"


def after_source_change(acknowledged: bool) -> SourceChange:
    """A deviation found in an entry that was an error is no departure from the protocol (ICH
    E3 Q&A (R1) Q7): not yet acknowledged, it is withdrawn, kept in the log with the change
    that withdrew it and left out of the open deviations and the report's tables. Once the
    investigator has acknowledged it (ICH E6(R3) 2.5.2: the investigator documents and
    explains a deviation) no automatic change undoes that judgement: it is flagged for the
    investigator's review, who withdraws or keeps it. Rule and sources: ``docs/deviations.md``
    ("When the record behind a deviation changes")."""
    return SourceChange.REVIEW if acknowledged else SourceChange.WITHDRAW


#: A dose without dose levels differing from the prescribed dose by more than this fraction is
#: a dose deviation (site decision, module docstring).
DOSE_TOLERANCE = Decimal("0.10")


@dataclass(frozen=True)
class Finding:
    """One deviation a rule found: ``key`` names it (the same finding has the same key when the
    rule runs again), ``occurred_on`` the day it happened."""

    key: str
    kind: Kind
    category: Category
    occurred_on: date
    description: Message

    @property
    def importance(self) -> Importance:
        return IMPORTANCE_OF[self.kind]


@dataclass(frozen=True)
class ScheduledAssessment:
    """Tumour assessment ``number`` due on ``target``, within ``start`` … ``end``."""

    number: int
    target: date
    start: date
    end: date


def assessment_findings(scheduled: Sequence[ScheduledAssessment], performed: Iterable[date],
                        today: date) -> list[Finding]:
    """Each follow-up assessment ``performed`` counts for the scheduled one with the nearest
    target date (the earlier on a tie); one outside that window is an assessment out of window.
    A scheduled assessment whose window ended before ``today`` with no assessment counted for
    it is missed. Assessments before the first window are not judged (unscheduled scans)."""
    if not scheduled:
        return []
    counted: set[int] = set()
    out: list[Finding] = []
    first = scheduled[0].start
    for when in sorted(set(performed)):
        if when < first:
            continue
        best = min(scheduled, key=lambda s: (abs((when - s.target).days), s.target))
        counted.add(best.number)
        if not best.start <= when <= best.end:
            out.append(Finding(
                f"tumour_assessment:{when.isoformat()}", Kind.ASSESSMENT_OUT_OF_WINDOW,
                Category.VISIT_WINDOW, when, Message(
                    N_("Tumour assessment on {date} is outside the window of assessment "
                       "{number} ({start} – {end})"),
                    {"date": when.isoformat(), "number": str(best.number),
                     "start": best.start.isoformat(), "end": best.end.isoformat()})))
    for s in scheduled:
        if s.number not in counted and s.end < today:
            out.append(Finding(
                f"tumour_assessment_missed:{s.number}", Kind.ASSESSMENT_MISSED,
                Category.VISIT_WINDOW, s.end, Message(
                    N_("Tumour assessment {number} was not done in its window ({start} – "
                       "{end})"),
                    {"number": str(s.number), "start": s.start.isoformat(),
                     "end": s.end.isoformat()})))
    return sorted(out, key=lambda f: (f.occurred_on, f.key))


def blood_count_findings(events: Sequence[CalendarEvent], sampled: Iterable[date],
                         first_dose: date | None, today: date) -> list[Finding]:
    """Blood counts of the calendar ``events`` (kind ``lab``) from the first dose on whose
    sampling window ended before ``today`` without a sample (``sampled``: the sample dates of
    the blood-count analytes)."""
    if first_dose is None:
        return []
    dates = set(sampled)
    out = []
    for e in events:
        if e.kind != "lab" or e.date < first_dose:
            continue
        if e.date + timedelta(days=SAMPLED_AFTER_DAYS) >= today or sampled_in_window(e.date,
                                                                                    dates):
            continue
        out.append(Finding(
            f"blood_count:{e.cycle}:{e.day}", Kind.BLOOD_COUNT_MISSED, Category.VISIT_WINDOW,
            e.date, Message(N_("Blood count of cycle {cycle} day {day} ({date}) was not done"),
                            {"cycle": str(e.cycle), "day": str(e.day),
                             "date": e.date.isoformat()})))
    return out


def dose_finding(cycle: int, day1: date, drug: str, given: Decimal, unit: str, *,
                 levels: Sequence[float] | None, level: int | None,
                 prescribed: Decimal | None) -> Finding | None:
    """The dose ``given`` of ``drug`` on day 1 of ``cycle`` checked against what was due then:
    with dose levels, the current ``level`` (0 = starting dose; a dose not on a level or on
    another level is a deviation); otherwise ``prescribed`` ± :data:`DOSE_TOLERANCE`. None when
    nothing is due to compare with or the dose is as due."""
    key = f"dose:{cycle}:{drug}"
    if levels:
        if level is None or not 0 <= level < len(levels):
            return None
        due = Decimal(str(levels[level]))
        if given == due:
            return None
    else:
        if prescribed is None or prescribed <= 0:
            return None
        due = prescribed
        if abs(given - due) <= due * DOSE_TOLERANCE:
            return None
    return Finding(key, Kind.DOSE_OFF_LEVEL, Category.DOSE, day1, Message(
        N_("Cycle {cycle}: {drug} {given} {unit} given where {due} {unit} was due"),
        {"cycle": str(cycle), "drug": drug, "given": number(float(given)), "unit": unit,
         "due": number(float(due))}))
