"""Portfolios: the flat lines of many BOMs as one table of columns (:class:`LineTable`).

Why: a portfolio of thousands of product variants usually lives in ONE table (one row per line,
a ``bom_id`` column). Validating and converting it column by column (one lookup per distinct
activity id, unit or stage, then a gather; one cached conversion plan per distinct unit pair)
costs a few array passes instead of a Python walk of every line, so
:func:`footprint.batch.batch_footprints` on a LineTable stays within a small factor of the bare
sparse product. Results come from the same code as BOM objects
(:func:`footprint.batch.columns_from_table` feeds ``evaluate_columns``).

Only flat lines: nested BOMs (a ``parent`` column) go through BOM objects (``read_bom``).
Text columns are stored as codes into their distinct values (``TextColumn``), so reading text
happens once, when the table is built, not when it is computed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import units
from .errors import FootprintError, InputError, RowIssue, UnitError

_LINE_TEXT = ("id", "activity_id", "unit", "stage", "data_type")
_LINE_NUMBERS = ("mass_kg_per_piece", "distance_km")


@dataclass(frozen=True, eq=False)
class TextColumn(Sequence):
    """A text column as ``codes`` (int64, -1 = blank) into its distinct, stripped ``categories``.

    ``n_blank`` is the number of blank values, counted when the column is built (like Arrow's
    null count): a computation asks "is any value missing?" of the column instead of scanning
    its codes again. The codes are made read-only so the count stays true.

    It is also a read-only sequence of its values (str, or None where blank): a batch result
    hands out the line ids of a table this way, reading a value only when it is asked for
    instead of building half a million str references nobody may look at.
    """

    codes: np.ndarray
    categories: tuple[str, ...]
    n_blank: int = -1  # -1: count it here

    def __post_init__(self) -> None:
        self.codes.flags.writeable = False
        if self.n_blank < 0:
            object.__setattr__(self, "n_blank", int(np.count_nonzero(self.codes < 0)))

    @classmethod
    def of(cls, values, size: int | None = None) -> TextColumn:
        if values is None:
            return cls(np.full(size or 0, -1, dtype=np.int64), ())
        codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
        remap = np.full(len(uniques) + 1, -1, dtype=np.int64)
        seen: dict[str, int] = {}
        for i, raw in enumerate(uniques):
            text = str(raw).strip()
            if text:
                remap[i] = seen.setdefault(text, len(seen))
        return cls(remap[codes], tuple(seen))

    def take(self, order: np.ndarray) -> TextColumn:
        """The values in ``order`` (a permutation of the rows)."""
        return TextColumn(self.codes[order], self.categories, self.n_blank)

    def value(self, row: int) -> str | None:
        code = self.codes[row]
        return self.categories[code] if code >= 0 else None

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, key):
        if isinstance(key, slice):
            return TextColumn(self.codes[key], self.categories)
        return self.value(key)

    def __iter__(self):
        lookup = (*self.categories, None)
        return (lookup[code] for code in self.codes.tolist())

    @classmethod
    def joined(cls, parts: Sequence[TextColumn]) -> TextColumn:
        """Parts that share their categories (slices of one column) as one column."""
        if any(part.categories is not parts[0].categories for part in parts):
            raise ValueError("columns with different categories cannot be joined by their codes")
        if len(parts) == 1:
            return parts[0]
        return cls(np.concatenate([part.codes for part in parts]), parts[0].categories, sum(part.n_blank for part in parts))


def _numbers(values, size: int) -> np.ndarray:
    if values is None:
        return np.full(size, np.nan)
    return np.asarray(pd.to_numeric(pd.Series(values, dtype=object).replace({"": None}), errors="raise"), dtype=float)


@dataclass(frozen=True, eq=False)
class LineTable:
    """Flat lines of many BOMs, grouped by BOM (stable: each BOM keeps its line order).

    ``bom.categories`` are the BOM ids in order of first appearance; ``grid`` has one code per
    BOM (-1: the BOM's default grid). ``mass_kg_per_piece`` / ``distance_km`` are NaN where not
    given; ``numbers_given`` names those of them with at least one value (found when the table
    is built, like the text columns' blank counts; the arrays are then made read-only).
    ``row`` is each line's row number as the user sees it (data rows from 1).
    """

    bom: TextColumn
    line_id: TextColumn
    activity_id: TextColumn
    amount: np.ndarray
    unit: TextColumn
    stage: TextColumn
    data_type: TextColumn
    mass_kg_per_piece: np.ndarray
    distance_km: np.ndarray
    row: np.ndarray
    grid: TextColumn  # one code per BOM
    offsets: np.ndarray  # where each BOM's lines start, and the end (int64, n_boms + 1): a CSR indptr
    declared_unit: dict[str, str] = field(default_factory=dict)  # bom id -> declared unit as typed
    source: str | None = None
    numbers_given: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        given = []
        for name in _LINE_NUMBERS:
            values = getattr(self, name)
            values.flags.writeable = False
            if len(values) and not math.isnan(np.fmax.reduce(values)):  # fmax skips NaN: NaN only when no value is given
                given.append(name)
        object.__setattr__(self, "numbers_given", frozenset(given))

    def __len__(self) -> int:
        return len(self.amount)

    @property
    def n_boms(self) -> int:
        return len(self.bom.categories)

    @classmethod
    def from_columns(
        cls,
        *,
        bom_id,
        id,
        activity_id,
        amount,
        unit,
        stage=None,
        data_type=None,
        mass_kg_per_piece=None,
        distance_km=None,
        grid=None,
        parent=None,
        row=None,
        boms: Mapping[str, Mapping[str, Any]] | None = None,
        source: str | None = None,
    ) -> LineTable:
        """Build from column arrays (numbers as numbers; see :func:`read_portfolio` for text).

        ``grid`` is a per-line column (one value per BOM; blank = the BOM's default);
        ``boms`` maps a bom id to ``{"grid": ..., "declared_unit": ...}`` (it wins over the column).
        A ``parent`` column with values is refused: nested BOMs go through BOM objects.
        """
        bom = TextColumn.of(bom_id)
        size = len(bom.codes)
        rows = np.arange(1, size + 1, dtype=np.int64) if row is None else np.asarray(row, dtype=np.int64)
        if parent is not None:
            parents = TextColumn.of(parent)
            nested = np.flatnonzero(parents.codes >= 0)
            if len(nested):
                raise InputError(
                    issues=[
                        RowIssue(
                            "a lines table is flat: nested BOMs (a parent column) must be read as BOM files (read_bom), one per BOM",
                            "行表只能是平铺的：有上级列的嵌套物料清单请按单个物料清单文件读取",
                            row=int(rows[i]),
                            field="parent",
                            value=parents.value(i),
                        )
                        for i in nested
                    ],
                    source=source,
                )
        issues = [
            RowIssue("bom_id is empty", "物料清单编号为空", row=int(rows[i]), field="bom_id") for i in np.flatnonzero(bom.codes < 0)
        ]
        if issues:
            raise InputError(issues=issues, source=source)
        text = {name: TextColumn.of(values, size) for name, values in zip(_LINE_TEXT, (id, activity_id, unit, stage, data_type))}
        amounts = np.asarray(amount, dtype=float)
        numbers = {name: _numbers(values, size) for name, values in zip(_LINE_NUMBERS, (mass_kg_per_piece, distance_km))}
        for name, column in [*text.items(), ("amount", amounts), *numbers.items()]:
            if len(column.codes if isinstance(column, TextColumn) else column) != size:
                raise FootprintError(f"column {name} has {len(column.codes if isinstance(column, TextColumn) else column)} values for {size} rows")
        if size and np.any(np.diff(bom.codes) < 0):  # group lines by BOM, keeping their order
            order = np.argsort(bom.codes, kind="stable")
            bom, rows, amounts = bom.take(order), rows[order], amounts[order]
            text = {name: column.take(order) for name, column in text.items()}
            numbers = {name: column[order] for name, column in numbers.items()}
        per_bom = dict(boms or {})
        grid_column, grid_issues = _bom_grids(bom, TextColumn.of(grid, size), rows, per_bom)
        if grid_issues:
            raise InputError(issues=grid_issues, source=source)
        declared = {str(key): str(value["declared_unit"]) for key, value in per_bom.items() if value.get("declared_unit")}
        return cls(
            bom=bom,
            line_id=text["id"],
            activity_id=text["activity_id"],
            amount=amounts,
            unit=text["unit"],
            stage=text["stage"],
            data_type=text["data_type"],
            mass_kg_per_piece=numbers["mass_kg_per_piece"],
            distance_km=numbers["distance_km"],
            row=rows,
            grid=grid_column,
            offsets=_offsets(bom.codes, len(bom.categories)),
            declared_unit=declared,
            source=source,
        )

    @classmethod
    def from_boms(cls, boms: Sequence, labels: Sequence[str] | None = None) -> LineTable:
        """The lines of flat BOM objects (bom id = label, else product; ``#n`` added to repeats)."""
        if labels is None:
            products = [str(b.product) for b in boms]
            labels = products if len(set(products)) == len(products) else [f"#{i + 1} {p}" for i, p in enumerate(products)]
        columns: dict[str, list] = {name: [] for name in ("bom_id", *_LINE_TEXT, "amount", *_LINE_NUMBERS)}
        per_bom = {}
        for label, bom in zip(labels, boms):
            nested = [line.id for line in bom.lines if line.lines]
            if nested:
                raise FootprintError(f"BOM {label!r} has sub-assemblies ({', '.join(nested)}): a lines table is flat; compute nested BOMs as objects")
            per_bom[label] = {"grid": bom.grid, "declared_unit": str(bom.declared_unit)}
            for line in bom.lines:
                columns["bom_id"].append(label)
                columns["id"].append(line.id)
                columns["activity_id"].append(line.activity_id)
                columns["amount"].append(line.amount)
                columns["unit"].append(line.unit)
                columns["stage"].append(None if line.stage is None else line.stage.value)
                columns["data_type"].append(line.data_type.value)
                columns["mass_kg_per_piece"].append(np.nan if line.mass_kg_per_piece is None else line.mass_kg_per_piece)
                columns["distance_km"].append(np.nan if line.distance_km is None else line.distance_km)
        return cls.from_columns(**columns, boms=per_bom)


def _offsets(codes: np.ndarray, n_boms: int) -> np.ndarray:
    offsets = np.zeros(n_boms + 1, dtype=np.int64)
    np.cumsum(np.bincount(codes, minlength=n_boms), out=offsets[1:])
    return offsets


def _bom_grids(bom: TextColumn, grid: TextColumn, rows: np.ndarray, per_bom: Mapping[str, Mapping[str, Any]]):
    """One grid code per BOM: the ``boms`` table's, else the column's (the same on every line)."""
    names = list(grid.categories)
    codes = np.full(len(bom.categories), -1, dtype=np.int64)
    issues = []
    given = grid.codes >= 0
    if given.any():
        first = np.full(len(bom.categories), -1, dtype=np.int64)
        lines = np.flatnonzero(given)[::-1]
        first[bom.codes[lines]] = grid.codes[lines]  # reversed: the first given value wins
        conflict = given & (grid.codes != first[bom.codes])
        for i in np.flatnonzero(conflict).tolist():
            issues.append(
                RowIssue(
                    f"BOM {bom.categories[bom.codes[i]]!r} has another grid on an earlier row ({names[first[bom.codes[i]]]}); one grid per BOM",
                    "同一物料清单只能有一个电网",
                    row=int(rows[i]),
                    field="grid",
                    value=grid.value(i),
                )
            )
        codes = first
    index = {name: i for i, name in enumerate(bom.categories)}
    for key, value in per_bom.items():
        wanted = value.get("grid")
        if key in index and wanted:
            if wanted not in names:
                names.append(str(wanted))
            codes[index[key]] = names.index(wanted)
    return TextColumn(codes, tuple(names)), issues


# ---------------------------------------------------------------------- files

PORTFOLIO_MAX_FILE_BYTES = 100 * 1024 * 1024
_BOM_ID_KEYS = ("bom_id", "bom", "物料清单编号")
_GRID_KEYS = ("grid", "电网")
_DECLARED_KEYS = ("declared_unit", "functional_unit", "声明单位")


def read_portfolio(path, boms_path=None) -> LineTable:
    """A lines table (CSV or .xlsx, one row per line, a ``bom_id`` column) with the guards of
    :func:`footprint.bom_io.read_table` (encoding, delimiter, workbook guards, header spellings,
    formula guards) and a larger size limit (:data:`PORTFOLIO_MAX_FILE_BYTES`).

    Numbers are read with :func:`footprint.units.parse_number` (cell by cell: input handling, not
    part of the computation). Optional: a ``grid`` column, and ``boms_path``, a small table with
    ``bom_id`` and ``grid`` and/or ``declared_unit`` columns. Every bad cell is reported at once.
    """
    from . import bom_io

    headers, rows, numbers, name = _read_rows(path)
    bom_column = _find(headers, _BOM_ID_KEYS)
    if bom_column is None:
        raise InputError(issues=[RowIssue("a portfolio needs a bom_id column (one value per BOM)", "组合表需要 bom_id 列", field="bom_id")], source=name)
    mapped = {bom_io._COLUMN_BY_KEY.get(bom_io._key(h)): i for i, h in enumerate(headers) if bom_io._COLUMN_BY_KEY.get(bom_io._key(h))}
    missing = [c for c in bom_io.REQUIRED_COLUMNS if c not in mapped]
    if missing:
        raise InputError(issues=[RowIssue(f"missing required column {c!r}", f"缺少必需的列 {c!r}", field=c) for c in missing], source=name)
    issues: list[RowIssue] = []

    def cells(index):
        return [row[index] if index is not None and index < len(row) else None for row in rows]

    def parsed(column: str):
        values = []
        for number, row_id, cell in zip(numbers, cells(mapped["id"]), cells(mapped.get(column))):
            if cell is None or (isinstance(cell, str) and not cell.strip()):
                values.append(np.nan)
                continue
            try:
                values.append(units.parse_number(cell))
            except UnitError as error:
                issues.append(RowIssue(str(error), units.message_zh_of(error), row=number, line_id=row_id, field=column, value=str(cell)))
                values.append(np.nan)
        return values

    amount = parsed("amount")
    for i, value in enumerate(amount):  # blank amounts: the array check would say "not finite"
        if np.isnan(value) and not any(issue.row == numbers[i] and issue.field == "amount" for issue in issues):
            issues.append(RowIssue("amount is empty", "数量为空", row=numbers[i], line_id=cells(mapped["id"])[i], field="amount"))
    mass, distance = parsed("mass_kg_per_piece"), parsed("distance_km")
    if issues:
        raise InputError(issues=sorted(issues, key=lambda issue: issue.row or 0), source=name)
    per_bom = _read_boms(boms_path) if boms_path is not None else None
    grid_column = _find(headers, _GRID_KEYS)
    unguard = bom_io._unguard
    return LineTable.from_columns(
        bom_id=[unguard(v) for v in cells(bom_column)],
        id=[unguard(v) for v in cells(mapped["id"])],
        activity_id=[unguard(v) for v in cells(mapped["activity_id"])],
        amount=amount,
        unit=cells(mapped["unit"]),
        stage=cells(mapped.get("stage")),
        data_type=cells(mapped.get("data_type")),
        mass_kg_per_piece=mass,
        distance_km=distance,
        grid=cells(grid_column) if grid_column is not None else None,
        parent=[unguard(v) for v in cells(mapped["parent"])] if "parent" in mapped else None,
        row=numbers,
        boms=per_bom,
        source=name,
    )


def _find(headers: list, keys: tuple[str, ...]) -> int | None:
    from .bom_io import _key

    wanted = {_key(k) for k in keys}
    return next((i for i, h in enumerate(headers) if h is not None and _key(str(h)) in wanted), None)


def _read_rows(source) -> tuple[list, list[list], list[int], str]:
    """Header, non-blank data rows and their row numbers, through bom_io's guarded readers."""
    from . import bom_io

    data, name, _ = bom_io._load(source, None, PORTFOLIO_MAX_FILE_BYTES)
    kind = bom_io._file_kind(data, name)
    if kind == "json":
        raise InputError(issues=[RowIssue("a portfolio is a table (CSV or .xlsx), not JSON", "组合表应为 CSV 或 .xlsx 表格")], source=name)
    table = bom_io._read_xlsx(data, name) if kind == "xlsx" else bom_io._read_csv(data, name)
    rows, numbers = [], []
    for number, cells in enumerate(table.rows, start=1):
        if any(bom_io._present(cell) for cell in cells):
            rows.append(cells)
            numbers.append(number)
    return list(table.headers), rows, numbers, name


def _read_boms(source) -> dict[str, dict[str, Any]]:
    headers, rows, numbers, name = _read_rows(source)
    bom_column = _find(headers, _BOM_ID_KEYS)
    if bom_column is None:
        raise InputError(issues=[RowIssue("the BOM table needs a bom_id column", "物料清单表需要 bom_id 列", field="bom_id")], source=name)
    grid, declared = _find(headers, _GRID_KEYS), _find(headers, _DECLARED_KEYS)
    result: dict[str, dict[str, Any]] = {}
    for cells in rows:
        def cell(index):
            value = cells[index] if index is not None and index < len(cells) else None
            return str(value).strip() if value is not None and str(value).strip() else None

        key = cell(bom_column)
        if key:
            result[key] = {"grid": cell(grid), "declared_unit": cell(declared)}
    return result
