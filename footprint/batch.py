"""Deterministic footprints of many BOMs at once: columns of lines, one sparse product.

Why: a portfolio has thousands of product variants, and a footprint is linear in the BOM. With
unit scores solved once per grid (:meth:`FootprintEngine.unit_scores`), every BOM is a row of a
sparse demand matrix D (BOMs x activities), and ``D @ U`` (U: activities x [flows, aircraft,
biogenic CO2]) gives every BOM's split by gas in one product. Line results are a gather
(``amount * total[activity]``), stage and BOM totals two ``bincount`` calls. No per-BOM engine
call, no per-BOM Python arithmetic.

The Python part that remains is walking the BOM trees; there, unit conversion is planned once
per (line unit, activity unit, bridges used) and cached (:class:`ConversionPlans`), never
re-parsed per line. BOMs with several site grids are handled in the same product: the columns
of D index (grid, activity) pairs.

Chunks of :data:`CHUNK_SIZE` BOMs are independent tasks for :func:`footprint.parallel.map_tasks`,
so the same code runs locally or on Dask with identical results.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from . import units
from .dataset import STAGES
from .demand import build_demands
from .errors import FootprintError, UnitError
from .parallel import Scheduler, map_tasks
from .progress import ProgressCallback

CHUNK_SIZE = 1000
_STAGE_INDEX = {stage: i for i, stage in enumerate(STAGES)}


class ConversionPlans:
    """Cached unit conversion of BOM lines to their activity's unit.

    :func:`footprint.units.to_activity_unit` is exact but parses units and builds fractions on
    every call. For a given (line unit, activity unit, whether a mass per piece and a distance
    are given) it is a monomial ``amount * coef * mass**e_m * distance**e_d`` (e in -1, 0, 1):
    conversions are ratios, the pieces/mass bridge multiplies or divides by the mass, the
    transport bridge multiplies by the distance. The plan is learnt once, by evaluating the exact
    converter at 1 and at 2 (powers of two are exact in binary floating point), and checked at a
    third point; a conversion that is not such a monomial is marked for exact per-line calls.
    """

    def __init__(self) -> None:
        self._plans: dict[tuple, tuple[float, int, int] | UnitError | None] = {}

    def _learn(self, unit: str, activity_unit: str, has_mass: bool, has_distance: bool):
        def exact(amount: float, mass: float, distance: float) -> float:
            return units.to_activity_unit(
                amount,
                unit,
                activity_unit,
                mass_kg_per_piece=mass if has_mass else None,
                distance_km=distance if has_distance else None,
            )

        try:
            coef = exact(1.0, 1.0, 1.0)
            e_mass = round(math.log2(exact(1.0, 2.0, 1.0) / coef))
            e_distance = round(math.log2(exact(1.0, 1.0, 2.0) / coef))
        except UnitError as error:
            return error
        if e_mass not in (-1, 0, 1) or e_distance not in (-1, 0, 1):
            return None
        probe = exact(3.0, 5.0, 7.0)
        if not math.isclose(probe, 3.0 * coef * 5.0**e_mass * 7.0**e_distance, rel_tol=1e-12):
            return None
        return coef, e_mass, e_distance

    def convert(self, line, activity_unit: str) -> float:
        """The line's amount (per parent unit) in ``activity_unit``; raises UnitError like the engine."""
        mass, distance = line.mass_kg_per_piece, line.distance_km
        key = (line.unit, activity_unit, mass is not None, distance is not None)
        plan = self._plans.get(key, False)
        if plan is False:
            plan = self._plans[key] = self._learn(*key)
        if isinstance(plan, UnitError):
            raise plan
        if plan is None:
            return units.to_activity_unit(line.amount, line.unit, activity_unit, mass_kg_per_piece=mass, distance_km=distance)
        coef, e_mass, e_distance = plan
        value = line.amount * coef
        if e_mass:
            value = value * mass if e_mass > 0 else value / mass
        if e_distance:
            value = value * distance if e_distance > 0 else value / distance
        return value


@dataclass(frozen=True, eq=False)
class GridScores:
    """Unit scores of every activity for the grids in use, stacked: what a worker receives.

    ``matrix[g * n + i]`` is the row of activity ``i`` on grid ``grids[g]``: kg CO2e per flow,
    then the aircraft part, then biogenic CO2 (kg, not in the total). ``total`` is the sum of
    the flow columns.
    """

    grids: tuple[str, ...]
    flows: tuple[str, ...]
    activity_index: dict[str, int]
    activity_units: tuple[str, ...]
    matrix: np.ndarray
    total: np.ndarray

    @property
    def n_activities(self) -> int:
        return len(self.activity_units)


def grid_scores(engine, grids: list[str]) -> GridScores:
    blocks, totals = [], []
    for grid in grids:
        scores = engine.unit_scores(grid)
        blocks.append(np.column_stack([scores.per_flow, scores.aircraft, scores.biogenic_co2_kg]))
        totals.append(scores.total)
    return GridScores(
        grids=tuple(grids),
        flows=tuple(engine.background.flow_codes),
        activity_index=dict(engine.background.activity_index),
        activity_units=tuple(engine.dataset.activity(code).unit for code in engine.background.activity_codes),
        matrix=np.ascontiguousarray(np.vstack(blocks)),
        total=np.concatenate(totals),
    )


@dataclass(eq=False)
class DemandColumns:
    """Leaf lines of many BOMs as columns; ``bom`` is sorted (lines of a BOM are contiguous)."""

    n_boms: int
    bom: np.ndarray
    column: np.ndarray  # grid * n_activities + activity index
    amount: np.ndarray  # per declared unit, in the activity's unit
    stage: np.ndarray
    paths: list[str]
    failed: list[int] = field(default_factory=list)


def compile_columns(scores: GridScores, boms: list, grid_numbers: list[int], plans: ConversionPlans | None = None) -> DemandColumns:
    """Walk the BOMs into columns. A BOM that cannot be resolved is listed in ``failed``."""
    plans = plans or ConversionPlans()
    index, activity_units, n = scores.activity_index, scores.activity_units, scores.n_activities
    columns, amounts, stages, paths, failed = [], [], [], [], []
    counts = np.zeros(len(boms), dtype=np.int64)
    convert = plans.convert
    for number, (bom, grid_number) in enumerate(zip(boms, grid_numbers)):
        offset = grid_number * n
        start = len(columns)
        try:
            for path, line, multiplier in bom.flat_lines():
                activity = index[line.activity_id]
                amounts.append(convert(line, activity_units[activity]) * multiplier)
                columns.append(offset + activity)
                stages.append(_STAGE_INDEX[line.stage])  # Stage is a str enum: hashes as its value
                paths.append(path)
        except (KeyError, UnitError):
            failed.append(number)
            del columns[start:], amounts[start:], stages[start:], paths[start:]
            continue
        counts[number] = len(columns) - start
    return DemandColumns(
        n_boms=len(boms),
        bom=np.repeat(np.arange(len(boms), dtype=np.int64), counts),
        column=np.array(columns, dtype=np.int64),
        amount=np.array(amounts, dtype=float),
        stage=np.array(stages, dtype=np.int64),
        paths=paths,
        failed=failed,
    )


@dataclass(eq=False)
class ColumnResults:
    """Per-BOM and per-line results of a set of columns (arrays only)."""

    totals: np.ndarray
    by_stage: np.ndarray
    by_gas: np.ndarray
    aircraft: np.ndarray
    biogenic_co2_kg: np.ndarray
    line_kgco2e: np.ndarray


def evaluate_columns(scores: GridScores, columns: DemandColumns) -> ColumnResults:
    """The numerical core: one gather, two bincounts and one sparse product ``D @ U``."""
    n_boms, n_stages = columns.n_boms, len(STAGES)
    line_kg = columns.amount * scores.total[columns.column]
    totals = np.bincount(columns.bom, weights=line_kg, minlength=n_boms)
    by_stage = np.bincount(columns.bom * n_stages + columns.stage, weights=line_kg, minlength=n_boms * n_stages).reshape(n_boms, n_stages)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(columns.bom, minlength=n_boms))])
    demand = sp.csr_matrix((columns.amount, columns.column, indptr), shape=(n_boms, scores.matrix.shape[0]))
    product = demand @ scores.matrix
    n_flows = len(scores.flows)
    return ColumnResults(
        totals=totals,
        by_stage=by_stage,
        by_gas=product[:, :n_flows],
        aircraft=product[:, n_flows],
        biogenic_co2_kg=product[:, n_flows + 1],
        line_kgco2e=line_kg,
    )


@dataclass(frozen=True, eq=False)
class _Chunk:
    boms: list
    grid_numbers: list[int]


def footprint_chunk(scores: GridScores, chunk: _Chunk) -> tuple[DemandColumns, ColumnResults]:
    """One task: compile a chunk of BOMs and evaluate it (runs on a Dask worker unchanged)."""
    columns = compile_columns(scores, chunk.boms, chunk.grid_numbers)
    return columns, evaluate_columns(scores, columns)


@dataclass(frozen=True, eq=False)
class BatchResult:
    """Footprints of many BOMs; per-BOM arrays share an index, lines are grouped by BOM.

    ``line_offsets[i]:line_offsets[i + 1]`` are BOM ``i``'s lines. A BOM listed in ``errors``
    (index -> message) has NaN results and no lines.
    """

    labels: tuple[str, ...]
    grids: tuple[str, ...]
    stages: tuple[str, ...]
    flows: tuple[str, ...]
    totals: np.ndarray
    by_stage: np.ndarray
    by_gas: np.ndarray
    aircraft: np.ndarray
    biogenic_co2_kg: np.ndarray
    line_offsets: np.ndarray
    line_paths: list[str]
    line_activity: np.ndarray  # index into activity_codes
    line_stage: np.ndarray  # index into stages
    line_kgco2e: np.ndarray
    activity_codes: tuple[str, ...]
    errors: dict[int, str]
    method: dict
    dataset: dict

    def __len__(self) -> int:
        return len(self.labels)

    def lines_of(self, index: int) -> list[dict]:
        """BOM ``index``'s lines as plain data (ids and stage names resolved here, not per batch)."""
        start, end = int(self.line_offsets[index]), int(self.line_offsets[index + 1])
        return [
            {
                "path": self.line_paths[i],
                "activity_id": self.activity_codes[self.line_activity[i]],
                "stage": self.stages[self.line_stage[i]],
                "kgco2e": float(self.line_kgco2e[i]),
            }
            for i in range(start, end)
        ]

    def row(self, index: int) -> dict:
        """One BOM's results as plain data (JSON-ready)."""
        if index in self.errors:
            return {"label": self.labels[index], "grid": self.grids[index], "error": self.errors[index]}
        return {
            "label": self.labels[index],
            "grid": self.grids[index],
            "total_kgco2e": float(self.totals[index]),
            "by_stage": {s: float(v) for s, v in zip(self.stages, self.by_stage[index]) if v},
            "by_gas": {f: float(v) for f, v in zip(self.flows, self.by_gas[index]) if v},
            "aircraft_kgco2e": float(self.aircraft[index]),
            "biogenic_co2_kg": float(self.biogenic_co2_kg[index]),
            "lines": self.lines_of(index),
        }

    def to_dict(self) -> dict:
        return {"method": self.method, "dataset": self.dataset, "results": [self.row(i) for i in range(len(self))]}


def batch_footprints(
    engine,
    boms: list,
    *,
    labels: list[str] | None = None,
    grid: str | None = None,
    scheduler: Scheduler | None = None,
    progress: ProgressCallback | None = None,
) -> BatchResult:
    """Footprints of many BOMs (each on ``grid``, else its own grid, else the dataset default)."""
    labels = list(labels) if labels is not None else [str(b.product) for b in boms]
    if len(labels) != len(boms):
        raise FootprintError(f"{len(labels)} labels for {len(boms)} BOMs")
    resolved = {}
    bom_grids = []
    for bom in boms:
        wanted = grid or getattr(bom, "grid", None)
        if wanted not in resolved:
            resolved[wanted] = engine.resolve_grid(wanted)
        bom_grids.append(resolved[wanted])
    grids = sorted(set(bom_grids))
    scores = grid_scores(engine, grids)
    numbers = [grids.index(g) for g in bom_grids]
    chunks = [_Chunk(boms[i : i + CHUNK_SIZE], numbers[i : i + CHUNK_SIZE]) for i in range(0, len(boms), CHUNK_SIZE)]
    parts = map_tasks(footprint_chunk, scores, chunks, scheduler=scheduler, weights=[len(c.boms) for c in chunks], progress=progress)
    return _assemble(engine, boms, labels, bom_grids, scores, parts)


def _assemble(engine, boms, labels, bom_grids, scores: GridScores, parts) -> BatchResult:
    n_flows, n_stages, n = len(scores.flows), len(STAGES), scores.n_activities
    errors: dict[int, str] = {}
    start = 0
    for columns, _ in parts:
        for local in columns.failed:
            errors[start + local] = _error_text(engine, boms[start + local])
        start += columns.n_boms
    columns_all = [c for c, _ in parts]
    results_all = [r for _, r in parts]
    totals = np.concatenate([r.totals for r in results_all]) if parts else np.empty(0)
    failed = np.array(sorted(errors), dtype=np.int64)
    totals[failed] = np.nan
    by_stage = np.vstack([r.by_stage for r in results_all]) if parts else np.empty((0, n_stages))
    by_gas = np.vstack([r.by_gas for r in results_all]) if parts else np.empty((0, n_flows))
    aircraft = np.concatenate([r.aircraft for r in results_all]) if parts else np.empty(0)
    biogenic = np.concatenate([r.biogenic_co2_kg for r in results_all]) if parts else np.empty(0)
    for array in (by_stage, by_gas, aircraft, biogenic):
        array[failed] = np.nan
    counts = np.concatenate([np.bincount(c.bom, minlength=c.n_boms) for c in columns_all]) if parts else np.empty(0, dtype=np.int64)
    paths: list[str] = []
    for columns in columns_all:
        paths.extend(columns.paths)
    return BatchResult(
        labels=tuple(labels),
        grids=tuple(bom_grids),
        stages=STAGES,
        flows=scores.flows,
        totals=totals,
        by_stage=by_stage,
        by_gas=by_gas,
        aircraft=aircraft,
        biogenic_co2_kg=biogenic,
        line_offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        line_paths=paths,
        line_activity=np.concatenate([c.column % n for c in columns_all]) if parts else np.empty(0, dtype=np.int64),
        line_stage=np.concatenate([c.stage for c in columns_all]) if parts else np.empty(0, dtype=np.int64),
        line_kgco2e=np.concatenate([r.line_kgco2e for r in results_all]) if parts else np.empty(0),
        activity_codes=tuple(engine.background.activity_codes),
        errors=errors,
        method=engine.background.methods[engine.method_id].describe(),
        dataset=engine.dataset.describe(),
    )


def _error_text(engine, bom) -> str:
    """The engine's own, located message for a BOM the fast path could not resolve."""
    try:
        build_demands(bom, engine.dataset)
    except FootprintError as error:
        return str(error)
    return "the BOM could not be resolved"  # pragma: no cover - both paths refuse the same BOMs


def calculate_many(engine, boms: list, **options) -> BatchResult:
    """Alias of :func:`batch_footprints` (the name ``benchmarks/bench_engine.py`` looks for)."""
    return batch_footprints(engine, boms, **options)
