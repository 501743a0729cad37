"""The inputs and outputs of oral drug dispensing and accountability (``dispensing.py``; issue 21
item 7, docs/drug-accountability.md)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from dawna.store.models import DoseDiary

__all__ = ["AccountabilityOut", "DiaryIn", "DiaryRow", "DispenseIn", "DispensingRow",
           "DrugIntensity", "ReturnIn"]


class DispenseIn(BaseModel):
    """Bottles of one oral drug dispensed for a cycle."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    cycle: int = Field(ge=1, le=200)
    drug: str = Field(min_length=2, max_length=40)
    dispensed_on: date
    lot_number: str = Field(min_length=1, max_length=40)
    expiry_date: date
    bottles: int = Field(ge=1, le=50)
    units_dispensed: int = Field(ge=1, le=5000)
    unit_strength_mg: float = Field(gt=0, le=5000)
    units_per_day: float = Field(gt=0, le=20)
    prescribed_days: int = Field(ge=1, le=100)
    note: str | None = Field(default=None, max_length=500)


class ReturnIn(BaseModel):
    """What came back of a dispensing (``version``: the one the user saw)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    returned_on: date
    units_returned: int = Field(ge=0, le=5000)
    units_lost: int = Field(default=0, ge=0, le=5000)
    version: int | None = None
    reason: str | None = Field(default=None, max_length=2000)


class DiaryIn(BaseModel):
    """One cycle of the participant's diary for one drug: each day taken (true) or missed."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    cycle: int = Field(ge=1, le=200)
    drug: str = Field(min_length=2, max_length=40)
    days: dict[date, bool] = Field(min_length=1, max_length=100)


class DispensingRow(BaseModel):
    id: int
    cycle: int
    drug: str
    dispensed_on: str
    lot_number: str
    expiry_date: str
    bottles: int
    units_dispensed: int
    unit_strength_mg: float
    units_per_day: float
    prescribed_days: int
    returned_on: str | None
    units_returned: int | None
    units_lost: int
    taken: int | None
    expected: int
    compliance: float | None
    diary_taken: int | None
    diary_missed: int | None
    version: int
    diary_id: int | None = None  # the cycle's dose diary (its queries are marked on the page)


class DiaryRow(BaseModel):
    """One cycle's diary as the form enters it: first and last day, the day numbers missed."""

    id: int
    cycle: int
    drug: str
    first_day: str
    last_day: str
    missed: list[int]
    version: int

    @classmethod
    def of(cls, row: DoseDiary) -> DiaryRow:
        days = sorted(date.fromisoformat(d) for d in row.days)
        return cls(id=row.id, cycle=row.cycle, drug=row.drug, first_day=days[0].isoformat(),
                   last_day=days[-1].isoformat(), version=row.version,
                   missed=[(d - days[0]).days + 1 for d in days if not row.days[d.isoformat()]])


class DrugIntensity(BaseModel):
    drug: str
    cycles: int
    actual_mg: float
    planned_mg: float
    relative_dose_intensity: float | None


class AccountabilityOut(BaseModel):
    participant: str
    dispensings: list[DispensingRow]
    intensities: list[DrugIntensity]
    diaries: list[DiaryRow] = []
