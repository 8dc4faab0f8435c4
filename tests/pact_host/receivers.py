"""A requester's host as the supplier's delivery worker sees it, with scripted failures.

:class:`ScriptedReceiver` is an ``httpx.MockTransport`` handler: each ``POST /3/events`` takes the
next step of its script (an HTTP status to answer, or a (status, headers) pair such as
``(429, {"retry-after": "120"})``, an ``httpx`` exception to raise, or ``STORED_THEN_504``: the
event reaches the real host but the answer is lost); once the script is
used up, requests go to ``host`` (a TestClient of a real host app) or get ``200``. Token requests
always go to ``host`` when there is one. Every event posted is recorded.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import httpx

STORED_THEN_504 = "stored-then-504"


class ScriptedReceiver:
    def __init__(self, script: Sequence[int | tuple[int, dict[str, str]] | type[Exception] | str] = (), host=None, always: int | None = None) -> None:
        self.script = list(script)
        self.host = host
        self.always = always  # answer every event post with this status (after the script)
        self.posted: list[str] = []  # event ids, one per POST /3/events that arrived
        self.events: list[dict] = []  # the events themselves, in the same order
        self.tokens = 0

    def _forward(self, request: httpx.Request) -> httpx.Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        answer = self.host.request(request.method, request.url.raw_path.decode("ascii"), content=request.content, headers=headers)
        return httpx.Response(answer.status_code, headers={"content-type": answer.headers.get("content-type", "application/json")}, content=answer.content)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/token":
            self.tokens += 1
            if self.host is not None:
                return self._forward(request)
            return httpx.Response(200, json={"access_token": f"token-{self.tokens}", "token_type": "bearer", "expires_in": 3600})
        self.events.append(json.loads(request.content))
        self.posted.append(self.events[-1]["id"])
        step = self.script.pop(0) if self.script else self.always
        if isinstance(step, type) and issubclass(step, Exception):
            raise step("scripted failure", request=request)
        if step == STORED_THEN_504:
            self._forward(request)
            return httpx.Response(504, json={"code": "InternalError", "message": "gateway timeout"})
        status, headers = step if isinstance(step, tuple) else (step, {})
        if isinstance(status, int):
            return httpx.Response(status, headers=headers, json={"code": "Scripted", "message": f"scripted {status}"})
        return self._forward(request) if self.host is not None else httpx.Response(200)

    def client_factory(self):
        """A ``make_client`` for the supplier's worker: PactClients whose HTTP goes to this receiver."""
        from footprint.pact_host.client import PactClient

        return lambda reply_to: PactClient(reply_to.url, reply_to.client_id, reply_to.client_secret, http=httpx.Client(transport=httpx.MockTransport(self)))
