"""The house style of the trial report's figures, and the swimmer and CONSORT diagrams
(``report_plots`` re-exports them beside the Kaplan–Meier, forest and waterfall plots; callers
import from there).

Every figure is a pure function of its data and its already-translated texts, returning a
self-contained SVG 1.1 document as a string: matplotlib's ``Figure`` drawn without pyplot (no
global figure registry, nothing to close), text kept as text (``svg.fonttype`` ``none``) in a
font family list with CJK fallbacks so the browser renders Chinese labels (a font missing on
the server only changes the layout's text measurement), fixed element ids (``svg.hashsalt``) and
no date, so the same data give the same bytes. Empty data give a figure saying so (the caller's
text) rather than an exception. Arms A and B have fixed colours; other arms get colours from a
palette in sorted order and come after them.

Swimmer: one lane per participant from randomization to the last follow-up, with the events on
it and an arrow where follow-up continues. CONSORT: the flow diagram of the CONSORT 2010
statement (Schulz, Altman, Moher; BMJ 2010;340:c332, Figure 1): enrolment, allocation,
follow-up, analysis.
"""

from __future__ import annotations

import io
import re
import textwrap
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch
from matplotlib.text import Text

from dawna.analysis.plots import RESPONSE_COLOURS, plot_style

__all__ = [
    "ARM_COLOURS",
    "CONSORT_TEXTS",
    "MARKER_LABELS",
    "ConsortFlow",
    "SwimmerLane",
    "arm_colours",
    "arm_order",
    "consort_svg",
    "swimmer_svg",
]

ARM_COLOURS: Mapping[str, str] = {"A": "#0969da", "B": "#d1242f"}
_OTHER_COLOURS = ("#8250df", "#1a7f37", "#bc4c00", "#bf3989", "#57606a")
GREY, LIGHT_GREY = "#57606a", "#d0d7de"


# ---- shared style -------------------------------------------------------------------------------

def arm_order(arms: Iterable[str]) -> list[str]:
    """A, B, then any other arms in sorted order."""
    present = set(arms)
    return [a for a in ARM_COLOURS if a in present] + sorted(present - set(ARM_COLOURS))


def arm_colours(arms: Iterable[str]) -> dict[str, str]:
    """A stable colour per arm: A and B fixed, other arms from a palette in sorted order."""
    present = set(arms)
    others = sorted(present - set(ARM_COLOURS))
    out = {a: ARM_COLOURS[a] for a in ARM_COLOURS if a in present}
    out.update({a: _OTHER_COLOURS[i % len(_OTHER_COLOURS)] for i, a in enumerate(others)})
    return out


@contextmanager
def house_style() -> Iterator[None]:
    """The rc settings of every report figure (``plots.plot_style``: text kept as text, CJK
    fonts first where installed)."""
    with plot_style():
        yield


def new_figure(width_in: float, height_in: float, *, constrained: bool = True) -> Figure:
    return Figure(figsize=(width_in, height_in), layout="constrained" if constrained else None)


_DOCTYPE = re.compile(r"<!DOCTYPE svg[^>]*>\n?")


def render(fig: Figure) -> str:
    """The figure as SVG text without date, creator or metadata block, and without the DOCTYPE
    (an external DTD reference that SVG viewers ignore), so nothing in it points outside."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg",
                metadata={"Date": None, "Creator": None, "Type": None, "Format": None})
    return _DOCTYPE.sub("", buf.getvalue(), count=1)


def no_data_svg(text: str, title: str = "") -> str:
    """A small figure with ``text`` in the middle (and the title, if any)."""
    with house_style():
        fig = new_figure(6.4, 1.6)
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.text(0.5, 0.5, text, ha="center", va="center", color=GREY, fontsize=11,
                transform=ax.transAxes)
        if title:
            ax.set_title(title)
        return render(fig)


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` columns; East Asian wide characters count as two."""
    wide = any(unicodedata.east_asian_width(ch) in "WF" for ch in text)
    return textwrap.wrap(text, max(4, width // 2 if wide else width)) or [""]


def spines_off(ax: Axes) -> None:
    ax.spines[["top", "right"]].set_visible(False)


# ---- swimmer ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SwimmerLane:
    subject: str
    arm: str
    end: float
    ongoing: bool
    markers: tuple[tuple[float, str], ...] = ()


MARKER_LABELS: Mapping[str, str] = {
    "CR": "Complete response", "PR": "Partial response", "PD": "Progressive disease",
    "death": "Death", "dose_reduction": "Dose reduction", "eot": "End of treatment",
    "ongoing": "Ongoing",
}
# kind: (marker, colour, size)
_MARKER_STYLE: Mapping[str, tuple[str, str, float]] = {
    "CR": ("o", RESPONSE_COLOURS["CR"], 5.5), "PR": ("o", RESPONSE_COLOURS["PR"], 5.5),
    "PD": ("D", RESPONSE_COLOURS["PD"], 5.0), "death": ("X", "#1f2328", 6.0),
    "dose_reduction": ("v", "#bc4c00", 5.5), "eot": ("|", "#1f2328", 8.0),
}


def swimmer_svg(lanes: Sequence[SwimmerLane], *, arm_labels: Mapping[str, str],
                x_label: str = "Months since randomization",
                marker_labels: Mapping[str, str] | None = None, title: str = "",
                empty_label: str = "No data") -> str:
    """One horizontal bar per participant from 0 to ``end``, grouped by arm (A, B, others) and
    longest first within an arm, with the event markers on it and an arrow (id
    ``swimmer-ongoing-<n>``) past the end of a participant still followed. ``marker_labels``
    names the kinds in the legend (keys CR, PR, PD, death, dose_reduction, eot, ongoing; English
    by default); an unknown kind is drawn as a grey dot labelled with its own name."""
    if not lanes:
        return no_data_svg(empty_label, title)
    names = {**MARKER_LABELS, **(marker_labels or {})}
    colours = arm_colours(lane.arm for lane in lanes)
    ordered: list[SwimmerLane | None] = []
    for arm in arm_order(colours):
        if ordered:
            ordered.append(None)  # a blank row between arms
        group = sorted((lane for lane in lanes if lane.arm == arm),
                       key=lambda lane: (-lane.end, lane.subject))
        ordered += group
    x_max = max([1e-9, *(lane.end for lane in lanes),
                 *(t for lane in lanes for t, _ in lane.markers)])
    arrow = 0.06 * x_max
    with house_style():
        fig = new_figure(6.8, max(2.4, 1.2 + 0.2 * len(ordered)))
        ax = fig.add_subplot()
        points: dict[str, tuple[list[float], list[int]]] = {}  # kind: its markers' x and y
        ticks: list[tuple[int, str]] = []
        bars: list[tuple[int, float, str]] = []
        for i, lane in enumerate(ordered):
            y = len(ordered) - 1 - i
            if lane is None:
                continue
            ticks.append((y, lane.subject))
            bars.append((y, lane.end, colours[lane.arm]))
            if lane.ongoing:
                ax.add_patch(FancyArrowPatch((lane.end, y), (lane.end + arrow, y),
                                             arrowstyle="-|>", mutation_scale=8, linewidth=1.0,
                                             color="#1f2328", gid=f"swimmer-ongoing-{i}"))
            for t, kind in lane.markers:
                xs, ys = points.setdefault(kind, ([], []))
                xs.append(t)
                ys.append(y)
        # batched (issue 23): one barh for every lane, one plot per kind of marker
        ax.barh([y for y, _e, _c in bars], [e for _y, e, _c in bars], height=0.6,
                color=[c for _y, _e, c in bars], alpha=0.85)
        for kind, (xs, ys) in points.items():
            marker, colour, size = _MARKER_STYLE.get(kind, ("o", GREY, 4.5))
            ax.plot(xs, ys, linestyle="none", marker=marker, color=colour,
                    markersize=size, markeredgecolor="white" if marker != "|" else colour,
                    markeredgewidth=0.5 if marker != "|" else 1.5, zorder=3)
        kinds = list(points)
        ax.set_yticks([y for y, _ in ticks], [s for _, s in ticks],
                      fontsize=6 if len(ordered) > 30 else 8)
        ax.set_ylim(-0.7, len(ordered) - 0.3)
        ax.set_xlim(0, x_max + 2 * arrow)
        ax.set_xlabel(x_label)
        handles: list[Any] = [Patch(color=colours[a], label=arm_labels.get(a, a))
                              for a in arm_order(colours)]
        known = [k for k in _MARKER_STYLE if k in kinds] + [k for k in kinds
                                                            if k not in _MARKER_STYLE]
        for kind in known:
            marker, colour, size = _MARKER_STYLE.get(kind, ("o", GREY, 4.5))
            handles.append(Line2D([], [], linestyle="none", marker=marker, color=colour,
                                  markersize=size, label=names.get(kind, kind)))
        if any(lane is not None and lane.ongoing for lane in ordered):
            handles.append(Line2D([], [], linestyle="none", marker=">", color="#1f2328",
                                  markersize=5, label=names["ongoing"]))
        ax.legend(handles=handles, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  fontsize=8)
        if title:
            ax.set_title(title)
        spines_off(ax)
        return render(fig)


# ---- CONSORT ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ConsortFlow:
    assessed: int
    excluded: int
    exclusion_reasons: Sequence[tuple[str, int]]
    randomized: int
    allocated: Mapping[str, int]
    received: Mapping[str, int]
    discontinued: Mapping[str, int]
    discontinuation_reasons: Mapping[str, Sequence[tuple[str, int]]]
    analysed: Mapping[str, int]
    arm_labels: Mapping[str, str]


CONSORT_TEXTS: Mapping[str, str] = {
    "enrolment": "Enrolment", "allocation": "Allocation", "follow_up": "Follow-up",
    "analysis": "Analysis",
    "assessed": "Assessed for eligibility (n={n})",
    "excluded": "Excluded (n={n})",
    "randomized": "Randomized (n={n})",
    "allocated": "Allocated to {arm} (n={n})",
    "received": "Received allocated intervention (n={n})",
    "not_received": "Did not receive allocated intervention (n={n})",
    "discontinued": "Discontinued intervention (n={n})",
    "analysed": "Analysed (n={n})",
    "reason": "{reason} (n={n})",
}

_LINE = 1.0     # data units per text line
_PAD = 0.9      # data units added to a box's lines for its padding and the gap
_UNIT_IN = 0.18  # inches per data unit


def _fill(template: str, **values: object) -> str:
    """``template`` with its ``{n}``/``{arm}``/``{reason}`` fields filled; a translation with a
    broken field still shows its number rather than failing the report."""
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return f"{template} (n={values.get('n', '')})"


def _box_lines(head: str, reasons: Sequence[str], width: int) -> list[str]:
    lines = wrap(head, width)
    for reason in reasons:
        wrapped = wrap(reason, width - 2)
        lines += [f"• {wrapped[0]}", *(f"\u00a0\u00a0\u00a0{rest}" for rest in wrapped[1:])]
    return lines


def consort_svg(flow: ConsortFlow, *, texts: Mapping[str, str] | None = None) -> str:
    """The CONSORT 2010 flow diagram. ``texts`` overrides any of ``CONSORT_TEXTS`` (stage
    headings and box templates with ``{n}``, ``{arm}``, ``{reason}`` fields). The arms are
    those of ``allocated`` and ``arm_labels`` (A, B, then others); a count missing for an arm is
    shown as 0. Zero counts are drawn, not replaced by "No data": a diagram of a trial that has
    screened no one yet is still its CONSORT diagram."""
    t = {**CONSORT_TEXTS, **(texts or {})}
    arms = arm_order([*flow.allocated, *flow.arm_labels]) or ["A", "B"]
    k = len(arms)
    col_width = max(24, int(92 / k))  # characters per box line
    wide_width = 46

    def reasons(pairs: Sequence[tuple[str, int]]) -> list[str]:
        return [_fill(t["reason"], reason=r, n=n) for r, n in pairs]

    def arm_count(m: Mapping[str, int], arm: str) -> int:
        return int(m.get(arm, 0))

    top = _box_lines(_fill(t["assessed"], n=flow.assessed), [], wide_width)
    excluded = _box_lines(_fill(t["excluded"], n=flow.excluded),
                          reasons(flow.exclusion_reasons), wide_width - 6)
    randomized = _box_lines(_fill(t["randomized"], n=flow.randomized), [], wide_width)
    per_arm: list[dict[str, list[str]]] = []
    for arm in arms:
        label = flow.arm_labels.get(arm, arm)
        allocated, received = arm_count(flow.allocated, arm), arm_count(flow.received, arm)
        alloc_lines = _box_lines(_fill(t["allocated"], arm=label, n=allocated), [], col_width)
        alloc_lines += _box_lines(_fill(t["received"], n=received), [], col_width)
        alloc_lines += _box_lines(_fill(t["not_received"], n=max(0, allocated - received)), [],
                                  col_width)
        per_arm.append({
            "allocated": alloc_lines,
            "discontinued": _box_lines(
                _fill(t["discontinued"], n=arm_count(flow.discontinued, arm)),
                reasons(flow.discontinuation_reasons.get(arm, ())), col_width),
            "analysed": _box_lines(_fill(t["analysed"], n=arm_count(flow.analysed, arm)), [],
                                   col_width),
        })

    def height(lines: Sequence[str]) -> float:
        return len(lines) * _LINE + _PAD

    # vertical layout, top down, in data units
    stage_h = 1.6
    y = 0.4
    y_enrol_head = y + 0.8
    y += stage_h
    y_top = y
    y += height(top) + 0.6
    y_excluded = y
    y += height(excluded) + 0.6
    y_random = y
    y += height(randomized) + 1.2
    y_split = y - 0.6
    y_alloc_head = y + 0.8
    y += stage_h
    rows: dict[str, float] = {}
    for key, head in (("allocated", None), ("discontinued", "follow_up"),
                      ("analysed", "analysis")):
        if head is not None:
            rows[head] = y + 0.8
            y += stage_h
        rows[key] = y
        y += max(height(a[key]) for a in per_arm) + 0.6
    total = y + 0.2
    centre_x = [100 * (i + 0.5) / k for i in range(k)]
    box = {"boxstyle": "square,pad=0.5", "facecolor": "white", "edgecolor": "#1f2328",
           "linewidth": 0.8}
    stage = {"boxstyle": "round,pad=0.4", "facecolor": "#ddf4ff", "edgecolor": "#54aeff",
             "linewidth": 0.8}
    arrow = {"arrowstyle": "-|>", "color": "#1f2328", "linewidth": 0.8, "shrinkA": 0,
             "shrinkB": 0, "mutation_scale": 8}
    line = {"arrowstyle": "-", "color": "#1f2328", "linewidth": 0.8, "shrinkA": 0,
            "shrinkB": 0}

    with house_style():
        fig = new_figure(7.2, total * _UNIT_IN, constrained=False)
        ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
        ax.set_axis_off()
        ax.set_xlim(0, 100)
        ax.set_ylim(total, 0)  # y grows downwards, as the flow

        def text_box(x: float, y_: float, lines: Sequence[str], style: dict[str, Any],
                     ha: str = "center", bold: bool = False) -> Text:
            return ax.text(x, y_, "\n".join(lines), ha=ha, va="top", fontsize=8,
                           linespacing=1.25, bbox=style, multialignment="left",
                           fontweight="bold" if bold else "normal")

        def connect(start: Any, end: Any, start_coords: Any, end_coords: Any,
                    style: dict[str, Any]) -> None:
            ax.annotate("", xy=end, xycoords=end_coords, xytext=start, textcoords=start_coords,
                        arrowprops=style)

        text_box(12, y_enrol_head - 0.5, [t["enrolment"]], stage, bold=True)
        top_box = text_box(50, y_top, top, box)
        excl_box = text_box(58, y_excluded, excluded, box, ha="left")
        rand_box = text_box(50, y_random, randomized, box)
        connect((0.5, 0), (0.5, 1), top_box, rand_box, arrow)
        connect((50, 0.5), (0, 0.5), ("data", excl_box), excl_box, arrow)
        connect((0.5, 0), (50, y_split), rand_box, "data", line)
        if k > 1:
            connect((centre_x[0], y_split), (centre_x[-1], y_split), "data", "data", line)
        for head, y_head in (("allocation", y_alloc_head), ("follow_up", rows["follow_up"]),
                             ("analysis", rows["analysis"])):
            text_box(50, y_head - 0.5, [t[head]], stage, bold=True)
        for x, boxes in zip(centre_x, per_arm, strict=True):
            alloc = text_box(x, rows["allocated"], boxes["allocated"], box)
            disc = text_box(x, rows["discontinued"], boxes["discontinued"], box)
            anal = text_box(x, rows["analysed"], boxes["analysed"], box)
            connect((x, y_split), (0.5, 1), "data", alloc, arrow)
            connect((0.5, 0), (0.5, 1), alloc, disc, arrow)
            connect((0.5, 0), (0.5, 1), disc, anal, arrow)
        return render(fig)
