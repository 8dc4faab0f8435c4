"""Evaluate a study against a rule set: one finding per rule, then the overall verdict.

How findings count (documented in docs/label-rules.md):

* any **blocking** rule that fails → not eligible;
* more **major** failures than the rule set's ``max_major_failures`` (default 0) → not eligible:
  a major finding must be corrected before the label is granted, and a scheme may tolerate a few
  open ones while it is young;
* a blocking or major rule that **needs evidence** the study cannot contain (a site visit, an
  accreditation) → "pending_evidence": not eligible yet, and the findings list what to supply;
* **minor** and **info** findings never change the verdict; they are reported.

Why the same function serves both sides: the manufacturer runs it before applying and the
certification body when verifying, on the same files, and both get byte-identical findings.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from ..study import Study
from ..study_compute import engine_for_study
from .context import EvaluationContext
from .loader import available_rule_sets, load_rule_set
from .model import Evaluation, Finding, Outcome, RuleSet, Severity, Text, Verdict, not_applicable
from .registry import get_check, get_condition

STATUS_ELIGIBLE = "eligible"
STATUS_NOT_ELIGIBLE = "not_eligible"
STATUS_PENDING = "pending_evidence"


def _outcome(ctx: EvaluationContext, rule) -> Outcome:
    if not rule.enabled:
        return not_applicable(
            "optional rule, not enabled in this rule set",
            "可选规则，本规则集未启用",
        )
    for name in rule.applies_to:
        condition = get_condition(name)
        if not condition.function(ctx):
            return not_applicable(
                f"applies only when {condition.summary}",
                f"仅当{condition.summary_zh}时适用",
            )
    spec = get_check(rule.check)
    params = spec.params_model.model_validate(rule.params)
    return spec.function(ctx, params)


def overall_verdict(findings: list[Finding], max_major_failures: int) -> tuple[str, list[Text]]:
    """The status and its reasons, from the findings (see the module docstring)."""
    reasons: list[Text] = []
    blocking = [f for f in findings if f.severity is Severity.BLOCKING and f.verdict is Verdict.FAIL]
    major = [f for f in findings if f.severity is Severity.MAJOR and f.verdict is Verdict.FAIL]
    pending = [f for f in findings if f.severity in (Severity.BLOCKING, Severity.MAJOR) and f.verdict is Verdict.NEEDS_EVIDENCE]
    for finding in blocking:
        reasons.append(Text(en=f"blocking rule {finding.rule_id} failed: {finding.message.en}", zh=f"否决项 {finding.rule_id} 不符合：{finding.message.zh}"))
    if len(major) > max_major_failures:
        for finding in major:
            reasons.append(Text(en=f"major rule {finding.rule_id} failed: {finding.message.en}", zh=f"主要项 {finding.rule_id} 不符合：{finding.message.zh}"))
        reasons.append(
            Text(
                en=f"{len(major)} major finding(s); this rule set tolerates {max_major_failures}",
                zh=f"主要不符合项 {len(major)} 项，本规则集最多允许 {max_major_failures} 项",
            )
        )
    if reasons:
        return STATUS_NOT_ELIGIBLE, reasons
    if pending:
        for finding in pending:
            reasons.append(Text(en=f"evidence needed for {finding.rule_id}: {finding.message.en}", zh=f"{finding.rule_id} 需补充证据：{finding.message.zh}"))
        return STATUS_PENDING, reasons
    tolerated = f" ({len(major)} major finding(s) tolerated)" if major else ""
    tolerated_zh = f"（容许主要不符合项 {len(major)} 项）" if major else ""
    return STATUS_ELIGIBLE, [
        Text(
            en=f"no blocking failure, no open evidence on blocking or major rules{tolerated}",
            zh=f"无否决项不符合，否决项和主要项均无待补证据{tolerated_zh}",
        )
    ]


def make_context(
    study: Study,
    rule_set: RuleSet | str | None = None,
    engine=None,
    evaluation_date: date | None = None,
    rules_directory=None,
) -> EvaluationContext:
    """The evaluation context (rule set loaded, engine chosen, recomputation not yet run)."""
    if not isinstance(rule_set, RuleSet):
        rule_set = load_rule_set(rule_set, rules_directory)
    if engine is None:
        from ..engine import default_engine

        engine = default_engine()
    return EvaluationContext(
        study=study,
        rule_set=rule_set,
        engine=engine_for_study(study, engine),
        evaluation_date=evaluation_date or date.today(),
        catalogue=lambda: available_rule_sets(rules_directory),
    )


def evaluate(
    study: Study,
    rule_set: RuleSet | str | None = None,
    engine=None,
    evaluation_date: date | None = None,
    rules_directory=None,
) -> Evaluation:
    """Judge ``study`` against ``rule_set`` (an id, a loaded set, or the general GBA rules).

    ``evaluation_date`` is the application date that ages and validity are measured against
    (default: today). ``engine`` defaults to the process-wide engine on the bundled dataset.
    """
    return evaluate_context(make_context(study, rule_set, engine, evaluation_date, rules_directory))


def evaluate_context(ctx: EvaluationContext) -> Evaluation:
    """Run every rule of ``ctx.rule_set`` on ``ctx.study`` (see :func:`evaluate`)."""
    study, rule_set = ctx.study, ctx.rule_set
    findings = []
    for rule in rule_set.rules:
        outcome = _outcome(ctx, rule)
        findings.append(
            Finding(
                rule_id=rule.id,
                check=rule.check,
                severity=rule.severity,
                verdict=outcome.verdict,
                requirement=rule.requirement,
                message=Text(en=outcome.message_en, zh=outcome.message_zh),
                measured=outcome.measured,
                threshold=outcome.threshold,
                lines=outcome.lines,
                details=outcome.details,
                source=rule.source,
            )
        )
    status, reasons = overall_verdict(findings, int(ctx.config("max_major_failures")))
    counts = Counter(f.verdict.value for f in findings)
    counts.update(f"{f.severity.value}_fail" for f in findings if f.verdict is Verdict.FAIL)
    computation = ctx.computation
    headline = computation.headline
    return Evaluation(
        study_id=study.study_id,
        study_sha256=study.sha256(),
        rule_set=rule_set.describe(),
        evaluation_date=ctx.evaluation_date.isoformat(),
        status=status,
        eligible=status == STATUS_ELIGIBLE,
        reasons=tuple(reasons),
        counts=dict(sorted(counts.items())),
        results={
            "declared_unit": study.declared_unit_text,
            "total_kgco2e": computation.total_kgco2e,
            "basis": computation.basis,
            "location_based_kgco2e": computation.location.total_kgco2e,
            "market_based_kgco2e": computation.market.total_kgco2e if computation.market else None,
            "excluded_kgco2e": computation.excluded_kgco2e,
            "grid": headline.grid,
            "method": headline.method,
            "dataset": headline.dataset,
        },
        findings=tuple(findings),
    )
