"""Supplier-specific footprints as extra activities: a purchased part with a primary footprint.

Why this shape: BOM lines reference *activities*, and the background dataset is reviewed,
hashed and built into Brightway once; a supplier's PACT footprint must not be written into it.
So a supplier footprint becomes a :class:`SupplierActivity` (a fixed cradle-to-gate footprint
per unit, split by origin), held in an in-memory :class:`SupplierRegistry`, and
:class:`SupplierAwareEngine` wraps :class:`~footprint.engine.FootprintEngine` without changing
it: dataset lines are computed by the engine exactly as before (handed over as a
:class:`~footprint.engine.BomLike` holding only those leaf lines), supplier lines are
``amount × footprint per unit``, and the two are merged in BOM order with every invariant of
``docs/design.md`` kept (lines, stages, gases and origins each sum to the total).

A supplier activity does not follow the study's grid switch: the supplier's footprint is what
it is, computed with the supplier's own electricity (and its own characterisation: a study under
AR5 still counts the supplier's number as given).

:class:`SupplierAwareEngine` stands in for the engine wherever one is passed: its ``dataset``
(:class:`SupplierDataset`) also answers for the supplier activities (category
:data:`SUPPLIER_CATEGORY`, so rules that look a line's activity up see what it is), its
``suppliers`` tell :func:`footprint.demand.build_demands` and the Monte Carlo which lines have a
fixed footprint per unit, and everything else (background, method, grids, unit scores) is the
wrapped engine's. A study carries its suppliers' PACT documents (``Study.suppliers``), and
:func:`with_suppliers` is how the study's computations get such an engine; one is built per
computation (never shared, nothing global).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import units
from ..dataset import Activity
from ..demand import build_demands
from ..errors import InputError, RowIssue
from ..results import FootprintResult, LineResult

# By-gas keys of supplier lines: a PACT footprint is not split by gas, only by origin. The fossil
# part joins the dataset's own "CO2e, not split by gas" flow (fossil origin, as in the dataset);
# the land-use-change and biogenic non-CO2 parts get keys of their own rather than pretending to
# be CO2 or CH4.
SUPPLIER_FLOW = "ghg_co2e_unspecified"
SUPPLIER_LUC_FLOW = "supplier_luc_co2e"
SUPPLIER_BIOGENIC_FLOW = "supplier_biogenic_non_co2_co2e"
# The category a supplier activity has where a dataset activity's category is asked for.
SUPPLIER_CATEGORY = "supplier_footprint"


@dataclass(frozen=True)
class SupplierActivity:
    """A purchased product with its supplier's cradle-to-gate footprint per 1 ``unit``.

    ``fossil + land_use_change + biogenic == kgco2e_per_unit`` (biogenic means biogenic
    non-CO2 emissions such as CH4; biogenic CO2 is tracked as a mass, outside the total).
    """

    id: str
    name: str
    unit: str  # canonical unit id (footprint.units)
    kgco2e_per_unit: float
    supplier: str = ""
    name_zh: str = ""
    fossil_kgco2e: float | None = None
    land_use_change_kgco2e: float = 0.0
    biogenic_kgco2e: float = 0.0
    aircraft_kgco2e: float = 0.0
    biogenic_co2_kg: float = 0.0
    mass_kg_per_unit: float | None = None
    stage: str = "purchased_parts"
    source: str = ""  # e.g. "PACT 3.0.0 footprint <id>"
    reference_period: str = ""
    pact_id: str = ""

    def __post_init__(self) -> None:
        for name in ("kgco2e_per_unit", "land_use_change_kgco2e", "biogenic_kgco2e", "aircraft_kgco2e", "biogenic_co2_kg"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"supplier activity {self.id}: {name} must be a finite number ≥ 0, got {value!r}")
        units.canonical_unit(self.unit)

    @property
    def fossil(self) -> float:
        if self.fossil_kgco2e is not None:
            return self.fossil_kgco2e
        return self.kgco2e_per_unit - self.land_use_change_kgco2e - self.biogenic_kgco2e

    def by_gas(self) -> dict[str, float]:
        """Per unit, as the engine's by-gas keys (fossil part not split by gas)."""
        parts = {SUPPLIER_FLOW: self.fossil, SUPPLIER_LUC_FLOW: self.land_use_change_kgco2e, SUPPLIER_BIOGENIC_FLOW: self.biogenic_kgco2e}
        return {key: value for key, value in parts.items() if value}


class SupplierRegistry(Mapping[str, SupplierActivity]):
    """Supplier activities by id; ids must not collide with each other (checked on add)."""

    def __init__(self, activities: Iterable[SupplierActivity] = ()) -> None:
        self._items: dict[str, SupplierActivity] = {}
        for activity in activities:
            self.add(activity)

    def add(self, activity: SupplierActivity) -> SupplierActivity:
        if activity.id in self._items and self._items[activity.id] != activity:
            raise InputError(
                issues=[
                    RowIssue(
                        f"two supplier footprints use the activity id {activity.id!r}",
                        f"两个供应商碳足迹使用了相同的活动编号 {activity.id!r}",
                        field="activity_id",
                        value=activity.id,
                    )
                ]
            )
        self._items[activity.id] = activity
        return activity

    def __getitem__(self, key: str) -> SupplierActivity:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def used_by(self, bom: Any) -> tuple[SupplierActivity, ...]:
        """The supplier activities a BOM's leaf lines reference, in first-use order."""
        seen: dict[str, SupplierActivity] = {}
        for _, line, _ in bom.flat_lines():
            if line.activity_id in self._items:
                seen.setdefault(line.activity_id, self._items[line.activity_id])
        return tuple(seen.values())


@dataclass(frozen=True)
class _Leaves:
    """The part of a BOM the engine reads: product, declared unit, grid and some leaf lines."""

    product: str
    declared_unit: Any
    grid: str | None
    entries: tuple[tuple[str, Any, float], ...] = field(default_factory=tuple)

    def flat_lines(self) -> Iterator[tuple[str, Any, float]]:
        return iter(self.entries)


class SupplierDataset:
    """A dataset that also knows some supplier activities (read-only view, per computation).

    ``activity`` and ``has_activity`` answer for the supplier ids too (an
    :class:`~footprint.dataset.Activity` of category :data:`SUPPLIER_CATEGORY`, no exchanges);
    everything else (``activities``, ``grids()``, ``exchanges_of``, ``describe()``, hashes) is the
    dataset's own, so a supplier activity is never offered as an alternative, never sampled as a
    background exchange and never changes the dataset's identity.
    """

    def __init__(self, dataset: Any, registry: SupplierRegistry) -> None:
        self._dataset = dataset
        self._suppliers = {
            a.id: Activity(
                id=a.id,
                name_en=a.name + (f" ({a.supplier})" if a.supplier else ""),
                name_zh=(a.name_zh or a.name) + (f"（{a.supplier}）" if a.supplier else ""),
                unit=a.unit,
                geography="",
                category=SUPPLIER_CATEGORY,
                default_stage=a.stage,
                aircraft=False,
                description=a.source,
                line=0,
            )
            for a in registry.values()
        }

    def activity(self, activity_id: str) -> Activity:
        found = self._suppliers.get(activity_id)
        return found if found is not None else self._dataset.activity(activity_id)

    def has_activity(self, activity_id: str) -> bool:
        return activity_id in self._suppliers or self._dataset.has_activity(activity_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._dataset, name)


class SupplierAwareEngine:
    """A :class:`~footprint.engine.FootprintEngine` that also knows supplier activities.

    With no supplier line in the BOM, :meth:`calculate` *is* ``engine.calculate`` (same object
    out); otherwise dataset lines go through the engine and supplier lines are added. Passed
    anywhere an engine is (rules, Monte Carlo, scenarios, reports): see the module docstring.
    """

    def __init__(self, engine: Any, registry: SupplierRegistry | Iterable[SupplierActivity] = ()) -> None:
        if isinstance(engine, SupplierAwareEngine):
            engine = engine.engine
        self.engine = engine
        self.registry = registry if isinstance(registry, SupplierRegistry) else SupplierRegistry(registry)
        clashes = [a for a in self.registry if engine.dataset.has_activity(a)]
        if clashes:
            raise InputError(
                issues=[
                    RowIssue(
                        f"supplier activity id {a!r} is also a dataset activity; choose another id",
                        f"供应商活动编号 {a!r} 与数据库活动重复，请换一个编号",
                        field="activity_id",
                        value=a,
                    )
                    for a in clashes
                ]
            )
        self.dataset = SupplierDataset(engine.dataset, self.registry)

    @property
    def suppliers(self) -> SupplierRegistry:
        return self.registry

    @property
    def background(self) -> Any:
        return self.engine.background

    @property
    def method_id(self) -> str:
        return self.engine.method_id

    def with_method(self, method_id: str | None) -> SupplierAwareEngine:
        inner = self.engine.with_method(method_id)
        return self if inner is self.engine else SupplierAwareEngine(inner, self.registry)

    def resolve_grid(self, grid: str | None) -> str:
        return self.engine.resolve_grid(grid)

    def unit_scores(self, grid: str | None = None, method_id: str | None = None) -> Any:
        return self.engine.unit_scores(grid, method_id)

    def circular_plan(self, bom: Any, demands: list, grid: str) -> Any:
        """The engine's CFF rows of the dataset lines (a supplier's footprint is taken as declared:
        the CFF applies to what we model, not to a number we are given)."""
        return self.engine.circular_plan(bom, [d for d in demands if d.activity_id not in self.registry], grid)

    def activity_footprint(self, activity_id: str, grid: str | None = None) -> float:
        """kg CO2e per unit: a supplier's as declared, a dataset activity's from the engine."""
        if activity_id in self.registry:
            return self.registry[activity_id].kgco2e_per_unit
        return self.engine.activity_footprint(activity_id, grid)

    def calculate(self, bom: Any, grid: str | None = None, method_id: str | None = None) -> FootprintResult:
        leaves = list(bom.flat_lines())
        supplier_paths = {path for path, line, _ in leaves if line.activity_id in self.registry}
        if not supplier_paths:
            return self.engine.calculate(bom, grid=grid, method_id=method_id)
        supplier_lines = self._supplier_lines(bom, leaves, supplier_paths)
        background = _Leaves(
            product=str(getattr(bom, "product", "")),
            declared_unit=bom.declared_unit,
            grid=getattr(bom, "grid", None),
            entries=tuple(entry for entry in leaves if entry[0] not in supplier_paths),
        )
        partial = self.engine.calculate(background, grid=grid or getattr(bom, "grid", None), method_id=method_id)
        return _merge(partial, supplier_lines, [path for path, _, _ in leaves])

    def _supplier_lines(self, bom: Any, leaves: list[tuple[str, Any, float]], paths: set[str]) -> dict[str, tuple[LineResult, SupplierActivity, float]]:
        chosen = _Leaves(str(getattr(bom, "product", "")), bom.declared_unit, None, tuple(entry for entry in leaves if entry[0] in paths))
        lines: dict[str, tuple[LineResult, SupplierActivity, float]] = {}
        for demand in build_demands(chosen, self.engine.dataset, self.registry):
            activity = self.registry[demand.activity_id]
            amount = demand.activity_amount
            result_line = LineResult(
                id=demand.line_id,
                path=demand.path,
                activity_id=activity.id,
                activity_name=activity.name + (f" ({activity.supplier})" if activity.supplier else ""),
                activity_name_zh=(activity.name_zh or activity.name) + (f"（{activity.supplier}）" if activity.supplier else ""),
                stage=demand.stage,
                data_type=demand.data_type,
                amount=demand.amount,
                unit=demand.unit,
                activity_amount=amount,
                activity_unit=activity.unit,
                kgco2e=amount * activity.kgco2e_per_unit,
                share=0.0,
                by_gas={code: amount * value for code, value in activity.by_gas().items()},
                description=demand.description,
            )
            lines[demand.path] = (result_line, activity, amount)
        return lines


def with_suppliers(engine: Any, activities: SupplierRegistry | Iterable[SupplierActivity]) -> Any:
    """``engine`` knowing exactly ``activities``: a :class:`SupplierAwareEngine`, or the bare
    engine itself when there are none (so a computation without suppliers is unchanged)."""
    base = engine.engine if isinstance(engine, SupplierAwareEngine) else engine
    registry = activities if isinstance(activities, SupplierRegistry) else SupplierRegistry(activities)
    return SupplierAwareEngine(base, registry) if len(registry) else base


def _merge(partial: FootprintResult, supplier: dict[str, tuple[LineResult, SupplierActivity, float]], order: list[str]) -> FootprintResult:
    from dataclasses import replace

    by_path = {line.path: line for line in partial.lines}
    by_path.update({path: entry[0] for path, entry in supplier.items()})
    ordered = [by_path[path] for path in order]
    total = math.fsum(line.kgco2e for line in ordered)
    lines = tuple(replace(line, share=line.kgco2e / total if total else 0.0) for line in ordered)
    by_stage: dict[str, float] = {}
    for line in lines:
        by_stage[line.stage] = by_stage.get(line.stage, 0.0) + line.kgco2e
    by_gas = dict(partial.by_gas)
    by_origin = dict(partial.by_origin)
    aircraft = partial.aircraft_kgco2e
    biogenic_co2 = partial.biogenic_co2_kg
    for _, activity, amount in supplier.values():
        for code, value in activity.by_gas().items():
            by_gas[code] = by_gas.get(code, 0.0) + amount * value
        by_origin["fossil"] = by_origin.get("fossil", 0.0) + amount * activity.fossil
        by_origin["land_use_change"] = by_origin.get("land_use_change", 0.0) + amount * activity.land_use_change_kgco2e
        by_origin["biogenic"] = by_origin.get("biogenic", 0.0) + amount * activity.biogenic_kgco2e
        aircraft += amount * activity.aircraft_kgco2e
        biogenic_co2 += amount * activity.biogenic_co2_kg
    return replace(
        partial,
        total_kgco2e=total,
        lines=lines,
        by_stage=by_stage,
        by_gas={code: value for code, value in by_gas.items() if value},
        by_origin=by_origin,
        aircraft_kgco2e=aircraft,
        biogenic_co2_kg=biogenic_co2,
    )
