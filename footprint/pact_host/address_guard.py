"""Which addresses a PACT client may connect to, and an httpx transport that connects only there.

Why: the web form asks a PACT host whose address the *user* types, and it asks from the web
server. Without a guard, anyone who can open the form can make the server send requests into its
own network (server-side request forgery): the cloud metadata service at 169.254.169.254, a
database admin page on 10.0.0.5, the server itself on 127.0.0.1. Checking the typed text is not
enough — ``2130706433``, ``0x7f.1`` and ``[::ffff:127.0.0.1]`` are all 127.0.0.1, a public name
may resolve to a private address, and a name may resolve to a public address when checked and to
a private one a moment later, when connected (DNS rebinding).

How: the check sits where the connection is made. :class:`GuardedTransport` is httpx's own
transport with one change, its network backend (:class:`GuardedBackend`): for every new
connection it resolves the host name once (:func:`resolve`), refuses unless **every** address it
got is allowed (:meth:`AddressGuard.refusal`), then connects to one of exactly those addresses
(pinned: no second look-up happens, so a second DNS answer cannot change where the connection
goes). TLS is unchanged: httpcore verifies the certificate and sends SNI for the host *name* of
the URL, not the address. Every request made through the transport is covered — the token
request, every page of a list (``Link`` next URLs), and any redirect a caller chooses to follow
(each hop opens its own connection and is checked again). Proxies from the environment are not
used: a proxy would resolve the name itself, out of the guard's sight.

Allowed: globally routable unicast addresses (``ipaddress``' ``is_global``, minus multicast,
reserved and site-local; the IPv4 address inside an IPv6 form — ``::ffff:a.b.c.d``, 6to4
``2002::/16``, NAT64 ``64:ff9b::/96`` — decides for it), plus the networks a deployment allows
explicitly in ``$GBA_PACT_ALLOWED_NETWORKS`` (comma-separated addresses or CIDR networks, e.g.
``10.1.2.0/24,127.0.0.1/32``; see :func:`guard_from_environment`).
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

from ..errors import InputError, RowIssue
from .errors import RemoteHostError

ALLOWED_NETWORKS_ENV = "GBA_PACT_ALLOWED_NETWORKS"
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052 well-known prefix: an IPv4 address in its last 32 bits
_SEPARATORS = re.compile(r"[,\s]+")
LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)  # httpx's defaults

# (English, 简体中文) of why an address is refused; the IPv6 forms of an IPv4 address say which
# IPv4 address they carry (see _why_refused).
LOOPBACK = ("a loopback address (this computer itself)", "环回地址（即本机）")
UNSPECIFIED = ("the unspecified address, which reaches this computer itself", "未指定地址（会连到本机）")
LINK_LOCAL = ("a link-local address (where cloud metadata services answer, as on 169.254.169.254)", "链路本地地址（云服务器的元数据服务即在此类地址上，如 169.254.169.254）")
MULTICAST = ("a multicast address", "组播地址")
PRIVATE = ("a private address", "私有地址")
SPECIAL = ("an address reserved for special use, not a public one", "特殊用途的保留地址，不是公网地址")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, NAT64), if it is one of those."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _why_refused(address: IPAddress) -> tuple[str, str] | None:
    """(why, why in Chinese) an address is not publicly routable, or None when it is."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None:
            why = _why_refused(inner)
            return None if why is None else (f"the IPv6 form of {inner}, {why[0]}", f"对应 {inner} 的 IPv6 地址，{inner} 是{why[1]}")
        if address.is_site_local:
            return SPECIAL
    for test, why in (
        (address.is_unspecified, UNSPECIFIED),
        (address.is_loopback, LOOPBACK),
        (address.is_link_local, LINK_LOCAL),
        (address.is_multicast, MULTICAST),
        (address.is_private, PRIVATE),
        (address.is_reserved or not address.is_global, SPECIAL),
    ):
        if test:
            return why
    return None


class AddressRefused(RemoteHostError):
    """The host's name resolved to an address the guard does not allow (kind ``refused_address``).

    ``where`` / ``where_zh`` say it in words ("pact.example resolves to 10.0.0.5, a private
    address"); ``host`` and ``address`` are the name as asked and the address it gave.
    """

    def __init__(self, host: str, address: str, why: tuple[str, str]) -> None:
        if host == address:
            self.where, self.where_zh = f"{host} is {why[0]}", f"{host} 是{why[1]}"
        else:
            self.where, self.where_zh = f"{host} resolves to {address}, {why[0]}", f"{host} 解析为 {address}，这是{why[1]}"
        super().__init__(
            f"{self.where}: not connecting (only public addresses are reached, and networks ${ALLOWED_NETWORKS_ENV} allows)",
            kind="refused_address",
        )
        self.host = host
        self.address = address


@dataclass(frozen=True)
class AddressGuard:
    """Public addresses, plus ``allowed`` networks (a deployment's own private hosts)."""

    allowed: tuple[Network, ...] = ()

    def refusal(self, address: IPAddress) -> tuple[str, str] | None:
        """Why ``address`` may not be connected to (English, Chinese), or None when it may."""
        candidates = [address]
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            candidates.append(address.ipv4_mapped)  # the same endpoint: an allowed IPv4 allows its mapped form
        if any(candidate in network for candidate in candidates for network in self.allowed):
            return None
        return _why_refused(address)

    def checked(self, host: str, addresses: Iterable[str]) -> list[str]:
        """``addresses`` (what ``host`` resolved to) when every one is allowed, else AddressRefused
        naming the first that is not."""
        found = list(addresses)
        for text in found:
            why = self.refusal(ipaddress.ip_address(text))
            if why is not None:
                raise AddressRefused(host, text, why)
        return found


def parse_allowed_networks(text: str, source: str = ALLOWED_NETWORKS_ENV) -> tuple[Network, ...]:
    """Networks from ``10.1.2.0/24, 127.0.0.1`` (an address alone is its /32 or /128).

    InputError naming ``source`` and the entry for anything else — also for host bits set
    (``10.1.2.5/24``), which would allow a wider network than the one written."""
    networks = []
    for entry in filter(None, _SEPARATORS.split(text.strip())):
        try:
            networks.append(ipaddress.ip_network(entry))
        except ValueError as error:
            raise InputError(
                issues=[
                    RowIssue(
                        f"{entry!r} is not an IP address or network such as 10.1.2.0/24 ({error}); this setting lists the private networks PACT hosts may be on",
                        f"{entry!r} 不是 IP 地址或网段（例如 10.1.2.0/24）（{error}）；此设置列出允许连接的私有网段",
                        field=source,
                        value=entry,
                    )
                ]
            ) from None
    return tuple(networks)


def guard_from_environment(environ: Mapping[str, str] | None = None) -> AddressGuard:
    """The guard for this deployment: public addresses and ``$GBA_PACT_ALLOWED_NETWORKS``."""
    environ = os.environ if environ is None else environ
    return AddressGuard(parse_allowed_networks(environ.get(ALLOWED_NETWORKS_ENV) or ""))


def resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host``, in its order, once each (it reads
    numeric spellings of IPv4 such as ``2130706433`` or ``0x7f.1`` as the address they spell).

    A module-level function so that tests can answer for names that do not exist."""
    found: list[str] = []
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        if sockaddr[0] not in found:
            found.append(sockaddr[0])
    return found


def resolve_within(host: str, port: int, timeout: float | None) -> list[str]:
    """:func:`resolve`, given up after ``timeout`` seconds (the connect timeout).

    The system resolver has no timeout of its own that a caller sets (a slow or silent name
    server holds ``getaddrinfo`` for its own retries, often 10-30 s), so the look-up runs in a
    daemon thread; one given up on ends when the resolver does, holding nothing but itself."""
    if timeout is None:
        return resolve(host, port)
    outcome: dict[str, Any] = {}

    def look_up() -> None:
        try:
            outcome["addresses"] = resolve(host, port)
        except BaseException as error:  # handed to the caller's thread
            outcome["error"] = error

    thread = threading.Thread(target=look_up, name=f"resolve {host}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise httpcore.ConnectTimeout(f"looking up {host} took longer than {timeout:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["addresses"]


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's network backend that resolves once, checks, and connects to a checked address."""

    def __init__(self, guard: AddressGuard, inner: httpcore.NetworkBackend | None = None) -> None:
        self._guard = guard
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None, socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        try:
            addresses = resolve_within(host, port, timeout)
        except (OSError, UnicodeError) as error:
            raise httpcore.ConnectError(f"cannot resolve {host}: {error}") from None
        if not addresses:
            raise httpcore.ConnectError(f"{host} resolves to no address")
        failure: Exception | None = None
        for address in self._guard.checked(host, addresses):
            try:
                return self._inner.connect_tcp(address, port, timeout=timeout, local_address=local_address, socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        assert failure is not None
        raise failure

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("a guarded client does not connect to unix sockets")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's HTTP transport (HTTP/1.1, TLS verified as usual, no proxy) whose connections go
    through :class:`GuardedBackend`. ``verify`` as for httpx (tests pass their own CA)."""

    def __init__(self, guard: AddressGuard, *, verify: Any = True, inner: httpcore.NetworkBackend | None = None) -> None:
        ssl_context = httpx.create_ssl_context(verify=verify)
        super().__init__(verify=ssl_context)
        # httpx builds its connection pool without a way to pass a network backend: the pool is
        # built again with httpx's default limits and the guarded backend (the tests of refused
        # addresses fail if a later httpx stops using this attribute).
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=LIMITS.max_connections,
            max_keepalive_connections=LIMITS.max_keepalive_connections,
            keepalive_expiry=LIMITS.keepalive_expiry,
            network_backend=GuardedBackend(guard, inner),
        )
