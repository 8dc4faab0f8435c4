"""Engine results against hand calculation on the mini dataset (tests/data/mini).

Unit footprints by hand (AR6: CH4 fossil 29.8, SF6 25,200):
  GRID-A 0.5; GRID-B 0.2 + 0.001*29.8 = 0.2298; ELEC-SITE = the selected grid
  GAS-COMB 2 + 0.001*29.8 = 2.0298 per m3; METAL 10 per kg
  PART = 1.1*10 + 2*ELEC-SITE + 0.5*2.0298 = 13.0149 (grid A) / 12.4745 (grid B)
  PAPER 1 (+1.5 kg biogenic CO2, not in the total); AIR 1 /tkm; TRUCK 0.1 /tkm; SF6 25,200 /kg
Tolerance: 1e-12 relative (float64 throughout; only summation order differs).
"""

from __future__ import annotations

import copy
import math
import threading

import pytest

from footprint.bom import bom_from_data
from footprint.errors import InputError, UnknownActivityError

REL = 1e-12

BOM = {
    "product": "Test widget",
    "declared_unit": {"quantity": 1, "unit": "piece", "mass_kg_per_piece": 2.0},
    "lines": [
        {"id": "L1", "activity_id": "PART", "amount": 1500, "unit": "g", "stage": "raw_materials"},
        {"id": "L2", "activity_id": "ELEC-SITE", "amount": 0.002, "unit": "MWh", "stage": "manufacturing_energy", "data_type": "primary"},
        {"id": "L3", "activity_id": "GAS-COMB", "amount": 0.1, "unit": "m3", "stage": "manufacturing_energy", "data_type": "primary"},
        {"id": "L4", "activity_id": "TRUCK", "amount": 0.5, "unit": "t", "distance_km": 100, "stage": "inbound_transport"},
        {"id": "L5", "activity_id": "AIR", "amount": 10, "unit": "kg", "distance_km": 200, "stage": "inbound_transport"},
        {"id": "L6", "activity_id": "PAPER", "amount": 0.2, "unit": "lb", "stage": "packaging"},
        {"id": "L7", "activity_id": "SF6", "amount": 1, "unit": "g", "stage": "process_emissions"},
        {
            "id": "BRACKET",
            "amount": 2,
            "unit": "piece",
            "stage": "purchased_parts",
            "lines": [{"id": "B1", "activity_id": "METAL", "amount": 1, "unit": "piece", "mass_kg_per_piece": 0.3}],
        },
    ],
}
LB = 0.45359237
EXPECTED_LINES = {
    "L1": 1.5 * 13.0149,
    "L2": 2 * 0.5,
    "L3": 0.1 * 2.0298,
    "L4": 0.5 * 100 * 0.1,
    "L5": 0.010 * 200 * 1.0,
    "L6": 0.2 * LB * 1.0,
    "L7": 0.001 * 25200,
    "BRACKET/B1": 2 * 0.3 * 10,
}
EXPECTED_TOTAL = math.fsum(EXPECTED_LINES.values())  # 59.016048474


def bom(data=BOM):
    return bom_from_data(copy.deepcopy(data))


def test_total_and_lines_match_hand_calculation(mini_engine):
    result = mini_engine.calculate(bom())
    assert result.total_kgco2e == pytest.approx(59.016048474, rel=REL)
    assert {line.path: line.kgco2e for line in result.lines} == pytest.approx(EXPECTED_LINES, rel=REL)


def test_by_gas_by_stage_by_origin(mini_engine):
    result = mini_engine.calculate(bom())
    assert result.by_gas == pytest.approx(
        {
            "ghg_co2e_unspecified": 1.5 * 12 + 1.0 + 5 + 2 + 0.2 * LB + 6,
            "co2_fossil": 1.5 * 0.5 * 2 + 0.1 * 2,
            "ch4_fossil": (1.5 * 0.5 * 0.001 + 0.1 * 0.001) * 29.8,
            "sf6": 25.2,
        },
        rel=REL,
    )
    assert result.by_stage == pytest.approx(
        {
            "raw_materials": EXPECTED_LINES["L1"],
            "manufacturing_energy": EXPECTED_LINES["L2"] + EXPECTED_LINES["L3"],
            "inbound_transport": 7.0,
            "packaging": 0.2 * LB,
            "process_emissions": 25.2,
            "purchased_parts": 6.0,
        },
        rel=REL,
    )
    assert result.aircraft_kgco2e == pytest.approx(2.0, rel=REL)
    assert result.biogenic_co2_kg == pytest.approx(1.5 * 0.2 * LB, rel=REL)
    assert result.by_origin["biogenic"] == 0.0
    for part in (result.by_gas, result.by_stage, result.by_origin):
        assert math.fsum(part.values()) == pytest.approx(result.total_kgco2e, rel=1e-9)
    assert math.fsum(line.kgco2e for line in result.lines) == pytest.approx(result.total_kgco2e, rel=1e-12)


def test_grid_switch_propagates_through_the_supply_chain(mini_engine):
    result = mini_engine.calculate(bom(), grid="GRID-B")
    expected = EXPECTED_TOTAL - EXPECTED_LINES["L1"] - EXPECTED_LINES["L2"] + 1.5 * 12.4745 + 2 * 0.2298
    assert result.grid == "GRID-B"
    assert result.total_kgco2e == pytest.approx(expected, rel=REL)
    # the grid named in the BOM is used when no grid is passed
    data = copy.deepcopy(BOM)
    data["grid"] = "GRID-B"
    assert mini_engine.calculate(bom(data)).total_kgco2e == pytest.approx(expected, rel=REL)


def test_linearity_double_the_bom_double_the_result(mini_engine):
    data = copy.deepcopy(BOM)
    for line in data["lines"]:
        line["amount"] *= 2
    assert mini_engine.calculate(bom(data)).total_kgco2e == pytest.approx(2 * EXPECTED_TOTAL, rel=REL)


def test_full_brightway_lca_agrees(mini_engine):
    result = mini_engine.calculate(bom())
    demand: dict[str, float] = {}
    for line in result.lines:
        demand[line.activity_id] = demand.get(line.activity_id, 0.0) + line.activity_amount
    assert mini_engine.background.brightway_score(demand) == pytest.approx(result.total_kgco2e, rel=1e-6)


def test_same_inputs_same_bytes(mini_engine):
    assert mini_engine.calculate(bom()).to_json() == mini_engine.calculate(bom()).to_json()


def test_result_names_dataset_and_method(mini_engine, mini_dataset):
    payload = mini_engine.calculate(bom()).to_dict()
    assert payload["dataset"] == {"id": "mini", "version": "0.0.1", "sha256": mini_dataset.sha256}
    assert payload["method"]["id"] == "ipcc-ar6-gwp100"
    assert len(payload["method"]["sha256"]) == 64


def test_engine_with_another_method_is_kept_and_computes_with_it(mini_engine):
    """What Monte Carlo and scenarios use to describe a result under AR5: a sibling engine on the
    same background, made once."""
    assert mini_engine.with_method(None) is mini_engine.with_method(mini_engine.method_id) is mini_engine
    ar5 = mini_engine.with_method("ipcc-ar5-gwp100")
    assert ar5 is mini_engine.with_method("ipcc-ar5-gwp100") and ar5.background is mini_engine.background
    assert ar5.method_id == "ipcc-ar5-gwp100"
    assert ar5.calculate(bom()).total_kgco2e == mini_engine.calculate(bom(), method_id="ipcc-ar5-gwp100").total_kgco2e != mini_engine.calculate(bom()).total_kgco2e


def test_ar5_method_recharacterises_gases(mini_engine):
    ar5 = mini_engine.calculate(bom(), method_id="ipcc-ar5-gwp100")
    ch4 = (1.5 * 0.5 * 0.001 + 0.1 * 0.001)
    expected = EXPECTED_TOTAL - ch4 * 29.8 + ch4 * 30 - 25.2 + 0.001 * 23500
    assert ar5.total_kgco2e == pytest.approx(expected, rel=REL)


def test_many_threads_get_identical_results(mini_engine):
    expected = {grid: mini_engine.calculate(bom(), grid=grid).to_json() for grid in ("GRID-A", "GRID-B")}
    failures, results = [], []

    def work(grid):
        try:
            for _ in range(20):
                results.append((grid, mini_engine.calculate(bom(), grid=grid).to_json()))
        except Exception as error:  # pragma: no cover - reported below
            failures.append(error)

    threads = [threading.Thread(target=work, args=(("GRID-A", "GRID-B")[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(results) == 160
    assert all(payload == expected[grid] for grid, payload in results)


def test_unknown_activity_names_the_line(mini_engine):
    data = copy.deepcopy(BOM)
    data["lines"][2]["activity_id"] = "NO-SUCH"
    with pytest.raises(UnknownActivityError) as caught:
        mini_engine.calculate(bom(data))
    assert "L3" in str(caught.value) and "NO-SUCH" in str(caught.value)


@pytest.mark.parametrize(
    ("line", "change", "expected"),
    [
        (1, {"unit": "kg"}, "kg is a mass"),  # kg for an electricity line
        (0, {"unit": "piece"}, "mass_kg_per_piece"),  # piece without a mass for a kg activity
        (3, {"distance_km": None}, "distance_km"),  # transport as a mass without distance
    ],
)
def test_unit_mismatch_names_the_line(mini_engine, line, change, expected):
    data = copy.deepcopy(BOM)
    data["lines"][line].update(change)
    with pytest.raises(InputError) as caught:
        mini_engine.calculate(bom(data))
    issue = caught.value.issues[0]
    assert issue.line_id == data["lines"][line]["id"]
    assert expected in str(caught.value)
    assert issue.message_zh


def test_every_bad_line_is_reported_at_once(mini_engine):
    data = copy.deepcopy(BOM)
    data["lines"][1]["unit"] = "kg"
    data["lines"][2]["activity_id"] = "NO-SUCH"
    with pytest.raises(InputError) as caught:
        mini_engine.calculate(bom(data))
    assert {i.line_id for i in caught.value.issues} == {"L2", "L3"}


def test_unknown_grid_is_refused(mini_engine):
    with pytest.raises(InputError, match="unknown grid; choose one of: GRID-A, GRID-B"):
        mini_engine.calculate(bom(), grid="GRID-Z")


def test_a_line_in_square_metres_with_a_mass_per_unit_draws_a_per_kg_activity_and_can_be_carried(mini_engine, m2_panel_bom):
    """2 m2 of sheet at 7.5 kg/m2 = 15 kg of METAL; the same 15 kg carried 200 km = 0.015 t x 200 km = 3 tkm."""
    bom = m2_panel_bom
    result = mini_engine.calculate(bom)
    by_path = {line.path: line for line in result.lines}
    assert by_path["S"].activity_amount == pytest.approx(15.0, rel=1e-12)
    assert by_path["T"].activity_amount == pytest.approx(3.0, rel=1e-12)
    assert by_path["S"].kgco2e == pytest.approx(15 * mini_engine.activity_footprint("METAL"), rel=1e-12)
    with pytest.raises(InputError, match="distance_km"):
        bom_from_data({**bom.model_dump(mode="json"), "lines": [{"id": "T", "activity_id": "TRUCK", "amount": 2, "unit": "m2", "distance_km": 200}]})
