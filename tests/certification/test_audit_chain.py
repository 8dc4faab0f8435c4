"""The audit log's hash chain on SQLite and on a real PostgreSQL server: it verifies after every
kind of change and under concurrent writers, it finds entries changed, deleted or re-hashed by a
database owner who dropped the append-only triggers (naming the entry), migration 0002 chains a
registry created at revision 0001, the documented recipe re-verifies with a script of one's own,
and ``footprint registry audit-verify`` exits 0/1."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from footprint.certification.registry import Registry, registry_url
from footprint.certification.registry.chain import GENESIS, entry_hash
from footprint.certification.registry.models import UTCDateTime
from footprint.certification.registry.store import make_engine, migrate
from footprint.cli import main

from .conftest import make_request, run_together

MIGRATION_0002 = (
    Path(__file__).resolve().parents[2] / "footprint/certification/registry/migrations/versions/0002_audit_hash_chain.py"
)


def _migration_0002():
    spec = importlib.util.spec_from_file_location("gba_migration_0002", MIGRATION_0002)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def owner_session(registry: Registry, restore_triggers: bool = True):
    """Raw SQL as the database owner with the append-only row triggers dropped (restored after)."""
    migration = _migration_0002()
    sqlite = registry.dialect == "sqlite"
    with registry._engine.connect() as connection:
        with connection.begin():
            for statement in migration.SQLITE_DROP if sqlite else migration.POSTGRES_DROP:
                connection.execute(text(statement))
            yield connection
            if restore_triggers:
                for statement in migration.SQLITE_TRIGGERS if sqlite else migration.POSTGRES_TRIGGERS:
                    connection.execute(text(statement))


def _some_history(registry, signing_key, body, clock) -> list[str]:
    """Issue, suspend, reinstate, recalculate, renew (two entries), revoke: 8 audit entries."""
    a = registry.issue(make_request(1, value=10.0), signing_key, body, "alice@hkqaa")
    b = registry.issue(make_request(2), signing_key, body, "林小姐")
    clock.advance(days=3)
    registry.suspend(a.number, "bob", "surveillance audit pending — 监督审核")
    registry.reinstate(a.number, "bob", "audit passed")
    registry.record_recalculation(a.number, 11.0, "plant-engineer", note="new supplier")
    clock.advance(days=1)
    renewed = registry.renew(a.number, make_request(3, value=11.0), signing_key, body, "carol", reason="re-verified")
    registry.revoke(b.number, "carol", "misleading use of the label")
    return [a.number, b.number, renewed.number]


def _independent_check(rows) -> str:
    """The recipe of docs/certification.md, written again without the project's code.

    rows: (id, at as ISO text, actor, action, certificate_number, detail text, prev_hash,
    entry_hash) in id order. Returns the head hash; asserts every link and hash.
    """
    prev = "0" * 64
    for entry_id, at, actor, action, number, detail, prev_hash, digest in rows:
        payload = {
            "id": entry_id,
            "at": at,
            "actor": actor,
            "action": action,
            "certificate_number": number,
            "detail": detail,
            "prev_hash": prev_hash,
        }
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        assert prev_hash == prev, entry_id
        assert hashlib.sha256(canonical).hexdigest() == digest, entry_id
        prev = digest
    return prev


# the documented SQL that gives `at` as hashed ("YYYY-MM-DDTHH:MM:SS.ffffff+00:00")
AT_SQL = {
    "sqlite": "replace(at, ' ', 'T') || '+00:00'",
    "postgresql": """to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')""",
}


def _raw_rows(registry: Registry, target: str) -> list[tuple]:
    """The audit rows as an auditor reads them: stdlib sqlite3 on the file, psycopg on PostgreSQL."""
    query = (
        f"SELECT id, {AT_SQL[registry.dialect]}, actor, action, certificate_number, detail, prev_hash, entry_hash "
        "FROM audit_log ORDER BY id"
    )
    if registry.dialect == "sqlite":
        with sqlite3.connect(target) as connection:
            return connection.execute(query).fetchall()
    import psycopg

    with psycopg.connect(target.replace("postgresql+psycopg://", "postgresql://")) as connection:
        connection.execute("SET TIME ZONE 'Asia/Hong_Kong'")  # the session time zone must not matter
        return [tuple(r) for r in connection.execute(query).fetchall()]


# ------------------------------------------------------------------ a sound chain


def test_chain_verifies_after_issue_suspend_revoke_renew(registry, registry_target, signing_key, body, clock):
    assert registry.verify_audit().ok and registry.verify_audit().checked == 0  # an empty log is sound
    _some_history(registry, signing_key, body, clock)
    entries = registry.audit()
    assert [e.action for e in entries] == [
        "issue", "issue", "suspend", "reinstate", "recalculate", "issue", "renew", "revoke",
    ]  # fmt: skip
    assert [e.id for e in entries] == list(range(1, 9))
    assert entries[0].prev_hash == GENESIS
    assert all(later.prev_hash == earlier.entry_hash for earlier, later in zip(entries, entries[1:]))
    check = registry.verify_audit()
    assert (check.ok, check.checked, check.first_bad_id, check.reason) == (True, 8, None, None)
    assert (check.head_id, check.head_hash) == (8, entries[-1].entry_hash)
    assert registry.verify_audit(anchor=(5, entries[4].entry_hash)).ok
    # the documented recipe, re-implemented, reading the database without the project's code
    assert _independent_check(_raw_rows(registry, registry_target)) == check.head_hash


def test_hash_covers_every_field():
    at = datetime(2025, 3, 1, 8, 0, tzinfo=timezone(timedelta(hours=8)))  # the same instant as 00:00 UTC
    base = dict(id=3, at=at, actor="alice", action="suspend", certificate_number="N-1", detail='{"a": 1}', prev_hash="a" * 64)
    digest = entry_hash(**base)
    assert digest == entry_hash(**{**base, "at": datetime(2025, 3, 1, tzinfo=timezone.utc)})
    changed = {
        "id": 4, "at": at + timedelta(microseconds=1), "actor": "alicf", "action": "revoke",
        "certificate_number": None, "detail": '{"a":1}', "prev_hash": "b" * 64,
    }  # fmt: skip
    for name, value in changed.items():
        assert entry_hash(**{**base, name: value}) != digest, name
    with pytest.raises(ValueError, match="timezone-aware"):
        entry_hash(**{**base, "at": datetime(2025, 3, 1)})


# ------------------------------------------------------------------ tampering by a database owner


def test_changed_detail_is_found(registry, signing_key, body, clock):
    _some_history(registry, signing_key, body, clock)
    with owner_session(registry) as sql:
        sql.execute(text("UPDATE audit_log SET detail = replace(detail, 'surveillance', 'routine') WHERE id = 3"))
    assert registry.audit()[2].detail["reason"].startswith("routine")
    check = registry.verify_audit()
    assert (check.ok, check.reason, check.first_bad_id, check.checked) == (False, "altered", 3, 3)
    assert "entry 3 does not match its hash" in check.message


def test_changed_actor_or_time_is_found(registry, signing_key, body, clock):
    _some_history(registry, signing_key, body, clock)
    with owner_session(registry) as sql:
        sql.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE id = 6"))
    assert (registry.verify_audit().reason, registry.verify_audit().first_bad_id) == ("altered", 6)
    with owner_session(registry) as sql:
        sql.execute(text("UPDATE audit_log SET actor = 'carol' WHERE id = 6"))  # put back: sound again
    assert registry.verify_audit().ok
    with owner_session(registry) as sql:
        sql.execute(sa.update(sa.table("audit_log", sa.column("id"), sa.column("at", UTCDateTime())))
                    .where(sa.column("id") == 2).values(at=datetime(2025, 2, 1, tzinfo=timezone.utc)))  # fmt: skip
    assert (registry.verify_audit().reason, registry.verify_audit().first_bad_id) == ("altered", 2)


def test_deleted_middle_entry_is_named(registry, signing_key, body, clock):
    _some_history(registry, signing_key, body, clock)
    with owner_session(registry) as sql:
        sql.execute(text("DELETE FROM audit_log WHERE id = 4"))
    check = registry.verify_audit()
    assert (check.ok, check.reason, check.first_bad_id) == (False, "missing_entry", 4)
    assert "entry 4 is missing" in check.message
    with owner_session(registry) as sql:
        sql.execute(text("DELETE FROM audit_log WHERE id IN (1, 2)"))
    check = registry.verify_audit()
    assert (check.reason, check.first_bad_id, check.checked) == ("missing_entry", 1, 1)
    assert "entry 1–2 is missing" in check.message


def test_rehashed_entry_breaks_the_next_link(registry, signing_key, body, clock):
    """Entry 5 altered and its own hash recomputed: it verifies alone, entry 6 no longer links to it."""
    _some_history(registry, signing_key, body, clock)
    entry = registry.audit()[4]
    detail = json.dumps({**entry.detail, "recalculated_kgco2e": 10.1}, ensure_ascii=False, sort_keys=True)
    new_hash = entry_hash(entry.id, entry.at, entry.actor, entry.action, entry.certificate_number, detail, entry.prev_hash)
    with owner_session(registry) as sql:
        sql.execute(text("UPDATE audit_log SET detail = :d, entry_hash = :h WHERE id = 5"), {"d": detail, "h": new_hash})
    check = registry.verify_audit()
    assert (check.ok, check.reason, check.first_bad_id, check.checked) == (False, "broken_link", 6, 6)
    assert "entry 5 was rewritten" in check.message


def test_consistent_rewrite_or_cut_tail_needs_an_anchor(registry, signing_key, body, clock):
    """What the chain alone cannot show, and what a published head hash (anchor) does."""
    _some_history(registry, signing_key, body, clock)
    anchor = (registry.verify_audit().head_id, registry.verify_audit().head_hash)
    assert anchor[0] == 8
    entries_before = registry.audit()
    # the owner deletes the last entry: the rest is a sound chain; only the anchor shows it
    with owner_session(registry) as sql:
        sql.execute(text("DELETE FROM audit_log WHERE id = 8"))
    # the chain is sound, but entry 8 revoked a certificate: its row no longer matches its trail
    check = registry.verify_audit()
    assert (check.ok, check.reason, list(check.certificate_problems)) == (False, "certificate_mismatch", [entries_before[7].certificate_number])
    check = registry.verify_audit(anchor=anchor)
    assert (check.ok, check.reason, check.first_bad_id) == (False, "anchor_mismatch", 8)
    # the owner rewrites entry 2 and recomputes every hash after it: sound again, anchor differs
    entries = registry.audit()
    anchor = (7, entries[6].entry_hash)
    with owner_session(registry) as sql:
        prev = entries[0].entry_hash
        for e in entries[1:]:
            actor = "mallory" if e.id == 2 else e.actor
            detail = json.dumps(e.detail, ensure_ascii=False, sort_keys=True)
            digest = entry_hash(e.id, e.at, actor, e.action, e.certificate_number, detail, prev)
            sql.execute(
                text("UPDATE audit_log SET actor = :a, detail = :d, prev_hash = :p, entry_hash = :h WHERE id = :id"),
                {"a": actor, "d": detail, "p": prev, "h": digest, "id": e.id},
            )
            prev = digest
    assert registry.verify_audit().reason == "certificate_mismatch"  # still the deleted revocation, nothing else
    check = registry.verify_audit(anchor=anchor)
    assert (check.ok, check.reason, check.first_bad_id) == (False, "anchor_mismatch", 7)


def test_dropped_or_disabled_trigger_is_reported(registry, signing_key, body, clock):
    _some_history(registry, signing_key, body, clock)
    with owner_session(registry, restore_triggers=False):
        pass
    check = registry.verify_audit()
    assert (check.ok, check.reason, check.first_bad_id, check.checked) == (False, "triggers_missing", None, 8)
    assert "no_update" in check.message
    with owner_session(registry):  # restored
        pass
    assert registry.verify_audit().ok
    if registry.dialect == "postgresql":
        with registry._engine.begin() as sql:
            sql.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_truncate"))
        check = registry.verify_audit()
        assert (check.ok, check.reason) == (False, "triggers_missing") and "no_truncate" in check.message


def test_forked_append_is_refused_by_the_database(registry, signing_key, body):
    """Even bypassing the store's chain lock, a second entry linking to the same head is refused."""
    registry.issue(make_request(1), signing_key, body, "alice")
    head = registry.audit()[-1]
    with registry._engine.connect() as connection:
        with pytest.raises(DBAPIError):
            with connection.begin():
                connection.execute(
                    text(
                        "INSERT INTO audit_log (id, at, actor, action, certificate_number, detail, prev_hash, entry_hash) "
                        "VALUES (99, :at, 'mallory', 'issue', NULL, '{}', :prev, :h)"
                    ),
                    {"at": head.at.replace(tzinfo=None), "prev": head.prev_hash, "h": "f" * 64},
                )
    assert registry.verify_audit().ok


# ------------------------------------------------------------------ concurrency


def test_concurrent_writers_keep_one_chain(registry, signing_key, body):
    """6 threads issue, suspend, reinstate and renew at once: one linear chain, ids 1…n, no fork."""
    threads_n, per_thread = 6, 4

    def work(worker: int) -> None:
        for i in range(per_thread):
            index = worker * 100 + i
            cert = registry.issue(make_request(index, model=f"M-{index}"), signing_key, body, f"officer-{worker}")
            registry.suspend(cert.number, f"officer-{worker}", "check")
            if i % 2:
                registry.renew(cert.number, make_request(index + 50, model=f"M-{index}"), signing_key, body, f"officer-{worker}")
            else:
                registry.reinstate(cert.number, f"officer-{worker}")

    errors = run_together(work, threads_n)
    assert not errors, errors[:3]
    entries = registry.audit()
    expected = threads_n * per_thread * 3 + threads_n * (per_thread // 2)  # renew writes issue + renew
    assert len(entries) == expected
    assert [e.id for e in entries] == list(range(1, expected + 1))
    assert len({e.prev_hash for e in entries}) == expected
    check = registry.verify_audit()
    assert (check.ok, check.checked) == (True, expected), check.message


# ------------------------------------------------------------------ migration 0001 → 0002


LEGACY = [  # id, at, actor, action, certificate_number, detail (as 0001's store wrote them)
    (1, datetime(2024, 5, 1, 1, 2, 3, 456789, tzinfo=timezone.utc), "alice@hkqaa", "issue", "GBA-CFP-2024-HKQAA-000001-00",
     '{"study_id": "S1", "value_kgco2e": 12.3}'),
    (2, datetime(2024, 5, 2, 9, 0, tzinfo=timezone(timedelta(hours=8))), "林小姐", "suspend", "GBA-CFP-2024-HKQAA-000001-00",
     '{"previous_status": "valid", "reason": "监督审核", "status": "suspended"}'),
    (3, datetime(2024, 5, 3, tzinfo=timezone.utc), "bob", "reinstate", "GBA-CFP-2024-HKQAA-000001-00", "{}"),
    # id 4 never committed (a PostgreSQL sequence skips the ids of rolled-back transactions)
    (5, datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc), "ops", "note", None, '{"text": "a \\"quoted\\" line"}'),
]  # fmt: skip


def test_migration_chains_a_registry_created_at_0001(registry_target, signing_key, body, clock):
    engine = make_engine(registry_url(registry_target))
    migrate(engine, "0001")
    legacy = sa.table(
        "audit_log", sa.column("id"), sa.column("at", UTCDateTime()), sa.column("actor"), sa.column("action"),
        sa.column("certificate_number"), sa.column("detail"),
    )  # fmt: skip
    with engine.connect().execution_options(gba_write=True) as connection, connection.begin():
        columns = {c["name"] for c in sa.inspect(connection).get_columns("audit_log")}
        assert "entry_hash" not in columns  # really the old schema
        connection.execute(
            sa.insert(legacy),
            [dict(zip(("id", "at", "actor", "action", "certificate_number", "detail"), row)) for row in LEGACY],
        )
    engine.dispose()

    with Registry.open(registry_target, clock=clock) as registry:  # upgrades to head: 0002 backfills
        check = registry.verify_audit()
        assert (check.ok, check.checked, check.head_id) == (True, 4, 5), check.message
        entries = registry.audit()
        assert [(e.id, e.at, e.actor, e.action, e.certificate_number) for e in entries] == [r[:5] for r in LEGACY]
        assert [json.dumps(e.detail, ensure_ascii=False, sort_keys=True) for e in entries] == [r[5] for r in LEGACY]
        assert entries[0].prev_hash == GENESIS
        assert _independent_check(_raw_rows(registry, registry_target)) == check.head_hash
        # still append-only after the table was altered (rebuilt on SQLite)
        for statement in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"):
            with registry._engine.connect() as connection:
                with pytest.raises(DBAPIError, match="append-only"):
                    with connection.begin():
                        connection.execute(text(statement))
        # new entries continue the chain after the migrated ones
        registry.issue(make_request(1), signing_key, body, "carol")
        entries = registry.audit()
        assert (entries[-1].id, entries[-1].prev_hash) == (6, check.head_hash)
        assert registry.verify_audit().ok and registry.verify_audit().checked == 5
        # and tampering with a migrated entry is found
        with owner_session(registry) as sql:
            sql.execute(text("UPDATE audit_log SET detail = '{}' WHERE id = 2"))
        assert (registry.verify_audit().reason, registry.verify_audit().first_bad_id) == ("altered", 2)


# ------------------------------------------------------------------ command line


def test_audit_verify_command(tmp_path, signing_key, body, clock, capsys):
    path = tmp_path / "registry.sqlite"
    with Registry.open(path, clock=clock) as registry:
        _some_history(registry, signing_key, body, clock)
        head = registry.verify_audit().head_hash

    def run(*argv: str) -> tuple[int, str]:
        code = main(["registry", "audit-verify", "--registry", str(path), *argv])
        return code, capsys.readouterr().out

    code, out = run()
    assert code == 0 and "audit log intact: 8 entries" in out and f"head: 8:{head}" in out
    code, out = run("--format", "json")
    assert code == 0 and json.loads(out) == {
        "ok": True, "checked": 8, "first_bad_id": None, "reason": None, "certificate_problems": {},
        "message": "8 entries, chain intact", "head_id": 8, "head_hash": head,
    }  # fmt: skip
    assert run("--anchor", f"8:{head.upper()}")[0] == 0
    code, out = run("--anchor", f"8:{'0' * 64}")
    assert code == 1 and "BROKEN at entry 8 (anchor_mismatch)" in out
    with pytest.raises(SystemExit):
        run("--anchor", "eight:abc")
    assert "is not ID:SHA256" in capsys.readouterr().err

    with Registry.open(path, clock=clock) as registry, owner_session(registry) as sql:
        sql.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE id = 3"))
    code, out = run()
    assert code == 1 and "audit log BROKEN at entry 3 (altered)" in out and "3 entries read" in out
    code, out = run("--format", "json")
    assert code == 1 and (json.loads(out)["first_bad_id"], json.loads(out)["reason"]) == (3, "altered")
