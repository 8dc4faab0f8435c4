"""Access tokens in the registry database: a restarted host (a new app over the same registry)
accepts them, only their SHA-256 is stored, a removed client or a changed secret revokes them for
good, a scope taken away is refused, and expiry still answers 401 TokenExpired."""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from datetime import date

import pytest

from ..certification.conftest import registry_target  # noqa: F401
from .conftest import HOST_URL, SECRET, assert_schema, client_entry, open_host, registry_copy, token_for, write_credentials

OTHER_SECRET = "s3cret-lister-fedcba9876543210"


@contextmanager
def started(target, studies, credentials_path, clock):
    """A host process: app created (revoked tokens deleted), then stopped."""
    from fastapi.testclient import TestClient

    from footprint.pact_host.app import create_app

    registry, state = open_host(target, studies, credentials_path, clock)
    try:
        with TestClient(create_app(state), base_url=HOST_URL) as client:
            yield client, registry
    finally:
        registry.close()


def status_of(client, token: str, path: str = "/3/footprints") -> tuple[int, str | None]:
    response = client.get(path, headers={"authorization": f"Bearer {token}"})
    code = response.json().get("code") if response.status_code != 200 else None
    if code is not None:
        assert_schema("Error", response.json())
    return response.status_code, code


def stored_tokens(registry) -> list:
    from sqlalchemy import select

    from footprint.certification.registry.models import PactTokenRow

    with registry.reading() as session:
        return list(session.execute(select(PactTokenRow)).scalars())


@pytest.fixture
def setup(certified_setup, tmp_path):
    clients = [client_entry("buyer", SECRET), client_entry("lister", OTHER_SECRET, scopes=["footprint:list"])]
    return registry_copy(certified_setup, tmp_path), certified_setup[1], write_credentials(tmp_path / "clients.json", clients)


def test_a_token_survives_a_restart_and_still_expires(setup, host_clock):
    from footprint.pact_host.tokens import KEEP_EXPIRED

    target, studies, credentials = setup
    with started(target, studies, credentials, host_clock) as (client, registry):
        token = token_for(client)
        (row,) = stored_tokens(registry)
        assert row.token_sha256 == hashlib.sha256(token.encode()).hexdigest() and row.client_id == "buyer"
        assert token not in repr(vars(row)) and row.scopes == "footprint:list footprint:read"
        assert (row.expires_at - row.issued_at).total_seconds() == 600
    with started(target, studies, credentials, host_clock) as (client, registry):  # restarted
        assert status_of(client, token) == (200, None)
        host_clock.advance(seconds=599)
        assert status_of(client, token) == (200, None)
        host_clock.advance(seconds=1)
        assert status_of(client, token) == (401, "TokenExpired")
    with started(target, studies, credentials, host_clock) as (client, registry):
        token_for(client, "lister", OTHER_SECRET)  # issuing purges tokens expired more than a day ago only
        assert status_of(client, token) == (401, "TokenExpired")
        host_clock.advance(seconds=KEEP_EXPIRED.total_seconds())
        token_for(client, "lister", OTHER_SECRET)
        assert status_of(client, token) == (400, "BadRequest")
        assert [r.client_id for r in stored_tokens(registry)] == ["lister", "lister"]


def test_a_removed_client_or_a_changed_secret_revokes_tokens_for_good(setup, tmp_path, host_clock):
    from footprint.pact_host.credentials import load_credentials
    from footprint.pact_host.errors import BadRequest
    from footprint.pact_host.tokens import TokenStore

    target, studies, credentials = setup
    with started(target, studies, credentials, host_clock) as (client, registry):
        buyer, lister = token_for(client), token_for(client, "lister", OTHER_SECRET)
        changed = write_credentials(tmp_path / "changed.json", [client_entry("lister", "a-new-secret-0123456789abcdef", scopes=["footprint:list"])])
        # checked on every request, also before a restart has deleted anything (another process)
        other = TokenStore(registry, load_credentials(changed))
        for token in (buyer, lister):
            with pytest.raises(BadRequest, match="invalid token"):
                other.client_for(f"Bearer {token}")
        assert len(stored_tokens(registry)) == 2
    with started(target, studies, changed, host_clock) as (client, registry):
        assert stored_tokens(registry) == []  # deleted at start
        assert status_of(client, buyer) == (400, "BadRequest") and status_of(client, lister) == (400, "BadRequest")
    with started(target, studies, credentials, host_clock) as (client, registry):  # both back, old secrets
        assert status_of(client, buyer) == (400, "BadRequest") and status_of(client, lister) == (400, "BadRequest")
        assert status_of(client, token_for(client)) == (200, None)


def test_a_scope_taken_away_is_refused(setup, tmp_path, host_clock):
    target, studies, credentials = setup
    with started(target, studies, credentials, host_clock) as (client, _):
        token = token_for(client)
        (footprint,) = client.get("/3/footprints", headers={"authorization": f"Bearer {token}"}).json()["data"]
    narrower = write_credentials(tmp_path / "narrower.json", [client_entry("buyer", SECRET, scopes=["footprint:list"])])
    with started(target, studies, narrower, host_clock) as (client, _):
        assert status_of(client, token) == (200, None)
        assert status_of(client, token, f"/3/footprints/{footprint['id']}") == (403, "AccessDenied")


def test_tokens_are_shared_by_processes_on_both_backends(registry_target, tmp_path):
    """One process issues, another (its own engine) accepts; both on SQLite and PostgreSQL."""
    from footprint.certification.clock import FixedClock
    from footprint.certification.registry import Registry
    from footprint.pact_host.credentials import load_credentials
    from footprint.pact_host.errors import TokenExpired
    from footprint.pact_host.tokens import TokenStore

    credentials = load_credentials(write_credentials(tmp_path / "c.json", [client_entry("buyer", SECRET)], lifetime=60))
    clock = FixedClock(date(2025, 6, 30))
    with Registry.open(registry_target, clock=clock) as one, Registry.open(registry_target, clock=clock) as two:
        token = TokenStore(one, credentials).issue(credentials.clients["buyer"])
        assert TokenStore(two, credentials).client_for(f"Bearer {token}", "footprint:read").id == "buyer"
        clock.advance(seconds=60)
        with pytest.raises(TokenExpired):
            TokenStore(two, credentials).client_for(f"Bearer {token}")
