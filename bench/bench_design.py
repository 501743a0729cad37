"""Benchmark: the vectorized design simulation against the same simulation written with one
lifelines ``logrank_test`` per trial (issue "Analysis and results", item 4: goal ≥ 1000x; issue 23
item 5: ≥ 5000x, on both cores, and the power curve reusing its draws).

Both sides simulate the same model (:func:`dawna.analysis.design.draw_trials`: 80 patients 1:1,
exponential PFS with medians 7 vs 4 months, 24 months uniform accrual, 12 months follow-up) and
reject at two-sided α 0.05. The vectorized side draws and tests 2000 trials per chunk
(:func:`simulate_trials`); the per-trial side draws one trial at a time and calls
``lifelines.statistics.logrank_test`` on it. Fewer trials are run on the slow side, so times are
compared per trial; each side is timed ``--repeat`` times and the fastest run is kept, in wall
time and in CPU time (``time.process_time``: all threads of the process; on a machine shared with
other work the CPU time per trial says more about the code than the wall time). The
powers are reported with their Monte Carlo standard errors, and the per-trial side's statistics
are recomputed with the vectorized kernel on the same data (maximum difference printed).

    .venv/bin/python bench/bench_design.py [--fast-trials 20000] [--slow-trials 300]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lifelines import __version__ as lifelines_version
from lifelines.statistics import logrank_test

from dawna.analysis import design_simulation
from dawna.analysis.design import (
    HR_GRID,
    Design,
    draw_trials,
    logrank_z,
    power_curve,
    simulate_trials,
)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def vectorized(design: Design, trials: int, seed: int, repeat: int,
               threads: int = 2) -> tuple[float, float, float, float]:
    """(wall and CPU seconds per trial of the fastest runs, power, minor page faults per trial
    of the last run) on ``threads`` threads."""
    wall, cpu, power, faults = math.inf, math.inf, math.nan, math.nan
    saved = getattr(design_simulation, "MAX_THREADS", 1)  # older code: one thread, no setting
    design_simulation.MAX_THREADS = threads
    try:
        for _ in range(repeat):
            start_faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            start, start_cpu = time.perf_counter(), time.process_time()
            result = simulate_trials(design, trials, seed=seed)
            wall = min(wall, time.perf_counter() - start)
            cpu = min(cpu, time.process_time() - start_cpu)
            faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start_faults
            power = result.power
    finally:
        design_simulation.MAX_THREADS = saved
    return wall / trials, cpu / trials, power, faults / trials


def curve_seconds(design: Design, trials: int, seed: int, repeat: int) -> dict[str, float]:
    """Wall and CPU seconds of the power curve over HR_GRID reusing draws and as one
    simulation per HR, fastest of ``repeat``."""
    best = dict.fromkeys(("reuse", "reuse_cpu", "apart", "apart_cpu"), math.inf)
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        power_curve(design, HR_GRID, trials, seed=seed)
        best["reuse"] = min(best["reuse"], time.perf_counter() - start)
        best["reuse_cpu"] = min(best["reuse_cpu"], time.process_time() - start_cpu)
        start, start_cpu = time.perf_counter(), time.process_time()
        for hr in HR_GRID:
            simulate_trials(design.with_hazard_ratio(hr), trials, seed=seed)
        best["apart"] = min(best["apart"], time.perf_counter() - start)
        best["apart_cpu"] = min(best["apart_cpu"], time.process_time() - start_cpu)
    return best


def per_trial_lifelines(design: Design, trials: int, seed: int,
                        repeat: int) -> tuple[float, float, float, float]:
    """(wall and CPU seconds per trial of the fastest runs, power, max |Z² - lifelines
    statistic|)."""
    best, cpu, power, max_diff = math.inf, math.inf, math.nan, math.nan
    for _ in range(repeat):
        rng = np.random.default_rng(seed)
        kept = []
        rejected = 0
        start, start_cpu = time.perf_counter(), time.process_time()
        for _trial in range(trials):
            data = draw_trials(design, 1, rng)
            time_, event, a = data.time[0], data.event[0], data.arm_a
            result = logrank_test(time_[a], time_[~a], event[a], event[~a])
            rejected += result.p_value < design.alpha
            kept.append((data, result.test_statistic))
        best = min(best, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
        power = rejected / trials
        z = logrank_z(np.vstack([d.time for d, _s in kept]),
                      np.vstack([d.event for d, _s in kept]), kept[0][0].arm_a)
        max_diff = float(np.max(np.abs(z**2 - np.array([s for _d, s in kept]))))
    return best / trials, cpu / trials, power, max_diff


def se(power: float, trials: int) -> float:
    return math.sqrt(power * (1 - power) / trials)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fast-trials", type=int, default=20_000)
    parser.add_argument("--slow-trials", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20260105)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    design = Design()

    load_before = os.getloadavg()
    fast_s, fast_cpu, fast_power, fast_faults = vectorized(design, args.fast_trials, args.seed,
                                                           args.repeat)
    one_s, one_cpu, _power, one_faults = vectorized(design, args.fast_trials, args.seed,
                                                    args.repeat, threads=1)
    curve = curve_seconds(design, 10_000, args.seed, args.repeat)
    slow_s, slow_cpu, slow_power, max_diff = per_trial_lifelines(
        design, args.slow_trials, args.seed + 1, args.repeat)
    fast_se, slow_se = se(fast_power, args.fast_trials), se(slow_power, args.slow_trials)
    diff_se = math.hypot(fast_se, slow_se)
    figures = {
        "machine": f"{cpu_model()}, {os.cpu_count()} CPUs, {platform.system()} "
                   f"{platform.release()}",
        "python": platform.python_version(), "numpy": np.__version__,
        "lifelines": lifelines_version,
        "code": str(Path(design_simulation.__file__).resolve().parents[2]),
        "design": "80 patients 1:1, medians 7 vs 4 months, accrual 24, follow-up 12, alpha 0.05",
        "vectorized": {"trials": args.fast_trials, "us_per_trial": fast_s * 1e6,
                       "cpu_us_per_trial": fast_cpu * 1e6, "page_faults_per_trial": fast_faults,
                       "power": fast_power, "power_se": fast_se},
        "lifelines_per_trial": {"trials": args.slow_trials, "us_per_trial": slow_s * 1e6,
                                "cpu_us_per_trial": slow_cpu * 1e6,
                                "power": slow_power, "power_se": slow_se},
        "speed_ratio": slow_s / fast_s,
        "cpu_ratio": slow_cpu / fast_cpu,
        "one_thread": {"us_per_trial": one_s * 1e6, "cpu_us_per_trial": one_cpu * 1e6,
                       "page_faults_per_trial": one_faults,
                       "speed_ratio": slow_s / one_s, "cpu_ratio": slow_cpu / one_cpu},
        "power_curve_10000_trials_s": {"reusing_draws": curve["reuse"],
                                       "reusing_draws_cpu": curve["reuse_cpu"],
                                       "one_simulation_per_hr": curve["apart"],
                                       "one_simulation_per_hr_cpu": curve["apart_cpu"]},
        "load_average_before": load_before[:2],
        "load_average": os.getloadavg()[:2],
        "power_difference_in_se": (fast_power - slow_power) / diff_se,
        "max_abs_statistic_difference": max_diff,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"machine: {figures['machine']}; Python {figures['python']}, numpy {np.__version__}, "
          f"lifelines {lifelines_version}")
    print(f"design: {figures['design']}")
    print(f"code: {figures['code']}")
    print(f"vectorized, 2 threads: {fast_s * 1e6:9.2f} us/trial wall, {fast_cpu * 1e6:8.2f} CPU, "
          f"over {args.fast_trials} trials, power {fast_power:.4f} ± {fast_se:.4f}")
    print(f"vectorized, 1 thread:  {one_s * 1e6:9.2f} us/trial wall, {one_cpu * 1e6:8.2f} CPU; "
          f"minor page faults per trial {one_faults:.2f} (two threads {fast_faults:.2f})")
    print(f"lifelines per trial:   {slow_s * 1e6:9.2f} us/trial wall, {slow_cpu * 1e6:8.2f} CPU, "
          f"over {args.slow_trials} trials, power {slow_power:.4f} ± {slow_se:.4f}")
    print(f"speed ratio, wall: {slow_s / fast_s:.0f}x (goal ≥ 5000x), one thread "
          f"{slow_s / one_s:.0f}x; CPU: {slow_cpu / fast_cpu:.0f}x, one thread "
          f"{slow_cpu / one_cpu:.0f}x")
    print(f"power curve, 16 HRs x 10000 trials: {curve['reuse']:.2f} s wall "
          f"({curve['reuse_cpu']:.2f} s CPU) reusing draws, {curve['apart']:.2f} s "
          f"({curve['apart_cpu']:.2f} s CPU) as one simulation per HR")
    print(f"load average (1, 5 min): before {load_before[0]:.2f} {load_before[1]:.2f}, "
          f"after {figures['load_average'][0]:.2f} {figures['load_average'][1]:.2f}")
    print(f"power difference: {fast_power - slow_power:+.4f} = "
          f"{figures['power_difference_in_se']:+.2f} combined Monte Carlo SE")
    print(f"same data, |Z² - lifelines statistic| ≤ {max_diff:.2e}")


if __name__ == "__main__":
    main()
