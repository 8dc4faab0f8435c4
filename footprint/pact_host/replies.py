"""Answering a ``RequestCreatedEvent``: after the 200, the host finds the matching footprints and
posts a ``RequestFulfilledEvent`` (or, when none matches, a ``RequestRejectedEvent`` with
``NotFound``) to the requester's own host, named in the credentials file (``reply_to``).

Sending is attempted once; a failure is logged (the request stays in the event log, unanswered).
The spec's retries with exponential backoff for up to 72 hours are not implemented.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from .catalogue import Catalogue
from .client import PactClient
from .credentials import ReplyTo
from .errors import PactHostError
from .events import REQUEST_FULFILLED, REQUEST_REJECTED, EventStore, new_event, request_criteria

log = logging.getLogger(__name__)
ClientFactory = Callable[[ReplyTo], PactClient]


def default_client(reply_to: ReplyTo) -> PactClient:
    return PactClient(reply_to.url, reply_to.client_id, reply_to.client_secret)


def answer_for(request: dict[str, Any], catalogue: Catalogue, source: str) -> dict[str, Any]:
    """The fulfilled or rejected event that answers ``request``."""
    criteria = request_criteria(request["data"])
    matching = [f for f in catalogue.footprints() if criteria.matches(f)]
    if matching:
        return new_event(REQUEST_FULFILLED, source, {"requestEventId": request["id"], "pfs": matching})
    error = {"code": "NotFound", "message": "no certified footprint matches the request's criteria"}
    return new_event(REQUEST_REJECTED, source, {"requestEventId": request["id"], "error": error})


def send_answer(
    request: dict[str, Any],
    requester: str,
    reply_to: ReplyTo,
    catalogue: Catalogue,
    store: EventStore,
    source: str,
    make_client: ClientFactory = default_client,
) -> None:
    """Compute, post and store the answer (run after the response, in a worker thread)."""
    try:
        answer = answer_for(request, catalogue, source)
        with make_client(reply_to) as client:
            client.post_event(answer)
        store.add("sent", answer, requester)
        log.info("answered request %s of %s with %s", request["id"], requester, answer["type"])
    except PactHostError as error:
        log.warning("could not answer request %s of %s at %s: %s", request["id"], requester, reply_to.url, error)
