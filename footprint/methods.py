"""Characterisation methods (GWP100 sets) read from ``datasets/methods/`` as data.

Why our own: ``bw2io.bw2setup()`` fails with the pinned Brightway versions, and a footprint
tool must say exactly which GWP table it used, so the factors live in reviewable CSV files with
a source per factor, and the method carries a content hash like the dataset does.
"""

from __future__ import annotations

import csv
import hashlib
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .dataset import datasets_root
from .errors import MethodError


@dataclass(frozen=True)
class Method:
    id: str
    name: str
    name_zh: str
    factors: dict[str, float]
    sources: dict[str, str]
    brightway_name: tuple[str, ...]
    sha256: str

    def describe(self) -> dict:
        return {"id": self.id, "name": self.name, "sha256": self.sha256}


def methods_dir() -> Path:
    return datasets_root() / "methods"


@lru_cache(maxsize=1)
def _catalogue() -> tuple[dict, ...]:
    entries = yaml.safe_load((methods_dir() / "methods.yaml").read_text(encoding="utf-8"))
    return tuple(entries)


def available_methods() -> list[str]:
    return [entry["id"] for entry in _catalogue()]


def default_method_id() -> str:
    return available_methods()[0]


@lru_cache(maxsize=8)
def load_method(method_id: str | None = None) -> Method:
    method_id = method_id or default_method_id()
    entry = next((e for e in _catalogue() if e["id"] == method_id), None)
    if entry is None:
        raise MethodError(f"unknown method {method_id!r}; available: {', '.join(available_methods())}")
    path = methods_dir() / entry["file"]
    raw = path.read_bytes()
    factors, sources = {}, {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            try:
                value = float(row["cf"])
            except (TypeError, ValueError):
                raise MethodError(f"{path.name} line {reader.line_num}: cf {row.get('cf')!r} is not a number") from None
            if not math.isfinite(value) or value < 0:
                raise MethodError(f"{path.name} line {reader.line_num}: cf must be finite and >= 0, got {value}")
            if row["flow_code"] in factors:
                raise MethodError(f"{path.name} line {reader.line_num}: duplicate flow {row['flow_code']}")
            factors[row["flow_code"]] = value
            sources[row["flow_code"]] = row.get("source", "")
    return Method(
        id=entry["id"],
        name=entry["name"],
        name_zh=entry.get("name_zh", entry["name"]),
        factors=factors,
        sources=sources,
        brightway_name=tuple(entry["brightway_name"]),
        sha256=hashlib.sha256(raw.replace(b"\r\n", b"\n")).hexdigest(),
    )
