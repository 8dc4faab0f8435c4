"""Typed exceptions: every error a user can see derives from :class:`FootprintError`.

Why a hierarchy: command lines and the web form catch ``FootprintError`` and show its message
(never a traceback), while programming errors still surface as ordinary exceptions. Input
errors carry one :class:`RowIssue` per problem so that a user sees every bad row at once, with
what they typed kept verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
        body = "\n".join(f"  - {issue.describe()}" for issue in self.issues)
        return f"{head}{len(self.issues)} problems:\n{body}"


class UnknownActivityError(InputError):
    """A BOM line names an activity id that the dataset does not have."""
