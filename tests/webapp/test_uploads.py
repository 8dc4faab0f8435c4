"""Uploads appended to or replacing the form's lines, and every problem of a file at once
(webapp.uploads)."""

from __future__ import annotations

import json

import pytest

from webapp.state import StudyForm
from webapp.uploads import has_lines, merge_upload, read_upload, unknown_activities

FILE = b"""# product: Lamp
# declared_unit: 1 piece
# mass_kg_per_piece: 0.1
id,parent,activity_id,amount,unit,stage
A,,AL-EXTR-GBA,0.3,kg,raw_materials
H,,,1,piece,purchased_parts
H1,H,PP-PART-GBA,0.02,kg,
E,,ELEC-SITE,0.5,kWh,manufacturing_energy
"""



def _form(**rows) -> StudyForm:
    return StudyForm.from_dict({"product_name": "Typed", "rows": rows})


def test_append_keeps_the_typed_lines_and_renames_colliding_ids(catalog):
    current = _form(materials=[{"id": "A", "activity_id": "CU-CATH-CN", "amount": "1", "unit": "kg"}, {"id": "H", "activity_id": "STEEL-BOF-CN", "amount": "2", "unit": "kg"}])
    loaded = read_upload(FILE, "lamp.csv", current, catalog).form
    merged, renamed = merge_upload(current, loaded, "append")
    assert renamed == [("A", "A-2"), ("H", "H-2")]
    rows = merged.rows["materials"]
    assert [(r["id"], r["parent"], r["activity_id"]) for r in rows] == [
        ("A", "", "CU-CATH-CN"),
        ("H", "", "STEEL-BOF-CN"),
        ("A-2", "", "AL-EXTR-GBA"),
        ("H-2", "", ""),
        ("H1", "H-2", "PP-PART-GBA"),  # the child follows its renamed parent
    ]
    assert merged.product_name == "Typed" and merged.electricity_amount == 0.5  # the form had no electricity


def test_lines_typed_without_an_id_keep_theirs_when_a_file_with_m1_is_appended(catalog):
    """Picked lines have no id in the grid until the BOM is composed (M1, M2); a file bringing its
    own M1 must not take it from them (their data-quality rows and hotspots refer to M1)."""
    current = _form(materials=[{"activity_id": "CU-CATH-CN", "amount": "1", "unit": "kg"}, {"activity_id": "STEEL-BOF-CN", "amount": "2", "unit": "kg"}])
    upload = b"id,activity_id,amount,unit\nM1,AL-EXTR-GBA,0.3,kg\n"
    loaded = read_upload(upload, "more.csv", current, catalog).form
    merged, renamed = merge_upload(current, loaded, "append")
    rows = merged.rows["materials"]
    assert [(r["id"], r["activity_id"]) for r in rows] == [("M1", "CU-CATH-CN"), ("M2", "STEEL-BOF-CN"), ("M1-2", "AL-EXTR-GBA")]
    assert renamed == [("M1", "M1-2")]


def test_append_adds_the_file_electricity_as_a_line_when_the_form_has_its_own(catalog):
    current = StudyForm.from_dict({**_form(materials=[{"id": "X", "activity_id": "CU-CATH-CN", "amount": "1", "unit": "kg"}]).to_dict(), "electricity_amount": 2.0})
    merged, _ = merge_upload(current, read_upload(FILE, "lamp.csv", current, catalog).form, "append")
    assert merged.electricity_amount == 2.0
    assert [(r["activity_id"], r["amount"]) for r in merged.rows["energy"]] == [("ELEC-SITE", "0.5")]


def test_replace_and_an_empty_form_take_the_file_as_it_is(catalog):
    current = _form(materials=[{"id": "A", "activity_id": "CU-CATH-CN", "amount": "1", "unit": "kg"}])
    loaded = read_upload(FILE, "lamp.csv", current, catalog).form
    assert merge_upload(current, loaded, "replace") == (loaded, [])
    empty = StudyForm()
    assert not has_lines(empty) and has_lines(current)
    assert merge_upload(empty, loaded, "append") == (loaded, [])


def test_unknown_activities_are_listed_with_suggestions_also_in_bad_rows(catalog):
    data = b"# product: P\n# declared_unit: 1 kg\nid,activity_id,amount,unit\nA,AL-EXTR,-1,kg\nB,PP-GAB,1,kg\nC,STEEL-BOF-CN,1,T\n"
    result = read_upload(data, "bad.csv", StudyForm(), catalog)
    located = [(i.row, i.field) for i in result.issues]
    assert located == [(1, "amount"), (1, "activity_id"), (2, "activity_id"), (3, "unit")]
    messages = [i.message for i in result.issues if i.field == "activity_id"]
    assert "did you mean AL-EXTR-GBA" in messages[0] and "did you mean PP-GBA" in messages[1]
    assert all("footprint " not in i.message + i.message_zh for i in result.issues)


def test_unknown_activities_of_a_json_bom_by_line_id(catalog):
    data = json.dumps({"product": "P", "declared_unit": {"quantity": 1, "unit": "kg"}, "lines": [{"id": "A", "activity_id": "PP-GAB", "amount": 1, "unit": "kg"}]}).encode()
    (issue,) = unknown_activities(data, "bom.json", catalog.dataset)
    assert (issue.row, issue.line_id, issue.value) == (None, "A", "PP-GAB") and "PP-GBA" in issue.message


GSD_FILE = FILE.replace(b"id,parent,activity_id,amount,unit,stage\n", b"id,parent,activity_id,amount,unit,stage,gsd,pedigree,name\n").replace(
    b"A,,AL-EXTR-GBA,0.3,kg,raw_materials\n", b'A,,AL-EXTR-GBA,0.3,kg,raw_materials,1.4,"2,3,1,2,1",frame\n'
)


def test_line_fields_without_a_grid_column_survive_an_upload_and_follow_a_renamed_id(catalog, engine):
    """gsd, pedigree and name have no column in the grids: kept per line, back in the BOM."""
    from webapp.state import build_bom

    current = StudyForm.from_dict({**_form(materials=[{"id": "A", "activity_id": "CU-CATH-CN", "amount": "1", "unit": "kg"}]).to_dict(), "mass_kg_per_piece": 1.5})
    loaded = read_upload(GSD_FILE, "lamp.csv", current, catalog).form
    merged, renamed = merge_upload(current, loaded, "append")
    assert ("A", "A-2") in renamed and merged.line_fields == {"A-2": {"name": "frame", "gsd": 1.4, "pedigree": [2, 3, 1, 2, 1]}}
    bom, _, issues = build_bom(StudyForm.from_dict(merged.to_dict()), engine.dataset)  # through the session's dict form
    assert not issues
    lines = {line.id: line for _, line, _ in bom.iter_lines()}
    assert (lines["A-2"].gsd, lines["A-2"].pedigree, lines["A-2"].name) == (1.4, (2, 3, 1, 2, 1), "frame")
    assert lines["A"].gsd is None


def test_a_bad_kept_value_is_reported_on_its_line(catalog, engine):
    from webapp.state import build_bom

    form = read_upload(GSD_FILE, "lamp.csv", _form(), catalog).form
    data = form.to_dict()
    data["line_fields"]["A"]["gsd"] = 0.5  # below 1: no geometric standard deviation
    bom, composition, issues = build_bom(StudyForm.from_dict(data), engine.dataset)
    assert bom is None and issues and all(i.section == "materials" and i.row == 0 for i in issues), issues


def test_a_damaged_line_fields_entry_is_refused():
    with pytest.raises(ValueError):
        StudyForm.from_dict({"line_fields": {"A": 1.4}})
