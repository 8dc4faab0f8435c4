"""A certificate row changed behind the registry's back (hand-written SQL) is refused by the public
check and reported by audit-verify: every row is checked against its signed document, its audit
trail and the registry's key."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from footprint.certification.lookup import lookup_certificate
from footprint.certification.signing import SigningKey

from .conftest import make_request


def _sql(registry, statement: str, **values) -> None:
    with registry._engine.begin() as connection:
        connection.execute(text(statement), values)


def _forged_document(registry, number: str) -> str:
    document = json.loads(registry.get(number).document)
    document["certificate"]["value_kgco2e"] = 1.0
    return json.dumps(document)


# each: (what it does, SQL, values) — {n} is the revoked certificate's number
HOSTILE_EDITS = {
    "revoked set back to valid": ("UPDATE certificates SET status = 'valid', status_reason = '' WHERE number = :n", {}),
    "value column lowered": ("UPDATE certificates SET value_kgco2e = 1.0, status = 'valid' WHERE number = :n", {}),
    "expiry extended": ("UPDATE certificates SET expiry_date = '2099-12-31', status = 'valid' WHERE number = :n", {}),
    "key id column changed": ("UPDATE certificates SET key_id = 'ed25519:0000000000000000', status = 'valid' WHERE number = :n", {}),
    "flag cleared": ("UPDATE certificates SET reverification_required = false WHERE number = :n", {}),
}


@pytest.mark.parametrize("edit", sorted(HOSTILE_EDITS))
def test_hand_edited_row_is_refused_and_reported(registry, signing_key, body, edit):
    good = registry.issue(make_request(1), signing_key, body, "officer").number
    bad = registry.issue(make_request(2), signing_key, body, "officer").number
    registry.record_recalculation(bad, 20.0, "officer")  # flags it for re-verification
    registry.revoke(bad, "officer", "misleading use of the label")
    assert registry.verify_audit().ok and lookup_certificate(registry, bad).state == "revoked"

    statement, values = HOSTILE_EDITS[edit]
    _sql(registry, statement, n=bad, **values)

    status = lookup_certificate(registry, bad)
    assert (status.state, status.ok, status.value_kgco2e, status.product_name) == ("tampered", False, None, "")
    assert "does not match" in status.message["en"] and status.problems
    check = registry.verify_audit()
    assert (check.ok, check.reason, list(check.certificate_problems)) == (False, "certificate_mismatch", [bad])
    assert lookup_certificate(registry, good).state == "valid"  # the others are untouched


def test_forged_document_inserted_row_and_swapped_key_are_reported(registry, signing_key, body):
    number = registry.issue(make_request(1), signing_key, body, "officer").number
    other = registry.issue(make_request(2), signing_key, body, "officer").number

    _sql(registry, "UPDATE certificates SET document = :d WHERE number = :n", d=_forged_document(registry, number), n=number)
    problems = registry.check_record(registry.get(number)).problems
    assert any("does not verify" in p for p in problems) and lookup_certificate(registry, number).state == "tampered"

    # a whole row copied under a free number, without an issue entry in the audit log
    from footprint.certification.numbering import format_number

    copied = format_number(int(other.split("-")[2]), "HKQAA", 99)
    _sql(
        registry,
        "INSERT INTO certificates (number, body_id, year, sequence, study_id, study_sha256, verified_sha256, product_name, "
        "product_name_zh, product_model, applicant_name, value_kgco2e, unit, boundary, rule_set_id, rule_set_version, dataset_id, "
        "dataset_version, dataset_sha256, key_id, issue_date, expiry_date, status, status_reason, reverification_required, "
        "recalc_trigger_pct, document, qr_payload, created_at, updated_at) "
        "SELECT :c, body_id, year, 99, study_id, study_sha256, 'f' || substr(verified_sha256, 2), product_name, product_name_zh, "
        "product_model, applicant_name, value_kgco2e, unit, boundary, rule_set_id, rule_set_version, dataset_id, dataset_version, "
        "dataset_sha256, key_id, issue_date, expiry_date, status, status_reason, reverification_required, recalc_trigger_pct, "
        "document, qr_payload, created_at, updated_at FROM certificates WHERE number = :n",
        c=copied, n=other,
    )
    problems = registry.check_record(registry.get(copied)).problems
    assert any("no issue entry" in p for p in problems) and lookup_certificate(registry, copied).state == "tampered"

    # the registry's public key replaced by an attacker's: the key no longer matches its id
    attacker = SigningKey.generate()
    _sql(registry, "UPDATE signing_keys SET public_key = :p", p=attacker.verify_key.pem().decode())
    assert lookup_certificate(registry, other).state == "tampered"
    assert set(registry.verify_audit().certificate_problems) == {number, other, copied}
