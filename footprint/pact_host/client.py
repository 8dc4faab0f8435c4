"""A small PACT v3 client: token (client credentials), ListFootprints with pagination,
GetFootprint, and posting events. Used by ``footprint pact-client`` and by the host itself to
answer a request on the requester's host.

``http`` may be any ``httpx.Client`` (FastAPI's ``TestClient`` is one), so tests run the client
against an app in the same process.

Where it connects: anywhere the address leads, unless it is given a ``guard``
(:class:`.address_guard.AddressGuard`): then every connection — the token request, every page —
goes only to addresses the guard allows, pinned as checked (see :mod:`.address_guard`). Give one
whenever the address comes from someone other than whoever runs this process (the web form
does; the CLI does with ``--public-only``).

Redirects are not followed (an answer 3xx is an error of kind ``redirect``): a PACT host is asked
at its own address, and the token request carries the client secret. A ``Link`` next page on
another scheme, host or port is refused too (kind ``foreign_link``): the bearer token would go
with it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import httpx

from ..errors import InputError, shorten
from ..user_json import read_json
from .address_guard import AddressGuard, GuardedTransport
from .errors import RemoteHostError

MAX_PAGES = 10_000  # a host whose next links never end is refused, not followed forever
EXPIRY_MARGIN_S = 5.0
MAX_RESPONSE_BYTES = 50_000_000  # a page of 1,000 footprints is a few MB; more is not an answer


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port or {"http": 80, "https": 443}.get(url.scheme)


def _problem(response: httpx.Response, body: bytes, what: str) -> RemoteHostError:
    code = message = None
    try:
        parsed = json.loads(body)
        if isinstance(parsed, Mapping):
            code = parsed.get("code") or parsed.get("error")
            message = parsed.get("message") or parsed.get("error_description")
    except ValueError:
        pass
    text = f"{what}: HTTP {response.status_code}"
    if code or message:
        text += f" {code or ''}{': ' if code and message else ''}{message or ''}"
    return RemoteHostError(text[:500], response.status_code, None if code is None else str(code)[:100], retry_after=response.headers.get("retry-after"))


class PactClient:
    """One connection to one host. ``timeout`` (seconds) bounds every request; an answer longer
    than ``max_response_bytes`` (after decompression) is refused while it is being read;
    ``guard``: connect only where it allows (not with ``http``, whose transport is the caller's)."""

    def __init__(
        self,
        host: str,
        client_id: str,
        secret: str,
        *,
        http: httpx.Client | None = None,
        timeout: float = 30.0,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        guard: AddressGuard | None = None,
    ) -> None:
        if http is not None and guard is not None:
            raise ValueError("give PactClient a guard or an http client, not both: the guard works in the client's transport")
        self.host = host.rstrip("/")
        self.client_id = client_id
        self._secret = secret
        self._http = http or httpx.Client(timeout=timeout, transport=None if guard is None else GuardedTransport(guard))
        self._owns_http = http is None
        self._max_bytes = max_response_bytes
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

    # ------------------------------------------------------------ transport

    def _send(self, method: str, url: str, **kwargs: Any) -> tuple[httpx.Response, bytes]:
        """One request; the body read up to the size limit. Network failures are typed."""
        try:
            with self._http.stream(method, url, **kwargs) as response:
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > self._max_bytes:
                        raise RemoteHostError(f"{self.host} answered with more than {self._max_bytes} bytes", response.status_code, kind="too_large")
        except httpx.TimeoutException:
            raise RemoteHostError(f"{self.host} did not answer in time", kind="timeout") from None
        except httpx.HTTPError as error:
            raise RemoteHostError(f"cannot reach {self.host}: {error}", kind="unreachable") from None
        except (httpx.InvalidURL, UnicodeError) as error:  # e.g. 999.1.1.1, a malformed IDNA name
            raise RemoteHostError(f"not a valid address: {shorten(url, 200)} ({error})", kind="invalid_url") from None
        if 300 <= response.status_code < 400:
            location = shorten(response.headers.get("location", ""), 200)
            raise RemoteHostError(f"{self.host} answered with a redirect (HTTP {response.status_code}) to {location}: redirects are not followed", response.status_code, kind="redirect")
        return response, bytes(body)

    def _object(self, body: bytes, what: str) -> dict[str, Any]:
        """The answer as a JSON object, read by the strict reader (footprint.user_json)."""
        try:
            parsed = read_json(body, what)
        except InputError as error:
            raise RemoteHostError(f"{what}: {self.host} did not answer with valid JSON ({error.issues[0].message})", kind="invalid_json") from None
        if not isinstance(parsed, dict):
            raise RemoteHostError(f"{what}: {self.host} did not answer with a JSON object", kind="not_pact")
        return parsed

    # ------------------------------------------------------------ auth

    def token(self, refresh: bool = False) -> str:
        if self._token and not refresh and time.time() < self._expires - EXPIRY_MARGIN_S:
            return self._token
        response, body = self._send(
            "POST",
            f"{self.host}/auth/token",
            data={"grant_type": "client_credentials"},
            auth=(self.client_id, self._secret),
            headers={"accept": "application/json"},
        )
        if response.status_code != 200:
            problem = _problem(response, body, f"{self.host} refused the credentials of {self.client_id!r}")
            if response.status_code in (400, 401, 403) and problem.code in ("invalid_client", "unauthorized_client", "invalid_grant", None):
                problem.kind = "credentials"
            raise problem
        answer = self._object(body, "token")
        token, lifetime = answer.get("access_token"), answer.get("expires_in", 60)
        if not isinstance(token, str) or not token or isinstance(lifetime, bool) or not isinstance(lifetime, (int, float)):
            raise RemoteHostError(f"{self.host} answered the token request without an access token", kind="not_pact")
        self._token = token
        self._expires = time.time() + float(lifetime)
        return self._token

    def _call(self, method: str, url: str, what: str, *, read_answer: bool = True, **kwargs: Any) -> tuple[httpx.Response, dict[str, Any]]:
        """One authenticated call, its answer as a JSON object (``read_answer=False``: not read, as
        for events, whose answer has no body to rely on); an expired token is renewed once."""
        extra = kwargs.pop("headers", {})
        for attempt in (1, 2):
            headers = {"authorization": f"Bearer {self.token(refresh=attempt == 2)}", **extra}
            response, body = self._send(method, url, headers=headers, **kwargs)
            if response.status_code == 401 and attempt == 1:
                continue
            if response.status_code >= 400:
                raise _problem(response, body, what)
            return response, (self._object(body, what) if read_answer and body.strip() else {})
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
            response, answer = self._call("GET", url, "ListFootprints failed", params=request_params)
            data = answer.get("data")
            if not isinstance(data, list):
                raise RemoteHostError(f"{self.host} answered ListFootprints without a data list", kind="not_pact")
            yield data
            url, request_params = self._next_page(response), None
        raise RemoteHostError(f"{self.host} gave more than {MAX_PAGES} pages")

    def _next_page(self, response: httpx.Response) -> str | None:
        """The ``Link`` next URL (a relative one read against the page's), if on this host."""
        link = response.links.get("next", {}).get("url")
        if link is None:
            return None
        try:
            url = response.url.join(link)
        except (httpx.InvalidURL, UnicodeError):
            raise RemoteHostError(f"{self.host} gave a next page link that is not a valid address: {shorten(link, 200)}", kind="not_pact") from None
        if _origin(url) != _origin(httpx.URL(self.host)):
            raise RemoteHostError(f"{self.host} gave a next page on another host ({shorten(str(url), 200)}): not followed, the token would go with it", kind="foreign_link")
        return str(url)

    def list_footprints(self, criteria: Mapping[str, Sequence[str] | str] | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        return [footprint for page in self.pages(criteria, limit) for footprint in page]

    def get_footprint(self, footprint_id: str) -> dict[str, Any]:
        _, answer = self._call("GET", f"{self.host}/3/footprints/{footprint_id}", f"GetFootprint {footprint_id} failed")
        data = answer.get("data")
        if not isinstance(data, dict):
            raise RemoteHostError(f"{self.host} answered GetFootprint without a data object", kind="not_pact")
        return data

    def post_event(self, event: Mapping[str, Any]) -> None:
        """Post an event; only a 2xx answer counts as received (a redirect is not followed)."""
        what = f"posting a {event.get('type')} failed"
        response, _ = self._call("POST", f"{self.host}/3/events", what, read_answer=False, json=dict(event), headers={"content-type": "application/cloudevents+json"})
        if not 200 <= response.status_code < 300:
            raise RemoteHostError(f"{what}: HTTP {response.status_code}", response.status_code, retry_after=response.headers.get("retry-after"))
