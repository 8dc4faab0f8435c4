"""The Circular Footprint Formula parameter file (``datasets/cff/<dataset id>.yaml``), read and checked.

Why a module of its own: the file is data held to the dataset standard (every number with its
source, reference year, geography, basis and uncertainty; estimates wide), and checking that is
a different job from computing the formula (:mod:`footprint.cff`) or sampling it
(:mod:`footprint.cff_sampling`).

Format ``gba-cff-parameters/2`` (datasets/README.md, "CFF parameters"). Each value of A,
Qsin/Qp and Qsout/Qp per material is a share with

* ``tag``: F found in the cited source (the note locates it), R recalled (read second-hand, the
  original not opened: the note says what to "verify against"), E estimate (no source: the note
  says "estimate");
* ``source`` (listed under ``sources``), ``reference_year``, ``geography`` (a code of
  :data:`footprint.dataset.GEOGRAPHIES`: the market the value describes), ``basis``
  (``material_default``: a default for the material in any use; ``application``: a value for a
  named application, e.g. PET bottles into polyester fibre);
* ``uncertainty``: ``{distribution: uniform | triangular, min, max}``, a range within 0-1 holding
  the value (the mode of a triangular distribution is the value). An R range is at least
  :data:`MIN_RECALLED_WIDTH` wide, an E range at least :data:`MIN_ESTIMATE_WIDTH`; an F range may
  be collapsed (min = max = value: the source's number taken as exact).

A value nobody found is ``null`` (no other field): a study must then state it per line. Format
``/1`` (values without year, geography or uncertainty) is refused with what to add: a number
without its uncertainty is not data by the project's standard.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .dataset import GEOGRAPHIES, OWN_SOURCES, REF_YEAR_RANGE
from .errors import DatasetError

FORMAT = "gba-cff-parameters/2"
OLD_FORMATS = ("gba-cff-parameters/1",)
PARAMETER_TAGS = ("F", "R", "E")
PARAMETER_NAMES = ("A", "Qsin_Qp", "Qsout_Qp")
BASES = ("material_default", "application")
DISTRIBUTIONS = ("uniform", "triangular")
MIN_ESTIMATE_WIDTH = 0.3  # an estimate's range (max - min) of a share: wide by rule
MIN_RECALLED_WIDTH = 0.1  # a second-hand value's range: it may be misquoted or misapplied
WASTE_CATEGORY = "waste_treatment"


@dataclass(frozen=True)
class Uncertainty:
    """A bounded distribution of a share: uniform on [low, high], or triangular with its mode at
    the parameter's value."""

    distribution: str
    low: float
    high: float
    mode: float

    @property
    def width(self) -> float:
        return self.high - self.low

    def describe(self) -> dict:
        return {"distribution": self.distribution, "min": self.low, "max": self.high}


@dataclass(frozen=True)
class Parameter:
    """One default of the parameter file: a share, or None when no value was found."""

    value: float | None
    tag: str = ""
    source: str = ""
    note: str = ""
    reference_year: int | None = None
    geography: str = ""
    basis: str = ""
    uncertainty: Uncertainty | None = None

    @property
    def sampled(self) -> bool:
        """Whether Monte Carlo draws this value (a range that is not collapsed)."""
        return self.uncertainty is not None and self.uncertainty.width > 0.0


@dataclass(frozen=True)
class Material:
    """A material the CFF can be computed for: its virgin and recycled routes in the dataset."""

    id: str
    name_en: str
    name_zh: str
    primary_activity: str
    recycled_activity: str
    A: Parameter
    Qsin_Qp: Parameter
    Qsout_Qp: Parameter
    note: str = ""

    def parameters(self) -> tuple[tuple[str, Parameter], ...]:
        return tuple((name, getattr(self, name)) for name in PARAMETER_NAMES)


@dataclass(frozen=True)
class CffParameters:
    dataset_id: str
    file: str
    sha256: str
    materials: tuple[Material, ...]
    recycling_routes: dict[str, str | None]
    sources: dict[str, dict]

    def material(self, material_id: str | None) -> Material | None:
        return next((m for m in self.materials if m.id == material_id), None)

    def material_of_activity(self, activity_id: str) -> Material | None:
        return next((m for m in self.materials if activity_id in (m.primary_activity, m.recycled_activity)), None)

    def describe(self) -> dict:
        return {"file": self.file, "sha256": self.sha256}

    def tag_counts(self) -> dict[str, int]:
        """How many values carry each tag, and how many were not found (``missing``)."""
        counts = {tag: 0 for tag in PARAMETER_TAGS} | {"missing": 0}
        for material in self.materials:
            for _, parameter in material.parameters():
                counts[parameter.tag if parameter.value is not None else "missing"] += 1
        return counts


def parameters_path(dataset) -> Path:
    """``<datasets root>/cff/<dataset id>.yaml``: next to the dataset folder, outside its hash."""
    return Path(dataset.path).parent / "cff" / f"{dataset.id}.yaml"


def load_cff_parameters(dataset, path: Path | str | None = None) -> CffParameters:
    """Read and check the parameter file of ``dataset``; a DatasetError lists every problem."""
    path = Path(path) if path is not None else parameters_path(dataset)
    try:
        raw = path.read_bytes()
    except OSError:
        raise DatasetError(
            f"{path}: no CFF parameter file for dataset {dataset.id} {dataset.version}; a study naming "
            "method.recycling_approach CFF needs one (format: datasets/README.md, \"CFF parameters\")"
        ) from None
    return _parse(raw, str(path), dataset.id, dataset.sha256, _activity_facts(dataset))


def _activity_facts(dataset) -> tuple[tuple[str, str, str], ...]:
    return tuple((a.id, a.unit, a.category) for a in dataset.activities)


@lru_cache(maxsize=8)
def _parse(raw: bytes, where: str, dataset_id: str, dataset_sha256: str, facts: tuple[tuple[str, str, str], ...]) -> CffParameters:
    activities = {id_: (unit, category) for id_, unit, category in facts}
    problems: list[str] = []
    try:
        data = yaml.safe_load(raw) or {}
    except yaml.YAMLError as error:
        raise DatasetError(f"{where}: not valid YAML ({error})") from None
    found_format = data.get("format") if isinstance(data, dict) else None
    if found_format in OLD_FORMATS:
        raise DatasetError(
            f"{where}: format {found_format!r} is no longer read: every value now needs reference_year, geography, "
            f"basis and uncertainty (format {FORMAT!r}, datasets/README.md \"CFF parameters\")"
        )
    if found_format != FORMAT:
        raise DatasetError(f"{where}: format must be {FORMAT!r}")
    if str(data.get("dataset")) != dataset_id:
        problems.append(f"dataset is {data.get('dataset')!r}, the file is read for dataset {dataset_id!r}")
    sources = data.get("sources") or {}
    if not isinstance(sources, dict):
        problems.append("sources must be a mapping of source id to citation")
        sources = {}
    materials = [_material(entry, i, activities, set(sources), problems) for i, entry in enumerate(data.get("materials") or [], start=1)]
    materials = [m for m in materials if m is not None]
    ids = [m.id for m in materials]
    problems += [f"material {i!r} is listed more than once" for i in sorted({i for i in ids if ids.count(i) > 1})]
    used = [a for m in materials for a in (m.primary_activity, m.recycled_activity)]
    problems += [f"activity {a} belongs to more than one material" for a in sorted({a for a in used if used.count(a) > 1})]
    routes = data.get("recycling_routes") or {}
    if not isinstance(routes, dict):
        problems.append("recycling_routes must map waste-treatment activity ids to a default material (or null)")
        routes = {}
    for activity_id, material_id in routes.items():
        unit, category = activities.get(activity_id, (None, None))
        if unit is None:
            problems.append(f"recycling route {activity_id}: not an activity of dataset {dataset_id}")
        elif category != WASTE_CATEGORY or unit != "kg":
            problems.append(f"recycling route {activity_id}: must be a {WASTE_CATEGORY} activity in kg (is {category} in {unit})")
        if material_id is not None and material_id not in ids:
            problems.append(f"recycling route {activity_id}: unknown default material {material_id!r}")
    if problems:
        raise DatasetError(f"{where}: " + "; ".join(problems))
    return CffParameters(
        dataset_id=dataset_id,
        file=Path(where).name,
        sha256=hashlib.sha256(raw).hexdigest(),
        materials=tuple(materials),
        recycling_routes={str(k): (None if v is None else str(v)) for k, v in routes.items()},
        sources={str(k): dict(v) if isinstance(v, dict) else {"citation": str(v)} for k, v in sources.items()},
    )


def _material(entry: Any, position: int, activities: dict, sources: set, problems: list[str]) -> Material | None:
    if not isinstance(entry, dict) or not entry.get("id"):
        problems.append(f"material #{position}: needs an id")
        return None
    where = f"material {entry['id']}"
    for key in ("primary_activity", "recycled_activity"):
        activity_id = entry.get(key)
        unit, _ = activities.get(activity_id, (None, None))
        if unit is None:
            problems.append(f"{where}: {key} {activity_id!r} is not an activity of the dataset")
        elif unit != "kg":
            problems.append(f"{where}: {key} {activity_id} must be in kg (is in {unit})")
    if entry.get("primary_activity") == entry.get("recycled_activity"):
        problems.append(f"{where}: primary_activity and recycled_activity must differ")
    name = entry.get("name") or {}
    return Material(
        id=str(entry["id"]),
        name_en=str(name.get("en", entry["id"])),
        name_zh=str(name.get("zh", entry["id"])),
        primary_activity=str(entry.get("primary_activity")),
        recycled_activity=str(entry.get("recycled_activity")),
        **{parameter: _parameter(entry.get(parameter), f"{where}: {parameter}", sources, problems) for parameter in PARAMETER_NAMES},
        note=str(entry.get("note", "")),
    )


def _is_share(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and 0.0 <= float(value) <= 1.0


def _parameter(entry: Any, where: str, sources: set, problems: list[str]) -> Parameter:
    """One value with everything the standard asks of it; each problem names the field."""
    if entry is None:
        return Parameter(None)
    if not isinstance(entry, dict) or "value" not in entry:
        problems.append(f"{where}: give {{value: ..., tag: ..., source: ..., reference_year: ..., geography: ..., basis: ..., uncertainty: ...}} (value null when not found)")
        return Parameter(None)
    value, note = entry.get("value"), str(entry.get("note", ""))
    if value is None:
        extra = sorted(set(entry) - {"value", "note"})
        if extra:
            problems.append(f"{where}: a value not found (null) carries no {', '.join(extra)}")
        return Parameter(None, note=note)
    if not _is_share(value):
        problems.append(f"{where}: value must be a share from 0 to 1, not {value!r}")
        return Parameter(None)
    value = float(value)
    tag, source = str(entry.get("tag", "")), str(entry.get("source", ""))
    if tag not in PARAMETER_TAGS:
        problems.append(f"{where}: tag must be one of {', '.join(PARAMETER_TAGS)} (F found, R recalled second-hand, E estimate), not {tag!r}")
    if source not in sources:
        problems.append(f"{where}: source {source!r} is not listed under sources")
    elif tag in ("F", "R") and source in OWN_SOURCES:
        problems.append(f"{where}: tag {tag} needs a published source, not {source}")
    if not note.strip():
        problems.append(f"{where}: note missing (where in the source the value is, or why it is estimated)")
    elif tag == "E" and "estimate" not in note.lower():
        problems.append(f"{where}: an estimate (tag E) must say 'estimate' in its note")
    elif tag == "R" and "verify against" not in note.lower():
        problems.append(f"{where}: a second-hand value (tag R) must say what to 'verify against' in its note")
    year = entry.get("reference_year")
    low_year, high_year = REF_YEAR_RANGE
    if year is None:
        problems.append(f"{where}: reference_year missing")
    elif isinstance(year, bool) or not isinstance(year, int) or not low_year <= year <= high_year:
        problems.append(f"{where}: reference_year must be a year from {low_year} to {high_year}, not {year!r}")
        year = None
    geography = entry.get("geography")
    if geography is None:
        problems.append(f"{where}: geography missing")
    elif str(geography) not in GEOGRAPHIES:
        problems.append(f"{where}: geography {geography!r} is not a known code ({', '.join(sorted(GEOGRAPHIES))})")
    basis = entry.get("basis")
    if basis not in BASES:
        problems.append(f"{where}: basis must be one of {', '.join(BASES)}, not {basis!r}")
    return Parameter(
        value=value,
        tag=tag,
        source=source,
        note=note,
        reference_year=year,
        geography=str(geography or ""),
        basis=str(basis or ""),
        uncertainty=_uncertainty(entry.get("uncertainty"), value, tag, f"{where}: uncertainty", problems),
    )


def _uncertainty(entry: Any, value: float, tag: str, where: str, problems: list[str]) -> Uncertainty | None:
    if entry is None:
        problems.append(f"{where} missing (give {{distribution: {' or '.join(DISTRIBUTIONS)}, min: ..., max: ...}})")
        return None
    if not isinstance(entry, dict):
        problems.append(f"{where}: give {{distribution: ..., min: ..., max: ...}}")
        return None
    distribution = entry.get("distribution")
    if distribution not in DISTRIBUTIONS:
        problems.append(f"{where}.distribution must be one of {', '.join(DISTRIBUTIONS)} (a share is bounded), not {distribution!r}")
    unknown = sorted(set(entry) - {"distribution", "min", "max"})
    if unknown:
        problems.append(f"{where}: unknown field(s) {', '.join(unknown)} (a triangular distribution's mode is the value)")
    bounds = {}
    for key in ("min", "max"):
        bound = entry.get(key)
        if bound is None:
            problems.append(f"{where}.{key} missing")
        elif not _is_share(bound):
            problems.append(f"{where}.{key} must be a share from 0 to 1, not {bound!r}")
        else:
            bounds[key] = float(bound)
    if len(bounds) < 2 or distribution not in DISTRIBUTIONS:
        return None
    low, high = bounds["min"], bounds["max"]
    if not low <= value <= high:
        problems.append(f"{where}: the range {low:g} to {high:g} must contain the value {value:g}")
        return None
    width = high - low
    needed = {"E": MIN_ESTIMATE_WIDTH, "R": MIN_RECALLED_WIDTH}.get(tag)
    if needed is not None and width < needed - 1e-12:
        kind = "an estimate (tag E)" if tag == "E" else "a second-hand value (tag R)"
        problems.append(f"{where}: {kind} needs a range at least {needed:g} wide, {low:g} to {high:g} is {width:.3g}")
    return Uncertainty(distribution=str(distribution), low=low, high=high, mode=value)
