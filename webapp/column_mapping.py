"""Columns of a file that is not in the BOM layout (an ERP export such as
``物料名称,用量,单位,备注``) matched to BOM fields, and activities suggested from material names.

Why: an ERP export has no activity ids and names its columns its own way; read as a BOM it
would lose its material names. The user maps each column to a field (pre-filled with
:func:`guess_mapping`), each row without an activity id gets activities suggested from its
name (:func:`suggest_activities`, by :func:`footprint.activity_suggestions.suggest`), and the
mapped rows become an ordinary BOM table (:func:`mapped_csv`) read by the same reader as any
upload. No Streamlit here.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence

from footprint.activity_suggestions import MAX_SUGGESTED, suggest

PARTS = frozenset({"raw_materials", "purchased_parts", "packaging"})  # what a BOM row's material name usually is
from footprint.bom_io import Sheet, column_of_header, header_value
from footprint.exchange.safe import neutralise

from .state import bom_row

# The BOM fields a column can be; "material" is the material name (kept in the description and
# used to suggest activities), "mass_kg_per_unit" the grid's "kg per unit".
FIELDS = ("activity_id", "material", "amount", "unit", "stage", "data_type", "mass_kg_per_unit", "distance_km", "description", "id", "parent", "ignore")
REPEATABLE = frozenset({"description", "ignore"})  # every other field is taken by one column at most
NAME_SEPARATOR = " · "
TEXT_COLUMNS = frozenset({"id", "parent", "activity_id", "description"})  # guarded against formulas when written  # material name and remarks joined in the description

# What bom_io's own spellings mean here (gsd / pedigree are not offered: ignored).
_FIELD_OF_COLUMN = {
    "id": "id",
    "parent": "parent",
    "activity_id": "activity_id",
    "amount": "amount",
    "unit": "unit",
    "stage": "stage",
    "data_type": "data_type",
    "mass_kg_per_piece": "mass_kg_per_unit",
    "mass_kg_per_unit": "mass_kg_per_unit",
    "distance_km": "distance_km",
    "description": "description",
    "name": "material",
}
# Fragments of other headers, first match wins (so "单位质量" is a mass before "单位" is a unit,
# and "物料编码" is an ERP code, not a material name).
_HINTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("activity_id", ("activity", "活动", "排放因子")),
    ("ignore", ("编码", "代码", "料号", "序号", "code", "partno", "itemno", "sku")),
    ("mass_kg_per_unit", ("单重", "单件重", "单位质量", "单位重量", "kgper", "unitweight", "unitmass")),
    ("distance_km", ("距离", "distance", "km")),
    ("amount", ("用量", "数量", "耗用", "消耗", "重量", "净重", "qty", "quantity", "amount", "weight", "usage")),
    ("unit", ("单位", "unit", "uom")),
    ("stage", ("阶段", "stage")),
    ("data_type", ("数据类型", "datatype")),
    ("description", ("备注", "说明", "描述", "规格", "remark", "note", "comment", "description", "spec")),
    ("material", ("名称", "品名", "物料", "材料", "零件", "部件", "material", "name", "item", "part", "component")),
)


def _fold(text: str) -> str:
    return re.sub(r"[\s_\-()（）\[\]【】]+", "", unicodedata.normalize("NFKC", text)).casefold()


def needs_mapping(headers: Sequence[str]) -> bool:
    """Whether the file is not in the BOM layout: a header bom_io does not know, or no activity
    id column (a BOM file names every column in one of bom_io's spellings)."""
    named = [h for h in headers if h.strip()]
    columns = [column_of_header(h) for h in named]
    return None in columns or "activity_id" not in columns


def mapping_key(headers: Sequence[str]) -> str:
    """The key under which a mapping is remembered for files with these headers."""
    return "\x1f".join(_fold(h) for h in headers)


def guess_mapping(headers: Sequence[str]) -> list[str]:
    """One field per column, best guess: bom_io's spellings first, then header fragments."""
    guessed: list[str] = []
    for header in headers:
        column = column_of_header(header) if header.strip() else None
        field = _FIELD_OF_COLUMN.get(column or "", "ignore") if column else None
        if field is None:
            folded = _fold(header)
            field = next((name for name, fragments in _HINTS if folded and any(f in folded for f in fragments)), "ignore")
        guessed.append(field)
    return unique_fields(guessed)


def unique_fields(mapping: Sequence[str]) -> list[str]:
    """The mapping with a field taken twice kept on its first column only (the others ignored)."""
    seen: set[str] = set()
    result = []
    for field in mapping:
        if field in seen and field not in REPEATABLE:
            field = "ignore"
        seen.add(field)
        result.append(field)
    return result


def apply_mapping(rows: Sequence[Sequence[str]], mapping: Sequence[str]) -> list[dict[str, str]]:
    """Each row as BOM fields (plus ``material``): cells of several description columns, and the
    material name before them, joined in ``description``. Blank rows stay (as empty dicts)."""
    mapping = unique_fields(mapping)
    result = []
    for cells in rows:
        row: dict[str, str] = {}
        notes: list[str] = []
        for index, field in enumerate(mapping):
            value = cells[index].strip() if index < len(cells) and cells[index] is not None else ""
            if field == "ignore" or not value:
                continue
            if field == "description":
                notes.append(value)
            else:
                row[field] = value
        parts = [row["material"]] if row.get("material") else []
        if parts or notes:
            row["description"] = NAME_SEPARATOR.join(parts + notes)
        result.append(row)
    return result


_SCRIPTS = re.compile(r"[A-Za-z][A-Za-z0-9.]*|[\u3400-\u9fff]+")


def _name_queries(name: str) -> list[str]:
    """The name, its words ("PP塑料粒子 注塑" → "PP", "塑料粒子", "注塑"), then ever shorter
    beginnings of its Chinese words ("瓦楞纸箱" → "瓦楞纸", "瓦楞"), then a Chinese word's
    characters anywhere in a name ("铝 型 材" finds 铝挤压型材)."""
    words = [w for w in _SCRIPTS.findall(name) if len(w) >= 2]
    queries = [name, *words]
    for word in words:
        if "\u3400" <= word[0] <= "\u9fff":
            queries.extend(word[:length] for length in range(len(word) - 1, 1, -1))
            queries.append(" ".join(word))
    return list(dict.fromkeys(queries))


def suggest_activities(dataset, rows: Sequence[dict[str, str]], limit: int = 3) -> list[list[str]]:
    """Activity ids suggested for each row without an activity id, from its material name (else its
    description), best first; [] for the other rows. A name is tried whole, then word by word
    ("铝型材 6063", "corrugated carton box", see :func:`_name_queries`). Each distinct name is looked up once and only the
    first :data:`~footprint.activity_suggestions.MAX_SUGGESTED` distinct names are, so a long
    file costs a bounded amount of work."""
    found: dict[str, list[str]] = {}
    result: list[list[str]] = []
    for row in rows:
        name = (row.get("material") or row.get("description") or "").strip()
        if row.get("activity_id") or not name:
            result.append([])
            continue
        if name not in found:
            ids: list[str] = []
            if len(found) < MAX_SUGGESTED:
                for query in _name_queries(name):
                    ids.extend(i for i in suggest(dataset, query, limit, prefer=PARTS) if i not in ids)
                    if len(ids) >= limit:
                        break
                # a part or material before a processing-only step found by an earlier, longer query
                ids.sort(key=lambda i: dataset.activity(i).default_stage not in PARTS)
            found[name] = ids[:limit]
        result.append(found[name])
    return result


def mapped_csv(sheet: Sheet, rows: Sequence[dict[str, str]], activities: dict[int, str]) -> bytes:
    """The mapped rows as a BOM CSV (the sheet's header keys kept, blank rows kept so row numbers
    stay the file's), with ``activities`` (row index → accepted activity id) filled in and ids
    given to rows without one (M1, M2… not used by the file)."""
    used = {row["id"] for row in rows if row.get("id")}
    counter = 0
    buffer = io.StringIO(newline="")
    for key, value in sheet.header.items():
        buffer.write(f"# {key}: {header_value(str(value))}\n")
    columns = ("id", "parent", "activity_id", "amount", "unit", "stage", "data_type", "mass_kg_per_piece", "mass_kg_per_unit", "distance_km", "description")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for index, mapped in enumerate(rows):
        if not mapped:
            writer.writerow([""] * len(columns))
            continue
        row = {**mapped}
        if not row.get("activity_id") and activities.get(index):
            row["activity_id"] = activities[index]
        if not row.get("id"):
            while True:
                counter += 1
                if f"M{counter}" not in used:
                    break
            row["id"] = f"M{counter}"
        if "mass_kg_per_unit" in row:
            row["mass_kg_per_piece"] = row.pop("mass_kg_per_unit")
        row = bom_row({k: v for k, v in row.items() if k != "material"})
        writer.writerow([neutralise(row.get(c, "")) if c in TEXT_COLUMNS else row.get(c, "") for c in columns])
    return buffer.getvalue().encode("utf-8")
