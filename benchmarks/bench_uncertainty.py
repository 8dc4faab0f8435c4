"""Uncertainty and scale benchmark: 10,000 Monte Carlo iterations and 10,000 BOMs, against bare scipy.

Run: ``python benchmarks/bench_uncertainty.py [--iterations 10000] [--boms 10000] [--lines 50]
[--dataset gba|mini|PATH] [--synthetic N ...] [--synthetic-iterations 1000] [--json FILE]``

Every figure is printed with the numerical limit measured in the same run on the same matrices
by bare numpy/scipy code, and their ratio. Peak memory is measured with ``tracemalloc`` in a
second run of the same call (tracing slows Python code, so times come from an untraced run);
the process high-water mark (``ru_maxrss``) is printed at the end. Nothing here asserts a time.

Monte Carlo (one 50-line BOM, 10,000 iterations, seed 0):
  ours        ``footprint.montecarlo.monte_carlo``: draws for every uncertain exchange and line,
              10,000 factorisations and transposed solves, per-line results, statistics,
              variance shares. The background sampler is built once per grid (shown apart).
  bare        a plain loop on the same technosphere: lognormal noise on every off-diagonal
              non-zero of A and every characterised entry of B (vectorised per 500), then per
              iteration write A.data, ``splu(A)`` with scipy's defaults, one transposed solve,
              one dot product with the BOM demand. This is what "new LCA per iteration" costs
              without any object overhead.
  bare, BTF   the same loop on A permuted once to block triangular form and factorised with
              ``permc_spec="NATURAL"``: the numerical limit of the method we use.

10,000 BOMs (deterministic, 50 lines each, unit scores already solved):
  validation  ``bom_from_data`` (pydantic) of every BOM: input parsing, shown for scale only.
  ours, e2e   ``footprint.batch.batch_footprints`` from validated BOM objects: tree walk with
              cached unit conversions, demand columns, evaluation, result assembly.
  ours, core  ``evaluate_columns`` on the compiled columns: totals, by stage, by gas, by line.
  bare        ``benchmarks/bare_many.py`` (shared with ``bench_engine.py``): factorisation, one
              transposed solve for the unit scores by gas, CSR built directly from (amount,
              column, indptr), ``D @ [U | total]`` and the per-line gather.
  naive       ``FootprintEngine.calculate`` per BOM (first 500, scaled to the full count).

``--synthetic N`` adds Monte Carlo runs on random backgrounds of N activities (matrices only,
no Brightway), to show how the sampler scales beyond the bundled dataset.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
import scipy.sparse.linalg as spla  # noqa: E402

BLOCK = 500
BARE_SIGMA = 0.2
UNITS = {"kg": ["kg", "g"], "kWh": ["kWh", "MJ"], "tkm": ["tkm"], "m3": ["m3", "L"], "MJ": ["MJ", "kWh"]}


def timed(function) -> tuple[float, object]:
    gc.collect()
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def peak_bytes(function) -> int:
    """Peak of memory allocated by ``function`` (tracemalloc; numpy buffers included)."""
    gc.collect()
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def mib(count: int) -> str:
    return f"{count / 2**20:7.1f} MiB"


def random_bom_data(dataset, lines: int, rng: np.random.Generator, name: str) -> dict:
    """``lines`` random leaf lines (activities in common units, not direct emissions), varied
    units (so unit conversion is exercised) and data quality."""
    choices = [a for a in dataset.activities if a.unit in UNITS and a.category != "direct_emission"]
    rows = []
    for i in range(lines):
        activity = choices[int(rng.integers(len(choices)))]
        unit = UNITS[activity.unit][int(rng.integers(len(UNITS[activity.unit])))]
        row = {
            "id": f"L{i:03d}",
            "activity_id": activity.id,
            "amount": float(np.round(rng.uniform(0.01, 10.0), 4)),
            "unit": unit,
            "stage": activity.default_stage,
            "data_type": "primary" if rng.random() < 0.3 else "secondary",
        }
        if rng.random() < 0.2:
            row["pedigree"] = [int(s) for s in rng.integers(1, 6, size=5)]
        rows.append(row)
    return {"product": name, "declared_unit": {"quantity": 1, "unit": "kg"}, "lines": rows}


def open_engine(choice: str):
    from footprint.background import open_background
    from footprint.dataset import load_dataset
    from footprint.engine import FootprintEngine
    from footprint.errors import DatasetError

    paths = {"mini": ROOT / "tests" / "data" / "mini", "gba": None}
    try:
        dataset = load_dataset(paths.get(choice, choice))
    except DatasetError as error:
        if choice != "gba":
            raise
        print(f"GBA dataset not usable ({str(error).splitlines()[0]}); falling back to tests/data/mini")
        dataset = load_dataset(paths["mini"])
    return FootprintEngine(open_background(dataset))


# ---------------------------------------------------------------------- bare Monte Carlo


def bare_monte_carlo(technosphere: sp.csc_matrix, weights: sp.csr_matrix, rows: np.ndarray, amounts: np.ndarray, iterations: int, order=None, **options) -> np.ndarray:
    """Plain loop: perturb every non-zero (lognormal), factorise, solve, dot. ``weights`` is
    B^T diag(f) (activities x flows); ``order`` applies a symmetric permutation first.

    Everything that can be vectorised per block of 500 iterations is (noise, data arrays,
    right-hand sides, the BOM dot product), so the loop holds only what must run per iteration:
    one ``splu`` and one solve."""
    matrix = sp.csc_matrix(technosphere, copy=True)
    n = matrix.shape[0]
    position = np.arange(n)
    if order is not None:
        matrix = sp.csc_matrix(matrix[order][:, order])
        position = np.empty(n, dtype=np.int64)
        position[order] = np.arange(n)
    matrix.sort_indices()
    columns = np.repeat(np.arange(n), np.diff(matrix.indptr))
    off = np.flatnonzero(matrix.indices != columns)
    base = matrix.data[off].copy()
    entries = weights.tocoo()
    scatter = sp.csr_matrix((np.ones(entries.nnz), (position[entries.row], np.arange(entries.nnz))), shape=(n, entries.nnz))
    values = entries.data
    line_rows = position[rows]
    rng = np.random.default_rng(0)
    totals = np.empty(iterations)
    for start in range(0, iterations, BLOCK):
        size = min(BLOCK, iterations - start)
        data = np.tile(matrix.data, (size, 1))
        data[:, off] = base * np.exp(BARE_SIGMA * rng.standard_normal((size, len(off))))
        rhs = np.asarray(scatter @ (values * np.exp(BARE_SIGMA * rng.standard_normal((size, len(values))))).T).T
        scores = np.empty((size, n))
        for k in range(size):
            matrix.data[:] = data[k]
            scores[k] = spla.splu(matrix, **options).solve(rhs[k], trans="T")
        totals[start : start + size] = scores[:, line_rows] @ amounts
    return totals


def monte_carlo_section(engine, bom, iterations: int) -> dict:
    from footprint import montecarlo
    from footprint.demand import build_demands
    from footprint.engine import technosphere_for_grid
    from footprint.sampler import block_triangular_order

    grid = engine.resolve_grid(bom.grid)
    montecarlo._SAMPLERS.clear()
    build, _ = timed(lambda: montecarlo.cached_sampler(engine, grid, "median"))
    ours, result = timed(lambda: montecarlo.monte_carlo(engine, bom, iterations=iterations, seed=0))
    ours_peak = peak_bytes(lambda: montecarlo.monte_carlo(engine, bom, iterations=iterations, seed=0))

    background = engine.background
    technosphere = technosphere_for_grid(background, grid)
    weights = sp.csr_matrix(background.biosphere.T @ sp.diags(background.factors[engine.method_id]))
    demands = build_demands(bom, engine.dataset)
    rows = np.array([background.activity_index[d.activity_id] for d in demands])
    amounts = np.array([d.activity_amount for d in demands])
    bare, _ = timed(lambda: bare_monte_carlo(technosphere, weights, rows, amounts, iterations))
    order = block_triangular_order(technosphere)
    tuned_options = dict(permc_spec="NATURAL", diag_pivot_thresh=0.1)
    bare_btf, _ = timed(lambda: bare_monte_carlo(technosphere, weights, rows, amounts, iterations, order, **tuned_options))
    bare_peak = peak_bytes(lambda: bare_monte_carlo(technosphere, weights, rows, amounts, iterations))
    sampler = montecarlo.cached_sampler(engine, grid, "median")
    print(f"Monte Carlo, {len(demands)}-line BOM, {iterations:,} iterations ({technosphere.shape[0]} activities, A nnz {technosphere.nnz}, {sampler.n_draws} uncertain exchanges)")
    print(f"  sampler build (once per grid)   {build * 1000:9.1f} ms")
    print(f"  ours (monte_carlo)              {ours:9.3f} s   peak {mib(ours_peak)}   target < 10 s")
    print(f"  bare scipy, default splu        {bare:9.3f} s   peak {mib(bare_peak)}   ours/bare     = {ours / bare:5.2f}x")
    print(f"  bare scipy, BTF + NATURAL       {bare_btf:9.3f} s                     ours/bare BTF = {ours / bare_btf:5.2f}x")
    print(f"  result: deterministic {result.deterministic_kgco2e:.6g}, mean {result.total['mean']:.6g}, 95 % [{result.total['p2_5']:.6g}, {result.total['p97_5']:.6g}] kg CO2e")
    return {
        "lines": len(demands),
        "iterations": iterations,
        "activities": technosphere.shape[0],
        "sampler_build_s": build,
        "ours_s": ours,
        "ours_peak_bytes": ours_peak,
        "bare_default_s": bare,
        "bare_default_peak_bytes": bare_peak,
        "bare_btf_s": bare_btf,
        "ratio_vs_bare_default": ours / bare,
        "ratio_vs_bare_btf": ours / bare_btf,
    }


# ---------------------------------------------------------------------- batch


def batch_section(engine, datas: list[dict]) -> dict:
    from footprint import batch
    from footprint.bom import bom_from_data
    from footprint.engine import technosphere_for_grid

    validation, boms = timed(lambda: [bom_from_data(d) for d in datas])
    grid = engine.resolve_grid(None)
    engine.unit_scores(grid)
    e2e, result = timed(lambda: batch.batch_footprints(engine, boms))
    e2e_peak = peak_bytes(lambda: batch.batch_footprints(engine, boms))
    scores = batch.grid_scores(engine, [grid])
    numbers = [0] * len(boms)
    compile_s, columns = timed(lambda: batch.compile_columns(scores, boms, numbers))
    repeat = 5
    core_s = min(timed(lambda: batch.evaluate_columns(scores, columns))[0] for _ in range(repeat))
    core_peak = peak_bytes(lambda: batch.evaluate_columns(scores, columns))
    from bare_many import bare_many_boms

    indptr = np.concatenate([[0], np.cumsum(np.bincount(columns.bom, minlength=columns.n_boms))])
    background = engine.background
    technosphere = technosphere_for_grid(background, grid)

    def bare():
        return bare_many_boms(technosphere, background.biosphere, background.factors[engine.method_id], columns.amount, columns.column, indptr)

    bare_s = min(timed(bare)[0] for _ in range(repeat))
    bare_peak = peak_bytes(bare)
    from footprint.portfolio import LineTable

    build_s, table = timed(lambda: LineTable.from_boms(boms))
    table_s, table_result = min((timed(lambda: batch.batch_footprints(engine, table)) for _ in range(repeat)), key=lambda pair: pair[0])
    table_peak = peak_bytes(lambda: batch.batch_footprints(engine, table))
    same = bool(np.array_equal(table_result.totals, result.totals) and np.array_equal(table_result.line_kgco2e, result.line_kgco2e))
    sample = boms[:500]
    naive_s, _ = timed(lambda: [engine.calculate(b) for b in sample])
    naive_s *= len(boms) / len(sample)
    lines = len(columns.amount)
    print(f"{len(boms):,} BOMs, {lines:,} lines (deterministic, unit scores solved once)")
    print(f"  BOM validation (pydantic)       {validation:9.3f} s   ({validation / len(boms) * 1e6:.0f} µs per BOM; input parsing, not in the ratios)")
    print(f"  ours end to end (from BOMs)     {e2e:9.3f} s   peak {mib(e2e_peak)}   e2e/bare  = {e2e / bare_s:7.1f}x")
    print(f"    of which tree walk + units    {compile_s:9.3f} s   ({compile_s / lines * 1e6:.2f} µs per line)")
    print(f"  ours numerical core             {core_s * 1000:9.2f} ms  peak {mib(core_peak)}   core/bare = {core_s / bare_s:7.2f}x   target <= 3x")
    print(f"  bare (solve, CSR, D @ [U|total]) {bare_s * 1000:9.2f} ms  peak {mib(bare_peak)}")
    print(f"  ours from a lines table         {table_s * 1000:9.2f} ms  peak {mib(table_peak)}   table/bare = {table_s / bare_s:6.2f}x   target <= 3x")
    print(f"    (LineTable.from_boms, input handling incl. the table's BOM offsets and blank counts, not timed above: {build_s:.3f} s; results equal the object path bit for bit: {same})")
    print(f"  naive calculate() per BOM       {naive_s:9.3f} s   (500 measured, scaled)   naive/ours e2e = {naive_s / e2e:.1f}x")
    assert not result.errors, result.errors
    return {
        "boms": len(boms),
        "lines": lines,
        "validation_s": validation,
        "ours_e2e_s": e2e,
        "ours_e2e_peak_bytes": e2e_peak,
        "compile_s": compile_s,
        "core_s": core_s,
        "core_peak_bytes": core_peak,
        "bare_s": bare_s,
        "bare_peak_bytes": bare_peak,
        "naive_s": naive_s,
        "ratio_core_vs_bare": core_s / bare_s,
        "ratio_e2e_vs_bare": e2e / bare_s,
        "table_s": table_s,
        "table_peak_bytes": table_peak,
        "table_build_s": build_s,
        "ratio_table_vs_bare": table_s / bare_s,
        "table_equals_objects": same,
    }


# ---------------------------------------------------------------------- synthetic backgrounds


def synthetic_section(n: int, iterations: int, lines: int) -> dict:
    """Monte Carlo on a random background of ``n`` activities: supply chains that are mostly
    acyclic (1 % of inputs from a random activity, which closes loops), up to 4 inputs and 2
    characterised emissions per activity, gsd 1.1-1.5."""
    from footprint.montecarlo import BLOCK_SIZE, Foreground, SimulationPlan, _key_words, run_plan
    from footprint.sampler import BackgroundSampler, block_triangular_order

    rng = np.random.default_rng(n)
    t_col = np.repeat(np.arange(n), 4)
    upstream = t_col + 1 + rng.integers(0, max(n // 10, 1), len(t_col))  # suppliers have higher indexes
    t_row = np.where(rng.random(len(t_col)) < 0.01, rng.integers(0, n, len(t_col)), upstream)  # 1 %: loops
    keep = (t_row != t_col) & (t_row < n)
    t_row, t_col = t_row[keep], t_col[keep]
    t_amount = rng.uniform(0.01, 0.2, len(t_row))
    b_col = np.repeat(np.arange(n), 2)
    b_weight = rng.uniform(0.1, 5.0, len(b_col))
    n_t, n_b = len(t_row), len(b_col)
    tech = (t_row, t_col, t_amount, rng.uniform(1.1, 1.5, n_t), np.arange(n_t))
    bio = (b_col, b_weight, rng.uniform(1.1, 1.5, n_b), n_t + np.arange(n_b))
    sampler = BackgroundSampler.from_records(grid="synthetic", method_id="synthetic", centre="median", n_activities=n, n_draws=n_t + n_b, tech=tech, bio=bio)
    rows = rng.integers(0, n, lines)
    keys = tuple(f"L{i:03d}" for i in range(lines))
    foreground = Foreground(
        label="synthetic",
        grid="synthetic",
        paths=keys,
        activity_ids=tuple(str(r) for r in rows),
        stages=("raw_materials",) * lines,
        rows=rows,
        amounts=rng.uniform(0.1, 10, lines),
        param_keys=keys,
        param_sigma=np.full(lines, np.log(1.12)),
        param_words=np.array([_key_words(k) for k in keys], dtype=np.uint32),
        line_params=np.arange(lines).reshape(lines, 1),
    )
    plan = SimulationPlan(seed=0, iterations=iterations, block_size=BLOCK_SIZE, centre="median", samplers=(sampler,), foregrounds=(foreground,), sampler_of=(0,))
    ours, _ = timed(lambda: run_plan(plan))
    technosphere = sp.csc_matrix((np.r_[np.ones(n), -t_amount], (np.r_[np.arange(n), t_row], np.r_[np.arange(n), t_col])), shape=(n, n))
    weights = sp.csr_matrix((b_weight, (b_col, np.zeros(n_b, dtype=np.int64))), shape=(n, 1))
    bare, _ = timed(lambda: bare_monte_carlo(technosphere, weights, rows, foreground.amounts, iterations))
    order = block_triangular_order(technosphere)
    bare_btf, _ = timed(lambda: bare_monte_carlo(technosphere, weights, rows, foreground.amounts, iterations, order, permc_spec="NATURAL", diag_pivot_thresh=0.1))
    print(f"Synthetic background, {n:,} activities (A nnz {technosphere.nnz:,}), {lines}-line BOM, {iterations:,} iterations")
    print(f"  ours (sampling kernel)          {ours:9.3f} s")
    print(f"  bare scipy, default splu        {bare:9.3f} s   ours/bare     = {ours / bare:5.2f}x")
    print(f"  bare scipy, BTF + NATURAL       {bare_btf:9.3f} s   ours/bare BTF = {ours / bare_btf:5.2f}x")
    return {"activities": n, "iterations": iterations, "ours_s": ours, "bare_default_s": bare, "bare_btf_s": bare_btf}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=10_000)
    parser.add_argument("--boms", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=50)
    parser.add_argument("--dataset", default="gba", help="gba (default; falls back to mini when absent), mini, or a dataset folder")
    parser.add_argument("--synthetic", type=int, nargs="*", default=[], metavar="N", help="also run Monte Carlo on random backgrounds of N activities")
    parser.add_argument("--synthetic-iterations", type=int, default=1000, help="iterations of the synthetic runs (default 1000)")
    parser.add_argument("--json", help="write the figures to this JSON file")
    args = parser.parse_args()

    engine = open_engine(args.dataset)
    dataset = engine.dataset
    print(f"dataset {dataset.id} {dataset.version} ({len(dataset.activities)} activities, {len(dataset.exchanges)} exchanges), sha256 {dataset.sha256[:12]}")
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} cores\n")
    from footprint.bom import bom_from_data

    rng = np.random.default_rng(2024)
    bom = bom_from_data(random_bom_data(dataset, args.lines, rng, "benchmark product"))
    figures = {"dataset": dataset.describe(), "cores": os.cpu_count()}
    figures["monte_carlo"] = monte_carlo_section(engine, bom, args.iterations)
    print()
    datas = [random_bom_data(dataset, args.lines, rng, f"variant {i}") for i in range(args.boms)]
    figures["batch"] = batch_section(engine, datas)
    for n in args.synthetic:
        print()
        figures.setdefault("synthetic", []).append(synthetic_section(n, args.synthetic_iterations, args.lines))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    figures["max_rss_bytes"] = rss
    print(f"\nprocess peak resident memory (ru_maxrss): {mib(rss)}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
