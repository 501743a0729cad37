"""The power-against-HR curve of a design simulation as SVG, labelled in the current language:
the figure of ``dawna simulate --plot`` and of the web page ``/design``.

The drawing itself (simulated points with 95 % Monte Carlo bars, Schoenfeld's curve, the target
power and the design's HR) is :func:`dawna.analysis.design.power_curve_svg`; this module only
gives it its translated labels. numpy and matplotlib load only when a curve is drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dawna.i18n import _

if TYPE_CHECKING:
    from dawna.analysis.design import DesignReport

__all__ = ["curve_svg"]


def curve_svg(report: DesignReport) -> str:
    """The power-against-HR curve of ``report`` as SVG, labelled in the current language."""
    from dawna.analysis.design import power_curve_svg

    design = report.design
    return power_curve_svg(
        report.curve, x_label=_("Hazard ratio (A vs B)"), y_label=_("Power"),
        simulation_label=_("Simulated (95 % Monte Carlo interval)"),
        schoenfeld_label=_("Schoenfeld"),
        target_label=_("{power:.0%} power").format(power=report.power_target),
        power_target=report.power_target, design_hr=report.hazard_ratio,
        design_label=_("design HR {hr:.2f}").format(hr=report.hazard_ratio),
        title=_("{n} patients, {months:g} months accrual").format(
            n=design.n, months=design.accrual_months))
