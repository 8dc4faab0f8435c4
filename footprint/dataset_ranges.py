"""Plausibility ranges on cradle-to-gate footprints, checked when a dataset is loaded.

Why: published factor sets contain per-tonne/per-kg mix-ups and swapped columns. A row-level
check cannot see those, but the solved footprint of an activity can: 1,990 kg CO2e per kg of
steel is refused here, naming the activity and the line of its first exchange.

The solve here is deliberately independent of Brightway (plain records into a scipy sparse
system); tests use it as a second, separate computation of the same numbers.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .errors import DatasetError


def record_matrices(dataset) -> tuple[sp.csc_matrix, sp.csr_matrix, list[str], list[str]]:
    """Technosphere (I - inputs) and biosphere matrices straight from the dataset records."""
    codes = [a.id for a in dataset.activities]
    index = {code: i for i, code in enumerate(codes)}
    flows = [f.code for f in dataset.flows]
    flow_index = {code: i for i, code in enumerate(flows)}
    rows, cols, vals = list(range(len(codes))), list(range(len(codes))), [1.0] * len(codes)
    b_rows, b_cols, b_vals = [], [], []
    for exchange in dataset.exchanges:
        column = index[exchange.activity_id]
        if exchange.type == "technosphere":
            rows.append(index[exchange.input_id])
            cols.append(column)
            vals.append(-exchange.amount)
        else:
            b_rows.append(flow_index[exchange.input_id])
            b_cols.append(column)
            b_vals.append(exchange.amount)
    n = len(codes)
    technosphere = sp.csc_matrix((vals, (rows, cols)), shape=(n, n))
    biosphere = sp.csr_matrix((b_vals, (b_rows, b_cols)), shape=(len(flows), n))
    return technosphere, biosphere, codes, flows


def unit_footprints(dataset, factors: dict[str, float]) -> dict[str, float]:
    """kg CO2e per unit of every activity, by a direct sparse solve of the records."""
    technosphere, biosphere, codes, flows = record_matrices(dataset)
    characterisation = np.array([factors.get(code, 0.0) for code in flows])
    rhs = biosphere.T @ characterisation
    scores = spla.splu(technosphere).solve(np.asarray(rhs, dtype=float), trans="T")
    return dict(zip(codes, scores.tolist()))


def check_ranges(dataset, ranges: dict) -> None:
    """Refuse the dataset when an activity's footprint leaves the range set for its category, or
    when two footprints break an ordering relation of ``relations.csv``."""
    if not ranges and not dataset.relations:
        return
    from .methods import load_method

    scores = unit_footprints(dataset, load_method().factors)
    problems = relation_problems(dataset, scores)
    for activity in dataset.activities:
        bounds = (ranges or {}).get(activity.category)
        if not bounds:
            continue
        low, high = float(bounds[0]), float(bounds[1])
        value = scores[activity.id]
        if not np.isfinite(value) or not low <= value <= high:
            first = min((e.line for e in dataset.exchanges if e.activity_id == activity.id), default=None)
            problems.append(
                f"exchanges.csv line {first} ({activity.id}): footprint {value:.6g} kg CO2e/{activity.unit} "
                f"outside the {activity.category} range [{low:g}, {high:g}] (per-tonne vs per-kg mix-up?)"
            )
    if problems:
        raise DatasetError(f"dataset {dataset.path} refused by range checks:\n  - " + "\n  - ".join(problems))


def relation_problems(dataset, scores: dict[str, float]) -> list[str]:
    """Every relation ``upper >= min_ratio x lower`` that the solved footprints break."""
    problems = []
    for relation in dataset.relations:
        lower, upper = scores[relation.lower], scores[relation.upper]
        if not upper >= relation.min_ratio * lower:
            problems.append(
                f"relations.csv line {relation.line} ({relation.id}): {relation.upper} {upper:.6g} is not >= "
                f"{relation.min_ratio:g} x {relation.lower} {lower:.6g}: {relation.reason}"
            )
    return problems
