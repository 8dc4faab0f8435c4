"""Plain-text tables for terminals, aware of wide (CJK) characters."""

from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(headers: list[str], rows: list[list], align_right: set[int] | None = None) -> str:
    """Columns padded to their widest cell; numeric columns (``align_right``) right-aligned."""
    align_right = align_right or set()
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(display_width(row[i]) for row in cells) for i in range(len(headers))]

    def fmt(row: list[str]) -> str:
        parts = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - display_width(cell))
            parts.append(pad + cell if i in align_right else cell + pad)
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(cells[0]), rule] + [fmt(r) for r in cells[1:]])


def fmt_number(value: float, digits: int = 4) -> str:
    """Significant-figure formatting for display only (JSON keeps full precision)."""
    if value == 0:
        return "0"
    return f"{value:.{digits}g}"
