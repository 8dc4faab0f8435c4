"""Answering a ``RequestCreatedEvent``: the matching footprints in a ``RequestFulfilledEvent``
(or, when none matches, a ``RequestRejectedEvent`` with ``NotFound``), for the requester's own
host, named in the credentials file (``reply_to``). The answer is queued in the outbox
(:mod:`.outbox`) and sent, with retries, by the delivery worker (:mod:`.delivery`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from .catalogue import Catalogue
from .client import PactClient
from .credentials import Client, ReplyTo
from .events import REQUEST_FULFILLED, REQUEST_REJECTED, new_event, request_criteria

ClientFactory = Callable[[ReplyTo], PactClient]


def default_client(reply_to: ReplyTo) -> PactClient:
    return PactClient(reply_to.url, reply_to.client_id, reply_to.client_secret)


def answer_for(request: dict[str, Any], requester: Client, catalogue: Catalogue, source: str, at: datetime | None = None) -> dict[str, Any]:
    """The fulfilled or rejected event that answers ``request`` of ``requester`` (only the
    footprints it may see; its time ``at``, default now)."""
    criteria = request_criteria(request["data"])
    matching = [f for f in catalogue.footprints() if requester.sees(f) and criteria.matches(f)]
    if matching:
        return new_event(REQUEST_FULFILLED, source, {"requestEventId": request["id"], "pfs": matching}, at)
    error = {"code": "NotFound", "message": "no certified footprint matches the request's criteria"}
    return new_event(REQUEST_REJECTED, source, {"requestEventId": request["id"], "error": error}, at)
