"""The real GBA dataset, against supply chains computed by hand from the numbers in its CSVs.

Each test first asserts that the dataset still holds the numbers used in the hand calculation
(so a data change fails here loudly rather than silently changing the expectation), then
compares the engine with amount x factor summed through the chain. Tolerance 1e-9 relative.
"""

from __future__ import annotations

import pytest

from footprint.bom import bom_from_data
from footprint.dataset_ranges import unit_footprints
from footprint.methods import load_method

REL = 1e-9
CH4_FOSSIL, N2O = 29.8, 273.0


def exchange(dataset, activity, input_id, amount):
    """Assert that ``activity`` has an exchange from ``input_id`` with ``amount``; return it."""
    matches = [e.amount for e in dataset.exchanges_of(activity) if e.input_id == input_id]
    assert amount in matches, f"{activity} <- {input_id}: dataset has {matches}, hand calc uses {amount}"
    return amount


def natural_gas_per_m3(dataset):
    return (
        exchange(dataset, "FUEL-NG-SUPPLY-CN", "ghg_co2e_unspecified", 0.608)
        + exchange(dataset, "FUEL-NG-COMB-CN", "co2_fossil", 2.1622)
        + exchange(dataset, "FUEL-NG-COMB-CN", "ch4_fossil", 0.00003893) * CH4_FOSSIL
        + exchange(dataset, "FUEL-NG-COMB-CN", "n2o", 0.000003893) * N2O
    )


@pytest.mark.parametrize("grid", ["ELEC-GD-2023-LCA", "ELEC-HK-CLP-2024-LCA"])
def test_extruded_aluminium_by_hand(gba_engine, gba_dataset, grid):
    """AL-EXTR-GBA = 1.06 kg primary Al + extrusion at a GBA supplier (1 kWh Guangdong grid + 2 MJ
    gas); the study's grid does not reach the supplier, so every grid gives the same value."""
    d = gba_dataset
    primary = exchange(d, "AL-PRIM-CN", "ghg_co2e_unspecified", 15.947)
    metal = exchange(d, "AL-EXTR-GBA", "AL-PRIM-CN", 1) + exchange(d, "AL-EXTR-GBA", "AL-PRIM-CN", 0.06)
    kwh = exchange(d, "PROC-AL-EXTRUSION", "ELEC-GD-2023-LCA", 1)
    guangdong = exchange(d, "ELEC-GD-2023-LCA", "ghg_co2e_unspecified", 0.5168)
    gas_mj = exchange(d, "PROC-AL-EXTRUSION", "FUEL-NG-COMB-MJ", 2)
    m3_per_mj = exchange(d, "FUEL-NG-COMB-MJ", "FUEL-NG-COMB-CN", 0.025686)
    assert len(d.exchanges_of("PROC-AL-EXTRUSION")) == 2 and len(d.exchanges_of("AL-EXTR-GBA")) == 3
    expected = metal * primary + kwh * guangdong + gas_mj * m3_per_mj * natural_gas_per_m3(d)
    assert gba_engine.activity_footprint("AL-EXTR-GBA", grid=grid) == pytest.approx(expected, rel=REL)


def test_bom_on_the_real_dataset(gba_engine, gba_dataset):
    """A small BOM with unit conversions, summed by hand from the activities' footprints."""
    d = gba_dataset
    grid = exchange(d, d.default_site_grid, "ghg_co2e_unspecified", 0.5777)  # official national 2024
    corrugated = exchange(d, "PAPER-CORR-CN", "ghg_co2e_unspecified", 1.2)
    truck = exchange(d, "FRT-TRK-HEAVY-DIESEL-CN", "ghg_co2e_unspecified", 0.0978)
    bom = bom_from_data(
        {
            "product": "Bracket",
            "declared_unit": {"quantity": 1, "unit": "piece", "mass_kg_per_piece": 2.5},
            "lines": [
                {"id": "AL", "activity_id": "AL-EXTR-GBA", "amount": 2.5, "unit": "kg", "stage": "raw_materials"},
                {"id": "E", "activity_id": "ELEC-SITE", "amount": 0.0012, "unit": "MWh", "stage": "manufacturing_energy"},
                {"id": "G", "activity_id": "FUEL-NG-COMB-CN", "amount": 0.3, "unit": "m3", "stage": "manufacturing_energy"},
                {"id": "BOX", "activity_id": "PAPER-CORR-CN", "amount": 0.5, "unit": "lb", "stage": "packaging"},
                {"id": "T", "activity_id": "FRT-TRK-HEAVY-DIESEL-CN", "amount": 2.5, "unit": "kg", "distance_km": 400, "stage": "inbound_transport"},
            ],
        }
    )
    al = gba_engine.activity_footprint("AL-EXTR-GBA")
    expected = 2.5 * al + 1.2 * grid + 0.3 * natural_gas_per_m3(d) + 0.5 * 0.45359237 * corrugated + 0.0025 * 400 * truck
    result = gba_engine.calculate(bom)
    assert result.total_kgco2e == pytest.approx(expected, rel=REL)
    assert sum(line.kgco2e for line in result.lines) == pytest.approx(result.total_kgco2e, rel=1e-12)


def test_every_activity_agrees_with_the_independent_solver(gba_engine, gba_dataset):
    independent = unit_footprints(gba_dataset, load_method().factors)
    scores = gba_engine.unit_scores()
    for code, value in independent.items():
        assert scores.total[gba_engine.background.activity_index[code]] == pytest.approx(value, rel=1e-12, abs=1e-15), code


def test_a_sample_of_activities_agrees_with_bw2calc(gba_engine):
    for code in ("AL-EXTR-GBA", "PP-PART-GBA", "ELEC-HK-HKE-2024-LCA", "FUEL-DIESEL-COMB-CN", "FRT-AIR-CN"):
        expected = gba_engine.background.brightway_score({code: 1.0})
        assert gba_engine.activity_footprint(code) == pytest.approx(expected, rel=1e-6), code


def test_no_background_activity_draws_the_site_grid(gba_dataset):
    """The grid rule: ELEC-SITE is the study's own factory. Background activities, GBA supplier
    steps included, draw the grid of their own region, so none may consume ELEC-SITE."""
    consumers = sorted({e.activity_id for e in gba_dataset.exchanges if e.input_id == "ELEC-SITE"})
    assert consumers == []


def test_grid_switch_moves_only_the_site_electricity(gba_engine, gba_dataset):
    """Every grid is selectable; it changes ELEC-SITE and nothing else in the background; a BOM's
    total moves by exactly its site kWh x (new grid - default grid)."""
    default = gba_dataset.default_site_grid
    base = gba_engine.unit_scores(default).total
    index = gba_engine.background.activity_index
    bom = bom_from_data(
        {
            "product": "moulded part made at the study site",
            "declared_unit": {"quantity": 1, "unit": "kg"},
            "lines": [
                {"id": "P", "activity_id": "PP-PART-GBA", "amount": 1, "unit": "kg", "stage": "purchased_parts"},
                {"id": "E", "activity_id": "ELEC-SITE", "amount": 3, "unit": "kWh", "stage": "manufacturing_energy"},
            ],
        }
    )
    base_total = gba_engine.calculate(bom, grid=default).total_kgco2e
    for grid in gba_dataset.grids():
        scores = gba_engine.unit_scores(grid.id).total
        assert scores[index["ELEC-SITE"]] == pytest.approx(scores[index[grid.id]], rel=1e-12)
        changed = [code for code, i in index.items() if code != "ELEC-SITE" and scores[i] != pytest.approx(base[i], rel=1e-12, abs=1e-15)]
        assert changed == [], f"{grid.id} changed supplier activities: {changed[:5]}"
        expected = base_total + 3 * (scores[index[grid.id]] - base[index[default]])
        assert gba_engine.calculate(bom, grid=grid.id).total_kgco2e == pytest.approx(expected, rel=1e-12)


def test_air_freight_is_reported_as_aircraft(gba_engine):
    bom = bom_from_data(
        {
            "product": "x",
            "declared_unit": {"quantity": 1, "unit": "kg"},
            "lines": [{"id": "A", "activity_id": "FRT-AIR-CN", "amount": 1, "unit": "tkm", "stage": "inbound_transport"}],
        }
    )
    result = gba_engine.calculate(bom)
    assert result.aircraft_kgco2e == pytest.approx(result.total_kgco2e, rel=1e-12)
