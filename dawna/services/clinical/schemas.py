"""Inputs and JSON answers of the clinical forms (issue 21 items 1-4): concomitant medications,
medical history, vital signs, ECG. Units are in the field names."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dawna.rules.messages import N_

__all__ = ["ROUTES", "ClinicalOut", "CodedDrugOut", "ConmedIn", "ConmedOut", "ConmedStopIn",
           "EcgIn", "EcgOut",
           "HistoryIn", "HistoryOut", "RecomputedDoseOut", "VitalsIn", "VitalsOut",
           "WeightPromptOut"]

#: Routes of administration (CDISC route terms, the common ones), as the form shows them.
ROUTE_LABELS = {"oral": N_("oral"), "intravenous": N_("intravenous"),
                "subcutaneous": N_("subcutaneous"), "intramuscular": N_("intramuscular"),
                "topical": N_("topical"), "inhalation": N_("inhalation"),
                "rectal": N_("rectal"), "other": N_("other")}
ROUTES = tuple(ROUTE_LABELS)
Route = Literal["oral", "intravenous", "subcutaneous", "intramuscular", "topical", "inhalation",
                "rectal", "other"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class ConmedIn(_In):
    """A concomitant medication: the drug (free text; a name of the coded list gets its ATC
    code), dose and unit, route, frequency, indication, start, stop or ongoing, and the adverse
    event (its number) it was started for."""

    drug: str = Field(min_length=2, max_length=120)
    dose: float | None = Field(default=None, gt=0, le=100000)
    unit: str | None = Field(default=None, max_length=16)
    route: Route
    frequency: str = Field(min_length=1, max_length=24)
    indication: str = Field(min_length=2, max_length=200)
    start_date: date
    stop_date: date | None = None
    ongoing: bool = False
    adverse_event_number: int | None = Field(default=None, ge=1)


class ConmedStopIn(_In):
    """An ongoing medication stopped: the day, and the version the user saw."""

    stop_date: date
    version: int = Field(ge=1)


class HistoryIn(_In):
    """A condition of the medical history (code optional: ICD-10 or MedDRA), its start, stop or
    ongoing, and the day it worsened (after the first dose: an adverse event)."""

    condition: str = Field(min_length=2, max_length=200)
    code: str | None = Field(default=None, max_length=16)
    start_date: date | None = None
    stop_date: date | None = None
    ongoing: bool = True
    worsened_on: date | None = None
    note: str | None = Field(default=None, max_length=1000)


class VitalsIn(_In):
    """Vital signs at a visit (``screening`` or ``cycle N``); weight is required (dosing)."""

    measured_on: date
    timepoint: str = Field(min_length=2, max_length=24)
    height_cm: float | None = None
    weight_kg: float
    systolic_mmhg: float | None = None
    diastolic_mmhg: float | None = None
    pulse_bpm: float | None = None
    temperature_c: float | None = None
    fever_sustained: bool = False


class EcgIn(_In):
    """An ECG as read: QT and the RR interval or the heart rate (one is needed)."""

    recorded_on: date
    timepoint: str = Field(min_length=2, max_length=24)
    qt_ms: float
    rr_ms: float | None = None
    heart_rate_bpm: float | None = None
    torsade: bool = False


class CodedDrugOut(BaseModel):
    name: str
    name_zh: str
    atc: str | None
    cyp3a: str | None


class ConmedOut(BaseModel):
    id: int
    drug: str
    atc_code: str | None
    dose: float | None
    unit: str | None
    route: str
    frequency: str
    indication: str
    start_date: date
    stop_date: date | None
    ongoing: bool
    adverse_event_number: int | None
    cyp3a: str | None
    cyp3a_warning: str | None
    prohibited: bool
    version: int


class HistoryOut(BaseModel):
    id: int
    condition: str
    code: str | None
    start_date: date | None
    stop_date: date | None
    ongoing: bool
    worsened_on: date | None
    adverse_event: bool
    adverse_event_number: int | None
    version: int


class VitalsOut(BaseModel):
    id: int
    measured_on: date
    timepoint: str
    height_cm: float | None
    weight_kg: float
    systolic_mmhg: float | None
    diastolic_mmhg: float | None
    pulse_bpm: float | None
    temperature_c: float | None
    fever_sustained: bool
    febrile: bool
    bsa_m2: float | None
    version: int


class EcgOut(BaseModel):
    id: int
    recorded_on: date
    timepoint: str
    qt_ms: float
    rr_ms: float | None
    heart_rate_bpm: float | None
    qtcf_ms: float
    grade: int
    above_screening_limit: bool
    torsade: bool
    version: int


class RecomputedDoseOut(BaseModel):
    drug: str
    current_dose: float | None
    new_dose: float
    unit: str
    formula: str


class WeightPromptOut(BaseModel):
    """The latest weight against the dosing weight; ``recompute`` when the change reaches the
    protocol setting, with the doses recomputed for the prescriber."""

    dosing_weight_kg: float
    weight_kg: float
    percent: float
    threshold_percent: float
    recompute: bool
    doses: list[RecomputedDoseOut]


class ClinicalOut(BaseModel):
    participant: str
    conmeds: list[ConmedOut]
    history: list[HistoryOut]
    vitals: list[VitalsOut]
    ecgs: list[EcgOut]
    weight_prompt: WeightPromptOut | None
    cyp3a_warnings: list[str]
    qtcf_max_ms: float
    screening_ecg_qtcf_ms: float | None
    screening_record_qtcf_ms: float | None
    can_record: bool
