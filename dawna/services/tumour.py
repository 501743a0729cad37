"""Tumour assessments by RECIST 1.1: store a participant's baseline and follow-up assessments,
derive the responses, and refuse anything that breaks the guideline before it is stored.

The clinical rules are ``dawna.rules.recist_case`` (checks) and ``dawna.rules.recist``
(responses; RECIST 1.1, Eisenhauer et al., Eur J Cancer 2009;45:228-247). This module checks
every change against the whole case (a corrected baseline must still fit every follow-up already
entered), keeps dates off the future, stores with an audit trail (the first entry needs no
reason, every change or deletion does: ICH E6(R3) 3.16.1) and refuses saving over someone
else's newer version. The stable-disease interval runs from the randomization date when the
participant is randomized, else from the baseline (admiralonco ``reference_date``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.clock import local_today, utcnow
from dawna.config import Settings
from dawna.errors import ConflictError, NotFound, ProtocolViolation, ValidationError
from dawna.i18n import _, gettext
from dawna.protocol import bundled_protocol
from dawna.rules.recist import RecistResult, evaluate
from dawna.rules.recist_case import (
    Assessment,
    Baseline,
    Case,
    CaseError,
    limits_from,
    settings_from,
)
from dawna.services import lifecycle
from dawna.services.access import Permission, Principal
from dawna.services.participants import public_summary
from dawna.services.schemas import ParticipantPublic
from dawna.services.scope import actor_of, load_visible
from dawna.store.db import Database
from dawna.store.models import Allocation, Participant, TumourAssessment
from dawna.store.uow import UnitOfWork
from dawna.validation import validate

__all__ = ["StoredAssessment", "TumourView", "delete_assessment", "get", "parse_assessment",
           "parse_baseline", "preview", "save_assessment", "save_baseline"]

BASELINE, FOLLOW_UP = "baseline", "follow_up"


@dataclass(frozen=True)
class StoredAssessment:
    id: int
    version: int
    assessment: Assessment
    entered_by: str
    updated_at: datetime


@dataclass(frozen=True)
class TumourView:
    participant: ParticipantPublic
    baseline: Baseline | None
    baseline_version: int | None
    assessments: tuple[StoredAssessment, ...]
    result: RecistResult | None
    reference_date: date | None
    can_edit: bool
    baseline_id: int | None = None  # the baseline's row (its queries are marked on the page)


def parse_baseline(data: dict[str, Any]) -> Baseline:
    return validate(Baseline, data, root="baseline", count_more=True)


def parse_assessment(data: dict[str, Any]) -> Assessment:
    return validate(Assessment, data, root="assessment", count_more=True)


def _reference_date(session: Session, p: Participant, settings: Settings) -> date | None:
    allocation = session.scalars(select(Allocation).where(
        Allocation.participant_id == p.id)).first()
    return allocation.randomized_at.astimezone(settings.zone).date() if allocation else None


def _rows(session: Session, p: Participant) -> tuple[TumourAssessment | None,
                                                     list[TumourAssessment]]:
    rows = session.scalars(select(TumourAssessment).where(
        TumourAssessment.participant_id == p.id).order_by(
        TumourAssessment.assessment_date, TumourAssessment.id)).all()
    baseline = next((r for r in rows if r.kind == BASELINE), None)
    return baseline, [r for r in rows if r.kind == FOLLOW_UP]


def _evaluate(baseline: Baseline, assessments: list[Assessment], reference: date | None,
              changed: str | None = None) -> RecistResult:
    """Evaluate the case; a broken rule is refused naming the field of the document changed
    (``changed`` = "baseline" or the index of the changed follow-up as "assessments[k]")."""
    protocol = bundled_protocol()
    if reference is not None and assessments and reference >= assessments[0].date:
        reference = None  # an assessment before randomization: count SD from the baseline
    case = Case(baseline=baseline, assessments=sorted(assessments, key=lambda a: a.date),
                settings=settings_from(protocol, reference))
    try:
        return evaluate(case, limits_from(protocol))
    except CaseError as exc:
        field = exc.field
        if changed and field.startswith(changed + "."):
            field = field[len(changed) + 1:]
        elif changed == BASELINE and field.startswith("assessments["):
            raise ValidationError(_("this baseline does not fit a follow-up already entered: "
                                    "{problem}").format(problem=exc.message.render(gettext)),
                                  field="lesions") from None
        raise ValidationError(exc.message.render(gettext), field=field) from None


def _view(session: Session, p: Participant, principal: Principal,
          settings: Settings) -> TumourView:
    base_row, rows = _rows(session, p)
    reference = _reference_date(session, p, settings)
    stored = tuple(StoredAssessment(id=r.id, version=r.version,
                                    assessment=Assessment.model_validate(r.data),
                                    entered_by=r.entered_by, updated_at=r.updated_at)
                   for r in rows)
    baseline = Baseline.model_validate(base_row.data) if base_row else None
    result = (_evaluate(baseline, [s.assessment for s in stored], reference)
              if baseline is not None else None)
    return TumourView(participant=public_summary(p), baseline=baseline,
                      baseline_version=base_row.version if base_row else None,
                      assessments=stored, result=result, reference_date=reference,
                      can_edit=principal.can(Permission.TUMOUR_ASSESS, p.site_id),
                      baseline_id=base_row.id if base_row else None)


def get(db: Database, settings: Settings, principal: Principal, pseudonym: str) -> TumourView:
    with UnitOfWork(db) as uow:
        session = uow.session
        return _view(session, load_visible(session, principal, pseudonym), principal, settings)


def _not_future(day: date, settings: Settings, field: str) -> None:
    today = local_today(settings.zone)
    if day > today:
        raise ValidationError(_("is after today at the site ({today}); dates cannot be in the "
                                "future").format(today=today), field=field)


def _change_reason(reason: str | None) -> str:
    if not reason or len(reason.strip()) < 3:
        raise ValidationError(_("a reason is required to change or delete a saved tumour "
                                "assessment"), field="reason")
    return reason.strip()


def _check_version(row: TumourAssessment, expected: int | None) -> None:
    if expected is None:
        raise ValidationError(_("the version of the record you read is required to change it "
                                "(it is now %(version)s)") % {"version": row.version},
                              field="version")
    if expected != row.version:
        raise ConflictError(_("this assessment was changed by someone else since you opened it "
                              "(it is now at version %(version)s); reload and enter your change "
                              "again") % {"version": row.version}, field="version")


def _locked(uow: UnitOfWork, principal: Principal, pseudonym: str, on: date) -> Participant:
    s = uow.session
    p = load_visible(s, principal, pseudonym)
    principal.require(Permission.TUMOUR_ASSESS, p.site_id)
    s.scalars(select(Participant.id).where(Participant.id == p.id).with_for_update()).one()
    lifecycle.require_collecting(s, p, on, "date")
    return p


def _finish(uow: UnitOfWork, p: Participant, principal: Principal,
            settings: Settings) -> TumourView:
    uow.session.flush()  # a concurrent save: StaleDataError, a 409 with the version (the uow)
    view = _view(uow.session, p, principal, settings)
    uow.commit()
    return view


def _store(uow: UnitOfWork, p: Participant, principal: Principal, row: TumourAssessment | None,
           kind: str, on: date, data: dict[str, Any], reason: str | None,
           expected_version: int | None, first_reason: str) -> None:
    """A new document (no reason needed) or a correction (reason and current version)."""
    if row is None:
        uow.set_reason((reason or "").strip() or first_reason)
        uow.session.add(TumourAssessment(participant_id=p.id, kind=kind, assessment_date=on,
                                         data=data, entered_by=principal.username))
        return
    uow.set_reason(_change_reason(reason))
    _check_version(row, expected_version)
    if row.data != data:
        row.data, row.assessment_date = data, on
        row.updated_at, row.entered_by = utcnow(), principal.username


def save_baseline(db: Database, settings: Settings, principal: Principal, pseudonym: str,
                  baseline: Baseline, reason: str | None = None,
                  expected_version: int | None = None) -> TumourView:
    """Record or correct the baseline lesions (RECIST 1.1 §3.2)."""
    _not_future(baseline.date, settings, "date")
    with UnitOfWork(db, actor_of(principal)) as uow:
        s = uow.session
        p = _locked(uow, principal, pseudonym, baseline.date)
        row, rows = _rows(s, p)
        _evaluate(baseline, [Assessment.model_validate(r.data) for r in rows],
                  _reference_date(s, p, settings), changed=BASELINE)
        _store(uow, p, principal, row, BASELINE, baseline.date,
               baseline.model_dump(mode="json"), reason, expected_version,
               _("Tumour baseline entered"))
        return _finish(uow, p, principal, settings)


def save_assessment(db: Database, settings: Settings, principal: Principal, pseudonym: str,
                    assessment: Assessment, reason: str | None = None,
                    assessment_id: int | None = None,
                    expected_version: int | None = None) -> TumourView:
    """Record a follow-up assessment, or correct one (``assessment_id``), RECIST 1.1 §4.3."""
    _not_future(assessment.date, settings, "date")
    for j, scan in enumerate(assessment.scan_dates):
        _not_future(scan, settings, f"scan_dates[{j}]")
    with UnitOfWork(db, actor_of(principal)) as uow:
        s = uow.session
        p = _locked(uow, principal, pseudonym, assessment.date)
        base_row, rows = _rows(s, p)
        if base_row is None:
            raise ProtocolViolation(_("record the baseline lesions before a follow-up "
                                      "assessment (RECIST 1.1 §3.2)"), field="baseline")
        row = _row(rows, assessment_id) if assessment_id is not None else None
        others = [Assessment.model_validate(r.data) for r in rows if r is not row]
        ordered = sorted([*others, assessment], key=lambda a: a.date)
        if any(a.date == assessment.date for a in others):
            raise ValidationError(_("an assessment dated {date} is already recorded").format(
                date=assessment.date.isoformat()), field="date")
        _evaluate(Baseline.model_validate(base_row.data), ordered,
                  _reference_date(s, p, settings),
                  changed=f"assessments[{ordered.index(assessment)}]")
        _store(uow, p, principal, row, FOLLOW_UP, assessment.date,
               assessment.model_dump(mode="json"), reason, expected_version,
               _("Tumour assessment entered"))
        return _finish(uow, p, principal, settings)


def _row(rows: list[TumourAssessment], assessment_id: int) -> TumourAssessment:
    row = next((r for r in rows if r.id == assessment_id), None)
    if row is None:
        raise NotFound(_("no follow-up assessment {id} for this participant").format(
            id=assessment_id), field="assessment")
    return row


def delete_assessment(db: Database, settings: Settings, principal: Principal, pseudonym: str,
                      assessment_id: int, reason: str | None,
                      expected_version: int | None = None) -> TumourView:
    """Delete a follow-up entered in error; the audit trail keeps every value it held."""
    with UnitOfWork(db, actor_of(principal)) as uow:
        s = uow.session
        p = load_visible(s, principal, pseudonym)
        principal.require(Permission.TUMOUR_ASSESS, p.site_id)
        uow.set_reason(_change_reason(reason))
        _, rows = _rows(s, p)
        row = _row(rows, assessment_id)
        _check_version(row, expected_version)
        s.delete(row)
        return _finish(uow, p, principal, settings)


def preview(db: Database, settings: Settings, principal: Principal, pseudonym: str, *,
            baseline: Baseline | None = None, assessment: Assessment | None = None,
            assessment_id: int | None = None) -> RecistResult:
    """The result the case would have with a draft baseline or follow-up (the live result on the
    forms); nothing is stored. Raises the same errors saving would."""
    with UnitOfWork(db) as uow:
        s = uow.session
        p = load_visible(s, principal, pseudonym)
        base_row, rows = _rows(s, p)
        reference = _reference_date(s, p, settings)
        stored = [(r.id, Assessment.model_validate(r.data)) for r in rows]
    if baseline is not None:
        return _evaluate(baseline, [a for _, a in stored], reference, changed=BASELINE)
    if base_row is None:
        raise ProtocolViolation(_("record the baseline lesions before a follow-up assessment "
                                  "(RECIST 1.1 §3.2)"), field="baseline")
    others = [a for i, a in stored if i != assessment_id]
    if assessment is None:
        return _evaluate(Baseline.model_validate(base_row.data), others, reference)
    ordered = sorted([*others, assessment], key=lambda a: a.date)
    return _evaluate(Baseline.model_validate(base_row.data), ordered, reference,
                     changed=f"assessments[{ordered.index(assessment)}]")


def screening_lesions(baseline: Baseline) -> list[dict[str, Any]]:
    """The baseline's measured lesions as the screening form's ``measurable_lesions`` rows, so
    that IN7 ("at least one measurable lesion outside the skull according to RECIST V1.1") is
    judged on the lesions the reader recorded (RECIST 1.1 §3.1; the screening rule decides
    measurability itself)."""
    rows: list[dict[str, Any]] = []
    for lesion in baseline.lesions:
        if lesion.diameter_mm is None:
            continue
        size = "short_axis_mm" if lesion.nodal else "longest_diameter_mm"
        rows.append({"location": f"{lesion.id} {lesion.organ}",
                     "outside_skull": not lesion.intracranial, "lymph_node": lesion.nodal,
                     size: lesion.diameter_mm, "method": lesion.method})
    return rows
