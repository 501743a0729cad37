"""The proposal for each drug with a protocol modification rule: dalpiciclib by the CDK4/6
class rules (worst blood count of the cycle, each cause of a hold on its own evidence, the
ILD/pneumonitis and lymphopenia class warnings), chemotherapy by its label
(:mod:`dawna.services.dose_chemo`) or the generic day-1 rule; and every ongoing grade >= 3
adverse event with why it is in the proposal or left out."""

from __future__ import annotations

from dawna.i18n import _
from dawna.rules import regimens as rx
from dawna.rules.class_warnings import not_dose_relevant
from dawna.rules.current_toxicity import LAB_KEY_OF_TERM
from dawna.services.dose_chemo import DAY_ACTIONS, chemo_proposal
from dawna.services.dose_context import (
    DoseContext,
    DrugProposal,
    SevereRow,
    cause_rows,
    hold_of,
)
from dawna.services.treatment import render

__all__ = ["LEVEL_ACTIONS", "based_on_json", "build"]

LEVEL_ACTIONS = tuple(a.value for a in (rx.Action.CONTINUE, rx.Action.HOLD_RECHECK,
                                        rx.Action.RESUME_SAME, rx.Action.RESUME_LOWER,
                                        rx.Action.DISCONTINUE))
SEVERE_GRADE = 3


def _severe(ctx: DoseContext, drug: str, based_on: list[rx.Toxicity],
            by_class_rule: bool, counts_only: bool = False) -> list[SevereRow]:
    """Every ongoing grade >= 3 event, and for dalpiciclib every severe count the class rule
    leaves out, with why it is in the proposal or not."""
    used = {t.term for t in based_on}
    rows = []
    for ae in ctx.events:
        if ae.stop_date is not None or ae.grade < SEVERE_GRADE:
            continue
        excluded = not_dose_relevant(ae.term) if by_class_rule else None
        if ae.relatedness.get(drug) == "not_related":
            why = _("judged not related to %(drug)s by the investigator: it does not change "
                    "the %(drug)s dose") % {"drug": drug}
        elif excluded is not None:
            why = render(excluded)
        elif ae.term in used:
            why = ""
        elif counts_only:
            why = _("the dose on a counted day (day 8 or 15) is judged on the blood counts; "
                    "this event is judged at the next cycle")
        else:
            why = _("the recheck after a hold or delay is judged on its causes and the blood "
                    "counts; this event is not one of them")
        rows.append(SevereRow(term=ae.term, grade=ae.grade, number=ae.number,
                              serious=ae.serious, in_proposal=not why, why=why))
    if by_class_rule:
        seen = {r.term for r in rows}
        for lab in ctx.toxicities(drug):
            reason = not_dose_relevant(lab.term, lab.with_fever_or_infection)
            if lab.grade >= SEVERE_GRADE and reason is not None and lab.term not in seen:
                rows.append(SevereRow(term=lab.term, grade=lab.grade, number=None,
                                      serious=False, in_proposal=False, why=render(reason)))
    return rows


def based_on_json(ctx: DoseContext, prop: DrugProposal) -> list[dict[str, object]]:
    """The toxicities a decision answers, as stored: each with its laboratory test, or the
    number of its worst ongoing adverse event, so that the recheck after a hold judges each
    cause on its own evidence."""
    out: list[dict[str, object]] = []
    for t in prop.based_on:
        if not t.term:
            continue
        entry: dict[str, object] = {"term": t.term, "grade": t.grade,
                                    "fever": t.with_fever_or_infection}
        if t.term in LAB_KEY_OF_TERM:
            entry["analyte"] = LAB_KEY_OF_TERM[t.term]
        else:
            same = sorted((ae for ae in ctx.events if ae.term == t.term and ae.stop_date is None),
                          key=lambda ae: (ae.grade, ae.number))
            if same:
                entry["event"] = str(same[-1].number)
        out.append(entry)
    return out


def _dalpiciclib(ctx: DoseContext, drug: rx.PlannedDrug) -> DrugProposal:
    levels = drug.dose_levels or ()
    on_hold = drug.drug in ctx.on_hold
    tox = ctx.toxicities(drug.drug, worst_counts=True)
    causes = []
    if on_hold:
        hold, held_for, states = hold_of(ctx, drug.drug)
        if hold is not None and held_for:
            terms = {c.term for c in held_for}
            tox = held_for + [t for t in tox if t.term not in terms]
            causes = cause_rows(held_for, states)
    level = ctx.levels.get(drug.drug, 0)
    proposal = rx.propose_dalpiciclib(tox, level, levels, cycle_day=ctx.cycle_day,
                                      on_hold=on_hold)
    target = proposal.level_to if proposal.level_to is not None else proposal.resume_level
    kept = [t for t in tox if not_dose_relevant(t.term, t.with_fever_or_infection) is None]
    return DrugProposal(drug=drug.drug, level=level, dose=levels[level], unit=drug.unit,
                        proposal=proposal, rule=render(proposal.rule), based_on=kept,
                        dose_to=levels[target] if target is not None else None,
                        actions=LEVEL_ACTIONS, causes=causes,
                        severe=_severe(ctx, drug.drug, kept, True), on_hold=on_hold)


def build(ctx: DoseContext) -> list[DrugProposal]:
    """The proposal for each drug with a protocol modification rule (endocrine therapy and
    ovarian suppression have none)."""
    out = []
    for drug in ctx.regimen.drugs:
        if drug.drug in ctx.gone:
            continue
        if drug.dose_levels:
            prop = _dalpiciclib(ctx, drug)
        elif ctx.regimen.arm == "B":
            prop = chemo_proposal(ctx, drug)
            counts_only = not prop.on_hold and prop.actions == DAY_ACTIONS
            prop = DrugProposal(**{**prop.__dict__, "severe": _severe(
                ctx, drug.drug, prop.based_on, False, counts_only)})
        else:
            continue
        out.append(prop)
    return out
