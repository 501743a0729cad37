"""Where each drug stands after the investigator's dose decisions: its current dose level, its
current dose, whether it is held or discontinued, and the reductions so far."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.rules import regimens as rx
from dawna.rules.chemo_modification import CAPECITABINE_PERCENT_STEPS
from dawna.store.models import DoseDecision, Participant, TreatmentPlan

__all__ = ["adjustments", "current_doses", "current_levels", "decisions_of", "discontinued",
           "discontinued_in", "doses_after", "held", "levels_after", "reductions"]


def decisions_of(s: Session, p: Participant) -> list[DoseDecision]:
    """The participant's dose decisions in the order they were made."""
    return list(s.scalars(select(DoseDecision).where(DoseDecision.participant_id == p.id)
                          .order_by(DoseDecision.decision_date, DoseDecision.id)))


def current_levels(s: Session, p: Participant) -> dict[str, int]:
    """Dose level of each drug with levels after the latest decision (0 = starting dose);
    a discontinued drug is absent."""
    return levels_after(decisions_of(s, p))


def levels_after(decisions: Iterable[DoseDecision]) -> dict[str, int]:
    """:func:`current_levels` from the participant's ``decisions`` in the order they were
    made (:func:`decisions_of`)."""
    levels: dict[str, int] = {}
    gone: set[str] = set()
    for d in decisions:
        if d.action == rx.Action.DISCONTINUE.value:
            gone.add(d.drug)
            levels.pop(d.drug, None)
        elif d.level_to is not None and d.drug not in gone:
            levels[d.drug] = d.level_to
    return levels


def current_doses(s: Session, p: Participant, plan: TreatmentPlan) -> dict[str, float]:
    """Dose of each drug now: the confirmed dose, or the latest reduced dose decided (a
    day-8/15 dose given at a percent changes only that dose)."""
    return doses_after(decisions_of(s, p), plan)


def doses_after(decisions: Iterable[DoseDecision], plan: TreatmentPlan) -> dict[str, float]:
    """:func:`current_doses` from the participant's ``decisions`` in the order they were
    made (:func:`decisions_of`)."""
    doses = {d["drug"]: float(d["dose"]) for d in plan.doses}
    for d in decisions:
        # a plan confirmed again after a decision already carries the reduction
        if d.dose_to is not None and d.drug in doses and d.decided_at >= plan.confirmed_at \
                and d.action != rx.Action.DAY_DOSE.value:  # one dose only, not the next ones
            doses[d.drug] = d.dose_to
    return doses


def discontinued(s: Session, p: Participant) -> set[str]:
    return set(s.scalars(select(DoseDecision.drug).where(
        DoseDecision.participant_id == p.id,
        DoseDecision.action == rx.Action.DISCONTINUE.value)))


def discontinued_in(decisions: Iterable[DoseDecision]) -> set[str]:
    """:func:`discontinued` from the participant's ``decisions``."""
    return {d.drug for d in decisions if d.action == rx.Action.DISCONTINUE.value}


def held(s: Session, p: Participant) -> set[str]:
    """Drugs whose latest decision is a hold or a delay (waiting for the recheck): the next
    dose needs a decision to resume first."""
    latest: dict[str, str] = {}
    for d in decisions_of(s, p):
        latest[d.drug] = d.action
    return {drug for drug, action in latest.items()
            if action in (rx.Action.HOLD_RECHECK.value, rx.Action.DELAY.value)}


def reductions(s: Session, p: Participant) -> dict[str, int]:
    """Chemotherapy reductions so far per drug (the highest reduction step decided)."""
    counts: dict[str, int] = {}
    for d in s.scalars(select(DoseDecision).where(DoseDecision.participant_id == p.id,
                                                  DoseDecision.level_to.is_not(None))):
        counts[d.drug] = max(counts.get(d.drug, 0), d.level_to or 0)
    return counts


def adjustments(s: Session, p: Participant,
                regimen: rx.Regimen) -> tuple[dict[str, int], dict[str, float]]:
    """The current dose level of each drug with dose levels, and the current fraction of the
    starting dose of each other drug reduced (chemotherapy: 20 % of the starting dose per
    reduction; capecitabine: its label's percent steps), for re-computing the plan after a
    change of weight or variant."""
    current = current_levels(s, p)
    levels: dict[str, int] = {}
    factors: dict[str, float] = {}
    for drug in regimen.drugs:
        step = current.get(drug.drug)
        if step is None:
            continue
        if drug.dose_levels:
            levels[drug.drug] = step
        elif step and drug.drug == "capecitabine":  # Xeloda PI §2: 100 -> 75 -> 50 %
            steps = CAPECITABINE_PERCENT_STEPS
            factors[drug.drug] = steps[min(step, len(steps) - 1)] / 100
        elif step:
            factors[drug.drug] = rx.chemotherapy_factor(step)
    return levels, factors
