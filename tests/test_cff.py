"""The Circular Footprint Formula (footprint.cff) on the hand-checkable study dataset.

The arithmetic of the CFF battery study is written out in tests/study_fixtures.py (above
``cff_battery_study_data``). Tolerance: 1e-9 relative (float sums of exact decimal inputs; the
material content of a line comes from a sparse solve, exact to ~1e-15).
"""

from __future__ import annotations

import copy
import math
from datetime import date
from pathlib import Path

import pytest

from footprint.bom import bom_from_data
from footprint.cff import load_cff_parameters
from footprint.errors import DatasetError, InputError
from footprint.study import study_from_data
from footprint.study_compute import recompute

from .study_fixtures import (
    BATTERY_BY_STAGE,
    CFF_BY_STAGE,
    CFF_ROWS,
    CFF_TOTAL,
    EVALUATION_DATE,
    battery_study_data,
    build_study,
    cff_battery_study_data,
    lamp_study_data,
    study_dataset,  # noqa: F401
    study_engine,  # noqa: F401
)

REL = 1e-9


def cff_result(engine, data=None):
    return recompute(study_from_data(data or cff_battery_study_data()), engine).location


def issues_of(error: InputError) -> dict[tuple[str | None, str | None], str]:
    return {(i.line_id, i.field): i.message for i in error.issues}


# ---------------------------------------------------------------------- the numbers


def test_cff_rows_total_and_stages_by_hand(study_engine):
    result = cff_result(study_engine)
    rows = {line.path: line for line in result.lines if line.is_cff}
    assert set(rows) == set(CFF_ROWS)
    for path, expected in CFF_ROWS.items():
        assert rows[path].kgco2e == pytest.approx(expected, rel=REL), path
    assert result.total_kgco2e == pytest.approx(CFF_TOTAL, rel=REL)
    assert set(result.by_stage) == set(CFF_BY_STAGE)
    for stage, expected in CFF_BY_STAGE.items():
        assert result.by_stage[stage] == pytest.approx(expected, rel=REL, abs=1e-12), stage
    # the rows follow the BOM lines and count in every split
    assert [line.is_cff for line in result.lines] == sorted(line.is_cff for line in result.lines)
    for parts in (result.by_stage.values(), result.by_gas.values(), result.by_origin.values(), [l.kgco2e for l in result.lines]):
        assert math.fsum(parts) == pytest.approx(result.total_kgco2e, rel=REL)


def test_cff_rows_say_what_they_are_and_where_each_parameter_came_from(study_engine):
    result = cff_result(study_engine)
    rows = {line.path: line for line in result.lines if line.is_cff}
    housing = rows["HOUSING/cff-material"]
    assert housing.cff["kind"] == "credit" and housing.cff["part"] == "material"
    assert housing.stage == "raw_materials" and housing.activity_id == "HOUSING" and housing.amount == 0.0
    assert housing.cff["line"] == "HOUSING"
    aluminium = housing.cff["materials"]["aluminium"]
    assert aluminium["mass_kg"] == pytest.approx(0.33, rel=REL)
    assert aluminium["R1"] == {"value": 0.5, "from": "line"}
    assert aluminium["A"] == {
        "value": 0.2,
        "from": "parameter file",
        "tag": "F",
        "source": "TEST",
        "reference_year": 2024,
        "geography": "CN",
        "uncertainty": {"distribution": "triangular", "min": 0.1, "max": 0.4},
    }
    alu = rows["ALU/cff-material"].cff
    assert alu["kind"] == "burden" and alu["materials"]["aluminium"]["R1"] == {"value": 1.0, "from": "dataset"}
    eol = rows["EOL-REC/cff-end-of-life"]
    assert eol.stage == "end_of_life" and eol.cff["kind"] == "credit"
    assert eol.cff["materials"]["aluminium"]["Qsout_Qp"]["tag"] == "E"
    assert eol.cff["materials"]["aluminium"]["ErecyclingEoL"] == ["SCRAP-RECYC", "AL-REC"]
    summary = result.recycling
    assert summary["approach"] == "CFF" and summary["parameters"]["file"] == "study-test.yaml" and len(summary["parameters"]["sha256"]) == 64
    shares = summary["materials"]["aluminium"]
    assert shares["mass_kg"] == pytest.approx(0.38, rel=REL)
    assert shares["R1"] == pytest.approx(0.215 / 0.38, rel=REL)
    assert shares["R2"] == pytest.approx(0.2 / 0.38, rel=REL)
    data = result.to_dict()
    assert data["recycling"]["approach"] == "CFF" and data["lines"][-1]["cff"]["part"] == "end_of_life"


def test_cut_off_studies_dump_and_compute_as_before(study_engine):
    """No CFF key appears in a cut-off study, its BOM or its result (their bytes, hashes and the
    example study's declared values stay as they were), and the battery study is unchanged."""
    study = build_study(study_engine, battery_study_data())
    assert '"cff"' not in study.canonical_json().decode() and "recycling_approach\":null" not in study.canonical_json().decode()
    result = recompute(study, study_engine).location
    assert result.recycling is None and result.recycling_approach == "cut_off"
    assert not any(line.is_cff for line in result.lines)
    data = result.to_dict()
    assert "recycling" not in data and all("cff" not in line for line in data["lines"])
    for stage, expected in BATTERY_BY_STAGE.items():
        assert result.by_stage[stage] == pytest.approx(expected, rel=REL)


def test_the_example_study_recomputes_to_its_declared_numbers_exactly(gba_engine):
    from footprint.study import load_study

    from .test_example_study import EXAMPLE

    study = load_study(EXAMPLE)
    computation = recompute(study, gba_engine)
    assert computation.total_kgco2e == study.declared.total_kgco2e
    assert {line.path: line.kgco2e for line in computation.location.lines} == study.declared.lines


def test_a_recycled_alloy_part_gets_the_cff_without_being_named(gba_engine):
    """The example lamp's heat sink is a die-cast part from secondary alloy (AL-DIECAST-SEC-GBA:
    1.05 kg AL-SEC-CN per kg). Named CFF, the study gets its material row from the supply chain:
    0.038 kg x 1.05 = 0.0399 kg aluminium, R1 1 as modelled, A 0.2 and Qsin/Qp 1 (both tag R):
    0.0399 x (0.2 x 0.72 + 0.8 x 15.947 - 0.72) = 0.0399 x 12.1816 = 0.48604584."""
    from footprint.study import load_study

    from .test_example_study import EXAMPLE

    study = load_study(EXAMPLE)
    cff = study.model_copy(update={"method": study.method.model_copy(update={"recycling_approach": "CFF"})})
    computation = recompute(cff, gba_engine)
    (row,) = [line for line in computation.headline.lines if line.is_cff]
    assert row.path == "HS/cff-material" and row.cff["kind"] == "burden"
    assert row.kgco2e == pytest.approx(0.48604584, rel=1e-9)
    assert computation.total_kgco2e == pytest.approx(recompute(study, gba_engine).total_kgco2e + 0.48604584, rel=1e-9)


# ---------------------------------------------------------------------- uncertainty and what-ifs


def test_monte_carlo_samples_the_cff_rows(study_engine):
    from footprint.montecarlo import monte_carlo

    computation = recompute(study_from_data(cff_battery_study_data()), study_engine)
    first = monte_carlo(study_engine, computation.headline_bom, iterations=1000, seed=5)
    again = monte_carlo(study_engine, computation.headline_bom, iterations=1000, seed=5)
    assert first.to_json() == again.to_json()
    assert first.deterministic_kgco2e == pytest.approx(CFF_TOTAL, rel=REL)
    summaries = {line.path: line for line in first.lines}
    assert set(CFF_ROWS) <= set(summaries)
    assert first.line_samples.sum(axis=1) == pytest.approx(first.totals, rel=1e-12)
    assert math.fsum(line.variance_share for line in first.lines) == pytest.approx(1.0, abs=1e-9)
    # the end-of-life credit moves with the sampled primary aluminium: never a burden
    eol = first.line_samples[:, [line.path for line in first.lines].index("EOL-REC/cff-end-of-life")]
    assert (eol < 0).all() and summaries["EOL-REC/cff-end-of-life"].deterministic_kgco2e == pytest.approx(-1.284, rel=REL)
    assert summaries["EOL-REC/cff-end-of-life"].p2_5 < -1.284 < summaries["EOL-REC/cff-end-of-life"].p97_5


def test_scenarios_scale_a_line_together_with_its_cff_row(study_engine):
    """HOUSING x 0.9 removes a tenth of its line (3.6) and of its CFF row (-0.297): -0.3303."""
    from footprint.scenarios import default_scenarios, run_scenarios

    bom = recompute(study_from_data(cff_battery_study_data()), study_engine).headline_bom
    scenarios = default_scenarios(study_engine, bom)
    assert not any("cff-" in (s.path or "") for s in scenarios)
    report = run_scenarios(study_engine, bom, scenarios)
    assert all(o.error is None for o in report.outcomes)
    (housing,) = [o for o in report.outcomes if o.scenario.label == "HOUSING: amount x 0.9"]
    assert housing.change_kgco2e == pytest.approx(-0.3303, rel=REL)


# ---------------------------------------------------------------------- refused input


@pytest.mark.parametrize(
    ("cff", "field", "fragment"),
    [
        ({"A": 1.5}, "cff.A", "share from 0 to 1, not 1.5"),
        ({"R1": -0.1}, "cff.R1", "share from 0 to 1"),
        ({"Qsin_Qp": "x"}, "cff.Qsin_Qp", "not a number"),
        ({"R2": 0.5}, "cff.R2", "comes from the end-of-life lines"),
        ({"R3": 0.1}, "cff.R3", "energy recovery) is not supported"),
        ({"B": 0}, "cff.B", "not supported"),
        ({"LHV": 30}, "cff.LHV", "unknown field"),
    ],
)
def test_line_values_are_validated_when_the_bom_is_read(cff, field, fragment):
    data = cff_battery_study_data()
    data["bom"]["lines"][0]["cff"] = cff
    with pytest.raises(InputError) as caught:
        study_from_data(data)
    (issue,) = caught.value.issues
    assert issue.field == f"bom.{field}" and issue.line_id == "HOUSING" and fragment in issue.message and issue.message_zh


def test_cff_values_are_never_ignored_under_cut_off(study_engine):
    data = cff_battery_study_data()
    data["method"]["recycling_approach"] = "cut_off"
    with pytest.raises(InputError, match=r"line\(s\) HOUSING, EOL-REC carry cff values but method.recycling_approach is cut_off"):
        study_from_data(data)
    data = battery_study_data()
    data["bom"]["recycling_approach"] = "CFF"
    with pytest.raises(InputError, match="bom.recycling_approach is CFF but method.recycling_approach is cut_off"):
        study_from_data(data)
    bom = copy.deepcopy(cff_battery_study_data()["bom"])
    with pytest.raises(InputError, match="BOM is computed cut-off"):
        study_engine.calculate(bom_from_data(bom))


def test_csv_and_excel_refuse_cff_values_rather_than_drop_them(tmp_path):
    from footprint.bom_io import read_bom, write_bom_csv, write_bom_xlsx

    bom = study_from_data(cff_battery_study_data()).bom
    for write in (write_bom_csv, write_bom_xlsx):
        with pytest.raises(InputError, match=r"Circular Footprint Formula values \(lines HOUSING, EOL-REC\).*save it as JSON"):
            write(bom)
    plain = study_from_data(battery_study_data()).bom
    path = tmp_path / "plain.csv"
    path.write_text(write_bom_csv(plain), encoding="utf-8")
    assert read_bom(path).model_dump() == plain.model_dump()


def test_what_the_formula_cannot_compute_is_an_input_error_naming_each_line(study_engine):
    data = cff_battery_study_data()
    lines = {line["id"]: line for line in data["bom"]["lines"]}
    del lines["EOL-REC"]["cff"]  # a recycling line must say what it recycles
    lines["EOL"]["cff"] = {"A": 0.5}  # A on a disposal line
    lines["ALU"]["cff"] = {"Qsout_Qp": 0.9}  # an end-of-life ratio on a material line
    lines["DRIVER"]["cff"] = {"material": "aluminium"}  # the dataset models no aluminium in it
    lines["BOX"]["cff"] = {"material": "tin"}  # not in the parameter file
    with pytest.raises(InputError) as caught:
        cff_result(study_engine, data)
    found = issues_of(caught.value)
    assert "name the material it recycles" in found[("EOL-REC", "cff.material")]
    assert "WASTE is disposal" in found[("EOL", "cff.A")]
    assert "end-of-life recycling line" in found[("ALU", "cff.Qsout_Qp")]
    assert "models no aluminium in DRIVER" in found[("DRIVER", "cff.material")]
    assert "unknown CFF material 'tin'" in found[("BOX", "cff.material")]
    assert all(i.message_zh for i in caught.value.issues)


def test_an_unknown_quality_ratio_is_refused_not_defaulted(gba_engine):
    """Polyester's Qsout/Qp was not found (null in datasets/cff/gba.yaml): an end-of-life line
    recycling polyester must give it; with cff.Qsout_Qp it computes, that value from the line.
    By hand, per kg recycled (A 0.5, Qsout/Qp 0.6 given, Ec/Er/Ev the three unit scores):
    row = -A Ec + (1 - A) Er - (1 - A) 0.6 Ev."""
    bom = {
        "product": "shirt fabric",
        "declared_unit": "1 kg",
        "recycling_approach": "CFF",
        "lines": [
            {"id": "F", "activity_id": "PES-FIL-CN", "amount": 1, "unit": "kg"},
            {"id": "EOL", "activity_id": "WASTE-RECYC-PLASTIC-GBA", "amount": 1, "unit": "kg", "stage": "end_of_life", "cff": {"material": "polyester"}},
        ],
    }
    with pytest.raises(InputError) as caught:
        gba_engine.calculate(bom_from_data(bom))
    assert "Qsout_Qp of polyester is unknown" in issues_of(caught.value)[("EOL", "cff.Qsout_Qp")]
    bom["lines"][1]["cff"]["Qsout_Qp"] = 0.6
    result = gba_engine.calculate(bom_from_data(bom))
    (row,) = [l for l in result.lines if l.is_cff]
    assert row.cff["materials"]["polyester"]["Qsout_Qp"] == {"value": 0.6, "from": "line"}
    unit = {a: gba_engine.calculate(bom_from_data({"product": a, "declared_unit": "1 kg", "lines": [{"id": "X", "activity_id": a, "amount": 1, "unit": "kg"}]})).total_kgco2e
            for a in ("WASTE-RECYC-PLASTIC-GBA", "PES-FIL-REC-CN", "PES-FIL-CN")}
    expected = -0.5 * unit["WASTE-RECYC-PLASTIC-GBA"] + 0.5 * unit["PES-FIL-REC-CN"] - 0.5 * 0.6 * unit["PES-FIL-CN"]
    assert row.kgco2e == pytest.approx(expected, rel=1e-9)


def test_glass_computes_with_its_second_hand_defaults(gba_engine):
    """Glass now has A 0.2 (tag R) and Qsin/Qp 1 (tag E) in datasets/cff/gba.yaml (was null):
    1 kg recycled glass x (0.2 x 0.59 + 0.8 x 0.91) - 0.59 = 0.118 + 0.728 - 0.59 = 0.256."""
    bom = {
        "product": "jar",
        "declared_unit": "1 kg",
        "recycling_approach": "CFF",
        "lines": [{"id": "G", "activity_id": "GLASS-SECONDARY-GLO", "amount": 1, "unit": "kg"}],
    }
    result = gba_engine.calculate(bom_from_data(bom))
    (row,) = [l for l in result.lines if l.is_cff]
    assert row.kgco2e == pytest.approx(0.256, rel=1e-9)
    glass = row.cff["materials"]["glass"]
    assert (glass["A"]["tag"], glass["A"]["geography"], glass["Qsin_Qp"]["tag"]) == ("R", "RER", "E")


PARAMETER_FILE_HEAD = (
    "format: gba-cff-parameters/2\ndataset: study-test\nsources: {TEST: {citation: t}, GBA-EST: {citation: own}}\n"
    "materials:\n  - id: aluminium\n    primary_activity: AL\n    recycled_activity: AL-REC\n"
)
GOOD_VALUE = {
    "value": 0.2,
    "tag": "F",
    "source": "TEST",
    "reference_year": 2024,
    "geography": "CN",
    "basis": "material_default",
    "uncertainty": {"distribution": "triangular", "min": 0.1, "max": 0.4},
    "note": "test value",
}


def parameter_file(tmp_path, **values) -> Path:
    """A study-test parameter file whose aluminium values are ``values`` (name -> mapping)."""
    import json

    body = "".join(f"    {name}: {json.dumps(value)}\n" for name, value in values.items())
    path = tmp_path / "study-test.yaml"
    path.write_text(PARAMETER_FILE_HEAD + body + "recycling_routes: {SCRAP-RECYC: null}\n", encoding="utf-8")
    return path


def test_a_complete_value_loads_with_everything_it_carries(study_dataset, tmp_path):
    parameters = load_cff_parameters(study_dataset, parameter_file(tmp_path, A=GOOD_VALUE, Qsin_Qp=None))
    value = parameters.material("aluminium").A
    assert (value.value, value.tag, value.reference_year, value.geography, value.basis) == (0.2, "F", 2024, "CN", "material_default")
    assert (value.uncertainty.distribution, value.uncertainty.low, value.uncertainty.mode, value.uncertainty.high) == ("triangular", 0.1, 0.2, 0.4)
    assert value.sampled and parameters.tag_counts() == {"F": 1, "R": 0, "E": 0, "missing": 2}


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"reference_year": None}, "material aluminium: A: reference_year missing"),
        ({"reference_year": 1890}, "material aluminium: A: reference_year must be a year from 1990 to 2030, not 1890"),
        ({"geography": "Europe"}, "material aluminium: A: geography 'Europe' is not a known code"),
        ({"geography": None}, "material aluminium: A: geography missing"),
        ({"basis": "cradle_to_gate"}, "material aluminium: A: basis must be one of material_default, application"),
        ({"uncertainty": None}, "material aluminium: A: uncertainty missing"),
        ({"uncertainty": {"distribution": "lognormal", "min": 0.1, "max": 0.4}}, "A: uncertainty.distribution must be one of uniform, triangular"),
        ({"uncertainty": {"distribution": "uniform", "min": 0.3, "max": 0.4}}, "A: uncertainty: the range 0.3 to 0.4 must contain the value 0.2"),
        ({"uncertainty": {"distribution": "uniform", "min": 0.1, "max": 1.2}}, "A: uncertainty.max must be a share from 0 to 1, not 1.2"),
        ({"uncertainty": {"distribution": "uniform", "min": -0.1, "max": 0.4}}, "A: uncertainty.min must be a share from 0 to 1, not -0.1"),
        ({"uncertainty": {"distribution": "triangular", "min": 0.1, "mode": 0.3, "max": 0.4}}, "A: uncertainty: unknown field(s) mode"),
        ({"tag": "E", "source": "GBA-EST", "note": "estimate", "uncertainty": {"distribution": "uniform", "min": 0.15, "max": 0.25}}, "an estimate (tag E) needs a range at least 0.3 wide, 0.15 to 0.25 is 0.1"),
        ({"tag": "E", "source": "GBA-EST", "note": "engineering judgement"}, "A: an estimate (tag E) must say 'estimate' in its note"),
        ({"tag": "R", "note": "quoted somewhere"}, "A: a second-hand value (tag R) must say what to 'verify against' in its note"),
        ({"tag": "R", "note": "verify against X", "uncertainty": {"distribution": "uniform", "min": 0.2, "max": 0.25}}, "a second-hand value (tag R) needs a range at least 0.1 wide"),
        ({"tag": "F", "source": "GBA-EST"}, "A: tag F needs a published source, not GBA-EST"),
        ({"tag": "X"}, "A: tag must be one of F, R, E"),
        ({"note": ""}, "A: note missing"),
        ({"value": 1.5}, "A: value must be a share from 0 to 1, not 1.5"),
    ],
)
def test_each_refusal_names_material_parameter_and_field(study_dataset, tmp_path, change, fragment):
    value = {**GOOD_VALUE, **change}
    value = {k: v for k, v in value.items() if v is not None}
    with pytest.raises(DatasetError) as caught:
        load_cff_parameters(study_dataset, parameter_file(tmp_path, A=value))
    assert fragment in str(caught.value)


def test_a_range_of_exactly_the_minimum_width_is_accepted(study_dataset, tmp_path):
    estimate = {**GOOD_VALUE, "tag": "E", "source": "GBA-EST", "note": "estimate", "uncertainty": {"distribution": "triangular", "min": 0.1, "max": 0.4}}
    assert load_cff_parameters(study_dataset, parameter_file(tmp_path, A=estimate)).material("aluminium").A.tag == "E"


def test_a_null_value_carries_nothing_else(study_dataset, tmp_path):
    with pytest.raises(DatasetError, match="material aluminium: Qsin_Qp: a value not found \\(null\\) carries no tag"):
        load_cff_parameters(study_dataset, parameter_file(tmp_path, A=GOOD_VALUE, Qsin_Qp={"value": None, "tag": "E"}))


def test_format_1_is_refused_with_what_to_add(study_dataset, tmp_path):
    path = tmp_path / "study-test.yaml"
    path.write_text("format: gba-cff-parameters/1\ndataset: study-test\nmaterials: []\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="format 'gba-cff-parameters/1' is no longer read: every value now needs reference_year, geography"):
        load_cff_parameters(study_dataset, path)


def test_the_parameter_file_is_checked_whole(study_dataset, tmp_path):
    path = tmp_path / "study-test.yaml"
    path.write_text(
        "format: gba-cff-parameters/2\ndataset: study-test\nsources: {TEST: {citation: t}}\n"
        "materials:\n"
        "  - {id: aluminium, primary_activity: AL, recycled_activity: NOPE, A: {value: 1.5, tag: F, source: TEST}, Qsin_Qp: {value: 1, tag: X, source: TEST}}\n"
        "  - {id: driver, primary_activity: DRIVER, recycled_activity: AL}\n"
        "recycling_routes: {GRID-GD: null}\n",
        encoding="utf-8",
    )
    with pytest.raises(DatasetError) as caught:
        load_cff_parameters(study_dataset, path)
    message = str(caught.value)
    for fragment in (
        "recycled_activity 'NOPE' is not an activity",
        "A: value must be a share from 0 to 1, not 1.5",
        "Qsin_Qp: tag must be one of F, R, E",
        "material aluminium: Qsin_Qp: reference_year missing",
        "material aluminium: Qsin_Qp: uncertainty missing",
        "primary_activity DRIVER must be in kg",
        "activity AL belongs to more than one material",
        "recycling route GRID-GD: must be a waste_treatment activity in kg",
    ):
        assert fragment in message
    with pytest.raises(DatasetError, match="no CFF parameter file for dataset study-test"):
        load_cff_parameters(study_dataset, tmp_path / "missing.yaml")


def test_the_shipped_parameter_files_meet_the_standard():
    """datasets/cff/gba.yaml loads (every rule above holds for it), with the tags the review
    earned: metals' and glass's A and quality ratios second-hand (R) but copper's and glass's
    Qsin/Qp estimated (E), polyester's from the apparel PEFCR (F), polyester's Qsout/Qp not found."""
    from footprint.dataset import load_dataset

    parameters = load_cff_parameters(load_dataset())
    tags = {(m.id, name): (p.tag if p.value is not None else None) for m in parameters.materials for name, p in m.parameters()}
    assert tags == {
        ("aluminium", "A"): "R", ("aluminium", "Qsin_Qp"): "R", ("aluminium", "Qsout_Qp"): "R",
        ("copper", "A"): "R", ("copper", "Qsin_Qp"): "E", ("copper", "Qsout_Qp"): "R",
        ("steel", "A"): "R", ("steel", "Qsin_Qp"): "R", ("steel", "Qsout_Qp"): "R",
        ("polyester", "A"): "F", ("polyester", "Qsin_Qp"): "F", ("polyester", "Qsout_Qp"): None,
        ("glass", "A"): "R", ("glass", "Qsin_Qp"): "E", ("glass", "Qsout_Qp"): "R",
    }
    for material in parameters.materials:
        for _, value in material.parameters():
            if value.tag == "E":
                assert value.uncertainty.width >= 0.3


# ---------------------------------------------------------------------- rules, label, declaration, exports


def finding(study, engine, rule_id, rule_set="gba-li-ion-battery-pack"):
    from footprint.rules import evaluate

    return next(f for f in evaluate(study, rule_set, engine, EVALUATION_DATE).findings if f.rule_id == rule_id)


def test_end_of_life_rule_on_a_cff_study(study_engine):
    passing = finding(study_from_data(cff_battery_study_data()), study_engine, "GBA-PG-001")
    assert passing.verdict.value == "pass"
    assert "estimates" in passing.message.en and "Qsout_Qp of aluminium" in passing.message.en and passing.message.zh
    assert passing.details["recycling"]["approach"] == "CFF"

    no_routes = cff_battery_study_data()
    no_routes["bom"]["lines"] = [line for line in no_routes["bom"]["lines"] if line["stage"] != "end_of_life"]
    failed = finding(study_from_data(no_routes), study_engine, "GBA-PG-001")
    assert failed.verdict.value == "fail" and "no BOM line gives the end-of-life routes" in failed.message.en

    too_much = cff_battery_study_data()
    too_much["bom"]["lines"][-1]["amount"] = 0.5  # 0.5 kg aluminium recycled, 0.38 kg in the BOM
    failed = finding(study_from_data(too_much), study_engine, "GBA-PG-001")
    assert failed.verdict.value == "fail" and "(R2 = 1.32 > 1)" in failed.message.en


def test_rules_judge_a_line_together_with_its_cff_row(study_engine):
    """Significance, ratings and hotspot naming are per BOM line: HOUSING counts 3.6 - 0.297 =
    3.303 and ALU 0.05 + 0.36 = 0.41 (3.8 % of 10.77849, above the battery rules' 3 %): ALU is
    named missing, never "ALU/cff-material" (a path no study can rate or name)."""
    from footprint.rules import make_context

    ctx = make_context(study_from_data(cff_battery_study_data()), "gba-li-ion-battery-pack", study_engine, EVALUATION_DATE)
    lines = ctx.by_base_line()
    assert not any("cff-" in path for path in lines)
    assert lines["HOUSING"]["kgco2e"] == pytest.approx(3.303, rel=REL) and lines["ALU"]["kgco2e"] == pytest.approx(0.41, rel=REL)
    hotspots = finding(study_from_data(cff_battery_study_data()), study_engine, "BAT-DATA-002")
    assert hotspots.verdict.value == "fail" and "ALU" in hotspots.lines and not any("cff-" in path for path in hotspots.lines)


def test_recycling_approach_rule_says_how_the_number_was_computed(study_engine):
    named = lamp_study_data()
    named["method"]["recycling_approach"] = "recycled_content"
    result = finding(study_from_data(named), study_engine, "GBA-ALLOC-003", "gba-general")
    assert result.verdict.value == "pass" and "computed as the dataset's cut-off system" in result.message.en
    plain = finding(study_from_data(lamp_study_data()), study_engine, "GBA-ALLOC-003", "gba-general")
    assert plain.message.en == "recycling approach: cut_off"


def test_battery_declaration_of_a_cff_study_by_hand(study_engine):
    """Per kWh of service-life energy (x 0.0005 per declared unit):
    raw material acquisition (3.713 + 2.0 + 0.008) x 0.0005 = 0.0028605
    main product production   1.21149 x 0.0005              = 0.000605745
    distribution              0.02 x 0.0005                 = 0.00001
    end of life and recycling -1.174 x 0.0005               = -0.000587 (the recycling credit)
    total                                                   = 0.002889245"""
    from footprint.battery_declaration import battery_declaration

    declaration = battery_declaration(study_from_data(cff_battery_study_data()), study_engine)
    values = {s["id"]: s["kgco2e_per_kwh"] for s in declaration["stages"]}
    expected = {"raw_material_acquisition": 0.0028605, "main_product_production": 0.000605745, "distribution": 0.00001, "end_of_life": -0.000587}
    for stage, value in expected.items():
        assert values[stage] == pytest.approx(value, rel=REL), stage
    assert declaration["total_kgco2e_per_kwh"] == pytest.approx(0.002889245, rel=REL)
    assert declaration["recycling_approach"] == "CFF" and declaration["recycling"]["parameters"]["file"] == "study-test.yaml"
    cut_off = battery_declaration(study_from_data(battery_study_data()), study_engine)
    assert cut_off["recycling_approach"] == "cut_off" and "recycling" not in cut_off


def test_label_names_the_cff(study_engine):
    from footprint.label import build_label

    label = build_label(study_from_data(cff_battery_study_data()), study_engine, "gba-li-ion-battery-pack", date(2025, 6, 30), require_eligible=False)
    assert "Circular Footprint Formula (CFF)" in label.boundary.en and "循环足迹公式" in label.boundary.zh
    assert label.payload["recycling"] == "CFF"
    assert label.total_kgco2e == pytest.approx(CFF_TOTAL, rel=REL)
    plain = build_label(study_from_data(lamp_study_data()), study_engine, "gba-general", date(2025, 6, 30), require_eligible=False)
    assert "recycling" not in plain.payload and "CFF" not in plain.boundary.en


def test_pact_export_of_a_cff_study(study_engine):
    """Cradle-to-gate, only the material part exists: it is exported, disclosed in the comment
    (-0.297 + 0.36 = 0.063 kg CO2e against cut-off); with end of life it is refused as any
    post-gate result."""
    from footprint.errors import BoundaryError
    from footprint.exchange.pact import product_footprint
    from footprint.reports.inputs import prepare_report

    from .pact_schema import schema_validator

    gate = prepare_report(study_from_data(cff_battery_study_data(post_gate=False)), study_engine, evaluation_date=EVALUATION_DATE, evaluate_rules=False)
    document = product_footprint(gate)
    assert float(document["pcf"]["pcfExcludingBiogenicUptake"]) == pytest.approx(6.81949 + 0.05 + 0.063, rel=REL)
    assert "Circular Footprint Formula" in document["comment"] and "0.063" in document["comment"]
    assert "Circular Footprint Formula" in document["pcf"]["allocationRulesDescription"]
    assert not list(schema_validator("ProductFootprint").iter_errors(document))
    full = prepare_report(study_from_data(cff_battery_study_data()), study_engine, evaluation_date=EVALUATION_DATE, evaluate_rules=False)
    with pytest.raises(BoundaryError, match="EOL-REC/cff-end-of-life"):
        product_footprint(full)


def test_report_shows_the_cff_rows_and_parameters(study_engine):
    from footprint.reports.content import build_document
    from footprint.reports.inputs import prepare_report

    source = prepare_report(study_from_data(cff_battery_study_data()), study_engine, evaluation_date=EVALUATION_DATE, evaluate_rules=False)
    for language, heading in (("en", "Circular Footprint Formula (CFF)"), ("zh", "循环足迹公式（CFF）")):
        text = repr(build_document(source, language))
        assert heading in text and "EOL-REC/cff-end-of-life" in text and "study-test.yaml" in text
    plain = prepare_report(study_from_data(battery_study_data()), study_engine, evaluation_date=EVALUATION_DATE, evaluate_rules=False)
    assert "Circular Footprint Formula" not in repr(build_document(plain, "en"))
