"""Label registry on SQLite and on a real PostgreSQL server: lifecycle, expiry, recalculation,
renewal, numbering, append-only audit log, migrations and concurrency."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from footprint.certification.errors import NotFoundError, RegistryError, TransitionError
from footprint.certification.numbering import parse_number
from footprint.certification.registry import Registry

from .conftest import make_request, run_together


def test_lifecycle_issue_suspend_reinstate_revoke(registry, signing_key, body, clock):
    cert = registry.issue(make_request(1), signing_key, body, actor="alice@hkqaa")
    assert cert.status == "valid"
    assert cert.number == "GBA-CFP-2025-HKQAA-000001-22"
    assert (cert.issue_date, cert.expiry_date) == (date(2025, 3, 1), date(2027, 2, 28))
    assert registry.get(cert.number.lower()).number == cert.number

    clock.advance(days=10)
    assert registry.suspend(cert.number, "bob@hkqaa", "surveillance audit pending").status == "suspended"
    with pytest.raises(TransitionError, match="it is suspended"):
        registry.suspend(cert.number, "bob@hkqaa", "again")
    assert registry.reinstate(cert.number, "bob@hkqaa", "audit passed").status == "valid"
    assert registry.suspend(cert.number, "bob@hkqaa", "complaint").status == "suspended"
    clock.advance(days=1)
    revoked = registry.revoke(cert.number, "carol@hkqaa", "misleading use of the label")
    assert revoked.status == "revoked"
    for action in (registry.reinstate, registry.suspend, registry.revoke):
        with pytest.raises(TransitionError, match="revoked \\(final\\)"):
            action(cert.number, "carol@hkqaa", "try")
    with pytest.raises(TransitionError):
        registry.renew(cert.number, make_request(2), signing_key, body, "carol@hkqaa")

    audit = registry.audit(cert.number)
    assert [(e.action, e.actor) for e in audit] == [
        ("issue", "alice@hkqaa"),
        ("suspend", "bob@hkqaa"),
        ("reinstate", "bob@hkqaa"),
        ("suspend", "bob@hkqaa"),
        ("revoke", "carol@hkqaa"),
    ]
    assert audit[0].at.date() == date(2025, 3, 1) and audit[-1].at.date() == date(2025, 3, 12)
    assert audit[-1].detail == {"previous_status": "suspended", "status": "revoked", "reason": "misleading use of the label"}


def test_issue_renew_and_revoke_note_an_announcement_in_their_transaction(registry, signing_key, body, clock):
    """The PACT host announces from these rows (footprint.pact_host.announcements); a suspension
    or reinstatement writes none, and an issue that fails before its commit leaves none."""
    from footprint.pact_host.announcements import announcements

    def changes() -> list[tuple[str, str, str]]:
        return [(a.certificate_number, a.change, a.status) for a in announcements(registry)]

    def full_disk(_record) -> None:
        raise OSError("no space left on device")

    with pytest.raises(OSError):
        registry.issue(make_request(1), signing_key, body, "alice", before_commit=full_disk)
    assert changes() == [] and registry.count() == 0
    first = registry.issue(make_request(1), signing_key, body, "alice")
    registry.suspend(first.number, "bob", "audit pending")
    registry.reinstate(first.number, "bob")
    second = registry.renew(first.number, make_request(2), signing_key, body, "bob", reason="re-verified")
    with pytest.raises(OSError):
        registry.renew(second.number, make_request(3), signing_key, body, "bob", before_commit=full_disk)
    registry.revoke(second.number, "carol", "misstatement found")
    assert changes() == [(first.number, "issued", "waiting"), (second.number, "renewed", "waiting"), (second.number, "revoked", "waiting")]
    assert {a.created_at for a in announcements(registry)} == {clock.now()}


def test_changes_need_actor_and_reason(registry, signing_key, body):
    with pytest.raises(RegistryError, match="actor"):
        registry.issue(make_request(1), signing_key, body, actor=" ")
    assert registry.count() == 0  # the failed issue was rolled back entirely
    cert = registry.issue(make_request(1), signing_key, body, actor="alice")
    with pytest.raises(RegistryError, match="reason"):
        registry.revoke(cert.number, "alice", "")
    with pytest.raises(NotFoundError):
        registry.suspend("GBA-CFP-2025-HKQAA-000999-" + "00", "alice", "x")


def test_expiry_and_expiring_list(registry, signing_key, body, clock):
    first = registry.issue(make_request(1), signing_key, body, "alice")
    clock.advance(days=100)
    second = registry.issue(make_request(2), signing_key, body, "alice")
    on = first.expiry_date - timedelta(days=30)
    assert [c.number for c in registry.expiring(30, on=on)] == [first.number]
    assert [c.number for c in registry.expiring(130, on=on)] == [first.number, second.number]
    assert registry.expiring(29, on=on) == []

    clock.set(clock.now().replace(year=2027, month=3, day=1))  # the day after first's last day
    assert registry.get(first.number).effective_status(registry.today()) == "expired"
    assert registry.get(second.number).effective_status(registry.today()) == "valid"
    assert [c.number for c in registry.list(status="expired")] == [first.number]
    assert [c.number for c in registry.list(status="active")] == [second.number]
    assert [c.number for c in registry.expiring(0)] == []
    with pytest.raises(TransitionError, match="expired on 2027-02-28"):
        registry.suspend(first.number, "bob", "late")
    with pytest.raises(TransitionError, match="expired"):
        registry.renew(first.number, make_request(3), signing_key, body, "bob")
    assert registry.revoke(first.number, "bob", "fraud found after expiry").status == "revoked"


def test_recalculation_trigger_flags_and_renewal_supersedes(registry, signing_key, body, clock):
    cert = registry.issue(make_request(1, value=10.0), signing_key, body, "alice")
    within = registry.record_recalculation(cert.number, 10.4, "plant-engineer", note="new supplier")
    assert (round(within.change_pct, 9), within.reverification_required) == (4.0, False)
    assert registry.get(cert.number).reverification_required is False

    beyond = registry.record_recalculation(cert.number, 9.3, "plant-engineer", note="grid factor update")
    assert (round(beyond.change_pct, 9), beyond.reverification_required) == (7.0, True)
    flagged = registry.get(cert.number)
    assert flagged.reverification_required and flagged.status == "valid" and flagged.last_recalc_kgco2e == 9.3

    registry.suspend(cert.number, "bob", "re-verification pending")
    with pytest.raises(TransitionError, match="re-verification"):
        registry.reinstate(cert.number, "bob")
    with pytest.raises(TransitionError, match="same product model"):
        registry.renew(cert.number, make_request(2, value=9.3, model="L-200"), signing_key, body, "bob")

    clock.advance(days=30)
    new = registry.renew(cert.number, make_request(2, value=9.3), signing_key, body, "bob", reason="re-verified")
    old = registry.get(cert.number)
    assert (old.status, old.superseded_by) == ("superseded", new.number)
    assert (new.status, new.supersedes, new.value_kgco2e) == ("valid", cert.number, 9.3)
    assert new.issue_date == date(2025, 3, 31) and new.expiry_date == date(2027, 3, 30)
    assert new.signed().certificate.supersedes == cert.number
    assert parse_number(new.number).sequence == 2
    with pytest.raises(TransitionError, match="superseded"):
        registry.record_recalculation(cert.number, 9.0, "x")
    actions = [e.action for e in registry.audit()]
    assert actions == ["issue", "recalculate", "recalculate", "suspend", "issue", "renew"]


def test_numbers_per_body_and_year_and_one_active_certificate_per_study(registry, signing_key, body, clock):
    from footprint.certification.document import BodyFacts

    a = registry.issue(make_request(1), signing_key, body, "alice")
    from footprint.certification.signing import SigningKey

    b = registry.issue(make_request(2), SigningKey.generate(), BodyFacts(id="cqc", name="CQC"), "alice")  # each body its key
    c = registry.issue(make_request(3), signing_key, body, "alice")
    clock.set(clock.now().replace(year=2026))
    d = registry.issue(make_request(4), signing_key, body, "alice")
    assert [str(parse_number(x.number)) for x in (a, b, c, d)] == [x.number for x in (a, b, c, d)]
    assert [(x.body_id, x.number.split("-")[2], parse_number(x.number).sequence) for x in (a, b, c, d)] == [
        ("HKQAA", "2025", 1),
        ("CQC", "2025", 1),
        ("HKQAA", "2025", 2),
        ("HKQAA", "2026", 1),
    ]
    with pytest.raises(RegistryError, match="already has an active certificate"):
        registry.issue(make_request(1), signing_key, body, "alice")
    registry.revoke(a.number, "alice", "withdrawn by the applicant")
    again = registry.issue(make_request(1), signing_key, body, "alice")  # a revoked one no longer blocks
    assert again.study_sha256 == a.study_sha256 and again.number != a.number


def _refused(registry, statement: str) -> str:
    with registry._engine.connect() as connection:  # raw SQL, as an administrator might try
        with pytest.raises(DBAPIError) as caught:
            with connection.begin():
                connection.execute(text(statement))
    return str(caught.value)


def test_audit_log_is_append_only_in_the_database(registry, signing_key, body):
    cert = registry.issue(make_request(1), signing_key, body, "alice")
    registry.suspend(cert.number, "bob", "check")
    assert "append-only" in _refused(registry, "UPDATE audit_log SET actor = 'mallory'")
    assert "append-only" in _refused(registry, "DELETE FROM audit_log")
    if registry.dialect == "postgresql":
        assert "append-only" in _refused(registry, "TRUNCATE audit_log")
    assert [e.actor for e in registry.audit()] == ["alice", "bob"]
    assert not any(hasattr(registry, name) for name in ("delete_audit", "update_audit", "clear_audit"))


def test_reopening_runs_no_migration_twice_and_keeps_data(registry_target, signing_key, body, clock):
    with Registry.open(registry_target, clock=clock) as first:
        number = first.issue(make_request(1), signing_key, body, "alice").number
    opened: list[Registry] = []
    errors: list[BaseException] = []

    def reopen() -> None:
        try:
            opened.append(Registry.open(registry_target, clock=clock))
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=reopen) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for registry in opened:
        assert registry.get(number).status == "valid"
        registry.close()


def test_concurrent_issue_and_lookup_lose_nothing_and_duplicate_no_number(registry, signing_key, body):
    """8 threads issue 6 certificates each while looking up what the others issued."""
    from footprint.certification.lookup import lookup_certificate

    threads_n, per_thread = 8, 6
    issued: list[str] = []
    lookups: list[str] = []
    lock = threading.Lock()

    def work(worker: int) -> None:
        for i in range(per_thread):
            cert = registry.issue(make_request(worker * 100 + i), signing_key, body, f"officer-{worker}")
            with lock:
                issued.append(cert.number)
                seen = list(issued)
            for number in seen[-3:]:
                status = lookup_certificate(registry, number)
                with lock:
                    lookups.append(status.state)

    errors = run_together(work, threads_n)
    assert not errors, errors[:3]
    total = threads_n * per_thread
    assert len(issued) == len(set(issued)) == total
    assert sorted(parse_number(n).sequence for n in issued) == list(range(1, total + 1))
    assert registry.count() == total
    assert {c.number for c in registry.list()} == set(issued)
    assert len([e for e in registry.audit() if e.action == "issue"]) == total
    assert set(lookups) == {"valid"}
    chain = registry.verify_audit()  # one linear hash chain: no two issuers linked to the same entry
    assert (chain.ok, chain.checked) == (True, total), chain.message


def test_open_without_migrating_needs_a_current_schema(registry_target, signing_key, body):
    with pytest.raises(RegistryError, match="schema is at revision \\(none\\)"):
        Registry.open(registry_target, migrate_schema=False)
    Registry.open(registry_target).close()
    with Registry.open(registry_target, migrate_schema=False) as reader:
        assert reader.list() == []


def test_models_match_migrations(registry_target):
    """The ORM models and the Alembic migration describe the same schema (on both databases)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    from footprint.certification.registry import registry_url
    from footprint.certification.registry.models import Base

    Registry.open(registry_target).close()
    engine = create_engine(registry_url(registry_target))
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": "gba_registry_version"})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_registry_url_forms(tmp_path, monkeypatch):
    from footprint.certification.registry import registry_url

    assert registry_url(tmp_path / "a.sqlite") == f"sqlite:///{tmp_path / 'a.sqlite'}"
    assert registry_url("postgresql://u@h:5432/db") == "postgresql+psycopg://u@h:5432/db"
    monkeypatch.setenv("GBA_REGISTRY_URL", "postgresql+psycopg://x@y/z")
    assert registry_url(None) == "postgresql+psycopg://x@y/z"
    with pytest.raises(RegistryError, match="in-memory"):
        Registry.open("sqlite://")
    with pytest.raises(RegistryError, match="cannot open the registry"):
        Registry.open("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
