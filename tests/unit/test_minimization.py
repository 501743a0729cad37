"""Pocock–Simon minimization (Biometrics 1975;31:103-115), checked against examples worked by
hand from the paper's method (§2: imbalance at the new patient's own levels, range or variance,
weighted sum G; §3: the arm of smallest G with probability p, ties broken at random).

The paper's own numerical example is not reproduced here: its numbers could not be checked
against the paper, and invented "reference" numbers would prove nothing. Every expected value
below is computed by hand in the test's docstring.
"""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest

from dawna.errors import ValidationError
from dawna.rules import minimization as m
from dawna.rules import randomization as r

AB = ("A", "B")
ABC = ("A", "B", "C")

# 20 patients already allocated, 10 per arm; each factor's levels add up to the arm totals.
TABLE = {
    "visceral": {"yes": {"A": 6, "B": 4}, "no": {"A": 4, "B": 6}},
    "setting": {"adjuvant": {"A": 3, "B": 5}, "advanced": {"A": 7, "B": 5}},
    "ecog": {"0": {"A": 6, "B": 5}, "1": {"A": 4, "B": 5}},
}
NEW = {"visceral": "yes", "setting": "advanced", "ecog": "1"}
EQUAL = {"visceral": 1.0, "setting": 1.0, "ecog": 1.0}


def test_minimization_hand_worked_example_following_pocock_simon_1975_method() -> None:
    """Two arms, three factors, 20 patients already allocated (A 10, B 10):

    ============  =====  =====
    level          A      B
    ============  =====  =====
    visceral yes    6      4      (no: 4 / 6)
    advanced        7      5      (adjuvant: 3 / 5)
    ECOG 1          4      5      (ECOG 0: 6 / 5)
    ============  =====  =====

    New patient: visceral = yes, setting = advanced, ECOG = 1. Only these three rows count.

    Put in A: yes (7, 4) range 3; advanced (8, 5) range 3; ECOG 1 (5, 5) range 0 → G_A = 6.
    Put in B: yes (6, 5) range 1; advanced (7, 6) range 1; ECOG 1 (4, 6) range 2 → G_B = 4.
    B is preferred (the factors disagree: ECOG alone would prefer A).

    Variance (population, two arms: (difference / 2)²):
    G_A = 2.25 + 2.25 + 0 = 4.5; G_B = 0.25 + 0.25 + 1 = 1.5 → B preferred again.

    p = 0.8: u = 0.79 < p gives the preferred arm B; u = 0.81 ≥ p gives the other arm, A.
    """
    assert m.imbalance_scores(TABLE, NEW, AB, EQUAL, "range") == {"A": 6.0, "B": 4.0}
    assert m.imbalance_scores(TABLE, NEW, AB, EQUAL, "variance") == {"A": 4.5, "B": 1.5}
    low = m.minimization_assign(TABLE, NEW, AB, EQUAL, "range", 0.8, 0.79)
    assert low == m.MinimizationDecision("B", {"A": 6.0, "B": 4.0}, ("B",), 0.79)
    high = m.minimization_assign(TABLE, NEW, AB, EQUAL, "range", 0.8, 0.81)
    assert (high.arm, high.preferred_arms, high.random_draw_used) == ("A", ("B",), 0.81)
    assert m.minimization_assign(TABLE, NEW, AB, EQUAL, "variance", 0.8, 0.79).arm == "B"
    assert m.minimization_assign(TABLE, NEW, AB, EQUAL, "variance", 0.8, 0.81).arm == "A"


def test_weights_change_the_choice() -> None:
    """Same table and patient, weight 3 on ECOG:
    G_A = 3 + 3 + 3·0 = 6, G_B = 1 + 1 + 3·2 = 8 → A preferred (B with equal weights).
    Weight 2 on ECOG: G_A = 6, G_B = 1 + 1 + 4 = 6 → tie.
    A factor not named in the weights counts with weight 1."""
    heavy = m.minimization_assign(TABLE, NEW, AB, EQUAL | {"ecog": 3.0}, "range", 0.8, 0.5)
    assert heavy.scores == {"A": 6.0, "B": 8.0} and heavy.preferred_arms == ("A",)
    assert heavy.arm == "A"
    tie = m.imbalance_scores(TABLE, NEW, AB, {"ecog": 2.0}, "range")
    assert tie == {"A": 6.0, "B": 6.0}
    assert m.imbalance_scores(TABLE, NEW, AB, {}, "range") == {"A": 6.0, "B": 4.0}


def test_range_and_variance_choose_differently_with_three_arms() -> None:
    """Three arms, two factors; the patient's levels have counts f: (A 0, B 0, C 1) and
    g: (A 1, B 1, C 0).

    Put in A: f (1, 0, 1) range 1, variance ((1/3)² + (2/3)² + (1/3)²)/3 = 2/9;
              g (2, 1, 0) range 2, variance (1 + 0 + 1)/3 = 6/9 → range 3, variance 8/9.
    Put in B: the same by symmetry → range 3, variance 8/9.
    Put in C: f (0, 0, 2) range 2, variance ((2/3)² + (2/3)² + (4/3)²)/3 = 8/9;
              g (1, 1, 1) range 0, variance 0 → range 2, variance 8/9.

    Range prefers C alone; variance ties all three arms, so the tie-break by u decides:
    u = 0.1 → A (first third), u = 0.5 → B, u = 0.9 → C.
    """
    counts = {"f": {"x": {"A": 0, "B": 0, "C": 1}}, "g": {"y": {"A": 1, "B": 1, "C": 0}}}
    levels = {"f": "x", "g": "y"}
    assert m.imbalance_scores(counts, levels, ABC, {}, "range") == {"A": 3, "B": 3, "C": 2}
    var = m.imbalance_scores(counts, levels, ABC, {}, "variance")
    assert var == pytest.approx({"A": 8 / 9, "B": 8 / 9, "C": 8 / 9})
    by_range = m.minimization_assign(counts, levels, ABC, {}, "range", 0.8, 0.1)
    by_variance = m.minimization_assign(counts, levels, ABC, {}, "variance", 0.8, 0.1)
    assert (by_range.arm, by_range.preferred_arms) == ("C", ("C",))
    assert (by_variance.arm, by_variance.preferred_arms) == ("A", ABC)
    assert [m.minimization_assign(counts, levels, ABC, {}, "variance", 0.8, u).arm
            for u in (0.5, 0.9)] == ["B", "C"]


def test_ties_are_broken_by_u() -> None:
    """No patient yet: every arm gives G = 1 (range) so all are tied; u splits [0, 1) evenly
    among the tied arms in arm order, and p plays no part."""
    for arms, cuts in [(AB, {0.0: "A", 0.49: "A", 0.5: "B", 0.99: "B"}),
                       (ABC, {0.0: "A", 0.33: "A", 0.34: "B", 0.66: "B", 0.67: "C", 0.999: "C"})]:
        for u, arm in cuts.items():
            d = m.minimization_assign({}, {"visceral": "yes"}, arms, {}, "range", 0.9, u)
            assert d.preferred_arms == arms and d.arm == arm, (arms, u)


def test_three_arms_the_non_preferred_arms_share_one_minus_p() -> None:
    """Counts (A 0, B 2, C 2) at the patient's level: into A (1, 2, 2) range 1; into B (0, 3, 2)
    range 3; into C (0, 2, 3) range 3 → A preferred. p = 0.8: u < 0.8 → A; [0.8, 0.9) → B;
    [0.9, 1) → C, i.e. (1 − p)/2 each."""
    counts = {"f": {"x": {"A": 0, "B": 2, "C": 2}}}
    pick = {u: m.minimization_assign(counts, {"f": "x"}, ABC, {}, "range", 0.8, u).arm
            for u in (0.0, 0.79, 0.8, 0.89, 0.9, 0.99)}
    assert pick == {0.0: "A", 0.79: "A", 0.8: "B", 0.89: "B", 0.9: "C", 0.99: "C"}


def test_p_equal_one_is_deterministic_minimization() -> None:
    for u in (0.0, 0.5, 0.999):
        assert m.minimization_assign(TABLE, NEW, AB, EQUAL, "range", 1.0, u).arm == "B"


def test_unequal_ratio_divides_counts_by_the_ratio() -> None:
    """2:1, counts (A 4, B 2) at the level are balanced for the ratio. Put in A: (5/2, 2/1) →
    range 0.5; put in B: (4/2, 3/1) → range 1 → A preferred. Equal ratio would prefer B
    ((5, 2) range 3 vs (4, 3) range 1)."""
    counts = {"f": {"x": {"A": 4, "B": 2}}}
    assert m.imbalance_scores(counts, {"f": "x"}, AB, {}, "range", ratio=(2, 1)) == {
        "A": 0.5, "B": 1.0}
    assert m.minimization_assign(counts, {"f": "x"}, AB, {}, "range", 0.8, 0.1,
                                 ratio=(2, 1)).arm == "A"
    assert m.minimization_assign(counts, {"f": "x"}, AB, {}, "range", 0.8, 0.1).arm == "B"


def test_missing_counts_are_zero() -> None:
    """A level nobody has yet: put in A → (1, 0) range 1, put in B → (0, 1) range 1: tie."""
    assert m.imbalance_scores({"f": {"x": {"A": 3}}}, {"f": "y"}, AB, {}, "range") == {
        "A": 1.0, "B": 1.0}


def test_preferred_arm_is_given_with_probability_p() -> None:
    """With the hand-worked table (B preferred) and u from the seed's stream, B is given in about
    80 % of 4000 draws (binomial sd 0.63 %; allow 3 points)."""
    seed = hashlib.sha256(b"p test").digest()
    arms = Counter(m.minimization_assign(TABLE, NEW, AB, EQUAL, "range", 0.8,
                                         r.uniform(seed, "p", n)).arm for n in range(4000))
    assert abs(arms["B"] / 4000 - 0.8) < 0.03


@pytest.mark.parametrize(("call", "field"), [
    (lambda: m.imbalance_scores(TABLE, NEW, AB, {}, "entropy"), "imbalance"),
    (lambda: m.imbalance_scores(TABLE, NEW, AB, {"ecog": 0.0}, "range"), "weights"),
    (lambda: m.imbalance_scores(TABLE, NEW, AB, {}, "range", ratio=(1, 1, 1)), "ratio"),
    (lambda: m.minimization_assign(TABLE, NEW, AB, {}, "range", 0.5, 0.1), "probability"),
    (lambda: m.minimization_assign(TABLE, NEW, AB, {}, "range", 1.1, 0.1), "probability"),
    (lambda: m.minimization_assign(TABLE, NEW, AB, {}, "range", 0.8, 1.0), "u"),
    (lambda: m.minimization_assign(TABLE, NEW, AB, {}, "range", 0.8, -0.1), "u"),
    (lambda: m.minimization_assign(TABLE, NEW, ("A",), {}, "range", 0.8, 0.1), "arms"),
])
def test_bad_arguments_name_the_field(call, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as info:
        call()
    assert info.value.field == field


# -- Sequential replay from the seed ---------------------------------------------------------------

SEED = hashlib.sha256(b"minimization replay").digest()


def _patients(n: int) -> list[dict[str, str]]:
    """Factor levels of n patients, drawn from a test seed (not the allocation seed)."""
    source = hashlib.sha256(b"patients").digest()
    return [{"visceral_metastasis": ("yes", "no")[r.randbelow(source, "v", i, 2)],
             "cdk46i_setting": ("adjuvant", "advanced")[r.randbelow(source, "s", i, 2)]}
            for i in range(n)]


def test_replay_is_deterministic_and_depends_on_the_seed() -> None:
    patients = _patients(80)
    one = r.replay_minimization(SEED, patients, AB, {}, "range", 0.8)
    assert one == r.replay_minimization(SEED, patients, AB, {}, "range", 0.8)
    assert one != r.replay_minimization(bytes(32), patients, AB, {}, "range", 0.8)
    # the first k decisions do not depend on later patients
    assert r.replay_minimization(SEED, patients[:30], AB, {}, "range", 0.8) == one[:30]


def test_replay_is_the_sequence_of_single_decisions_with_draw_min_n() -> None:
    """Patient n (from 1) uses uniform(seed, "min:n", n) on the counts of patients 1..n−1,
    which is the convention of the randomization service."""
    patients = _patients(40)
    counts: dict[str, dict[str, dict[str, int]]] = {
        "visceral_metastasis": {lv: {"A": 0, "B": 0} for lv in ("yes", "no")},
        "cdk46i_setting": {lv: {"A": 0, "B": 0} for lv in ("adjuvant", "advanced")}}
    expected = []
    for n, levels in enumerate(patients, start=1):
        d = m.minimization_assign(counts, levels, AB, {}, "variance", 0.8,
                                  r.uniform(SEED, f"min:{n}", n))
        for factor, level in levels.items():
            counts[factor][level][d.arm] += 1
        expected.append(d.arm)
    assert r.replay_minimization(SEED, patients, AB, {}, "variance", 0.8) == expected


def test_minimization_keeps_80_patients_balanced() -> None:
    """80 patients, p = 0.8: totals and every factor level stay close to balance (this run;
    far tighter than the ±9 that simple randomization gives as one standard deviation of A − B
    for 80 patients)."""
    patients = _patients(80)
    arms = r.replay_minimization(SEED, patients, AB, {}, "range", 0.8)
    totals = Counter(arms)
    assert abs(totals["A"] - totals["B"]) <= 4
    for factor in ("visceral_metastasis", "cdk46i_setting"):
        for level in {p[factor] for p in patients}:
            here = Counter(a for a, p in zip(arms, patients, strict=True) if p[factor] == level)
            assert abs(here["A"] - here["B"]) <= 4, (factor, level, here)
