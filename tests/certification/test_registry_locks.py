"""A stalled transaction never makes the registry wait forever, and never blocks a reader:
PostgreSQL writers fail with RegistryBusyError after the lock timeout; SQLite lookups and lists
(CLI included) work while another process holds the write lock."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text

from footprint.certification.errors import RegistryBusyError
from footprint.certification.registry import Registry
from footprint.cli import main

from .conftest import _libpq, make_request


@pytest.mark.postgres
def test_postgres_writer_behind_a_stalled_transaction_fails_with_a_typed_error(postgres_url, clock, signing_key, body):
    import psycopg

    with Registry.open(postgres_url, clock=clock, lock_timeout=0.5) as registry:
        number = registry.issue(make_request(1), signing_key, body, "officer").number
        with psycopg.connect(_libpq(postgres_url)) as stalled:  # someone's psql: BEGIN, lock, walk away
            stalled.execute("SELECT * FROM certificates WHERE number = %s FOR UPDATE", (number,))
            with pytest.raises(RegistryBusyError, match="busy: another transaction held a lock for more than 0.5 s"):
                registry.suspend(number, "officer", "audit overdue")
            stalled.execute("SELECT pg_advisory_lock(%s)", (0x6BA_A0D17,))  # the audit chain lock
            with pytest.raises(RegistryBusyError):
                registry.issue(make_request(2), signing_key, body, "officer")
            assert registry.find(number).status == "valid"  # readers are not blocked
            stalled.rollback()
        assert registry.suspend(number, "officer", "audit overdue").status == "suspended"
        assert [e.action for e in registry.audit()] == ["issue", "suspend"] and registry.verify_audit().ok


@pytest.mark.postgres
def test_postgres_sessions_carry_the_timeouts(postgres_url):
    with Registry.open(postgres_url, lock_timeout=2) as registry:
        with registry._reading() as session:
            names = ("lock_timeout", "statement_timeout", "idle_in_transaction_session_timeout")
            settings = {name: session.execute(text(f"SHOW {name}")).scalar() for name in names}
    assert settings == {"lock_timeout": "2s", "statement_timeout": "1min", "idle_in_transaction_session_timeout": "1min"}


def test_sqlite_reads_work_while_another_process_holds_the_write_lock(tmp_path, clock, signing_key, body, capsys):
    path = tmp_path / "registry.sqlite"
    with Registry.open(path, clock=clock) as registry:
        number = registry.issue(make_request(1), signing_key, body, "officer").number
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a writer that stalls mid-transaction
    holder.execute("INSERT INTO certificate_counters (body_id, year, last_sequence) VALUES ('STALL', 2025, 1)")
    try:
        for argv in (["registry", "lookup", number], ["registry", "list"], ["registry", "show", number], ["registry", "audit-verify"]):
            code = main([*argv, "--registry", str(path)])
            captured = capsys.readouterr()
            assert code == 0 and "locked" not in captured.err, (argv, captured.err)
        with Registry.open(path, clock=clock, lock_timeout=0.2) as registry:
            assert registry.find(number).status == "valid"
            with pytest.raises(RegistryBusyError, match="busy"):
                registry.suspend(number, "officer", "audit overdue")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
