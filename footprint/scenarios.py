"""Sensitivity and scenarios: what happens to a footprint if one thing changes.

A scenario is one change to a BOM: swap a line's activity for another, change the site grid, or
scale a line's amount. Each is computed exactly as the engine computes any BOM (the BOM is
copied, changed, and recalculated), so a scenario's number is the footprint a user would get by
editing the BOM by hand. Outcomes are ranked by the size of the change, ``|change|`` largest
first (ties by label), which is the usual reading of a sensitivity table: what matters most.

:func:`propose_alternatives` is the helper behind "what would change" in the web form: for the
largest lines (hotspots) it tries the other activities of the same family (same dataset category,
the electricity categories counted as one so that a grid line is offered generation technologies
such as PV, and the same id family: AL-PRIM-CN -> AL-SEC-CN, FRT-AIR-CN -> FRT-SEA-CONT-CN; the
rule and a short exclusion list are data in ``alternatives.yaml``) and every other site grid,
and keeps the changes that lower the footprint, largest reduction first.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml

from .errors import FootprintError
from .results import FootprintResult

ScenarioKind = Literal["swap", "grid", "scale"]
ELECTRICITY_CATEGORIES = frozenset({"electricity_grid", "electricity_generation", "electricity_site"})
ALTERNATIVES_FILE = Path(__file__).resolve().parent / "alternatives.yaml"
# What a suggestion asks the manufacturer to do: move or re-contract the site's grid, buy or make
# green power for the site, use recycled content, buy the same material from another supplier
# (route or region), switch to another material, or ship another way.
LEVERS = ("grid", "green_power", "recycled", "supplier", "material", "transport")
RECYCLED_MARKERS = ("-SEC-", "-SEC", "-REC-", "-REC", "RECYCL", "SECONDARY", "SCRAP")


@dataclass(frozen=True)
class Scenario:
    """One change to a BOM. ``path`` names a line as in results ("HOUSING/H1")."""

    kind: ScenarioKind
    label: str
    path: str | None = None
    activity_id: str | None = None
    grid: str | None = None
    factor: float | None = None


def swap(path: str, activity_id: str, label: str | None = None) -> Scenario:
    return Scenario("swap", label or f"{path}: use {activity_id}", path=path, activity_id=activity_id)


def change_grid(grid: str, label: str | None = None) -> Scenario:
    return Scenario("grid", label or f"site grid {grid}", grid=grid)


def scale(path: str, factor: float, label: str | None = None) -> Scenario:
    return Scenario("scale", label or f"{path}: amount x {factor:g}", path=path, factor=float(factor))


def apply_scenario(bom, scenario: Scenario):
    """A changed copy of ``bom`` (the original is untouched) and the grid to compute it on."""
    if scenario.kind == "grid":
        return bom, scenario.grid
    changed = bom.model_copy(deep=True)
    node = next((line for path, line, _ in changed.iter_lines() if path == scenario.path), None)
    if node is None:
        raise FootprintError(f"scenario {scenario.label!r}: no line with path {scenario.path!r}")
    if scenario.kind == "swap":
        if node.lines:
            raise FootprintError(f"scenario {scenario.label!r}: {scenario.path} is a sub-assembly; swap one of its lines")
        node.activity_id = scenario.activity_id
    elif scenario.kind == "scale":
        if scenario.factor is None or not scenario.factor >= 0:
            raise FootprintError(f"scenario {scenario.label!r}: the factor must be a number >= 0")
        node.amount = node.amount * scenario.factor
    else:
        raise FootprintError(f"unknown scenario kind {scenario.kind!r}")
    return changed, None


@dataclass(frozen=True)
class ScenarioOutcome:
    scenario: Scenario
    total_kgco2e: float | None
    change_kgco2e: float | None
    change_share: float | None  # change / baseline total
    error: str | None = None

    def to_dict(self) -> dict:
        return {**asdict(self.scenario), "total_kgco2e": self.total_kgco2e, "change_kgco2e": self.change_kgco2e, "change_share": self.change_share, "error": self.error}


@dataclass(frozen=True)
class ScenarioReport:
    baseline: FootprintResult
    outcomes: tuple[ScenarioOutcome, ...]  # ranked

    def to_dict(self) -> dict:
        return {
            "product": self.baseline.product,
            "grid": self.baseline.grid,
            "baseline_kgco2e": self.baseline.total_kgco2e,
            "ranking": "by |change| (largest first), then by label; scenarios that could not be computed last",
            "scenarios": [outcome.to_dict() for outcome in self.outcomes],
        }


def evaluate(engine, bom, scenario: Scenario, baseline: FootprintResult, grid: str | None = None) -> ScenarioOutcome:
    """One scenario against a baseline; a scenario that cannot be computed carries its error."""
    try:
        changed, scenario_grid = apply_scenario(bom, scenario)
        total = engine.calculate(changed, grid=scenario_grid or grid or baseline.grid).total_kgco2e
    except FootprintError as error:
        return ScenarioOutcome(scenario, None, None, None, str(error))
    change = total - baseline.total_kgco2e
    share = change / baseline.total_kgco2e if baseline.total_kgco2e else None
    return ScenarioOutcome(scenario, total, change, share)


def rank(outcomes: list[ScenarioOutcome]) -> tuple[ScenarioOutcome, ...]:
    computed = sorted((o for o in outcomes if o.error is None), key=lambda o: (-abs(o.change_kgco2e), o.scenario.label))
    failed = sorted((o for o in outcomes if o.error is not None), key=lambda o: o.scenario.label)
    return tuple(computed + failed)


def run_scenarios(engine, bom, scenarios: list[Scenario], grid: str | None = None) -> ScenarioReport:
    """Baseline footprint and every scenario's total and change, ranked."""
    baseline = engine.calculate(bom, grid=grid)
    return ScenarioReport(baseline, rank([evaluate(engine, bom, s, baseline, grid) for s in scenarios]))


# ---------------------------------------------------------------------- proposals


@dataclass(frozen=True)
class Suggestion:
    """A change that lowers the footprint, ready to show ("what would change")."""

    kind: ScenarioKind
    path: str | None
    from_id: str
    to_id: str
    lever: str  # what the user would change: see LEVERS
    to_name: str
    to_name_zh: str
    total_kgco2e: float
    change_kgco2e: float
    change_share: float | None
    scenario: Scenario

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("scenario")
        data["label"] = self.scenario.label
        return data


@lru_cache(maxsize=1)
def never_proposed() -> frozenset[str]:
    data = yaml.safe_load(ALTERNATIVES_FILE.read_text(encoding="utf-8")) or {}
    return frozenset(data.get("never_propose") or {})


def family(activity) -> tuple[str, str]:
    """(category, id family): activities that may replace one another share it."""
    category = "electricity" if activity.category in ELECTRICITY_CATEGORIES else activity.category
    return category, activity.id.split("-", 1)[0]


def candidates(dataset, activity_id: str) -> list:
    """Activities that may be offered instead of ``activity_id`` (see ``alternatives.yaml``)."""
    wanted = family(dataset.activity(activity_id))
    excluded = never_proposed() | {activity_id}
    return [a for a in dataset.activities if a.id not in excluded and family(a) == wanted]


def propose_alternatives(engine, bom, grid: str | None = None, top_lines: int = 3, per_line: int = 3) -> list[Suggestion]:
    """Lower-footprint alternatives for the ``top_lines`` largest lines and for the site grid.

    Per line, at most ``per_line`` alternatives (largest reduction first); candidates whose unit
    cannot express the line's amount (kg for a kWh line) are skipped silently. Grid suggestions
    come first when they help, then lines in hotspot order.
    """
    baseline = engine.calculate(bom, grid=grid)
    dataset = engine.dataset
    suggestions: list[Suggestion] = []
    for other in dataset.grids():
        if other.id == baseline.grid:
            continue
        outcome = evaluate(engine, bom, change_grid(other.id), baseline, grid)
        if outcome.error is None and outcome.change_kgco2e < 0:
            suggestions.append(_suggestion(outcome, None, dataset.activity(baseline.grid), other))
    suggestions.sort(key=lambda s: (s.change_kgco2e, s.to_id))
    site_power = [line for line in baseline.lines if dataset.activity(line.activity_id).category in ("electricity_site", "electricity_grid")]
    # CFF rows (footprint.cff) are not BOM lines: their parent lines are what can be swapped
    hotspots = [line for line in baseline.hotspots(len(baseline.lines)) if not line.is_cff][:top_lines]
    lines = hotspots + [line for line in site_power if line not in hotspots]
    for line in lines:
        found = []
        for candidate in candidates(dataset, line.activity_id):
            outcome = evaluate(engine, bom, swap(line.path, candidate.id), baseline, grid)
            if outcome.error is None and outcome.change_kgco2e < 0:
                found.append(_suggestion(outcome, line.path, dataset.activity(line.activity_id), candidate))
        found.sort(key=lambda s: (s.change_kgco2e, s.to_id))
        suggestions.extend(found[:per_line])
    return suggestions


def lever(before, after) -> str:
    """Which of :data:`LEVERS` swapping activity ``before`` for ``after`` pulls."""
    if after.category == "electricity_generation":
        return "green_power"
    if after.category in ELECTRICITY_CATEGORIES:
        return "grid"
    if after.category == "freight":
        return "transport"

    def recycled(activity) -> bool:
        text = f"{activity.id} {activity.name_en}".upper()
        return any(marker in text for marker in RECYCLED_MARKERS)

    if recycled(after) and not recycled(before):
        return "recycled"
    same_product = before.name_en.split(",")[0].strip().lower() == after.name_en.split(",")[0].strip().lower()
    return "supplier" if same_product else "material"


def _suggestion(outcome: ScenarioOutcome, path: str | None, before, to) -> Suggestion:
    return Suggestion(
        kind=outcome.scenario.kind,
        path=path,
        from_id=before.id,
        to_id=to.id,
        lever="grid" if outcome.scenario.kind == "grid" else lever(before, to),
        to_name=to.name_en,
        to_name_zh=to.name_zh,
        total_kgco2e=outcome.total_kgco2e,
        change_kgco2e=outcome.change_kgco2e,
        change_share=outcome.change_share,
        scenario=outcome.scenario,
    )


def default_scenarios(engine, bom, grid: str | None = None, factor: float = 0.9) -> list[Scenario]:
    """What ``footprint scenarios`` runs: every other grid, every leaf line x ``factor``, and
    the proposed alternatives (:func:`propose_alternatives`)."""
    baseline = engine.calculate(bom, grid=grid)
    scenarios = [change_grid(g.id) for g in engine.dataset.grids() if g.id != baseline.grid]
    scenarios += [scale(line.path, factor) for line in baseline.lines if not line.is_cff]
    scenarios += [s.scenario for s in propose_alternatives(engine, bom, grid) if s.kind == "swap"]
    return scenarios
