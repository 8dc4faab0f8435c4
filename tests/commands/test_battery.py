"""``footprint battery-declaration``: the JSON document on the battery study, and clear refusals."""

from __future__ import annotations

import json

import pytest

from footprint.cli import main
from footprint.study import save_study, study_from_data

from ..study_fixtures import STUDY_DATASET, battery_study_data


def write_study(tmp_path, data) -> str:
    return str(save_study(study_from_data(data), tmp_path / "battery.json"))


def test_writes_the_declaration(tmp_path, capsys):
    """Hand values: tests/test_battery_declaration.py (total 0.003514745 kg CO2e/kWh, 1e-9)."""
    out = tmp_path / "declaration.json"
    code = main(["battery-declaration", write_study(tmp_path, battery_study_data()), "-o", str(out), "--dataset", str(STUDY_DATASET)])
    assert code == 0, capsys.readouterr().err
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["total_kgco2e_per_kwh"] == pytest.approx(0.003514745, rel=1e-9)
    assert [s["id"] for s in document["stages"]] == ["raw_material_acquisition", "main_product_production", "distribution", "end_of_life"]
    assert document["rule_set"]["id"] == "gba-li-ion-battery-pack"
    assert document["study"]["id"] == "TEST-BATTERY-2024"


def test_standard_output_by_default(tmp_path, capsys):
    assert main(["battery-declaration", write_study(tmp_path, battery_study_data()), "--dataset", str(STUDY_DATASET)]) == 0
    assert json.loads(capsys.readouterr().out)["unit"] == "kg CO2e/kWh"


def test_without_service_life_energy_exits_2_with_the_field(tmp_path, capsys):
    data = battery_study_data()
    del data["product"]["properties"]["service_life_energy_kwh"]
    assert main(["battery-declaration", write_study(tmp_path, data), "--dataset", str(STUDY_DATASET)]) == 2
    err = capsys.readouterr().err
    assert "product.properties.service_life_energy_kwh" in err and "Traceback" not in err
