"""Monte Carlo footprints of BOMs, reproducible, correlated between variants, local or on Dask.

What is random: every uncertain background exchange (lognormal from its gsd; see
:mod:`footprint.sampler`) and every BOM line amount (lognormal from its gsd, pedigree or the
data-type default; see :mod:`footprint.uncertainty`). Characterisation factors are fixed. A BOM
computed with the Circular Footprint Formula samples its CFF rows from the same draws (each row's
terms on the sampled unit scores, times its parent line's amount factor), and draws the CFF
parameters that the parameter file gives with a range (A, Qsin/Qp, Qsout/Qp: uniform or
triangular, :mod:`footprint.cff_sampling`); a value the study states on its line, R1 and the
material contents are fixed. The deterministic result keeps the given values.

Reproducibility: iterations are cut into blocks of :data:`BLOCK_SIZE`. Block ``b`` draws the
background from ``SeedSequence([seed, 0, b])`` and the amount of the BOM line with path ``p``
from ``SeedSequence([seed, 1, b, *sha256(p)[:16 bytes]])``, and CFF parameter ``k`` (e.g.
``aluminium/A``) from ``SeedSequence([seed, 2, b, *sha256(k)[:16 bytes]])``. Nothing depends on how blocks are
spread over processes, so a Dask run equals the local run bit for bit, and the same seed gives
the same bytes of JSON.

Correlated comparisons: variants evaluated in one run share each iteration's background draw
(same exchange, same number, even on another site grid), and a line with the same path in two
variants shares its amount draw, as does a CFF parameter of the same material. Identical variants therefore differ by exactly zero in every
iteration, and "B is lower than A in x % of runs" measures the variants, not the noise.

Variance share of a line (documented choice): ``cov(line_i, total) / var(total)`` over the
iterations, where ``line_i`` is the sampled kg CO2e of line i (its amount draw times its
activity's sampled unit score). Because ``total = sum(line_i)``, the shares add up to exactly 1
(up to rounding); background uncertainty shared by several lines is split between them in
proportion to how each line co-varies with the total. A share can be slightly negative only for
a line that moves against the total. It is a first-order, covariance-based decomposition, not a
Sobol index.
"""

from __future__ import annotations

import hashlib
import json
import threading
import weakref
from collections import OrderedDict
from dataclasses import asdict, dataclass, field

import numpy as np

from .cff import term_weights
from .cff_sampling import CompiledRows, compile_rows
from .demand import build_demands
from .errors import FootprintError
from .parallel import Scheduler, map_tasks
from .progress import ProgressCallback
from .sampler import BackgroundSampler, sampler_for
from .uncertainty import CENTRES, LineUncertainty, line_uncertainty, log_shift, pedigree_table

BLOCK_SIZE = 500  # part of the reproducibility contract: changing it changes the draws
_BACKGROUND_STREAM = 0
_LINE_STREAM = 1
_CFF_STREAM = 2
VARIANCE_SHARE_DEFINITION = "cov(line kg CO2e, total kg CO2e) / var(total kg CO2e) over the iterations; shares add up to 1"
STATISTICS = ("mean", "median", "std", "p2_5", "p97_5")

_SAMPLERS: dict[tuple, BackgroundSampler] = {}
_SAMPLERS_LOCK = threading.Lock()

# Background unit scores of recent blocks: (id(sampler), seed, block, size) -> (weak sampler, scores).
# They depend only on the sampler and the block's draws, never on the BOM, and they are nearly all
# of a run's time (one sparse LU per iteration): a web form computing one product again after an
# edit, or another product on the same grid, reuses them. 12 blocks of 500 x ~360 activities ≈ 17 MB.
_SCORES: OrderedDict[tuple, tuple[weakref.ref, np.ndarray]] = OrderedDict()
_SCORES_LOCK = threading.Lock()
SCORE_BLOCKS_KEPT = 12


# ---------------------------------------------------------------------- compiled inputs


@dataclass(frozen=True, eq=False)
class Foreground:
    """One BOM compiled for sampling: leaf lines as arrays, uncertain BOM nodes as parameters.

    ``line_params[i]`` lists the parameters whose factor multiplies leaf ``i`` (its own and
    those of uncertain sub-assemblies above it), padded with ``len(param_keys)``, a parameter
    that is always exactly 1.
    """

    label: str
    grid: str
    paths: tuple[str, ...]
    activity_ids: tuple[str, ...]
    stages: tuple[str, ...]
    rows: np.ndarray
    amounts: np.ndarray
    param_keys: tuple[str, ...]
    param_sigma: np.ndarray
    param_words: np.ndarray
    line_params: np.ndarray
    uncertainty: dict[str, LineUncertainty] = field(default_factory=dict)
    # Lines drawing a supplier's footprint (footprint.exchange.suppliers): their kg CO2e per unit
    # is the supplier's fixed number (NaN for background lines, whose ``rows`` are used); None
    # when the BOM has no such line.
    fixed_scores: np.ndarray | None = None
    # Circular Footprint Formula rows (footprint.cff), after the BOM lines in ``paths``: row r is
    # ``cff_weights[r] @ scores[cff_activities]`` times the amount factor of its parent line.
    cff_activities: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    cff_weights: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    cff_parent: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # The CFF parameters drawn (None when none is: the rows then weight their fixed terms).
    cff_sampled: CompiledRows | None = None
    cff_words: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), dtype=np.uint32))


def _key_words(key: str) -> np.ndarray:
    return np.frombuffer(hashlib.sha256(key.encode("utf-8")).digest()[:16], dtype="<u4").copy()


def compile_foreground(engine, bom, grid: str, label: str = "") -> Foreground:
    """Resolve a BOM's lines (through :func:`footprint.demand.build_demands`) and their distributions.

    A line that draws a supplier's footprint (``engine.suppliers``) keeps that fixed number per
    unit in every iteration; only its amount is uncertain (its gsd, pedigree or data-type default).
    """
    dataset = engine.dataset
    suppliers = getattr(engine, "suppliers", None) or {}
    demands = build_demands(bom, dataset, suppliers)
    circular = engine.circular_plan(bom, demands, grid)
    cff_rows = circular.rows if circular is not None else ()
    keys: list[str] = []
    sigmas: list[float] = []
    uncertainty: dict[str, LineUncertainty] = {}
    leaf_params: dict[str, tuple[int, ...]] = {}
    stack = [(line.id, line, ()) for line in reversed(bom.lines)]
    while stack:
        path, line, inherited = stack.pop()
        leaf = not line.lines
        category = dataset.activity(line.activity_id).category if leaf else None
        distribution = line_uncertainty(line, category, leaf=leaf)
        params = inherited
        if distribution is not None:
            params = inherited + (len(keys),)
            keys.append(path)
            sigmas.append(distribution.sigma)
            uncertainty[path] = distribution
        if leaf:
            leaf_params[path] = params
        else:
            stack.extend((f"{path}/{child.id}", child, params) for child in reversed(line.lines))
    depth = max((len(leaf_params[d.path]) for d in demands), default=1)
    padded = np.full((len(demands), max(depth, 1)), len(keys), dtype=np.int64)
    for i, demand in enumerate(demands):
        own = leaf_params[demand.path]
        padded[i, : len(own)] = own
    index = engine.background.activity_index
    fixed = [suppliers[d.activity_id].kgco2e_per_unit if d.activity_id in suppliers else np.nan for d in demands]
    cff = {}
    if cff_rows:
        parent = {d.path: i for i, d in enumerate(demands)}
        activities, weights = term_weights(cff_rows, index)
        cff = dict(cff_activities=activities, cff_weights=weights, cff_parent=np.array([parent[r.parent_path] for r in cff_rows], dtype=np.int64))
        sampled = compile_rows(cff_rows, index, circular.distributions)
        if sampled is not None:
            cff.update(cff_sampled=sampled, cff_words=np.array([_key_words(k) for k in sampled.keys], dtype=np.uint32).reshape(len(sampled.keys), 4))
    return Foreground(
        label=label or str(bom.product),
        grid=grid,
        paths=tuple(d.path for d in demands) + tuple(r.path for r in cff_rows),
        activity_ids=tuple(d.activity_id for d in demands) + tuple(r.activity_id for r in cff_rows),
        stages=tuple(d.stage for d in demands) + tuple(r.stage for r in cff_rows),
        rows=np.array([0 if d.activity_id in suppliers else index[d.activity_id] for d in demands], dtype=np.int64),
        amounts=np.array([d.activity_amount for d in demands], dtype=float),
        param_keys=tuple(keys),
        param_sigma=np.array(sigmas, dtype=float),
        param_words=np.array([_key_words(k) for k in keys], dtype=np.uint32).reshape(len(keys), 4),
        line_params=padded,
        uncertainty=uncertainty,
        fixed_scores=np.array(fixed, dtype=float) if any(d.activity_id in suppliers for d in demands) else None,
        **cff,
    )


@dataclass(frozen=True, eq=False)
class SimulationPlan:
    """Everything a worker needs for any block: arrays only, no Brightway, no dataset."""

    seed: int
    iterations: int
    block_size: int
    centre: str
    samplers: tuple[BackgroundSampler, ...]
    foregrounds: tuple[Foreground, ...]
    sampler_of: tuple[int, ...]

    @property
    def n_blocks(self) -> int:
        return -(-self.iterations // self.block_size)

    def block_length(self, block: int) -> int:
        return min(self.block_size, self.iterations - block * self.block_size)


def _generator(*words: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(w) for w in words])))


def simulate_block(plan: SimulationPlan, block: int) -> tuple[np.ndarray, ...]:
    """Sampled kg CO2e of every line of every foreground for one block: (iterations x lines) each."""
    size = plan.block_length(block)
    n_draws = plan.samplers[0].n_draws
    draws = _generator(plan.seed, _BACKGROUND_STREAM, block).standard_normal((size, n_draws))
    scores = [background_scores(sampler, plan.seed, block, draws) for sampler in plan.samplers]
    results = []
    for foreground, sampler_index in zip(plan.foregrounds, plan.sampler_of):
        param_log = np.zeros((size, len(foreground.param_keys) + 1))
        for p, (words, sigma) in enumerate(zip(foreground.param_words, foreground.param_sigma)):
            normal = _generator(plan.seed, _LINE_STREAM, block, *words.tolist()).standard_normal(size)
            param_log[:, p] = sigma * normal + log_shift(sigma, plan.centre)
        factors = np.exp(param_log[:, foreground.line_params].sum(axis=2))
        unit_scores = scores[sampler_index][:, foreground.rows]
        if foreground.fixed_scores is not None:
            unit_scores = np.where(np.isnan(foreground.fixed_scores), unit_scores, foreground.fixed_scores)
        sampled = unit_scores * foreground.amounts * factors
        if len(foreground.cff_parent):
            # a CFF row is linear in its parent line's amount: the same factor scales it
            if foreground.cff_sampled is None:
                cff = scores[sampler_index][:, foreground.cff_activities] @ foreground.cff_weights.T
            else:
                cff = foreground.cff_sampled.samples(scores[sampler_index], cff_parameter_values(foreground, plan.seed, block, size))
            sampled = np.concatenate([sampled, cff * factors[:, foreground.cff_parent]], axis=1)
        results.append(sampled)
    return tuple(results)


def cff_parameter_values(foreground: Foreground, seed: int, block: int, size: int) -> np.ndarray:
    """The drawn CFF parameters of one block, (size x parameters + 1) as
    :meth:`footprint.cff_sampling.CompiledRows.samples` takes them: one stream per parameter key,
    so a parameter shared by two variants gets the same numbers in both."""
    uniforms = np.column_stack([_generator(seed, _CFF_STREAM, block, *words.tolist()).random(size) for words in foreground.cff_words])
    return foreground.cff_sampled.values(uniforms)


def background_scores(sampler: BackgroundSampler, seed: int, block: int, draws: np.ndarray) -> np.ndarray:
    """``sampler.unit_scores(draws)`` for the background draws of ``block`` of a run seeded
    ``seed``, kept for the next run that needs the same block (returned read-only).

    The key is the sampler object itself (held weakly: an entry whose sampler was freed is never
    matched by a new object at the same address) and the block's seed, number and length, which
    fix the draws; so a reused block is the very array the first run computed.
    """
    key = (id(sampler), int(seed), int(block), draws.shape)
    with _SCORES_LOCK:
        found = _SCORES.get(key)
        if found is not None and found[0]() is sampler:
            _SCORES.move_to_end(key)
            return found[1]
    scores = sampler.unit_scores(draws)
    scores.setflags(write=False)
    with _SCORES_LOCK:
        _SCORES[key] = (weakref.ref(sampler), scores)
        _SCORES.move_to_end(key)
        while len(_SCORES) > SCORE_BLOCKS_KEPT:
            _SCORES.popitem(last=False)
    return scores


def cached_sampler(engine, grid: str, centre: str) -> BackgroundSampler:
    """The engine's background sampler for a grid (built once per background, grid, method, centre)."""
    background = engine.background
    key = (background.project_name, background.dataset.sha256, grid, engine.method_id, centre)
    with _SAMPLERS_LOCK:
        found = _SAMPLERS.get(key)
    if found is not None:
        return found
    sampler = sampler_for(background, grid, engine.method_id, centre)
    with _SAMPLERS_LOCK:
        return _SAMPLERS.setdefault(key, sampler)


def build_plan(engine, boms: list, *, iterations: int, seed: int, grid: str | None, centre: str) -> SimulationPlan:
    """Compile BOMs and the samplers of the grids they use into one picklable plan."""
    if centre not in CENTRES:
        raise FootprintError(f"centre must be one of {', '.join(CENTRES)}, got {centre!r}")
    if int(iterations) < 2:
        raise FootprintError("a Monte Carlo run needs at least 2 iterations")
    if int(seed) < 0:
        raise FootprintError("the seed must be a non-negative integer")
    grids: list[str] = []
    foregrounds = []
    for bom in boms:
        bom_grid = engine.resolve_grid(grid or getattr(bom, "grid", None))
        if bom_grid not in grids:
            grids.append(bom_grid)
        foregrounds.append(compile_foreground(engine, bom, bom_grid))
    samplers = tuple(cached_sampler(engine, g, centre) for g in grids)
    return SimulationPlan(
        seed=int(seed),
        iterations=int(iterations),
        block_size=BLOCK_SIZE,
        centre=centre,
        samplers=samplers,
        foregrounds=tuple(foregrounds),
        sampler_of=tuple(grids.index(f.grid) for f in foregrounds),
    )


def run_plan(plan: SimulationPlan, *, scheduler: Scheduler | None = None, progress: ProgressCallback | None = None) -> list[np.ndarray]:
    """All iterations of a plan: one (iterations x lines) array per foreground, in block order."""
    blocks = list(range(plan.n_blocks))
    parts = map_tasks(
        simulate_block,
        plan,
        blocks,
        scheduler=scheduler,
        weights=[plan.block_length(b) for b in blocks],
        progress=progress,
    )
    return [np.concatenate([part[f] for part in parts], axis=0) for f in range(len(plan.foregrounds))]


# ---------------------------------------------------------------------- summaries


def describe(samples: np.ndarray) -> dict[str, float]:
    """Mean, median, standard deviation (n - 1) and the 2.5 / 97.5 percentiles (linear interpolation)."""
    low, median, high = np.percentile(samples, [2.5, 50.0, 97.5])
    return {
        "mean": float(np.mean(samples)),
        "median": float(median),
        "std": float(np.std(samples, ddof=1)),
        "p2_5": float(low),
        "p97_5": float(high),
    }


def variance_shares(lines: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """``cov(line_i, total) / var(total)`` per column of ``lines`` (zeros when the total is exact)."""
    centred_total = totals - totals.mean()
    variance = float(np.sum(centred_total * centred_total))
    if variance == 0.0:
        return np.zeros(lines.shape[1])
    covariance = np.sum((lines - lines.mean(axis=0)) * centred_total[:, None], axis=0)
    return covariance / variance


@dataclass(frozen=True)
class LineSummary:
    path: str
    activity_id: str
    stage: str
    gsd: float | None
    gsd_source: str | None
    deterministic_kgco2e: float
    mean: float
    median: float
    std: float
    p2_5: float
    p97_5: float
    variance_share: float


@dataclass(frozen=True)
class UncertaintyResult:
    """Monte Carlo summary of one BOM; ``totals`` and ``line_samples`` keep the raw iterations."""

    product: str
    declared_unit: str
    grid: str
    method: dict
    dataset: dict
    iterations: int
    seed: int
    block_size: int
    centre: str
    deterministic_kgco2e: float
    total: dict[str, float]
    lines: tuple[LineSummary, ...]
    by_stage: dict[str, dict[str, float]]
    assemblies: dict[str, dict]  # uncertain sub-assemblies: path -> gsd, source (their factor scales all their lines)
    totals: np.ndarray = field(repr=False, compare=False)
    line_samples: np.ndarray = field(repr=False, compare=False)
    cff_parameters: dict[str, dict] = field(default_factory=dict)  # drawn CFF parameter -> distribution, min, mode, max

    def to_dict(self) -> dict:
        return {
            "product": self.product,
            "declared_unit": self.declared_unit,
            "grid": self.grid,
            "method": self.method,
            "dataset": self.dataset,
            "monte_carlo": {
                "iterations": self.iterations,
                "seed": self.seed,
                "block_size": self.block_size,
                "centre": self.centre,
                "distribution": "lognormal",
                "pedigree_factors": pedigree_table().citation,
                **({"cff_parameters": self.cff_parameters} if self.cff_parameters else {}),
            },
            "deterministic_kgco2e": self.deterministic_kgco2e,
            "total": self.total,
            "variance_share_definition": VARIANCE_SHARE_DEFINITION,
            "lines": [asdict(line) for line in self.lines],
            "assemblies": self.assemblies,
            "by_stage": self.by_stage,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)


def summarise(engine, bom, foreground: Foreground, lines: np.ndarray, plan: SimulationPlan) -> UncertaintyResult:
    """Statistics of one foreground's samples, next to its deterministic footprint."""
    result = engine.calculate(bom, grid=foreground.grid)
    totals = lines.sum(axis=1)
    shares = variance_shares(lines, totals)
    low, median, high = np.percentile(lines, [2.5, 50.0, 97.5], axis=0)
    mean = lines.mean(axis=0)
    std = lines.std(axis=0, ddof=1)
    summaries = []
    for i, line in enumerate(result.lines):
        own = foreground.uncertainty.get(foreground.paths[i])
        summaries.append(
            LineSummary(
                path=line.path,
                activity_id=line.activity_id,
                stage=line.stage,
                gsd=own.gsd if own else None,
                gsd_source=own.source if own else None,
                deterministic_kgco2e=line.kgco2e,
                mean=float(mean[i]),
                median=float(median[i]),
                std=float(std[i]),
                p2_5=float(low[i]),
                p97_5=float(high[i]),
                variance_share=float(shares[i]),
            )
        )
    by_stage = {}
    stages = np.array(foreground.stages)
    for stage, deterministic in result.by_stage.items():
        by_stage[stage] = {"deterministic_kgco2e": deterministic, **describe(lines[:, stages == stage].sum(axis=1))}
    return UncertaintyResult(
        product=result.product,
        declared_unit=result.declared_unit,
        grid=result.grid,
        method=result.method,
        dataset=result.dataset,
        iterations=plan.iterations,
        seed=plan.seed,
        block_size=plan.block_size,
        centre=plan.centre,
        deterministic_kgco2e=result.total_kgco2e,
        total=describe(totals),
        lines=tuple(summaries),
        by_stage=by_stage,
        assemblies={
            path: {"gsd": u.gsd, "gsd_source": u.source} for path, u in foreground.uncertainty.items() if path not in set(foreground.paths)
        },
        totals=totals,
        line_samples=lines,
        cff_parameters=foreground.cff_sampled.describe() if foreground.cff_sampled is not None else {},
    )


# ---------------------------------------------------------------------- entry points


def monte_carlo(
    engine,
    bom,
    *,
    iterations: int = 1000,
    seed: int = 0,
    grid: str | None = None,
    centre: str = "median",
    scheduler: Scheduler | None = None,
    progress: ProgressCallback | None = None,
) -> UncertaintyResult:
    """Monte Carlo footprint of one BOM (see the module docstring for what is random)."""
    plan = build_plan(engine, [bom], iterations=iterations, seed=seed, grid=grid, centre=centre)
    (lines,) = run_plan(plan, scheduler=scheduler, progress=progress)
    return summarise(engine, bom, plan.foregrounds[0], lines, plan)


@dataclass(frozen=True)
class ComparisonResult:
    """Two variants over the same draws: ``difference`` is B - A per iteration."""

    a: UncertaintyResult
    b: UncertaintyResult
    difference: dict[str, float]
    b_lower_share: float
    a_lower_share: float
    equal_share: float
    differences: np.ndarray = field(repr=False, compare=False)

    def to_dict(self) -> dict:
        return {
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
            "difference_b_minus_a": self.difference,
            "b_lower_share": self.b_lower_share,
            "a_lower_share": self.a_lower_share,
            "equal_share": self.equal_share,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)


def compare(
    engine,
    bom_a,
    bom_b,
    *,
    iterations: int = 1000,
    seed: int = 0,
    grid: str | None = None,
    centre: str = "median",
    scheduler: Scheduler | None = None,
    progress: ProgressCallback | None = None,
) -> ComparisonResult:
    """Correlated Monte Carlo of two variants: same background draws, same draws for same lines."""
    plan = build_plan(engine, [bom_a, bom_b], iterations=iterations, seed=seed, grid=grid, centre=centre)
    lines_a, lines_b = run_plan(plan, scheduler=scheduler, progress=progress)
    a = summarise(engine, bom_a, plan.foregrounds[0], lines_a, plan)
    b = summarise(engine, bom_b, plan.foregrounds[1], lines_b, plan)
    differences = b.totals - a.totals
    count = float(len(differences))
    return ComparisonResult(
        a=a,
        b=b,
        difference=describe(differences),
        b_lower_share=float(np.count_nonzero(differences < 0) / count),
        a_lower_share=float(np.count_nonzero(differences > 0) / count),
        equal_share=float(np.count_nonzero(differences == 0) / count),
        differences=differences,
    )
