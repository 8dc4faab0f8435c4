"""Battery carbon footprint declaration (Regulation (EU) 2023/1542, Article 7 and Annex II).

Why a module of its own: the EU declaration is not the GBA label. It is per 1 kWh of the total
energy the battery provides over its service life (not per declared unit), in four life-cycle
stages of the regulation (not the BOM stages), and without the use stage. The stage mapping is
data (``battery_stages.yaml``); this module only reads it, checks that it maps every BOM stage
once, and scales the study's recomputed results by stage:

    kg CO2e per kWh of service-life energy
        = (kg CO2e per declared unit in the mapped BOM stages) x (declared units per battery)
          / service_life_energy_kwh

where a declared unit of ``q kWh`` (rated energy) makes ``rated_energy_kwh / q`` declared units
per battery and a declared unit of ``q piece`` makes ``1 / q``.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .bom import Stage
from .errors import FootprintError, InputError, RowIssue

MAPPING_FILE = Path(__file__).with_name("battery_stages.yaml")
FORMAT = "gba-battery-declaration/1"
DEFAULT_RULE_SET = "gba-li-ion-battery-pack"


@dataclass(frozen=True)
class DeclarationStage:
    id: str
    label_en: str
    label_zh: str
    bom_stages: tuple[str, ...]


@dataclass(frozen=True)
class StageMapping:
    regulation: str
    service_life_energy_property: str
    rated_energy_property: str
    stages: tuple[DeclarationStage, ...]
    excluded: dict[str, dict[str, str]]  # BOM stage -> {"en": reason, "zh": reason}
    sha256: str


def load_stage_mapping(path: Path | str = MAPPING_FILE) -> StageMapping:
    """Read the mapping and check it covers every BOM stage exactly once (mapped or excluded)."""
    path = Path(path)
    raw = path.read_bytes()
    data = yaml.safe_load(raw) or {}
    if data.get("format") != FORMAT:
        raise FootprintError(f"{path}: format must be {FORMAT!r}")
    stages = tuple(
        DeclarationStage(str(s["id"]), str(s["label"]["en"]), str(s["label"]["zh"]), tuple(str(b) for b in s["from"])) for s in data.get("stages") or []
    )
    excluded = {str(e["stage"]): {"en": str(e["reason"]["en"]), "zh": str(e["reason"]["zh"])} for e in data.get("excluded") or []}
    seen = [b for s in stages for b in s.bom_stages] + list(excluded)
    known = [stage.value for stage in Stage]
    problems = [f"unknown stage {b!r}" for b in seen if b not in known]
    problems += [f"stage {b!r} is mapped more than once" for b in sorted({b for b in seen if seen.count(b) > 1})]
    problems += [f"stage {b!r} is neither mapped nor excluded" for b in known if b not in seen]
    if problems:
        raise FootprintError(f"{path}: {'; '.join(problems)}")
    return StageMapping(
        regulation=str(data.get("regulation", "")),
        service_life_energy_property=str(data["service_life_energy_property"]),
        rated_energy_property=str(data["rated_energy_property"]),
        stages=stages,
        excluded=excluded,
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def units_per_battery(study: Any, mapping: StageMapping) -> float:
    """Declared units in one battery: rated kWh / q for a ``q kWh`` declared unit, 1 / q for ``q piece``."""
    unit = study.bom.declared_unit
    if unit.unit == "kWh":
        rated = study.product.positive_number(mapping.rated_energy_property)
        if rated is None:
            raise InputError(
                issues=[
                    RowIssue(
                        f"the declared unit is kWh, so the battery's rated energy ({mapping.rated_energy_property} > 0) is needed",
                        f"声明单位为 kWh，须给出电池额定能量（{mapping.rated_energy_property} > 0）",
                        field=f"product.properties.{mapping.rated_energy_property}",
                    )
                ]
            )
        return rated / unit.quantity
    if unit.unit == "piece":
        return 1.0 / unit.quantity
    raise InputError(
        issues=[RowIssue(f"a battery declaration needs a declared unit in kWh or piece, not {unit.unit}", f"电池声明的声明单位应为 kWh 或件，而非 {unit.unit}", field="bom.declared_unit")]
    )


def service_life_energy(study: Any, mapping: StageMapping) -> float:
    value = study.product.positive_number(mapping.service_life_energy_property)
    if value is None:
        name = mapping.service_life_energy_property
        raise InputError(
            issues=[
                RowIssue(
                    f"a battery declaration needs the total energy over the service life ({name} > 0, kWh)",
                    f"电池碳足迹声明须给出全寿命周期总供电量（{name} > 0，kWh）",
                    field=f"product.properties.{name}",
                )
            ]
        )
    return value


def is_battery_rule_set(rule_set: Any) -> bool:
    """Whether a rule set is the battery product rules or extends them (reports add the declaration)."""
    return rule_set is not None and (rule_set.id == DEFAULT_RULE_SET or DEFAULT_RULE_SET in rule_set.lineage())


def battery_declaration(study: Any, engine: Any = None, rule_set: Any = DEFAULT_RULE_SET, computation: Any = None, mapping: StageMapping | None = None) -> dict[str, Any]:
    """The declaration as a JSON-ready dict: per-stage and total kg CO2e per kWh of service-life
    energy, with the study, dataset, rule-set and mapping identifiers and hashes.

    ``computation`` (a :class:`~footprint.study_compute.StudyComputation`, e.g. a report's) is
    recomputed with the rule set's configuration and ``engine`` (default: the bundled dataset's)
    when not given; the headline result (market-based when claimed and
    the rule set's label basis says so) is the one declared.
    """
    from .rules import RuleSet, load_rule_set
    from .rules.evaluator import make_context

    mapping = mapping or load_stage_mapping()
    life_kwh = service_life_energy(study, mapping)
    per_battery = units_per_battery(study, mapping)
    rule_set = rule_set if isinstance(rule_set, RuleSet) else load_rule_set(rule_set)
    if computation is None:
        computation = make_context(study, rule_set, engine).computation
    result = computation.headline
    scale = per_battery / life_kwh
    boundary = set(study.boundary.stages)
    excluded_reasons = {e.stage: e.reason for e in study.boundary.excluded}
    stages = []
    for stage in mapping.stages:
        kg = math.fsum(result.by_stage.get(b, 0.0) for b in stage.bom_stages)
        inside = [b for b in stage.bom_stages if b in boundary or b in result.by_stage]
        stages.append(
            {
                "id": stage.id,
                "label": {"en": stage.label_en, "zh": stage.label_zh},
                "bom_stages": list(stage.bom_stages),
                "in_boundary": bool(inside),
                "excluded_reason": "" if inside else "; ".join(excluded_reasons.get(b, "") for b in stage.bom_stages if excluded_reasons.get(b)),
                "kgco2e_per_battery": kg * per_battery,
                "kgco2e_per_kwh": kg * scale,
            }
        )
    left_out = [
        {"bom_stage": b, "reason": reason, "kgco2e_per_battery": result.by_stage.get(b, 0.0) * per_battery} for b, reason in mapping.excluded.items()
    ]
    total = math.fsum(s["kgco2e_per_kwh"] for s in stages)
    return {
        "format": FORMAT,
        "regulation": mapping.regulation,
        "functional_unit": {"en": "1 kWh of the total energy provided by the battery over its service life", "zh": "电池在其使用寿命内提供的总能量 1 kWh"},
        "unit": "kg CO2e/kWh",
        "study": {"id": study.study_id, "sha256": study.sha256()},
        "product": {"name": study.product.name, "name_zh": study.product.name_zh, "model": study.product.model},
        "site": {"id": study.site.id, "name": study.site.name},
        "dataset": dict(result.dataset),
        "rule_set": rule_set.describe(),
        "stage_mapping": {"file": MAPPING_FILE.name, "sha256": mapping.sha256},
        "method": dict(result.method),
        "basis": computation.headline_basis,
        # what the engine computed: "CFF" (with its parameter file and per-material shares under
        # "recycling") or "cut_off" (the dataset's system), whatever name the study gives
        "recycling_approach": result.recycling_approach,
        **({"recycling": dict(result.recycling)} if result.recycling else {}),
        "grid": result.grid,
        "declared_unit": str(study.bom.declared_unit),
        "declared_units_per_battery": per_battery,
        "rated_energy_kwh": study.product.positive_number(mapping.rated_energy_property),
        "service_life_energy_kwh": life_kwh,
        "stages": stages,
        "excluded_stages": left_out,
        "total_kgco2e_per_kwh": total,
        "total_kgco2e_per_battery": total * life_kwh,
    }


def declaration_json(declaration: dict[str, Any]) -> bytes:
    """The declaration as UTF-8 JSON (sorted as built, two-space indent, trailing newline)."""
    return (json.dumps(declaration, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
