"""Mapping the columns of a file not in the BOM layout (webapp.column_mapping)."""

from __future__ import annotations

from footprint.bom_io import read_bom, read_sheet
from webapp.column_mapping import (
    apply_mapping,
    guess_mapping,
    mapped_csv,
    mapping_key,
    needs_mapping,
    suggest_activities,
    unique_fields,
)

ERP = "物料名称,用量,单位,备注\n铝型材,0.3,kg,框架\nPP塑料粒子 注塑,120,g,外壳\n\n瓦楞纸箱,40,g,包装\n".encode()


def test_a_bom_file_needs_no_mapping_and_an_erp_export_does():
    assert not needs_mapping(["id", "activity_id", "amount", "unit", "说明"])
    assert needs_mapping(["物料名称", "用量", "单位", "备注"])
    assert needs_mapping(["id", "名称", "数量", "单位"])  # all known, but no activity id column
    assert needs_mapping(["id", "activity_id", "amount", "unit", "colour"])


def test_guess_uses_bom_spellings_then_header_fragments():
    assert guess_mapping(["物料名称", "用量", "单位", "备注"]) == ["material", "amount", "unit", "description"]
    assert guess_mapping(["Item No.", "Material name", "Qty", "UoM", "Remark"]) == ["ignore", "material", "amount", "unit", "description"]
    assert guess_mapping(["物料编码", "活动编号", "单位质量kg", "运输距离", "阶段", ""]) == ["ignore", "activity_id", "mass_kg_per_unit", "distance_km", "stage", "ignore"]
    # a field taken twice keeps its first column; descriptions may be several
    assert guess_mapping(["名称", "材料", "说明", "备注"]) == ["material", "ignore", "description", "description"]
    assert unique_fields(["amount", "amount", "ignore", "ignore"]) == ["amount", "ignore", "ignore", "ignore"]


def test_the_mapping_key_ignores_width_case_and_spaces():
    assert mapping_key(["物料名称", "Qty "]) == mapping_key(["物料名称", "qty"])
    assert mapping_key(["a", "b"]) != mapping_key(["b", "a"])


def test_apply_keeps_the_name_in_the_description_and_blank_rows():
    rows = apply_mapping([["铝型材", "0.3", "kg", "框架"], ["", "", "", ""], ["螺丝", "2", "piece", ""]], ["material", "amount", "unit", "description"])
    assert rows == [
        {"material": "铝型材", "amount": "0.3", "unit": "kg", "description": "铝型材 · 框架"},
        {},
        {"material": "螺丝", "amount": "2", "unit": "piece", "description": "螺丝"},
    ]


def test_suggestions_from_chinese_and_english_names(gba_dataset):
    rows = apply_mapping([["铝型材"], ["corrugated carton box"], ["xyzzy"], ["铝型材"]], ["material"])
    rows.append({"activity_id": "STEEL-BOF-CN", "material": "钢"})
    found = suggest_activities(gba_dataset, rows)
    assert found[0][0] == "AL-EXTR-GBA"  # the profile first, the processing-only step after it
    assert "PAPER-CORR-CN" in found[1]  # whole name not found: word by word
    assert found[2] == [] and found[3] == found[0] and found[4] == []
    assert all(len(ids) <= 3 for ids in found)


def test_mapped_csv_reads_as_a_bom_with_accepted_activities(gba_dataset):
    sheet = read_sheet(ERP, "erp.csv")
    assert sheet.headers == ["物料名称", "用量", "单位", "备注"] and len(sheet.rows) == 4
    rows = apply_mapping(sheet.rows, guess_mapping(sheet.headers))
    data = mapped_csv(sheet, rows, {0: "AL-EXTR-GBA", 1: "PP-PART-GBA", 3: "PAPER-CORR-CN"})
    bom = read_bom(data, "erp.csv", header={"product": "P", "declared_unit": "1 kg"})
    assert [(l.id, l.activity_id, l.amount, l.unit, l.description) for l in bom.lines] == [
        ("M1", "AL-EXTR-GBA", 0.3, "kg", "铝型材 · 框架"),
        ("M2", "PP-PART-GBA", 120, "g", "PP塑料粒子 注塑 · 外壳"),
        ("M3", "PAPER-CORR-CN", 40, "g", "瓦楞纸箱 · 包装"),
    ]


def test_mapped_csv_keeps_header_keys_guards_formulas_and_the_mass_column():
    sheet = read_sheet(b"# product: Lamp\nname,qty,unit,kg per unit\n=cmd,1,kWh,6\n", "x.csv")
    rows = apply_mapping(sheet.rows, guess_mapping(sheet.headers))
    text = mapped_csv(sheet, rows, {0: "BATT-CELL-LFP"}).decode()
    assert text.startswith("# product: Lamp\n")
    assert "'=cmd" in text  # written guarded, read back as typed
    line = text.splitlines()[-1].split(",")
    assert line[8] == "6" and line[7] == ""  # kWh: the kg per unit is mass_kg_per_unit


def test_a_material_name_suggests_the_part_before_a_processing_only_step(gba_dataset):
    """铝型材 (aluminium profile) and 注塑件 (moulded part) match processing steps' names too; a BOM
    row is a part or material, so those come first (a processing step as the line's activity
    would drop the material and break the mass balance)."""
    found = suggest_activities(gba_dataset, apply_mapping([["铝型材"], ["注塑件"]], ["material"]))
    assert [ids[0] for ids in found] == ["AL-EXTR-GBA", "PP-PART-GBA"]
    assert all(gba_dataset.activity(ids[0]).default_stage != "manufacturing_energy" for ids in found)
