"""Eligibility for DAWNA-FES (NCT05861830): every criterion met, not met or unknown, with reasons.

:func:`evaluate` judges a :class:`~dawna.rules.screening_record.ScreeningRecord` against a
protocol: first age and sex (the record's Minimum/Maximum Eligible Age and Eligible Sex), then
each inclusion and exclusion criterion of the protocol file in the file's order, with the text
taken from the file. Every number a rule compares with is a protocol site setting, applied with
its own unit and comparator, never a constant here. :func:`evaluate` refuses a protocol with a
criterion id that no rule implements, so the file and the rules cannot drift apart unnoticed; a
criterion the file leaves out is not evaluated (the file is the authority).

Three-valued logic. A criterion is *unknown* when data it needs are missing; ``missing`` lists
them as dotted record paths (``labs.anc``, ``treatment_lines[0].relapse_during_or_after``) and
is empty once the status is decided. For an **exclusion** criterion *met* means the exclusion
applies. The outcome is *ineligible* as soon as one criterion blocks (inclusion not met,
exclusion met), whatever else is unknown; *eligible* when every inclusion is met and every
exclusion is not met; otherwise *incomplete*. A value exactly at a limit passes when the
comparator includes equality (``>=``, ``<=``); values are compared after rounding to 12
significant digits, so a unit conversion does not move a boundary value.

Dates. "At consent" is the consent date; "before starting treatment" is judged on the decision
date (the day eligibility is judged: the ``decision_date`` argument, else
``record.decision_date``). Treatment starts on or after that day, so a look-back counted from it
excludes everyone the protocol excludes, and possibly a few more (conservative). Without a
decision date, a criterion that must date an event is unknown with ``decision_date`` missing.
Calendar years: an anniversary of 29 February falls on 28 February in a year without one.

Sources (each rule's docstring names its own): registry record NCT05861830 (criteria texts);
docs/domain.md §2 (RECIST 1.1, Eisenhauer et al., Eur J Cancer 2009;45:228-247, §3.1), §4
(CTCAE v5.0 units), §5 (organ function), §6 (FES PET); ASCO/CAP ER/PgR testing guideline 2020
(Allison et al., J Clin Oncol 2020;38:1346); ASCO/CAP HER2 testing guideline 2018 (Wolff et al.,
J Clin Oncol 2018;36:2105).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from dawna.errors import ValidationError
from dawna.protocol.schema import Criterion, Eligibility, Protocol
from dawna.rules.criteria_exclusion import (
    ex1,
    ex2,
    ex3,
    ex4,
    ex5,
    ex6,
    ex7,
    ex8,
    ex9,
    ex10,
)
from dawna.rules.criteria_inclusion import (
    age_rule,
    in1,
    in2,
    in3,
    in4,
    in5,
    in6,
    in7,
    in8,
    in9,
    sex_rule,
)
from dawna.rules.evidence import EvidenceKind, window_text
from dawna.rules.messages import Message
from dawna.rules.screening_record import ScreeningRecord
from dawna.rules.verdict import (
    Case,
    Kind,
    Outcome,
    Status,
    Verdict,
    completed_years,
)

__all__ = [
    "CriterionResult", "EligibilityResult", "Outcome", "Status", "completed_years", "evaluate",
]


@dataclass(frozen=True)
class CriterionResult:
    """One criterion judged. For an exclusion, ``MET`` means the patient is excluded."""

    id: str
    kind: Kind
    text: str
    status: Status
    reasons: tuple[Message, ...]
    missing: tuple[str, ...]
    source: str
    windows: tuple[Message, ...] = ()  # the evidence windows it rests on (issue 18 item 2)
    text_zh: str | None = None  # the protocol file's Chinese text (issue 20 review)

    def text_for(self, locale: str) -> str:
        """The criterion's text in ``locale``, the English where the protocol gives none."""
        return self.text_zh if locale.startswith("zh") and self.text_zh else self.text

    @property
    def blocks(self) -> bool:
        """True when this criterion alone makes the patient ineligible."""
        if self.kind == "inclusion":
            return self.status is Status.NOT_MET
        return self.status is Status.MET


@dataclass(frozen=True)
class EligibilityResult:
    outcome: Outcome
    decision_date: date | None
    criteria: tuple[CriterionResult, ...]

    @property
    def failed(self) -> tuple[CriterionResult, ...]:
        return tuple(c for c in self.criteria if c.blocks)

    @property
    def unknown(self) -> tuple[CriterionResult, ...]:
        return tuple(c for c in self.criteria if c.status is Status.UNKNOWN)

    @property
    def missing(self) -> tuple[str, ...]:
        """Every missing record path, once each, in criterion order."""
        return tuple(dict.fromkeys(p for c in self.criteria for p in c.missing))



_Rule = Callable[[Case], Verdict]

_RULES: dict[str, tuple[_Rule, str]] = {
    "IN1": (in1, "ASCO/CAP ER/PgR 2020 and HER2 2018 testing guidelines"),
    "IN2": (in2, "domain.md §6 (FES SUVmax threshold)"),
    "IN3": (in3, "ECOG performance status"),
    "IN4": (in4, "investigator's estimate"),
    "IN5": (in5, "agent classes in dawna.rules.units"),
    "IN6": (in6, "registry record"),
    "IN7": (in7, "RECIST 1.1 §3.1 (Eisenhauer 2009), domain.md §2"),
    "IN8": (in8, "domain.md §5 (organ function) and §4 (CTCAE v5.0 units)"),
    "IN9": (in9, "CTCAE v5.0 grades"),
    "EX1": (ex1, "domain.md §6 (FES PET)"),
    "EX2": (ex2, "registry record"),
    "EX3": (ex3, "registry record"),
    "EX4": (ex4, "registry record"),
    "EX5": (ex5, "registry record"),
    "EX6": (ex6, "registry record"),
    "EX7": (ex7, "registry record"),
    "EX8": (ex8, "registry record; calendar years from the decision date"),
    "EX9": (ex9, "registry record; days before the decision date"),
    "EX10": (ex10, "registry record"),
}



#: The dated evidence each criterion rests on (:mod:`dawna.rules.evidence`).
_EVIDENCE: dict[str, tuple[EvidenceKind, ...]] = {
    "IN1": ("pathology",), "IN2": ("fes",), "IN7": ("imaging",), "IN8": ("labs",),
    "EX1": ("fes",)}


# --- evaluate -----------------------------------------------------------------------------------


def _age_text(e: Eligibility) -> str:
    if e.maximum_age_years is None:
        return (f"Age at least {e.minimum_age_years} years at consent (registry record: minimum "
                f"{e.minimum_age_years} years)")
    return (f"Age {e.minimum_age_years}–{e.maximum_age_years} years at consent (registry "
            f"record: minimum {e.minimum_age_years} years, maximum {e.maximum_age_years} years)")


def _sex_text(e: Eligibility) -> str:
    return f"Sex: {e.sex.lower()} (registry record: eligible sex {e.sex})"


def evaluate(record: ScreeningRecord, protocol: Protocol, decision_date: date | None = None
             ) -> EligibilityResult:
    """Judge ``record`` against every criterion of ``protocol`` on ``decision_date`` (default
    ``record.decision_date``). Raises :class:`dawna.errors.ValidationError` naming the protocol
    path when a criterion id has no rule, or a site setting a rule needs is unusable."""
    e = protocol.eligibility
    listed: tuple[tuple[Kind, tuple[Criterion, ...]], ...] = (
        ("inclusion", e.inclusion), ("exclusion", e.exclusion))
    for kind, criteria in listed:
        for i, criterion in enumerate(criteria):
            if criterion.id not in _RULES:
                raise ValidationError(
                    f"no rule implements criterion {criterion.id}: this version of dawna "
                    f"cannot evaluate the protocol", field=f"eligibility.{kind}[{i}].id")
    case = Case(record, protocol, decision_date if decision_date is not None
                 else record.decision_date)
    nct = protocol.registry.nct_id
    texts_zh: dict[str, str | None] = {}
    rows: list[tuple[str, Kind, str, _Rule, str]] = [
        ("AGE", "inclusion", _age_text(e), age_rule,
         f"{nct}: Minimum and Maximum Eligible Age"),
        ("SEX", "inclusion", _sex_text(e), sex_rule, f"{nct}: Eligible Sex"),
    ]
    for kind, criteria in listed:
        for criterion in criteria:
            rule, source = _RULES[criterion.id]
            rows.append((criterion.id, kind, criterion.text, rule,
                         f"{nct} {kind} criterion {criterion.id}; {source}"))
            texts_zh[criterion.id] = criterion.text_zh
    results: list[CriterionResult] = []
    for cid, kind, text, rule, source in rows:
        v = rule(case)
        results.append(CriterionResult(
            id=cid, kind=kind, text=text, status=v.status, reasons=v.reasons,
            missing=v.missing if v.status is Status.UNKNOWN else (), source=source,
            windows=tuple(window_text(case, k) for k in _EVIDENCE.get(cid, ())),
            text_zh=texts_zh.get(cid)))
    if any(r.blocks for r in results):
        outcome = Outcome.INELIGIBLE
    elif all(r.status is (Status.MET if r.kind == "inclusion" else Status.NOT_MET)
             for r in results):
        outcome = Outcome.ELIGIBLE
    else:
        outcome = Outcome.INCOMPLETE
    return EligibilityResult(outcome=outcome, decision_date=case.decision_date,
                             criteria=tuple(results))

