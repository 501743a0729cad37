"""dawna.analysis.survival against R's survival package (3.5-3, R 4.2.2), to 1e-6.

The reference numbers are in ``tests/reference/survival/reference.json``, written by
``Rscript tests/reference/survival/reference.R`` from the four CSVs next to it (made by
``make_inputs.py``). ``test_reference_json_is_what_R_computes_now`` reruns R when ``Rscript`` is
on PATH (always under ``CI=true``) and compares its fresh output with the committed file.
"""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Any

import pytest

from dawna.analysis.survival import (
    AnalysisError,
    cox_hazard_ratio,
    kaplan_meier,
    logrank,
    pfs_summary,
)

REFERENCE_DIR = Path(__file__).parents[1] / "reference" / "survival"
REFERENCE = json.loads((REFERENCE_DIR / "reference.json").read_text())
DATASETS = ("hand", "sim", "ties", "flat_end")
TRANSFORMS = ("log", "log-log", "plain")
IN_CI = os.environ.get("CI", "").lower() == "true"


def load(name: str) -> dict[str, list[Any]]:
    with (REFERENCE_DIR / f"{name}.csv").open() as f:
        rows = list(csv.DictReader(f))
    return {"times": [float(r["time"]) for r in rows], "events": [int(r["event"]) for r in rows],
            "arms": [r["arm"] for r in rows], "strata": [r["stratum"] for r in rows]}


def close(ours: float | None, r: float | None, tol: float = 1e-6) -> bool:
    """Equal to R: both NA/None, or within ``tol`` absolute or relative."""
    if ours is None or r is None:
        return ours is None and r is None
    return abs(ours - r) <= tol * max(1.0, abs(r))


# ---- Kaplan–Meier -------------------------------------------------------------------------------

@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("name", DATASETS)
def test_km_table_output_against_R_survfit(name: str, transform: str) -> None:
    """Every row of the curve and its pointwise band, as R (here arm A of ``hand``, "log")::

        > d <- read.csv("hand.csv")
        > summary(survfit(Surv(time, event) ~ 1, data = subset(d, arm == "A")), censored = TRUE)
         time n.risk n.event survival std.err lower 95% CI upper 95% CI
            2     11       1    0.909  0.0867       0.7541        1.000
            3     10       2    0.727  0.1343       0.5064        1.000
            5      8       0    0.727  0.1343       0.5064        1.000
            6      7       1    0.623  0.1500       0.3890        0.999
            7      5       1    0.499  0.1638       0.2620        0.949
            8      4       1    0.374  0.1636       0.1587        0.881
           10      3       0    0.374  0.1636       0.1587        0.881
           12      2       1    0.187  0.1555       0.0367        0.954
           15      1       0    0.187  0.1555       0.0367        0.954
    """
    data = load(name)
    curves = kaplan_meier(data["times"], data["events"], data["arms"], transform=transform)
    for arm, r in REFERENCE["survival"][name]["km"][transform].items():
        table = curves[arm].table
        assert len(table) == len(r["table"]["time"])
        for i, row in enumerate(table):
            for column in ("time", "n_risk", "n_event", "n_censor", "survival", "lower", "upper"):
                assert close(row[column], r["table"][column][i]), (arm, i, column, row)


@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("name", DATASETS)
def test_km_median_and_ci_output_against_R_print_survfit(name: str, transform: str) -> None:
    """Median and its 95 % CI per arm, as ``print(survfit)`` (NA: ``None``, "not reached")::

        > survfit(Surv(time, event) ~ arm, data = d)
               n events median 0.95LCL 0.95UCL
        arm=A 11      7      7       6      NA
        arm=B 10      7     11       4      NA
        > survfit(Surv(time, event) ~ arm, data = d, conf.type = "log-log")
               n events median 0.95LCL 0.95UCL
        arm=A 11      7      7       3      NA
        arm=B 10      7     11       1      NA
        > s <- read.csv("sim.csv"); survfit(Surv(time, event) ~ arm, data = s)
               n events median 0.95LCL 0.95UCL
        arm=A 40     36    104      68     187
        arm=B 40     37    110      71     385
    """
    data = load(name)
    curves = kaplan_meier(data["times"], data["events"], data["arms"], transform=transform)
    for arm, r in REFERENCE["survival"][name]["km"][transform].items():
        km = curves[arm]
        assert (km.n, km.events) == (r["n"], r["events"])
        assert close(km.median, r["median"]), (arm, km.median, r["median"])
        assert close(km.ci_lower, r["lower"]), (arm, km.ci_lower, r["lower"])
        assert close(km.ci_upper, r["upper"]), (arm, km.ci_upper, r["upper"])
        assert km.transform == transform


def test_km_median_midpoint_of_a_flat_at_one_half_as_R() -> None:
    """Arm B of ``hand`` sits at exactly 0.5 from day 9 to day 13: R's median is the midpoint,
    11 (``arm=B 10 7 11 4 NA`` above); lifelines' ``median_survival_times`` gives 9."""
    from lifelines import KaplanMeierFitter

    data = load("hand")
    assert kaplan_meier(data["times"], data["events"], data["arms"])["B"].median == 11.0
    assert REFERENCE["survival"]["hand"]["km"]["log"]["B"]["median"] == 11
    b = [i for i, a in enumerate(data["arms"]) if a == "B"]
    fitter = KaplanMeierFitter().fit([data["times"][i] for i in b], [data["events"][i] for i in b])
    assert fitter.median_survival_time_ == 9.0


def test_km_median_follows_R_print_not_quantile_when_the_curve_ends_at_one_half() -> None:
    """Arm B of ``flat_end`` ends at exactly 0.5; ``print`` and ``quantile`` disagree and dawna
    follows ``print`` (the first time the curve reaches 0.5)::

        > f <- read.csv("flat_end.csv")
        > fb <- survfit(Surv(time, event) ~ 1, data = subset(f, arm == "B"))
        > fb
             n events median 0.95LCL 0.95UCL
        [1,] 8      4      6       5      NA
        > quantile(fb, 0.5)
        $quantile
        50
         9
        $lower
        50
         5
        $upper
        50
        NA
    """
    data = load("flat_end")
    b = kaplan_meier(data["times"], data["events"], data["arms"])["B"]
    r = REFERENCE["survival"]["flat_end"]["km"]["log"]["B"]
    assert (b.median, b.ci_lower, b.ci_upper) == (6.0, 5.0, None)
    assert (r["median"], r["quantile"]["median"]) == (6, 9)
    from lifelines import KaplanMeierFitter

    rows = [i for i, a in enumerate(data["arms"]) if a == "B"]
    fitter = KaplanMeierFitter().fit([data["times"][i] for i in rows],
                                     [data["events"][i] for i in rows])
    assert fitter.median_survival_time_ == math.inf  # lifelines: not reached


def test_km_without_events_has_the_median_not_reached() -> None:
    curves = kaplan_meier([3, 5, 8], [0, 0, 0], ["A", "A", "A"], transform="log-log")
    a = curves["A"]
    assert (a.n, a.events, a.median, a.ci_lower, a.ci_upper) == (3, 0, None, None, None)
    assert [row["survival"] for row in a.table] == [1.0, 1.0, 1.0]
    # log-log has no band where the curve is 1 (R: NA); the default "log" band is [1, 1]
    assert a.table[0]["lower"] is None
    assert kaplan_meier([3], [0], ["A"])["A"].table[0]["lower"] == 1.0
    json.dumps(a.as_dict())


def test_km_conf_level_changes_the_band() -> None:
    data = load("sim")
    wide = kaplan_meier(data["times"], data["events"], data["arms"], conf_level=0.99)["A"]
    narrow = kaplan_meier(data["times"], data["events"], data["arms"])["A"]
    assert wide.table[10]["lower"] < narrow.table[10]["lower"]
    assert wide.conf_level == 0.99


# ---- log-rank -----------------------------------------------------------------------------------

@pytest.mark.parametrize("stratified", [False, True], ids=["unstratified", "stratified"])
@pytest.mark.parametrize("name", DATASETS)
def test_logrank_output_against_R_survdiff(name: str, stratified: bool) -> None:
    """χ², df, p, observed and expected events per arm::

        > survdiff(Surv(time, event) ~ arm, data = d)
               N Observed Expected (O-E)^2/E (O-E)^2/V
        arm=A 11        7     5.67     0.313     0.597
        arm=B 10        7     8.33     0.213     0.597
         Chisq= 0.6  on 1 degrees of freedom, p= 0.4
        > survdiff(Surv(time, event) ~ arm + strata(stratum), data = d)
               N Observed Expected (O-E)^2/E (O-E)^2/V
        arm=A 11        7     6.23    0.0955     0.206
        arm=B 10        7     7.77    0.0766     0.206
         Chisq= 0.2  on 1 degrees of freedom, p= 0.6
        > survdiff(Surv(time, event) ~ arm + strata(stratum), data = s)   # sim.csv
               N Observed Expected (O-E)^2/E (O-E)^2/V
        arm=A 40       36     33.6     0.170     0.343
        arm=B 40       37     39.4     0.145     0.343
         Chisq= 0.3  on 1 degrees of freedom, p= 0.6

    Full precision: reference.json (``sd$chisq``; p = ``pchisq(chisq, 1, lower.tail = FALSE)``).
    """
    data = load(name)
    r = REFERENCE["survival"][name]["logrank_stratified" if stratified else "logrank"]
    test = logrank(data["times"], data["events"], data["arms"],
                   data["strata"] if stratified else None)
    assert test.stratified is stratified
    assert test.df == r["df"]
    assert close(test.chisq, r["chisq"])
    assert close(test.p, r["p"])
    for arm in ("A", "B"):
        assert close(test.observed[arm], r["observed"][arm])
        assert close(test.expected[arm], r["expected"][arm])


@pytest.mark.parametrize("name", DATASETS)
def test_logrank_formula_equals_lifelines_multivariate_logrank_test(name: str) -> None:
    """The stratified formula with one stratum is the unstratified test, whose χ² comes from
    lifelines' ``multivariate_logrank_test``."""
    data = load(name)
    one = logrank(data["times"], data["events"], data["arms"], ["all"] * len(data["times"]))
    plain = logrank(data["times"], data["events"], data["arms"])
    assert one.chisq == pytest.approx(plain.chisq, rel=1e-12)
    assert one.p == pytest.approx(plain.p, rel=1e-12)


def test_logrank_three_arms_against_R_survdiff() -> None:
    """More than two arms: df = arms − 1 (arm C: every fourth row of ``ties``)::

        > t <- read.csv("ties.csv")
        > t$arm3 <- ifelse(seq_len(nrow(t)) %% 4 == 0, "C", t$arm)
        > sd <- survdiff(Surv(time, event) ~ arm3, data = t)
        > sprintf("%.15g", c(sd$chisq, pchisq(sd$chisq, 2, lower.tail = FALSE)))
        [1] "3.80724018735767"  "0.149028145682304"
        > sd <- survdiff(Surv(time, event) ~ arm3 + strata(stratum), data = t)
        > sprintf("%.15g", c(sd$chisq, pchisq(sd$chisq, 2, lower.tail = FALSE)))
        [1] "2.6966406523471"  "0.25967606562911"
        > t$arm3 <- ifelse(t$stratum == "high", "C", t$arm)   # C alone in its stratum
        > survdiff(Surv(time, event) ~ arm3 + strata(stratum), data = t)
        Error in solve.default(vv, temp2) :
          Lapack routine dgesv: system is exactly singular: U[2,2] = 0
    """
    data = load("ties")
    arms = ["C" if i % 4 == 3 else a for i, a in enumerate(data["arms"])]
    test = logrank(data["times"], data["events"], arms)
    assert (test.df, test.observed) == (2, {"A": 20.0, "B": 11.0, "C": 14.0})
    assert test.chisq == pytest.approx(3.80724018735767, rel=1e-9)
    assert test.p == pytest.approx(0.149028145682304, rel=1e-9)
    test = logrank(data["times"], data["events"], arms, data["strata"])
    assert test.chisq == pytest.approx(2.6966406523471, rel=1e-9)
    assert test.p == pytest.approx(0.25967606562911, rel=1e-9)
    apart = ["C" if s == "high" else a for a, s in zip(data["arms"], data["strata"], strict=True)]
    with pytest.raises(AnalysisError, match="no event happened while participants of both"):
        logrank(data["times"], data["events"], apart, data["strata"])


def test_stratum_with_a_single_participant_is_kept_with_a_note() -> None:
    """``hand`` has stratum s3 with one participant: R keeps it and it adds nothing; dawna keeps
    it too (the observed totals stay those of the unstratified test) and says so."""
    data = load("hand")
    test = logrank(data["times"], data["events"], data["arms"], data["strata"])
    hr = cox_hazard_ratio(data["times"], data["events"], data["arms"], data["strata"])
    assert test.notes == hr.notes
    assert len(test.notes) == 1 and "'s3' has a single participant" in test.notes[0]
    assert test.observed == logrank(data["times"], data["events"], data["arms"]).observed
    without = [i for i, s in enumerate(data["strata"]) if s != "s3"]
    smaller = logrank(*([data[k][i] for i in without]
                        for k in ("times", "events", "arms", "strata")))
    assert smaller.chisq == pytest.approx(test.chisq, rel=1e-12)


# ---- Cox ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("stratified", [False, True], ids=["unstratified", "stratified"])
@pytest.mark.parametrize("name", DATASETS)
def test_cox_hazard_ratio_output_against_R_coxph_efron(name: str, stratified: bool) -> None:
    """Hazard ratio of A relative to B, Efron ties, Wald 95 % CI and p::

        > d$arm_b <- relevel(factor(d$arm), ref = "B")
        > summary(coxph(Surv(time, event) ~ arm_b, data = d, ties = "efron"))
                 coef exp(coef) se(coef)     z Pr(>|z|)
        arm_bA 0.4304    1.5379   0.5685 0.757    0.449
               exp(coef) exp(-coef) lower .95 upper .95
        arm_bA     1.538     0.6502    0.5047     4.686
        > coxph(Surv(time, event) ~ arm_b + strata(stratum), data = d, ties = "efron")
                 coef exp(coef) se(coef)     z     p
        arm_bA 0.2645    1.3028   0.5840 0.453 0.651
        > coxph(Surv(time, event) ~ arm_b, data = t, ties = "efron")     # ties.csv
                  coef exp(coef) se(coef)      z     p
        arm_bA -0.4899    0.6127   0.3036 -1.614 0.107
        > coxph(Surv(time, event) ~ arm_b + strata(stratum), data = s, ties = "efron")  # sim
                 coef exp(coef) se(coef)     z     p
        arm_bA 0.1400    1.1503   0.2431 0.576 0.565
    """
    data = load(name)
    r = REFERENCE["survival"][name]["cox_stratified" if stratified else "cox"]
    hr = cox_hazard_ratio(data["times"], data["events"], data["arms"],
                          data["strata"] if stratified else None)
    assert (hr.reference_arm, hr.experimental_arm, hr.ties) == ("B", "A", "efron")
    assert hr.stratified is stratified
    for ours, theirs in (("coef", "coef"), ("se", "se"), ("hr", "hr"), ("ci_lower", "lower"),
                         ("ci_upper", "upper"), ("p", "p")):
        assert close(getattr(hr, ours), r[theirs]), (ours, getattr(hr, ours), r[theirs])


def test_cox_direction_is_experimental_relative_to_control() -> None:
    data = load("ties")
    a_vs_b = cox_hazard_ratio(data["times"], data["events"], data["arms"])
    b_vs_a = cox_hazard_ratio(data["times"], data["events"], data["arms"], experimental="B",
                              control="A")
    assert b_vs_a.hr == pytest.approx(1 / a_vs_b.hr, rel=1e-9)
    assert b_vs_a.ci_lower == pytest.approx(1 / a_vs_b.ci_upper, rel=1e-9)
    assert a_vs_b.hr < 1  # A progresses later in this data set (median 5 vs 3 visits)


def test_lifelines_default_convergence_stops_one_newton_step_short_of_R() -> None:
    """Why ``cox_hazard_ratio`` passes its own ``fit_options``: lifelines 0.30.3 with default
    options returns the coefficient before its last Newton step, 1.7e-7 from R on ``flat_end``
    (R ``coef(coxph(...))`` = 0.763945413161818; exact maximum 0.7639454131956)."""
    import pandas as pd
    from lifelines import CoxPHFitter

    data = load("flat_end")
    frame = pd.DataFrame({"time": data["times"], "event": data["events"],
                          "x": [int(a == "A") for a in data["arms"]]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        default = float(CoxPHFitter().fit(frame, "time", "event").params_["x"])
    r = REFERENCE["survival"]["flat_end"]["cox"]["coef"]
    ours = cox_hazard_ratio(data["times"], data["events"], data["arms"]).coef
    assert abs(default - r) > 1e-7
    assert abs(ours - r) < 1e-9


# ---- summary -----------------------------------------------------------------------------------

def test_pfs_summary_holds_every_part_and_is_json() -> None:
    data = load("sim")
    summary = pfs_summary(data["times"], data["events"], data["arms"], data["strata"])
    back = json.loads(json.dumps(summary))
    r = REFERENCE["survival"]["sim"]
    assert back["arms"]["B"]["median"] == r["km"]["log"]["B"]["median"] == 109.5
    assert close(back["logrank"]["chisq"], r["logrank"]["chisq"])
    assert close(back["logrank_stratified"]["chisq"], r["logrank_stratified"]["chisq"])
    assert close(back["hazard_ratio"]["hr"], r["cox"]["hr"])
    assert close(back["hazard_ratio_stratified"]["ci_upper"], r["cox_stratified"]["upper"])
    assert back["transform"] == "log" and back["hazard_ratio"]["reference_arm"] == "B"
    plain = pfs_summary(data["times"], data["events"], data["arms"], transform="log-log")
    assert plain["logrank_stratified"] is None and plain["hazard_ratio_stratified"] is None
    assert close(plain["arms"]["A"]["ci_lower"], r["km"]["log-log"]["A"]["lower"])


def test_inputs_may_be_numpy_and_pandas() -> None:
    import numpy as np
    import pandas as pd

    data = load("ties")
    frame = pd.DataFrame(data)
    hr = cox_hazard_ratio(frame["times"], frame["events"].astype(bool), frame["arms"],
                          np.array(data["strata"]))
    assert close(hr.hr, REFERENCE["survival"]["ties"]["cox_stratified"]["hr"])
    km = kaplan_meier(np.array(data["times"], dtype=np.int64), np.array(data["events"]) == 1,
                      np.array(data["arms"]))
    assert km["A"].median == REFERENCE["survival"]["ties"]["km"]["log"]["A"]["median"]


# ---- bad input ---------------------------------------------------------------------------------

def _t(n: int = 4) -> list[float]:
    return [1.0, 2.0, 3.0, 4.0][:n]


BAD_INPUTS = [
    ("negative time", lambda: kaplan_meier([1, -2, 3], [1, 0, 1], ["A", "B", "A"]),
     "the time of row 2 is negative: -2"),
    ("missing time", lambda: logrank([1, None, 3], [1, 0, 1], ["A", "B", "A"]),
     "the time of row 2 is missing"),
    ("NaN time", lambda: cox_hazard_ratio([1, 2, math.nan], [1, 1, 1], ["A", "B", "A"]),
     "the time of row 3 is missing"),
    ("text time", lambda: kaplan_meier(["5"], [1], ["A"]), "the time of row 1 is not a number"),
    ("infinite time", lambda: kaplan_meier([math.inf], [1], ["A"]), "not a finite number"),
    ("event flag 2", lambda: logrank(_t(), [1, 2, 0, 1], ["A", "B", "A", "B"]),
     "the event flag of row 2 is 2; it must be 0 (censored) or 1 (progression or death)"),
    ("missing event flag", lambda: kaplan_meier(_t(2), [1, None], ["A", "B"]),
     "the event flag of row 2 is None"),
    ("text event flag", lambda: kaplan_meier(_t(2), [1, "1"], ["A", "B"]),
     "the event flag of row 2 is '1'"),
    ("missing arm", lambda: kaplan_meier(_t(2), [1, 1], ["A", None]),
     "the arm of row 2 is missing"),
    ("missing stratum", lambda: logrank(_t(), [1, 1, 1, 1], ["A", "B", "A", "B"],
                                        ["x", "y", "", "x"]), "the stratum of row 3 is missing"),
    ("lengths differ", lambda: logrank(_t(), [1, 1, 1], ["A", "B", "A", "B"]),
     "there are 4 times but 3 event flags"),
    ("no participants", lambda: kaplan_meier([], [], []), "there are no participants"),
    ("no events, log-rank", lambda: logrank(_t(), [0, 0, 0, 0], ["A", "B", "A", "B"]),
     "there are no events (progression or death) in the data"),
    ("no events, HR", lambda: cox_hazard_ratio(_t(), [0, 0, 0, 0], ["A", "B", "A", "B"]),
     "there are no events (progression or death) in the data: the hazard ratio cannot"),
    ("no events, summary", lambda: pfs_summary(_t(), [0, 0, 0, 0], ["A", "B", "A", "B"]),
     "there are no events"),
    ("arm B empty, HR", lambda: cox_hazard_ratio(_t(), [1, 1, 0, 1], ["A"] * 4),
     "arm B has no participants in the data"),
    ("arm B empty, summary", lambda: pfs_summary(_t(), [1, 1, 0, 1], ["A"] * 4),
     "arm B has no participants in the data"),
    ("one arm, log-rank", lambda: logrank(_t(), [1, 1, 0, 1], ["A"] * 4),
     "the log-rank test needs two arms; the data have only arm A"),
    ("third arm, HR", lambda: cox_hazard_ratio(_t(), [1, 1, 1, 1], ["A", "B", "C", "A"]),
     "leave out the participants of arm C"),
    ("no events in arm A", lambda: cox_hazard_ratio(_t(), [0, 1, 0, 1], ["A", "B", "A", "B"]),
     "arm A has no events: the hazard ratio cannot be estimated"),
    ("events never while both at risk",
     lambda: cox_hazard_ratio(_t(), [1, 1, 0, 1], ["B", "B", "A", "A"]),
     "no arm A event happened while arm B participants were at risk"),
    ("strata separate the arms",
     lambda: logrank(_t(), [1, 1, 1, 1], ["A", "A", "B", "B"], ["x", "x", "y", "y"]),
     "no event happened while participants of both arms were at risk in the same stratum"),
    ("every stratum single",
     lambda: cox_hazard_ratio(_t(), [1, 1, 1, 1], ["A", "B", "A", "B"], ["1", "2", "3", "4"]),
     "every stratum has a single participant"),
    ("unknown transform", lambda: kaplan_meier(_t(1), [1], ["A"], transform="arcsin"),
     "unknown confidence interval transform 'arcsin'; choose one of log, log-log, plain"),
    ("confidence level", lambda: kaplan_meier(_t(1), [1], ["A"], conf_level=95),
     "the confidence level must be between 0 and 1, not 95"),
]


@pytest.mark.parametrize(("call", "message"), [case[1:] for case in BAD_INPUTS],
                         ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_gives_a_clear_message(call: Any, message: str) -> None:
    with pytest.raises(AnalysisError) as raised:
        call()
    assert message in raised.value.message
    assert str(raised.value) == raised.value.message
    assert isinstance(raised.value, ValueError)
    assert "nan" not in raised.value.message.lower().replace("participant", "")


# ---- R itself ----------------------------------------------------------------------------------

def _compare(fresh: Any, committed: Any, path: str = "") -> list[str]:
    if isinstance(committed, dict):
        if not isinstance(fresh, dict) or set(fresh) != set(committed):
            return [f"{path}: keys differ"]
        return [d for k in committed for d in _compare(fresh[k], committed[k], f"{path}.{k}")]
    if isinstance(committed, list):
        if not isinstance(fresh, list) or len(fresh) != len(committed):
            return [f"{path}: lengths differ"]
        return [d for i, (a, b) in enumerate(zip(fresh, committed, strict=True))
                for d in _compare(a, b, f"{path}[{i}]")]
    if isinstance(committed, float | int) and not isinstance(committed, bool):
        ok = isinstance(fresh, float | int) and close(fresh, committed, 1e-9)
        return [] if ok else [f"{path}: {fresh} != {committed}"]
    if path.endswith(("r_version", "survival_version")):
        return []
    return [] if fresh == committed else [f"{path}: {fresh!r} != {committed!r}"]


def test_reference_json_is_what_R_computes_now(tmp_path: Path) -> None:
    """Reruns ``Rscript tests/reference/survival/reference.R <dir> <tmp>/reference.json``;
    skipped without R locally, a failure without R under ``CI=true`` (``.ci/run`` installs
    r-base-core and r-cran-survival)."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        if IN_CI:
            pytest.fail("Rscript is not on PATH: CI must install r-base-core and r-cran-survival")
        pytest.skip("Rscript is not installed (apt-get install r-base-core r-cran-survival)")
    out = tmp_path / "reference.json"
    done = subprocess.run([rscript, str(REFERENCE_DIR / "reference.R"), str(REFERENCE_DIR),
                           str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    differences = _compare(json.loads(out.read_text()), REFERENCE)
    assert not differences, differences[:20]
