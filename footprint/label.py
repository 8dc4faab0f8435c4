"""The GBA carbon footprint label of an eligible study: content and verifiable QR payload.

Why the label is built from a fresh evaluation: the printed number must be the engine's total per
declared unit for exactly this study, dataset and rule set, and only a study the rules find
eligible may carry it. The value is rounded up to the rule set's significant figures
(:mod:`footprint.label_value`), so it never understates the footprint.

The QR code carries a compact JSON payload that anyone holding the study file can check offline:
the study id, the printed value and unit, the dataset (id, version, sha256), the rule set (id,
version) and the sha256 of the study's canonical JSON (:meth:`footprint.study.Study.sha256`).
Rendering (SVG, PNG) lives in :mod:`footprint.label_render`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from .bom import CFF, POST_GATE_STAGES, stage_label
from .errors import FootprintError, InputError
from .label_value import round_label_value
from .rules.checks.common import add_months
from .rules.context import EvaluationContext
from .rules.evaluator import evaluate_context, make_context
from .rules.model import Evaluation, RuleSet, Text
from .study import Study
from .user_json import read_json

PAYLOAD_TYPE = "GBA-CFP-LABEL"
PAYLOAD_VERSION = 1


class LabelError(FootprintError):
    """A label was asked for a study that may not carry one (the message says why)."""


@dataclass(frozen=True)
class Label:
    """Everything printed on the label, in both languages."""

    study_id: str
    product: str
    product_zh: str
    model: str
    value: Decimal  # printed value, rounded up
    value_text: str
    total_kgco2e: float  # the engine's exact total per declared unit
    declared_unit: str
    unit_text: str  # "kg CO2e / 1 piece"
    basis: str  # "location" or "market"
    location_based_text: str | None  # disclosed beside a market-based value
    boundary: Text
    certificate_no: str
    body: Text
    issue_date: date
    expiry_date: date
    payload: dict
    evaluation: Evaluation

    @property
    def payload_text(self) -> str:
        return payload_text(self.payload)

    @property
    def certified(self) -> bool:
        return bool(self.certificate_no)


def payload_text(payload: dict) -> str:
    """The QR text: compact JSON with sorted keys (stable bytes, easy to parse)."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def expiry_for(issue: date, validity_years: int) -> date:
    """Last valid day: the day before the anniversary (1 Apr 2025 + 2 years -> 31 Mar 2027)."""
    return add_months(issue, 12 * validity_years) - timedelta(days=1)


def with_post_gate_stages(boundary: Text, stages: list[str]) -> Text:
    """The boundary wording plus the stages after the gate that the study includes, so the label
    never calls a value "cradle-to-gate" that also holds distribution, use or end of life."""
    extra = [stage for stage in POST_GATE_STAGES if stage in stages]
    if not extra:
        return boundary
    return Text(
        en=f"{boundary.en} + {', '.join(stage_label(s).lower() for s in extra)}",
        zh=f"{boundary.zh} + {'、'.join(stage_label(s, 'zh') for s in extra)}",
    )


def with_recycling_approach(boundary: Text, approach: str) -> Text:
    """The boundary wording plus "CFF" when the value was computed with the Circular Footprint
    Formula (what the engine computed, not a name in the study): a CFF value never reads as the
    dataset's cut-off one. Unchanged for a cut-off value."""
    if approach != CFF:
        return boundary
    return Text(en=f"{boundary.en}; recycling by the Circular Footprint Formula (CFF)", zh=f"{boundary.zh}；再生与回收按循环足迹公式（CFF）计算")


def build_label(
    study: Study,
    engine=None,
    rule_set: RuleSet | str | None = None,
    evaluation_date: date | None = None,
    *,
    require_eligible: bool = True,
    rules_directory=None,
) -> Label:
    """The label of ``study``; raises :class:`LabelError` when the study is not eligible.

    ``require_eligible=False`` builds a preview for a study that is not (yet) eligible; its
    payload says ``"preview": true`` and it must not be printed as a claim.
    """
    ctx = make_context(study, rule_set, engine, evaluation_date, rules_directory)
    evaluation = evaluate_context(ctx)
    if require_eligible and not evaluation.eligible:
        reasons = "; ".join(r.en for r in evaluation.reasons)
        raise LabelError(f"study {study.study_id} is not eligible for the label ({evaluation.status}): {reasons}")
    return label_of(ctx, evaluation)


def label_of(ctx: EvaluationContext, evaluation: Evaluation) -> Label:
    """The label (a preview when ``evaluation`` is not eligible) of an evaluation just made on
    ``ctx``: for a caller that has evaluated the study already (the web form), so the rules are
    not run a second time. :func:`build_label` is this after its own evaluation."""
    study = ctx.study
    computation = ctx.computation
    config = ctx.config
    figures = int(config("label_significant_figures"))
    total = computation.total_kgco2e
    value = round_label_value(total, figures)
    declared_unit = study.declared_unit_text
    texts = config("boundary_texts")
    boundary_text = texts.get(study.boundary.type) or {"en": study.boundary.type, "zh": study.boundary.type}
    boundary = with_post_gate_stages(boundary_text if isinstance(boundary_text, Text) else Text(**boundary_text), study.boundary.stages)
    boundary = with_recycling_approach(boundary, computation.headline.recycling_approach)
    issue = study.certification.issue_date or ctx.evaluation_date
    expiry = study.certification.expiry_date or expiry_for(issue, int(config("certificate_validity_years")))
    body = study.verification.body
    location_text = None
    if computation.basis == "market":
        location_text = format(round_label_value(computation.location.total_kgco2e, figures), "f")
    dataset = computation.headline.dataset
    payload = {
        "type": PAYLOAD_TYPE,
        "v": PAYLOAD_VERSION,
        "study": study.study_id,
        "cert": study.certification.certificate_no,
        "value": format(value, "f"),
        "unit": f"kg CO2e / {declared_unit}",
        "basis": computation.basis,
        "dataset": {"id": dataset["id"], "version": dataset["version"], "sha256": dataset["sha256"]},
        "rules": {"id": ctx.rule_set.id, "version": ctx.rule_set.version},
        "study_sha256": study.sha256(),
        "issued": issue.isoformat(),
        "expires": expiry.isoformat(),
    }
    if computation.headline.recycling_approach == CFF:
        payload["recycling"] = CFF  # absent: the dataset's cut-off system
    if config("label_url") and study.certification.certificate_no:
        payload["url"] = f"{config('label_url')}{study.certification.certificate_no}"
    if not evaluation.eligible:
        payload["preview"] = True
    return Label(
        study_id=study.study_id,
        product=study.product.name,
        product_zh=study.product.name_zh,
        model=study.product.model,
        value=value,
        value_text=format(value, "f"),
        total_kgco2e=total,
        declared_unit=declared_unit,
        unit_text=f"kg CO2e / {declared_unit}",
        basis=computation.basis,
        location_based_text=location_text,
        boundary=boundary,
        certificate_no=study.certification.certificate_no,
        body=Text(en=body.name or "-", zh=body.name_zh or body.name or "-"),
        issue_date=issue,
        expiry_date=expiry,
        payload=payload,
        evaluation=evaluation,
    )


def check_payload(text: str, study: Study) -> dict:
    """Parse a QR payload and check it against a study file; returns the payload.

    Raises :class:`LabelError` when it is not a label payload or names another study (hash).
    """
    try:
        payload = read_json(text)
    except InputError as error:
        raise LabelError(f"the QR code does not hold a GBA carbon footprint label payload ({error})") from None
    if not isinstance(payload, dict) or payload.get("type") != PAYLOAD_TYPE:
        raise LabelError("the QR code does not hold a GBA carbon footprint label payload")
    if payload.get("study_sha256") != study.sha256():
        raise LabelError(f"the label was issued for another version of study {payload.get('study')!r} (sha256 differs)")
    return payload
