"""Certificate changes the PACT host announces to its clients (PublishedEvent).

Revision ID: 0006
Revises: 0005

Why in the registry, written by the registry: a certificate issued, renewed or revoked must be
announced even when the host is not running at that moment or another process made the change,
so the change and the note to announce it are committed together. Certificates issued before
this revision are not announced (no rows are written for them here).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from footprint.certification.registry.models import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pact_announcements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("certificate_number", sa.String(40), nullable=False),
        sa.Column("change", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("next_check_at", UTCDateTime(), nullable=False),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint("change IN ('issued', 'renewed', 'revoked')", name="ck_pact_announcements_change"),
        sa.CheckConstraint("status IN ('waiting', 'queued', 'nobody', 'unserved')", name="ck_pact_announcements_status"),
        sa.PrimaryKeyConstraint("id", name="pk_pact_announcements"),
    )
    op.create_index("ix_pact_announcements_status_next_check_at", "pact_announcements", ["status", "next_check_at"])


def downgrade() -> None:
    raise NotImplementedError("the registry schema is never downgraded")
