"""What the FHIR export and the read-only FHIR endpoint read (issue 22 items 5, 7, 8): the trial
from the protocol file and, for the participants of the reader's sites, the plain records of
``exports/fhir_records.py``, read in one query per table (not one session per participant).

What each reader gets (``services/access.py``; PIPL art. 51 minimum necessary; ICH E6(R3) 2.9):
- participants only at the sites where the reader holds ``participant.view`` (any other is
  ``NotFound``, its existence not disclosed);
- identifiers (name, record number, phone, screening number, full birth date) only where the
  reader holds ``identity.view``; otherwise the pseudonym and birth year;
- the allocated arm only where the reader is not kept blind to it (``access.arm_hidden_from``:
  the imaging reader), and doses given only where the reader also holds ``treatment.view``.
The export itself (files, manifest, audit event) is for the data manager (``data.export``) and
the statistician, at their sites (``export_sites``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError as PydanticError
from sqlalchemy import func, select

from dawna.clock import local_today
from dawna.config import Settings
from dawna.errors import NotFound, PermissionDenied
from dawna.exports.fhir_files import trial_resources, write_fhir
from dawna.exports.fhir_records import (
    ArmRecord,
    DoseRecord,
    IdentityRecord,
    MetastasisRecord,
    PathologyRecord,
    ResponseRecord,
    StudyRecord,
    SubjectRecord,
)
from dawna.i18n import _
from dawna.protocol import bundled_protocol
from dawna.rules.recist import evaluate
from dawna.rules.recist_case import (
    Assessment,
    Baseline,
    Case,
    CaseError,
    limits_from,
    settings_from,
)
from dawna.rules.screening_record import ScreeningRecord
from dawna.services.access import Permission, Principal, arm_hidden_from
from dawna.services.export_access import exporter
from dawna.services.export_events import record_export
from dawna.store.db import Database
from dawna.store.models import (
    Allocation,
    Participant,
    ParticipantIdentity,
    PetStudy,
    Screening,
    Site,
    TreatmentCycle,
    TumourAssessment,
)
from dawna.store.uow import UnitOfWork

__all__ = ["FhirExport", "count", "export", "export_sites", "read_sites", "study_record", "subject",
           "subjects"]


@dataclass(frozen=True)
class FhirExport:
    directory: Path
    files: dict[str, int]
    sites: list[str]
    pseudonymized: bool
    event: str


def study_record() -> StudyRecord:
    """The trial from the protocol file's registry block and arms."""
    protocol = bundled_protocol()
    r = protocol.registry
    return StudyRecord(
        nct_id=r.nct_id, org_study_id=r.org_study_id, acronym=r.acronym, title=r.brief_title,
        overall_status=r.overall_status, phase=r.phase, start_date=r.start_date,
        completion_date=r.completion_date, summary=r.brief_summary,
        conditions=tuple(r.conditions),
        arms=tuple(ArmRecord(id=a.id, label=a.label, type=a.type, description=a.description)
                   for a in protocol.arms))


def read_sites(principal: Principal) -> list[int]:
    """The sites whose participants the reader may see."""
    return principal.sites_with(Permission.PARTICIPANT_VIEW)


def export_sites(db: Database, principal: Principal) -> list[tuple[int, str]]:
    """``(id, code)`` of the sites the reader may export as FHIR: where they hold
    ``data.export`` (``docs/exports.md``, :func:`dawna.services.export_access.exporter`)."""
    ids = read_sites(exporter(principal))
    if not ids:
        raise PermissionDenied(_("your roles do not include exporting data"), field="role")
    with UnitOfWork(db) as uow:
        return [(i, c) for i, c in uow.session.execute(
            select(Site.id, Site.code).where(Site.id.in_(ids)).order_by(Site.code)).all()]


def _grouped(rows: Iterable[Any], key: str = "participant_id") -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        out[getattr(row, key)].append(row)
    return out


def _screening(row: Screening | None) -> ScreeningRecord | None:
    if row is None:
        return None
    try:
        return ScreeningRecord.model_validate(row.record)
    except PydanticError:  # pragma: no cover - records are validated when saved
        return None


def _metastases(record: ScreeningRecord | None, pets: list[PetStudy]
                ) -> tuple[MetastasisRecord, ...]:
    out = []
    if record is not None:
        for lesion in record.measurable_lesions or []:
            out.append(MetastasisRecord(lesion.location, record.imaging_date,
                                        "screening imaging"))
        if record.liver_metastases:
            out.append(MetastasisRecord("liver", record.imaging_date, "screening record"))
        if record.cns_metastasis:
            out.append(MetastasisRecord("brain (CNS)", record.imaging_date, "screening record"))
    for study in pets:
        if study.status != "read":
            continue
        for lesion in study.data.get("lesions", []):
            out.append(MetastasisRecord(str(lesion["organ"]), study.scan_date,
                                        f"{study.tracer} PET/CT"))
    return tuple(out)


def _responses(rows: list[TumourAssessment], reference: date | None
               ) -> tuple[ResponseRecord, ...]:
    """RECIST 1.1 overall response of each follow-up (``rules/recist.evaluate``), as the
    tumour page derives it (``services/tumour.py``)."""
    base = next((r for r in rows if r.kind == "baseline"), None)
    if base is None:
        return ()
    follow = sorted((Assessment.model_validate(r.data) for r in rows if r.kind == "follow_up"),
                    key=lambda a: a.date)
    if reference is not None and follow and reference >= follow[0].date:
        reference = None
    protocol = bundled_protocol()
    try:
        result = evaluate(Case(baseline=Baseline.model_validate(base.data), assessments=follow,
                               settings=settings_from(protocol, reference)),
                          limits_from(protocol))
    except CaseError:  # pragma: no cover - assessments are checked when saved
        return ()
    return tuple(ResponseRecord(t.date, t.overall) for t in result.timepoints)


def _doses(cycles: list[TreatmentCycle]) -> tuple[DoseRecord, ...]:
    return tuple(DoseRecord(cycle=c.cycle, given_on=c.start_date, drug=str(d["drug"]),
                            dose=float(d["dose"]), unit=str(d.get("unit") or "mg"),
                            level=d.get("level"))
                 for c in sorted(cycles, key=lambda c: c.cycle) for d in c.doses)


def _pathology(record: ScreeningRecord | None) -> PathologyRecord | None:
    p = record.pathology if record else None
    if p is None:
        return None
    return PathologyRecord(report_date=p.report_date, er=p.er, er_percent=p.er_percent,
                           pr=p.pr, pr_percent=p.pr_percent, her2_ihc=p.her2_ihc,
                           her2_ish=p.her2_ish)


def subjects(db: Database, settings: Settings, principal: Principal, site_ids: list[int],
             pseudonyms: list[str] | None = None,
             progress: Callable[[str], None] | None = None) -> list[SubjectRecord]:
    """The participants at ``site_ids`` (those among them the reader may see; only
    ``pseudonyms`` when given), in screening-number order, each as the reader may see it."""
    sites = [s for s in site_ids if s in set(read_sites(principal))]
    with UnitOfWork(db) as uow:
        s = uow.session
        query = select(Participant).where(Participant.site_id.in_(sites))
        if pseudonyms is not None:
            query = query.where(Participant.pseudonym.in_(pseudonyms))
        people = list(s.scalars(query.order_by(Participant.screening_number)).all())
        ids = [p.id for p in people]
        identity_ids = [p.id for p in people if principal.can(Permission.IDENTITY_VIEW,
                                                              p.site_id)]
        treated_ids = [p.id for p in people
                       if principal.can(Permission.TREATMENT_VIEW, p.site_id)
                       and not arm_hidden_from(principal, p.site_id)]
        identities = {i.participant_id: i for i in s.scalars(select(ParticipantIdentity).where(
            ParticipantIdentity.participant_id.in_(identity_ids))).all()}
        screenings = {r.participant_id: r for r in s.scalars(select(Screening).where(
            Screening.participant_id.in_(ids))).all()}
        allocations = {a.participant_id: a for a in s.scalars(select(Allocation).where(
            Allocation.participant_id.in_(ids))).all()}
        tumours = _grouped(s.scalars(select(TumourAssessment).where(
            TumourAssessment.participant_id.in_(ids))).all())
        pets = _grouped(s.scalars(select(PetStudy).where(PetStudy.participant_id.in_(ids))
                                  .order_by(PetStudy.scan_date, PetStudy.id)).all())
        cycles = _grouped(s.scalars(select(TreatmentCycle).where(
            TreatmentCycle.participant_id.in_(treated_ids))).all())
        out = []
        for p in people:
            out.append(_subject(p, settings, principal, identities.get(p.id),
                                screenings.get(p.id), allocations.get(p.id), tumours[p.id],
                                pets[p.id], cycles[p.id]))
            if progress:
                progress(p.pseudonym)
    return out


def _subject(p: Participant, settings: Settings, principal: Principal,
             identity: ParticipantIdentity | None, screening: Screening | None,
             allocation: Allocation | None, tumours: list[TumourAssessment],
             pets: list[PetStudy], cycles: list[TreatmentCycle]) -> SubjectRecord:
    record = _screening(screening)
    born = record.date_of_birth if record else None
    randomized = (allocation.randomized_at.astimezone(settings.zone).date()
                  if allocation else None)
    show_arm = allocation is not None and not arm_hidden_from(principal, p.site_id)
    return SubjectRecord(
        pseudonym=p.pseudonym, site_code=p.site.code, status=str(p.status),
        consent_date=p.consent_date, sex=record.sex if record else None,
        birth_year=born.year if born else None,
        birth_date=born if identity is not None else None,
        screening_number=p.screening_number if identity is not None else None,
        identity=(IdentityRecord(identity.full_name, identity.medical_record_number,
                                 identity.phone) if identity is not None else None),
        arm=allocation.arm if show_arm and allocation else None,
        randomized_on=randomized if show_arm else None,
        decision_date=record.decision_date if record else None,
        pathology=_pathology(record),
        ecog=record.ecog if record else None,
        ecog_date=(record.decision_date or record.consent_date) if record else None,
        metastases=_metastases(record, pets),
        responses=_responses(tumours, randomized),
        doses=_doses(cycles),
        screened=record is not None)


def count(db: Database, principal: Principal, site_ids: list[int]) -> int:
    """How many participants :func:`subjects` reads at ``site_ids`` (for a progress bar)."""
    sites = [s for s in site_ids if s in set(read_sites(principal))]
    with UnitOfWork(db) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Participant).where(
            Participant.site_id.in_(sites))) or 0)


def subject(db: Database, settings: Settings, principal: Principal, pseudonym: str
            ) -> SubjectRecord:
    """One participant the reader may see; any other is ``NotFound``."""
    found = subjects(db, settings, principal, read_sites(principal), [pseudonym])
    if not found:
        raise NotFound(_("no participant {id} at your sites").format(id=pseudonym),
                       field="participant")
    return found[0]


def export(db: Database, settings: Settings, principal: Principal, directory: Path, base: str,
           progress: Callable[[str], None] | None = None) -> FhirExport:
    """Write the FHIR export of the reader's export sites to ``directory`` (bundle, NDJSON per
    resource type, manifest) and record it in the audit trail."""
    sites = export_sites(db, principal)
    ids = [i for i, _c in sites]
    records = subjects(db, settings, principal, ids)
    resources = trial_resources(study_record(), records, progress)
    pseudonymized = not any(principal.can(Permission.IDENTITY_VIEW, i) for i in ids)
    cut = local_today(settings.zone)
    codes = [c for _i, c in sites]
    files = write_fhir(directory, resources, base, data_cut=cut, pseudonymized=pseudonymized,
                       sites=codes)
    event = record_export(db, principal, "fhir", ids, {
        "data_cut": cut.isoformat(), "pseudonymized": pseudonymized,
        "files": ", ".join(sorted(files)), "resources": len(resources)})
    return FhirExport(directory=directory, files=files, sites=codes,
                      pseudonymized=pseudonymized, event=event)
