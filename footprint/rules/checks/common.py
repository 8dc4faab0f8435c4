"""Small helpers shared by the check modules (formatting, dates, line paths)."""

from __future__ import annotations

import calendar
from datetime import date

from ...bom import stage_label

CERTIFIED_SUFFIX = "@"


def base_path(path: str) -> str:
    """The BOM line a result line comes from (market-based splits add ``@ACTIVITY``)."""
    return path.split(CERTIFIED_SUFFIX, 1)[0]


def pct(value: float) -> str:
    return f"{value:.3g} %"


def num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.6g}"


def stage_zh(stage: str) -> str:
    try:
        return stage_label(stage, "zh")
    except ValueError:
        return stage


def add_months(day: date, months: int) -> date:
    """``day`` plus calendar months, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def whole_months(start: date, end_exclusive: date) -> int:
    """Whole calendar months from ``start`` up to ``end_exclusive``."""
    if end_exclusive <= start:
        return 0
    months = (end_exclusive.year - start.year) * 12 + end_exclusive.month - start.month
    while months > 0 and add_months(start, months) > end_exclusive:
        months -= 1
    return months


def relative_gap_pct(declared: float, computed: float) -> float:
    """|declared - computed| as % of computed (of |declared| when computed is zero)."""
    reference = abs(computed) or abs(declared)
    return 0.0 if reference == 0 else 100.0 * abs(declared - computed) / reference
