"""Chemotherapy proposals (arm B) by each drug's rule as the protocol file names it (the
``modification`` block of the regimen entry): capecitabine's interruption table with the
appearance counted from the stored decisions; the gemcitabine day-8 table on the days the
rule counts; paclitaxel's neuropathy reduction; the generic day-1 rule of 21-day
chemotherapy for the others.

Sources: Xeloda (capecitabine), Gemzar (gemcitabine) and Taxol (paclitaxel) prescribing
information §2; the site's day-1 rule
(:func:`dawna.rules.dose_modification.propose_chemotherapy`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from dawna.rules import ctcae
from dawna.rules import regimens as rx
from dawna.rules.chemo_modification import (
    CAPECITABINE_PERCENT_STEPS,
    CAPECITABINE_SOURCE,
    GEMCITABINE_DAY8_TABLES,
    ChemoModification,
    capecitabine_modification,
    day8_percent,
    paclitaxel_modification,
)
from dawna.rules.hold_recovery import resume_proposal
from dawna.rules.messages import N_, Message
from dawna.rules.units import convert
from dawna.services.dose_context import (
    CauseRow,
    DoseContext,
    DrugProposal,
    cause_rows,
    hold_of,
)
from dawna.services.treatment import render
from dawna.store.models import LabResult

__all__ = ["CAPECITABINE_ACTIONS", "CHEMO_ACTIONS", "DAY_ACTIONS", "chemo_proposal", "counts_since"]

CHEMO_ACTIONS = tuple(a.value for a in (rx.Action.CONTINUE, rx.Action.DELAY, rx.Action.REDUCE,
                                        rx.Action.DISCONTINUE))
DAY_ACTIONS = tuple(a.value for a in (rx.Action.CONTINUE, rx.Action.DAY_DOSE, rx.Action.DELAY,
                                      rx.Action.DISCONTINUE))
NEUROPATHY = "Peripheral sensory neuropathy"
#: A count-day rule applies from the day before the counted dose to 3 days after it.
COUNT_DAY_BEFORE, COUNT_DAY_AFTER = 1, 3
CAPECITABINE_ACTIONS = tuple(a.value for a in (rx.Action.CONTINUE, rx.Action.HOLD_RECHECK,
                                               rx.Action.RESUME_SAME, rx.Action.RESUME_LOWER,
                                               rx.Action.DISCONTINUE))
CAPECITABINE = "capecitabine"


def counts_since(ctx: DoseContext, since: date) -> tuple[float | None, float | None]:
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
    rule = drug.modification
    neuropathy = max((t.grade for t in tox if t.term == NEUROPATHY), default=0)
    if rule is not None and rule.rule == "paclitaxel_label" and neuropathy >= 3 and \
            proposal.action is rx.Action.REDUCE:
        # Taxol PI §2: severe peripheral neuropathy -> 20 % lower for subsequent courses
        taxol = paclitaxel_modification(neuropathy)
        proposal = replace(proposal, rule=taxol.reason, source=rule.source)
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
    causes: list[CauseRow] = []

    def proposal(action: rx.Action, rule: Message, to: int | None = None,
                 resume: int | None = None) -> rx.Proposal:
        which = to if to is not None else resume
        factor = None if which is None else CAPECITABINE_PERCENT_STEPS[which] / 100
        return rx.Proposal(action, level, to, None, rule, CAPECITABINE_SOURCE, resume, None,
                           factor)

    if on_hold:
        hold, held_for, states = hold_of(ctx, drug.drug, recover_to=1, min_grade=2)
        causes = cause_rows(held_for, states)
        resume = hold.proposed_level if hold is not None and hold.proposed_level is not None \
            else level
        resume = max(resume, level)
        # a toxicity of grade >= 2 that appeared during the interruption counts as well
        new = [t for t in ctx.toxicities(drug.drug)
               if t.grade >= 2 and t.term not in {c.term for c in held_for}]
        mod, new = _modification(ctx, drug.drug, new, CAPECITABINE_PERCENT_STEPS[resume])
        tox = held_for + new
        if mod is not None and mod.resume_percent is None:
            return _done(ctx, drug, proposal(rx.Action.DISCONTINUE, mod.reason), tox, causes,
                         level, start, on_hold)
        if mod is not None:
            resume = max(resume, CAPECITABINE_PERCENT_STEPS.index(mod.resume_percent or 100))
        params = {"percent": str(CAPECITABINE_PERCENT_STEPS[resume])}
        if resume_proposal(states) == "resume" and not new:
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
    return _done(ctx, drug, made, tox, causes, level, start, on_hold)


def _done(ctx: DoseContext, drug: rx.PlannedDrug, made: rx.Proposal, tox: list[rx.Toxicity],
          causes: list[CauseRow], level: int, start: float | None,
          on_hold: bool) -> DrugProposal:
    target = made.level_to if made.level_to is not None else made.resume_level
    dose_to = (round(start * CAPECITABINE_PERCENT_STEPS[target] / 100)
               if start is not None and target is not None else None)
    return DrugProposal(drug=drug.drug, level=level, dose=ctx.doses_now.get(drug.drug),
                        unit=_unit(ctx, drug), proposal=made, rule=render(made.rule),
                        based_on=tox, dose_to=dose_to, actions=CAPECITABINE_ACTIONS,
                        causes=causes, on_hold=on_hold)


def _count_day(ctx: DoseContext, drug: rx.PlannedDrug) -> int | None:
    """The counted dose day after day 1 (day 8, 15) that today falls on, if any."""
    cycle = ctx.current_cycle
    if cycle is None or drug.modification is None:
        return None
    today = (ctx.today - cycle.start_date).days + 1
    return next((d for d in drug.modification.count_days
                 if d > 1 and d - COUNT_DAY_BEFORE <= today <= d + COUNT_DAY_AFTER), None)


def _day8(ctx: DoseContext, drug: rx.PlannedDrug, table_name: str, day: int) -> DrugProposal:
    """Gemzar PI §2: the day-8 dose by the counts sampled from 3 days before it: full dose,
    a percent of it (one dose), or hold."""
    cycle = ctx.current_cycle
    assert cycle is not None
    anc, platelets = counts_since(ctx, cycle.start_date + timedelta(days=day - 4))
    level = ctx.steps.get(drug.drug, 0)
    dose = ctx.doses_now.get(drug.drug)
    table = GEMCITABINE_DAY8_TABLES[table_name]
    params = {"day": str(day), "source": table.source}
    percent = 0
    if anc is None or platelets is None:
        rule = Message(N_("no ANC and platelet count before the day-{day} dose: count first, "
                          "then dose by the table ({source})"), params)
        action = rx.Action.DELAY
    else:
        percent, rule = day8_percent(table, Decimal(str(anc)), Decimal(str(platelets)))
        action = (rx.Action.CONTINUE if percent == 100 else rx.Action.DELAY if percent == 0
                  else rx.Action.DAY_DOSE)
    made = rx.Proposal(action, level, level if action is not rx.Action.DELAY else None, None,
                       rule, drug.modification.source if drug.modification else table.source)
    dose_to = round(dose * percent / 100) if dose is not None and 0 < percent < 100 else None
    return DrugProposal(drug=drug.drug, level=level, dose=dose, unit=_unit(ctx, drug),
                        proposal=made, rule=render(rule), based_on=[], dose_to=dose_to,
                        actions=DAY_ACTIONS, on_hold=drug.drug in ctx.on_hold)


def chemo_proposal(ctx: DoseContext, drug: rx.PlannedDrug) -> DrugProposal:
    """The proposal by the drug's rule in the protocol file (capecitabine by its label when
    the regimen names no rule)."""
    rule = drug.modification
    if (rule is not None and rule.rule == "capecitabine_label") or (
            rule is None and drug.drug == CAPECITABINE):
        return _capecitabine(ctx, drug)
    if rule is not None and rule.rule == "gemcitabine_day8" and rule.table:
        day = _count_day(ctx, drug)
        if day is not None and drug.drug not in ctx.on_hold:
            return _day8(ctx, drug, rule.table, day)
    return _generic(ctx, drug)
