"""The label shown in the report: from the label module when it is there, else from the study.

Why a bridge: the label's rounding and QR content are decided by the label rules
(``footprint.label``, written with the rule engine); the report must print exactly that label,
not a second interpretation of it. Until a study has a certificate number, the report shows a
preview that says it is not a claim.
"""

from __future__ import annotations

import io

from .inputs import LabelInfo, ReportInput
from .numbers import significant


def label_for(report_input: ReportInput) -> LabelInfo | None:
    """The label of a study's footprint (None for a BOM-only calculation: there is nothing to label)."""
    study = report_input.study
    if study is None:
        return None
    certification = study.certification
    body = study.verification.body
    body_name = body.name or body.name_zh
    value = significant(report_input.result.total_kgco2e, 3, grouping=False)
    unit_text = f"kg CO2e / {report_input.result.declared_unit}"
    number = certification.certificate_no.strip()
    payload = f"GBA-CFP:{number or 'PREVIEW'};study={study.sha256()[:16]};value={value};unit={report_input.result.declared_unit}"
    return LabelInfo(
        value_text=value,
        unit_text=unit_text,
        certificate_no=number,
        body=body_name,
        issued=certification.issue_date,
        expires=certification.expiry_date,
        qr_payload=payload,
        certified=bool(number),
    )


def qr_png(payload: str, scale: int = 6) -> bytes:
    """A QR code as PNG bytes (segno; error correction M; deterministic)."""
    import segno

    buffer = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()

