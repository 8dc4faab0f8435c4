"""PACT hosts for the web form's tests: the real host (``footprint pact-host``'s app over the
certified lamp study of tests/pact_host) and a host that answers badly in every way a buyer may
meet, both served by uvicorn on free 127.0.0.1 ports (tests/pact_host/conftest.py ``serving``).

The web form connects only to public addresses (footprint/pact_host/address_guard.py): a test
that fetches from these hosts opts in as a deployment would, with :func:`local_hosts_allowed`
(``GBA_PACT_ALLOWED_NETWORKS=127.0.0.1/32``)."""

from __future__ import annotations

import time

import pytest

from ..pact_host.conftest import LOCAL_NETWORK, METADATA, SECRET, certified_setup, client_entry, free_port, live_host_state, registry_copy, serving, write_credentials  # noqa: F401
from ..study_fixtures import MARKET_TOTAL, study_dataset, study_engine  # noqa: F401

CLIENT_ID = "buyer"
# The host serves the certified lamp study: its PCF is the market-based total, 5.91949 kg CO2e
# per piece (hand calculation in tests/study_fixtures.py).
LAMP_PCF = MARKET_TOTAL


@pytest.fixture
def local_hosts_allowed(monkeypatch):
    """The deployment setting that lets the web form reach the tests' hosts on 127.0.0.1."""
    from footprint.pact_host.address_guard import ALLOWED_NETWORKS_ENV

    monkeypatch.setenv(ALLOWED_NETWORKS_ENV, LOCAL_NETWORK)


@pytest.fixture
def no_networks_allowed(monkeypatch):
    """A deployment without the setting: public addresses only."""
    from footprint.pact_host.address_guard import ALLOWED_NETWORKS_ENV

    monkeypatch.delenv(ALLOWED_NETWORKS_ENV, raising=False)

@pytest.fixture(scope="module")
def pact_host_url(certified_setup, tmp_path_factory):  # noqa: F811
    """The real PACT host over the certified lamp study; client ``buyer`` with :data:`SECRET`."""
    from footprint.pact_host.app import create_app

    folder = tmp_path_factory.mktemp("pact-web")
    credentials = write_credentials(folder / "clients.json", [client_entry(CLIENT_ID, SECRET)])
    state, registry = live_host_state(registry_copy(certified_setup, folder), certified_setup[1], credentials)
    try:
        with serving(create_app(state), free_port()) as url:
            yield url
    finally:
        registry.close()


def _broken_app():
    """Under ``/<way>``: a host that answers its token and list requests wrongly in that way."""
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

    app = FastAPI()
    token = {"access_token": "t0k3n", "token_type": "bearer", "expires_in": 600}

    @app.post("/html/auth/token")
    def html_token():
        return HTMLResponse("<html><body>Welcome to our shop</body></html>")

    @app.post("/slow/auth/token")
    def slow_token():
        time.sleep(2.0)
        return JSONResponse(token)

    @app.post("/redirect/auth/token")
    def redirected_token():
        return RedirectResponse(METADATA, status_code=307)

    @app.post("/{way}/auth/token")
    def any_token(way: str):
        return JSONResponse(token)

    @app.get("/badjson/3/footprints")
    def bad_json():
        return Response('{"data": [', media_type="application/json")

    @app.get("/notpact/3/footprints")
    def not_pact():
        return JSONResponse({"data": [{"product": "a shoe", "price": 12}]})

    @app.get("/list/3/footprints")
    def a_list():
        return JSONResponse([1, 2, 3])

    @app.get("/foreign/3/footprints")
    def foreign_next_page():
        return JSONResponse({"data": []}, headers={"link": '<http://10.0.0.5/3/footprints?offset=1>; rel="next"'})

    @app.get("/big/3/footprints")
    def big():
        return JSONResponse({"data": [{"pcf": {}, "padding": "x" * 200_000}]})

    return app


@pytest.fixture(scope="module")
def broken_host_url():
    with serving(_broken_app(), free_port()) as url:
        yield url
