"""PET/CT studies of a participant: registered when scanned, read lesion by lesion, summarized
(ER status per lesion, FES/FDG concordance, heterogeneity) by ``dawna.rules.pet``.

Rules here: a scan is a trial procedure, so it cannot precede consent nor follow a withdrawal
(ICH E6(R3) 2.8); dates are not in the future; a read is dated on or after its scan, and an
empty read is not a read: it needs its read date and either lesions or the reader's explicit
statement that no lesion is evaluable (issue 18 item 4); an FES scan inside a tamoxifen or
fulvestrant washout window of the screening record's prior lines is flagged (Cerianna label,
:mod:`dawna.rules.evidence`); the first
read needs no reason, every re-read does (ICH E6(R3) 3.16.1); the thresholds come from the
protocol file (``fes_suvmax_er_positive_min``, ``fdg_suvmax_avid_min``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from dawna.clock import local_today, utcnow
from dawna.config import Settings
from dawna.errors import ConflictError, NotFound, ProtocolViolation, ValidationError
from dawna.i18n import _
from dawna.protocol import Protocol, bundled_protocol
from dawna.rules.evidence import current, last_doses, washout_weeks
from dawna.rules.messages import Message
from dawna.rules.pet import (
    Lesion,
    PatientSummary,
    Study,
    Thresholds,
    flags,
    summarize,
    washout_flags,
)
from dawna.rules.screening_record import ScreeningRecord
from dawna.rules.verdict import Case
from dawna.services import lifecycle
from dawna.services.access import Permission, Principal
from dawna.services.participants import public_summary
from dawna.services.schemas import ParticipantPublic
from dawna.services.scope import actor_of, load_visible
from dawna.services.treatment.pretreatment import pregnancy_gate
from dawna.store.db import Database
from dawna.store.models import Participant, PetStudy, Screening, Site
from dawna.store.uow import UnitOfWork
from dawna.validation import validate

__all__ = [
    "PetView",
    "StudyView",
    "WorkItem",
    "get",
    "read",
    "register_scan",
    "thresholds",
    "worklist",
]


def thresholds(protocol: Protocol | None = None) -> Thresholds:
    protocol = protocol or bundled_protocol()
    fes, fdg = protocol.setting("fes_suvmax_er_positive_min"), protocol.setting(
        "fdg_suvmax_avid_min")
    return Thresholds(fes_positive=protocol.setting_number("fes_suvmax_er_positive_min"),
                      fes_comparator=fes.comparator or ">=",
                      fdg_avid=protocol.setting_number("fdg_suvmax_avid_min"),
                      fdg_comparator=fdg.comparator or ">=")


@dataclass(frozen=True)
class StudyView:
    id: int
    version: int
    status: str
    study: Study
    registered_by: str
    read_by: str | None
    updated_at: datetime
    flags: tuple[Message, ...] = ()


@dataclass(frozen=True)
class PetView:
    participant: ParticipantPublic
    studies: tuple[StudyView, ...]
    summary: PatientSummary
    fes: StudyView | None
    fdg: StudyView | None
    can_register: bool
    can_read: bool


def _screening_flags(study: Study, record: ScreeningRecord | None) -> list[Message]:
    """Against the screening record: an FES study inside a washout window of its prior lines
    (Cerianna label), a study older than its window on the decision date (protocol settings
    ``screening_fes_max_age_days``, ``screening_fdg_max_age_days``)."""
    if record is None:
        return []
    case = Case(record, bundled_protocol(), record.decision_date)
    out: list[Message] = []
    if study.tracer == "FES":
        out += [f.reason for f in washout_flags(study.scan_date,
                                                last_doses(record, study.scan_date),
                                                washout_weeks(case))]
    if record.decision_date is not None and study.scan_date <= record.decision_date:
        dated = current(case, "fes" if study.tracer == "FES" else "fdg", study.scan_date,
                        "scan_date")
        out += list(dated.reasons)
    return out


def _views(rows: list[PetStudy], record: ScreeningRecord | None = None) -> list[StudyView]:
    out = []
    for r in rows:
        study = Study.model_validate(r.data)
        out.append(StudyView(id=r.id, version=r.version, status=r.status, study=study,
                             registered_by=r.registered_by, read_by=r.read_by,
                             updated_at=r.updated_at,
                             flags=(*flags(study), *_screening_flags(study, record))))
    return out


def _latest(views: list[StudyView], tracer: str) -> StudyView | None:
    read = [v for v in views if v.study.tracer == tracer and v.status == "read"]
    return max(read, key=lambda v: (v.study.scan_date, v.id)) if read else None


def get(db: Database, principal: Principal, pseudonym: str) -> PetView:
    """The participant's studies and the summary of the latest read FES and FDG studies."""
    with UnitOfWork(db) as uow:
        s = uow.session
        p = load_visible(s, principal, pseudonym)
        form = s.scalars(select(Screening).where(Screening.participant_id == p.id)).first()
        record = ScreeningRecord.model_validate(form.record) if form else None
        views = _views(list(s.scalars(select(PetStudy).where(
            PetStudy.participant_id == p.id).order_by(PetStudy.scan_date, PetStudy.id))), record)
        fes, fdg = _latest(views, "FES"), _latest(views, "FDG")
        return PetView(participant=public_summary(p), studies=tuple(views),
                       summary=summarize(fes.study if fes else None,
                                         fdg.study if fdg else None, thresholds()),
                       fes=fes, fdg=fdg,
                       can_register=principal.can(Permission.PARTICIPANT_EDIT, p.site_id),
                       can_read=principal.can(Permission.PET_READ, p.site_id))


def _check_dates(s: Any, p: Participant, scan: date, settings: Settings) -> None:
    today = local_today(settings.zone)
    if scan > today:
        raise ValidationError(_("is after today at the site ({today}); dates cannot be in the "
                                "future").format(today=today), field="scan_date")
    if p.consent_date is None:
        raise ProtocolViolation(_("no informed consent is recorded; no trial procedure may "
                                  "precede consent (ICH E6(R3) 2.8)"), field="scan_date")
    if scan < p.consent_date:
        raise ValidationError(_("{date} is before the informed consent of {consent}; no trial "
                                "procedure may precede consent (ICH E6(R3) 2.8)").format(
            date=scan.isoformat(), consent=p.consent_date.isoformat()), field="scan_date")
    lifecycle.require_collecting(s, p, scan, "scan_date")


def register_scan(db: Database, settings: Settings, principal: Principal, pseudonym: str,
                  data: dict[str, Any]) -> int:
    """Register a scan (tracer, date, injected activity, weight, uptake time): it then waits on
    the readers' worklist. Returns the study id."""
    study = validate(Study, {**data, "lesions": [], "read_date": None,
                             "no_evaluable_lesion": False}, root="study",
                     count_more=True)
    with UnitOfWork(db, actor_of(principal), _("PET/CT scan registered")) as uow:
        s = uow.session
        p = load_visible(s, principal, pseudonym)
        principal.require(Permission.PARTICIPANT_EDIT, p.site_id)
        _check_dates(s, p, study.scan_date, settings)
        if study.tracer == "FES":  # a positive pregnancy test blocks the scan
            pregnancy_gate(s, p, study.scan_date, "fes_scan")
        duplicate = s.scalars(select(PetStudy).where(
            PetStudy.participant_id == p.id, PetStudy.tracer == study.tracer,
            PetStudy.scan_date == study.scan_date)).first()
        if duplicate is not None:
            raise ValidationError(_("a {tracer} scan dated {date} is already registered").format(
                tracer=study.tracer, date=study.scan_date.isoformat()), field="scan_date")
        row = PetStudy(participant_id=p.id, tracer=study.tracer, scan_date=study.scan_date,
                       status="awaiting_read", data=study.model_dump(mode="json"),
                       registered_by=principal.username)
        s.add(row)
        s.flush()
        study_id = row.id
        uow.commit()
    return study_id


def read(db: Database, settings: Settings, principal: Principal, pseudonym: str, study_id: int,
         lesions: list[dict[str, Any]], read_date: date | None = None,
         reason: str | None = None, expected_version: int | None = None,
         no_evaluable_lesion: bool = False) -> PetView:
    """Record (or correct, with a reason) the lesion read of a registered study."""
    today = local_today(settings.zone)
    if read_date is None:
        raise ValidationError(_("a read needs its read date"), field="read_date")
    if not lesions and not no_evaluable_lesion:
        raise ValidationError(_("a read needs at least one lesion, or the reader's statement "
                                "that no lesion is evaluable"), field="lesions")
    if lesions and no_evaluable_lesion:
        raise ValidationError(_("a read with lesions cannot also state that no lesion is "
                                "evaluable"), field="no_evaluable_lesion")
    on = read_date
    if on > today:
        raise ValidationError(_("is after today at the site ({today}); dates cannot be in the "
                                "future").format(today=today), field="read_date")
    with UnitOfWork(db, actor_of(principal)) as uow:
        s = uow.session
        p = load_visible(s, principal, pseudonym)
        principal.require(Permission.PET_READ, p.site_id)
        row = s.scalars(select(PetStudy).where(PetStudy.id == study_id,
                                               PetStudy.participant_id == p.id)).first()
        if row is None:
            raise NotFound(_("no PET study {id} for this participant").format(id=study_id),
                           field="study")
        if on < row.scan_date:
            raise ValidationError(_("{date} is before the scan ({scan}); a read follows its "
                                    "scan").format(date=on.isoformat(),
                                                   scan=row.scan_date.isoformat()),
                                  field="read_date")
        parsed = []
        for i, x in enumerate(lesions):
            try:
                parsed.append(validate(Lesion, x, root="record", count_more=True))
            except ValidationError as error:
                error.field = f"lesions[{i}]" + (f".{error.field}" if error.field != "record"
                                                 else "")
                raise error from None
        study = validate(Study, {**row.data, "lesions": [x.model_dump() for x in parsed],
                                 "read_date": on, "no_evaluable_lesion": no_evaluable_lesion},
                         root="lesions", count_more=True)
        if row.status == "read":
            if not reason or len(reason.strip()) < 3:
                raise ValidationError(_("a reason is required to change a saved read"),
                                      field="reason")
            if expected_version is not None and expected_version != row.version:
                raise ConflictError(_("this read was changed by someone else since you opened "
                                      "it; reload and enter your change again"), field="version")
            uow.set_reason(reason.strip())
        else:
            uow.set_reason((reason or "").strip() or _("PET/CT read"))
        row.data, row.status, row.read_by = study.model_dump(mode="json"), "read", \
            principal.username
        row.updated_at = utcnow()
        try:
            s.flush()
        except StaleDataError as exc:
            raise ConflictError(_("this read was changed by someone else at the same moment"),
                                field="version") from exc
        uow.commit()
    return get(db, principal, pseudonym)


@dataclass(frozen=True)
class WorkItem:
    pseudonym: str
    site_code: str
    study_id: int
    tracer: str
    scan_date: date


def worklist(db: Database, principal: Principal) -> list[WorkItem]:
    """Studies awaiting a read at the sites where the user reads PET (no arm is shown)."""
    sites = principal.sites_with(Permission.PET_READ)
    with UnitOfWork(db) as uow:
        s = uow.session
        rows = s.execute(select(Participant.pseudonym, Site.code, PetStudy.id, PetStudy.tracer,
                                PetStudy.scan_date)
                         .join(Participant, Participant.id == PetStudy.participant_id)
                         .join(Site, Site.id == Participant.site_id)
                         .where(Participant.site_id.in_(sites),
                                PetStudy.status == "awaiting_read")
                         .order_by(PetStudy.scan_date, PetStudy.id)).all()
    return [WorkItem(*r) for r in rows]


def screening_fes(view: PetView) -> dict[str, Any] | None:
    """The latest FES read as the screening form's ``fes_pet`` (IN2 / EX1)."""
    if view.fes is None:
        return None
    return {"scan_date": view.fes.study.scan_date.isoformat(),
            "lesions_read": view.summary.lesions_read,
            "er_positive_lesions": view.summary.er_positive}


COVARIATE_COLUMNS = ["pseudonym", "site", "fes_scan_date", "fes_lesions_read", "fes_er_positive",
                     "fes_heterogeneity", "fdg_scan_date", "fdg_avid", "fdg_avid_fes_negative",
                     "fdg_avid_fes_negative_share"]


def covariates(db: Database, principal: Principal) -> list[dict[str, Any]]:
    """Baseline PET covariates per participant at the user's sites (the latest read FES and
    FDG studies): the columns the analysis data sets take (domain.md §6 categories)."""
    sites = principal.sites_with(Permission.PARTICIPANT_VIEW)
    with UnitOfWork(db) as uow:
        s = uow.session
        people = s.execute(select(Participant.pseudonym, Site.code)
                           .join(Site, Site.id == Participant.site_id)
                           .where(Participant.site_id.in_(sites))
                           .order_by(Site.code, Participant.screening_number)).all()
    out = []
    for pseudonym, site in people:
        view = get(db, principal, pseudonym)
        if view.fes is None and view.fdg is None:
            continue
        sm = view.summary
        out.append({
            "pseudonym": pseudonym, "site": site,
            "fes_scan_date": view.fes.study.scan_date.isoformat() if view.fes else None,
            "fes_lesions_read": sm.lesions_read if view.fes else None,
            "fes_er_positive": sm.er_positive if view.fes else None,
            "fes_heterogeneity": sm.heterogeneity,
            "fdg_scan_date": view.fdg.study.scan_date.isoformat() if view.fdg else None,
            "fdg_avid": sm.fdg_avid if view.fdg else None,
            "fdg_avid_fes_negative": sm.fdg_avid_fes_negative if view.fdg else None,
            "fdg_avid_fes_negative_share": None if sm.fdg_avid_fes_negative_share is None
            else round(sm.fdg_avid_fes_negative_share, 4)})
    return out
