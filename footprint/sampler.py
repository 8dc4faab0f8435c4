"""Random background systems: perturb A and B exchange by exchange, solve many times, fast.

Why this shape:

* Draws are indexed by *dataset exchange* (the uncertain exchanges, in dataset order), not by
  matrix position. Two samplers of the same dataset on different site grids, or with different
  methods, therefore read the same standard normals for the same exchange: a comparison of two
  grids is correlated sampling for free.
* The sparsity of A never changes, so everything that depends only on it is done once: a block
  triangular ordering (strongly connected components of the supply graph, suppliers first; see
  :func:`block_triangular_order`) under which SuperLU factorises with almost no fill-in and no
  ordering step (``permc_spec="NATURAL"``), and the map from each exchange to its slot in the
  CSC data array. One iteration is then: write the data array, ``splu``, one transposed solve.
* Only ``r = B^T f`` (characterised direct emissions per activity) is ever needed, so B is
  perturbed straight into ``r``; one transposed solve ``A^T y = r`` gives the unit score of every
  activity, which serves any number of BOMs drawn against the same background.

A :class:`BackgroundSampler` holds only numpy arrays and scipy sparse matrices: it is what a Dask
worker receives, never a Brightway project.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.sparse import csgraph

from .dataset import SITE_GRID_ACTIVITY, Dataset
from .errors import FootprintError
from .uncertainty import log_shift

# Under the block triangular order the triangular parts need no elimination (no pivoting can
# happen there, whatever the threshold); inside a supply loop (a diagonal block) threshold
# partial pivoting at 0.1, as UMFPACK's default, keeps the diagonal unless it is 10x smaller
# than the column's largest entry: stable, with little fill-in.
_SPLU_OPTIONS = dict(permc_spec="NATURAL", diag_pivot_thresh=0.1)
_AGREEMENT = 1e-9


def uncertain_exchanges(dataset: Dataset) -> np.ndarray:
    """Indexes (into ``dataset.exchanges``) of the exchanges that get a random draw, in order.

    An exchange is uncertain when its gsd is above 1 and its amount is not zero. This set, and
    its order, define the columns of the background draws: it depends on the dataset only.
    """
    return np.array([i for i, e in enumerate(dataset.exchanges) if e.gsd > 1.0 and e.amount != 0.0], dtype=np.int64)


def block_triangular_order(pattern: sp.spmatrix) -> np.ndarray:
    """A symmetric permutation that makes ``A[p][:, p]`` block upper triangular.

    Strongly connected components of the supply graph (edge supplier -> consumer for every
    off-diagonal entry) become diagonal blocks, ordered so that every supplier block comes
    before its consumers (Kahn's topological sort of the condensation). An acyclic supply
    chain becomes exactly triangular.
    """
    n = pattern.shape[0]
    count, label = csgraph.connected_components(pattern, directed=True, connection="strong")
    coo = sp.coo_matrix(pattern)
    supplier, consumer = label[coo.row], label[coo.col]
    cross = supplier != consumer
    successors: dict[int, set[int]] = defaultdict(set)
    indegree = np.zeros(count, dtype=np.int64)
    for a, b in set(zip(supplier[cross].tolist(), consumer[cross].tolist())):
        successors[a].add(b)
        indegree[b] += 1
    ready = sorted(np.flatnonzero(indegree == 0).tolist(), reverse=True)
    rank = np.empty(count, dtype=np.int64)
    position = 0
    while ready:
        component = ready.pop()
        rank[component] = position
        position += 1
        for successor in sorted(successors[component]):
            indegree[successor] -= 1
            if indegree[successor] == 0:
                ready.append(successor)
    if position != count:  # pragma: no cover - the condensation of SCCs is always acyclic
        raise FootprintError("block triangular ordering failed")
    return np.argsort(rank[label] * n + np.arange(n), kind="stable")


@dataclass(frozen=True, eq=False)
class BackgroundSampler:
    """One background (one site grid, one method, one centring) ready for repeated sampling.

    Activity order inside is the block triangular order ``order`` (``order[k]`` = original index
    of the k-th activity); results are returned in the original activity order.
    """

    grid: str
    method_id: str
    centre: str
    n_draws: int  # columns of the standard-normal draws (uncertain exchanges of the dataset)
    order: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    base_data: np.ndarray  # certain entries of the permuted A (diagonal and gsd == 1 inputs)
    tech_draw: np.ndarray  # draw column of each uncertain technosphere exchange
    tech_log: np.ndarray  # ln|amount| + centring shift
    tech_sigma: np.ndarray
    tech_sign: np.ndarray
    tech_scatter: sp.csr_matrix  # uncertain technosphere exchange -> slot in data
    rhs_base: np.ndarray  # certain part of r = B^T f, permuted order
    bio_draw: np.ndarray
    bio_log: np.ndarray
    bio_sigma: np.ndarray
    bio_sign: np.ndarray
    bio_scatter: sp.csr_matrix  # uncertain biosphere exchange -> permuted activity
    deterministic: np.ndarray  # unit scores at the deterministic amounts (the medians)

    @property
    def n_activities(self) -> int:
        return len(self.order)

    # ------------------------------------------------------------------ sampling

    def technosphere_data(self, draws: np.ndarray) -> np.ndarray:
        """CSC data arrays (one row per iteration) of the permuted A for standard normals ``draws``."""
        values = self.tech_sign * np.exp(self.tech_log + self.tech_sigma * draws[:, self.tech_draw])
        return self.base_data + np.asarray(self.tech_scatter.T @ values.T).T

    def characterised_emissions(self, draws: np.ndarray) -> np.ndarray:
        """``r = B^T f`` per iteration (rows), permuted activity order."""
        values = self.bio_sign * np.exp(self.bio_log + self.bio_sigma * draws[:, self.bio_draw])
        return self.rhs_base + np.asarray(self.bio_scatter.T @ values.T).T

    def unit_scores(self, draws: np.ndarray) -> np.ndarray:
        """kg CO2e per unit of every activity (original order), one row per row of ``draws``."""
        if draws.ndim != 2 or draws.shape[1] != self.n_draws:
            raise ValueError(f"draws must have shape (iterations, {self.n_draws}), got {draws.shape}")
        data = self.technosphere_data(draws)
        rhs = self.characterised_emissions(draws)
        n = self.n_activities
        matrix = sp.csc_matrix((self.base_data.copy(), self.indices, self.indptr), shape=(n, n))
        solved = np.empty((len(draws), n))
        for k in range(len(draws)):
            matrix.data[:] = data[k]
            solved[k] = spla.splu(matrix, **_SPLU_OPTIONS).solve(rhs[k], trans="T")
        scores = np.empty_like(solved)
        scores[:, self.order] = solved
        return scores

    # ------------------------------------------------------------------ building

    @classmethod
    def from_records(
        cls,
        *,
        grid: str,
        method_id: str,
        centre: str,
        n_activities: int,
        n_draws: int,
        tech: tuple[np.ndarray, ...],
        bio: tuple[np.ndarray, ...],
    ) -> "BackgroundSampler":
        """Build from exchange records as arrays; any dataset (or a synthetic one) fits here.

        ``tech = (row, col, amount, gsd, draw)`` are technosphere inputs (positive amounts of
        ``row`` consumed by ``col``; production is 1 on the diagonal); ``bio = (col, weight, gsd,
        draw)`` are characterised emissions (amount times characterisation factor) of ``col``.
        ``draw`` is the column of the exchange in the standard-normal draws, or -1 if certain.
        """
        n = n_activities
        t_row, t_col, t_amount, t_gsd, t_draw = (np.asarray(a) for a in tech)
        b_col, b_weight, b_gsd, b_draw = (np.asarray(a) for a in bio)
        pattern = sp.csc_matrix((np.ones(len(t_row) + n), (np.r_[np.arange(n), t_row], np.r_[np.arange(n), t_col])), shape=(n, n))
        order = block_triangular_order(pattern)
        position = np.empty(n, dtype=np.int64)
        position[order] = np.arange(n)
        # Slots: assemble a CSC matrix whose data are 1-based entry numbers, then read them back.
        rows = np.r_[position[np.arange(n)], position[t_row]].astype(np.int64)
        cols = np.r_[position[np.arange(n)], position[t_col]].astype(np.int64)
        keys = cols * n + rows
        unique_keys, slot = np.unique(keys, return_inverse=True)
        indptr = np.searchsorted(unique_keys // n, np.arange(n + 1)).astype(np.int32)
        indices = (unique_keys % n).astype(np.int32)
        nnz = len(unique_keys)
        values = np.r_[np.ones(n), -t_amount.astype(float)]
        uncertain_t = np.r_[np.zeros(n, dtype=bool), t_draw >= 0]
        base_data = np.bincount(slot[~uncertain_t], weights=values[~uncertain_t], minlength=nnz)
        tech_slots = slot[uncertain_t]
        tech_values = values[uncertain_t]
        tech_sigma = np.log(t_gsd[t_draw >= 0].astype(float))
        uncertain_b = b_draw >= 0
        rhs_base = np.bincount(position[b_col[~uncertain_b]], weights=b_weight[~uncertain_b].astype(float), minlength=n)
        bio_values = b_weight[uncertain_b].astype(float)
        bio_keep = bio_values != 0.0  # e.g. biogenic CO2 with factor 0: drawn, but no effect on r
        bio_sigma = np.log(b_gsd[uncertain_b].astype(float))[bio_keep]
        bio_values = bio_values[bio_keep]
        bio_targets = position[b_col[uncertain_b][bio_keep]]
        sampler = cls(
            grid=grid,
            method_id=method_id,
            centre=centre,
            n_draws=int(n_draws),
            order=order,
            indptr=indptr,
            indices=indices,
            base_data=base_data,
            tech_draw=t_draw[t_draw >= 0].astype(np.int64),
            tech_log=np.log(np.abs(tech_values)) + log_shift(tech_sigma, centre),
            tech_sigma=tech_sigma,
            tech_sign=np.sign(tech_values),
            tech_scatter=_scatter(tech_slots, nnz),
            rhs_base=rhs_base,
            bio_draw=b_draw[uncertain_b][bio_keep].astype(np.int64),
            bio_log=np.log(np.abs(bio_values)) + log_shift(bio_sigma, centre),
            bio_sigma=bio_sigma,
            bio_sign=np.sign(bio_values),
            bio_scatter=_scatter(bio_targets, n),
            deterministic=np.empty(0),
        )
        median = sampler._median_scores()
        object.__setattr__(sampler, "deterministic", median)
        for array in (order, indptr, indices, base_data, rhs_base, median):
            array.setflags(write=False)
        return sampler

    def _median_scores(self) -> np.ndarray:
        """Unit scores with every exchange at its deterministic value (draws = 0, no shift)."""
        n = self.n_activities
        data = self.base_data + self.tech_scatter.T @ (self.tech_sign * np.exp(self.tech_log - log_shift(self.tech_sigma, self.centre)))
        rhs = self.rhs_base + self.bio_scatter.T @ (self.bio_sign * np.exp(self.bio_log - log_shift(self.bio_sigma, self.centre)))
        solved = spla.splu(sp.csc_matrix((data, self.indices, self.indptr), shape=(n, n)), **_SPLU_OPTIONS).solve(rhs, trans="T")
        scores = np.empty(n)
        scores[self.order] = solved
        return scores


def _scatter(targets: np.ndarray, size: int) -> sp.csr_matrix:
    """0/1 matrix adding value i into position ``targets[i]`` (duplicates add up)."""
    count = len(targets)
    return sp.csr_matrix((np.ones(count), (np.arange(count), targets)), shape=(count, size))


def sampler_for(background, grid: str, method_id: str, centre: str = "median") -> BackgroundSampler:
    """The sampler of a :class:`~footprint.background.Background` for one grid and method.

    The site electricity exchange is re-pointed to ``grid`` exactly as
    :func:`footprint.engine.technosphere_for_grid` does, and the deterministic unit scores are
    checked against the engine's (so the two code paths cannot drift apart silently).
    """
    from .engine import solve_unit_scores, technosphere_for_grid

    dataset: Dataset = background.dataset
    index = background.activity_index
    flow_index = {code: i for i, code in enumerate(background.flow_codes)}
    factors = background.factors[method_id]
    draw_of = np.full(len(dataset.exchanges), -1, dtype=np.int64)
    uncertain = uncertain_exchanges(dataset)
    draw_of[uncertain] = np.arange(len(uncertain))
    default_grid = dataset.default_site_grid
    tech, bio = [], []
    for number, exchange in enumerate(dataset.exchanges):
        column = index[exchange.activity_id]
        draw = int(draw_of[number])
        if exchange.type == "technosphere":
            supplier = exchange.input_id
            if exchange.activity_id == SITE_GRID_ACTIVITY and supplier == default_grid:
                supplier = grid
            tech.append((index[supplier], column, exchange.amount, exchange.gsd, draw))
        else:
            weight = exchange.amount * factors[flow_index[exchange.input_id]]
            bio.append((column, weight, exchange.gsd, draw))
    tech_arrays = tuple(np.array(column) for column in zip(*tech)) if tech else tuple(np.empty(0) for _ in range(5))
    bio_arrays = tuple(np.array(column) for column in zip(*bio)) if bio else tuple(np.empty(0) for _ in range(4))
    tech_arrays = (tech_arrays[0].astype(np.int64), tech_arrays[1].astype(np.int64), *tech_arrays[2:4], tech_arrays[4].astype(np.int64))
    bio_arrays = (bio_arrays[0].astype(np.int64), *bio_arrays[1:3], bio_arrays[3].astype(np.int64))
    sampler = BackgroundSampler.from_records(
        grid=grid,
        method_id=method_id,
        centre=centre,
        n_activities=len(background.activity_codes),
        n_draws=len(uncertain),
        tech=tech_arrays,
        bio=bio_arrays,
    )
    expected = solve_unit_scores(background, technosphere_for_grid(background, grid), method_id, grid).total
    scale = max(float(np.abs(expected).max(initial=0.0)), 1e-300)
    worst = float(np.abs(sampler.deterministic - expected).max(initial=0.0)) / scale
    if not math.isfinite(worst) or worst > _AGREEMENT:
        raise FootprintError(f"sampler for grid {grid} disagrees with the engine (relative {worst:.3g}); the technosphere may be near-singular")
    return sampler
