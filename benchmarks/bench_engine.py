"""Engine benchmark: cold start, warm calculation, 1,000 different BOMs, each against bare scipy.

Run: ``python benchmarks/bench_engine.py [--lines 50] [--boms 1000] [--repeat 30]``

Each figure is printed next to the numerical limit measured in the same run on the same
matrices (one scipy sparse LU factorisation of the technosphere and the solves / dot products
the same answer needs), as a ratio. Timings are medians of ``--repeat`` runs; nothing here is a
test, and nothing asserts a time.

- cold: a fresh process with an empty cache: imports, dataset validation, Brightway project
  build, matrix extraction and the first calculation (measured in a subprocess).
- warm: ``FootprintEngine.calculate`` of a validated 50-line BOM (unit conversion, demand,
  contributions by line / stage / gas). Bare limit: dot product of the same demand with
  precomputed unit scores, plus what those scores cost (one factorisation + one solve).
- from a lines table: the same BOMs as a ``footprint.portfolio.LineTable`` built in memory
  beforehand (numeric amounts; reading text is input handling, not timed), to results.
- 1,000 BOMs: the batch path (``footprint.batch`` if present, else one ``calculate`` per BOM).
  Bare limit (``benchmarks/bare_many.py``, shared with ``bench_uncertainty.py``): factorisation,
  one transposed solve for the unit scores by gas, CSR built directly from (amount, column,
  indptr), ``D @ [U | total]`` and the per-line gather ``amount * total[column]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def median_time(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def random_bom_data(dataset, lines: int, seed: int) -> dict:
    """A BOM of ``lines`` random leaf lines over activities of common units, in varied units."""
    rng = random.Random(seed)
    choices = [a for a in dataset.activities if a.unit in {"kg", "kWh", "tkm", "m3", "MJ"}]
    units = {"kg": ["kg", "g", "t", "lb"], "kWh": ["kWh", "MWh", "MJ"], "tkm": ["tkm"], "m3": ["m3"], "MJ": ["MJ", "GJ", "kWh"]}
    rows = []
    for i in range(lines):
        activity = rng.choice(choices)
        rows.append(
            {
                "id": f"L{i}",
                "activity_id": activity.id,
                "amount": round(rng.uniform(0.01, 10.0), 4),
                "unit": rng.choice(units[activity.unit]),
                "stage": activity.default_stage,
            }
        )
    return {"product": f"variant {seed}", "declared_unit": {"quantity": 1, "unit": "kg"}, "lines": rows}


COLD_SCRIPT = """
import json, sys, time
start = time.perf_counter()
sys.path.insert(0, {root!r})
from footprint.bom import bom_from_data
from footprint.engine import FootprintEngine
imported = time.perf_counter()
engine = FootprintEngine()
built = time.perf_counter()
engine.calculate(bom_from_data(json.loads({bom!r})))
done = time.perf_counter()
print(json.dumps({{"imports": imported - start, "build": built - imported, "first_calc": done - built}}))
"""


def cold_start(bom_json: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="gba-bench-cold-") as cache:
        env = dict(os.environ, GBA_FOOTPRINT_CACHE=cache)
        wall = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", COLD_SCRIPT.format(root=str(ROOT), bom=bom_json)], capture_output=True, text=True, env=env, check=True
        )
        stages = json.loads(proc.stdout.strip().splitlines()[-1])
        stages["process_wall"] = time.perf_counter() - wall
        return stages


def bare_unit_scores(engine):
    """The numerical core alone: factorise A, one transposed solve with B^T c."""
    import numpy as np
    import scipy.sparse.linalg as spla

    background = engine.background
    factors = background.factors[engine.method_id]
    rhs = np.asarray(background.biosphere.T @ factors).ravel()
    return spla.splu(background.technosphere).solve(rhs, trans="T")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=50)
    parser.add_argument("--boms", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    import numpy as np
    import scipy.sparse as sp

    from footprint.bom import bom_from_data
    from footprint.demand import build_demands
    from footprint.engine import FootprintEngine

    engine = FootprintEngine()
    dataset = engine.dataset
    print(f"dataset {dataset.id} {dataset.version} ({len(dataset.activities)} activities), sha256 {dataset.sha256[:12]}")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores\n")

    # ---- cold
    first_data = random_bom_data(dataset, args.lines, seed=0)
    cold = cold_start(json.dumps(first_data))
    bare_solve = median_time(lambda: bare_unit_scores(engine), args.repeat)
    print(
        f"cold start   : {cold['process_wall']*1000:8.1f} ms process wall "
        f"(imports {cold['imports']*1000:.0f} ms, dataset+Brightway build {cold['build']*1000:.0f} ms, first calc {cold['first_calc']*1000:.1f} ms)"
    )
    print(f"               bare factorisation + solve {bare_solve*1000:.3f} ms -> ratio {cold['process_wall']/bare_solve:,.0f}x (dominated by imports and the one-off project build)")

    # ---- warm
    bom = bom_from_data(first_data)
    engine.calculate(bom)  # unit scores cached
    warm = median_time(lambda: engine.calculate(bom), args.repeat)
    demands = build_demands(bom, dataset)
    rows = np.array([engine.background.activity_index[d.activity_id] for d in demands])
    amounts = np.array([d.activity_amount for d in demands])
    scores = bare_unit_scores(engine)
    bare_dot = median_time(lambda: float(amounts @ scores[rows]), max(args.repeat, 200))
    bare_warm = bare_solve + bare_dot
    print(f"warm calc    : {warm*1000:8.3f} ms for a {args.lines}-line BOM (target < 50 ms)")
    print(f"               bare factorisation + solve + dot {bare_warm*1000:.3f} ms -> ratio {warm/bare_warm:.1f}x")

    # ---- many BOMs
    boms = [bom_from_data(random_bom_data(dataset, args.lines, seed=s)) for s in range(1, args.boms + 1)]
    try:
        from footprint import batch  # the vectorised path (issue 6)

        run_many = lambda: batch.calculate_many(engine, boms)  # noqa: E731
        path = "footprint.batch.calculate_many"
    except (ImportError, AttributeError):
        run_many = lambda: [engine.calculate(b) for b in boms]  # noqa: E731
        path = "FootprintEngine.calculate per BOM"
    many = median_time(run_many, max(3, args.repeat // 10))
    coo = [build_demands(b, dataset) for b in boms]
    r = np.concatenate([[i] * len(d) for i, d in enumerate(coo)])
    c = np.concatenate([[engine.background.activity_index[x.activity_id] for x in d] for d in coo])
    v = np.concatenate([[x.activity_amount for x in d] for d in coo])
    n = len(engine.background.activity_codes)

    # Lines are grouped by BOM: the bare program builds CSR straight from indptr (a COO build
    # would sort 50,000 entries and flatter our ratio). Same definition as bench_uncertainty.py.
    from bare_many import bare_many_boms

    indptr = np.concatenate([[0], np.cumsum([len(d) for d in coo])])
    background = engine.background

    def bare_many():
        return bare_many_boms(background.technosphere, background.biosphere, background.factors[engine.method_id], v, c, indptr)

    bare = median_time(bare_many, max(5, args.repeat // 3))

    def per_bom_solves():
        """The conventional bare program: one factorisation, then one solve and one dot per BOM."""
        import scipy.sparse.linalg as spla

        lu = spla.splu(engine.background.technosphere)
        weights = np.asarray(engine.background.biosphere.T @ engine.background.factors[engine.method_id]).ravel()
        out = np.empty(len(boms))
        for i in range(len(boms)):
            demand = np.zeros(n)
            np.add.at(demand, c[indptr[i] : indptr[i + 1]], v[indptr[i] : indptr[i + 1]])
            out[i] = weights @ lu.solve(demand)
        return out

    conventional = median_time(per_bom_solves, 3)
    print(f"{args.boms} BOMs   : {many*1000:8.1f} ms via {path} ({many/args.boms*1e6:.0f} µs per BOM)")
    print(f"               bare factorisation + solve + CSR + D @ [U | total] + gather {bare*1000:.3f} ms -> ratio {many/bare:.1f}x (target 5x)")
    print(f"               (conventional bare, one solve per BOM: {conventional*1000:.1f} ms -> ratio {many/conventional:.2f}x)")
    try:
        from footprint.portfolio import LineTable
    except ImportError:
        return
    table = LineTable.from_boms(boms)  # built once, in memory, numeric amounts (input handling, not timed)

    tabled = median_time(lambda: batch.batch_footprints(engine, table), max(5, args.repeat // 3))
    print(f"               from a lines table (LineTable -> results) {tabled*1000:.1f} ms -> ratio {tabled/bare:.1f}x (target 5x); vs conventional {tabled/conventional:.2f}x")
    same = np.array_equal(batch.batch_footprints(engine, table).totals, batch.batch_footprints(engine, boms).totals)
    print(f"               table totals == object-path totals: {same}")


if __name__ == "__main__":
    main()
