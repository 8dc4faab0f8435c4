"""The interval and the "what would change" alternatives describe the headline: with green
certificates, the market-based lines (certified kWh on the certificate's generation activity).

Pure ``webapp.compute.calculate`` on the hand-checkable lamp study (tests/study_fixtures.py):
location-based 6.81949 kg CO2e; with 200 GECs for 100,000 lamps the 2 kWh per lamp are covered
and cost 2 x 0.05 (PV-GEN) instead of 2 x 0.5 (GRID-GD): market-based 5.91949. In the dataset
GRID-GD has a gsd of 1.1 and PV-GEN of 1.3, so the certified line's spread tells whose
uncertainty it carries. A few AppTest checks of the screen text at the end.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from footprint.study import study_from_data
from webapp import integrations
from webapp.catalog import Catalog
from webapp.compute import calculate
from webapp.state import form_from_study

from ..study_fixtures import (  # noqa: F401
    LOCATION_TOTAL,
    MARKET_TOTAL,
    STUDY_DATASET,
    lamp_study_data,
    market_study_data,
    study_dataset,
    study_engine,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CERTIFIED = "ELEC@PV-GEN"
HOUSING_KWH = 0.3 * 2  # kWh of site electricity in the housing's own supply chain (not certified)


@pytest.fixture(scope="module")
def catalog(study_engine):
    return Catalog(study_engine)


def form_of(data: dict, catalog):
    return form_from_study(study_from_data(data), catalog)


@pytest.fixture(scope="module")
def market_outcome(study_engine, catalog):
    outcome = calculate(form_of(market_study_data(), catalog), study_engine)
    assert outcome.ok, outcome.issues
    return outcome


@pytest.fixture(scope="module")
def location_interval(study_engine, market_outcome):
    """The interval the screen showed before: the location-based BOM of the same study."""
    computation = market_outcome.computation
    found = integrations.uncertainty(study_engine, computation.location_bom, computation.location, basis="location")
    assert found is not None
    return found


def test_market_based_interval_is_around_the_market_based_total(market_outcome, location_interval):
    outcome = market_outcome
    assert outcome.computation.headline_basis == "market"
    assert outcome.result.total_kgco2e == pytest.approx(MARKET_TOTAL, rel=1e-12)
    u = outcome.uncertainty
    assert u is not None and u.basis == "market" and outcome.basis == "market"
    assert u.iterations == integrations.MC_ITERATIONS and u.raw.seed == integrations.MC_SEED
    assert math.isclose(u.raw.deterministic_kgco2e, outcome.result.total_kgco2e, rel_tol=1e-9)
    assert CERTIFIED in [line.path for line in u.raw.lines]
    assert u.low < MARKET_TOTAL < u.high
    # not the location-based interval any more: that one is about 0.9 kg higher
    assert math.isclose(location_interval.raw.deterministic_kgco2e, LOCATION_TOTAL, rel_tol=1e-9)
    assert location_interval.low < LOCATION_TOTAL < location_interval.high
    assert u.median < location_interval.median - 0.5
    assert u.high < location_interval.high - 0.5
    assert (u.low, u.high) != (location_interval.low, location_interval.high)


def test_partly_covered_electricity_keeps_a_grid_part_in_the_interval(study_engine, catalog):
    outcome = calculate(form_of(market_study_data(certificates=100, claimed_kwh=100_000), catalog), study_engine)
    expected = LOCATION_TOTAL - 1.0 * (0.5 - 0.05)  # 1 of the 2 kWh per lamp switched to PV-GEN
    assert outcome.result.total_kgco2e == pytest.approx(expected, rel=1e-12)
    raw = outcome.uncertainty.raw
    assert math.isclose(raw.deterministic_kgco2e, outcome.result.total_kgco2e, rel_tol=1e-9)
    kwh = {line.path: line.deterministic_kgco2e for line in raw.lines}
    assert kwh["ELEC"] == pytest.approx(1.0 * 0.5, rel=1e-12) and kwh[CERTIFIED] == pytest.approx(1.0 * 0.05, rel=1e-12)


def test_certified_line_carries_the_generation_activitys_uncertainty(market_outcome, location_interval):
    """Its sampled unit score is PV-GEN's (gsd 1.3), not the grid's (GRID-GD, gsd 1.1); the
    amount keeps the metered line's own distribution."""

    def spread(run, path: str) -> tuple[float, float]:
        index = [line.path for line in run.lines].index(path)
        amount_sigma = math.log(run.lines[index].gsd)
        return float(np.std(np.log(run.line_samples[:, index]), ddof=1)), amount_sigma

    observed, amount_sigma = spread(market_outcome.uncertainty.raw, CERTIFIED)
    assert observed == pytest.approx(math.hypot(amount_sigma, math.log(1.3)), rel=0.1)
    grid_observed, grid_amount_sigma = spread(location_interval.raw, "ELEC")
    assert grid_amount_sigma == pytest.approx(amount_sigma, rel=1e-12)  # same metered kWh distribution
    assert grid_observed == pytest.approx(math.hypot(grid_amount_sigma, math.log(1.1)), rel=0.1)
    assert observed > 2 * grid_observed


def test_without_market_based_electricity_nothing_changes(study_engine, catalog):
    from footprint.montecarlo import monte_carlo

    outcome = calculate(form_of(lamp_study_data(), catalog), study_engine)
    assert outcome.computation.market is None and outcome.basis == "location"
    u = outcome.uncertainty
    assert u.basis == "location"
    assert math.isclose(u.raw.deterministic_kgco2e, LOCATION_TOTAL, rel_tol=1e-9)
    before = monte_carlo(study_engine, outcome.bom, iterations=integrations.MC_ITERATIONS, seed=integrations.MC_SEED)
    assert (u.low, u.median, u.high) == (before.total["p2_5"], before.total["median"], before.total["p97_5"])
    grid = {a.to_id: a for a in outcome.alternatives if a.kind == "grid"}
    assert grid["GRID-CO2"].change_kgco2e == pytest.approx((2 + HOUSING_KWH) * (0.44 - 0.5), rel=1e-9)
    assert grid["GRID-CO2"].total_kgco2e - grid["GRID-CO2"].change_kgco2e == pytest.approx(LOCATION_TOTAL, rel=1e-12)


def test_alternatives_are_measured_from_the_market_based_total(market_outcome):
    grid = [a for a in market_outcome.alternatives if a.kind == "grid"]
    assert grid, market_outcome.alternatives
    for alternative in market_outcome.alternatives:
        assert alternative.total_kgco2e - alternative.change_kgco2e == pytest.approx(MARKET_TOTAL, rel=1e-12)
    # the certified 2 kWh no longer follow the grid: only the housing's upstream kWh do
    co2_only = next(a for a in grid if a.to_id == "GRID-CO2")
    assert co2_only.change_kgco2e == pytest.approx(HOUSING_KWH * (0.44 - 0.5), rel=1e-9)


def test_interval_of_a_study_under_ar5_is_computed_with_ar5(study_engine, catalog):
    data = market_study_data()
    data["method"]["gwp_set"] = "AR5"
    outcome = calculate(form_of(data, catalog), study_engine)
    assert outcome.result.method["id"] == "ipcc-ar5-gwp100" != study_engine.method_id
    assert outcome.result.total_kgco2e != pytest.approx(MARKET_TOTAL, rel=1e-9)  # CH4 of the gas burnt
    u = outcome.uncertainty
    assert u is not None and u.raw.method["id"] == "ipcc-ar5-gwp100"
    assert math.isclose(u.raw.deterministic_kgco2e, outcome.result.total_kgco2e, rel_tol=1e-9)
    assert all(a.total_kgco2e - a.change_kgco2e == pytest.approx(outcome.result.total_kgco2e, rel=1e-12) for a in outcome.alternatives)


def test_report_says_location_only_when_the_simulation_was(study_engine, market_outcome, location_interval):
    from footprint.reports.content import build_document
    from footprint.reports.inputs import prepare_report

    note = "Simulated for the BOM with location-based electricity"
    source = integrations.report_input(market_outcome, study_engine, "gba-general")
    assert source.uncertainty.basis == "market"
    assert source.uncertainty.median == pytest.approx(market_outcome.uncertainty.median, rel=1e-12)
    assert note not in build_document(source, "en").text()
    raw = location_interval.raw
    location_source = prepare_report(market_outcome.study, study_engine, evaluate_rules=False, uncertainty={"iterations": raw.iterations, "seed": raw.seed, **raw.total})
    assert location_source.uncertainty.basis is None
    assert note in build_document(location_source, "en").text()


# ------------------------------------------------------------------------------ the screen


@pytest.mark.parametrize(
    ("language", "interval", "alternatives"),
    [
        ("en", "Monte Carlo, 1000 runs, of the market-based total", "Computed on the market-based BOM"),
        ("zh-Hans", "蒙特卡洛模拟 1000 次（基于市场的结果）", "按基于市场的物料清单计算"),
    ],
)
def test_screen_says_the_interval_is_for_the_market_based_total(monkeypatch, language, interval, alternatives):
    from .helpers import calculate as press_calculate
    from .helpers import new_app, show_results, texts
    from .test_app_study import current, open_study

    monkeypatch.setenv("GBA_FOOTPRINT_DATASET", str(STUDY_DATASET))
    at = press_calculate(open_study(new_app(language), current(market_study_data())))
    captions = texts(at.caption) + texts(show_results(at, "hotspots").caption)  # the interval, then the alternatives' note
    assert interval in captions
    assert alternatives in captions
    assert "location-based total" not in captions and "基于位置的结果" not in captions
    assert "Computed on the location-based BOM" not in captions and "按基于位置的物料清单计算" not in captions
