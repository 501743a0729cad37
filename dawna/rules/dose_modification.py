"""Dose modification for the DAWNA-FES regimens: dalpiciclib dose levels and the day-1 rule of
21-day chemotherapy.

Sources (``docs/domain.md`` §5):

- Dalpiciclib dose modification: the palbociclib (IBRANCE) label, §2.2 Tables 1–3, as the CDK4/6
  inhibitor class standard (domain.md §5) on the dalpiciclib dose levels 150 → 125 → 100 mg
  (protocol ``dose_levels``, to confirm). Quoted in :data:`PALBOCICLIB_LABEL`.
- Chemotherapy (arm B, 21-day cycles) day-1 rule: a site decision, see
  :func:`propose_chemotherapy`.

Which toxicities are current is :mod:`dawna.rules.current_toxicity`; the dose formulas are
:mod:`dawna.rules.dose_formulas`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from dawna.rules.class_warnings import not_dose_relevant, pneumonitis_decision
from dawna.rules.dose_formulas import levels_text
from dawna.rules.messages import N_, Message, number
from dawna.rules.regimen_model import DosingError

__all__ = [
    "CHEMOTHERAPY_RULE_SOURCE",
    "CHEMO_REDUCTION_PERCENT",
    "PALBOCICLIB_LABEL",
    "Action",
    "Proposal",
    "Toxicity",
    "chemotherapy_factor",
    "propose_chemotherapy",
    "propose_dalpiciclib",
]

#: The palbociclib (IBRANCE) label text the dalpiciclib rules follow (§2.2; read in the UK SmPC
#: version on pfizerpro.co.uk and summaries of the US label; Table 3 not read here: to confirm).
PALBOCICLIB_LABEL = (
    "IBRANCE (palbociclib) prescribing information §2.2 Dose Modification, Table 2 "
    "(haematological toxicities) and Table 3 (non-haematological toxicities), applied to "
    "dalpiciclib as the CDK4/6 inhibitor class standard"
)
CHEMOTHERAPY_RULE_SOURCE = (
    "site decision for 21-day chemotherapy (NCCN guidelines and CBCSG006 practice): "
    "day-1 ANC and platelet thresholds as the screening organ-function settings"
)


#: Chemotherapy reduction per step, as a percentage of the starting dose [site decision,
#: domain.md §5 practice: 20-25 % is usual].
CHEMO_REDUCTION_PERCENT = 20.0


class Action(StrEnum):
    CONTINUE = "continue"
    HOLD_RECHECK = "hold_recheck"
    RESUME_SAME = "resume_same"
    RESUME_LOWER = "resume_lower"
    DISCONTINUE = "discontinue"
    DELAY = "delay"
    REDUCE = "reduce"
    DAY_DOSE = "day_dose"  # one day-8/15 dose at a percent of the full dose (Gemzar PI §2)


@dataclass(frozen=True)
class Toxicity:
    """The worst current toxicity of one CTCAE term that a proposal is based on.

    ``recovered_to_grade``: latest grade after a hold (None = not rechecked yet).
    ``prolonged_g3_weeks``: how long a grade 3 took to recover; > 1 week, like ``recurrent``
    (grade 3 again on day 1 of a later cycle), asks for the next lower dose (palbociclib label,
    Table 2 footnote: "consider dose reduction")."""

    term: str
    grade: int
    haematological: bool
    with_fever_or_infection: bool = False
    recovered_to_grade: int | None = None
    prolonged_g3_weeks: float | None = None
    recurrent: bool = False


@dataclass(frozen=True)
class Proposal:
    """A proposed dose decision; the physician confirms or overrides it.

    ``resume_level`` / ``resume_dose``: the level (dose) to restart at after a hold or delay.
    ``dose_factor``: for chemotherapy, the share of the starting dose (0.8 after one 20 %
    reduction)."""

    action: Action
    level_from: int
    level_to: int | None
    dose_to: float | None
    rule: Message
    source: str
    resume_level: int | None = None
    resume_dose: float | None = None
    dose_factor: float | None = None


_HOLD, _RESUME, _CONTINUE, _STOP = "hold", "resume", "continue", "stop"


@dataclass(frozen=True)
class _Decision:
    kind: str
    reduce: bool
    rule: Message


def _about(tox: Toxicity, rule: Message) -> Message:
    if tox.recovered_to_grade is not None:
        return Message(N_("{term} grade {grade}, now grade {now}: {rule}"), {
            "term": tox.term, "grade": str(tox.grade), "now": str(tox.recovered_to_grade),
            "rule": rule})
    return Message(N_("{term} grade {grade}: {rule}"),
                   {"term": tox.term, "grade": str(tox.grade), "rule": rule})


def _check_grade(tox: Toxicity) -> None:
    for name, grade in (("grade", tox.grade), ("recovered_to_grade", tox.recovered_to_grade)):
        if grade is not None and (isinstance(grade, bool) or grade not in range(6)):
            raise DosingError(name, Message(N_("a CTCAE grade is a whole number from 0 to 5")))


def _dalpiciclib_decision(tox: Toxicity, drug: str, cycle_day: int | None,
                          on_hold: bool) -> _Decision:
    """One toxicity against the palbociclib label (§2.2 Tables 2 and 3) and the class warnings
    (:mod:`dawna.rules.class_warnings`). ``recovered_to_grade`` is the grade now: after a hold,
    or, with ``grade`` the worst of the cycle, the latest count (Table 2: "at any time")."""
    p = {"drug": drug}
    if tox.grade >= 5:
        return _Decision(_STOP, False, _about(tox, Message(
            N_("grade 5: discontinue {drug}"), p)))
    lung = pneumonitis_decision(tox.term, tox.grade, tox.recovered_to_grade, drug)
    if lung is not None:
        kind = {"stop": _STOP, "hold": _HOLD, "resume": _RESUME}.get(lung.kind, _CONTINUE)
        if kind == _CONTINUE and on_hold:
            kind = _RESUME
        return _Decision(kind, lung.reduce, _about(tox, lung.rule))
    if tox.grade <= 2:
        # Tables 2 and 3: "Grade 1 or 2: No dose adjustment is required."
        return _Decision(_RESUME if on_hold else _CONTINUE, False, _about(tox, Message(
            N_("grade 1 or 2: no dose adjustment is required"))))
    now = tox.recovered_to_grade
    if not tox.haematological:
        # Table 3: grade ≥ 3 (if persisting despite medical treatment): withhold until ≤ grade 1
        # (≤ grade 2 if not considered a safety risk), resume at the next lower dose.
        rule = Message(N_("grade ≥ 3 non-haematological toxicity: withhold {drug} until "
                          "recovery to grade ≤ 1 (grade ≤ 2 if the physician judges it no "
                          "safety risk), then resume at the next lower dose"), p)
        recovered = now is not None and now <= 1
        return _Decision(_RESUME if recovered else _HOLD, True, _about(tox, rule))
    recovered = now is not None and now <= 2
    if tox.grade >= 4 or tox.with_fever_or_infection:
        # Table 2: grade 3 neutropenia with fever ≥ 38.5 °C and/or infection, or grade 4 (at any
        # time): withhold until recovery to grade ≤ 2, resume at the next lower dose.
        rule = Message(N_("grade 3 with fever ≥ 38.5 °C and/or infection, or grade 4: withhold "
                          "{drug} until recovery to grade ≤ 2 (ANC ≥ 1.0 ×10⁹/L), then resume "
                          "at the next lower dose"), p)
        return _Decision(_RESUME if recovered else _HOLD, True, _about(tox, rule))
    slow = (tox.prolonged_g3_weeks is not None and tox.prolonged_g3_weeks > 1) or tox.recurrent
    if slow:
        # Table 2 footnote: consider dose reduction for prolonged (> 1 week) recovery from grade 3
        # neutropenia or recurrent grade 3 neutropenia on day 1 of subsequent cycles.
        rule = Message(N_("grade 3 with prolonged (> 1 week) recovery or recurring on day 1 of a "
                          "later cycle: withhold {drug} until recovery to grade ≤ 2, then "
                          "consider the next lower dose"), p)
        return _Decision(_RESUME if recovered else _HOLD, True, _about(tox, rule))
    if cycle_day == 15 and not on_hold:
        # Table 2: grade 3 on day 15 of the first 2 cycles: continue at the current dose to
        # complete the cycle and repeat the count on day 22 (grade 4 on day 22: as grade 4).
        return _Decision(_CONTINUE, False, _about(tox, Message(
            N_("grade 3 on day 15: continue {drug} at the current dose to complete the cycle "
               "and repeat the complete blood count on day 22; grade 4 on day 22: withhold "
               "and resume at the next lower dose"), p)))
    # Table 2: grade 3 on day 1 of a cycle (and, conservatively, on any other day): withhold,
    # repeat the count within 1 week; when recovered to grade ≤ 2, start at the same dose.
    rule = Message(N_("grade 3 on day 1 of a cycle: withhold {drug}, repeat the complete blood "
                      "count within 1 week; when recovered to grade ≤ 2, start the next cycle "
                      "at the same dose"), p)
    return _Decision(_RESUME if recovered else _HOLD, False, _about(tox, rule))


def propose_dalpiciclib(toxicities: Sequence[Toxicity], level: int, levels: Sequence[float], *,
                        cycle_day: int | None = None, on_hold: bool = False,
                        drug: str = "dalpiciclib") -> Proposal:
    """The dalpiciclib dose decision for the current toxicities (source: :data:`PALBOCICLIB_LABEL`;
    dose levels from the protocol, 150 → 125 → 100 mg, then discontinue).

    Each toxicity is judged alone; the worst decides (discontinue > hold > resume > continue),
    and a reduction asked for by any of them is applied:

    - grade 1–2: no dose adjustment (Tables 2 and 3) → CONTINUE (RESUME_SAME when on hold);
    - haematological grade 3 without fever/infection on day 1 (or ``cycle_day`` None or any day
      but 15) → HOLD_RECHECK, recheck within 1 week, resume at the same level when ≤ grade 2;
      on day 15 (cycles 1–2 counts) → CONTINUE, recheck on day 22 (Table 2);
    - haematological grade 3 with prolonged (> 1 week) recovery or recurrent → as above but resume
      one level lower ("consider dose reduction", Table 2);
    - haematological grade 3 with fever ≥ 38.5 °C or infection, or grade 4 → HOLD_RECHECK until
      ≤ grade 2 (ANC ≥ 1.0 ×10⁹/L), resume one level lower (Table 2);
    - non-haematological grade ≥ 3 → HOLD_RECHECK until ≤ grade 1, resume one level lower
      (Table 3; ≤ grade 2 allowed by the physician when no safety risk);
    - grade 5, or a reduction below the lowest level → DISCONTINUE (Table 1: "If further dose
      reduction below [the lowest level] is required, discontinue.").

    ``on_hold``: the drug is withheld and ``recovered_to_grade`` holds the recheck; recovered
    (≤ 2 haematological, ≤ 1 otherwise) → RESUME_SAME or RESUME_LOWER by the cause, not yet
    (or not rechecked) → HOLD_RECHECK.
    """
    if not levels or any(not math.isfinite(v) or v <= 0 for v in levels):
        raise DosingError("levels", Message(N_("the dose levels must be positive numbers")))
    if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level < len(levels):
        raise DosingError("level", Message(N_("level {level} is not one of the {count} dose "
                                              "levels ({levels} mg)"), {
            "level": str(level), "count": str(len(levels)), "levels": levels_text(levels)}))
    for tox in toxicities:
        _check_grade(tox)
    toxicities = [t for t in toxicities
                  if not_dose_relevant(t.term, t.with_fever_or_infection) is None]

    def proposal(action: Action, rule: Message, *, to: int | None = None,
                 resume: int | None = None) -> Proposal:
        return Proposal(action, level, to, None if to is None else levels[to], rule,
                        PALBOCICLIB_LABEL, resume,
                        None if resume is None else levels[resume])

    decisions = [_dalpiciclib_decision(t, drug, cycle_day, on_hold) for t in toxicities]
    if not decisions:
        if on_hold:
            return proposal(Action.HOLD_RECHECK, Message(
                N_("{drug} is withheld and no rechecked toxicity is recorded: recheck before "
                   "resuming"), {"drug": drug}), resume=level)
        return proposal(Action.CONTINUE, Message(
            N_("no toxicity recorded: continue {drug} at the current dose"), {"drug": drug}),
            to=level)
    stop = [d for d in decisions if d.kind == _STOP]
    if stop:
        return proposal(Action.DISCONTINUE, stop[0].rule)
    reduce = any(d.reduce for d in decisions if d.kind in (_HOLD, _RESUME))
    order = {_HOLD: 3, _RESUME: 2, _CONTINUE: 1}
    worst = max(decisions, key=lambda d: (order[d.kind], d.reduce))
    target = level + 1 if reduce else level
    if target >= len(levels):
        return proposal(Action.DISCONTINUE, Message(N_("{rule}; below the lowest dose level "
                                                       "({lowest} mg): discontinue {drug}"), {
            "rule": worst.rule, "lowest": number(levels[-1]), "drug": drug}))
    if worst.kind == _HOLD:
        return proposal(Action.HOLD_RECHECK, worst.rule, resume=target)
    if worst.kind == _RESUME:
        if not on_hold and not reduce:  # recovered within the cycle: nothing to resume
            return proposal(Action.CONTINUE, worst.rule, to=level)
        return proposal(Action.RESUME_LOWER if reduce else Action.RESUME_SAME, worst.rule,
                        to=target)
    return proposal(Action.CONTINUE, worst.rule, to=level)


def _is_febrile_neutropenia(tox: Toxicity) -> bool:
    return tox.term.strip().lower() == "febrile neutropenia" or (
        tox.haematological and tox.grade >= 3 and tox.with_fever_or_infection)


def propose_chemotherapy(toxicities: Sequence[Toxicity], *, reductions_so_far: int = 0,
                         reduction_percent: float = CHEMO_REDUCTION_PERCENT,
                         max_reductions: int = 2,
                         anc: float | None = None, platelets: float | None = None,
                         anc_min: float = 1.5, platelets_min: float = 100.0) -> Proposal:
    """The day-1 decision for 21-day chemotherapy (arm B) [site decision, docs/domain.md §5
    practice; the registry record leaves chemotherapy dosing to the physician]:

    - ANC < ``anc_min`` (1.5 ×10⁹/L) or platelets < ``platelets_min`` (100 ×10⁹/L) on day 1
      → DELAY one week and recheck; the counts are given as ``anc`` / ``platelets`` (×10⁹/L),
      or read from the toxicities (neutrophil count decreased grade ≥ 2 is ANC < 1.5; platelet
      count decreased grade ≥ 2 is < 75, so give ``platelets`` for the 75–100 range);
    - febrile neutropenia, grade 4 haematological or grade 3–4 non-haematological toxicity in
      the last cycle → REDUCE by ``reduction_percent`` (20 %; 20–25 % is usual) of the starting
      dose from the next cycle: ``dose_factor`` = 1 − percent × reductions / 100 (80 %, 60 %);
      with a delay, the delayed cycle starts reduced (``resume_level``);
    - a reduction beyond ``max_reductions`` (a third) → DISCONTINUE; grade 5 → DISCONTINUE.

    ``level_from`` / ``level_to`` count reductions (0 = starting dose).
    """
    if isinstance(reductions_so_far, bool) or reductions_so_far < 0:
        raise DosingError("reductions_so_far", Message(N_("must be 0 or more")))
    if not 0 < reduction_percent < 100:
        raise DosingError("reduction_percent", Message(N_("must be above 0 and below 100")))
    if reductions_so_far > max_reductions:
        raise DosingError("reductions_so_far", Message(
            N_("{count} reductions exceed the {limit} allowed"),
            {"count": str(reductions_so_far), "limit": str(max_reductions)}))
    for name, value in (("anc", anc), ("platelets", platelets)):
        if value is not None and (not math.isfinite(value) or value < 0):
            raise DosingError(name, Message(N_("a count cannot be negative")))
    for tox in toxicities:
        _check_grade(tox)

    def proposal(action: Action, rule: Message, *, to: int | None = None,
                 resume: int | None = None) -> Proposal:
        which = to if to is not None else resume
        return Proposal(action, reductions_so_far, to, None, rule, CHEMOTHERAPY_RULE_SOURCE,
                        resume, None,
                        None if which is None else chemotherapy_factor(which, reduction_percent))

    dead = [t for t in toxicities if t.grade >= 5]
    if dead:
        return proposal(Action.DISCONTINUE, _about(dead[0], Message(
            N_("grade 5: discontinue the chemotherapy"))))
    reasons = [t for t in toxicities if _is_febrile_neutropenia(t)
               or (t.haematological and t.grade >= 4) or (not t.haematological and t.grade >= 3)]
    low = [message for message in (
        _low_count(N_("ANC {value} is below {limit} ×10⁹/L"), anc, anc_min,
                   toxicities, "neutrophil count decreased"),
        _low_count(N_("platelets {value} are below {limit} ×10⁹/L"), platelets, platelets_min,
                   toxicities, "platelet count decreased"),
    ) if message is not None]
    reduce_rule = None
    if reasons:
        reduce_rule = _about(reasons[0], Message(N_(
            "febrile neutropenia, grade 4 haematological or grade 3–4 non-haematological "
            "toxicity: reduce the doses by {percent} % of the starting dose from the next "
            "cycle"), {"percent": number(reduction_percent)}))
        if reductions_so_far >= max_reductions:
            return proposal(Action.DISCONTINUE, Message(N_(
                "{rule}; this would be reduction {count}, more than the {limit} allowed: "
                "discontinue the chemotherapy"), {"rule": reduce_rule,
                                                  "count": str(reductions_so_far + 1),
                                                  "limit": str(max_reductions)}))
    target = reductions_so_far + (1 if reasons else 0)
    if low:
        delay = Message(N_("day-1 counts too low ({counts}): delay the cycle by one week and "
                           "recheck"), {"counts": _join(low)})
        rule = delay if reduce_rule is None else Message(N_("{first}; {second}"), {
            "first": delay, "second": reduce_rule})
        return proposal(Action.DELAY, rule, resume=target)
    if reduce_rule is not None:
        return proposal(Action.REDUCE, reduce_rule, to=target)
    return proposal(Action.CONTINUE, Message(N_(
        "day-1 counts adequate and no dose-limiting toxicity: continue at the current dose")),
        to=target)


def _low_count(template: str, value: float | None, limit: float, toxicities: Sequence[Toxicity],
               term: str) -> Message | None:
    """The day-1 count below ``limit``: the measured value, else a CTCAE grade ≥ 2 of ``term``
    (neutrophils < 1.5, platelets < 75 ×10⁹/L)."""
    if value is not None:
        return (Message(template, {"value": number(value), "limit": number(limit)})
                if value < limit else None)
    for tox in toxicities:
        if tox.term.strip().lower() == term and tox.grade >= 2:
            return Message(template, {"value": Message(N_("(grade {grade})"),
                                                       {"grade": str(tox.grade)}),
                                      "limit": number(limit)})
    return None


def _join(parts: Sequence[Message]) -> Message:
    out = parts[0]
    for part in parts[1:]:
        out = Message(N_("{first}; {second}"), {"first": out, "second": part})
    return out


def chemotherapy_factor(reductions: int, reduction_percent: float = CHEMO_REDUCTION_PERCENT
                        ) -> float:
    """The share of the starting dose after ``reductions`` chemotherapy reductions of
    ``reduction_percent`` of the starting dose each (site decision, domain.md §5 practice:
    1 − 20 % × reductions: 0.8, 0.6), as :func:`propose_chemotherapy` gives it."""
    return 1 - reduction_percent * reductions / 100
