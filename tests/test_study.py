"""Study model (JSON with schema_version, canonical hash) and recomputation with the engine."""

from __future__ import annotations

import json

import pytest

from footprint.errors import InputError
from footprint.study import load_study, save_study, study_from_data
from footprint.study_compute import check_certificates, declare_results, recompute

from .study_fixtures import EXCLUDED, LOCATION_TOTAL, MARKET_TOTAL, build_study, lamp_study_data, market_study_data, study_dataset, study_engine  # noqa: F401

REL = 1e-12


def test_round_trip_keeps_every_field_and_the_hash(study_engine, tmp_path):
    study = build_study(study_engine, market_study_data())
    path = save_study(study, tmp_path / "study.json")
    again = load_study(path)
    assert again == study
    assert again.sha256() == study.sha256()
    assert json.loads(path.read_text(encoding="utf-8"))["schema_version"] == "1"


def test_canonical_json_is_sorted_compact_and_changes_with_content(study_engine):
    study = build_study(study_engine)
    text = study.canonical_json().decode("utf-8")
    assert ": " not in text and text.startswith('{"allocation"')
    changed = study.model_copy(update={"offsets_kgco2e": 0.1})
    assert changed.sha256() != study.sha256()


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        (lambda d: d.update(schema_version="2"), "schema_version", "unsupported study schema_version"),
        (lambda d: d["bom"]["lines"][0].update(amount="lots"), "bom.amount", ""),
        (lambda d: d["reference_period"].update(end="2023-01-01"), "reference_period", "ends"),
        (lambda d: d["lines"].update(NOPE={"technological": 1}), None, "'NOPE' are not leaf line paths"),
        (lambda d: d["exclusions"][1].pop("estimated_kgco2e"), "exclusions.1", "needs a line"),
        (lambda d: d["electricity"].update(method="hybrid"), "electricity.method", ""),
        (lambda d: d.pop("applicant"), "applicant", ""),
        (lambda d: d.update(colour="green"), "colour", ""),
    ],
    ids=["version", "bom amount", "period order", "unknown line", "exclusion quantity", "method", "missing applicant", "unknown field"],
)
def test_invalid_studies_list_located_problems(change, field, fragment):
    data = lamp_study_data()
    change(data)
    with pytest.raises(InputError) as caught:
        study_from_data(data, source="study.json")
    text = str(caught.value)
    assert text.startswith("study.json")
    if field:
        assert any((issue.field or "").startswith(field) for issue in caught.value.issues), text
    assert fragment in text


def test_load_study_reports_bad_json(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        load_study(path)


def test_location_based_total_matches_hand_calculation(study_engine):
    computation = recompute(build_study(study_engine, declare=False), study_engine)
    assert computation.basis == "location" and computation.market is None
    assert computation.total_kgco2e == pytest.approx(LOCATION_TOTAL, rel=REL)
    assert {l.path: l.kgco2e for l in computation.location.lines} == pytest.approx(
        {"HOUSING": 3.6, "DRIVER": 2.0, "ELEC": 1.0, "GAS": 0.05 * 2.0298, "TRUCK": 0.008, "BOX": 0.1, "SCRAP": 0.01}, rel=REL
    )


def test_exclusions_are_computed_by_the_engine_or_declared(study_engine):
    computation = recompute(build_study(study_engine, declare=False), study_engine)
    by_id = {e.id: e for e in computation.exclusions}
    assert by_id["SCREWS"].source == "computed" and by_id["SCREWS"].kgco2e == pytest.approx(0.008, rel=REL)
    assert by_id["SCREWS"].mass_kg == pytest.approx(0.004, rel=REL)
    assert by_id["GLUE"].source == "declared_estimate" and by_id["GLUE"].kgco2e == 0.002
    assert computation.excluded_kgco2e == pytest.approx(EXCLUDED, rel=REL)
    assert computation.complete_kgco2e == pytest.approx(LOCATION_TOTAL + EXCLUDED, rel=REL)


def test_market_based_switches_covered_kwh_to_the_technology_factor_not_zero(study_engine):
    computation = recompute(build_study(study_engine, market_study_data(), declare=False), study_engine)
    assert computation.basis == "market"
    assert computation.location.total_kgco2e == pytest.approx(LOCATION_TOTAL, rel=REL)
    assert computation.total_kgco2e == pytest.approx(MARKET_TOTAL, rel=REL)
    pv = [l for l in computation.market.lines if l.activity_id == "PV-GEN"]
    assert len(pv) == 1 and pv[0].kgco2e == pytest.approx(2 * 0.05, rel=REL) and pv[0].path == "ELEC@PV-GEN"
    coverage = computation.coverage
    assert coverage.site_kwh_per_unit == pytest.approx(2.0) and coverage.covered_share == pytest.approx(1.0)
    # the supplier's own electricity inside HOUSING stays on the grid
    housing = next(l for l in computation.market.lines if l.path == "HOUSING")
    assert housing.kgco2e == pytest.approx(3.6, rel=REL)


def test_partial_and_invalid_certificates(study_engine):
    data = market_study_data(certificates=100)
    study = build_study(study_engine, data, declare=False)
    computation = recompute(study, study_engine)
    assert computation.coverage.covered_kwh_per_unit == pytest.approx(1.0)
    assert computation.total_kgco2e == pytest.approx(LOCATION_TOTAL - 1.0 * 0.45, rel=REL)
    data["electricity"]["certificates"][0].update(retired_for="Other Co.", generation_start="2022-01-01", generation_end="2022-12-31", type="IREC")
    checks = check_certificates(build_study(study_engine, data, declare=False), study_engine, ("GEC",), 1000)
    assert not checks[0].valid and len(checks[0].problems) == 3
    assert recompute(build_study(study_engine, data, declare=False), study_engine).total_kgco2e == pytest.approx(LOCATION_TOTAL, rel=REL)


def test_declare_results_writes_what_the_engine_computes(study_engine, study_dataset):
    study = declare_results(build_study(study_engine, market_study_data(), declare=False), study_engine)
    declared = study.declared
    assert declared.total_kgco2e == pytest.approx(MARKET_TOTAL, rel=REL) and declared.basis == "market"
    assert declared.location_based_kgco2e == pytest.approx(LOCATION_TOTAL, rel=REL)
    assert declared.dataset.sha256 == study_dataset.sha256 and declared.method_id == "ipcc-ar6-gwp100"
    assert declared.excluded_kgco2e == pytest.approx(EXCLUDED, rel=REL)
    assert declared.primary_data_share_pct == pytest.approx(100 * (2.0 + 0.1 + 0.05 * 2.0298 + 0.01) / MARKET_TOTAL, rel=1e-9)


# ------------------------------------------------------------------ stages after the gate


def test_post_gate_line_outside_the_boundary_is_refused():
    from .study_fixtures import battery_study_data

    data = battery_study_data()
    data["boundary"]["stages"].remove("end_of_life")
    with pytest.raises(InputError) as caught:
        study_from_data(data)
    (issue,) = caught.value.issues
    assert "EOL (end_of_life)" in issue.message and "boundary" in issue.message
    assert "EOL" in issue.message_zh and "系统边界" in issue.message_zh


def test_post_gate_lines_inside_the_boundary_are_computed(study_engine):
    """Hand values: tests/study_fixtures.py BATTERY_BY_STAGE (total 12.02949)."""
    from .study_fixtures import BATTERY_BY_STAGE, battery_study_data

    computation = recompute(study_from_data(battery_study_data()), study_engine)
    by_stage = computation.location.by_stage
    for stage, expected in BATTERY_BY_STAGE.items():
        assert by_stage[stage] == pytest.approx(expected, rel=1e-9), stage
    assert computation.location.total_kgco2e == pytest.approx(12.02949, rel=1e-9)


def test_site_certificates_never_cover_the_use_stage_grid(study_engine):
    """200 GECs cover the site's 2 kWh per unit (1.0 -> 0.1), not the 10 kWh of the use stage:
    market-based 12.02949 - 0.9 = 11.12949."""
    from .study_fixtures import battery_study_data

    data = battery_study_data()
    data["electricity"] = market_study_data()["electricity"]
    computation = recompute(study_from_data(data), study_engine)
    assert computation.coverage.site_lines == ("ELEC",)
    assert computation.coverage.site_kwh_per_unit == pytest.approx(2.0, rel=1e-12)
    assert computation.market.total_kgco2e == pytest.approx(11.12949, rel=1e-9)
    assert computation.market.by_stage["use"] == pytest.approx(5.0, rel=1e-9)
