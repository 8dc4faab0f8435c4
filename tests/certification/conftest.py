"""Fixtures of the certification tests: keys, certificate requests, and registries on SQLite
(always) and PostgreSQL (a real server: ``$GBA_TEST_POSTGRES_URL`` as exported by
``.ci/start-postgres``, else one started here from the Debian packages, else skipped with the
reason)."""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
import threading
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
START_POSTGRES = ROOT / ".ci" / "start-postgres"
POSTGRES_URL_ENV = "GBA_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def postgres_server():
    """URL of a PostgreSQL server database we may create databases on, or a skip reason."""
    url = os.environ.get(POSTGRES_URL_ENV)
    started_dir = None
    if not url:
        if not START_POSTGRES.exists():
            yield None, "no .ci/start-postgres script"
            return
        run = subprocess.run([str(START_POSTGRES), "--watch-pid", str(os.getpid())], capture_output=True, text=True, timeout=60)
        exports = dict(
            line.removeprefix("export ").split("=", 1) for line in run.stdout.splitlines() if line.startswith("export ")
        )
        if run.returncode != 0 or "GBA_TEST_POSTGRES_URL" not in exports:
            reason = (run.stderr.strip().splitlines() or ["could not start PostgreSQL"])[-1]
            yield None, reason
            return
        url = shlex.split(exports["GBA_TEST_POSTGRES_URL"])[0]
        started_dir = shlex.split(exports["GBA_TEST_POSTGRES_DIR"])[0]
    try:
        import psycopg

        with psycopg.connect(_libpq(url), connect_timeout=5) as connection:
            connection.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 - any failure means: skip with the reason
        yield None, f"PostgreSQL at {url} not reachable: {error}"
        return
    yield url, ""
    if started_dir:
        _stop(started_dir)


def _stop(data_dir: str) -> None:
    pg_ctl = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))), None)
    if pg_ctl is None:
        return
    command = [str(pg_ctl), "-D", data_dir, "-m", "fast", "stop"]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, capture_output=True, timeout=30)


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture
def postgres_url(postgres_server):
    """A fresh, empty database on the test server for one test; dropped afterwards."""
    server, reason = postgres_server
    if server is None:
        pytest.skip(f"PostgreSQL unavailable: {reason}")
    import psycopg

    name = f"gba_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(server), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = server.rpartition("/")
    yield f"{base}/{name}"
    with psycopg.connect(_libpq(server), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def registry_target(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "registry.sqlite")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def clock():
    from footprint.certification.clock import FixedClock

    return FixedClock(date(2025, 3, 1))


@pytest.fixture
def registry(registry_target, clock):
    from footprint.certification.registry import Registry

    registry = Registry.open(registry_target, clock=clock)
    yield registry
    registry.close()


@pytest.fixture(scope="session")
def signing_key():
    from footprint.certification.signing import SigningKey

    return SigningKey.generate()


@pytest.fixture
def body():
    from footprint.certification.document import BodyFacts

    return BodyFacts(id="HKQAA", name="Hong Kong Quality Assurance Agency", name_zh="香港品质保证局")


def make_request(index: int = 1, value: float = 12.3, product: str = "LED lamp", model: str = "L-100", **changes):
    """A certificate request for a made-up study ``S<index>`` (distinct study hash per index)."""
    from footprint.certification.document import (
        CertificateRequest,
        PartyFacts,
        ProductFacts,
        StudyRef,
        VerificationFacts,
        VersionRef,
    )

    facts = dict(
        product=ProductFacts(name=product, name_zh="LED灯", model=model),
        applicant=PartyFacts(name="Bay Lighting Ltd", name_zh="湾区照明有限公司"),
        value_kgco2e=value,
        unit="kg CO2e / 1 piece",
        declared_unit="1 piece",
        boundary="cradle-to-gate",
        study=StudyRef(id=f"S{index}", sha256=hashlib.sha256(f"study {index} {value}".encode()).hexdigest()),
        rule_set=VersionRef(id="gba-general", version="1.0.0", sha256="0" * 64),
        dataset=VersionRef(id="gba", version="1.0.0", sha256="1" * 64),
        method_id="ipcc-ar6-gwp100",
        verification=VerificationFacts(
            verified_total_kgco2e=value, misstatement_pct=0.0, materiality_pct=5.0, verified_on=date(2025, 3, 1)
        ),
        validity_years=2,
        recalc_trigger_pct=5.0,
    )
    facts.update(changes)
    return CertificateRequest(**facts)


def run_together(work: Callable[[int], None], threads_n: int) -> list[BaseException]:
    """Run ``work(worker)`` in ``threads_n`` threads released at once (a barrier), wait for all;
    the exceptions they raised (a concurrency test asserts there are none)."""
    errors: list[BaseException] = []
    start = threading.Barrier(threads_n)

    def run(worker: int) -> None:
        try:
            start.wait()
            work(worker)
        except BaseException as error:  # noqa: BLE001 - reported to the test, which fails on it
            errors.append(error)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
