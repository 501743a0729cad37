"""Dose modification: dawna proposes, from the worst current toxicity, the protocol's action for
each drug (``dawna.rules.dose_modification``: dalpiciclib per the CDK4/6-inhibitor class rules
of domain.md §5, chemotherapy delay or reduction); the investigator decides and says why.

Which toxicities are current (the windows, the fold, fever or infection from the CTCAE term of
the event, the recheck after a hold) is :mod:`dawna.rules.current_toxicity`; this service loads
the results and events, asks the rules and records the decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dawna.clock import local_today
from dawna.config import Settings
from dawna.errors import ProtocolViolation, ValidationError
from dawna.i18n import _
from dawna.rules import ctcae
from dawna.rules import current_toxicity as tox_rules
from dawna.rules import regimens as rx
from dawna.rules.lifecycle import State
from dawna.rules.units import convert
from dawna.services.access import Permission, Principal
from dawna.services.participants import actor_of
from dawna.services.treatment import plan_regimen, render
from dawna.services.treatment.adverse_events import events_of, open_events
from dawna.services.treatment.common import (
    allocation_of,
    cycles_of,
    load_for,
    plan_of,
    require_collecting,
)
from dawna.services.treatment.dose_history import (
    current_doses,
    current_levels,
    discontinued,
    held,
    reductions,
)
from dawna.store.db import Database
from dawna.store.models import AdverseEvent, DoseDecision, LabResult, Participant
from dawna.store.uow import UnitOfWork

__all__ = ["DrugProposal", "decide", "propose"]

_LEVEL_ACTIONS = tuple(a.value for a in (rx.Action.CONTINUE, rx.Action.HOLD_RECHECK,
                                         rx.Action.RESUME_SAME, rx.Action.RESUME_LOWER,
                                         rx.Action.DISCONTINUE))
_CHEMO_ACTIONS = tuple(a.value for a in (rx.Action.CONTINUE, rx.Action.DELAY, rx.Action.REDUCE,
                                         rx.Action.DISCONTINUE))


@dataclass(frozen=True)
class DrugProposal:
    drug: str
    level: int | None
    dose: float | None
    unit: str
    proposal: rx.Proposal
    rule: str
    based_on: list[rx.Toxicity]
    dose_to: float | None = None  # the dose the proposal leads to (a level, or a reduction)
    actions: tuple[str, ...] = ()  # the decisions the investigator can record for this drug


def _lab(row: LabResult) -> tox_rules.LabObservation:
    return tox_rules.LabObservation(analyte=row.analyte, term=row.term, grade=row.grade,
                                    sample_date=row.sample_date)


def _event(row: AdverseEvent) -> tox_rules.EventObservation:
    return tox_rules.EventObservation(term=row.term, grade=row.grade, stop_date=row.stop_date,
                                      relatedness=dict(row.relatedness))


def _since(s: Session, p: Participant, today: date) -> date:
    return tox_rules.toxicity_window_start([c.start_date for c in cycles_of(s, p)], today)


def current_toxicities(s: Session, p: Participant, today: date, *,
                       whole_cycle: bool = False, drug: str | None = None) -> list[rx.Toxicity]:
    """The toxicities a proposal rests on (the rule:
    :func:`dawna.rules.current_toxicity.current_toxicities`)."""
    since = _since(s, p, today)
    labs = [_lab(row) for row in s.scalars(select(LabResult).where(
        LabResult.participant_id == p.id, LabResult.sample_date >= since)
        .order_by(LabResult.sample_date, LabResult.id))]
    events = [_event(ae) for ae in events_of(s, p)]
    return tox_rules.current_toxicities(labs, events, since, whole_cycle=whole_cycle, drug=drug)


def _hold(s: Session, p: Participant, drug: str) -> tuple[list[rx.Toxicity], int | None]:
    """After a hold: the toxicities that caused it and the grade they recovered to (the rule:
    :func:`dawna.rules.current_toxicity.recheck_after_hold`)."""
    hold = s.scalars(select(DoseDecision).where(
        DoseDecision.participant_id == p.id, DoseDecision.drug == drug)
        .order_by(DoseDecision.decision_date.desc(), DoseDecision.id.desc())).first()
    if hold is None:
        return [], None
    terms = {str(t.get("term")) for t in hold.based_on}
    after = [_lab(row) for row in s.scalars(select(LabResult).where(
        LabResult.participant_id == p.id, LabResult.sample_date > hold.decision_date,
        LabResult.term.in_(terms)).order_by(LabResult.sample_date, LabResult.id))]
    ongoing = [_event(ae) for ae in open_events(s, p)]
    return tox_rules.recheck_after_hold(hold.based_on, after, ongoing)


def _day1_counts(s: Session, p: Participant, since: date) -> tuple[float | None, float | None]:
    """The latest ANC and platelet count since ``since``, in 10⁹/L (chemotherapy day-1 rule)."""
    out: dict[str, float] = {}
    for lab in s.scalars(select(LabResult).where(
            LabResult.participant_id == p.id, LabResult.sample_date >= since,
            LabResult.analyte.in_(("anc", "platelets"))).order_by(LabResult.sample_date,
                                                                  LabResult.id)):
        try:
            out[lab.analyte] = convert(lab.value, ctcae.canonical_unit(lab.analyte, lab.unit),
                                       "10^9/L", "count")
        except (ValueError, ctcae.CtcaeError):
            continue  # not convertible: the grade still counts
    return out.get("anc"), out.get("platelets")


def _proposals(s: Session, settings: Settings, p: Participant) -> list[DrugProposal]:
    today = local_today(settings.zone)
    allocation = allocation_of(s, p)
    plan = plan_of(s, p)
    regimen = plan_regimen(plan, allocation)
    levels = current_levels(s, p)
    gone = discontinued(s, p)
    on_hold_drugs = held(s, p)
    cycles = cycles_of(s, p)
    sampled = s.scalar(select(func.max(LabResult.sample_date)).where(
        LabResult.participant_id == p.id, LabResult.analyte == "anc"))
    cycle_day = tox_rules.count_cycle_day([c.start_date for c in cycles], sampled, today)
    steps = reductions(s, p)
    confirmed = {d["drug"]: d for d in plan.doses}
    doses_now = current_doses(s, p, plan)
    out = []
    for drug in regimen.drugs:
        if drug.drug in gone:
            continue
        on_hold = drug.drug in on_hold_drugs
        tox = current_toxicities(s, p, today, drug=drug.drug)
        if on_hold and drug.dose_levels:
            causes, _recovered = _hold(s, p, drug.drug)
            tox = causes or tox
        if drug.dose_levels:
            level = levels.get(drug.drug, 0)
            proposal = rx.propose_dalpiciclib(tox, level, drug.dose_levels,
                                              cycle_day=cycle_day, on_hold=on_hold)
            dose: float | None = drug.dose_levels[level]
            target = proposal.level_to if proposal.level_to is not None else \
                proposal.resume_level
            dose_to = drug.dose_levels[target] if target is not None else None
        elif regimen.arm == "B":
            anc, platelets = _day1_counts(s, p, _since(s, p, today))
            # after a delay the recheck is judged on the counts alone: the delay already
            # carried any reduction its toxicity called for (no second reduction)
            tox = [] if on_hold else current_toxicities(s, p, today, whole_cycle=True,
                                                        drug=drug.drug)
            proposal = rx.propose_chemotherapy(tox, reductions_so_far=steps.get(
                drug.drug, 0), anc=anc, platelets=platelets)
            level = steps.get(drug.drug, 0)
            dose = doses_now.get(drug.drug)
            start = float(confirmed[drug.drug]["dose"]) if drug.drug in confirmed else None
            dose_to = (round(start * proposal.dose_factor) if start is not None
                       and proposal.dose_factor is not None else None)
        else:
            continue  # endocrine therapy and OFS: no protocol modification rule
        unit = str(confirmed.get(drug.drug, {}).get("unit", drug.unit))
        out.append(DrugProposal(drug=drug.drug, level=level, dose=dose, unit=unit,
                                proposal=proposal, rule=render(proposal.rule), based_on=tox,
                                dose_to=dose_to,
                                actions=_LEVEL_ACTIONS if drug.dose_levels else _CHEMO_ACTIONS))
    return out


def propose(db: Database, settings: Settings, principal: Principal,
            pseudonym: str) -> list[DrugProposal]:
    """The proposal for each drug with a protocol modification rule."""
    with UnitOfWork(db) as uow:
        p = load_for(uow.session, principal, pseudonym, Permission.TREATMENT_VIEW)
        return _proposals(uow.session, settings, p)


def decide(db: Database, settings: Settings, principal: Principal, pseudonym: str, drug: str,
           action: str, reason: str, *, level_to: int | None = None,
           dose_to: float | None = None, decision_date: date | None = None) -> None:
    """Record the investigator's decision for ``drug`` with the proposal it answers."""
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
        proposals = {d.drug: d for d in _proposals(s, settings, p)}
        if drug not in proposals:
            raise ValidationError(_("{drug} has no dose modification rule in this regimen")
                                  .format(drug=drug), field="drug")
        prop = proposals[drug]
        regimen = plan_regimen(plan_of(s, p), allocation_of(s, p))
        planned = next(d for d in regimen.drugs if d.drug == drug)
        level_from = prop.level
        if planned.dose_levels:
            if chosen in (rx.Action.RESUME_SAME, rx.Action.CONTINUE):
                level_to = level_from
            elif chosen is rx.Action.RESUME_LOWER:
                level_to = (level_from or 0) + 1 if level_to is None else level_to
            elif chosen in (rx.Action.HOLD_RECHECK, rx.Action.DISCONTINUE):
                level_to = None
            else:
                raise ValidationError(_("{action} is not an action for {drug}").format(
                    action=chosen.value, drug=drug), field="action")
            if level_to is not None:
                if level_to >= len(planned.dose_levels):
                    raise ProtocolViolation(_("there is no dose level below {dose:g} {unit}; "
                                              "the protocol says discontinue").format(
                        dose=planned.dose_levels[-1], unit=planned.unit), field="level_to")
                if level_from is not None and level_to < level_from:
                    raise ProtocolViolation(_("doses are not re-escalated"), field="level_to")
                dose_to = planned.dose_levels[level_to]
        else:
            if chosen not in (rx.Action.CONTINUE, rx.Action.DELAY, rx.Action.REDUCE,
                              rx.Action.DISCONTINUE):
                raise ValidationError(_("{action} is not an action for {drug}").format(
                    action=chosen.value, drug=drug), field="action")
            level_from = prop.level
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
        s.add(DoseDecision(
            participant_id=p.id, drug=drug, decision_date=on,
            proposed_action=prop.proposal.action.value, proposed_level=prop.proposal.level_to,
            rule=str(prop.proposal.rule),
            based_on=[{"term": t.term, "grade": t.grade, "fever": t.with_fever_or_infection}
                      for t in prop.based_on if t.term],
            action=chosen.value, level_from=level_from, level_to=level_to, dose_to=dose_to,
            reason=reason.strip(), decided_by=principal.username))
        uow.commit()
