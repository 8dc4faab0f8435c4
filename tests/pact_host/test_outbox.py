"""The outbox: answers stored before they are sent, delivered by the worker with exponential
backoff (hand-computed schedule, a fake clock, no sleeping), permanent refusals, the 72-hour
window, a restart that resumes, one deliverer per row (SQLite and PostgreSQL), and the operators'
commands (audited)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import httpx
import pytest

from ..certification.conftest import registry_target, run_together  # noqa: F401
from .conftest import HOST_URL, SECRET, assert_schema, client_entry, open_host, registry_copy, token_for, write_credentials
from .receivers import STORED_THEN_504, ScriptedReceiver

BUYER_URL = "http://buyer.test"
REPLY_SECRET = "supplier-at-buyer-0123456789"
LAMP = "urn:pact:gba-footprint:product-model:DL-12W-A"


def test_retry_delays_by_hand():
    from footprint.pact_host.outbox import retry_delay_s

    assert [retry_delay_s(n, 0.0) for n in range(1, 10)] == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]  # 30·2^7 = 3840 > 3600
    assert retry_delay_s(500, 0.0) == 3600
    assert retry_delay_s(1, 0.5) == pytest.approx(26.25, abs=1e-12)  # 30 · (1 − 0.25 · 0.5)
    assert retry_delay_s(4, 0.2) == pytest.approx(228.0, abs=1e-12)  # 240 · 0.95
    assert retry_delay_s(8, 0.999) == pytest.approx(2700.9, abs=1e-9)  # 3600 · (1 − 0.24975)
    for bad in ((0, 0.0), (1, 1.0), (1, -0.1)):
        with pytest.raises(ValueError):
            retry_delay_s(*bad)


def test_permanent_statuses():
    from footprint.pact_host.delivery import is_permanent

    assert [s for s in (None, 301, 400, 401, 403, 404, 408, 409, 422, 429, 500, 503) if is_permanent(s)] == [400, 403, 404, 409, 422]


# ------------------------------------------------------------------ a supplier host and its buyer


@pytest.fixture
def make_supplier(certified_setup, tmp_path, host_clock):
    """make_supplier(receiver, reply=True) → (TestClient, state): the certified host, whose client
    'buyer' has a reply host reached through ``receiver``."""
    from fastapi.testclient import TestClient

    from footprint.pact_host.app import create_app

    opened = []

    def make(receiver: ScriptedReceiver, reply: bool = True, target: str | None = None, **extra):
        if reply:
            extra["reply_to"] = {"url": BUYER_URL, "client_id": "supplier", "client_secret": REPLY_SECRET}
        credentials = write_credentials(tmp_path / f"supplier-{len(opened)}.json", [client_entry("buyer", SECRET, **extra)])
        registry, state = open_host(target or registry_copy(certified_setup, tmp_path), certified_setup[1], credentials, host_clock, make_client=receiver.client_factory())
        client = TestClient(create_app(state), base_url=HOST_URL)
        opened.append((client, registry))
        return client, state

    yield make
    for client, registry in opened:
        client.close()
        registry.close()


@pytest.fixture
def buyer_host(tmp_path, host_clock):
    """The requester's own host (a real app on its own registry), where answers arrive."""
    from fastapi.testclient import TestClient

    from footprint.pact_host.app import create_app

    (tmp_path / "buyer-studies").mkdir()
    credentials = write_credentials(tmp_path / "buyer.json", [client_entry("supplier", REPLY_SECRET)])
    registry, state = open_host(str(tmp_path / "buyer.sqlite"), tmp_path / "buyer-studies", credentials, host_clock)
    with TestClient(create_app(state), base_url=BUYER_URL) as client:
        yield client, state
    registry.close()


def post_request(client, product_id: str = LAMP) -> dict:
    from footprint.pact_host.events import REQUEST_CREATED, new_event

    request = new_event(REQUEST_CREATED, f"{BUYER_URL}/3/events", {"productId": [product_id]})
    response = client.post("/3/events", json=request, headers={"authorization": f"Bearer {token_for(client)}"})
    assert response.status_code == 200, response.text
    return request


def only_entry(state):
    (entry,) = state.outbox.entries()
    return entry


def test_failing_three_times_then_accepted_arrives_once_with_one_id(make_supplier, buyer_host, host_clock):
    from footprint.pact_host.events import REQUEST_FULFILLED

    buyer, buyer_state = buyer_host
    receiver = ScriptedReceiver([503, httpx.ConnectError, STORED_THEN_504], host=buyer)
    supplier, state = make_supplier(receiver)
    t0 = host_clock.now()
    request = post_request(supplier)
    queued = only_entry(state)
    assert (queued.status, queued.attempts, queued.event_id, queued.next_attempt_at) == ("pending", 0, None, t0)
    assert queued.request_event_id == request["id"]

    assert state.worker.run_once() == 1  # 503
    first = only_entry(state)
    assert (first.status, first.attempts, first.last_http_status, first.next_attempt_at) == ("pending", 1, 503, t0 + timedelta(seconds=30))
    event_id = first.event_id
    assert event_id is not None and first.type == REQUEST_FULFILLED

    host_clock.advance(seconds=29)
    assert state.worker.run_once() == 0  # not due yet
    host_clock.advance(seconds=1)
    assert state.worker.run_once() == 1  # connection refused
    second = only_entry(state)
    assert (second.attempts, second.last_http_status, second.next_attempt_at) == (2, None, t0 + timedelta(seconds=90))

    host_clock.advance(seconds=60)
    assert state.worker.run_once() == 1  # stored by the buyer, but its answer was lost
    assert only_entry(state).next_attempt_at == t0 + timedelta(seconds=210)

    host_clock.advance(seconds=120)
    assert state.worker.run_once() == 1
    done = only_entry(state)
    assert (done.status, done.attempts, done.finished_at, done.last_error) == ("delivered", 4, t0 + timedelta(seconds=210), "")
    assert receiver.posted == [event_id] * 4
    (received,) = buyer_state.events.events(REQUEST_FULFILLED)  # the copy of attempt 3 and 4 stored once
    assert received.event["id"] == event_id and received.event["data"]["requestEventId"] == request["id"]
    assert_schema("RequestFulfilledEvent", received.event)
    (sent,) = state.events.events(REQUEST_FULFILLED, direction="sent")
    assert sent.event == received.event == done.event
    host_clock.advance(days=5)
    assert state.worker.run_once() == 0


@pytest.mark.parametrize("status", [400, 403, 404, 409, 422])
def test_a_permanent_refusal_stops_at_once(make_supplier, host_clock, status):
    receiver = ScriptedReceiver([status])
    supplier, state = make_supplier(receiver)
    post_request(supplier)
    assert state.worker.run_once() == 1
    entry = only_entry(state)
    assert (entry.status, entry.attempts, entry.last_http_status, entry.next_attempt_at) == ("failed", 1, status, None)
    assert f"HTTP {status}" in entry.last_error
    host_clock.advance(days=3)
    assert state.worker.run_once() == 0 and len(receiver.posted) == 1


@pytest.mark.parametrize("status", [401, 408, 429, 500, 502, 503])
def test_retried_statuses_are_scheduled_again(make_supplier, host_clock, status):
    receiver = ScriptedReceiver([status, status])
    supplier, state = make_supplier(receiver)
    t0 = host_clock.now()
    post_request(supplier)
    state.worker.run_once()
    entry = only_entry(state)
    assert (entry.status, entry.last_http_status) == ("pending", status)
    # a 401 is retried at once with a new token (the second scripted 401), then left to the backoff
    assert (len(receiver.posted), receiver.tokens) == ((2, 2) if status == 401 else (1, 1))
    assert entry.next_attempt_at == t0 + timedelta(seconds=30)


def test_a_401_renews_the_token_once_within_the_attempt(make_supplier):
    receiver = ScriptedReceiver([401])
    supplier, state = make_supplier(receiver)
    post_request(supplier)
    state.worker.run_once()
    entry = only_entry(state)
    assert (entry.status, entry.attempts, receiver.tokens, len(receiver.posted)) == ("delivered", 1, 2, 2)


def test_no_request_is_answered_twice(make_supplier):
    supplier, state = make_supplier(ScriptedReceiver())
    request = post_request(supplier)
    again = supplier.post("/3/events", json=request, headers={"authorization": f"Bearer {token_for(supplier)}"})
    assert again.status_code == 200
    assert len(state.outbox.entries()) == 1


def test_an_answer_holds_only_the_footprints_the_requester_may_see(make_supplier):
    from footprint.pact_host.events import REQUEST_REJECTED

    supplier, state = make_supplier(ScriptedReceiver(), access={"companyIds": ["urn:company:someone-else"]})
    post_request(supplier)  # the lamp exists, but not for this client
    state.worker.run_once()
    entry = only_entry(state)
    assert (entry.status, entry.type) == ("delivered", REQUEST_REJECTED) and entry.event["data"]["error"]["code"] == "NotFound"


def test_a_client_without_reply_host_fails_its_pending_answers(make_supplier, certified_setup, tmp_path):
    receiver = ScriptedReceiver()
    supplier, state = make_supplier(receiver)
    post_request(supplier)
    target = state.catalogue.registry.url.removeprefix("sqlite:///")
    _, restarted = make_supplier(receiver, reply=False, target=target)  # reply_to removed from the file
    assert restarted.worker.run_once() == 1
    entry = only_entry(restarted)
    assert entry.status == "failed" and "no reply_to host" in entry.last_error and receiver.posted == []


def test_72_hours_of_failures_exhaust_the_window(make_supplier, host_clock):
    receiver = ScriptedReceiver(always=503)
    supplier, state = make_supplier(receiver)
    t0 = host_clock.now()
    post_request(supplier)
    attempted_at = []
    while (entry := only_entry(state)).status == "pending":
        host_clock.set(entry.next_attempt_at)
        attempted_at.append((host_clock.now() - t0).total_seconds())
        assert state.worker.run_once() == 1 and len(attempted_at) < 200
    # 0, 30, 90, 210, 450, 930, 1890, 3810 s, then every hour: attempt k ≥ 8 at 3810 + 3600·(k − 8) s;
    # attempt 78 at 255 810 s; the next (259 410 s) would be past 72 h = 259 200 s.
    assert attempted_at[:9] == [0, 30, 90, 210, 450, 930, 1890, 3810, 7410]
    assert len(attempted_at) == 78 and attempted_at[-1] == 255_810
    assert (entry.status, entry.attempts, entry.finished_at) == ("failed", 78, t0 + timedelta(seconds=255_810))
    assert entry.last_error.startswith("gave up after 78 attempts (72-hour window ended)")
    assert len(receiver.posted) == 78 and len(set(receiver.posted)) == 1


def test_a_restart_resumes_queued_and_interrupted_deliveries(make_supplier, buyer_host, host_clock):
    from footprint.pact_host.events import REQUEST_FULFILLED
    from footprint.pact_host.outbox import LEASE, Attempt
    from footprint.pact_host.replies import answer_for

    buyer, buyer_state = buyer_host
    receiver = ScriptedReceiver(host=buyer)
    supplier, first = make_supplier(receiver)
    post_request(supplier)  # queued, never attempted by this process
    target = first.catalogue.registry.url.removeprefix("sqlite:///")
    _, second = make_supplier(receiver, target=target)  # the host restarted
    assert second.worker.run_once() == 1
    assert only_entry(second).status == "delivered"

    post_request(supplier)
    claimed = first.outbox.claim()  # the first process takes the second request…
    kept = first.outbox.keep_event(claimed, answer_for(claimed.request, first.credentials.clients["buyer"], first.catalogue, claimed.source))
    # … and dies before posting it. Its lease keeps others away until it ends.
    assert second.worker.run_once() == 0
    host_clock.advance(seconds=LEASE.total_seconds())
    assert second.worker.run_once() == 1
    entries = second.outbox.entries()
    assert [e.status for e in entries] == ["delivered", "delivered"] and entries[1].event_id == kept["id"]
    assert first.outbox.finish(claimed, Attempt(True)) is None  # the dead process's claim is gone
    assert [e.event["id"] for e in buyer_state.events.events(REQUEST_FULFILLED)] == [entries[0].event_id, kept["id"]]


# ------------------------------------------------------------------ Retry-After


def test_retry_after_values_by_hand():
    from footprint.pact_host.outbox import retry_after_s

    now = datetime(1994, 11, 6, 8, 48, 7, tzinfo=timezone.utc)  # 90 s before the RFC 9110 example date
    assert retry_after_s("120", now) == 120.0 and retry_after_s(" 7 ", now) == 7.0 and retry_after_s("0", now) == 0.0
    assert retry_after_s("Sun, 06 Nov 1994 08:49:37 GMT", now) == 90.0  # IMF-fixdate
    assert retry_after_s("Sunday, 06-Nov-94 08:49:37 GMT", now) == 90.0  # obsolete RFC 850 form
    assert retry_after_s("Sun Nov  6 08:49:37 1994", now) == 90.0  # asctime form (GMT)
    assert retry_after_s("Sun, 06 Nov 1994 08:00:00 GMT", now) == 0.0  # already past
    for bad in ("", "soon", "-5", "1.5", "120 s", "\uff11\uff12\uff10", "Sun, 32 Nov 1994 08:49:37 GMT"):
        assert retry_after_s(bad, now) is None, bad


def test_retry_after_against_the_backoff_by_hand():
    from footprint.pact_host.outbox import MAX_RETRY_AFTER_S, next_delay

    now = datetime(2025, 6, 30, tzinfo=timezone.utc)
    assert next_delay(2, 0.0, None, now) == (60.0, "")
    assert next_delay(1, 0.0, "120", now) == (120.0, "waiting 120 s as Retry-After '120' asks")
    assert next_delay(1, 0.0, "5", now) == (30.0, "")  # never sooner than the backoff
    assert next_delay(1, 0.5, "27", now)[0] == 27.0  # longer than the shortened backoff, 26.25 s
    assert next_delay(8, 0.0, "86400", now) == (MAX_RETRY_AFTER_S, "Retry-After '86400' asks for more than 21600 s: waiting 21600 s")
    assert next_delay(3, 0.0, "9" * 400, now)[0] == 21_600.0  # float('9' * 400) is inf
    assert next_delay(3, 0.0, "soon", now) == (120.0, "Retry-After 'soon' ignored (neither seconds nor an HTTP date)")


def test_retry_after_of_429_and_503_is_honoured_on_the_fake_clock(make_supplier, buyer_host, host_clock):
    from email.utils import format_datetime

    from footprint.pact_host.events import REQUEST_FULFILLED

    buyer, buyer_state = buyer_host
    t0 = host_clock.now()
    in_ten_minutes = format_datetime((t0 + timedelta(seconds=120 + 600)).astimezone(timezone.utc), usegmt=True)
    receiver = ScriptedReceiver(
        [(429, {"retry-after": "120"}), (503, {"retry-after": in_ten_minutes}), (503, {"retry-after": "0"}), (429, {"retry-after": "later"})], host=buyer
    )
    supplier, state = make_supplier(receiver)
    post_request(supplier)
    assert state.worker.run_once() == 1  # 429, asks 120 s (the backoff: 30 s)
    entry = only_entry(state)
    assert (entry.last_http_status, entry.next_attempt_at) == (429, t0 + timedelta(seconds=120))
    assert entry.last_error.endswith("(waiting 120 s as Retry-After '120' asks)")
    host_clock.advance(seconds=119)
    assert state.worker.run_once() == 0
    host_clock.advance(seconds=1)
    assert state.worker.run_once() == 1  # 503 at 120 s, asks for an HTTP date 600 s on (the backoff: 60 s)
    assert only_entry(state).next_attempt_at == t0 + timedelta(seconds=720)
    host_clock.set(t0 + timedelta(seconds=720))
    assert state.worker.run_once() == 1  # 503 asking 0 s: the third backoff, 120 s
    entry = only_entry(state)
    assert entry.next_attempt_at == t0 + timedelta(seconds=840) and "Retry-After" not in entry.last_error
    host_clock.set(entry.next_attempt_at)
    assert state.worker.run_once() == 1  # malformed: ignored, the fourth backoff, 240 s
    entry = only_entry(state)
    assert entry.next_attempt_at == t0 + timedelta(seconds=1080) and "Retry-After 'later' ignored" in entry.last_error
    host_clock.set(entry.next_attempt_at)
    assert state.worker.run_once() == 1
    assert (only_entry(state).status, only_entry(state).attempts) == ("delivered", 5)
    assert len(buyer_state.events.events(REQUEST_FULFILLED)) == 1


def test_retry_after_is_capped_and_ends_with_the_window(make_supplier, host_clock):
    receiver = ScriptedReceiver([(503, {"retry-after": "100000"})], always=503)
    supplier, state = make_supplier(receiver)
    t0 = host_clock.now()
    post_request(supplier)
    state.worker.run_once()
    assert only_entry(state).next_attempt_at == t0 + timedelta(hours=6)  # asked 27.8 h, waits the longest: 6 h
    host_clock.set(t0 + timedelta(hours=67))  # 5 hours before the window ends
    receiver.script = [(503, {"retry-after": str(6 * 3600)})]
    state.worker.run_once()
    entry = only_entry(state)
    assert (entry.status, entry.attempts, entry.finished_at) == ("failed", 2, t0 + timedelta(hours=67))
    assert entry.last_error.startswith("gave up after 2 attempts (72-hour window ended)") and "21600 s" in entry.last_error


@pytest.mark.parametrize("status", [400, 404])
def test_retry_after_does_not_revive_a_permanent_refusal(make_supplier, status):
    receiver = ScriptedReceiver([(status, {"retry-after": "60"})])
    supplier, state = make_supplier(receiver)
    post_request(supplier)
    state.worker.run_once()
    assert (only_entry(state).status, only_entry(state).next_attempt_at) == ("failed", None)


# ------------------------------------------------------------------ one deliverer per row


def _queue(registry, count: int) -> list[int]:
    from footprint.pact_host.events import REQUEST_CREATED, new_event
    from footprint.pact_host.outbox import OutboxStore

    store = OutboxStore(registry)
    return [store.add_request(new_event(REQUEST_CREATED, "//buyer.test/3/events", {"productId": [f"urn:x:{i}"]}), "buyer", "//s/3/events") for i in range(count)]


def test_concurrent_workers_claim_each_row_once(registry_target):
    """Two processes (two engines) with two threads each claim 40 due rows at once."""
    from footprint.certification.clock import FixedClock
    from footprint.certification.registry import Registry
    from footprint.pact_host.outbox import OutboxStore

    clock = FixedClock(date(2025, 6, 30))
    registries = [Registry.open(registry_target, clock=clock) for _ in range(2)]
    try:
        ids = _queue(registries[0], 40)
        stores = [OutboxStore(registries[w % 2], name=f"worker-{w}") for w in range(4)]
        taken: list[list[int]] = [[] for _ in range(4)]

        def work(worker: int) -> None:
            while (claimed := stores[worker].claim()) is not None:
                taken[worker].append(claimed.id)

        assert run_together(work, 4) == []
        every = [i for t in taken for i in t]
        assert sorted(every) == sorted(ids) and len(every) == len(set(every))
        assert stores[0].claim() is None  # all leased
    finally:
        for registry in registries:
            registry.close()


def test_a_lease_keeps_a_row_from_other_workers_until_it_ends(registry_target):
    from footprint.certification.clock import FixedClock
    from footprint.certification.registry import Registry
    from footprint.pact_host.outbox import LEASE, Attempt, OutboxStore

    clock = FixedClock(date(2025, 6, 30))
    with Registry.open(registry_target, clock=clock) as one, Registry.open(registry_target, clock=clock) as two:
        (row_id,) = _queue(one, 1)
        a, b = OutboxStore(one, name="a"), OutboxStore(two, name="b")
        held = a.claim()
        assert held.id == row_id and b.claim() is None
        assert b.entry(row_id).claimed_by == "a"
        clock.advance(seconds=LEASE.total_seconds() - 1)
        assert b.claim() is None
        clock.advance(seconds=1)
        taken = b.claim()
        assert taken.id == row_id and taken.claim != held.claim
        assert a.finish(held, Attempt(False, error="late")) is None  # a's claim ended: nothing written
        assert b.finish(taken, Attempt(False, http_status=503, error="busy")) == "pending"
        assert b.entry(row_id).attempts == 1


@pytest.mark.postgres
def test_postgresql_claims_skip_locked_rows_without_waiting(postgres_url):
    """A row locked by another transaction is skipped (FOR UPDATE SKIP LOCKED), not waited for:
    with a 2 s lock timeout, waiting would fail the claim with RegistryBusyError."""
    import psycopg

    from footprint.certification.clock import FixedClock
    from footprint.certification.registry import Registry
    from footprint.pact_host.outbox import OutboxStore

    with Registry.open(postgres_url, clock=FixedClock(date(2025, 6, 30)), lock_timeout=2) as registry:
        first, second = _queue(registry, 2)
        with psycopg.connect(postgres_url.replace("postgresql+psycopg://", "postgresql://")) as other:
            other.execute("SELECT id FROM pact_outbox WHERE id = %s FOR UPDATE", (first,))
            assert OutboxStore(registry).claim().id == second
            assert OutboxStore(registry).claim() is None
        assert OutboxStore(registry).claim().id == first  # the other transaction ended


# ------------------------------------------------------------------ operators


def test_outbox_commands_list_show_retry_cancel_and_are_audited(make_supplier, host_clock, capsys, monkeypatch):
    from footprint.cli import main

    receiver = ScriptedReceiver([404], always=503)
    supplier, state = make_supplier(receiver)
    post_request(supplier)
    post_request(supplier, "urn:gtin:00000000")
    state.worker.run_once()  # row 1: 404 → failed; row 2 (rejected: nothing matches): 503 → pending
    registry = state.catalogue.registry.url.removeprefix("sqlite:///")
    monkeypatch.setenv("GBA_ACTOR", "ops-alice")

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["pact-host", "outbox", *args, "--registry", registry])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = run("list")
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:5] == ["id", "status", "client", "event", "attempts"]
    assert lines[2].split()[:5] == ["1", "failed", "buyer", "RequestFulfilledEvent", "1"]
    assert lines[3].split()[:5] == ["2", "pending", "buyer", "RequestRejectedEvent", "1"]
    code, out, _ = run("list", "--status", "failed", "--format", "json")
    assert [e["id"] for e in json.loads(out)] == [1] and "event" not in json.loads(out)[0]
    code, out, _ = run("show", "1")
    shown = json.loads(out)
    assert shown["event"]["type"].endswith("RequestFulfilledEvent.3") and shown["last_http_status"] == 404

    before = datetime.now(timezone.utc)
    assert run("retry", "1", "--reason", "buyer fixed its host")[0] == 0
    retried = state.outbox.entry(1)  # the command runs on the system clock: due now, a new 72-hour window
    assert retried.status == "pending" and before <= retried.next_attempt_at <= datetime.now(timezone.utc)
    assert retried.deadline_at - retried.next_attempt_at == timedelta(hours=72)
    host_clock.set(retried.next_attempt_at)
    code, _, err = run("cancel", "2")
    assert code == 0 and state.outbox.entry(2).status == "cancelled"
    code, _, err = run("cancel", "2")
    assert code == 2 and "only a pending row can be cancelled" in err
    code, _, err = run("retry", "9")
    assert code == 2 and "no outbox row 9" in err

    assert state.worker.run_once() == 1  # row 1 again (now 503: pending), row 2 cancelled: not attempted
    assert receiver.posted.count(state.outbox.entry(2).event_id) == 1
    audit = [e for e in state.catalogue.registry.audit() if e.action.startswith("pact_outbox")]
    assert [(e.action, e.actor, e.detail["outbox_id"], e.detail["previous_status"]) for e in audit] == [
        ("pact_outbox_retry", "ops-alice", 1, "failed"),
        ("pact_outbox_cancel", "ops-alice", 2, "pending"),
    ]
    assert audit[0].detail["reason"] == "buyer fixed its host"
    assert state.catalogue.registry.verify_audit().ok


def test_retrying_a_delivered_row_is_refused(make_supplier):
    from footprint.pact_host.outbox import OutboxError

    supplier, state = make_supplier(ScriptedReceiver())
    post_request(supplier)
    state.worker.run_once()
    with pytest.raises(OutboxError, match="was delivered on"):
        state.outbox.retry(1, "ops-bob")
    assert not [e for e in state.catalogue.registry.audit() if e.action.startswith("pact_outbox")]


# ------------------------------------------------------------------ migration


def test_migration_0005_keeps_the_event_log(registry_target):
    from sqlalchemy import text

    from footprint.certification.registry import Registry, registry_url
    from footprint.certification.registry.store import make_engine, migrate
    from footprint.pact_host.events import EventStore
    from footprint.pact_host.outbox import OutboxStore

    engine = make_engine(registry_url(registry_target))
    migrate(engine, "0004")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO pact_events (direction, event_id, source, type, client_id, at, body) "
                "VALUES ('received', 'old-1', '//b/3/events', 'org.wbcsd.pact.ProductFootprint.PublishedEvent.3', 'buyer', :at, :body)"
            ),
            {"at": "2025-01-02 03:04:05", "body": json.dumps({"id": "old-1", "data": {"pfIds": []}})},
        )
    engine.dispose()
    with Registry.open(registry_target) as registry:
        assert [e.event["id"] for e in EventStore(registry).events()] == ["old-1"]
        assert OutboxStore(registry).entries() == []
