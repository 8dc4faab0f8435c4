"""How numbers are written in reports and workbooks meant for people.

Why one place: the total must read the same in the PDF, the label and the results workbook, and
a reader should never see "1.23e+04". JSON exports keep full precision; this is display only.
"""

from __future__ import annotations

import math
from decimal import Decimal


def significant(value: float, digits: int = 4, *, grouping: bool = True) -> str:
    """``value`` rounded to ``digits`` significant figures, in plain decimal notation.

    ``812.4567 → "812.5"``, ``12345.6 → "12,346"`` (whole digits are never dropped),
    ``0.000123456 → "0.0001235"``, ``-3.2 → "-3.2"``, ``0 → "0"``.
    """
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(digits - 1 - magnitude, 0)
    rounded = round(value, decimals)
    if rounded == 0:
        return "0"
    text = f"{rounded:,.{decimals}f}" if grouping else f"{rounded:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")  # 3.200 → 3.2: trailing zeros read as noise here
    return "0" if text == "-0" else text


def percent(share: float, decimals: int = 1) -> str:
    """A share 0.4567 → "45.7%"."""
    return f"{share * 100:.{decimals}f}%"


def plain_decimal(value: float) -> str:
    """Exact decimal text of a float without exponent ("1e-07" → "0.0000001"), for JSON exports
    whose schema forbids scientific notation (PACT decimals)."""
    if not math.isfinite(value):
        raise ValueError(f"cannot write {value!r} as a decimal")
    if value == 0:
        return "0"
    text = format(Decimal(repr(float(value))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
