r"""Design simulation of a two-arm 1:1 trial with a time-to-event primary endpoint (PFS).

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

Log-rank test, vectorized
-------------------------
Each trial is a row of a (trials x n) matrix. Rows are sorted by time (``argsort`` along axis 1)
and, over the distinct times :math:`t_j` with :math:`d_j` events (:math:`d_{Aj}` in arm A) among
:math:`Y_j` at risk (:math:`Y_{Aj}` in A), cumulative sums along the row give

.. math::
    U = \sum_j \Big(d_{Aj} - d_j \frac{Y_{Aj}}{Y_j}\Big), \qquad
    V = \sum_j d_j \frac{Y_{Aj}}{Y_j}\Big(1 - \frac{Y_{Aj}}{Y_j}\Big)\frac{Y_j - d_j}{Y_j - 1},
    \qquad Z = U / \sqrt{V},

rejecting when :math:`|Z| > z_{1-\alpha/2}` (two-sided; :math:`Z^2` is lifelines'
``logrank_test(...).test_statistic``). With continuous times ties have probability 0 and each
row position is its own risk set (:math:`Y_j = n - j`); rows that do hold ties (rounded data,
the tests) take a grouped path in which every tied time is one risk set: those censored at
:math:`t_j` are still at risk at :math:`t_j`, and the hypergeometric variance above is used.

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

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from itertools import pairwise
from statistics import NormalDist
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dawna.errors import ValidationError
from dawna.i18n import _

__all__ = [
    "CHUNK_TRIALS",
    "HR_GRID",
    "Design",
    "DesignReport",
    "PowerPoint",
    "SimulationResult",
    "TrialData",
    "design_report",
    "detectable_hr_from_curve",
    "draw_trials",
    "expected_events",
    "logrank_z",
    "power_curve",
    "power_curve_svg",
    "required_events",
    "schoenfeld_detectable_hr",
    "schoenfeld_events",
    "schoenfeld_hazard_ratio",
    "schoenfeld_power",
    "simulate_trials",
]

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


# --- Schoenfeld ---------------------------------------------------------------------------

_NORMAL = NormalDist()


def _z(p: float) -> float:
    return _NORMAL.inv_cdf(p)


def _phi(x: float) -> float:
    return _NORMAL.cdf(x)


def schoenfeld_events(hazard_ratio: float, *, alpha: float = 0.05, power: float = 0.80,
                      allocation: float = 0.5) -> float:
    """Events needed (unrounded): (z_{1-α/2} + z_{power})² / (p(1-p) ln² HR)."""
    return ((_z(1 - alpha / 2) + _z(power)) ** 2
            / (allocation * (1 - allocation) * math.log(hazard_ratio) ** 2))


def required_events(hazard_ratio: float, *, alpha: float = 0.05, power: float = 0.80) -> int:
    """Schoenfeld's events for a 1:1 design, rounded up."""
    return math.ceil(schoenfeld_events(hazard_ratio, alpha=alpha, power=power) - 1e-9)


def schoenfeld_power(events: float, hazard_ratio: float, *, alpha: float = 0.05,
                     allocation: float = 0.5) -> float:
    """Two-sided power of the log-rank test with ``events`` events (both tails counted)."""
    mu = math.sqrt(max(events, 0.0) * allocation * (1 - allocation)) * abs(
        math.log(hazard_ratio))
    z = _z(1 - alpha / 2)
    return _phi(mu - z) + _phi(-mu - z)


def schoenfeld_hazard_ratio(events: float, *, alpha: float = 0.05, power: float = 0.80,
                            benefit: bool = True) -> float:
    """The HR detectable with ``events`` events: exp(∓2(z_{1-α/2} + z_{power}) / √D)."""
    log_hr = 2 * (_z(1 - alpha / 2) + _z(power)) / math.sqrt(events)
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


# --- simulation ---------------------------------------------------------------------------

@dataclass(frozen=True)
class TrialData:
    """Simulated trials, one per row; arm A is the first n/2 columns."""

    time: FloatArray  # months from enrolment to event or censoring; < 0: not yet enrolled
    event: BoolArray
    arm_a: BoolArray  # shape (n,)
    progression_calendar: FloatArray  # months from study start to progression; inf: dropout
    analysis_months: FloatArray  # shape (trials,): calendar time of the analysis


def draw_trials(design: Design, trials: int, rng: np.random.Generator) -> TrialData:
    """Draw ``trials`` trials of the model in the module docstring."""
    n, half = design.n, design.n // 2
    scale = np.repeat([design.median_a_months / math.log(2),
                       design.median_b_months / math.log(2)], half)
    entry = rng.random((trials, n))
    entry *= design.accrual_months
    t_event = rng.standard_exponential((trials, n))
    t_event *= scale
    calendar = entry + t_event
    t_drop: FloatArray | None = None
    if design.dropout_12m > 0:
        t_drop = rng.standard_exponential((trials, n)) / design.dropout_hazard
        calendar[t_drop <= t_event] = np.inf
    if design.events is None:
        analysis = np.full(trials, design.accrual_months + design.followup_months)
    else:
        analysis = np.partition(calendar, design.events - 1, axis=1)[:, design.events - 1]
        unreached = ~np.isfinite(analysis)
        if unreached.any():  # only with dropout: analyse when all follow-up has ended
            assert t_drop is not None
            ends = entry[unreached] + np.minimum(t_event[unreached], t_drop[unreached])
            analysis[unreached] = ends.max(axis=1)
    cutoff = analysis[:, None]
    event = calendar <= cutoff
    follow = cutoff - entry  # negative for patients enrolled after the analysis
    censor = follow if t_drop is None else np.minimum(follow, t_drop)
    time = np.where(event, t_event, censor)
    return TrialData(time=time, event=event, arm_a=np.arange(n) < half,
                     progression_calendar=calendar, analysis_months=analysis)


def logrank_z(time: FloatArray, event: BoolArray, arm_a: BoolArray) -> FloatArray:
    """Signed log-rank Z (observed minus expected in arm A over √V) of each row.

    ``time`` and ``event`` have shape (trials, n); ``arm_a`` has shape (n,) or (trials, n).
    Negative times are never at risk (patients not yet enrolled). Z is 0 when V is 0.
    """
    time = np.atleast_2d(np.asarray(time, dtype=np.float64))
    event = np.atleast_2d(np.asarray(event, dtype=bool))
    arm = np.asarray(arm_a, dtype=bool)
    m, n = time.shape
    order = np.argsort(time, axis=1)
    ts = np.take_along_axis(time, order, axis=1)
    ev = np.take_along_axis(event, order, axis=1)
    a = arm[order] if arm.ndim == 1 else np.take_along_axis(
        np.broadcast_to(arm, (m, n)), order, axis=1)
    a_total = a.sum(axis=1, keepdims=True, dtype=np.float64)
    # continuous times: position k is its own risk set of n - k patients
    a_before = np.cumsum(a, axis=1, dtype=np.float64)
    a_before -= a
    frac = (a_total - a_before) / np.arange(n, 0, -1, dtype=np.float64)
    frac_ev = np.where(ev, frac, 0.0)
    u = np.count_nonzero(ev & a, axis=1) - frac_ev.sum(axis=1)
    v = (frac_ev * (1.0 - frac_ev)).sum(axis=1)
    tied = np.any(ts[:, 1:] == ts[:, :-1], axis=1)
    if tied.any():
        u[tied], v[tied] = _grouped_u_v(ts[tied], ev[tied], a[tied], a_total[tied])
    z = np.zeros(m)
    np.divide(u, np.sqrt(v), out=z, where=v > 0)
    return z


def _grouped_u_v(ts: FloatArray, ev: BoolArray, a: BoolArray,
                 a_total: FloatArray) -> tuple[FloatArray, FloatArray]:
    """U and V with tied times grouped into one risk set each (rows sorted by time)."""
    m, n = ts.shape
    first = np.ones((m, n), dtype=bool)
    first[:, 1:] = ts[:, 1:] != ts[:, :-1]
    last = np.ones((m, n), dtype=bool)
    last[:, :-1] = first[:, 1:]
    start = np.maximum.accumulate(np.where(first, np.arange(n), 0), axis=1)

    def in_group(x: NDArray[Any]) -> tuple[FloatArray, FloatArray]:
        cum = np.zeros((m, n + 1))
        np.cumsum(x, axis=1, out=cum[:, 1:])
        before = np.take_along_axis(cum, start, axis=1)
        return cum[:, 1:] - before, before  # up to position k within its group; before group

    d, _unused = in_group(ev)
    d_a, _unused = in_group(ev & a)
    _unused, a_before = in_group(a)
    at_risk = (n - start).astype(np.float64)
    frac = (a_total - a_before) / at_risk
    u = np.where(last, d_a - d * frac, 0.0).sum(axis=1)
    ties = (at_risk - d) / np.maximum(at_risk - 1.0, 1.0)
    v = np.where(last, d * frac * (1.0 - frac) * ties, 0.0).sum(axis=1)
    return u, v


@dataclass(frozen=True)
class SimulationResult:
    hazard_ratio: float
    trials: int
    power: float
    power_se: float
    events_mean: float
    events_median: float
    duration_median_months: float
    months_to_events_median: float | None  # calendar time of the `target_events`-th event
    target_events: int | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _median_or_none(values: FloatArray) -> float | None:
    median = float(np.median(values))
    return median if math.isfinite(median) else None


def simulate_trials(design: Design, trials: int, *, seed: int | None,
                    target_events: int | None = None, chunk_trials: int = CHUNK_TRIALS,
                    progress: Progress | None = None) -> SimulationResult:
    """Simulate ``trials`` trials in chunks; ``target_events`` (≤ n) also reports the median
    calendar time at which that many progressions have happened (no analysis cut-off)."""
    if trials < 1:
        raise ValidationError(_("must be at least 1"), field="trials")
    if target_events is not None and not 1 <= target_events <= design.n:
        target_events = None
    rng = np.random.default_rng(seed)
    z_crit = _z(1 - design.alpha / 2)
    rejected = 0
    events = np.empty(trials, dtype=np.int64)
    duration = np.empty(trials)
    to_events = np.empty(trials)
    done = 0
    while done < trials:
        m = min(chunk_trials, trials - done)
        data = draw_trials(design, m, rng)
        z = logrank_z(data.time, data.event, data.arm_a)
        rejected += int(np.count_nonzero(np.abs(z) > z_crit))
        events[done:done + m] = np.count_nonzero(data.event, axis=1)
        duration[done:done + m] = data.analysis_months
        if target_events is not None:
            k = target_events - 1
            to_events[done:done + m] = np.partition(data.progression_calendar, k, axis=1)[:, k]
        done += m
        if progress is not None:
            progress(m)
    power = rejected / trials
    return SimulationResult(
        hazard_ratio=design.hazard_ratio, trials=trials, power=power,
        power_se=math.sqrt(power * (1 - power) / trials), events_mean=float(events.mean()),
        events_median=float(np.median(events)), duration_median_months=float(np.median(duration)),
        months_to_events_median=None if target_events is None else _median_or_none(to_events),
        target_events=target_events)


@dataclass(frozen=True)
class PowerPoint:
    hazard_ratio: float
    power: float
    power_se: float
    schoenfeld_power: float
    expected_events: float


def power_curve(design: Design, hazard_ratios: Sequence[float], trials: int, *,
                seed: int | None, progress: Progress | None = None) -> list[PowerPoint]:
    """Simulated and Schoenfeld power at each HR (control median fixed). Every HR reuses the
    same seed (common random numbers), which keeps the simulated curve smooth."""
    points = []
    for hr in hazard_ratios:
        d = design.with_hazard_ratio(hr)
        sim = simulate_trials(d, trials, seed=seed, progress=progress)
        exp_events = expected_events(d)
        points.append(PowerPoint(hazard_ratio=hr, power=sim.power, power_se=sim.power_se,
                                 schoenfeld_power=schoenfeld_power(exp_events, hr,
                                                                   alpha=d.alpha),
                                 expected_events=exp_events))
    return points


def detectable_hr_from_curve(points: Sequence[PowerPoint], *, power: float = 0.80,
                             benefit: bool = True) -> float | None:
    """The HR where the simulated power first reaches ``power`` going away from HR 1,
    interpolated linearly in (ln HR, probit power) between neighbouring grid points."""
    side = [p for p in points if (p.hazard_ratio <= 1) == benefit or p.hazard_ratio == 1]
    side.sort(key=lambda p: abs(math.log(p.hazard_ratio)))
    for near, far in pairwise(side):
        if near.power < power <= far.power:
            lo, hi = (_z(min(max(p.power, 1e-6), 1 - 1e-6)) for p in (near, far))
            x0, x1 = math.log(near.hazard_ratio), math.log(far.hazard_ratio)
            return math.exp(x0 + (x1 - x0) * (_z(power) - lo) / (hi - lo))
    return None


@dataclass(frozen=True)
class DesignReport:
    design: Design
    seed: int
    power_target: float
    hazard_ratio: float
    required_events: int | None  # Schoenfeld, true HR, rounded up; None at HR 1
    expected_events: float  # formula (fixed follow-up) or E (event-driven)
    schoenfeld_power: float  # at the expected events
    simulation: SimulationResult
    detectable_hr_simulation: float | None
    detectable_hr_schoenfeld: float | None
    curve: list[PowerPoint]

    @property
    def duration_definition(self) -> str:
        return "fixed" if self.design.events is None else "event-driven"

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["duration_definition"] = self.duration_definition
        clean: dict[str, Any] = _finite(data)
        return clean


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def design_report(design: Design, trials: int, *, seed: int | None = None,
                  power_target: float = 0.80, hazard_ratios: Sequence[float] | None = None,
                  progress: Progress | None = None) -> DesignReport:
    """Simulation at the design's HR, the power curve and the detectable HR both ways.

    Without a seed one is drawn and reported, so every run can be repeated. The grid defaults
    to :data:`HR_GRID` (its reciprocals when the design's HR is above 1).
    """
    if not design.alpha < power_target < 1:
        raise ValidationError(_("must lie between alpha and 1"), field="power_target")
    if trials < 1:
        raise ValidationError(_("must be at least 1"), field="trials")
    if seed is None:
        seed = int(np.random.SeedSequence().entropy) % 2**32  # type: ignore[arg-type]
    if seed < 0:
        raise ValidationError(_("must be zero or a positive whole number"), field="seed")
    hr = design.hazard_ratio
    benefit = hr <= 1
    if hazard_ratios is None:
        hazard_ratios = HR_GRID if benefit else tuple(round(1 / h, 4) for h in HR_GRID)
    required = (required_events(hr, alpha=design.alpha, power=power_target)
                if hr != 1 else None)
    target = required if design.events is None else None
    simulation = simulate_trials(design, trials, seed=seed, target_events=target,
                                 progress=progress)
    curve = power_curve(design, hazard_ratios, trials, seed=seed, progress=progress)
    exp_events = expected_events(design)
    return DesignReport(
        design=design, seed=seed, power_target=power_target, hazard_ratio=hr,
        required_events=required,
        expected_events=exp_events,
        schoenfeld_power=schoenfeld_power(exp_events, hr, alpha=design.alpha),
        simulation=simulation,
        detectable_hr_simulation=detectable_hr_from_curve(curve, power=power_target,
                                                          benefit=benefit),
        detectable_hr_schoenfeld=schoenfeld_detectable_hr(design, power=power_target),
        curve=curve)


# --- plot ---------------------------------------------------------------------------------

def power_curve_svg(points: Sequence[PowerPoint], *, x_label: str, y_label: str,
                    simulation_label: str, schoenfeld_label: str, target_label: str,
                    power_target: float = 0.80, design_hr: float | None = None,
                    design_label: str = "", title: str = "") -> str:
    """An SVG of power against HR: simulated points with 95 % Monte Carlo bars, Schoenfeld's
    curve, the target power as a dashed line and, if given, the design's HR as a dotted one."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ordered = sorted(points, key=lambda p: p.hazard_ratio)
    hrs = [p.hazard_ratio for p in ordered]
    with matplotlib.rc_context({"svg.fonttype": "none", "font.size": 9,
                                "svg.hashsalt": "dawna"}):
        fig, ax = plt.subplots(figsize=(6.4, 3.6))
        try:
            ax.axhline(power_target, color="#cf222e", linestyle="--", linewidth=0.8)
            ax.text(hrs[-1] if hrs else 1.0, power_target, f" {target_label}", va="bottom",
                    ha="right", color="#cf222e")
            if design_hr is not None:
                ax.axvline(design_hr, color="#8c959f", linestyle=":", linewidth=0.8)
                ax.text(design_hr, 0.02, f" {design_label}", va="bottom", ha="left",
                        color="#57606a")
            ax.plot(hrs, [p.schoenfeld_power for p in ordered], color="#57606a",
                    linewidth=1.2, label=schoenfeld_label)
            ax.errorbar(hrs, [p.power for p in ordered],
                        yerr=[1.96 * p.power_se for p in ordered], fmt="o", markersize=4,
                        color="#2f81f7", capsize=2, label=simulation_label)
            ax.set_xlabel(x_label)
            ax.set_ylabel(y_label)
            ax.set_ylim(0, 1.02)
            if title:
                ax.set_title(title)
            ax.legend(frameon=False, loc="best")
            ax.spines[["top", "right"]].set_visible(False)
            fig.tight_layout()
            buf = io.StringIO()
            fig.savefig(buf, format="svg", metadata={"Date": None})
            return buf.getvalue()
        finally:
            plt.close(fig)
