"""The building blocks of the screening case report form (``rules.screening_record``): the
frozen form model, error locations, and the laboratory measurements with their units
(:mod:`dawna.rules.units`) and limits of normal. Each error names its field, as the record's do."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from dawna.rules.units import (
    BilirubinUnit,
    CountUnit,
    CreatinineUnit,
    EnzymeUnit,
    HemoglobinUnit,
)

Loc = tuple[str | int, ...]


def dotted(loc: Loc) -> str:
    """``("treatment_lines", 1, "stop_date")`` -> ``treatment_lines[1].stop_date``."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else part)
    return path


def refuse(model: str, errors: list[tuple[Loc, str, Any]]) -> None:
    """Raise one pydantic error per (location, message, input), located at the named field."""
    if errors:
        raise ValidationError.from_exception_data(model, [
            InitErrorDetails(type=PydanticCustomError("screening_rule", message), loc=loc,
                             input=value)
            for loc, message, value in errors])


class Form(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_VALUE = "Result in the unit given."
_ULN = "Upper limit of normal of the reporting laboratory, in the same unit as the value."
_LLN = "Lower limit of normal, in the same unit as the value (optional)."


class _Measurement(Form):
    value: float = Field(ge=0, description=_VALUE)
    uln: float | None = Field(None, gt=0, description=_ULN)
    lln: float | None = Field(None, gt=0, description=_LLN)

    @model_validator(mode="after")
    def _check_limits(self) -> _Measurement:
        if self.lln is not None and self.uln is not None and self.lln >= self.uln:
            refuse(type(self).__name__, [(("lln",), f"must be below uln ({self.uln:g})",
                                           self.lln)])
        return self


class CountMeasurement(_Measurement):
    """A blood cell count."""

    unit: CountUnit = Field(description="10^9/L, /mm3 or cells/uL (1000 /mm3 = 1 ×10⁹/L).")


class HemoglobinMeasurement(_Measurement):
    """Haemoglobin."""

    unit: HemoglobinUnit = Field(description="g/L, g/dL or mmol/L.")


class _UlnMeasurement(_Measurement):
    uln: float = Field(gt=0, description=_ULN)


class BilirubinMeasurement(_UlnMeasurement):
    """Total bilirubin, with the laboratory's ULN."""

    unit: BilirubinUnit = Field(description="umol/L or mg/dL (1 mg/dL = 17.1 µmol/L).")


class EnzymeMeasurement(_UlnMeasurement):
    """ALT or AST, with the laboratory's ULN."""

    unit: EnzymeUnit = Field(description="U/L.")


class CreatinineMeasurement(_UlnMeasurement):
    """Serum creatinine, with the laboratory's ULN."""

    unit: CreatinineUnit = Field(description="umol/L or mg/dL (1 mg/dL = 88.4 µmol/L).")


class Labs(Form):
    """Screening laboratory values and ECG (each empty until the result is back)."""

    collection_date: date | None = Field(None, description="Date the samples were taken.")
    anc: CountMeasurement | None = Field(None, description="Absolute neutrophil count.")
    platelets: CountMeasurement | None = Field(None, description="Platelet count.")
    hemoglobin: HemoglobinMeasurement | None = Field(None, description="Haemoglobin.")
    total_bilirubin: BilirubinMeasurement | None = Field(None, description="Total bilirubin.")
    alt: EnzymeMeasurement | None = Field(None, description="Alanine aminotransferase.")
    ast: EnzymeMeasurement | None = Field(None, description="Aspartate aminotransferase.")
    creatinine: CreatinineMeasurement | None = Field(None, description="Serum creatinine.")
    creatinine_clearance_ml_min: Annotated[float, Field(ge=0)] | None = Field(
        None, description="Creatinine clearance in mL/min (measured or Cockcroft-Gault).")
    qtcf_ms: Annotated[float, Field(gt=0)] | None = Field(
        None, description="QT interval corrected by Fridericia's formula, in ms.")
