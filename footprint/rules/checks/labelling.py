"""Label content, value, boundary wording, certificate validity and recalculation triggers."""

from __future__ import annotations

from ...label_value import round_label_value
from ..model import Text, failed, needs_evidence, not_applicable, passed
from ..registry import NoParams, Params, register_check
from .common import add_months, num, pct, relative_gap_pct


@register_check("label_fields", NoParams)
def label_fields(ctx, p: NoParams):
    """Everything the label shows is available: value, unit, boundary, certificate number, body, dates."""
    study = ctx.study
    missing = []
    if study.declared is None:
        missing.append(("declared results", "声明结果"))
    if not study.certification.certificate_no.strip():
        missing.append(("certificate number", "证书编号"))
    if study.certification.issue_date is None:
        missing.append(("issue date", "发证日期"))
    if not study.verification.body.name.strip():
        missing.append(("certification body", "认证机构"))
    if missing:
        return needs_evidence(
            f"the label needs {', '.join(e for e, _ in missing)} (issued at certification)",
            f"标识还需要{'、'.join(z for _, z in missing)}（认证时签发）",
            measured=[e for e, _ in missing],
        )
    return passed(
        f"label fields complete (certificate {study.certification.certificate_no})",
        f"标识内容齐全（证书编号 {study.certification.certificate_no}）",
        measured=study.certification.certificate_no,
    )


class LabelValueParams(Params):
    significant_figures: int = 3


@register_check("label_value", LabelValueParams)
def label_value(ctx, p: LabelValueParams):
    """The value the declared result would print equals the recomputed value under the rounding rule."""
    computed = ctx.computation.total_kgco2e
    expected = round_label_value(computed, p.significant_figures)
    if ctx.study.declared is None:
        return failed("no declared result to print", "无可印制的声明结果", measured=None, threshold=str(expected))
    printed = round_label_value(ctx.study.declared.total_kgco2e, p.significant_figures)
    if printed != expected:
        return failed(
            f"the declared result would print {printed}; the recomputed footprint prints {expected} kg CO2e",
            f"声明结果印制为 {printed}；复算碳足迹应印制为 {expected} kg CO2e",
            measured=str(printed),
            threshold=str(expected),
        )
    return passed(
        f"label value {expected} kg CO2e ({p.significant_figures} significant figures, rounded up from {num(computed)})",
        f"标识数值 {expected} kg CO2e（{p.significant_figures} 位有效数字，由 {num(computed)} 向上取整）",
        measured=str(printed),
        threshold=str(expected),
    )


class BoundaryTextParams(Params):
    texts: dict[str, Text]


@register_check("label_boundary_text", BoundaryTextParams)
def label_boundary_text(ctx, p: BoundaryTextParams):
    """The label can state the boundary in both languages (e.g. cradle-to-gate / 从摇篮到大门)."""
    boundary = ctx.study.boundary.type
    text = p.texts.get(boundary)
    if text is None:
        return failed(
            f"no label wording for boundary {boundary!r} (known: {', '.join(p.texts)})",
            f"系统边界 {boundary!r} 没有对应的标识用语",
            measured=boundary,
            threshold=list(p.texts),
        )
    return passed(f"label states '{text.en}' / '{text.zh}'", f"标识注明“{text.zh}”", measured=boundary, threshold=list(p.texts))


class ValidityParams(Params):
    max_years: int
    max_surveillance_months: int = 12


@register_check("certificate_validity", ValidityParams)
def certificate_validity(ctx, p: ValidityParams):
    """The certificate is valid for at most the configured years, with at least annual surveillance."""
    certification = ctx.study.certification
    interval = ctx.study.verification.surveillance_interval_months
    if certification.issue_date and certification.expiry_date:
        latest = add_months(certification.issue_date, 12 * p.max_years)
        if certification.expiry_date > latest:
            return failed(
                f"valid {certification.issue_date}..{certification.expiry_date}; at most {p.max_years} years (until {latest})",
                f"有效期 {certification.issue_date}至{certification.expiry_date}，最长 {p.max_years} 年（至 {latest}）",
                measured=str(certification.expiry_date),
                threshold=str(latest),
            )
    if interval is not None and interval > p.max_surveillance_months:
        return failed(
            f"surveillance every {interval} months; at least every {p.max_surveillance_months}",
            f"监督间隔 {interval} 个月，应不超过 {p.max_surveillance_months} 个月",
            measured=interval,
            threshold=p.max_surveillance_months,
        )
    if interval is None:
        return needs_evidence("state the surveillance interval (months)", "请说明获证后监督间隔（月）", threshold=p.max_surveillance_months)
    return passed(
        f"validity at most {p.max_years} years, surveillance every {interval} months",
        f"有效期不超过 {p.max_years} 年，每 {interval} 个月监督一次",
        measured=interval,
        threshold=p.max_surveillance_months,
    )


class RecalcParams(Params):
    max_change_pct: float


@register_check("recalculation_trigger", RecalcParams)
def recalculation_trigger(ctx, p: RecalcParams):
    """A change of the footprint beyond the threshold since the last certificate starts recertification."""
    previous = ctx.study.previous_certificate
    if previous is None:
        return not_applicable("no previous certificate", "无既有证书")
    computed = ctx.computation.total_kgco2e
    change = relative_gap_pct(computed, previous.total_kgco2e)
    if change > p.max_change_pct and not previous.recertification_started:
        return failed(
            f"the footprint moved {pct(change)} from the certified {num(previous.total_kgco2e)} to {num(computed)} kg CO2e; recertification is required",
            f"碳足迹较已认证值 {num(previous.total_kgco2e)} 变化 {pct(change)}（现为 {num(computed)}），须重新认证",
            measured=change,
            threshold=p.max_change_pct,
        )
    return passed(
        f"change since certificate {previous.certificate_no}: {pct(change)}",
        f"较证书 {previous.certificate_no} 变化 {pct(change)}",
        measured=change,
        threshold=p.max_change_pct,
    )
