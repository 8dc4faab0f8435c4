"""What a user has entered, as plain data, and how it becomes a BOM and a study.

Why plain data: Streamlit reruns the script on every click, so everything a user typed must
live in the session (one :class:`StudyForm` per browser session, never shared) and survive
reruns and errors. The form is turned into footprint objects only through the footprint
package's own validators (:func:`footprint.bom_io.rows_to_bom`,
:func:`footprint.study.study_from_data`); every problem they report is mapped back to the form
section and row the user sees. Nothing here imports Streamlit.
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date
from typing import Any

from footprint.bom import Bom
from footprint.bom_io import bom_to_rows, rows_to_bom
from footprint.dataset import STAGES as STAGE_ORDER
from footprint import units
from footprint.errors import FootprintError, InputError, RowIssue
from footprint.units import format_number
from footprint.user_json import read_json

from .catalog import SECTION_STAGE, SECTIONS, SITE_ELECTRICITY, Catalog
from .label_details import DATE_FIELDS, LabelDetails, clean_details, details_from_study, study_part

DRAFT_FORMAT = "gba-footprint-app-draft"
DRAFT_VERSION = 1

# Grid columns per section (all values are text; the footprint parsers read them strictly).
# Only the materials grid shows its ids; the others keep the ids of loaded lines hidden (line
# facts of a study are keyed by them) and number new lines F1, P1, T1...
GRID_COLUMNS: dict[str, tuple[str, ...]] = {
    "materials": ("id", "parent", "activity_id", "amount", "unit", "stage", "data_type", "mass_kg_per_piece", "description"),
    "energy": ("id", "activity_id", "amount", "unit", "data_type", "description"),
    "emissions": ("id", "activity_id", "amount", "unit", "data_type", "description"),
    "transport": ("id", "activity_id", "amount", "unit", "distance_km", "data_type", "description"),
}
ID_PREFIX = {"materials": "M", "energy": "F", "emissions": "P", "transport": "T"}
ELECTRICITY_LINE_ID = "ELEC"
CERTIFICATE_COLUMNS = ("id", "type", "quantity", "generation_activity_id", "generation_start", "generation_end")
UNIT_CHOICES = ("kg", "g", "t", "piece", "kWh", "MWh", "MJ", "GJ", "m3", "L", "tkm", "m2", "cm2", "kWp")
DECLARED_UNITS = ("piece", "kg", "t", "m2", "m3", "kWh", "L")
REGIONS = ("CN-GD", "HK", "MO")
STANDARDS = ("GB/T 24067-2024", "ISO 14067:2018")
DEFAULT_RULE_SET = "gba-general"
FORM_STUDY_KEYS = ("schema_version", "study_id", "bom", "reference_period", "declared", "suppliers")


def _last_year() -> tuple[date, date]:
    year = date.today().year - 1
    return date(year, 1, 1), date(year, 12, 31)


@dataclass
class StudyForm(LabelDetails):
    """Everything on the form; JSON-able via :meth:`to_dict` (dates as ISO text). The label
    details (boundary, exclusions, data quality...) are the fields of its base, LabelDetails."""

    study_id: str = field(default_factory=lambda: f"study-{uuid.uuid4().hex[:12]}")
    product_name: str = ""
    product_name_zh: str = ""
    product_model: str = ""
    applicant: str = ""
    site_name: str = ""
    site_address: str = ""
    site_region: str = "CN-GD"
    rule_set: str = DEFAULT_RULE_SET
    declared_quantity: float = 1.0
    declared_unit: str = "piece"
    mass_kg_per_piece: float | None = None
    standard: str = STANDARDS[0]
    period_start: date = field(default_factory=lambda: _last_year()[0])
    period_end: date = field(default_factory=lambda: _last_year()[1])
    production_volume: float | None = None
    grid: str = ""
    electricity_amount: float = 0.0
    electricity_unit: str = "kWh"
    electricity_basis: str = "per_unit"  # per_unit | period (divided by the production volume)
    electricity_data_type: str = "primary"
    market_based: bool = False
    certificates: list[dict[str, str]] = field(default_factory=list)
    rows: dict[str, list[dict[str, str]]] = field(default_factory=lambda: {section: [] for section in SECTIONS})
    # Suppliers' PACT footprints that lines draw: {"activity_id": …, "pact": <ProductFootprint>}
    # each, exactly the study's ``suppliers`` (footprint.study.SupplierFootprint).
    suppliers: list[dict[str, Any]] = field(default_factory=list)
    # Study fields the form does not edit (verification, exclusions, line facts... of a loaded
    # study), kept so that opening and saving a study never loses them.
    extra: dict[str, Any] = field(default_factory=dict)
    # Per line id, the BOM line fields the grids have no column for (HIDDEN_LINE_FIELDS: a
    # geometric standard deviation, a pedigree, CFF values, a name), put back when the BOM is built.
    line_fields: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["period_start"] = self.period_start.isoformat()
        data["period_end"] = self.period_end.isoformat()
        for name in DATE_FIELDS:
            data[name] = data[name].isoformat() if data[name] else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StudyForm:
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        for key in ("period_start", "period_end"):
            if isinstance(values.get(key), str):
                values[key] = date.fromisoformat(values[key])
        rows = values.get("rows") or {}
        values["rows"] = {section: [clean_row(r, GRID_COLUMNS[section]) for r in rows.get(section, [])] for section in SECTIONS}
        values["certificates"] = [clean_row(r, CERTIFICATE_COLUMNS) for r in values.get("certificates") or []]
        values["suppliers"] = clean_suppliers(values.get("suppliers"))
        values["line_fields"] = clean_line_fields(values.get("line_fields"))
        return cls(**clean_details(values))


HIDDEN_LINE_FIELDS = ("name", "gsd", "pedigree", "cff")


def clean_line_fields(entries: Any) -> dict[str, dict[str, Any]]:
    """``{line id: {field: value}}`` with only :data:`HIDDEN_LINE_FIELDS` (ValueError for another
    shape: a draft edited by hand is reported as damaged). Values are checked where the BOM is
    built, with the line named."""
    if entries is None:
        return {}
    if not isinstance(entries, dict) or not all(isinstance(k, str) and isinstance(v, dict) for k, v in entries.items()):
        raise ValueError("line_fields must map line ids to objects")
    return {line_id: {k: v for k, v in fields_.items() if k in HIDDEN_LINE_FIELDS} for line_id, fields_ in entries.items()}


def hidden_line_fields(bom: Bom) -> dict[str, dict[str, Any]]:
    """The fields of each line of ``bom`` that no grid column holds (site electricity's under the
    id the form gives it, :data:`ELECTRICITY_LINE_ID`)."""
    found: dict[str, dict[str, Any]] = {}
    electricity = next((line.id for line in bom.lines if line.activity_id == SITE_ELECTRICITY), None)
    for _, line, _ in bom.iter_lines():
        values = line.model_dump(mode="json", include=set(HIDDEN_LINE_FIELDS), exclude_none=True)
        values = {k: v for k, v in values.items() if v not in ("", None)}
        if values:
            found[ELECTRICITY_LINE_ID if line.id == electricity else line.id] = values
    return found


def with_hidden_fields(bom: Bom, line_fields: dict[str, dict[str, Any]]) -> Bom:
    """``bom`` with the kept fields put back on the lines of those ids (validated like any BOM:
    a bad value is an InputError naming its line)."""
    from footprint.bom import bom_from_data

    if not line_fields:
        return bom
    data = bom.model_dump(mode="json", exclude_none=True)

    def restore(lines: list[dict[str, Any]]) -> None:
        for line in lines:
            line.update(line_fields.get(line.get("id", ""), {}))
            restore(line.get("lines") or [])

    restore(data.get("lines") or [])
    try:
        return bom_from_data(data)
    except InputError as error:  # named by line id: row numbers of this tree are not the grids'
        raise InputError(issues=[replace(issue, row=None) for issue in error.issues]) from None


def clean_suppliers(entries: Any) -> list[dict[str, Any]]:
    """The supplier footprints of a form or draft: ``{"activity_id": text, "pact": object}``
    each (ValueError for anything else: a draft edited by hand is reported as damaged)."""
    cleaned = []
    for entry in entries or []:
        if not (isinstance(entry, dict) and isinstance(entry.get("activity_id"), str) and isinstance(entry.get("pact"), dict)):
            raise ValueError("a supplier footprint needs an activity_id and a pact object")
        cleaned.append({"activity_id": entry["activity_id"], "pact": entry["pact"]})
    return cleaned


# ---------------------------------------------------------------------------------- rows


def cell_text(value: Any) -> str:
    """A grid cell as text: None/NaN become "", numbers their shortest form, text verbatim."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return format_number(value)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (date,)):
        return value.isoformat()
    return str(value)


def clean_row(row: dict[str, Any], columns: tuple[str, ...]) -> dict[str, str]:
    """The row's cells as text for a grid of ``columns``. The grid has one mass column, "kg per
    unit": a BOM's mass_kg_per_unit (lines in kWh, m2...) shows there too (see :func:`bom_row`)."""
    if "mass_kg_per_piece" in columns and not cell_text(row.get("mass_kg_per_piece")).strip() and cell_text(row.get("mass_kg_per_unit")).strip():
        row = {**row, "mass_kg_per_piece": row["mass_kg_per_unit"]}
    return {column: cell_text(row.get(column)) for column in columns}


def bom_row(row: dict[str, str]) -> dict[str, str]:
    """A grid row as a BOM row: the "kg per unit" cell of a line counted in neither pieces nor
    mass (battery cells in kWh, glass in m2) is the BOM's mass_kg_per_unit."""
    mass, unit = row.get("mass_kg_per_piece", "").strip(), row.get("unit", "").strip()
    if not mass or not unit:
        return row
    try:
        dimension = units.dimension_of(units.canonical_unit(unit))
    except FootprintError:
        return row
    if dimension in {"piece", "mass"}:
        return row
    return {**{k: v for k, v in row.items() if k != "mass_kg_per_piece"}, "mass_kg_per_unit": mass}


def is_blank(row: dict[str, str]) -> bool:
    return not any(str(value).strip() for value in row.values())


def apply_editor_state(base: list[dict[str, str]], state: dict | None, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """The rows after a ``st.data_editor`` edit state (edited / added / deleted rows) on ``base``."""
    rows = [dict(row) for row in base]
    if not state:
        return rows
    for index, changes in (state.get("edited_rows") or {}).items():
        position = int(index)
        if 0 <= position < len(rows):
            rows[position].update({column: cell_text(value) for column, value in changes.items() if column in columns})
    deleted = {int(index) for index in state.get("deleted_rows") or []}
    rows = [row for position, row in enumerate(rows) if position not in deleted]
    for added in state.get("added_rows") or []:
        rows.append(clean_row(added, columns))
    return rows


# ---------------------------------------------------------------------------------- issues


@dataclass(frozen=True)
class FormIssue:
    """One problem, located on the form: section (a grid, "electricity", "product", "study"),
    0-based row index within that section (None: not a row), field, raw value, both messages."""

    section: str
    row: int | None
    field: str | None
    value: str | None
    message: str
    message_zh: str



@dataclass
class Composition:
    """Grid rows of every section joined into one BOM table, with where each row came from."""

    rows: list[dict[str, str]]
    origin: list[tuple[str, int]]  # per composed row: (section, index in that section)
    line_ids: dict[str, tuple[str, int]]
    header: dict[str, Any]


def with_line_ids(form: StudyForm) -> StudyForm:
    """The form with every blank line id written in, as :func:`compose` would assign it (M1,
    F1, T1...): ids the user sees and refers to (data-quality rows, significant lines) then stay
    with their lines when more lines are added (an appended file brings its own M1)."""
    composition = compose(form)
    data = form.to_dict()
    for row, (section, index) in zip(composition.rows, composition.origin):
        if section not in data["rows"]:  # the site electricity input is no grid row
            continue
        if not (data["rows"][section][index].get("id") or "").strip():
            data["rows"][section][index] = {**data["rows"][section][index], "id": row["id"]}
    return StudyForm.from_dict(data)


def electricity_per_unit(form: StudyForm) -> float | None:
    """The site electricity per declared unit, in ``form.electricity_unit`` (None: needs a volume)."""
    if form.electricity_basis == "period":
        if not form.production_volume:
            return None
        return form.electricity_amount / form.production_volume
    return form.electricity_amount


def bom_header(form: StudyForm) -> dict[str, Any]:
    header: dict[str, Any] = {
        "product": form.product_name or form.product_name_zh,
        "declared_unit": f"{format_number(form.declared_quantity)} {form.declared_unit}",
    }
    if form.declared_unit == "piece" and form.mass_kg_per_piece:
        header["mass_kg_per_piece"] = format_number(form.mass_kg_per_piece)
    if form.grid:
        header["grid"] = form.grid
    return header


def compose(form: StudyForm) -> Composition:
    """All non-blank rows of all sections as BOM rows; blank ids are filled (M1, F1, T1...)."""
    used = {row.get("id", "").strip() for section in SECTIONS for row in form.rows.get(section, []) if (row.get("id") or "").strip()}
    rows: list[dict[str, str]] = []
    origin: list[tuple[str, int]] = []
    line_ids: dict[str, tuple[str, int]] = {}
    counters = {section: 0 for section in SECTIONS}

    def fresh_id(section: str) -> str:
        while True:
            counters[section] += 1
            candidate = f"{ID_PREFIX[section]}{counters[section]}"
            if candidate not in used:
                used.add(candidate)
                return candidate

    for section in SECTIONS:
        for index, raw in enumerate(form.rows.get(section, [])):
            row = clean_row(raw, GRID_COLUMNS[section])
            if is_blank(row):
                continue
            if not row["id"].strip():
                row["id"] = fresh_id(section)
            if section != "materials":
                row["stage"] = SECTION_STAGE[section]
            rows.append(bom_row(row))
            origin.append((section, index))
            line_ids.setdefault(row["id"].strip(), (section, index))
        if section == "materials":
            per_unit = electricity_per_unit(form)
            if form.electricity_amount > 0 and per_unit is not None:
                rows.append(
                    {
                        "id": ELECTRICITY_LINE_ID if ELECTRICITY_LINE_ID not in used else fresh_id("energy"),
                        "activity_id": SITE_ELECTRICITY,
                        "amount": format_number(per_unit),
                        "unit": form.electricity_unit,
                        "stage": "manufacturing_energy",
                        "data_type": form.electricity_data_type,
                        "description": "site electricity",
                    }
                )
                used.add(rows[-1]["id"])
                origin.append(("electricity", 0))
                line_ids[rows[-1]["id"]] = ("electricity", 0)
    return Composition(rows=rows, origin=origin, line_ids=line_ids, header=bom_header(form))


def locate(issue: RowIssue, composition: Composition) -> FormIssue:
    """Map a footprint RowIssue (row = position in the composed table from 1, or a line id)."""
    section, index = "bom", None
    if issue.row is not None and 1 <= issue.row <= len(composition.origin):
        section, index = composition.origin[issue.row - 1]
    elif issue.line_id and issue.line_id.split("/")[-1] in composition.line_ids:
        section, index = composition.line_ids[issue.line_id.split("/")[-1]]
    elif issue.field and (issue.field.startswith("declared_unit") or issue.field in {"product", "mass_kg_per_piece"}):
        section = "product"
    elif issue.field == "grid":
        section = "electricity"
    field_name = issue.field
    if section == "electricity" and index is not None:
        index = None
        field_name = "electricity_amount" if field_name in {"amount", "unit"} else field_name
    return FormIssue(section, index, field_name, issue.value, issue.message, issue.message_zh)


def supplier_registry(form: StudyForm, dataset=None):
    """The form's supplier footprints as a :class:`~footprint.exchange.suppliers.SupplierRegistry`
    (read by :func:`footprint.exchange.pact.supplier_activity_from_pact`, as the study reads
    them), and the problems with them (section "suppliers"); with ``dataset``, an activity id it
    already uses is a problem too."""
    from footprint.exchange.pact import supplier_activity_from_pact
    from footprint.exchange.suppliers import SupplierRegistry

    registry, issues = SupplierRegistry(), []
    for index, entry in enumerate(form.suppliers):
        try:
            activity = supplier_activity_from_pact(entry["pact"], entry["activity_id"])
            if dataset is not None and dataset.has_activity(activity.id):
                raise InputError(issues=[RowIssue(f"the activity id {activity.id!r} is a dataset activity", f"活动编号 {activity.id!r} 与数据库活动重复", field="activity_id", value=activity.id)])
            registry.add(activity)
        except InputError as error:
            issues.extend(FormIssue("suppliers", index, i.field, i.value, i.message, i.message_zh) for i in error.issues)
    return registry, issues


def build_bom(form: StudyForm, dataset=None) -> tuple[Bom | None, Composition, list[FormIssue]]:
    """The BOM from the form, or the problems with it (located on the form), never both.

    With ``dataset``, activity ids and units are also checked against it (and against the
    form's supplier footprints, for the lines that draw one), so that an unknown activity or a
    kg amount on an electricity line is reported on its row before computing.
    """
    composition = compose(form)
    registry, issues = supplier_registry(form, dataset)
    if form.electricity_amount > 0 and electricity_per_unit(form) is None:
        issues.append(
            FormIssue(
                "electricity",
                None,
                "production_volume",
                None,
                "electricity is given for the whole reference period: enter the production volume of that period",
                "用电量按核算周期填写时，请填写该周期的产量",
            )
        )
    if not composition.rows:
        issues.append(FormIssue("bom", None, None, None, "the BOM is empty: add at least one line", "物料清单为空：请至少添加一行"))
        return None, composition, issues
    try:
        bom = with_hidden_fields(rows_to_bom(composition.rows, composition.header, source=None), form.line_fields)
    except InputError as error:
        issues.extend(locate(issue, composition) for issue in error.issues)
        return None, composition, issues
    if dataset is not None:
        from footprint.demand import build_demands

        try:
            build_demands(bom, dataset, registry)
        except InputError as error:
            issues.extend(locate(issue, composition) for issue in error.issues)
    if issues:
        return None, composition, issues
    return bom, composition, issues


# ---------------------------------------------------------------------------------- BOM ↔ form


def rows_from_bom(bom: Bom, catalog: Catalog) -> tuple[dict[str, list[dict[str, str]]], list[dict[str, str]]]:
    """Split a BOM's rows into the form's sections; site-electricity lines are returned apart.

    Sub-assemblies and their children stay in the materials grid (the parent column keeps the
    tree); a top-level ELEC-SITE line becomes the electricity input, further ones stay in energy.
    """
    sections: dict[str, list[dict[str, str]]] = {section: [] for section in SECTIONS}
    electricity: list[dict[str, str]] = []
    for row in bom_to_rows(bom):
        section = catalog.section_of(row["activity_id"]) if not row["parent"] else "materials"
        if not row["activity_id"]:
            section = "materials"
        if row["activity_id"] == SITE_ELECTRICITY and not row["parent"] and not electricity:
            electricity.append(row)
            continue
        if section != "materials" and row["stage"] and row["stage"] != SECTION_STAGE[section]:
            section = "materials"  # keep a stage the user chose that the section would overwrite
        sections[section].append(clean_row(row, GRID_COLUMNS[section]))
    return sections, electricity


def form_with_bom(form: StudyForm, bom: Bom, catalog: Catalog) -> StudyForm:
    """A copy of ``form`` whose lines, product, declared unit and grid come from ``bom``."""
    sections, electricity = rows_from_bom(bom, catalog)
    data = form.to_dict()
    data["rows"] = sections
    data["line_fields"] = hidden_line_fields(bom)
    data["product_name"] = bom.product
    data["declared_quantity"] = bom.declared_unit.quantity
    data["declared_unit"] = bom.declared_unit.unit
    data["mass_kg_per_piece"] = bom.declared_unit.mass_kg_per_piece
    if bom.grid:
        data["grid"] = bom.grid
    if electricity:
        row = electricity[0]
        data["electricity_amount"] = float(row["amount"])
        data["electricity_unit"] = row["unit"] if row["unit"] in {"kWh", "MWh", "Wh", "GWh"} else "kWh"
        data["electricity_basis"] = "per_unit"
        data["electricity_data_type"] = row["data_type"] or "primary"
    else:
        data["electricity_amount"] = 0.0
    return StudyForm.from_dict(data)


# ---------------------------------------------------------------------------------- study


def _merge(base: Any, overlay: Any) -> Any:
    """``overlay`` on top of ``base``, recursively for mappings (overlay wins)."""
    if isinstance(base, dict) and isinstance(overlay, dict):
        merged = dict(base)
        for key, value in overlay.items():
            merged[key] = _merge(base.get(key), value)
        return merged
    return overlay


def _certificates(form: StudyForm) -> list[dict[str, Any]]:
    known = {c.get("id"): c for c in (form.extra.get("electricity") or {}).get("certificates") or [] if isinstance(c, dict)}
    certificates = []
    for number, cert in enumerate(form.certificates, start=1):
        if is_blank(cert):
            continue
        cert_id = cert.get("id") or f"GEC-{number}"
        entry = dict(known.get(cert_id) or {})
        entry.update(
            {
                "id": cert_id,
                "type": cert.get("type") or "GEC",
                "quantity": cert.get("quantity") or None,
                "generation_activity_id": cert.get("generation_activity_id") or "",
                "generation_start": cert.get("generation_start") or form.period_start.isoformat(),
                "generation_end": cert.get("generation_end") or form.period_end.isoformat(),
            }
        )
        entry.setdefault("retired_for", form.applicant)
        entry["retired_for"] = entry["retired_for"] or form.applicant
        entry.setdefault("country", "CN" if form.site_region.startswith("CN") else form.site_region)
        certificates.append(entry)
    return certificates


def study_data(form: StudyForm, bom: Bom, pcr_id: str | None = None) -> dict[str, Any]:
    """The study's JSON form (validated by :func:`footprint.study.study_from_data`).

    The form's fields go over the study fields it does not edit (``form.extra``); line facts
    of lines no longer in the BOM are dropped, declared results are left to the calculation.
    """
    extra = {key: value for key, value in form.extra.items() if key not in FORM_STUDY_KEYS}
    leaves = {path for path, _, _ in bom.flat_lines()}
    if isinstance(extra.get("lines"), dict):
        extra["lines"] = {path: facts for path, facts in extra["lines"].items() if path in leaves}
    boundary = dict(extra.get("boundary") or {})
    excluded = {item.get("stage") for item in boundary.get("excluded") or [] if isinstance(item, dict)}
    present = {line.stage.value for _, line, _ in bom.flat_lines() if line.stage is not None}
    stages = [stage for stage in STAGE_ORDER if stage in present or stage in set(boundary.get("stages") or [])]
    form_part: dict[str, Any] = {
        "schema_version": "1",
        "study_id": form.study_id,
        "title": form.product_name or form.product_name_zh or extra.get("title", ""),
        "applicant": {"name": form.applicant},
        "product": {
            "name": form.product_name or form.product_name_zh,
            "name_zh": form.product_name_zh,
            "model": form.product_model,
            "mass_kg_per_unit": form.mass_kg_per_piece if form.declared_unit == "piece" else (extra.get("product") or {}).get("mass_kg_per_unit"),
        },
        "site": {"name": form.site_name, "address": form.site_address, "region": form.site_region},
        "method": {"standard": form.standard, "gwp_set": (extra.get("method") or {}).get("gwp_set") or "AR6"},
        "bom": bom.model_dump(mode="json"),
        "boundary": {"type": boundary.get("type") or "cradle-to-gate", "stages": [s for s in stages if s not in excluded or s in present]},
        "reference_period": {
            "start": form.period_start.isoformat(),
            "end": form.period_end.isoformat(),
            "production_volume": form.production_volume or None,
        },
        "electricity": {
            "method": "market" if form.market_based else "location",
            "grid": form.grid or None,
            "certificates": _certificates(form) if form.market_based else [],
        },
    }
    if form.suppliers:
        form_part["suppliers"] = form.suppliers
    if pcr_id:
        form_part["method"]["pcr_id"] = pcr_id
    return _merge(_merge(extra, form_part), study_part(form, bom, extra, form_part["boundary"]["stages"]))


def build_study(form: StudyForm, bom: Bom, pcr_id: str | None = None):
    """The :class:`footprint.study.Study`, or the problems with it located on the form."""
    from footprint.study import study_from_data

    try:
        return study_from_data(study_data(form, bom, pcr_id)), []
    except InputError as error:
        issues = []
        for issue in error.issues:
            field_name = issue.field or ""
            section = "certificates" if field_name.startswith("electricity.certificates") else "suppliers" if field_name.startswith("suppliers") else "study"
            issues.append(FormIssue(section, None, issue.field, issue.value, issue.message, issue.message_zh))
        return None, issues


def form_from_study(study, catalog: Catalog, base: StudyForm | None = None, rule_set: str | None = None) -> StudyForm:
    """The form for a loaded study (the BOM's lines split into sections, the rest kept)."""
    form = form_with_bom(base or StudyForm(), study.bom, catalog)
    data = form.to_dict()
    extra = study.model_dump(mode="json")
    for key in ("bom", "declared", "suppliers"):
        extra.pop(key, None)
    data.update(
        study_id=study.study_id,
        product_name=study.product.name,
        product_name_zh=study.product.name_zh,
        product_model=study.product.model,
        applicant=study.applicant.name,
        site_name=study.site.name,
        site_address=study.site.address,
        site_region=study.site.region if study.site.region in REGIONS else "CN-GD",
        standard=study.method.standard if study.method.standard in STANDARDS else STANDARDS[0],
        period_start=study.reference_period.start.isoformat(),
        period_end=study.reference_period.end.isoformat(),
        production_volume=study.reference_period.production_volume,
        market_based=study.electricity.method == "market",
        certificates=[
            {
                "id": c.id,
                "type": c.type,
                "quantity": format_number(c.quantity),
                "generation_activity_id": c.generation_activity_id,
                "generation_start": c.generation_start.isoformat(),
                "generation_end": c.generation_end.isoformat(),
            }
            for c in study.electricity.certificates
        ],
        extra=extra,
        suppliers=[entry.model_dump(mode="json") for entry in study.suppliers],
        **details_from_study(study),
    )
    if rule_set:
        data["rule_set"] = rule_set
    if study.electricity.grid:
        data["grid"] = study.electricity.grid
    return StudyForm.from_dict(data)


# ---------------------------------------------------------------------------------- files


def draft_json(form: StudyForm) -> str:
    """The form as a draft file (kept when the entries do not make a valid study yet)."""
    return json.dumps({"format": DRAFT_FORMAT, "version": DRAFT_VERSION, "form": form.to_dict()}, ensure_ascii=False, indent=2)


def load_saved(data: bytes, catalog: Catalog, base: StudyForm | None = None) -> StudyForm:
    """A form from a saved study JSON or a draft; raises InputError with the problems."""
    return form_from_content(read_json(data), catalog, base)


def form_from_content(content: Any, catalog: Catalog, base: StudyForm | None = None) -> StudyForm:
    """A form from the parsed JSON of a study, a BOM or a draft (read by ``read_json``)."""
    if isinstance(content, dict) and content.get("format") == DRAFT_FORMAT:
        try:
            return StudyForm.from_dict(content.get("form") or {})
        except (TypeError, ValueError) as error:
            raise InputError(issues=[RowIssue(f"the draft file is damaged ({error})", "草稿文件已损坏")]) from None
    if isinstance(content, dict) and "applicant" in content:
        from footprint.study import study_from_data

        from .integrations import rule_set_for_pcr

        study = study_from_data(content)
        return form_from_study(study, catalog, base, rule_set_for_pcr(study.method.pcr_id))
    if isinstance(content, dict) and "lines" in content:  # a BOM in its JSON form
        from footprint.bom import bom_from_data

        return form_with_bom(base or StudyForm(), bom_from_data(content), catalog)
    raise InputError(issues=[RowIssue("this JSON is neither a study, a BOM nor a saved draft", "该 JSON 既不是研究文件、物料清单，也不是草稿")])
