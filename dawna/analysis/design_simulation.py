r"""Monte Carlo simulation of the design of :mod:`dawna.analysis.design` (the trial model is
described in :mod:`dawna.analysis.design_model`, the vectorized log-rank test in
:mod:`dawna.analysis.design_kernel`): trials drawn in chunks, simulated power and the power
curve.
"""

from __future__ import annotations

import math
import os
import queue
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from itertools import pairwise
from typing import Any, TypeVar

import numpy as np

from dawna.analysis.design_kernel import ChunkResult, Draws, Workspace, arm_scale, logrank_z
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


@dataclass(frozen=True)
class TrialData:
    """Simulated trials, one per row; arm A is the first n/2 columns."""

    time: FloatArray  # months from enrolment to event or censoring; < 0: not yet enrolled
    event: BoolArray
    arm_a: BoolArray  # shape (n,)
    progression_calendar: FloatArray  # months from study start to progression; inf: dropout
    analysis_months: FloatArray  # shape (trials,): calendar time of the analysis


def draw_random(design: Design, trials: int, rng: np.random.Generator) -> Draws:
    n = design.n
    entry = rng.random((trials, n))
    progression = rng.standard_exponential((trials, n))
    dropout = rng.standard_exponential((trials, n)) if design.dropout_12m > 0 else None
    return Draws(entry=entry, progression=progression, dropout=dropout)


def trials_of(design: Design, draws: Draws, *, overwrite: bool = False) -> TrialData:
    """The trials of ``design`` (model in :mod:`dawna.analysis.design_model`) from ``draws``,
    scaled in place with ``overwrite`` (the draws are then used up)."""
    trials, n = draws.entry.shape
    half = n // 2
    scale = arm_scale(design)
    if overwrite:
        entry, t_event = draws.entry, draws.progression
        entry *= design.accrual_months
        t_event *= scale
    else:
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
    return trials_of(design, draw_random(design, trials, rng), overwrite=True)


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


_Chunk = tuple[int, np.random.SeedSequence]


def _in_parallel(work: Callable[[_Chunk, Workspace], _T], chunks: list[_Chunk],
                 design: Design) -> Iterator[_T]:
    """``work`` of every chunk, in order, each with a thread's :class:`Workspace`; on two
    threads when there is more than one chunk (NumPy's sorting, sums and random draws release
    the GIL, so both cores work)."""
    workers = min(len(chunks), os.cpu_count() or 1, MAX_THREADS)
    size = max(m for m, _seed in chunks)
    spaces: queue.SimpleQueue[Workspace] = queue.SimpleQueue()

    def with_space(spec: _Chunk) -> _T:
        try:
            space = spaces.get_nowait()
        except queue.Empty:  # at most one per thread
            space = Workspace(design.n, size, design.dropout_12m > 0)
        try:
            return work(spec, space)
        finally:
            spaces.put(space)

    if workers <= 1:
        yield from map(with_space, chunks)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(with_space, chunks)


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

    def chunk(spec: _Chunk, space: Workspace) -> ChunkResult:
        m, child = spec
        draws = space.draw(m, np.random.default_rng(child))
        return space.run(design, draws, z_crit, details=True, target_events=target_events)

    rejected = 0
    events, duration, to_events = [], [], []
    for result in _in_parallel(chunk, _chunks(trials, chunk_trials, seed), design):
        assert result.events is not None and result.analysis_months is not None
        rejected += result.rejected
        events.append(result.events)
        duration.append(result.analysis_months)
        if result.to_events is not None:
            to_events.append(result.to_events)
        if progress is not None:
            progress(len(result.events))
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

    def chunk(spec: _Chunk, space: Workspace) -> list[int]:
        m, child = spec
        draws = space.draw(m, np.random.default_rng(child))
        return [space.run(d, draws, z_crit, details=False).rejected
                for d, z_crit in zip(designs, crits, strict=True)]

    rejected = [0] * len(designs)
    for spec_hits, (m, _seed) in zip(_in_parallel(chunk, chunks := _chunks(
            trials, CHUNK_TRIALS, seed), design), chunks, strict=True):
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
