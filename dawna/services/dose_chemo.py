"""Chemotherapy proposals (arm B) by each drug's label: capecitabine's interruption table with
the appearance counted from the stored decisions, and the generic day-1 rule of 21-day
chemotherapy for the others.

Sources: Xeloda (capecitabine) prescribing information §2 (dose modifications table);
the site's day-1 rule (:func:`dawna.rules.dose_modification.propose_chemotherapy`)."""

from __future__ import annotations

from sqlalchemy import select

from dawna.rules import ctcae
from dawna.rules import regimens as rx
from dawna.rules.chemo_modification import (
    CAPECITABINE_PERCENT_STEPS,
    CAPECITABINE_SOURCE,
    ChemoModification,
    capecitabine_modification,
)
from dawna.rules.hold_recovery import resume_proposal
from dawna.rules.messages import N_, Message
from dawna.rules.units import convert
from dawna.services.dose_context import DoseContext, DrugProposal, cause_rows, hold_of
from dawna.services.treatment import render
from dawna.store.models import LabResult

__all__ = ["CAPECITABINE_ACTIONS", "CHEMO_ACTIONS", "chemo_proposal", "counts_since"]

CHEMO_ACTIONS = tuple(a.value for a in (rx.Action.CONTINUE, rx.Action.DELAY, rx.Action.REDUCE,
                                        rx.Action.DISCONTINUE))
CAPECITABINE_ACTIONS = tuple(a.value for a in (rx.Action.CONTINUE, rx.Action.HOLD_RECHECK,
                                               rx.Action.RESUME_SAME, rx.Action.RESUME_LOWER,
                                               rx.Action.DISCONTINUE))
CAPECITABINE = "capecitabine"


def counts_since(ctx: DoseContext, since: object) -> tuple[float | None, float | None]:
    """The latest ANC and platelet count sampled since ``since``, in 10⁹/L."""
    out: dict[str, float] = {}
    for lab in ctx.s.scalars(select(LabResult).where(
            LabResult.participant_id == ctx.p.id, LabResult.sample_date >= since,
            LabResult.analyte.in_(("anc", "platelets"))).order_by(LabResult.sample_date,
                                                                  LabResult.id)):
        try:
            out[lab.analyte] = convert(lab.value, ctcae.canonical_unit(lab.analyte, lab.unit),
                                       "10^9/L", "count")
        except (ValueError, ctcae.CtcaeError):
            continue  # not convertible: the grade still counts
    return out.get("anc"), out.get("platelets")


def _unit(ctx: DoseContext, drug: rx.PlannedDrug) -> str:
    return str(ctx.confirmed.get(drug.drug, {}).get("unit", drug.unit))


def _generic(ctx: DoseContext, drug: rx.PlannedDrug) -> DrugProposal:
    anc, platelets = counts_since(ctx, ctx.since)
    on_hold = drug.drug in ctx.on_hold
    # after a delay the recheck is judged on the counts alone: the delay already carried any
    # reduction its toxicity called for (no second reduction)
    tox = [] if on_hold else ctx.toxicities(drug.drug, whole_cycle=True)
    level = ctx.steps.get(drug.drug, 0)
    proposal = rx.propose_chemotherapy(tox, reductions_so_far=level, anc=anc,
                                       platelets=platelets)
    start = ctx.start_dose(drug.drug)
    dose_to = (round(start * proposal.dose_factor) if start is not None
               and proposal.dose_factor is not None else None)
    return DrugProposal(drug=drug.drug, level=level, dose=ctx.doses_now.get(drug.drug),
                        unit=_unit(ctx, drug), proposal=proposal, rule=render(proposal.rule),
                        based_on=tox, dose_to=dose_to, actions=CHEMO_ACTIONS, on_hold=on_hold)


def _appearance(ctx: DoseContext, drug: str, tox: rx.Toxicity) -> int:
    """The how-manyth time this toxicity reaches this grade: 1 + the earlier interruptions or
    discontinuations of ``drug`` decided for the same term at the same grade (Xeloda PI §2)."""
    earlier = sum(1 for d in ctx.decisions if d.drug == drug and d.action in (
        rx.Action.HOLD_RECHECK.value, rx.Action.DISCONTINUE.value) and any(
        b.get("term") == tox.term and int(str(b.get("grade"))) == tox.grade
        for b in d.based_on))
    return earlier + 1


def _modification(ctx: DoseContext, drug: str, tox: list[rx.Toxicity],
                  percent: int) -> tuple[ChemoModification | None, list[rx.Toxicity]]:
    """The strictest modification the label asks for over the toxicities of grade >= 2."""
    severe = [t for t in tox if t.grade >= 2]
    mods = [capecitabine_modification(t.grade, _appearance(ctx, drug, t), percent)
            for t in severe]
    if not mods:
        return None, []
    strictest = min(mods, key=lambda m: -1 if m.resume_percent is None else m.resume_percent)
    return strictest, severe


def _capecitabine(ctx: DoseContext, drug: rx.PlannedDrug) -> DrugProposal:
    level = min(ctx.steps.get(drug.drug, 0), len(CAPECITABINE_PERCENT_STEPS) - 1)
    percent = CAPECITABINE_PERCENT_STEPS[level]
    start = ctx.start_dose(drug.drug)
    on_hold = drug.drug in ctx.on_hold
    causes = []

    def proposal(action: rx.Action, rule: Message, to: int | None = None,
                 resume: int | None = None) -> rx.Proposal:
        which = to if to is not None else resume
        factor = None if which is None else CAPECITABINE_PERCENT_STEPS[which] / 100
        return rx.Proposal(action, level, to, None, rule, CAPECITABINE_SOURCE, resume, None,
                           factor)

    if on_hold:
        hold, held_for, states = hold_of(ctx, drug.drug, recover_to=1)
        causes = cause_rows(held_for, states)
        resume = hold.proposed_level if hold is not None and hold.proposed_level is not None \
            else level
        resume = max(resume, level)
        params = {"percent": str(CAPECITABINE_PERCENT_STEPS[resume])}
        tox = held_for
        if resume_proposal(states) == "resume":
            made = proposal(rx.Action.RESUME_SAME if resume == level else rx.Action.RESUME_LOWER,
                            Message(N_("every cause of the interruption is back to grade 0-1: "
                                       "resume at {percent} % of the starting dose "
                                       "(capecitabine label §2)"), params), to=resume)
        else:
            made = proposal(rx.Action.HOLD_RECHECK, Message(N_(
                "interrupted until every cause is back to grade 0-1, then resume at {percent} % "
                "of the starting dose (capecitabine label §2)"), params), resume=resume)
    else:
        current = ctx.toxicities(drug.drug)
        mod, tox = _modification(ctx, drug.drug, current, percent)
        if mod is None:
            tox = current
            made = proposal(rx.Action.CONTINUE, Message(N_(
                "no toxicity above grade 1: maintain the dose level (capecitabine label §2)")),
                to=level)
        elif mod.action == "discontinue":
            rule = mod.reason if mod.alternative is None else Message(
                N_("{rule}; {alternative}"), {"rule": mod.reason,
                                               "alternative": mod.alternative.reason})
            made = proposal(rx.Action.DISCONTINUE, rule)
        else:
            made = proposal(rx.Action.HOLD_RECHECK, mod.reason,
                            resume=CAPECITABINE_PERCENT_STEPS.index(mod.resume_percent or 100))
    target = made.level_to if made.level_to is not None else made.resume_level
    dose_to = (round(start * CAPECITABINE_PERCENT_STEPS[target] / 100)
               if start is not None and target is not None else None)
    return DrugProposal(drug=drug.drug, level=level, dose=ctx.doses_now.get(drug.drug),
                        unit=_unit(ctx, drug), proposal=made, rule=render(made.rule),
                        based_on=tox, dose_to=dose_to, actions=CAPECITABINE_ACTIONS,
                        causes=causes, on_hold=on_hold)


def chemo_proposal(ctx: DoseContext, drug: rx.PlannedDrug) -> DrugProposal:
    if drug.drug == CAPECITABINE:
        return _capecitabine(ctx, drug)
    return _generic(ctx, drug)
