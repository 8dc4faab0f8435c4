"""Opaque bearer tokens with an expiry, kept in the registry database (table ``pact_tokens``,
migration 0005): a restart of the host, or another host process on the same database, accepts
them until they expire.

* Tokens are 256-bit random strings; only their SHA-256 is stored, with the client, its scopes at
  issue and the expiry. A token is accepted for a scope that the client had at issue *and* still
  has in the credentials file.
* Revoked when the client leaves the credentials file or its secret changes: every request checks
  the client and a tag of its secret (``credential_tag``), and :meth:`TokenStore.forget_revoked`
  (run when the host starts) deletes such tokens for good — a client added back later does not
  get them back.
* Expired tokens answer ``401 TokenExpired`` for :data:`KEEP_EXPIRED` after their expiry, then
  are deleted (at the next issue or start) and answer like unknown ones (``400``).

Times come from the registry's clock: expiry is tested without waiting.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete

from ..certification.registry import Registry
from ..certification.registry.models import PactTokenRow
from .credentials import Client, Credentials
from .errors import AccessDenied, BadRequest, TokenExpired

KEEP_EXPIRED = timedelta(days=1)


def _key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def credential_tag(client: Client) -> str:
    """A one-way tag of the client's secret hash: changes when the secret does."""
    return hashlib.sha256(f"pact-token-credential:{client.secret_sha256}".encode("ascii")).hexdigest()


class TokenStore:
    def __init__(self, registry: Registry, credentials: Credentials) -> None:
        self.registry = registry
        self.credentials = credentials
        self.lifetime_s = credentials.token_lifetime_s

    def _purge_expired(self, session) -> int:
        cutoff = self.registry.clock.now() - KEEP_EXPIRED
        return session.execute(delete(PactTokenRow).where(PactTokenRow.expires_at <= cutoff)).rowcount

    def issue(self, client: Client) -> str:
        token = secrets.token_urlsafe(32)
        now = self.registry.clock.now()
        row = PactTokenRow(
            token_sha256=_key(token), client_id=client.id, credential_tag=credential_tag(client),
            scopes=" ".join(client.scopes), issued_at=now, expires_at=now + timedelta(seconds=self.lifetime_s),
        )  # fmt: skip
        with self.registry.writing() as session:
            self._purge_expired(session)
            session.add(row)
        return token

    def forget_revoked(self) -> int:
        """Delete the tokens of clients no longer in the credentials file or whose secret changed,
        and long-expired ones; how many were deleted."""
        deleted = 0
        with self.registry.writing() as session:
            deleted += session.execute(delete(PactTokenRow).where(PactTokenRow.client_id.not_in(list(self.credentials.clients)))).rowcount
            for client in self.credentials.clients.values():
                stale = (PactTokenRow.client_id == client.id) & (PactTokenRow.credential_tag != credential_tag(client))
                deleted += session.execute(delete(PactTokenRow).where(stale)).rowcount
            deleted += self._purge_expired(session)
        return deleted

    def client_for(self, authorization: str | None, scope: str | None = None) -> Client:
        """The client a request's ``Authorization: Bearer …`` header names, with ``scope``."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise BadRequest("a bearer token is required (Authorization: Bearer <token> from /auth/token)")
        with self.registry.reading() as session:
            row = session.get(PactTokenRow, _key(token.strip()))
        client = self.credentials.clients.get(row.client_id) if row is not None else None
        if row is None or client is None or row.credential_tag != credential_tag(client):
            raise BadRequest("invalid token provided")
        if self.registry.clock.now() >= row.expires_at:
            raise TokenExpired("the access token has expired: request a new one from /auth/token")
        if scope is not None and (scope not in row.scopes.split() or scope not in client.scopes):
            raise AccessDenied(f"client {client.id!r} lacks the scope {scope}")
        return client
