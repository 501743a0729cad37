"""The registry record, field by field (ClinicalTrials.gov record NCT05861830; API v2 vocabularies,
docs/domain.md §9)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import (
    ConfigDict,
    Field,
    model_validator,
)

from dawna.protocol.common import (
    ContactRole,
    NctId,
    OverallStatus,
    Phase,
    PositiveInt,
    SponsorClass,
    StrictModel,
    StudyType,
    Text,
    fail,
)

# --- registry (the record, field by field) ------------------------------------------------------


class Results(StrictModel):
    status: Literal["PENDING", "POSTED"]
    note: str | None = None


class Enrollment(StrictModel):
    count: PositiveInt
    unit: Literal["participants"] = "participants"


class Design(StrictModel):
    allocation: Literal["RANDOMIZED", "NON_RANDOMIZED", "NA"]
    intervention_model: Literal[
        "SINGLE_GROUP", "PARALLEL", "CROSSOVER", "FACTORIAL", "SEQUENTIAL"
    ]
    primary_purpose: Literal[
        "TREATMENT", "PREVENTION", "DIAGNOSTIC", "SUPPORTIVE_CARE", "SCREENING",
        "HEALTH_SERVICES_RESEARCH", "BASIC_SCIENCE", "DEVICE_FEASIBILITY", "OTHER",
    ]
    masking: Literal["NONE", "SINGLE", "DOUBLE", "TRIPLE", "QUADRUPLE"]


class Sponsor(StrictModel):
    """An organisation; ``class`` in the file (a Python keyword) is ``sponsor_class`` here."""

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)
    name: Text
    sponsor_class: SponsorClass = Field(alias="class")


class Investigator(StrictModel):
    name: Text
    role: Literal["STUDY_CHAIR", "STUDY_DIRECTOR", "PRINCIPAL_INVESTIGATOR", "SUB_INVESTIGATOR"]
    affiliation: str | None = None


class Contact(StrictModel):
    """A central contact of the study."""

    name: Text
    role: ContactRole
    phone: str | None = None
    email: str | None = None


class FacilityContact(StrictModel):
    """A contact at one site: ``primary`` or ``backup`` (as the record shows them)."""

    name: Text
    role: Literal["primary", "backup"]
    phone: str | None = None
    email: str | None = None


class Location(StrictModel):
    facility: Text
    city: Text
    state: str | None = None
    country: Text
    status: OverallStatus
    contacts: tuple[FacilityContact, ...] = ()


class RelatedTrial(StrictModel):
    nct_id: NctId
    title: Text
    status: OverallStatus


class Registry(StrictModel):
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
            fail("completion_date", f"must be after start_date {self.start_date.isoformat()}")
        for i, location in enumerate(self.locations):
            if location.country not in self.countries:
                fail(f"locations[{i}].country", f"{location.country!r} is missing in countries")
        for i, trial in enumerate(self.related_trials):
            if trial.nct_id == self.nct_id:
                fail(f"related_trials[{i}].nct_id", "a trial cannot be related to itself")
        return self


