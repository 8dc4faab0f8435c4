"""Monte Carlo on the mini dataset: reproducible, centred as documented, correlated comparisons.

Mini numbers used below (tests/data/mini): METAL emits 10 kg CO2e/kg with gsd 1.2; TRUCK
0.1 kg CO2e/tkm, gsd 1.3; AIR 1 kg CO2e/tkm, gsd 1.3. PART needs 1.1 kg METAL, 2 kWh site
electricity (gsd 1.5) and 0.5 m3 gas (gsd 1.5).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from footprint.bom import bom_from_data
import footprint.montecarlo as montecarlo
from footprint.montecarlo import BLOCK_SIZE, background_scores, compare, monte_carlo, variance_shares
from footprint.sampler import BackgroundSampler, block_triangular_order, sampler_for, uncertain_exchanges


def make_bom(*lines: dict, grid: str | None = None, product: str = "P"):
    data = {"product": product, "declared_unit": "1 kg", "lines": list(lines)}
    if grid:
        data["grid"] = grid
    return bom_from_data(data)


def line(line_id: str, activity: str, amount: float, unit: str, stage: str = "raw_materials", **extra) -> dict:
    return {"id": line_id, "activity_id": activity, "amount": amount, "unit": unit, "stage": stage, **extra}


PRODUCT = make_bom(
    line("L1", "PART", 2, "kg"),
    line("L2", "ELEC-SITE", 3, "kWh", "manufacturing_energy", data_type="primary"),
    line("L3", "TRUCK", 5, "tkm", "inbound_transport", pedigree=[2, 3, 2, 1, 2]),
    {"id": "BOX", "amount": 2, "unit": "piece", "stage": "packaging", "gsd": 1.1, "lines": [line("B1", "PAPER", 0.1, "kg", "packaging")]},
)


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(mini_engine):
    first = monte_carlo(mini_engine, PRODUCT, iterations=300, seed=42).to_json()
    again = monte_carlo(mini_engine, PRODUCT, iterations=300, seed=42).to_json()
    other = monte_carlo(mini_engine, PRODUCT, iterations=300, seed=43).to_json()
    assert first.encode() == again.encode()
    assert first != other


def test_draws_do_not_depend_on_the_run_length(mini_engine):
    """Block b always gets the same stream, so a longer run extends a shorter one."""
    short = monte_carlo(mini_engine, PRODUCT, iterations=BLOCK_SIZE, seed=7)
    long = monte_carlo(mini_engine, PRODUCT, iterations=BLOCK_SIZE + 120, seed=7)
    assert np.array_equal(long.totals[:BLOCK_SIZE], short.totals)


def test_summary_fields_and_invariants(mini_engine):
    result = monte_carlo(mini_engine, PRODUCT, iterations=400, seed=1)
    assert result.deterministic_kgco2e == pytest.approx(mini_engine.calculate(PRODUCT).total_kgco2e)
    assert set(result.total) == {"mean", "median", "std", "p2_5", "p97_5"}
    assert result.total["p2_5"] < result.total["median"] < result.total["p97_5"]
    assert [l.path for l in result.lines] == ["L1", "L2", "L3", "BOX/B1"]
    assert math.fsum(l.variance_share for l in result.lines) == pytest.approx(1.0, abs=1e-12)
    assert np.allclose(result.line_samples.sum(axis=1), result.totals, rtol=0, atol=0)
    sources = {l.path: l.gsd_source for l in result.lines}
    assert sources == {"L1": "default", "L2": "default", "L3": "pedigree", "BOX/B1": "default"}
    assert set(result.by_stage) == {"raw_materials", "manufacturing_energy", "inbound_transport", "packaging"}
    assert result.assemblies == {"BOX": {"gsd": 1.1, "gsd_source": "gsd"}}


def test_a_sub_assembly_factor_multiplies_all_its_lines(mini_engine):
    bom = make_bom(
        {
            "id": "A",
            "amount": 1,
            "unit": "piece",
            "stage": "packaging",
            "gsd": 1.5,
            "lines": [line("A1", "PAPER", 1, "kg", gsd=1), line("A2", "TRUCK", 1, "tkm", gsd=1)],
        }
    )
    result = monte_carlo(mini_engine, bom, iterations=200, seed=3)
    paper, truck = result.line_samples.T
    # Both lines carry the same assembly factor; PAPER (gsd 1.2) and TRUCK (gsd 1.3) backgrounds
    # differ, so the ratio is not constant, but the log-correlation is clearly positive.
    assert np.corrcoef(np.log(paper), np.log(truck))[0, 1] > 0.5


# ---------------------------------------------------------------------- centring, linear case
#
# One line of 2 kg METAL with its own gsd 1.3: total = 20 * F_line * F_metal with independent
# lognormal factors, sigma^2 = ln(1.3)^2 + ln(1.2)^2. With centre="median" the deterministic value
# 20 is the median and the mean is 20 * exp(sigma^2 / 2) = 21.04; with centre="mean" the mean is
# 20. Tolerance: 4 standard errors of the mean, sd / sqrt(n) with sd = mean * sqrt(exp(sigma^2) - 1).

METAL_ONLY = make_bom(line("M", "METAL", 2, "kg", gsd=1.3))
SIGMA2 = math.log(1.3) ** 2 + math.log(1.2) ** 2
N = 4000


def _tolerance(mean: float) -> float:
    return 4 * mean * math.sqrt(math.exp(SIGMA2) - 1) / math.sqrt(N)


def test_mean_centring_converges_to_the_deterministic_value(mini_engine):
    result = monte_carlo(mini_engine, METAL_ONLY, iterations=N, seed=11, centre="mean")
    assert result.deterministic_kgco2e == pytest.approx(20.0)
    assert abs(result.total["mean"] - 20.0) < _tolerance(20.0)


def test_median_centring_puts_the_deterministic_value_at_the_median(mini_engine):
    result = monte_carlo(mini_engine, METAL_ONLY, iterations=N, seed=11, centre="median")
    expected_mean = 20.0 * math.exp(SIGMA2 / 2)
    assert abs(result.total["mean"] - expected_mean) < _tolerance(expected_mean)
    # Median of a lognormal: standard error ~ 1.2533 * sd_log * median / sqrt(n); 4 of them.
    assert abs(result.total["median"] - 20.0) < 4 * 1.2533 * math.sqrt(SIGMA2) * 20.0 / math.sqrt(N)
    assert result.total["mean"] > 20.5  # the shift is real, not noise: 21.04 vs 20


# ---------------------------------------------------------------------- correlated comparisons


def test_identical_variants_differ_by_exactly_zero_in_every_run(mini_engine):
    result = compare(mini_engine, PRODUCT, PRODUCT, iterations=600, seed=5)
    assert np.all(result.differences == 0.0)
    assert result.equal_share == 1.0 and result.b_lower_share == 0.0
    assert result.difference == {"mean": 0.0, "median": 0.0, "std": 0.0, "p2_5": 0.0, "p97_5": 0.0}


def test_shared_lines_share_draws_so_only_the_change_varies(mini_engine):
    """B = A + a truck line. Independent sampling would make B < A in ~half the runs (PART's
    spread dwarfs the truck); correlated sampling gives B > A in every run."""
    a = make_bom(line("L1", "PART", 2, "kg"))
    b = make_bom(line("L1", "PART", 2, "kg"), line("T", "TRUCK", 1, "tkm", "inbound_transport"))
    result = compare(mini_engine, a, b, iterations=500, seed=9)
    assert result.a_lower_share == 1.0
    assert np.allclose(result.differences, result.b.line_samples[:, 1], rtol=1e-12)


def test_background_draws_are_shared_across_grids(mini_engine):
    """METAL does not use electricity: on grid A or B it is the same draw, exactly."""
    on_a = make_bom(line("M", "METAL", 1, "kg"), grid="GRID-A")
    on_b = make_bom(line("M", "METAL", 1, "kg"), grid="GRID-B")
    result = compare(mini_engine, on_a, on_b, iterations=300, seed=2)
    assert (result.a.grid, result.b.grid) == ("GRID-A", "GRID-B")
    assert np.all(result.differences == 0.0)
    electric_a = make_bom(line("E", "ELEC-SITE", 10, "kWh"), grid="GRID-A")
    electric_b = make_bom(line("E", "ELEC-SITE", 10, "kWh"), grid="GRID-B")
    result = compare(mini_engine, electric_a, electric_b, iterations=300, seed=2)
    assert result.b_lower_share == 1.0  # 0.2298 vs 0.5 kg CO2e/kWh, gsd 1.1 each


# ---------------------------------------------------------------------- kept background blocks


def _counting_solves(monkeypatch) -> list[int]:
    """Patch the sampler's per-block solve to count the iterations it solves."""
    solved: list[int] = []
    original = BackgroundSampler.unit_scores

    def counted(self, draws):
        solved.append(len(draws))
        return original(self, draws)

    monkeypatch.setattr(BackgroundSampler, "unit_scores", counted)
    return solved


def test_a_second_run_reuses_the_background_blocks_and_gives_the_same_bytes(mini_engine, monkeypatch):
    """Another BOM, same grid and seed: the background of both blocks is solved once; the JSON of
    each run equals a run with nothing kept (the kept blocks are the very arrays computed)."""
    other = make_bom(line("L1", "PART", 3, "kg"), line("L3", "TRUCK", 8, "tkm", "inbound_transport"))
    monkeypatch.setattr(montecarlo, "_SCORES", montecarlo.OrderedDict())
    solved = _counting_solves(monkeypatch)
    first = monte_carlo(mini_engine, PRODUCT, iterations=BLOCK_SIZE + 100, seed=11).to_json()
    second = monte_carlo(mini_engine, other, iterations=BLOCK_SIZE + 100, seed=11).to_json()
    assert solved == [BLOCK_SIZE, 100]
    monkeypatch.setattr(montecarlo, "_SCORES", montecarlo.OrderedDict())
    assert monte_carlo(mini_engine, PRODUCT, iterations=BLOCK_SIZE + 100, seed=11).to_json() == first
    assert monte_carlo(mini_engine, other, iterations=BLOCK_SIZE + 100, seed=11).to_json() == second
    assert solved == [BLOCK_SIZE, 100, BLOCK_SIZE, 100]  # cleared: solved again for PRODUCT, then kept for the other


def test_kept_blocks_belong_to_one_sampler_seed_and_length(mini_engine, monkeypatch):
    """Another grid (another sampler), another seed or another block length is solved afresh;
    a kept array cannot be written to."""
    monkeypatch.setattr(montecarlo, "_SCORES", montecarlo.OrderedDict())
    solved = _counting_solves(monkeypatch)
    grid_a = sampler_for(mini_engine.background, "GRID-A", mini_engine.method_id)
    grid_b = sampler_for(mini_engine.background, "GRID-B", mini_engine.method_id)
    draws = np.random.default_rng(3).standard_normal((20, grid_a.n_draws))
    kept = background_scores(grid_a, 1, 0, draws)
    assert background_scores(grid_a, 1, 0, draws) is kept
    assert not kept.flags.writeable
    assert not np.array_equal(background_scores(grid_b, 1, 0, draws), kept)  # GRID-B electricity differs
    background_scores(grid_a, 2, 0, draws)
    background_scores(grid_a, 1, 0, draws[:10])
    assert solved == [20, 20, 20, 10]
    assert np.array_equal(kept, grid_a.unit_scores(draws))


def test_the_kept_blocks_are_bounded(mini_engine, monkeypatch):
    monkeypatch.setattr(montecarlo, "_SCORES", montecarlo.OrderedDict())
    sampler = sampler_for(mini_engine.background, "GRID-A", mini_engine.method_id)
    draws = np.zeros((2, sampler.n_draws))
    for seed in range(montecarlo.SCORE_BLOCKS_KEPT + 5):
        background_scores(sampler, seed, 0, draws)
    assert len(montecarlo._SCORES) == montecarlo.SCORE_BLOCKS_KEPT
    assert min(key[1] for key in montecarlo._SCORES) == 5  # the oldest went first


# ---------------------------------------------------------------------- variance shares


def test_variance_share_goes_to_the_uncertain_line(mini_engine):
    bom = make_bom(line("SURE", "SF6", 0.001, "kg", gsd=1), line("WILD", "AIR", 30, "tkm", "inbound_transport", gsd=3))
    result = monte_carlo(mini_engine, bom, iterations=1000, seed=4)
    shares = {l.path: l.variance_share for l in result.lines}
    assert abs(shares["SURE"]) < 1e-15  # SF6: gsd 1 in the dataset and on the line: constant
    assert shares["WILD"] == pytest.approx(1.0)


def test_variance_shares_definition():
    rng = np.random.default_rng(0)
    common = rng.normal(size=2000)
    lines = np.column_stack([common + rng.normal(size=2000), 2 * common, np.full(2000, 3.0)])
    totals = lines.sum(axis=1)
    shares = variance_shares(lines, totals)
    assert shares.sum() == pytest.approx(1.0)
    assert shares[2] == 0.0
    expected = [np.cov(lines[:, i], totals)[0, 1] / np.var(totals, ddof=1) for i in range(3)]
    assert shares == pytest.approx(expected)


# ---------------------------------------------------------------------- sampler


def test_sampler_at_zero_draws_is_the_engine(mini_engine):
    for grid in ("GRID-A", "GRID-B"):
        sampler = sampler_for(mini_engine.background, grid, mini_engine.method_id)
        scores = sampler.unit_scores(np.zeros((2, sampler.n_draws)))
        assert scores[1] == pytest.approx(mini_engine.unit_scores(grid).total, rel=1e-12)
    assert sampler.n_draws == len(uncertain_exchanges(mini_engine.dataset)) == 13  # gsd > 1 rows


def test_block_triangular_order_puts_suppliers_first(mini_engine):
    technosphere = mini_engine.background.technosphere
    order = block_triangular_order(technosphere)
    permuted = technosphere[order][:, order].toarray()
    assert np.allclose(np.tril(permuted, -1), 0.0)  # acyclic mini chain: upper triangular
