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
be changed in place. Cross-field rules call :func:`fail`, which puts the offending sub-path in
the error context; :mod:`dawna.protocol.loader` appends it to the location pydantic reports, so
messages name the exact field (``arms[0].regimen.components[0].days``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Literal

from pydantic import (
    Field,
    model_validator,
)

from dawna.errors import NotFound
from dawna.protocol.common import (
    Comparator,
    DoseUnit,
    Frequency,
    NonNegativeInt,
    PositiveInt,
    Provenance,
    Route,
    SettingValue,
    Slug,
    StrictBool,
    StrictModel,
    Text,
    fail,
)
from dawna.protocol.endpoints import Endpoint, check_endpoints
from dawna.protocol.plausibility import PlausibilitySettings
from dawna.protocol.randomization_config import RandomizationSettings
from dawna.protocol.regimen import (
    Arm,
    ChoiceGroup,
    Condition,
    DoseLevels,
    DrugComponent,
    Intervention,
    Option,
    Procedure,
    Regimen,
    Schedule,
    unique_ids,
)
from dawna.protocol.registry import (
    Contact,
    Design,
    Enrollment,
    FacilityContact,
    Investigator,
    Location,
    Registry,
    RelatedTrial,
    Results,
    Sponsor,
)
from dawna.protocol.safety_reference import RsiDocument, check_rsi_documents, rsi_for
from dawna.protocol.schedule import ScheduleOfActivities, check_schedule

__all__ = [
    "Arm", "ChoiceGroup", "Condition", "Contact", "Criterion", "Design", "DoseLevels", "DoseUnit",
    "DrugComponent", "Eligibility", "Endpoint", "Enrollment", "FacilityContact", "Frequency",
    "Intervention", "Investigator", "Location", "Option", "Procedure", "Protocol", "Provenance",
    "Regimen", "Registry", "RelatedTrial", "Results", "Route", "Schedule", "Setting", "Sponsor",
]

# --- eligibility and settings -------------------------------------------------------------------


class Criterion(StrictModel):
    """One eligibility criterion; ``text_zh`` its Simplified Chinese text, kept with the English
    in the protocol file so an amendment changes both (issue 20, review fix)."""

    id: str
    text: Text
    text_zh: str | None = None
    note: str | None = None

    def text_for(self, locale: str) -> str:
        """The text in ``locale`` ("zh_CN" or "en"), the English where none is given."""
        return self.text_zh if locale.startswith("zh") and self.text_zh else self.text


class Eligibility(StrictModel):
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
            fail("minimum_age_years", f"{self.minimum_age_years} must be below "
                  f"maximum_age_years {self.maximum_age_years}")
        seen: set[str] = set()
        for name, prefix in (("inclusion", "IN"), ("exclusion", "EX")):
            for i, criterion in enumerate(getattr(self, name)):
                if not re.fullmatch(rf"{prefix}[1-9]\d*", criterion.id):
                    fail(f"{name}[{i}].id", f"must match {prefix}<number>")
                if criterion.id in seen:
                    fail(f"{name}[{i}].id", f"duplicate id {criterion.id!r}")
                seen.add(criterion.id)
        return self


class Setting(StrictModel):
    """A number (or switch) a clinical rule uses, with where it comes from; ``label_zh`` its
    label in Simplified Chinese, kept beside the English in the protocol file as criteria keep
    ``text_zh`` (issue 20, review fix)."""

    label: Text
    label_zh: str | None = None
    group: Slug
    value: SettingValue
    unit: str | None = None
    comparator: Comparator | None = None
    status: Provenance
    source: Text
    criteria: tuple[str, ...] = ()
    note: str | None = None

    def label_for(self, locale: str) -> str:
        """The label in ``locale`` ("zh_CN" or "en"), the English where none is given."""
        return self.label_zh if locale.startswith("zh") and self.label_zh else self.label


class ConsentForm(StrictModel):
    """An approved version of the informed consent form (ICH E6(R3) 2.8.1: the version the
    ethics committee approved; every participant signs the version in force and re-consents
    when a new one is approved)."""

    version: Annotated[str, Field(min_length=1, max_length=20)]
    approved: date
    approved_by: Text
    status: Provenance
    note: str | None = None


class Protocol(StrictModel):
    """A whole protocol file. Look-ups raise :class:`dawna.errors.NotFound` for unknown ids."""

    schema_version: Literal[1]
    registry: Registry
    arms: tuple[Arm, ...] = Field(min_length=1)
    eligibility: Eligibility
    site_settings: Mapping[Slug, Setting] = Field(default_factory=dict)
    randomization: RandomizationSettings | None = None
    consent_forms: tuple[ConsentForm, ...] = ()
    rsi_documents: tuple[RsiDocument, ...] = ()
    endpoints: tuple[Endpoint, ...] = ()
    plausibility: PlausibilitySettings | None = None
    schedule: ScheduleOfActivities | None = None

    def rsi(self, drug: str) -> RsiDocument | None:
        """The reference safety information of ``drug`` (ICH E2A II.C), if the protocol names
        one (or one for other drugs)."""
        return rsi_for(self.rsi_documents, drug)

    @property
    def primary_endpoint(self) -> Endpoint | None:
        """The primary endpoint (None when the file declares no endpoints)."""
        return next((e for e in self.endpoints if e.role == "primary"), None)

    def endpoint(self, endpoint_id: str) -> Endpoint:
        for endpoint in self.endpoints:
            if endpoint.id == endpoint_id:
                return endpoint
        raise NotFound(f"no endpoint {endpoint_id!r} in {self.registry.nct_id}",
                       field="endpoint")

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
        unique_ids(self.arms, "arms")
        labels = [arm.label for arm in self.arms]
        for i, label in enumerate(labels):
            if label in labels[:i]:
                fail(f"arms[{i}].label", f"duplicate label {label!r}")
        if self.randomization is not None:
            arm_ids = {arm.id for arm in self.arms}
            for j, code in enumerate(self.randomization.arms):
                if code not in arm_ids:
                    fail(f"randomization.arms[{j}]", f"{code!r} is not an arm of the protocol")
            if set(self.randomization.arms) != arm_ids:
                fail("randomization.arms", "must list every arm of the protocol")
        versions = [form.version for form in self.consent_forms]
        for i, version in enumerate(versions):
            if version in versions[:i]:
                fail(f"consent_forms[{i}].version", f"duplicate version {version!r}")
        check_rsi_documents(self.rsi_documents)
        check_endpoints(self.endpoints)
        if self.schedule is not None:
            check_schedule(self.schedule, {k: v.unit for k, v in self.site_settings.items()},
                           {arm.id: arm.regimen.cycle_length_days for arm in self.arms})
        known = {criterion.id for criterion in self.eligibility.criteria}
        for name, setting in self.site_settings.items():
            for j, ref in enumerate(setting.criteria):
                if ref not in known:
                    fail(f"site_settings.{name}.criteria[{j}]", f"unknown criterion {ref!r}")
        return self
