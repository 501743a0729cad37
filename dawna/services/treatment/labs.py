"""Laboratory results graded by CTCAE v5.0 (``dawna.rules.ctcae``; NCI 2017, domain.md §4):
recorded and corrected with their grade, graded against the participant's baseline where CTCAE
asks for it (:func:`dawna.rules.ctcae.baseline_value`), and the blood counts due
(:func:`dawna.rules.treatment_calendar.labs_due`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.clock import local_today
from dawna.config import Settings
from dawna.errors import ConflictError, NotFound, ValidationError
from dawna.i18n import _
from dawna.rules import ctcae
from dawna.rules import regimens as rx
from dawna.rules.lifecycle import State
from dawna.rules.treatment_calendar import BLOOD_COUNT_ANALYTES
from dawna.rules.treatment_calendar import labs_due as due_counts
from dawna.services import plausibility
from dawna.services.access import Permission, Principal
from dawna.services.participants import actor_of
from dawna.services.treatment.common import (
    first_dose,
    load_for,
    not_in_future,
    require_collecting,
    rule_error,
)
from dawna.services.treatment.rows import LabRow
from dawna.store.db import Database
from dawna.store.models import LabResult, Participant, TreatmentCycle
from dawna.store.uow import UnitOfWork

__all__ = ["LabIn", "LabValue", "correct_lab", "grade_preview", "lab_of", "labs", "labs_due",
           "participant_labs", "record_lab", "record_labs"]


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
    #: keep a value outside its usual range (``dawna.services.plausibility``; issue 18 item 5)
    confirm_implausible: bool = False


def _baseline(s: Session, p: Participant, key: str, unit: str, before: date) -> float | None:
    """The participant's stored baseline of ``key`` in ``unit`` (the rule:
    :func:`dawna.rules.ctcae.baseline_value`)."""
    results = [ctcae.StoredResult(r.sample_date, r.value, r.unit) for r in s.scalars(
        select(LabResult).where(LabResult.participant_id == p.id, LabResult.analyte == key)
        .order_by(LabResult.sample_date, LabResult.id))]
    return ctcae.baseline_value(key, results, unit, first_dose=first_dose(s, p), before=before)


class LabValue(BaseModel):
    """One laboratory value to grade, as asked (no sample date, nothing stored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    analyte: str = Field(min_length=1, max_length=60)
    value: float
    unit: str = Field(min_length=1, max_length=16)
    lln: float | None = None
    uln: float | None = None
    baseline: float | None = None


def grade_preview(lab: LabIn | LabValue) -> ctcae.LabGrade:
    """The grade of a result as entered (no stored baseline): for the form's live grade and
    the API's grade of a value. An impossible value is refused; an implausible one too, unless
    confirmed, when it is a result to be saved (:class:`LabIn`)."""
    try:
        key = ctcae.analyte_key(lab.analyte)
        unit = ctcae.canonical_unit(key, lab.unit)
    except ctcae.CtcaeError as exc:
        raise rule_error(exc) from None
    plausibility.check_lab(key, lab.value, unit, getattr(lab, "confirm_implausible", True))
    try:
        return ctcae.grade_lab(key, lab.value, unit, lln=lab.lln, uln=lab.uln,
                               baseline=lab.baseline)
    except ctcae.CtcaeError as exc:
        raise rule_error(exc) from None


def record_lab(db: Database, settings: Settings, principal: Principal, pseudonym: str,
               lab: LabIn) -> LabRow:
    """Store a result with its CTCAE grade; ALT, AST, bilirubin and creatinine are graded
    against the participant's stored baseline when it was abnormal (CTCAE v5.0)."""
    return record_labs(db, settings, principal, pseudonym, [lab])[0]


def record_labs(db: Database, settings: Settings, principal: Principal, pseudonym: str,
                results: Sequence[LabIn]) -> list[LabRow]:
    """Store a laboratory report (one or more results) with their CTCAE grades, all or
    nothing: one refused result stores none of them."""
    today = local_today(settings.zone)
    stored: list[LabResult] = []
    with UnitOfWork(db, actor_of(principal), _("Laboratory result")) as uow:
        s = uow.session
        p = load_for(s, principal, pseudonym, Permission.TREATMENT_RECORD)
        checked: set[date] = set()
        for i, lab in enumerate(results):
            prefix = f"results.{i}." if len(results) > 1 else ""
            not_in_future(lab.sample_date, today, f"{prefix}sample_date")
            if lab.sample_date not in checked:  # one report: usually one sample date
                require_collecting(s, p, lab.sample_date, f"{prefix}sample_date")
                checked.add(lab.sample_date)
            try:
                key = ctcae.analyte_key(lab.analyte)
                unit = ctcae.canonical_unit(key, lab.unit)
            except ctcae.CtcaeError as exc:
                raise rule_error(exc, prefix) from None
            plausibility.check_lab(key, lab.value, unit, lab.confirm_implausible, prefix)
            baseline = None
            if lab.baseline is None and ctcae.graded_against_baseline(key):
                baseline = _baseline(s, p, key, unit, lab.sample_date)
            try:
                graded = ctcae.grade_lab(key, lab.value, unit, lln=lab.lln, uln=lab.uln,
                                         baseline=lab.baseline if lab.baseline is not None
                                         else baseline)
            except ctcae.CtcaeError as exc:
                raise rule_error(exc, prefix) from None
            row = LabResult(participant_id=p.id, sample_date=lab.sample_date, analyte=key,
                            value=lab.value, unit=unit, lln=lab.lln, uln=lab.uln,
                            baseline=lab.baseline if lab.baseline is not None else baseline,
                            grade=graded.grade, term=graded.term, rule=str(graded.rule),
                            recorded_by=principal.username)
            s.add(row)
            stored.append(row)
        s.flush()
        out = [LabRow.of(row) for row in stored]
        uow.commit()
    return out


def correct_lab(db: Database, settings: Settings, principal: Principal, pseudonym: str,
                lab_id: int, lab: LabIn, *, version: int, reason: str) -> LabRow:
    """Correct a stored result (a transcription error, the report re-issued): graded again,
    the current version and a reason required; the audit trail keeps the old values."""
    if not reason or len(reason.strip()) < 3:
        raise ValidationError(_("give the reason for the change"), field="reason")
    not_in_future(lab.sample_date, local_today(settings.zone), "sample_date")
    with UnitOfWork(db, actor_of(principal), reason.strip()) as uow:
        s = uow.session
        p = load_for(s, principal, pseudonym, Permission.TREATMENT_RECORD)
        row = s.scalar(select(LabResult).where(LabResult.id == lab_id,
                                               LabResult.participant_id == p.id))
        if row is None:
            raise NotFound(_("no such laboratory result of this participant"), field="lab")
        if row.version != version:
            raise ConflictError(_("the result was changed by someone else (version {v}); "
                                  "reload it and enter your change again").format(
                v=row.version), field="version")
        require_collecting(s, p, lab.sample_date, "sample_date")
        try:
            key = ctcae.analyte_key(lab.analyte)
            unit = ctcae.canonical_unit(key, lab.unit)
        except ctcae.CtcaeError as exc:
            raise rule_error(exc) from None
        plausibility.check_lab(key, lab.value, unit, lab.confirm_implausible)
        baseline = lab.baseline
        first = first_dose(s, p)
        after_first_dose = first is not None and lab.sample_date > first
        if baseline is None and after_first_dose and ctcae.graded_against_baseline(key):
            # a result before the first dose is itself baseline: it is not graded against one
            baseline = _baseline(s, p, key, unit, lab.sample_date)
        try:
            graded = ctcae.grade_lab(key, lab.value, unit, lln=lab.lln, uln=lab.uln,
                                     baseline=baseline)
        except ctcae.CtcaeError as exc:
            raise rule_error(exc) from None
        row.sample_date, row.analyte, row.value, row.unit = lab.sample_date, key, lab.value, unit
        row.lln, row.uln, row.baseline = lab.lln, lab.uln, baseline
        row.grade, row.term, row.rule = graded.grade, graded.term, str(graded.rule)
        s.flush()
        out = LabRow.of(row)
        uow.commit()
    return out


def labs(s: Session, p: Participant) -> list[LabResult]:
    """The participant's stored results in sample order (inside a unit of work)."""
    return list(s.scalars(select(LabResult).where(LabResult.participant_id == p.id)
                          .order_by(LabResult.sample_date, LabResult.id)))


def participant_labs(db: Database, principal: Principal, pseudonym: str) -> list[LabRow]:
    """The participant's laboratory results in sample order."""
    with UnitOfWork(db) as uow:
        p = load_for(uow.session, principal, pseudonym, Permission.TREATMENT_VIEW)
        return LabRow.of_participant(uow.session, p.id)


def lab_of(db: Database, principal: Principal, pseudonym: str, lab_id: int) -> LabRow:
    """One laboratory result of the participant (NotFound when it is not theirs)."""
    row = next((x for x in participant_labs(db, principal, pseudonym) if x.id == lab_id), None)
    if row is None:
        raise NotFound(_("no such laboratory result of this participant"), field="lab")
    return row


def blood_count_days(s: Session, ids: Sequence[int]) -> dict[int, set[date]]:
    """The days each of the participants ``ids`` had a blood count sampled (one statement)."""
    out: dict[int, set[date]] = {}
    for pid, day in s.execute(select(LabResult.participant_id, LabResult.sample_date).where(
            LabResult.participant_id.in_(ids), LabResult.analyte.in_(BLOOD_COUNT_ANALYTES))):
        out.setdefault(pid, set()).add(day)
    return out


def labs_due(s: Session, p: Participant, events: Sequence[rx.CalendarEvent],
             today: date, cycles: Sequence[TreatmentCycle] | None = None,
             sampled: set[date] | None = None) -> list[rx.CalendarEvent]:
    """Blood counts of the calendar due within the next 7 days or overdue (the rule:
    :func:`dawna.rules.treatment_calendar.labs_due`). ``cycles`` (the participant's, by
    number) and ``sampled`` (the days of their blood counts, :func:`blood_count_days`):
    already read by the caller, else read here."""
    first = (first_dose(s, p) if cycles is None  # else cycles already read, cycle 1's start
             else next((c.start_date for c in cycles if c.cycle == 1), None))
    on_treatment = State(p.status) is State.ON_TREATMENT
    if first is None or not on_treatment:
        return []
    if sampled is None:
        sampled = blood_count_days(s, [p.id]).get(p.id, set())
    return due_counts(events, today, first_dose=first, on_treatment=on_treatment,
                      sampled=sampled)
