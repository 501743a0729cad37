"""Answers of the tumour-response API (RECIST 1.1): the derived result as
``dawna recist --format json`` prints it (``dawna.recist_format.result_json``) and a
participant's baseline and follow-up assessments. Dates are ISO strings; the baseline and
assessments as entered (``dawna.rules.recist_case.Baseline`` and ``Assessment``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from dawna.services.schemas import Number

__all__ = ["BestResponseOut", "RecistResultOut", "TimepointOut", "TumourAssessmentOut",
           "TumourOut"]


class TimepointOut(BaseModel):
    """One assessment's sums, changes and responses (RECIST 1.1 §4.3), with the rules applied."""

    date: str
    adt: str
    sum_mm: Number | None
    assessed_sum_mm: Number | None
    nadir_mm: Number | None
    change_from_baseline_pct: Number | None
    change_from_nadir_pct: Number | None
    target: str | None
    non_target: str | None
    new_lesions: str
    overall: str
    rules: list[str]


class BestResponseOut(BaseModel):
    response: str
    date: str | None
    rule: str


class RecistResultOut(BaseModel):
    """The derived result of a RECIST case: every timepoint and the best overall response."""

    baseline_date: str
    baseline_sum_mm: Number | None
    timepoints: list[TimepointOut]
    best_overall_response: str
    best_overall_response_date: str | None
    confirmation_required: bool
    confirmed: BestResponseOut
    unconfirmed: BestResponseOut
    progression_date: str | None
    first_response_date: str | None
    measurable_lesions_outside_skull: int


class TumourAssessmentOut(BaseModel):
    """A stored follow-up assessment: its row (id, version, who entered it, when) and the
    assessment as entered (``Assessment``: date, scan_dates, target, non_target,
    new_lesions), whose fields follow the RECIST case format."""

    model_config = ConfigDict(extra="allow")

    id: int
    version: int
    entered_by: str
    updated_at: str


class TumourOut(BaseModel):
    pseudonym: str
    reference_date: str | None
    baseline: dict[str, Any] | None
    baseline_version: int | None
    assessments: list[TumourAssessmentOut]
    result: RecistResultOut | None
