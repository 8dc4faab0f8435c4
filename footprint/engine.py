"""Footprint engine: per-activity unit scores solved once, then a BOM is a dot product.

Why: a BOM's footprint is linear in its lines, so with the background factorised once per
(site grid, method) the footprint of any BOM is ``sum(amount_i * unit_score[activity_i])``.
Unit scores are kept per elementary flow (so results split by gas and origin for free), plus
two extra channels: the aircraft share and the biogenic CO2 mass. Nothing here mutates shared
state except a lock-protected cache of read-only arrays, so one engine serves many threads.
"""

from __future__ import annotations

import math
import threading
from pathlib import Path
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Iterable, Mapping, Protocol

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .background import Background, open_background
from .cff import PART_NAMES, CffParameters, CircularPlan, check_no_cff_values, load_cff_parameters, parameters_path, plan_cff, row_kind, supply_content, term_weights, wants_cff
from .dataset import SITE_GRID_ACTIVITY
from .demand import LineDemand, build_demands
from .errors import FootprintError, InputError, RowIssue
from .results import FootprintResult, LineResult

BIOGENIC_CO2_FLOW = "co2_non_fossil"


class BomLike(Protocol):
    """What ``calculate`` needs of a BOM. The study module passes variants (market-based
    electricity, excluded flows) that are not ``Bom`` instances but honour this contract."""

    product: str
    declared_unit: object
    grid: str | None

    def flat_lines(self) -> Iterable[tuple[str, object, float]]: ...


@dataclass(frozen=True)
class UnitScores:
    """Cradle-to-gate scores of one unit of every activity, for one grid and one method.

    ``per_flow[i, f]`` is kg CO2e of flow ``f`` caused by one unit of activity ``i``;
    ``aircraft[i]`` the part of its total emitted by air-freight activities;
    ``biogenic_co2_kg[i]`` the uncharacterised biogenic CO2 mass.
    """

    grid: str
    method_id: str
    per_flow: np.ndarray
    total: np.ndarray
    aircraft: np.ndarray
    biogenic_co2_kg: np.ndarray


def technosphere_for_grid(background: Background, grid: str) -> sp.csc_matrix:
    """The technosphere with the site electricity drawn from ``grid`` instead of the default."""
    default = background.dataset.default_site_grid
    if grid == default:
        return background.technosphere
    index = background.activity_index
    site, old, new = index[SITE_GRID_ACTIVITY], index[default], index[grid]
    matrix = background.technosphere.tocoo(copy=True)
    hit = (matrix.row == old) & (matrix.col == site)
    value = matrix.data[hit].sum()
    keep = ~hit
    rows = np.append(matrix.row[keep], new)
    cols = np.append(matrix.col[keep], site)
    data = np.append(matrix.data[keep], value)
    return sp.csc_matrix((data, (rows, cols)), shape=matrix.shape)


def solve_unit_scores(background: Background, technosphere: sp.csc_matrix, method_id: str, grid: str) -> UnitScores:
    """One sparse LU factorisation, one transposed solve for all channels at once."""
    factors = background.factors[method_id]
    biosphere = background.biosphere
    aircraft_mask = np.array([background.dataset.activity(code).aircraft for code in background.activity_codes], dtype=float)
    biogenic_row = background.flow_codes.index(BIOGENIC_CO2_FLOW)
    per_flow_rhs = (biosphere.T @ sp.diags(factors)).toarray()
    rhs = np.column_stack(
        [
            per_flow_rhs,
            aircraft_mask * np.asarray(biosphere.T @ factors).ravel(),
            biosphere[biogenic_row].toarray().ravel(),
        ]
    )
    solution = spla.splu(sp.csc_matrix(technosphere)).solve(rhs, trans="T")
    n_flows = len(background.flow_codes)
    per_flow = np.ascontiguousarray(solution[:, :n_flows])
    arrays = dict(
        per_flow=per_flow,
        total=per_flow.sum(axis=1),
        aircraft=np.ascontiguousarray(solution[:, n_flows]),
        biogenic_co2_kg=np.ascontiguousarray(solution[:, n_flows + 1]),
    )
    for array in arrays.values():
        array.setflags(write=False)
    return UnitScores(grid=grid, method_id=method_id, **arrays)


def engine_for_dataset(dataset) -> "FootprintEngine":
    """An engine for a loaded dataset folder, reading the CFF parameter file next to that folder."""
    return FootprintEngine(open_background(dataset), cff_file=parameters_path(dataset))


class FootprintEngine:
    """Computes footprints of BOMs against one background; thread-safe."""

    # Supplier activities (fixed footprints per unit) this engine knows besides the dataset:
    # none; footprint.exchange.suppliers.SupplierAwareEngine is the engine that has some.
    suppliers: Mapping[str, Any] = MappingProxyType({})

    def __init__(self, background: Background | None = None, method_id: str | None = None, cff_file: Path | None = None) -> None:
        """``cff_file``: the CFF parameter file to read (default: next to the background's dataset
        folder). A background is shared by every folder with the same dataset content, and the
        parameter file is outside that hash: an engine for a given folder names its file."""
        self.background = background or open_background()
        self.dataset = self.background.dataset
        self.cff_file = Path(cff_file) if cff_file is not None else parameters_path(self.dataset)
        self.method_id = method_id or next(iter(self.background.methods))
        if self.method_id not in self.background.methods:
            raise FootprintError(f"method {self.method_id!r} is not loaded; available: {', '.join(self.background.methods)}")
        self._cache: dict[tuple[str, str], UnitScores] = {}
        self._cff_parameters: CffParameters | None = None
        self._cff_content: dict[str, dict[str, np.ndarray]] = {}
        self._siblings: dict[str, FootprintEngine] = {}
        self._lock = threading.Lock()
        self._flow_origin = {f.code: f.origin for f in self.dataset.flows}

    def with_method(self, method_id: str | None) -> FootprintEngine:
        """This engine, or one on the same background characterised with ``method_id``.

        Why: Monte Carlo and scenarios characterise with ``engine.method_id``; to describe a
        result computed with another method (a study under AR5) they need an engine on that
        method. Kept per engine, so its unit scores are solved once.
        """
        if not method_id or method_id == self.method_id:
            return self
        with self._lock:
            sibling = self._siblings.get(method_id)
            if sibling is None:
                sibling = self._siblings[method_id] = FootprintEngine(self.background, method_id, self.cff_file)
        return sibling

    # ------------------------------------------------------------ background scores

    def resolve_grid(self, grid: str | None) -> str:
        grid = grid or self.dataset.default_site_grid
        valid = [a.id for a in self.dataset.grids()]
        if grid not in valid:
            raise InputError(
                issues=[
                    RowIssue(
                        message=f"unknown grid; choose one of: {', '.join(valid)}",
                        message_zh=f"未知电网；可选：{', '.join(valid)}",
                        field="grid",
                        value=grid,
                    )
                ]
            )
        return grid

    def unit_scores(self, grid: str | None = None, method_id: str | None = None) -> UnitScores:
        grid = self.resolve_grid(grid)
        method_id = method_id or self.method_id
        key = (grid, method_id)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        scores = solve_unit_scores(self.background, technosphere_for_grid(self.background, grid), method_id, grid)
        with self._lock:
            return self._cache.setdefault(key, scores)

    def activity_footprint(self, activity_id: str, grid: str | None = None) -> float:
        """kg CO2e per unit of one background activity."""
        self.dataset.activity(activity_id)
        return float(self.unit_scores(grid).total[self.background.activity_index[activity_id]])

    # ------------------------------------------------------------ BOMs

    def cff_parameters(self) -> CffParameters:
        """The Circular Footprint Formula defaults of this engine's dataset (read on first use)."""
        with self._lock:
            if self._cff_parameters is None:
                self._cff_parameters = load_cff_parameters(self.dataset, self.cff_file)
            return self._cff_parameters

    def cff_content(self, grid: str) -> dict[str, np.ndarray]:
        """Per CFF route activity, its amount in one unit of every activity on ``grid`` (solved once)."""
        with self._lock:
            cached = self._cff_content.get(grid)
        if cached is not None:
            return cached
        content = supply_content(technosphere_for_grid(self.background, grid), self.background.activity_index, self.cff_parameters())
        with self._lock:
            return self._cff_content.setdefault(grid, content)

    def circular_plan(self, bom: BomLike, demands: list[LineDemand], grid: str) -> CircularPlan | None:
        """The CFF rows of a BOM whose ``recycling_approach`` is CFF, on ``grid``; None for a
        cut-off BOM (which must then carry no CFF values: they would be ignored)."""
        if not wants_cff(bom):
            check_no_cff_values(demands)
            return None
        return plan_cff(bom, demands, self.dataset, self.cff_parameters(), self.cff_content(grid), self.background.activity_index)

    def calculate(self, bom: BomLike, grid: str | None = None, method_id: str | None = None) -> FootprintResult:
        """Footprint of one BOM per declared unit, split by line, stage, gas and origin; a BOM
        computed with the CFF gets its rows after the BOM lines (footprint.cff)."""
        grid = self.resolve_grid(grid or getattr(bom, "grid", None))
        method_id = method_id or self.method_id
        demands = build_demands(bom, self.dataset)
        circular = self.circular_plan(bom, demands, grid)
        scores = self.unit_scores(grid, method_id)
        return self._assemble(bom, demands, scores, circular)

    def _assemble(self, bom, demands: list[LineDemand], scores: UnitScores, circular: CircularPlan | None = None) -> FootprintResult:
        index = self.background.activity_index
        rows = np.array([index[d.activity_id] for d in demands], dtype=np.int64)
        amounts = np.array([d.activity_amount for d in demands], dtype=float)
        per_line_flow = amounts[:, None] * scores.per_flow[rows]
        aircraft = float(amounts @ scores.aircraft[rows])
        biogenic = float(amounts @ scores.biogenic_co2_kg[rows])
        cff_rows = circular.rows if circular is not None else ()
        if cff_rows:
            activities, weights = term_weights(cff_rows, index)
            per_line_flow = np.vstack([per_line_flow, weights @ scores.per_flow[activities]])
            aircraft += float((weights @ scores.aircraft[activities]).sum())
            biogenic += float((weights @ scores.biogenic_co2_kg[activities]).sum())
        line_totals = per_line_flow.sum(axis=1)
        total = math.fsum(line_totals.tolist())
        flows = self.background.flow_codes
        lines = []
        for demand, line_total, flow_values in zip(demands, line_totals.tolist(), per_line_flow.tolist()):
            activity = self.dataset.activity(demand.activity_id)
            lines.append(
                LineResult(
                    id=demand.line_id,
                    path=demand.path,
                    activity_id=activity.id,
                    activity_name=activity.name_en,
                    activity_name_zh=activity.name_zh,
                    stage=demand.stage,
                    data_type=demand.data_type,
                    amount=demand.amount,
                    unit=demand.unit,
                    activity_amount=demand.activity_amount,
                    activity_unit=activity.unit,
                    kgco2e=line_total,
                    share=line_total / total if total else 0.0,
                    by_gas={code: value for code, value in zip(flows, flow_values) if value},
                    description=demand.description,
                )
            )
        for row, line_total, flow_values in zip(cff_rows, line_totals.tolist()[len(demands) :], per_line_flow.tolist()[len(demands) :]):
            lines.append(self._cff_line(row, line_total, total, {code: value for code, value in zip(flows, flow_values) if value}))
        by_stage: dict[str, float] = {}
        for line in lines:
            by_stage[line.stage] = by_stage.get(line.stage, 0.0) + line.kgco2e
        gas_totals = per_line_flow.sum(axis=0).tolist()
        by_gas = {code: value for code, value in zip(flows, gas_totals) if value}
        by_origin = {"fossil": 0.0, "biogenic": 0.0, "land_use_change": 0.0}
        for code, value in zip(flows, gas_totals):
            by_origin[self._flow_origin[code]] += value
        method = self.background.methods[scores.method_id]
        return FootprintResult(
            product=str(getattr(bom, "product", "")),
            declared_unit=str(bom.declared_unit),
            total_kgco2e=total,
            lines=tuple(lines),
            by_stage=by_stage,
            by_gas=by_gas,
            by_origin=by_origin,
            aircraft_kgco2e=aircraft,
            biogenic_co2_kg=biogenic,
            grid=scores.grid,
            method={"id": method.id, "name": method.name, "sha256": method.sha256},
            dataset=self.dataset.describe(),
            recycling=circular.summary if circular is not None else None,
        )

    def _cff_line(self, row, kgco2e: float, total: float, by_gas: dict[str, float]) -> LineResult:
        """A CFF row as a result line: no amount of its own, its parent's stage and activity."""
        activity = self.dataset.activity(row.activity_id)
        kind = row_kind(kgco2e)
        name_en, name_zh = PART_NAMES[row.part]
        return LineResult(
            id=row.line_id,
            path=row.path,
            activity_id=activity.id,
            activity_name=f"{name_en}: {kind} of line {row.parent_path}",
            activity_name_zh=f"{name_zh}：{'抵扣' if kind == 'credit' else '增加'}（{row.parent_path} 行）",
            stage=row.stage,
            data_type=row.data_type,
            amount=0.0,
            unit=row.unit,
            activity_amount=0.0,
            activity_unit=activity.unit,
            kgco2e=kgco2e,
            share=kgco2e / total if total else 0.0,
            by_gas=by_gas,
            description=f"CFF {row.part.replace('_', '-')} {kind} on top of line {row.parent_path}",
            cff={"kind": kind, "line": row.parent_path, **row.details},
        )


_DEFAULT: FootprintEngine | None = None
_DEFAULT_LOCK = threading.Lock()


def default_engine() -> FootprintEngine:
    """One process-wide engine on the bundled dataset, built on first use."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = FootprintEngine()
        return _DEFAULT
