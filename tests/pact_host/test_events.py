"""Events: checked against the spec, stored once, and between two real hosts (uvicorn servers in
threads on free 127.0.0.1 ports, the supplier's delivery worker running in its own thread): a
request answered asynchronously (the buyer's host receives the supplier's RequestFulfilledEvent,
whose footprints validate against the spec), and a certificate issued on the supplier's registry
announced to the buyer's host (PublishedEvent), which then fetches the footprint."""

from __future__ import annotations

import time
from contextlib import contextmanager

import pytest

from .conftest import SECRET, assert_schema, client_entry, free_port, open_host, registry_copy, serving, token_for, write_credentials

def _event(kind: str, data: dict, event_id: str = "req-1") -> dict:
    return {"type": f"org.wbcsd.pact.ProductFootprint.{kind}.3", "specversion": "1.0", "id": event_id,
            "source": "//buyer.test/3/events", "time": "2025-06-30T08:00:00Z", "data": data}

def test_the_four_event_types_are_accepted_and_stored_once(host):
    from footprint.pact_host.events import EventStore

    client, state = host
    headers = {"authorization": f"Bearer {token_for(client)}", "content-type": "application/cloudevents+json"}
    events = [
        _event("RequestCreatedEvent", {"productId": ["urn:gtin:4712345060507"], "comment": "please"}, "c1"),
        _event("RequestFulfilledEvent", {"requestEventId": "c0", "pfs": [{"id": "0b1d4c1e-1111-4a4a-9b9b-123456789abc", "pcf": {}}]}, "f1"),
        _event("RequestRejectedEvent", {"requestEventId": "c0", "error": {"code": "NotFound", "message": "none"}}, "r1"),
        _event("PublishedEvent", {"pfIds": ["0b1d4c1e-1111-4a4a-9b9b-123456789abc"]}, "p1"),
    ]
    for event in events:
        response = client.post("/3/events", json=event, headers=headers)
        assert response.status_code == 200 and response.content == b""
    assert client.post("/3/events", json=events[0], headers=headers).status_code == 200  # redelivered
    stored = [s.event["id"] for s in state.events.events(direction="received")]
    assert stored.count("c1") == 1 and {"f1", "r1", "p1"} <= set(stored)
    assert isinstance(state.events, EventStore)
    bad = _event("RequestRejectedEvent", {"requestEventId": "c0", "error": {"code": "Oops", "message": "x"}}, "r2")
    assert client.post("/3/events", json=bad, headers=headers).status_code == 400
    assert client.post("/3/events", json=events[0]).status_code == 400  # no token

REPLY_SECRET = "s-secret-0123456789"


@contextmanager
def two_live_hosts(tmp_path, supplier_registry: str, supplier_studies):
    """The supplier's host (client ``buyer``, whose events endpoint is the buyer's host; delivery
    worker running) and the buyer's host (client ``supplier``), both served on 127.0.0.1; yields
    (supplier URL, buyer URL, supplier state, buyer state)."""
    from footprint.certification.clock import SystemClock
    from footprint.pact_host.app import create_app

    buyer_port, supplier_port = free_port(), free_port()
    buyer_url, supplier_url = f"http://127.0.0.1:{buyer_port}", f"http://127.0.0.1:{supplier_port}"
    (tmp_path / "buyer-studies").mkdir()
    supplier_clients = [client_entry("buyer", SECRET, reply_to={"url": buyer_url, "client_id": "supplier", "client_secret": REPLY_SECRET})]
    supplier_db, supplier_state = open_host(
        supplier_registry, supplier_studies, write_credentials(tmp_path / "supplier.json", supplier_clients), SystemClock(),
        public_url=supplier_url, deliver_in_background=True,
    )  # fmt: skip
    buyer_db, buyer_state = open_host(
        str(tmp_path / "buyer.sqlite"), tmp_path / "buyer-studies", write_credentials(tmp_path / "buyer.json", [client_entry("supplier", REPLY_SECRET)]),
        SystemClock(), public_url=buyer_url,
    )  # fmt: skip
    try:
        with serving(create_app(buyer_state), buyer_port), serving(create_app(supplier_state), supplier_port):
            yield supplier_url, buyer_url, supplier_state, buyer_state
    finally:
        supplier_db.close()
        buyer_db.close()


def arrived(state, kind: str, seconds: float = 60):
    """The one event of ``kind`` the host received, waited for."""
    deadline = time.monotonic() + seconds
    while not state.events.events(kind):
        assert time.monotonic() < deadline, f"no {kind.rsplit('.', 2)[-2]} arrived"
        time.sleep(0.05)
    (received,) = state.events.events(kind)
    assert (received.client_id, received.direction) == ("supplier", "received")
    return received


def delivered(state, kind: str, seconds: float = 60):
    """The one outbox row of ``kind``, once the sending host has recorded its delivery: the
    receiver stores an event before it answers, the sender records it after the answer, so a
    test that saw the event arrive waits here for the sender's side."""
    deadline = time.monotonic() + seconds
    while True:
        rows = [e for e in state.outbox.entries() if e.type == kind]
        if rows and all(row.status != "pending" for row in rows):
            (row,) = rows
            return row
        assert time.monotonic() < deadline, f"the {kind.rsplit('.', 2)[-2]} was not recorded as delivered"
        time.sleep(0.05)


def test_request_is_fulfilled_on_the_requesters_host(certified_setup, tmp_path):
    from footprint.pact_host.client import PactClient
    from footprint.pact_host.events import REQUEST_CREATED, REQUEST_FULFILLED, new_event

    with two_live_hosts(tmp_path, registry_copy(certified_setup, tmp_path), certified_setup.studies) as (supplier_url, buyer_url, supplier_state, buyer_state):
        request = new_event(REQUEST_CREATED, f"{buyer_url}/3/events", {"geography": ["CN-GD"], "productId": ["urn:pact:gba-footprint:product-model:DL-12W-A"]})
        assert_schema("RequestCreatedEvent", request)
        with PactClient(supplier_url, "buyer", SECRET) as client:
            client.post_event(request)
        received = arrived(buyer_state, REQUEST_FULFILLED)
        assert received.event["data"]["requestEventId"] == request["id"]
        assert received.event["source"] == f"{supplier_url}/3/events"
        assert_schema("RequestFulfilledEvent", received.event)
        for footprint in received.event["data"]["pfs"]:
            assert_schema("ProductFootprint", footprint)
        row = delivered(supplier_state, REQUEST_FULFILLED)  # the other row announces the lamp's certificate
        assert (row.status, row.attempts, row.event_id) == ("delivered", 1, received.event["id"])
        (sent,) = supplier_state.events.events(REQUEST_FULFILLED, direction="sent")
        assert sent.event["id"] == received.event["id"]


def test_a_certificate_issued_on_one_host_is_announced_to_the_other(certified_setup, tmp_path):
    """The supplier's host serves a new registry; the certificate is issued into it over another
    connection, as ``footprint certificate issue`` would; the supplier's worker announces it to the
    buyer's host, which fetches the footprint from the supplier with the credentials it was given."""
    from footprint.certification.issue import issue_certificate
    from footprint.certification.registry import Registry
    from footprint.pact_host.client import PactClient
    from footprint.pact_host.events import PUBLISHED

    target, studies = str(tmp_path / "supplier.sqlite"), tmp_path / "supplier-studies"
    studies.mkdir()
    with two_live_hosts(tmp_path, target, studies) as (supplier_url, _, supplier_state, buyer_state):
        with Registry.open(target) as officer:
            issued = issue_certificate(officer, certified_setup.report, certified_setup.key, certified_setup.body, "officer", out_dir=studies, stem="lamp")
        supplier_state.worker.wake()  # (a running host looks every 15 s; the test does not wait for that)
        received = arrived(buyer_state, PUBLISHED)
        assert received.event["source"] == f"{supplier_url}/3/events"
        assert_schema("PublishedEvent", received.event)
        (footprint_id,) = received.event["data"]["pfIds"]
        with PactClient(supplier_url, "buyer", SECRET) as client:
            footprint = client.get_footprint(footprint_id)
        assert_schema("ProductFootprint", footprint)
        assert footprint["id"] == footprint_id and footprint["status"] == "Active"
        assert footprint["extensions"][0]["data"]["certificate"]["number"] == issued.record.number
        row = delivered(supplier_state, PUBLISHED)
        assert len(supplier_state.outbox.entries()) == 1
        assert (row.status, row.attempts, row.event_id, row.client_id) == ("delivered", 1, received.event["id"], "buyer")


def test_a_request_nothing_matches_is_rejected(host):
    from footprint.pact_host.events import REQUEST_CREATED, REQUEST_REJECTED, new_event
    from footprint.pact_host.replies import answer_for

    _, state = host
    request = new_event(REQUEST_CREATED, "//buyer.test/3/events", {"productId": ["urn:gtin:00000000"]})
    answer = answer_for(request, state.credentials.clients["buyer"], state.catalogue, "//supplier.test/3/events")
    assert answer["type"] == REQUEST_REJECTED and answer["data"]["error"]["code"] == "NotFound"
    assert_schema("RequestRejectedEvent", answer)


@pytest.mark.postgres
def test_event_log_on_postgresql(postgres_url):
    from footprint.certification.registry import Registry
    from footprint.pact_host.events import EventStore

    registry = Registry.open(postgres_url)  # creates the schema, pact_events included
    store = EventStore(registry)
    try:
        event = _event("PublishedEvent", {"pfIds": []}, "p1")
        assert store.add("received", event, "buyer") and not store.add("received", event, "buyer")
        assert store.add("sent", event, "buyer")  # the same event sent is another row
        assert [(s.direction, s.event["id"]) for s in store.events()] == [("received", "p1"), ("sent", "p1")]
    finally:
        registry.close()
