"""What every part of treatment and safety shares: loading a participant for a permission, the
allocation, the confirmed plan and the cycles given, the first dose, the rules' messages in the
reader's language, and the checks on a date of data collected."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.config import Settings
from dawna.errors import DawnaError, PermissionDenied, ProtocolViolation, ValidationError
from dawna.i18n import _, gettext
from dawna.rules.lifecycle import Event, State
from dawna.rules.rule_errors import RuleError, RuleViolation
from dawna.services import lifecycle
from dawna.services.access import Permission, Principal
from dawna.services.participants import load_visible
from dawna.services.rendered import render
from dawna.store.models import Allocation, Participant, TreatmentCycle, TreatmentPlan

__all__ = [
    "CUSTOM", "allocation_of", "cycles_of", "find_allocation", "find_plan", "first_dose",
    "load_for", "not_in_future", "plan_of", "randomized_on", "render", "require_collecting",
    "rule_error", "treatment_sites",
]

CUSTOM = "physician_entered"


def rule_error(exc: RuleError | RuleViolation, prefix: str = "") -> DawnaError:
    """A rule's error with its reason in the reader's language."""
    return exc.translated(gettext, prefix)


def treatment_sites(principal: Principal) -> list[int]:
    """Sites where the user may see treatment data (it shows the arm: not imaging readers)."""
    sites = principal.sites_with(Permission.TREATMENT_VIEW)
    if not sites:
        raise PermissionDenied(_("your roles do not allow treatment and safety data "
                                 "({permission})").format(
            permission=Permission.TREATMENT_VIEW.value), field="site")
    return sites


def load_for(s: Session, principal: Principal, pseudonym: str,
             permission: Permission) -> Participant:
    """The participant ``pseudonym`` at the user's sites, if the user holds ``permission``
    there."""
    p = load_visible(s, principal, pseudonym)
    principal.require(permission, p.site_id)
    return p


def find_allocation(s: Session, p: Participant) -> Allocation | None:
    return s.scalar(select(Allocation).where(Allocation.participant_id == p.id))


def allocation_of(s: Session, p: Participant) -> Allocation:
    allocation = find_allocation(s, p)
    if allocation is None:
        raise ProtocolViolation(_("{id} is not randomized; treatment starts after "
                                  "randomization").format(id=p.pseudonym), field="status")
    return allocation


def randomized_on(allocation: Allocation, settings: Settings) -> date:
    return allocation.randomized_at.astimezone(settings.zone).date()


def find_plan(s: Session, p: Participant) -> TreatmentPlan | None:
    return s.scalar(select(TreatmentPlan).where(TreatmentPlan.participant_id == p.id))


def plan_of(s: Session, p: Participant) -> TreatmentPlan:
    plan = find_plan(s, p)
    if plan is None:
        raise ProtocolViolation(_("the prescriber has not confirmed the regimen and doses of "
                                  "{id}").format(id=p.pseudonym), field="plan")
    return plan


def cycles_of(s: Session, p: Participant) -> list[TreatmentCycle]:
    return list(s.scalars(select(TreatmentCycle).where(TreatmentCycle.participant_id == p.id)
                          .order_by(TreatmentCycle.cycle)))


def first_dose(s: Session, p: Participant) -> date | None:
    return s.scalar(select(TreatmentCycle.start_date).where(
        TreatmentCycle.participant_id == p.id, TreatmentCycle.cycle == 1))


def not_in_future(value: date, today: date, field: str) -> None:
    if value > today:
        raise ValidationError(_("is after today at the site ({today}); dates cannot be in the "
                                "future").format(today=today), field=field)


def require_collecting(s: Session, p: Participant, on: date, field: str) -> None:
    """Data of ``on`` may be recorded: after consent, while data is collected, not after the
    end of the study."""
    if State(p.status) in (State.PRE_SCREENING,):
        raise ProtocolViolation(_("{id} has not consented; no data is collected before "
                                  "consent").format(id=p.pseudonym), field="status")
    if p.consent_date is not None and on < p.consent_date:
        raise ValidationError(_("{date} is before informed consent ({consent})").format(
            date=on.isoformat(), consent=p.consent_date.isoformat()), field=field)
    lifecycle.require_collecting(s, p, on, field)
    ended = lifecycle.event_date(s, p, Event.STUDY_ENDED)
    if ended is not None and on > ended:
        raise ProtocolViolation(_("the study ended for {id} on {date}; nothing is recorded "
                                  "after it").format(id=p.pseudonym, date=ended.isoformat()),
                                field=field)
