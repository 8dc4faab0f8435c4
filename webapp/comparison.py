"""Variants side by side: totals, by stage, and the difference B - A per stage and per line.

Why no numbers of its own: each variant is computed exactly as the "Calculate" button does
(:func:`webapp.compute.calculate`, the headline result), and the uncertainty of a difference is
``footprint compare`` (:func:`footprint.montecarlo.compare`: correlated sampling, the same
background draws for both variants). This module only lines the results up; A is the first
chosen variant, every other one is a B compared with it. No Streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from footprint.dataset import STAGES
from footprint.errors import FootprintError

from .compute import calculate
from .state import FormIssue
from .workspace import Variant

ITERATIONS = 1000
SEED = 42


@dataclass
class Compared:
    name: str
    result: Any = None  # the headline footprint.results.FootprintResult
    issues: list[FormIssue] = field(default_factory=list)
    difference: Any = None  # footprint.montecarlo.ComparisonResult against A (None for A)
    note: str = ""  # why there is no interval for the difference ("grids")


@dataclass
class Comparison:
    variants: list[Compared]

    @property
    def computed(self) -> list[Compared]:
        return [v for v in self.variants if v.result is not None]


def _lines(outcome):
    computation = outcome.computation
    if computation is not None and computation.headline_bom is not None:
        return computation.headline_bom
    return outcome.bom


def compare_variants(items: list[Variant], engine, *, iterations: int = ITERATIONS, seed: int = SEED) -> Comparison:
    """Every variant computed; each computed one after the first compared with the first."""
    from footprint.exchange.suppliers import with_suppliers
    from footprint.montecarlo import compare

    compared, outcomes = [], []
    for item in items:
        outcome = calculate(item.form, engine, uncertainty=False)
        compared.append(Compared(item.name, outcome.result, list(outcome.issues) if not outcome.ok else []))
        outcomes.append((item.form, outcome))
    done = [(entry, form, outcome) for entry, (form, outcome) in zip(compared, outcomes) if outcome.ok]
    if len(done) >= 2:
        _, form_a, outcome_a = done[0]
        for entry, form_b, outcome_b in done[1:]:
            if entry.result.grid != done[0][0].result.grid:
                entry.note = "grids"  # one draw of two grids is not a like-for-like sample
                continue
            try:
                both = with_suppliers(engine, [*outcome_a.suppliers.values(), *outcome_b.suppliers.values()])  # same id, other footprint: refused
                entry.difference = compare(
                    both, _lines(outcome_a), _lines(outcome_b), iterations=iterations, seed=seed, grid=entry.result.grid or None
                )
            except FootprintError:
                entry.note = "failed"
    return Comparison(compared)


def stage_rows(comparison: Comparison) -> list[tuple[str, list[float], list[float]]]:
    """(stage, value per computed variant, B - A per computed variant after A), in stage order,
    for every stage any variant has."""
    computed = comparison.computed
    present = {stage for v in computed for stage, value in v.result.by_stage.items() if value}
    rows = []
    for stage in [s for s in STAGES if s in present] + sorted(present - set(STAGES)):
        values = [v.result.by_stage.get(stage, 0.0) for v in computed]
        rows.append((stage, values, [value - values[0] for value in values[1:]]))
    return rows


@dataclass(frozen=True)
class LineDifference:
    path: str
    activity_id: str
    activity_name: str
    activity_name_zh: str
    a: float | None  # None: the line is not in A
    b: float | None

    @property
    def difference(self) -> float:
        return (self.b or 0.0) - (self.a or 0.0)


def line_differences(a, b) -> list[LineDifference]:
    """Lines of two results matched by their path, largest |B - A| first (then by path)."""
    lines_a = {line.path: line for line in a.lines}
    lines_b = {line.path: line for line in b.lines}
    rows = []
    for path in set(lines_a) | set(lines_b):
        line = lines_b.get(path) or lines_a[path]
        rows.append(
            LineDifference(
                path,
                line.activity_id,
                line.activity_name,
                line.activity_name_zh,
                lines_a[path].kgco2e if path in lines_a else None,
                lines_b[path].kgco2e if path in lines_b else None,
            )
        )
    return sorted(rows, key=lambda row: (-abs(row.difference), row.path))
