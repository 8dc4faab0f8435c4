"""Signing keys of the certification bodies: public key, status (active, retired, revoked).

Revision ID: 0003
Revises: 0002

Why in the registry: a certificate row is checked against its signed document, and the signature
is checked with the public key the registry holds for the document's key id (a row edited by SQL
no longer passes for valid). Rotation retires a key (its certificates keep verifying, it signs
nothing new); revocation marks every certificate signed with it as such on the public check.

Certificates issued before this revision name keys the registry does not know yet: register each
body's public key once (``footprint keys register DIR``) or their lookups report an unknown key.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from footprint.certification.registry.models import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signing_keys",
        sa.Column("key_id", sa.String(40), nullable=False),
        sa.Column("body_id", sa.String(12), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("replaced_by", sa.String(40), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("status IN ('active', 'retired', 'revoked')", name="ck_signing_keys_status"),
        sa.PrimaryKeyConstraint("key_id", name="pk_signing_keys"),
    )
    op.create_index("ix_signing_keys_body_id", "signing_keys", ["body_id"])
    active = sa.text("status = 'active'")
    op.create_index("uq_signing_keys_active_body", "signing_keys", ["body_id"], unique=True, sqlite_where=active, postgresql_where=active)


def downgrade() -> None:
    raise NotImplementedError("the registry schema is never downgraded")
