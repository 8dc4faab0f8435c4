"""Alembic environment: always run with a connection handed over by ``store.migrate``.

Why no engine here: the registry opens its own engine (SQLite file or PostgreSQL URL), takes a
lock so that two processes opening a fresh registry do not both create the tables, and passes
that connection in ``config.attributes["connection"]``. There is no ``alembic.ini``.
"""

from __future__ import annotations

from alembic import context

from footprint.certification.registry.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable when alembic is run by hand
    raise RuntimeError("run registry migrations through footprint.certification.registry.store.migrate()")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=config.attributes.get("version_table", "gba_registry_version"),
    render_as_batch=connection.dialect.name == "sqlite",
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
