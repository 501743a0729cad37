r"""The trial design simulated by :mod:`dawna.analysis.design`: a two-arm 1:1 trial with a
time-to-event primary endpoint (PFS), its parameters and shared constants.

Model (one simulated trial)
---------------------------
``n`` patients, exactly ``n/2`` per arm (1:1 permuted blocks fill both arms; ``n`` must be
even). Patient ``i`` enters at :math:`e_i \sim U(0, R)` months (uniform accrual over ``R``) and
progresses after :math:`T_i \sim \mathrm{Exp}(\lambda_{arm})` with
:math:`\lambda = \ln 2 / \text{median}`. With dropout, the patient is lost to follow-up after
:math:`L_i \sim \mathrm{Exp}(\eta)`, :math:`\eta = -\ln(1 - p_{12}) / 12` where :math:`p_{12}`
is the proportion lost within 12 months. The analysis happens at calendar time :math:`C`:

* fixed follow-up (default): :math:`C = R + F`, so every trial lasts ``accrual + follow-up``
  months from the first enrolment and the study duration is a constant;
* event-driven (``events=E``): :math:`C` is the calendar time of the E-th progression,
  :math:`\min_{(E)}(e_i + T_i : T_i < L_i)`, so the duration varies and its median over trials
  is reported. The analysis happens then even if accrual is not complete; patients not yet
  enrolled are not in it. A trial whose dropouts leave fewer than E progressions is analysed
  when the last patient's follow-up ends.

A patient enrolled at :math:`e_i \le C` is observed for :math:`X_i = \min(T_i, L_i, C - e_i)`
with event :math:`\delta_i = [T_i < L_i \text{ and } e_i + T_i \le C]`.

The true hazard ratio of A vs B is :math:`\lambda_A / \lambda_B = m_B / m_A` (exponential
survival: hazard = ln 2 / median); 7 vs 4 months gives HR 4/7 = 0.571. Power curves vary HR
with the control arm's median :math:`m_B` fixed (:math:`m_A = m_B / HR`).

References
----------
Schoenfeld D. Sample-size formula for the proportional-hazards regression model.
Biometrics 1983;39:499-503. Collett D. Modelling Survival Data in Medical Research, 3rd ed.,
§2.6 (log-rank test) and §10.2 (number of events). Mantel N. Cancer Chemother Rep 1966;50:163-70.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from dawna.errors import ValidationError
from dawna.i18n import _

__all__ = ["CHUNK_TRIALS", "HR_GRID", "BoolArray", "Design", "FloatArray", "Progress"]

CHUNK_TRIALS = 2000
"""Trials per chunk: bounds memory (a few MB) and drives the progress bar. Results for a seed
depend on it, so it is a constant."""
HR_GRID = tuple(round(0.25 + 0.05 * i, 2) for i in range(16))
"""Hazard ratios of the simulated power curve: 0.25, 0.30, ..., 1.00."""

Progress = Callable[[int], None]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class Design:
    """A 1:1 two-arm design; times in months. ``events`` switches to event-driven analysis."""

    n: int = 80
    median_a_months: float = 7.0
    median_b_months: float = 4.0
    accrual_months: float = 24.0
    followup_months: float = 12.0
    alpha: float = 0.05
    dropout_12m: float = 0.0
    events: int | None = None

    def __post_init__(self) -> None:
        if self.n < 2 or self.n % 2:
            raise ValidationError(_("must be an even number of at least 2 (1:1 allocation)"),
                                  field="n")
        for name in ("median_a_months", "median_b_months"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValidationError(_("must be a positive number of months"), field=name)
        for name in ("accrual_months", "followup_months"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValidationError(_("must be zero or a positive number of months"),
                                      field=name)
        if self.events is None and self.accrual_months + self.followup_months <= 0:
            raise ValidationError(_("accrual plus follow-up must be longer than 0 months"),
                                  field="followup_months")
        if not 0 < self.alpha < 1:
            raise ValidationError(_("must lie strictly between 0 and 1"), field="alpha")
        if not 0 <= self.dropout_12m < 1:
            raise ValidationError(_("must be a proportion in [0, 1)"), field="dropout_12m")
        if self.events is not None and not 1 <= self.events <= self.n:
            raise ValidationError(_("must lie between 1 and the number of patients"),
                                  field="events")

    @property
    def hazard_ratio(self) -> float:
        """HR of A vs B under exponential PFS: median_b / median_a."""
        return self.median_b_months / self.median_a_months

    @property
    def dropout_hazard(self) -> float:
        return -math.log1p(-self.dropout_12m) / 12.0

    def with_hazard_ratio(self, hazard_ratio: float) -> Design:
        """The same design with arm A's median set so that HR(A vs B) = ``hazard_ratio``."""
        return replace(self, median_a_months=self.median_b_months / hazard_ratio)
