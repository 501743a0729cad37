"""Plots of tumour response, drawn with matplotlib as SVG (text kept as text, so Chinese labels
render with the browser's fonts), and the style every plot shares (``plot_style``).

Spider plot: the percentage change of the sum of target-lesion diameters from baseline at each
assessment, one line per participant, with the RECIST 1.1 thresholds drawn for reference
(§4.3.1: PR at -30 % from baseline; PD at +20 % from the nadir, which equals +20 % from baseline
only while the baseline is the nadir, so the line is a guide, not the rule).
"""

from __future__ import annotations

import io
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["CJK_FAMILIES", "SpiderLine", "font_families", "plot_style", "spider_svg"]

RESPONSE_COLOURS = {"CR": "#1a7f37", "PR": "#2f81f7", "SD": "#8c959f", "NON-CR/NON-PD": "#8c959f",
                    "PD": "#cf222e", "NE": "#d4a72c"}
#: Fonts with the Chinese glyphs, in order of preference (``fonts-noto-cjk``, ``fonts-wqy-zenhei``).
CJK_FAMILIES = ("Noto Sans CJK SC", "WenQuanYi Zen Hei")
_drawing = threading.RLock()


@lru_cache(maxsize=1)
def font_families() -> tuple[str, ...]:
    """The CJK fonts installed here, in order of preference, then DejaVu Sans (matplotlib's
    own): matplotlib measures (and would rasterize) each glyph in the first family that has it,
    and the SVG names the same list, so the browser picks the reader's fonts."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    if not installed & set(CJK_FAMILIES):
        # matplotlib keeps its font list in a cache file written at its first import; fonts
        # installed since (fonts-noto-cjk after a first run) are not in it. Add them once.
        for path in font_manager.findSystemFonts():
            if any(key in path for key in ("NotoSansCJK", "NotoSerifCJK", "wqy-zenhei")):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # pragma: no cover - a broken file
                    continue
        installed = {f.name for f in font_manager.fontManager.ttflist}
    return (*(f for f in CJK_FAMILIES if f in installed), "DejaVu Sans")


@contextmanager
def plot_style() -> Iterator[None]:
    """Every plot's rc settings: text kept as text in the SVG (``svg.fonttype`` none) in the
    families of ``font_families``, fixed ids and font size. With a CJK font installed nothing
    is missing and no warning is silenced; without one, Chinese glyphs are absent only from the
    server's text measurement (the browser renders the text with its own fonts), so matplotlib's
    missing-glyph warnings are silenced then, and only then. matplotlib's rc settings are global
    to the process, so plots are drawn one at a time (the server's threads would otherwise
    restore each other's settings mid-drawing)."""
    from matplotlib import rc_context

    families = font_families()
    with _drawing, rc_context({"svg.fonttype": "none", "svg.hashsalt": "dawna", "font.size": 9,
                               "font.family": ["sans-serif"],
                               "font.sans-serif": list(families)}), warnings.catch_warnings():
        if len(families) == 1:  # no CJK font: fall back quietly
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from")
        yield


@dataclass(frozen=True)
class SpiderLine:
    label: str
    weeks: Sequence[float]
    change_pct: Sequence[float]
    responses: Sequence[str]


def _changes(line: SpiderLine) -> list[int]:
    """The points of a line whose response differs from the one before (the first included)."""
    return [i for i, r in enumerate(line.responses) if i == 0 or r != line.responses[i - 1]]


def spider_svg(lines: Sequence[SpiderLine], *, x_label: str, y_label: str, pr_label: str,
               pd_label: str, title: str = "") -> bytes:
    """An SVG spider plot; each line starts at (0, 0), the baseline. Drawn in a few batched
    calls (issue 23): all lines as one collection, all points as one scatter coloured by
    response, and the response written only where it changes along a line (a legend names the
    colours)."""
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    with plot_style():
        fig = Figure(figsize=(6.4, 3.6))
        ax = fig.add_subplot()
        ax.axhline(-30, color="#2f81f7", linestyle="--", linewidth=0.8)
        ax.axhline(20, color="#cf222e", linestyle="--", linewidth=0.8)
        ax.axhline(0, color="#57606a", linewidth=0.6)
        right = max([8.0, *(w for line in lines for w in line.weeks)])
        ax.text(right, -30, f" {pr_label}", va="center", ha="left", color="#2f81f7")
        ax.text(right, 20, f" {pd_label}", va="center", ha="left", color="#cf222e")
        ax.add_collection(LineCollection(
            [list(zip([0.0, *line.weeks], [0.0, *line.change_pct], strict=True))
             for line in lines], colors="#57606a", linewidths=1.2))
        xs = [x for line in lines for x in line.weeks]
        ys = [y for line in lines for y in line.change_pct]
        kinds = [r for line in lines for r in line.responses]
        ax.scatter(xs, ys, c=[RESPONSE_COLOURS.get(r, "#57606a") for r in kinds], zorder=3,
                   s=28)
        for line in lines:
            for i in _changes(line):
                ax.annotate(line.responses[i], (line.weeks[i], line.change_pct[i]),
                            textcoords="offset points", xytext=(0, 6), ha="center",
                            fontsize=7)
        present = [r for r in RESPONSE_COLOURS if r in set(kinds)]
        if len(lines) > 1 and present:
            ax.legend(handles=[Line2D([], [], linestyle="none", marker="o",
                                      color=RESPONSE_COLOURS[r], label=r) for r in present],
                      frameon=False, loc="upper left", fontsize=7, ncols=len(present))
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label)
        low = min([-40.0, *ys])
        high = max([40.0, *ys])
        ax.set_ylim(low - 10, high + 15)
        ax.set_xlim(-0.5, right * 1.18)
        if title:
            ax.set_title(title)
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
        return buf.getvalue()
