"""The public certificate check (``lookup_certificate``): numbers, URLs, QR payloads, states."""

from __future__ import annotations

import json

from footprint.certification.lookup import lookup_certificate

from .conftest import make_request


def test_lookup_by_number_url_and_qr(registry, signing_key, body):
    cert = registry.issue(make_request(1), signing_key, body, "alice")
    for query in (cert.number, f"  {cert.number.lower()} ", f"https://label.example/check?no={cert.number}&lang=zh", cert.qr_payload):
        status = lookup_certificate(registry, query)
        assert (status.state, status.number, status.ok) == ("valid", cert.number, True), query
    status = lookup_certificate(registry, cert.number)
    assert status.value_kgco2e == 12.3 and status.unit == "kg CO2e / 1 piece"
    assert status.body_name == body.name and status.product_name_zh == "LED灯"
    assert status.message["en"].startswith(f"Certificate {cert.number} is valid")
    assert "有效" in status.message["zh-Hans"]
    assert json.loads(json.dumps(status.to_dict()))["state"] == "valid"


def test_lookup_states(registry, signing_key, body, clock):
    cert = registry.issue(make_request(1), signing_key, body, "alice")
    typo = cert.number.replace("000001-22", "000010-22")  # two digits swapped
    refused = lookup_certificate(registry, typo)
    assert refused.state == "invalid_input" and "校验码" in refused.problems[0]["zh-Hans"] and "check digits" in refused.problems[0]["en"]
    assert lookup_certificate(registry, "hello").state == "invalid_input"
    assert lookup_certificate(registry, "").state == "invalid_input"
    other = cert.number.replace("000001-22", "000002-19")
    assert lookup_certificate(registry, other).state == "not_found"

    registry.suspend(cert.number, "bob", "audit")
    assert lookup_certificate(registry, cert.number).state == "suspended"
    registry.revoke(cert.number, "bob", "fraud")
    status = lookup_certificate(registry, cert.qr_payload)
    assert status.state == "revoked" and not status.ok and "撤销" in status.message["zh-Hans"]

    fresh = registry.issue(make_request(2), signing_key, body, "alice")
    later = fresh.expiry_date.replace(day=fresh.expiry_date.day)  # last valid day
    assert lookup_certificate(registry, fresh.number, on=later).state == "valid"
    assert lookup_certificate(registry, fresh.number, on=later.replace(year=later.year + 1)).state == "expired"


def test_lookup_detects_a_counterfeit_qr(registry, signing_key, body):
    cert = registry.issue(make_request(1), signing_key, body, "alice")
    forged = json.loads(cert.qr_payload)
    forged["v"] = 3.1  # a lower footprint printed on a counterfeit label
    status = lookup_certificate(registry, json.dumps(forged))
    assert status.state == "mismatch" and not status.ok and status.value_kgco2e == 12.3
    # why, in every language the page offers (a member of the public reads Chinese first)
    assert [set(problem) for problem in status.problems] == [{"en", "zh-Hans", "zh-Hant"}] * 2
    assert "differs" in status.problems[0]["en"] and "二维码" in status.problems[0]["zh-Hans"] and "二維碼" in status.problems[0]["zh-Hant"]
    assert "3.1" in status.problems[1]["en"] and "12.3" in status.problems[1]["zh-Hans"] and "认证数值" in status.problems[1]["zh-Hans"]
    assert json.loads(json.dumps(status.to_dict()))["problems"][1]["zh-Hans"] == status.problems[1]["zh-Hans"]
    other_study = {"certificate_no": cert.number, "study_sha256": "e" * 64}
    assert lookup_certificate(registry, json.dumps(other_study)).state == "mismatch"
    by_hash = {"study_sha256": cert.study_sha256}
    assert lookup_certificate(registry, json.dumps(by_hash)).number == cert.number


def test_superseded_points_to_successor(registry, signing_key, body):
    cert = registry.issue(make_request(1, value=10.0), signing_key, body, "alice")
    registry.record_recalculation(cert.number, 8.0, "alice")
    assert lookup_certificate(registry, cert.number).reverification_required
    new = registry.renew(cert.number, make_request(2, value=8.0), signing_key, body, "alice")
    status = lookup_certificate(registry, cert.number)
    assert (status.state, status.superseded_by) == ("superseded", new.number)
    assert new.number in status.message["en"]


def test_a_payload_that_reads_two_ways_is_refused_not_answered(registry, signing_key, body):
    cert = registry.issue(make_request(1), signing_key, body, "alice")
    genuine = cert.qr_payload
    assert '"v":12.3' in genuine
    twice = genuine.replace('"v":12.3', '"v":0.01,"v":12.3')  # a reader keeping the first key sees 0.01
    status = lookup_certificate(registry, twice)
    assert status.state == "invalid_input" and not status.found
    assert "'v' appears twice" in status.problems[0]["en"] and status.problems[0]["zh-Hans"]


def test_deeply_nested_query_is_refused_with_a_message(registry, signing_key, body):
    registry.issue(make_request(1), signing_key, body, "alice")
    for query in ('{"no": ' + "[" * 2_000, '{"sig": "x", "a": ' + "[" * 2_000 + "]" * 2_000 + "}"):
        status = lookup_certificate(registry, query)
        assert status.state == "invalid_input"
        assert "nested more than 64 levels" in status.problems[0]["en"]
