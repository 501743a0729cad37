"""What the form status grid returns (web page, ``/api/form-status``, ``dawna forms status``)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from dawna.rules.messages import N_

__all__ = ["STATES", "STATE_LABELS", "STATE_SYMBOLS", "FormCellOut", "FormColumnOut",
           "FormStatusOut", "OccurrenceOut", "ParticipantFormsOut", "ParticipantRowOut",
           "VisitColumnOut"]

#: The states a cell shows, in the legend's order (REDCap record status dashboard precedent),
#: with their names (message ids) and a symbol each, so that the grid reads without colour.
STATE_LABELS = {"not_due": N_("not due"), "due": N_("due"), "overdue": N_("overdue"),
                "entered": N_("entered"), "queried": N_("queried"), "verified": N_("verified"),
                "signed": N_("signed"), "locked": N_("locked"),
                "not_expected": N_("not expected")}
STATE_SYMBOLS = {"not_due": "○", "due": "◔", "overdue": "!", "entered": "✓", "queried": "?",
                 "verified": "V", "signed": "S", "locked": "L", "not_expected": "—"}
STATES = tuple(STATE_LABELS)


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class FormColumnOut(_Out):
    form: str
    label: str


class VisitColumnOut(_Out):
    """A visit of the schedule (or ``unscheduled``) and its forms, as grid columns."""

    visit: str
    label: str
    forms: list[FormColumnOut]


class FormCellOut(_Out):
    """One visit × form of one participant over its occurrences: the state shown (the most
    urgent), entered / expected so far (expected: not counting those not due yet), the count
    per state, whether one was entered out of its window; for an unscheduled form the
    number entered and its marks."""

    state: str | None
    entered: int
    expected: int
    counts: dict[str, int] = Field(default_factory=dict)
    out_of_window: bool = False
    next_due: date | None = None
    row_id: int | None = None  # the one form entered, when the cell holds exactly one


class ParticipantRowOut(_Out):
    pseudonym: str
    site_code: str
    site_id: int = Field(default=0, exclude=True)  # for the pages' permission checks
    status: str
    cells: dict[str, FormCellOut]  # "visit/form" -> cell; absent: not shown to this user


class FormStatusOut(_Out):
    today: date
    zone: str
    columns: list[VisitColumnOut]
    rows: list[ParticipantRowOut]
    states: list[str]
    total: int
    page: int
    pages: int
    per_page: int
    site: str | None
    state: str | None
    sites: list[str]


class OccurrenceOut(_Out):
    visit: str
    visit_label: str
    number: int
    form: str
    form_label: str
    due: date
    opens: date
    closes: date | None
    state: str
    rows: list[int]
    marks: list[str]
    out_of_window: bool
    detail: str | None


class ParticipantFormsOut(_Out):
    pseudonym: str
    site_code: str
    site_id: int = Field(default=0, exclude=True)  # for the pages' permission checks
    status: str
    today: date
    occurrences: list[OccurrenceOut]
    unscheduled: dict[str, int]
