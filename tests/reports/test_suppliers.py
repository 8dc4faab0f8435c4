"""BOMs with supplier PACT lines: computed by wrapping the engine, every invariant kept."""

from __future__ import annotations

import math

import pytest

from footprint.errors import InputError


@pytest.fixture(scope="module")
def cell():
    from footprint.exchange.suppliers import SupplierActivity

    return SupplierActivity(
        id="SUP-CELL",
        name="LFP cell",
        name_zh="磷酸铁锂电芯",
        unit="kg",
        kgco2e_per_unit=6.0,
        supplier="Cell Supplier Ltd.",
        land_use_change_kgco2e=0.25,
        biogenic_kgco2e=0.25,
        aircraft_kgco2e=0.1,
        biogenic_co2_kg=0.05,
    )


def _bom(extra_lines):
    from footprint.bom import bom_from_data

    return bom_from_data(
        {
            "product": "Pack",
            "declared_unit": {"quantity": 1, "unit": "piece", "mass_kg_per_piece": 10},
            "lines": [
                {"id": "HOUSING", "activity_id": "HOUSING", "amount": 0.3, "unit": "kg", "stage": "raw_materials"},
                {"id": "ELEC", "activity_id": "ELEC-SITE", "amount": 2, "unit": "kWh", "stage": "manufacturing_energy"},
                *extra_lines,
            ],
        }
    )


def test_supplier_line_adds_amount_times_its_footprint(study_engine, cell):
    from footprint.exchange.pact import add_supplier_line, supplier_line
    from footprint.exchange.suppliers import SupplierAwareEngine

    plain = _bom([])
    bom = add_supplier_line(plain, supplier_line(cell, "CELLS", 1500, "g"))
    engine = SupplierAwareEngine(study_engine, [cell])
    base = study_engine.calculate(plain)
    result = engine.calculate(bom)
    assert result.total_kgco2e == pytest.approx(base.total_kgco2e + 1.5 * 6.0, rel=1e-12)
    line = result.lines[-1]
    assert (line.path, line.activity_id, line.data_type, line.stage) == ("CELLS", "SUP-CELL", "primary", "purchased_parts")
    assert line.activity_amount == pytest.approx(1.5) and line.activity_unit == "kg"
    total = result.total_kgco2e
    for parts in (result.by_stage, result.by_gas, result.by_origin):
        assert math.fsum(parts.values()) == pytest.approx(total, rel=1e-9)
    assert math.fsum(l.kgco2e for l in result.lines) == pytest.approx(total, rel=1e-12)
    assert math.fsum(l.share for l in result.lines) == pytest.approx(1.0)
    assert result.by_origin["land_use_change"] == pytest.approx(base.by_origin["land_use_change"] + 0.375)
    assert result.aircraft_kgco2e == pytest.approx(base.aircraft_kgco2e + 0.15)
    assert result.biogenic_co2_kg == pytest.approx(base.biogenic_co2_kg + 0.075)


def test_without_supplier_lines_it_is_the_engine(study_engine, cell):
    from footprint.exchange.suppliers import SupplierAwareEngine

    bom = _bom([])
    assert SupplierAwareEngine(study_engine, [cell]).calculate(bom) == study_engine.calculate(bom)


def test_supplier_lines_inside_a_sub_assembly_and_a_grid_switch(study_engine, cell):
    from footprint.exchange.suppliers import SupplierAwareEngine

    bom = _bom([{"id": "MODULE", "amount": 4, "unit": "piece", "stage": "purchased_parts", "lines": [{"id": "C", "activity_id": "SUP-CELL", "amount": 0.5, "unit": "kg"}]}])
    engine = SupplierAwareEngine(study_engine, [cell])
    on_a = engine.calculate(bom)
    grids = [g.id for g in study_engine.dataset.grids()]
    other = next(g for g in grids if g != on_a.grid)
    on_b = engine.calculate(bom, grid=other)
    cells_a = next(l for l in on_a.lines if l.path == "MODULE/C")
    cells_b = next(l for l in on_b.lines if l.path == "MODULE/C")
    assert cells_a.kgco2e == pytest.approx(4 * 0.5 * 6.0) == cells_b.kgco2e  # the supplier's number does not follow our grid
    assert on_a.total_kgco2e != on_b.total_kgco2e


def test_only_supplier_lines(study_engine, cell):
    from footprint.bom import bom_from_data
    from footprint.exchange.suppliers import SupplierAwareEngine

    bom = bom_from_data({"product": "Cells", "declared_unit": "1 kg", "lines": [{"id": "C", "activity_id": "SUP-CELL", "amount": 1, "unit": "kg", "stage": "purchased_parts"}]})
    result = SupplierAwareEngine(study_engine, [cell]).calculate(bom)
    assert result.total_kgco2e == pytest.approx(6.0) and result.by_stage == {"purchased_parts": pytest.approx(6.0)}


def test_wrong_unit_and_id_clash_are_located(study_engine, cell):
    from footprint.exchange.suppliers import SupplierActivity, SupplierAwareEngine

    bom = _bom([{"id": "C", "activity_id": "SUP-CELL", "amount": 3, "unit": "kWh", "stage": "purchased_parts"}])
    with pytest.raises(InputError) as caught:
        SupplierAwareEngine(study_engine, [cell]).calculate(bom)
    assert caught.value.issues[0].line_id == "C" and caught.value.issues[0].field == "unit"
    clash = SupplierActivity(id="HOUSING", name="x", unit="kg", kgco2e_per_unit=1.0)
    with pytest.raises(InputError, match="also a dataset activity"):
        SupplierAwareEngine(study_engine, [clash])


def test_report_and_pact_name_the_supplier(study_engine, cell):
    from footprint.exchange.pact import PactOptions, product_footprint
    from footprint.reports.content import build_document
    from footprint.reports.inputs import prepare_report

    bom = _bom([{"id": "C", "activity_id": "SUP-CELL", "amount": 2, "unit": "kg", "stage": "purchased_parts", "data_type": "primary"}])
    source = prepare_report(bom, study_engine, suppliers=[cell])
    assert [a.id for a in source.suppliers] == ["SUP-CELL"]
    body = build_document(source, "zh").text()
    assert "磷酸铁锂电芯" in body and "Cell Supplier Ltd." in body
    from datetime import date

    data = product_footprint(source, PactOptions(company_name="Pack Co.", reference_period=(date(2024, 1, 1), date(2024, 12, 31))))
    assert data["extensions"][0]["data"]["supplierFootprints"][0]["activityId"] == "SUP-CELL"
