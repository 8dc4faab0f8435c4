"""How long a registry call waits behind a stalled transaction before it fails, and whether
readers wait at all.

Run: ``python benchmarks/bench_registry_locks.py [--postgres URL]`` (default
``$GBA_TEST_POSTGRES_URL``, see ``.ci/start-postgres``). Prints, nothing asserted:

- PostgreSQL: a second connection locks the certificate row (``SELECT ... FOR UPDATE``) and stays
  idle; time until ``suspend`` raises ``RegistryBusyError`` (default lock timeout), and time of a
  ``find`` meanwhile; then the same with the audit-chain advisory lock held, for ``issue``;
- SQLite: a second connection holds ``BEGIN IMMEDIATE`` with a pending write; time of
  ``Registry.open`` + ``find`` (a CLI lookup) and until ``suspend`` fails.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from certification.conftest import make_request  # noqa: E402

from footprint.certification.document import BodyFacts  # noqa: E402
from footprint.certification.errors import RegistryBusyError  # noqa: E402
from footprint.certification.registry import Registry  # noqa: E402
from footprint.certification.signing import SigningKey  # noqa: E402

KEY, BODY = SigningKey.generate(), BodyFacts(id="BENCH", name="Bench CB")


def timed(call) -> tuple[float, str]:
    start = time.perf_counter()
    try:
        call()
        outcome = "ok"
    except RegistryBusyError as error:
        outcome = f"RegistryBusyError ({str(error)[:60]}…)"
    return time.perf_counter() - start, outcome


def postgres(url: str) -> None:
    import psycopg

    libpq = url.replace("postgresql+psycopg://", "postgresql://")
    name = f"gba_bench_{os.getpid()}"
    with psycopg.connect(libpq, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    target = f"{url.rpartition('/')[0]}/{name}"
    try:
        with Registry.open(target) as registry:
            number = registry.issue(make_request(1), KEY, BODY, "bench").number
            with psycopg.connect(f"{libpq.rpartition('/')[0]}/{name}") as stalled:
                stalled.execute("SELECT 1 FROM certificates WHERE number = %s FOR UPDATE", (number,))
                print("postgres  row locked by an idle transaction:  suspend %.2f s → %s" % timed(lambda: registry.suspend(number, "bench", "x")))
                print("postgres  same, meanwhile find:                  %.4f s → %s" % timed(lambda: registry.find(number)))
                stalled.execute("SELECT pg_advisory_lock(%s)", (0x6BA_A0D17,))
                print("postgres  audit-chain lock held:               issue %.2f s → %s" % timed(lambda: registry.issue(make_request(2), KEY, BODY, "bench")))
                stalled.rollback()
    finally:
        with psycopg.connect(libpq, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sqlite() -> None:
    path = Path(tempfile.mkdtemp()) / "registry.sqlite"
    with Registry.open(path) as registry:
        number = registry.issue(make_request(1), KEY, BODY, "bench").number
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO certificate_counters (body_id, year, last_sequence) VALUES ('STALL', 2025, 1)")

    def lookup() -> None:
        with Registry.open(path) as opened:
            opened.find(number)

    print("sqlite    write lock held by another process:  open+find %.4f s → %s" % timed(lookup))
    with Registry.open(path) as registry:
        print("sqlite    same:                                suspend %.2f s → %s" % timed(lambda: registry.suspend(number, "bench", "x")))
    holder.execute("ROLLBACK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", default=os.environ.get("GBA_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    sqlite()
    if args.postgres:
        postgres(args.postgres)
    else:
        print("postgres  skipped: no --postgres URL and no $GBA_TEST_POSTGRES_URL")


if __name__ == "__main__":
    main()
