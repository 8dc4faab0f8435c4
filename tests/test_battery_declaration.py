"""The EU battery carbon footprint declaration (footprint.battery_declaration), by hand.

The battery study of tests/study_fixtures.py: per 1 kWh rated (5 kWh rated, 10,000 kWh over its
service life), so one declared unit is 5 / 10,000 = 0.0005 of a battery's per-kWh-delivered share:
  raw material acquisition  (3.6 + 2.0 + 0.008)            x 0.0005 = 0.002804
  main product production   (1.10149 + 0 + 0.1 + 0.01)      x 0.0005 = 0.000605745
  distribution              0.02                           x 0.0005 = 0.00001
  end of life and recycling 0.19                           x 0.0005 = 0.000095
  total                                                            = 0.003514745 kg CO2e/kWh
The use stage (10 kWh x 0.5 = 5.0 per declared unit, 25 per battery) is left out.
Tolerance: 1e-9 relative (float sums of exact decimal inputs).
"""

from __future__ import annotations

import json

import pytest
import yaml

from footprint.battery_declaration import MAPPING_FILE, battery_declaration, load_stage_mapping
from footprint.errors import FootprintError, InputError
from footprint.study import study_from_data

from .study_fixtures import battery_study_data, study_dataset, study_engine  # noqa: F401

EXPECTED = {
    "raw_material_acquisition": 0.002804,
    "main_product_production": 0.000605745,
    "distribution": 0.00001,
    "end_of_life": 0.000095,
}


def test_per_stage_values_per_kwh_of_service_life_energy(study_engine):
    study = study_from_data(battery_study_data())
    declaration = battery_declaration(study, study_engine)
    values = {s["id"]: s["kgco2e_per_kwh"] for s in declaration["stages"]}
    assert list(values) == list(EXPECTED)
    for stage, expected in EXPECTED.items():
        assert values[stage] == pytest.approx(expected, rel=1e-9), stage
    assert declaration["total_kgco2e_per_kwh"] == pytest.approx(0.003514745, rel=1e-9)
    assert declaration["total_kgco2e_per_battery"] == pytest.approx(35.14745, rel=1e-9)
    assert declaration["declared_units_per_battery"] == 5.0
    assert declaration["service_life_energy_kwh"] == 10_000.0
    (use,) = declaration["excluded_stages"]
    assert use["bom_stage"] == "use" and use["kgco2e_per_battery"] == pytest.approx(25.0, rel=1e-9)
    assert all(s["in_boundary"] for s in declaration["stages"])


def test_identifiers_and_hashes(study_engine):
    study = study_from_data(battery_study_data())
    declaration = battery_declaration(study, study_engine)
    assert declaration["study"] == {"id": "TEST-BATTERY-2024", "sha256": study.sha256()}
    assert declaration["dataset"]["sha256"] == study_engine.dataset.sha256
    assert declaration["rule_set"]["id"] == "gba-li-ion-battery-pack" and len(declaration["rule_set"]["sha256"]) == 64
    assert len(declaration["stage_mapping"]["sha256"]) == 64
    assert declaration["basis"] == "location"
    json.dumps(declaration)  # JSON-ready


def test_a_declared_unit_of_one_piece_scales_by_one(study_engine):
    data = battery_study_data()
    data["bom"]["declared_unit"] = {"quantity": 1, "unit": "piece", "mass_kg_per_piece": 0.38}
    declaration = battery_declaration(study_from_data(data), study_engine)
    assert declaration["declared_units_per_battery"] == 1.0
    assert declaration["total_kgco2e_per_kwh"] == pytest.approx(7.02949 / 10_000, rel=1e-9)


def test_stages_outside_the_boundary_are_zero_and_carry_their_reason(study_engine):
    data = battery_study_data(post_gate=False)
    data["boundary"]["excluded"] += [{"stage": "distribution", "reason": "sold ex works"}]
    declaration = battery_declaration(study_from_data(data), study_engine)
    stages = {s["id"]: s for s in declaration["stages"]}
    assert stages["distribution"]["kgco2e_per_kwh"] == 0.0 and not stages["distribution"]["in_boundary"]
    assert stages["distribution"]["excluded_reason"] == "sold ex works"
    assert declaration["total_kgco2e_per_kwh"] == pytest.approx(6.81949 * 5 / 10_000, rel=1e-9)


@pytest.mark.parametrize("value", [0, -1, "many", None])
def test_service_life_energy_is_required(study_engine, value):
    data = battery_study_data()
    if value is None:
        del data["product"]["properties"]["service_life_energy_kwh"]
    else:
        data["product"]["properties"]["service_life_energy_kwh"] = value
    with pytest.raises(InputError, match="service_life_energy_kwh"):
        battery_declaration(study_from_data(data), study_engine)


def test_the_mapping_covers_every_stage_once():
    mapping = load_stage_mapping()
    mapped = [b for s in mapping.stages for b in s.bom_stages]
    assert sorted(mapped + list(mapping.excluded)) == sorted(["raw_materials", "purchased_parts", "manufacturing_energy", "process_emissions", "inbound_transport", "packaging", "production_waste", "distribution", "use", "end_of_life"])
    assert list(mapping.excluded) == ["use"]


def test_a_broken_mapping_is_refused(tmp_path):
    data = yaml.safe_load(MAPPING_FILE.read_text(encoding="utf-8"))
    data["stages"][0]["from"].append("packaging")
    data["excluded"] = []
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(FootprintError, match="'packaging' is mapped more than once.*'use' is neither mapped nor excluded"):
        load_stage_mapping(path)
