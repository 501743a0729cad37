"""Design simulation (``dawna.analysis.design``, ``dawna simulate``) against its references:
Schoenfeld's formula (Biometrics 1983;39:499-503) and the numbers of docs/domain.md §7, and
lifelines' ``logrank_test`` for the vectorized log-rank statistic.

Monte Carlo checks use fixed seeds (so they are deterministic) and state their tolerance in
Monte Carlo standard errors: a correct simulation stays within 3 SE of the reference with
probability 0.997 for any seed.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import typer
from lifelines.statistics import logrank_test
from typer.testing import CliRunner

from dawna.analysis.design import (
    Design,
    PowerPoint,
    design_report,
    detectable_hr_from_curve,
    draw_trials,
    expected_events,
    logrank_z,
    power_curve_svg,
    required_events,
    schoenfeld_events,
    schoenfeld_hazard_ratio,
    schoenfeld_power,
    simulate_trials,
)
from dawna.cli.simulate import simulate
from dawna.errors import ValidationError

DOMAIN_EVENTS = {0.5: 65, 0.6: 120, 0.7: 247}  # docs/domain.md §7


def test_schoenfeld_events_reproduce_domain_md_section_7() -> None:
    """D = 4 (z_{1-α/2} + z_{1-β})² / ln²(HR), 1:1, two-sided α 0.05, power 0.80:
    z_0.975 = 1.959964, z_0.80 = 0.841621, 4 x 2.801585² = 31.39552;
    HR 0.5: 31.39552 / 0.480453 = 65.35; HR 0.6: / 0.260943 = 120.32; HR 0.7: / 0.127217 = 246.79.
    domain.md's 65 / 120 / 247 are these values rounded to the nearest event;
    ``required_events`` rounds up (at least that many are needed): 66 / 121 / 247."""
    exact = {hr: schoenfeld_events(hr) for hr in DOMAIN_EVENTS}
    assert exact[0.5] == pytest.approx(65.346, abs=1e-3)
    assert exact[0.6] == pytest.approx(120.316, abs=1e-3)
    assert exact[0.7] == pytest.approx(246.787, abs=1e-3)
    assert {hr: round(d) for hr, d in exact.items()} == DOMAIN_EVENTS
    assert {hr: required_events(hr) for hr in DOMAIN_EVENTS} == {0.5: 66, 0.6: 121, 0.7: 247}


def test_schoenfeld_power_and_detectable_hr_invert_the_events_formula() -> None:
    for hr in DOMAIN_EVENTS:
        d = schoenfeld_events(hr)
        assert schoenfeld_power(d, hr) == pytest.approx(0.80, abs=1e-5)  # far tail < 1e-5
        assert schoenfeld_hazard_ratio(d) == pytest.approx(hr, rel=1e-12)
    assert schoenfeld_power(100, 1.0) == pytest.approx(0.05, abs=1e-12)


def test_hazard_ratio_is_median_b_over_median_a() -> None:
    # exponential PFS: hazard = ln 2 / median, so HR(A vs B) = median_B / median_A
    assert Design(median_a_months=7, median_b_months=4).hazard_ratio == pytest.approx(4 / 7)


def _lifelines_statistics(time: np.ndarray, event: np.ndarray, arm_a: np.ndarray) -> list[float]:
    out = []
    for t, e in zip(time, event, strict=True):
        enrolled = t >= 0
        a, b = arm_a & enrolled, ~arm_a & enrolled
        out.append(float(logrank_test(t[a], t[b], e[a], e[b]).test_statistic))
    return out


@pytest.mark.parametrize("design", [
    Design(),
    Design(n=40, median_a_months=3, median_b_months=6, dropout_12m=0.3),
    Design(events=30),  # event-driven: the analysis may precede the end of accrual
], ids=["fixed", "dropout", "event-driven"])
def test_logrank_z_squared_equals_lifelines_logrank_test(design: Design) -> None:
    """The correctness reference: Z² equals lifelines.statistics.logrank_test's statistic."""
    data = draw_trials(design, 6, np.random.default_rng(20260105))
    z = logrank_z(data.time, data.event, data.arm_a)
    assert (z**2).tolist() == pytest.approx(
        _lifelines_statistics(data.time, data.event, data.arm_a), abs=1e-9)


def test_logrank_z_with_tied_times_equals_lifelines() -> None:
    """Times rounded to whole months tie, also events with censorings; each tied time is one
    risk set with the hypergeometric variance, as in lifelines."""
    data = draw_trials(Design(), 6, np.random.default_rng(7))
    time = np.round(data.time)
    assert np.any(time[:, :, None] == time[:, None, :], axis=(1, 2)).all()
    z = logrank_z(time, data.event, data.arm_a)
    assert (z**2).tolist() == pytest.approx(
        _lifelines_statistics(time, data.event, data.arm_a), abs=1e-9)


def test_event_driven_analysis_excludes_patients_not_yet_enrolled() -> None:
    data = draw_trials(Design(events=10), 50, np.random.default_rng(1))
    assert (data.event.sum(axis=1) == 10).all()
    assert (data.analysis_months < 24).all()  # 10 events come before accrual ends
    assert (data.time < 0).any()  # and some patients were not enrolled yet


def test_simulated_power_agrees_with_schoenfeld_for_a_large_events_design() -> None:
    """300 patients, medians 10 vs 7 months (HR 0.7), about 250 events: Schoenfeld's power
    with the expected events is within 3 Monte Carlo SE of the simulated power."""
    design = Design(n=300, median_a_months=10, median_b_months=7)
    events = expected_events(design)
    assert 240 < events < 260
    sim = simulate_trials(design, 4000, seed=11)
    reference = schoenfeld_power(events, design.hazard_ratio)
    assert abs(sim.power - reference) <= 3 * sim.power_se
    assert abs(sim.events_mean - events) < 1.0


def test_rejection_rate_under_hr_1_is_alpha() -> None:
    sim = simulate_trials(Design(median_a_months=5, median_b_months=5), 10_000, seed=3)
    se = math.sqrt(0.05 * 0.95 / 10_000)
    assert abs(sim.power - 0.05) <= 3 * se


def test_expected_events_formula_matches_the_simulation_with_dropout() -> None:
    design = Design(dropout_12m=0.2)
    sim = simulate_trials(design, 4000, seed=5)
    assert sim.events_mean < simulate_trials(Design(), 4000, seed=5).events_mean
    se = 6.0 / math.sqrt(4000)  # the events' SD per trial is below 6 here
    assert abs(sim.events_mean - expected_events(design)) <= 3 * se


def test_80_patients_7_vs_4_months_cannot_power_hr_0_6() -> None:
    """docs/domain.md §7: 80 patients cannot power HR 0.6 (120 events needed, at most 80
    possible). Medians 7 vs 4 months, 24 months accrual, 12 months follow-up: about 74 events,
    power about 0.67; at HR 0.6 power is about 0.60; 80 % power needs HR about 0.52."""
    report = design_report(Design(), 4000, seed=2026)
    sim = report.simulation
    assert report.hazard_ratio == pytest.approx(0.5714, abs=1e-4)
    assert report.expected_events == pytest.approx(74.16, abs=0.01)
    assert report.required_events == 101 > 80
    assert sim.target_events is None and sim.months_to_events_median is None
    assert sim.duration_median_months == 36.0  # fixed follow-up: accrual + follow-up
    assert abs(sim.power - report.schoenfeld_power) <= 3 * sim.power_se
    assert 0.62 < sim.power < 0.72
    at_06 = next(p for p in report.curve if p.hazard_ratio == 0.6)
    assert at_06.power + 3 * at_06.power_se < 0.65  # well below 0.8
    assert required_events(0.6) > 80
    assert report.detectable_hr_schoenfeld == pytest.approx(0.520, abs=0.005)
    assert report.detectable_hr_simulation == pytest.approx(0.520, abs=0.015)


def test_event_driven_duration_and_power() -> None:
    design = Design(events=60)
    sim = simulate_trials(design, 4000, seed=8)
    assert sim.events_mean == 60
    assert 20 < sim.duration_median_months < 36  # the 60th event comes before month 36
    assert abs(sim.power - schoenfeld_power(60, design.hazard_ratio)) <= 3 * sim.power_se


def test_months_to_required_events_under_fixed_follow_up() -> None:
    """120 patients, 7 vs 4 months: the 101 events Schoenfeld asks for come after accrual;
    at the median month reported, the expected-events formula gives about 101 events."""
    report = design_report(Design(n=120), 2000, seed=4, hazard_ratios=[0.5, 1.0])
    assert report.required_events == 101
    assert report.simulation.target_events == 101
    months = report.simulation.months_to_events_median
    assert months is not None and 24 < months < 36
    at_months = Design(n=120, followup_months=months - 24)
    assert expected_events(at_months) == pytest.approx(101, abs=1.5)


def test_seed_makes_the_run_reproducible() -> None:
    first = simulate_trials(Design(), 3000, seed=42)
    assert simulate_trials(Design(), 3000, seed=42) == first
    assert simulate_trials(Design(), 3000, seed=43) != first
    assert design_report(Design(), 10, hazard_ratios=[1.0]).seed >= 0  # drawn and reported


def test_detectable_hr_interpolates_between_grid_points() -> None:
    points = [PowerPoint(hazard_ratio=hr, power=schoenfeld_power(70, hr), power_se=0.0,
                         schoenfeld_power=schoenfeld_power(70, hr), expected_events=70)
              for hr in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)]
    assert detectable_hr_from_curve(points) == pytest.approx(schoenfeld_hazard_ratio(70),
                                                             abs=0.002)
    assert detectable_hr_from_curve(points[-2:]) is None  # never reaches 80 % on the grid


def test_power_curve_svg_is_text_with_its_labels() -> None:
    points = [PowerPoint(hr, 1 - hr, 0.01, 1 - hr, 70) for hr in (0.5, 0.75, 1.0)]
    svg = power_curve_svg(points, x_label="HR", y_label="Power", simulation_label="Simulated",
                          schoenfeld_label="Schoenfeld", target_label="80 %", design_hr=0.57,
                          design_label="design HR")
    assert svg.startswith("<?xml")
    for label in ("Simulated", "Schoenfeld", "80 %", "design HR"):
        assert label in svg


app = typer.Typer()
app.command("simulate")(simulate)
runner = CliRunner()


def test_cli_json_and_plot(tmp_path: Path) -> None:
    plot = tmp_path / "power.svg"
    result = runner.invoke(app, ["--trials", "300", "--seed", "9", "--format", "json",
                                 "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["seed"] == 9
    assert data["design"]["n"] == 80
    assert data["required_events"] == 101
    assert data["duration_definition"] == "fixed"
    assert set(data["simulation"]) >= {"power", "power_se", "events_mean", "events_median",
                                       "duration_median_months"}
    assert len(data["curve"]) == 16
    assert plot.read_text(encoding="utf-8").startswith("<?xml")


def test_cli_text_table() -> None:
    result = runner.invoke(app, ["--trials", "200", "--seed", "1", "--events", "60"])
    assert result.exit_code == 0, result.output
    assert "HR" in result.stdout and "60" in result.stdout


@pytest.mark.parametrize(("args", "option"), [
    (["--n", "1"], "--n"),
    (["--n", "81"], "--n"),
    (["--median-a", "0"], "--median-a"),
    (["--median-b", "-4"], "--median-b"),
    (["--trials", "0"], "--trials"),
    (["--alpha", "1"], "--alpha"),
    (["--alpha", "0"], "--alpha"),
    (["--dropout", "1"], "--dropout"),
    (["--events", "81"], "--events"),
    (["--accrual-months", "-1"], "--accrual-months"),
    (["--seed", "-1"], "--seed"),
    (["--power", "0.01"], "--power"),
])
def test_bad_input_names_the_option(args: list[str], option: str) -> None:
    result = runner.invoke(app, [*args, "--trials", "10"] if "--trials" not in args else args)
    assert result.exit_code != 0
    assert isinstance(result.exception, ValidationError)
    assert str(result.exception).startswith(f"{option}: ")


def test_power_curve_reuses_draws_and_equals_each_simulation() -> None:
    """The curve draws each chunk once for every HR (arm A's exponentials rescaled); each point
    must equal a separate simulation of that HR with the same seed, trial for trial."""
    from dawna.analysis.design_simulation import power_curve

    design = Design()
    points = power_curve(design, [0.5, 0.8, 1.0], 4500, seed=17)
    for point in points:
        alone = simulate_trials(design.with_hazard_ratio(point.hazard_ratio), 4500, seed=17)
        assert point.power == alone.power


def test_threads_change_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each chunk's random stream comes from the seed and the chunk's place, so one thread and
    two give the same trials."""
    from dawna.analysis import design_simulation

    two = simulate_trials(Design(dropout_12m=0.1, events=60), 5000, seed=3, target_events=50)
    monkeypatch.setattr(design_simulation, "MAX_THREADS", 1)
    assert simulate_trials(Design(dropout_12m=0.1, events=60), 5000, seed=3,
                           target_events=50) == two


@pytest.mark.parametrize("design", [
    Design(),
    Design(dropout_12m=0.3, events=70),  # some trials never reach 70 events
    Design(n=18, median_a_months=3, median_b_months=6, events=5),
    Design(accrual_months=0, followup_months=6),  # all enrolled at once: censorings tie
], ids=["fixed", "dropout-event-driven", "small-event-driven", "tied"])
def test_chunk_buffers_give_the_reference_trials_and_statistics(design: Design) -> None:
    """The simulation computes each chunk in reused buffers, block by block; its trials and
    statistics must be those of the readable path (``trials_of`` and ``logrank_z``, the latter
    held to lifelines above), value for value, over blocks of unequal size."""
    from dawna.analysis.design_kernel import BLOCK_TRIALS, Workspace
    from dawna.analysis.design_simulation import draw_random, trials_of

    trials = 2 * BLOCK_TRIALS + 37
    draws = draw_random(design, trials, np.random.default_rng(29))
    data = trials_of(design, draws)
    z = logrank_z(data.time, data.event, data.arm_a)
    target = min(design.n, 50)
    result = Workspace(design.n, trials, design.dropout_12m > 0).run(
        design, draws, 1.96, details=True, target_events=target)
    assert result.z is not None and result.z.tolist() == z.tolist()
    assert result.rejected == np.count_nonzero(np.abs(z) > 1.96)
    assert result.events is not None and result.analysis_months is not None
    assert result.events.tolist() == data.event.sum(axis=1).tolist()
    assert result.analysis_months.tolist() == data.analysis_months.tolist()
    assert result.to_events is not None
    assert result.to_events.tolist() == np.sort(data.progression_calendar,
                                                axis=1)[:, target - 1].tolist()
    if design.accrual_months == 0:  # the tied path was taken, and lifelines agrees
        assert (data.time == design.followup_months).sum(axis=1).min() > 1
        assert (z[:5] ** 2).tolist() == pytest.approx(
            _lifelines_statistics(data.time[:5], data.event[:5], data.arm_a), abs=1e-9)
