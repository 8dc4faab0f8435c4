"""Initial registry schema: certificates, per-(body, year) counters, append-only audit log.

Revision ID: 0001
Revises:

The audit log is protected by triggers that refuse UPDATE and DELETE (and TRUNCATE on
PostgreSQL): the application has no code path that changes an audit entry, and the database
refuses one even from a hand-written SQL session.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from footprint.certification.registry.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = (
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END""",
)

POSTGRES_TRIGGERS = (
    """CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
       END $$""",
    """CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
       FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()""",
    """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
       FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()""",
)


def upgrade() -> None:
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("body_id", sa.String(12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.String(200), nullable=False),
        sa.Column("study_sha256", sa.String(64), nullable=False),
        sa.Column("verified_sha256", sa.String(64), nullable=False),
        sa.Column("product_name", sa.String(500), nullable=False),
        sa.Column("product_name_zh", sa.String(500), nullable=False),
        sa.Column("product_model", sa.String(200), nullable=False),
        sa.Column("applicant_name", sa.String(500), nullable=False),
        sa.Column("value_kgco2e", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(200), nullable=False),
        sa.Column("boundary", sa.String(100), nullable=False),
        sa.Column("rule_set_id", sa.String(100), nullable=False),
        sa.Column("rule_set_version", sa.String(40), nullable=False),
        sa.Column("dataset_id", sa.String(100), nullable=False),
        sa.Column("dataset_version", sa.String(40), nullable=False),
        sa.Column("dataset_sha256", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(40), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("expiry_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=False),
        sa.Column("reverification_required", sa.Boolean(), nullable=False),
        sa.Column("recalc_trigger_pct", sa.Float(), nullable=False),
        sa.Column("last_recalc_kgco2e", sa.Float(), nullable=True),
        sa.Column("last_recalc_change_pct", sa.Float(), nullable=True),
        sa.Column("supersedes", sa.String(40), nullable=True),
        sa.Column("superseded_by", sa.String(40), nullable=True),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("qr_payload", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_certificates"),
        sa.UniqueConstraint("number", name="uq_certificates_number"),
        sa.UniqueConstraint("body_id", "year", "sequence", name="uq_certificates_body_id_year_sequence"),
        sa.CheckConstraint("status IN ('valid', 'suspended', 'revoked', 'superseded')", name="ck_certificates_status"),
    )
    op.create_index("ix_certificates_expiry_date", "certificates", ["expiry_date"])
    op.create_index("ix_certificates_study_id", "certificates", ["study_id"])
    op.create_index("ix_certificates_study_sha256", "certificates", ["study_sha256"])
    active = sa.text("status IN ('valid', 'suspended')")
    op.create_index(
        "uq_certificates_active_study", "certificates", ["verified_sha256"], unique=True, sqlite_where=active, postgresql_where=active
    )
    op.create_table(
        "certificate_counters",
        sa.Column("body_id", sa.String(12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_sequence", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("body_id", "year", name="pk_certificate_counters"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("certificate_number", sa.String(40), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_certificate_number", "audit_log", ["certificate_number"])
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_TRIGGERS if dialect == "sqlite" else POSTGRES_TRIGGERS if dialect == "postgresql" else ():
        op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("the registry schema is never downgraded: the audit log must survive")
