"""Answers of the screening log API: the CONSORT counts and one row per participant."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from dawna.services.schemas import IsoDateTime

__all__ = ["ConsortCountsOut", "ScreeningLogOut", "ScreeningLogRowOut"]


class ConsortCountsOut(BaseModel):
    assessed: int
    excluded: int
    eligible_signed: int
    eligible_unsigned: int
    incomplete: int
    not_started: int
    excluded_by_criterion: dict[str, int]


class ScreeningLogRowOut(BaseModel):
    """``screening_log.LogRow``; ``outcome`` is not_started, incomplete, eligible or
    ineligible."""

    pseudonym: str
    screening_number: str
    site_code: str
    consent_date: date | None
    status: str
    outcome: str
    failed_criteria: list[str]
    signed_outcome: str | None
    signed_by: str | None
    signed_at: IsoDateTime | None


class ScreeningLogOut(BaseModel):
    counts: ConsortCountsOut
    rows: list[ScreeningLogRowOut]
