"""Fixtures of the web-app tests: the engine and catalogue the app itself uses (the bundled GBA
dataset, as `python -m webapp` serves it), built once per test session."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def engine():
    from webapp.config import engine_for

    return engine_for(None)


@pytest.fixture(scope="session")
def catalog(engine):
    from webapp.catalog import Catalog

    return Catalog(engine)
