"""Vectorised batch footprints equal the engine's, BOM by BOM, line by line."""

from __future__ import annotations

import math

import numpy as np
import pytest

from footprint import units
from footprint.batch import ConversionPlans, batch_footprints
from footprint.bom import BomLine

from .test_montecarlo import line, make_bom


def _boms():
    return [
        make_bom(line("L1", "PART", 2, "kg"), line("L2", "ELEC-SITE", 3, "kWh", "manufacturing_energy"), product="plain"),
        make_bom(line("L1", "PART", 2, "kg"), line("L2", "ELEC-SITE", 3, "kWh", "manufacturing_energy"), grid="GRID-B", product="grid B"),
        make_bom(
            line("T", "TRUCK", 250, "g", "inbound_transport", distance_km=120),
            line("A", "AIR", 2, "piece", "inbound_transport", mass_kg_per_piece=0.4, distance_km=3000),
            line("G", "GAS-COMB", 1500, "L", "manufacturing_energy"),
            line("S", "SF6", 3, "g", "process_emissions"),
            product="bridges",
        ),
        make_bom(
            {"id": "SUB", "amount": 3, "unit": "piece", "stage": "purchased_parts", "lines": [line("P", "PAPER", 0.2, "kg"), line("M", "METAL", 50, "g")]},
            line("P", "PAPER", 1, "kg", "packaging") | {"id": "P2"},
            product="nested",
        ),
    ]


def test_batch_equals_engine_per_bom_stage_gas_and_line(mini_engine):
    boms = _boms()
    result = batch_footprints(mini_engine, boms)
    assert result.errors == {}
    assert result.grids == ("GRID-A", "GRID-B", "GRID-A", "GRID-A")
    for i, bom in enumerate(boms):
        expected = mini_engine.calculate(bom)
        row = result.row(i)
        assert row["total_kgco2e"] == pytest.approx(expected.total_kgco2e, rel=1e-13)
        assert row["by_stage"] == pytest.approx(expected.by_stage, rel=1e-13)
        assert row["by_gas"] == pytest.approx(expected.by_gas, rel=1e-13)
        assert row["aircraft_kgco2e"] == pytest.approx(expected.aircraft_kgco2e, rel=1e-13)
        assert row["biogenic_co2_kg"] == pytest.approx(expected.biogenic_co2_kg, rel=1e-13)
        assert [l["path"] for l in row["lines"]] == [l.path for l in expected.lines]
        assert [l["kgco2e"] for l in row["lines"]] == pytest.approx([l.kgco2e for l in expected.lines], rel=1e-13)
        assert math.fsum(row["by_stage"].values()) == pytest.approx(row["total_kgco2e"], rel=1e-12)


def test_hand_values(mini_engine):
    """PART on grid A: 1.1 x 10 + 2 x 0.5 + 0.5 x (2 + 0.001 x 29.8) = 13.0149 kg CO2e/kg."""
    result = batch_footprints(mini_engine, _boms()[:2])
    assert result.totals[0] == pytest.approx(2 * 13.0149 + 3 * 0.5, rel=1e-12)
    # grid B (0.2 + 0.001 x 29.8 = 0.2298 kg CO2e/kWh) for both the part's and the line's power
    assert result.totals[1] == pytest.approx(2 * (11 + 2 * 0.2298 + 1.0149) + 3 * 0.2298, rel=1e-12)


def test_grid_option_overrides_every_bom(mini_engine):
    result = batch_footprints(mini_engine, _boms(), grid="GRID-B")
    assert set(result.grids) == {"GRID-B"}
    assert result.totals[0] == pytest.approx(result.totals[1])


def test_a_bad_bom_is_reported_and_the_others_computed(mini_engine):
    boms = [_boms()[0], make_bom(line("X", "NOT-THERE", 1, "kg")), make_bom(line("E", "ELEC-SITE", 1, "kg"))]
    result = batch_footprints(mini_engine, boms, labels=["a.csv", "b.csv", "c.csv"])
    assert sorted(result.errors) == [1, 2]
    assert "NOT-THERE" in result.errors[1] and "unknown activity" in result.errors[1]
    assert "kWh" in result.errors[2]
    assert np.isnan(result.totals[1]) and np.isnan(result.by_stage[2]).all()
    assert result.row(1) == {"label": "b.csv", "grid": "GRID-A", "error": result.errors[1]}
    assert result.lines_of(1) == [] and len(result.lines_of(0)) == 2
    assert result.totals[0] == pytest.approx(mini_engine.calculate(boms[0]).total_kgco2e)


def test_progress_counts_boms(mini_engine, monkeypatch):
    import footprint.batch as batch

    monkeypatch.setattr(batch, "CHUNK_SIZE", 2)
    calls = []
    batch_footprints(mini_engine, _boms() + _boms()[:1], progress=lambda d, t: calls.append((d, t)))
    assert calls == [(2, 5), (4, 5), (5, 5)]


@pytest.mark.parametrize(
    "fields, activity_unit",
    [
        (dict(amount=1234.5, unit="g"), "kg"),
        (dict(amount=2.5, unit="t"), "kg"),
        (dict(amount=3, unit="MWh"), "kWh"),
        (dict(amount=7, unit="piece", mass_kg_per_piece=0.35), "kg"),
        (dict(amount=7, unit="kg", mass_kg_per_piece=None), "kg"),
        (dict(amount=400, unit="g", distance_km=850), "tkm"),
        (dict(amount=3, unit="piece", mass_kg_per_piece=0.2, distance_km=40), "tkm"),
        (dict(amount=1500, unit="L"), "m3"),
    ],
)
def test_cached_conversion_matches_the_exact_converter(fields, activity_unit):
    line_model = BomLine(id="L", activity_id="X", stage="raw_materials", **fields)
    plans = ConversionPlans()
    expected = units.to_activity_unit(
        line_model.amount, line_model.unit, activity_unit, mass_kg_per_piece=line_model.mass_kg_per_piece, distance_km=line_model.distance_km
    )
    assert plans.convert(line_model, activity_unit) == pytest.approx(expected, rel=1e-15)
    assert plans.convert(line_model, activity_unit) == pytest.approx(expected, rel=1e-15)  # cached plan


def test_a_line_in_m2_with_its_mass_per_unit_computes_as_in_the_engine(mini_engine, m2_panel_bom):
    """mass_kg_per_unit bridges m2 -> kg and carries the line (tkm) in the batch as in the engine:
    2 m2 at 7.5 kg/m2 = 15 kg of METAL, and 15 kg x 200 km = 3 tkm of TRUCK."""
    bom = m2_panel_bom
    result = batch_footprints(mini_engine, [bom])
    assert result.errors == {}
    expected = mini_engine.calculate(bom)
    assert result.row(0)["total_kgco2e"] == pytest.approx(expected.total_kgco2e, rel=1e-13)
    assert [l["kgco2e"] for l in result.row(0)["lines"]] == pytest.approx([l.kgco2e for l in expected.lines], rel=1e-13)


def test_mass_to_pieces_divides_by_the_mass():
    line_model = BomLine(id="L", activity_id="X", stage="raw_materials", amount=3, unit="kg")
    object.__setattr__(line_model, "mass_kg_per_piece", 0.25)  # kg line counted in pieces
    assert ConversionPlans().convert(line_model, "piece") == pytest.approx(12.0)
