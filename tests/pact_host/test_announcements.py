"""Announcing footprints (PublishedEvent): what the registry's changes announce, to whom (only
clients with an events endpoint that may see the footprint), each event valid against the spec,
a footprint not served yet, once per change with two host processes (SQLite and PostgreSQL), and
the operators' listing. The two-host flow over real servers is in test_events.py."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from ..certification.conftest import registry_target, run_together  # noqa: F401
from ..study_fixtures import STUDY_DATASET
from .conftest import HOST_URL, SECRET, assert_schema, client_entry, open_host, registry_copy, token_for, write_credentials
from .receivers import ScriptedReceiver

LAMP = "urn:pact:gba-footprint:product-model:DL-12W-A"


def reply(name: str) -> dict:
    return {"url": f"http://{name}.test", "client_id": "supplier", "client_secret": "reply-secret-0123456789"}


CLIENTS = [
    client_entry("buyer", SECRET, reply_to=reply("buyer")),  # sees every footprint
    client_entry("lamp-buyer", SECRET, reply_to=reply("lamp"), access={"productIds": [LAMP.upper()]}),  # the lamp (any case)
    client_entry("other-buyer", SECRET, reply_to=reply("other"), access={"productIds": ["urn:gtin:00000000"], "companyIds": ["urn:company:someone-else"]}),
    client_entry("no-endpoint", SECRET),  # sees every footprint, has no events endpoint
]
BOTH = ["buyer", "lamp-buyer"]


def published(state) -> list[tuple[str, list[str]]]:
    from footprint.pact_host.events import PUBLISHED

    return [(e.client_id, e.event["data"]["pfIds"]) for e in state.outbox.entries() if e.type == PUBLISHED]


def get(client, footprint_id: str, who: str = "buyer"):
    return client.get(f"/3/footprints/{footprint_id}", headers={"authorization": f"Bearer {token_for(client, who)}"})


def listed_ids(client, query: str = "") -> list[str]:
    response = client.get(f"/3/footprints{query}", headers={"authorization": f"Bearer {token_for(client)}"})
    assert response.status_code == 200, response.text
    return [f["id"] for f in response.json()["data"]]


@pytest.fixture
def supplier(certified_setup, tmp_path, host_clock):
    """The certified host with CLIENTS and a public URL; its deliveries go to a receiver that
    accepts everything; its studies folder is its own (a renewal writes one)."""
    from fastapi.testclient import TestClient

    from footprint.pact_host.app import create_app

    studies = tmp_path / "studies"
    shutil.copytree(certified_setup.studies, studies)
    receiver = ScriptedReceiver()
    credentials = write_credentials(tmp_path / "supplier.json", CLIENTS)
    registry, state = open_host(registry_copy(certified_setup, tmp_path), studies, credentials, host_clock, public_url=HOST_URL, make_client=receiver.client_factory())
    with TestClient(create_app(state), base_url=HOST_URL) as client:
        yield SimpleNamespace(client=client, state=state, registry=registry, receiver=receiver, studies=studies, credentials=credentials)
    registry.close()


def test_an_issued_certificate_is_announced_to_each_client_that_may_see_it(supplier, certified_setup, host_clock):
    from footprint.pact_host.announcements import announcements
    from footprint.pact_host.events import PUBLISHED

    state, client = supplier.state, supplier.client
    (waiting,) = announcements(supplier.registry)  # written by the registry when certified_setup issued
    assert (waiting.certificate_number, waiting.change, waiting.status) == (certified_setup.number, "issued", "waiting")
    (lamp_id,) = listed_ids(client)

    _, silent = open_host(supplier.registry.url.removeprefix("sqlite:///"), supplier.studies, supplier.credentials, host_clock)  # no public URL
    assert silent.worker.run_once() == 0 and announcements(supplier.registry)[0].status == "waiting"

    assert state.worker.run_once() == 2  # queued for two clients, both delivered in the same pass
    assert sorted(published(state)) == [("buyer", [lamp_id]), ("lamp-buyer", [lamp_id])]
    entries = state.outbox.entries()
    assert [e.status for e in entries] == ["delivered", "delivered"]
    for entry in entries:
        assert_schema("PublishedEvent", entry.event)
        assert entry.event["source"] == f"{HOST_URL}/3/events" and entry.event["time"] == "2025-06-30T04:00:00Z"  # the host's clock: 30 June, noon at UTC+8
    assert sorted(e["id"] for e in supplier.receiver.events) == sorted(e.event_id for e in entries)
    assert [s.client_id for s in state.events.events(PUBLISHED, direction="sent")] == [e.client_id for e in entries]
    (done,) = announcements(supplier.registry)
    assert (done.status, done.note, done.done_at, done.next_check_at) == ("queued", "to buyer, lamp-buyer", host_clock.now(), None)

    assert state.worker.run_once() == 0 and len(published(state)) == 2  # announced once
    assert get(client, lamp_id, "lamp-buyer").json()["data"]["status"] == "Active"
    assert get(client, lamp_id, "other-buyer").status_code == 404  # not announced to it: it may not see it


def test_a_renewal_announces_the_new_footprint_and_the_one_it_deprecates(supplier, certified_setup):
    from footprint.certification.issue import issue_certificate
    from footprint.pact_host.announcements import announcements

    state, client = supplier.state, supplier.client
    state.worker.run_once()
    (old_id,) = listed_ids(client)
    renewed = issue_certificate(
        supplier.registry, certified_setup.report, certified_setup.key, certified_setup.body, "officer",
        renew=certified_setup.number, reason="new verification", out_dir=supplier.studies, stem="lamp-renewed",
    )  # fmt: skip
    (new_id,) = listed_ids(client, "?status=Active")
    assert state.worker.run_once() == 2
    assert sorted(published(state)[2:]) == [("buyer", [new_id, old_id]), ("lamp-buyer", [new_id, old_id])]
    for entry in state.outbox.entries()[2:]:
        assert_schema("PublishedEvent", entry.event)
    assert get(client, old_id).json()["data"]["status"] == "Deprecated"
    assert get(client, new_id).json()["data"]["precedingPfIds"] == [old_id]
    last = announcements(supplier.registry)[-1]
    assert (last.certificate_number, last.change, last.status) == (renewed.record.number, "renewed", "queued")


def test_a_revocation_announces_the_footprint_deprecated_and_a_suspension_nothing(supplier, certified_setup):
    from footprint.pact_host.announcements import announcements

    state, client, registry, number = supplier.state, supplier.client, supplier.registry, certified_setup.number
    state.worker.run_once()
    (lamp_id,) = listed_ids(client)
    registry.suspend(number, "officer", "site audit pending")
    assert state.worker.run_once() == 0 and get(client, lamp_id).status_code == 404  # suspended: not served, not announced
    registry.reinstate(number, "officer")
    assert state.worker.run_once() == 0 and len(announcements(registry)) == 1 and len(published(state)) == 2
    registry.revoke(number, "officer", "misstated electricity")
    assert state.worker.run_once() == 2
    assert sorted(published(state)[2:]) == [("buyer", [lamp_id]), ("lamp-buyer", [lamp_id])]
    assert get(client, lamp_id).json()["data"]["status"] == "Deprecated"
    assert listed_ids(client, "?status=Active") == []
    assert [(a.change, a.status) for a in announcements(registry)] == [("issued", "queued"), ("revoked", "queued")]


@pytest.fixture
def fresh_issue(certified_setup, tmp_path, host_clock):
    """A host over a new registry in which the lamp is certified now (on the host's clock), its
    certified study written outside the host's studies folder: not served yet."""
    from footprint.certification.issue import issue_certificate

    studies, issued = tmp_path / "studies", tmp_path / "issued"
    studies.mkdir()
    issued.mkdir()
    receiver = ScriptedReceiver()
    registry, state = open_host(
        str(tmp_path / "fresh.sqlite"), studies, write_credentials(tmp_path / "c.json", CLIENTS), host_clock,
        public_url=HOST_URL, make_client=receiver.client_factory(),
    )  # fmt: skip
    issue_certificate(registry, certified_setup.report, certified_setup.key, certified_setup.body, "officer", out_dir=issued, stem="lamp")
    yield SimpleNamespace(state=state, registry=registry, studies=studies, issued=issued / "lamp.certified.json")
    registry.close()


def test_a_footprint_not_served_yet_is_announced_once_its_study_arrives(fresh_issue, host_clock):
    from footprint.pact_host.announcements import announcements

    state, t0 = fresh_issue.state, host_clock.now()
    assert state.worker.run_once() == 0
    (waiting,) = announcements(fresh_issue.registry)
    assert (waiting.status, waiting.next_check_at) == ("waiting", t0 + timedelta(minutes=1))
    assert waiting.note.startswith("waiting: its footprint is not served")
    shutil.copy(fresh_issue.issued, fresh_issue.studies)
    host_clock.advance(seconds=59)
    assert state.worker.run_once() == 0 and published(state) == []  # not looked at again yet
    host_clock.advance(seconds=1)
    assert state.worker.run_once() == 2
    assert [c for c, _ in sorted(published(state))] == BOTH


def test_a_footprint_still_not_served_after_72_hours_is_not_announced(fresh_issue, host_clock):
    from footprint.pact_host.announcements import announcements

    state = fresh_issue.state
    host_clock.advance(seconds=72 * 3600 - 1)
    assert state.worker.run_once() == 0 and announcements(fresh_issue.registry)[0].status == "waiting"
    host_clock.advance(seconds=60)
    assert state.worker.run_once() == 0
    (gone,) = announcements(fresh_issue.registry)
    assert (gone.status, gone.done_at) == ("unserved", host_clock.now()) and gone.note.startswith("not announced: 72 hours after the change")
    shutil.copy(fresh_issue.issued, fresh_issue.studies)
    host_clock.advance(minutes=5)
    assert state.worker.run_once() == 0 and published(state) == []


def test_nobody_gets_an_event_when_no_client_may_see_the_footprint(certified_setup, tmp_path, host_clock):
    from footprint.pact_host.announcements import announcements

    receiver = ScriptedReceiver()
    credentials = write_credentials(tmp_path / "c.json", [CLIENTS[2], CLIENTS[3]])  # one may not see it, one has no endpoint
    registry, state = open_host(registry_copy(certified_setup, tmp_path), certified_setup.studies, credentials, host_clock, public_url=HOST_URL, make_client=receiver.client_factory())
    try:
        assert state.worker.run_once() == 0
        assert state.outbox.entries() == [] and receiver.events == []
        (done,) = announcements(registry)
        assert (done.status, done.note) == ("nobody", "no client with an events endpoint (reply_to) may see it")
    finally:
        registry.close()


# ------------------------------------------------------------------ once, with two host processes


def _issued_in(target: str, studies, certified_setup, clock) -> None:
    from footprint.certification.issue import issue_certificate
    from footprint.certification.registry import Registry

    with Registry.open(target, clock=clock) as registry:
        issue_certificate(registry, certified_setup.report, certified_setup.key, certified_setup.body, "officer", out_dir=studies, stem="lamp")


def _announcer(registry, studies, tmp_path):
    from footprint.pact_host.announcements import Announcer
    from footprint.pact_host.catalogue import Catalogue
    from footprint.pact_host.credentials import load_credentials
    from footprint.pact_host.outbox import OutboxStore

    credentials = load_credentials(write_credentials(tmp_path / "c.json", CLIENTS))
    announcer = Announcer(OutboxStore(registry), credentials, Catalogue(registry, studies, STUDY_DATASET), f"{HOST_URL}/3/events")
    assert len(announcer.catalogue.served()) == 1  # computed before the race: the passes race on the database only
    return announcer


def test_two_host_processes_announce_a_change_once(registry_target, certified_setup, tmp_path):
    from footprint.certification.clock import FixedClock
    from footprint.certification.registry import Registry
    from footprint.pact_host.announcements import announcements

    clock = FixedClock(date(2025, 6, 30))
    studies = tmp_path / "studies"
    studies.mkdir()
    _issued_in(registry_target, studies, certified_setup, clock)
    registries = [Registry.open(registry_target, clock=clock) for _ in range(2)]
    try:
        announcers = [_announcer(r, studies, tmp_path) for r in registries]
        queued = [0, 0]

        def work(worker: int) -> None:
            queued[worker] = announcers[worker].run_once()

        assert run_together(work, 2) == []
        assert sorted(queued) == [0, 2]
        assert sorted(e.client_id for e in announcers[0].outbox.entries()) == BOTH
        assert [a.status for a in announcements(registries[1])] == ["queued"]
    finally:
        for registry in registries:
            registry.close()


@pytest.mark.postgres
def test_postgresql_skips_an_announcement_another_host_holds(postgres_url, certified_setup, tmp_path):
    """Locked by another transaction, the row is skipped (SKIP LOCKED), not waited for: with a 2 s
    lock timeout, waiting would fail the pass with RegistryBusyError."""
    import psycopg

    from footprint.certification.clock import FixedClock
    from footprint.certification.registry import Registry
    from footprint.pact_host.announcements import announcements

    clock = FixedClock(date(2025, 6, 30))
    studies = tmp_path / "studies"
    studies.mkdir()
    _issued_in(postgres_url, studies, certified_setup, clock)
    with Registry.open(postgres_url, clock=clock, lock_timeout=2) as registry:
        announcer = _announcer(registry, studies, tmp_path)
        with psycopg.connect(postgres_url.replace("postgresql+psycopg://", "postgresql://")) as other:
            other.execute("SELECT id FROM pact_announcements FOR UPDATE")
            assert announcer.run_once() == 0
            assert announcements(registry)[0].status == "waiting"
        assert announcer.run_once() == 2


# ------------------------------------------------------------------ operators


def test_announcements_command_lists_the_rows(supplier, capsys):
    from footprint.cli import main

    supplier.state.worker.run_once()
    target = supplier.registry.url.removeprefix("sqlite:///")
    assert main(["pact-host", "announcements", "--registry", target]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["id", "status", "certificate", "change"]
    assert lines[2].split()[:4] == ["1", "queued", supplier.state.catalogue.registry.list()[0].number, "issued"]
    assert main(["pact-host", "announcements", "--status", "waiting", "--registry", target]) == 0
    assert capsys.readouterr().out.strip() == "no waiting announcements"
    assert main(["pact-host", "announcements", "--format", "json", "--registry", target]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["status"], row["note"], row["next_check_at"]) == ("queued", "to buyer, lamp-buyer", None)
    assert main(["pact-host", "announcements", "--status", "late", "--registry", target]) == 2
    assert "unknown announcement status 'late'" in capsys.readouterr().err
