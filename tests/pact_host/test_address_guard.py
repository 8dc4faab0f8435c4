"""The address guard of PACT clients (footprint/pact_host/address_guard.py): every internal
address refused with its reason, in every spelling; names checked by what they resolve to (a
monkeypatched resolver answers for names that do not exist); DNS rebinding (a resolver that
answers differently the second time) cannot move a connection; redirects and next-page links to
internal addresses are not reached; TLS is still verified against the host name; allowed
networks work end to end with a real server on 127.0.0.1."""

from __future__ import annotations

import datetime
import ipaddress

import httpcore
import httpx
import pytest

from .conftest import LOCAL_NETWORK as LOCAL
from .conftest import METADATA, FakeResolver, free_port, serving

TOKEN = {"access_token": "t0k3n", "token_type": "bearer", "expires_in": 600}


def _guard(allowed: str = ""):
    from footprint.pact_host.address_guard import AddressGuard, parse_allowed_networks

    return AddressGuard(parse_allowed_networks(allowed))


class Recorder(httpcore.NetworkBackend):
    """An inner network backend that records where it was asked to connect and connects nowhere."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        self.asked.append(host)
        raise httpcore.ConnectError(f"recorded {host}")


@pytest.fixture
def answers(monkeypatch):
    """Names under ``.test`` answered by the test (tests/pact_host/conftest.py FakeResolver)."""
    return FakeResolver(monkeypatch)


# ------------------------------------------------------------------------------ the policy


REFUSED = [
    ("169.254.169.254", "link-local"),  # cloud metadata
    ("169.254.0.1", "link-local"),
    ("10.0.0.5", "a private address"),
    ("10.255.255.254", "a private address"),
    ("172.16.0.1", "a private address"),
    ("172.31.255.254", "a private address"),
    ("192.168.1.1", "a private address"),
    ("127.0.0.1", "loopback"),
    ("127.255.255.254", "loopback"),
    ("::1", "loopback"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("fd12:3456:789a::1", "a private address"),  # IPv6 unique local (ULA)
    ("fc00::1", "a private address"),
    ("fe80::1", "link-local"),
    ("::ffff:127.0.0.1", "the IPv6 form of 127.0.0.1, a loopback"),
    ("::ffff:10.0.0.5", "the IPv6 form of 10.0.0.5, a private"),
    ("::ffff:169.254.169.254", "the IPv6 form of 169.254.169.254, a link-local"),
    ("2002:a00:5::1", "the IPv6 form of 10.0.0.5"),  # 6to4
    ("64:ff9b::a9fe:a9fe", "the IPv6 form of 169.254.169.254"),  # NAT64
    ("::7f00:1", "special use"),  # IPv4-compatible (deprecated)
    ("100.64.0.1", "special use"),  # carrier-grade NAT
    ("192.0.2.10", "a private address"),  # documentation
    ("224.0.0.1", "multicast"),
    ("ff02::1", "multicast"),
    ("255.255.255.255", "a private address"),
    ("240.0.0.1", "a private address"),
    ("fec0::1", "special use"),  # IPv6 site-local
    ("2001:db8::1", "a private address"),  # documentation
]


@pytest.mark.parametrize(("address", "why"), REFUSED)
def test_every_address_that_is_not_public_is_refused_with_its_reason(address, why):
    refusal = _guard().refusal(ipaddress.ip_address(address))
    assert refusal is not None and why in refusal[0] and refusal[1]


@pytest.mark.parametrize("address", ["8.8.8.8", "172.32.0.1", "172.15.255.254", "11.0.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "2002:808:808::1", "64:ff9b::808:808"])
def test_public_addresses_and_their_ipv6_forms_are_allowed(address):
    assert _guard().refusal(ipaddress.ip_address(address)) is None


def test_allowed_networks_let_exactly_those_addresses_through():
    guard = _guard("127.0.0.1/32, 10.1.2.0/24 fd00:1::/64")
    allowed = ["127.0.0.1", "::ffff:127.0.0.1", "10.1.2.0", "10.1.2.255", "fd00:1::5"]
    refused = ["127.0.0.2", "::1", "10.1.3.1", "10.1.1.255", "fd00:2::5", "169.254.169.254"]
    assert [a for a in allowed if guard.refusal(ipaddress.ip_address(a)) is not None] == []
    assert [a for a in refused if guard.refusal(ipaddress.ip_address(a)) is None] == []


@pytest.mark.parametrize("entry", ["10.1.2.5/24", "10.0.0.0/33", "pact.internal", "10.1.2", "fd00::/129"])
def test_the_allowed_networks_setting_is_read_strictly(entry):
    from footprint.errors import InputError
    from footprint.pact_host.address_guard import ALLOWED_NETWORKS_ENV, guard_from_environment

    with pytest.raises(InputError) as caught:
        guard_from_environment({ALLOWED_NETWORKS_ENV: f"127.0.0.1/32,{entry}"})
    (issue,) = caught.value.issues
    assert (issue.field, issue.value) == (ALLOWED_NETWORKS_ENV, entry) and "10.1.2.0/24" in issue.message and "网段" in issue.message_zh
    assert guard_from_environment({}).allowed == () and guard_from_environment({ALLOWED_NETWORKS_ENV: " , "}).allowed == ()
    assert guard_from_environment({ALLOWED_NETWORKS_ENV: "10.0.0.7"}).allowed == (ipaddress.ip_network("10.0.0.7/32"),)


# ------------------------------------------------------------------------------ the transport


def _get(url: str, guard=None, inner=None, verify=True, **options):
    """GET through the guarded transport (default: public addresses only)."""
    from footprint.pact_host.address_guard import GuardedTransport

    with httpx.Client(transport=GuardedTransport(guard or _guard(), verify=verify, inner=inner), timeout=5, **options) as client:
        return client.get(url)


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("https://2130706433/", "127.0.0.1"),  # decimal
        ("https://0x7f.1/", "127.0.0.1"),  # hex, short form
        ("https://017700000001/", "127.0.0.1"),  # octal
        ("https://0x7f000001/", "127.0.0.1"),
        ("https://127.1/", "127.0.0.1"),
        ("https://0/", "0.0.0.0"),
        ("https://0.0.0.0/", "0.0.0.0"),
        ("https://[::]/", "::"),
        ("https://[::1]:8000/", "::1"),
        ("https://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1"),
        ("https://[::ffff:7f00:1]/", "::ffff:127.0.0.1"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("https://0xa9fea9fe/", "169.254.169.254"),
        ("https://10.0.0.5/", "10.0.0.5"),
        ("https://172.16.3.4/", "172.16.3.4"),
        ("https://192.168.0.1/", "192.168.0.1"),
        ("https://[fd00::1]/", "fd00::1"),
        ("https://[fe80::1]/", "fe80::1"),
        ("https://localhost/", "127.0.0.1"),
    ],
)
def test_every_spelling_of_an_internal_address_is_refused_before_connecting(url, address):
    from footprint.pact_host.address_guard import AddressRefused

    inner = Recorder()
    with pytest.raises(AddressRefused) as caught:
        _get(url, inner=inner)
    assert caught.value.address == address and caught.value.kind == "refused_address"
    assert inner.asked == []  # refused before any connection was tried


def test_names_are_judged_by_every_address_they_resolve_to(answers):
    from footprint.pact_host.address_guard import AddressRefused

    answers["pact.supplier.test"] = [["10.0.0.5"]]
    answers["mixed.test"] = [["93.184.215.14", "192.168.0.10"]]  # one private answer is enough
    answers["public.test"] = [["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]]
    with pytest.raises(AddressRefused) as caught:
        _get("https://pact.supplier.test/auth/token")
    assert caught.value.where == "pact.supplier.test resolves to 10.0.0.5, a private address"
    assert caught.value.where_zh == "pact.supplier.test 解析为 10.0.0.5，这是私有地址"
    with pytest.raises(AddressRefused, match="mixed.test resolves to 192.168.0.10"):
        _get("https://mixed.test/")
    inner = Recorder()
    with pytest.raises(httpx.ConnectError):
        _get("https://public.test/", inner=inner)
    assert inner.asked == ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]  # the checked addresses, tried in order
    with pytest.raises(httpx.ConnectError, match="cannot resolve unknown.test"):
        _get("https://unknown.test/")


def _app():
    """A small PACT-like host: a token, an empty list, and the ways a host can send a client on."""
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse, RedirectResponse

    app = FastAPI()

    @app.post("/auth/token")
    @app.post("/{way}/auth/token")
    def token(way: str = ""):
        if way == "redirect":
            return RedirectResponse(METADATA, status_code=307)
        return JSONResponse(TOKEN)

    @app.get("/3/footprints")
    def listing():
        return JSONResponse({"data": []})

    @app.get("/foreign/3/footprints")
    def foreign():
        return JSONResponse({"data": []}, headers={"link": '<http://10.0.0.5/3/footprints?offset=1>; rel="next"'})

    @app.get("/badlink/3/footprints")
    def bad_link():
        return JSONResponse({"data": []}, headers={"link": '<http://999.1.1.1/3/footprints?offset=1>; rel="next"'})

    @app.get("/to-metadata")
    def to_metadata():
        return RedirectResponse(METADATA, status_code=302)

    @app.get("/to-internal-name")
    def to_internal_name():
        return RedirectResponse("http://intranet.test/admin", status_code=302)

    return app


@pytest.fixture(scope="module")
def local_url():
    with serving(_app(), free_port()) as url:
        yield url


def test_an_allowed_network_is_reached_and_pinned_against_rebinding(local_url, answers):
    """The name answers 127.0.0.1 (allowed) to the first look-up and 10.0.0.5 to every later one:
    the connection goes to the address that was checked, with one look-up for it; a new
    connection looks up again and is refused."""
    from footprint.pact_host.address_guard import AddressRefused
    from footprint.pact_host.client import PactClient

    port = local_url.rsplit(":", 1)[1]
    answers["rebind.test"] = [["127.0.0.1"], ["10.0.0.5"]]
    with PactClient(f"http://rebind.test:{port}", "buyer", "secret", guard=_guard(LOCAL)) as client:
        assert client.list_footprints() == []  # token and list over the one checked connection
    assert answers.asked == ["rebind.test"]
    with PactClient(f"http://rebind.test:{port}", "buyer", "secret", guard=_guard(LOCAL)) as client:
        with pytest.raises(AddressRefused, match="rebind.test resolves to 10.0.0.5, a private address"):
            client.list_footprints()
    with PactClient(local_url, "buyer", "secret", guard=_guard()) as client:  # the same host, not allowed
        with pytest.raises(AddressRefused, match="127.0.0.1 is a loopback address"):
            client.list_footprints()


def test_redirects_are_not_followed_and_each_hop_is_checked_by_whoever_follows(local_url, answers):
    from footprint.pact_host.address_guard import AddressRefused
    from footprint.pact_host.client import PactClient
    from footprint.pact_host.errors import RemoteHostError

    with PactClient(local_url + "/redirect", "buyer", "secret", guard=_guard(LOCAL)) as client:
        with pytest.raises(RemoteHostError) as caught:
            client.token()
    assert (caught.value.kind, caught.value.status) == ("redirect", 307) and "169.254.169.254" in str(caught.value)
    assert answers.asked == ["127.0.0.1"]  # the metadata address was never looked up nor connected to
    # An httpx client that follows redirects over the guarded transport: every hop is checked again.
    with pytest.raises(AddressRefused, match="169.254.169.254 is a link-local address"):
        _get(local_url + "/to-metadata", _guard(LOCAL), follow_redirects=True)
    answers["intranet.test"] = [["10.20.30.40"]]
    with pytest.raises(AddressRefused, match="intranet.test resolves to 10.20.30.40"):
        _get(local_url + "/to-internal-name", _guard(LOCAL), follow_redirects=True)


def test_a_next_page_on_another_host_is_not_followed(local_url, answers):
    from footprint.pact_host.client import PactClient
    from footprint.pact_host.errors import RemoteHostError

    with PactClient(local_url + "/foreign", "buyer", "secret", guard=_guard(LOCAL)) as client:
        with pytest.raises(RemoteHostError) as caught:
            client.list_footprints()
    assert caught.value.kind == "foreign_link" and "http://10.0.0.5/3/footprints?offset=1" in str(caught.value)
    assert "10.0.0.5" not in answers.asked
    with PactClient(local_url + "/badlink", "buyer", "secret") as client:
        with pytest.raises(RemoteHostError, match="not a valid address") as caught:
            client.list_footprints()
    assert caught.value.kind == "not_pact"


def test_the_cli_connects_anywhere_unless_told_public_only(local_url, monkeypatch, capsys):
    """``footprint pact-client`` runs on its user's own machine: a host on 127.0.0.1 is reached;
    ``--public-only`` applies the web form's guard and its allowed networks."""
    from footprint.cli import main
    from footprint.pact_host.address_guard import ALLOWED_NETWORKS_ENV

    monkeypatch.setenv("GBA_PACT_CLIENT_SECRET", "secret")
    monkeypatch.delenv(ALLOWED_NETWORKS_ENV, raising=False)
    listing = ["pact-client", "list", "--host", local_url, "--client-id", "buyer"]
    assert main(listing) == 0 and "0 footprint(s)" in capsys.readouterr().err
    assert main([*listing, "--public-only"]) == 2
    assert "127.0.0.1 is a loopback address (this computer itself): not connecting" in capsys.readouterr().err
    monkeypatch.setenv(ALLOWED_NETWORKS_ENV, LOCAL)
    assert main([*listing, "--public-only"]) == 0 and "0 footprint(s)" in capsys.readouterr().err
    monkeypatch.setenv(ALLOWED_NETWORKS_ENV, "127.0.0.1/8")  # host bits set: refused, not widened
    assert main([*listing, "--public-only"]) == 2 and "'127.0.0.1/8' is not an IP address or network" in capsys.readouterr().err
    assert main(["pact-client", "list", "--host", "https://999.1.1.1", "--client-id", "buyer"]) == 2
    assert "not a valid address" in capsys.readouterr().err


def test_a_guard_and_a_callers_http_client_are_not_taken_together():
    from footprint.pact_host.client import PactClient

    with pytest.raises(ValueError, match="not both"):
        PactClient("https://pact.example", "a", "b", http=httpx.Client(), guard=_guard())


# ------------------------------------------------------------------------------ TLS


def _certificates(folder):
    """(CA file, certificate file, key file): a test CA and a server certificate it signed for
    the name ``pact.tls.test`` only."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)

    def build(subject, issuer, public_key, signing_key, extensions):
        builder = x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
        builder = builder.serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical=critical)
        return builder.sign(signing_key, hashes.SHA256())

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "guard test CA")])
    ca = build(ca_name, ca_name, ca_key.public_key(), ca_key, [
        (x509.BasicConstraints(ca=True, path_length=None), True),
        (x509.KeyUsage(False, False, False, False, False, True, True, False, False), True),
        (x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False),
    ])
    server = build(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pact.tls.test")]), ca_name, key.public_key(), ca_key, [
        (x509.SubjectAlternativeName([x509.DNSName("pact.tls.test")]), False),
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
        (x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False),
    ])
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return paths


def test_tls_is_verified_against_the_host_name_not_the_pinned_address(tmp_path, answers):
    """Both names resolve to the server's 127.0.0.1 (allowed); its certificate names only
    pact.tls.test: that name is accepted, the other refused by certificate verification."""
    import ssl

    ca, certificate, key = _certificates(tmp_path)
    trust = ssl.create_default_context(cafile=str(ca))
    answers["pact.tls.test"] = [["127.0.0.1"]]
    answers["other.tls.test"] = [["127.0.0.1"]]
    port = free_port()
    with serving(_app(), port, ssl_certfile=str(certificate), ssl_keyfile=str(key)):
        assert _get(f"https://pact.tls.test:{port}/3/footprints", _guard(LOCAL), verify=trust).json() == {"data": []}
        with pytest.raises(httpx.ConnectError, match="certificate verify failed"):
            _get(f"https://other.tls.test:{port}/3/footprints", _guard(LOCAL), verify=trust)



def test_a_name_server_that_never_answers_is_a_timeout_of_the_connect_time(monkeypatch):
    """The system resolver takes no timeout: a silent name server held a Fetch for its own retries
    (10-30 s). The look-up is now bounded by the client's timeout (0.3 s here): the fetch fails as
    a timeout while the look-up is still waiting (it is released only afterwards)."""
    import threading

    import footprint.pact_host.address_guard as guard_module
    from footprint.pact_host.client import PactClient
    from footprint.pact_host.errors import RemoteHostError

    released, answered = threading.Event(), threading.Event()

    def silent(host, port):
        released.wait(30)
        answered.set()
        return ["93.184.215.14"]

    monkeypatch.setattr(guard_module, "resolve", silent)
    try:
        with PactClient("https://silent.test", "client", "secret", timeout=0.3, guard=_guard()) as client:
            with pytest.raises(RemoteHostError) as caught:
                client.token()
        still_waiting = not answered.is_set()
    finally:
        released.set()
    assert caught.value.kind == "timeout" and still_waiting
