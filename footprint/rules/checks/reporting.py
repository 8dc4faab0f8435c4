"""Separately reported items, offsets, interpretation and the report's mandatory elements.

Reported values are compared with the recomputation, so a report that leaves an item out or
states it wrongly fails; items the engine cannot compute (biogenic carbon content, removals) must
at least be stated.
"""

from __future__ import annotations

import math
from typing import Literal

from ..model import failed, passed
from ..registry import NoParams, Params, register_check
from .common import num

ITEMS = {
    "fossil": ("fossil GHG emissions", "化石源温室气体排放"),
    "biogenic": ("biogenic emissions", "生物源排放"),
    "land_use_change": ("direct land-use change (dLUC) emissions", "直接土地利用变化排放"),
    "aircraft": ("aircraft transport emissions", "航空运输排放"),
    "packaging": ("packaging emissions", "包装排放"),
}


def _declared_and_computed(ctx, item: str) -> tuple[float | None, float]:
    declared = ctx.study.declared
    headline = ctx.computation.headline
    if item in ("fossil", "biogenic", "land_use_change"):
        return (declared.by_origin.get(item) if declared else None), headline.by_origin.get(item, 0.0)
    if item == "aircraft":
        return (declared.aircraft_kgco2e if declared else None), headline.aircraft_kgco2e
    return (declared.packaging_kgco2e if declared else None), headline.by_stage.get("packaging", 0.0)


def _matches(declared: float, computed: float, total: float, tolerance_pct: float) -> bool:
    """Within ``tolerance_pct`` of the item, or of the total for items near zero."""
    return abs(declared - computed) <= max(abs(computed), 0.01 * abs(total)) * tolerance_pct / 100.0 + 1e-12


class ItemParams(Params):
    item: Literal["fossil", "biogenic", "land_use_change", "aircraft", "packaging"]
    tolerance_pct: float = 1.0


@register_check("reported_item", ItemParams)
def reported_item(ctx, p: ItemParams):
    """One separately reported item is stated and agrees with the recomputation."""
    en, zh = ITEMS[p.item]
    declared, computed = _declared_and_computed(ctx, p.item)
    if declared is None:
        return failed(f"{en} are not reported (recomputed: {num(computed)} kg CO2e)", f"未单独报告{zh}（复算值 {num(computed)} kg CO2e）", measured=None, threshold=computed)
    if not _matches(declared, computed, ctx.computation.total_kgco2e, p.tolerance_pct):
        return failed(f"{en} reported as {num(declared)}, recomputed {num(computed)} kg CO2e", f"报告的{zh}为 {num(declared)}，复算值为 {num(computed)} kg CO2e", measured=declared, threshold=computed)
    return passed(f"{en}: {num(computed)} kg CO2e, reported separately", f"{zh}：{num(computed)} kg CO2e，已单独报告", measured=declared, threshold=computed)


class BiogenicParams(Params):
    tolerance_pct: float = 1.0


@register_check("biogenic_reported", BiogenicParams)
def biogenic_reported(ctx, p: BiogenicParams):
    """Fossil and biogenic emissions (recomputed), biogenic removals and carbon content (stated) are reported."""
    problems = []
    for item in ("fossil", "biogenic"):
        declared, computed = _declared_and_computed(ctx, item)
        en, zh = ITEMS[item]
        if declared is None:
            problems.append((f"{en} not reported", f"未报告{zh}"))
        elif not _matches(declared, computed, ctx.computation.total_kgco2e, p.tolerance_pct):
            problems.append((f"{en} reported as {num(declared)}, recomputed {num(computed)}", f"{zh}报告值 {num(declared)}，复算值 {num(computed)}"))
    biogenic = ctx.study.biogenic
    if biogenic.carbon_content_kgc is None:
        problems.append(("biogenic carbon content (kg C per declared unit) not stated", "未说明生物源碳含量（kg C/声明单位）"))
    if biogenic.removals_kgco2e is None:
        problems.append(("biogenic removals not stated", "未说明生物源碳移除量"))
    measured = {
        "fossil_kgco2e": ctx.computation.headline.by_origin.get("fossil", 0.0),
        "biogenic_kgco2e": ctx.computation.headline.by_origin.get("biogenic", 0.0),
        "biogenic_co2_kg": ctx.computation.headline.biogenic_co2_kg,
        "biogenic_carbon_content_kgc": biogenic.carbon_content_kgc,
        "biogenic_removals_kgco2e": biogenic.removals_kgco2e,
    }
    if problems:
        return failed("; ".join(e for e, _ in problems), "；".join(z for _, z in problems), measured=measured)
    return passed("fossil, biogenic, removals and biogenic carbon content reported separately", "化石源、生物源排放、生物源移除量和生物源碳含量均已单独报告", measured=measured)


@register_check("packaging_flag", NoParams)
def packaging_flag(ctx, p: NoParams):
    """The boundary says whether packaging is included, consistently with the BOM, and its emissions are given."""
    included = "packaging" in ctx.study.boundary.stages
    lines = [l.path for l in ctx.computation.location.lines if l.stage == "packaging"]
    declared = ctx.study.declared.packaging_kgco2e if ctx.study.declared else None
    if included and not lines:
        return failed("the boundary includes packaging but the BOM has no packaging line", "系统边界包含包装，但物料清单没有包装数据", measured=False, threshold=True)
    if lines and not included:
        return failed("the BOM has packaging lines but the boundary does not include packaging", "物料清单有包装数据，但系统边界未包含包装", measured=True, threshold=False, lines=lines)
    if included and declared is None:
        return failed("packaging is included but its emissions are not reported", "包含包装但未报告包装排放", measured=None, threshold=True, lines=lines)
    state = "included" if included else "not included"
    return passed(f"packaging {state}, consistent with the BOM", f"包装{'已' if included else '未'}纳入，与物料清单一致", measured=included, threshold=included, lines=lines)


@register_check("no_offsets", NoParams)
def no_offsets(ctx, p: NoParams):
    """No offsets, CCER or other credits are deducted from the footprint."""
    offsets = ctx.study.offsets_kgco2e
    if offsets != 0:
        return failed(
            f"{num(offsets)} kg CO2e of offsets/credits are applied; the footprint must not deduct any",
            f"抵消/减排量 {num(offsets)} kg CO2e 被计入；碳足迹不得扣减任何抵消",
            measured=offsets,
            threshold=0,
        )
    return passed("no offsets applied", "未使用碳抵消", measured=0, threshold=0)


class InterpretationParams(Params):
    significance_pct: float


@register_check("interpretation", InterpretationParams)
def interpretation(ctx, p: InterpretationParams):
    """Every input at or above the significance share is named as a hotspot; uncertainty and sensitivity are described."""
    lines = ctx.by_base_line()
    total = math.fsum(l["kgco2e"] for l in lines.values())
    significant = sorted(path for path, l in lines.items() if total and 100.0 * l["kgco2e"] / total >= p.significance_pct)
    stated = ctx.study.interpretation
    missing = [path for path in significant if path not in stated.significant_lines]
    problems = []
    if missing:
        problems.append((f"significant line(s) not named as hotspots: {', '.join(missing)}", f"以下显著过程未列为热点：{'、'.join(missing)}"))
    if not stated.uncertainty_method.strip():
        problems.append(("no uncertainty assessment method", "未说明不确定性评估方法"))
    if not stated.sensitivity:
        problems.append(("no sensitivity analysis", "未进行敏感性分析"))
    if problems:
        return failed("; ".join(e for e, _ in problems), "；".join(z for _, z in problems), measured=stated.significant_lines, threshold=significant, lines=missing)
    return passed(
        f"hotspots ({', '.join(significant)}) named; uncertainty and {len(stated.sensitivity)} sensitivity case(s) described",
        f"已列出热点（{'、'.join(significant)}），并说明不确定性和 {len(stated.sensitivity)} 项敏感性分析",
        measured=stated.significant_lines,
        threshold=significant,
        lines=significant,
    )


Element = Literal[
    "standard",
    "declared_unit",
    "boundary",
    "boundary_diagram",
    "pcr",
    "reference_period",
    "data_sources",
    "data_quality",
    "ghg_gwp",
    "exclusions",
    "allocation",
    "electricity_method",
    "results_by_stage",
    "separate_items",
    "limitations",
    "report_ref",
]

ELEMENT_ZH = {
    "standard": "量化标准",
    "declared_unit": "声明单位",
    "boundary": "系统边界",
    "boundary_diagram": "系统边界图",
    "pcr": "产品种类规则",
    "reference_period": "核算周期",
    "data_sources": "数据来源",
    "data_quality": "数据质量",
    "ghg_gwp": "温室气体与GWP",
    "exclusions": "取舍与排除",
    "allocation": "分配",
    "electricity_method": "电力核算方法",
    "results_by_stage": "分阶段结果",
    "separate_items": "单独报告项",
    "limitations": "局限性",
    "report_ref": "报告编号",
}


def _present(ctx, element: str) -> bool:
    """Whether the study holds one report element (some are guaranteed by the study's structure)."""
    study = ctx.study
    declared = study.declared
    primary = [path for path, l in ctx.by_base_line().items() if l["data_type"] == "primary"]
    checks = {
        "standard": lambda: bool(study.method.standard.strip()),
        "declared_unit": lambda: True,  # the BOM cannot be loaded without one
        "boundary": lambda: bool(study.boundary.stages),
        "boundary_diagram": lambda: bool(study.boundary.diagram_ref.strip()),
        "pcr": lambda: bool(study.method.pcr_id.strip()),
        "reference_period": lambda: True,  # required by the study model
        "data_sources": lambda: all(study.facts(path).source.strip() for path in primary),
        "data_quality": lambda: any(f.technological is not None for f in study.lines.values()),
        "ghg_gwp": lambda: bool(study.method.gwp_set.strip()),
        "exclusions": lambda: all(e.reason.strip() for e in study.exclusions) and all(e.reason.strip() for e in study.boundary.excluded),
        "allocation": lambda: all(a.method.strip() for a in study.allocation),
        "electricity_method": lambda: True,  # location or market, required by the model
        "results_by_stage": lambda: bool(declared and declared.by_stage),
        "separate_items": lambda: bool(declared and declared.by_origin and declared.aircraft_kgco2e is not None),
        "limitations": lambda: bool(study.interpretation.limitations.strip()),
        "report_ref": lambda: bool(study.report.ref.strip()),
    }
    return checks[element]()


class ReportParams(Params):
    required: list[Element]


@register_check("report_elements", ReportParams)
def report_elements(ctx, p: ReportParams):
    """The study holds every mandatory element of the footprint report."""
    missing = [e for e in p.required if not _present(ctx, e)]
    if missing:
        return failed(
            f"report elements missing: {', '.join(missing)}",
            f"报告缺少：{'、'.join(ELEMENT_ZH[e] for e in missing)}",
            measured=[e for e in p.required if e not in missing],
            threshold=list(p.required),
        )
    return passed(f"all {len(p.required)} report elements present", f"报告 {len(p.required)} 项必备内容齐全", measured=list(p.required), threshold=list(p.required))


