"""Alembic migrations of the label registry, run programmatically when a registry is opened."""
