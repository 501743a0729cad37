"""What a dose proposal is made from: the participant's regimen, dose history, graded results
and adverse events loaded once (:class:`DoseContext`), and the proposal handed out
(:class:`DrugProposal`: the action, each cause of a hold with its state, every ongoing severe
event with why it is in or out of the proposal).

The rules are in ``dawna.rules`` (:mod:`~dawna.rules.current_toxicity`,
:mod:`~dawna.rules.hold_recovery`, :mod:`~dawna.rules.dose_modification`,
:mod:`~dawna.rules.chemo_modification`, :mod:`~dawna.rules.class_warnings`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dawna.clock import local_today
from dawna.config import Settings
from dawna.rules import current_toxicity as tox_rules
from dawna.rules import regimens as rx
from dawna.rules.class_warnings import PNEUMONITIS_TERMS, not_dose_relevant
from dawna.rules.hold_recovery import CauseState, Recovery
from dawna.services.clinical.vitals import fevers
from dawna.services.treatment import plan_regimen, render
from dawna.services.treatment.adverse_events import events_of
from dawna.services.treatment.common import allocation_of, cycles_of, plan_of
from dawna.services.treatment.dose_history import (
    current_doses,
    current_levels,
    decisions_of,
    discontinued,
    held,
    reductions,
)
from dawna.store.models import AdverseEvent, DoseDecision, LabResult, Participant, TreatmentCycle

__all__ = ["CauseRow", "DoseContext", "DrugProposal", "SevereRow", "cause_rows", "context_of",
           "hold_of", "lab_observation"]


@dataclass(frozen=True)
class CauseRow:
    """One cause of a hold and its state: recovered / not_recovered / no_recheck."""

    term: str
    grade: int
    state: str
    text: str


@dataclass(frozen=True)
class SevereRow:
    """An ongoing grade >= 3 adverse event (or a severe count left out): in the proposal, or
    left out with ``why``."""

    term: str
    grade: int
    number: int | None
    serious: bool
    in_proposal: bool
    why: str


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
    causes: list[CauseRow] = field(default_factory=list)  # of the hold, each with its state
    severe: list[SevereRow] = field(default_factory=list)
    on_hold: bool = False

    @property
    def unrecovered(self) -> list[CauseRow]:
        """Causes of the hold without evidence of recovery (a resume needs an override)."""
        return [c for c in self.causes if c.state != Recovery.RECOVERED.value]


def lab_observation(row: LabResult) -> tox_rules.LabObservation:
    return tox_rules.LabObservation(analyte=row.analyte, term=row.term, grade=row.grade,
                                    sample_date=row.sample_date)


def event_observation(row: AdverseEvent) -> tox_rules.EventObservation:
    return tox_rules.EventObservation(term=row.term, grade=row.grade, stop_date=row.stop_date,
                                      relatedness=dict(row.relatedness), number=str(row.number))


@dataclass
class DoseContext:
    """Everything the proposals of one participant rest on, loaded once."""

    s: Session
    p: Participant
    today: date
    regimen: rx.Regimen
    levels: dict[str, int]
    gone: set[str]
    on_hold: set[str]
    cycles: list[TreatmentCycle]
    cycle_day: int | None
    steps: dict[str, int]
    confirmed: dict[str, dict[str, object]]
    doses_now: dict[str, float]
    events: list[AdverseEvent]
    decisions: list[DoseDecision]

    @property
    def since(self) -> date:
        return tox_rules.toxicity_window_start([c.start_date for c in self.cycles], self.today)

    @property
    def current_cycle(self) -> TreatmentCycle | None:
        return self.cycles[-1] if self.cycles else None

    def labs(self, since: date, *, after: bool = False) -> list[tox_rules.LabObservation]:
        """Graded results sampled on or after ``since`` (after it with ``after``)."""
        when = LabResult.sample_date > since if after else LabResult.sample_date >= since
        return [lab_observation(row) for row in self.s.scalars(select(LabResult).where(
            LabResult.participant_id == self.p.id, when)
            .order_by(LabResult.sample_date, LabResult.id))]

    def observations(self) -> list[tox_rules.EventObservation]:
        """The adverse events, and each febrile temperature measured since the window
        start coded as the CTCAE term "Fever" (``dawna.rules.vital_signs``)."""
        return [event_observation(ae) for ae in self.events] + fevers(self.s, self.p,
                                                                      self.since)

    def toxicities(self, drug: str, *, whole_cycle: bool = False,
                   worst_counts: bool = False) -> list[rx.Toxicity]:
        """The toxicities a proposal for ``drug`` rests on
        (:func:`dawna.rules.current_toxicity.current_toxicities`); with ``worst_counts`` the
        worst blood count of the cycle since the drug's last decision."""
        since = self.since
        worst_since = None
        if worst_counts:
            last = next((d.decision_date for d in reversed(self.decisions) if d.drug == drug),
                        None)
            worst_since = since if last is None else max(since, last + timedelta(days=1))
        return tox_rules.current_toxicities(self.labs(since), self.observations(), since,
                                            whole_cycle=whole_cycle, drug=drug,
                                            worst_counts_since=worst_since)

    def start_dose(self, drug: str) -> float | None:
        confirmed = self.confirmed.get(drug)
        return float(str(confirmed["dose"])) if confirmed else None


def context_of(s: Session, settings: Settings, p: Participant) -> DoseContext:
    today = local_today(settings.zone)
    plan = plan_of(s, p)
    cycles = cycles_of(s, p)
    sampled = s.scalar(select(func.max(LabResult.sample_date)).where(
        LabResult.participant_id == p.id, LabResult.analyte == "anc"))
    return DoseContext(
        s=s, p=p, today=today, regimen=plan_regimen(plan, allocation_of(s, p)),
        levels=current_levels(s, p), gone=discontinued(s, p), on_hold=held(s, p),
        cycles=cycles,
        cycle_day=tox_rules.count_cycle_day([c.start_date for c in cycles], sampled, today),
        steps=reductions(s, p), confirmed={d["drug"]: d for d in plan.doses},
        doses_now=current_doses(s, p, plan), events=events_of(s, p),
        decisions=decisions_of(s, p))


def hold_of(ctx: DoseContext, drug: str, *, recover_to: int | None = None, min_grade: int = 3
            ) -> tuple[DoseDecision | None, list[rx.Toxicity], list[CauseState]]:
    """The latest decision for ``drug`` (the hold) and each of its causes judged on its own
    evidence (:func:`dawna.rules.current_toxicity.hold_causes`). A cause is a toxicity the
    hold answered: grade ``min_grade`` or worse (palbociclib label: grade >= 3; capecitabine
    label: grade >= 2), or pneumonitis of grade >= 2 (class rule), not lymphopenia alone;
    lesser grades recorded with it are not waited for."""
    hold = next((d for d in reversed(ctx.decisions) if d.drug == drug), None)
    if hold is None:
        return None, [], []
    answered = [entry for entry in hold.based_on if _is_cause(entry, min_grade)]
    causes, states = tox_rules.hold_causes(
        answered, hold.decision_date, ctx.labs(hold.decision_date, after=True),
        ctx.observations(), recover_to=recover_to)
    return hold, causes, states


def _is_cause(entry: dict[str, object], min_grade: int) -> bool:
    term, grade = str(entry.get("term")), int(str(entry.get("grade", 0)))
    if not_dose_relevant(term, bool(entry.get("fever"))) is not None:
        return False
    return grade >= min_grade or (term in PNEUMONITIS_TERMS and grade >= 2)


def cause_rows(causes: list[rx.Toxicity], states: list[CauseState]) -> list[CauseRow]:
    return [CauseRow(term=c.term, grade=c.grade, state=st.state.value, text=render(st.reason))
            for c, st in zip(causes, states, strict=True)]
