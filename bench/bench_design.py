"""Benchmark: the vectorized design simulation against the same simulation written with one
lifelines ``logrank_test`` per trial (issue "Analysis and results", item 4: goal ≥ 1000x; issue 23
item 5: ≥ 5000x, on both cores, and the power curve reusing its draws).

Both sides simulate the same model (:func:`dawna.analysis.design.draw_trials`: 80 patients 1:1,
exponential PFS with medians 7 vs 4 months, 24 months uniform accrual, 12 months follow-up) and
reject at two-sided α 0.05. The vectorized side draws and tests 2000 trials per chunk
(:func:`simulate_trials`); the per-trial side draws one trial at a time and calls
``lifelines.statistics.logrank_test`` on it. Fewer trials are run on the slow side, so times are
compared per trial; each side is timed ``--repeat`` times and the fastest run is kept. The
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
               threads: int = design_simulation.MAX_THREADS) -> tuple[float, float]:
    """(seconds per trial of the fastest run, power) on ``threads`` threads."""
    best, power = math.inf, math.nan
    saved, design_simulation.MAX_THREADS = design_simulation.MAX_THREADS, threads
    try:
        for _ in range(repeat):
            start = time.perf_counter()
            result = simulate_trials(design, trials, seed=seed)
            best = min(best, time.perf_counter() - start)
            power = result.power
    finally:
        design_simulation.MAX_THREADS = saved
    return best / trials, power


def curve_seconds(design: Design, trials: int, seed: int, repeat: int) -> tuple[float, float]:
    """(power curve over HR_GRID reusing draws, one simulation per HR), fastest of ``repeat``."""
    reuse, apart = math.inf, math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        power_curve(design, HR_GRID, trials, seed=seed)
        reuse = min(reuse, time.perf_counter() - start)
        start = time.perf_counter()
        for hr in HR_GRID:
            simulate_trials(design.with_hazard_ratio(hr), trials, seed=seed)
        apart = min(apart, time.perf_counter() - start)
    return reuse, apart


def per_trial_lifelines(design: Design, trials: int, seed: int,
                        repeat: int) -> tuple[float, float, float]:
    """(seconds per trial of the fastest run, power, max |Z² - lifelines statistic|)."""
    best, power, max_diff = math.inf, math.nan, math.nan
    for _ in range(repeat):
        rng = np.random.default_rng(seed)
        kept = []
        rejected = 0
        start = time.perf_counter()
        for _trial in range(trials):
            data = draw_trials(design, 1, rng)
            time_, event, a = data.time[0], data.event[0], data.arm_a
            result = logrank_test(time_[a], time_[~a], event[a], event[~a])
            rejected += result.p_value < design.alpha
            kept.append((data, result.test_statistic))
        best = min(best, time.perf_counter() - start)
        power = rejected / trials
        z = logrank_z(np.vstack([d.time for d, _s in kept]),
                      np.vstack([d.event for d, _s in kept]), kept[0][0].arm_a)
        max_diff = float(np.max(np.abs(z**2 - np.array([s for _d, s in kept]))))
    return best / trials, power, max_diff


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

    fast_s, fast_power = vectorized(design, args.fast_trials, args.seed, args.repeat)
    one_s, _power = vectorized(design, args.fast_trials, args.seed, args.repeat, threads=1)
    reuse_s, apart_s = curve_seconds(design, 10_000, args.seed, args.repeat)
    slow_s, slow_power, max_diff = per_trial_lifelines(design, args.slow_trials, args.seed + 1,
                                                       args.repeat)
    fast_se, slow_se = se(fast_power, args.fast_trials), se(slow_power, args.slow_trials)
    diff_se = math.hypot(fast_se, slow_se)
    figures = {
        "machine": f"{cpu_model()}, {os.cpu_count()} CPUs, {platform.system()} "
                   f"{platform.release()}",
        "python": platform.python_version(), "numpy": np.__version__,
        "lifelines": lifelines_version,
        "design": "80 patients 1:1, medians 7 vs 4 months, accrual 24, follow-up 12, alpha 0.05",
        "vectorized": {"trials": args.fast_trials, "us_per_trial": fast_s * 1e6,
                       "power": fast_power, "power_se": fast_se},
        "lifelines_per_trial": {"trials": args.slow_trials, "us_per_trial": slow_s * 1e6,
                                "power": slow_power, "power_se": slow_se},
        "speed_ratio": slow_s / fast_s,
        "one_thread": {"us_per_trial": one_s * 1e6, "speed_ratio": slow_s / one_s},
        "power_curve_10000_trials_s": {"reusing_draws": reuse_s, "one_simulation_per_hr": apart_s},
        "load_average": os.getloadavg()[0],
        "power_difference_in_se": (fast_power - slow_power) / diff_se,
        "max_abs_statistic_difference": max_diff,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"machine: {figures['machine']}; Python {figures['python']}, numpy {np.__version__}, "
          f"lifelines {lifelines_version}")
    print(f"design: {figures['design']}")
    print(f"vectorized:          {fast_s * 1e6:10.2f} us/trial over {args.fast_trials} trials, "
          f"power {fast_power:.4f} ± {fast_se:.4f}")
    print(f"lifelines per trial: {slow_s * 1e6:10.2f} us/trial over {args.slow_trials} trials, "
          f"power {slow_power:.4f} ± {slow_se:.4f}")
    print(f"speed ratio: {slow_s / fast_s:.0f}x (goal ≥ 5000x); one thread: {one_s * 1e6:.2f} "
          f"us/trial, {slow_s / one_s:.0f}x")
    print(f"power curve, 16 HRs x 10000 trials: {reuse_s:.2f} s reusing draws, {apart_s:.2f} s "
          f"as one simulation per HR")
    print(f"load average (1 min): {os.getloadavg()[0]:.2f}")
    print(f"power difference: {fast_power - slow_power:+.4f} = "
          f"{figures['power_difference_in_se']:+.2f} combined Monte Carlo SE")
    print(f"same data, |Z² - lifelines statistic| ≤ {max_diff:.2e}")


if __name__ == "__main__":
    main()
