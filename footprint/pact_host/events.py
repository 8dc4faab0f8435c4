"""PACT CloudEvents (structured JSON mode): checking an incoming event, and the stored event log.

Incoming events are read with the project's safe JSON reader and checked for what the spec
requires of each of the four types (the BaseEvent fields, then the type's ``data``); a bad event
is ``400 BadRequest``, as the spec asks ("MUST validate the event and return 4xx"). Every accepted
event, and every event the host delivered, is stored in the registry database (table
``pact_events``, migration 0004), once per (direction, source, id): a redelivered request is
stored and answered once (a request and its answer's outbox row are stored together: :mod:`.outbox`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..certification.registry import Registry
from ..certification.registry.models import PactEventRow
from ..errors import InputError
from ..user_json import read_json
from .errors import BadRequest
from .filters import Criteria, parse_time

PREFIX = "org.wbcsd.pact.ProductFootprint."
REQUEST_CREATED = PREFIX + "RequestCreatedEvent.3"
REQUEST_FULFILLED = PREFIX + "RequestFulfilledEvent.3"
REQUEST_REJECTED = PREFIX + "RequestRejectedEvent.3"
PUBLISHED = PREFIX + "PublishedEvent.3"
TYPES = (REQUEST_CREATED, REQUEST_FULFILLED, REQUEST_REJECTED, PUBLISHED)
MAX_EVENT_BYTES = 10 * 2**20
ERROR_CODES = ("BadRequest", "AccessDenied", "TokenExpired", "NotFound", "InternalError", "NotImplemented")


def _text(data: Mapping[str, Any], name: str, where: str = "") -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"{where}{name} must be a non-empty string")
    return value


def request_criteria(data: Mapping[str, Any]) -> Criteria:
    """The filter criteria of a RequestCreatedEvent's data (also the older ``pf.productIds`` form)."""
    items = [(k, v) for k, v in data.items() if k not in ("comment", "pf")]
    pf = data.get("pf")
    if isinstance(pf, Mapping) and isinstance(pf.get("productIds"), list):
        items.append(("productId", pf["productIds"]))
    return Criteria.parse(items)


def check_event(event: Any) -> dict[str, Any]:
    """The event when it is a well-formed PACT v3 CloudEvent, else :class:`BadRequest`."""
    if not isinstance(event, Mapping):
        raise BadRequest("the event must be a JSON object (CloudEvents structured mode)")
    kind = _text(event, "type")
    if kind not in TYPES:
        raise BadRequest(f"unknown event type {kind!r} (expected one of {', '.join(TYPES)})")
    if event.get("specversion") != "1.0":
        raise BadRequest("specversion must be '1.0'")
    for name in ("id", "source"):
        _text(event, name)
    parse_time(_text(event, "time"), "time")
    data = event.get("data")
    if not isinstance(data, Mapping):
        raise BadRequest("data must be an object")
    if kind == REQUEST_CREATED:
        request_criteria(data)
    elif kind == REQUEST_FULFILLED:
        _text(data, "requestEventId", "data.")
        pfs = data.get("pfs")
        if not isinstance(pfs, list) or not pfs or not all(isinstance(p, Mapping) and isinstance(p.get("id"), str) and isinstance(p.get("pcf"), Mapping) for p in pfs):
            raise BadRequest("data.pfs must be a non-empty list of ProductFootprint objects")
    elif kind == REQUEST_REJECTED:
        _text(data, "requestEventId", "data.")
        error = data.get("error")
        if not isinstance(error, Mapping) or error.get("code") not in ERROR_CODES or not isinstance(error.get("message"), str):
            raise BadRequest(f"data.error must be an Error object (code one of {', '.join(ERROR_CODES)}, message)")
    else:
        ids = data.get("pfIds")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise BadRequest("data.pfIds must be a list of footprint ids")
    return dict(event)


def parse_event(body: bytes) -> dict[str, Any]:
    if len(body) > MAX_EVENT_BYTES:
        raise BadRequest(f"the event is larger than {MAX_EVENT_BYTES // 2**20} MB")
    try:
        return check_event(read_json(body, "event"))
    except InputError as error:
        raise BadRequest(f"the event is not valid JSON: {error}") from None


def new_event(kind: str, source: str, data: dict[str, Any], at: datetime | None = None) -> dict[str, Any]:
    """An event we send: a fresh id, the time ``at`` (default now; UTC, whole seconds)."""
    return {
        "type": kind,
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source,
        "time": (at or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "data": data,
    }


@dataclass(frozen=True)
class StoredEvent:
    direction: str
    client_id: str
    at: datetime
    event: dict[str, Any]


def event_row(direction: str, event: Mapping[str, Any], client_id: str, at: datetime) -> PactEventRow:
    """The ``pact_events`` row of an event received from, or sent to, ``client_id``."""
    data = event.get("data") or {}
    return PactEventRow(
        direction=direction,
        event_id=str(event["id"]),
        source=str(event["source"]),
        type=str(event["type"]),
        client_id=client_id,
        request_event_id=data.get("requestEventId") if isinstance(data.get("requestEventId"), str) else None,
        at=at,
        body=json.dumps(event, ensure_ascii=False, sort_keys=True),
    )


class EventStore:
    """The ``pact_events`` table of the registry database, times from the registry's clock."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def add(self, direction: str, event: Mapping[str, Any], client_id: str) -> int | None:
        """Store an event; its row id, or None when the same (direction, source, id) is stored."""
        try:
            with self.registry.writing() as session:
                row = event_row(direction, event, client_id, self.registry.clock.now())
                session.add(row)
                session.flush()
                return row.id
        except IntegrityError:
            return None

    def events(self, kind: str | None = None, direction: str | None = None) -> list[StoredEvent]:
        query = select(PactEventRow).order_by(PactEventRow.id)
        if kind:
            query = query.where(PactEventRow.type == kind)
        if direction:
            query = query.where(PactEventRow.direction == direction)
        with self.registry.reading() as session:
            return [StoredEvent(r.direction, r.client_id, r.at, json.loads(r.body)) for r in session.execute(query).scalars()]
