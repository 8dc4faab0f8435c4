"""Applicability conditions named by ``applies_to`` in rule files."""

from __future__ import annotations

from ..registry import register_condition


@register_condition("market_based_electricity", "the study claims market-based (certificate-backed) electricity", "研究采用基于市场的绿电声明")
def market_based(ctx) -> bool:
    return ctx.study.electricity.method == "market"


@register_condition("has_exclusions", "the study excludes flows", "研究排除了部分流")
def has_exclusions(ctx) -> bool:
    return bool(ctx.study.exclusions)


@register_condition("has_certificates", "the study lists energy attribute certificates", "研究列出了绿证等属性证书")
def has_certificates(ctx) -> bool:
    return bool(ctx.study.electricity.certificates)


@register_condition("has_allocation", "the study allocates multi-output processes", "研究对多产出过程进行了分配")
def has_allocation(ctx) -> bool:
    return bool(ctx.study.allocation)


@register_condition("has_previous_certificate", "a previous certificate exists for the product", "产品已有既有证书")
def has_previous_certificate(ctx) -> bool:
    return ctx.study.previous_certificate is not None


@register_condition("declared_unit_piece", "the declared unit is counted in pieces", "声明单位以“件”计")
def declared_unit_piece(ctx) -> bool:
    return ctx.study.bom.declared_unit.unit == "piece"


@register_condition("claims_reduction", "the applicant claims a reduction label", "申请人声明减排标识")
def claims_reduction(ctx) -> bool:
    return ctx.study.claims.reduction


@register_condition("claims_low_carbon", "the applicant claims a low-carbon grade", "申请人声明低碳等级")
def claims_low_carbon(ctx) -> bool:
    return ctx.study.claims.low_carbon


@register_condition("claims_carbon_neutral", "the applicant claims carbon neutrality", "申请人声明碳中和")
def claims_carbon_neutral(ctx) -> bool:
    return ctx.study.claims.carbon_neutral is not None
