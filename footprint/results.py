"""The result of a footprint calculation, and its canonical JSON form.

Why a canonical form: certification bodies recompute studies and compare bytes and hashes, so
the same inputs must give the same bytes out (fixed key order, floats as shortest repr, no
timestamps inside the result).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class LineResult:
    id: str
    path: str
    activity_id: str
    activity_name: str
    activity_name_zh: str
    stage: str
    data_type: str
    amount: float
    unit: str
    activity_amount: float
    activity_unit: str
    kgco2e: float
    share: float
    by_gas: dict[str, float] = field(default_factory=dict)
    description: str = ""
    # A Circular Footprint Formula row (footprint.cff): its part, kind (credit or burden), material
    # and the parameters used; None for a BOM line.
    cff: dict | None = None

    @property
    def is_cff(self) -> bool:
        return self.cff is not None

    @property
    def parent(self) -> str:
        """The path of the line this one is entered per ("" for a top line: per declared unit)."""
        return self.path.rpartition("/")[0]

    @property
    def entered_per_declared_unit(self) -> bool:
        """Whether the amount as entered is the amount per declared unit the kg CO2e is for.

        Not so under a parent line (a part per pack, with the declared unit a kWh of the pack),
        in another unit of the same kind (g of a per-kg activity), or for freight entered as a
        mass carried over a distance (computed in t*km): tables then show both amounts.
        """
        return self.unit == self.activity_unit and math.isclose(self.amount, self.activity_amount, rel_tol=1e-9)

    def to_dict(self) -> dict:
        data = asdict(self)
        if self.cff is None:
            del data["cff"]  # a cut-off result keeps its bytes
        return data


@dataclass(frozen=True)
class FootprintResult:
    product: str
    declared_unit: str
    total_kgco2e: float
    lines: tuple[LineResult, ...]
    by_stage: dict[str, float]
    by_gas: dict[str, float]
    by_origin: dict[str, float]
    aircraft_kgco2e: float
    biogenic_co2_kg: float
    grid: str
    method: dict
    dataset: dict
    # How recycling was counted when it was not the dataset's cut-off: the CFF, its parameter file
    # (name, sha256) and per-material masses and shares (footprint.cff); None for cut-off.
    recycling: dict | None = None

    @property
    def recycling_approach(self) -> str:
        """What the number was computed with, "CFF" or "cut_off" (not what a study claims)."""
        return str(self.recycling["approach"]) if self.recycling else "cut_off"

    @property
    def origin_coverage(self) -> float:
        """Share of the total whose gases, and so whose origin, the data resolve.

        The rest comes from published factors given only as kg CO2e (flow
        ``ghg_co2e_unspecified``), counted as fossil by convention: when most of the total is
        unspecified, the fossil/biogenic/land-use-change split is a convention, not data.
        """
        from .dataset import UNSPECIFIED_FLOW

        if not self.total_kgco2e:
            return 1.0
        return 1.0 - self.by_gas.get(UNSPECIFIED_FLOW, 0.0) / self.total_kgco2e

    def to_dict(self) -> dict:
        data = asdict(self)
        data["lines"] = [line.to_dict() for line in self.lines]
        if self.recycling is None:
            del data["recycling"]
        data["origin_coverage"] = self.origin_coverage
        return data

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def hotspots(self, limit: int = 5) -> list[LineResult]:
        """Lines with the largest contributions, largest first (ties broken by path)."""
        return sorted(self.lines, key=lambda line: (-line.kgco2e, line.path))[:limit]
