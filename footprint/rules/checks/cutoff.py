"""Cut-off: the footprint of every excluded flow, computed by the engine, against the thresholds.

Shares are of the *complete* footprint (included total + everything excluded), i.e. "the share
of the emissions that were cut off". Mass and energy shares use the BOM's masses and energies per
declared unit; an exclusion quantified only by a declared estimate has a GHG share only.
"""

from __future__ import annotations

import math

from ...study_compute import energy_mj
from ..model import failed, needs_evidence, passed
from ..registry import Params, register_check
from .common import num, pct

MASS_STAGES = ("raw_materials", "purchased_parts", "packaging")


def _included_mass(ctx) -> float:
    computed = ctx.computation
    return math.fsum(computed.line_mass_kg.get(l.path) or 0.0 for l in computed.location.lines if l.stage in MASS_STAGES)


def _included_energy_mj(ctx) -> float:
    return math.fsum(energy_mj(l.activity_amount, l.activity_unit) or 0.0 for l in ctx.computation.location.lines)


class SingleFlowParams(Params):
    max_pct: float


@register_check("cutoff_single_flow", SingleFlowParams)
def cutoff_single_flow(ctx, p: SingleFlowParams):
    """Each excluded flow is below the single-flow threshold by GHG contribution, mass and energy."""
    computed = ctx.computation
    complete = computed.complete_kgco2e
    excluded_mass = math.fsum(e.mass_kg or 0.0 for e in computed.exclusions)
    excluded_energy = math.fsum(e.energy_mj or 0.0 for e in computed.exclusions)
    mass_total = _included_mass(ctx) + excluded_mass
    energy_total = _included_energy_mj(ctx) + excluded_energy
    shares: dict[str, dict[str, float]] = {}
    over: list[str] = []
    for exclusion in computed.exclusions:
        entry = {"ghg_pct": 100.0 * exclusion.kgco2e / complete if complete else 0.0}
        if exclusion.mass_kg is not None and mass_total:
            entry["mass_pct"] = 100.0 * exclusion.mass_kg / mass_total
        if exclusion.energy_mj is not None and energy_total:
            entry["energy_pct"] = 100.0 * exclusion.energy_mj / energy_total
        entry["quantified_by"] = exclusion.source
        shares[exclusion.id] = entry
        if max(v for k, v in entry.items() if k.endswith("_pct")) >= p.max_pct:
            over.append(exclusion.id)
    worst = max((max(v for k, v in e.items() if k.endswith("_pct")) for e in shares.values()), default=0.0)
    estimated = [e.id for e in computed.exclusions if e.source == "declared_estimate"]
    note = f"; {', '.join(estimated)} quantified by a declared estimate (no dataset activity)" if estimated else ""
    note_zh = f"；{'、'.join(estimated)} 为声明的估算值（数据集中无对应活动）" if estimated else ""
    if over:
        return failed(
            f"excluded flow(s) {', '.join(over)} reach {pct(worst)} (by GHG, mass or energy); each must stay below {pct(p.max_pct)}{note}",
            f"排除流 {'、'.join(over)} 的占比（按排放、质量或能量）达 {pct(worst)}，单项应低于 {pct(p.max_pct)}{note_zh}",
            measured=worst,
            threshold=p.max_pct,
            lines=[f"excluded:{i}" for i in over],
            details={"shares": shares},
        )
    return passed(
        f"largest excluded flow {pct(worst)} < {pct(p.max_pct)}{note}",
        f"最大单项排除占比 {pct(worst)}，低于 {pct(p.max_pct)}{note_zh}",
        measured=worst,
        threshold=p.max_pct,
        details={"shares": shares},
    )


class TotalParams(Params):
    max_pct: float


@register_check("cutoff_total", TotalParams)
def cutoff_total(ctx, p: TotalParams):
    """All excluded flows together are at or below the total cut-off share of the footprint."""
    computed = ctx.computation
    complete = computed.complete_kgco2e
    share = 100.0 * computed.excluded_kgco2e / complete if complete else 0.0
    details = {"excluded_kgco2e": computed.excluded_kgco2e, "complete_kgco2e": complete, "by_exclusion": {e.id: e.kgco2e for e in computed.exclusions}}
    if share > p.max_pct:
        return failed(
            f"excluded flows are {pct(share)} of the complete footprint ({num(computed.excluded_kgco2e)} of {num(complete)} kg CO2e); at most {pct(p.max_pct)} may be cut off",
            f"排除流合计占完整碳足迹的 {pct(share)}（{num(computed.excluded_kgco2e)} / {num(complete)} kg CO2e），上限为 {pct(p.max_pct)}",
            measured=share,
            threshold=p.max_pct,
            lines=[f"excluded:{e.id}" for e in computed.exclusions],
            details=details,
        )
    return passed(
        f"excluded flows total {pct(share)} <= {pct(p.max_pct)}",
        f"排除流合计 {pct(share)}，不超过 {pct(p.max_pct)}",
        measured=share,
        threshold=p.max_pct,
        details=details,
    )


class SignificantParams(Params):
    stages: list[str] = ["process_emissions"]
    categories: list[str] = ["direct_emission"]
    kinds: list[str] = ["process_emission"]
    fluorinated_gases: bool = True


@register_check("no_significant_flow_excluded", SignificantParams)
def no_significant_flow_excluded(ctx, p: SignificantParams):
    """No process emission and no fluorinated gas is cut off, whatever its mass."""
    flows = {f.code: f for f in ctx.dataset.flows}
    offending = []
    for exclusion in ctx.computation.exclusions:
        fluorinated = p.fluorinated_gases and any("F" in flows[c].formula for c, v in exclusion.by_gas.items() if v and c in flows)
        if exclusion.stage in p.stages or exclusion.activity_category in p.categories or exclusion.kind in p.kinds or fluorinated:
            offending.append(exclusion.id)
    if offending:
        return failed(
            f"environmentally significant flow(s) excluded: {', '.join(offending)} (process emissions and fluorinated gases may never be cut off)",
            f"排除了环境显著的流：{'、'.join(offending)}（过程排放和含氟气体不得按质量截断）",
            measured=offending,
            threshold=[],
            lines=[f"excluded:{i}" for i in offending],
        )
    return passed("no process emission or fluorinated gas is excluded", "未排除过程排放或含氟气体", measured=[], threshold=[])


class MassBalanceParams(Params):
    tolerance_pct: float


@register_check("mass_balance", MassBalanceParams)
def mass_balance(ctx, p: MassBalanceParams):
    """Material inputs of the BOM balance the product, packaging and waste outputs.

    Inputs: masses of raw-material, purchased-part and packaging lines (and excluded ones).
    Outputs: product mass per declared unit + packaging (shipped with it) + production waste.
    """
    study, computed = ctx.study, ctx.computation
    unit = study.bom.declared_unit
    product_mass = unit.mass_kg_per_piece or study.product.mass_kg_per_unit or (unit.quantity if unit.unit == "kg" else None)
    if unit.unit in {"g", "t"} and product_mass is None:
        from ... import units

        product_mass = units.convert(unit.quantity, unit.unit, "kg")
    # Only counted inputs (pieces without a mass) leave a gap; lines in m2, cm2 or kWh in these
    # stages are services on a part (plating, coating), not material entering the product.
    unknown = [
        line.path
        for line in computed.location.lines
        if line.stage in MASS_STAGES + ("production_waste",) and computed.line_mass_kg.get(line.path) is None and line.unit == "piece"
    ]
    if product_mass is None or unknown:
        what = "the product mass per declared unit" if product_mass is None else f"the mass of line(s) {', '.join(unknown)}"
        return needs_evidence(
            f"mass balance cannot close without {what}",
            "缺少产品单位质量或部分物料质量，无法核对质量平衡",
            lines=unknown,
        )
    by_stage: dict[str, float] = {}
    for line in computed.location.lines:
        mass = computed.line_mass_kg.get(line.path) or 0.0
        by_stage[line.stage] = by_stage.get(line.stage, 0.0) + mass
    excluded = math.fsum(e.mass_kg or 0.0 for e in computed.exclusions if e.stage in MASS_STAGES)
    inputs = math.fsum(by_stage.get(s, 0.0) for s in MASS_STAGES) + excluded
    outputs = product_mass + by_stage.get("packaging", 0.0) + by_stage.get("production_waste", 0.0)
    gap = 100.0 * abs(inputs - outputs) / inputs if inputs else 100.0
    details = {"inputs_kg": inputs, "outputs_kg": outputs, "product_kg": product_mass}
    if gap > p.tolerance_pct:
        return failed(
            f"inputs {num(inputs)} kg vs outputs {num(outputs)} kg (product {num(product_mass)} + packaging + waste): off by {pct(gap)}, tolerance {pct(p.tolerance_pct)}",
            f"投入 {num(inputs)} kg 与产出 {num(outputs)} kg（产品 {num(product_mass)} kg + 包装 + 废弃物）相差 {pct(gap)}，允许 {pct(p.tolerance_pct)}",
            measured=gap,
            threshold=p.tolerance_pct,
            details=details,
        )
    return passed(
        f"mass balance closes within {pct(gap)} (inputs {num(inputs)} kg, outputs {num(outputs)} kg)",
        f"质量平衡偏差 {pct(gap)}（投入 {num(inputs)} kg，产出 {num(outputs)} kg）",
        measured=gap,
        threshold=p.tolerance_pct,
        details=details,
    )
