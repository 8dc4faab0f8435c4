"""Several products and variants per session (webapp.workspace, webapp.comparison, the sidebar
and the compare page): switching keeps each form, the workspace file round-trips and refuses
hostile files, and every compared number is the engine's."""

from __future__ import annotations

import json

import pytest

from footprint.errors import InputError
from webapp import session, workspace
from webapp.comparison import compare_variants, line_differences, stage_rows
from webapp.state import StudyForm

from .helpers import new_app, texts

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")




@pytest.fixture(scope="module")
def lamp(catalog):
    from webapp.main import example_form

    return example_form(catalog)


def _variant_b(form: StudyForm) -> StudyForm:
    data = form.to_dict()
    data["rows"]["materials"] = [{**row, "amount": str(float(row["amount"]) * 2)} if row["id"] == "BOX" else row for row in data["rows"]["materials"]]
    return StudyForm.from_dict(data)


def test_add_duplicate_rename_switch_delete_with_a_plain_state(lamp):
    state: dict = {}
    session.push_form(state, lamp)
    workspace.ensure(state, "Lamp")
    assert workspace.duplicate(state, "Lamp B")
    assert [v.name for v in workspace.variants(state)] == ["Lamp", "Lamp B"] and workspace.current(state) == 1
    assert session.read_form(state).study_id != lamp.study_id  # a variant is its own study
    state[session.field_key("product_name")] = "edited B"
    workspace.switch(state, 0)
    assert session.read_form(state).product_name == lamp.product_name
    workspace.switch(state, 1)
    assert session.read_form(state).product_name == "edited B"  # kept while A was shown
    workspace.rename(state, 1, "  Lamp\n  B2 " + "x" * 200)
    assert workspace.variants(state)[1].name.startswith("Lamp B2") and len(workspace.variants(state)[1].name) == workspace.MAX_NAME_CHARS
    workspace.add(state, StudyForm(), "Blank")
    assert session.read_form(state).product_name == "" and workspace.current(state) == 2
    workspace.delete(state, 2)
    assert workspace.current(state) == 1 and session.read_form(state).product_name == "edited B"
    workspace.delete(state, 0)
    workspace.delete(state, 0)  # never the last one
    assert [v.name for v in workspace.variants(state)] == [workspace.variants(state)[0].name] and workspace.current(state) == 0
    assert session.read_form(state).product_name == "edited B"


def test_each_variant_keeps_its_own_results(lamp, engine):
    """Switching back shows that variant's last results, not none and not the other's."""
    from webapp.compute import calculate, fingerprint

    state: dict = {}
    session.push_form(state, lamp)
    workspace.ensure(state, "A")
    state["outcome"] = result_a = calculate(lamp, engine, uncertainty=False)
    assert workspace.duplicate(state, "B")
    assert "outcome" not in state  # B has not been calculated
    state["outcome"] = result_b = calculate(_variant_b(session.read_form(state)), engine, uncertainty=False)
    workspace.switch(state, 0)
    assert state["outcome"] is result_a and result_a.fingerprint == fingerprint(session.read_form(state))
    workspace.switch(state, 1)
    assert state["outcome"] is result_b and result_b.result.total_kgco2e > result_a.result.total_kgco2e
    workspace.delete(state, 1)
    assert state["outcome"] is result_a


def test_workspace_file_round_trip(lamp, engine, catalog):
    items = [workspace.Variant("Lamp", lamp), workspace.Variant("Draft", StudyForm(product_name="half done"))]
    data = workspace.workspace_json(items, engine.dataset)
    document = json.loads(data)
    assert document["format"] == workspace.WORKSPACE_FORMAT
    assert "applicant" in document["variants"][0]["study"]  # a study
    assert document["variants"][1]["study"]["format"] == "gba-footprint-app-draft"  # not a study yet: a draft
    loaded = workspace.load_workspace(data, catalog)
    assert [v.name for v in loaded] == ["Lamp", "Draft"]
    assert loaded[0].form.rows == lamp.rows and loaded[0].form.study_id == lamp.study_id
    assert loaded[1].form.product_name == "half done"


@pytest.mark.parametrize(
    "data, says",
    [
        (b'{"format":"gba-footprint-workspace","format":"x","version":1,"variants":[]}', "twice"),
        (b'{"format":"gba-footprint-workspace","version":1,"variants":' + b"[" * 500 + b"]" * 500 + b"}", "deep"),
        (b'{"applicant":{}}', "not a workspace"),
        (b'{"format":"gba-footprint-workspace","version":2,"variants":[]}', "version"),
        (b'{"format":"gba-footprint-workspace","version":1,"variants":[]}', "no variants"),
        (b'{"format":"gba-footprint-workspace","version":1,"variants":[1]}', "variants[1]"),
        (b'{"format":"gba-footprint-workspace","version":1,"variants":[{"name":"a","study":{"x":1}}]}', "neither"),
        (json.dumps({"format": "gba-footprint-workspace", "version": 1, "variants": [{"name": "a", "study": {}}] * 21}).encode(), "at most"),
    ],
)
def test_hostile_workspace_files_are_refused(catalog, data, says):
    with pytest.raises(InputError) as caught:
        workspace.load_workspace(data, catalog)
    assert says in " ".join(i.message for i in caught.value.issues) + str(caught.value)


def test_comparison_is_the_engines(lamp, engine):
    from footprint.montecarlo import compare
    from webapp.state import build_bom

    b = _variant_b(lamp)
    comparison = compare_variants([workspace.Variant("A", lamp), workspace.Variant("B", b)], engine, iterations=200)
    a_result, b_result = (v.result for v in comparison.variants)
    rows = {stage: (values, differences) for stage, values, differences in stage_rows(comparison)}
    assert rows["packaging"][1][0] == pytest.approx(b_result.by_stage["packaging"] - a_result.by_stage["packaging"])
    assert rows["packaging"][1][0] > 0 and rows["raw_materials"][1][0] == 0
    lines = line_differences(a_result, b_result)
    assert lines[0].path == "BOX" and lines[0].difference == pytest.approx(lines[0].a)  # twice the carton
    assert sum(line.difference for line in lines) == pytest.approx(b_result.total_kgco2e - a_result.total_kgco2e)
    # the interval is `footprint compare` on the same (market-based headline) lines
    difference = comparison.variants[1].difference
    assert difference.b_lower_share == 0.0 and difference.difference["p2_5"] > 0
    bom_a, bom_b = build_bom(lamp, engine.dataset)[0], build_bom(b, engine.dataset)[0]
    direct = compare(engine, bom_a, bom_b, iterations=200, seed=42, grid=lamp.grid)
    assert direct.a.deterministic_kgco2e == pytest.approx(engine.calculate(bom_a, grid=lamp.grid).total_kgco2e)


def test_sidebar_variants_and_compare_page():
    at = new_app("zh-Hans")
    at.button(key="btn.example").click().run()
    at.button(key="ws.btn.duplicate").click().run()
    at.text_input(key="ws.name").input("[双倍纸箱](http://x)").run()
    assert [v.name for v in at.session_state["ws.variants"]] == ["产品 1", "[双倍纸箱](http://x)"]
    at.button(key="ws.btn.delete").click().run()
    assert "\\[双倍纸箱\\]" in texts(at.warning)  # confirmation first; the name is escaped markdown
    at.button(key="ws.btn.delete_no").click().run()
    assert len(at.session_state["ws.variants"]) == 2
    at.radio(key="mode@zh-Hans").set_value("compare").run()
    assert not at.exception, at.exception
    at.button(key="ws.btn.compare").click().run()
    assert not at.exception, at.exception
    assert len(at.metric) == 2 and at.metric[0].label == "产品 1"
    assert "阶段" in at.dataframe[0].value.columns
    at.radio(key="mode@zh-Hans").set_value("form").run()
    assert at.session_state["ws.current"] == 1 and not at.exception
    at.button(key="ws.btn.delete").click().run()
    at.button(key="ws.btn.delete_yes").click().run()
    assert [v.name for v in at.session_state["ws.variants"]] == ["产品 1"] and not at.exception
