"""Opaque bearer tokens with an expiry, kept in memory (a restart logs every client out).

The clock is injected (a callable returning POSIX seconds), so that expiry is tested without
waiting. Tokens are 256-bit random strings; only their SHA-256 is kept.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from .credentials import Client
from .errors import AccessDenied, BadRequest, TokenExpired


@dataclass(frozen=True)
class Grant:
    client: Client
    expires_at: float


def _key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenStore:
    def __init__(self, lifetime_s: int, clock: Callable[[], float] = time.time) -> None:
        self.lifetime_s = lifetime_s
        self.clock = clock
        self._grants: dict[str, Grant] = {}
        self._lock = threading.Lock()

    def issue(self, client: Client) -> str:
        token = secrets.token_urlsafe(32)
        now = self.clock()
        with self._lock:
            self._grants = {k: g for k, g in self._grants.items() if g.expires_at > now}  # forget expired
            self._grants[_key(token)] = Grant(client, now + self.lifetime_s)
        return token

    def client_for(self, authorization: str | None, scope: str | None = None) -> Client:
        """The client a request's ``Authorization: Bearer …`` header names, with ``scope``."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise BadRequest("a bearer token is required (Authorization: Bearer <token> from /auth/token)")
        with self._lock:
            grant = self._grants.get(_key(token.strip()))
        if grant is None:
            raise BadRequest("invalid token provided")
        if self.clock() >= grant.expires_at:
            raise TokenExpired("the access token has expired: request a new one from /auth/token")
        if scope is not None and scope not in grant.client.scopes:
            raise AccessDenied(f"client {grant.client.id!r} lacks the scope {scope}")
        return grant.client
