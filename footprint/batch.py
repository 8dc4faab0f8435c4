"""Deterministic footprints of many BOMs at once: columns of lines, one sparse product.

Why: a portfolio has thousands of product variants, and a footprint is linear in the BOM. With
unit scores solved once per grid (:meth:`FootprintEngine.unit_scores`), every BOM is a row of a
sparse demand matrix D (BOMs x activities), and ``D @ U`` (U: activities x [flows, aircraft,
biogenic CO2]) gives every BOM's split by gas in one product. Line results are a gather
(``amount * total[activity]``), stage and BOM totals one small CSR (lines by stage) summed in
line order. No per-BOM engine
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
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from . import units
from .dataset import STAGES
from .demand import build_demands
from .errors import FootprintError, InputError, RowIssue, UnitError
from .parallel import Scheduler, map_tasks
from .portfolio import TextColumn
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
        self._lock = threading.Lock()

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

    def plan(self, unit: str, activity_unit: str, has_mass: bool, has_distance: bool):
        """The cached plan: ``(coef, e_mass, e_distance)``, the UnitError the engine would raise, or
        None (not a monomial: convert each line exactly). Shared by the object and the table path."""
        key = (unit, activity_unit, has_mass, has_distance)
        plan = self._plans.get(key, False)
        if plan is False:
            learnt = self._learn(*key)  # pure: two threads learning the same key agree
            with self._lock:
                plan = self._plans.setdefault(key, learnt)
        return plan

    def convert(self, line, activity_unit: str) -> float:
        """The line's amount (per parent unit) in ``activity_unit``; raises UnitError like the engine."""
        mass, distance = line.unit_mass_kg, line.distance_km
        plan = self.plan(line.unit, activity_unit, mass is not None, distance is not None)
        if isinstance(plan, UnitError):
            raise plan
        if plan is None:
            return units.to_activity_unit(line.amount, line.unit, activity_unit, mass_kg_per_piece=mass, distance_km=distance)
        return apply_plan(plan, line.amount, mass, distance)


_PLANS = ConversionPlans()  # plans depend only on unit texts: shared by every call (thread-safe)


def apply_plan(plan: tuple[float, int, int], amount, mass, distance):
    """``amount * coef * mass**e_mass * distance**e_distance``, as ``((amount * coef) (*|/) mass)
    (*|/) distance``. Works on floats and, unchanged, on numpy arrays of one plan's lines, so the
    table path rounds exactly like the object path."""
    coef, e_mass, e_distance = plan
    value = amount * coef
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
    default_stage: np.ndarray  # stage index of each activity's default_stage (lines without a stage)
    activity_unit_names: tuple[str, ...] = ()  # sorted distinct activity units
    activity_unit_code: np.ndarray | None = None  # index of each activity's unit in activity_unit_names

    @property
    def n_activities(self) -> int:
        return len(self.activity_units)


_SCORES_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine -> {key: (unit scores, GridScores)}
_SCORES_LOCK = threading.Lock()


def grid_scores(engine, grids: list[str]) -> GridScores:
    """Stacked unit scores of ``grids``; cached per engine while its unit scores are the same objects."""
    unit = tuple(engine.unit_scores(grid) for grid in grids)
    key = (tuple(grids), engine.method_id, id(engine.background))
    try:
        with _SCORES_LOCK:
            cached = _SCORES_CACHE.setdefault(engine, {}).get(key)
    except TypeError:  # an engine that cannot be weakly referenced: no cache
        return _grid_scores(engine, grids, unit)
    if cached is not None and len(cached[0]) == len(unit) and all(a is b for a, b in zip(cached[0], unit)):
        return cached[1]
    scores = _grid_scores(engine, grids, unit)
    with _SCORES_LOCK:
        _SCORES_CACHE[engine][key] = (unit, scores)
    return scores


def _grid_scores(engine, grids: list[str], unit) -> GridScores:
    blocks, totals = [], []
    for scores in unit:
        blocks.append(np.column_stack([scores.per_flow, scores.aircraft, scores.biogenic_co2_kg]))
        totals.append(scores.total)
    activity_units = tuple(engine.dataset.activity(code).unit for code in engine.background.activity_codes)
    activity_unit_names = tuple(sorted(set(activity_units)))
    return GridScores(
        grids=tuple(grids),
        flows=tuple(engine.background.flow_codes),
        activity_index=dict(engine.background.activity_index),
        activity_units=activity_units,
        matrix=np.ascontiguousarray(np.vstack(blocks)),
        total=np.concatenate(totals),
        default_stage=np.array([_STAGE_INDEX[engine.dataset.activity(code).default_stage] for code in engine.background.activity_codes], dtype=np.int64),
        activity_unit_names=activity_unit_names,
        activity_unit_code=np.array([activity_unit_names.index(u) for u in activity_units], dtype=np.int64),
    )


@dataclass(eq=False)
class DemandColumns:
    """Leaf lines of many BOMs as columns; ``bom`` is sorted (lines of a BOM are contiguous)."""

    n_boms: int
    bom: np.ndarray
    column: np.ndarray  # grid * n_activities + activity index
    amount: np.ndarray  # per declared unit, in the activity's unit
    stage: np.ndarray
    paths: Sequence[str]  # a list (BOM objects) or the table's line id column (a TextColumn, read lazily)
    failed: list[int] = field(default_factory=list)
    activity: np.ndarray | None = None  # column % n_activities, when the builder has it at hand
    offsets: np.ndarray | None = None  # where each BOM's lines start, and the end, when the builder has it at hand


def compile_columns(scores: GridScores, boms: list, grid_numbers: list[int], plans: ConversionPlans | None = None) -> DemandColumns:
    """Walk the BOMs into columns. A BOM that cannot be resolved is listed in ``failed``."""
    plans = plans or _PLANS
    index, activity_units, n = scores.activity_index, scores.activity_units, scores.n_activities
    columns, amounts, stages, paths, failed = [], [], [], [], []
    counts = np.zeros(len(boms), dtype=np.int64)
    convert = plans.convert
    default_stage = scores.default_stage.tolist()
    for number, (bom, grid_number) in enumerate(zip(boms, grid_numbers)):
        offset = grid_number * n
        start = len(columns)
        try:
            for path, line, multiplier in bom.flat_lines():
                activity = index[line.activity_id]
                amounts.append(convert(line, activity_units[activity]) * multiplier)
                columns.append(offset + activity)
                stage = line.stage  # Stage is a str enum: hashes as its value; None: the activity's default
                stages.append(_STAGE_INDEX[stage] if stage is not None else default_stage[activity])
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


def columns_from_table(scores: GridScores, table, grid_numbers: np.ndarray, plans: ConversionPlans | None = None) -> DemandColumns:
    """Columns of a :class:`footprint.portfolio.LineTable` (flat lines, grouped by BOM), checked
    on arrays: every bad row is reported at once (InputError, one RowIssue per problem).

    A clean table (the usual case) is proven clean with a few whole-column reductions and one
    lookup per distinct value (:func:`_clean_table_columns`); anything that scan cannot prove
    (a bad value anywhere, masses or distances, a conversion that is not a plain factor) goes
    through the per-check pass :func:`_checked_table_columns`, which locates every problem.
    Both compute the values with the same operations, so results are the same bit for bit.
    """
    plans = plans or _PLANS
    columns = _clean_table_columns(scores, table, grid_numbers, plans)
    return columns if columns is not None else _checked_table_columns(scores, table, grid_numbers, plans)


def _clean_table_columns(scores: GridScores, table, grid_numbers, plans: ConversionPlans) -> DemandColumns | None:
    """The columns of a table with no problem and no bridges, or None (then run the checked pass).

    Every check of :func:`_checked_table_columns` holds when this returns columns: amounts are
    finite, non-negative and at most MAX_AMOUNT (min/max; NaN fails both comparisons); ids,
    activity ids and units are given (the columns' blank counts are 0) and every distinct
    activity id, unit, stage and data type is known; no mass or distance is given (the table's
    ``numbers_given`` is empty); no line id repeats within a BOM; and every
    (unit, activity unit) pair in use has a plain-factor plan (a bad or non-monomial pair is
    NaN in the factor table, which makes the values' sum NaN).
    """
    from .bom import MAX_AMOUNT, parse_data_type, parse_stage

    size, n = len(table), scores.n_activities
    if not size or scores.activity_unit_code is None:
        return None
    amount = table.amount
    if not (amount.min() >= 0 and amount.max() <= MAX_AMOUNT):
        return None
    if table.line_id.n_blank or table.activity_id.n_blank or table.unit.n_blank or table.numbers_given:
        return None  # counted when the table was built: blanks to locate, masses or distances to check
    line_codes, activity_codes, unit_codes = table.line_id.codes, table.activity_id.codes, table.unit.codes
    activity_of = _indexer(scores.activity_index, table.activity_id.categories)
    if len(activity_of) and activity_of.min() < 0:
        return None
    try:
        canonical = [units.canonical_unit(text) for text in table.unit.categories]
        # int32: the stage only goes to scipy as CSR indices (numpy gathers keep intp indices: a
        # gather with int32 indices converts them first, several times slower)
        stage_of = np.array([_STAGE_INDEX[parse_stage(text)] for text in table.stage.categories], dtype=np.int32)
        for text in table.data_type.categories:
            parse_data_type(text)
    except (UnitError, ValueError):
        return None

    if not _ids_unique_per_bom(table.bom.codes, line_codes, table.offsets, len(table.line_id.categories)):
        return None

    # one factor per (unit, activity) category pair, from the cached plans
    names = scores.activity_unit_names
    factor = np.full((len(canonical), len(names)), np.nan)
    wanted = np.unique(scores.activity_unit_code[activity_of]).tolist()  # activity units of this table
    for u, unit in enumerate(canonical):
        for a in wanted:
            try:
                plan = plans.plan(unit, names[a], False, False)
            except Exception:  # noqa: BLE001 - a pair no line may use: NaN here, the checked pass decides
                continue
            if isinstance(plan, tuple) and plan[1] == 0 and plan[2] == 0:
                factor[u, a] = plan[0]
    factor = factor[:, scores.activity_unit_code[activity_of]].ravel()  # (unit category, activity category)
    key = unit_codes * len(activity_of)
    key += activity_codes
    value = factor.take(key)
    value *= amount  # = amount * factor: IEEE multiplication is commutative
    if math.isnan(value.sum()):
        return None

    activity = activity_of[activity_codes]
    stage_codes = table.stage.codes
    if not len(stage_of):
        stage = scores.default_stage[activity]
    elif table.stage.n_blank:
        stage = np.where(stage_codes < 0, scores.default_stage[activity], np.append(stage_of, -1)[stage_codes])
    else:
        stage = stage_of[stage_codes]
    grid_numbers = np.asarray(grid_numbers, dtype=np.int64)
    column = activity if not grid_numbers.any() else grid_numbers[table.bom.codes] * n + activity
    return DemandColumns(
        n_boms=table.n_boms,
        bom=table.bom.codes,
        column=column,
        amount=value,
        stage=stage,
        paths=table.line_id,
        activity=activity,
        offsets=table.offsets,
    )


def _ids_unique_per_bom(bom: np.ndarray, line: np.ndarray, offsets: np.ndarray, n_categories: int) -> bool:
    """No (bom, line id) pair twice. Usual layout first: ids strictly increasing within every BOM
    (ids in first-seen order in every BOM) are all distinct, proven with one comparison of
    neighbours (a BOM's first line may be anything) and no 500,000-entry index; otherwise mark
    each pair in a table of slots (or sort)."""
    if len(bom) < 2:
        return True
    increasing = line[1:] > line[:-1]
    increasing[offsets[1:-1] - 1] = True  # the step into the next BOM (every BOM has a line)
    if increasing.all():
        return True
    n_boms = len(offsets) - 1
    n_ids = max(n_categories, 1)
    pair = bom * n_ids
    pair += line
    if n_boms * n_ids <= 4 * len(bom) + 1_000_000:
        seen = np.zeros(n_boms * n_ids, dtype=bool)
        seen[pair] = True
        return np.count_nonzero(seen) == len(pair)  # a repeated pair marks one slot twice
    ordered = np.sort(pair)
    return not (ordered[1:] == ordered[:-1]).any()


def _checked_table_columns(scores: GridScores, table, grid_numbers: np.ndarray, plans: ConversionPlans) -> DemandColumns:
    """Columns of a :class:`footprint.portfolio.LineTable` (flat lines, grouped by BOM), checked
    on arrays: every bad row is reported at once (InputError, one RowIssue per problem).

    Everything that depends on text (activity ids, units, stages) is looked up once per distinct
    value and broadcast with a gather; unit conversion uses the same cached plans as
    :func:`compile_columns` (one plan per distinct (unit, activity unit, mass given, distance
    given)), applied to all lines of a plan at once, with the object path's rounding.
    ``grid_numbers[b]`` is BOM ``b``'s index into ``scores.grids``.
    """
    from .bom import MAX_AMOUNT, MAX_DISTANCE_KM, parse_data_type, parse_stage

    n, size = scores.n_activities, len(table)
    problems: list[tuple[np.ndarray, str, str, str]] = []  # (rows, field, message, message_zh)

    def check(mask: np.ndarray, field_name: str, message: str, message_zh: str) -> None:
        if mask.any():
            problems.append((np.flatnonzero(mask), field_name, message, message_zh))

    # required text and the amount
    check(table.line_id.codes < 0, "id", "line id is empty", "行号为空")
    check(table.activity_id.codes < 0, "activity_id", "activity_id is empty", "活动编号为空")
    check(table.unit.codes < 0, "unit", "empty unit: enter a unit such as kg, kWh, t or piece", "单位为空")
    amount = table.amount
    with np.errstate(invalid="ignore"):
        check(~np.isfinite(amount), "amount", "amount must be a finite number", "数量应为有限数值")
        check(amount < 0, "amount", "amount must not be negative", "数量不能为负数")
        check(amount > MAX_AMOUNT, "amount", f"amount is larger than {MAX_AMOUNT:g}: check the unit (g instead of t?)", f"数量超过上限 {MAX_AMOUNT:g}，请检查单位")

    # activities: one lookup per distinct id, then a gather (code -1 -> the appended -1)
    known = np.append(_indexer(scores.activity_index, table.activity_id.categories), -1)
    activity = known[table.activity_id.codes]
    check((activity < 0) & (table.activity_id.codes >= 0), "activity_id", "unknown activity id: the dataset holds no activity with this id", "数据库中没有这个活动编号")

    # units: canonical id per distinct text
    unit_names: list[str] = []
    unit_code_of: dict[str, int] = {}
    unit_map = np.full(len(table.unit.categories) + 1, -1, dtype=np.int64)
    for i, text in enumerate(table.unit.categories):
        try:
            canonical = units.canonical_unit(text)
        except UnitError as error:
            check(table.unit.codes == i, "unit", str(error), units.message_zh_of(error))
            continue
        unit_map[i] = unit_code_of.setdefault(canonical, len(unit_names))
        if unit_map[i] == len(unit_names):
            unit_names.append(canonical)
    unit = unit_map[table.unit.codes]

    # stages (blank: the activity's default stage) and data types
    stage_map = np.full(len(table.stage.categories) + 1, -1, dtype=np.int64)
    for i, text in enumerate(table.stage.categories):
        try:
            stage_map[i] = _STAGE_INDEX[parse_stage(text)]
        except ValueError as error:
            check(table.stage.codes == i, "stage", str(error), f"无法识别的阶段 {text!r}")
    stage = stage_map[table.stage.codes]
    blank_stage = table.stage.codes < 0
    if blank_stage.any():
        stage = np.where(blank_stage, scores.default_stage[np.maximum(activity, 0)], stage)
    for i, text in enumerate(table.data_type.categories):
        try:
            parse_data_type(text)
        except ValueError as error:
            check(table.data_type.codes == i, "data_type", str(error), f"无法识别的数据类型 {text!r}")

    # bridges: what BomLine's validators check
    mass, distance = table.mass_kg_per_piece, table.distance_km
    has_mass, has_distance = ~np.isnan(mass), ~np.isnan(distance)
    is_piece = is_mass = None
    if has_mass.any() or has_distance.any():
        is_piece = np.append(np.array([u == "piece" for u in unit_names], dtype=bool), False)[unit]
        is_mass = np.append(np.array([units.dimension_of(u) == "mass" for u in unit_names], dtype=bool), False)[unit]
    any_mass, any_distance = bool(has_mass.any()), bool(has_distance.any())
    with np.errstate(invalid="ignore"):
        if any_mass:
            check(has_mass & ~((mass > 0) & (mass <= MAX_AMOUNT)), "mass_kg_per_piece", f"mass_kg_per_piece must be greater than 0 and at most {MAX_AMOUNT:g} (kg)", "单件质量必须大于 0 且不超过上限")
            check(has_mass & ~is_piece & (unit >= 0), "mass_kg_per_piece", "mass_kg_per_piece only applies to lines counted in pieces", "只有以“件”计量的行才填写单件质量")
        if any_distance:
            check(has_distance & ~((distance > 0) & (distance <= MAX_DISTANCE_KM)), "distance_km", f"distance_km must be greater than 0 and at most {MAX_DISTANCE_KM:g} (km, not m)", "运输距离必须大于 0 且不超过上限")
            check(has_distance & ~(is_mass | (is_piece & has_mass)) & (unit >= 0), "distance_km", "distance_km applies to transport lines given as the mass carried (tkm = t × km)", "运输距离只用于以所运质量填写的运输行（周转量 = 吨 × 公里）")

    # a line id is used once per BOM (it is the line's path)
    n_ids = max(len(table.line_id.categories), 1)
    pair = table.bom.codes * n_ids + table.line_id.codes
    named = table.line_id.codes >= 0
    if table.n_boms * n_ids <= 4 * size + 1_000_000:
        duplicate = (np.bincount(pair[named], minlength=table.n_boms * n_ids)[pair] > 1) & named
    else:
        order = np.argsort(pair, kind="stable")
        repeated = np.zeros(size, dtype=bool)
        repeated[order[1:]] = pair[order[1:]] == pair[order[:-1]]
        duplicate = repeated & named
    check(duplicate, "id", "duplicate line id within this BOM: ids must be unique per BOM", "同一物料清单内行号重复")

    # unit conversion: one cached plan per (unit, activity unit, mass given, distance given)
    activity_unit_names = sorted(set(scores.activity_units))
    activity_unit = np.array([activity_unit_names.index(u) for u in scores.activity_units], dtype=np.int64)
    n_au = len(activity_unit_names)
    usable = (activity >= 0) & (unit >= 0)
    key = ((np.maximum(unit, 0) * n_au + activity_unit[np.maximum(activity, 0)]) * 2 + has_mass) * 2 + has_distance
    n_keys = max(len(unit_names), 1) * n_au * 4
    coef = np.full(n_keys, np.nan)
    e_mass = np.zeros(n_keys, dtype=np.int64)
    e_distance = np.zeros(n_keys, dtype=np.int64)
    exact_keys = []
    for k in np.flatnonzero(np.bincount(key[usable], minlength=n_keys)):
        k = int(k)
        plan = plans.plan(unit_names[k // (4 * n_au)], activity_unit_names[(k // 4) % n_au], bool(k & 2), bool(k & 1))
        if isinstance(plan, UnitError):
            ids = _activity_ids(scores)
            wrong = usable & (key == k)
            for activity_number in np.unique(activity[wrong]).tolist():  # the engine's message names the activity
                check(wrong & (activity == activity_number), "unit", f"{plan} (activity {ids[activity_number]})", units.message_zh_of(plan))
        elif plan is None:
            exact_keys.append(k)
        else:
            coef[k], e_mass[k], e_distance[k] = plan
    if problems:
        raise _table_error(table, problems)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = amount * coef[key]
        if e_mass.any():  # else every factor is mass**0: skip (x * 1.0 would change nothing anyway)
            line_mass = e_mass[key]
            value = np.where(line_mass > 0, value * mass, np.where(line_mass < 0, value / mass, value))
        if e_distance.any():
            line_distance = e_distance[key]
            value = np.where(line_distance > 0, value * distance, np.where(line_distance < 0, value / distance, value))
    for k in exact_keys:  # not a monomial: the exact converter, line by line
        for row in np.flatnonzero(key == k):
            value[row] = units.to_activity_unit(
                float(amount[row]),
                unit_names[unit[row]],
                scores.activity_units[activity[row]],
                mass_kg_per_piece=float(mass[row]) if has_mass[row] else None,
                distance_km=float(distance[row]) if has_distance[row] else None,
            )
    return DemandColumns(
        n_boms=table.n_boms,
        bom=table.bom.codes,
        column=np.asarray(grid_numbers, dtype=np.int64)[table.bom.codes] * n + activity,
        amount=value,
        stage=stage,
        paths=table.line_id,
        offsets=table.offsets,
    )


def _indexer(index: dict[str, int], names) -> np.ndarray:
    return np.array([index.get(name, -1) for name in names], dtype=np.int64)


def _activity_ids(scores: GridScores) -> list[str]:
    ids = [""] * scores.n_activities
    for name, i in scores.activity_index.items():
        ids[i] = name
    return ids


def _table_error(table, problems) -> InputError:
    """One RowIssue per bad row and problem, in row order, the row's values as typed."""
    issues = []
    for rows, field_name, message, message_zh in problems:
        column = {"id": table.line_id, "activity_id": table.activity_id, "unit": table.unit, "stage": table.stage, "data_type": table.data_type}.get(field_name)
        for row in rows.tolist():
            if column is not None:
                code = column.codes[row]
                value = column.categories[code] if code >= 0 else None
            else:
                number = {"amount": table.amount, "mass_kg_per_piece": table.mass_kg_per_piece, "distance_km": table.distance_km}[field_name][row]
                value = units.format_number(float(number)) if math.isfinite(number) else str(number)
            if field_name == "unit" and message.endswith(")") and "(activity " in message:
                value = f"{float(table.amount[row])} {value}"
            issues.append(
                RowIssue(message, message_zh, row=int(table.row[row]), line_id=table.line_id.value(row), field=field_name, value=value)
            )
    issues.sort(key=lambda issue: issue.row)
    return InputError(issues=issues, source=table.source)


@dataclass(eq=False)
class ColumnResults:
    """Per-BOM and per-line results of a set of columns (arrays only)."""

    totals: np.ndarray
    by_stage: np.ndarray
    by_gas: np.ndarray
    aircraft: np.ndarray
    biogenic_co2_kg: np.ndarray
    line_kgco2e: np.ndarray
    line_offsets: np.ndarray | None = None  # where each BOM's lines start, and the end (the CSR indptr)


def evaluate_columns(scores: GridScores, columns: DemandColumns) -> ColumnResults:
    """The numerical core: one gather, the line values summed by BOM and stage, one sparse product ``D @ U``."""
    n_boms, n_stages = columns.n_boms, len(STAGES)
    line_kg = scores.total.take(columns.column)
    line_kg *= columns.amount  # = amount * total[column], in place (IEEE multiplication is commutative)
    indptr = _offsets(columns)
    n_columns = scores.matrix.shape[0]
    # index arrays in the dtype scipy would pick, so it neither scans nor converts them again
    index_dtype = np.int32 if max(len(columns.column), n_columns, n_boms) < 2**31 - 1 else np.int64
    demand = sp.csr_matrix((columns.amount, columns.column.astype(index_dtype), indptr.astype(index_dtype)), shape=(n_boms, n_columns))
    # BOM x stage sums of the line values, in line order from 0.0 (what np.bincount does, bit for
    # bit; duplicates in a row are added in order by both kernels), as a CSR with D's row offsets:
    # its dense form is the split by stage, times ones the totals (x * 1.0 is exact).
    staged = sp.csr_matrix((line_kg, columns.stage.astype(demand.indices.dtype, copy=False), demand.indptr), shape=(n_boms, n_stages))
    by_stage = staged.toarray()
    totals = staged @ np.ones(n_stages)
    product = demand @ scores.matrix
    n_flows = len(scores.flows)
    return ColumnResults(
        totals=totals,
        by_stage=by_stage,
        by_gas=product[:, :n_flows],
        aircraft=product[:, n_flows],
        biogenic_co2_kg=product[:, n_flows + 1],
        line_kgco2e=line_kg,
        line_offsets=indptr,
    )


def _offsets(columns: DemandColumns) -> np.ndarray:
    """Where each BOM's lines start (``bom`` is sorted), and the end: the CSR ``indptr``."""
    if columns.offsets is not None:
        return columns.offsets
    return np.searchsorted(columns.bom, np.arange(columns.n_boms + 1, dtype=columns.bom.dtype)).astype(np.int64, copy=False)


@dataclass(frozen=True, eq=False)
class _Chunk:
    boms: list
    grid_numbers: list[int]


def footprint_chunk(scores: GridScores, chunk: _Chunk | DemandColumns) -> tuple[DemandColumns, ColumnResults]:
    """One task: compile a chunk of BOMs (or take a chunk of table columns) and evaluate it (runs
    on a Dask worker unchanged)."""
    columns = chunk if isinstance(chunk, DemandColumns) else compile_columns(scores, chunk.boms, chunk.grid_numbers)
    return columns, evaluate_columns(scores, columns)


def split_columns(columns: DemandColumns, size: int | None = None) -> list[DemandColumns]:
    """Chunks of ``size`` (default :data:`CHUNK_SIZE`) BOMs (BOM numbers restart at 0 in each): independent tasks."""
    size = size or CHUNK_SIZE
    if columns.n_boms <= size:
        return [columns]
    cuts = np.searchsorted(columns.bom, np.arange(0, columns.n_boms + size, size).clip(max=columns.n_boms))
    chunks = []
    for number, (start, end) in enumerate(zip(cuts[:-1], cuts[1:])):
        first = number * size
        if first >= columns.n_boms:
            break
        chunks.append(
            DemandColumns(
                n_boms=min(size, columns.n_boms - first),
                bom=columns.bom[start:end] - first,
                column=columns.column[start:end],
                amount=columns.amount[start:end],
                stage=columns.stage[start:end],
                paths=columns.paths[start:end],
                activity=columns.activity[start:end] if columns.activity is not None else None,
                offsets=columns.offsets[first : first + size + 1] - start if columns.offsets is not None else None,
            )
        )
    return chunks


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
    line_paths: Sequence[str]  # a list, or the table's line id column (from a LineTable)
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
    """Footprints of many BOMs (each on ``grid``, else its own grid, else the dataset default).

    ``boms`` is a list of BOM objects or a :class:`footprint.portfolio.LineTable` (flat lines of
    many BOMs as columns; labels default to its bom ids; a bad row raises InputError).
    """
    from .portfolio import LineTable

    if isinstance(boms, LineTable):
        return _table_footprints(engine, boms, labels=labels, grid=grid, scheduler=scheduler, progress=progress)
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


def _table_footprints(engine, table, *, labels, grid, scheduler, progress) -> BatchResult:
    labels = list(labels) if labels is not None else list(table.bom.categories)
    if len(labels) != table.n_boms:
        raise FootprintError(f"{len(labels)} labels for {table.n_boms} BOMs")
    wanted = [grid] if grid else [*table.grid.categories, None]
    resolved = [engine.resolve_grid(name) for name in wanted]
    grids = sorted(set(resolved))
    numbers = np.array([grids.index(name) for name in resolved], dtype=np.int64)
    per_bom = numbers[np.zeros(table.n_boms, dtype=np.int64) if grid else table.grid.codes]  # code -1: the default
    scores = grid_scores(engine, grids)
    columns = columns_from_table(scores, table, per_bom)
    # Chunks are tasks for a scheduler and steps for progress; locally, one evaluation gives the
    # same numbers (every result is per BOM or per line, summed in line order either way).
    chunks = split_columns(columns) if scheduler is not None or progress is not None else [columns]
    parts = map_tasks(footprint_chunk, scores, chunks, scheduler=scheduler, weights=[c.n_boms for c in chunks], progress=progress)
    return _assemble(engine, None, labels, np.array(grids, dtype=object)[per_bom].tolist(), scores, parts)


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

    def joined(arrays, empty):
        # one part (a local table run): its arrays as they are, no copy
        return arrays[0] if len(arrays) == 1 else np.concatenate(arrays) if arrays else empty

    totals = joined([r.totals for r in results_all], np.empty(0))
    failed = np.array(sorted(errors), dtype=np.int64)
    by_stage = joined([r.by_stage for r in results_all], np.empty((0, n_stages)))
    by_gas = joined([r.by_gas for r in results_all], np.empty((0, n_flows)))
    aircraft = joined([r.aircraft for r in results_all], np.empty(0))
    biogenic = joined([r.biogenic_co2_kg for r in results_all], np.empty(0))
    if len(failed):
        for array in (totals, by_stage, by_gas, aircraft, biogenic):
            array[failed] = np.nan
    counts = joined([np.diff(r.line_offsets if r.line_offsets is not None else _offsets(c)) for c, r in parts], np.empty(0, dtype=np.int64))
    if columns_all and all(isinstance(c.paths, TextColumn) for c in columns_all):
        paths = TextColumn.joined([c.paths for c in columns_all])  # table path: codes, no str list built
    else:
        paths = []
        for columns in columns_all:
            paths.extend(columns.paths)
    offsets = np.empty(len(counts) + 1, dtype=np.int64)
    offsets[0] = 0
    np.cumsum(counts, out=offsets[1:])
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
        line_offsets=offsets,
        line_paths=paths,
        line_activity=joined([c.activity if c.activity is not None else c.column % n for c in columns_all], np.empty(0, dtype=np.int64)),
        line_stage=joined([c.stage for c in columns_all], np.empty(0, dtype=np.int64)),
        line_kgco2e=joined([r.line_kgco2e for r in results_all], np.empty(0)),
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
