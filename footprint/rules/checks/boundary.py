"""System boundary: cradle-to-gate, required stages present in the computed results, exclusions justified."""

from __future__ import annotations

from ...bom import GATE_STAGES, Stage
from ..model import failed, passed
from ..registry import NoParams, Params, register_check
from .common import stage_zh

STAGE_IDS = tuple(stage.value for stage in Stage)


class BoundaryParams(Params):
    boundary_type: str = "cradle-to-gate"
    required_stages: list[str]
    require_diagram: bool = True


@register_check("boundary_complete", BoundaryParams)
def boundary_complete(ctx, p: BoundaryParams):
    """The boundary type and the required stages are declared, and the BOM really has lines in them.

    Computed from the results: a stage declared but holding no line (and no quantified
    exclusion) is empty in fact, and a line in a stage the boundary does not declare is
    inconsistent.
    """
    boundary = ctx.study.boundary
    computed = ctx.computation
    stages_with_lines = {line.stage for line in computed.location.lines if line.kgco2e > 0 or line.activity_amount > 0}
    stages_with_lines |= {e.stage for e in computed.exclusions if e.stage}
    problems: list[tuple[str, str]] = []
    # What each problem needs from the user, by kind (the web form's checklist sends each to the
    # field that fixes it: a stage without lines to the grid where such lines are typed).
    details: dict[str, list[str] | bool] = {"missing_stages": [], "empty_stages": [], "undeclared_stages": [], "boundary_type": False, "diagram": False}
    if boundary.type != p.boundary_type:
        details["boundary_type"] = True
        problems.append((f"boundary type is {boundary.type!r}, not {p.boundary_type!r}", f"系统边界为 {boundary.type!r}，而非 {p.boundary_type!r}"))
    unknown = [s for s in boundary.stages if s not in STAGE_IDS]
    if unknown:
        problems.append((f"unknown stage id(s) {', '.join(unknown)}", f"未知阶段 {'、'.join(unknown)}"))
    for stage in p.required_stages:
        if stage not in boundary.stages:
            details["missing_stages"].append(stage)
            problems.append((f"required stage {stage} is not in the boundary", f"系统边界缺少必需阶段“{stage_zh(stage)}”"))
        elif stage not in stages_with_lines:
            details["empty_stages"].append(stage)
            problems.append((f"stage {stage} is declared but no BOM line is in it", f"声明了阶段“{stage_zh(stage)}”，但物料清单中没有该阶段的数据"))
    undeclared = sorted({line.stage for line in computed.location.lines} - set(boundary.stages))
    lines = [line.path for line in computed.location.lines if line.stage in undeclared]
    details["undeclared_stages"] = undeclared
    for stage in undeclared:
        problems.append((f"lines in stage {stage}, which the boundary does not declare", f"物料清单含有未声明阶段“{stage_zh(stage)}”的数据"))
    if p.require_diagram and not boundary.diagram_ref.strip():
        details["diagram"] = True
        problems.append(("no boundary diagram reference", "未提供系统边界图"))
    if problems:
        return failed(
            "; ".join(e for e, _ in problems), "；".join(z for _, z in problems),
            measured=list(boundary.stages), threshold=p.required_stages, lines=lines, details=details,
        )
    return passed(
        f"{boundary.type} with {', '.join(boundary.stages)}; every required stage holds data",
        f"{boundary.type}，包含 {'、'.join(stage_zh(s) for s in boundary.stages)}；必需阶段均有数据",
        measured=list(boundary.stages),
        threshold=p.required_stages,
    )


@register_check("exclusions_justified", NoParams)
def exclusions_justified(ctx, p: NoParams):
    """Every excluded flow and every cradle-to-gate stage outside the boundary has a reason."""
    study = ctx.study
    problems: list[tuple[str, str]] = []
    lines = []
    for exclusion in study.exclusions:
        if not exclusion.reason.strip():
            problems.append((f"exclusion {exclusion.id} has no reason", f"排除项 {exclusion.id} 未说明理由"))
            lines.append(f"excluded:{exclusion.id}")
    justified = {e.stage: e.reason for e in study.boundary.excluded}
    for stage, reason in justified.items():
        if not reason.strip():
            problems.append((f"excluded stage {stage} has no reason", f"排除的阶段“{stage_zh(stage)}”未说明理由"))
    # Stages after the gate are outside a cradle-to-gate study by definition; only the gate
    # stages need a stated reason when left out.
    for stage in GATE_STAGES:
        if stage not in study.boundary.stages and stage not in justified:
            problems.append(
                (f"stage {stage} is neither in the boundary nor listed as excluded with a reason", f"阶段“{stage_zh(stage)}”既未纳入边界，也未说明排除理由")
            )
    if problems:
        return failed("; ".join(e for e, _ in problems), "；".join(z for _, z in problems), measured=len(problems), threshold=0, lines=lines)
    return passed(
        f"{len(study.exclusions)} exclusion(s) and {len(justified)} excluded stage(s), each with a reason",
        f"{len(study.exclusions)} 项排除流、{len(justified)} 个排除阶段均已说明理由",
        measured=0,
        threshold=0,
    )
