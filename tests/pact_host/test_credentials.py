"""The credentials file: hashed secrets, scopes, reply hosts; refused when others may read it."""

from __future__ import annotations

import os

import pytest

from .conftest import client_entry, write_credentials


def test_secrets_are_checked_and_the_file_must_be_private(tmp_path):
    from footprint.pact_host.credentials import load_credentials
    from footprint.pact_host.errors import CredentialsError

    path = write_credentials(tmp_path / "c.json", [client_entry("a", "secret-a"), client_entry("b", "secret-b", scopes=["footprint:read"])])
    credentials = load_credentials(path)
    assert credentials.authenticate("a", "secret-a").id == "a"
    assert credentials.authenticate("a", "secret-b") is None and credentials.authenticate("z", "secret-a") is None
    assert credentials.clients["b"].scopes == ("footprint:read",)
    assert "secret" not in repr(credentials.clients["a"])
    os.chmod(path, 0o644)
    with pytest.raises(CredentialsError, match="chmod 600"):
        load_credentials(path)


@pytest.mark.parametrize(
    "clients, message",
    [
        ([{"id": "a", "secret_sha256": "abc"}], "64 hex"),
        ([{"id": "", "secret_sha256": "0" * 64}], "non-empty"),
        ([{"id": "a", "secret_sha256": "0" * 64, "scopes": ["admin"]}], "scopes"),
        ([{"id": "a", "secret_sha256": "0" * 64, "reply_to": {"url": "http://x"}}], "reply_to"),
        ([{"id": "a", "secret_sha256": "0" * 64}, {"id": "a", "secret_sha256": "1" * 64}], "unique"),
        ([{"id": "a", "secret_sha256": "0" * 64, "access": ["urn:gtin:1"]}], r"clients\[0\]\.access must be an object"),
        ([{"id": "a", "secret_sha256": "0" * 64, "access": {"productId": ["urn:gtin:1"]}}], r"clients\[0\]\.access must be an object"),
        ([{"id": "a", "secret_sha256": "0" * 64, "access": {"productIds": "urn:gtin:1"}}], r"access\.productIds must be a list"),
        ([{"id": "a", "secret_sha256": "0" * 64, "access": {"companyIds": ["  "]}}], r"access\.companyIds must be a list of non-empty"),
        ([{"id": "a", "secret_sha256": "0" * 64, "access": {"productIds": [], "companyIds": []}}], "would see nothing"),
    ],
)
def test_malformed_files_are_refused(tmp_path, clients, message):
    from footprint.pact_host.credentials import load_credentials
    from footprint.pact_host.errors import CredentialsError

    with pytest.raises(CredentialsError, match=message):
        load_credentials(write_credentials(tmp_path / "c.json", clients))


def test_access_names_products_or_companies(tmp_path):
    from footprint.pact_host.credentials import load_credentials

    access = {"productIds": ["URN:GTIN:1"], "companyIds": ["urn:company:b"]}
    credentials = load_credentials(write_credentials(tmp_path / "c.json", [client_entry("a", "s", access=access), client_entry("all", "s")]))
    limited, everyone = credentials.clients["a"], credentials.clients["all"]
    product = {"productIds": ["urn:gtin:1"], "companyIds": ["urn:company:a"]}
    company = {"productIds": ["urn:gtin:2"], "companyIds": ["urn:company:B"]}
    neither = {"productIds": ["urn:gtin:2"], "companyIds": ["urn:company:a"]}
    assert [limited.sees(f) for f in (product, company, neither)] == [True, True, False]
    assert all(everyone.sees(f) for f in (product, company, neither)) and everyone.access is None
