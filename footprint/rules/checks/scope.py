"""Scope: which rule set governs the product, the quantification standard, product identity."""

from __future__ import annotations

from ..model import failed, passed
from ..registry import Params, register_check


class GoverningParams(Params):
    national_product_rules: dict[str, str] = {}  # product category -> national PCR id that takes precedence


@register_check("governing_rule_set", GoverningParams)
def governing_rule_set(ctx, p: GoverningParams):
    """The evaluated rule set is the one that governs the product, and the study follows its PCR.

    Precedence (NDRC et al. 2023): a national product rule, then a GBA product rule set, then the
    GBA general rules.
    """
    category = ctx.study.product.category
    pcr = ctx.study.method.pcr_id
    rule_set = ctx.rule_set
    if category and category in p.national_product_rules:
        required = p.national_product_rules[category]
        if pcr != required:
            return failed(
                f"the national product rule {required} governs category {category!r}; the study follows {pcr or 'no PCR'}",
                f"产品类别 {category!r} 适用国家产品规则 {required}；本研究采用 {pcr or '未声明'}",
                measured=pcr,
                threshold=required,
            )
        return passed(f"study follows the national product rule {required}", f"研究采用国家产品规则 {required}", measured=pcr, threshold=required)
    if rule_set.product_categories and category not in rule_set.product_categories:
        covered = ", ".join(rule_set.product_categories)
        return failed(
            f"rule set {rule_set.id} covers {covered}; the product category is {category or 'not stated'}",
            f"规则集 {rule_set.id} 适用于 {covered}；本产品类别为 {category or '未声明'}",
            measured=category,
            threshold=list(rule_set.product_categories),
        )
    if not rule_set.product_categories and category:
        specific = sorted(s.id for s in ctx.catalogue().values() if category in s.product_categories)
        if specific:
            return failed(
                f"product rule set(s) {', '.join(specific)} cover category {category!r}: evaluate with --rules {specific[0]}",
                f"产品类别 {category!r} 有专门的产品规则 {', '.join(specific)}，应按其评价",
                measured=rule_set.id,
                threshold=specific,
            )
    if pcr != rule_set.pcr_id:
        return failed(
            f"the study names PCR {pcr or '(none)'}; rule set {rule_set.id} requires {rule_set.pcr_id}",
            f"研究声明的产品规则为 {pcr or '（无）'}；规则集 {rule_set.id} 要求 {rule_set.pcr_id}",
            measured=pcr,
            threshold=rule_set.pcr_id,
        )
    return passed(
        f"rule set {rule_set.id} governs the product and the study follows PCR {pcr}",
        f"规则集 {rule_set.id} 适用于本产品，研究采用产品规则 {pcr}",
        measured=pcr,
        threshold=rule_set.pcr_id,
    )


class StandardParams(Params):
    allowed: list[str]


@register_check("standard_allowed", StandardParams)
def standard_allowed(ctx, p: StandardParams):
    """The quantification standard named by the study is one the scheme accepts."""
    standard = ctx.study.method.standard.strip()
    if standard in p.allowed:
        return passed(f"quantified according to {standard}", f"依据 {standard} 量化", measured=standard, threshold=p.allowed)
    return failed(
        f"standard {standard or '(not stated)'} is not accepted; use one of {', '.join(p.allowed)}",
        f"量化标准 {standard or '（未声明）'} 不被接受；应为 {'、'.join(p.allowed)} 之一",
        measured=standard,
        threshold=p.allowed,
    )


class ProductParams(Params):
    allow_families: bool = False


@register_check("product_identified", ProductParams)
def product_identified(ctx, p: ProductParams):
    """Product model and manufacturing site are named; one model per certificate unless families are allowed."""
    product, site = ctx.study.product, ctx.study.site
    missing = []
    if not product.model.strip():
        missing.append(("product.model", "产品型号"))
    if not (site.name.strip() or site.id.strip()):
        missing.append(("site.name", "生产厂名称"))
    if not site.address.strip():
        missing.append(("site.address", "生产厂地址"))
    if missing:
        return failed(
            f"missing: {', '.join(m[0] for m in missing)}",
            f"缺少：{'、'.join(m[1] for m in missing)}",
            measured=[m[0] for m in missing],
        )
    if product.family_models and not p.allow_families:
        return failed(
            f"one certificate covers one model per site; the study also claims {', '.join(product.family_models)}",
            f"一张证书只覆盖一个工厂的一个型号；本研究另外声明了 {'、'.join(product.family_models)}",
            measured=[product.model, *product.family_models],
            threshold=1,
        )
    return passed(
        f"model {product.model} made at {site.name or site.id}",
        f"型号 {product.model}，生产厂 {site.name_zh or site.name or site.id}",
        measured=product.model,
    )


class PropertiesParams(Params):
    required: list[str]


@register_check("product_properties_present", PropertiesParams)
def product_properties_present(ctx, p: PropertiesParams):
    """The product-category rule's required product properties are given."""
    properties = ctx.study.product.properties
    missing = [name for name in p.required if properties.get(name) in (None, "")]
    if missing:
        return failed(
            f"product.properties lacks {', '.join(missing)}",
            f"产品属性缺少 {'、'.join(missing)}",
            measured=sorted(properties),
            threshold=p.required,
        )
    return passed(
        f"product properties given: {', '.join(f'{k}={properties[k]}' for k in p.required)}",
        f"已给出产品属性：{'、'.join(p.required)}",
        measured={k: properties[k] for k in p.required},
        threshold=p.required,
    )
