"""Verification: who verified, how, and whether the declared result matches the recomputation.

Evidence such as an admission to the scheme or a site visit cannot be proven by a study file; a
study that does not supply it gets ``needs_evidence`` (what to supply), not a failure.
"""

from __future__ import annotations

from ..model import failed, needs_evidence, passed
from ..registry import NoParams, Params, register_check
from .common import add_months, num, pct, relative_gap_pct


class AdmittedParams(Params):
    admitted_bodies: list[str] = []  # ids or names of admitted bodies; empty: not checked against a list


@register_check("verifier_admitted", AdmittedParams)
def verifier_admitted(ctx, p: AdmittedParams):
    """The verifying body is admitted to the GBA scheme (or CNCA-approved), with a reference."""
    body = ctx.study.verification.body
    if not body.name.strip():
        return needs_evidence("no verification body named yet", "尚未指定核查机构")
    if p.admitted_bodies and body.id not in p.admitted_bodies and body.name not in p.admitted_bodies:
        return failed(
            f"{body.name} is not on the list of admitted bodies",
            f"{body.name_zh or body.name} 不在认可机构名单中",
            measured=body.id or body.name,
            threshold=p.admitted_bodies,
        )
    if not body.accreditation_ref.strip():
        return needs_evidence(
            f"give the reference of {body.name}'s admission to the GBA scheme",
            f"请提供 {body.name_zh or body.name} 获准参与大湾区碳足迹标识认证的证明编号",
            measured=body.name,
        )
    return passed(
        f"verified by {body.name} (admission {body.accreditation_ref})",
        f"核查机构 {body.name_zh or body.name}（资质编号 {body.accreditation_ref}）",
        measured=body.accreditation_ref,
    )


@register_check("verification_process", NoParams)
def verification_process(ctx, p: NoParams):
    """Document review, an on-site inspection and a verification statement, with surveillance planned."""
    verification = ctx.study.verification
    period = ctx.study.reference_period
    if verification.site_visit_date and verification.site_visit_date > ctx.evaluation_date:
        return failed(
            f"the site visit date {verification.site_visit_date} is after the evaluation date {ctx.evaluation_date}",
            f"现场检查日期 {verification.site_visit_date} 晚于评价日期 {ctx.evaluation_date}",
            measured=str(verification.site_visit_date),
        )
    if verification.site_visit_date and verification.site_visit_date < period.start:
        return failed(
            f"the site visit ({verification.site_visit_date}) predates the reference period ({period.start})",
            f"现场检查（{verification.site_visit_date}）早于核算周期（{period.start}）",
            measured=str(verification.site_visit_date),
        )
    missing = []
    if not verification.site_visit_date:
        missing.append(("the on-site inspection date", "现场检查日期"))
    if not verification.statement_ref.strip():
        missing.append(("the verification statement reference", "核查声明编号"))
    if not verification.surveillance_plan.strip():
        missing.append(("the surveillance plan", "获证后监督计划"))
    if missing:
        return needs_evidence(
            f"supply {', '.join(e for e, _ in missing)}",
            f"请提供{'、'.join(z for _, z in missing)}",
            measured=[e for e, _ in missing],
        )
    return passed(
        f"site visit {verification.site_visit_date}, statement {verification.statement_ref}, surveillance planned",
        f"现场检查 {verification.site_visit_date}，核查声明 {verification.statement_ref}，已有监督计划",
        measured=str(verification.site_visit_date),
    )


class MaterialityParams(Params):
    materiality_pct: float


@register_check("declared_matches_recomputed", MaterialityParams)
def declared_matches_recomputed(ctx, p: MaterialityParams):
    """The declared (and verified) total is within materiality of the engine's recomputation."""
    computed = ctx.computation.total_kgco2e
    declared = ctx.study.declared
    if declared is None:
        return failed("the study declares no results", "研究未声明结果", measured=None, threshold=computed)
    gaps = {"declared": relative_gap_pct(declared.total_kgco2e, computed)}
    verified = ctx.study.verification.verified_total_kgco2e
    if verified is not None:
        gaps["verified"] = relative_gap_pct(verified, computed)
    worst = max(gaps.values())
    details = {"declared_kgco2e": declared.total_kgco2e, "verified_kgco2e": verified, "recomputed_kgco2e": computed, "gaps_pct": gaps}
    if worst > p.materiality_pct:
        return failed(
            f"declared {num(declared.total_kgco2e)} (verified {num(verified)}) vs recomputed {num(computed)} kg CO2e: {pct(worst)} apart, materiality {pct(p.materiality_pct)}",
            f"声明值 {num(declared.total_kgco2e)}（核查值 {num(verified)}）与复算值 {num(computed)} kg CO2e 相差 {pct(worst)}，实质性阈值 {pct(p.materiality_pct)}",
            measured=worst,
            threshold=p.materiality_pct,
            details=details,
        )
    return passed(
        f"declared {num(declared.total_kgco2e)} kg CO2e is within {pct(worst)} of the recomputed {num(computed)}",
        f"声明值 {num(declared.total_kgco2e)} kg CO2e 与复算值 {num(computed)} 相差 {pct(worst)}",
        measured=worst,
        threshold=p.materiality_pct,
        details=details,
    )


class ManagementParams(Params):
    min_months: int = 3


@register_check("data_management_period", ManagementParams)
def data_management_period(ctx, p: ManagementParams):
    """The applicant has run a footprint data management system long enough before applying."""
    since = ctx.study.applicant.data_management_since
    if since is None:
        return needs_evidence(
            "give the start date of the footprint data management system (applicant.data_management_since)",
            "请提供碳足迹数据管理体系的运行起始日期",
        )
    ready = add_months(since, p.min_months)
    if ready > ctx.evaluation_date:
        return failed(
            f"the data management system started {since}; {p.min_months} months are reached on {ready}, after {ctx.evaluation_date}",
            f"数据管理体系自 {since} 运行，至 {ready} 才满 {p.min_months} 个月，晚于评价日期 {ctx.evaluation_date}",
            measured=str(since),
            threshold=p.min_months,
        )
    return passed(f"data management system running since {since}", f"数据管理体系自 {since} 起运行", measured=str(since), threshold=p.min_months)
