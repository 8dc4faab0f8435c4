"""Who may connect to the host: a small JSON credentials file.

```json
{
  "token_lifetime_s": 3600,
  "clients": [
    {"id": "buyer-co", "secret_sha256": "<sha256 hex of the secret>",
     "scopes": ["footprint:list", "footprint:read"],
     "access": {"productIds": ["urn:gtin:4712345060507"], "companyIds": ["urn:pact:company:bay-lighting"]},
     "reply_to": {"url": "https://pact.buyer.example", "client_id": "supplier-co", "client_secret": "…"}}
  ]
}
```

* Secrets are stored as SHA-256 hex digests, compared in constant time. They must be random
  (``openssl rand -hex 32``): a plain hash is enough for a 256-bit random secret, not for a
  password.
* ``scopes`` are the spec's ``footprint:list`` and ``footprint:read`` (default: both). Any
  authenticated client may post events.
* ``access`` (optional) limits the footprints the client sees — in lists, by id and in answers to
  its requests — to those with one of the ``productIds`` or one of the ``companyIds`` given
  (case-insensitive, as filters). Without it the client sees every served footprint.
* ``reply_to`` (optional) is the client's own PACT host, its events endpoint: where the answer to
  its ``RequestCreatedEvent`` is posted, and the ``PublishedEvent`` announcing a footprint it may
  see (:mod:`.announcements`), with the credentials *that* host gave us. Because the file holds
  such secrets, it must not be readable by group or others (``chmod 600``), as for signing keys.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..user_json import read_json
from .errors import CredentialsError
from .filters import Criteria

SCOPES = ("footprint:list", "footprint:read")
DEFAULT_TOKEN_LIFETIME_S = 3600


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ReplyTo:
    """A client's own host, and how we authenticate there."""

    url: str
    client_id: str
    client_secret: str = field(repr=False)


ACCESS_KEYS = {"productIds": "productId", "companyIds": "companyId"}  # file key → filter criterion


@dataclass(frozen=True)
class Access:
    """The footprints a client may see: any one of ``grants`` matches (a product or a company)."""

    grants: tuple[Criteria, ...]

    def allows(self, footprint: Mapping[str, Any]) -> bool:
        return any(grant.matches(footprint) for grant in self.grants)


@dataclass(frozen=True)
class Client:
    id: str
    secret_sha256: str = field(repr=False)
    scopes: tuple[str, ...] = SCOPES
    reply_to: ReplyTo | None = None
    access: Access | None = None  # None: every served footprint

    def check_secret(self, secret: str) -> bool:
        return hmac.compare_digest(secret_digest(secret), self.secret_sha256)

    def sees(self, footprint: Mapping[str, Any]) -> bool:
        return self.access is None or self.access.allows(footprint)


@dataclass(frozen=True)
class Credentials:
    clients: Mapping[str, Client]
    token_lifetime_s: int = DEFAULT_TOKEN_LIFETIME_S

    def authenticate(self, client_id: str, secret: str) -> Client | None:
        """The client when id and secret match, else None (the same time is spent either way)."""
        client = self.clients.get(client_id)
        if client is None:
            hmac.compare_digest(secret_digest(secret), "0" * 64)
            return None
        return client if client.check_secret(secret) else None


def _client(data: Any, index: int) -> Client:
    where = f"clients[{index}]"
    if not isinstance(data, Mapping):
        raise CredentialsError(f"{where} must be an object")
    client_id, digest = data.get("id"), str(data.get("secret_sha256", "")).lower()
    if not isinstance(client_id, str) or not client_id.strip():
        raise CredentialsError(f"{where}.id must be a non-empty string")
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise CredentialsError(f"{where}.secret_sha256 must be 64 hex digits (sha256 of the secret)")
    scopes = data.get("scopes", list(SCOPES))
    if not isinstance(scopes, list) or any(s not in SCOPES for s in scopes):
        raise CredentialsError(f"{where}.scopes must be a list of {', '.join(SCOPES)}")
    reply = data.get("reply_to")
    reply_to = None
    if reply is not None:
        if not isinstance(reply, Mapping) or not all(isinstance(reply.get(k), str) and reply.get(k) for k in ("url", "client_id", "client_secret")):
            raise CredentialsError(f"{where}.reply_to needs url, client_id and client_secret (strings)")
        reply_to = ReplyTo(reply["url"].rstrip("/"), reply["client_id"], reply["client_secret"])
    return Client(client_id, digest, tuple(scopes), reply_to, _access(data.get("access"), f"{where}.access"))


def _access(data: Any, where: str) -> Access | None:
    if data is None:
        return None
    if not isinstance(data, Mapping) or set(data) - set(ACCESS_KEYS):
        raise CredentialsError(f"{where} must be an object with productIds and/or companyIds (lists of ids)")
    grants = []
    for key, criterion in ACCESS_KEYS.items():
        ids = data.get(key, [])
        if not isinstance(ids, list) or not all(isinstance(i, str) and i.strip() for i in ids):
            raise CredentialsError(f"{where}.{key} must be a list of non-empty strings")
        if ids:
            grants.append(Criteria.parse([(criterion, ids)]))
    if not grants:
        raise CredentialsError(f"{where} names no productId or companyId: the client would see nothing (leave access out to allow every footprint)")
    return Access(tuple(grants))


def credentials_from_data(data: Any) -> Credentials:
    if not isinstance(data, Mapping) or not isinstance(data.get("clients"), list):
        raise CredentialsError("the credentials file must be an object with a 'clients' list")
    clients = [_client(item, i) for i, item in enumerate(data["clients"])]
    ids = [c.id for c in clients]
    if len(set(ids)) != len(ids):
        raise CredentialsError("client ids in the credentials file must be unique")
    lifetime = data.get("token_lifetime_s", DEFAULT_TOKEN_LIFETIME_S)
    if not isinstance(lifetime, int) or isinstance(lifetime, bool) or not 1 <= lifetime <= 86400:
        raise CredentialsError("token_lifetime_s must be a whole number of seconds from 1 to 86400")
    return Credentials({c.id: c for c in clients}, lifetime)


def load_credentials(path: str | Path) -> Credentials:
    """Read the credentials file; refuses one that group or others may read."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
        raw = path.read_bytes()
    except OSError as error:
        raise CredentialsError(f"cannot read the credentials file {path}: {error.strerror}") from None
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CredentialsError(f"{path} holds secrets but group or others may access it: chmod 600 {path}")
    return credentials_from_data(read_json(raw, path.name))
