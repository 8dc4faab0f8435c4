"""The PACT v3 host as a FastAPI application (run it with ``footprint pact-host``).

Endpoints: ``POST /auth/token`` (OAuth2 client credentials, RFC 6749 4.4: HTTP Basic or form
fields; errors in RFC 6749 5.2 form), ``GET /3/footprints`` (filters, ``limit``, ``offset``;
``Link: <absolute URL>; rel="next"``), ``GET /3/footprints/{id}``, ``POST /3/events``. Every
other error body is the spec's ``Error`` object (:mod:`.errors`).

Started (the app's lifespan), the host deletes revoked tokens and starts its delivery worker
(:mod:`.delivery`), which sends the answers queued in the outbox and, when the host knows its own
URL (``public_url``), announces new, renewed and revoked certificates' footprints
(:mod:`.announcements`); stopped, it stops the worker.
"""

from __future__ import annotations

import base64
import binascii
import logging
import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from .announcements import Announcer
from .catalogue import Catalogue
from .credentials import Client, Credentials
from .delivery import DeliveryWorker
from .errors import ApiError, BadRequest, NotFound
from .events import REQUEST_CREATED, EventStore, parse_event
from .filters import Criteria
from .outbox import OutboxStore
from .replies import ClientFactory, default_client
from .tokens import TokenStore

log = logging.getLogger(__name__)
PAGING = ("limit", "offset")
MAX_LIMIT = 1000


@dataclass
class HostState:
    """What the app serves from; all tables in the catalogue's registry, times from its clock."""

    catalogue: Catalogue
    credentials: Credentials
    tokens: TokenStore
    events: EventStore
    outbox: OutboxStore
    worker: DeliveryWorker
    public_url: str | None = None  # the host's own base URL, for the ``source`` of events it sends
    deliver_in_background: bool = True  # start the worker's thread with the app (tests call run_once)


def host_state(
    catalogue: Catalogue,
    credentials: Credentials,
    public_url: str | None = None,
    *,
    make_client: ClientFactory = default_client,
    deliver_in_background: bool = True,
    draw: Callable[[], float] = random.random,
) -> HostState:
    """The host's state over ``catalogue.registry``: tokens, events, outbox and its worker (which
    announces footprints only with a ``public_url``: the events' source)."""
    registry = catalogue.registry
    outbox = OutboxStore(registry, draw)
    announcer = None
    if public_url:
        announcer = Announcer(outbox, credentials, catalogue, events_url(public_url))
    elif any(client.reply_to is not None for client in credentials.clients.values()):
        log.warning("no public URL given (--public-url): new and changed footprints are not announced to clients until there is one")
    worker = DeliveryWorker(outbox, credentials, catalogue, make_client, announcer=announcer)
    return HostState(catalogue, credentials, TokenStore(registry, credentials), EventStore(registry), outbox, worker, public_url, deliver_in_background)


def events_url(base_url: str) -> str:
    """This host's events endpoint under its base URL: the ``source`` of the events it sends."""
    return f"{base_url.rstrip('/')}/3/events"


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    headers = {"www-authenticate": 'Basic realm="pact"'} if status == 401 else None
    return JSONResponse({"error": error, "error_description": description}, status_code=status, headers=headers)


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            client_id, sep, secret = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return (client_id, secret) if sep else None
    if "client_id" in form and "client_secret" in form:
        return form["client_id"], form["client_secret"]
    return None


def _page(request: Request) -> tuple[int | None, int, Criteria]:
    pairs = list(request.query_params.multi_items())
    paging = {k.lower(): v for k, v in pairs if k.lower() in PAGING}
    try:
        limit = int(paging["limit"]) if "limit" in paging else None
        offset = int(paging.get("offset", "0"))
    except ValueError:
        raise BadRequest("limit and offset must be whole numbers") from None
    if (limit is not None and not 0 <= limit) or offset < 0:
        raise BadRequest("limit and offset must not be negative")
    return (min(limit, MAX_LIMIT) if limit is not None else None), offset, Criteria.parse((k, v) for k, v in pairs if k.lower() not in PAGING)


def create_app(state: HostState) -> FastAPI:
    state.tokens.forget_revoked()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if state.deliver_in_background:
            state.worker.start()
        try:
            yield
        finally:
            await run_in_threadpool(state.worker.stop)

    app = FastAPI(title="GBA footprint PACT v3 host", version="3.0.3", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.host = state

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, error: ApiError) -> JSONResponse:
        headers = {"www-authenticate": "Bearer"} if error.status == 401 else None
        return JSONResponse(error.body(), status_code=error.status, headers=headers)

    @app.exception_handler(Exception)
    async def _internal(_request: Request, error: Exception) -> JSONResponse:
        log.exception("internal error")
        return JSONResponse({"code": "InternalError", "message": "internal error"}, status_code=500)

    def authorised(request: Request, scope: str | None) -> Client:
        return state.tokens.client_for(request.headers.get("authorization"), scope)

    @app.post("/auth/token")
    async def token(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
        if form.get("grant_type") != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type", "grant_type must be client_credentials")
        given = _client_credentials(request, form)
        client = state.credentials.authenticate(*given) if given else None
        if client is None:
            return _oauth_error(401, "invalid_client", "client authentication failed")
        access = await run_in_threadpool(state.tokens.issue, client)
        body = {"access_token": access, "token_type": "bearer", "expires_in": state.tokens.lifetime_s, "scope": " ".join(client.scopes)}
        return JSONResponse(body, headers={"cache-control": "no-store"})

    @app.get("/3/footprints")
    def list_footprints(request: Request) -> Response:
        client = authorised(request, "footprint:list")
        limit, offset, criteria = _page(request)
        matching = [f for f in state.catalogue.footprints() if client.sees(f) and criteria.matches(f)]
        end = len(matching) if limit is None else offset + limit
        headers = {}
        if end < len(matching) and limit:
            following = request.url.remove_query_params(["offset", "limit"]).include_query_params(limit=limit, offset=end)
            headers["link"] = f'<{following}>; rel="next"'
        return JSONResponse({"data": matching[offset:end]}, headers=headers)

    @app.get("/3/footprints/{footprint_id}")
    def get_footprint(footprint_id: str, request: Request) -> Response:
        client = authorised(request, "footprint:read")
        footprint = state.catalogue.footprint(footprint_id)
        if footprint is None or not client.sees(footprint):  # one answer: a hidden one does not exist
            raise NotFound(f"footprint with id {footprint_id[:100]!r} does not exist")
        return JSONResponse({"data": footprint})

    @app.post("/3/events")
    async def events(request: Request) -> Response:
        client = await run_in_threadpool(authorised, request, None)
        event = parse_event(await request.body())
        if event["type"] != REQUEST_CREATED:
            await run_in_threadpool(state.events.add, "received", event, client.id)
        elif client.reply_to is None:
            if await run_in_threadpool(state.events.add, "received", event, client.id):
                log.warning("request %s of %s stored; no reply_to host configured for it", event["id"], client.id)
        else:
            source = events_url(state.public_url or str(request.base_url))
            if await run_in_threadpool(state.outbox.add_request, event, client.id, source):
                state.worker.wake()
        return Response(status_code=200)

    return app
