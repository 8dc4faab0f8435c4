"""Charts for the PDF report, drawn with matplotlib (Agg): no browser, no display, PNG bytes out.

Why PNG bytes and not figures: the PDF layer only places images, and the same bytes can be
offered by the web app. Output is deterministic (no timestamp or software version in the PNG
metadata), so a report built twice from the same study has the same bytes. Text in the charts
uses the same Noto Sans CJK face as the PDF, so Chinese labels render (no tofu boxes).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .fonts import find_font
from .numbers import percent, significant

_LOCK = threading.Lock()  # pyplot's state machine is not thread-safe; the app serves many users
PALETTE = ("#1b6e5a", "#2f8f73", "#4aa88b", "#73c0a5", "#a3d6c1", "#cfe9dd", "#e7f4ee")
INK = "#1f2933"
MUTED = "#8a949e"


@dataclass(frozen=True)
class BoundaryBox:
    """One life-cycle stage in the boundary diagram."""

    label: str
    value_text: str  # e.g. "12.3 kg CO2e (45%)"; empty when not computed
    included: bool


def _display_width(text: str) -> int:
    """Columns a label needs: CJK characters count double."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pyplot(language: str):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    font = find_font(language)
    known = {entry.name for entry in font_manager.fontManager.ttflist}
    if font.matplotlib_family not in known:
        font_manager.fontManager.addfont(str(font.regular))
        font_manager.fontManager.addfont(str(font.bold))
    return plt, {"font.family": [font.matplotlib_family], "axes.unicode_minus": False, "svg.hashsalt": "gba"}


def _png(fig, plt) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=200, metadata={"Software": None}, facecolor="white")
    plt.close(fig)
    return buffer.getvalue()


def boundary_diagram_png(
    stages: Sequence[BoundaryBox],
    *,
    gate_label: str,
    site_label: str,
    outside_label: str,
    boundary_label: str,
    language: str = "en",
) -> bytes:
    """System boundary: each stage a box with an arrow into the site, then the product gate.

    Included stages are filled and carry their result; excluded ones are grey and dashed, so a
    reader sees at a glance what the cradle-to-gate number covers.
    """
    plt, rc = _pyplot(language)
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    with _LOCK, plt.rc_context(rc):
        rows = max(len(stages), 1)
        step = 0.52
        height = step * rows + 0.85
        fig = plt.figure(figsize=(7.6, height), facecolor="white")
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, 10)
        ax.set_ylim(0, height)
        ax.axis("off")
        top = height - 0.5
        centre_y = top - step * (rows - 1) / 2
        site_x, site_w = 5.35, 1.8
        gate_x, gate_w = 7.75, 1.35
        for index, stage in enumerate(stages):
            y = top - step * index
            face = PALETTE[index % len(PALETTE)] if stage.included else "#f2f4f5"
            text_colour = "white" if stage.included and index < 4 else INK
            box = FancyBboxPatch(
                (0.35, y - 0.21),
                3.9,
                0.42,
                boxstyle="round,pad=0.02,rounding_size=0.08",
                linewidth=0.8,
                edgecolor=PALETTE[0] if stage.included else MUTED,
                facecolor=face,
                linestyle="-" if stage.included else "--",
            )
            ax.add_patch(box)
            ax.text(0.5, y + (0.07 if stage.value_text else 0), stage.label, va="center", ha="left", fontsize=9, color=text_colour if stage.included else MUTED)
            if stage.value_text:
                ax.text(0.5, y - 0.13, stage.value_text, va="center", ha="left", fontsize=7, color=text_colour if stage.included else MUTED)
            arrow = FancyArrowPatch(
                (4.3, y),
                (site_x - 0.05, centre_y + (y - centre_y) * 0.25),
                arrowstyle="-|>",
                mutation_scale=9,
                linewidth=0.8,
                color=PALETTE[0] if stage.included else MUTED,
                linestyle="-" if stage.included else (0, (3, 2)),
            )
            ax.add_patch(arrow)
        site = FancyBboxPatch(
            (site_x, centre_y - 0.5), site_w, 1.0, boxstyle="round,pad=0.02,rounding_size=0.1", facecolor="#fff7e0", edgecolor="#c98a00", linewidth=1.0
        )
        ax.add_patch(site)
        ax.text(site_x + site_w / 2, centre_y, site_label, ha="center", va="center", fontsize=9, color=INK, wrap=True)
        ax.add_patch(FancyArrowPatch((site_x + site_w + 0.05, centre_y), (gate_x - 0.05, centre_y), arrowstyle="-|>", mutation_scale=11, linewidth=1.2, color=INK))
        gate = FancyBboxPatch(
            (gate_x, centre_y - 0.4), gate_w, 0.8, boxstyle="round,pad=0.02,rounding_size=0.1", facecolor=INK, edgecolor=INK
        )
        ax.add_patch(gate)
        ax.text(gate_x + gate_w / 2, centre_y, gate_label, ha="center", va="center", fontsize=9, color="white")
        frame = FancyBboxPatch(
            (0.15, 0.18), 9.1, height - 0.38, boxstyle="round,pad=0.0,rounding_size=0.15", fill=False, edgecolor=MUTED, linestyle=(0, (4, 3)), linewidth=0.8
        )
        ax.add_patch(frame)
        ax.text(0.3, 0.3, boundary_label, fontsize=7, color=MUTED, ha="left", va="bottom")
        ax.text(9.2, 0.3, outside_label, fontsize=7, color=MUTED, ha="right", va="bottom")
        return _png(fig, plt)


def bar_chart_png(
    values: Mapping[str, float],
    *,
    axis_label: str,
    language: str = "en",
    max_bars: int = 12,
) -> bytes:
    """Horizontal bars, largest on top, each labelled with its value and share of the total."""
    plt, rc = _pyplot(language)
    items = list(values.items())[:max_bars]
    total = sum(v for _, v in values.items())
    longest = max((_display_width(label) for label, _ in items), default=4)
    with _LOCK, plt.rc_context(rc):
        height = 0.34 * max(len(items), 1) + 0.75
        fig = plt.figure(figsize=(7.0, height), facecolor="white")
        left = min(0.12 + 0.0105 * longest, 0.45)
        ax = fig.add_axes((left, 0.6 / height, 0.8 - left, 1 - 0.75 / height))
        labels = [label for label, _ in items][::-1]
        numbers = [value for _, value in items][::-1]
        colours = [PALETTE[min(i, len(PALETTE) - 1)] for i in range(len(items))][::-1]
        ax.barh(range(len(items)), numbers, color=colours, height=0.62)
        ax.set_yticks(range(len(items)), labels, fontsize=9, color=INK)
        ax.tick_params(axis="x", labelsize=8, colors=MUTED)
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel(axis_label, fontsize=8.5, color=MUTED)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.spines["left"].set_color(MUTED)
        ax.spines["bottom"].set_color(MUTED)
        span = max([abs(v) for v in numbers] + [1e-12])
        ax.set_xlim(min(0, min(numbers, default=0) * 1.1), span * 1.3)
        for position, value in enumerate(numbers):
            share = f" ({percent(value / total)})" if total else ""
            ax.text(max(value, 0) + span * 0.015, position, f"{significant(value)}{share}", va="center", fontsize=8, color=INK)
        return _png(fig, plt)
