"""The ``config`` block of a rule set: every threshold in one place, typed.

Why typed: thresholds are what a certification body tunes (the GBA group standards are not public,
so each value cites the national or international rule it comes from). A threshold typed as text
("5 %") or a negative share must be refused when the file is loaded, not discovered when a study
is judged. Keys not listed here are allowed (a product rule set may add its own and reference
them from rule parameters); the listed ones have defaults, so a child rule set only writes what
it changes.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .model import Text


class RuleSetConfig(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    # cut-off and completeness
    cutoff_single_flow_pct: float = Field(1.0, ge=0, le=100)
    cutoff_total_pct: float = Field(5.0, ge=0, le=100)
    mass_balance_tolerance_pct: float = Field(5.0, ge=0, le=100)
    required_stages: list[str] = ["raw_materials", "inbound_transport", "manufacturing_energy"]
    # data quality
    dqr_scale: tuple[int, int] = (1, 3)
    dqr_max_significant: float = Field(2.0, gt=0)
    significance_threshold_pct: float = Field(5.0, ge=0, le=100)
    min_primary_data_share_pct: float | None = Field(None, ge=0, le=100)
    site_controlled_stages: list[str] = ["manufacturing_energy", "process_emissions"]
    reference_period_min_months: int = Field(12, ge=1)
    reference_period_max_age_months: int = Field(24, ge=0)
    # characterisation and electricity
    gwp_set: str = "AR6"
    gwp_methods: dict[str, str] = {"AR6": "ipcc-ar6-gwp100", "AR5": "ipcc-ar5-gwp100"}
    accepted_certificate_types: list[str] = ["GEC", "green_power"]
    kwh_per_certificate: float = Field(1000.0, gt=0)
    # verification and certificate
    materiality_pct: float = Field(5.0, ge=0, le=100)
    certificate_validity_years: int = Field(2, ge=1, le=10)
    recalc_trigger_change_pct: float = Field(5.0, ge=0)
    # overall verdict and label
    max_major_failures: int = Field(0, ge=0)
    label_significant_figures: int = Field(3, ge=1, le=6)
    label_value_basis: str = Field("market_if_claimed", pattern="^(market_if_claimed|location)$")
    boundary_texts: dict[str, Text] = {"cradle-to-gate": Text(en="cradle-to-gate", zh="从摇篮到大门")}
    label_url: str = ""

    @model_validator(mode="after")
    def _scale_and_basis(self) -> "RuleSetConfig":
        low, high = self.dqr_scale
        if not 1 <= low < high:
            raise ValueError(f"dqr_scale must be [low, high] with 1 <= low < high, got {list(self.dqr_scale)}")
        if self.gwp_set not in self.gwp_methods:
            raise ValueError(f"gwp_set {self.gwp_set!r} has no entry in gwp_methods {sorted(self.gwp_methods)}")
        return self


def config_value(config: dict[str, Any], key: str) -> Any:
    """A config value with the typed default when the rule set does not set it."""
    if key in config:
        return config[key]
    return getattr(RuleSetConfig(), key)
