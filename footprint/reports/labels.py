"""The label shown in the report, taken from the label module, never re-derived.

Why a bridge: the label's rounding (up, to the rule set's significant figures), its validity and
its QR payload are decided by :mod:`footprint.label`; the report must print exactly that label.
A study the rules do not find eligible (or without a certificate number) gets the preview the
label module builds, and the report says it is not a claim.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from .inputs import LabelInfo


def label_info(study: Any, engine: Any, rule_set: Any, when: date, evaluation: Any = None) -> LabelInfo | None:
    """The label of ``study`` as the report prints it (a preview when not eligible)."""
    from ..label import LabelError, build_label

    try:
        label = build_label(study, engine, rule_set, when, require_eligible=False)
    except LabelError:
        return None
    eligible = evaluation.eligible if evaluation is not None else label.evaluation.eligible
    png = None
    try:
        from ..label_render import render_png

        rendered = render_png(label)
        png = rendered.data if rendered.bilingual else None
    except Exception:  # rendering is decoration; the text and the QR code carry the label
        png = None
    return LabelInfo(
        value_text=label.value_text,
        unit_text=label.unit_text,
        certificate_no=label.certificate_no,
        body=label.body.en if label.body.en != "-" else "",
        body_zh=label.body.zh if label.body.zh != "-" else "",
        issued=label.issue_date,
        expires=label.expiry_date,
        qr_payload=label.payload_text,
        certified=bool(label.certificate_no) and eligible,
        png=png,
    )


def qr_png(payload: str, scale: int = 6) -> bytes:
    """A QR code as PNG bytes (segno; error correction M, as on the printed label; deterministic)."""
    import segno

    buffer = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()
