"""dawna.analysis.response_stats against R (``binom.test``, ``prop.test``; R 4.2.2) and against
Newcombe's published table. R's numbers at full precision are in
``tests/reference/survival/reference.json`` (written by ``reference.R``; rerun live by
``tests/unit/test_survival.py::test_reference_json_is_what_R_computes_now``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dawna.analysis.response_stats import (
    AnalysisError,
    Proportion,
    clopper_pearson,
    rate_difference,
    wilson,
)

REFERENCE = json.loads((Path(__file__).parents[1] / "reference" / "survival" /
                        "reference.json").read_text())


@pytest.mark.parametrize("case", REFERENCE["binomial"], ids=lambda c: f"{c['x']}of{c['n']}")
def test_clopper_pearson_output_against_R_binom_test(case: dict[str, Any]) -> None:
    """Exact CI as R, e.g. 7 responders of 40::

        > binom.test(7, 40)$conf.int
        [1] 0.07338273 0.32779013
        attr(,"conf.level")
        [1] 0.95
    """
    p = clopper_pearson(int(case["x"]), int(case["n"]))
    assert p.rate == case["x"] / case["n"]
    assert p.ci_lower == pytest.approx(case["lower"], abs=1e-9)
    assert p.ci_upper == pytest.approx(case["upper"], abs=1e-9)
    assert p.method == "Clopper-Pearson exact"


def test_clopper_pearson_printed_R_session() -> None:
    p = clopper_pearson(7, 40)
    assert (round(p.ci_lower, 8), round(p.ci_upper, 8)) == (0.07338273, 0.32779013)
    assert (clopper_pearson(0, 10).ci_lower, clopper_pearson(20, 20).ci_upper) == (0.0, 1.0)


@pytest.mark.parametrize(("x", "n"), [(0, 10), (1, 10), (7, 40), (12, 40), (39, 40), (80, 80)])
def test_clopper_pearson_equals_scipy_binomtest_exact(x: int, n: int) -> None:
    from scipy.stats import binomtest

    ci = binomtest(x, n).proportion_ci(confidence_level=0.9, method="exact")
    p = clopper_pearson(x, n, conf_level=0.9)
    assert (p.ci_lower, p.ci_upper) == pytest.approx((ci.low, ci.high), abs=1e-10)


@pytest.mark.parametrize("case", REFERENCE["difference"],
                         ids=lambda c: f"{c['x1']}of{c['n1']}-{c['x2']}of{c['n2']}")
def test_rate_difference_output_against_R_prop_test(case: dict[str, Any]) -> None:
    """Newcombe hybrid score from R's Wilson intervals, and R's two-sample Wald interval::

        > prop.test(12, 40, correct = FALSE)$conf.int
        [1] 0.1807485 0.4543002
        > prop.test(7, 40, correct = FALSE)$conf.int
        [1] 0.08745414 0.31949990
        > # Newcombe: d - sqrt((p1 - l1)^2 + (u2 - p2)^2), d + sqrt((u1 - p1)^2 + (p2 - l2)^2)
        > prop.test(c(12, 7), c(40, 40), correct = FALSE)$conf.int
        [1] -0.05948015  0.30948015
    """
    args = (int(case["x1"]), int(case["n1"]), int(case["x2"]), int(case["n2"]))
    for method in ("newcombe", "wald"):
        out = rate_difference(*args, method=method)
        assert out["difference"] == pytest.approx(case["difference"], abs=1e-12)
        assert out["ci_lower"] == pytest.approx(case[method]["lower"], abs=1e-9)
        assert out["ci_upper"] == pytest.approx(case[method]["upper"], abs=1e-9)
    assert rate_difference(*args)["method"].startswith("Newcombe hybrid score")


def test_wilson_output_against_R_prop_test() -> None:
    assert wilson(12, 40) == pytest.approx((0.1807485, 0.4543002), abs=5e-8)
    assert wilson(7, 40) == pytest.approx((0.08745414, 0.31949990), abs=5e-9)


@pytest.mark.parametrize(("args", "lower", "upper"), [
    ((56, 70, 48, 80), 0.0524, 0.3339),
    ((9, 10, 3, 10), 0.1705, 0.8090),
    ((6, 7, 2, 7), 0.0582, 0.8062),
    ((5, 56, 0, 29), -0.0381, 0.1926),
    ((0, 10, 0, 20), -0.1611, 0.2775),
    ((10, 10, 0, 20), 0.6791, 1.0000),
])
def test_newcombe_against_Newcombe_1998_table_II_method_10(
        args: tuple[int, int, int, int], lower: float, upper: float) -> None:
    """Newcombe RG. Interval estimation for the difference between independent proportions:
    comparison of eleven methods. Stat Med 1998;17:873–890, Table II, method 10 (score, no
    continuity correction), examples (a)–(f), to the 4 decimals printed."""
    out = rate_difference(*args)
    assert (round(out["ci_lower"], 4), round(out["ci_upper"], 4)) == (lower, upper)


def test_results_are_json() -> None:
    assert json.loads(json.dumps(clopper_pearson(3, 37).as_dict()))["responders"] == 3
    assert json.loads(json.dumps(rate_difference(3, 37, 9, 41)))["conf_level"] == 0.95
    assert isinstance(clopper_pearson(3, 37), Proportion)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: clopper_pearson(3, 0), "the arm has no participants: its rate cannot be estimated"),
    (lambda: clopper_pearson(12, 10), "there are more responders (12) than participants (10)"),
    (lambda: clopper_pearson(-1, 10), "the number of responders cannot be negative (-1)"),
    (lambda: clopper_pearson(2.5, 10), "the number of responders must be a whole number, not 2.5"),
    (lambda: clopper_pearson(True, 10), "the number of responders must be a whole number"),
    (lambda: clopper_pearson(1, None), "the number of participants is missing"),
    (lambda: clopper_pearson(float("nan"), 10), "the number of responders is missing"),
    (lambda: rate_difference(1, 10, 0, 0), "the arm has no participants"),
    (lambda: rate_difference(1, 10, 2, 10, method="exact"),
     "unknown method 'exact' for a difference of rates; choose one of newcombe, wald"),
    (lambda: clopper_pearson(1, 10, conf_level=1.0), "the confidence level must be between 0"),
], ids=["n 0", "x > n", "negative", "fraction", "bool", "None", "NaN", "arm empty", "method",
        "conf level"])
def test_bad_input_gives_a_clear_message(call: Any, message: str) -> None:
    with pytest.raises(AnalysisError) as raised:
        call()
    assert message in raised.value.message
