r"""The log-rank test and the Cox hazard ratio between arms, unstratified and stratified, for
progression-free survival (domain.md §3); part of :mod:`dawna.analysis.survival`, equal to R's
``survival`` package (3.5-3, R 4.2.2) to 1e-6 (``tests/unit/test_survival.py``).

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

References: Mantel N. Cancer Chemother Rep 1966;50:163–170. Cox DR. JRSS B 1972;34:187–220.
Efron B. JASA 1977;72:557–565. Therneau TM, ``survival`` R package documentation:
``survdiff``, ``coxph``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from dawna.analysis.survival_inputs import AnalysisError, Floats, as_plain_dict, validate, z_value

__all__ = ["HazardRatio", "LogRank", "cox_hazard_ratio", "logrank"]

_COX_FIT_OPTIONS = {"precision": 1e-24, "r_precision": 0.0, "max_steps": 50}


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
        return as_plain_dict(self)


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
        return as_plain_dict(self)


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
    t, e, labels, strata_labels = validate(times, events, arms, strata)
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
    z = z_value(conf_level)
    t, e, labels, strata_labels = validate(times, events, arms, strata)
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
