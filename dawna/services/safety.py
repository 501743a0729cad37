"""Safety: laboratory results graded by CTCAE v5.0, adverse events, the serious adverse event
reporting clock, and the site's safety work list.

Rules: grades from ``dawna.rules.ctcae`` (CTCAE v5.0, NCI 2017; domain.md §4); seriousness by
the ICH E2A criteria (§II.B: death, life-threatening, hospitalisation or its prolongation,
persistent or significant disability, congenital anomaly, important medical event); causality
per drug as ICH E2A's "reasonable causal relationship" (related / not related); action taken
and outcome in the CDISC SDTM AE terms (AEACN, AEOUT). A serious adverse event is reported to
the sponsor within ``sae_report_hours`` (24) of the site's awareness (ICH E6; domain.md §8).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dawna.clock import local_today, utcnow
from dawna.config import Settings
from dawna.errors import (
    ConflictError,
    NotFound,
    PermissionDenied,
    ProtocolViolation,
    ValidationError,
)
from dawna.i18n import _
from dawna.protocol import bundled_protocol
from dawna.rules import ctcae
from dawna.rules import regimens as rx
from dawna.rules.ctcae_terms import OTHER_SPECIFY
from dawna.rules.lifecycle import Event, State
from dawna.rules.messages import N_
from dawna.rules.units import convert
from dawna.services import lifecycle
from dawna.services.access import Permission, Principal
from dawna.services.participants import actor_of, load_visible
from dawna.services.treatment import calendar_events, render
from dawna.store.db import Database
from dawna.store.models import (
    AdverseEvent,
    Allocation,
    LabResult,
    Participant,
    Site,
    TreatmentCycle,
    TreatmentPlan,
)
from dawna.store.uow import UnitOfWork

__all__ = [
    "ACTIONS", "OUTCOMES", "RELATEDNESS", "SERIOUSNESS", "AeIn", "LabIn", "SafetyBoard",
    "board", "grade_preview", "labs_due", "open_events", "record_ae", "record_lab", "record_labs",
    "report_sae", "update_ae",
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
_BLOOD_COUNT = ("anc", "wbc", "platelets", "haemoglobin")


def _ctcae_error(exc: ctcae.CtcaeError, prefix: str = "") -> ValidationError:
    return ValidationError(render(exc.message), field=f"{prefix}{exc.field}")


def treatment_sites(principal: Principal) -> list[int]:
    """Sites where the user may see treatment data (it shows the arm: not imaging readers)."""
    sites = principal.sites_with(Permission.TREATMENT_VIEW)
    if not sites:
        raise PermissionDenied(_("your roles do not allow treatment and safety data "
                                 "({permission})").format(
            permission=Permission.TREATMENT_VIEW.value), field="site")
    return sites


def _future(value: date, today: date, field: str) -> None:
    if value > today:
        raise ValidationError(_("is after today at the site ({today}); dates cannot be in the "
                                "future").format(today=today), field=field)


def _load(s: Session, principal: Principal, pseudonym: str,
          permission: Permission) -> Participant:
    p = load_visible(s, principal, pseudonym)
    principal.require(permission, p.site_id)
    return p


def _collecting(s: Session, p: Participant, on: date, field: str) -> None:
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


# --- laboratory results --------------------------------------------------------------------------


class LabIn(BaseModel):
    """A laboratory result as the hospital reported it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    analyte: str = Field(min_length=1, max_length=60)
    value: float
    unit: str = Field(min_length=1, max_length=16)
    lln: float | None = None
    uln: float | None = None
    baseline: float | None = None
    sample_date: date


def _first_dose(s: Session, p: Participant) -> date | None:
    return s.scalar(select(TreatmentCycle.start_date).where(
        TreatmentCycle.participant_id == p.id, TreatmentCycle.cycle == 1))


def _baseline(s: Session, p: Participant, key: str, unit: str, before: date) -> float | None:
    """The participant's baseline of ``key`` (CTCAE v5.0 ALT, AST, bilirubin and creatinine
    grade against it when abnormal): the latest result sampled on or before the first dose
    (before ``before`` when treatment has not started), in ``unit``."""
    first = _first_dose(s, p)
    limit = first if first is not None else before
    row = s.scalars(select(LabResult).where(
        LabResult.participant_id == p.id, LabResult.analyte == key,
        LabResult.sample_date <= limit).order_by(LabResult.sample_date.desc(),
                                                  LabResult.id.desc())).first()
    if row is None or (first is None and row.sample_date >= before):
        return None
    quantity = ctcae.LAB_ANALYTES[key].quantity
    try:
        return convert(row.value, ctcae.canonical_unit(key, row.unit), unit, quantity)
    except (ValueError, ctcae.CtcaeError):  # a stored unit dawna cannot convert: no baseline
        return None


def grade_preview(lab: LabIn) -> ctcae.LabGrade:
    """The grade of a result as entered (no stored baseline): for the form's live grade."""
    try:
        return ctcae.grade_lab(ctcae.analyte_key(lab.analyte), lab.value, lab.unit,
                               lln=lab.lln, uln=lab.uln, baseline=lab.baseline)
    except ctcae.CtcaeError as exc:
        raise _ctcae_error(exc) from None


def record_lab(db: Database, settings: Settings, principal: Principal, pseudonym: str,
               lab: LabIn) -> LabResult:
    """Store a result with its CTCAE grade; ALT, AST, bilirubin and creatinine are graded
    against the participant's stored baseline when it was abnormal (CTCAE v5.0)."""
    return record_labs(db, settings, principal, pseudonym, [lab])[0]


def record_labs(db: Database, settings: Settings, principal: Principal, pseudonym: str,
                results: Sequence[LabIn]) -> list[LabResult]:
    """Store a laboratory report (one or more results) with their CTCAE grades, all or
    nothing: one refused result stores none of them."""
    today = local_today(settings.zone)
    stored: list[LabResult] = []
    with UnitOfWork(db, actor_of(principal), _("Laboratory result")) as uow:
        s = uow.session
        p = _load(s, principal, pseudonym, Permission.TREATMENT_RECORD)
        checked: set[date] = set()
        for i, lab in enumerate(results):
            prefix = f"results.{i}." if len(results) > 1 else ""
            _future(lab.sample_date, today, f"{prefix}sample_date")
            if lab.sample_date not in checked:  # one report: usually one sample date
                _collecting(s, p, lab.sample_date, f"{prefix}sample_date")
                checked.add(lab.sample_date)
            try:
                key = ctcae.analyte_key(lab.analyte)
                unit = ctcae.canonical_unit(key, lab.unit)
            except ctcae.CtcaeError as exc:
                raise _ctcae_error(exc, prefix) from None
            baseline = None
            if lab.baseline is None and ctcae.LAB_ANALYTES[key].direction == "increased":
                baseline = _baseline(s, p, key, unit, lab.sample_date)
            try:
                graded = ctcae.grade_lab(key, lab.value, unit, lln=lab.lln, uln=lab.uln,
                                         baseline=lab.baseline if lab.baseline is not None
                                         else baseline)
            except ctcae.CtcaeError as exc:
                raise _ctcae_error(exc, prefix) from None
            row = LabResult(participant_id=p.id, sample_date=lab.sample_date, analyte=key,
                            value=lab.value, unit=unit, lln=lab.lln, uln=lab.uln,
                            baseline=lab.baseline if lab.baseline is not None else baseline,
                            grade=graded.grade, term=graded.term, rule=str(graded.rule),
                            recorded_by=principal.username)
            s.add(row)
            stored.append(row)
        s.flush()
        for row in stored:
            s.expunge(row)
        uow.commit()
    return stored


def correct_lab(db: Database, settings: Settings, principal: Principal, pseudonym: str,
                lab_id: int, lab: LabIn, *, version: int, reason: str) -> LabResult:
    """Correct a stored result (a transcription error, the report re-issued): graded again,
    the current version and a reason required; the audit trail keeps the old values."""
    if not reason or len(reason.strip()) < 3:
        raise ValidationError(_("give the reason for the change"), field="reason")
    _future(lab.sample_date, local_today(settings.zone), "sample_date")
    with UnitOfWork(db, actor_of(principal), reason.strip()) as uow:
        s = uow.session
        p = _load(s, principal, pseudonym, Permission.TREATMENT_RECORD)
        row = s.scalar(select(LabResult).where(LabResult.id == lab_id,
                                               LabResult.participant_id == p.id))
        if row is None:
            raise NotFound(_("no such laboratory result of this participant"), field="lab")
        if row.version != version:
            raise ConflictError(_("the result was changed by someone else (version {v}); "
                                  "reload it and enter your change again").format(
                v=row.version), field="version")
        _collecting(s, p, lab.sample_date, "sample_date")
        try:
            key = ctcae.analyte_key(lab.analyte)
            unit = ctcae.canonical_unit(key, lab.unit)
        except ctcae.CtcaeError as exc:
            raise _ctcae_error(exc) from None
        baseline = lab.baseline
        first = _first_dose(s, p)
        after_first_dose = first is not None and lab.sample_date > first
        if baseline is None and after_first_dose and \
                ctcae.LAB_ANALYTES[key].direction == "increased":
            # a result before the first dose is itself baseline: it is not graded against one
            baseline = _baseline(s, p, key, unit, lab.sample_date)
        try:
            graded = ctcae.grade_lab(key, lab.value, unit, lln=lab.lln, uln=lab.uln,
                                     baseline=baseline)
        except ctcae.CtcaeError as exc:
            raise _ctcae_error(exc) from None
        row.sample_date, row.analyte, row.value, row.unit = lab.sample_date, key, lab.value, unit
        row.lln, row.uln, row.baseline = lab.lln, lab.uln, baseline
        row.grade, row.term, row.rule = graded.grade, graded.term, str(graded.rule)
        s.flush()
        s.expunge(row)
        uow.commit()
    return row


def labs(s: Session, p: Participant) -> list[LabResult]:
    return list(s.scalars(select(LabResult).where(LabResult.participant_id == p.id)
                          .order_by(LabResult.sample_date, LabResult.id)))


def labs_due(s: Session, p: Participant, events: Sequence[rx.CalendarEvent],
             today: date) -> list[rx.CalendarEvent]:
    """Blood counts of the calendar due within the next 7 days or overdue (no count sampled
    from 3 days before the due day), from the first dose on."""
    first = _first_dose(s, p)
    if first is None or State(p.status) is not State.ON_TREATMENT:
        return []
    sampled = set(s.scalars(select(LabResult.sample_date).where(
        LabResult.participant_id == p.id, LabResult.analyte.in_(_BLOOD_COUNT))))
    due = []
    for e in events:
        if e.kind != "lab" or e.date < first or e.date > today + timedelta(days=7):
            continue
        if any(e.date - timedelta(days=3) <= d <= e.date + timedelta(days=1) for d in sampled):
            continue
        due.append(e)
    return due


# --- adverse events ---------------------------------------------------------------------------


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


def _sae_hours() -> float:
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
        raise _ctcae_error(exc) from None
    if known.term.endswith(OTHER_SPECIFY) and len((ae.description or "").strip()) < 3:
        raise ValidationError(_("an \"Other, specify\" term needs the event described in "
                                "words (CTCAE v5.0)"), field="description")
    _future(ae.start_date, today, "start_date")
    _collecting(s, p, ae.start_date, "start_date")
    if ae.stop_date is not None:
        _future(ae.stop_date, today, "stop_date")
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
    plan = s.scalar(select(TreatmentPlan).where(TreatmentPlan.participant_id == p.id))
    first = _first_dose(s, p)
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
    return known.term, aware


def record_ae(db: Database, settings: Settings, principal: Principal, pseudonym: str,
              ae: AeIn) -> int:
    """Store a new adverse event; returns its number (1, 2, … per participant)."""
    with UnitOfWork(db, actor_of(principal), _("Adverse event recorded")) as uow:
        s = uow.session
        p = _load(s, principal, pseudonym, Permission.TREATMENT_RECORD)
        term, aware = _check_ae(s, settings, p, ae)
        number = (s.scalar(select(func.max(AdverseEvent.number)).where(
            AdverseEvent.participant_id == p.id)) or 0) + 1
        s.add(AdverseEvent(participant_id=p.id, number=number, term=term, grade=ae.grade,
                           start_date=ae.start_date, stop_date=ae.stop_date, serious=ae.serious,
                           seriousness=list(ae.seriousness), relatedness=dict(ae.relatedness),
                           action_taken=ae.action_taken, outcome=ae.outcome,
                           description=ae.description, lab_result_id=ae.lab_result_id,
                           aware_at=aware, recorded_by=principal.username))
        uow.commit()
    return number


def _event(s: Session, p: Participant, number: int) -> AdverseEvent:
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
        p = _load(s, principal, pseudonym, Permission.TREATMENT_RECORD)
        row = _event(s, p, number)
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
        if row.reported_at is not None and not same:
            raise ProtocolViolation(_("the awareness time of a reported serious event cannot "
                                      "change"), field="aware_at")
        row.term, row.grade = term, ae.grade
        row.start_date, row.stop_date = ae.start_date, ae.stop_date
        row.serious, row.seriousness = ae.serious, list(ae.seriousness)
        row.relatedness = dict(ae.relatedness)
        row.action_taken, row.outcome = ae.action_taken, ae.outcome
        row.description, row.lab_result_id = ae.description, ae.lab_result_id
        row.aware_at = aware
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
        p = _load(s, principal, pseudonym, Permission.TREATMENT_RECORD)
        row = _event(s, p, number)
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


def open_events(s: Session, p: Participant) -> list[AdverseEvent]:
    """Adverse events without a stop date (ongoing)."""
    return [e for e in events_of(s, p) if e.stop_date is None]


def deadline(ae: AdverseEvent) -> datetime | None:
    return None if ae.aware_at is None else ae.aware_at + timedelta(hours=_sae_hours())


# --- the site's safety work list --------------------------------------------------------------


@dataclass(frozen=True)
class SaeRow:
    pseudonym: str
    site_code: str
    number: int
    term: str
    grade: int
    aware_at: datetime
    deadline: datetime
    overdue: bool
    hours_left: float


@dataclass(frozen=True)
class DueRow:
    pseudonym: str
    site_code: str
    event: rx.CalendarEvent
    overdue: bool


@dataclass(frozen=True)
class SafetyBoard:
    today: date
    sae_unreported: list[SaeRow]
    due: list[DueRow]
    open_grade3: list[tuple[str, AdverseEvent]]


def unreported_saes(db: Database, principal: Principal) -> list[SaeRow]:
    """Serious adverse events at the user's sites not yet reported, soonest deadline first (one
    query: the dashboard shows them to everyone who may see treatment data)."""
    sites = principal.sites_with(Permission.TREATMENT_VIEW)
    if not sites:
        return []
    now = utcnow()
    out: list[SaeRow] = []
    with db.sessions() as s:
        q = (select(AdverseEvent, Participant.pseudonym, Site.code)
             .join(Participant, Participant.id == AdverseEvent.participant_id)
             .join(Site, Site.id == Participant.site_id)
             .where(Participant.site_id.in_(sites), AdverseEvent.serious.is_(True),
                    AdverseEvent.reported_at.is_(None), AdverseEvent.aware_at.is_not(None)))
        for ae, pseudonym, code in s.execute(q):
            limit = deadline(ae)
            assert limit is not None and ae.aware_at is not None
            out.append(SaeRow(pseudonym=pseudonym, site_code=code, number=ae.number,
                              term=ae.term, grade=ae.grade, aware_at=ae.aware_at,
                              deadline=limit, overdue=now > limit,
                              hours_left=(limit - now).total_seconds() / 3600))
    return sorted(out, key=lambda r: r.deadline)


def board(db: Database, settings: Settings, principal: Principal) -> SafetyBoard:
    """Serious adverse events not yet reported (with the time left on the 24-hour clock) and
    what falls due this week at the user's sites: blood counts, visits, tumour assessments;
    overdue blood counts first."""
    today = local_today(settings.zone)
    now = utcnow()
    sites = treatment_sites(principal)
    saes: list[SaeRow] = []
    due: list[DueRow] = []
    severe: list[tuple[str, AdverseEvent]] = []
    with db.sessions() as s:
        people = list(s.scalars(select(Participant).where(Participant.site_id.in_(sites))
                                .order_by(Participant.screening_number)))
        for p in people:
            for ae in events_of(s, p):
                limit = deadline(ae)
                if ae.serious and ae.reported_at is None and limit is not None and \
                        ae.aware_at is not None:
                    saes.append(SaeRow(pseudonym=p.pseudonym, site_code=p.site.code,
                                       number=ae.number, term=ae.term, grade=ae.grade,
                                       aware_at=ae.aware_at, deadline=limit,
                                       overdue=now > limit,
                                       hours_left=(limit - now).total_seconds() / 3600))
                if ae.stop_date is None and ae.grade >= 3:
                    severe.append((p.pseudonym, ae))
            if State(p.status) is not State.ON_TREATMENT:
                continue
            _regimen, events = calendar_events(s, settings, p, extra_cycles=2)
            late = {id(e) for e in labs_due(s, p, events, today) if e.date < today}
            for e in events:
                if e.kind == "dose":
                    continue
                if id(e) in late:
                    due.append(DueRow(p.pseudonym, p.site.code, e, True))
                elif today <= e.date <= today + timedelta(days=7):
                    due.append(DueRow(p.pseudonym, p.site.code, e, False))
        s.expunge_all()
    saes.sort(key=lambda r: r.deadline)
    due.sort(key=lambda r: (not r.overdue, r.event.date, r.pseudonym))
    return SafetyBoard(today=today, sae_unreported=saes, due=due, open_grade3=severe)


AE_COLUMNS = ["participant", "site", "arm", "number", "term", "grade", "start_date", "stop_date",
              "serious", "seriousness", "relatedness", "action_taken", "outcome", "aware_at",
              "reported_at"]


def csv_safe(value: object) -> object:
    """A cell a spreadsheet will not run as a formula (OWASP CSV injection): text starting with
    = + - @ or a tab/return gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def ae_listing(db: Database, principal: Principal) -> list[dict[str, object]]:
    """Every adverse event at the user's sites, one row each, for the CSV listing."""
    sites = treatment_sites(principal)
    rows: list[dict[str, object]] = []
    with db.sessions() as s:
        q = (select(AdverseEvent, Participant, Allocation.arm)
             .join(Participant, Participant.id == AdverseEvent.participant_id)
             .outerjoin(Allocation, Allocation.participant_id == Participant.id)
             .where(Participant.site_id.in_(sites))
             .order_by(Participant.screening_number, AdverseEvent.number))
        for ae, p, arm in s.execute(q):
            rows.append({
                "participant": p.pseudonym, "site": p.site.code, "arm": arm or "",
                "number": ae.number, "term": ae.term, "grade": ae.grade,
                "start_date": ae.start_date.isoformat(),
                "stop_date": ae.stop_date.isoformat() if ae.stop_date else "",
                "serious": "Y" if ae.serious else "N",
                "seriousness": ";".join(ae.seriousness),
                "relatedness": ";".join(f"{k}={v}" for k, v in sorted(ae.relatedness.items())),
                "action_taken": ae.action_taken, "outcome": ae.outcome,
                "aware_at": ae.aware_at.isoformat() if ae.aware_at else "",
                "reported_at": ae.reported_at.isoformat() if ae.reported_at else ""})
    rows = [{k: csv_safe(v) for k, v in row.items()} for row in rows]
    return rows


def local_datetime(day: date, at: time | None, settings: Settings) -> datetime:
    """A date and time at the site, as an aware datetime."""
    return datetime.combine(day, at or time(0, 0), tzinfo=settings.zone)
