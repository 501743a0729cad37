"""Protocol deviations found in the recorded data (issue 20 item 6): tumour assessments and
blood counts outside their windows, doses off their level (the rules of
:mod:`dawna.rules.deviation_rules`). Detection is idempotent: a finding already in the log
(same ``detection_key``) is not opened again, and one the data no longer show stays in the log
for the investigator to close with a comment. ``dawna deviations detect`` and the deviation log
page run it for the user's sites; saving a cycle or a tumour assessment runs it for its
participant (:func:`after_save`, called by the web pages and the API after the save).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.clock import local_today
from dawna.config import Settings
from dawna.errors import DawnaError, PermissionDenied
from dawna.i18n import _
from dawna.rules import regimens as rx
from dawna.rules.cycle_doses import exact
from dawna.rules.deviation_rules import (
    Finding,
    ScheduledAssessment,
    assessment_findings,
    blood_count_findings,
    dose_finding,
)
from dawna.rules.lifecycle import State
from dawna.rules.treatment_calendar import BLOOD_COUNT_ANALYTES
from dawna.services.access import Permission, Principal
from dawna.services.scope import actor_of
from dawna.services.treatment.calendar import calendar_events
from dawna.services.treatment.common import cycles_of, find_allocation, find_plan
from dawna.services.treatment.dose_history import decisions_of
from dawna.services.treatment.plans import plan_regimen
from dawna.services.tumour import FOLLOW_UP
from dawna.store.db import Database
from dawna.store.models import (
    DoseDecision,
    LabResult,
    Participant,
    ProtocolDeviation,
    TreatmentCycle,
    TumourAssessment,
)
from dawna.store.uow import UnitOfWork

__all__ = ["DETECTING", "DetectSummary", "after_save", "detect", "detect_for", "findings_for"]

#: Who may run detection at a site: those who record treatment and those who review it.
DETECTING = (Permission.TREATMENT_RECORD, Permission.QUERY_RAISE)
#: Statuses whose data are judged (randomized onwards).
_JUDGED = {State.RANDOMIZED, State.ON_TREATMENT, State.END_OF_TREATMENT, State.FOLLOW_UP,
           State.END_OF_STUDY}


@dataclass
class DetectSummary:
    participants: int = 0
    opened: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.opened.values())


def _dose_findings(s: Session, p: Participant, cycles: list[TreatmentCycle]) -> list[Finding]:
    allocation, plan = find_allocation(s, p), find_plan(s, p)
    if allocation is None or plan is None or not cycles:
        return []
    regimen = plan_regimen(plan, allocation)
    by_drug = {d.drug: d for d in regimen.drugs}
    confirmed = {d["drug"]: exact(d["dose"]) for d in plan.doses}
    decisions: list[DoseDecision] = decisions_of(s, p)
    out = []
    for c in cycles:
        before = [d for d in decisions if d.decision_date <= c.start_date]
        for row in c.doses:
            planned = by_drug.get(row["drug"])
            if planned is None:
                continue
            level = 0
            prescribed = confirmed.get(planned.drug)
            for d in before:
                if d.drug != planned.drug:
                    continue
                if d.level_to is not None:
                    level = d.level_to
                if d.dose_to is not None and d.action != rx.Action.DAY_DOSE.value:
                    prescribed = exact(d.dose_to)
            found = dose_finding(c.cycle, c.start_date, planned.drug, exact(row["dose"]),
                                 str(row.get("unit") or planned.unit),
                                 levels=planned.dose_levels, level=level,
                                 prescribed=prescribed)
            if found is not None:
                out.append(found)
    return out


def findings_for(s: Session, settings: Settings, p: Participant, today: date) -> list[Finding]:
    """Every deviation the rules find in ``p``'s data today (nothing before randomization)."""
    if State(p.status) not in _JUDGED:
        return []
    cycles = cycles_of(s, p)
    try:
        events = calendar_events(s, settings, p, extra_cycles=0)[1]
    except DawnaError:
        events = []  # a calendar the rules refuse is shown on the treatment page, not here
    scheduled = [ScheduledAssessment(n, e.date, e.window_start or e.date, e.window_end or e.date)
                 for n, e in enumerate((e for e in events if e.kind == "tumour_assessment"), 1)]
    performed = s.scalars(select(TumourAssessment.assessment_date).where(
        TumourAssessment.participant_id == p.id, TumourAssessment.kind == FOLLOW_UP))
    sampled = s.scalars(select(LabResult.sample_date).where(
        LabResult.participant_id == p.id, LabResult.analyte.in_(BLOOD_COUNT_ANALYTES)))
    first_dose = cycles[0].start_date if cycles else None
    return [*assessment_findings(scheduled, list(performed), today),
            *blood_count_findings(events, list(sampled), first_dose, today),
            *_dose_findings(s, p, cycles)]


def detect_for(s: Session, settings: Settings, p: Participant, username: str,
               today: date) -> list[ProtocolDeviation]:
    """Open the findings of ``p`` not yet in the log (in the caller's unit of work)."""
    known = set(s.scalars(select(ProtocolDeviation.detection_key).where(
        ProtocolDeviation.participant_id == p.id,
        ProtocolDeviation.detection_key.is_not(None))))
    opened = []
    for f in findings_for(s, settings, p, today):
        if f.key in known:
            continue
        known.add(f.key)
        row = ProtocolDeviation(
            participant_id=p.id, kind=f.kind.value, category=f.category.value,
            occurred_on=f.occurred_on, description=str(f.description),
            detail={"template": f.description.template, "params": dict(f.description.params)},
            importance=f.importance.value, detection_key=f.key, opened_on=today,
            opened_by=username, reason="")
        s.add(row)
        opened.append(row)
    return opened


def detect(db: Database, settings: Settings, principal: Principal,
           pseudonym: str | None = None) -> DetectSummary:
    """Run the rules over the randomized participants of the user's sites (or one), opening
    what is new; audited as the user's action."""
    sites = sorted({site for perm in DETECTING for site in principal.sites_with(perm)})
    if not sites:
        raise PermissionDenied(_("your roles do not allow running deviation detection "
                                 "({permission})").format(
            permission=Permission.TREATMENT_RECORD.value), field="site")
    today = local_today(settings.zone)
    summary = DetectSummary()
    with UnitOfWork(db, actor_of(principal), _("Protocol deviations detected")) as uow:
        s = uow.session
        q = select(Participant).where(Participant.site_id.in_(sites),
                                      Participant.status.in_([x.value for x in _JUDGED]))
        if pseudonym is not None:
            q = q.where(Participant.pseudonym == pseudonym)
        for p in s.scalars(q.order_by(Participant.id)).all():
            summary.participants += 1
            for row in detect_for(s, settings, p, principal.username, today):
                summary.opened[row.kind] += 1
        uow.commit()
    return summary


def after_save(db: Database, settings: Settings, principal: Principal, pseudonym: str) -> int:
    """Detection for one participant right after a save that may have made a deviation (a
    cycle's doses, a tumour assessment's date), when the user may run it; returns how many
    deviations it opened. The save is already committed: a refusal here leaves it as it is."""
    if not any(principal.can_anywhere(p) for p in DETECTING):
        return 0
    try:
        return detect(db, settings, principal, pseudonym).total
    except DawnaError:
        return 0
