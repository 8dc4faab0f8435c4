"""The hash chain over the audit log: the one place that defines how an entry is hashed.

Why a chain: the append-only triggers stop the application and casual SQL, but a database owner
can drop them and rewrite or delete audit rows. Each entry therefore stores ``prev_hash`` (the
previous entry's ``entry_hash``; :data:`GENESIS` for the first) and ``entry_hash``, a SHA-256
over its own content *and* ``prev_hash``. Changing, inserting or deleting an entry in the middle
breaks the chain at that entry or the next one (:meth:`..store.Registry.verify_audit`).

The recipe (docs/certification.md repeats it for auditors who check with their own script)::

    payload = {
        "id": <entry id, integer>,
        "at": <the instant in UTC, "YYYY-MM-DDTHH:MM:SS.ffffff+00:00">,
        "actor": <text>,
        "action": <text>,
        "certificate_number": <text or null>,
        "detail": <the detail column's JSON text, verbatim, as a string>,
        "prev_hash": <64 lowercase hex digits>,
    }
    entry_hash = sha256(json.dumps(payload, sort_keys=True, separators=(",", ":"),
                                   ensure_ascii=False).encode("utf-8")).hexdigest()

``detail`` is hashed as the stored text (not re-serialised), so the hash does not depend on how
a JSON library prints numbers. Entry ids are consecutive from 1 (the store assigns
``last id + 1`` under the chain lock), so a deleted entry also shows as a gap.

This recipe must never change for existing entries: migration 0002 uses it to chain the entries
written before the chain existed.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

GENESIS = "0" * 64
HASH_FIELDS = ("id", "at", "actor", "action", "certificate_number", "detail", "prev_hash")


def format_at(at: datetime) -> str:
    """The entry time as hashed: UTC, ISO 8601 with microseconds and an explicit +00:00 offset."""
    if at.tzinfo is None:
        raise ValueError("audit times must be timezone-aware")
    return at.astimezone(timezone.utc).isoformat(timespec="microseconds")


def canonical_entry(
    id: int, at: datetime, actor: str, action: str, certificate_number: str | None, detail: str, prev_hash: str
) -> bytes:
    """The bytes an entry's hash is taken over (sorted-key compact JSON, UTF-8)."""
    payload = {
        "id": int(id),
        "at": format_at(at),
        "actor": actor,
        "action": action,
        "certificate_number": certificate_number,
        "detail": detail,
        "prev_hash": prev_hash,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(
    id: int, at: datetime, actor: str, action: str, certificate_number: str | None, detail: str, prev_hash: str
) -> str:
    """SHA-256 (lowercase hex) of :func:`canonical_entry`."""
    return hashlib.sha256(canonical_entry(id, at, actor, action, certificate_number, detail, prev_hash)).hexdigest()
