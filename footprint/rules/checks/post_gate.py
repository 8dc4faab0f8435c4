"""Stages after the factory gate: what a study must state when its boundary includes them.

A use stage needs its grid (lines drawing a grid activity in kWh, never the site's electricity)
and the service life those kWh cover; an end-of-life stage needs its approach named (cut-off or
the Circular Footprint Formula, ``method.recycling_approach``); under the CFF, its lines give the
routes (each share as its amount) and no more of a material is sent to recycling than the BOM
holds. A battery declaration under
Regulation (EU) 2023/1542 needs the service-life energy and, for distribution and end of life,
either lines in the boundary or a stated reason for leaving them out.
"""

from __future__ import annotations

from ...bom import CFF
from ..model import failed, passed
from ..registry import Params, register_check, register_condition
from .common import stage_zh

GRID_CATEGORY = "electricity_grid"
WASTE_CATEGORY = "waste_treatment"
R2_TOLERANCE = 1e-9  # relative: R2 = 1 exactly (everything recycled) passes


@register_condition("use_stage_in_boundary", "the boundary includes the use stage", "系统边界包含使用阶段")
def use_stage_in_boundary(ctx) -> bool:
    return "use" in ctx.study.boundary.stages


@register_condition("end_of_life_in_boundary", "the boundary includes the end-of-life stage", "系统边界包含废弃处置阶段")
def end_of_life_in_boundary(ctx) -> bool:
    return "end_of_life" in ctx.study.boundary.stages


class EndOfLifeParams(Params):
    allowed: list[str]


@register_check("end_of_life_approach", EndOfLifeParams)
def end_of_life_approach(ctx, p: EndOfLifeParams):
    """With an end-of-life stage in the boundary, its approach (cut-off or CFF) is named and its lines are waste treatments."""
    approach = ctx.study.method.recycling_approach
    problems: list[tuple[str, str]] = []
    if approach not in p.allowed:
        problems.append(
            (
                f"the boundary includes end of life but method.recycling_approach is {approach or '(not stated)'}; name one of {', '.join(p.allowed)}",
                f"系统边界包含废弃处置阶段，但 method.recycling_approach 为 {approach or '（未声明）'}；应为 {'、'.join(p.allowed)} 之一",
            )
        )
    lines = []
    result = ctx.computation.location
    for line in result.lines:
        category = ctx.dataset.activity(line.activity_id).category
        if line.stage == "end_of_life" and category != WASTE_CATEGORY and not line.is_cff:
            problems.append((f"end-of-life line {line.path} draws {line.activity_id} ({category}), not a waste treatment", f"废弃处置行 {line.path} 采用 {line.activity_id}（{category}），不是废弃物处理活动"))
            lines.append(line.path)
    details = {}
    if approach == CFF:
        problems += cff_end_of_life_problems(result)
        details = {"recycling": result.recycling}
    if problems:
        return failed("; ".join(e for e, _ in problems), "；".join(z for _, z in problems), measured=approach, threshold=p.allowed, lines=lines, details=details)
    return passed(f"end-of-life approach: {approach}{cff_summary(result)[0]}", f"寿命末期处理方法：{approach}{cff_summary(result)[1]}", measured=approach, threshold=p.allowed, details=details)


def cff_end_of_life_problems(result) -> list[tuple[str, str]]:
    """What a CFF end of life needs beyond what the engine refuses outright (a missing material,
    A or quality ratio is an input error): route shares as lines, and per material no more sent to
    recycling than the BOM's supply chain holds (R2 <= 1)."""
    problems: list[tuple[str, str]] = []
    if not any(line.stage == "end_of_life" for line in result.lines):
        problems.append(
            (
                "the study names CFF and includes end of life, but no BOM line gives the end-of-life routes (recycling / incineration / landfill, each share as its amount in kg)",
                "研究采用循环足迹公式且包含废弃处置阶段，但物料清单中没有给出寿命末期各处理途径（回收/焚烧/填埋，各份额以 kg 为数量）的行",
            )
        )
    for material, totals in sorted(((result.recycling or {}).get("materials") or {}).items()):
        sent, held = totals["end_of_life_recycling_kg"], totals["mass_kg"]
        if sent > 0 and held <= 0:
            problems.append(
                (
                    f"end-of-life lines send {sent:.4g} kg of {material} to recycling, but no BOM line holds {material} the dataset can see: R2 cannot be checked",
                    f"寿命末期回收行将 {sent:.4g} kg {material} 送去回收，但物料清单中没有数据集可识别的该材料：无法核对 R2",
                )
            )
        elif held > 0 and sent > held * (1 + R2_TOLERANCE):
            problems.append(
                (
                    f"end-of-life lines send {sent:.4g} kg of {material} to recycling, more than the {held:.4g} kg in the BOM's supply chain (R2 = {sent / held:.3g} > 1)",
                    f"寿命末期回收行送去回收的{material} {sent:.4g} kg 超过物料清单供应链中的 {held:.4g} kg（R2 = {sent / held:.3g} > 1）",
                )
            )
    return problems


def cff_summary(result) -> tuple[str, str]:
    """A note for a passing finding naming the CFF parameters used that are estimates (tag E) or
    read second-hand (tag R), so a verifier sees them; empty for a cut-off result."""
    unverified = sorted(
        {
            f"{name} of {material} ({value['tag']})"
            for line in result.lines
            if line.is_cff
            for material, values in line.cff.get("materials", {}).items()
            for name, value in values.items()
            if isinstance(value, dict) and value.get("tag") in ("E", "R")
        }
    )
    if not unverified:
        return "", ""
    return (
        f"; CFF parameters that are estimates (E) or second-hand (R) (verify or state them per line): {', '.join(unverified)}",
        f"；循环足迹公式参数中的估算值（E）或转引值（R）（请核实或按行填写）：{'、'.join(unverified)}",
    )


class UseStageParams(Params):
    service_life_property: str = "service_life_years"


@register_check("use_stage_stated", UseStageParams)
def use_stage_stated(ctx, p: UseStageParams):
    """A use stage draws a stated grid (a grid activity in kWh, not the site's electricity) over a stated service life."""
    dataset = ctx.dataset
    problems: list[tuple[str, str]] = []
    lines = []
    use_lines = [line for line in ctx.computation.location.lines if line.stage == "use"]
    if not use_lines:
        problems.append(("the boundary includes the use stage but no BOM line is in it", "系统边界包含使用阶段，但物料清单中没有该阶段的数据"))
    for line in use_lines:
        activity = dataset.activity(line.activity_id)
        if activity.category != GRID_CATEGORY or line.activity_unit != "kWh":
            problems.append(
                (f"use line {line.path} draws {line.activity_id} ({activity.category}), not a grid activity in kWh", f"使用阶段行 {line.path} 采用 {line.activity_id}（{activity.category}），不是以 kWh 计的电网活动")
            )
            lines.append(line.path)
    grids = sorted({line.activity_id for line in use_lines if line.path not in lines})
    life = ctx.study.product.positive_number(p.service_life_property)
    if life is None:
        problems.append((f"no service life stated (product.properties.{p.service_life_property} > 0)", f"未说明使用寿命（product.properties.{p.service_life_property} > 0）"))
    if problems:
        return failed("; ".join(e for e, _ in problems), "；".join(z for _, z in problems), measured={"grids": grids, "service_life": life}, threshold=GRID_CATEGORY, lines=lines)
    return passed(
        f"use stage on {', '.join(grids)} over a service life of {life:g}",
        f"使用阶段采用 {'、'.join(grids)}，使用寿命 {life:g}",
        measured={"grids": grids, "service_life": life},
        threshold=GRID_CATEGORY,
    )


class DeclarationInputsParams(Params):
    service_life_energy_property: str = "service_life_energy_kwh"
    stages: list[str]


@register_check("battery_declaration_inputs", DeclarationInputsParams)
def battery_declaration_inputs(ctx, p: DeclarationInputsParams):
    """The EU battery declaration can be made: service-life energy > 0, and each named stage in the boundary (holding a line) or excluded with a reason."""
    study = ctx.study
    problems: list[tuple[str, str]] = []
    life = study.product.positive_number(p.service_life_energy_property)
    if life is None:
        name = p.service_life_energy_property
        problems.append((f"total energy over the service life not stated (product.properties.{name} > 0, kWh)", f"未说明全寿命周期总供电量（product.properties.{name} > 0，kWh）"))
    reasons = {e.stage: e.reason.strip() for e in study.boundary.excluded}
    # A stage listed in the boundary without a line would be declared as 0 kg CO2e "in the boundary".
    with_lines = {line.stage for line in ctx.computation.location.lines}
    for stage in p.stages:
        if stage in study.boundary.stages and stage not in with_lines:
            problems.append((f"stage {stage} is in the boundary but no BOM line is in it", f"阶段“{stage_zh(stage)}”已纳入边界，但物料清单中没有该阶段的数据"))
        elif stage not in study.boundary.stages and not reasons.get(stage):
            problems.append((f"stage {stage} is neither in the boundary nor excluded with a reason", f"阶段“{stage_zh(stage)}”既未纳入边界，也未说明排除理由"))
    if problems:
        return failed("; ".join(e for e, _ in problems), "；".join(z for _, z in problems), measured=life, threshold=p.stages)
    return passed(
        f"service-life energy {life:g} kWh; {', '.join(p.stages)} declared or justified",
        f"全寿命周期总供电量 {life:g} kWh；{'、'.join(stage_zh(s) for s in p.stages)}已纳入或说明排除理由",
        measured=life,
        threshold=p.stages,
    )
