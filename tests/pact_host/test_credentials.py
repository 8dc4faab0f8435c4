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
    ],
)
def test_malformed_files_are_refused(tmp_path, clients, message):
    from footprint.pact_host.credentials import load_credentials
    from footprint.pact_host.errors import CredentialsError

    with pytest.raises(CredentialsError, match=message):
        load_credentials(write_credentials(tmp_path / "c.json", clients))
