r"""Design simulation of a two-arm 1:1 trial with a time-to-event primary endpoint (PFS): the
report (simulation at the design's HR, the power curve, the detectable HR both ways) and its
plot. The parts live by subject, and every name is re-exported here:

* :mod:`dawna.analysis.design_model`: the model of one simulated trial and :class:`Design`;
* :mod:`dawna.analysis.design_schoenfeld`: Schoenfeld's approximation (events, power,
  detectable HR);
* :mod:`dawna.analysis.design_kernel`: the vectorized log-rank test and the buffers in which
  each thread computes its chunks of trials;
* :mod:`dawna.analysis.design_simulation`: the Monte Carlo simulation and the power curve.

References
----------
Schoenfeld D. Sample-size formula for the proportional-hazards regression model.
Biometrics 1983;39:499-503. Collett D. Modelling Survival Data in Medical Research, 3rd ed.,
§2.6 (log-rank test) and §10.2 (number of events). Mantel N. Cancer Chemother Rep 1966;50:163-70.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from dawna.analysis.design_model import CHUNK_TRIALS, HR_GRID, Design, Progress
from dawna.analysis.design_schoenfeld import (
    expected_events,
    required_events,
    schoenfeld_detectable_hr,
    schoenfeld_events,
    schoenfeld_hazard_ratio,
    schoenfeld_power,
)
from dawna.analysis.design_simulation import (
    PowerPoint,
    SimulationResult,
    TrialData,
    detectable_hr_from_curve,
    draw_trials,
    logrank_z,
    power_curve,
    simulate_trials,
)
from dawna.errors import ValidationError
from dawna.i18n import _

__all__ = [
    "CHUNK_TRIALS",
    "HR_GRID",
    "Design",
    "DesignReport",
    "PowerPoint",
    "SimulationResult",
    "TrialData",
    "design_report",
    "detectable_hr_from_curve",
    "draw_trials",
    "expected_events",
    "logrank_z",
    "power_curve",
    "power_curve_svg",
    "required_events",
    "schoenfeld_detectable_hr",
    "schoenfeld_events",
    "schoenfeld_hazard_ratio",
    "schoenfeld_power",
    "simulate_trials",
]


@dataclass(frozen=True)
class DesignReport:
    design: Design
    seed: int
    power_target: float
    hazard_ratio: float
    required_events: int | None  # Schoenfeld, true HR, rounded up; None at HR 1
    expected_events: float  # formula (fixed follow-up) or E (event-driven)
    schoenfeld_power: float  # at the expected events
    simulation: SimulationResult
    detectable_hr_simulation: float | None
    detectable_hr_schoenfeld: float | None
    curve: list[PowerPoint]

    @property
    def duration_definition(self) -> str:
        return "fixed" if self.design.events is None else "event-driven"

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["duration_definition"] = self.duration_definition
        clean: dict[str, Any] = _finite(data)
        return clean


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def design_report(design: Design, trials: int, *, seed: int | None = None,
                  power_target: float = 0.80, hazard_ratios: Sequence[float] | None = None,
                  progress: Progress | None = None) -> DesignReport:
    """Simulation at the design's HR, the power curve and the detectable HR both ways.

    Without a seed one is drawn and reported, so every run can be repeated. The grid defaults
    to :data:`HR_GRID` (its reciprocals when the design's HR is above 1).
    """
    if not design.alpha < power_target < 1:
        raise ValidationError(_("must lie between alpha and 1"), field="power_target")
    if trials < 1:
        raise ValidationError(_("must be at least 1"), field="trials")
    if seed is None:
        seed = int(np.random.SeedSequence().entropy) % 2**32  # type: ignore[arg-type]
    if seed < 0:
        raise ValidationError(_("must be zero or a positive whole number"), field="seed")
    hr = design.hazard_ratio
    benefit = hr <= 1
    if hazard_ratios is None:
        hazard_ratios = HR_GRID if benefit else tuple(round(1 / h, 4) for h in HR_GRID)
    required = (required_events(hr, alpha=design.alpha, power=power_target)
                if hr != 1 else None)
    target = required if design.events is None else None
    simulation = simulate_trials(design, trials, seed=seed, target_events=target,
                                 progress=progress)
    curve = power_curve(design, hazard_ratios, trials, seed=seed, progress=progress)
    exp_events = expected_events(design)
    return DesignReport(
        design=design, seed=seed, power_target=power_target, hazard_ratio=hr,
        required_events=required,
        expected_events=exp_events,
        schoenfeld_power=schoenfeld_power(exp_events, hr, alpha=design.alpha),
        simulation=simulation,
        detectable_hr_simulation=detectable_hr_from_curve(curve, power=power_target,
                                                          benefit=benefit),
        detectable_hr_schoenfeld=schoenfeld_detectable_hr(design, power=power_target),
        curve=curve)


# --- plot ---------------------------------------------------------------------------------

def power_curve_svg(points: Sequence[PowerPoint], *, x_label: str, y_label: str,
                    simulation_label: str, schoenfeld_label: str, target_label: str,
                    power_target: float = 0.80, design_hr: float | None = None,
                    design_label: str = "", title: str = "") -> str:
    """An SVG of power against HR: simulated points with 95 % Monte Carlo bars, Schoenfeld's
    curve, the target power as a dashed line and, if given, the design's HR as a dotted one."""
    from matplotlib.figure import Figure

    from dawna.analysis.plots import plot_style

    ordered = sorted(points, key=lambda p: p.hazard_ratio)
    hrs = [p.hazard_ratio for p in ordered]
    with plot_style():  # text as text, CJK fonts first (issue 23)
        fig = Figure(figsize=(6.4, 3.6))  # no pyplot: safe in the server's threads
        ax = fig.add_subplot()
        ax.axhline(power_target, color="#cf222e", linestyle="--", linewidth=0.8)
        ax.text(hrs[-1] if hrs else 1.0, power_target, f" {target_label}", va="bottom",
                ha="right", color="#cf222e")
        if design_hr is not None:
            ax.axvline(design_hr, color="#8c959f", linestyle=":", linewidth=0.8)
            ax.text(design_hr, 0.02, f" {design_label}", va="bottom", ha="left",
                    color="#57606a")
        ax.plot(hrs, [p.schoenfeld_power for p in ordered], color="#57606a",
                linewidth=1.2, label=schoenfeld_label)
        ax.errorbar(hrs, [p.power for p in ordered],
                    yerr=[1.96 * p.power_se for p in ordered], fmt="o", markersize=4,
                    color="#2f81f7", capsize=2, label=simulation_label)
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label)
        ax.set_ylim(0, 1.02)
        if title:
            ax.set_title(title)
        ax.legend(frameon=False, loc="best")
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
        return buf.getvalue()
