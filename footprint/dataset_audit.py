"""How far the background numbers can be trusted: tag shares, estimate exposure, gas coverage.

Why a separate audit: a footprint is only as good as the factors it flows through. A reviewer
asks three questions that no single row answers: what share of the dataset's numbers were found
in a source, how much of a product's total reaches it through at least one estimate, and how much
of it is a published aggregate that is not split by gas (so the fossil/biogenic/dLUC figures are
a convention, not data).

"Through at least one E exchange" is computed exactly, not sampled: the footprint summed over all
supply-chain paths that avoid every exchange of a set of tags is the solve of the record system with
those exchanges removed, so ``1 - clean / full`` is the share of the total whose path touches one.
The solve is the plain record system of :mod:`footprint.dataset_ranges` (float64, no Brightway).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .dataset import SITE_GRID_ACTIVITY, TAGS, UNSPECIFIED_FLOW, Dataset

STRUCTURAL_TAG = "S"
EXPOSURE_TAGS = ("E", "R", "D")


@dataclass(frozen=True)
class ProductExposure:
    """Where one product's footprint comes from, as shares of its total."""

    name: str
    total_kgco2e: float
    through: dict[str, float]  # tag -> share of the total whose path touches an exchange with that tag
    found_only: float  # share reached only through F (and structural S) exchanges
    unspecified_gas: float  # share carried by the aggregated flow ghg_co2e_unspecified
    gwp_sets: dict[str, float] = field(default_factory=dict)  # share of the unspecified part by GWP set


@dataclass(frozen=True)
class DatasetAudit:
    dataset: dict
    activities: int
    exchanges: int
    tag_counts: dict[str, int]
    tag_shares: dict[str, float]  # over every exchange
    data_tag_shares: dict[str, float]  # over exchanges that carry a number from data (all but S)
    categories: dict[str, int]
    linked_to_energy: int  # activities whose supply chain draws electricity or a fuel
    unspecified_activities: int  # activities whose footprint is > 50 % unspecified gas
    gwp_sets: dict[str, int]  # kg CO2e biosphere rows by GWP set
    products: tuple[ProductExposure, ...]
    # The CFF parameter file next to the dataset (datasets/cff/<id>.yaml), when there is one: its
    # values are numbers of datasets/ too, counted by tag (and "missing": not found, null).
    cff_parameters: dict | None = None

    def to_dict(self) -> dict:
        from dataclasses import asdict

        return asdict(self)


class _System:
    """The record system of a dataset (float64), with the site grid wired to a chosen grid."""

    def __init__(self, dataset: Dataset, factors: dict[str, float]) -> None:
        self.dataset = dataset
        self.codes = [a.id for a in dataset.activities]
        self.flows = [f.code for f in dataset.flows]
        self.index = {code: i for i, code in enumerate(self.codes)}
        self.flow_index = {code: i for i, code in enumerate(self.flows)}
        self.factors = np.array([factors.get(code, 0.0) for code in self.flows])

    def _matrices(self, grid: str | None, keep) -> tuple[sp.csc_matrix, sp.csr_matrix]:
        """Technosphere (I - inputs) and characterised biosphere (flows x activities)."""
        n = len(self.codes)
        rows, cols, vals = list(range(n)), list(range(n)), [1.0] * n
        b_rows, b_cols, b_vals = [], [], []
        site = self.index.get(SITE_GRID_ACTIVITY)
        default = self.dataset.default_site_grid
        for exchange in self.dataset.exchanges:
            if not keep(exchange):
                continue
            column = self.index[exchange.activity_id]
            if exchange.type == "technosphere":
                supplier = exchange.input_id
                if grid and column == site and supplier == default:
                    supplier = grid
                rows.append(self.index[supplier])
                cols.append(column)
                vals.append(-exchange.amount)
            else:
                flow = self.flow_index[exchange.input_id]
                b_rows.append(flow)
                b_cols.append(column)
                b_vals.append(exchange.amount * self.factors[flow])
        technosphere = sp.csc_matrix((vals, (rows, cols)), shape=(n, n))
        biosphere = sp.csr_matrix((b_vals, (b_rows, b_cols)), shape=(len(self.flows), n))
        return technosphere, biosphere

    def scores(self, grid: str | None, drop_tags: frozenset[str] = frozenset()) -> np.ndarray:
        """kg CO2e per unit of every activity, every path through a ``drop_tags`` exchange left out."""
        technosphere, biosphere = self._matrices(grid, lambda e: e.tag not in drop_tags)
        rhs = np.asarray(biosphere.sum(axis=0)).ravel()
        return spla.splu(technosphere).solve(rhs, trans="T")

    def per_flow_scores(self, grid: str | None, keep=lambda e: True) -> np.ndarray:
        """(activities x flows) kg CO2e per unit, by flow."""
        technosphere, biosphere = self._matrices(grid, keep)
        return spla.splu(technosphere).solve(biosphere.T.toarray(), trans="T")


def _energy_linked(dataset: Dataset) -> int:
    """Activities that reach an electricity, fuel or heat activity through their supply chain."""
    energy = {a.id for a in dataset.activities if a.category.startswith("electricity") or a.category in {"fuel_supply", "fuel_combustion", "heat"}}
    inputs: dict[str, set[str]] = {}
    for exchange in dataset.exchanges:
        if exchange.type == "technosphere":
            inputs.setdefault(exchange.activity_id, set()).add(exchange.input_id)
    memo: dict[str, bool] = {}

    def reaches(code: str) -> bool:
        # iterative depth-first search: supply chains can be deep, never recurse on data
        stack, seen = [code], set()
        while stack:
            current = stack.pop()
            if current in memo and memo[current]:
                return True
            for supplier in inputs.get(current, ()):
                if supplier in energy:
                    return True
                if supplier not in seen:
                    seen.add(supplier)
                    stack.append(supplier)
        return False

    count = 0
    for activity in dataset.activities:
        memo[activity.id] = activity.id in energy or reaches(activity.id)
        count += memo[activity.id]
    return count


def product_exposure(system: _System, name: str, demand: dict[str, float], grid: str | None) -> ProductExposure:
    """Shares of one product's total by tag exposure, gas coverage and GWP set."""
    rows = np.array([system.index[code] for code in demand], dtype=np.int64)
    amounts = np.array(list(demand.values()), dtype=float)
    full = system.scores(grid)
    total = float(amounts @ full[rows])

    def share(value: float) -> float:
        return value / total if total else 0.0

    through = {tag: share(total - float(amounts @ system.scores(grid, frozenset({tag}))[rows])) for tag in EXPOSURE_TAGS}
    found = float(amounts @ system.scores(grid, frozenset(TAGS - {"F", STRUCTURAL_TAG}))[rows])
    per_flow = system.per_flow_scores(grid)
    unspecified_column = system.flows.index(UNSPECIFIED_FLOW) if UNSPECIFIED_FLOW in system.flows else None
    unspecified = float(amounts @ per_flow[rows, unspecified_column]) if unspecified_column is not None else 0.0
    return ProductExposure(
        name=name,
        total_kgco2e=total,
        through=through,
        found_only=share(found),
        unspecified_gas=share(unspecified),
        gwp_sets=_unspecified_by_gwp_set(system, demand, grid, unspecified),
    )


def _unspecified_by_gwp_set(system: _System, demand: dict[str, float], grid: str | None, unspecified: float) -> dict[str, float]:
    """Split the unspecified part by the GWP set of the rows that carry it (exact: one solve per set)."""
    if not unspecified:
        return {}
    rows = np.array([system.index[code] for code in demand], dtype=np.int64)
    amounts = np.array(list(demand.values()), dtype=float)
    column = system.flow_index[UNSPECIFIED_FLOW]
    sets = sorted({e.gwp_set or "not recorded" for e in system.dataset.exchanges if e.input_id == UNSPECIFIED_FLOW})
    result = {}
    for gwp_set in sets:
        keep = lambda e, s=gwp_set: e.type == "technosphere" or (e.gwp_set or "not recorded") == s  # noqa: E731
        value = float(amounts @ system.per_flow_scores(grid, keep)[rows, column])
        if value:
            result[gwp_set] = value / unspecified
    return result


def audit_dataset(dataset: Dataset, factors: dict[str, float], products: dict[str, tuple[dict[str, float], str | None]], cff_parameters=None) -> DatasetAudit:
    """The audit of a dataset and of the products given as {name: ({activity: amount}, grid)},
    and of its CFF parameters (a loaded :class:`footprint.cff_parameters.CffParameters`) if given."""
    system = _System(dataset, factors)
    tags = Counter(e.tag for e in dataset.exchanges)
    n = len(dataset.exchanges)
    data_n = n - tags.get(STRUCTURAL_TAG, 0)
    per_flow = system.per_flow_scores(None)
    totals = per_flow.sum(axis=1)
    unspecified_column = system.flows.index(UNSPECIFIED_FLOW) if UNSPECIFIED_FLOW in system.flows else None
    mostly_unspecified = 0
    if unspecified_column is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            mostly_unspecified = int(np.sum(per_flow[:, unspecified_column] > 0.5 * totals))
    gwp_sets = Counter(
        e.gwp_set or "not recorded" for e in dataset.exchanges if e.type == "biosphere" and e.ghg_basis == "CO2e"
    )
    return DatasetAudit(
        dataset=dataset.describe(),
        activities=len(dataset.activities),
        exchanges=n,
        tag_counts={tag: tags.get(tag, 0) for tag in sorted(TAGS)},
        tag_shares={tag: tags.get(tag, 0) / n for tag in sorted(TAGS)},
        data_tag_shares={tag: tags.get(tag, 0) / data_n for tag in sorted(TAGS - {STRUCTURAL_TAG})},
        categories=dict(sorted(Counter(a.category for a in dataset.activities).items())),
        linked_to_energy=_energy_linked(dataset),
        unspecified_activities=mostly_unspecified,
        gwp_sets=dict(sorted(gwp_sets.items())),
        products=tuple(product_exposure(system, name, demand, grid) for name, (demand, grid) in products.items()),
        cff_parameters=_cff_counts(cff_parameters) if cff_parameters is not None else None,
    )


def _cff_counts(parameters) -> dict:
    counts = parameters.tag_counts()
    return {**parameters.describe(), "values": sum(counts.values()), "tag_counts": counts}


def bom_demand(bom, dataset: Dataset) -> dict[str, float]:
    """A BOM's demand on background activities per declared unit (summed by activity)."""
    from .demand import build_demands

    demand: dict[str, float] = {}
    for line in build_demands(bom, dataset):
        demand[line.activity_id] = demand.get(line.activity_id, 0.0) + line.activity_amount
    return demand


def example_products(dataset: Dataset, folder: Path) -> dict[str, tuple[dict[str, float], str | None]]:
    """Every BOM file in ``examples/`` (``*-bom.csv``) as a product for the audit."""
    from .bom_io import read_bom

    products = {}
    for path in sorted(folder.glob("*-bom.csv")):
        bom = read_bom(path)
        products[path.name] = (bom_demand(bom, dataset), getattr(bom, "grid", None))
    return products
