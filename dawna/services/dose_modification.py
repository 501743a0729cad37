"""Dose modification: dawna proposes, from the worst current toxicity, the protocol's action for
each drug (``dawna.rules.regimens``: dalpiciclib per the CDK4/6-inhibitor class rules of
domain.md §5, chemotherapy delay or reduction); the investigator decides and says why.

"Current" toxicity: the latest result of each laboratory test sampled since 3 days before the
current cycle's day 1 (or the last 14 days before treatment), and every ongoing adverse event.
Fever or infection comes from an ongoing febrile neutropenia, fever or infection event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dawna.clock import local_today
from dawna.config import Settings
from dawna.errors import ProtocolViolation, ValidationError
from dawna.i18n import _
from dawna.rules import ctcae
from dawna.rules import regimens as rx
from dawna.rules.lifecycle import State
from dawna.rules.units import convert
from dawna.services import safety
from dawna.services.access import Permission, Principal
from dawna.services.participants import actor_of, load_visible
from dawna.services.treatment import (
    _allocation,
    _current_doses,
    _current_levels,
    _cycles,
    _discontinued,
    _held,
    _plan,
    plan_regimen,
    render,
)
from dawna.store.db import Database
from dawna.store.models import DoseDecision, LabResult, Participant
from dawna.store.uow import UnitOfWork

__all__ = ["DrugProposal", "decide", "propose"]

_HAEM_TERMS = {a.term for a in ctcae.LAB_ANALYTES.values()
               if a.key in ("anc", "wbc", "platelets", "haemoglobin")} | {"Febrile neutropenia"}
_LEVEL_ACTIONS = tuple(a.value for a in (rx.Action.CONTINUE, rx.Action.HOLD_RECHECK,
                                         rx.Action.RESUME_SAME, rx.Action.RESUME_LOWER,
                                         rx.Action.DISCONTINUE))
_CHEMO_ACTIONS = tuple(a.value for a in (rx.Action.CONTINUE, rx.Action.DELAY, rx.Action.REDUCE,
                                         rx.Action.DISCONTINUE))
_NEUTROPENIA_TERMS = {"Neutrophil count decreased", "Febrile neutropenia"}
_FEVER_TERMS = ("febrile neutropenia", "fever", "infection", "sepsis")


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


def _since(s: Session, p: Participant, today: date) -> date:
    cycles = _cycles(s, p)
    if cycles:
        return cycles[-1].start_date - timedelta(days=3)
    return today - timedelta(days=14)


def current_toxicities(s: Session, p: Participant, today: date, *,
                       whole_cycle: bool = False, drug: str | None = None) -> list[rx.Toxicity]:
    """The toxicities a proposal rests on, highest grade of each term: the latest result of
    each laboratory test since the current cycle and the ongoing adverse events; with
    ``whole_cycle`` (the chemotherapy day-1 rule looks back over the last cycle) the worst
    result since the previous cycle's day 1 and every event ongoing at any time since then."""
    cycles = _cycles(s, p)
    since = _since(s, p, today)
    if whole_cycle and len(cycles) >= 1:
        since = cycles[-1].start_date - timedelta(days=3)
    latest: dict[str, LabResult] = {}
    for lab in s.scalars(select(LabResult).where(
            LabResult.participant_id == p.id, LabResult.sample_date >= since)
            .order_by(LabResult.sample_date, LabResult.id)):
        if not whole_cycle or lab.analyte not in latest or latest[lab.analyte].grade < lab.grade:
            latest[lab.analyte] = lab
    events = [ae for ae in safety.events_of(s, p)
              if (ae.stop_date is None or (whole_cycle and ae.stop_date >= since))
              and not (drug is not None and ae.relatedness.get(drug) == "not_related")]
    fever = any(any(word in ae.term.lower() for word in _FEVER_TERMS) for ae in events)
    worst: dict[str, rx.Toxicity] = {}

    def add(term: str, grade: int) -> None:
        if grade <= 0:
            return
        tox = rx.Toxicity(term=term, grade=grade, haematological=term in _HAEM_TERMS,
                          with_fever_or_infection=fever and term in _NEUTROPENIA_TERMS)
        if term not in worst or worst[term].grade < grade:
            worst[term] = tox

    for lab in latest.values():
        add(lab.term, lab.grade)
    for ae in events:
        add(ae.term, ae.grade)
    return sorted(worst.values(), key=lambda t: (-t.grade, t.term))


def _hold(s: Session, p: Participant, drug: str) -> tuple[list[rx.Toxicity], int | None]:
    """After a hold: the toxicities that caused it (from the hold decision) and the latest grade
    of their terms from samples taken after the hold (None when not rechecked yet)."""
    hold = s.scalars(select(DoseDecision).where(
        DoseDecision.participant_id == p.id, DoseDecision.drug == drug)
        .order_by(DoseDecision.decision_date.desc(), DoseDecision.id.desc())).first()
    if hold is None:
        return [], None
    terms = {str(t.get("term")) for t in hold.based_on}
    recovered: int | None = None
    for lab in s.scalars(select(LabResult).where(
            LabResult.participant_id == p.id, LabResult.sample_date > hold.decision_date,
            LabResult.term.in_(terms)).order_by(LabResult.sample_date, LabResult.id)):
        recovered = lab.grade
    lab_terms = {a.term for a in ctcae.LAB_ANALYTES.values()}
    clinical = terms - lab_terms
    if clinical and recovered is None:  # a clinical cause: its ongoing events say how it is
        ongoing = [ae.grade for ae in safety.open_events(s, p) if ae.term in clinical]
        recovered = max(ongoing) if ongoing else 0
    causes = [rx.Toxicity(term=str(t["term"]), grade=int(t["grade"]),
                          haematological=str(t["term"]) in _HAEM_TERMS,
                          with_fever_or_infection=bool(t.get("fever")),
                          recovered_to_grade=recovered) for t in hold.based_on]
    return causes, recovered


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
    allocation = _allocation(s, p)
    plan = _plan(s, p)
    regimen = plan_regimen(plan, allocation)
    levels = _current_levels(s, p)
    gone = _discontinued(s, p)
    held = _held(s, p)
    cycles = _cycles(s, p)
    sampled = s.scalar(select(func.max(LabResult.sample_date)).where(
        LabResult.participant_id == p.id, LabResult.analyte == "anc"))
    # the cycle day of the latest count (a day-15 count reviewed on day 16 is still day 15)
    on_day = sampled if sampled is not None and cycles and sampled >= cycles[-1].start_date \
        else today
    cycle_day = (on_day - cycles[-1].start_date).days + 1 if cycles else None
    reductions = _reductions(s, p)
    confirmed = {d["drug"]: d for d in plan.doses}
    current_doses = _current_doses(s, p, plan)
    out = []
    for drug in regimen.drugs:
        if drug.drug in gone:
            continue
        on_hold = drug.drug in held
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
            proposal = rx.propose_chemotherapy(tox, reductions_so_far=reductions.get(
                drug.drug, 0), anc=anc, platelets=platelets)
            level = reductions.get(drug.drug, 0)
            dose = current_doses.get(drug.drug)
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


def _reductions(s: Session, p: Participant) -> dict[str, int]:
    """Chemotherapy reductions so far per drug (the highest reduction step decided)."""
    counts: dict[str, int] = {}
    for d in s.scalars(select(DoseDecision).where(DoseDecision.participant_id == p.id,
                                                  DoseDecision.level_to.is_not(None))):
        counts[d.drug] = max(counts.get(d.drug, 0), d.level_to or 0)
    return counts


def propose(db: Database, settings: Settings, principal: Principal,
            pseudonym: str) -> list[DrugProposal]:
    """The proposal for each drug with a protocol modification rule."""
    with db.sessions() as s:
        p = load_visible(s, principal, pseudonym)
        principal.require(Permission.TREATMENT_VIEW, p.site_id)
        return _proposals(s, settings, p)


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
        p = load_visible(s, principal, pseudonym)
        principal.require(Permission.DOSE_PRESCRIBE, p.site_id)
        if State(p.status) is not State.ON_TREATMENT:
            raise ProtocolViolation(_("dose decisions are made on treatment; {id} is {status}")
                                    .format(id=p.pseudonym, status=p.status.value),
                                    field="status")
        safety._collecting(s, p, on, "decision_date")
        proposals = {d.drug: d for d in _proposals(s, settings, p)}
        if drug not in proposals:
            raise ValidationError(_("{drug} has no dose modification rule in this regimen")
                                  .format(drug=drug), field="drug")
        prop = proposals[drug]
        regimen = plan_regimen(_plan(s, p), _allocation(s, p))
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
