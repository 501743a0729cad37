"""Shared vocabularies, constrained types and the base model of the protocol schema."""

from __future__ import annotations

import re
from enum import StrEnum
from itertools import pairwise
from typing import Annotated, Any, Literal, NoReturn

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
)
from pydantic_core import PydanticCustomError


def fail(path: str, message: str) -> NoReturn:
    """Reject the model being validated; ``path`` is relative to it (``inclusion[2].id``)."""
    raise PydanticCustomError("protocol_rule", message, {"path": path})


class Provenance(StrEnum):
    CONFIRMED = "confirmed"
    TO_CONFIRM = "to_confirm"
    SITE_DECISION = "site_decision"


# Registry vocabularies, as in ClinicalTrials.gov API v2 (domain.md §9).
OverallStatus = Literal[
    "NOT_YET_RECRUITING", "RECRUITING", "ENROLLING_BY_INVITATION", "ACTIVE_NOT_RECRUITING",
    "SUSPENDED", "TERMINATED", "COMPLETED", "WITHDRAWN", "UNKNOWN",
]
Phase = Literal["EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA"]
StudyType = Literal["INTERVENTIONAL", "OBSERVATIONAL", "EXPANDED_ACCESS"]
ArmType = Literal[
    "EXPERIMENTAL", "ACTIVE_COMPARATOR", "PLACEBO_COMPARATOR", "SHAM_COMPARATOR",
    "NO_INTERVENTION", "OTHER",
]
InterventionType = Literal["DRUG", "BIOLOGICAL", "PROCEDURE", "RADIATION", "DEVICE", "OTHER"]


class Route(StrEnum):
    PO = "PO"
    IV = "IV"
    IM = "IM"
    SC = "SC"


class Frequency(StrEnum):
    QD = "QD"  # once daily on each listed day (or every day when continuous)
    BID = "BID"  # twice daily on each listed day (or every day when continuous)
    ONCE = "ONCE"  # one administration on each listed day; for a procedure: one time only


class DoseUnit(StrEnum):
    MG = "mg"
    MG_PER_M2 = "mg/m2"  # × body surface area
    AUC = "AUC mg/mL·min"  # carboplatin target AUC (Calvert formula)


SponsorClass = Literal[
    "NIH", "FED", "OTHER_GOV", "INDIV", "INDUSTRY", "NETWORK", "AMBIG", "OTHER", "UNKNOWN"
]
ContactRole = Literal["CONTACT", "PRINCIPAL_INVESTIGATOR", "STUDY_CHAIR", "STUDY_DIRECTOR"]
MenopausalStatus = Literal["pre", "peri", "post"]
Comparator = Literal[">=", "<=", ">", "<", "=="]

Text = Annotated[str, Field(min_length=1)]
NctId = Annotated[str, Field(pattern=r"^NCT\d{8}$")]
Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
PositiveInt = Annotated[int, Field(strict=True, gt=0)]
NonNegativeInt = Annotated[int, Field(strict=True, ge=0)]
Amount = Annotated[float, Field(gt=0)]
StrictBool = Annotated[bool, Field(strict=True)]


def _expand_days(value: Any) -> Any:
    """Accept ``"1-21"`` items in a day list as the days 1 to 21."""
    if not isinstance(value, list | tuple):
        return value
    days: list[Any] = []
    for item in value:
        match = re.fullmatch(r"\s*(\d+)\s*[-–]\s*(\d+)\s*", item) if isinstance(item, str) else None
        if match is None:
            days.append(item)
            continue
        first, last = int(match[1]), int(match[2])
        if first > last:
            raise ValueError(f"day range {item!r} runs backwards")
        days.extend(range(first, last + 1))
    return days


def _increasing(days: tuple[int, ...]) -> tuple[int, ...]:
    if any(b <= a for a, b in pairwise(days)):
        raise ValueError("days must be listed in increasing order without repeats")
    return days


Days = Annotated[
    tuple[PositiveInt, ...],
    Field(min_length=1),
    BeforeValidator(_expand_days),
    AfterValidator(_increasing),
]


def _setting_value(value: Any) -> bool | int | float | str:
    if isinstance(value, bool | int | float | str):
        return value
    raise ValueError("must be a number, true/false or text")


SettingValue = Annotated[bool | int | float | str, PlainValidator(_setting_value)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


