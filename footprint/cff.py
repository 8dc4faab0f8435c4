"""The Circular Footprint Formula (CFF): recycled content and end-of-life recycling, as extra rows.

Why a module of its own: the background dataset is a cut-off system (scrap and recycled inputs
carry no burden of their first life, recycling at end of life earns no credit). A study that names
``method.recycling_approach: CFF`` (Commission Recommendation (EU) 2021/2279, Annex I; the method
the EU battery regulation's carbon-footprint rules point to) must get the CFF number, not the
cut-off one under a CFF label. The CFF is linear in the unit footprints of a few activities, so it
is computed as extra result rows, each a short list of (activity, amount) terms on the same solved
unit scores as every BOM line: lines, stages, gases and origins still add up to the total, Monte
Carlo samples the same terms, and a cut-off BOM computes exactly as before.

Per material in a line, the CFF material part is ``m [(1 - R1) Ev + R1 (A Erecycled + (1 - A) Ev
Qsin/Qp)]``, m the kg of the material in the line's supply chain. Which material, and how much of
it comes from the virgin route (v kg) or the recycled route (r kg), is read from the dataset
itself: the supply chain of one unit of the line's activity (one transposed solve per grid,
:func:`supply_content`), so a die-cast housing made from secondary alloy is recognised as
recycled aluminium without the user saying so. R1 defaults to that modelled share r / (v + r); a
line may state its own (``cff: {R1: ...}``). The line keeps its cut-off footprint (which counts
``v Ev + r Erecycled``); the row ``<line>/cff-material`` is the difference, so the two together are
the CFF material part.

Per end-of-life recycling line (a kg sent to recycling, i.e. R2 times the material's mass), the
CFF end-of-life part is ``a (1 - A)(ErecyclingEoL - E*v Qsout/Qp)`` with ErecyclingEoL = the
line's own collection and sorting activity plus the material's recycled route (the reprocessing
of scrap), and E*v = Ev. The line keeps its cut-off footprint; ``<line>/cff-end-of-life`` is the
difference (a credit when negative). Disposal lines (landfill, incineration, composting) are the
``(1 - R2 - R3) ED`` term as they stand: their amounts already are the disposed mass.

Supported and not: no energy-recovery term (R3 = 0: incineration is counted in full, without a
credit for the heat or electricity recovered, as the dataset's system model); ``R2``, ``R3`` and
``B`` per line are refused when the BOM is read (:class:`footprint.bom.CffLineParameters`);
production waste stays cut-off. A missing parameter (a material the parameter file does not
pair, an A or a quality ratio nobody gave) is an :class:`~footprint.errors.InputError` naming the
line and the field, never a silent default.

The defaults live in ``datasets/cff/<dataset id>.yaml`` next to the dataset folder (not inside
it, so the dataset's hash and every cut-off result stay as they are); a CFF result records that
file's sha256.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse.linalg as spla

from .bom import CFF, CffLineParameters, Stage
from .cff_parameters import WASTE_CATEGORY, CffParameters, Material, Parameter, Uncertainty, load_cff_parameters, parameters_path  # noqa: F401 (the engine's entry points)
from .cff_sampling import Poly, add, constant, multiply, parameter_key, scale, symbol
from .demand import LineDemand
from .errors import DatasetError, InputError, RowIssue

MATERIAL_PART = "material"
END_OF_LIFE_PART = "end_of_life"
ROW_SUFFIX = {MATERIAL_PART: "cff-material", END_OF_LIFE_PART: "cff-end-of-life"}
PART_NAMES = {
    MATERIAL_PART: ("Circular Footprint Formula, material part (recycled content)", "循环足迹公式：材料部分（再生含量）"),
    END_OF_LIFE_PART: ("Circular Footprint Formula, end-of-life part (recycling)", "循环足迹公式：寿命末期部分（回收）"),
}


# ---------------------------------------------------------------------- rows of a BOM


@dataclass(frozen=True)
class CffRow:
    """One CFF result row: ``terms`` are (activity id, amount per declared unit) pairs whose
    footprints add up to the row; the parent line keeps its own cut-off footprint."""

    part: str
    path: str
    line_id: str
    parent_path: str
    stage: str
    data_type: str
    activity_id: str  # the parent line's activity: its category and unit describe the row
    unit: str
    terms: tuple[tuple[str, float], ...]
    details: dict = field(default_factory=dict)
    # The same terms with every amount as a polynomial in the parameters Monte Carlo draws
    # (footprint.cff_sampling); at the given values they equal ``terms``.
    monomials: tuple[tuple[str, Poly], ...] = ()


@dataclass(frozen=True)
class CircularPlan:
    """The CFF rows of one BOM and what the result reports about its materials."""

    rows: tuple[CffRow, ...]
    summary: dict
    distributions: dict[str, Uncertainty] = field(default_factory=dict)  # drawn parameter key -> its range


def wants_cff(bom) -> bool:
    return getattr(bom, "recycling_approach", None) == CFF


def check_no_cff_values(demands: list[LineDemand]) -> None:
    """A BOM computed cut-off must not carry CFF values (they would be ignored silently)."""
    lines = [d.path for d in demands if d.has_cff]
    if lines:
        raise InputError(
            issues=[
                RowIssue(
                    f"line carries cff values but the BOM is computed cut-off; set recycling_approach CFF (a study: method.recycling_approach) or remove them",
                    "该行填写了 cff 参数，但物料清单按截断法计算；请将回收处理方法设为 CFF（研究：method.recycling_approach）或删除这些参数",
                    line_id=path,
                    field="cff",
                )
                for path in lines
            ]
        )


EMBEDDED_MIN_KG = 1e-12  # kg of a material per unit of an activity below which it is solver noise


def supply_content(technosphere, activity_index: dict[str, int], parameters: CffParameters) -> dict[str, np.ndarray]:
    """For every activity of every CFF material (virgin and recycled route): the amount of it in
    the supply chain of one unit of each activity (``content[p][i]``), from one transposed solve.

    A route whose own supply chain draws another material's route is refused: its terms would be
    counted twice (the dataset models every route used here as a separate unit process)."""
    routes = [a for m in parameters.materials for a in (m.primary_activity, m.recycled_activity)]
    rhs = np.zeros((technosphere.shape[0], len(routes)))
    for j, activity_id in enumerate(routes):
        rhs[activity_index[activity_id], j] = 1.0
    solved = spla.splu(technosphere.tocsc()).solve(rhs, trans="T") if routes else rhs
    content = {activity_id: np.ascontiguousarray(solved[:, j]) for j, activity_id in enumerate(routes)}
    nested = [
        f"{inner} is in the supply chain of {outer}"
        for outer in routes
        for inner in routes
        if inner != outer and abs(content[inner][activity_index[outer]]) > EMBEDDED_MIN_KG
    ]
    if nested:
        raise DatasetError(f"{parameters.file}: the CFF routes must be separate unit processes: {'; '.join(nested)}")
    for array in content.values():
        array.setflags(write=False)
    return content


class _Planner:
    """Walks a BOM's leaves with their demands; collects rows, masses and every problem."""

    def __init__(self, dataset, parameters: CffParameters, content: dict[str, np.ndarray], activity_index: dict[str, int]) -> None:
        self.dataset = dataset
        self.parameters = parameters
        self.content = content
        self.index = activity_index
        self.rows: list[CffRow] = []
        self.issues: list[RowIssue] = []
        self.masses: dict[str, dict[str, float]] = {}
        self.distributions: dict[str, Uncertainty] = {}

    def problem(self, path: str, field_name: str, message: str, message_zh: str, value: Any = None) -> None:
        self.issues.append(RowIssue(message, message_zh, line_id=path, field=field_name, value=None if value is None else str(value)))

    def tally(self, material: Material, key: str, kg: float) -> None:
        totals = self.masses.setdefault(material.id, {"mass_kg": 0.0, "recycled_content_kg": 0.0, "end_of_life_recycling_kg": 0.0, "end_of_life_disposal_kg": 0.0})
        totals[key] += kg

    def known_materials(self) -> str:
        return ", ".join(m.id for m in self.parameters.materials) or "(none)"

    def embedded(self, activity_id: str) -> dict[str, tuple[Material, float, float]]:
        """Materials in one unit of an activity: (material, kg via the virgin route, kg via the recycled route)."""
        i = self.index[activity_id]
        found = {}
        for material in self.parameters.materials:
            virgin = float(self.content[material.primary_activity][i])
            recycled = float(self.content[material.recycled_activity][i])
            virgin = virgin if abs(virgin) > EMBEDDED_MIN_KG else 0.0
            recycled = recycled if abs(recycled) > EMBEDDED_MIN_KG else 0.0
            if virgin or recycled:
                found[material.id] = (material, virgin, recycled)
        return found

    def resolve_material(self, path: str, given: CffLineParameters, default: Material | None) -> Material | None:
        if given.material is None:
            return default
        material = self.parameters.material(given.material)
        if material is None:
            self.problem(
                path,
                "cff.material",
                f"unknown CFF material {given.material!r}; the parameter file {self.parameters.file} lists: {self.known_materials()}",
                f"未知的循环足迹公式材料 {given.material!r}；参数文件 {self.parameters.file} 中有：{self.known_materials()}",
                given.material,
            )
        return material

    def share(self, path: str, name: str, given: float | None, default: Parameter, material: Material) -> tuple[float | None, dict, Poly]:
        """The value a row uses, where it came from, and the same as a polynomial for Monte Carlo:
        a value the line states is fixed (the study's own); a default with a range is drawn."""
        if given is not None:
            return given, {"value": given, "from": "line"}, constant(given)
        if default.value is None:
            self.problem(
                path,
                f"cff.{name}",
                f"{name} of {material.id} is unknown (the parameter file {self.parameters.file} has no value): give cff.{name} on this line",
                f"{material.name_zh}的 {name} 未知（参数文件 {self.parameters.file} 中无取值）：请在本行填写 cff.{name}",
            )
            return None, {}, {}
        key = parameter_key(material.id, name) if default.sampled else None
        if key is not None:
            self.distributions[key] = default.uncertainty
        details = {
            "value": default.value,
            "from": "parameter file",
            "tag": default.tag,
            "source": default.source,
            "reference_year": default.reference_year,
            "geography": default.geography,
            "uncertainty": default.uncertainty.describe() if default.uncertainty else None,
        }
        return default.value, details, symbol(default.value, key)

    def refuse_keys(self, path: str, given: CffLineParameters, keys: tuple[str, ...], why: str, why_zh: str) -> None:
        for key in keys:
            if getattr(given, key) is not None:
                self.problem(path, f"cff.{key}", f"cff.{key} does not apply here: {why}", f"cff.{key} 不适用于本行：{why_zh}", getattr(given, key))

    # ------------------------------------------------------------------ material lines

    def material_line(self, path: str, line, demand: LineDemand, activity) -> None:
        given = line.cff or CffLineParameters()
        if activity.category == WASTE_CATEGORY:
            if line.cff is not None:
                self.problem(
                    path,
                    "cff",
                    f"the CFF applies to materials and to the product's end of life; this {demand.stage} line ({activity.id}) stays cut-off",
                    f"循环足迹公式适用于材料和产品的寿命末期；本行（{demand.stage}，{activity.id}）仍按截断法计算",
                )
            return
        self.refuse_keys(path, given, ("Qsout_Qp",), "Qsout/Qp belongs to an end-of-life recycling line", "Qsout/Qp 属于寿命末期回收行")
        contents = self.embedded(activity.id)
        stated = any(getattr(given, k) is not None for k in ("R1", "A", "Qsin_Qp"))
        if given.material is not None:
            material = self.resolve_material(path, given, None)
            if material is None:
                return
            if material.id not in contents:
                self.problem(
                    path,
                    "cff.material",
                    f"the dataset models no {material.id} in {activity.id} (neither {material.primary_activity} nor {material.recycled_activity} is in its supply chain): enter the {material.id} as a line of its own",
                    f"数据集中 {activity.id} 不含{material.name_zh}（其供应链中没有 {material.primary_activity} 或 {material.recycled_activity}）：请将{material.name_zh}单独列为一行",
                    material.id,
                )
                return
            named = material.id
        elif stated and len(contents) != 1:
            found = ", ".join(contents) or "none"
            self.problem(
                path,
                "cff.material",
                f"cff values need the material they are for: {activity.id} contains {found} of the CFF materials; name one (cff.material)",
                f"cff 参数须注明所针对的材料：{activity.id} 含有的循环足迹公式材料为 {found}；请注明其一（cff.material）",
            )
            return
        else:
            named = next(iter(contents)) if stated else None
        terms: list[tuple[str, float]] = []
        monomials: list[tuple[str, Poly]] = []
        described: dict[str, dict] = {}
        for material_id, (material, virgin, recycled) in contents.items():
            own = given if material_id == named else CffLineParameters()
            part = self.material_terms(path, demand, material, virgin, recycled, own)
            if part is not None:
                terms += part[0]
                monomials += part[1]
                described[material_id] = part[2]
        if terms:
            self.add_row(MATERIAL_PART, path, demand, tuple(terms), {"materials": described}, monomials)

    def material_terms(self, path: str, demand: LineDemand, material: Material, virgin: float, recycled: float, given: CffLineParameters):
        """This material's terms in a line: m [(1 - R1) Ev + R1 (A Erec + (1 - A) Ev Q)] minus the
        line's own (cut-off) v Ev + r Erec, per unit of the line's activity times its amount."""
        per_unit = virgin + recycled
        mass = demand.activity_amount * per_unit
        modelled = recycled / per_unit
        R1 = given.R1 if given.R1 is not None else modelled
        self.tally(material, "mass_kg", mass)
        self.tally(material, "recycled_content_kg", R1 * mass)
        if R1 == 0.0 and recycled == 0.0:
            return None  # all virgin, as modelled: the line's own footprint is the CFF material part
        details: dict[str, Any] = {"mass_kg": mass, "R1": {"value": R1, "from": "line" if given.R1 is not None else "dataset"}}
        A, details["A"], a_poly = self.share(path, "A", given.A, material.A, material)
        quality, q_poly = 1.0, constant(1.0)
        # an unknown A: name a missing ratio in the same error; a drawn A needs the ratio in every draw
        if A is None or (1.0 - A) * R1 != 0.0 or (R1 != 0.0 and a_poly.keys() != {()}):
            quality, details["Qsin_Qp"], q_poly = self.share(path, "Qsin_Qp", given.Qsin_Qp, material.Qsin_Qp, material)
        if A is None or quality is None:
            return None
        details.update(Ev=material.primary_activity, Erecycled=material.recycled_activity)
        amount = demand.activity_amount
        terms = [
            (material.primary_activity, amount * (per_unit * ((1.0 - R1) + R1 * (1.0 - A) * quality) - virgin)),
            (material.recycled_activity, amount * (per_unit * R1 * A - recycled)),
        ]
        one_minus_a = add(constant(1.0), scale(a_poly, -1.0))
        monomials = [
            (material.primary_activity, add(constant(amount * (per_unit * (1.0 - R1) - virgin)), scale(multiply(one_minus_a, q_poly), amount * per_unit * R1))),
            (material.recycled_activity, add(constant(-amount * recycled), scale(a_poly, amount * per_unit * R1))),
        ]
        return terms, monomials, details

    # ------------------------------------------------------------------ end-of-life lines

    def end_of_life_line(self, path: str, line, demand: LineDemand, activity) -> None:
        given = line.cff or CffLineParameters()
        self.refuse_keys(path, given, ("R1", "Qsin_Qp"), "recycled content belongs to the material lines", "再生含量属于材料行")
        if activity.id not in self.parameters.recycling_routes:
            self.refuse_keys(path, given, ("A", "Qsout_Qp"), f"{activity.id} is disposal (counted in full), not recycling", f"{activity.id} 属于处置（全额计入），不是回收")
            material = self.resolve_material(path, given, None)
            if material is not None:
                self.tally(material, "end_of_life_disposal_kg", demand.activity_amount)
            return
        default = self.parameters.material(self.parameters.recycling_routes[activity.id])
        material = self.resolve_material(path, given, default)
        if material is None:
            if given.material is None:
                self.problem(
                    path,
                    "cff.material",
                    f"end-of-life recycling line ({activity.id}): name the material it recycles (cff.material: {self.known_materials()})",
                    f"寿命末期回收行（{activity.id}）：请注明所回收的材料（cff.material：{self.known_materials()}）",
                )
            return
        recycled_kg = demand.activity_amount
        self.tally(material, "end_of_life_recycling_kg", recycled_kg)
        details: dict[str, Any] = {"mass_kg": recycled_kg}
        A, details["A"], a_poly = self.share(path, "A", given.A, material.A, material)
        quality, q_poly = 1.0, constant(1.0)
        if A != 1.0 or a_poly.keys() != {()}:
            quality, details["Qsout_Qp"], q_poly = self.share(path, "Qsout_Qp", given.Qsout_Qp, material.Qsout_Qp, material)
        if A is None or quality is None:
            return
        # (1 - A)(ErecyclingEoL - E*v Qsout/Qp) per kg recycled, ErecyclingEoL = this line's
        # collection and sorting + the recycled route; minus the line's own (cut-off) burden.
        details.update(ErecyclingEoL=[activity.id, material.recycled_activity], Ev=material.primary_activity)
        terms = ((activity.id, -A * recycled_kg), (material.recycled_activity, (1.0 - A) * recycled_kg), (material.primary_activity, -(1.0 - A) * quality * recycled_kg))
        one_minus_a = add(constant(1.0), scale(a_poly, -1.0))
        monomials = [
            (activity.id, scale(a_poly, -recycled_kg)),
            (material.recycled_activity, scale(one_minus_a, recycled_kg)),
            (material.primary_activity, scale(multiply(one_minus_a, q_poly), -recycled_kg)),
        ]
        self.add_row(END_OF_LIFE_PART, path, demand, terms, {"materials": {material.id: details}}, monomials)

    def add_row(self, part: str, path: str, demand: LineDemand, terms, details: dict, monomials: list[tuple[str, Poly]]) -> None:
        summed: dict[str, float] = {}
        for activity_id, amount in terms:
            summed[activity_id] = summed.get(activity_id, 0.0) + amount
        kept = tuple((activity_id, amount) for activity_id, amount in summed.items() if amount != 0.0)
        if not kept:
            return
        suffix = ROW_SUFFIX[part]
        self.rows.append(
            CffRow(
                part=part,
                path=f"{path}/{suffix}",
                line_id=f"{demand.line_id}/{suffix}",
                parent_path=path,
                stage=demand.stage,
                data_type=demand.data_type,
                activity_id=demand.activity_id,
                unit=demand.unit,
                terms=kept,
                details={"part": part, **details},
                monomials=_summed_polys(monomials),
            )
        )


def _summed_polys(monomials: list[tuple[str, Poly]]) -> tuple[tuple[str, Poly], ...]:
    """One polynomial per activity (a material part names the same route twice when a line holds
    it through both routes), zero coefficients dropped."""
    summed: dict[str, Poly] = {}
    for activity_id, poly in monomials:
        summed[activity_id] = add(summed.get(activity_id, {}), poly)
    cleaned = ((a, {k: c for k, c in poly.items() if c != 0.0}) for a, poly in summed.items())
    return tuple((a, poly) for a, poly in cleaned if poly)


def plan_cff(bom, demands: list[LineDemand], dataset, parameters: CffParameters, content: dict[str, np.ndarray], activity_index: dict[str, int]) -> CircularPlan:
    """The CFF rows of a BOM (its leaves resolved to ``demands`` in the same order; ``content``
    from :func:`supply_content` on the grid computed), or an InputError naming every line whose
    CFF cannot be computed and why."""
    planner = _Planner(dataset, parameters, content, activity_index)
    for (path, line, _), demand in zip(bom.flat_lines(), demands):
        activity = dataset.activity(demand.activity_id)
        if demand.stage == Stage.END_OF_LIFE.value:
            planner.end_of_life_line(path, line, demand, activity)
        else:
            planner.material_line(path, line, demand, activity)
    if planner.issues:
        raise InputError(issues=planner.issues)
    with_end_of_life = any(d.stage == Stage.END_OF_LIFE.value for d in demands)
    used = {k for row in planner.rows for _, poly in row.monomials for monomial in poly for k in monomial}
    distributions = {k: u for k, u in planner.distributions.items() if k in used}
    return CircularPlan(rows=tuple(planner.rows), summary=_summary(parameters, planner.masses, with_end_of_life), distributions=distributions)


def _summary(parameters: CffParameters, masses: dict[str, dict[str, float]], with_end_of_life: bool) -> dict:
    """What a CFF result reports: the parameter file, and per material its kg in the supply chain
    (the material input, process losses included), recycled content, kg sent to recycling and
    to disposal at end of life, R1 and R2 (None without end-of-life lines, or without mass)."""
    materials = {}
    for material_id, totals in masses.items():
        mass = totals["mass_kg"]
        materials[material_id] = {
            **totals,
            "R1": totals["recycled_content_kg"] / mass if mass else None,
            "R2": totals["end_of_life_recycling_kg"] / mass if mass and with_end_of_life else None,
        }
    return {
        "approach": CFF,
        "parameters": parameters.describe(),
        "energy_recovery": "not credited (R3 = 0)",
        "materials": materials,
    }


def row_kind(kgco2e: float) -> str:
    """A CFF row that lowers the total is a credit; one that raises it, a burden."""
    return "credit" if kgco2e < 0 else "burden"


def term_weights(rows: tuple[CffRow, ...], activity_index: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """The rows as arrays: ``(activities, weights)`` with row ``r`` = ``weights[r] @ scores[activities]``
    for any per-activity scores (the engine's solved unit scores, or a Monte Carlo sample of them)."""
    activities = sorted({activity_index[a] for row in rows for a, _ in row.terms})
    column = {a: i for i, a in enumerate(activities)}
    weights = np.zeros((len(rows), len(activities)))
    for r, row in enumerate(rows):
        for activity_id, amount in row.terms:
            weights[r, column[activity_index[activity_id]]] += amount
    return np.array(activities, dtype=np.int64), weights
