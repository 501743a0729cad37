r"""The Cox proportional hazards model with one covariate, Efron's method for tied event times,
optionally stratified: the maximum partial likelihood estimate and its Wald standard error, for
:func:`dawna.analysis.survival_logrank_cox.cox_hazard_ratio` (equal to R's ``coxph(...,
ties = "efron")`` to 1e-6 and to lifelines' ``CoxPHFitter`` to 1e-9 on the reference data,
``tests/unit/test_survival.py``; under a millisecond a fit where lifelines takes 20-40 ms, issue
23).

At each distinct event time :math:`t` of a stratum, with :math:`D` the :math:`d` participants
whose event is at :math:`t`, :math:`R` those at risk (time :math:`\ge t`), :math:`w_i =
e^{\beta x_i}` and :math:`S_k = \sum_R w_i x_i^k`, :math:`T_k = \sum_D w_i x_i^k`, Efron's
approximation (Efron 1977; Therneau & Grambsch 2000 §3.3) takes, for :math:`l = 0, \dots, d-1`,
:math:`a_k^{(l)} = S_k - \tfrac{l}{d} T_k`; the log partial likelihood, its first and second
derivatives in :math:`\beta` are

.. math::

   \ell = \sum_D \beta x_i - \sum_l \log a_0^{(l)}, \qquad
   \ell' = \sum_D x_i - \sum_l \frac{a_1^{(l)}}{a_0^{(l)}}, \qquad
   \ell'' = -\sum_l \Bigl(\frac{a_2^{(l)}}{a_0^{(l)}}
            - \Bigl(\frac{a_1^{(l)}}{a_0^{(l)}}\Bigr)^2\Bigr),

summed over event times and strata (a separate baseline hazard per stratum). Newton–Raphson
from :math:`\beta = 0`, halving a step that lowers :math:`\ell` (as R's ``coxph.fit``), until
the step is below 1e-13 (to machine precision: lifelines run with ``precision`` 1e-24 stops
there too); the Wald standard error is :math:`1/\sqrt{-\ell''(\hat\beta)}`. The caller checks
first that the estimate is finite (an event of each arm while the other is at risk).

References: Cox DR. JRSS B 1972;34:187–220. Efron B. JASA 1977;72:557–565. Therneau TM,
Grambsch PM. Modeling Survival Data: Extending the Cox Model. Springer 2000.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["CoxFit", "efron_fit"]

Floats = npt.NDArray[np.float64]
_MAX_STEPS = 50
_TOLERANCE = 1e-13


@dataclass(frozen=True)
class CoxFit:
    coef: float
    se: float
    loglik: float
    converged: bool


@dataclass(frozen=True)
class _Stratum:
    """What the likelihood needs of one stratum, independent of β: the covariate in time order,
    where each event time's risk set starts, and the event rows expanded to Efron's terms."""

    x: Floats                      # covariate, ascending time
    risk_start: npt.NDArray[np.intp]  # per distinct event time: first row at risk
    term_time: npt.NDArray[np.intp]   # per Efron term (one per event): its event time
    term_frac: Floats                 # per Efron term: l / d
    event_x: Floats                   # covariate of the events
    event_time: npt.NDArray[np.intp]  # per event: its event time's index
    times: int                        # number of distinct event times


def _stratum(t: Floats, e: npt.NDArray[np.int64], x: Floats) -> _Stratum:
    order = np.argsort(t, kind="stable")
    t, e, x = t[order], e[order], x[order]
    dead = e == 1
    event_times, counts = np.unique(t[dead], return_counts=True)
    term_time = np.repeat(np.arange(len(event_times)), counts)
    term_frac = np.concatenate([np.arange(d) / d for d in counts]) if len(counts) else \
        np.zeros(0)
    return _Stratum(x=x, risk_start=np.searchsorted(t, event_times, side="left"),
                    term_time=term_time, term_frac=term_frac, event_x=x[dead],
                    event_time=np.searchsorted(event_times, t[dead]), times=len(event_times))


def _derivatives(beta: float, strata: Sequence[_Stratum]) -> tuple[float, float, float]:
    """:math:`\\ell`, :math:`\\ell'` and :math:`\\ell''` at ``beta``."""
    ll = grad = hess = 0.0
    for s in strata:
        if s.times == 0:
            continue
        w = np.exp(beta * s.x)
        powers = (w, w * s.x, w * s.x * s.x)
        # sums over the risk set: reverse cumulative sums read at each event time's first row
        risk = [np.cumsum(p[::-1])[::-1][s.risk_start] for p in powers]
        we = np.exp(beta * s.event_x)
        tied = [np.bincount(s.event_time, weights=we * s.event_x ** k, minlength=s.times)
                for k in range(3)]
        a0, a1, a2 = (r[s.term_time] - s.term_frac * d[s.term_time]
                      for r, d in zip(risk, tied, strict=True))
        ratio = a1 / a0
        ll += float(beta * s.event_x.sum() - np.log(a0).sum())
        grad += float(s.event_x.sum() - ratio.sum())
        hess -= float((a2 / a0 - ratio * ratio).sum())
    return ll, grad, hess


def efron_fit(t: Floats, e: npt.NDArray[np.int64], x: Floats,
              strata: Sequence[str] | None = None) -> CoxFit:
    """The Cox model of ``x`` (times ``t``, events ``e`` 0/1), stratified by ``strata``."""
    if strata is None:
        groups = [_stratum(t, e, x)]
    else:
        labels = np.asarray(strata)
        groups = [_stratum(t[labels == level], e[labels == level], x[labels == level])
                  for level in sorted(set(strata))]
    beta = 0.0
    ll, grad, hess = _derivatives(beta, groups)
    converged = False
    for _ in range(_MAX_STEPS):
        if not hess < 0:
            break
        step = -grad / hess
        new = beta + step
        new_ll, new_grad, new_hess = _derivatives(new, groups)
        halvings = 0
        while not new_ll >= ll - 1e-12 * max(1.0, abs(ll)) and halvings < 30:
            step /= 2  # a step that lowers the likelihood: halve it (R's coxph.fit)
            new = beta + step
            new_ll, new_grad, new_hess = _derivatives(new, groups)
            halvings += 1
        beta, ll, grad, hess = new, new_ll, new_grad, new_hess
        if abs(step) <= _TOLERANCE * max(1.0, abs(beta)):
            converged = True
            break
    se = 1.0 / math.sqrt(-hess) if hess < 0 else math.nan
    return CoxFit(coef=beta, se=se, loglik=ll, converged=converged)
