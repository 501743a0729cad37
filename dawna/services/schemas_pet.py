"""Answers of the PET/CT API: a participant's studies with the patient-level summary (as built
by ``summary_json``), the readers' worklist. Dates are ISO strings; lesions as entered
(``dawna.rules.pet.Lesion``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

__all__ = ["LesionCallsOut", "PetStudyOut", "PetSummaryOut", "RegisteredScanOut",
           "WorkItemOut"]


class LesionCallsOut(BaseModel):
    """A lesion's status on FES and on FDG (None where it was not read on that tracer)."""

    fes: str | None
    fdg: str | None
    fes_overridden: bool


class PetStudyOut(BaseModel):
    """One stored study: its row (id, version, status, reader) and the study as entered."""

    id: int
    version: int
    status: str
    read_by: str | None
    tracer: str
    scan_date: str
    read_date: str | None
    injected_mbq: float
    weight_kg: float
    uptake_min: float
    lesions: list[dict[str, Any]]


class PetSummaryOut(BaseModel):
    """The patient-level read (``dawna.rules.pet.PatientSummary``) and the studies."""

    pseudonym: str
    lesions_read: int
    er_positive: int
    at_least_one_er_positive: bool | None
    all_er_negative: bool | None
    heterogeneity: str | None
    fdg_avid: int
    fdg_avid_fes_negative: int
    fdg_avid_fes_negative_share: float | None
    concordance: dict[str, str]
    lesions: dict[str, LesionCallsOut]
    studies: list[PetStudyOut]


class RegisteredScanOut(PetSummaryOut):
    """The summary after registering a scan, with the new study's ``id``."""

    id: int


class WorkItemOut(BaseModel):
    pseudonym: str
    site: str
    study_id: int
    tracer: str
    scan_date: str
