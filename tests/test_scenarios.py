"""Scenario ranking and alternative proposals, checked by hand on the mini dataset.

Hand values (IPCC AR6, CH4 fossil 29.8):
  GRID-A 0.5, GRID-B 0.2 + 0.001 x 29.8 = 0.2298 kg CO2e/kWh; GAS-COMB 2 + 0.0298 = 2.0298 /m3
  PART on A: 1.1 x 10 + 2 x 0.5 + 0.5 x 2.0298 = 13.0149; on B: 11 + 0.4596 + 1.0149 = 12.4745
  BOM: L1 2 kg PART 26.0298, L2 3 kWh ELEC-SITE 1.5, L3 5 tkm TRUCK 0.5, L4 1 tkm AIR 1.0
  baseline 29.0298
  grid B: 24.949 + 0.6894 + 0.5 + 1.0 = 27.1384 -> -1.8914
  L4 AIR -> TRUCK: 0.1 - 1.0 -> -0.9
  L1 x 0.5: -13.0149;  L3 x 2: +0.5
"""

from __future__ import annotations

import pytest

from footprint.errors import FootprintError
from footprint.scenarios import apply_scenario, candidates, change_grid, propose_alternatives, run_scenarios, scale, swap

from .test_montecarlo import line, make_bom

BOM = make_bom(
    line("L1", "PART", 2, "kg"),
    line("L2", "ELEC-SITE", 3, "kWh", "manufacturing_energy"),
    line("L3", "TRUCK", 5, "tkm", "inbound_transport"),
    line("L4", "AIR", 1, "tkm", "inbound_transport"),
)


def test_ranking_by_size_of_change_matches_hand_computation(mini_engine):
    report = run_scenarios(
        mini_engine,
        BOM,
        [swap("L4", "TRUCK"), change_grid("GRID-B"), scale("L3", 2), scale("L1", 0.5), swap("L2", "METAL")],
    )
    assert report.baseline.total_kgco2e == pytest.approx(29.0298, rel=1e-12)
    computed = [o for o in report.outcomes if o.error is None]
    assert [o.scenario.label for o in computed] == ["L1: amount x 0.5", "site grid GRID-B", "L4: use TRUCK", "L3: amount x 2"]
    assert [o.change_kgco2e for o in computed] == pytest.approx([-13.0149, -1.8914, -0.9, 0.5], rel=1e-9)
    assert computed[1].total_kgco2e == pytest.approx(27.1384, rel=1e-12)
    assert computed[0].change_share == pytest.approx(-13.0149 / 29.0298)
    last = report.outcomes[-1]  # kWh line cannot become kg of metal: reported, ranked last
    assert last.scenario.label == "L2: use METAL" and last.total_kgco2e is None and "kWh" in last.error
    assert report.to_dict()["scenarios"][0]["change_kgco2e"] == pytest.approx(-13.0149)


def test_scenarios_never_touch_the_original_bom(mini_engine):
    before = BOM.model_dump()
    changed, grid = apply_scenario(BOM, scale("L1", 3))
    apply_scenario(BOM, swap("L4", "TRUCK"))
    assert grid is None and changed.lines[0].amount == 6
    assert BOM.model_dump() == before
    with pytest.raises(FootprintError, match="no line"):
        apply_scenario(BOM, scale("NOPE", 2))


def test_alternatives_come_from_the_same_family(mini_engine):
    dataset = mini_engine.dataset
    assert [a.id for a in candidates(dataset, "GRID-A")] == ["GRID-B"]  # ELEC-SITE never offered
    assert candidates(dataset, "AIR") == []  # freight, but another id family (mini ids have no prefix)


def test_proposals_for_hotspots_and_grid(mini_engine):
    bom = make_bom(line("PWR", "GRID-A", 10, "kWh", "manufacturing_energy"), line("L1", "PART", 1, "kg"))
    suggestions = propose_alternatives(mini_engine, bom)
    as_pairs = [(s.kind, s.path, s.from_id, s.to_id) for s in suggestions]
    # Grid first (PART draws site power: 2 kWh x (0.2298 - 0.5) = -0.5404), then hotspots in order:
    # L1 PART (13.0149) has no alternative; PWR (5.0) -> GRID-B: 10 x (0.2298 - 0.5) = -2.702
    assert as_pairs == [("grid", None, "GRID-A", "GRID-B"), ("swap", "PWR", "GRID-A", "GRID-B")]
    assert [s.change_kgco2e for s in suggestions] == pytest.approx([-0.5404, -2.702], rel=1e-9)
    assert suggestions[1].to_dict()["to_name_zh"] == "电网B"


def test_no_proposal_that_raises_the_footprint(mini_engine):
    bom = make_bom(line("PWR", "GRID-B", 10, "kWh", "manufacturing_energy"), grid="GRID-B")
    assert propose_alternatives(mini_engine, bom) == []


def test_each_suggestion_names_the_lever_it_pulls():
    """Green power for generation, recycled content, same product from another route, another
    material, another transport mode, another grid."""
    from types import SimpleNamespace as A

    from footprint.scenarios import lever

    grid = A(id="ELEC-GD-2023-LCA", name_en="Electricity, Guangdong", category="electricity_grid")
    site = A(id="ELEC-SITE", name_en="Electricity at the site", category="electricity_site")
    assert lever(site, A(id="ELEC-GEN-PV-CN-2024", name_en="Electricity, PV", category="electricity_generation")) == "green_power"
    assert lever(site, grid) == "grid"
    primary = A(id="AL-PRIM-CN", name_en="Primary aluminium ingot, China", category="material")
    assert lever(primary, A(id="AL-SEC-CN", name_en="Secondary (remelted) aluminium ingot", category="material")) == "recycled"
    pp = A(id="PP-GBA", name_en="Polypropylene resin, naphtha route", category="material")
    assert lever(pp, A(id="PP-CN-MKT", name_en="Polypropylene resin, China market", category="material")) == "supplier"
    assert lever(pp, A(id="PP-BIO", name_en="Bio-based polyethylene", category="material")) == "material"
    truck = A(id="FRT-TRK-HEAVY-DIESEL-CN", name_en="Road freight, heavy truck", category="freight")
    assert lever(truck, A(id="FRT-RAIL-CN", name_en="Rail freight", category="freight")) == "transport"


def test_site_electricity_gets_a_green_power_proposal_even_when_not_a_hotspot(mini_engine):
    bom = make_bom(line("L1", "PART", 1, "kg"), line("PWR", "GRID-A", 0.1, "kWh", "manufacturing_energy"))
    suggestions = propose_alternatives(mini_engine, bom, top_lines=1)
    assert ("PWR", "GRID-B") in [(s.path, s.to_id) for s in suggestions if s.kind == "swap"]
    assert {s.lever for s in suggestions} <= {"grid", "green_power", "recycled", "supplier", "material", "transport"}
