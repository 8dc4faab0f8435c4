"""Allocation of multi-output processes and the recycling approach (facts stated in the study)."""

from __future__ import annotations

from ...bom import CFF, CUT_OFF
from ..model import failed, passed
from ..registry import NoParams, Params, register_check
from .common import pct
from .post_gate import cff_summary

METHODS = ("subdivision", "system_expansion", "physical", "economic")


@register_check("allocation_hierarchy", NoParams)
def allocation_hierarchy(ctx, p: NoParams):
    """Each allocation follows the ISO 14044 hierarchy, with method, basis and justification."""
    problems = []
    for a in ctx.study.allocation:
        if a.method not in METHODS:
            problems.append((f"{a.process}: method {a.method!r} is not one of {', '.join(METHODS)}", f"{a.process}：分配方法 {a.method!r} 无效"))
        if not a.justification.strip():
            problems.append((f"{a.process}: no justification", f"{a.process}：未说明理由"))
        if a.method in ("physical", "economic") and not a.basis.strip():
            problems.append((f"{a.process}: no allocation basis (e.g. mass)", f"{a.process}：未说明分配依据"))
        if a.method == "economic" and not a.physical_not_suitable.strip():
            problems.append((f"{a.process}: economic allocation without saying why no physical relationship fits", f"{a.process}：采用经济价值分配但未说明为何不能按物理关系分配"))
    if problems:
        return failed("; ".join(e for e, _ in problems), "；".join(z for _, z in problems), measured=len(problems), threshold=0)
    return passed(
        f"{len(ctx.study.allocation)} allocation(s) documented per the hierarchy",
        f"{len(ctx.study.allocation)} 项分配均按优先顺序说明",
        measured=0,
        threshold=0,
    )


class SensitivityParams(Params):
    threshold_pct: float = 10.0


@register_check("allocation_sensitivity", SensitivityParams)
def allocation_sensitivity(ctx, p: SensitivityParams):
    """The effect of an alternative allocation is stated; above the threshold a sensitivity analysis is reported."""
    problems = []
    for a in ctx.study.allocation:
        if a.sensitivity_delta_pct is None:
            problems.append((f"{a.process}: effect of an alternative allocation not stated", f"{a.process}：未说明替代分配方法的影响"))
        elif abs(a.sensitivity_delta_pct) > p.threshold_pct and not a.sensitivity_reported:
            problems.append((f"{a.process}: an alternative changes the result by {pct(a.sensitivity_delta_pct)} and no sensitivity analysis is reported", f"{a.process}：替代方法使结果变化 {pct(a.sensitivity_delta_pct)}，但未报告敏感性分析"))
    worst = max((abs(a.sensitivity_delta_pct or 0.0) for a in ctx.study.allocation), default=0.0)
    if problems:
        return failed("; ".join(e for e, _ in problems), "；".join(z for _, z in problems), measured=worst, threshold=p.threshold_pct)
    return passed(f"largest allocation sensitivity {pct(worst)}", f"分配敏感性最大 {pct(worst)}", measured=worst, threshold=p.threshold_pct)


class RecyclingParams(Params):
    allowed: list[str]


@register_check("recycling_approach", RecyclingParams)
def recycling_approach(ctx, p: RecyclingParams):
    """The approach to recycled content and end of life is declared."""
    approach = ctx.study.method.recycling_approach
    if approach in p.allowed:
        note, note_zh = _computed_as(ctx, approach)
        return passed(f"recycling approach: {approach}{note}", f"回收处理方法：{approach}{note_zh}", measured=approach, threshold=p.allowed)
    return failed(
        f"recycling approach {approach or '(not stated)'}; declare one of {', '.join(p.allowed)}",
        f"回收处理方法 {approach or '（未声明）'}；应为 {'、'.join(p.allowed)} 之一",
        measured=approach,
        threshold=p.allowed,
    )


def _computed_as(ctx, approach: str) -> tuple[str, str]:
    """How the number was computed, when the name alone could mislead: only CFF changes the
    computation (its estimate parameters are named); other names are the dataset's cut-off."""
    if approach == CFF:
        return cff_summary(ctx.computation.location)
    if approach != CUT_OFF:
        return "; computed as the dataset's cut-off system (only CFF changes the computation)", "；按数据集的截断法体系计算（仅循环足迹公式会改变计算）"
    return "", ""
