"""Spreadsheet formula injection: user text must reach Excel as text, never as a formula.

Why: product names, descriptions and line ids come from users and suppliers. A cell that starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a formula by Excel,
LibreOffice and WPS when a CSV is opened (``=HYPERLINK(...)`` exfiltration, DDE). Spreadsheets
also skip leading blanks (`` =1+1``, the ideographic space U+3000) and some read the full-width
forms (``＝``, ``＋``, ``－``, ``＠``, as typed with a Chinese input method) as their ASCII
twins, so :func:`is_dangerous` looks at the first character after any leading whitespace, in its
NFKC form. This module is the one place that decides; every CSV writer of the project uses
:func:`csv_value` / :func:`csv_bytes` (or :func:`neutralise` for its text columns). Rules here:

* **xlsx**: text is stored as a string cell (never a formula cell) and, when it starts with one
  of those characters, gets Excel's "quote prefix" style (the apostrophe Excel itself adds when
  a user types ``'=1+1``): the value stays exactly what the user typed and is shown as text,
  also after the cell is edited.
* **CSV**: such text gets a leading apostrophe (OWASP's advice); numbers are written as numbers,
  so ``-3.5`` stays a negative number while the text ``-3.5 kg`` becomes ``'-3.5 kg``.

Known limit (in the reader, not here): :func:`footprint.bom_io.read_bom` removes one leading
apostrophe before a formula character, so a BOM text that itself starts with ``'=`` reads back
as ``=``; every other text round-trips exactly.
"""

from __future__ import annotations

import csv
import io
import math
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_CHARACTERS = frozenset("=+-@")


def is_dangerous(text: str) -> bool:
    """Whether a spreadsheet could treat ``text`` as a formula: it starts with a tab, CR or LF,
    or its first character after leading whitespace is ``= + - @`` or a full-width/compatibility
    form of one (``＝`` U+FF1D, ``﹦`` U+FE66, ``＋``, ``－``, ``＠``)."""
    if text.startswith(("\t", "\r", "\n")):
        return True
    head = text.lstrip()[:1]
    return bool(head) and unicodedata.normalize("NFKC", head)[:1] in _FORMULA_CHARACTERS


def neutralise(text: str) -> str:
    """``text`` as it must be written into a CSV cell (a leading apostrophe when dangerous)."""
    return "'" + text if is_dangerous(text) else text


def csv_value(value: Any) -> str:
    """One CSV cell: numbers as numbers (shortest exact form), text neutralised, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return repr(value) if not value.is_integer() or abs(value) >= 1e16 else str(int(value))
    return neutralise(str(value))


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV file as UTF-8 with a byte-order mark (so Excel detects UTF-8 and shows Chinese)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_value(h) for h in header])
    for row in rows:
        writer.writerow([csv_value(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def set_text(cell: Any, text: str) -> None:
    """Store ``text`` in an openpyxl cell as a string, quote-prefixed when a spreadsheet would
    run it; openpyxl would otherwise store any text starting with "=" as a formula.
    """
    cell.value = text
    cell.data_type = "s"
    if is_dangerous(text):
        cell.quotePrefix = True


def set_value(cell: Any, value: Any, number_format: str | None = None) -> None:
    """Numbers as numeric cells (negative numbers stay numbers), everything else as safe text."""
    if value is None:
        return
    if isinstance(value, bool):
        set_text(cell, "true" if value else "false")
    elif isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return
        cell.value = value
        if number_format:
            cell.number_format = number_format
    else:
        set_text(cell, str(value))
