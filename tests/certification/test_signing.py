"""Keys (files, modes, passphrase), certificate and QR signatures, and tamper detection."""

from __future__ import annotations

import copy
import json
import os
import pickle
import stat
from datetime import date

import pytest

from footprint.certification.document import (
    BodyFacts,
    SignedCertificate,
    parse_certificate,
    qr_fields,
    sign_certificate,
    sign_payload,
    verify_certificate,
    verify_payload,
)
from footprint.certification.errors import KeyFileError
from footprint.certification.signing import (
    PASSPHRASE_ENV,
    SigningKey,
    generate_key_files,
    load_signing_key,
    load_verify_key,
)

from .conftest import make_request

BODY = BodyFacts(id="HKQAA", name="HKQAA")


def _certificate(key: SigningKey) -> SignedCertificate:
    content = make_request(1).content("GBA-CFP-2025-HKQAA-000001-22", BODY, date(2025, 3, 1), date(2027, 2, 28))
    return sign_certificate(content, key)


def test_key_files_modes_and_no_overwrite(tmp_path, monkeypatch):
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    files = generate_key_files(tmp_path / "keys")
    assert stat.S_IMODE(files.private_key.stat().st_mode) == 0o600
    assert stat.S_IMODE(files.public_key.stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    assert not files.encrypted
    assert load_signing_key(tmp_path / "keys").key_id == files.key_id == load_verify_key(tmp_path / "keys").key_id
    with pytest.raises(KeyFileError, match="refusing to overwrite"):
        generate_key_files(tmp_path / "keys")
    os.chmod(files.private_key, 0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        load_signing_key(files.private_key)


def test_passphrase_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(PASSPHRASE_ENV, "correct horse battery staple")
    files = generate_key_files(tmp_path)
    assert files.encrypted and b"ENCRYPTED" in files.private_key.read_bytes()
    assert load_signing_key(tmp_path).key_id == files.key_id
    monkeypatch.setenv(PASSPHRASE_ENV, "wrong")
    with pytest.raises(KeyFileError, match="wrong passphrase"):
        load_signing_key(tmp_path)
    monkeypatch.delenv(PASSPHRASE_ENV)
    with pytest.raises(KeyFileError, match=f"set {PASSPHRASE_ENV}"):
        load_signing_key(tmp_path)


def test_signing_key_never_shows_itself(signing_key):
    secret = signing_key.private_pem(None)
    assert signing_key.key_id in repr(signing_key) and "hidden" in str(signing_key)
    assert secret.decode() not in repr(signing_key)
    with pytest.raises(TypeError):
        pickle.dumps(signing_key)
    with pytest.raises(TypeError):
        copy.copy(signing_key)


def test_sign_and_verify_certificate_offline(signing_key):
    signed = _certificate(signing_key)
    check = verify_certificate(signed, signing_key.verify_key, on=date(2025, 6, 1))
    assert (check.state, check.signature_valid, check.number) == ("valid", True, "GBA-CFP-2025-HKQAA-000001-22")
    # read back from its JSON text: the same canonical bytes, still valid
    again = parse_certificate(signed.to_json())
    assert verify_certificate(again, signing_key.verify_key, on=date(2025, 6, 1)).ok
    assert verify_certificate(again, signing_key.verify_key, on=date(2027, 3, 1)).state == "expired"
    assert verify_certificate(again, signing_key.verify_key, on=date(2025, 2, 1)).state == "not_yet_valid"


@pytest.mark.parametrize(
    "path, value",
    [
        (("certificate", "value_kgco2e"), 11.3),
        (("certificate", "expiry_date"), "2029-02-28"),
        (("certificate", "study", "sha256"), "f" * 64),
        (("certificate", "product", "model"), "L-999"),
        (("signature", "value"), "A" * 86),
    ],
)
def test_tampered_certificate_fails(signing_key, path, value):
    data = json.loads(_certificate(signing_key).to_json())
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    check = verify_certificate(parse_certificate(json.dumps(data)), signing_key.verify_key, on=date(2025, 6, 1))
    assert check.state == "invalid" and not check.signature_valid
    assert "altered" in check.problems[0]


def test_certificate_signed_by_another_key_fails(signing_key):
    other = SigningKey.generate()
    check = verify_certificate(_certificate(other), signing_key.verify_key, on=date(2025, 6, 1))
    assert check.state == "invalid" and "signed with key" in check.problems[0]


def test_qr_payload_signed_and_tamper_evident(signing_key):
    content = _certificate(signing_key).certificate
    payload = sign_payload(qr_fields(content), signing_key)
    assert len(payload.encode()) < 600  # fits a QR code comfortably
    assert verify_payload(payload, signing_key.verify_key, on=date(2025, 6, 1)).ok
    data = json.loads(payload)
    data["v"] = 1.0
    forged = json.dumps(data)
    check = verify_payload(forged, signing_key.verify_key, on=date(2025, 6, 1))
    assert check.state == "invalid"
    assert verify_payload(payload, signing_key.verify_key, on=date(2030, 1, 1)).state == "expired"
