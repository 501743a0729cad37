"""Dose modification: dawna proposes, for each drug with a protocol modification rule, the
action its rule asks for (:mod:`dawna.services.dose_proposals`: dalpiciclib by the CDK4/6
class rules, chemotherapy by its label); the investigator decides and says why.

A resume after a hold needs evidence that every cause has recovered (its own recheck, or the
adverse event's own course): without it the decision is refused, naming the causes, unless
the investigator overrides with a reason (recorded on the decision). A capecitabine
interruption records the cycle days of oral dosing not taken (Xeloda PI §2: not made up).
"""

from __future__ import annotations

from datetime import date

from dawna.clock import local_today
from dawna.config import Settings
from dawna.errors import ProtocolViolation, ValidationError
from dawna.i18n import _
from dawna.rules import regimens as rx
from dawna.rules.chemo_modification import CAPECITABINE_PERCENT_STEPS, oral_days_not_taken
from dawna.rules.lifecycle import State
from dawna.services.access import Permission, Principal
from dawna.services.dose_chemo import CAPECITABINE
from dawna.services.dose_context import CauseRow, DoseContext, DrugProposal, SevereRow, context_of
from dawna.services.dose_proposals import based_on_json, build
from dawna.services.participants import actor_of
from dawna.services.protocol_versions import label_on
from dawna.services.treatment.common import load_for, require_collecting
from dawna.store.db import Database
from dawna.store.models import DoseDecision
from dawna.store.uow import UnitOfWork

__all__ = ["CauseRow", "DrugProposal", "SevereRow", "decide", "propose"]

_RESUMING = (rx.Action.RESUME_SAME, rx.Action.RESUME_LOWER, rx.Action.CONTINUE)


def propose(db: Database, settings: Settings, principal: Principal,
            pseudonym: str) -> list[DrugProposal]:
    """The proposal for each drug with a protocol modification rule."""
    with UnitOfWork(db) as uow:
        p = load_for(uow.session, principal, pseudonym, Permission.TREATMENT_VIEW)
        return build(context_of(uow.session, settings, p))


def _ladder(ctx: DoseContext, planned: rx.PlannedDrug) -> tuple[float, ...] | None:
    """The doses of each level: dalpiciclib's dose levels, capecitabine's percent steps of the
    confirmed starting dose (Xeloda PI §2); None for a drug without levels."""
    if planned.dose_levels:
        return tuple(planned.dose_levels)
    start = ctx.start_dose(planned.drug)
    if planned.drug == CAPECITABINE and start is not None:
        return tuple(float(round(start * pct / 100)) for pct in CAPECITABINE_PERCENT_STEPS)
    return None


def _check_resume(prop: DrugProposal, chosen: rx.Action, override: bool) -> bool:
    """A resume of a held drug with a cause not known to have recovered is refused unless
    overridden; True when this decision is such an override."""
    if not (prop.on_hold and chosen in _RESUMING and prop.unrecovered):
        return False
    if override:
        return True
    raise ValidationError(_("%(drug)s cannot resume yet: %(causes)s. Record the recheck of "
                            "each cause, or override with the reason") % {
        "drug": prop.drug, "causes": "; ".join(c.text for c in prop.unrecovered)},
        field="recheck")


def _cycle_day(ctx: DoseContext, on: date) -> tuple[int | None, int | None]:
    cycle = ctx.current_cycle
    if cycle is None or on < cycle.start_date:
        return None, None
    return cycle.cycle, (on - cycle.start_date).days + 1


def _days_not_taken(ctx: DoseContext, planned: rx.PlannedDrug, chosen: rx.Action,
                    on: date) -> list[int] | None:
    """Capecitabine interrupted mid-cycle: its dosing days from the day of the decision on
    (updated at a resume in the same cycle); None for other drugs and decisions."""
    cycle, day = _cycle_day(ctx, on)
    days = planned.days_in_cycle(cycle) if cycle is not None else None
    if planned.drug != CAPECITABINE or day is None or not days:
        return None
    if chosen is rx.Action.HOLD_RECHECK:
        return oral_days_not_taken(tuple(days), day, None)
    hold = next((d for d in reversed(ctx.decisions) if d.drug == planned.drug), None)
    if chosen in _RESUMING and hold is not None and hold.action == \
            rx.Action.HOLD_RECHECK.value and hold.cycle == cycle and hold.days_not_taken:
        held_day = (hold.decision_date - ctx.cycles[-1].start_date).days + 1
        if day > held_day:
            hold.days_not_taken = oral_days_not_taken(tuple(days), held_day, day)
    return None


def decide(db: Database, settings: Settings, principal: Principal, pseudonym: str, drug: str,
           action: str, reason: str, *, level_to: int | None = None,
           dose_to: float | None = None, decision_date: date | None = None,
           override: bool = False) -> None:
    """Record the investigator's decision for ``drug`` with the proposal it answers.
    ``override``: resume although a cause of the hold has no recheck or has not recovered
    (the reason says why; recorded on the decision)."""
    today = local_today(settings.zone)
    on = decision_date or today
    if on > today:
        raise ValidationError(_("is after today at the site ({today}); dates cannot be in the "
                                "future").format(today=today), field="decision_date")
    if not reason or len(reason.strip()) < 3:
        raise ValidationError(_("give the reason for the decision"), field="reason")
    try:
        chosen = rx.Action(action)
    except ValueError:
        raise ValidationError(_("not an action: {value}").format(value=action),
                              field="action") from None
    with UnitOfWork(db, actor_of(principal), reason.strip()) as uow:
        s = uow.session
        p = load_for(s, principal, pseudonym, Permission.DOSE_PRESCRIBE)
        if State(p.status) is not State.ON_TREATMENT:
            raise ProtocolViolation(_("dose decisions are made on treatment; {id} is {status}")
                                    .format(id=p.pseudonym, status=p.status.value),
                                    field="status")
        require_collecting(s, p, on, "decision_date")
        ctx = context_of(s, settings, p)
        proposals = {d.drug: d for d in build(ctx)}
        if drug not in proposals:
            raise ValidationError(_("{drug} has no dose modification rule in this regimen")
                                  .format(drug=drug), field="drug")
        prop = proposals[drug]
        if chosen.value not in prop.actions:
            raise ValidationError(_("{action} is not an action for {drug}").format(
                action=chosen.value, drug=drug), field="action")
        overridden = _check_resume(prop, chosen, override)
        planned = ctx.regimen.drug(drug)
        ladder = _ladder(ctx, planned)
        level_from = prop.level
        if ladder is not None:
            target = (prop.proposal.level_to if prop.proposal.level_to is not None
                      else prop.proposal.resume_level)
            if chosen in (rx.Action.RESUME_SAME, rx.Action.CONTINUE):
                level_to = level_from
            elif chosen is rx.Action.RESUME_LOWER:
                if level_to is None:
                    lower = (level_from or 0) + 1
                    level_to = target if target is not None and target > lower else lower
            else:
                level_to = None
            dose_to = None
            if level_to is not None:
                if level_to >= len(ladder):
                    raise ProtocolViolation(_("there is no dose level below {dose:g} {unit}; "
                                              "the protocol says discontinue").format(
                        dose=ladder[-1], unit=prop.unit), field="level_to")
                if level_from is not None and level_to < level_from:
                    raise ProtocolViolation(_("doses are not re-escalated"), field="level_to")
                dose_to = ladder[level_to]
        elif chosen is rx.Action.DAY_DOSE:  # one day-8/15 dose at a percent (Gemzar PI §2)
            level_to = prop.level
            dose_to = prop.dose_to if dose_to is None else dose_to
            if dose_to is None or prop.dose is None or not 0 < dose_to < prop.dose:
                raise ValidationError(_("a reduced dose must be above zero and below the "
                                        "current dose"), field="dose_to")
        else:
            level_to = prop.level
            reduced = chosen is rx.Action.REDUCE or (
                chosen is rx.Action.DELAY and prop.dose_to is not None
                and prop.dose is not None and prop.dose_to < prop.dose)
            if reduced:
                if dose_to is None:
                    dose_to = prop.dose_to
                if dose_to is None or prop.dose is None or not 0 < dose_to < prop.dose:
                    raise ValidationError(_("a reduced dose must be above zero and below the "
                                            "current dose"), field="dose_to")
                level_to = (prop.level or 0) + 1
            elif dose_to is not None:
                raise ValidationError(_("a new dose is given only with a reduction"),
                                      field="dose_to")
        states = {c.term: c.state for c in prop.causes}
        based_on = [{**entry, **({"state": states[str(entry["term"])]}
                                 if str(entry["term"]) in states else {})}
                    for entry in based_on_json(ctx, prop)]
        cycle, _day = _cycle_day(ctx, on)
        s.add(DoseDecision(
            participant_id=p.id, drug=drug, decision_date=on,
            proposed_action=prop.proposal.action.value,
            proposed_level=(prop.proposal.level_to if prop.proposal.level_to is not None
                            else prop.proposal.resume_level),
            rule=str(prop.proposal.rule), based_on=based_on,
            action=chosen.value, level_from=level_from, level_to=level_to, dose_to=dose_to,
            reason=reason.strip(), decided_by=principal.username, cycle=cycle,
            days_not_taken=_days_not_taken(ctx, planned, chosen, on), override=overridden,
            protocol_version=label_on(s, on)))
        uow.commit()
