"""SUSARs: serious adverse events suspected to be related to a trial drug and unexpected against
its reference safety information, their expedited-report clocks and the reports sent.

Rules: :mod:`dawna.rules.expedited_reporting` (ICH E2A III.A.2; NMPA/CDE 2018 standard for
expedited safety reporting during drug trials): fatal or life-threatening (the ICH E2A
seriousness criteria "results in death" / "is life-threatening") within 7 calendar days of first
awareness, with the complete follow-up within 8 further days of the initial report; every other
SUSAR within 15 calendar days; day 0 is the site's local calendar day of awareness
(``aware_at``, in the site's zone, Asia/Shanghai). A deadline is met when a report of its kind
has been sent to each recipient (the ethics committee and the drug regulatory authority) by the
end of its due day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.clock import local_today
from dawna.config import Settings
from dawna.errors import ConflictError, ProtocolViolation, ValidationError
from dawna.i18n import _
from dawna.rules.expedited_reporting import susar_clocks
from dawna.rules.messages import N_
from dawna.services.access import Permission, Principal
from dawna.services.participants import actor_of
from dawna.services.treatment.adverse_events import event_of
from dawna.services.treatment.common import load_for, render, treatment_sites
from dawna.services.treatment.expectedness import check_expectedness, related_drugs
from dawna.store.db import Database
from dawna.store.models import AdverseEvent, Participant, Site, SusarReport
from dawna.store.uow import UnitOfWork

__all__ = [
    "KINDS", "RECIPIENTS", "DeadlineState", "SusarReportIn", "SusarReportRow", "SusarRow",
    "fatal_or_life_threatening", "participant_susars", "record_susar_report", "site_susars",
    "susar_of",
]

#: Who receives expedited reports (ICH E2A III.A; NMPA/CDE 2018; ICH E6(R3) 3.17).
RECIPIENTS = {"ethics_committee": N_("Ethics committee"),
              "authority": N_("Drug regulatory authority (NMPA/CDE)")}
KINDS = {"initial": N_("Initial report"), "follow_up": N_("Follow-up report")}


class SusarReportIn(BaseModel):
    """One report of a SUSAR as sent: initial or follow-up, to whom, the local date sent, by
    whom (the user recording it when not given)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["initial", "follow_up"]
    recipient: Literal["ethics_committee", "authority"]
    sent_on: date
    sent_by: str | None = Field(default=None, min_length=2, max_length=120)
    reference: str | None = Field(default=None, max_length=120)
    note: str | None = Field(default=None, max_length=2000)


@dataclass(frozen=True)
class SusarReportRow:
    id: int
    kind: str
    recipient: str
    sent_on: date
    sent_by: str
    reference: str | None
    note: str | None
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class DeadlineState:
    """One clock: ``status`` is ``sent`` (every recipient by the due day), ``late`` (every
    recipient, one after the due day), ``overdue`` (a recipient missing after the due day) or
    ``due``; ``missing`` lists the recipients still to report to."""

    kind: str
    days: int
    due_on: date
    status: str
    days_left: int
    missing: tuple[str, ...]
    rule: str


@dataclass(frozen=True)
class SusarRow:
    pseudonym: str
    site_code: str
    number: int
    term: str
    grade: int
    aware_at: datetime
    aware_day: date
    fatal_or_life_threatening: bool
    related_drugs: tuple[str, ...]
    rsi_document: str | None
    rsi_version: str | None
    deadlines: tuple[DeadlineState, ...]
    reports: tuple[SusarReportRow, ...]

    @property
    def open(self) -> bool:
        return any(d.status in ("due", "overdue") for d in self.deadlines)

    @property
    def overdue(self) -> bool:
        return any(d.status == "overdue" for d in self.deadlines)

    @property
    def next_due(self) -> date | None:
        pending = [d.due_on for d in self.deadlines if d.status in ("due", "overdue")]
        return min(pending) if pending else None


def fatal_or_life_threatening(ae: AdverseEvent) -> bool:
    """ICH E2A II.B criteria "results in death" or "is life-threatening" (the 7-day clock)."""
    return bool({"death", "life_threatening"} & set(ae.seriousness)) or ae.outcome == "fatal"


def _is_susar(ae: AdverseEvent) -> bool:
    """Serious, related and unexpected (an event stored before expectedness was recorded, with
    none, is not classified here: its next change must give it)."""
    return (ae.aware_at is not None and ae.expectedness is not None
            and check_expectedness(serious=ae.serious, relatedness=ae.relatedness,
                                   expectedness=ae.expectedness))


def _state(kind: str, days: int, due_on: date, rule: str, reports: list[SusarReport],
           today: date) -> DeadlineState:
    sent: dict[str, date] = {}
    for r in reports:
        if r.kind == kind and (r.recipient not in sent or r.sent_on < sent[r.recipient]):
            sent[r.recipient] = r.sent_on
    missing = tuple(r for r in RECIPIENTS if r not in sent)
    if missing:
        status = "overdue" if today > due_on else "due"
    else:
        status = "late" if max(sent.values()) > due_on else "sent"
    return DeadlineState(kind, days, due_on, status, (due_on - today).days, missing, rule)


def susar_of(ae: AdverseEvent, reports: list[SusarReport], settings: Settings, pseudonym: str,
             site_code: str, today: date) -> SusarRow:
    """The clocks of a SUSAR and where its reports stand."""
    assert ae.aware_at is not None
    initials = [r.sent_on for r in reports if r.kind == "initial"]
    fatal = fatal_or_life_threatening(ae)
    clocks = susar_clocks(ae.aware_at, fatal_or_life_threatening=fatal, zone=settings.zone,
                          initial_reported_on=min(initials) if initials else None)
    states = [_state("initial", clocks.initial.days, clocks.initial.due_on,
                     render(clocks.initial.rule), reports, today)]
    if clocks.follow_up is not None:
        states.append(_state("follow_up", clocks.follow_up.days, clocks.follow_up.due_on,
                             render(clocks.follow_up.rule), reports, today))
    rows = tuple(SusarReportRow(r.id, r.kind, r.recipient, r.sent_on, r.sent_by, r.reference,
                                r.note, r.recorded_by, r.recorded_at)
                 for r in sorted(reports, key=lambda r: (r.sent_on, r.id)))
    return SusarRow(pseudonym, site_code, ae.number, ae.term, ae.grade, ae.aware_at,
                    ae.aware_at.astimezone(settings.zone).date(), fatal,
                    tuple(related_drugs(ae.relatedness)), ae.rsi_document, ae.rsi_version,
                    tuple(states), rows)


def _reports(s: Session, ae_ids: list[int]) -> dict[int, list[SusarReport]]:
    out: dict[int, list[SusarReport]] = {i: [] for i in ae_ids}
    if ae_ids:
        for r in s.scalars(select(SusarReport).where(SusarReport.adverse_event_id.in_(ae_ids))):
            out[r.adverse_event_id].append(r)
    return out


def site_susars(db: Database, settings: Settings, principal: Principal) -> list[SusarRow]:
    """Every SUSAR at the user's sites: open ones first, soonest due date first."""
    sites = treatment_sites(principal)
    today = local_today(settings.zone)
    with UnitOfWork(db) as uow:
        s = uow.session
        q = (select(AdverseEvent, Participant.pseudonym, Site.code)
             .join(Participant, Participant.id == AdverseEvent.participant_id)
             .join(Site, Site.id == Participant.site_id)
             .where(Participant.site_id.in_(sites), AdverseEvent.serious.is_(True),
                    AdverseEvent.expectedness == "unexpected"))
        found = [(ae, pid, code) for ae, pid, code in s.execute(q) if _is_susar(ae)]
        reports = _reports(s, [ae.id for ae, _p, _c in found])
        rows = [susar_of(ae, reports[ae.id], settings, pid, code, today)
                for ae, pid, code in found]
    return sorted(rows, key=lambda r: (not r.open, r.next_due or date.max, r.pseudonym,
                                       r.number))


def participant_susars(db: Database, settings: Settings, principal: Principal,
                       pseudonym: str) -> dict[int, SusarRow]:
    """The participant's SUSARs by adverse event number."""
    today = local_today(settings.zone)
    with UnitOfWork(db) as uow:
        s = uow.session
        p = load_for(s, principal, pseudonym, Permission.TREATMENT_VIEW)
        events = [ae for ae in s.scalars(select(AdverseEvent).where(
            AdverseEvent.participant_id == p.id)) if _is_susar(ae)]
        reports = _reports(s, [ae.id for ae in events])
        return {ae.number: susar_of(ae, reports[ae.id], settings, p.pseudonym, p.site.code,
                                    today) for ae in events}


def record_susar_report(db: Database, settings: Settings, principal: Principal,
                        pseudonym: str, number: int, report: SusarReportIn) -> int:
    """Record a report of SUSAR ``number`` sent to the ethics committee or the authority
    (audited); returns its id. Refused: an event that is not a SUSAR, a date in the future or
    before awareness, a second initial report to the same recipient, a follow-up before the
    initial report."""
    today = local_today(settings.zone)
    if report.sent_on > today:
        raise ValidationError(_("the report date cannot be in the future"), field="sent_on")
    with UnitOfWork(db, actor_of(principal), _("SUSAR report recorded")) as uow:
        s = uow.session
        p = load_for(s, principal, pseudonym, Permission.TREATMENT_RECORD)
        ae = event_of(s, p, number)
        if not _is_susar(ae):
            raise ProtocolViolation(_("adverse event {n} is not a SUSAR (serious, related to a "
                                      "trial drug and unexpected)").format(n=number),
                                    field="number")
        assert ae.aware_at is not None
        if report.sent_on < ae.aware_at.astimezone(settings.zone).date():
            raise ValidationError(_("a report cannot be sent before the site became aware of "
                                    "the event"), field="sent_on")
        earlier = list(s.scalars(select(SusarReport).where(
            SusarReport.adverse_event_id == ae.id, SusarReport.recipient == report.recipient)))
        initial = [r.sent_on for r in earlier if r.kind == "initial"]
        if report.kind == "initial" and initial:
            raise ConflictError(_("the initial report to this recipient was already recorded "
                                  "({date}); record a follow-up report").format(
                date=initial[0].isoformat()), field="recipient")
        if report.kind == "follow_up" and (not initial or report.sent_on < min(initial)):
            raise ValidationError(_("a follow-up report comes after the initial report to the "
                                    "same recipient"), field="kind")
        row = SusarReport(adverse_event_id=ae.id, kind=report.kind, recipient=report.recipient,
                          sent_on=report.sent_on,
                          sent_by=(report.sent_by or principal.username).strip(),
                          reference=report.reference, note=report.note,
                          recorded_by=principal.username)
        s.add(row)
        uow.commit()
        return row.id
