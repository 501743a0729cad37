"""Pydantic models of a study protocol file (``dawna/protocols/*.yaml``).

Sources
-------
- Registry record NCT05861830 (ClinicalTrials.gov; copy in ``tests/reference/NCT05861830.txt``):
  the ``registry`` block, the arm and intervention texts and the eligibility criteria.
- ClinicalTrials.gov API v2 study record (docs/domain.md §9): the vocabularies of status, phase,
  study type, design, sponsor class, arm and intervention types.
- docs/domain.md §5: regimen structure (dalpiciclib days 1-21 of 28 and dose levels, the five
  endocrine partners, ovarian function suppression, the Arm B chemotherapy options and doses);
  §2, §5, §6: the site settings (organ function, FES threshold, assessment schedule).

Provenance of a clinical number follows domain.md: ``confirmed`` (read in the source named),
``to_confirm`` (widely used, not read in the primary source: show it as such), ``site_decision``
(the record leaves it open; a site may change it).

Every model is frozen and forbids unknown keys; sequences are tuples, so a loaded protocol cannot
be changed in place. Cross-field rules call :func:`_fail`, which puts the offending sub-path in
the error context; :mod:`dawna.protocol.loader` appends it to the location pydantic reports, so
messages name the exact field (``arms[0].regimen.components[0].days``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date
from enum import StrEnum
from itertools import pairwise
from typing import Annotated, Any, Literal, NoReturn

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from dawna.errors import NotFound
from dawna.protocol.randomization_config import RandomizationSettings

__all__ = [
    "Arm", "ChoiceGroup", "Condition", "Contact", "Criterion", "Design", "DoseLevels", "DoseUnit",
    "DrugComponent", "Eligibility", "Enrollment", "FacilityContact", "Frequency", "Intervention",
    "Investigator", "Location", "Option", "Procedure", "Protocol", "Provenance", "Regimen",
    "Registry", "RelatedTrial", "Results", "Route", "Schedule", "Setting", "Sponsor",
]


def _fail(path: str, message: str) -> NoReturn:
    """Reject the model being validated; ``path`` is relative to it (``inclusion[2].id``)."""
    raise PydanticCustomError("protocol_rule", message, {"path": path})


class Provenance(StrEnum):
    CONFIRMED = "confirmed"
    TO_CONFIRM = "to_confirm"
    SITE_DECISION = "site_decision"


# Registry vocabularies, as in ClinicalTrials.gov API v2 (domain.md §9).
OverallStatus = Literal[
    "NOT_YET_RECRUITING", "RECRUITING", "ENROLLING_BY_INVITATION", "ACTIVE_NOT_RECRUITING",
    "SUSPENDED", "TERMINATED", "COMPLETED", "WITHDRAWN", "UNKNOWN",
]
Phase = Literal["EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA"]
StudyType = Literal["INTERVENTIONAL", "OBSERVATIONAL", "EXPANDED_ACCESS"]
ArmType = Literal[
    "EXPERIMENTAL", "ACTIVE_COMPARATOR", "PLACEBO_COMPARATOR", "SHAM_COMPARATOR",
    "NO_INTERVENTION", "OTHER",
]
InterventionType = Literal["DRUG", "BIOLOGICAL", "PROCEDURE", "RADIATION", "DEVICE", "OTHER"]


class Route(StrEnum):
    PO = "PO"
    IV = "IV"
    IM = "IM"
    SC = "SC"


class Frequency(StrEnum):
    QD = "QD"  # once daily on each listed day (or every day when continuous)
    BID = "BID"  # twice daily on each listed day (or every day when continuous)
    ONCE = "ONCE"  # one administration on each listed day; for a procedure: one time only


class DoseUnit(StrEnum):
    MG = "mg"
    MG_PER_M2 = "mg/m2"  # × body surface area
    AUC = "AUC mg/mL·min"  # carboplatin target AUC (Calvert formula)


SponsorClass = Literal[
    "NIH", "FED", "OTHER_GOV", "INDIV", "INDUSTRY", "NETWORK", "AMBIG", "OTHER", "UNKNOWN"
]
ContactRole = Literal["CONTACT", "PRINCIPAL_INVESTIGATOR", "STUDY_CHAIR", "STUDY_DIRECTOR"]
MenopausalStatus = Literal["pre", "peri", "post"]
Comparator = Literal[">=", "<=", ">", "<", "=="]

Text = Annotated[str, Field(min_length=1)]
NctId = Annotated[str, Field(pattern=r"^NCT\d{8}$")]
Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
PositiveInt = Annotated[int, Field(strict=True, gt=0)]
NonNegativeInt = Annotated[int, Field(strict=True, ge=0)]
Amount = Annotated[float, Field(gt=0)]
StrictBool = Annotated[bool, Field(strict=True)]


def _expand_days(value: Any) -> Any:
    """Accept ``"1-21"`` items in a day list as the days 1 to 21."""
    if not isinstance(value, list | tuple):
        return value
    days: list[Any] = []
    for item in value:
        match = re.fullmatch(r"\s*(\d+)\s*[-–]\s*(\d+)\s*", item) if isinstance(item, str) else None
        if match is None:
            days.append(item)
            continue
        first, last = int(match[1]), int(match[2])
        if first > last:
            raise ValueError(f"day range {item!r} runs backwards")
        days.extend(range(first, last + 1))
    return days


def _increasing(days: tuple[int, ...]) -> tuple[int, ...]:
    if any(b <= a for a, b in pairwise(days)):
        raise ValueError("days must be listed in increasing order without repeats")
    return days


Days = Annotated[
    tuple[PositiveInt, ...],
    Field(min_length=1),
    BeforeValidator(_expand_days),
    AfterValidator(_increasing),
]


def _setting_value(value: Any) -> bool | int | float | str:
    if isinstance(value, bool | int | float | str):
        return value
    raise ValueError("must be a number, true/false or text")


SettingValue = Annotated[bool | int | float | str, PlainValidator(_setting_value)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- registry (the record, field by field) ------------------------------------------------------


class Results(_Model):
    status: Literal["PENDING", "POSTED"]
    note: str | None = None


class Enrollment(_Model):
    count: PositiveInt
    unit: Literal["participants"] = "participants"


class Design(_Model):
    allocation: Literal["RANDOMIZED", "NON_RANDOMIZED", "NA"]
    intervention_model: Literal[
        "SINGLE_GROUP", "PARALLEL", "CROSSOVER", "FACTORIAL", "SEQUENTIAL"
    ]
    primary_purpose: Literal[
        "TREATMENT", "PREVENTION", "DIAGNOSTIC", "SUPPORTIVE_CARE", "SCREENING",
        "HEALTH_SERVICES_RESEARCH", "BASIC_SCIENCE", "DEVICE_FEASIBILITY", "OTHER",
    ]
    masking: Literal["NONE", "SINGLE", "DOUBLE", "TRIPLE", "QUADRUPLE"]


class Sponsor(_Model):
    """An organisation; ``class`` in the file (a Python keyword) is ``sponsor_class`` here."""

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)
    name: Text
    sponsor_class: SponsorClass = Field(alias="class")


class Investigator(_Model):
    name: Text
    role: Literal["STUDY_CHAIR", "STUDY_DIRECTOR", "PRINCIPAL_INVESTIGATOR", "SUB_INVESTIGATOR"]
    affiliation: str | None = None


class Contact(_Model):
    """A central contact of the study."""

    name: Text
    role: ContactRole
    phone: str | None = None
    email: str | None = None


class FacilityContact(_Model):
    """A contact at one site: ``primary`` or ``backup`` (as the record shows them)."""

    name: Text
    role: Literal["primary", "backup"]
    phone: str | None = None
    email: str | None = None


class Location(_Model):
    facility: Text
    city: Text
    state: str | None = None
    country: Text
    status: OverallStatus
    contacts: tuple[FacilityContact, ...] = ()


class RelatedTrial(_Model):
    nct_id: NctId
    title: Text
    status: OverallStatus


class Registry(_Model):
    nct_id: NctId
    org_study_id: Text
    acronym: Text
    brief_title: Text
    last_updated: date
    results: Results
    overall_status: OverallStatus
    phase: Phase
    study_type: StudyType
    enrollment: Enrollment
    start_date: date
    completion_date: date
    brief_summary: Text
    detailed_description: Text
    conditions: tuple[Text, ...] = Field(min_length=1)
    design: Design
    lead_sponsor: Sponsor
    collaborators: tuple[Sponsor, ...] = ()
    responsible_party: Literal["SPONSOR", "PRINCIPAL_INVESTIGATOR", "SPONSOR_INVESTIGATOR"]
    investigators: tuple[Investigator, ...] = ()
    central_contacts: tuple[Contact, ...] = ()
    locations: tuple[Location, ...] = ()
    countries: tuple[Text, ...] = ()
    related_trials: tuple[RelatedTrial, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> Registry:
        if self.completion_date <= self.start_date:
            _fail("completion_date", f"must be after start_date {self.start_date.isoformat()}")
        for i, location in enumerate(self.locations):
            if location.country not in self.countries:
                _fail(f"locations[{i}].country", f"{location.country!r} is missing in countries")
        for i, trial in enumerate(self.related_trials):
            if trial.nct_id == self.nct_id:
                _fail(f"related_trials[{i}].nct_id", "a trial cannot be related to itself")
        return self


# --- arms and regimens (domain.md §5) -----------------------------------------------------------


class DoseLevels(_Model):
    """Dose-reduction levels, starting dose first; below the last level: discontinue."""

    levels: tuple[Amount, ...] = Field(min_length=1)
    provenance: Provenance
    source: Text


class DrugComponent(_Model):
    """One drug of a regimen: a fixed ``dose`` or a ``dose_min``..``dose_max`` range per
    administration, on cycle ``days`` (with per-cycle ``cycle_overrides``) or ``continuous``."""

    drug: Text
    dose: Amount | None = None
    dose_min: Amount | None = None
    dose_max: Amount | None = None
    unit: DoseUnit
    route: Route
    frequency: Frequency
    days: Days | None = None
    continuous: StrictBool = False
    cycle_overrides: Mapping[Annotated[int, Field(gt=0)], Days] = Field(default_factory=dict)
    dose_levels: DoseLevels | None = None
    provenance: Provenance
    source: Text
    note: str | None = None

    def days_in_cycle(self, cycle: int) -> tuple[int, ...] | None:
        """Cycle days of administration in ``cycle`` (1-based); None when continuous."""
        return self.cycle_overrides.get(cycle, self.days)

    @model_validator(mode="after")
    def _check(self) -> DrugComponent:
        ranged = self.dose_min is not None or self.dose_max is not None
        if self.dose is not None and ranged:
            _fail("dose", "give either dose or dose_min and dose_max, not both")
        if self.dose is None and not ranged:
            _fail("dose", "a dose (or dose_min and dose_max) is required")
        if ranged:
            if self.dose_min is None:
                _fail("dose_min", "is required with dose_max")
            if self.dose_max is None:
                _fail("dose_max", "is required with dose_min")
            if self.dose_min > self.dose_max:
                _fail("dose_min", f"{self.dose_min:g} must not exceed dose_max {self.dose_max:g}")
        if self.continuous and (self.days is not None or self.cycle_overrides):
            _fail("days", "continuous dosing takes no days or cycle_overrides")
        if not self.continuous and self.days is None:
            _fail("days", "give the cycle days, or continuous: true")
        if self.dose_levels is not None:
            levels = self.dose_levels.levels
            if self.dose is None or levels[0] != self.dose:
                _fail("dose_levels.levels[0]", "must equal the starting dose")
            if any(b >= a for a, b in pairwise(levels)):
                _fail("dose_levels.levels", "must decrease from one level to the next")
        return self


class Procedure(_Model):
    name: Text
    frequency: Literal[Frequency.ONCE] = Frequency.ONCE
    provenance: Provenance
    source: Text


class Schedule(_Model):
    """Drugs given together, or a one-time procedure."""

    id: Slug
    label: Text
    components: tuple[DrugComponent, ...] = ()
    procedure: Procedure | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _check_content(self) -> Schedule:
        if bool(self.components) == (self.procedure is not None):
            _fail("components", "give either drug components or a procedure")
        return self


class Option(Schedule):
    """One option of a choice group; ``alternatives`` are variants of it (e.g. weekly dosing)."""

    registry_text: str | None = None
    alternatives: tuple[Schedule, ...] = ()


class Condition(_Model):
    menopausal_status: tuple[MenopausalStatus, ...] = Field(min_length=1)


class ChoiceGroup(_Model):
    """Exactly one option is given to each patient the group applies to (``required_when``
    None = every patient of the arm)."""

    id: Slug
    label: Text
    required_when: Condition | None = None
    options: tuple[Option, ...] = Field(min_length=1)
    physician_entered_allowed: StrictBool = False
    note: str | None = None

    def option(self, option_id: str) -> Option:
        for option in self.options:
            if option.id == option_id:
                return option
        raise NotFound(f"no option {option_id!r} in {self.id}", field="option")


class Regimen(_Model):
    cycle_length_days: PositiveInt
    components: tuple[DrugComponent, ...] = ()
    choices: tuple[ChoiceGroup, ...] = ()
    note: str | None = None

    @property
    def physician_entered_allowed(self) -> bool:
        return any(group.physician_entered_allowed for group in self.choices)

    def choice(self, group_id: str) -> ChoiceGroup:
        for group in self.choices:
            if group.id == group_id:
                return group
        raise NotFound(f"no choice group {group_id!r}", field="choice")

    def iter_components(self) -> Iterator[tuple[str, DrugComponent]]:
        """Every drug component with its path relative to the regimen."""
        for i, component in enumerate(self.components):
            yield f"components[{i}]", component
        for g, group in enumerate(self.choices):
            for o, option in enumerate(group.options):
                base = f"choices[{g}].options[{o}]"
                schedules = [(base, option)] + [
                    (f"{base}.alternatives[{a}]", alt) for a, alt in enumerate(option.alternatives)
                ]
                for path, schedule in schedules:
                    for c, component in enumerate(schedule.components):
                        yield f"{path}.components[{c}]", component

    @model_validator(mode="after")
    def _check(self) -> Regimen:
        if not self.components and not self.choices:
            _fail("components", "a regimen needs components or choices")
        n = self.cycle_length_days
        for path, component in self.iter_components():
            lists = [("days", component.days or ())] + [
                (f"cycle_overrides.{cycle}", days)
                for cycle, days in component.cycle_overrides.items()
            ]
            for where, days in lists:
                for day in days:
                    if day > n:
                        _fail(f"{path}.{where}", f"day {day} is outside the {n}-day cycle (1-{n})")
        _unique_ids(self.choices, "choices")
        for g, group in enumerate(self.choices):
            ids = [*group.options, *(alt for o in group.options for alt in o.alternatives)]
            _unique_ids(ids, f"choices[{g}].options")
        return self


def _unique_ids(items: Any, path: str) -> None:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item.id in seen:
            _fail(f"{path}[{i}].id", f"duplicate id {item.id!r}")
        seen.add(item.id)


class Intervention(_Model):
    type: InterventionType
    name: Text
    registry_text: Text


class Arm(_Model):
    id: Annotated[str, Field(pattern=r"^[A-Z]$")]
    label: Text
    type: ArmType
    description: Text
    intervention: Intervention
    regimen: Regimen


# --- eligibility and settings -------------------------------------------------------------------


class Criterion(_Model):
    id: str
    text: Text
    note: str | None = None


class Eligibility(_Model):
    minimum_age_years: NonNegativeInt
    maximum_age_years: PositiveInt | None = None
    sex: Literal["ALL", "FEMALE", "MALE"]
    healthy_volunteers: StrictBool
    inclusion: tuple[Criterion, ...] = Field(min_length=1)
    exclusion: tuple[Criterion, ...] = ()

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        return self.inclusion + self.exclusion

    @model_validator(mode="after")
    def _check(self) -> Eligibility:
        if self.maximum_age_years is not None and self.minimum_age_years >= self.maximum_age_years:
            _fail("minimum_age_years", f"{self.minimum_age_years} must be below "
                  f"maximum_age_years {self.maximum_age_years}")
        seen: set[str] = set()
        for name, prefix in (("inclusion", "IN"), ("exclusion", "EX")):
            for i, criterion in enumerate(getattr(self, name)):
                if not re.fullmatch(rf"{prefix}[1-9]\d*", criterion.id):
                    _fail(f"{name}[{i}].id", f"must match {prefix}<number>")
                if criterion.id in seen:
                    _fail(f"{name}[{i}].id", f"duplicate id {criterion.id!r}")
                seen.add(criterion.id)
        return self


class Setting(_Model):
    """A number (or switch) a clinical rule uses, with where it comes from."""

    label: Text
    group: Slug
    value: SettingValue
    unit: str | None = None
    comparator: Comparator | None = None
    status: Provenance
    source: Text
    criteria: tuple[str, ...] = ()
    note: str | None = None


class Protocol(_Model):
    """A whole protocol file. Look-ups raise :class:`dawna.errors.NotFound` for unknown ids."""

    schema_version: Literal[1]
    registry: Registry
    arms: tuple[Arm, ...] = Field(min_length=1)
    eligibility: Eligibility
    site_settings: Mapping[Slug, Setting] = Field(default_factory=dict)
    randomization: RandomizationSettings | None = None

    def arm(self, arm_id: str) -> Arm:
        for arm in self.arms:
            if arm.id == arm_id:
                return arm
        raise NotFound(f"no arm {arm_id!r} in {self.registry.nct_id}", field="arm")

    def criterion(self, criterion_id: str) -> Criterion:
        for criterion in self.eligibility.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise NotFound(f"no criterion {criterion_id!r} in {self.registry.nct_id}",
                       field="criterion")

    def setting(self, name: str) -> Setting:
        try:
            return self.site_settings[name]
        except KeyError:
            raise NotFound(f"no site setting {name!r}", field="setting") from None

    def setting_number(self, name: str) -> float:
        """The numeric value of a setting (NotFound / TypeError if missing / not a number)."""
        value = self.setting(name).value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"site setting {name!r} is not a number: {value!r}")
        return float(value)

    @model_validator(mode="after")
    def _check(self) -> Protocol:
        _unique_ids(self.arms, "arms")
        labels = [arm.label for arm in self.arms]
        for i, label in enumerate(labels):
            if label in labels[:i]:
                _fail(f"arms[{i}].label", f"duplicate label {label!r}")
        known = {criterion.id for criterion in self.eligibility.criteria}
        for name, setting in self.site_settings.items():
            for j, ref in enumerate(setting.criteria):
                if ref not in known:
                    _fail(f"site_settings.{name}.criteria[{j}]", f"unknown criterion {ref!r}")
        return self
