"""Uploaded BOM files (CSV, Excel, JSON) into the form, keeping every row of a bad file.

Why: an SME's spreadsheet often has a few bad rows. Refusing the whole file and showing only
messages would make them retype it, so a file that does not validate is still loaded into the
grids row by row, exactly as typed, and the problems are listed with the file's row numbers;
the grid then highlights them on the next calculation. Reading and validation are
:func:`footprint.bom_io.read_bom`'s; nothing here parses numbers or units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from footprint import bom_io
from footprint.activity_suggestions import UnknownActivityMessages
from footprint.bom import parse_stage
from footprint.errors import FootprintError, InputError, RowIssue
from footprint.units import format_number, parse_number, parse_quantity

from .catalog import SECTION_STAGE, SECTIONS, SITE_ELECTRICITY, Catalog
from .state import GRID_COLUMNS, StudyForm, clean_row, form_with_bom, is_blank, with_line_ids

HEADER_FIELDS = {"product", "declared_unit", "mass_kg_per_piece"}
MODES = ("append", "replace")  # what an upload does to the lines already in the form


@dataclass
class UploadResult:
    form: StudyForm | None  # the form with the file's rows (None: nothing could be read)
    issues: list[RowIssue] = field(default_factory=list)  # the file's problems (file row numbers)
    remarks: list[str] = field(default_factory=list)  # non-fatal notes (ignored columns...)
    lines: int = 0


def _is_header_issue(issue: RowIssue) -> bool:
    return issue.row is None and (issue.field or "").split(".")[0] in HEADER_FIELDS


def _fallback_header(form: StudyForm) -> dict[str, str]:
    header = {
        "product": form.product_name or form.product_name_zh or "—",
        "declared_unit": f"{format_number(form.declared_quantity)} {form.declared_unit}",
    }
    if form.declared_unit == "piece":
        header["mass_kg_per_piece"] = format_number(form.mass_kg_per_piece) if form.mass_kg_per_piece else "1"
    return header


def read_upload(data: bytes, filename: str, form: StudyForm, catalog: Catalog) -> UploadResult:
    """The form with the uploaded BOM's lines, and every problem of the file at once.

    A file without product / declared unit keys takes them from the form. A file with bad rows
    is loaded as typed (see the module docstring) when its table can be read at all. Activity
    ids the dataset does not hold are problems too, each with its "did you mean" suggestions,
    also in rows that have other problems.
    """
    result = _read(data, filename, form, catalog)
    unknown = unknown_activities(data, filename, catalog.dataset)
    known = {(issue.row, issue.line_id, issue.field) for issue in result.issues}
    result.issues = sorted(
        result.issues + [issue for issue in unknown if (issue.row, issue.line_id, issue.field) not in known],
        key=lambda issue: (issue.row is not None, issue.row or 0),
    )
    return result


def _read(data: bytes, filename: str, form: StudyForm, catalog: Catalog) -> UploadResult:
    try:
        bom = bom_io.read_bom(data, filename)
    except InputError as error:
        issues = error.issues
        if any(_is_header_issue(issue) for issue in issues):
            try:
                bom = bom_io.read_bom(data, filename, header=_fallback_header(form))
            except InputError as retry:
                issues = [issue for issue in retry.issues if not _is_header_issue(issue)] or retry.issues
            else:
                return _loaded(form, bom, catalog, keep_product=True)
        table = raw_rows(data, filename)
        if table is None:
            return UploadResult(form=None, issues=list(issues))
        meta, raw = table
        return UploadResult(form=form_with_raw_rows(form, raw, catalog, meta), issues=list(issues), lines=len(raw))
    return _loaded(form, bom, catalog, keep_product=False)


def unknown_activities(data: bytes, filename: str, dataset) -> list[RowIssue]:
    """The file's activity ids the dataset does not hold, by file row (JSON: by line id), each
    with the dataset's "did you mean" message (no command-line hint: the page is the tool)."""
    messages = UnknownActivityMessages(dataset)
    try:
        table = bom_io.read_table(data, filename)
        typed = [(row.number, _text(row.values.get("id")), _text(row.values.get("activity_id"))) for row in table.rows]
    except InputError:  # a JSON BOM (or an unreadable file, whose problem is already listed)
        try:
            bom = bom_io.read_bom(data, filename)
        except InputError:
            return []
        typed = [(None, line.id, line.activity_id or "") for _, line, _ in bom.flat_lines()]
    issues = []
    for row, line_id, activity in typed:
        if activity and not dataset.has_activity(activity):
            message, message_zh = messages(activity)
            issues.append(RowIssue(message, message_zh, row=row, line_id=line_id or None, field="activity_id", value=activity))
    return issues


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _loaded(form: StudyForm, bom, catalog: Catalog, keep_product: bool) -> UploadResult:
    loaded = form_with_bom(form, bom, catalog)
    if keep_product:
        data = loaded.to_dict()
        for key in ("product_name", "declared_quantity", "declared_unit", "mass_kg_per_piece"):
            data[key] = getattr(form, key)
        loaded = StudyForm.from_dict(data)
    return UploadResult(form=loaded, remarks=list(bom.warnings), lines=sum(1 for _ in bom.iter_lines()))


def raw_rows(data: bytes, filename: str) -> tuple[dict[str, Any], list[dict[str, str]]] | None:
    """The table's header keys and data rows as typed, rows keyed by BOM column (None when the
    table is unreadable).

    :func:`footprint.bom_io.read_table` is read_bom's own reader, so encodings, delimiters and
    header spellings are the ones read_bom understands.
    """
    try:
        table = bom_io.read_table(data, filename)
    except InputError:
        return None
    if not table.columns:
        return None
    rows = []
    for raw in table.rows:
        row = {name: "" if value is None else value for name, value in raw.values.items()}
        if any(str(value).strip() for value in row.values()):
            rows.append(row)
    return table.header_values, rows


def _stage_id(text: str) -> str | None:
    try:
        return parse_stage(text).value
    except ValueError:
        return None


def _header_values(meta: dict[str, Any]) -> dict[str, Any]:
    """Form fields from a file's header keys, where they read cleanly (else the form's stay)."""
    values: dict[str, Any] = {}
    product = meta.get("product")
    if isinstance(product, str) and product.strip():
        values["product_name"] = product.strip()
    declared = meta.get("declared_unit")
    if isinstance(declared, str):
        try:
            quantity, unit = parse_quantity(declared)
        except FootprintError:
            pass
        else:
            values["declared_quantity"], values["declared_unit"] = quantity, unit
    try:
        if meta.get("mass_kg_per_piece") not in (None, ""):
            values["mass_kg_per_piece"] = parse_number(meta["mass_kg_per_piece"])
    except FootprintError:
        pass
    if isinstance(meta.get("grid"), str) and meta["grid"].strip():
        values["grid"] = meta["grid"].strip()
    return values


def form_with_raw_rows(form: StudyForm, raw: list[dict[str, str]], catalog: Catalog, meta: dict[str, Any] | None = None) -> StudyForm:
    """The form with rows as typed: each goes to its activity's section, else to materials;
    product, declared unit and grid from the file's header keys where they read cleanly."""
    sections: dict[str, list[dict[str, str]]] = {section: [] for section in SECTIONS}
    for row in raw:
        activity = (row.get("activity_id") or "").strip()
        section = "materials" if row.get("parent") or not activity or activity == SITE_ELECTRICITY else catalog.section_of(activity)
        if section != "materials" and (row.get("stage") or "").strip() and _stage_id(row["stage"]) != SECTION_STAGE[section]:
            section = "materials"
        if section == "transport" and row.get("mass_kg_per_piece"):
            section = "materials"
        sections[section].append(clean_row(row, GRID_COLUMNS[section]))
    data = form.to_dict()
    data["rows"] = sections
    data["electricity_amount"] = 0.0
    values = _header_values(meta or {})
    if values.get("grid") and values["grid"] not in catalog.grid_ids:
        values.pop("grid")
    data.update(values)
    return StudyForm.from_dict(data)


# ------------------------------------------------------------------------------ append / replace


def has_lines(form: StudyForm) -> bool:
    """Whether the form has lines an upload could overwrite (a non-blank grid row)."""
    return any(not is_blank(row) for rows in form.rows.values() for row in rows)


def _fresh_id(line_id: str, used: set[str]) -> str:
    number = 2
    while f"{line_id}-{number}" in used:
        number += 1
    return f"{line_id}-{number}"


def merge_upload(current: StudyForm, loaded: StudyForm, mode: str) -> tuple[StudyForm, list[tuple[str, str]]]:
    """What the form becomes after an upload, and the uploaded ids that were renamed.

    ``replace``: the uploaded form (lines, product and declared unit from the file). ``append``:
    the current form with the file's lines after its own; an uploaded id already used in the form
    gets a fresh one (``AL`` → ``AL-2``, also where the file's lines name it as parent); the
    file's site electricity fills the form's when that is empty, else it is added as a line of
    the energy grid; an empty product name is taken from the file; nothing else changes.
    """
    if mode == "replace" or not has_lines(current) and not current.electricity_amount:
        return loaded, []
    current = with_line_ids(current)  # typed lines keep the ids they are shown with
    used = {(row.get("id") or "").strip() for rows in current.rows.values() for row in rows} - {""}
    uploaded = [(row.get("id") or "").strip() for rows in loaded.rows.values() for row in rows]
    taken = used | set(uploaded)
    renamed: dict[str, str] = {}
    for line_id in uploaded:
        if line_id and line_id in used and line_id not in renamed:
            renamed[line_id] = _fresh_id(line_id, taken)
            taken.add(renamed[line_id])
    data = current.to_dict()
    for section in SECTIONS:
        added = []
        for row in loaded.rows.get(section, []):
            row = dict(row)
            for column in ("id", "parent"):
                if column in row and row[column].strip() in renamed:
                    row[column] = renamed[row[column].strip()]
            added.append(row)
        data["rows"][section] = [*current.rows.get(section, []), *added]
    data["line_fields"] = {**current.line_fields, **{renamed.get(k, k): v for k, v in loaded.line_fields.items()}}
    if loaded.electricity_amount:
        if not current.electricity_amount:
            for key in ("electricity_amount", "electricity_unit", "electricity_basis", "electricity_data_type"):
                data[key] = getattr(loaded, key)
        else:
            data["rows"]["energy"].append(
                {
                    "activity_id": SITE_ELECTRICITY,
                    "amount": format_number(loaded.electricity_amount),
                    "unit": loaded.electricity_unit,
                    "data_type": loaded.electricity_data_type,
                    "description": "site electricity",
                }
            )
    if not (current.product_name or current.product_name_zh) and loaded.product_name:
        data["product_name"] = loaded.product_name
    return StudyForm.from_dict(data), list(renamed.items())
