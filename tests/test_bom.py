"""footprint.bom: the BOM model, its labels, and located, bilingual validation problems."""

from __future__ import annotations

import copy
import math

import pytest

from footprint.bom import (
    GATE_STAGES,
    POST_GATE_STAGES,
    MAX_DEPTH,
    Bom,
    BomLine,
    DataType,
    DeclaredUnit,
    Stage,
    bom_from_data,
    parse_data_type,
    is_post_gate,
    parse_stage,
    stage_label,
    stage_labels,
)
from footprint import dataset
from footprint.errors import InputError

BOM = {
    "product": "Bracket",
    "declared_unit": {"quantity": 1, "unit": "piece", "mass_kg_per_piece": 0.5},
    "lines": [
        {"id": "AL", "activity_id": "AL-EXTR", "amount": "1,200", "unit": "g", "stage": "原材料获取"},
        {
            "id": "HOUSING",
            "amount": 2,
            "unit": "piece",
            "stage": "purchased_parts",
            "lines": [
                {"id": "H1", "activity_id": "PP", "amount": 0.3, "unit": "kg"},
                {
                    "id": "SCREWS",
                    "amount": 4,
                    "unit": "个",
                    "lines": [{"id": "S1", "activity_id": "STEEL", "amount": 2, "unit": "g", "stage": "raw_materials"}],
                },
            ],
        },
        {"id": "ELEC", "activity_id": "ELEC-SITE", "amount": 1.5, "unit": "度", "stage": "生产能耗", "data_type": "一手"},
        {"id": "TRUCK", "activity_id": "TRUCK", "amount": 2, "unit": "t", "distance_km": 100, "stage": "Inbound transport"},
    ],
}


def make(data=None, **changes) -> Bom:
    data = copy.deepcopy(data or BOM)
    data.update(changes)
    return bom_from_data(data)


def problems(data) -> InputError:
    with pytest.raises(InputError) as caught:
        bom_from_data(data)
    return caught.value


def with_line(index: int, **changes) -> dict:
    data = copy.deepcopy(BOM)
    data["lines"][index].update(changes)
    return data


# ---------------------------------------------------------------------------------------------
# Stages and data types
# ---------------------------------------------------------------------------------------------

CHINESE_LABELS = {
    "raw_materials": "原材料获取",
    "purchased_parts": "外购零部件",
    "manufacturing_energy": "生产能耗",
    "process_emissions": "过程排放",
    "inbound_transport": "进厂运输",
    "packaging": "包装",
    "production_waste": "生产废弃物",
    "distribution": "产品分销",
    "use": "使用阶段",
    "end_of_life": "废弃处置",
}


def test_stage_ids_follow_the_design_contract():
    assert [stage.value for stage in Stage] == list(CHINESE_LABELS)


@pytest.mark.parametrize(("stage_id", "label_zh"), CHINESE_LABELS.items())
def test_stage_labels_and_parsing(stage_id, label_zh):
    stage = Stage(stage_id)
    assert stage_label(stage, "zh") == label_zh
    assert stage.label("zh") == label_zh
    english = stage_label(stage)
    assert english and english != stage_id
    for text in (stage_id, english, label_zh, english.upper(), stage_id.replace("_", " "), f" {label_zh} "):
        assert parse_stage(text) is stage


def test_post_gate_stages_follow_the_gate_stages():
    assert GATE_STAGES == tuple(list(CHINESE_LABELS)[:7])
    assert POST_GATE_STAGES == ("distribution", "use", "end_of_life")
    assert dataset.STAGES == GATE_STAGES + POST_GATE_STAGES
    assert is_post_gate("use") and is_post_gate(Stage.END_OF_LIFE) and not is_post_gate("packaging") and not is_post_gate(None)


@pytest.mark.parametrize(("text", "expected"), [("分销", "distribution"), ("Outbound transport", "distribution"), ("使用", "use"), ("EoL", "end_of_life"), ("寿命末期", "end_of_life")])
def test_post_gate_synonyms(text, expected):
    assert parse_stage(text) is Stage(expected)


def test_stage_labels_table_is_in_life_cycle_order():
    assert list(stage_labels("zh").values()) == list(CHINESE_LABELS.values())
    assert stage_labels()["raw_materials"] == "Raw materials"


def test_unknown_stage_lists_the_choices():
    with pytest.raises(ValueError, match="use one of raw_materials"):
        parse_stage("assembly")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("primary", DataType.PRIMARY),
        ("Primary", DataType.PRIMARY),
        ("初级", DataType.PRIMARY),
        ("一手", DataType.PRIMARY),
        ("secondary", DataType.SECONDARY),
        ("次级", DataType.SECONDARY),
        ("二手", DataType.SECONDARY),
    ],
)
def test_data_type_parsing(text, expected):
    assert parse_data_type(text) is expected


def test_data_type_defaults_to_secondary():
    assert make().lines[0].data_type is DataType.SECONDARY
    assert make().lines[2].data_type is DataType.PRIMARY


# ---------------------------------------------------------------------------------------------
# Declared unit
# ---------------------------------------------------------------------------------------------


def test_declared_unit_from_text_and_str():
    unit = DeclaredUnit.model_validate("1 kg")
    assert (unit.quantity, unit.unit) == (1.0, "kg")
    assert str(unit) == "1 kg"
    assert str(DeclaredUnit(quantity=1, unit="piece", mass_kg_per_piece=0.5)) == "1 piece"
    assert str(DeclaredUnit.model_validate({"quantity": "2.5 公斤"})) == "2.5 kg"


def test_declared_unit_in_pieces_needs_a_mass():
    error = problems({**BOM, "declared_unit": "1 piece"})
    assert [issue.field for issue in error.issues] == ["declared_unit.mass_kg_per_piece"]
    assert error.issues[0].message_zh


@pytest.mark.parametrize(
    ("declared", "hint"),
    [
        ({"quantity": 0, "unit": "kg"}, "greater than 0"),
        ({"quantity": -1, "unit": "kg"}, "greater than 0"),
        ({"quantity": float("nan"), "unit": "kg"}, "NaN"),
        ({"quantity": float("inf"), "unit": "kg"}, "infinity"),
        ({"quantity": 1, "unit": "T"}, "tesla"),
        ("2,5 kg", "decimal separator"),
        ({"quantity": 1, "unit": "kg", "mass_kg_per_piece": 0.5}, "only applies"),
    ],
)
def test_declared_unit_refusals(declared, hint):
    error = problems({**BOM, "declared_unit": declared})
    assert len(error.issues) == 1
    assert error.issues[0].field.startswith("declared_unit")
    assert hint in error.issues[0].message


def test_missing_declared_unit_gives_an_example():
    data = copy.deepcopy(BOM)
    del data["declared_unit"]
    assert "e.g. 1 piece" in str(problems(data))


# ---------------------------------------------------------------------------------------------
# Lines and the tree
# ---------------------------------------------------------------------------------------------


def test_values_are_normalised():
    bom = make()
    aluminium, housing, electricity, truck = bom.lines
    assert (aluminium.amount, aluminium.unit, aluminium.stage) == (1200.0, "g", Stage.RAW_MATERIALS)
    assert (electricity.unit, electricity.stage) == ("kWh", Stage.MANUFACTURING_ENERGY)
    assert truck.stage is Stage.INBOUND_TRANSPORT
    assert housing.lines[1].unit == "piece"


def test_flat_lines_multiply_through_parents():
    flat = [(path, line.amount, multiplier) for path, line, multiplier in make().flat_lines()]
    assert flat == [
        ("AL", 1200.0, 1.0),
        ("HOUSING/H1", 0.3, 2.0),
        ("HOUSING/SCREWS/S1", 2.0, 8.0),  # 2 housings x 4 screws each
        ("ELEC", 1.5, 1.0),
        ("TRUCK", 2.0, 1.0),
    ]


def test_children_inherit_the_stage_of_their_sub_assembly():
    stages = {path: line.stage for path, line, _ in make().flat_lines()}
    assert stages["HOUSING/H1"] is Stage.PURCHASED_PARTS
    assert stages["HOUSING/SCREWS/S1"] is Stage.RAW_MATERIALS  # its own stage wins


def test_a_top_level_line_without_stage_means_the_activity_default():
    bom = make(with_line(0, stage=""))
    assert bom.lines[0].stage is None


def test_iter_lines_lists_parents_before_children():
    assert [path for path, _, _ in make().iter_lines()] == [
        "AL",
        "HOUSING",
        "HOUSING/H1",
        "HOUSING/SCREWS",
        "HOUSING/SCREWS/S1",
        "ELEC",
        "TRUCK",
    ]


@pytest.mark.parametrize(
    ("amount", "hint"),
    [
        (-1, "must not be negative"),
        ("-0.5", "must not be negative"),
        (float("nan"), "NaN"),
        ("nan", "NaN"),
        (float("inf"), "infinity"),
        ("inf", "infinity"),
        (2e9, "larger than 1000000000"),
        ("2,5", "use a dot as the decimal separator"),
        ("=A1*2", "formula"),
        (True, "must be a number"),
        (None, "must be a number"),
    ],
)
def test_bad_amounts_name_the_row_line_and_value(amount, hint):
    error = problems(with_line(2, amount=amount))
    (issue,) = error.issues
    assert (issue.row, issue.line_id, issue.field) == (6, "ELEC", "amount")  # 6th line in tree order
    assert hint in issue.message
    assert issue.message_zh
    if isinstance(amount, str):
        assert issue.value == amount  # kept as typed
    assert "row 6" in str(error) and "ELEC" in str(error)


def test_zero_amount_is_allowed():
    assert make(with_line(0, amount=0)).lines[0].amount == 0.0


def test_every_problem_is_reported_at_once():
    data = copy.deepcopy(BOM)
    data["product"] = ""
    data["lines"][0].update(amount="2,5", unit="ton")
    data["lines"][1]["lines"][0].update(amount=-1, stage="assembly")
    data["lines"][2]["id"] = "AL"  # duplicate of line 1
    data["lines"][3]["unit"] = "T"
    error = problems(data)
    found = {(issue.row, issue.field) for issue in error.issues}
    assert found == {
        (None, "product"),
        (1, "amount"),
        (1, "unit"),
        (3, "amount"),
        (3, "stage"),
        (6, "id"),
        (7, "unit"),
    }
    assert all(issue.message_zh for issue in error.issues)
    assert "7 problems" in str(error)


def test_duplicate_ids_across_the_tree_are_named():
    data = copy.deepcopy(BOM)
    data["lines"][1]["lines"][1]["lines"][0]["id"] = "AL"
    error = problems(data)
    (issue,) = error.issues
    assert issue.field == "id" and issue.line_id == "AL" and issue.row == 5
    assert "duplicate line id 'AL'" in issue.message and "first used on row 1" in issue.message


def test_duplicate_ids_are_refused_by_the_model_itself():
    data = with_line(3, id="AL")
    with pytest.raises(InputError, match="duplicate line id 'AL'"):
        Bom.model_validate(data)


@pytest.mark.parametrize(
    ("changes", "hint"),
    [
        ({"activity_id": None}, "activity_id is required"),
        ({"activity_id": "X", "lines": [{"id": "C", "activity_id": "Y", "amount": 1, "unit": "kg"}]}, "not both"),
        ({"id": " "}, "id is required"),
        ({"id": "A\nB"}, "line breaks"),
        ({"mass_kg_per_piece": 0.2}, "only applies to lines counted in pieces"),
        ({"mass_kg_per_piece": 0}, "greater than 0"),
        ({"unit": "kWh", "distance_km": 10}, "distance_km applies to transport lines"),
        ({"distance_km": -5}, "greater than 0"),
        ({"distance_km": 1e7}, "km, not m"),
        ({"gsd": 0.5}, "at least 1"),
        ({"pedigree": "1,2,3"}, "five scores"),
        ({"pedigree": [1, 2, 3, 4, 6]}, "five scores"),
        ({"stage": "assembly"}, "unknown stage"),
        ({"data_type": "tertiary"}, "primary"),
        ({"colour": "red"}, "unknown field 'colour'"),
        ({"description": "bell\x07\x1b[31m"}, "control characters"),
    ],
)
def test_line_refusals(changes, hint):
    error = problems(with_line(0, **changes))
    assert any(hint in issue.message and issue.row == 1 for issue in error.issues), str(error)


def test_optional_line_fields():
    bom = make(with_line(0, gsd="1.5", pedigree="1, 2, 3, 4, 5", name="Alu", description="=SUM(A1:A3)"))
    line = bom.lines[0]
    assert line.gsd == 1.5
    assert line.pedigree == (1, 2, 3, 4, 5)
    assert line.name == "Alu"
    assert line.description == "=SUM(A1:A3)"  # text that looks like a formula stays text


def test_transport_by_piece_needs_the_piece_mass():
    bom = make(with_line(3, unit="piece", amount=3, mass_kg_per_piece=2.0, distance_km=50))
    assert bom.lines[3].distance_km == 50


def test_empty_bom_is_refused():
    error = problems({**BOM, "lines": []})
    assert "at least one line" in str(error)


def test_a_bom_must_be_an_object():
    error = problems(["not", "a", "bom"])
    assert "must be an object" in str(error)


def test_a_line_must_be_an_object():
    error = problems({**BOM, "lines": ["AL"]})
    assert error.issues[0].row == 1


def test_unsupported_schema_version():
    assert "schema_version" in str(problems({**BOM, "schema_version": "99"}))


def test_deep_nesting_is_refused_before_validation():
    node = {"id": "leaf", "activity_id": "X", "amount": 1, "unit": "kg", "stage": "raw_materials"}
    for depth in range(MAX_DEPTH + 5):
        node = {"id": f"level{depth}", "amount": 1, "unit": "piece", "lines": [node]}
    error = problems({**BOM, "lines": [node]})
    assert "nested more than" in str(error)


def test_row_numbers_can_come_from_the_caller():
    data = with_line(2, amount=-1)
    with pytest.raises(InputError) as caught:
        bom_from_data(data, row_numbers={(2,): 42}, source="grid")
    assert caught.value.issues[0].row == 42
    assert str(caught.value).startswith("grid: row 42")


def test_json_round_trip_and_warnings_stay_out_of_the_data():
    bom = make()
    bom.add_warnings(["column 'colour' ignored"])
    again = Bom.model_validate_json(bom.model_dump_json())
    assert again.model_dump() == bom.model_dump()
    assert "warnings" not in bom.model_dump_json()
    assert bom.warnings == ["column 'colour' ignored"] and again.warnings == []


def test_models_can_be_built_directly():
    line = BomLine(id="L1", activity_id="X", amount="1 200", unit="公斤", stage="包装")
    bom = Bom(product="P", declared_unit="1 kg", lines=[line])
    assert (bom.lines[0].amount, bom.lines[0].unit, bom.lines[0].stage) == (1200.0, "kg", Stage.PACKAGING)
    assert math.isclose(sum(line.amount * multiplier for _, line, multiplier in bom.flat_lines()), 1200.0)
