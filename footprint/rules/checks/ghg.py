"""Greenhouse gases covered and the GWP set used, read from the method the engine applied."""

from __future__ import annotations

import re
from typing import Literal

from ..model import failed, passed
from ..registry import Params, register_check

Group = Literal["CO2", "CH4", "N2O", "HFCs", "PFCs", "SF6", "NF3"]


def gas_group(formula: str) -> str | None:
    """The Kyoto-basket group of a flow's formula (CO2e aggregates belong to none)."""
    if formula in {"CO2", "CH4", "N2O", "SF6", "NF3"}:
        return formula
    elements = set(re.findall(r"[A-Z][a-z]?", formula))
    if "C" in elements and "F" in elements:
        return "HFCs" if "H" in elements else "PFCs"
    return None


class GasParams(Params):
    groups: list[Group]


@register_check("gases_covered", GasParams)
def gases_covered(ctx, p: GasParams):
    """The characterisation applied by the engine has factors for every required gas group."""
    method = ctx.engine.background.methods[ctx.computation.method_id]
    covered = sorted(
        {group for flow in ctx.dataset.flows if method.factors.get(flow.code, 0) > 0 and (group := gas_group(flow.formula))}
    )
    missing = [g for g in p.groups if g not in covered]
    if missing:
        return failed(
            f"method {method.id} over dataset {ctx.dataset.id} has no factor for {', '.join(missing)}",
            f"方法 {method.id} 在数据集 {ctx.dataset.id} 中缺少 {'、'.join(missing)} 的特征化因子",
            measured=covered,
            threshold=list(p.groups),
        )
    return passed(
        f"{', '.join(p.groups)} characterised by {method.name}",
        f"{'、'.join(p.groups)} 均按 {method.name_zh} 特征化",
        measured=covered,
        threshold=list(p.groups),
    )


class GwpParams(Params):
    gwp_set: str
    method_ids: dict[str, str]


@register_check("gwp_set", GwpParams)
def gwp_set(ctx, p: GwpParams):
    """The study names the required GWP set, and the results were computed with that one method."""
    study = ctx.study
    required = p.method_ids.get(p.gwp_set, "")
    used = ctx.computation.method_id
    declared = study.declared.method_id if study.declared else None
    problems = []
    if study.method.gwp_set.upper() != p.gwp_set.upper():
        problems.append((f"study names GWP set {study.method.gwp_set!r}, the rule set requires {p.gwp_set}", f"研究采用 {study.method.gwp_set!r}，规则要求 {p.gwp_set}"))
    if used != required:
        problems.append((f"recomputed with {used}, not {required}", f"复算所用方法为 {used}，而非 {required}"))
    if declared is not None and declared != required:
        problems.append((f"declared results were computed with {declared}", f"声明结果采用的方法为 {declared}"))
    if problems:
        return failed("; ".join(e for e, _ in problems), "；".join(z for _, z in problems), measured=study.method.gwp_set, threshold=p.gwp_set)
    return passed(f"IPCC {p.gwp_set} GWP100 ({required}) throughout", f"全程采用 IPCC {p.gwp_set} 百年全球增温潜势（{required}）", measured=study.method.gwp_set, threshold=p.gwp_set)
