"""Typed exceptions: every error a user can see derives from :class:`FootprintError`.

Why a hierarchy: command lines and the web form catch ``FootprintError`` and show its message
(never a traceback), while programming errors still surface as ordinary exceptions. Input
errors carry one :class:`RowIssue` per problem so that a user sees every bad row at once, with
what they typed kept verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_SHOWN_CHARS = 80  # of one user value quoted in a message
MAX_SHOWN_ISSUES = 20  # problems listed in one message; the rest are counted
_MAX_ID_CHARS = 200  # ids and field names: as long as a valid id may be, so a valid one is never cut
_MAX_MESSAGE_CHARS = 1_000  # a message that quotes values through shorten() stays far below this


def shorten(value: Any, limit: int = MAX_SHOWN_CHARS) -> str:
    """A user's value quoted for a message (like ``repr``), cut to about ``limit`` characters.

    Why: messages echo what was typed, and what was typed may be 32,000 characters copied onto
    20,000 rows. Every error path quotes user values through this one function, so a message
    stays a line long whatever the input: ``'xxxxx…' (32000 characters)``.
    """
    try:
        text = value if isinstance(value, str) else str(value)
    except ValueError:  # an int beyond Python's digit limit
        return f"<a number of {value.bit_length()} bits>"
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text)} characters)"


def _capped(text: str | None, limit: int) -> str | None:
    """Plain text (no quotes) cut to ``limit`` characters, for the fields of a RowIssue."""
    if text is None or len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} characters)"


@dataclass(frozen=True)
class RowIssue:
    """One problem in user input, located precisely enough to fix it.

    ``row`` is the row number as the user sees it (1 = first data row of a table; for files with
    a header line, the spreadsheet row is ``row + 1``). ``value`` is the raw text as typed.
    """

    message: str
    message_zh: str = ""
    row: int | None = None
    line_id: str | None = None
    field: str | None = None
    value: str | None = None

    def __post_init__(self) -> None:
        # The safety net under shorten(): whatever a message or value holds, an issue stays small.
        for name, limit in (
            ("message", _MAX_MESSAGE_CHARS),
            ("message_zh", _MAX_MESSAGE_CHARS),
            ("value", MAX_SHOWN_CHARS),
            ("line_id", _MAX_ID_CHARS),
            ("field", _MAX_ID_CHARS),
        ):
            current = getattr(self, name)
            if isinstance(current, str) and len(current) > limit:
                object.__setattr__(self, name, _capped(current, limit))

    def describe(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.line_id:
            where.append(f"line {self.line_id!r}")
        if self.field:
            where.append(f"field {self.field!r}")
        prefix = ", ".join(where)
        shown = f" (got {self.value!r})" if self.value not in (None, "") else ""
        return f"{prefix}: {self.message}{shown}" if prefix else f"{self.message}{shown}"

    def to_dict(self) -> dict:
        return {
            "row": self.row,
            "line_id": self.line_id,
            "field": self.field,
            "value": self.value,
            "message": self.message,
            "message_zh": self.message_zh,
        }


class FootprintError(Exception):
    """Base class of every error meant for a user."""


class UnitError(FootprintError):
    """A unit or quantity text that the strict parser refuses, or a dimension mismatch."""


class DatasetError(FootprintError):
    """The background dataset is broken; the message names file, row and column."""


class MethodError(FootprintError):
    """An unknown or malformed characterisation method."""


class BoundaryError(FootprintError):
    """An output that is defined for part of the life cycle only (PACT v3: cradle-to-gate) was
    asked for a result holding other stages, or a declaration lacks the stages it needs."""


@dataclass
class InputError(FootprintError):
    """User input (a BOM, a study) with one or more located problems."""

    issues: list[RowIssue] = field(default_factory=list)
    source: str | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        head = f"{self.source}: " if self.source else ""
        if len(self.issues) == 1:
            return head + self.issues[0].describe()
        body = "\n".join(f"  - {issue.describe()}" for issue in self.issues[:MAX_SHOWN_ISSUES])
        return f"{head}{len(self.issues)} problems:\n{body}{more_problems(len(self.issues))}"


def more_problems(count: int) -> str:
    """The line that stands for the problems past the first :data:`MAX_SHOWN_ISSUES` ("" if none)."""
    hidden = count - MAX_SHOWN_ISSUES
    return f"\n  … and {hidden} more" if hidden > 0 else ""


class UnknownActivityError(InputError):
    """A BOM line names an activity id that the dataset does not have."""
