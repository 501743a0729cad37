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
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from itertools import pairwise
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from dawna.analysis.design_model import CHUNK_TRIALS, BoolArray, Design, FloatArray, Progress
from dawna.analysis.design_schoenfeld import expected_events, normal_quantile, schoenfeld_power
from dawna.errors import ValidationError
from dawna.i18n import _

__all__ = [
    "Draws",
    "PowerPoint",
    "SimulationResult",
    "TrialData",
    "detectable_hr_from_curve",
    "draw_random",
    "draw_trials",
    "logrank_z",
    "power_curve",
    "simulate_trials",
    "trials_of",
]

MAX_THREADS = 2
"""Threads for the chunks of one simulation (this deployment's machines have two cores)."""
_T = TypeVar("_T")
IntArray = NDArray[np.int64]

@dataclass(frozen=True)
class TrialData:
    """Simulated trials, one per row; arm A is the first n/2 columns."""

    time: FloatArray  # months from enrolment to event or censoring; < 0: not yet enrolled
    event: BoolArray
    arm_a: BoolArray  # shape (n,)
    progression_calendar: FloatArray  # months from study start to progression; inf: dropout
    analysis_months: FloatArray  # shape (trials,): calendar time of the analysis


@dataclass(frozen=True)
class Draws:
    """The random numbers of ``trials`` trials, before any design's scale is applied: entry
    fractions of the accrual period, standard exponentials of progression and of dropout. Every
    design of a power curve (same n, accrual and dropout; only the medians differ) is computed
    from the same draws (common random numbers)."""

    entry: FloatArray  # U(0, 1), shape (trials, n)
    progression: FloatArray  # Exp(1)
    dropout: FloatArray | None  # Exp(1), drawn only when the design has dropout


def draw_random(design: Design, trials: int, rng: np.random.Generator) -> Draws:
    n = design.n
    entry = rng.random((trials, n))
    progression = rng.standard_exponential((trials, n))
    dropout = rng.standard_exponential((trials, n)) if design.dropout_12m > 0 else None
    return Draws(entry=entry, progression=progression, dropout=dropout)


def trials_of(design: Design, draws: Draws) -> TrialData:
    """The trials of ``design`` (model in :mod:`dawna.analysis.design_model`) from ``draws``."""
    trials, n = draws.entry.shape
    half = n // 2
    scale = np.repeat([design.median_a_months / math.log(2),
                       design.median_b_months / math.log(2)], half)
    entry = draws.entry * design.accrual_months
    t_event = draws.progression * scale
    calendar = entry + t_event
    t_drop: FloatArray | None = None
    if draws.dropout is not None:
        t_drop = draws.dropout / design.dropout_hazard
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


def draw_trials(design: Design, trials: int, rng: np.random.Generator) -> TrialData:
    """Draw ``trials`` trials of the model in :mod:`dawna.analysis.design_model`."""
    return trials_of(design, draw_random(design, trials, rng))


def logrank_z(time: FloatArray, event: BoolArray, arm_a: BoolArray) -> FloatArray:
    """Signed log-rank Z (observed minus expected in arm A over √V) of each row.

    ``time`` and ``event`` have shape (trials, n); ``arm_a`` has shape (n,) or (trials, n).
    Negative times are never at risk (patients not yet enrolled). Z is 0 when V is 0.
    """
    time = np.atleast_2d(np.asarray(time, dtype=np.float64))
    event = np.atleast_2d(np.asarray(event, dtype=bool))
    arm = np.asarray(arm_a, dtype=bool)
    m, n = time.shape
    # One sort of 64-bit keys instead of an argsort and three gathers: each time's IEEE bits
    # with the two lowest mantissa bits replaced by the event and arm flags (a change of at
    # most 3 units in the last place, which moves no time past another unless they already
    # share all other bits; those count as tied). Non-negative times keep their order as
    # integers; negative ones (never at risk) sort before them.
    key = np.ascontiguousarray(time).view(np.int64) & np.int64(~3)
    key |= event
    key |= np.broadcast_to(arm, (m, n)).astype(np.int64) << 1
    key.sort(axis=1)
    flags = key & 3
    ev = flags & 1
    a = flags >> 1
    # continuous times: position k is its own risk set of n - k patients
    a_at_risk = np.cumsum(a[:, ::-1], axis=1)[:, ::-1]
    frac_ev = a_at_risk / np.arange(n, 0, -1, dtype=np.float64)
    frac_ev *= ev
    u = np.count_nonzero(flags == 3, axis=1) - frac_ev.sum(axis=1)
    v = (frac_ev * (1.0 - frac_ev)).sum(axis=1)
    masked = key >> 2
    tied = np.any(masked[:, 1:] == masked[:, :-1], axis=1)
    if tied.any():
        ts = (key[tied] & np.int64(~3)).view(np.float64)
        a_total = a[tied].sum(axis=1, keepdims=True, dtype=np.float64)
        u[tied], v[tied] = _grouped_u_v(ts, ev[tied].astype(bool), a[tied].astype(bool),
                                        a_total)
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


def _chunks(trials: int, chunk_trials: int, seed: int | None
            ) -> list[tuple[int, np.random.SeedSequence]]:
    """(size, seed) of each chunk: the chunk's random stream depends only on the seed and its
    place, so a run gives the same numbers on one thread or several."""
    sizes = [min(chunk_trials, trials - start) for start in range(0, trials, chunk_trials)]
    return list(zip(sizes, np.random.SeedSequence(seed).spawn(len(sizes)), strict=True))


def _in_parallel(work: Callable[[tuple[int, np.random.SeedSequence]], _T],
                 chunks: list[tuple[int, np.random.SeedSequence]]) -> Iterator[_T]:
    """``work`` of every chunk, in order; on two threads when there is more than one chunk
    (NumPy's sorting, sums and random draws release the GIL, so both cores work)."""
    workers = min(len(chunks), os.cpu_count() or 1, MAX_THREADS)
    if workers <= 1:
        yield from map(work, chunks)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(work, chunks)


def simulate_trials(design: Design, trials: int, *, seed: int | None,
                    target_events: int | None = None, chunk_trials: int = CHUNK_TRIALS,
                    progress: Progress | None = None) -> SimulationResult:
    """Simulate ``trials`` trials in chunks; ``target_events`` (≤ n) also reports the median
    calendar time at which that many progressions have happened (no analysis cut-off)."""
    if trials < 1:
        raise ValidationError(_("must be at least 1"), field="trials")
    if target_events is not None and not 1 <= target_events <= design.n:
        target_events = None
    z_crit = normal_quantile(1 - design.alpha / 2)

    def chunk(spec: tuple[int, np.random.SeedSequence]
              ) -> tuple[int, IntArray, FloatArray, FloatArray | None]:
        m, child = spec
        data = draw_trials(design, m, np.random.default_rng(child))
        z = logrank_z(data.time, data.event, data.arm_a)
        to_events = None
        if target_events is not None:
            k = target_events - 1
            to_events = np.partition(data.progression_calendar, k, axis=1)[:, k]
        return (int(np.count_nonzero(np.abs(z) > z_crit)),
                np.count_nonzero(data.event, axis=1), data.analysis_months, to_events)

    rejected = 0
    events, duration, to_events = [], [], []
    for hits, n_events, months, reached in _in_parallel(chunk, _chunks(trials, chunk_trials,
                                                                       seed)):
        rejected += hits
        events.append(n_events)
        duration.append(months)
        if reached is not None:
            to_events.append(reached)
        if progress is not None:
            progress(len(months))
    power = rejected / trials
    all_events = np.concatenate(events)
    return SimulationResult(
        hazard_ratio=design.hazard_ratio, trials=trials, power=power,
        power_se=math.sqrt(power * (1 - power) / trials), events_mean=float(all_events.mean()),
        events_median=float(np.median(all_events)),
        duration_median_months=float(np.median(np.concatenate(duration))),
        months_to_events_median=None if target_events is None else _median_or_none(
            np.concatenate(to_events)),
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
    """Simulated and Schoenfeld power at each HR (control median fixed). Every HR is computed
    from the same draws (common random numbers: only arm A's median changes, so its
    progression times are the same exponentials rescaled), which keeps the curve smooth and
    draws each chunk's random numbers once for the whole curve; the power at each HR equals
    :func:`simulate_trials` with the same seed."""
    if trials < 1:
        raise ValidationError(_("must be at least 1"), field="trials")
    designs = [design.with_hazard_ratio(hr) for hr in hazard_ratios]
    crits = [normal_quantile(1 - d.alpha / 2) for d in designs]

    def chunk(spec: tuple[int, np.random.SeedSequence]) -> list[int]:
        m, child = spec
        draws = draw_random(design, m, np.random.default_rng(child))
        hits = []
        for d, z_crit in zip(designs, crits, strict=True):
            data = trials_of(d, draws)
            z = logrank_z(data.time, data.event, data.arm_a)
            hits.append(int(np.count_nonzero(np.abs(z) > z_crit)))
        return hits

    rejected = [0] * len(designs)
    for spec_hits, (m, _seed) in zip(_in_parallel(chunk, chunks := _chunks(
            trials, CHUNK_TRIALS, seed)), chunks, strict=True):
        rejected = [r + h for r, h in zip(rejected, spec_hits, strict=True)]
        if progress is not None:
            progress(m * len(designs))
    points = []
    for hr, d, hits in zip(hazard_ratios, designs, rejected, strict=True):
        power = hits / trials
        exp_events = expected_events(d)
        points.append(PowerPoint(hazard_ratio=hr, power=power,
                                 power_se=math.sqrt(power * (1 - power) / trials),
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
