r"""The trial report's figures as pure functions returning self-contained SVG strings: the
Kaplan–Meier curves of progression-free survival with numbers at risk, the forest plot of hazard
ratios by subgroup, the waterfall plot of best tumour change and (from ``report_figures``,
re-exported here) the swimmer and CONSORT diagrams. The house style, the determinism and the
handling of empty data are described in ``report_figures``; every visible text is passed in
already translated, with English defaults.

Kaplan–Meier: :math:`\hat S(t)` is drawn as a right-continuous step function from the table
of ``survival.kaplan_meier`` (one row per distinct time), starting at :math:`\hat S(0) = 1`,
with its pointwise confidence band (the table's ``lower``/``upper``, of the transform chosen
there) shaded the same way and a ``+`` at each time with censored participants. The number at
risk at time :math:`t` is the number with a time :math:`\ge t` (R ``summary(survfit,
times=)``, ``n.risk``): the ``n_risk`` of the first row at or after :math:`t`, or after the last
row its ``n_risk - n_event - n_censor`` (0).

Forest: hazard ratios on a log scale, where a ratio and its reciprocal are equally far from 1
(Lewis & Clarke, BMJ 2001;322:1479–1480), the square's area proportional to the subgroup's size.

Waterfall: each participant's best percentage change of the sum of target-lesion diameters from
baseline, sorted descending, with the RECIST 1.1 thresholds (Eisenhauer et al., Eur J Cancer
2009;45:228–247, §4.3.1) for reference: PR at −30 % from baseline; PD at +20 % (from the nadir
in the guideline, so the +20 % line is a guide, not the rule).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.patches import Patch
from matplotlib.ticker import NullLocator
from matplotlib.transforms import blended_transform_factory

from dawna.analysis.plots import RESPONSE_COLOURS
from dawna.analysis.report_figures import (
    GREY,
    LIGHT_GREY,
    ConsortFlow,
    SwimmerLane,
    arm_colours,
    arm_order,
    consort_svg,
    house_style,
    new_figure,
    no_data_svg,
    render,
    spines_off,
    swimmer_svg,
)
from dawna.analysis.survival import KmArm

__all__ = [
    "ConsortFlow",
    "ForestRow",
    "SwimmerLane",
    "WaterfallBar",
    "consort_svg",
    "forest_svg",
    "format_hr",
    "km_svg",
    "number_at_risk",
    "swimmer_svg",
    "waterfall_svg",
]


def _tick_text(value: float) -> str:
    return f"{value:g}"


# ---- Kaplan–Meier -------------------------------------------------------------------------------

def number_at_risk(arm: KmArm, time: float) -> int:
    """Participants of ``arm`` with a time ``>= time`` (event or censoring)."""
    for row in arm.table:
        if row["time"] >= time:
            return int(row["n_risk"])
    if not arm.table:
        return arm.n
    last = arm.table[-1]
    return int(last["n_risk"] - last["n_event"] - last["n_censor"])


def _band(rows: Sequence[Mapping[str, Any]], key: str) -> list[float]:
    """A CI bound per row; where the table has none, 1 while the curve is still 1 (the band has
    no width there: log-log gives no bound at S = 1), else a gap."""
    out = []
    for row in rows:
        value = row[key]
        out.append(float(value) if value is not None
                   else 1.0 if row["survival"] >= 1.0 else math.nan)
    return out


def _safe_id(text: str) -> str:
    return "".join(ch if ch.isascii() and ch.isalnum() else "_" for ch in text)


def km_svg(arms: Mapping[str, KmArm], *, arm_labels: Mapping[str, str],
           time_label: str = "Months since randomization",
           survival_label: str = "Progression-free survival",
           at_risk_label: str = "Number at risk",
           at_risk_times: Sequence[float] | None = None, title: str = "",
           show_ci: bool = True, censor_marks: bool = True, median_lines: bool = False,
           at_risk_step: float = 3.0, empty_label: str = "No data") -> str:
    """Kaplan–Meier curves, one per arm (A, B, then others), with the numbers at risk under the
    axis at ``at_risk_times`` (default: every ``at_risk_step`` time units from 0 to the last
    time), which are also the x ticks. ``median_lines`` draws dashed lines to each reached
    median. The at-risk numbers carry ids ``km-at-risk-<arm>-<i>``, the censor marks
    ``km-censor-<arm>``."""
    drawn = [a for a in arm_order(arms) if arms[a].table]
    if not drawn:
        return no_data_svg(empty_label, title)
    colours = arm_colours(arms)
    last_time = max(float(arms[a].table[-1]["time"]) for a in drawn)
    if at_risk_times is None:
        step = at_risk_step if at_risk_step > 0 else 3.0
        times = [float(t) for t in np.arange(0.0, last_time + 1e-9, step)]
    else:
        times = sorted({float(t) for t in at_risk_times})
    right = max([last_time, *times]) or 1.0
    with house_style():
        fig = new_figure(6.8, 4.2 + 0.22 * len(drawn))
        grid = fig.add_gridspec(2, 1, height_ratios=[4.0, 0.45 + 0.3 * len(drawn)])
        ax = fig.add_subplot(grid[0])
        risk = fig.add_subplot(grid[1], sharex=ax)
        for arm in drawn:
            km, colour = arms[arm], colours[arm]
            rows = km.table
            xs = [0.0, *(float(r["time"]) for r in rows)]
            ys = [1.0, *(float(r["survival"]) for r in rows)]
            ax.step(xs, ys, where="post", color=colour, linewidth=1.5,
                    label=arm_labels.get(arm, arm))
            if show_ci:
                ax.fill_between(xs, [1.0, *_band(rows, "lower")], [1.0, *_band(rows, "upper")],
                                step="post", color=colour, alpha=0.15, linewidth=0)
            if censor_marks:
                censored = [r for r in rows if r["n_censor"] > 0]
                if censored:
                    ax.plot([r["time"] for r in censored], [r["survival"] for r in censored],
                            linestyle="none", marker="+", markersize=7, markeredgewidth=1.1,
                            color=colour, gid=f"km-censor-{_safe_id(arm)}")
            if median_lines and km.median is not None:
                ax.plot([0, km.median, km.median], [0.5, 0.5, 0.0], color=colour,
                        linestyle="--", linewidth=0.8)
        ax.set_ylim(0, 1.03)
        ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0], ["0", "0.25", "0.5", "0.75", "1"])
        ax.set_xlim(0, right * 1.02)
        ax.set_xticks(times, [_tick_text(t) for t in times])
        ax.set_xlabel(time_label)
        ax.set_ylabel(survival_label)
        ax.legend(frameon=False, loc="upper right")
        if title:
            ax.set_title(title)
        spines_off(ax)

        risk.set_ylim(len(drawn) - 0.4, -1.1)
        risk.tick_params(axis="x", which="both", bottom=False, labelbottom=False)
        risk.yaxis.set_major_locator(NullLocator())
        for side in ("top", "right", "bottom", "left"):
            risk.spines[side].set_visible(False)
        label_at = blended_transform_factory(risk.transAxes, risk.transData)
        risk.text(-0.01, -1.0, at_risk_label, ha="right", va="center", fontsize=8,
                  fontweight="bold", transform=label_at)
        for row, arm in enumerate(drawn):
            risk.text(-0.01, row, arm_labels.get(arm, arm), ha="right", va="center",
                      fontsize=8, color=colours[arm], transform=label_at)
            for i, t in enumerate(times):
                risk.text(t, row, str(number_at_risk(arms[arm], t)), ha="center",
                          va="center", fontsize=8, gid=f"km-at-risk-{_safe_id(arm)}-{i}")
        return render(fig)


# ---- forest -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ForestRow:
    label: str
    n: int
    events: int
    hr: float | None
    lower: float | None
    upper: float | None
    note: str = ""


def format_hr(hr: float | None, lower: float | None, upper: float | None, *,
              not_estimable: str = "not estimable", digits: int = 2) -> str:
    """``0.57 (0.35–0.93)``: the ratio and its interval with an en dash."""
    if hr is None or not math.isfinite(hr):
        return not_estimable
    if lower is None or upper is None:
        return f"{hr:.{digits}f}"
    return f"{hr:.{digits}f} ({lower:.{digits}f}–{upper:.{digits}f})"


def _hr_ticks(span: float) -> tuple[float, ...]:
    """Tick values that stay legible over an axis spanning ``span`` (high / low)."""
    if span > 2000:
        return (0.01, 0.1, 1.0, 10.0, 100.0)
    if span > 50:
        return (0.01, 0.1, 0.5, 1.0, 2.0, 10.0, 100.0)
    return (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)


def _positive(values: Sequence[float | None]) -> list[float]:
    return [v for v in values if v is not None and math.isfinite(v) and v > 0]


def forest_svg(rows: Sequence[ForestRow], *, x_label: str = "Hazard ratio (A vs B, 95% CI)",
               favours: tuple[str, str] = ("Favours A", "Favours B"), title: str = "",
               headers: tuple[str, str, str] = ("Subgroup", "n (events)", "HR (95% CI)"),
               not_estimable: str = "not estimable", empty_label: str = "No data") -> str:
    """A row per subgroup, top down in the given order: label, ``n (events)``, a square at the
    hazard ratio (area proportional to n) on its confidence interval, and ``HR (CI)`` with the
    row's note. A row without a ratio shows ``not_estimable`` in place of the square; an
    interval beyond the axis (0.01–100 at most) ends in an arrowhead."""
    if not rows:
        return no_data_svg(empty_label, title)
    values = _positive([v for r in rows for v in (r.hr, r.lower, r.upper)])
    lo = max(0.01, min([1.0, *values]) / 1.3)
    hi = min(100.0, max([1.0, *values]) * 1.3)
    max_n = max([1, *(r.n for r in rows)])
    count = len(rows)
    with house_style():
        fig = new_figure(7.4, 1.3 + 0.3 * (count + 1))
        grid = fig.add_gridspec(1, 3, width_ratios=[3.0, 2.8, 2.0], wspace=0.02)
        left = fig.add_subplot(grid[0])
        ax = fig.add_subplot(grid[1], sharey=left)
        right = fig.add_subplot(grid[2], sharey=left)
        for text_ax in (left, right):
            text_ax.set_xlim(0, 1)
            text_ax.set_axis_off()
        left.set_ylim(-0.7, count + 0.6)
        header_y = count
        left.text(0, header_y, headers[0], ha="left", va="center", fontweight="bold")
        left.text(1, header_y, headers[1], ha="right", va="center", fontweight="bold")
        right.text(0.04, header_y, headers[2], ha="left", va="center", fontweight="bold")
        below_axis = ("data", "axes fraction")
        ax.annotate(f"← {favours[0]}", (0.95, 0), xycoords=below_axis, xytext=(0, -17),
                    textcoords="offset points", ha="right", va="top", fontsize=7.5, color=GREY)
        ax.annotate(f"{favours[1]} →", (1.05, 0), xycoords=below_axis, xytext=(0, -17),
                    textcoords="offset points", ha="left", va="top", fontsize=7.5, color=GREY)
        for text_ax in (left, ax, right):
            text_ax.axhline(count - 0.5, color=LIGHT_GREY, linewidth=0.8)
        ax.vlines(1.0, -0.5, count - 0.5, color=GREY, linewidth=0.8)
        for i, row in enumerate(rows):
            y = count - 1 - i
            left.text(0, y, row.label, ha="left", va="center")
            left.text(1, y, f"{row.n} ({row.events})", ha="right", va="center")
            hr_text = format_hr(row.hr, row.lower, row.upper, not_estimable=not_estimable)
            if row.note:
                hr_text = f"{hr_text}  {row.note}"
            right.text(0.04, y, hr_text, ha="left", va="center",
                       color="#1f2328" if row.hr is not None else GREY)
            if row.hr is None or not math.isfinite(row.hr) or row.hr <= 0:
                ax.text(1.0, y, not_estimable, ha="center", va="center", fontsize=7.5,
                        style="italic", color=GREY,
                        bbox={"boxstyle": "square,pad=0.15", "facecolor": "white",
                              "edgecolor": "none"})
                continue
            _draw_interval(ax, y, row, lo, hi)
            if lo <= row.hr <= hi:
                size = 4.0 + 8.0 * math.sqrt(max(row.n, 0) / max_n)
                ax.plot([row.hr], [y], linestyle="none", marker="s", markersize=size,
                        color="#1f2328", zorder=3)
        ax.set_xscale("log")
        ax.set_xlim(lo, hi)
        ticks = [t for t in _hr_ticks(hi / lo) if lo <= t <= hi]
        ax.set_xticks(ticks, [_tick_text(t) for t in ticks])
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xlabel(x_label, labelpad=17)
        ax.yaxis.set_visible(False)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        if title:
            fig.suptitle(title)
        return render(fig)


def _draw_interval(ax: Any, y: float, row: ForestRow, lo: float, hi: float) -> None:
    if row.lower is None or row.upper is None:
        return
    start, end = max(lo, row.lower), min(hi, row.upper)
    if end <= start:
        return
    ax.plot([start, end], [y, y], color="#1f2328", linewidth=1.0)
    if row.lower < lo:
        ax.plot([lo], [y], marker="<", markersize=4, color="#1f2328", clip_on=False)
    if row.upper > hi:
        ax.plot([hi], [y], marker=">", markersize=4, color="#1f2328", clip_on=False)


# ---- waterfall ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class WaterfallBar:
    subject: str
    arm: str
    best_pct_change: float
    response: str = ""


_CLIP_PCT = 100.0


def waterfall_svg(bars: Sequence[WaterfallBar], *, arm_labels: Mapping[str, str],
                  y_label: str = "Best change in target sum from baseline (%)",
                  title: str = "", pd_label: str = "+20 %", pr_label: str = "−30 %",
                  show_subjects: bool | None = None, empty_label: str = "No data") -> str:
    """Bars of each participant's best change, sorted descending (ties by subject), coloured by
    arm; bars above +100 % are cut at +100 % with a triangle (id ``waterfall-clipped``) and the
    true value above it. The best overall response, when given, is written at the bar's tip.
    Subject labels under the bars by default only up to 40 bars."""
    if not bars:
        return no_data_svg(empty_label, title)
    ordered = sorted(bars, key=lambda b: (-b.best_pct_change, b.subject))
    colours = arm_colours(b.arm for b in ordered)
    with house_style():
        fig = new_figure(max(6.4, min(12.0, 2.0 + 0.12 * len(ordered))), 3.8)
        ax = fig.add_subplot()
        xs = list(range(len(ordered)))
        heights = [max(-100.0, min(_CLIP_PCT, b.best_pct_change)) for b in ordered]
        ax.bar(xs, heights, width=0.8, color=[colours[b.arm] for b in ordered])
        ax.axhline(0, color=GREY, linewidth=0.6)
        ax.axhline(20, color=RESPONSE_COLOURS["PD"], linestyle="--", linewidth=0.8)
        ax.axhline(-30, color=RESPONSE_COLOURS["PR"], linestyle="--", linewidth=0.8)
        right = len(ordered) - 0.4
        ax.text(right, 20, f" {pd_label}", va="center", ha="left", color=RESPONSE_COLOURS["PD"],
                fontsize=8)
        ax.text(right, -30, f" {pr_label}", va="center", ha="left",
                color=RESPONSE_COLOURS["PR"], fontsize=8)
        clipped = [(x, b) for x, b in zip(xs, ordered, strict=True)
                   if b.best_pct_change > _CLIP_PCT]
        if clipped:
            ax.plot([x for x, _ in clipped], [_CLIP_PCT + 4] * len(clipped), linestyle="none",
                    marker="^", markersize=5, color=GREY, gid="waterfall-clipped")
            for x, b in clipped:
                ax.text(x, _CLIP_PCT + 9, f"+{b.best_pct_change:.0f}", ha="center",
                        va="bottom", fontsize=6, color=GREY, rotation=90)
        for x, h, b in zip(xs, heights, ordered, strict=True):
            if b.response and b.best_pct_change <= _CLIP_PCT:
                ax.text(x, h + (2 if h >= 0 else -2), b.response, ha="center",
                        va="bottom" if h >= 0 else "top", fontsize=6,
                        color=RESPONSE_COLOURS.get(b.response.upper(), GREY))
        ax.set_xlim(-0.8, len(ordered) + 1.6)
        ax.set_ylim(-108, 135 if clipped else 112)
        if show_subjects if show_subjects is not None else len(ordered) <= 40:
            ax.set_xticks(xs, [b.subject for b in ordered], rotation=90, fontsize=6)
        else:
            ax.set_xticks([])
        ax.set_ylabel(y_label)
        ax.legend(handles=[Patch(color=colours[a], label=arm_labels.get(a, a))
                           for a in arm_order(colours)], frameon=False, loc="upper right")
        if title:
            ax.set_title(title)
        spines_off(ax)
        return render(fig)
