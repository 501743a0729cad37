"""Adverse events and the serious adverse event reporting clock.

Rules: terms and grades from ``dawna.rules.ctcae`` (CTCAE v5.0, NCI 2017; domain.md §4);
seriousness by the ICH E2A criteria (§II.B: death, life-threatening, hospitalisation or its
prolongation, persistent or significant disability, congenital anomaly, important medical
event); causality per drug as ICH E2A's "reasonable causal relationship" (related / not
related); expectedness against the reference safety information of the related drugs (ICH E2A
II.C, :mod:`.expectedness`: a serious related event needs it); action taken and outcome in the
CDISC SDTM AE terms (AEACN, AEOUT). A serious adverse event is reported to the sponsor within
``sae_report_hours`` (24) of the site's awareness (ICH E6; domain.md §8).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from dawna.clock import local_today, utcnow
from dawna.config import Settings
from dawna.errors import ConflictError, NotFound, ProtocolViolation, ValidationError
from dawna.i18n import _
from dawna.protocol import bundled_protocol
from dawna.rules import ctcae
from dawna.rules.ctcae_terms import OTHER_SPECIFY
from dawna.rules.messages import N_
from dawna.services.access import Permission, Principal
from dawna.services.participants import actor_of
from dawna.services.treatment.common import (
    find_plan,
    first_dose,
    load_for,
    not_in_future,
    require_collecting,
    rule_error,
)
from dawna.services.treatment.expectedness import check_expectedness, related_drugs, rsi_of
from dawna.services.treatment.rows import AdverseEventRow
from dawna.store.db import Database
from dawna.store.models import AdverseEvent, LabResult, Participant, SusarReport
from dawna.store.uow import UnitOfWork

__all__ = [
    "ACTIONS", "OUTCOMES", "RELATEDNESS", "SERIOUSNESS", "AeIn", "adverse_event", "deadline",
    "event_of", "events_of", "open_events", "participant_events", "record_ae", "report_sae",
    "sae_hours", "update_ae",
]

#: ICH E2A §II.B seriousness criteria.
SERIOUSNESS = {
    "death": N_("Results in death"),
    "life_threatening": N_("Is life-threatening"),
    "hospitalisation": N_("Requires inpatient hospitalisation or prolongation of it"),
    "disability": N_("Results in persistent or significant disability or incapacity"),
    "congenital_anomaly": N_("Is a congenital anomaly or birth defect"),
    "important_medical_event": N_("Is an important medical event"),
}
#: CDISC SDTM AEACN (action taken with study treatment).
ACTIONS = {
    "dose_not_changed": N_("Dose not changed"),
    "dose_reduced": N_("Dose reduced"),
    "drug_interrupted": N_("Drug interrupted"),
    "drug_withdrawn": N_("Drug withdrawn"),
    "not_applicable": N_("Not applicable"),
    "unknown": N_("Unknown"),
}
#: CDISC SDTM AEOUT (outcome).
OUTCOMES = {
    "recovered": N_("Recovered/resolved"),
    "recovering": N_("Recovering/resolving"),
    "not_recovered": N_("Not recovered/not resolved"),
    "recovered_with_sequelae": N_("Recovered/resolved with sequelae"),
    "fatal": N_("Fatal"),
    "unknown": N_("Unknown"),
}
#: ICH E2A §III.A.1: a reasonable causal relationship with the drug, or not.
RELATEDNESS = {"related": N_("Related"), "not_related": N_("Not related")}
_ENDED = {"recovered", "recovered_with_sequelae", "fatal"}


class AeIn(BaseModel):
    """An adverse event as the investigator records it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    term: str = Field(min_length=2, max_length=120)
    grade: int = Field(ge=1, le=5)
    start_date: date
    stop_date: date | None = None
    serious: bool = False
    seriousness: list[Literal["death", "life_threatening", "hospitalisation", "disability",
                              "congenital_anomaly", "important_medical_event"]] = Field(
        default_factory=list)
    relatedness: dict[str, Literal["related", "not_related"]] = Field(default_factory=dict)
    action_taken: Literal["dose_not_changed", "dose_reduced", "drug_interrupted",
                          "drug_withdrawn", "not_applicable", "unknown"] = "not_applicable"
    outcome: Literal["recovered", "recovering", "not_recovered", "recovered_with_sequelae",
                     "fatal", "unknown"] = "not_recovered"
    description: str | None = Field(default=None, max_length=4000)
    lab_result_id: int | None = None
    aware_at: datetime | None = None
    expectedness: Literal["expected", "unexpected"] | None = None


def sae_hours() -> float:
    return bundled_protocol().setting_number("sae_report_hours")


def _check_ae(s: Session, settings: Settings, p: Participant, ae: AeIn) -> tuple[str, datetime |
                                                                                   None]:
    """Every rule an adverse event must meet; returns the CTCAE term as spelt in CTCAE and the
    awareness time in UTC."""
    today = local_today(settings.zone)
    try:
        known = ctcae.term(ae.term)
        ctcae.check_grade(known.term, ae.grade)
    except ctcae.CtcaeError as exc:
        raise rule_error(exc) from None
    if known.term.endswith(OTHER_SPECIFY) and len((ae.description or "").strip()) < 3:
        raise ValidationError(_("an \"Other, specify\" term needs the event described in "
                                "words (CTCAE v5.0)"), field="description")
    not_in_future(ae.start_date, today, "start_date")
    require_collecting(s, p, ae.start_date, "start_date")
    if ae.stop_date is not None:
        not_in_future(ae.stop_date, today, "stop_date")
        if ae.stop_date < ae.start_date:
            raise ValidationError(_("the stop date {stop} is before the start date {start}")
                                  .format(stop=ae.stop_date.isoformat(),
                                          start=ae.start_date.isoformat()), field="stop_date")
    if ae.outcome in _ENDED and ae.stop_date is None:
        raise ValidationError(_("an event that has resolved or was fatal needs its stop date"),
                              field="stop_date")
    if ae.outcome in ("recovering", "not_recovered") and ae.stop_date is not None:
        raise ValidationError(_("an event that has not resolved has no stop date"),
                              field="stop_date")
    if (ae.grade == 5) != (ae.outcome == "fatal"):
        raise ValidationError(_("grade 5 (death related to the event) and the outcome "
                                "'fatal' go together (CTCAE v5.0)"), field="outcome")
    if ae.grade == 5 and "death" not in ae.seriousness:
        raise ValidationError(_("a fatal event is serious: tick 'results in death' "
                                "(ICH E2A)"), field="seriousness")
    if ae.serious != bool(ae.seriousness):
        raise ValidationError(_("a serious event needs at least one ICH E2A criterion, and "
                                "only a serious event has one"), field="seriousness")
    aware = None
    if ae.serious:
        if ae.aware_at is None:
            raise ValidationError(_("give when the site became aware of the serious event; "
                                    "the reporting clock starts then"), field="aware_at")
        aware = ae.aware_at if ae.aware_at.tzinfo else ae.aware_at.replace(tzinfo=settings.zone)
        if aware > utcnow():
            raise ValidationError(_("the awareness time cannot be in the future"),
                                  field="aware_at")
        if aware.astimezone(settings.zone).date() < ae.start_date:
            raise ValidationError(_("the site cannot become aware of an event before it "
                                    "started"), field="aware_at")
    plan = find_plan(s, p)
    first = first_dose(s, p)
    if plan is not None:
        drugs = {d["drug"] for d in plan.doses}
        for drug in ae.relatedness:
            if drug not in drugs:
                raise ValidationError(_("{drug} is not a drug of this participant's regimen")
                                      .format(drug=drug), field=f"relatedness.{drug}")
        if first is not None and ae.start_date >= first:
            missing = sorted(drugs - set(ae.relatedness))
            if missing:
                raise ValidationError(_("assess the relationship to each drug: {drugs}").format(
                    drugs=", ".join(missing)), field=f"relatedness.{missing[0]}")
    elif ae.relatedness:
        raise ValidationError(_("no drug has been prescribed yet"), field="relatedness")
    if ae.lab_result_id is not None and s.scalar(select(LabResult.id).where(
            LabResult.id == ae.lab_result_id, LabResult.participant_id == p.id)) is None:
        raise ValidationError(_("no such laboratory result of this participant"),
                              field="lab_result_id")
    check_expectedness(serious=ae.serious, relatedness=ae.relatedness,
                       expectedness=ae.expectedness)
    return known.term, aware


def _set_expectedness(row: AdverseEvent, ae: AeIn) -> None:
    """Expectedness with the RSI document and version of the related drugs it was judged on."""
    rsi = rsi_of(related_drugs(ae.relatedness)) if ae.expectedness else None
    row.expectedness = ae.expectedness
    row.rsi_document = rsi.document if rsi else None
    row.rsi_version = rsi.version if rsi else None


def record_ae(db: Database, settings: Settings, principal: Principal, pseudonym: str,
              ae: AeIn) -> int:
    """Store a new adverse event; returns its number (1, 2, … per participant)."""
    with UnitOfWork(db, actor_of(principal), _("Adverse event recorded")) as uow:
        s = uow.session
        p = load_for(s, principal, pseudonym, Permission.TREATMENT_RECORD)
        term, aware = _check_ae(s, settings, p, ae)
        # the participant's row is the lock numbering their events: a no-op UPDATE takes the
        # row lock (PostgreSQL) or the write lock (SQLite) until commit, so two events recorded
        # at the same moment get the next numbers in turn (the unique constraint backs it up)
        s.execute(update(Participant).where(Participant.id == p.id)
                  .values(id=Participant.id).execution_options(synchronize_session=False))
        number = (s.scalar(select(func.max(AdverseEvent.number)).where(
            AdverseEvent.participant_id == p.id)) or 0) + 1
        row = AdverseEvent(participant_id=p.id, number=number, term=term, grade=ae.grade,
                           start_date=ae.start_date, stop_date=ae.stop_date, serious=ae.serious,
                           seriousness=list(ae.seriousness), relatedness=dict(ae.relatedness),
                           action_taken=ae.action_taken, outcome=ae.outcome,
                           description=ae.description, lab_result_id=ae.lab_result_id,
                           aware_at=aware, recorded_by=principal.username)
        _set_expectedness(row, ae)
        s.add(row)
        uow.commit()
    return number


def event_of(s: Session, p: Participant, number: int) -> AdverseEvent:
    row = s.scalar(select(AdverseEvent).where(AdverseEvent.participant_id == p.id,
                                              AdverseEvent.number == number))
    if row is None:
        raise NotFound(_("no adverse event {n} of {id}").format(n=number, id=p.pseudonym),
                       field="number")
    return row


def update_ae(db: Database, settings: Settings, principal: Principal, pseudonym: str,
              number: int, ae: AeIn, *, version: int, reason: str) -> None:
    """Correct or follow up an adverse event (new grade, stop date, outcome): the current
    version and a reason are required; the audit trail keeps the old values."""
    if not reason or len(reason.strip()) < 3:
        raise ValidationError(_("give the reason for the change"), field="reason")
    with UnitOfWork(db, actor_of(principal), reason.strip()) as uow:
        s = uow.session
        p = load_for(s, principal, pseudonym, Permission.TREATMENT_RECORD)
        row = event_of(s, p, number)
        if row.version != version:
            raise ConflictError(_("adverse event {n} was changed by someone else (version "
                                  "{v}); reload it and enter your change again").format(
                n=number, v=row.version), field="version")
        term, aware = _check_ae(s, settings, p, ae)
        same = (aware is not None and row.aware_at is not None
                and aware.replace(second=0, microsecond=0)
                == row.aware_at.replace(second=0, microsecond=0))
        if same:
            aware = row.aware_at  # the form shows minutes: keep the stored time
        reported = row.reported_at is not None or s.scalar(select(SusarReport.id).where(
            SusarReport.adverse_event_id == row.id).limit(1)) is not None
        if reported and not same:
            raise ProtocolViolation(_("the awareness time of a reported serious event cannot "
                                      "change"), field="aware_at")
        row.term, row.grade = term, ae.grade
        row.start_date, row.stop_date = ae.start_date, ae.stop_date
        row.serious, row.seriousness = ae.serious, list(ae.seriousness)
        row.relatedness = dict(ae.relatedness)
        row.action_taken, row.outcome = ae.action_taken, ae.outcome
        row.description, row.lab_result_id = ae.description, ae.lab_result_id
        row.aware_at = aware
        _set_expectedness(row, ae)
        uow.commit()


def report_sae(db: Database, settings: Settings, principal: Principal, pseudonym: str,
               number: int, reported_at: datetime | None = None) -> None:
    """Record that a serious adverse event was reported to the sponsor (stops its clock)."""
    now = utcnow()
    when = reported_at or now
    if when.tzinfo is None:
        when = when.replace(tzinfo=settings.zone)
    if when > now:
        raise ValidationError(_("the report time cannot be in the future"), field="reported_at")
    with UnitOfWork(db, actor_of(principal), _("Serious adverse event reported")) as uow:
        s = uow.session
        p = load_for(s, principal, pseudonym, Permission.TREATMENT_RECORD)
        row = event_of(s, p, number)
        if not row.serious or row.aware_at is None:
            raise ProtocolViolation(_("adverse event {n} is not serious").format(n=number),
                                    field="number")
        if row.reported_at is not None:
            raise ConflictError(_("adverse event {n} was already reported").format(n=number),
                                field="number")
        if when < row.aware_at:
            raise ValidationError(_("the report cannot precede the awareness time"),
                                  field="reported_at")
        row.reported_at = when
        uow.commit()


def events_of(s: Session, p: Participant) -> list[AdverseEvent]:
    return list(s.scalars(select(AdverseEvent).where(AdverseEvent.participant_id == p.id)
                          .order_by(AdverseEvent.number)))


def is_open(ae: AdverseEvent | AdverseEventRow) -> bool:
    """An adverse event without a stop date is ongoing."""
    return ae.stop_date is None


def open_events(s: Session, p: Participant) -> list[AdverseEvent]:
    """Adverse events without a stop date (ongoing)."""
    return [e for e in events_of(s, p) if is_open(e)]


def deadline(ae: AdverseEvent | AdverseEventRow) -> datetime | None:
    return None if ae.aware_at is None else ae.aware_at + timedelta(hours=sae_hours())




def participant_events(db: Database, principal: Principal,
                       pseudonym: str) -> list[AdverseEventRow]:
    """The participant's adverse events by number."""
    with UnitOfWork(db) as uow:
        p = load_for(uow.session, principal, pseudonym, Permission.TREATMENT_VIEW)
        return AdverseEventRow.of_participant(uow.session, p.id)


def adverse_event(db: Database, principal: Principal, pseudonym: str,
                  number: int) -> AdverseEventRow:
    """Adverse event ``number`` of the participant (NotFound when there is none)."""
    with UnitOfWork(db) as uow:
        p = load_for(uow.session, principal, pseudonym, Permission.TREATMENT_VIEW)
        return AdverseEventRow.of(event_of(uow.session, p, number))
