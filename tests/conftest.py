"""Shared fixtures. Brightway writes into a temporary directory, never the user's cache."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Must happen before anything imports bw2data (it reads BRIGHTWAY2_DIR at import time).
os.environ.setdefault("GBA_FOOTPRINT_CACHE", tempfile.mkdtemp(prefix="gba-footprint-tests-"))
os.environ.setdefault("TQDM_DISABLE", "1")

import pytest  # noqa: E402

TESTS = Path(__file__).resolve().parent
MINI = TESTS / "data" / "mini"


@pytest.fixture(scope="session")
def mini_dataset():
    from footprint.dataset import load_dataset

    return load_dataset(MINI)


@pytest.fixture(scope="session")
def mini_engine(mini_dataset):
    from footprint.background import open_background
    from footprint.engine import FootprintEngine

    return FootprintEngine(open_background(mini_dataset))


@pytest.fixture(scope="session")
def gba_dataset():
    from footprint.dataset import load_dataset

    return load_dataset()


@pytest.fixture(scope="session")
def gba_engine(gba_dataset):
    from footprint.background import open_background
    from footprint.engine import FootprintEngine

    return FootprintEngine(open_background(gba_dataset))


@pytest.fixture
def m2_panel_bom():
    """A panel counted in m2 with its mass per unit, on the mini dataset: 2 m2 at 7.5 kg/m2 =
    15 kg of METAL, and the same 15 kg carried 200 km = 3 tkm of TRUCK (engine and batch tests)."""
    from footprint.bom import bom_from_data

    return bom_from_data(
        {
            "product": "panel",
            "declared_unit": {"quantity": 1, "unit": "kg"},
            "lines": [
                {"id": "S", "activity_id": "METAL", "amount": 2, "unit": "m2", "mass_kg_per_unit": 7.5, "stage": "raw_materials"},
                {"id": "T", "activity_id": "TRUCK", "amount": 2, "unit": "m2", "mass_kg_per_unit": 7.5, "distance_km": 200, "stage": "inbound_transport"},
            ],
        }
    )
