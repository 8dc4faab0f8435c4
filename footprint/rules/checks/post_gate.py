"""Stages after the factory gate: what a study must state when its boundary includes them.

A use stage needs its grid (lines drawing a grid activity in kWh, never the site's electricity)
and the service life those kWh cover; an end-of-life stage needs its approach named (cut-off or
the Circular Footprint Formula, ``method.recycling_approach``). A battery declaration under
Regulation (EU) 2023/1542 needs the service-life energy and, for distribution and end of life,
either lines in the boundary or a stated reason for leaving them out.
"""

from __future__ import annotations

from ..model import failed, passed
from ..registry import Params, register_check, register_condition
from .common import stage_zh

GRID_CATEGORY = "electricity_grid"
WASTE_CATEGORY = "waste_treatment"


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
    for line in ctx.computation.location.lines:
        category = ctx.dataset.activity(line.activity_id).category
        if line.stage == "end_of_life" and category != WASTE_CATEGORY:
            problems.append((f"end-of-life line {line.path} draws {line.activity_id} ({category}), not a waste treatment", f"废弃处置行 {line.path} 采用 {line.activity_id}（{category}），不是废弃物处理活动"))
            lines.append(line.path)
    if problems:
        return failed("; ".join(e for e, _ in problems), "；".join(z for _, z in problems), measured=approach, threshold=p.allowed, lines=lines)
    return passed(f"end-of-life approach: {approach}", f"寿命末期处理方法：{approach}", measured=approach, threshold=p.allowed)


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
