r"""The vectorized log-rank test and the per-thread buffers that compute a chunk of simulated
trials (:mod:`dawna.analysis.design_simulation`) without allocating arrays per chunk.

Log-rank test, vectorized
-------------------------
Each trial is a row of a (trials x n) matrix. Each time's IEEE bits, with the two lowest
mantissa bits replaced by the event and arm flags, make one 64-bit key; one sort along axis 1
orders every row by time (a change of at most 3 units in the last place, which moves no time
past another unless they already share all other bits; those count as tied). Non-negative times
keep their order as integers; negative ones (patients not yet enrolled, never at risk) sort
before them. Over the distinct times :math:`t_j` with :math:`d_j` events (:math:`d_{Aj}` in arm
A) among :math:`Y_j` at risk (:math:`Y_{Aj}` in A), cumulative sums along the row give

.. math::
    U = \sum_j \Big(d_{Aj} - d_j \frac{Y_{Aj}}{Y_j}\Big), \qquad
    V = \sum_j d_j \frac{Y_{Aj}}{Y_j}\Big(1 - \frac{Y_{Aj}}{Y_j}\Big)\frac{Y_j - d_j}{Y_j - 1},
    \qquad Z = U / \sqrt{V},

rejecting when :math:`|Z| > z_{1-\alpha/2}` (two-sided; :math:`Z^2` is lifelines'
``logrank_test(...).test_statistic``). With continuous times ties have probability 0 and each
row position is its own risk set (:math:`Y_j = n - j`); rows that do hold ties (rounded data,
the tests) take a grouped path in which every tied time is one risk set: those censored at
:math:`t_j` are still at risk at :math:`t_j`, and the hypergeometric variance above is used.

Buffers
-------
A chunk's draws (2000 x 80 doubles each) and its trials, computed in blocks of
:data:`BLOCK_TRIALS` rows, go into arrays that one :class:`Workspace` allocates once and reuses
for every chunk its thread simulates and every HR of a power curve: fresh arrays of this size
are returned to the operating system when freed and page-faulted in again for the next chunk,
which cost more than the arithmetic; blocks also keep the working set in the core's cache. The
values are those of :func:`~dawna.analysis.design_simulation.trials_of` and :func:`logrank_z`,
operation for operation, so a seed gives the same results.

References
----------
Collett D. Modelling Survival Data in Medical Research, 3rd ed., §2.6 (log-rank test).
Mantel N. Cancer Chemother Rep 1966;50:163-70.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dawna.analysis.design_model import BoolArray, Design, FloatArray

__all__ = ["BLOCK_TRIALS", "ChunkResult", "Draws", "IntArray", "Workspace", "arm_scale",
           "logrank_z"]

BLOCK_TRIALS = 500
"""Trials computed together within a chunk: their arrays (160 kB each) stay in the core's
cache. Results do not depend on it (every trial is a row of its own)."""
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Draws:
    """The random numbers of ``trials`` trials, before any design's scale is applied: entry
    fractions of the accrual period, standard exponentials of progression and of dropout. Every
    design of a power curve (same n, accrual and dropout; only the medians differ) is computed
    from the same draws (common random numbers)."""

    entry: FloatArray  # U(0, 1), shape (trials, n)
    progression: FloatArray  # Exp(1)
    dropout: FloatArray | None  # Exp(1), drawn only when the design has dropout


def arm_scale(design: Design) -> FloatArray:
    """Mean progression time of each patient's arm (arm A the first n/2): Exp(1) x scale."""
    return np.repeat([design.median_a_months / math.log(2),
                      design.median_b_months / math.log(2)], design.n // 2)


def _pack_keys(time: FloatArray, event: BoolArray, arm_bits: IntArray) -> IntArray:
    """The sort keys of ``time`` (in place when it is contiguous: its buffer is reused)."""
    key = np.ascontiguousarray(time).view(np.int64)
    key &= np.int64(~3)
    key |= event
    key |= arm_bits
    return key


def logrank_z(time: FloatArray, event: BoolArray, arm_a: BoolArray) -> FloatArray:
    """Signed log-rank Z (observed minus expected in arm A over √V) of each row.

    ``time`` and ``event`` have shape (trials, n); ``arm_a`` has shape (n,) or (trials, n).
    Negative times are never at risk (patients not yet enrolled). Z is 0 when V is 0.
    """
    time = np.array(time, dtype=np.float64, ndmin=2)  # a copy: the keys are packed into it
    event = np.atleast_2d(np.asarray(event, dtype=bool))
    arm = np.asarray(arm_a, dtype=bool)
    m, n = time.shape
    key = _pack_keys(time, event, np.broadcast_to(arm, (m, n)).astype(np.int64) << 1)
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
    _grouped_rows(key, np.any(masked[:, 1:] == masked[:, :-1], axis=1), u, v)
    return _z(u, v)


def _z(u: FloatArray, v: FloatArray) -> FloatArray:
    z = np.zeros(len(u))
    np.divide(u, np.sqrt(v), out=z, where=v > 0)
    return z


def _grouped_rows(key: IntArray, tied: BoolArray, u: FloatArray, v: FloatArray) -> None:
    """U and V of the rows of sorted ``key`` that hold tied times, in place."""
    if not tied.any():
        return
    rows = key[tied]
    flags = rows & 3
    ev, a = (flags & 1).astype(bool), (flags >> 1).astype(bool)
    ts = (rows & np.int64(~3)).view(np.float64)
    u[tied], v[tied] = _grouped_u_v(ts, ev, a, a.sum(axis=1, keepdims=True, dtype=np.float64))


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
class ChunkResult:
    """One chunk of one design: rejections, and with ``details`` each trial's Z, events,
    analysis time and (with ``target_events``) the calendar time of that many progressions."""

    rejected: int
    z: FloatArray | None = None
    events: IntArray | None = None
    analysis_months: FloatArray | None = None
    to_events: FloatArray | None = None


class Workspace:
    """One thread's buffers: a chunk's draws and one block's trials (see the module's notes)."""

    def __init__(self, n: int, chunk_trials: int, dropout: bool) -> None:
        self.draws = Draws(entry=np.empty((chunk_trials, n)),
                           progression=np.empty((chunk_trials, n)),
                           dropout=np.empty((chunk_trials, n)) if dropout else None)
        b = min(BLOCK_TRIALS, chunk_trials)
        self.entry, self.t_event, self.calendar, self.time, self.fracs, self.spare = (
            np.empty((b, n)) for _i in range(6))
        self.t_drop = np.empty((b, n)) if dropout else None
        self.event = np.empty((b, n), dtype=bool)
        self.ints, self.ints2 = np.empty((b, n), dtype=np.int64), np.empty((b, n), np.int64)
        self.arm_bits = np.where(np.arange(n) < n // 2, 2, 0).astype(np.int64)
        self.twice_at_risk = 2.0 * np.arange(n, 0, -1, dtype=np.float64)

    def draw(self, trials: int, rng: np.random.Generator) -> Draws:
        """Draw into the buffers: the same numbers, in the same order, as ``draw_random``."""
        entry, progression = self.draws.entry[:trials], self.draws.progression[:trials]
        rng.random(out=entry)
        rng.standard_exponential(out=progression)
        dropout = None
        if self.draws.dropout is not None:
            dropout = self.draws.dropout[:trials]
            rng.standard_exponential(out=dropout)
        return Draws(entry=entry, progression=progression, dropout=dropout)

    def run(self, design: Design, draws: Draws, z_crit: float, *, details: bool,
            target_events: int | None = None) -> ChunkResult:
        """``design``'s trials from ``draws`` (any number of rows, n columns) and their tests;
        the draws are read, not changed, so every HR of a curve can use them."""
        m = draws.entry.shape[0]
        scale = arm_scale(design)
        rejected = 0
        zs = np.empty(m) if details else None
        events = np.empty(m, dtype=np.int64) if details else None
        analysis = np.empty(m) if details else None
        to_events = np.empty(m) if details and target_events is not None else None
        for start in range(0, m, len(self.entry)):
            rows = slice(start, min(start + len(self.entry), m))
            z, event, cut = self._block(design, scale, draws, rows)
            rejected += int(np.count_nonzero(np.abs(z) > z_crit))
            if zs is not None and events is not None and analysis is not None:
                zs[rows] = z
                events[rows] = np.count_nonzero(event, axis=1)
                analysis[rows] = cut
            if to_events is not None and target_events is not None:
                calendar = self.calendar[:len(z)]
                to_events[rows] = np.partition(calendar, target_events - 1,
                                               axis=1)[:, target_events - 1]
        return ChunkResult(rejected=rejected, z=zs, events=events, analysis_months=analysis,
                           to_events=to_events)

    def _block(self, design: Design, scale: FloatArray, draws: Draws, rows: slice
               ) -> tuple[FloatArray, BoolArray, FloatArray | float]:
        """Z of each trial of ``rows``, their event flags and analysis times (the model and its
        operations as in ``trials_of``; the keys and sums as in :func:`logrank_z`)."""
        b = rows.stop - rows.start
        n = len(scale)
        entry, t_event, calendar, event = (self.entry[:b], self.t_event[:b],
                                           self.calendar[:b], self.event[:b])
        np.multiply(draws.entry[rows], design.accrual_months, out=entry)
        np.multiply(draws.progression[rows], scale, out=t_event)
        np.add(entry, t_event, out=calendar)
        t_drop = None
        if draws.dropout is not None and self.t_drop is not None:
            t_drop = self.t_drop[:b]
            np.divide(draws.dropout[rows], design.dropout_hazard, out=t_drop)
            np.less_equal(t_drop, t_event, out=event)
            np.copyto(calendar, np.inf, where=event)
        cut: FloatArray | float
        cutoff: FloatArray | float
        if design.events is None:
            cut = cutoff = design.accrual_months + design.followup_months
        else:
            cut = np.partition(calendar, design.events - 1, axis=1)[:, design.events - 1]
            unreached = ~np.isfinite(cut)
            if unreached.any():  # only with dropout: analyse when all follow-up has ended
                assert t_drop is not None
                ends = entry[unreached] + np.minimum(t_event[unreached], t_drop[unreached])
                cut[unreached] = ends.max(axis=1)
            cutoff = cut[:, None]
        np.less_equal(calendar, cutoff, out=event)
        time = self.time[:b]
        np.subtract(cutoff, entry, out=time)  # negative for patients not yet enrolled
        if t_drop is not None:
            np.minimum(time, t_drop, out=time)
        np.copyto(time, t_event, where=event)
        key = _pack_keys(time, event, self.arm_bits)
        key.sort(axis=1)
        ints, ints2, fracs, spare = self.ints[:b], self.ints2[:b], self.fracs[:b], self.spare[:b]
        flat, diffs = key.reshape(-1), ints.reshape(-1)[:-1]
        np.subtract(flat[1:], flat[:-1], out=diffs)  # within a row: 0 to 3 if tied
        tied = None
        if diffs.view(np.uint64).min() < 4:  # (rarely) a candidate: exact check by row
            masked = key >> 2
            tied = np.any(masked[:, 1:] == masked[:, :-1], axis=1)
        np.bitwise_and(key, 2, out=ints)  # 2 in arm A
        ints2[:, 0] = 0
        np.cumsum(ints[:, :-1], axis=1, out=ints2[:, 1:])  # 2 x (arm A before position k)
        np.subtract(n, ints2, out=ints2)  # 2 x (arm A at risk): arm A is n/2 of each row
        np.bitwise_and(key, 1, out=ints)
        ints2 *= ints  # at events only
        np.divide(ints2, self.twice_at_risk, out=fracs)
        u = np.count_nonzero(event[:, :n // 2], axis=1) - fracs.sum(axis=1)
        np.subtract(1.0, fracs, out=spare)
        spare *= fracs
        v = spare.sum(axis=1)
        if tied is not None:
            _grouped_rows(key, tied, u, v)
        return _z(u, v), event, cut
