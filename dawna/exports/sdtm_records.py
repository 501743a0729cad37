"""The plain records the SDTM data sets are built from (``exports/sdtm*.py``), read from the store
by ``services/sdtm_data.py`` as of a data cut. Only pseudonyms identify a participant: no name,
medical record number, telephone or birth date crosses this boundary (PIPL art. 51; SDTM needs
no identifier, ``docs/sdtm.md``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

__all__ = ["AdverseEvent", "EcgReading", "Exposure", "History", "LabTest", "Lesion",
           "Medication", "Response", "SdtmInput", "StatusChange", "Subject", "TumourReading",
           "Visit", "VitalSigns"]


@dataclass(frozen=True)
class StatusChange:
    event: str
    on: date
    reason: str | None = None


@dataclass(frozen=True)
class Subject:
    """A consented participant. ``arm`` is None until randomized; ``age`` in whole years at
    consent (the birth date itself stays in the store)."""

    pseudonym: str
    site: str
    consent: date
    age: int | None = None
    sex: str | None = None
    race: str | None = None  # a CDISC RACE term (C74457), when recorded
    ethnicity: str | None = None  # a CDISC ETHNIC term (C66790), when recorded
    arm: str | None = None
    randomized: date | None = None
    decision: date | None = None
    eligible: bool | None = None
    failed_criteria: tuple[str, ...] = ()
    events: tuple[StatusChange, ...] = ()
    death: date | None = None


@dataclass(frozen=True)
class Exposure:
    """One interval of constant dosing of one drug: a dispensing of an oral drug (its prescribed
    days; ``units_*`` for the accountability), a depot injection or an infusion."""

    pseudonym: str
    drug: str
    start: date
    end: date
    dose: float | None
    unit: str | None
    route: str | None
    frequency: str | None
    source: str
    cycle: int | None = None
    lot: str | None = None
    units_dispensed: int | None = None
    units_returned: int | None = None
    units_lost: int | None = None


@dataclass(frozen=True)
class AdverseEvent:
    pseudonym: str
    number: int
    term: str
    grade: int
    start: date
    stop: date | None
    serious: bool
    seriousness: tuple[str, ...]
    related: bool | None
    action: str
    outcome: str
    expectedness: str | None = None
    soc: str | None = None


@dataclass(frozen=True)
class LabTest:
    """One laboratory result: ``test`` is the dawna analyte (``anc``, ``hcg``, ``hbsag``…);
    ``value`` a number or a qualitative result (``POSITIVE``)."""

    pseudonym: str
    test: str
    on: date
    value: float | str
    unit: str | None = None
    low: float | None = None
    high: float | None = None
    grade: int | None = None
    toxicity: str | None = None
    specimen: str | None = None


@dataclass(frozen=True)
class VitalSigns:
    pseudonym: str
    on: date
    timepoint: str
    height_cm: float | None
    weight_kg: float | None
    systolic_mmhg: float | None
    diastolic_mmhg: float | None
    pulse_bpm: float | None
    temperature_c: float | None


@dataclass(frozen=True)
class EcgReading:
    pseudonym: str
    on: date
    timepoint: str
    qt_ms: float
    rr_ms: float | None
    heart_rate_bpm: float | None
    qtcf_ms: float


@dataclass(frozen=True)
class Medication:
    pseudonym: str
    drug: str
    atc_code: str | None
    dose: float | None
    unit: str | None
    route: str
    frequency: str
    indication: str
    start: date
    stop: date | None
    ongoing: bool
    cyp3a: str | None = None


@dataclass(frozen=True)
class History:
    pseudonym: str
    condition: str
    code: str | None
    start: date | None
    stop: date | None
    ongoing: bool


@dataclass(frozen=True)
class Visit:
    """A visit that took place: ``number`` as in the trial visits (``sdtm_design.visit_number``)."""

    pseudonym: str
    visit: str
    number: float
    start: date
    end: date


@dataclass(frozen=True)
class Lesion:
    """A lesion identified at the RECIST baseline (or a new lesion, ``role`` NEW)."""

    pseudonym: str
    lesion: str
    role: str
    organ: str
    method: str
    on: date
    diameter_mm: float | None = None
    nodal: bool = False


@dataclass(frozen=True)
class TumourReading:
    """The measurements of one RECIST assessment (baseline or follow-up): target diameters
    (mm, or None when too small or not evaluated), non-target states, the sum."""

    pseudonym: str
    on: date
    baseline: bool
    target: tuple[tuple[str, float | None], ...]
    non_target: tuple[tuple[str, str], ...]
    sum_mm: float | None


@dataclass(frozen=True)
class Response:
    """RECIST 1.1 responses at one follow-up assessment (``dawna.rules.recist``)."""

    pseudonym: str
    on: date
    target: str | None
    non_target: str | None
    overall: str


@dataclass(frozen=True)
class SdtmInput:
    cutoff: date
    subjects: tuple[Subject, ...]
    exposures: tuple[Exposure, ...] = ()
    adverse_events: tuple[AdverseEvent, ...] = ()
    labs: tuple[LabTest, ...] = ()
    vitals: tuple[VitalSigns, ...] = ()
    ecgs: tuple[EcgReading, ...] = ()
    medications: tuple[Medication, ...] = ()
    history: tuple[History, ...] = ()
    visits: tuple[Visit, ...] = ()
    lesions: tuple[Lesion, ...] = ()
    readings: tuple[TumourReading, ...] = ()
    responses: tuple[Response, ...] = field(default=())
