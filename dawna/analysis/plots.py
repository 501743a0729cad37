"""Plots of tumour response, drawn with matplotlib as SVG (text kept as text, so Chinese labels
render with the browser's fonts).

Spider plot: the percentage change of the sum of target-lesion diameters from baseline at each
assessment, one line per participant, with the RECIST 1.1 thresholds drawn for reference
(§4.3.1: PR at -30 % from baseline; PD at +20 % from the nadir, which equals +20 % from baseline
only while the baseline is the nadir, so the line is a guide, not the rule).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["SpiderLine", "spider_svg"]

RESPONSE_COLOURS = {"CR": "#1a7f37", "PR": "#2f81f7", "SD": "#8c959f", "NON-CR/NON-PD": "#8c959f",
                    "PD": "#cf222e", "NE": "#d4a72c"}


@dataclass(frozen=True)
class SpiderLine:
    label: str
    weeks: Sequence[float]
    change_pct: Sequence[float]
    responses: Sequence[str]


def spider_svg(lines: Sequence[SpiderLine], *, x_label: str, y_label: str, pr_label: str,
               pd_label: str, title: str = "") -> bytes:
    """An SVG spider plot; each line starts at (0, 0), the baseline."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with matplotlib.rc_context({"svg.fonttype": "none", "font.size": 9,
                                "svg.hashsalt": "dawna"}):
        fig, ax = plt.subplots(figsize=(6.4, 3.6))
        try:
            ax.axhline(-30, color="#2f81f7", linestyle="--", linewidth=0.8)
            ax.axhline(20, color="#cf222e", linestyle="--", linewidth=0.8)
            ax.axhline(0, color="#57606a", linewidth=0.6)
            right = max([8.0, *(w for line in lines for w in line.weeks)])
            ax.text(right, -30, f" {pr_label}", va="center", ha="left", color="#2f81f7")
            ax.text(right, 20, f" {pd_label}", va="center", ha="left", color="#cf222e")
            for line in lines:
                xs, ys = [0.0, *line.weeks], [0.0, *line.change_pct]
                ax.plot(xs, ys, color="#57606a", linewidth=1.2, label=line.label)
                for x, y, r in zip(line.weeks, line.change_pct, line.responses, strict=True):
                    ax.scatter([x], [y], color=RESPONSE_COLOURS.get(r, "#57606a"), zorder=3,
                               s=28)
                    ax.annotate(r, (x, y), textcoords="offset points", xytext=(0, 6),
                                ha="center", fontsize=7)
            ax.set_xlabel(x_label)
            ax.set_ylabel(y_label)
            low = min([-40.0, *(y for line in lines for y in line.change_pct)])
            high = max([40.0, *(y for line in lines for y in line.change_pct)])
            ax.set_ylim(low - 10, high + 15)
            ax.set_xlim(-0.5, right * 1.18)
            if title:
                ax.set_title(title)
            ax.spines[["top", "right"]].set_visible(False)
            fig.tight_layout()
            buf = io.BytesIO()
            fig.savefig(buf, format="svg", metadata={"Date": None})
            return buf.getvalue()
        finally:
            plt.close(fig)
