"""Hash chain over the audit log: ``prev_hash`` and ``entry_hash`` on every entry.

Revision ID: 0002
Revises: 0001

Entries that already exist are chained here, in id order, with the recipe of
``registry/chain.py`` (the first one links to the genesis value), so an upgraded registry
verifies. The columns are then made NOT NULL and ``prev_hash`` unique (the chain cannot fork).

Writing the hashes is an UPDATE, which the append-only triggers of 0001 refuse; they are dropped
for the backfill and created again at the end, in the same transaction as everything else
(``store.migrate`` runs all revisions in one transaction, under ``BEGIN IMMEDIATE`` on SQLite and
an advisory lock on PostgreSQL; both databases have transactional DDL). No other session can see
or use the table without its triggers: the ALTERs hold an exclusive lock on it until commit
(PostgreSQL), and SQLite has a single writer. On SQLite the NOT NULL change rebuilds the table
(Alembic batch mode), which would drop its triggers anyway.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from footprint.certification.registry.chain import GENESIS, entry_hash
from footprint.certification.registry.models import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The triggers of 0001, as they are there (copied, not imported: a revision is a fixed record).
SQLITE_DROP = ("DROP TRIGGER IF EXISTS audit_log_no_update", "DROP TRIGGER IF EXISTS audit_log_no_delete")
SQLITE_TRIGGERS = (
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END""",
)
# The TRUNCATE trigger and the trigger function stay; only the row trigger is in the way.
POSTGRES_DROP = ("DROP TRIGGER IF EXISTS audit_log_no_update_delete ON audit_log",)
POSTGRES_TRIGGERS = (
    """CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
       FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()""",
)

BATCH = 1000

audit_log = sa.table(
    "audit_log",
    sa.column("id", sa.Integer()),
    sa.column("at", UTCDateTime()),
    sa.column("actor", sa.String()),
    sa.column("action", sa.String()),
    sa.column("certificate_number", sa.String()),
    sa.column("detail", sa.Text()),
    sa.column("prev_hash", sa.String()),
    sa.column("entry_hash", sa.String()),
)


def _backfill(connection: sa.engine.Connection) -> int:
    """Chain the existing entries in id order; returns how many were chained."""
    update = (
        sa.update(audit_log)
        .where(audit_log.c.id == sa.bindparam("row_id"))
        .values(prev_hash=sa.bindparam("new_prev"), entry_hash=sa.bindparam("new_hash"))
    )
    prev, last_id, count = GENESIS, None, 0
    while True:
        query = sa.select(
            audit_log.c.id, audit_log.c.at, audit_log.c.actor, audit_log.c.action, audit_log.c.certificate_number, audit_log.c.detail
        ).order_by(audit_log.c.id).limit(BATCH)
        if last_id is not None:
            query = query.where(audit_log.c.id > last_id)
        rows = connection.execute(query).all()
        if not rows:
            return count
        values = []
        for row in rows:
            digest = entry_hash(row.id, row.at, row.actor, row.action, row.certificate_number, row.detail, prev)
            values.append({"row_id": row.id, "new_prev": prev, "new_hash": digest})
            prev, last_id = digest, row.id
        connection.execute(update, values)
        count += len(values)


def upgrade() -> None:
    connection = op.get_bind()
    dialect = connection.dialect.name
    drop, create = {"sqlite": (SQLITE_DROP, SQLITE_TRIGGERS), "postgresql": (POSTGRES_DROP, POSTGRES_TRIGGERS)}.get(dialect, ((), ()))
    for statement in drop:
        op.execute(statement)
    op.add_column("audit_log", sa.Column("prev_hash", sa.String(64), nullable=True))
    op.add_column("audit_log", sa.Column("entry_hash", sa.String(64), nullable=True))
    _backfill(connection)
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("prev_hash", existing_type=sa.String(64), nullable=False)
        batch.alter_column("entry_hash", existing_type=sa.String(64), nullable=False)
        batch.create_unique_constraint("uq_audit_log_prev_hash", ["prev_hash"])
    for statement in create:
        op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("the registry schema is never downgraded: the audit log must survive")
