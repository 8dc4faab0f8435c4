"""The label registry: issue, look up, list expiring, suspend, reinstate, revoke, recalculate, renew.

Why it is built this way:

* **A real database through SQLAlchemy 2.** A SQLite file by default (nothing to set up; one
  body on one machine), PostgreSQL by URL for a shared deployment (several bodies, the web
  page). The schema is created and upgraded by Alembic on :meth:`Registry.open`, under a lock
  (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL) so that two processes opening
  a fresh registry do not both create it.
* **Nothing lost, nothing duplicated under concurrency.** Every change runs in one transaction
  with its audit entry. Numbers come from one atomic ``INSERT ... ON CONFLICT DO UPDATE ...
  RETURNING`` per (body, year); on SQLite write transactions start with ``BEGIN IMMEDIATE`` (no
  lock upgrades, so no deadlock between readers turning writers) in WAL mode (readers never
  wait); on PostgreSQL a certificate row is locked (``SELECT ... FOR UPDATE``) before its status
  changes, so two officers suspending and revoking at once are applied one after the other and
  both audited.
* **The lifecycle is data** (:data:`TRANSITIONS`): a revoked or superseded certificate is final;
  an expired one can be revoked but not suspended, reinstated or renewed (a new application is
  needed); a certificate flagged for re-verification cannot be reinstated, only renewed from a
  new verification.
* **Append-only audit log.** The store has no method that changes or deletes an audit entry, and
  the database refuses it (triggers). Every entry has who (``actor``), when (from the injected
  clock) and what (``action``, ``detail``).
* **Hash-chained audit log** (:mod:`.chain`). Each entry stores the previous entry's hash and a
  SHA-256 over its own content and that link; :meth:`Registry.verify_audit` finds an entry
  changed, inserted or deleted by someone who could drop the triggers. The chain must not fork,
  so reading the chain head and appending after it are serialised between transactions: on
  SQLite that is already so (``BEGIN IMMEDIATE``: one writer transaction at a time, taken before
  any read); on PostgreSQL a transaction-scoped advisory lock (:data:`_PG_AUDIT_CHAIN_LOCK`) is
  taken just before reading the head and held to commit (rather than ``LOCK TABLE audit_log IN
  EXCLUSIVE MODE``, which needs UPDATE/DELETE/TRUNCATE rights on the table that an application
  role of an append-only log should not have). It is taken last in every transaction (after the
  certificate row and counter locks; afterwards only rows the transaction already holds are
  written), so it cannot take part in a deadlock. The database backs this up: the id is the
  primary key and ``prev_hash`` is unique, so a forked append fails rather than being stored.
* **Changes to announce.** Issuing, renewing and revoking also write a row of
  ``pact_announcements`` in their transaction: the PACT host (``footprint.pact_host``) tells its
  clients about the footprint from it, even when it was not running or another process made the
  change.
* **Clock injected** (:mod:`..clock`): validity, expiry lists and audit times are testable.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, or_, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from ..clock import Clock, SystemClock, expiry_for, today
from ..document import (
    BodyFacts,
    CertificateRequest,
    SignedCertificate,
    StudyRef,
    parse_certificate,
    qr_fields,
    sign_certificate,
    sign_payload,
)
from ..errors import CertificationError, NotFoundError, RegistryBusyError, RegistryError, TransitionError
from ..numbering import format_number, normalise_body_id, normalise_number
from ..signing import SigningKey, VerifyKey, load_public_pem
from .chain import GENESIS, entry_hash
from .integrity import record_problems
from .models import AuditRow, CertificateRow, CounterRow, KeyRow, PactAnnouncementRow

REGISTRY_URL_ENV = "GBA_REGISTRY_URL"
VERSION_TABLE = "gba_registry_version"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_MIGRATION_LOCK = 0x6BA_CF9  # any constant; the advisory lock that serialises migrations
_PG_AUDIT_CHAIN_LOCK = 0x6BA_A0D17  # another constant: the advisory lock that serialises audit appends
_CHAIN_HEAD = "gba_audit_chain_head"  # Session.info key: (transaction, last id, last hash)
LOCK_TIMEOUT_S = 10.0  # a writer (or an opener) gives up waiting for a lock after this long
STATEMENT_TIMEOUT_S = 60.0  # PostgreSQL: longest statement
IDLE_IN_TRANSACTION_TIMEOUT_S = 60.0  # PostgreSQL: a session of ours idle inside a transaction is ended

# status now → statuses it may move to
TRANSITIONS: dict[str, frozenset[str]] = {
    "valid": frozenset({"suspended", "revoked", "superseded"}),
    "suspended": frozenset({"valid", "revoked", "superseded"}),
    "revoked": frozenset(),
    "superseded": frozenset(),
}
ACTIVE_STATUSES = ("valid", "suspended")

# Called inside the issuing transaction with the allocated number, issue and expiry dates; returns
# the sha256 of the certified study (the study with its certification block filled in), which the
# certificate and the label's QR code then name. Raising aborts the issue (nothing is stored).
CertifyStudy = Callable[[str, date, date], str]
# Called inside the issuing transaction, after the certificate is stored and audited, just before
# the commit: writes the certificate's files (``certification.outputs``). Raising rolls back.
BeforeCommit = Callable[["CertificateRecord"], None]


# ------------------------------------------------------------------ records handed out


@dataclass(frozen=True)
class CertificateRecord:
    """One certificate as the registry holds it (a detached, immutable snapshot)."""

    number: str
    body_id: str
    study_id: str
    study_sha256: str
    verified_sha256: str
    product_name: str
    product_name_zh: str
    product_model: str
    applicant_name: str
    value_kgco2e: float
    unit: str
    boundary: str
    rule_set_id: str
    rule_set_version: str
    dataset_id: str
    dataset_version: str
    dataset_sha256: str
    key_id: str
    issue_date: date
    expiry_date: date
    status: str
    status_reason: str
    reverification_required: bool
    recalc_trigger_pct: float
    last_recalc_kgco2e: float | None
    last_recalc_change_pct: float | None
    supersedes: str | None
    superseded_by: str | None
    document: str = field(repr=False)
    qr_payload: str = field(repr=False)
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: CertificateRow) -> "CertificateRecord":
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})

    def effective_status(self, on: date) -> str:
        """The stored status, or ``expired`` for an active certificate past its expiry date."""
        if self.status in ACTIVE_STATUSES and on > self.expiry_date:
            return "expired"
        return self.status

    def signed(self) -> SignedCertificate:
        return parse_certificate(self.document, f"registry record {self.number}")

    def signed_key_id(self) -> str:
        """The key id in the signed document (the ``key_id`` column may have been changed)."""
        try:
            return self.signed().signature.key_id
        except CertificationError:
            return self.key_id

    def to_dict(self, on: date | None = None) -> dict[str, Any]:
        data = asdict(self)
        for key in ("issue_date", "expiry_date"):
            data[key] = data[key].isoformat()
        for key in ("created_at", "updated_at"):
            data[key] = data[key].isoformat()
        data["document"] = json.loads(self.document)
        if on is not None:
            data["effective_status"] = self.effective_status(on)
        return data


@dataclass(frozen=True)
class KeyRecord:
    key_id: str
    body_id: str
    status: str  # active | retired | revoked
    reason: str
    replaced_by: str | None
    created_at: datetime
    updated_at: datetime
    public_key: str = field(repr=False)

    @classmethod
    def from_row(cls, row: KeyRow) -> "KeyRecord":
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "created_at": self.created_at.isoformat(), "updated_at": self.updated_at.isoformat()}


@dataclass(frozen=True)
class RecordCheck:
    """A certificate row checked against its signed document, its audit trail and its key."""

    number: str
    problems: tuple[str, ...]  # empty: the row is what was signed and audited
    key_status: str | None  # active | retired | revoked, None when the registry does not know the key

    @property
    def intact(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    certificate_number: str | None
    detail: dict[str, Any]
    prev_hash: str = ""
    entry_hash: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "at": self.at.isoformat()}


# why verify_audit found the chain broken
AUDIT_PROBLEMS = ("missing_entry", "broken_link", "altered", "anchor_mismatch", "triggers_missing", "certificate_mismatch")


@dataclass(frozen=True)
class AuditCheck:
    """What :meth:`Registry.verify_audit` found.

    ``ok`` only when every entry's hash matches its content, every entry links to the one before
    it, the anchor (if given) matches and the append-only triggers are in place. Otherwise
    ``first_bad_id`` is the entry where the chain breaks (for ``missing_entry`` the first missing
    id; ``None`` for ``triggers_missing``), ``reason`` one of :data:`AUDIT_PROBLEMS` and
    ``message`` says what was seen. ``checked`` counts the entries read, in id order, up to and
    including the first bad one; ``head_id``/``head_hash`` are the last entry read (the value to
    publish as an anchor when ``ok``).
    """

    ok: bool
    checked: int
    first_bad_id: int | None = None
    reason: str | None = None
    message: str = ""
    head_id: int | None = None
    head_hash: str | None = None
    certificate_problems: dict[str, list[str]] = field(default_factory=dict)  # number → problems

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RecalculationOutcome:
    number: str
    certified_kgco2e: float
    recalculated_kgco2e: float
    change_pct: float
    trigger_pct: float
    reverification_required: bool


# ------------------------------------------------------------------ engine and migrations


def default_registry_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    return Path(base) / "gba-footprint" / "registry.sqlite"


def registry_url(target: str | Path | None = None) -> str:
    """A SQLAlchemy URL from a URL, a SQLite file path, ``$GBA_REGISTRY_URL`` or the default file.

    ``postgresql://`` is read with psycopg (version 3), the driver this project installs.
    """
    target = target if target not in (None, "") else os.environ.get(REGISTRY_URL_ENV) or default_registry_path()
    text_target = str(target)
    if "://" not in text_target:
        path = Path(text_target).expanduser().resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    for plain in ("postgresql://", "postgres://"):
        if text_target.startswith(plain):
            return "postgresql+psycopg://" + text_target[len(plain) :]
    return text_target


def _sqlite_events(engine: Engine, lock_timeout: float) -> None:
    """pysqlite's own transaction handling off; we emit BEGIN (IMMEDIATE for writers) ourselves."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":  # changing it takes a lock
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(lock_timeout * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        writer = connection.get_execution_options().get("gba_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")


def make_engine(url: str, lock_timeout: float = LOCK_TIMEOUT_S) -> Engine:
    """An engine whose connections give up waiting for a lock after ``lock_timeout`` seconds.

    SQLite: ``busy_timeout``. PostgreSQL: ``lock_timeout`` (row locks, the advisory locks),
    ``statement_timeout`` and ``idle_in_transaction_session_timeout`` (a session of ours that
    stalls inside a transaction is ended by the server instead of blocking every writer), set per
    connection. :meth:`Registry._database_error` turns the resulting errors into
    :class:`RegistryBusyError`.
    """
    if url.startswith("sqlite"):
        if ":memory:" in url or url in ("sqlite://", "sqlite:///"):
            raise RegistryError("an in-memory SQLite registry cannot be shared between threads; give a file path")
        engine = create_engine(url, connect_args={"timeout": lock_timeout, "check_same_thread": False}, pool_size=10, max_overflow=20)
        _sqlite_events(engine, lock_timeout)
        return engine
    options = (
        f"-c lock_timeout={int(lock_timeout * 1000)} -c statement_timeout={int(STATEMENT_TIMEOUT_S * 1000)} "
        f"-c idle_in_transaction_session_timeout={int(IDLE_IN_TRANSACTION_TIMEOUT_S * 1000)}"
    )
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, connect_args={"options": options})


def _schema_revisions(connection) -> tuple[str | None, str]:
    """(current revision of the database, newest revision of this version)."""
    from alembic.config import Config
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    current = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE}).get_current_revision()
    return current, head


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to the newest revision (tests: an older one), serialised between processes.

    A registry already at the newest revision is only read (no write lock): opening it for a
    lookup or a list never waits behind, or blocks, a writer.
    """
    from alembic import command
    from alembic.config import Config

    if revision == "head":
        with engine.connect() as connection:
            current, head = _schema_revisions(connection)
        if current == head:
            return
    with engine.connect().execution_options(gba_write=True) as connection:
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = connection
            config.attributes["version_table"] = VERSION_TABLE
            command.upgrade(config, revision)


def check_schema(engine: Engine) -> None:
    """Refuse a registry whose schema is not at the newest revision (for read-only openers)."""
    with engine.connect() as connection:
        current, head = _schema_revisions(connection)
    if current != head:
        raise RegistryError(
            f"the registry schema is at revision {current or '(none)'}, this version needs {head}: "
            "open it once with migrations enabled, as a user allowed to change the schema"
        )


def _describe_db_error(error: SQLAlchemyError) -> str:
    original = getattr(error, "orig", None)
    return str(original or error).strip().splitlines()[0]


# PostgreSQL: lock_not_available, query_canceled (statement_timeout), idle_in_transaction_session_timeout
_BUSY_SQLSTATES = frozenset({"55P03", "57014", "25P03"})


def database_error(url: str, error: SQLAlchemyError, lock_timeout: float) -> RegistryError:
    """The typed error for a database error: :class:`RegistryBusyError` when it gave up waiting."""
    original = getattr(error, "orig", None)
    state = getattr(original, "sqlstate", None)
    if state in _BUSY_SQLSTATES or "database is locked" in str(original):
        return RegistryBusyError(
            f"registry {url} is busy: another transaction held a lock for more than {lock_timeout:g} s "
            f"({_describe_db_error(error)}); nothing was changed, try again"
        )
    return RegistryError(f"registry {url}: {_describe_db_error(error)}")


# ------------------------------------------------------------------ the registry

_CHAIN_HEAD_QUERY = select(AuditRow.id, AuditRow.entry_hash).order_by(AuditRow.id.desc()).limit(1)


class Registry:
    """The label registry. Thread-safe: every call uses its own session and transaction."""

    def __init__(self, engine: Engine, clock: Clock | None = None, lock_timeout: float = LOCK_TIMEOUT_S) -> None:
        self._engine = engine
        self.lock_timeout = lock_timeout
        self._writer = engine.execution_options(gba_write=True)
        self.clock: Clock = clock or SystemClock()
        self.url = engine.url.render_as_string(hide_password=True)
        self._closed = threading.Event()

    @classmethod
    def open(
        cls,
        target: str | Path | None = None,
        *,
        clock: Clock | None = None,
        migrate_schema: bool = True,
        lock_timeout: float = LOCK_TIMEOUT_S,
    ) -> "Registry":
        """Open (creating or upgrading) the registry at a URL or SQLite path.

        ``migrate_schema=False`` is for a process whose database user may not change the schema
        (a public web page with read-only rights): the schema must then already be current.
        ``lock_timeout``: seconds a call waits for a lock held by another transaction before it
        fails with :class:`RegistryBusyError` (see :func:`make_engine`).
        """
        url = registry_url(target)
        engine = make_engine(url, lock_timeout)
        try:
            migrate(engine) if migrate_schema else check_schema(engine)
        except RegistryError:
            engine.dispose()
            raise
        except SQLAlchemyError as error:
            engine.dispose()
            shown = engine.url.render_as_string(hide_password=True)
            problem = database_error(shown, error, lock_timeout)
            raise type(problem)(f"cannot open the {problem}") from None
        return cls(engine, clock, lock_timeout)

    def close(self) -> None:
        self._closed.set()
        self._engine.dispose()

    def __enter__(self) -> "Registry":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    def today(self) -> date:
        return today(self.clock)

    # -------------------------------------------------------------- sessions

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        try:
            with Session(self._engine, expire_on_commit=False) as session:
                yield session
        except OperationalError as error:
            raise database_error(self.url, error, self.lock_timeout) from None

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        try:
            with Session(self._writer, expire_on_commit=False) as session, session.begin():
                yield session
        except OperationalError as error:
            raise database_error(self.url, error, self.lock_timeout) from None

    # Tables that other modules own in the registry database (the PACT host's events, outbox and
    # tokens) are read and written through these, with the registry's locking, timeouts and errors.

    def reading(self) -> AbstractContextManager[Session]:
        """A read session (no transaction kept open beyond the block)."""
        return self._reading()

    def writing(self) -> AbstractContextManager[Session]:
        """One writer transaction (``BEGIN IMMEDIATE`` on SQLite), committed when the block ends."""
        return self._writing()

    def write_audited(self, actor: str, action: str, change: Callable[[Session], dict[str, Any]]) -> dict[str, Any]:
        """Run ``change`` in one writer transaction and audit it as ``action`` with the detail it
        returns: an operator's change to another module's table (retrying or cancelling a PACT
        outbox delivery) is in the audit log like a certificate's. Raising rolls both back."""
        with self._writing() as session:
            detail = change(session)
            self._audit(session, actor, action, None, **detail)
        return detail

    def _chain_head(self, session: Session) -> tuple[int, str]:
        """(id, entry_hash) of the last audit entry, with this transaction owning the chain head.

        PostgreSQL: the advisory lock first, then the read (READ COMMITTED: the read sees whatever
        the previous lock holder committed). SQLite: the writer transaction is the lock; an entry
        written from a plain (deferred) transaction would be refused there, so we refuse it here.
        The head is kept in the session for the transaction's next entry (a renewal writes two).
        """
        transaction = session.get_transaction()
        cached = session.info.get(_CHAIN_HEAD)
        if cached is not None and cached[0] is transaction:
            return cached[1], cached[2]
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_AUDIT_CHAIN_LOCK})
        elif connection.dialect.name == "sqlite" and not connection.get_execution_options().get("gba_write"):
            raise RegistryError("audit entries are written only in a writer transaction (BEGIN IMMEDIATE)")
        last = connection.execute(_CHAIN_HEAD_QUERY).first()  # Core, not the ORM: one cheap read per append
        return (last.id, last.entry_hash) if last else (0, GENESIS)

    def _audit(self, session: Session, actor: str, action: str, number: str | None, **detail: Any) -> None:
        actor = (actor or "").strip()
        if not actor:
            raise RegistryError("every registry change needs an actor (who is doing it)")
        last_id, prev = self._chain_head(session)
        row = AuditRow(
            id=last_id + 1,
            at=self.clock.now(),
            actor=actor[:200],
            action=action,
            certificate_number=number,
            detail=json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str),
            prev_hash=prev,
        )
        row.entry_hash = entry_hash(row.id, row.at, row.actor, row.action, row.certificate_number, row.detail, prev)
        session.add(row)
        session.info[_CHAIN_HEAD] = (session.get_transaction(), row.id, row.entry_hash)

    def _allocate(self, session: Session, body_id: str, year: int) -> int:
        """The next sequence number of (body, year): one atomic upsert, safe under concurrency."""
        if session.get_bind().dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        statement = insert(CounterRow).values(body_id=body_id, year=year, last_sequence=1)
        statement = statement.on_conflict_do_update(
            index_elements=[CounterRow.body_id, CounterRow.year],
            set_={"last_sequence": CounterRow.last_sequence + 1},
        ).returning(CounterRow.last_sequence)
        return int(session.execute(statement).scalar_one())

    def _locked(self, session: Session, number: str) -> CertificateRow:
        canonical = normalise_number(number)
        row = None
        if canonical:
            row = session.execute(
                select(CertificateRow).where(CertificateRow.number == canonical).with_for_update()
            ).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"no certificate {number!r} in the registry")
        return row

    def _announce(self, session: Session, number: str, change: str) -> None:
        """Note, in the changing transaction, that the PACT host is to announce this certificate's
        footprint (a new one, a renewal with its predecessor, a revoked one now Deprecated)."""
        now = self.clock.now()
        session.add(PactAnnouncementRow(certificate_number=number, change=change, status="waiting", created_at=now, next_check_at=now, note=""))

    # -------------------------------------------------------------- issuing

    def _insert(
        self,
        session: Session,
        request: CertificateRequest,
        key: SigningKey,
        body: BodyFacts,
        actor: str,
        supersedes: str | None = None,
        certify: CertifyStudy | None = None,
    ) -> CertificateRow:
        body = body.model_copy(update={"id": normalise_body_id(body.id)})
        self._check_signing_key(session, key.verify_key, body.id, actor)
        issued = self.today()
        expiry = expiry_for(issued, request.validity_years)
        sequence = self._allocate(session, body.id, issued.year)
        number = format_number(issued.year, body.id, sequence)
        verified = request.study.verified_sha256 or request.study.sha256
        certified = certify(number, issued, expiry) if certify else request.study.sha256
        request = request.model_copy(update={"study": StudyRef(id=request.study.id, sha256=certified, verified_sha256=verified)})
        content = request.content(number, body, issued, expiry, supersedes)
        signed = sign_certificate(content, key)
        now = self.clock.now()
        row = CertificateRow(
            number=number,
            body_id=body.id,
            year=issued.year,
            sequence=sequence,
            study_id=request.study.id,
            study_sha256=certified,
            verified_sha256=verified,
            product_name=request.product.name,
            product_name_zh=request.product.name_zh,
            product_model=request.product.model,
            applicant_name=request.applicant.name,
            value_kgco2e=request.value_kgco2e,
            unit=request.unit,
            boundary=request.boundary,
            rule_set_id=request.rule_set.id,
            rule_set_version=request.rule_set.version,
            dataset_id=request.dataset.id,
            dataset_version=request.dataset.version,
            dataset_sha256=request.dataset.sha256,
            key_id=key.key_id,
            issue_date=issued,
            expiry_date=expiry,
            status="valid",
            status_reason="",
            reverification_required=False,
            recalc_trigger_pct=request.recalc_trigger_pct,
            supersedes=supersedes,
            document=signed.to_json(),
            qr_payload=sign_payload(qr_fields(content), key),
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        try:
            session.flush()
        except IntegrityError as error:
            if "active_study" in str(error.orig) or "study_sha256" in str(error.orig):
                raise RegistryError(
                    f"study {request.study.id!r} (sha256 {request.study.sha256[:16]}…) already has an active certificate"
                ) from None
            raise RegistryError(f"registry refused the certificate: {_describe_db_error(error)}") from None
        self._audit(
            session,
            actor,
            "issue",
            number,
            study_id=request.study.id,
            study_sha256=request.study.sha256,
            value_kgco2e=request.value_kgco2e,
            unit=request.unit,
            expiry_date=expiry.isoformat(),
            key_id=key.key_id,
            supersedes=supersedes,
        )
        return row

    # -------------------------------------------------------------- signing keys

    def _check_signing_key(self, session: Session, key: VerifyKey, body_id: str, actor: str) -> None:
        """Only the body's active key signs. A body's first key is registered on its first issue."""
        row = session.get(KeyRow, key.key_id, with_for_update=True)
        body_keys: list[KeyRow] = []
        if row is None:  # (it may have been committed by a concurrent first issue since)
            body_keys = list(session.execute(select(KeyRow).where(KeyRow.body_id == body_id)).scalars())  # one snapshot
            row = next((k for k in body_keys if k.key_id == key.key_id), None)
        if row is None:
            active = next((k for k in body_keys if k.status == "active"), None)
            if active is not None:
                raise RegistryError(
                    f"key {key.key_id} is not registered for {body_id}, whose active key is {active.key_id}: "
                    "issue with that key folder, or make this one active with 'footprint keys rotate'"
                )
            if body_keys:
                raise RegistryError(f"{body_id} has no active key: register one with 'footprint keys register DIR'")
            self._first_key(session, key, body_id)  # waits for a concurrent first issue with the same key
            row = session.get(KeyRow, key.key_id, with_for_update=True, populate_existing=True)
            if row is None:
                raise RegistryError(f"key {key.key_id} could not be registered for {body_id}")
        if row.body_id != body_id:
            raise RegistryError(f"key {key.key_id} is registered for {row.body_id}, not for {body_id}")
        if row.status != "active":
            after = f" (rotated to {row.replaced_by})" if row.replaced_by else ""
            raise RegistryError(f"key {key.key_id} is {row.status}{after}: it signs no new certificates; use the body's active key folder")

    def _active_key(self, session: Session, body_id: str) -> KeyRow | None:
        return session.execute(select(KeyRow).where(KeyRow.body_id == body_id, KeyRow.status == "active")).scalar_one_or_none()

    def _first_key(self, session: Session, key: VerifyKey, body_id: str) -> None:
        """A body's first key, registered by its first issue (whose audit entry names the key id).
        ``ON CONFLICT DO NOTHING``: two first issues at once register it once."""
        if session.get_bind().dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        now = self.clock.now()
        values = dict(key_id=key.key_id, body_id=body_id, public_key=key.pem().decode("ascii"), status="active", reason="", created_at=now, updated_at=now)
        try:
            with session.begin_nested():
                session.execute(insert(KeyRow).values(**values).on_conflict_do_nothing(index_elements=[KeyRow.key_id]))
        except IntegrityError:
            # The one-active-key-per-body index can refuse the row before the key-id conflict is
            # seen, when a concurrent first issue registers this same key: that is no conflict.
            # (PostgreSQL reports the violation once the other transaction has committed, so a
            # new statement sees its row.)
            same = session.get(KeyRow, key.key_id, populate_existing=True)
            if same is None or same.body_id != body_id:
                raise RegistryError(f"{body_id} got another active key at the same time; try again") from None

    def _add_key(self, session: Session, key: VerifyKey, body_id: str, actor: str, action: str, **detail: Any) -> KeyRow:
        now = self.clock.now()
        row = KeyRow(key_id=key.key_id, body_id=body_id, public_key=key.pem().decode("ascii"), status="active", reason="", created_at=now, updated_at=now)
        session.add(row)
        session.flush()
        self._audit(session, actor, action, None, key_id=key.key_id, body_id=body_id, **detail)
        return row

    def register_key(self, key: VerifyKey, body_id: str, actor: str) -> KeyRecord:
        """Make ``key`` the body's active key (the body has none active); audited ``key_register``.
        Also for certificates issued before the registry held keys (revision 0003)."""
        body_id = normalise_body_id(body_id)
        with self._writing() as session:
            if session.get(KeyRow, key.key_id) is not None:
                raise RegistryError(f"key {key.key_id} is already registered")
            active = self._active_key(session, body_id)
            if active is not None:
                raise RegistryError(f"{body_id} already has an active key {active.key_id}: use 'footprint keys rotate' to replace it")
            return KeyRecord.from_row(self._add_key(session, key, body_id, actor, "key_register"))

    def rotate_key(self, old_key_id: str, new_key: VerifyKey, actor: str, reason: str = "") -> KeyRecord:
        """Retire the active key ``old_key_id`` (its certificates keep verifying) and make
        ``new_key`` the body's active key; audited ``key_rotate``."""
        with self._writing() as session:
            old = session.get(KeyRow, old_key_id, with_for_update=True)
            if old is None or old.status != "active":
                raise RegistryError(f"key {old_key_id} is {'not registered' if old is None else old.status}: only the active key can be rotated")
            if session.get(KeyRow, new_key.key_id) is not None:
                raise RegistryError(f"key {new_key.key_id} is already registered")
            old.status, old.replaced_by, old.reason, old.updated_at = "retired", new_key.key_id, reason or "rotated", self.clock.now()
            session.flush()
            return KeyRecord.from_row(self._add_key(session, new_key, old.body_id, actor, "key_rotate", replaces=old.key_id, reason=reason))

    def revoke_key(self, key_id: str, actor: str, reason: str) -> KeyRecord:
        """Revoke a key (compromised): it signs nothing more, and the public check reports every
        certificate it signed as signed by a revoked key; audited ``key_revoke``."""
        if not (reason or "").strip():
            raise RegistryError("revoking a key needs a reason (it is shown in the audit log)")
        with self._writing() as session:
            row = session.get(KeyRow, key_id, with_for_update=True)
            if row is None:
                raise NotFoundError(f"no key {key_id!r} in the registry")
            if row.status == "revoked":
                raise TransitionError(f"key {key_id} is already revoked")
            previous = row.status
            row.status, row.reason, row.updated_at = "revoked", reason, self.clock.now()
            self._audit(session, actor, "key_revoke", None, key_id=key_id, body_id=row.body_id, previous_status=previous, reason=reason)
            return KeyRecord.from_row(row)

    def keys(self, body_id: str | None = None) -> list[KeyRecord]:
        query = select(KeyRow).order_by(KeyRow.created_at, KeyRow.key_id)
        if body_id:
            query = query.where(KeyRow.body_id == normalise_body_id(body_id))
        with self._reading() as session:
            return [KeyRecord.from_row(r) for r in session.execute(query).scalars()]

    # -------------------------------------------------------------- row integrity

    def check_record(self, record: CertificateRecord) -> RecordCheck:
        """The row against its signed document, its audit trail and the registry's key (see ``integrity``)."""
        with self._reading() as session:
            entries = self._entries(session, select(AuditRow).where(AuditRow.certificate_number == record.number).order_by(AuditRow.id))
            key_row = session.get(KeyRow, record.signed_key_id())
        return self._record_check(record, entries, key_row)

    def _record_check(self, record: CertificateRecord, entries: list["AuditEntry"], key_row: KeyRow | None) -> RecordCheck:
        key = None
        if key_row is not None:
            try:
                key = load_public_pem(key_row.public_key, f"registry key {key_row.key_id}")
            except CertificationError:
                key = None
            if key is not None and key.key_id != key_row.key_id:  # someone put another public key in the row
                key = None
        problems = record_problems(record, entries, key, self.today())
        return RecordCheck(record.number, tuple(problems), key_row.status if key_row is not None else None)

    def check_records(self) -> list[RecordCheck]:
        """Every certificate row checked (audit-verify); one pass over each table."""
        with self._reading() as session:
            by_number: dict[str, list[AuditEntry]] = {}
            for entry in self._entries(session, select(AuditRow).where(AuditRow.certificate_number.is_not(None)).order_by(AuditRow.id)):
                by_number.setdefault(entry.certificate_number, []).append(entry)
            keys = {row.key_id: row for row in session.execute(select(KeyRow)).scalars()}
            records = [CertificateRecord.from_row(r) for r in session.execute(select(CertificateRow).order_by(CertificateRow.id)).scalars()]
        return [self._record_check(r, by_number.get(r.number, []), keys.get(r.signed_key_id())) for r in records]

    @staticmethod
    def _entries(session: Session, query) -> list["AuditEntry"]:
        return [
            AuditEntry(r.id, r.at, r.actor, r.action, r.certificate_number, json.loads(r.detail), r.prev_hash, r.entry_hash)
            for r in session.execute(query).scalars()
        ]

    def _check_active_study(self, session: Session, request: CertificateRequest) -> None:
        verified = request.study.verified_sha256 or request.study.sha256
        existing = session.execute(
            select(CertificateRow.number).where(
                CertificateRow.verified_sha256 == verified, CertificateRow.status.in_(ACTIVE_STATUSES)
            )
        ).scalar_one_or_none()
        if existing:
            raise RegistryError(f"this study (sha256 {verified[:16]}…) already has an active certificate: {existing}")

    def issue(
        self,
        request: CertificateRequest,
        key: SigningKey,
        body: BodyFacts,
        actor: str,
        certify: CertifyStudy | None = None,
        before_commit: BeforeCommit | None = None,
    ) -> CertificateRecord:
        """Allocate a number, sign and store a certificate for a verified study; audited.

        ``certify`` (optional) writes the certificate number and dates into the study and returns
        the certified study's sha256 (see :data:`CertifyStudy`); ``before_commit`` (optional)
        gets the stored record just before the commit (see :data:`BeforeCommit`).
        """
        with self._writing() as session:
            self._check_active_study(session, request)
            row = self._insert(session, request, key, body, actor, certify=certify)
            self._announce(session, row.number, "issued")
            session.flush()
            record = CertificateRecord.from_row(row)
            if before_commit is not None:
                before_commit(record)
            return record

    def renew(
        self,
        number: str,
        request: CertificateRequest,
        key: SigningKey,
        body: BodyFacts,
        actor: str,
        reason: str = "",
        certify: CertifyStudy | None = None,
        before_commit: BeforeCommit | None = None,
    ) -> CertificateRecord:
        """Replace a certificate by a new one from a new verification (after a recalculation).

        The old certificate becomes ``superseded`` (pointing to its successor); the new one gets
        a new number, a new validity period and ``supersedes`` the old one. Only the same product
        model of the same applicant can be renewed; anything else is a new application.
        """
        with self._writing() as session:
            old = self._locked(session, number)
            self._check_transition(old, "superseded", "renew")
            if (old.product_name, old.product_model, old.applicant_name) != (
                request.product.name,
                request.product.model,
                request.applicant.name,
            ):
                raise TransitionError(
                    f"{old.number} certifies {old.product_name!r} model {old.product_model!r} of {old.applicant_name!r}; "
                    "a renewal must be for the same product model and applicant (issue a new certificate instead)"
                )
            if (request.study.verified_sha256 or request.study.sha256) != old.verified_sha256:
                self._check_active_study(session, request)
            previous_status = old.status
            old.status = "superseded"
            old.status_reason = reason or "renewed after recalculation"
            old.updated_at = self.clock.now()
            session.flush()
            new = self._insert(session, request, key, body, actor, supersedes=old.number, certify=certify)
            old.superseded_by = new.number
            self._announce(session, new.number, "renewed")
            self._audit(
                session,
                actor,
                "renew",
                old.number,
                previous_status=previous_status,
                superseded_by=new.number,
                reason=reason,
                certified_kgco2e=old.value_kgco2e,
                new_kgco2e=new.value_kgco2e,
            )
            session.flush()
            record = CertificateRecord.from_row(new)
            if before_commit is not None:
                before_commit(record)
            return record

    # -------------------------------------------------------------- lifecycle

    def _check_transition(self, row: CertificateRow, target: str, action: str) -> None:
        if target not in TRANSITIONS[row.status]:
            final = " (final)" if not TRANSITIONS[row.status] else ""
            raise TransitionError(f"cannot {action} {row.number}: it is {row.status}{final}")
        expired = self.today() > row.expiry_date
        if expired and action in {"suspend", "reinstate", "renew"}:
            raise TransitionError(
                f"cannot {action} {row.number}: it expired on {row.expiry_date.isoformat()} (a new application is needed)"
            )
        if action == "reinstate" and row.reverification_required:
            raise TransitionError(
                f"cannot reinstate {row.number}: a recalculation flagged it for re-verification; renew it from a new verification"
            )

    def _change_status(self, number: str, target: str, action: str, actor: str, reason: str) -> CertificateRecord:
        if action in {"suspend", "revoke"} and not (reason or "").strip():
            raise RegistryError(f"{action} needs a reason (it is shown in the audit log)")
        with self._writing() as session:
            row = self._locked(session, number)
            self._check_transition(row, target, action)
            previous = row.status
            row.status = target
            row.status_reason = reason or ""
            row.updated_at = self.clock.now()
            self._audit(session, actor, action, row.number, previous_status=previous, status=target, reason=reason)
            if target == "revoked":  # a suspension may be lifted: only a revocation is announced (Deprecated)
                self._announce(session, row.number, "revoked")
            session.flush()
            return CertificateRecord.from_row(row)

    def suspend(self, number: str, actor: str, reason: str) -> CertificateRecord:
        return self._change_status(number, "suspended", "suspend", actor, reason)

    def reinstate(self, number: str, actor: str, reason: str = "") -> CertificateRecord:
        return self._change_status(number, "valid", "reinstate", actor, reason)

    def revoke(self, number: str, actor: str, reason: str) -> CertificateRecord:
        return self._change_status(number, "revoked", "revoke", actor, reason)

    def record_recalculation(self, number: str, recalculated_kgco2e: float, actor: str, note: str = "") -> RecalculationOutcome:
        """Record a recalculated footprint; flag the certificate when it moved beyond the trigger.

        The trigger is the rule set's ``recalc_trigger_change_pct``, stored with the certificate
        when it was issued. A change above it sets ``reverification_required`` (shown on the
        public page); the certificate then has to be renewed from a new verification.
        """
        if not recalculated_kgco2e > 0:
            raise RegistryError(f"a recalculated footprint must be positive, got {recalculated_kgco2e!r}")
        with self._writing() as session:
            row = self._locked(session, number)
            if row.status not in ACTIVE_STATUSES:
                raise TransitionError(f"cannot record a recalculation for {row.number}: it is {row.status}")
            change = abs(recalculated_kgco2e - row.value_kgco2e) / row.value_kgco2e * 100.0
            flagged = change > row.recalc_trigger_pct
            row.last_recalc_kgco2e = recalculated_kgco2e
            row.last_recalc_change_pct = change
            row.reverification_required = row.reverification_required or flagged
            row.updated_at = self.clock.now()
            self._audit(
                session,
                actor,
                "recalculate",
                row.number,
                certified_kgco2e=row.value_kgco2e,
                recalculated_kgco2e=recalculated_kgco2e,
                change_pct=round(change, 6),
                trigger_pct=row.recalc_trigger_pct,
                reverification_required=flagged,
                note=note,
            )
            return RecalculationOutcome(row.number, row.value_kgco2e, recalculated_kgco2e, change, row.recalc_trigger_pct, flagged)

    # -------------------------------------------------------------- reading

    def find(self, number: str) -> CertificateRecord | None:
        canonical = normalise_number(number)
        if canonical is None:
            return None
        with self._reading() as session:
            row = session.execute(select(CertificateRow).where(CertificateRow.number == canonical)).scalar_one_or_none()
            return CertificateRecord.from_row(row) if row else None

    def get(self, number: str) -> CertificateRecord:
        record = self.find(number)
        if record is None:
            raise NotFoundError(f"no certificate {number!r} in the registry")
        return record

    def find_by_study(self, study_sha256: str) -> list[CertificateRecord]:
        """Certificates for a study, by the certified or the verified study's sha256, oldest first."""
        with self._reading() as session:
            rows = session.execute(
                select(CertificateRow)
                .where(or_(CertificateRow.study_sha256 == study_sha256, CertificateRow.verified_sha256 == study_sha256))
                .order_by(CertificateRow.id)
            ).scalars()
            return [CertificateRecord.from_row(r) for r in rows]

    def list(self, status: str | None = None, body_id: str | None = None) -> list[CertificateRecord]:
        """Certificates in issue order; ``status`` may also be ``expired`` or ``active``."""
        on = self.today()
        query = select(CertificateRow).order_by(CertificateRow.id)
        if body_id:
            query = query.where(CertificateRow.body_id == body_id.upper())
        if status in ("expired", "active"):
            query = query.where(CertificateRow.status.in_(ACTIVE_STATUSES))
            query = query.where(CertificateRow.expiry_date < on if status == "expired" else CertificateRow.expiry_date >= on)
        elif status:
            query = query.where(CertificateRow.status == status)
        with self._reading() as session:
            return [CertificateRecord.from_row(r) for r in session.execute(query).scalars()]

    def expiring(self, within_days: int, on: date | None = None) -> list[CertificateRecord]:
        """Active certificates whose last valid day falls within ``within_days`` from today."""
        if within_days < 0:
            raise RegistryError("within_days must not be negative")
        on = on or self.today()
        query = (
            select(CertificateRow)
            .where(CertificateRow.status.in_(ACTIVE_STATUSES))
            .where(CertificateRow.expiry_date >= on, CertificateRow.expiry_date <= on + timedelta(days=within_days))
            .order_by(CertificateRow.expiry_date, CertificateRow.number)
        )
        with self._reading() as session:
            return [CertificateRecord.from_row(r) for r in session.execute(query).scalars()]

    def audit(self, number: str | None = None) -> list[AuditEntry]:
        query = select(AuditRow).order_by(AuditRow.id)
        if number is not None:
            query = query.where(AuditRow.certificate_number == (normalise_number(number) or number))
        with self._reading() as session:
            return self._entries(session, query)

    def verify_audit(self, anchor: tuple[int, str] | None = None) -> AuditCheck:
        """Recompute the audit log's hash chain; the first entry where it breaks, and why.

        Entries are read in id order in one statement (one snapshot). For each: its
        ``prev_hash`` must be the previous entry's ``entry_hash`` (the genesis value for the
        first) — if not, and ids are missing before it, ``missing_entry`` (naming the first
        missing id), else ``broken_link``; then its ``entry_hash`` must be the hash of its content
        (``altered``). A gap in ids with an intact link is not an error: it was there when the
        entry was written (PostgreSQL sequences skip ids of rolled-back transactions; entries
        written before the chain existed may have such gaps — the store now assigns consecutive
        ids).

        ``anchor`` = (id, entry_hash) published earlier (printed, sent to the accreditation body):
        that entry must still be there with that hash. This catches what the chain alone cannot:
        entries deleted at the end, or the whole chain recomputed by someone with owner rights.

        Finally the append-only triggers must exist (and be enabled on PostgreSQL): a missing one
        means someone with owner rights dropped it.
        """
        columns = (
            AuditRow.id, AuditRow.at, AuditRow.actor, AuditRow.action,
            AuditRow.certificate_number, AuditRow.detail, AuditRow.prev_hash, AuditRow.entry_hash,
        )  # fmt: skip
        checked, prev_id, prev_hash = 0, 0, GENESIS
        anchor_seen = False

        def broken(entry_id: int | None, reason: str, message: str) -> AuditCheck:
            return AuditCheck(False, checked, entry_id, reason, message, prev_id or None, prev_hash if prev_id else None)

        with self._reading() as session:
            result = session.execute(select(*columns).order_by(AuditRow.id).execution_options(yield_per=1000))
            for row in result:
                checked += 1
                if row.prev_hash != prev_hash:
                    if row.id != prev_id + 1:
                        missing = f"{prev_id + 1}" if row.id == prev_id + 2 else f"{prev_id + 1}–{row.id - 1}"
                        return broken(
                            prev_id + 1,
                            "missing_entry",
                            f"entry {missing} is missing: entry {row.id} links to {row.prev_hash[:16]}…, "
                            f"not to {'the start of the log' if prev_id == 0 else f'entry {prev_id}'}",
                        )
                    before = "the genesis value" if prev_id == 0 else f"entry {prev_id}'s hash {prev_hash[:16]}…"
                    return broken(
                        row.id,
                        "broken_link",
                        f"entry {row.id} links to {row.prev_hash[:16]}…, not to {before}: "
                        f"entry {prev_id or row.id} was rewritten (with its hash recomputed) or entry {row.id} was",
                    )
                expected = entry_hash(row.id, row.at, row.actor, row.action, row.certificate_number, row.detail, row.prev_hash)
                if row.entry_hash != expected:
                    return broken(row.id, "altered", f"entry {row.id} does not match its hash: its content was changed")
                if anchor is not None and row.id == anchor[0]:
                    anchor_seen = True
                    if row.entry_hash != anchor[1].strip().lower():
                        return broken(
                            row.id,
                            "anchor_mismatch",
                            f"entry {row.id} has hash {row.entry_hash[:16]}…, the anchor says {anchor[1][:16]}…: "
                            "the log was rewritten up to here",
                        )
                prev_id, prev_hash = row.id, row.entry_hash
            if anchor is not None and not anchor_seen:
                return broken(anchor[0], "anchor_mismatch", f"anchored entry {anchor[0]} is not in the log (deleted)")
            missing_triggers = self._missing_triggers(session)
        if missing_triggers:
            return broken(
                None,
                "triggers_missing",
                f"the chain is intact, but the append-only trigger(s) {', '.join(missing_triggers)} are missing or disabled",
            )
        bad = {check.number: list(check.problems) for check in self.check_records() if check.problems}
        if bad:
            first = next(iter(bad))
            return AuditCheck(
                False, checked, None, "certificate_mismatch",
                f"the chain is intact, but {len(bad)} certificate row(s) disagree with their signed document or audit trail; "
                f"{first}: {bad[first][0]}",
                prev_id or None, prev_hash if prev_id else None, bad,
            )  # fmt: skip
        return AuditCheck(True, checked, None, None, f"{checked} entries, chain intact", prev_id or None, prev_hash if prev_id else None)

    def _missing_triggers(self, session: Session) -> list[str]:
        if self.dialect == "sqlite":
            expected = ("audit_log_no_update", "audit_log_no_delete")
            present = set(
                session.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")).scalars()
            )
        elif self.dialect == "postgresql":
            expected = ("audit_log_no_update_delete", "audit_log_no_truncate")
            present = set(
                session.execute(
                    text(
                        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass "
                        "AND NOT tgisinternal AND tgenabled IN ('O', 'A')"
                    )
                ).scalars()
            )
        else:
            return []
        return [name for name in expected if name not in present]

    def count(self) -> int:
        with self._reading() as session:
            return len(session.execute(select(CertificateRow.id)).all())
