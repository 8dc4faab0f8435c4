"""The number printed on a label: significant figures, rounded so it never understates.

Why a rule of its own: a label that says 1.23 when the verified footprint is 1.2304 understates
it, so the value is rounded *up* (towards +infinity). But engine sums carry float noise
(6.81949 comes out as 6.819490000000001), and rounding that noise up would print 6.83 for a
footprint of 6.81949. So the value is first cleaned to 9 significant digits (noise far below
1e-9 relative disappears, 1.23 stays 1.23), then rounded up to the label's significant figures.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

NOISE_DIGITS = 9


def round_label_value(value: float, significant_figures: int = 3) -> Decimal:
    """``value`` rounded up to ``significant_figures`` after removing float noise."""
    if significant_figures < 1:
        raise ValueError("significant_figures must be at least 1")
    cleaned = Decimal(f"{value:.{NOISE_DIGITS}g}")
    if cleaned == 0:
        return Decimal(0)
    for _ in range(2):  # a second pass when rounding up carries into a new digit (9.996 -> 10.0)
        quantum = Decimal(1).scaleb(cleaned.adjusted() - significant_figures + 1)
        rounded = cleaned.quantize(quantum, rounding=ROUND_CEILING)
        if rounded.adjusted() == cleaned.adjusted():
            return rounded
        cleaned = rounded
    return rounded


def label_value_text(value: float, significant_figures: int = 3) -> str:
    """The label value as printed: plain decimal notation, trailing zeros kept (1.20, 1240, 0.00123)."""
    return format(round_label_value(value, significant_figures), "f")
