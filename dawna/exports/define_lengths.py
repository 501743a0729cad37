"""DataType, Length and SignificantDigits of a variable from the values being exported
(Define-XML 2.1 §4.3.3: Length is the longest value, text in bytes; SignificantDigits the
most decimals of a float), shared by the ADaM and SDTM adapters (``docs/define-xml.md``).
Numbers named ``*DT`` holding dates are SAS dates (days since 1960-01-01, DATE9.), as
``exports/adam_files.py`` writes them."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from dawna.exports.adam_files import SAS_EPOCH

__all__ = ["missing", "shape", "values_of"]


def missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT


def values_of(df: pd.DataFrame, column: str) -> list[object]:
    return [v for v in df[column].tolist() if not missing(v) and v != ""]


def _decimals(value: float) -> int:
    text = f"{value:.10f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


def shape(name: str, kind: str, values: list[object]) -> dict[str, object]:
    """DataType, Length, SignificantDigits and DisplayFormat from the values exported."""
    if kind == "Char":
        return {"data_type": "text",
                "length": max([len(str(v).encode("utf-8")) for v in values] or [1])}
    if name.endswith("DT") and all(isinstance(v, date) for v in values):
        days = [abs((v - SAS_EPOCH).days) for v in values]  # type: ignore[operator]
        return {"data_type": "integer", "length": max([len(str(d)) for d in days] or [1]),
                "display_format": "DATE9."}
    numbers = [float(v) for v in values]  # type: ignore[arg-type]
    whole = [len(str(abs(int(v)))) + (v < 0) for v in numbers]
    if all(v.is_integer() for v in numbers):
        return {"data_type": "integer", "length": max(whole or [1])}
    digits = max(_decimals(v) for v in numbers)
    return {"data_type": "float", "length": max(whole) + 1 + digits,
            "significant_digits": digits}
