"""Distributions of BOM lines: lognormal, from a gsd, from pedigree scores, or a default.

Why lognormal everywhere: the background dataset gives a geometric standard deviation (gsd) per
exchange, as ecoinvent and Brightway do, and amounts are positive. A BOM line gets its gsd from,
in this order: its own ``gsd``; its five pedigree scores through the ecoinvent v3 pedigree
matrix (factor table in ``pedigree_matrix.yaml``, with its citation); else a documented default
per data type (primary / secondary), itself expressed as pedigree scores.

Centring (the choice matters, see :func:`log_shift`): ``"median"`` (default) puts the
deterministic value at the median of each distribution, like ecoinvent and Brightway
(``loc = ln(amount)``); the mean of each factor is then ``amount * exp(sigma**2 / 2)``.
``"mean"`` shifts ``loc`` by ``-sigma**2 / 2`` so that each factor's mean equals the
deterministic value (and so does the mean of any result linear in independent factors).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
import yaml

from .errors import FootprintError

PEDIGREE_FILE = Path(__file__).resolve().parent / "pedigree_matrix.yaml"
PEDIGREE_INDICATORS = (
    "reliability",
    "completeness",
    "temporal_correlation",
    "geographical_correlation",
    "further_technological_correlation",
)
Centre = Literal["median", "mean"]
CENTRES: tuple[str, ...] = ("median", "mean")
GsdSource = Literal["gsd", "pedigree", "default"]


@dataclass(frozen=True)
class PedigreeTable:
    """The pedigree factor table and project defaults, as read from ``pedigree_matrix.yaml``."""

    citation: str
    variance: dict[str, tuple[float, ...]]
    basic_variance: dict[str, float]
    default_basic_variance: float
    default_pedigree: dict[str, tuple[int, ...]]

    def basic_variance_of(self, category: str | None) -> float:
        return self.basic_variance.get(category or "", self.default_basic_variance)


@lru_cache(maxsize=1)
def pedigree_table() -> PedigreeTable:
    data = yaml.safe_load(PEDIGREE_FILE.read_text(encoding="utf-8"))
    variance = {name: tuple(float(v) for v in data["pedigree_variance"][name]) for name in PEDIGREE_INDICATORS}
    if any(len(values) != 5 for values in variance.values()):
        raise FootprintError(f"{PEDIGREE_FILE}: each indicator needs five variances (scores 1-5)")
    return PedigreeTable(
        citation=" ".join(str(data["citation"]).split()),
        variance=variance,
        basic_variance={k: float(v) for k, v in data["basic_variance"].items()},
        default_basic_variance=float(data["default_basic_variance"]),
        default_pedigree={k: tuple(int(s) for s in v) for k, v in data["default_pedigree"].items()},
    )


def _check_scores(scores: tuple[int, ...] | list[int]) -> tuple[int, ...]:
    scores = tuple(int(s) for s in scores)
    if len(scores) != 5 or not all(1 <= s <= 5 for s in scores):
        raise FootprintError(f"pedigree needs five scores from 1 to 5 (r,c,t,g,tech), got {scores}")
    return scores


def pedigree_sigma(scores: tuple[int, ...] | list[int], basic_variance: float) -> float:
    """Standard deviation of ln(value): sqrt(basic variance + the five pedigree variances)."""
    table = pedigree_table()
    scores = _check_scores(scores)
    total = basic_variance + sum(table.variance[name][score - 1] for name, score in zip(PEDIGREE_INDICATORS, scores))
    return math.sqrt(total)


def pedigree_gsd(scores: tuple[int, ...] | list[int], category: str | None = None, basic_variance: float | None = None) -> float:
    """Geometric standard deviation from five pedigree scores (ecoinvent v3 pedigree matrix).

    ``basic_variance`` defaults to the basic uncertainty of the activity ``category``.
    """
    basic = pedigree_table().basic_variance_of(category) if basic_variance is None else basic_variance
    return math.exp(pedigree_sigma(scores, basic))


@dataclass(frozen=True)
class LineUncertainty:
    """The lognormal of one BOM line's amount: its gsd and where the gsd came from."""

    gsd: float
    source: GsdSource
    pedigree: tuple[int, ...] | None = None

    @property
    def sigma(self) -> float:
        return math.log(self.gsd)


def line_uncertainty(line, category: str | None, *, leaf: bool = True) -> LineUncertainty | None:
    """The distribution of a BOM line's amount, or None for a sub-assembly without one.

    A sub-assembly line (one with child lines) is uncertain only when it carries its own gsd or
    pedigree (e.g. "about 2 housings per unit"); its factor multiplies all of its leaves.
    """
    if line.gsd is not None:
        return LineUncertainty(float(line.gsd), "gsd", tuple(line.pedigree) if line.pedigree else None)
    if line.pedigree is not None:
        scores = tuple(line.pedigree)
        return LineUncertainty(pedigree_gsd(scores, category), "pedigree", scores)
    if not leaf:
        return None
    data_type = getattr(line.data_type, "value", line.data_type) or "secondary"
    scores = pedigree_table().default_pedigree[str(data_type)]
    return LineUncertainty(pedigree_gsd(scores, category), "default", scores)


def log_shift(sigma: np.ndarray | float, centre: str) -> np.ndarray | float:
    """What to add to ``ln(amount)`` for the chosen centre: 0 (median) or ``-sigma**2/2`` (mean)."""
    if centre == "median":
        return sigma * 0.0
    if centre == "mean":
        return -0.5 * np.square(sigma)
    raise FootprintError(f"centre must be one of {', '.join(CENTRES)}, got {centre!r}")
