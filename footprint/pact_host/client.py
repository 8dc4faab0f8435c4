"""A small PACT v3 client: token (client credentials), ListFootprints with pagination,
GetFootprint, and posting events. Used by ``footprint pact-client`` and by the host itself to
answer a request on the requester's host.

``http`` may be any ``httpx.Client`` (FastAPI's ``TestClient`` is one), so tests run the client
against an app in the same process.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import httpx

from .errors import RemoteHostError

MAX_PAGES = 10_000  # a host whose next links never end is refused, not followed forever
EXPIRY_MARGIN_S = 5.0


def _problem(response: httpx.Response, what: str) -> RemoteHostError:
    code = message = None
    try:
        body = response.json()
        if isinstance(body, Mapping):
            code = body.get("code") or body.get("error")
            message = body.get("message") or body.get("error_description")
    except ValueError:
        pass
    text = f"{what}: HTTP {response.status_code}"
    if code or message:
        text += f" {code or ''}{': ' if code and message else ''}{message or ''}"
    return RemoteHostError(text[:500], response.status_code, code)


class PactClient:
    def __init__(self, host: str, client_id: str, secret: str, *, http: httpx.Client | None = None, timeout: float = 30.0) -> None:
        self.host = host.rstrip("/")
        self.client_id = client_id
        self._secret = secret
        self._http = http or httpx.Client(timeout=timeout)
        self._owns_http = http is None
        self._token: str | None = None
        self._expires = 0.0

    def __enter__(self) -> "PactClient":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __repr__(self) -> str:
        return f"PactClient({self.host!r}, client_id={self.client_id!r})"

    # ------------------------------------------------------------ auth

    def token(self, refresh: bool = False) -> str:
        if self._token and not refresh and time.time() < self._expires - EXPIRY_MARGIN_S:
            return self._token
        try:
            response = self._http.post(
                f"{self.host}/auth/token",
                data={"grant_type": "client_credentials"},
                auth=(self.client_id, self._secret),
                headers={"accept": "application/json"},
            )
        except httpx.HTTPError as error:
            raise RemoteHostError(f"cannot reach {self.host}: {error}") from None
        if response.status_code != 200:
            raise _problem(response, f"{self.host} refused the credentials of {self.client_id!r}")
        body = response.json()
        self._token = str(body["access_token"])
        self._expires = time.time() + float(body.get("expires_in", 60))
        return self._token

    def _call(self, method: str, url: str, what: str, **kwargs: Any) -> httpx.Response:
        """One authenticated call; an expired token is renewed once."""
        extra = kwargs.pop("headers", {})
        for attempt in (1, 2):
            headers = {"authorization": f"Bearer {self.token(refresh=attempt == 2)}", **extra}
            try:
                response = self._http.request(method, url, headers=headers, **kwargs)
            except httpx.HTTPError as error:
                raise RemoteHostError(f"cannot reach {self.host}: {error}") from None
            if response.status_code == 401 and attempt == 1:
                continue
            if response.status_code >= 400:
                raise _problem(response, what)
            return response
        raise AssertionError("unreachable")

    # ------------------------------------------------------------ footprints

    def pages(self, criteria: Mapping[str, Sequence[str] | str] | None = None, limit: int | None = None) -> Iterator[list[dict[str, Any]]]:
        """ListFootprints, one page at a time, following ``Link: <…>; rel="next"``."""
        params: list[tuple[str, str]] = []
        for name, values in (criteria or {}).items():
            params.extend((name, v) for v in ([values] if isinstance(values, str) else values))
        if limit is not None:
            params.append(("limit", str(limit)))
        url: str | None = f"{self.host}/3/footprints"
        request_params: list[tuple[str, str]] | None = params
        for _ in range(MAX_PAGES):
            if url is None:
                return
            response = self._call("GET", url, "ListFootprints failed", params=request_params)
            data = response.json().get("data")
            if not isinstance(data, list):
                raise RemoteHostError(f"{self.host} answered ListFootprints without a data list")
            yield data
            url, request_params = response.links.get("next", {}).get("url"), None
        raise RemoteHostError(f"{self.host} gave more than {MAX_PAGES} pages")

    def list_footprints(self, criteria: Mapping[str, Sequence[str] | str] | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        return [footprint for page in self.pages(criteria, limit) for footprint in page]

    def get_footprint(self, footprint_id: str) -> dict[str, Any]:
        response = self._call("GET", f"{self.host}/3/footprints/{footprint_id}", f"GetFootprint {footprint_id} failed")
        data = response.json().get("data")
        if not isinstance(data, dict):
            raise RemoteHostError(f"{self.host} answered GetFootprint without a data object")
        return data

    def post_event(self, event: Mapping[str, Any]) -> None:
        """Post an event; only a 2xx answer counts as received (a redirect is not followed)."""
        what = f"posting a {event.get('type')} failed"
        response = self._call("POST", f"{self.host}/3/events", what, json=dict(event), headers={"content-type": "application/cloudevents+json"})
        if not 200 <= response.status_code < 300:
            raise _problem(response, what)
