"""PACT CloudEvents received and sent by the PACT host (footprint.pact_host).

Revision ID: 0004
Revises: 0003

Why in the registry: the host serves the registry's certificates, so its event log (requests for
footprints, their answers, publications) lives beside them, in the same SQLite file or PostgreSQL
database, and needs no second store to set up.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from footprint.certification.registry.models import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pact_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("client_id", sa.String(200), nullable=False),
        sa.Column("request_event_id", sa.String(200), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.CheckConstraint("direction IN ('received', 'sent')", name="ck_pact_events_direction"),
        sa.PrimaryKeyConstraint("id", name="pk_pact_events"),
        sa.UniqueConstraint("direction", "source", "event_id", name="uq_pact_events_direction_source_event_id"),
    )
    op.create_index("ix_pact_events_request_event_id", "pact_events", ["request_event_id"])


def downgrade() -> None:
    raise NotImplementedError("the registry schema is never downgraded")
