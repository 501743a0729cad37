r"""Schoenfeld's approximation for the design of :mod:`dawna.analysis.design`: events needed,
power and the detectable hazard ratio of the log-rank test.

Schoenfeld's approximation (1:1, allocation :math:`p = 1/2`)
------------------------------------------------------------
.. math::
    D = \frac{(z_{1-\alpha/2} + z_{1-\beta})^2}{p(1-p)\,\ln^2 HR}
      = \frac{4(z_{1-\alpha/2} + z_{1-\beta})^2}{\ln^2 HR}, \qquad
    \text{power}(D) = \Phi(\mu - z_{1-\alpha/2}) + \Phi(-\mu - z_{1-\alpha/2}),\;
    \mu = \sqrt{D p (1-p)}\,|\ln HR|.

The second (far-tail) term makes the power equal α at HR 1; at 80 % power it adds < 1e-5.
:func:`required_events` rounds D up (at least that many events are needed). Expected events
under fixed follow-up: a patient followed for :math:`u \sim U(F, F+R)` has an event with
probability :math:`\frac{\lambda}{\lambda+\eta}(1 - E[e^{-(\lambda+\eta)u}])`.

References
----------
Schoenfeld D. Sample-size formula for the proportional-hazards regression model.
Biometrics 1983;39:499-503. Collett D. Modelling Survival Data in Medical Research, 3rd ed.,
§2.6 (log-rank test) and §10.2 (number of events). Mantel N. Cancer Chemother Rep 1966;50:163-70.
"""

from __future__ import annotations

import math
from statistics import NormalDist

from dawna.analysis.design_model import Design

__all__ = [
    "expected_events",
    "normal_quantile",
    "required_events",
    "schoenfeld_detectable_hr",
    "schoenfeld_events",
    "schoenfeld_hazard_ratio",
    "schoenfeld_power",
]

_NORMAL = NormalDist()


def normal_quantile(p: float) -> float:
    """The standard normal quantile z_p."""
    return _NORMAL.inv_cdf(p)


def _phi(x: float) -> float:
    return _NORMAL.cdf(x)


def schoenfeld_events(hazard_ratio: float, *, alpha: float = 0.05, power: float = 0.80,
                      allocation: float = 0.5) -> float:
    """Events needed (unrounded): (z_{1-α/2} + z_{power})² / (p(1-p) ln² HR)."""
    return ((normal_quantile(1 - alpha / 2) + normal_quantile(power)) ** 2
            / (allocation * (1 - allocation) * math.log(hazard_ratio) ** 2))


def required_events(hazard_ratio: float, *, alpha: float = 0.05, power: float = 0.80) -> int:
    """Schoenfeld's events for a 1:1 design, rounded up."""
    return math.ceil(schoenfeld_events(hazard_ratio, alpha=alpha, power=power) - 1e-9)


def schoenfeld_power(events: float, hazard_ratio: float, *, alpha: float = 0.05,
                     allocation: float = 0.5) -> float:
    """Two-sided power of the log-rank test with ``events`` events (both tails counted)."""
    mu = math.sqrt(max(events, 0.0) * allocation * (1 - allocation)) * abs(
        math.log(hazard_ratio))
    z = normal_quantile(1 - alpha / 2)
    return _phi(mu - z) + _phi(-mu - z)


def schoenfeld_hazard_ratio(events: float, *, alpha: float = 0.05, power: float = 0.80,
                            benefit: bool = True) -> float:
    """The HR detectable with ``events`` events: exp(∓2(z_{1-α/2} + z_{power}) / √D)."""
    log_hr = 2 * (normal_quantile(1 - alpha / 2) + normal_quantile(power)) / math.sqrt(events)
    return math.exp(-log_hr if benefit else log_hr)


def expected_events(design: Design) -> float:
    """Expected events at the analysis (fixed follow-up: formula in the module docstring;
    event-driven: E)."""
    if design.events is not None:
        return float(design.events)
    total = 0.0
    eta, r, f = design.dropout_hazard, design.accrual_months, design.followup_months
    for median in (design.median_a_months, design.median_b_months):
        lam = math.log(2) / median
        theta = lam + eta
        mean_survival = (math.exp(-theta * f) * -math.expm1(-theta * r) / (theta * r)
                         if r > 0 else math.exp(-theta * f))
        total += design.n / 2 * lam / theta * (1 - mean_survival)
    return total


def schoenfeld_detectable_hr(design: Design, *, power: float = 0.80) -> float | None:
    """HR (in the direction of the design's HR, control median fixed) at which Schoenfeld's
    power with the design's expected events reaches ``power``; None if no HR does."""
    benefit = design.hazard_ratio <= 1
    if design.events is not None:
        return schoenfeld_hazard_ratio(design.events, alpha=design.alpha, power=power,
                                       benefit=benefit)
    sign = -1.0 if benefit else 1.0

    def gap(log_abs: float) -> float:
        hr = math.exp(sign * log_abs)
        return schoenfeld_power(expected_events(design.with_hazard_ratio(hr)), hr,
                                alpha=design.alpha) - power

    high = math.log(1e4)
    if gap(high) < 0 or gap(0.0) >= 0:
        return None
    low = 0.0
    for _step in range(80):  # bisection on |ln HR|: power rises with it
        mid = (low + high) / 2
        low, high = (mid, high) if gap(mid) < 0 else (low, mid)
    return math.exp(sign * (low + high) / 2)
