"""Pocock–Simon minimization: imbalance scores and the biased-coin assignment (pure).

Source: Pocock & Simon, Biometrics 1975;31:103-115. For a new patient with level :math:`r_j` of
factor :math:`j` and each candidate arm :math:`k`, let :math:`x^{(k)}_{j,a}` be the number of
patients at level :math:`r_j` already on arm :math:`a`, plus one if :math:`a = k`. The imbalance
:math:`d^{(k)}_j` is the range :math:`\\max_a x - \\min_a x` or the (population) variance of
:math:`x^{(k)}_{j,\\cdot}` over the arms, and :math:`G_k = \\sum_j w_j d^{(k)}_j`. The arm with the
smallest :math:`G_k` is given with probability :math:`p`, each other arm with
:math:`(1 - p)/(N - 1)`; a tie for the smallest is broken at random (§3). ICH E9 §2.3.2 asks
for a random element in each dynamic allocation, hence p < 1 in practice (0.8 by default).

Unequal ratios: counts are divided by the arm's ratio number before the imbalance is measured
(4 vs 2 is balanced for 2:1). Kuznetsova & Tymofyeyev, Stat Med 2012;31:701-723, show that this
plain extension can drift from the target ratio; prefer 1:1 with minimization.

The random draw ``u`` is an argument, so these functions are pure; the sequential replay from the
seed is :func:`dawna.rules.randomization.replay_minimization`. Also re-exported from
:mod:`dawna.rules.randomization`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dawna.errors import ValidationError

__all__ = ["Counts", "MinimizationDecision", "imbalance_scores", "minimization_assign",
           "rank_probabilities"]

Counts = Mapping[str, Mapping[str, Mapping[str, int]]]
"""``counts[factor][level][arm]``: patients already allocated (a missing entry counts 0)."""


@dataclass(frozen=True)
class MinimizationDecision:
    """The arm given, every arm's G, the arm(s) with the smallest G and the draw ``u`` used."""

    arm: str
    scores: dict[str, float]
    preferred_arms: tuple[str, ...]
    random_draw_used: float


def _imbalance(row: Sequence[float], method: str) -> float:
    if method == "range":
        return float(max(row) - min(row))
    mean = sum(row) / len(row)
    return sum((x - mean) ** 2 for x in row) / len(row)


def imbalance_scores(counts: Counts, levels: Mapping[str, str], arms: Sequence[str],
                     weights: Mapping[str, float], method: str, *,
                     ratio: Sequence[int] | None = None) -> dict[str, float]:
    """G_k for each candidate arm k (Pocock & Simon 1975 §2): add the patient to arm k; for each
    of the patient's factors take the counts of the patient's own level across the arms (divided
    by the arm's ratio number when ``ratio`` is given), measure their imbalance (``range``:
    max − min; ``variance``: population variance) and sum, weighted by ``weights`` (1 for a factor
    not named)."""
    if method not in ("range", "variance"):
        raise ValidationError(f"imbalance must be range or variance, not {method!r}",
                              field="imbalance")
    shares = [1] * len(arms) if ratio is None else list(ratio)
    if len(shares) != len(arms) or any(r < 1 for r in shares):
        raise ValidationError("ratio must give one positive number per arm", field="ratio")
    for factor, w in weights.items():
        if not w > 0:
            raise ValidationError(f"weight of {factor} must be positive", field="weights")
    scores: dict[str, float] = {}
    for k in arms:
        total = 0.0
        for factor, level in levels.items():
            by_arm = counts.get(factor, {}).get(level, {})
            row = [(by_arm.get(a, 0) + (1 if a == k else 0)) / share
                   for a, share in zip(arms, shares, strict=True)]
            total += weights.get(factor, 1.0) * _imbalance(row, method)
        scores[k] = total
    return scores


def minimization_assign(counts: Counts, levels: Mapping[str, str], arms: Sequence[str],
                        weights: Mapping[str, float], method: str, p: float, u: float, *,
                        ratio: Sequence[int] | None = None) -> MinimizationDecision:
    """Pocock & Simon (1975) §3 biased coin on G. With one arm of smallest G: that arm when
    ``u < p``, otherwise one of the other arms chosen uniformly by ``(u − p)/(1 − p)``. With a tie
    for the smallest G: one of the tied arms chosen uniformly by ``u``. ``u`` is a uniform draw in
    [0, 1) (see :func:`uniform`), ``p`` the probability of the preferred arm (1/N < p ≤ 1)."""
    if len(arms) < 2 or len(set(arms)) != len(arms):
        raise ValidationError("need at least two distinct arms", field="arms")
    if not 1 / len(arms) < p <= 1:
        raise ValidationError(f"probability must be above 1/{len(arms)} and at most 1",
                              field="probability")
    if not 0 <= u < 1:
        raise ValidationError("the random draw must lie in [0, 1)", field="u")
    scores = imbalance_scores(counts, levels, arms, weights, method, ratio=ratio)
    best = min(scores.values())
    preferred = tuple(a for a in arms if math.isclose(scores[a], best, rel_tol=1e-9,
                                                      abs_tol=1e-12))
    if len(preferred) > 1:
        arm = preferred[min(int(u * len(preferred)), len(preferred) - 1)]
    elif u < p:
        arm = preferred[0]
    else:
        others = [a for a in arms if a != preferred[0]]
        share = (u - p) / (1 - p)
        arm = others[min(int(share * len(others)), len(others) - 1)]
    return MinimizationDecision(arm, scores, preferred, u)


def rank_probabilities(n_arms: int, q: float) -> list[float]:
    """Pocock & Simon (1975) §3's rank-based alternative to the biased coin: with the N arms
    ranked by G (k = 1 smallest), arm k gets p_k = q - 2(Nq - 1)k / (N(N + 1)), for
    1/N <= q <= 2/(N - 1) (q = 1/N is equal allocation). They sum to 1 and fall with k."""
    if n_arms < 2:
        raise ValidationError("need at least two arms", field="arms")
    if not 1 / n_arms <= q <= 2 / (n_arms - 1):
        raise ValidationError(f"q must lie between 1/{n_arms} and 2/{n_arms - 1}", field="q")
    return [q - 2 * (n_arms * q - 1) * k / (n_arms * (n_arms + 1)) for k in range(1, n_arms + 1)]
