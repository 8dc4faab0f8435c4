"""Optional claims (reduction, low-carbon grade, carbon neutral) and the PACT export readiness."""

from __future__ import annotations

from ..model import failed, needs_evidence, passed
from ..registry import NoParams, Params, register_check
from .common import num, pct


class ReductionParams(Params):
    min_reduction_pct: float


@register_check("reduction_claim", ReductionParams)
def reduction_claim(ctx, p: ReductionParams):
    """A reduction label: lower than the previous certificate of the same PCR and GWP set by the minimum rate."""
    previous = ctx.study.previous_certificate
    study = ctx.study
    if previous is None:
        return failed("a reduction claim needs a previous certificate to compare with", "减排声明需要既有证书作为比较基准", measured=None, threshold=p.min_reduction_pct)
    if previous.pcr_id != study.method.pcr_id or previous.gwp_set.upper() != study.method.gwp_set.upper():
        return failed(
            f"not comparable: previous {previous.pcr_id}/{previous.gwp_set}, now {study.method.pcr_id}/{study.method.gwp_set}",
            f"不可比：原证书 {previous.pcr_id}/{previous.gwp_set}，本次 {study.method.pcr_id}/{study.method.gwp_set}",
        )
    computed = ctx.computation.total_kgco2e
    reduction = 100.0 * (previous.total_kgco2e - computed) / previous.total_kgco2e
    if reduction < p.min_reduction_pct or study.offsets_kgco2e:
        return failed(
            f"reduction {pct(reduction)} from {num(previous.total_kgco2e)} to {num(computed)}; at least {pct(p.min_reduction_pct)} without offsets",
            f"较原值 {num(previous.total_kgco2e)} 降低 {pct(reduction)}（现为 {num(computed)}），须不依赖抵消至少降低 {pct(p.min_reduction_pct)}",
            measured=reduction,
            threshold=p.min_reduction_pct,
        )
    return passed(f"reduced by {pct(reduction)}", f"降低 {pct(reduction)}", measured=reduction, threshold=p.min_reduction_pct)


class BenchmarkParams(Params):
    benchmarks: dict[str, float] = {}  # PCR id -> benchmark kg CO2e per declared unit


@register_check("below_benchmark", BenchmarkParams)
def below_benchmark(ctx, p: BenchmarkParams):
    """A low-carbon grade: the footprint is below the benchmark of its product category."""
    pcr = ctx.study.method.pcr_id
    if pcr not in p.benchmarks:
        return needs_evidence(f"no benchmark is published for {pcr}", f"{pcr} 尚无公布的基准值")
    benchmark = p.benchmarks[pcr]
    computed = ctx.computation.total_kgco2e
    if computed >= benchmark:
        return failed(f"{num(computed)} is not below the benchmark {num(benchmark)}", f"{num(computed)} 未低于基准值 {num(benchmark)}", measured=computed, threshold=benchmark)
    return passed(f"{num(computed)} below the benchmark {num(benchmark)}", f"{num(computed)} 低于基准值 {num(benchmark)}", measured=computed, threshold=benchmark)


@register_check("carbon_neutral_claim", NoParams)
def carbon_neutral_claim(ctx, p: NoParams):
    """A carbon-neutral claim: retired credits cover the period's production, with a reduction plan."""
    claim = ctx.study.claims.carbon_neutral
    volume = ctx.study.reference_period.production_volume
    if claim is None:
        return failed("no carbon-neutral claim data", "无碳中和声明数据")
    if not volume:
        return needs_evidence("the production volume of the period is needed", "需提供核算周期产量")
    residual = ctx.computation.total_kgco2e * volume
    problems = []
    if claim.credits_retired_kgco2e < residual:
        problems.append((f"credits {num(claim.credits_retired_kgco2e)} < residual {num(residual)} kg CO2e", f"注销的减排量 {num(claim.credits_retired_kgco2e)} 小于剩余排放 {num(residual)} kg CO2e"))
    if not claim.reduction_plan_ref.strip():
        problems.append(("no reduction plan", "无减排计划"))
    if not claim.registry_ref.strip():
        problems.append(("no registry reference for the retired credits", "无减排量注销记录"))
    if problems:
        return failed("; ".join(e for e, _ in problems), "；".join(z for _, z in problems), measured=claim.credits_retired_kgco2e, threshold=residual)
    return passed("retired credits cover the residual, with a reduction plan", "注销的减排量覆盖剩余排放，并有减排计划", measured=claim.credits_retired_kgco2e, threshold=residual)


class PactParams(Params):
    max_exempted_pct: float = 5.0


@register_check("pact_exportable", PactParams)
def pact_exportable(ctx, p: PactParams):
    """The study holds what a PACT ProductFootprint needs (geography, period, unit, exempted share, DQR scale)."""
    study = ctx.study
    computed = ctx.computation
    problems = []
    if not study.site.region.strip():
        problems.append(("site.region (geographyCountrySubdivision, e.g. CN-GD) missing", "缺少工厂所在地区代码（如 CN-GD）"))
    exempted = 100.0 * computed.excluded_kgco2e / computed.complete_kgco2e if computed.complete_kgco2e else 0.0
    if exempted > p.max_exempted_pct:
        problems.append((f"exemptedEmissionsPercent {pct(exempted)} > {pct(p.max_exempted_pct)}", f"排除排放占比 {pct(exempted)} 超过 {pct(p.max_exempted_pct)}"))
    unit = study.bom.declared_unit
    if unit.unit == "piece" and not (unit.mass_kg_per_piece or study.product.mass_kg_per_unit):
        problems.append(("productMassPerDeclaredUnit missing", "缺少声明单位产品质量"))
    if study.biogenic.carbon_content_kgc is None:
        problems.append(("biogenicCarbonContent missing", "缺少生物源碳含量"))
    if problems:
        return failed("; ".join(e for e, _ in problems), "；".join(z for _, z in problems), measured=exempted, threshold=p.max_exempted_pct)
    return passed(f"PACT fields available (exempted {pct(exempted)})", f"具备导出 PACT 数据所需字段（排除占比 {pct(exempted)}）", measured=exempted, threshold=p.max_exempted_pct)
