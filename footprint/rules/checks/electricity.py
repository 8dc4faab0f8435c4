"""Electricity: life-cycle grid factors, certificate-backed market-based claims, dual reporting."""

from __future__ import annotations

import math

from ...study_compute import GENERATION_CATEGORY, check_certificates
from ..model import failed, needs_evidence, passed
from ..registry import Params, register_check
from .common import num, pct, relative_gap_pct


class GridFactorParams(Params):
    allowed_bases: list[str] = ["life_cycle"]
    # bases that together make a life-cycle factor when an activity gives its factor in parts
    # (Hong Kong utilities publish an operational intensity; the upstream part is added apart)
    complete_sets: list[list[str]] = []


_ELECTRICITY = frozenset({"electricity_grid", GENERATION_CATEGORY})


def _electricity_supply(dataset, start: set[str]) -> set[str]:
    """``start`` and every grid or generation activity they draw electricity from, through any
    number of links: a city grid that is "1 kWh of the provincial grid" has only a link of its
    own, so the provincial grid's factors are the ones that decide."""
    found, pending = set(), list(start)
    while pending:
        activity_id = pending.pop()
        if activity_id in found:
            continue
        found.add(activity_id)
        for exchange in dataset.exchanges_of(activity_id):
            if exchange.type == "technosphere" and dataset.has_activity(exchange.input_id) and dataset.activity(exchange.input_id).category in _ELECTRICITY:
                pending.append(exchange.input_id)
    return found


def not_life_cycle(dataset, activity_ids, allowed_bases, complete_sets=()) -> dict[str, list[str]]:
    """The activities whose factor is not on a life-cycle basis, with the bases that make it so.

    An activity passes when every exchange has an allowed basis, or when the other bases are
    exactly one of ``complete_sets`` (e.g. operational + upstream: both parts present). One part
    alone (an operational or combustion factor without its upstream) fails.
    """
    complete = [frozenset(bases) for bases in complete_sets]
    wrong = {}
    for activity_id in sorted(activity_ids):
        other = frozenset(e.basis for e in dataset.exchanges_of(activity_id)) - set(allowed_bases)
        if other and other not in complete:
            wrong[activity_id] = sorted(other)
    return wrong


@register_check("grid_life_cycle_factor", GridFactorParams)
def grid_life_cycle_factor(ctx, p: GridFactorParams):
    """The grid (and generation) electricity used, and the electricity it is made of, has
    life-cycle factors, not CO2-only combustion factors."""
    dataset = ctx.dataset
    computed = ctx.computation
    used = {computed.location.grid}
    for result in (computed.location, computed.market):
        if result is None:
            continue
        for line in result.lines:
            if dataset.activity(line.activity_id).category in _ELECTRICITY:
                used.add(line.activity_id)
    inspected = _electricity_supply(dataset, used)
    wrong = not_life_cycle(dataset, inspected, p.allowed_bases, p.complete_sets)
    if wrong:
        shown = "; ".join(f"{a}: {', '.join(b)}" for a, b in wrong.items())
        return failed(
            f"electricity factor(s) not on a life-cycle basis: {shown}",
            f"电力排放因子不是全生命周期口径：{shown}",
            measured=wrong,
            threshold=p.allowed_bases,
            details={"inspected": sorted(inspected)},
        )
    return passed(
        f"electricity from {', '.join(sorted(inspected))}, all on a {'/'.join(p.allowed_bases)} basis",
        f"电力（{'、'.join(sorted(inspected))}）均采用全生命周期排放因子",
        measured=sorted(inspected),
        threshold=p.allowed_bases,
    )


class CertificateParams(Params):
    accepted_types: list[str]
    kwh_per_certificate: float


@register_check("certificate_coverage", CertificateParams)
def certificate_coverage(ctx, p: CertificateParams):
    """Valid certificates retired for the applicant cover every kWh claimed as renewable.

    1 certificate = ``kwh_per_certificate`` kWh (1,000 for a Chinese GEC). Covered kWh are
    computed with the certificate technology's life-cycle factor (see study_compute).
    """
    study = ctx.study
    coverage = ctx.computation.coverage
    checks = check_certificates(study, ctx.engine, tuple(p.accepted_types), p.kwh_per_certificate)
    valid_kwh = math.fsum(c.kwh for c in checks if c.valid)
    invalid = {c.id: [e for e, _ in c.problems] for c in checks if not c.valid}
    invalid_zh = "；".join(f"{c.id}：{'，'.join(z for _, z in c.problems)}" for c in checks if not c.valid)
    details = {"certificates": {c.id: {"kwh": c.kwh, "valid": c.valid, "problems": [e for e, _ in c.problems]} for c in checks}}
    volume = study.reference_period.production_volume
    if not volume:
        return needs_evidence(
            "reference_period.production_volume is needed to turn certified kWh into kWh per declared unit",
            "需提供核算周期产量（reference_period.production_volume），才能把证书电量折算到声明单位",
            details=details,
        )
    site_kwh_period = coverage.site_kwh_in_period if coverage else 0.0
    claimed = coverage.claimed_kwh if coverage else 0.0
    details.update({"claimed_kwh": claimed, "site_kwh_in_period": site_kwh_period, "valid_kwh": valid_kwh})
    if claimed > (site_kwh_period or 0.0) * (1 + 1e-9):
        return failed(
            f"claimed {num(claimed)} kWh renewable, but the product's site electricity in the period is {num(site_kwh_period)} kWh",
            f"声明的绿电 {num(claimed)} kWh 超过本产品核算周期内的工厂用电 {num(site_kwh_period)} kWh",
            measured=claimed,
            threshold=site_kwh_period,
            details=details,
        )
    if valid_kwh + 1e-9 < claimed:
        why = f"; not counted: {'; '.join(f'{k}: ' + ', '.join(v) for k, v in invalid.items())}" if invalid else ""
        return failed(
            f"valid certificates cover {num(valid_kwh)} kWh ({num(valid_kwh / p.kwh_per_certificate)} certificates), the claim is {num(claimed)} kWh{why}",
            f"有效证书仅覆盖 {num(valid_kwh)} kWh（{num(valid_kwh / p.kwh_per_certificate)} 张），声明 {num(claimed)} kWh" + (f"；未计入：{invalid_zh}" if invalid_zh else ""),
            measured=valid_kwh,
            threshold=claimed,
            details=details,
        )
    share = coverage.covered_share if coverage else 0.0
    return passed(
        f"{num(valid_kwh)} kWh of valid certificates cover the claimed {num(claimed)} kWh ({pct(100 * share)} of the site electricity per unit)",
        f"有效证书 {num(valid_kwh)} kWh 覆盖声明的 {num(claimed)} kWh（占单位产品工厂用电 {pct(100 * share)}）",
        measured=valid_kwh,
        threshold=claimed,
        details=details,
    )


class DualParams(Params):
    tolerance_pct: float


@register_check("dual_reporting", DualParams)
def dual_reporting(ctx, p: DualParams):
    """With a market-based claim, both location- and market-based totals are reported, and correct."""
    declared = ctx.study.declared
    computed = ctx.computation
    if declared is None or declared.market_based_kgco2e is None:
        return failed("the study does not report both location-based and market-based totals", "研究未同时报告基于位置和基于市场的结果", measured=None, threshold="both")
    market = computed.market.total_kgco2e if computed.market else 0.0
    gaps = {
        "location": relative_gap_pct(declared.location_based_kgco2e, computed.location.total_kgco2e),
        "market": relative_gap_pct(declared.market_based_kgco2e, market),
    }
    measured = {"location_based_kgco2e": declared.location_based_kgco2e, "market_based_kgco2e": declared.market_based_kgco2e}
    recomputed = {"location_based_kgco2e": computed.location.total_kgco2e, "market_based_kgco2e": market}
    if max(gaps.values()) > p.tolerance_pct:
        return failed(
            f"reported location/market totals {num(declared.location_based_kgco2e)}/{num(declared.market_based_kgco2e)} differ from the recomputed {num(computed.location.total_kgco2e)}/{num(market)} by more than {pct(p.tolerance_pct)}",
            f"报告的基于位置/基于市场结果 {num(declared.location_based_kgco2e)}/{num(declared.market_based_kgco2e)} 与复算值 {num(computed.location.total_kgco2e)}/{num(market)} 偏差超过 {pct(p.tolerance_pct)}",
            measured=measured,
            threshold=recomputed,
        )
    return passed(
        f"location-based {num(computed.location.total_kgco2e)} and market-based {num(market)} kg CO2e both reported",
        f"同时报告基于位置 {num(computed.location.total_kgco2e)} 和基于市场 {num(market)} kg CO2e 的结果",
        measured=measured,
        threshold=recomputed,
    )


class ForeignParams(Params):
    refused_types: list[str] = ["IREC", "I-REC", "TIGR", "GO", "REC"]


@register_check("no_foreign_certificates", ForeignParams)
def no_foreign_certificates(ctx, p: ForeignParams):
    """No foreign attribute certificate (I-REC and the like) is used for consumption in mainland China."""
    refused = {t.upper() for t in p.refused_types}
    found = [c.id for c in ctx.study.electricity.certificates if c.type.upper() in refused]
    if found:
        return failed(
            f"foreign attribute certificate(s) listed: {', '.join(found)}",
            f"使用了境外绿证：{'、'.join(found)}",
            measured=found,
            threshold=[],
        )
    return passed("no foreign attribute certificate", "未使用境外绿证", measured=[], threshold=[])
