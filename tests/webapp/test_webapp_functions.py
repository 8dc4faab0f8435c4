"""The web form's pure functions: catalogue search, form → BOM rows and back, problem location,
editor state, uploads, downloads, charts. No Streamlit session needed."""

from __future__ import annotations

import io
import json

import pytest

from footprint.bom import bom_from_data
from footprint.bom_io import read_bom
from footprint.errors import InputError
from webapp import integrations

from ..study_fixtures import cff_battery_study_data, study_dataset, study_engine  # noqa: F401
from webapp.downloads import safe_filename, study_json, template_csv, template_xlsx
from webapp.state import (
    StudyForm,
    apply_editor_state,
    build_bom,
    compose,
    draft_json,
    form_with_bom,
    load_saved,
)
from webapp.texts import Texts
from webapp.uploads import read_upload




def test_search_by_chinese_english_traditional_and_id(catalog):
    assert "AL-EXTR-GBA" in catalog.search("铝挤压")
    assert "AL-EXTR-GBA" in catalog.search("aluminium EXTRUDED")
    assert "AL-EXTR-GBA" in catalog.search("鋁擠壓")  # Traditional characters
    assert catalog.search("al-extr-gba") == ["AL-EXTR-GBA"]
    assert set(catalog.search("货车", "transport")) >= {"FRT-TRK-HEAVY-DIESEL-CN", "FRT-TRK-MED-DIESEL-CN"}
    assert catalog.search("nothing like this") == []
    assert all(catalog.section_of(code) == "emissions" for code in catalog.ids_for("emissions"))


def test_grids_in_gba_order_and_names_in_both_languages(catalog):
    assert catalog.grid_ids[:5] == ["ELEC-SZ-2023-LCA", "ELEC-GD-2023-LCA", "ELEC-HK-CLP-2024-LCA", "ELEC-HK-HKE-2024-LCA", "ELEC-MO-2023-LCA"]
    assert catalog.name("ELEC-HK-CLP-2024-LCA", "zh-Hans").startswith("电力，中华电力")
    assert catalog.name("ELEC-HK-CLP-2024-LCA", "zh-Hant").startswith("電力，中華電力")
    assert catalog.other_name("PP-GBA", "en").startswith("聚丙烯")
    label = catalog.picker_label("PP-GBA", "zh-Hans")
    assert "聚丙烯" in label and "Polypropylene" in label and "kg CO2e/kg" in label


def test_picker_names_the_piece_unit_in_the_interface_language(catalog):
    assert "kg CO2e/件)" in catalog.picker_label("IC-PACKAGE", "zh-Hans")
    assert "kg CO2e/件)" in catalog.picker_label("IC-PACKAGE", "zh-Hant")
    assert "kg CO2e/piece)" in catalog.picker_label("IC-PACKAGE", "en")


def test_compose_fills_ids_and_keeps_where_rows_came_from():
    form = StudyForm(
        product_name="P",
        mass_kg_per_piece=1.0,
        electricity_amount=2.0,
        rows={
            "materials": [{"id": "", "activity_id": "PP-GBA", "amount": "1", "unit": "kg", "stage": "raw_materials"}, {}],
            "energy": [{"activity_id": "FUEL-NG-COMB-CN", "amount": "0.1", "unit": "m3"}],
            "emissions": [],
            "transport": [{"id": "T-SEA", "activity_id": "FRT-SEA-CONT-CN", "amount": "1", "unit": "kg", "distance_km": "900"}],
        },
    )
    composition = compose(form)
    assert [row["id"] for row in composition.rows] == ["M1", "ELEC", "F1", "T-SEA"]
    assert composition.origin == [("materials", 0), ("electricity", 0), ("energy", 0), ("transport", 0)]
    assert composition.rows[2]["stage"] == "manufacturing_energy"
    assert composition.rows[3]["stage"] == "inbound_transport"


def test_problems_are_located_on_the_form(engine):
    form = StudyForm(
        product_name="P",
        mass_kg_per_piece=1.0,
        rows={
            "materials": [{"activity_id": "PP-GBA", "amount": "abc", "unit": "kg", "stage": "raw_materials"}],
            "energy": [],
            "emissions": [{"activity_id": "DE-SF6", "amount": "0.001", "unit": "kWh"}],
            "transport": [{"activity_id": "FRT-RAIL-CN", "amount": "1", "unit": "kg"}],
        },
    )
    bom, _, issues = build_bom(form, engine.dataset)
    assert bom is None
    assert [(i.section, i.row, i.field) for i in issues] == [("materials", 0, "amount")]
    assert issues[0].value == "abc" and issues[0].message_zh
    form.rows["materials"][0]["amount"] = "1"
    bom, _, issues = build_bom(form, engine.dataset)  # now the dataset checks run: unit mismatches
    located = {(i.section, i.row, i.field) for i in issues}
    assert ("emissions", 0, "unit") in located  # kWh for a kg emission
    assert ("transport", 0, "unit") in located  # kg without a distance for a tkm activity


def test_editor_state_is_applied_like_streamlit_does():
    base = [{"a": "1"}, {"a": "2"}, {"a": "3"}]
    rows = apply_editor_state(base, {"edited_rows": {"1": {"a": 20.0}}, "added_rows": [{"a": None}, {"a": 5}], "deleted_rows": [0]}, ("a",))
    assert rows == [{"a": "20"}, {"a": "3"}, {"a": ""}, {"a": "5"}]
    assert base[1] == {"a": "2"}  # the base is not changed


def test_bom_round_trips_through_the_form(catalog):
    bom = read_bom(__import__("webapp.main", fromlist=["EXAMPLE_BOM"]).EXAMPLE_BOM)
    form = form_with_bom(StudyForm(), bom, catalog)
    assert form.electricity_amount == pytest.approx(0.08)
    again, _, issues = build_bom(form)
    assert issues == []
    assert sorted(path for path, _, _ in again.flat_lines()) == sorted(path for path, _, _ in bom.flat_lines())
    assert {p: (l.activity_id, l.amount, l.unit, l.stage) for p, l, _ in again.flat_lines()} == {
        p: (l.activity_id, l.amount, l.unit, l.stage) for p, l, _ in bom.flat_lines()
    }


def test_kg_per_unit_gives_lines_in_kwh_or_m2_a_mass(catalog):
    """One grid column, "kg per unit": a piece line keeps mass_kg_per_piece, a kWh or m2 line gets
    mass_kg_per_unit, and a BOM read back shows both in that column."""
    rows = [
        {"id": "CELLS", "activity_id": "LIB-CELL-LFP-CN", "amount": "5.12", "unit": "kWh", "mass_kg_per_piece": "6.25", "stage": "purchased_parts"},
        {"id": "GLASS", "activity_id": "GLASS-FLAT-CN", "amount": "2", "unit": "m2", "mass_kg_per_piece": "15", "stage": "raw_materials"},
        {"id": "BMS", "activity_id": "PCBA-AVG", "amount": "1", "unit": "piece", "mass_kg_per_piece": "0.38", "stage": "purchased_parts"},
    ]
    form = StudyForm(product_name="pack", declared_unit="piece", mass_kg_per_piece=48.0, rows={"materials": rows})
    bom, _, issues = build_bom(form)
    assert issues == []
    lines = {line.id: line for _, line, _ in bom.flat_lines()}
    assert (lines["CELLS"].mass_kg_per_unit, lines["CELLS"].mass_kg_per_piece) == (6.25, None)
    assert lines["GLASS"].mass_kg_per_unit == 15.0
    assert (lines["BMS"].mass_kg_per_piece, lines["BMS"].mass_kg_per_unit) == (0.38, None)
    back = form_with_bom(StudyForm(), bom, catalog)
    assert [row["mass_kg_per_piece"] for row in back.rows["materials"]] == ["6.25", "15", "0.38"]


def test_draft_keeps_unfinished_entries(catalog):
    form = StudyForm(product_name="Half done", rows={"materials": [{"activity_id": "PP-GBA", "amount": "-1"}], "energy": [], "emissions": [], "transport": []})
    data, kind = study_json(form, None)
    assert kind == "draft"
    loaded = load_saved(data, catalog)
    assert loaded.product_name == "Half done"
    assert loaded.rows["materials"][0]["amount"] == "-1"
    assert json.loads(draft_json(loaded)) == json.loads(draft_json(StudyForm.from_dict(json.loads(data)["form"])))


def test_template_downloads_read_back_as_the_same_bom():
    from_csv = read_bom(template_csv(), "bom-template.csv")
    from_xlsx = read_bom(template_xlsx(), "bom-template.xlsx")
    assert from_csv.model_dump() == from_xlsx.model_dump()
    assert [line.id for line in from_csv.lines] == ["AL", "PP", "ELEC", "BOX", "TRUCK"]


def test_upload_in_gb18030_with_chinese_headers(catalog):
    text = "# 产品: 支架\n# 声明单位: 1 件\n# 单件质量kg: 0.4\n编号,活动编号,数量,单位,阶段\nA,AL-EXTR-GBA,0.3,千克,原材料\nB,FRT-RAIL-CN,0.3,吨公里,运输\n"
    result = read_upload(text.encode("gb18030"), "bom.csv", StudyForm(), catalog)
    assert result.issues == []
    assert result.form.product_name == "支架"
    assert [r["activity_id"] for r in result.form.rows["materials"]] == ["AL-EXTR-GBA"]
    assert [r["activity_id"] for r in result.form.rows["transport"]] == ["FRT-RAIL-CN"]


def test_upload_without_header_keys_takes_the_product_from_the_form(catalog):
    text = b"id,activity_id,amount,unit,stage\nA,AL-EXTR-GBA,0.3,kg,raw_materials\n"
    form = StudyForm(product_name="From the form", mass_kg_per_piece=0.3)
    result = read_upload(text, "bom.csv", form, catalog)
    assert result.issues == []
    assert result.form.product_name == "From the form"
    assert result.form.rows["materials"][0]["id"] == "A"


def test_unreadable_upload_is_refused_with_a_reason(catalog):
    result = read_upload(b"PK\x03\x04 not really a workbook", "bom.xlsx", StudyForm(), catalog)
    assert result.form is None
    assert result.issues and "xlsx" in result.issues[0].message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"lines": [{"amount": ' + "9" * 5_000 + "}]}", "5000 characters long"),
        ("[" * 100_000, "nested more than 64 levels"),
        ('{"product": "\\ud800", "lines": []}', "unpaired UTF-16 surrogate"),
        ('{"product": "a", "product": "b", "lines": []}', "'product' appears twice"),
    ],
    ids=["5000 digits", "100k nesting", "lone surrogate", "key twice"],
)
def test_hostile_json_uploads_are_refused_with_a_message(catalog, text, message):
    result = read_upload(text.encode(), "bom.json", StudyForm(), catalog)
    assert result.form is None and message in result.issues[0].message
    with pytest.raises(InputError, match=message):
        load_saved(text.encode(), catalog)


def test_downloads_of_an_outcome_carry_the_engine_numbers(engine, catalog):
    """Results workbook, PDF and PACT come from footprint.exchange / footprint.reports, fed with
    the outcome the screen shows (no second computation of our own)."""
    import openpyxl

    from webapp.compute import calculate
    from webapp.main import example_form

    form = example_form(catalog)
    outcome = calculate(form, engine)
    assert outcome.ok and outcome.study is not None
    book = openpyxl.load_workbook(io.BytesIO(integrations.results_xlsx(outcome, engine, form.rule_set)))
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True)}
    assert summary["碳足迹 Footprint (kg CO2e / declared unit)"] == pytest.approx(outcome.result.total_kgco2e, rel=1e-14)
    assert "Findings" in book.sheetnames
    pact = json.loads(integrations.pact_json(outcome, engine, form, form.rule_set))
    assert float(pact["pcf"]["pcfExcludingBiogenicUptake"]) == pytest.approx(outcome.result.total_kgco2e, rel=1e-9)
    pdf = integrations.report_pdf(outcome, engine, "zh-Hans", form.rule_set)
    assert pdf.startswith(b"%PDF")
    assert outcome.report_input is not None  # prepared once, shared by the three downloads


def test_line_table_shows_amounts_as_entered_and_per_declared_unit(engine, catalog):
    """The example lamp's driver board is entered as 11 g per driver (DRV, 1 piece per lamp):
    0.011 kg per lamp is what its kg CO2e is for. A line at the top is entered per lamp."""
    from webapp.compute import calculate
    from webapp.main import example_form
    from webapp.results_view import lines_table

    outcome = calculate(example_form(catalog), engine, uncertainty=False)
    for language, entered, per_unit in (("en", "Amount", "Per declared unit"), ("zh-Hans", "数量", "每声明单位")):
        table = lines_table(outcome, catalog, Texts(language)).set_index("Line" if language == "en" else "清单行")
        board = table.loc["DRV/DRV-PCBA"]
        assert board[entered] == ("11 g · per DRV" if language == "en" else "11 g · 每 DRV") and board[per_unit] == "0.011 kg"
    top = next(line for line in outcome.result.lines if not line.parent)
    row = lines_table(outcome, catalog, Texts("en")).set_index("Line").loc[top.path]
    assert "per" not in row["Amount"] and row["Amount"].split()[1] == top.unit


def test_template_xlsx_with_the_dataset_activity_list(engine):
    data = template_xlsx(engine)
    assert [line.id for line in read_bom(data, "template.xlsx").lines] == ["AL", "PP", "ELEC", "BOX", "TRUCK"]


def test_charts_show_the_result(engine):
    from webapp import charts

    bom = bom_from_data(
        {
            "product": "X",
            "declared_unit": "1 kg",
            "lines": [
                {"id": "A", "activity_id": "AL-EXTR-GBA", "amount": 1, "unit": "kg", "stage": "raw_materials"},
                {"id": "S", "lines": [{"id": "B", "activity_id": "PP-PART-GBA", "amount": 0.2, "unit": "kg"}], "amount": 2, "unit": "piece", "stage": "purchased_parts"},
            ],
        }
    )
    result = engine.calculate(bom)
    t = Texts("en")
    bars = charts.stage_bars(result, t.stage, t)
    assert bars.index("Raw materials") < bars.index("Purchased parts")  # largest on top
    waterfall = charts.stage_waterfall(result, t.stage, t)
    assert waterfall.data[0].y[-1] == result.total_kgco2e
    sankey = charts.supply_chain_sankey(result, t.stage, lambda line: line.activity_id, t)
    labels = list(sankey.data[0].node.label)
    assert "S" in labels  # the sub-assembly is a node between its line and the stage
    product = labels.index(next(label for label in labels if label.startswith("Product")))
    into_product = sum(v for target, v in zip(sankey.data[0].link.target, sankey.data[0].link.value) if target == product)
    assert into_product == pytest.approx(result.total_kgco2e)
    treemap = charts.line_treemap(result, t.stage, lambda line: line.activity_id, t)
    assert sum(treemap.data[0].values) == pytest.approx(result.total_kgco2e)


def test_stage_bars_are_drawn_from_zero_with_their_values_and_shares():
    """By hand: stages 3, 0.5 and -1 kg (total 2.5) on a scale from -1 to 3 (span 4): zero at
    25 %; the 3 kg bar starts there and is 75 % wide, the -1 kg bar ends there (0 %, 25 % wide);
    shares 120 %, 20 %, -40 %; names and the tooltip text escaped."""
    from types import SimpleNamespace

    from webapp import charts

    result = SimpleNamespace(by_stage={"raw_materials": 3.0, "packaging": 0.5, "end_of_life": -1.0}, total_kgco2e=2.5)
    names = {"raw_materials": "Raw <materials>", "packaging": "Packaging", "end_of_life": "End of life"}
    html = charts.stage_bars(result, names.get, Texts("en"))
    rows = html.split('<div title="')[1:]
    assert [row.split(":")[0] for row in rows] == ["Raw &lt;materials&gt;", "Packaging", "End of life"]
    assert "left:25.000%;width:75.000%" in rows[0] and "left:25.000%;width:12.500%" in rows[1] and "left:0.000%;width:25.000%" in rows[2]
    assert all("border-left:1px solid #999" in row for row in rows)  # the zero line, as a stage is negative
    assert [row.count(share) for row, share in zip(rows, (">120.0%<", ">20.0%<", ">-40.0%<"))] == [1, 1, 1]
    assert ">3<" in rows[0] and ">-1<" in rows[2]  # kg CO2e, 4 significant figures
    positive = charts.stage_bars(SimpleNamespace(by_stage={"packaging": 0.5}, total_kgco2e=0.5), names.get, Texts("en"))
    assert "border-left" not in positive and "left:0.000%;width:100.000%" in positive


def test_safe_filename():
    assert safe_filename("LED 灯 A60/9W") == "LED-灯-A60-9W"
    assert safe_filename("../..") == "study"


def test_escape_markdown_shows_user_text_literally():
    from webapp.texts import Texts, escape_markdown

    assert escape_markdown("[a](http://e.x) ![i](u) *b* `c` <d>") == r"\[a\]\(http\://e\.x\) \!\[i\]\(u\) \*b\* \`c\` \<d\>"
    assert escape_markdown(12) == "12"
    lines = Texts("en").capped([f"- {n}" for n in range(25)])
    assert lines[-1] == "… and 5 more" and len(lines) == 21



def test_opening_a_study_loses_no_line_field_the_grids_do_not_show(catalog, engine):
    """A study's gsd, pedigree, name and CFF values (no grid columns) come back in the BOM the
    form builds, so a study opened and calculated in the form is the study that was opened."""
    import json
    from pathlib import Path

    from footprint.study import study_from_data
    from webapp.state import build_bom, form_from_content

    data = json.loads((Path(__file__).resolve().parents[2] / "examples" / "led-lamp-study.json").read_text(encoding="utf-8"))
    data["method"]["recycling_approach"] = "CFF"
    data.pop("declared", None)
    leaves = [line for line in data["bom"]["lines"] if line.get("activity_id")]
    leaves[0].update(gsd=1.3, pedigree=[1, 2, 1, 1, 3], name="heat sink as named by us", cff={"R1": 0.4})
    study = study_from_data(data)
    form = form_from_content(data, catalog)
    bom, _, issues = build_bom(form, engine.dataset)
    assert not issues
    fields = ("gsd", "pedigree", "name", "cff")
    rebuilt = {line.id: tuple(getattr(line, f) for f in fields) for _, line, _ in bom.iter_lines()}
    for _, line, _ in study.bom.iter_lines():
        assert rebuilt[line.id] == tuple(getattr(line, f) for f in fields), line.id
    assert rebuilt[leaves[0]["id"]][0] == 1.3


def test_charts_fold_cff_rows_into_their_lines_and_tables_name_them(study_engine):
    """A CFF credit is drawn as part of the line it corrects (not dropped, not a sub-assembly)."""
    from footprint.study import study_from_data
    from footprint.study_compute import recompute
    from webapp import charts
    from webapp.catalog import Catalog

    result = recompute(study_from_data(cff_battery_study_data()), study_engine).location
    rows = [line for line in result.lines if line.cff]
    assert rows and any(line.kgco2e < 0 for line in rows)
    net = charts.net_lines(result)
    assert not any(line.cff for line in net) and len(net) == len(result.lines) - len(rows)
    assert sum(line.kgco2e for line in net) == pytest.approx(result.total_kgco2e, rel=1e-12)
    t = Texts("en")
    sankey = charts.supply_chain_sankey(result, t.stage, lambda line: line.activity_id, t)
    labels = list(sankey.data[0].node.label)
    assert not {row.cff["line"] for row in rows} & set(labels)  # no line drawn as a sub-assembly
    product = labels.index(next(label for label in labels if label.startswith("Product")))
    into_product = sum(v for target, v in zip(sankey.data[0].link.target, sankey.data[0].link.value) if target == product)
    assert into_product == pytest.approx(sum(line.kgco2e for line in net if line.kgco2e > 0))
    treemap = charts.line_treemap(result, t.stage, lambda line: line.activity_id, t)
    drawn = [line for line in net if line.kgco2e > 0 and result.by_stage[line.stage] > 0]  # a stage below zero (a recycling credit) has no area
    assert sum(treemap.data[0].values) == pytest.approx(sum(line.kgco2e for line in drawn))
    catalog = Catalog(study_engine)
    assert catalog.line_names(rows[0], "en")[0] == rows[0].activity_name and "CFF" not in catalog.line_names(net[0], "en")[0]


def test_the_warmed_up_heap_is_left_out_of_later_collections():
    """After freeze_heap, what exists is in the permanent generation: a full collection (run by
    Streamlit after every script run) no longer walks it."""
    import gc

    from webapp.warmup import freeze_heap

    gc.collect()
    tracked = len(gc.get_objects())  # what a full collection walks
    try:
        freeze_heap()
        assert gc.get_freeze_count() >= 0.9 * tracked  # moved to the permanent generation
        assert len(gc.get_objects()) < 0.1 * tracked  # no longer walked
    finally:
        gc.unfreeze()
