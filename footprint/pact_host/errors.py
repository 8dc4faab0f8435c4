"""The PACT v3 error codes as typed exceptions, and configuration errors of the host.

An :class:`ApiError` becomes the spec's ``Error`` body ``{"code": ..., "message": ...}`` with its
HTTP status (``app.py`` has one handler for all of them). Codes and statuses follow the spec's
``Error`` enum (v3.0.3) and the PACT conformance test cases for v3: an invalid or missing token is
``400 BadRequest``, an expired one ``401 TokenExpired``, a token without the needed scope
``403 AccessDenied``, an unknown footprint ``404 NotFound`` (v2 called it NoSuchFootprint).
"""

from __future__ import annotations

from ..errors import FootprintError


class PactHostError(FootprintError):
    """Base class: the host or the client cannot do what was asked (configuration, remote host)."""


class CredentialsError(PactHostError):
    """The credentials file is unreadable, malformed, or readable by other users."""


class RemoteHostError(PactHostError):
    """Another PACT host refused a request or could not be reached (the client side).

    ``kind`` says what went wrong, for a caller that words it for people (the web form):
    ``timeout``, ``unreachable``, ``credentials`` (the token was refused), ``http`` (an error
    status: see ``status`` and ``code``), ``invalid_json``, ``not_pact`` (JSON, but not the
    answer the API defines), ``too_large``, ``redirect`` (a 3xx answer: not followed),
    ``foreign_link`` (a next page on another host: not followed), ``invalid_url`` (an address
    httpx cannot parse, e.g. ``https://999.1.1.1``), ``refused_address`` (the name
    resolved to an address a guarded client may not reach:
    :class:`.address_guard.AddressRefused`). ``retry_after`` is the answer's ``Retry-After``
    header as sent (the outbox reads it: :func:`.outbox.next_delay`).
    """

    def __init__(self, message: str, status: int | None = None, code: str | None = None, kind: str = "http", retry_after: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.kind = kind
        self.retry_after = retry_after


class ApiError(PactHostError):
    """An error answered to an API caller with the spec's error body."""

    status = 500
    code = "InternalError"

    def body(self) -> dict[str, str]:
        return {"code": self.code, "message": str(self)}


class BadRequest(ApiError):
    status = 400
    code = "BadRequest"


class AccessDenied(ApiError):
    status = 403
    code = "AccessDenied"


class TokenExpired(ApiError):
    status = 401
    code = "TokenExpired"


class NotFound(ApiError):
    status = 404
    code = "NotFound"


class NotImplementedByHost(ApiError):
    status = 501
    code = "NotImplemented"
