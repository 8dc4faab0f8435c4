"""Emission-weighted data-quality ratings of a study, shared by the report and the PACT export.

Why one function: the weighted rating a report prints and the one a PACT export carries must
be the same number. Per indicator (technological, temporal, geographical), the average is taken
over the lines that rate that indicator, each weighted by its kg CO2e, as PACT's DQI and
GB/T 24067 data-quality reporting describe. (The label rule ``dqr_weighted_max`` judges only
significant, fully rated inputs, by design, and keeps its own filter.)
"""

from __future__ import annotations

from dataclasses import dataclass

RATED_ASPECTS = ("technological", "temporal", "geographical")


@dataclass(frozen=True)
class WeightedRatings:
    averages: dict[str, float | None]  # None where no line rates that aspect
    weights: dict[str, float]  # kg CO2e behind each average

    @property
    def complete(self) -> bool:
        return all(self.weights.values())

    @property
    def rated_kgco2e(self) -> float:
        return max(self.weights.values())


def weighted_ratings(study, lines) -> WeightedRatings | None:
    """Ratings of ``study.lines`` weighted by the ``kgco2e`` of each result line (by path)."""
    if study is None or not study.lines:
        return None
    sums = dict.fromkeys(RATED_ASPECTS, 0.0)
    weights = dict.fromkeys(RATED_ASPECTS, 0.0)
    for line in lines:
        facts = study.lines.get(line.path)
        if facts is None:
            continue
        for aspect in RATED_ASPECTS:
            value = getattr(facts, aspect)
            if value is not None:
                sums[aspect] += value * line.kgco2e
                weights[aspect] += line.kgco2e
    if not any(weights.values()):
        return None
    averages = {aspect: (sums[aspect] / weights[aspect] if weights[aspect] else None) for aspect in RATED_ASPECTS}
    return WeightedRatings(averages=averages, weights=weights)
