"""Answers of the course API (``/api/participants/{pseudonym}/course``, consents, follow-up
contacts) and of the dashboard: the JSON ``follow_up.as_json`` and the dashboard route build,
named so the OpenAPI document says what is returned. Dates are ISO strings."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["CourseConsentOut", "CourseContactOut", "CourseEventOut", "CourseOut",
           "DashboardOut", "DueContactOut", "ReconsentOut"]


class CourseEventOut(BaseModel):
    """One move of the participant's state (``from`` and ``to`` are states)."""

    model_config = ConfigDict(populate_by_name=True)

    event: str
    from_status: str = Field(alias="from")
    to: str
    date: str | None
    reason: str | None
    detail: str | None
    recorded_by: str


class CourseConsentOut(BaseModel):
    version: str
    signed_on: str | None
    signed_at: str | None
    obtained_by: str | None
    kind: str


class CourseContactOut(BaseModel):
    contact_date: str | None
    vital_status: str
    death_date: str | None
    death_cause: str | None
    subsequent_therapy: list[dict[str, Any]]
    note: str | None


class CourseOut(BaseModel):
    """A participant's course: state, consent, end of treatment, next survival contact."""

    pseudonym: str
    status: str
    needs_reconsent: bool
    latest_consent_version: str | None
    withdrawn_on: str | None
    end_of_treatment: str | None
    next_contact_due: str | None
    events: list[CourseEventOut]
    consents: list[CourseConsentOut]
    contacts: list[CourseContactOut]


class ReconsentOut(BaseModel):
    pseudonym: str
    site: str
    version_signed: str


class DueContactOut(BaseModel):
    pseudonym: str
    site: str
    due: str
    overdue: bool


class DashboardOut(BaseModel):
    """Counts by state, the flow of participants, reasons of ending, and the work lists."""

    counts: dict[str, int]
    flow: dict[str, int]
    end_of_treatment_reasons: dict[str, int]
    end_of_study_reasons: dict[str, int]
    latest_consent_version: str | None
    reconsent: list[ReconsentOut]
    follow_ups_due: list[DueContactOut]
