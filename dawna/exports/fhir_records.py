"""The plain records the FHIR export is built from (``services/fhir_data.py`` fills them from the
store and the protocol file, already scoped to the reader: a field the reader may not see is
``None`` or empty here, never filtered later). ``exports/fhir.py`` and ``exports/fhir_mcode.py``
turn them into FHIR R4 resources (``docs/fhir.md``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

__all__ = ["ArmRecord", "DoseRecord", "IdentityRecord", "MetastasisRecord", "PathologyRecord",
           "ResponseRecord", "StudyRecord", "SubjectRecord"]


@dataclass(frozen=True)
class ArmRecord:
    id: str
    label: str
    type: str
    description: str


@dataclass(frozen=True)
class StudyRecord:
    """The trial from the protocol file's registry block."""

    nct_id: str
    org_study_id: str
    acronym: str
    title: str
    overall_status: str
    phase: str
    start_date: date
    completion_date: date
    summary: str
    conditions: tuple[str, ...]
    arms: tuple[ArmRecord, ...]


@dataclass(frozen=True)
class IdentityRecord:
    """Direct identifiers: only for a reader holding ``identity.view`` at the site."""

    full_name: str
    medical_record_number: str
    phone: str | None


@dataclass(frozen=True)
class PathologyRecord:
    report_date: date | None
    er: str | None
    er_percent: float | None
    pr: str | None
    pr_percent: float | None
    her2_ihc: str | None
    her2_ish: str | None


@dataclass(frozen=True)
class MetastasisRecord:
    """One metastatic location as recorded (screening imaging or a PET lesion): free text and
    the date it was seen."""

    location: str
    seen_on: date | None
    source: str


@dataclass(frozen=True)
class ResponseRecord:
    """The RECIST 1.1 overall response of one follow-up time point."""

    assessed_on: date
    overall: str


@dataclass(frozen=True)
class DoseRecord:
    """One drug given in one treatment cycle (its day-1 date, dose and level)."""

    cycle: int
    given_on: date
    drug: str
    dose: float
    unit: str
    level: int | None


@dataclass(frozen=True)
class SubjectRecord:
    """One participant as the reader may see them. ``birth_date`` is the full date only with
    identifiers; otherwise ``birth_year`` alone is set. ``arm`` is ``None`` for a reader kept
    blind to it; ``doses`` is empty for a reader without treatment data."""

    pseudonym: str
    site_code: str
    status: str
    consent_date: date | None
    sex: str | None
    birth_year: int | None
    birth_date: date | None
    screening_number: str | None
    identity: IdentityRecord | None
    arm: str | None
    randomized_on: date | None
    decision_date: date | None
    pathology: PathologyRecord | None
    ecog: int | None
    ecog_date: date | None
    metastases: tuple[MetastasisRecord, ...] = ()
    responses: tuple[ResponseRecord, ...] = ()
    doses: tuple[DoseRecord, ...] = ()
    screened: bool = field(default=False)
