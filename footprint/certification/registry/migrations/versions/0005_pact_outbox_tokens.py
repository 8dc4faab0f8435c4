"""The PACT host's outbox (events to deliver, with retries) and its access tokens.

Revision ID: 0005
Revises: 0004

Why in the registry: an answer to a request must survive a restart of the host until the
requester's host has it (the spec asks for retries over 72 hours), and two host processes on one
PostgreSQL registry must share who delivers what; tokens must survive a restart too. Both live
beside the event log (0004) they belong to.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from footprint.certification.registry.models import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pact_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_row_id", sa.Integer(), nullable=True),
        sa.Column("client_id", sa.String(200), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("event_id", sa.String(200), nullable=True),
        sa.Column("type", sa.String(100), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("deadline_at", UTCDateTime(), nullable=False),
        sa.Column("claim", sa.String(100), nullable=True),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("last_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("last_http_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'delivered', 'failed', 'cancelled')", name="ck_pact_outbox_status"),
        sa.ForeignKeyConstraint(["request_row_id"], ["pact_events.id"], name="fk_pact_outbox_request_row_id_pact_events"),
        sa.PrimaryKeyConstraint("id", name="pk_pact_outbox"),
        sa.UniqueConstraint("event_id", name="uq_pact_outbox_event_id"),
        sa.UniqueConstraint("request_row_id", name="uq_pact_outbox_request_row_id"),
    )
    op.create_index("ix_pact_outbox_status_next_attempt_at", "pact_outbox", ["status", "next_attempt_at"])
    op.create_table(
        "pact_tokens",
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("client_id", sa.String(200), nullable=False),
        sa.Column("credential_tag", sa.String(64), nullable=False),
        sa.Column("scopes", sa.String(200), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token_sha256", name="pk_pact_tokens"),
    )
    op.create_index("ix_pact_tokens_client_id", "pact_tokens", ["client_id"])
    op.create_index("ix_pact_tokens_expires_at", "pact_tokens", ["expires_at"])


def downgrade() -> None:
    raise NotImplementedError("the registry schema is never downgraded")
