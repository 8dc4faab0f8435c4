"""What a check function sees: the study, the rule set, the engine, the date, the recomputation.

Why one object built per evaluation: many rules need the same recomputed results (shares,
coverage, exclusions). They are computed once, lazily, from the study's BOM with the engine, so
rules never read numbers the applicant typed when the engine can give them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from ..study import Study
from ..study_compute import StudyComputation, recompute
from .config import config_value
from .model import RuleSet


@dataclass
class EvaluationContext:
    study: Study
    rule_set: RuleSet
    engine: object
    evaluation_date: date
    catalogue: Callable[[], dict[str, RuleSet]] = field(default=lambda: {})

    def config(self, key: str):
        return config_value(self.rule_set.config, key)

    @cached_property
    def computation(self) -> StudyComputation:
        return recompute(
            self.study,
            self.engine,
            accepted_certificate_types=tuple(self.config("accepted_certificate_types")),
            kwh_per_certificate=float(self.config("kwh_per_certificate")),
            gwp_methods=dict(self.config("gwp_methods")),
            value_basis=str(self.config("label_value_basis")),
        )

    @property
    def dataset(self):
        return self.engine.dataset

    def by_base_line(self) -> dict[str, dict]:
        """Headline emissions per BOM leaf line (market-based splits and CFF rows summed back to
        their line: a line's significance, ratings and hotspot naming are judged with its CFF part)."""
        lines: dict[str, dict] = {}
        for line in self.computation.headline.lines:
            path = line.cff["line"] if line.cff is not None else line.path.split("@", 1)[0]
            entry = lines.setdefault(
                path, {"kgco2e": 0.0, "stage": line.stage, "data_type": line.data_type, "activity_id": line.activity_id}
            )
            entry["kgco2e"] += line.kgco2e
        return lines

    def site_controlled(self, path: str, stage: str, default_stages: list[str]) -> bool:
        """Whether a line is under the applicant's control: its stated fact, else its stage."""
        stated = self.study.facts(path).site_controlled
        return stated if stated is not None else stage in default_stages

    def significant_lines(self, threshold_pct: float) -> list:
        """Headline result lines at or above ``threshold_pct`` of the total, largest first."""
        total = self.computation.total_kgco2e
        lines = [l for l in self.computation.headline.lines if total and 100.0 * l.kgco2e / total >= threshold_pct]
        return sorted(lines, key=lambda l: (-l.kgco2e, l.path))
