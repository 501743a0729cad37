"""Plain copies of the stored treatment and safety records the services hand out (pages, API,
CLI): the same attribute names as the store's rows, no database session behind them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from operator import attrgetter
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.rules.expedited_reporting import is_susar
from dawna.store.models import AdverseEvent, LabResult, TreatmentPlan

__all__ = ["AdverseEventRow", "LabRow", "PlanRow", "copy_row", "read_rows"]

R = TypeVar("R")

#: each row class's fields in order, as one getter of all of them (made once per class)
_GETTERS: dict[type, Callable[[object], tuple[Any, ...]]] = {}


def _names(cls: type) -> list[str]:
    """The fields of the row class ``cls`` in order (each one a parameter of its ``__init__``,
    so that the copies are made positionally)."""
    names = [f.name for f in fields(cls)]
    assert all(f.init for f in fields(cls)), cls
    return names


def copy_row(cls: type[R], row: object) -> R:
    """A ``cls`` dataclass with the attributes of the stored ``row`` of the same names."""
    get = _GETTERS.get(cls)
    if get is None:
        names = _names(cls)
        # attrgetter of one name gives the value itself, of several a tuple
        get = _GETTERS[cls] = (attrgetter(*names) if len(names) > 1
                               else lambda row: (getattr(row, names[0]),))
    return cls(*get(row))


def read_rows(s: Session, cls: type[R], model: Any, *where: Any, order_by: tuple[Any, ...]
              ) -> list[R]:
    """The ``cls`` copies of the stored ``model`` rows ``where``, in ``order_by``: their
    columns read straight into the copies (no stored objects made on the way: a treatment
    page's hundred laboratory results, issue 23)."""
    columns = [getattr(model, name) for name in _names(cls)]
    return [cls(*row) for row in s.execute(select(*columns).where(*where).order_by(*order_by))]


@dataclass(frozen=True)
class LabRow:
    """A stored laboratory result with its CTCAE grade."""

    id: int
    participant_id: int
    sample_date: date
    analyte: str
    value: float
    unit: str
    lln: float | None
    uln: float | None
    baseline: float | None
    grade: int
    term: str
    rule: str
    recorded_by: str
    recorded_at: datetime
    version: int

    @classmethod
    def of(cls, row: LabResult) -> LabRow:
        return copy_row(cls, row)

    @classmethod
    def of_participant(cls, s: Session, participant_id: int) -> list[LabRow]:
        """The participant's stored results in sample order."""
        return read_rows(s, cls, LabResult, LabResult.participant_id == participant_id,
                         order_by=(LabResult.sample_date, LabResult.id))


@dataclass(frozen=True)
class AdverseEventRow:
    """A stored adverse event."""

    id: int
    participant_id: int
    number: int
    term: str
    grade: int
    start_date: date
    stop_date: date | None
    serious: bool
    seriousness: list[str]
    relatedness: dict[str, str]
    action_taken: str
    outcome: str
    description: str | None
    lab_result_id: int | None
    aware_at: datetime | None
    reported_at: datetime | None
    recorded_by: str
    recorded_at: datetime
    version: int
    expectedness: str | None = None
    rsi_document: str | None = None
    rsi_version: str | None = None

    @property
    def susar(self) -> bool:
        """Serious, related and unexpected (ICH E2A III.A.2); False while expectedness is
        unknown."""
        return self.expectedness is not None and is_susar(
            serious=self.serious, related="related" in self.relatedness.values(),
            expectedness=self.expectedness)

    @classmethod
    def of(cls, row: AdverseEvent) -> AdverseEventRow:
        return copy_row(cls, row)

    @classmethod
    def of_participant(cls, s: Session, participant_id: int) -> list[AdverseEventRow]:
        """The participant's stored adverse events by number."""
        return read_rows(s, cls, AdverseEvent, AdverseEvent.participant_id == participant_id,
                         order_by=(AdverseEvent.number,))


@dataclass(frozen=True)
class PlanRow:
    """A participant's confirmed regimen and starting doses."""

    id: int
    participant_id: int
    arm: str
    regimen_id: str
    variants: dict[str, str]
    measures: dict[str, Any]
    doses: list[dict[str, Any]] = field(hash=False)
    custom_drugs: list[dict[str, Any]] = field(hash=False)
    confirmed_by: str
    confirmed_at: datetime
    version: int
    cycle_length_days: int | None = None
    schedule_confirmed_by: str | None = None
    schedule_confirmed_at: datetime | None = None

    @classmethod
    def of(cls, row: TreatmentPlan) -> PlanRow:
        return copy_row(cls, row)
