"""Which dataset the app computes with, and the engine for it.

Default: the bundled GBA dataset through :func:`footprint.engine.default_engine` (built once per
process). ``GBA_FOOTPRINT_DATASET=/path/to/dataset`` points the app at another dataset folder
(tests use the small hand-checkable one). The engine is shared read-only by every session.
"""

from __future__ import annotations

import os

DATASET_ENV = "GBA_FOOTPRINT_DATASET"


def dataset_dir() -> str | None:
    return os.environ.get(DATASET_ENV) or None


def engine_for(directory: str | None):
    from footprint.engine import default_engine, engine_for_dataset

    if not directory:
        return default_engine()
    from footprint.dataset import load_dataset

    return engine_for_dataset(load_dataset(directory))
