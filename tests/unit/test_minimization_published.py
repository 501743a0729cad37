"""Minimization against the published worked examples of docs/minimization-examples.md, each
with p = 1 (deterministic), for the range and the variance criteria (Pocock & Simon 1975 §2-3).

For two arms the population variance of (x1, x2) is (x1 - x2)² / 4: a quarter of the squared
difference the examples quote, so the same arm is chosen and the scores are compared times 4.
"""

from __future__ import annotations

import pytest

from dawna.protocol import bundled_protocol
from dawna.rules.minimization import imbalance_scores, minimization_assign, rank_probabilities

EQUAL = {"sex": 1.0, "age": 1.0}


def _counts(rows: list[tuple[str, ...]], factors: tuple[str, ...]) -> dict:  # type: ignore[type-arg]
    """counts[factor][level][arm] from already-randomized patients (levels..., arm)."""
    out: dict[str, dict[str, dict[str, int]]] = {f: {} for f in factors}
    for *levels, arm in rows:
        for factor, level in zip(factors, levels, strict=True):
            by_arm = out[factor].setdefault(level, {})
            by_arm[arm] = by_arm.get(arm, 0) + 1
    return out


# A. Sealed Envelope help page: six patients, a man aged 23 arrives.
SEALED = _counts([("M", "<30", "Placebo"), ("M", "30+", "Placebo"), ("F", "30+", "Drug"),
                  ("M", "<30", "Placebo"), ("F", "<30", "Drug"), ("M", "30+", "Drug")],
                 ("sex", "age"))
ARMS_A = ("Placebo", "Drug")


def test_sealed_envelope_range() -> None:
    """If Placebo: |4-1| + |3-1| = 5; if Drug: |3-2| + |2-2| = 1 -> Drug."""
    new = {"sex": "M", "age": "<30"}
    assert imbalance_scores(SEALED, new, ARMS_A, EQUAL, "range") == {"Placebo": 5, "Drug": 1}
    assert minimization_assign(SEALED, new, ARMS_A, EQUAL, "range", 1.0, 0.99).arm == "Drug"


def test_sealed_envelope_variance() -> None:
    """Squared differences: Placebo 9 + 4 = 13, Drug 1 + 0 = 1 -> Drug."""
    new = {"sex": "M", "age": "<30"}
    scores = imbalance_scores(SEALED, new, ARMS_A, EQUAL, "variance")
    assert {arm: 4 * g for arm, g in scores.items()} == {"Placebo": 13, "Drug": 1}
    assert minimization_assign(SEALED, new, ARMS_A, EQUAL, "variance", 1.0, 0.99).arm == "Drug"


def test_sealed_envelope_counts_at_the_new_patients_levels() -> None:
    """"Counts at his levels: male Placebo 3 / Drug 1; <30 Placebo 2 / Drug 1"."""
    assert SEALED["sex"]["M"] == {"Placebo": 3, "Drug": 1}
    assert SEALED["age"]["<30"] == {"Placebo": 2, "Drug": 1}


SMALLERIZE = {"sex": {"male": {"Placebo": 9, "Active": 12},
                      "female": {"Placebo": 11, "Active": 8}}}


@pytest.mark.parametrize(("method", "placebo", "active"), [("range", 4, 2), ("variance", 16, 4)])
def test_smallerize_one_factor(method: str, placebo: float, active: float) -> None:
    """A woman: if Placebo, range(12, 8) = 4 (squared 16); if Active, range(11, 9) = 2 (4)."""
    arms = ("Placebo", "Active")
    scores = imbalance_scores(SMALLERIZE, {"sex": "female"}, arms, {"sex": 1.0}, method)
    factor = 4 if method == "variance" else 1
    assert {a: factor * g for a, g in scores.items()} == {"Placebo": placebo, "Active": active}
    assert minimization_assign(SMALLERIZE, {"sex": "female"}, arms, {"sex": 1.0}, method,
                               1.0, 0.5).arm == "Active"


def test_smallerize_rank_probabilities() -> None:
    """N = 4, q = 1/2: 0.4, 0.3, 0.2, 0.1."""
    assert rank_probabilities(4, 0.5) == pytest.approx([0.4, 0.3, 0.2, 0.1])
    assert sum(rank_probabilities(3, 0.5)) == pytest.approx(1.0)


ALLOCATION = {
    "sex": {"male": {"T1": 8, "T2": 9}, "female": {"T1": 10, "T2": 9}},
    "race": {"AA": {"T1": 3, "T2": 4}, "Asian": {"T1": 2, "T2": 0},
             "Hispanic": {"T1": 2, "T2": 2}, "White": {"T1": 11, "T2": 12}},
}


@pytest.mark.parametrize(("method", "t1", "t2"), [("range", 3, 1), ("variance", 5, 1)])
def test_allocation_package_hispanic_woman(method: str, t1: float, t2: float) -> None:
    """If T1: |11-9| + |3-2| = 3 (squares 4 + 1 = 5); if T2: |10-10| + |2-3| = 1 (0 + 1) -> T2."""
    new = {"sex": "female", "race": "Hispanic"}
    weights = {"sex": 1.0, "race": 1.0}
    scores = imbalance_scores(ALLOCATION, new, ("T1", "T2"), weights, method)
    factor = 4 if method == "variance" else 1
    assert {a: factor * g for a, g in scores.items()} == {"T1": t1, "T2": t2}
    assert minimization_assign(ALLOCATION, new, ("T1", "T2"), weights, method,
                               1.0, 0.0).arm == "T2"


@pytest.mark.parametrize("method", ["range", "variance"])
def test_unbiased_suite_second_woman_goes_to_the_other_arm(method: str) -> None:
    """ttscience/unbiased: one earlier woman on A; with p = 1 the next woman goes to B."""
    counts = {"sex": {"F": {"A": 1}}}
    for u in (0.0, 0.5, 0.999):
        assert minimization_assign(counts, {"sex": "F"}, ("A", "B"), {"sex": 1.0}, method,
                                   1.0, u).arm == "B"


def test_the_protocol_file_names_function_weights_probability_and_tie_rule() -> None:
    settings = bundled_protocol().randomization.minimization
    assert settings.imbalance in ("range", "variance")
    assert settings.weights == {"visceral_metastasis": 1.0, "cdk46i_setting": 1.0}
    assert 0.5 < settings.probability <= 1
    assert settings.tie_rule == "random"
