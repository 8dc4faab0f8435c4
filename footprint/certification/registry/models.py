"""Tables of the label registry (SQLAlchemy 2 ORM), mirrored by the Alembic migrations.

Why these tables:

* ``certificates`` holds one row per issued certificate: the facts shown on the public check
  page as columns (so they can be listed and filtered), the signed certificate document as text
  (what a verifier checks offline), and the mutable lifecycle state (status, re-verification flag,
  successor). The signed document never changes; only the state around it does.
* ``certificate_counters`` allocates sequence numbers per (body, year) with one atomic upsert,
  so concurrent issuers never get the same number (see ``numbering``).
* ``audit_log`` is append-only: who did what to which certificate, when, with details. The
  store has no update or delete path for it, and database triggers (created by the migration on
  SQLite and PostgreSQL) refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL). Against someone
  who can drop the triggers, each entry is chained to the previous one by SHA-256
  (``prev_hash``, ``entry_hash``; recipe in ``chain``): a changed, inserted or deleted entry
  breaks the chain. ``prev_hash`` is unique, so two entries can never link to the same
  predecessor (the chain cannot fork, even if the store's chain lock were bypassed).

``models.py`` is the reference for queries; the schema itself is created by the migrations, and a
test checks that the two agree.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

STATUSES = ("valid", "suspended", "revoked", "superseded")
ACTIVE = "status IN ('valid', 'suspended')"

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC instants on every backend (SQLite has no time zones: stored naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the registry; use an aware datetime")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class CertificateRow(Base):
    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("body_id", "year", "sequence"),
        CheckConstraint("status IN ('valid', 'suspended', 'revoked', 'superseded')", name="status"),
        Index(None, "expiry_date"),
        Index(None, "study_id"),
        Index(None, "study_sha256"),
        # One active certificate per verified study: a second issue for the same study bytes is
        # refused by the database even when two issuers race.
        Index("uq_certificates_active_study", "verified_sha256", unique=True, sqlite_where=text(ACTIVE), postgresql_where=text(ACTIVE)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    body_id: Mapped[str] = mapped_column(String(12))
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    study_id: Mapped[str] = mapped_column(String(200))
    study_sha256: Mapped[str] = mapped_column(String(64))
    verified_sha256: Mapped[str] = mapped_column(String(64))
    product_name: Mapped[str] = mapped_column(String(500))
    product_name_zh: Mapped[str] = mapped_column(String(500), default="")
    product_model: Mapped[str] = mapped_column(String(200), default="")
    applicant_name: Mapped[str] = mapped_column(String(500), default="")
    value_kgco2e: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(200))
    boundary: Mapped[str] = mapped_column(String(100))
    rule_set_id: Mapped[str] = mapped_column(String(100))
    rule_set_version: Mapped[str] = mapped_column(String(40))
    dataset_id: Mapped[str] = mapped_column(String(100))
    dataset_version: Mapped[str] = mapped_column(String(40))
    dataset_sha256: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(40))
    issue_date: Mapped[date] = mapped_column(Date)
    expiry_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="valid")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    reverification_required: Mapped[bool] = mapped_column(Boolean, default=False)
    recalc_trigger_pct: Mapped[float] = mapped_column(Float)
    last_recalc_kgco2e: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_recalc_change_pct: Mapped[float | None] = mapped_column(Float, nullable=True)
    supersedes: Mapped[str | None] = mapped_column(String(40), nullable=True)
    superseded_by: Mapped[str | None] = mapped_column(String(40), nullable=True)
    document: Mapped[str] = mapped_column(Text)
    qr_payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CounterRow(Base):
    __tablename__ = "certificate_counters"

    body_id: Mapped[str] = mapped_column(String(12), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_sequence: Mapped[int] = mapped_column(Integer)


class AuditRow(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "certificate_number"), UniqueConstraint("prev_hash"))

    # ids are assigned by the store (last id + 1 under the chain lock): consecutive, no gaps
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    certificate_number: Mapped[str | None] = mapped_column(String(40), nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


KEY_STATUSES = ("active", "retired", "revoked")


class KeyRow(Base):
    """A body's signing key as the registry knows it: one ``active`` key per body signs new
    certificates; ``retired`` (rotated) keys still verify theirs; ``revoked`` keys taint theirs."""

    __tablename__ = "signing_keys"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'retired', 'revoked')", name="status"),
        Index(None, "body_id"),
        # one active key per body, even when two first issues with different keys race
        Index("uq_signing_keys_active_body", "body_id", unique=True, sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'")),
    )

    key_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    body_id: Mapped[str] = mapped_column(String(12))
    public_key: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    replaced_by: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PactEventRow(Base):
    """A PACT CloudEvent this registry's PACT host received or sent (``footprint.pact_host.events``).

    One row per (direction, source, event id): CloudEvents are unique by source and id, so a
    redelivered event is stored (and answered) once.
    """

    __tablename__ = "pact_events"
    __table_args__ = (
        UniqueConstraint("direction", "source", "event_id"),
        CheckConstraint("direction IN ('received', 'sent')", name="direction"),
        Index(None, "request_event_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    direction: Mapped[str] = mapped_column(String(10))
    event_id: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(500))
    type: Mapped[str] = mapped_column(String(100))
    client_id: Mapped[str] = mapped_column(String(200))  # who posted it to us, or whom we sent it to
    request_event_id: Mapped[str | None] = mapped_column(String(200), nullable=True)  # what a fulfilled/rejected event answers
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    body: Mapped[str] = mapped_column(Text)


OUTBOX_STATUSES = ("pending", "delivered", "failed", "cancelled")


class PactOutboxRow(Base):
    """An event the PACT host sends, stored before its first delivery attempt
    (``footprint.pact_host.outbox``) and delivered by the host's worker with retries.

    Two kinds: the answer to a received ``RequestCreatedEvent`` (``request_row_id``, unique: a
    request is answered once), computed at the first attempt and kept; and a ``PublishedEvent``
    announcing footprints (``footprint.pact_host.announcements``), whose body is written with the
    row. Either way every retry sends the same CloudEvent (``event_id``, ``type``, ``body``).
    ``claim`` and ``lease_until`` say which worker is delivering it and until when no other may
    take it.
    """

    __tablename__ = "pact_outbox"
    __table_args__ = (
        UniqueConstraint("event_id"),
        UniqueConstraint("request_row_id"),
        CheckConstraint("status IN ('pending', 'delivered', 'failed', 'cancelled')", name="status"),
        Index(None, "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_row_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("pact_events.id", name="fk_pact_outbox_request_row_id_pact_events"), nullable=True)
    client_id: Mapped[str] = mapped_column(String(200))  # the client of the credentials file whose reply_to host receives it
    source: Mapped[str] = mapped_column(String(500))  # our own events URL: the event's source
    event_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)  # no attempt is scheduled after it
    claim: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_http_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


ANNOUNCEMENT_CHANGES = ("issued", "renewed", "revoked")
ANNOUNCEMENT_STATUSES = ("waiting", "queued", "nobody", "unserved")


class PactAnnouncementRow(Base):
    """A certificate change the PACT host is to announce to its clients with a ``PublishedEvent``
    (``footprint.pact_host.announcements``).

    Written by the registry in the transaction that issues, renews or revokes the certificate, so
    no change goes unannounced, whichever process made it (``footprint certificate issue`` is not
    the host, and does not know the host's clients). The host turns it into one outbox row per
    client that may see the footprint (``queued``), or finds no such client (``nobody``), or
    gives up when the footprint was still not served 72 hours on (``unserved``); until then it is
    ``waiting`` and looked at again at ``next_check_at``.
    """

    __tablename__ = "pact_announcements"
    __table_args__ = (
        CheckConstraint("change IN ('issued', 'renewed', 'revoked')", name="change"),
        CheckConstraint("status IN ('waiting', 'queued', 'nobody', 'unserved')", name="status"),
        Index(None, "status", "next_check_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    certificate_number: Mapped[str] = mapped_column(String(40))
    change: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_check_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class PactTokenRow(Base):
    """An access token the PACT host issued (``footprint.pact_host.tokens``): its SHA-256 only.

    ``credential_tag`` is a hash of the client's secret hash at issue: a changed secret revokes the
    client's tokens without the table holding anything a credentials-file reader could not see.
    """

    __tablename__ = "pact_tokens"
    __table_args__ = (Index(None, "client_id"), Index(None, "expires_at"))

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(200))
    credential_tag: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[str] = mapped_column(String(200))  # space-separated, as in the token answer
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
