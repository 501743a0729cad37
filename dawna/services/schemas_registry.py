"""Answers of the registry API (imported ClinicalTrials.gov API v2 records) and of
``/api/study`` (the protocol file)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = ["ProtocolDocument", "RelatedOut", "StudyDetailOut", "StudyRowOut"]


class ProtocolDocument(BaseModel):
    """The protocol file as a document (registry record, arms and regimens, criteria, site
    settings; ``dawna.protocol.schema.Protocol`` dumped by alias). Open-ended: its sections are
    the protocol file's, described by that schema."""

    model_config = ConfigDict(extra="allow")


class StudyRowOut(BaseModel):
    nct_id: str
    title: str
    overall_status: str | None
    phases: str
    conditions: str
    interventions: str


class RelatedOut(BaseModel):
    """An imported study similar to another, with its score and the reasons."""

    nct_id: str
    title: str
    score: float
    reasons: list[str]


class StudyDetailOut(BaseModel):
    """The parts of a v2 record dawna shows (``dawna.protocol.ctgov.ImportedStudy``), its
    eligibility text split into numbered criteria, and related imported studies."""

    nct_id: str
    brief_title: str | None
    official_title: str | None
    acronym: str | None
    overall_status: str | None
    start_date: str | None
    completion_date: str | None
    lead_sponsor: str | None
    brief_summary: str | None
    detailed_description: str | None
    conditions: list[str]
    keywords: list[str]
    study_type: str | None
    phases: list[str]
    enrollment: int | None
    arms: list[dict[str, Any]]
    interventions: list[dict[str, Any]]
    eligibility_text: str | None
    sex: str | None
    minimum_age: str | None
    maximum_age: str | None
    inclusion: list[str]
    exclusion: list[str]
    related: list[RelatedOut]
