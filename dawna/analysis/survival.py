r"""Survival statistics for progression-free survival (domain.md §3): Kaplan–Meier per arm with the
median and its confidence interval, the log-rank test (unstratified and stratified) and the Cox
hazard ratio (unstratified and stratified). Each result equals R's ``survival`` package (3.5-3,
R 4.2.2) to 1e-6: ``tests/reference/survival/reference.R`` computes the reference numbers and
``tests/unit/test_survival.py`` compares them.

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

Log-rank test (Mantel 1966; R ``survdiff``, rho = 0): at each event time, expected events of arm
:math:`j` are :math:`E_j = d\, n_j / n` and the hypergeometric covariance is
:math:`V_{jk} = d (n - d) / (n - 1) \cdot n_j (n\,\delta_{jk} - n_k) / n^2`; summed over event
times (and, stratified, over strata: ``survdiff(Surv(t, e) ~ arm + strata(s))``),
:math:`\chi^2 = (O - E)^T V^{-1} (O - E)` over all arms but one, df = arms with :math:`E > 0`
minus 1. lifelines has no stratified log-rank test; the unstratified χ² and p come from lifelines'
``multivariate_logrank_test`` (equal to this formula, checked in the tests), observed and expected
counts from this formula.

Cox hazard ratio (Cox 1972) of the experimental arm relative to the control arm (R
``coxph(Surv(t, e) ~ relevel(arm, "B"))``), Efron's method for ties (Efron 1977; lifelines'
``CoxPHFitter`` implements only Efron), stratified with a separate baseline hazard per stratum
(``+ strata(s)``, lifelines ``strata=``). Wald CI
:math:`\exp(\hat\beta \pm z\,\mathrm{se})` and Wald p. lifelines by default stops
Newton–Raphson once the Newton decrement is below 1e-7 and returns the coefficient *before* that
last step: up to 1.7e-7 from R's coefficient on the reference data (1.3e-6 on a CI bound). With
the tolerance passed here it takes the last step and agrees with R to about 1e-10.

A stratum with a single participant is kept, with a note: that participant is compared with no
one, so the stratum adds nothing to the stratified test (its observed and expected events are
equal, its variance 0) or model (no risk set with anyone else), as in R; a stratified analysis in
which every stratum has a single participant is refused.

References: Kaplan EL, Meier P. JASA 1958;53:457–481. Greenwood M. Rep Public Health Med Subj
1926;33. Brookmeyer R, Crowley J. Biometrics 1982;38:29–41. Mantel N. Cancer Chemother Rep
1966;50:163–170. Cox DR. JRSS B 1972;34:187–220. Efron B. JASA 1977;72:557–565. Kalbfleisch JD,
Prentice RL. The Statistical Analysis of Failure Time Data, 2nd ed., Wiley 2002. Therneau TM,
``survival`` R package documentation: ``survfit.formula``, ``print.survfit``, ``survdiff``,
``coxph``.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from statistics import NormalDist
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "AnalysisError",
    "HazardRatio",
    "KmArm",
    "LogRank",
    "cox_hazard_ratio",
    "kaplan_meier",
    "logrank",
    "pfs_summary",
]

Transform = Literal["log", "log-log", "plain"]
TRANSFORMS: tuple[str, ...] = ("log", "log-log", "plain")
_TOLERANCE = math.sqrt(np.finfo(float).eps)  # R survmean's tolerance for "exactly 0.5"
_COX_FIT_OPTIONS = {"precision": 1e-24, "r_precision": 0.0, "max_steps": 50}

Floats = npt.NDArray[np.float64]


class AnalysisError(ValueError):
    """Data that the statistics cannot use; ``message`` says why in plain English."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _as_dict(obj: Any) -> dict[str, Any]:
    out = asdict(obj)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}


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
        return _as_dict(self)


@dataclass(frozen=True)
class LogRank:
    """Log-rank χ² test; ``observed`` and ``expected`` events per arm (summed over strata)."""

    chisq: float
    df: int
    p: float
    observed: dict[str, float]
    expected: dict[str, float]
    stratified: bool
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return _as_dict(self)


@dataclass(frozen=True)
class HazardRatio:
    """Cox hazard ratio of ``experimental_arm`` relative to ``reference_arm`` (below 1: the
    experimental arm progresses or dies at a lower rate)."""

    hr: float
    ci_lower: float
    ci_upper: float
    p: float
    coef: float
    se: float
    reference_arm: str
    ties: str
    stratified: bool
    experimental_arm: str = "A"
    conf_level: float = 0.95
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return _as_dict(self)


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


def _validate(times: Sequence[Any], events: Sequence[Any], arms: Sequence[Any],
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


def _z(conf_level: float) -> float:
    if not 0 < conf_level < 1:
        raise AnalysisError(f"the confidence level must be between 0 and 1, not {conf_level!r}")
    return NormalDist().inv_cdf(1 - (1 - conf_level) / 2)


def _none_if_nan(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


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
              "lower": _none_if_nan(lower[i]), "upper": _none_if_nan(upper[i])}
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
    z = _z(conf_level)
    t, e, labels, _ = _validate(times, events, arms)
    arm_of = np.array(labels)
    return {arm: _km_arm(arm, t[arm_of == arm], e[arm_of == arm], transform, z, conf_level)
            for arm in sorted(set(labels))}


# ---- log-rank -----------------------------------------------------------------------------------

def _counts_at_event_times(t: Floats, e: npt.NDArray[np.int64], g: npt.NDArray[np.int64],
                           k: int) -> tuple[Floats, Floats]:
    """At each distinct event time: numbers at risk and events per arm, arrays (times, k)."""
    event_times = np.unique(t[e == 1])
    at_risk = np.zeros((len(event_times), k))
    dead = np.zeros((len(event_times), k))
    for j in range(k):
        arm_times = np.sort(t[g == j])
        arm_events = np.sort(t[(g == j) & (e == 1)])
        at_risk[:, j] = len(arm_times) - np.searchsorted(arm_times, event_times, side="left")
        dead[:, j] = (np.searchsorted(arm_events, event_times, side="right")
                      - np.searchsorted(arm_events, event_times, side="left"))
    return at_risk, dead


def _strata_used(strata: list[str] | None) -> tuple[list[str] | None, tuple[str, ...]]:
    """The strata, and a note for each stratum with a single participant."""
    if strata is None:
        return None, ()
    sizes: dict[str, int] = {}
    for s in strata:
        sizes[s] = sizes.get(s, 0) + 1
    single = sorted(s for s, size in sizes.items() if size == 1)
    notes = tuple(f"stratum {s!r} has a single participant, who is compared with no one: the "
                  "stratum adds nothing to the stratified analysis" for s in single)
    if len(single) == len(sizes):
        raise AnalysisError("every stratum has a single participant: a stratified analysis "
                            "has nothing to compare")
    return strata, notes


def _by_stratum(t: Floats, e: npt.NDArray[np.int64], g: npt.NDArray[np.int64], k: int,
                strata: list[str] | None) -> list[tuple[Floats, Floats]]:
    if strata is None:
        return [_counts_at_event_times(t, e, g, k)]
    s = np.array(strata)
    return [_counts_at_event_times(t[s == level], e[s == level], g[s == level], k)
            for level in sorted(set(strata))]


def _observed_expected_variance(counts: list[tuple[Floats, Floats]], k: int
                                ) -> tuple[Floats, Floats, Floats]:
    observed, expected, variance = np.zeros(k), np.zeros(k), np.zeros((k, k))
    for at_risk, dead in counts:
        n, d = at_risk.sum(axis=1), dead.sum(axis=1)
        observed += dead.sum(axis=0)
        expected += (at_risk * (d / n)[:, None]).sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where(n > 1, d * (n - d) / ((n - 1) * n**2), 0.0)
        variance += np.diag((f * n) @ at_risk) - np.einsum("t,tj,tk->jk", f, at_risk, at_risk)
    return observed, expected, variance


def logrank(times: Sequence[Any], events: Sequence[Any], arms: Sequence[Any],
            strata: Sequence[Any] | None = None) -> LogRank:
    """Log-rank test between the arms; stratified when ``strata`` is given.

    R: ``survdiff(Surv(time, event) ~ arm)`` or ``survdiff(Surv(time, event) ~ arm +
    strata(stratum))``."""
    t, e, labels, strata_labels = _validate(times, events, arms, strata)
    arm_names = sorted(set(labels))
    if len(arm_names) < 2:
        raise AnalysisError(f"the log-rank test needs two arms; the data have only arm "
                            f"{arm_names[0]}")
    if not e.any():
        raise AnalysisError("there are no events (progression or death) in the data: the "
                            "log-rank test cannot be computed")
    used, notes = _strata_used(strata_labels)
    k = len(arm_names)
    g = np.array([arm_names.index(a) for a in labels])
    observed, expected, variance = _observed_expected_variance(
        _by_stratum(t, e, g, k, used), k)
    informative = np.flatnonzero(expected > 0)[1:]
    v = variance[np.ix_(informative, informative)]
    if len(informative) == 0 or np.linalg.matrix_rank(v) < len(informative):
        raise AnalysisError("the log-rank test cannot be computed: no event happened while "
                            "participants of both arms were at risk"
                            + (" in the same stratum" if used else ""))
    diff = (observed - expected)[informative]
    df = len(informative)
    if used is None:
        from lifelines.statistics import multivariate_logrank_test

        result = multivariate_logrank_test(t, np.array(labels), e)
        chisq, p = float(result.test_statistic), float(result.p_value)
    else:
        chisq = float(diff @ np.linalg.solve(v, diff))
        p = _chisq_sf(chisq, df)
    return LogRank(chisq=chisq, df=df, p=p,
                   observed={a: float(o) for a, o in zip(arm_names, observed, strict=True)},
                   expected={a: float(x) for a, x in zip(arm_names, expected, strict=True)},
                   stratified=used is not None, notes=notes)


def _chisq_sf(x: float, df: int) -> float:
    from scipy.stats import chi2  # type: ignore[import-untyped, unused-ignore]

    return float(chi2.sf(x, df))


# ---- Cox hazard ratio ---------------------------------------------------------------------------

def _check_estimable(t: Floats, e: npt.NDArray[np.int64], x: npt.NDArray[np.int64],
                     strata: list[str] | None, experimental: str, control: str) -> None:
    """The partial likelihood has a finite maximum iff some experimental-arm event happens
    while control participants are at risk (in the same stratum) and vice versa; otherwise the
    estimate is 0 or infinite (R warns "coefficient may be infinite")."""
    counts = _by_stratum(t, e, x, 2, strata)
    exp_vs_ctl = sum(float((dead[:, 1] * (at_risk[:, 0] > 0)).sum()) for at_risk, dead in counts)
    ctl_vs_exp = sum(float((dead[:, 0] * (at_risk[:, 1] > 0)).sum()) for at_risk, dead in counts)
    for arm, has_events in ((experimental, e[x == 1].any()), (control, e[x == 0].any())):
        if not has_events:
            raise AnalysisError(f"arm {arm} has no events: the hazard ratio cannot be estimated "
                                "(its estimate would be 0 or infinite)")
    where = " in the same stratum" if strata is not None else ""
    if exp_vs_ctl == 0 or ctl_vs_exp == 0:
        first, second = (experimental, control) if exp_vs_ctl == 0 else (control, experimental)
        raise AnalysisError(f"no arm {first} event happened while arm {second} participants were "
                            f"at risk{where}: the hazard ratio cannot be estimated (its estimate "
                            "would be 0 or infinite)")


def cox_hazard_ratio(times: Sequence[Any], events: Sequence[Any], arms: Sequence[Any],
                     strata: Sequence[Any] | None = None, *, experimental: str = "A",
                     control: str = "B", conf_level: float = 0.95) -> HazardRatio:
    """Cox hazard ratio of ``experimental`` relative to ``control``, Efron ties, Wald CI and p;
    stratified (one baseline hazard per stratum) when ``strata`` is given.

    R: ``coxph(Surv(time, event) ~ relevel(factor(arm), "B") [+ strata(stratum)],
    ties = "efron")``."""
    z = _z(conf_level)
    t, e, labels, strata_labels = _validate(times, events, arms, strata)
    present = sorted(set(labels))
    for arm in (experimental, control):
        if arm not in present:
            raise AnalysisError(f"arm {arm} has no participants in the data")
    others = [a for a in present if a not in (experimental, control)]
    if others:
        raise AnalysisError(f"the hazard ratio compares arm {experimental} with arm {control}; "
                            f"leave out the participants of arm {', '.join(others)}")
    if not e.any():
        raise AnalysisError("there are no events (progression or death) in the data: the "
                            "hazard ratio cannot be estimated")
    used, notes = _strata_used(strata_labels)
    x = np.array([1 if a == experimental else 0 for a in labels])
    _check_estimable(t, e, x, used, experimental, control)

    import pandas as pd  # type: ignore[import-untyped, unused-ignore]
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError

    frame = pd.DataFrame({"time": t, "event": e, "experimental": x})
    if used is not None:
        frame["stratum"] = used
    fitter = CoxPHFitter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitter.fit(frame, duration_col="time", event_col="event",
                       strata=["stratum"] if used is not None else None,
                       fit_options=_COX_FIT_OPTIONS)
    except ConvergenceError as exc:  # pragma: no cover - excluded by _check_estimable
        raise AnalysisError("the Cox model did not converge: the hazard ratio cannot be "
                            "estimated") from exc
    coef = float(fitter.params_["experimental"])
    se = float(fitter.standard_errors_["experimental"])
    if not (math.isfinite(coef) and math.isfinite(se) and se > 0):  # pragma: no cover
        raise AnalysisError("the Cox model gave no finite estimate: the hazard ratio cannot be "
                            "estimated")
    return HazardRatio(hr=math.exp(coef), ci_lower=math.exp(coef - z * se),
                       ci_upper=math.exp(coef + z * se),
                       p=math.erfc(abs(coef / se) / math.sqrt(2)), coef=coef, se=se,
                       reference_arm=control, ties="efron", stratified=used is not None,
                       experimental_arm=experimental, conf_level=conf_level, notes=notes)


# ---- summary ------------------------------------------------------------------------------------

def pfs_summary(times: Sequence[Any], events: Sequence[Any], arms: Sequence[Any],
                strata: Sequence[Any] | None = None, transform: Transform = "log", *,
                experimental: str = "A", control: str = "B",
                conf_level: float = 0.95) -> dict[str, Any]:
    """Everything for the PFS section of the report, JSON-serializable: per arm n, events, median
    and CI (with the Kaplan–Meier table); log-rank χ², df and p; the hazard ratio of
    ``experimental`` relative to ``control`` with CI; the stratified test and hazard ratio when
    ``strata`` is given (``None`` otherwise). Raises ``AnalysisError`` when any part cannot be
    computed (e.g. no events)."""
    km = kaplan_meier(times, events, arms, transform=transform, conf_level=conf_level)
    for arm in (experimental, control):
        if arm not in km:
            raise AnalysisError(f"arm {arm} has no participants in the data")
    test = logrank(times, events, arms)
    hr = cox_hazard_ratio(times, events, arms, experimental=experimental, control=control,
                          conf_level=conf_level)
    test_s = hr_s = None
    if strata is not None:
        test_s = logrank(times, events, arms, strata)
        hr_s = cox_hazard_ratio(times, events, arms, strata, experimental=experimental,
                                control=control, conf_level=conf_level)
    return {
        "transform": transform,
        "conf_level": conf_level,
        "experimental_arm": experimental,
        "control_arm": control,
        "arms": {arm: result.as_dict() for arm, result in km.items()},
        "logrank": test.as_dict(),
        "hazard_ratio": hr.as_dict(),
        "logrank_stratified": None if test_s is None else test_s.as_dict(),
        "hazard_ratio_stratified": None if hr_s is None else hr_s.as_dict(),
    }
