"""Is a certificate row what was signed and audited? The check behind lookups and audit-verify.

Why: the hash chain protects the audit log, but the ``certificates`` table is mutable (status,
flags) and was trusted as stored: ``UPDATE certificates SET status='valid'`` on a revoked
certificate made the public check say valid while ``audit-verify`` said intact. Now each row is
checked against

* its **signed document**: the signature (and the QR payload's) verifies with the public key the
  registry holds for the document's key id, and every column that restates the document (number,
  body, study hashes, product, value, unit, boundary, versions, dates, key id, supersedes) equals it;
* its **audit trail**: the ``issue`` entry states the same value, study hash, key and expiry, and
  replaying the entries through the lifecycle (:data:`.store.TRANSITIONS`) gives the stored status,
  successor and re-verification flag. A replay that needs a forbidden transition (a revoked
  certificate "reinstated" by a hand-written entry) is itself a problem.

Limit: audit entries are chained, not signed; someone who can write to the database can append a
correctly chained entry for an allowed transition (e.g. reinstate a suspended certificate). The
chain anchor (``audit-verify --anchor``) then still shows that entries were added.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..document import OfflineCheck, canonical_bytes, parse_payload, qr_fields, verify_certificate, verify_payload
from ..errors import CertificationError
from ..signing import VerifyKey


def _columns_from_document(content: Any, key_id: str) -> dict[str, Any]:
    return {
        "number": content.number,
        "body_id": content.body.id,
        "study_id": content.study.id,
        "study_sha256": content.study.sha256,
        "verified_sha256": content.study.verified_sha256 or content.study.sha256,
        "product_name": content.product.name,
        "product_name_zh": content.product.name_zh,
        "product_model": content.product.model,
        "applicant_name": content.applicant.name,
        "value_kgco2e": content.value_kgco2e,
        "unit": content.unit,
        "boundary": content.boundary,
        "rule_set_id": content.rule_set.id,
        "rule_set_version": content.rule_set.version,
        "dataset_id": content.dataset.id,
        "dataset_version": content.dataset.version,
        "dataset_sha256": content.dataset.sha256,
        "key_id": key_id,
        "issue_date": content.issue_date,
        "expiry_date": content.expiry_date,
        "supersedes": content.supersedes,
    }


def _replay(entries: list[Any], problems: list[str]) -> dict[str, Any] | None:
    """The lifecycle state the audit entries of one certificate lead to (None: never issued)."""
    from .store import TRANSITIONS

    state: dict[str, Any] | None = None
    for entry in entries:
        detail = entry.detail
        if entry.action == "issue":
            if state is not None:
                problems.append(f"audit entry {entry.id} issues it a second time")
            state = {"status": "valid", "superseded_by": None, "reverification_required": False, "issue": detail}
            continue
        if state is None:
            problems.append(f"audit entry {entry.id} ({entry.action}) comes before its issue entry")
            continue
        target = {"renew": "superseded"}.get(entry.action, detail.get("status"))
        if entry.action in ("suspend", "reinstate", "revoke", "renew"):
            if target not in TRANSITIONS.get(state["status"], ()):
                problems.append(f"audit entry {entry.id} ({entry.action}) is not allowed from {state['status']}")
            state["status"] = target
            if entry.action == "renew":
                state["superseded_by"] = detail.get("superseded_by")
        elif entry.action == "recalculate":
            state["reverification_required"] = state["reverification_required"] or bool(detail.get("reverification_required"))
    return state


def record_problems(record: Any, entries: list[Any], key: VerifyKey | None, on: date) -> list[str]:
    """Why the row ``record`` (a :class:`.store.CertificateRecord`) disagrees with its signed
    document and its audit ``entries`` (id order); empty when it agrees. ``key``: the registry's
    public key for the document's key id (None when the registry does not know it)."""
    problems: list[str] = []
    try:
        signed = record.signed()
    except CertificationError as error:
        return [f"its signed document cannot be read ({error})"]
    content = signed.certificate
    key_id = signed.signature.key_id
    if key is None or key.key_id != key_id:
        problems.append(f"it is signed by key {key_id}, which the registry does not know (register it: footprint keys register DIR)")
    else:
        check: OfflineCheck = verify_certificate(signed, key, on)
        if not check.signature_valid:
            problems.append("its signed document does not verify with the body's key: the document was altered")
        if not verify_payload(record.qr_payload, key, on).signature_valid:
            problems.append("its QR payload does not verify with the body's key")
    payload = parse_payload(record.qr_payload) or {}
    if canonical_bytes({k: v for k, v in payload.items() if k not in ("sig", "kid")}) != canonical_bytes(qr_fields(content)):
        problems.append("its QR payload states other facts than its signed document")
    for column, signed_value in _columns_from_document(content, key_id).items():
        stored = getattr(record, column)
        if stored != signed_value:
            problems.append(f"column {column} is {stored!r}, the signed document says {signed_value!r}")
    state = _replay(entries, problems)
    if state is None:
        problems.append("the audit log has no issue entry for it (the row was not written by the registry)")
        return problems
    issued = state["issue"]
    for name, signed_value in (
        ("value_kgco2e", content.value_kgco2e),
        ("study_sha256", content.study.sha256),
        ("key_id", key_id),
        ("expiry_date", content.expiry_date.isoformat()),
    ):
        if issued.get(name) != signed_value:
            problems.append(f"its issue audit entry says {name} {issued.get(name)!r}, the signed document {signed_value!r}")
    for column in ("status", "superseded_by", "reverification_required"):
        if getattr(record, column) != state[column]:
            problems.append(f"column {column} is {getattr(record, column)!r}, the audit trail says {state[column]!r}")
    return problems
