"""Fixtures of the PACT host tests: a registry holding one real certificate, issued for the lamp
study (tests/study_fixtures.py) after a real verification, its certified study in a folder, and a
host application over a copy of that registry (FastAPI's TestClient, no server), whose clock (the
registry's: tokens, events, outbox) the tests move by hand; :func:`serving` runs an app as a real
uvicorn server on a free 127.0.0.1 port (also used by the web form's tests,
tests/webapp/test_app_suppliers.py)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from ..pact_schema import schema_errors
from ..certification.conftest import postgres_server, postgres_url  # noqa: F401
from ..study_fixtures import EVALUATION_DATE, STUDY_DATASET, build_study, market_study_data, study_dataset, study_engine  # noqa: F401

SECRET = "s3cret-buyer-0123456789abcdef"
HOST_URL = "http://supplier.test"
ISSUE_DAY = date(2025, 4, 1)
LOCAL_NETWORK = "127.0.0.1/32"  # where serving() listens: the network a test allows a guarded client
METADATA = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"  # where a hostile host sends a client


def write_credentials(path: Path, clients: list[dict], lifetime: int = 600) -> Path:
    path.write_text(json.dumps({"token_lifetime_s": lifetime, "clients": clients}), encoding="utf-8")
    os.chmod(path, 0o600)
    return path


def client_entry(client_id: str, secret: str, **extra) -> dict:
    from footprint.pact_host.credentials import secret_digest

    return {"id": client_id, "secret_sha256": secret_digest(secret), **extra}


class CertifiedSetup(NamedTuple):
    registry: str  # the SQLite file
    studies: Path  # holds the certified study
    number: str  # the certificate's number
    report: Any  # the passed verification: issue or renew with it again
    key: Any  # the body's signing key (registered in the registry)
    body: Any  # BodyFacts of the body


@pytest.fixture(scope="session")
def certified_setup(tmp_path_factory, study_engine):
    """:class:`CertifiedSetup`: the lamp study verified and certified on ISSUE_DAY."""
    from footprint.certification.clock import FixedClock
    from footprint.certification.document import BodyFacts
    from footprint.certification.issue import issue_certificate
    from footprint.certification.registry import Registry
    from footprint.certification.signing import SigningKey
    from footprint.certification.verify import VerifyOptions, verify_study

    root = tmp_path_factory.mktemp("pact-host")
    studies = root / "studies"
    studies.mkdir()
    study = build_study(study_engine, market_study_data())
    source = root / "lamp.json"
    source.write_text(study.to_json(), encoding="utf-8")
    report = verify_study(source, VerifyOptions(dataset_dir=STUDY_DATASET, verification_date=ISSUE_DAY))
    target = str(root / "registry.sqlite")
    key = SigningKey.generate()
    body = BodyFacts(id="CBTEST", name="Test Certification Ltd.", name_zh="测试认证有限公司")
    with Registry.open(target, clock=FixedClock(ISSUE_DAY)) as registry:
        issued = issue_certificate(registry, report, key, body, "tester", out_dir=studies, stem="lamp")
    return CertifiedSetup(target, studies, issued.record.number, report, key, body)


def registry_copy(certified_setup, folder: Path) -> str:
    """A private copy of the certified registry (tests write tokens, events and outbox rows)."""
    target = folder / "registry.sqlite"
    for suffix in ("", "-wal"):  # the writer closed it: no WAL should be left, but copy one if it is
        if Path(certified_setup[0] + suffix).exists():
            shutil.copyfile(certified_setup[0] + suffix, str(target) + suffix)
    return str(target)


@pytest.fixture
def host_clock():
    from footprint.certification.clock import FixedClock

    return FixedClock(date(2025, 6, 30))


def open_host(target: str, studies: Path, credentials_path: Path, clock, **options):
    """(registry, state) of a host over ``target``; no background delivery unless asked."""
    from footprint.certification.registry import Registry
    from footprint.pact_host.app import host_state
    from footprint.pact_host.catalogue import Catalogue
    from footprint.pact_host.credentials import load_credentials

    registry = Registry.open(target, clock=clock)
    options.setdefault("deliver_in_background", False)
    options.setdefault("draw", lambda: 0.0)
    return registry, host_state(Catalogue(registry, studies, STUDY_DATASET), load_credentials(credentials_path), **options)


@pytest.fixture
def host(certified_setup, tmp_path, host_clock):
    """A host app over a copy of the certified registry; yields (TestClient, HostState)."""
    from fastapi.testclient import TestClient

    from footprint.pact_host.app import create_app

    credentials = write_credentials(
        tmp_path / "clients.json",
        [
            client_entry("buyer", SECRET),
            client_entry("lister", SECRET, scopes=["footprint:list"]),
            client_entry("gtin-only", SECRET, access={"productIds": ["URN:GTIN:4712345060507"]}),
            client_entry("company1-or-gtin", SECRET, access={"companyIds": ["urn:company:example:company1"], "productIds": ["urn:gtin:4712345060507"]}),
        ],
    )
    registry, state = open_host(registry_copy(certified_setup, tmp_path), certified_setup[1], credentials, host_clock)
    with TestClient(create_app(state), base_url=HOST_URL) as client:
        yield client, state
    registry.close()


def token_for(client, client_id: str = "buyer", secret: str = SECRET) -> str:
    response = client.post("/auth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def assert_schema(pointer: str, document) -> None:
    errors = schema_errors(pointer, document)
    assert not errors, "\n".join(errors)


class FakeResolver(dict):
    """The address guard's resolver (footprint.pact_host.address_guard.resolve), replaced for a
    test: ``self[name]`` is a list of answers, one per look-up (the last one repeats); a name under
    ``.test`` that is not listed does not exist; other names go to the system resolver. ``asked``
    lists every name looked up, in order."""

    def __init__(self, monkeypatch) -> None:
        import footprint.pact_host.address_guard as guard_module

        super().__init__()
        self.asked: list[str] = []
        self._system = guard_module.resolve
        monkeypatch.setattr(guard_module, "resolve", self.resolve)

    def resolve(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host not in self:
            if host.endswith(".test"):
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            return self._system(host, port)
        queue = self[host]
        return queue.pop(0) if len(queue) > 1 else queue[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(app, port: int, **options):
    """``app`` served by uvicorn in a thread on 127.0.0.1:``port``; yields its base URL
    (``https`` when ``options`` give uvicorn a certificate, ``ssl_certfile``)."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        yield f"{'https' if options.get('ssl_certfile') else 'http'}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def live_host_state(target, studies, credentials_path, public_url=None):
    """(HostState, registry) of a host over a registry file and a studies folder, for a real
    server (:func:`serving`); its clock is fixed inside the certificate's validity."""
    from footprint.certification.clock import FixedClock

    registry, state = open_host(target, studies, credentials_path, FixedClock(date(2025, 6, 30)), public_url=public_url)
    return state, registry
