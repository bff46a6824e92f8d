"""The weekly digest's chart, drawn with matplotlib into PNG bytes (the only module importing it).

Two panels side by side:

* the firewood × fire map: x = firewood score (the customer's people), y = fire score (usage), one
  bubble per account sized by MRR and coloured by overall grade, quadrants split at ``threshold``
  and labelled (薪あり・火あり / 薪なし・火あり (危うい) / 薪あり・火なし / 薪なし・火なし);
* the grade distribution over the last weeks as stacked bars.

It uses matplotlib's object API with the Agg canvas (no ``pyplot``, no global figure state), so it is
safe from any thread. Japanese text renders in IPAex Gothic from ``matplotlib-fontja``; the chart
carries no emoji (the font has none). Texts come from the catalogs (``digest.chart.*``).
"""

from __future__ import annotations

import io
import math
from functools import cache
from typing import Any

import numpy as np
from matplotlib import font_manager, rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from handlers.context import Translate
from handlers.services.digest import DigestPost
from scoring.digest import GRADE_ORDER, Digest, Grade
from scoring.grades import GradeScale

FONT_FAMILY = "IPAexGothic"
GRADE_COLOURS: dict[Grade, str] = {
    5: "#1a9850",
    4: "#91cf60",
    3: "#fee08b",
    2: "#fc8d59",
    1: "#d73027",
    None: "#bdbdbd",
}
QUADRANT_SPLIT = 50.0
"""Scores at or above this count as "there" (薪あり / 火あり)."""
MAX_BUBBLE = 900.0
MIN_BUBBLE = 12.0
DPI = 100
PNG_COMPRESSION = 3
"""zlib level: 3 is several times faster than the default 6 for a few percent more bytes."""
SIZE = (14.0, 6.0)


@cache
def _font() -> str:
    """Register IPAex Gothic from ``matplotlib-fontja`` once per process and return its family."""
    from matplotlib_fontja import get_font_ttf_path  # type: ignore[import-untyped,unused-ignore]

    path: str = get_font_ttf_path()
    font_manager.fontManager.addfont(path)
    return FONT_FAMILY


def _grade_label(t: Translate, scale: GradeScale, grade: Grade) -> str:
    return t("digest.chart.grade.none") if grade is None else scale.label(grade).localized(t.locale)


def _bubble_sizes(mrrs: list[float]) -> list[float]:
    """Area proportional to MRR, the largest account at :data:`MAX_BUBBLE` points²."""
    top = max(mrrs, default=0.0)
    if top <= 0:
        return [MIN_BUBBLE * 4] * len(mrrs)
    return [max(MIN_BUBBLE, MAX_BUBBLE * m / top) for m in mrrs]


def _draw_map(ax: Axes, t: Translate, scale: GradeScale, digest: Digest) -> None:
    ax.set_title(t("digest.chart.map.title"))
    ax.set_xlim(-5, 105)
    ax.set_ylim(-16, 116)
    ax.set_yticks(range(0, 101, 20))
    ax.set_xlabel(t("digest.chart.map.x"))
    ax.set_ylabel(t("digest.chart.map.y"))
    ax.axvline(QUADRANT_SPLIT, color="#888888", linewidth=0.8, linestyle="--", zorder=1)
    ax.axhline(QUADRANT_SPLIT, color="#888888", linewidth=0.8, linestyle="--", zorder=1)
    # Quadrant names sit in bands above 100 and below 0, where no bubble can cover them.
    style: dict[str, Any] = {"fontsize": 10, "color": "#444444", "zorder": 3}
    ax.text(102, 114, t("digest.chart.map.q_good"), ha="right", va="top", **style)
    ax.text(-3, 114, t("digest.chart.map.q_fragile"), ha="left", va="top", **style)
    ax.text(102, -14, t("digest.chart.map.q_kindling"), ha="right", va="bottom", **style)
    ax.text(-3, -14, t("digest.chart.map.q_cold"), ha="left", va="bottom", **style)
    points = digest.map_points
    if not points:
        ax.text(50, 50, t("digest.chart.map.empty"), ha="center", va="center", color="#777777")
        return
    firewood = np.fromiter((p.firewood for p in points), dtype=float, count=len(points))
    fire = np.fromiter((p.fire for p in points), dtype=float, count=len(points))
    sizes = np.asarray(_bubble_sizes([float(p.mrr) for p in points]), dtype=float)
    grades = [p.grade for p in points]
    # Largest bubbles first, so small accounts stay visible on top of big ones.
    order = np.argsort(-sizes, kind="stable")
    for grade in GRADE_ORDER:
        chosen = order[[grades[i] == grade for i in order]]
        if not len(chosen):
            continue
        ax.scatter(
            firewood[chosen],
            fire[chosen],
            s=sizes[chosen],
            c=GRADE_COLOURS[grade],
            alpha=0.7,
            edgecolors="#333333",
            linewidths=0.4,
            label=_grade_label(t, scale, grade),
            zorder=2,
        )
    ax.legend(loc="center left", fontsize=8, markerscale=0.4, framealpha=0.8)


def _draw_bars(ax: Axes, t: Translate, scale: GradeScale, digest: Digest) -> None:
    weeks = digest.history
    ax.set_title(t("digest.chart.bars.title", weeks=len(weeks)))
    ax.set_ylabel(t("digest.chart.bars.y"))
    ax.set_xlabel(t("digest.chart.bars.x"))
    labels = [f"{w.end:%m/%d}" for w in weeks]
    positions = list(range(len(weeks)))
    bottom = [0.0] * len(weeks)
    # Worst at the bottom: the part that needs attention sits on the axis, easy to compare.
    for grade in (1, 2, 3, 4, 5, None):
        heights = [float(w.counts.get(grade, 0)) for w in weeks]
        if not any(heights):
            continue
        ax.bar(
            positions,
            heights,
            bottom=bottom,
            color=GRADE_COLOURS[grade],
            edgecolor="#333333",
            linewidth=0.4,
            label=_grade_label(t, scale, grade),
        )
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    ax.set_xticks(positions, labels)
    top = max(bottom, default=0.0)
    ax.set_ylim(0, max(1.0, math.ceil(top * 1.1)))
    handles, names = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles[::-1], names[::-1], loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)


def render_digest_chart(t: Translate, scale: GradeScale, post: DigestPost) -> bytes:
    """The digest's chart as PNG bytes (about 1400 × 600 pixels)."""
    digest = post.digest
    with rc_context({"font.family": _font()}):
        # A fixed layout: constrained layout draws the figure twice to measure it, doubling the cost.
        figure = Figure(figsize=SIZE, dpi=DPI)
        figure.subplots_adjust(left=0.05, right=0.89, top=0.88, bottom=0.1, wspace=0.18)
        FigureCanvasAgg(figure)
        figure.suptitle(
            t("digest.chart.title", start=digest.week.start, end=digest.week.end, team=post.team_label),
            fontsize=13,
        )
        map_axes, bar_axes = figure.subplots(1, 2, width_ratios=(1.1, 1.0))
        _draw_map(map_axes, t, scale, digest)
        _draw_bars(bar_axes, t, scale, digest)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, pil_kwargs={"compress_level": PNG_COMPRESSION})
    return buffer.getvalue()
