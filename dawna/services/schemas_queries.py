"""Commands and answers of queries and source data verification (issue 20 items 1 and 2): the
pydantic models the web forms, the JSON API (``/api/queries``, ``/api/sdv``) and the CLI
validate and return. Times are ISO strings in UTC; ``age_days`` counts site calendar days."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["CheckRunOut", "FormAddress", "QueriesOut", "QueryAnswerIn", "QueryCountOut",
           "QueryCountsOut", "QueryMessageOut", "QueryOut", "QueryRaiseIn", "QueryStepIn",
           "SdvMarkIn", "SdvMarkOut", "SdvMarksOut", "SdvProgressOut", "SdvProgressRowOut"]

_TEXT = 4000


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class FormAddress(_In):
    """A form (``table_name``, ``row_id``) and optionally one of its fields (empty: the form)."""

    table_name: str = Field(min_length=1, max_length=64)
    row_id: str = Field(min_length=1, max_length=64, pattern=r"^[0-9]+$")
    field: str | None = Field(default=None, max_length=200)


class QueryRaiseIn(FormAddress):
    text: str = Field(min_length=1, max_length=_TEXT)


class QueryAnswerIn(_In):
    """``corrected``: the value was corrected on its form (with its reason) and the answer
    links the correction; ``explained``: the value stands, ``text`` says why."""

    text: str = Field(min_length=1, max_length=_TEXT)
    answer_kind: Literal["corrected", "explained"]
    version: int = Field(ge=1)


class QueryStepIn(_In):
    """Close or re-open: the version read; a comment (required to re-open)."""

    text: str = Field(default="", max_length=_TEXT)
    version: int = Field(ge=1)


class SdvMarkIn(FormAddress):
    pass


class QueryMessageOut(BaseModel):
    kind: str
    answer_kind: str | None
    text: str
    actor: str
    at: str
    corrections: list[dict[str, str | None]] = Field(default_factory=list)


class QueryOut(BaseModel):
    id: int
    pseudonym: str
    site_code: str
    table_name: str
    form: str
    row_id: str
    field: str | None
    field_label: str
    status: str
    text: str
    check_id: str | None
    raised_by: str
    raised_at: str
    age_days: int
    version: int
    url: str
    messages: list[QueryMessageOut] = Field(default_factory=list)


class QueriesOut(BaseModel):
    queries: list[QueryOut]


class QueryCountOut(BaseModel):
    site_code: str
    open: int
    answered: int
    closed: int


class QueryCountsOut(BaseModel):
    sites: list[QueryCountOut]


class SdvMarkOut(BaseModel):
    id: int
    pseudonym: str
    table_name: str
    row_id: str
    field: str | None
    verified_by: str
    verified_at: str
    cleared_at: str | None
    cleared_by: str | None
    cleared_reason: str | None
    version: int


class SdvMarksOut(BaseModel):
    marks: list[SdvMarkOut]


class SdvProgressRowOut(BaseModel):
    """Forms entered, forms verified whole, forms with some fields verified; the percent of
    forms verified (None without forms)."""

    key: str
    label: str
    forms: int
    verified: int
    partly: int
    percent: float | None


class SdvProgressOut(BaseModel):
    by: Literal["participant", "form", "site"]
    rows: list[SdvProgressRowOut]


class CheckRunOut(BaseModel):
    """An edit-check run: participants checked, findings, queries raised, findings already
    queried."""

    participants: int
    findings: int
    raised: int
    already: int

