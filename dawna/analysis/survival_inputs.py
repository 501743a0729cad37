"""Input checks shared by the survival statistics of :mod:`dawna.analysis.survival`: times,
event flags, arm and stratum labels, the confidence level, and the error raised on data the
statistics cannot use."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import asdict
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["AnalysisError", "Floats", "as_plain_dict", "none_if_nan", "validate", "z_value"]

Floats = npt.NDArray[np.float64]


class AnalysisError(ValueError):
    """Data that the statistics cannot use; ``message`` says why in plain English."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def as_plain_dict(obj: Any) -> dict[str, Any]:
    out = asdict(obj)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}

# ---- input checks -----------------------------------------------------------------------------

def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        isinstance(value, str) and not value.strip())


def _labels(values: Sequence[Any], what: str, n: int) -> list[str]:
    out = []
    for row, value in enumerate(values, start=1):
        if _missing(value):
            raise AnalysisError(f"the {what} of row {row} is missing")
        out.append(str(value))
    if len(out) != n:
        raise AnalysisError(f"there are {n} times but {len(out)} {what} labels")
    return out


def validate(times: Sequence[Any], events: Sequence[Any], arms: Sequence[Any],
              strata: Sequence[Any] | None = None
              ) -> tuple[Floats, npt.NDArray[np.int64], list[str], list[str] | None]:
    times, events, arms = list(times), list(events), list(arms)
    if len(events) != len(times):
        raise AnalysisError(f"there are {len(times)} times but {len(events)} event flags")
    if not times:
        raise AnalysisError("there are no participants in the data")
    t = np.empty(len(times))
    for row, value in enumerate(times, start=1):
        if _missing(value):
            raise AnalysisError(f"the time of row {row} is missing")
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise AnalysisError(f"the time of row {row} is not a number: {value!r}")
        if not math.isfinite(value):
            raise AnalysisError(f"the time of row {row} is not a finite number: {value!r}")
        if value < 0:
            raise AnalysisError(f"the time of row {row} is negative: {value!r}")
        t[row - 1] = float(value)
    e = np.empty(len(events), dtype=np.int64)
    for row, value in enumerate(events, start=1):
        ok = (isinstance(value, numbers.Real | np.bool_) and not _missing(value)
              and value in (0, 1))
        if not ok:
            raise AnalysisError(f"the event flag of row {row} is {value!r}; it must be 0 "
                                "(censored) or 1 (progression or death)")
        e[row - 1] = int(value)
    labels = _labels(arms, "arm", len(times))
    return t, e, labels, (None if strata is None else _labels(list(strata), "stratum", len(t)))


def z_value(conf_level: float) -> float:
    if not 0 < conf_level < 1:
        raise AnalysisError(f"the confidence level must be between 0 and 1, not {conf_level!r}")
    return NormalDist().inv_cdf(1 - (1 - conf_level) / 2)


def none_if_nan(x: float) -> float | None:
    return None if math.isnan(x) else float(x)
