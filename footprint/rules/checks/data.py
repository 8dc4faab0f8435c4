"""Data: primary data for controlled processes, primary data share, data-quality ratings,
reference period, provenance of secondary factors. Shares are computed from the engine results.
"""

from __future__ import annotations

import math
from datetime import timedelta

from ...data_quality import RATED_ASPECTS as INDICATORS
from ..model import failed, passed
from ..registry import NoParams, Params, register_check
from .common import add_months, num, pct, whole_months

INDICATORS_ZH = {"technological": "技术代表性", "temporal": "时间代表性", "geographical": "地理代表性"}


class SitePrimaryParams(Params):
    site_controlled_stages: list[str]
    activity_categories: list[str] = []  # only lines of these activity categories (empty: all)
    only_stages: list[str] = []  # only lines in these stages (empty: all)


@register_check("site_data_primary", SitePrimaryParams)
def site_data_primary(ctx, p: SitePrimaryParams):
    """Lines under the applicant's control (and, if set, of the given categories/stages) use primary data."""
    dataset = ctx.dataset
    checked, secondary = [], []
    for path, line in ctx.by_base_line().items():
        if not ctx.site_controlled(path, line["stage"], p.site_controlled_stages):
            continue
        if p.activity_categories and dataset.activity(line["activity_id"]).category not in p.activity_categories:
            continue
        if p.only_stages and line["stage"] not in p.only_stages:
            continue
        checked.append(path)
        if line["data_type"] != "primary":
            secondary.append(path)
    if secondary:
        return failed(
            f"line(s) {', '.join(secondary)} are under the applicant's control but use secondary data",
            f"{'、'.join(secondary)} 属于申请人可控过程，但使用了次级数据",
            measured=len(checked) - len(secondary),
            threshold=len(checked),
            lines=secondary,
        )
    return passed(
        f"all {len(checked)} controlled line(s) use primary data",
        f"{len(checked)} 个可控过程均使用初级数据",
        measured=len(checked),
        threshold=len(checked),
        lines=checked,
    )


class PrimaryShareParams(Params):
    min_pct: float | None = None
    report_tolerance_pct: float = 1.0  # percentage points between declared and recomputed share


@register_check("primary_data_share", PrimaryShareParams)
def primary_data_share(ctx, p: PrimaryShareParams):
    """The primary data share (emissions from primary-data lines) is reported correctly and meets any minimum."""
    share = ctx.computation.primary_data_share_pct()
    declared = ctx.study.declared.primary_data_share_pct if ctx.study.declared else None
    if declared is None:
        return failed(
            f"the study does not report its primary data share (recomputed: {pct(share)})",
            f"研究未报告初级数据占比（复算值 {pct(share)}）",
            measured=share,
            threshold=p.min_pct,
        )
    if abs(declared - share) > p.report_tolerance_pct:
        return failed(
            f"reported primary data share {pct(declared)} differs from the recomputed {pct(share)}",
            f"报告的初级数据占比 {pct(declared)} 与复算值 {pct(share)} 不符",
            measured=share,
            threshold=declared,
        )
    if p.min_pct is not None and share < p.min_pct:
        return failed(
            f"primary data share {pct(share)} is below the minimum {pct(p.min_pct)}",
            f"初级数据占比 {pct(share)} 低于最低要求 {pct(p.min_pct)}",
            measured=share,
            threshold=p.min_pct,
        )
    minimum = f" (minimum {pct(p.min_pct)})" if p.min_pct is not None else " (reported; no minimum set)"
    return passed(f"primary data share {pct(share)}{minimum}", f"初级数据占比 {pct(share)}", measured=share, threshold=p.min_pct)


class UpstreamParams(Params):
    site_controlled_stages: list[str]
    min_own_share_pct: float = 10.0
    min_upstream_primary_pct: float = 10.0


@register_check("upstream_primary_data", UpstreamParams)
def upstream_primary_data(ctx, p: UpstreamParams):
    """When the applicant's own processes are a small share, primary data reach further upstream."""
    lines = ctx.by_base_line()
    total = math.fsum(l["kgco2e"] for l in lines.values())
    own = math.fsum(l["kgco2e"] for path, l in lines.items() if ctx.site_controlled(path, l["stage"], p.site_controlled_stages))
    own_pct = 100.0 * own / total if total else 0.0
    if own_pct >= p.min_own_share_pct:
        return passed(
            f"the applicant's own processes are {pct(own_pct)} of the footprint (>= {pct(p.min_own_share_pct)})",
            f"申请人自有过程占碳足迹 {pct(own_pct)}（不低于 {pct(p.min_own_share_pct)}）",
            measured=own_pct,
            threshold=p.min_own_share_pct,
        )
    upstream = {path: l for path, l in lines.items() if not ctx.site_controlled(path, l["stage"], p.site_controlled_stages)}
    upstream_total = math.fsum(l["kgco2e"] for l in upstream.values())
    primary = math.fsum(l["kgco2e"] for l in upstream.values() if l["data_type"] == "primary")
    upstream_pct = 100.0 * primary / upstream_total if upstream_total else 0.0
    if upstream_pct >= p.min_upstream_primary_pct:
        return passed(
            f"own processes {pct(own_pct)}; primary data cover {pct(upstream_pct)} of upstream emissions",
            f"自有过程占 {pct(own_pct)}；上游排放中初级数据覆盖 {pct(upstream_pct)}",
            measured=upstream_pct,
            threshold=p.min_upstream_primary_pct,
        )
    return failed(
        f"own processes are only {pct(own_pct)} and primary data cover {pct(upstream_pct)} of upstream emissions (need {pct(p.min_upstream_primary_pct)})",
        f"自有过程仅占 {pct(own_pct)}，上游排放的初级数据覆盖率 {pct(upstream_pct)}，要求 {pct(p.min_upstream_primary_pct)}",
        measured=upstream_pct,
        threshold=p.min_upstream_primary_pct,
    )


class DqrParams(Params):
    significance_pct: float
    scale: tuple[int, int]


def _ratings(ctx, path: str) -> dict[str, float | None]:
    facts = ctx.study.facts(path)
    return {name: getattr(facts, name) for name in INDICATORS}


@register_check("dqr_coverage", DqrParams)
def dqr_coverage(ctx, p: DqrParams):
    """Every significant input carries technological, temporal and geographical ratings on the scale."""
    low, high = p.scale
    study_scale = tuple(ctx.study.dqr_scale)
    lines = ctx.by_base_line()
    total = math.fsum(l["kgco2e"] for l in lines.values())
    significant = [path for path, l in lines.items() if total and 100.0 * l["kgco2e"] / total >= p.significance_pct]
    unrated, out_of_scale = [], []
    for path in significant:
        ratings = _ratings(ctx, path)
        if any(v is None for v in ratings.values()):
            unrated.append(path)
        elif any(not low <= v <= high for v in ratings.values()):
            out_of_scale.append(path)
    rated = [path for path in lines if all(v is not None for v in _ratings(ctx, path).values())]
    coverage = 100.0 * math.fsum(lines[p_]["kgco2e"] for p_ in rated) / total if total else 0.0
    details = {"significant_lines": significant, "coverage_pct": coverage}
    problems = []
    if study_scale != (low, high):
        problems.append((f"ratings use the scale {list(study_scale)}, the rule set uses {[low, high]}", f"数据质量评分标度为 {list(study_scale)}，规则要求 {[low, high]}"))
    if unrated:
        problems.append((f"significant line(s) without all three ratings: {', '.join(unrated)}", f"显著输入缺少三项评分：{'、'.join(unrated)}"))
    if out_of_scale:
        problems.append((f"ratings outside {low}-{high}: {', '.join(out_of_scale)}", f"评分超出 {low}-{high}：{'、'.join(out_of_scale)}"))
    if problems:
        return failed(
            "; ".join(e for e, _ in problems),
            "；".join(z for _, z in problems),
            measured=coverage,
            threshold=p.significance_pct,
            lines=unrated + out_of_scale,
            details=details,
        )
    return passed(
        f"{len(significant)} significant input(s) (>= {pct(p.significance_pct)}) rated; ratings cover {pct(coverage)} of emissions",
        f"{len(significant)} 个显著输入（≥{pct(p.significance_pct)}）均已评分；评分覆盖 {pct(coverage)} 的排放",
        measured=coverage,
        threshold=p.significance_pct,
        lines=significant,
        details=details,
    )


class DqrMaxParams(Params):
    significance_pct: float
    max_rating: float


@register_check("dqr_weighted_max", DqrMaxParams)
def dqr_weighted_max(ctx, p: DqrMaxParams):
    """Emission-weighted ratings over significant inputs are at or below the maximum (1 = best)."""
    lines = ctx.by_base_line()
    total = math.fsum(l["kgco2e"] for l in lines.values())
    weights: dict[str, float] = {}
    for path, line in lines.items():
        ratings = _ratings(ctx, path)
        if total and 100.0 * line["kgco2e"] / total >= p.significance_pct and all(v is not None for v in ratings.values()):
            weights[path] = line["kgco2e"]
    if not weights:
        return failed("no significant input carries ratings", "显著输入均无数据质量评分", measured=None, threshold=p.max_rating)
    weight = math.fsum(weights.values())
    averages = {
        name: math.fsum(weights[path] * _ratings(ctx, path)[name] for path in weights) / weight for name in INDICATORS
    }
    worst = max(averages.values())
    shown = ", ".join(f"{k} {v:.2f}" for k, v in averages.items())
    shown_zh = "，".join(f"{INDICATORS_ZH[k]} {v:.2f}" for k, v in averages.items())
    if worst > p.max_rating:
        return failed(
            f"weighted ratings {shown}; each must be <= {num(p.max_rating)}",
            f"加权评分 {shown_zh}；每项应不大于 {num(p.max_rating)}",
            measured=averages,
            threshold=p.max_rating,
            lines=sorted(weights),
        )
    return passed(f"weighted ratings {shown} <= {num(p.max_rating)}", f"加权评分 {shown_zh}，均不大于 {num(p.max_rating)}", measured=averages, threshold=p.max_rating, lines=sorted(weights))


class PeriodParams(Params):
    min_months: int
    max_age_months: int


@register_check("reference_period", PeriodParams)
def reference_period(ctx, p: PeriodParams):
    """The reference period covers enough whole months and ended recently enough (against the evaluation date)."""
    period = ctx.study.reference_period
    months = whole_months(period.start, period.end + timedelta(days=1))
    age = whole_months(period.end, ctx.evaluation_date)
    measured = {"months": months, "age_months": age, "evaluation_date": ctx.evaluation_date.isoformat()}
    threshold = {"min_months": p.min_months, "max_age_months": p.max_age_months}
    problems = []
    if months < p.min_months:
        problems.append((f"the period {period.start}..{period.end} covers {months} whole month(s); at least {p.min_months} are required", f"核算周期 {period.start}至{period.end} 仅 {months} 个整月，至少需要 {p.min_months} 个月"))
    if period.end > ctx.evaluation_date:
        problems.append((f"the period ends {period.end}, after the evaluation date {ctx.evaluation_date}", f"核算周期结束于 {period.end}，晚于评价日期 {ctx.evaluation_date}"))
    elif add_months(period.end, p.max_age_months) < ctx.evaluation_date:
        problems.append((f"the period ended {age} month(s) before {ctx.evaluation_date}; at most {p.max_age_months} are allowed", f"核算周期结束已 {age} 个月（评价日期 {ctx.evaluation_date}），上限为 {p.max_age_months} 个月"))
    if problems:
        return failed("; ".join(e for e, _ in problems), "；".join(z for _, z in problems), measured=measured, threshold=threshold)
    return passed(
        f"{months} months ({period.start}..{period.end}), ended {age} month(s) before {ctx.evaluation_date}",
        f"核算周期 {months} 个月（{period.start}至{period.end}），距评价日期 {age} 个月",
        measured=measured,
        threshold=threshold,
    )


@register_check("factor_provenance", NoParams)
def factor_provenance(ctx, p: NoParams):
    """Every factor comes from the named dataset version, with source, year and geography per exchange."""
    dataset = ctx.dataset
    used = dataset.describe()
    declared = ctx.study.declared.dataset.model_dump() if ctx.study.declared and ctx.study.declared.dataset else None
    if declared is None:
        return failed("the study does not name the dataset its factors come from", "研究未注明排放因子所用数据集", measured=None, threshold=used)
    if declared != used:
        return failed(
            f"the study's results name dataset {declared['id']} {declared['version']} ({declared['sha256'][:12]}…); the recomputation used {used['id']} {used['version']} ({used['sha256'][:12]}…)",
            f"研究声明的数据集为 {declared['id']} {declared['version']}，复算所用为 {used['id']} {used['version']}",
            measured=declared,
            threshold=used,
        )
    sources = {s.source_id for s in dataset.sources}
    unsourced = sorted(
        {
            line.activity_id
            for line in ctx.computation.headline.lines
            if any(e.source_id not in sources or not e.ref_year or not e.geography for e in dataset.exchanges_of(line.activity_id))
        }
    )
    if unsourced:
        return failed(
            f"activities without source, year or geography: {', '.join(unsourced)}",
            f"以下活动缺少来源、年份或地理范围：{'、'.join(unsourced)}",
            measured=unsourced,
            threshold=[],
        )
    secondary = {line.path: line.activity_id for line in ctx.computation.headline.lines if line.data_type == "secondary"}
    return passed(
        f"all factors from dataset {used['id']} {used['version']} (sha256 {used['sha256'][:12]}…), each with source, year and geography",
        f"全部因子来自数据集 {used['id']} {used['version']}，均注明来源、年份和地理范围",
        measured=used,
        threshold=used,
        details={"secondary_lines": secondary},
    )
