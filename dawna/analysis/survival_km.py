r"""Kaplan–Meier per arm with the median and its confidence interval, for progression-free
survival (domain.md §3); part of :mod:`dawna.analysis.survival`, equal to R's ``survival``
package (3.5-3, R 4.2.2) to 1e-6 (``tests/unit/test_survival.py``).

Kaplan–Meier (Kaplan & Meier 1958), at each distinct time :math:`t_i` with :math:`n_i` at risk
and :math:`d_i` events:

.. math::

    \hat S(t) = \prod_{t_i \le t} (1 - d_i / n_i), \qquad
    \sigma(t) = \sqrt{\sum_{t_i \le t} \frac{d_i}{n_i (n_i - d_i)}}
    \quad\text{(Greenwood 1926; standard error of } \log \hat S)

Pointwise confidence interval, :math:`z = \Phi^{-1}(1 - \alpha/2)`, as R ``survfit``'s
``conf.type`` (``survival:::survfit_confint``):

- ``"log"`` (R's default): :math:`\exp(\log \hat S \pm z\sigma)`, upper bound capped at 1;
  none where :math:`\hat S = 0`.
- ``"log-log"`` (Kalbfleisch & Prentice 2002 §1.4; lifelines' only choice):
  :math:`\exp(-\exp(\log(-\log \hat S) \mp z\sigma / \log \hat S))`; none where
  :math:`\hat S` is 0 or 1.
- ``"plain"``: :math:`\hat S \pm z\sigma\hat S`, kept within [0, 1].

Median and its confidence interval (Brookmeyer & Crowley 1982), as R's ``print(survfit)`` and
``summary(survfit)$table`` (``survival:::survmean``): the first time at which the curve (for the
CI: the lower or upper pointwise band) is at or below 0.5; if it is exactly 0.5 there (within
:math:`\sqrt{\epsilon}`) and drops later, the midpoint between that time and the time of the
drop. ``None`` when never reached ("not reached"). R's ``quantile(survfit)`` differs only when
a curve ends exactly at 0.5: it then returns the midpoint to the last follow-up time; dawna follows
``print``. lifelines differs from both: its ``median_survival_times`` takes no midpoint (9
where R says 11 on the reference data), gives ``inf`` for a curve ending at exactly 0.5 (R: 6),
and its bands are log-log only; so the median is computed here from the table.

References: Kaplan EL, Meier P. JASA 1958;53:457–481. Greenwood M. Rep Public Health Med Subj
1926;33. Brookmeyer R, Crowley J. Biometrics 1982;38:29–41. Kalbfleisch JD, Prentice RL. The
Statistical Analysis of Failure Time Data, 2nd ed., Wiley 2002. Therneau TM, ``survival`` R
package documentation: ``survfit.formula``, ``print.survfit``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from dawna.analysis.survival_inputs import (
    AnalysisError,
    Floats,
    as_plain_dict,
    none_if_nan,
    validate,
    z_value,
)

__all__ = ["TRANSFORMS", "KmArm", "Transform", "kaplan_meier"]

Transform = Literal["log", "log-log", "plain"]
TRANSFORMS: tuple[str, ...] = ("log", "log-log", "plain")
_TOLERANCE = math.sqrt(np.finfo(float).eps)  # R survmean's tolerance for "exactly 0.5"


@dataclass(frozen=True)
class KmArm:
    """One arm's Kaplan–Meier curve; ``median``, ``ci_lower``, ``ci_upper`` are ``None`` when
    not reached. ``table`` has a row per distinct time: time, n_risk, n_event, n_censor,
    survival, lower, upper (bounds ``None`` where R gives NA)."""

    arm: str
    n: int
    events: int
    median: float | None
    ci_lower: float | None
    ci_upper: float | None
    transform: str
    table: list[dict[str, Any]]
    conf_level: float = 0.95

    def as_dict(self) -> dict[str, Any]:
        return as_plain_dict(self)


# ---- Kaplan–Meier -------------------------------------------------------------------------------

def _bands(surv: Floats, se: Floats, transform: str, z: float) -> tuple[Floats, Floats]:
    """Pointwise bounds as R's ``survfit_confint`` (NaN where R gives NA)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if transform == "plain":
            half = np.where(se == 0, 0.0, se * surv * z)  # R: Inf × 0 is NA where S = 0
            return np.maximum(surv - half, 0.0), np.minimum(surv + half, 1.0)
        if transform == "log":
            s = np.where(surv == 0, np.nan, surv)
            return np.exp(np.log(s) - z * se), np.minimum(np.exp(np.log(s) + z * se), 1.0)
        s = np.where((surv == 0) | (surv == 1), np.nan, surv)
        shift = z * se / np.log(s)
        loglog = np.log(-np.log(s))
        return np.exp(-np.exp(loglog - shift)), np.exp(-np.exp(loglog + shift))


def _median_time(curve: Floats, times: Floats) -> float | None:
    """R ``survmean``'s median: first time at or below 0.5, midpoint across an exact 0.5 flat."""
    kept = [(float(x), float(y)) for x, y in zip(times, curve, strict=True)
            if not math.isnan(y) and y < 0.5 + _TOLERANCE]
    if not kept:
        return None
    first_time, first_value = kept[0]
    if abs(first_value - 0.5) < _TOLERANCE:
        later = [x for x, y in kept if y < first_value]
        if later:
            return (first_time + later[0]) / 2
    return first_time


def _km_arm(arm: str, t: Floats, e: npt.NDArray[np.int64], transform: str, z: float,
            conf_level: float) -> KmArm:
    times, inverse = np.unique(t, return_inverse=True)
    n_event = np.bincount(inverse, weights=e, minlength=len(times))
    n_total = np.bincount(inverse, minlength=len(times)).astype(float)
    n_risk = len(t) - np.concatenate(([0.0], np.cumsum(n_total)[:-1]))
    surv = np.cumprod(1 - n_event / n_risk)
    with np.errstate(divide="ignore"):
        term = np.where(n_event == 0, 0.0,
                        np.where(n_risk > n_event, n_event / (n_risk * (n_risk - n_event)),
                                 np.inf))
    se = np.sqrt(np.cumsum(term))
    lower, upper = _bands(surv, se, transform, z)
    table = [{"time": float(times[i]), "n_risk": int(n_risk[i]), "n_event": int(n_event[i]),
              "n_censor": int(n_total[i] - n_event[i]), "survival": float(surv[i]),
              "lower": none_if_nan(lower[i]), "upper": none_if_nan(upper[i])}
             for i in range(len(times))]
    return KmArm(arm=arm, n=len(t), events=int(e.sum()), median=_median_time(surv, times),
                 ci_lower=_median_time(lower, times), ci_upper=_median_time(upper, times),
                 transform=transform, table=table, conf_level=conf_level)


def kaplan_meier(times: Sequence[Any], events: Sequence[Any], arms: Sequence[Any], *,
                 transform: Transform = "log", conf_level: float = 0.95) -> dict[str, KmArm]:
    """Kaplan–Meier curve, median and its CI for each arm present, keyed by arm label (sorted).

    R: ``survfit(Surv(time, event) ~ 1, conf.type = transform)`` per arm; median and CI as
    ``print()``. An arm without events has the median "not reached" (``None``)."""
    if transform not in TRANSFORMS:
        raise AnalysisError(f"unknown confidence interval transform {transform!r}; "
                            f"choose one of {', '.join(TRANSFORMS)}")
    z = z_value(conf_level)
    t, e, labels, _ = validate(times, events, arms)
    arm_of = np.array(labels)
    return {arm: _km_arm(arm, t[arm_of == arm], e[arm_of == arm], transform, z, conf_level)
            for arm in sorted(set(labels))}
