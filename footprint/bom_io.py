"""Read BOMs from CSV, Excel (.xlsx) and JSON files, and write them back as CSV or .xlsx.

Why a module of its own: files come from suppliers' spreadsheets, in whatever encoding and
delimiter their Excel produced, and sometimes from people who mean harm. Everything read here is
treated as text and handed to :mod:`footprint.bom`, which validates it through the strict parsers
of :mod:`footprint.units`; nothing is ever evaluated.

Tabular format (CSV, or a workbook's sheet named "BOM" or "物料清单", else its first sheet)
----------------------------------------------------------------------------------------
Optional ``# key: value`` lines come first, then one header row, then one row per BOM line::

    # product: Aluminium bracket
    # declared_unit: 1 piece
    # mass_kg_per_piece: 0.5
    # grid: ELEC-GD-2023-LCA
    id,parent,activity_id,amount,unit,stage,data_type,mass_kg_per_piece,distance_km,description
    AL,,AL-EXTR-GBA,0.52,kg,raw_materials,secondary,,,extruded profile
    HOUSING,,,1,piece,purchased_parts,,,,sub-assembly: its children are per 1 piece
    H1,HOUSING,PP-GBA,0.12,kg,,,,,inherits the stage of HOUSING
    TRUCK,,TRUCK-GBA,0.52,kg,inbound_transport,,,120,0.52 kg carried 120 km = 0.0624 tkm

* Header keys: ``product``, ``declared_unit`` (a quantity such as ``1 piece`` or ``1 kg``),
  ``mass_kg_per_piece`` (of the declared unit; required when it is counted in pieces),
  ``declared_unit_description``, ``grid`` (an electricity activity id), ``notes``,
  ``schema_version``; Chinese keys 产品, 声明单位, 单件质量kg, 电网, 备注 also work. A value
  written as a JSON string (``"..."``) is decoded, so values may hold line breaks.
* The same keys may instead come from a JSON sidecar next to the file (``bom.csv`` →
  ``bom.meta.json``) or from the ``header`` argument; later sources win: comments, sidecar,
  argument.
* Columns: ``id``, ``parent`` (empty, or the id of the sub-assembly the line belongs to; each
  child amount is per 1 unit of its parent), ``activity_id``, ``amount``, ``unit``, ``stage``,
  ``data_type``, ``mass_kg_per_piece``, ``distance_km``, ``description``; optional ``name``,
  ``gsd``, ``pedigree``. Chinese headers work too: 编号, 上级, 活动编号, 数量, 单位, 阶段,
  数据类型, 单件质量kg, 运输距离km, 说明 (名称, 几何标准差, 数据质量谱系). ``id``,
  ``activity_id``, ``amount`` and ``unit`` are required columns; unknown columns are ignored and
  reported in ``Bom.warnings``. An empty stage means the sub-assembly's stage, or at the top
  level the activity's default stage.
* Row numbers in errors count data rows from 1 (the first row under the header).
* CSV: UTF-8 with or without BOM, UTF-16 with BOM (Excel "Unicode text"), else GB18030 (Chinese
  Excel); delimiter ``,``, ``;`` or tab, detected from the header row.
* Text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first) is written
  with a leading ``'`` and read back without it; numbers that look like formulas are refused.

JSON is the :class:`~footprint.bom.Bom` model's own JSON (``Bom.model_dump_json()``).

:func:`read_table` is the first half of :func:`read_bom` on its own: a tabular file read with
the same guards, its rows keyed by BOM column as typed, not validated (the web form uses it to
show a file with bad rows row by row).

Limits: files over 5 MB are refused, workbooks whose parts would unzip to more than 50 MB are
refused before openpyxl opens them (zipfile stops at the declared sizes, so declared sizes bound
the work), and trees deeper than :data:`footprint.bom.MAX_DEPTH` or larger than
:data:`footprint.bom.MAX_LINES` are refused.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from footprint.bom import FIELD_LABELS_ZH, MAX_DEPTH, MAX_ID_LENGTH, MAX_LINES, MAX_TEXT_LENGTH, Bom, BomLine, DeclaredUnit, bom_from_data
from footprint.errors import InputError, RowIssue, shorten
from footprint.exchange.safe import is_dangerous, neutralise, set_text
from footprint.units import format_number
from footprint.user_json import read_json

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
MAX_ZIP_ENTRIES = 2_000
MAX_SIDECAR_BYTES = 1024 * 1024
MAX_COLUMNS = 100
MAX_BLANK_ROWS = 1_000
LOOP_IDS_SHOWN = 4  # a parent loop is named by its first few ids and its length

BomSource = str | os.PathLike | bytes | bytearray | BinaryIO

# Column order used when writing; the first ten are the documented layout.
COLUMNS = (
    "id",
    "parent",
    "activity_id",
    "amount",
    "unit",
    "stage",
    "data_type",
    "mass_kg_per_piece",
    "distance_km",
    "description",
    "name",
    "gsd",
    "pedigree",
    "mass_kg_per_unit",
)
REQUIRED_COLUMNS = ("id", "activity_id", "amount", "unit")
_OPTIONAL_COLUMNS = ("name", "gsd", "pedigree", "mass_kg_per_unit")
_TEXT_COLUMNS = ("id", "parent", "activity_id", "description", "name")
_FREE_TEXT_COLUMNS = ("description", "name")  # up to MAX_TEXT_LENGTH; every other column is short

def _key(text: str) -> str:
    """Fold a header or comment key: width, case, spaces, underscores, brackets ("单件质量(kg)")."""
    return re.sub(r"[\s_\-()（）\[\]【】]+", "", unicodedata.normalize("NFKC", text)).casefold()


_COLUMN_SPELLINGS: dict[str, tuple[str, ...]] = {
    "id": ("id", "编号", "行号"),
    "parent": ("parent", "parent_id", "上级", "上级编号"),
    "activity_id": ("activity_id", "activity", "活动编号"),
    "amount": ("amount", "quantity", "数量", "用量"),
    "unit": ("unit", "单位"),
    "stage": ("stage", "阶段"),
    "data_type": ("data_type", "数据类型"),
    "mass_kg_per_piece": ("mass_kg_per_piece", "单件质量kg", "单件质量"),
    "mass_kg_per_unit": ("mass_kg_per_unit", "单位质量kg", "每单位质量kg", "单位质量"),
    "distance_km": ("distance_km", "运输距离km", "运输距离"),
    "description": ("description", "说明", "描述"),
    "name": ("name", "名称"),
    "gsd": ("gsd", "几何标准差"),
    "pedigree": ("pedigree", "数据质量谱系", "谱系"),
}
_COLUMN_BY_KEY = {_key(spelling): column for column, spellings in _COLUMN_SPELLINGS.items() for spelling in spellings}

_HEADER_SPELLINGS: dict[str, tuple[str, ...]] = {
    "product": ("product", "产品", "产品名称"),
    "declared_unit": ("declared_unit", "functional_unit", "声明单位", "功能单位"),
    "mass_kg_per_piece": ("mass_kg_per_piece", "单件质量kg", "单件质量"),
    "declared_unit_description": ("declared_unit_description", "声明单位说明"),
    "grid": ("grid", "电网"),
    "notes": ("notes", "备注"),
    "schema_version": ("schema_version", "格式版本"),
}
_HEADER_BY_KEY = {_key(spelling): name for name, spellings in _HEADER_SPELLINGS.items() for spelling in spellings}


def _file_problem(message: str, message_zh: str, source: str | None) -> InputError:
    return InputError(issues=[RowIssue(message, message_zh)], source=source)


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def read_bom(source: BomSource, filename: str | None = None, header: Mapping[str, Any] | None = None) -> Bom:
    """Read a BOM from a path, bytes or a binary file object (e.g. a web upload).

    ``filename`` names the data in messages and helps pick the format (the content decides when
    they disagree: a zip is read as a workbook). ``header`` supplies or overrides the product /
    declared unit keys of a tabular file. Raises :class:`~footprint.errors.InputError` listing
    every problem found.
    """
    data, name, sidecar = _load(source, filename)
    kind = _file_kind(data, name)
    if kind == "json":
        return _read_json(data, name)
    return _raw_table_to_bom(_read_raw_table(data, name, kind, sidecar), header)


def read_table(source: BomSource, filename: str | None = None) -> RawTable:
    """A tabular BOM (CSV or .xlsx) as typed, before validation: what :func:`read_bom` reads.

    The same reading as :func:`read_bom` (size, encoding, delimiter, zip-bomb and workbook
    guards; header spellings; formula guards removed from text columns), but nothing is
    validated: each data row comes back with its row number and its cells keyed by BOM column,
    as typed, so that a file with bad rows can still be shown row by row. Missing or duplicate
    columns are listed in ``RawTable.issues`` instead of being raised. Raises
    :class:`~footprint.errors.InputError` only when the file cannot be read as a table at all
    (too large, empty, not text, a broken or hostile workbook, or a JSON BOM).
    """
    data, name, sidecar = _load(source, filename)
    kind = _file_kind(data, name)
    if kind == "json":
        raise _file_problem(
            "a JSON BOM is not a table: read it with read_bom", "JSON 物料清单不是表格，请用 read_bom 读取", name
        )
    return _read_raw_table(data, name, kind, sidecar)


@dataclass(frozen=True)
class Sheet:
    """A tabular file's cells as typed, before its headers are matched to BOM columns."""

    name: str  # the file name shown in messages
    header: dict[str, Any]  # header keys from the file's ``# key: value`` lines (canonical key names)
    headers: list[str]  # the header row's cells, as typed
    rows: list[list[str]]  # the data rows' cells (blank rows kept, so positions are row numbers - 1)


def read_sheet(source: BomSource, filename: str | None = None) -> Sheet:
    """A CSV or .xlsx file's header row and cells, read with :func:`read_table`'s guards but with
    no column matched: for a table whose headers are not BOM columns (an ERP export), so that its
    columns can be mapped by hand. Raises :class:`~footprint.errors.InputError` as read_table."""
    data, name, _ = _load(source, filename)
    kind = _file_kind(data, name)
    if kind == "json":
        raise _file_problem("a JSON BOM is not a table", "JSON 物料清单不是表格", name)
    table = _read_xlsx(data, name) if kind == "xlsx" else _read_csv(data, name)
    headers = ["" if cell is None else str(cell).replace("\ufeff", "").strip() for cell in table.headers[:MAX_COLUMNS]]
    rows = [["" if cell is None else str(cell) for cell in row[: len(headers)]] for row in table.rows[: MAX_LINES + 200]]
    return Sheet(name=name, header=dict(table.meta), headers=headers, rows=rows)


def column_of_header(text: str) -> str | None:
    """The BOM column a header cell names in any of its spellings (None: not a BOM column)."""
    return _COLUMN_BY_KEY.get(_key(str(text)))


def _file_kind(data: bytes, name: str) -> str:
    if not data.strip():
        raise _file_problem("the file is empty", "文件为空", name)
    return _detect_format(data, name)


def _read_raw_table(data: bytes, name: str, kind: str, sidecar: dict[str, Any] | None) -> RawTable:
    table = _read_xlsx(data, name) if kind == "xlsx" else _read_csv(data, name)
    return _raw_table(table, name, kind, sidecar)


def _load(source: BomSource, filename: str | None, max_bytes: int | None = None) -> tuple[bytes, str, dict[str, Any] | None]:
    """The bytes (size-checked before reading when possible), a display name and a sidecar header."""
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
        name = filename or "upload"
        sidecar = None
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = filename or path.name
        try:
            _check_size(path.stat().st_size, name, max_bytes)  # before reading: a 5 GB file is never loaded
            data = path.read_bytes()
        except OSError as error:
            reason = error.strerror or type(error).__name__
            raise _file_problem(f"cannot open the file: {reason}", f"无法打开文件：{reason}", name) from None
        sidecar = _read_sidecar(path)
    elif hasattr(source, "read"):
        name = filename or Path(str(getattr(source, "name", "upload"))).name
        data = source.read((max_bytes or MAX_FILE_BYTES) + 1)
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError("read_bom needs a binary file object (open the file with 'rb')")
        data = bytes(data)
        sidecar = None
    else:
        raise TypeError(f"read_bom cannot read a {type(source).__name__}")
    _check_size(len(data), name, max_bytes)
    return data, name, sidecar


def _check_size(size: int, name: str, max_bytes: int | None = None) -> None:
    max_bytes = max_bytes or MAX_FILE_BYTES
    if size > max_bytes:
        megabytes = size / 1024 / 1024
        raise _file_problem(
            f"the file is {megabytes:.1f} MB; the limit is {max_bytes // 1024 // 1024} MB. "
            "A BOM is a few hundred rows: remove other sheets, images or unused rows",
            f"文件大小为 {megabytes:.1f} MB，超过 {max_bytes // 1024 // 1024} MB 上限；请删除其他工作表、图片或多余的行",
            name,
        )


def _read_sidecar(path: Path) -> dict[str, Any] | None:
    """``bom.csv`` → ``bom.meta.json``: header keys kept beside a plain table."""
    sidecar = path.with_name(f"{path.stem}.meta.json")
    if not sidecar.is_file():
        return None
    if sidecar.stat().st_size > MAX_SIDECAR_BYTES:
        raise _file_problem("the sidecar file is larger than 1 MB", "附属文件超过 1 MB", sidecar.name)
    content = read_json(sidecar.read_bytes(), sidecar.name)
    if not isinstance(content, dict):
        raise _file_problem("the sidecar must be a JSON object of header keys", "附属文件应为 JSON 对象", sidecar.name)
    return content


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _detect_format(data: bytes, name: str) -> str:
    suffix = Path(name).suffix.lower()
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return "xlsx"
    if data.startswith(_OLE_MAGIC):  # a ".xls" that is really text (ERP exports often are) is read as CSV
        raise _file_problem(
            "this is an old .xls workbook or a password-protected one: save it as .xlsx (no password) or CSV",
            "这是旧版 .xls 或加密的工作簿：请另存为无密码的 .xlsx 或 CSV",
            name,
        )
    if suffix in {".xlsx", ".xlsm"}:
        raise _file_problem("this is not a valid .xlsx workbook", "这不是有效的 .xlsx 工作簿", name)
    if suffix == ".json" or data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "json"
    return "csv"


def _read_json(data: bytes, name: str) -> Bom:
    return bom_from_data(read_json(data, name), source=name)


# --------------------------------------------------------------------------------------------
# Tables: CSV and xlsx become the same thing, a list of text rows
# --------------------------------------------------------------------------------------------


@dataclass
class _Table:
    """A tabular file after decoding: header keys, column headers, data rows, remarks."""

    meta: dict[str, Any]
    headers: list[str]
    rows: list[list[str]]
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RawRow:
    """One non-blank data row of a table, as typed."""

    number: int  # data rows count from 1 (the first row under the header), as in error messages
    values: dict[str, Any]  # BOM column → cell text as typed (None: the row is shorter than the header)
    extra_cells: bool = False  # the row has cells beyond the header's columns (they are ignored)


@dataclass(frozen=True)
class RawTable:
    """A tabular BOM file as typed (:func:`read_table`): what :func:`read_bom` validates."""

    name: str  # the file name shown in messages
    kind: str  # "csv" or "xlsx"
    header: dict[str, Any]  # header keys from the file's ``# key: value`` lines (canonical key names)
    sidecar: dict[str, Any] | None  # keys of the ``<name>.meta.json`` sidecar of a file path, as written
    columns: dict[str, int]  # BOM column → its position in the header row
    rows: list[RawRow]  # non-blank data rows (formula guards removed from text columns)
    issues: list[RowIssue]  # missing required or duplicated columns (read_bom refuses these)
    warnings: list[str]  # remarks: unknown header keys or columns, extra cells, truncated sheets

    @property
    def header_values(self) -> dict[str, Any]:
        """The header keys in force: the comment lines, overridden by the sidecar."""
        merged, _ = _merge_headers([("comment lines", self.header), ("sidecar", self.sidecar or {})])
        return merged


def _decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030; binary is refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    elif b"\x00" in data:
        raise _file_problem(
            "this does not look like a text (CSV) file; upload a .csv, .xlsx or .json BOM",
            "这不是文本（CSV）文件；请上传 .csv、.xlsx 或 .json 格式的物料清单",
            name,
        )
    else:
        candidates = ["utf-8-sig", "gb18030"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if any(unicodedata.category(char) == "Cc" and char not in "\t\r\n" for char in text):
            break
        return text
    raise _file_problem(
        "cannot read the text: it is neither UTF-8 nor GB18030, or it is not text at all. "
        "In Excel, use Save As → CSV UTF-8",
        "无法识别文本编码（既不是 UTF-8 也不是 GB18030，或者不是文本文件）；请在 Excel 中另存为“CSV UTF-8”",
        name,
    )


def _read_csv(data: bytes, name: str) -> _Table:
    text = _decode(data, name)
    lines = text.splitlines(keepends=True)
    comments: list[str] = []
    start = 0  # index of the header line: the first line that is neither a comment nor blank
    while start < len(lines):
        comment = _comment_text(lines[start])
        if comment is not None:
            comments.append(comment)
        elif lines[start].strip(" \t\r\n,;"):
            break
        start += 1
    body = "".join(lines[start:])
    first_line = lines[start] if start < len(lines) else ""
    delimiter = _guess_delimiter(first_line)
    try:
        records = list(csv.reader(io.StringIO(body, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise _file_problem(f"malformed CSV: {error}", f"CSV 格式错误：{error}", name) from None
    meta, meta_warnings = _parse_comments(comments)
    headers = records[0] if records else []
    return _Table(meta=meta, headers=headers, rows=records[1:], warnings=meta_warnings)


def _comment_text(line: str) -> str | None:
    """The text of a ``# key: value`` line, also when Excel quoted it or padded it with delimiters."""
    stripped = line.strip()
    if stripped.startswith('"#'):
        try:
            cells = next(csv.reader([stripped]))
        except (csv.Error, StopIteration):
            return None
        return ", ".join(cell for cell in cells if cell).strip().rstrip(",;\t ")
    if stripped.startswith("#"):
        return stripped.rstrip(",;\t ")
    return None


def _guess_delimiter(header_line: str) -> str:
    """The delimiter under which the header row names the most known columns."""
    best, best_score = ",", (-1, -1)
    for delimiter in (",", ";", "\t"):
        try:
            cells = next(csv.reader([header_line], delimiter=delimiter), [])
        except csv.Error:
            continue
        score = (sum(_key(cell) in _COLUMN_BY_KEY for cell in cells), len(cells))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _parse_comments(comments: list[str]) -> tuple[dict[str, Any], list[str]]:
    meta: dict[str, Any] = {}
    remarks: list[str] = []
    for comment in comments:
        body = comment.lstrip("#").strip()
        match = re.match(r"^([^:：]+)[:：](.*)$", body)
        if match is None:
            continue  # a plain comment
        key = _HEADER_BY_KEY.get(_key(match.group(1)))
        if key is None:
            remarks.append(f"header line '# {match.group(1).strip()}: ...' is not a known key and was ignored")
            continue
        meta[key] = _comment_value(match.group(2).strip())
    return meta, remarks


def _comment_value(text: str) -> str:
    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        try:
            decoded = read_json(text)
        except InputError:
            return text
        if isinstance(decoded, str):
            return decoded
    return text


_BOM_SHEET_NAMES = {"bom", "物料清单"}


def _read_xlsx(data: bytes, name: str) -> _Table:
    _check_zip(data, name)
    import openpyxl  # imported here: reading CSV or JSON should not pay for it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it skips
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception as error:  # openpyxl raises many types on malformed parts; all mean "unreadable"
        raise _unreadable_workbook(error, name) from None
    try:
        sheets = workbook.worksheets
        if not sheets:
            raise _file_problem("the workbook has no worksheet", "工作簿中没有工作表", name)
        sheet = next((ws for ws in sheets if ws.title.strip().casefold() in _BOM_SHEET_NAMES), sheets[0])
        sheet.reset_dimensions()  # some writers store a wrong used range; read what is there
        cells, remarks = _sheet_rows(sheet, name)
    except InputError:
        raise
    except Exception as error:  # read-only mode parses the sheet lazily: broken XML shows up here
        raise _unreadable_workbook(error, name) from None
    finally:
        workbook.close()
    comments: list[str] = []
    while cells and (not any(cell.strip() for cell in cells[0]) or cells[0][0].strip().startswith("#")):
        row = cells.pop(0)
        if row and row[0].strip().startswith("#"):
            comments.append(" ".join(cell for cell in row if cell.strip()).strip())
    meta, meta_warnings = _parse_comments(comments)
    headers = cells[0] if cells else []
    return _Table(meta=meta, headers=headers, rows=cells[1:], warnings=meta_warnings + remarks)


def _unreadable_workbook(error: Exception, name: str) -> InputError:
    return _file_problem(
        f"cannot read the workbook ({type(error).__name__}); save it again from Excel as .xlsx",
        "无法读取该工作簿；请在 Excel 中重新另存为 .xlsx",
        name,
    )


def _sheet_rows(sheet: Any, name: str) -> tuple[list[list[str]], list[str]]:
    """The sheet's rows as text, trailing empty cells and rows dropped.

    Blank rows between data rows are kept (as empty lists) so row numbers match what the user
    sees; a long run of blank rows ends the table, since formatting can make a sheet claim a
    million empty rows.
    """
    rows: list[list[str]] = []
    blank_run = 0
    remarks: list[str] = []
    for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
        texts = [_cell_text(value) for value in values]
        while texts and not texts[-1].strip():
            texts.pop()
        if not texts:
            blank_run += 1
            if blank_run > MAX_BLANK_ROWS:
                remarks.append(f"reading stopped after {MAX_BLANK_ROWS} empty rows (sheet row {len(rows) + blank_run})")
                break
            continue
        rows.extend([] for _ in range(blank_run))
        blank_run = 0
        rows.append(texts)
        if len(rows) > MAX_LINES + 200:
            raise _file_problem(f"the sheet has more than {MAX_LINES} rows", f"工作表超过 {MAX_LINES} 行", name)
    return rows, remarks


def _check_zip(data: bytes, name: str) -> None:
    """Refuse zip bombs and non-workbooks before openpyxl decompresses anything."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        message, message_zh = "this is not a valid .xlsx workbook (broken zip)", "这不是有效的 .xlsx 工作簿（压缩包损坏）"
        raise _file_problem(message, message_zh, name) from None
    if len(entries) > MAX_ZIP_ENTRIES:
        raise _file_problem(f"the workbook has {len(entries)} parts; refusing to open it", "工作簿内部文件过多，拒绝打开", name)
    unzipped = sum(entry.file_size for entry in entries)
    if unzipped > MAX_UNZIPPED_BYTES:
        raise _file_problem(
            f"the workbook would unzip to {unzipped / 1024 / 1024:.0f} MB (limit "
            f"{MAX_UNZIPPED_BYTES // 1024 // 1024} MB); refusing to open it",
            f"工作簿解压后约 {unzipped / 1024 / 1024:.0f} MB，超过 {MAX_UNZIPPED_BYTES // 1024 // 1024} MB 上限，拒绝打开",
            name,
        )
    if any(entry.flag_bits & 0x1 for entry in entries):
        raise _file_problem("the workbook is encrypted: remove the password", "工作簿已加密，请去掉密码", name)
    if "xl/workbook.xml" not in {entry.filename for entry in entries}:
        raise _file_problem(
            "this zip file is not an Excel workbook (.xlsx)",
            "该压缩文件不是 Excel 工作簿（.xlsx）",
            name,
        )


def _cell_text(value: Any) -> str:
    """A cell as the text a user would have typed (numbers exactly, formulas as their text)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        try:
            return format_number(value)
        except ValueError:
            return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


# --------------------------------------------------------------------------------------------
# Header keys (comments, sidecar, argument)
# --------------------------------------------------------------------------------------------


def _merge_headers(sources: list[tuple[str, Mapping[str, Any]]]) -> tuple[dict[str, Any], list[str]]:
    merged: dict[str, Any] = {}
    origin: dict[str, str] = {}
    remarks: list[str] = []
    for source_name, values in sources:
        for raw_key, value in values.items():
            key = _HEADER_BY_KEY.get(_key(str(raw_key)))
            if key is None:
                remarks.append(f"header key {raw_key!r} from the {source_name} is not known and was ignored")
                continue
            if key in merged and merged[key] != value:
                remarks.append(f"{key} from the {source_name} replaces the one from the {origin[key]}")
            merged[key] = value
            origin[key] = source_name
    return merged, remarks


def _header_data(header: Mapping[str, Any]) -> dict[str, Any]:
    """Header keys → the Bom fields (the declared unit assembled from its three keys)."""
    data: dict[str, Any] = {}
    for key in ("product", "grid", "notes", "schema_version"):
        if key in header and header[key] not in (None, ""):
            data[key] = header[key]
    declared = header.get("declared_unit")
    if isinstance(declared, DeclaredUnit):
        declared = declared.model_dump()
    if declared not in (None, ""):
        declared_data: dict[str, Any] = dict(declared) if isinstance(declared, Mapping) else {"quantity": declared}
        if header.get("mass_kg_per_piece") not in (None, ""):
            declared_data.setdefault("mass_kg_per_piece", header["mass_kg_per_piece"])
        if header.get("declared_unit_description") not in (None, ""):
            declared_data.setdefault("description", header["declared_unit_description"])
        data["declared_unit"] = declared_data
    return data


# --------------------------------------------------------------------------------------------
# Rows → Bom
# --------------------------------------------------------------------------------------------


def rows_to_bom(rows: list[Mapping[str, Any]], header: Mapping[str, Any], *, source: str | None = None) -> Bom:
    """Build a BOM from grid rows (one mapping per line, keys as in the tabular format).

    Row numbers in errors are positions in ``rows`` from 1; values are kept as given. Unknown
    keys are ignored and listed in ``Bom.warnings``.
    """
    merged, remarks = _merge_headers([("header argument", header)])
    unknown: list[str] = []
    renamed_rows: list[dict[str, Any]] = []
    for row in rows:
        renamed: dict[str, Any] = {}
        for key, value in row.items():
            column = _COLUMN_BY_KEY.get(_key(str(key)))
            if column is None:
                if str(key) not in unknown:
                    unknown.append(str(key))
            elif column not in renamed or not _present(renamed[column]):
                renamed[column] = value  # a row may spell a column in English or in Chinese
        renamed_rows.append(renamed)
    remarks.extend(f"column {key!r} is not a BOM column and was ignored" for key in unknown)
    columns = [column for column in COLUMNS if any(column in row for row in renamed_rows)]
    table = _Table(meta={}, headers=columns, rows=[[row.get(column) for column in columns] for row in renamed_rows])
    raw = _raw_table(table, source or "", "rows", None, from_file=False)
    return _table_to_bom(raw, merged, source, remarks)


def _raw_table(table: _Table, name: str, kind: str, sidecar: dict[str, Any] | None, *, from_file: bool = True) -> RawTable:
    """Rows keyed by BOM column (blank rows skipped, row numbers kept), column problems listed."""
    column_of, column_issues, column_notes = _map_columns(table.headers, table.rows)
    rows: list[RawRow] = []
    overlong_rows: list[int] = []
    for row_number, cells in enumerate(table.rows, start=1):
        if not any(_present(cell) for cell in cells):
            continue  # blank rows (Excel leaves them) still count for numbering
        values = {column: _clipped(column, cells[index]) if index < len(cells) else None for column, index in column_of.items()}
        if from_file:
            values = {column: _unguard(value) if column in _TEXT_COLUMNS else value for column, value in values.items()}
        extra = any(_present(cell) for cell in cells[len(table.headers):])
        if extra:
            overlong_rows.append(row_number)
        rows.append(RawRow(number=row_number, values=values, extra_cells=extra))
    notes = list(table.warnings) + column_notes
    if overlong_rows:
        shown = ", ".join(str(row) for row in overlong_rows[:10]) + (", ..." if len(overlong_rows) > 10 else "")
        which = f"row {shown} has" if len(overlong_rows) == 1 else f"rows {shown} have"
        notes.append(
            f"{which} more cells than the header has columns (an unquoted comma in a description?); "
            "the extra cells were ignored"
        )
    return RawTable(
        name=name,
        kind=kind,
        header=dict(table.meta),
        sidecar=sidecar,
        columns=column_of,
        rows=rows,
        issues=column_issues,
        warnings=notes,
    )


def _clipped(column: str, value: Any) -> Any:
    """A cell longer than anything its column accepts, cut one character past that limit.

    It is refused all the same (and its message quotes 80 characters of it), but a 45 KB workbook
    whose 9,000 cells point at one 32,000-character shared string no longer becomes 300 MB of
    text in the web form's grid and 4 GB of validation work.
    """
    limit = MAX_TEXT_LENGTH if column in _FREE_TEXT_COLUMNS else MAX_ID_LENGTH
    return value[: limit + 1] if isinstance(value, str) and len(value) > limit + 1 else value


def _raw_table_to_bom(raw: RawTable, header: Mapping[str, Any] | None) -> Bom:
    """Validate a file's table: header keys from comment lines, sidecar, then the argument."""
    merged_header, header_warnings = _merge_headers(
        [("comment lines", raw.header), ("sidecar", raw.sidecar or {}), ("header argument", dict(header or {}))]
    )
    return _table_to_bom(raw, merged_header, raw.name, header_warnings)


def _table_to_bom(raw: RawTable, header: Mapping[str, Any], source: str | None, remarks: list[str]) -> Bom:
    if raw.issues:
        raise InputError(issues=list(raw.issues), source=source)
    records: list[tuple[int, dict[str, Any]]] = [(row.number, dict(row.values)) for row in raw.rows]
    if not records:
        raise _file_problem("the table has no BOM rows under its header", "表头下方没有物料清单数据行", source)
    if len(records) > MAX_LINES:
        raise _file_problem(f"a BOM may have at most {MAX_LINES} lines", f"物料清单最多 {MAX_LINES} 行", source)
    lines, row_numbers, tree_problems = _build_tree(records)
    data = {**_header_data(header), "lines": lines}
    try:
        bom = bom_from_data(data, source=source, row_numbers=row_numbers)
    except InputError as error:
        issues = sorted(tree_problems + error.issues, key=lambda issue: (issue.row is not None, issue.row or 0))
        raise InputError(issues=issues, source=source) from None
    if tree_problems:
        raise InputError(issues=tree_problems, source=source)
    bom.add_warnings(list(raw.warnings) + list(remarks))
    return bom


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _map_columns(headers: list[Any], rows: list[list[Any]]) -> tuple[dict[str, int], list[RowIssue], list[str]]:
    """Column name → index; missing required columns are issues, unknown ones are remarks."""
    column_of: dict[str, int] = {}
    spelled: dict[str, str] = {}
    issues: list[RowIssue] = []
    remarks: list[str] = []
    for index, raw in enumerate(headers):
        text = "" if raw is None else str(raw).replace("\ufeff", "").strip()
        if not text:
            if any(index < len(row) and _present(row[index]) for row in rows):
                remarks.append(f"column {index + 1} has values but no header; it was ignored")
            continue
        column = _COLUMN_BY_KEY.get(_key(text))
        if column is None:
            remarks.append(f"column {text!r} is not a BOM column and was ignored")
        elif column in column_of:
            issues.append(
                RowIssue(
                    f"columns {spelled[column]!r} and {text!r} both mean {column}; keep one",
                    f"列 {spelled[column]!r} 与 {text!r} 含义相同（{FIELD_LABELS_ZH.get(column, column)}），请只保留一列",
                    field=column,
                )
            )
        else:
            column_of[column] = index
            spelled[column] = text
    for column in REQUIRED_COLUMNS:
        if column not in column_of:
            shown = ", ".join(repr(str(h)) for h in headers if _present(h)) or "none"
            issues.append(
                RowIssue(
                    f"missing required column {column!r} ({FIELD_LABELS_ZH[column]}); columns found: {shown}",
                    f"缺少必需的列 {column!r}（{FIELD_LABELS_ZH[column]}）",
                    field=column,
                )
            )
    return column_of, issues, remarks


def _unguard(value: Any) -> Any:
    """Undo :func:`footprint.exchange.safe.neutralise` (the apostrophe it put before a formula)."""
    if isinstance(value, str) and value.startswith("'") and is_dangerous(value[1:]):
        return value[1:]
    return value


def _build_tree(
    records: list[tuple[int, dict[str, Any]]],
) -> tuple[list[dict[str, Any]], dict[tuple[int, ...], int], list[RowIssue]]:
    """Nest rows under their parents; return the lines, index path → row, and parent problems.

    Rows stay in the tree even when their parent is wrong (they are attached at the top), so
    their own fields are still checked and reported in the same pass.
    """
    issues: list[RowIssue] = []
    first_index_of_id: dict[str, int] = {}
    for index, (_, values) in enumerate(records):
        line_id = _text_id(values.get("id"))
        if line_id is not None:
            first_index_of_id.setdefault(line_id, index)

    parent_index: list[int | None] = []
    for index, (row_number, values) in enumerate(records):
        raw_parent = values.get("parent")
        parent_id = _text_id(raw_parent)
        target = None
        if parent_id is not None:
            target = first_index_of_id.get(parent_id)
            if target is None:
                issues.append(
                    RowIssue(
                        f"parent {parent_id!r} is not the id of any line",
                        f"上级 {parent_id!r} 不是任何一行的编号",
                        row=row_number,
                        line_id=_text_id(values.get("id")),
                        field="parent",
                        value=str(raw_parent),
                    )
                )
            elif target == index:
                issues.append(
                    RowIssue(
                        "a line cannot be its own parent",
                        "一行不能以自身为上级",
                        row=row_number,
                        line_id=parent_id,
                        field="parent",
                        value=str(raw_parent),
                    )
                )
                target = None
        parent_index.append(target)
    issues.extend(_break_parent_loops(records, parent_index))

    nodes: list[dict[str, Any]] = []
    for _, values in records:
        node = {name: value for name, value in values.items() if name != "parent" and _keep(name, value)}
        nodes.append(node)
    roots: list[int] = []
    children: dict[int, list[int]] = {}
    for index, parent in enumerate(parent_index):
        (roots if parent is None else children.setdefault(parent, [])).append(index)

    for index, kids in children.items():
        nodes[index]["lines"] = [nodes[kid] for kid in kids]
    # Index paths only as deep as a BOM may nest (plus the level that is reported as too deep):
    # a 20,000-row chain would otherwise store 200 million path entries.
    row_numbers: dict[tuple[int, ...], int] = {}
    stack: list[tuple[tuple[int, ...], int]] = [((position,), index) for position, index in enumerate(roots)]
    while stack:
        path, index = stack.pop()
        row_numbers[path] = records[index][0]
        if len(path) <= MAX_DEPTH:
            stack.extend(((*path, position), kid) for position, kid in enumerate(children.get(index, [])))
    return [nodes[index] for index in roots], row_numbers, issues


def _break_parent_loops(records: list[tuple[int, dict[str, Any]]], parent_index: list[int | None]) -> list[RowIssue]:
    """Find rows whose parent chain comes back to itself; report and detach them."""
    issues: list[RowIssue] = []
    state = [0] * len(parent_index)  # 0 unseen, 1 on the current chain, 2 done
    for start in range(len(parent_index)):
        chain: list[int] = []
        index: int | None = start
        while index is not None and state[index] == 0:
            state[index] = 1
            chain.append(index)
            index = parent_index[index]
        if index is not None and state[index] == 1:
            loop = chain[chain.index(index):]
            shown = _loop_text([str(_text_id(records[i][1].get("id"))) for i in loop[:LOOP_IDS_SHOWN]], len(loop))
            for member in loop:
                row_number, values = records[member]
                issues.append(
                    RowIssue(
                        f"the parent column goes round in a loop ({shown})",
                        f"上级列形成了循环（{shown}）",
                        row=row_number,
                        line_id=_text_id(values.get("id")),
                        field="parent",
                        value=str(values.get("parent")),
                    )
                )
                parent_index[member] = None
        for member in chain:
            state[member] = 2
    return issues


def _loop_text(first_ids: list[str], length: int) -> str:
    """"A → B → A", or for a long loop its first ids and its length: one short text per loop,
    shared by the loop's rows (a 20,000-row loop spelled out on each of its rows is 20,000²)."""
    shown = [shorten(line_id, 40) for line_id in first_ids]
    if length <= len(first_ids):
        return " → ".join([*shown, shown[0]])
    return " → ".join(shown) + f" → … ({length} lines)"


def _text_id(value: Any) -> str | None:
    if not _present(value) or isinstance(value, (bool, dict, list)):
        return None
    return str(value).strip()


def _keep(name: str, value: Any) -> bool:
    """Empty cells are absent values (defaults apply); free text is kept exactly as typed."""
    if name in ("description", "name"):
        return value not in (None, "")
    return _present(value)


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def refuse_cff_in_table(bom: Bom) -> None:
    """The tabular formats have no place for Circular Footprint Formula values (``cff`` on a
    line, a BOM marked CFF): writing them would lose them without a word, so it is refused."""
    lines = [path for path, line, _ in bom.flat_lines() if line.cff is not None]
    if lines or bom.recycling_approach is not None:
        where = f" (lines {', '.join(lines)})" if lines else ""
        raise InputError(
            issues=[
                RowIssue(
                    f"this BOM carries Circular Footprint Formula values{where}, which CSV and Excel cannot hold: save it as JSON (or as part of the study)",
                    f"该物料清单含有循环足迹公式参数{where}，CSV 和 Excel 无法保存：请保存为 JSON（或随研究文件保存）",
                    field="cff",
                )
            ]
        )


def bom_to_rows(bom: Bom) -> list[dict[str, str]]:
    """The BOM as tabular rows (parents before children), every value as text."""
    rows: list[dict[str, str]] = []
    stack: list[tuple[str, BomLine]] = [("", line) for line in reversed(bom.lines)]
    while stack:
        parent_id, line = stack.pop()
        rows.append(
            {
                "id": line.id,
                "parent": parent_id,
                "activity_id": line.activity_id or "",
                "amount": format_number(line.amount),
                "unit": line.unit,
                "stage": line.stage.value if line.stage else "",
                "data_type": line.data_type.value,
                "mass_kg_per_piece": _optional_number(line.mass_kg_per_piece),
                "distance_km": _optional_number(line.distance_km),
                "description": line.description,
                "name": line.name,
                "gsd": _optional_number(line.gsd),
                "pedigree": ",".join(str(score) for score in line.pedigree) if line.pedigree else "",
                "mass_kg_per_unit": _optional_number(line.mass_kg_per_unit),
            }
        )
        stack.extend((line.id, child) for child in reversed(line.lines))
    return rows


def _optional_number(value: float | None) -> str:
    return "" if value is None else format_number(value)


def bom_header_lines(bom: Bom) -> list[tuple[str, str]]:
    """(key, value) pairs of the ``# key: value`` header of a written BOM."""
    pairs = [("product", bom.product), ("declared_unit", str(bom.declared_unit))]
    if bom.declared_unit.mass_kg_per_piece is not None:
        pairs.append(("mass_kg_per_piece", format_number(bom.declared_unit.mass_kg_per_piece)))
    if bom.declared_unit.description:
        pairs.append(("declared_unit_description", bom.declared_unit.description))
    if bom.grid:
        pairs.append(("grid", bom.grid))
    if bom.notes:
        pairs.append(("notes", bom.notes))
    pairs.append(("schema_version", bom.schema_version))
    return pairs


def header_value(text: str) -> str:
    """Values a comment line could not hold verbatim are written as JSON strings."""
    if text != text.strip() or text.startswith('"') or text.splitlines() != [text] or text.endswith((",", ";")):
        return json.dumps(text, ensure_ascii=False)
    return text


def _used_columns(rows: Iterable[Mapping[str, str]]) -> list[str]:
    rows = list(rows)
    return [c for c in COLUMNS if c not in _OPTIONAL_COLUMNS or any(row.get(c) for row in rows)]


def write_bom_csv(bom: Bom) -> str:
    """The BOM as CSV text in the tabular format; :func:`read_bom` reads it back unchanged.

    Encode it as ``utf-8-sig`` for Excel to detect UTF-8.
    """
    refuse_cff_in_table(bom)
    rows = bom_to_rows(bom)
    columns = _used_columns(rows)
    buffer = io.StringIO(newline="")
    for key, value in bom_header_lines(bom):
        buffer.write(f"# {key}: {header_value(value)}\n")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralise(row[c]) if c in _TEXT_COLUMNS else row[c] for c in columns])
    return buffer.getvalue()


def write_bom_xlsx(bom: Bom) -> bytes:
    """The BOM as an .xlsx workbook (sheet "BOM", same layout as the CSV); text stays text."""
    import openpyxl

    refuse_cff_in_table(bom)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "BOM"
    rows = bom_to_rows(bom)
    columns = _used_columns(rows)
    header_pairs = bom_header_lines(bom)
    for row_number, (key, value) in enumerate(header_pairs, start=1):
        set_text(sheet.cell(row=row_number, column=1), f"# {key}: {header_value(value)}")
    header_row = len(header_pairs) + 1
    for position, column in enumerate(columns, start=1):
        set_text(sheet.cell(row=header_row, column=position), column)
    numeric = {"amount", "mass_kg_per_piece", "mass_kg_per_unit", "distance_km", "gsd"}
    for offset, row in enumerate(rows, start=1):
        for position, column in enumerate(columns, start=1):
            value = row[column]
            cell = sheet.cell(row=header_row + offset, column=position)
            if column in numeric and value:
                cell.value = float(value)
            elif value:
                set_text(cell, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
