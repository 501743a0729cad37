"""``dawna simulate``: power, events, duration and detectable HR of a 1:1 PFS design.

Vectorized Monte Carlo of :mod:`dawna.analysis.design` (exponential PFS, uniform accrual,
administrative censoring at accrual + follow-up or at the E-th event with ``--events``,
optional exponential dropout, two-sided log-rank test) next to Schoenfeld's approximation.
``--format json`` prints :meth:`DesignReport.as_dict`; the default is a table. ``--plot FILE``
writes the power-against-HR curve as SVG. Bad input prints ``error: --option: rule`` and
exits 1 (through ``dawna.cli.main``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dawna.analysis.design_plot import curve_svg
from dawna.cli.common import OutputFormat
from dawna.errors import ValidationError
from dawna.i18n import _

if TYPE_CHECKING:  # numpy loads only when a simulation runs (every CLI command starts faster)
    from dawna.analysis.design import Design, DesignReport

__all__ = ["OPTION_NAMES", "simulate"]

OPTION_NAMES = {"n": "--n", "median_a_months": "--median-a", "median_b_months": "--median-b",
                "accrual_months": "--accrual-months", "followup_months": "--followup-months",
                "alpha": "--alpha", "dropout_12m": "--dropout", "events": "--events",
                "trials": "--trials", "seed": "--seed", "power_target": "--power"}
PROGRESS_FROM_TRIALS = 50_000
"""A progress bar is shown (on stderr) when the run simulates at least this many trials."""


def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _print_table(report: DesignReport) -> None:
    from rich.console import Console  # Rich loads when a table is printed, not for --help
    from rich.table import Table

    d, sim = report.design, report.simulation
    console = Console()
    table = Table(title=_("Design simulation: {trials} trials, seed {seed}").format(
        trials=sim.trials, seed=report.seed))
    table.add_column(_("Quantity"))
    table.add_column(_("Value"), justify="right")
    if d.events is None:
        analysis = _("at {months:g} months (accrual + follow-up)").format(
            months=d.accrual_months + d.followup_months)
    else:
        analysis = _("at event number {events}").format(events=d.events)
    rows = [
        (_("Patients (1:1)"), str(d.n)),
        (_("Median PFS A / B (months)"), f"{d.median_a_months:g} / {d.median_b_months:g}"),
        (_("Hazard ratio A vs B (median B / median A)"), _num(report.hazard_ratio)),
        (_("Accrual / follow-up (months)"), f"{d.accrual_months:g} / {d.followup_months:g}"),
        (_("Dropout within 12 months"), f"{d.dropout_12m:.0%}"),
        (_("Analysis"), analysis),
        (_("Two-sided alpha"), f"{d.alpha:g}"),
        (_("Power, simulated (± Monte Carlo SE)"),
         f"{sim.power:.3f} ± {sim.power_se:.3f}"),
        (_("Power, Schoenfeld with expected events"), _num(report.schoenfeld_power)),
        (_("Events: mean / median (simulated)"),
         f"{sim.events_mean:.1f} / {sim.events_median:g}"),
        (_("Expected events (formula)"), _num(report.expected_events, 1)),
        (_("Events required for {power:.0%} power (Schoenfeld)").format(
            power=report.power_target), str(report.required_events or "-")),
        (_("Median study duration (months from first enrolment)"),
         _num(sim.duration_median_months, 1)),
    ]
    if d.events is None and report.required_events is not None:
        rows.append((_("Median months until the required events"),
                     _num(sim.months_to_events_median, 1) if sim.target_events is not None
                     else _("not reachable with {n} patients").format(n=d.n)))
    rows += [
        (_("HR detectable with {power:.0%} power, simulated").format(
            power=report.power_target), _num(report.detectable_hr_simulation)),
        (_("HR detectable with {power:.0%} power, Schoenfeld").format(
            power=report.power_target), _num(report.detectable_hr_schoenfeld)),
    ]
    for label, value in rows:
        table.add_row(label, value)
    console.print(table)
    curve = Table(title=_("Power against hazard ratio (control median fixed)"))
    for column in (_("HR"), _("Power, simulated"), _("Power, Schoenfeld"),
                   _("Expected events")):
        curve.add_column(column, justify="right")
    for p in report.curve:
        curve.add_row(f"{p.hazard_ratio:.2f}", f"{p.power:.3f} ± {p.power_se:.3f}",
                      f"{p.schoenfeld_power:.3f}", f"{p.expected_events:.1f}")
    console.print(curve)


def simulate(
    n: Annotated[int, typer.Option("--n", help="Patients, randomized 1:1 (even).")] = 80,
    median_a: Annotated[float, typer.Option("--median-a",
                                            help="Median PFS in arm A (months).")] = 7.0,
    median_b: Annotated[float, typer.Option("--median-b",
                                            help="Median PFS in arm B (months).")] = 4.0,
    accrual_months: Annotated[float, typer.Option("--accrual-months",
                                                  help="Uniform accrual period.")] = 24.0,
    followup_months: Annotated[float, typer.Option(
        "--followup-months", help="Follow-up after the end of accrual.")] = 12.0,
    trials: Annotated[int, typer.Option("--trials", help="Simulated trials.")] = 10_000,
    seed: Annotated[int | None, typer.Option(
        "--seed", help="Random seed (reported when drawn).", show_default=False)] = None,
    alpha: Annotated[float, typer.Option("--alpha", help="Two-sided level.")] = 0.05,
    dropout: Annotated[float, typer.Option(
        "--dropout", help="Proportion lost to follow-up within 12 months.")] = 0.0,
    events: Annotated[int | None, typer.Option(
        "--events", help="Analyse at the E-th event instead of after the follow-up.",
        show_default=False)] = None,
    power: Annotated[float, typer.Option("--power", help="Target power.")] = 0.80,
    format: Annotated[OutputFormat, typer.Option("--format",
                                                 help="text (a table) or json.")]
    = OutputFormat.TEXT,
    plot: Annotated[Path | None, typer.Option(
        "--plot", help="Write the power-against-HR curve to this SVG file.",
        show_default=False)] = None,
) -> None:
    """Simulate the trial design: power, events, duration and the detectable hazard ratio."""
    from dawna.analysis.design import Design
    try:
        design = Design(n=n, median_a_months=median_a, median_b_months=median_b,
                        accrual_months=accrual_months, followup_months=followup_months,
                        alpha=alpha, dropout_12m=dropout, events=events)
        report = _run(design, trials, seed, power)
    except ValidationError as exc:
        field = OPTION_NAMES.get(exc.field or "", exc.field)
        raise ValidationError(exc.message, field=field) from None
    if plot is not None:
        plot.write_text(curve_svg(report), encoding="utf-8")
    if format is OutputFormat.JSON:
        typer.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        _print_table(report)


def _run(design: Design, trials: int, seed: int | None, power: float) -> DesignReport:
    from dawna.analysis.design import HR_GRID, design_report

    total = trials * (1 + len(HR_GRID))
    if trials < 1 or total < PROGRESS_FROM_TRIALS:
        return design_report(design, trials, seed=seed, power_target=power)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(_("Simulating trials"), total=total)
        return design_report(design, trials, seed=seed, power_target=power,
                             progress=lambda done: progress.advance(task, done))
