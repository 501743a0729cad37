r"""Monte Carlo simulation of the design of :mod:`dawna.analysis.design` (the trial model is
described in :mod:`dawna.analysis.design_model`): trials drawn in chunks, the vectorized
log-rank test, simulated power and the power curve.

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

References
----------
Collett D. Modelling Survival Data in Medical Research, 3rd ed., §2.6 (log-rank test).
Mantel N. Cancer Chemother Rep 1966;50:163-70.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from itertools import pairwise
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dawna.analysis.design_model import CHUNK_TRIALS, BoolArray, Design, FloatArray, Progress
from dawna.analysis.design_schoenfeld import expected_events, normal_quantile, schoenfeld_power
from dawna.errors import ValidationError
from dawna.i18n import _

__all__ = [
    "PowerPoint",
    "SimulationResult",
    "TrialData",
    "detectable_hr_from_curve",
    "draw_trials",
    "logrank_z",
    "power_curve",
    "simulate_trials",
]

@dataclass(frozen=True)
class TrialData:
    """Simulated trials, one per row; arm A is the first n/2 columns."""

    time: FloatArray  # months from enrolment to event or censoring; < 0: not yet enrolled
    event: BoolArray
    arm_a: BoolArray  # shape (n,)
    progression_calendar: FloatArray  # months from study start to progression; inf: dropout
    analysis_months: FloatArray  # shape (trials,): calendar time of the analysis


def draw_trials(design: Design, trials: int, rng: np.random.Generator) -> TrialData:
    """Draw ``trials`` trials of the model in :mod:`dawna.analysis.design_model`."""
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
    z_crit = normal_quantile(1 - design.alpha / 2)
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
            lo, hi = (normal_quantile(min(max(p.power, 1e-6), 1 - 1e-6)) for p in (near, far))
            x0, x1 = math.log(near.hazard_ratio), math.log(far.hazard_ratio)
            return math.exp(x0 + (x1 - x0) * (normal_quantile(power) - lo) / (hi - lo))
    return None
