"""The background dataset as plain, validated records, with a version and a content hash.

Why this module exists apart from Brightway: the dataset is reviewed as text (CSV/YAML under
``datasets/``), so every check that a reviewer relies on (units, ranges, references, metadata
on every number) runs here, before anything is written to a Brightway project, and every
complaint names the file and line a reviewer has to open.
"""

from __future__ import annotations

import csv
import hashlib
import math
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from .bom import GATE_STAGES
from .errors import DatasetError

ACTIVITY_UNITS = frozenset({"kg", "kWh", "MJ", "m3", "tkm", "piece", "m2", "cm2", "kWp"})
CATEGORIES = frozenset(
    {
        "electricity_grid",
        "electricity_generation",
        "electricity_site",
        "fuel_supply",
        "fuel_combustion",
        "heat",
        "material",
        "component",
        "processing",
        "freight",
        "waste_treatment",
        "direct_emission",
    }
)
# Life-cycle order; the last three are optional stages after the gate (footprint.bom.POST_GATE_STAGES).
STAGES = (
    "raw_materials",
    "purchased_parts",
    "manufacturing_energy",
    "process_emissions",
    "inbound_transport",
    "packaging",
    "production_waste",
    "distribution",
    "use",
    "end_of_life",
)
BASES = frozenset({"life_cycle", "cradle_to_gate", "upstream", "combustion", "process", "operational"})
GHG_BASES = frozenset({"CO2", "CO2e", "gas"})
TAGS = frozenset({"F", "D", "R", "E", "S"})
# The GWP set a published kg CO2e figure was characterised with (aggregated factors keep it:
# see datasets/README.md); "n/a" for per-gas rows, CO2-only rows and technosphere links.
GWP_SETS = frozenset({"SAR", "AR4", "AR5", "AR6", "not stated", "n/a"})
# Sources that are this project's own model or estimates: never "found" (tag F).
OWN_SOURCES = frozenset({"GBA-MODEL", "GBA-EST"})
ORIGINS = frozenset({"fossil", "biogenic", "land_use_change"})
SITE_GRID_ACTIVITY = "ELEC-SITE"
# The flow of published factors given only as kg CO2e (not split by gas or origin).
UNSPECIFIED_FLOW = "ghg_co2e_unspecified"
MIN_ESTIMATE_GSD = 1.3
REF_YEAR_RANGE = (1990, 2030)  # a reference year outside it is a typo (swapped columns?)
# Geography codes of the project's data: ISO 3166 countries and subdivisions (CN-GD Guangdong,
# CN-GD-SZ Shenzhen), CN-CSG the China Southern Grid area, GBA the Greater Bay Area, and the
# ecoinvent-style regions GLO (global), RER (Europe), RAS (Asia). Checked where a file is held to
# it (the CFF parameters); extend it with the code a new source needs.
GEOGRAPHIES = frozenset(
    {"GLO", "RER", "RAS", "EU", "CN", "CN-GD", "CN-GD-SZ", "CN-CSG", "GBA", "HK", "MO", "GB", "JP", "KR", "US", "DE", "FR", "IN"}
)


def repository_root() -> Path:
    """The folder holding the ``footprint`` package: the checkout, or site-packages when installed."""
    return Path(__file__).resolve().parent.parent


def installed_data_root() -> Path:
    """Where a wheel or ``pip install .`` puts ``datasets/`` and ``label_rules/``: ``footprint/_data/``.

    ``pyproject.toml`` maps the two top-level folders into the package at build time (they are not
    moved in git); in a checkout this folder does not exist.
    """
    return Path(__file__).resolve().parent / "_data"


def find_data_dir(name: str, env_var: str) -> Path:
    """The data folder ``name`` (``datasets`` or ``label_rules``): the one place that decides where.

    Order, first match wins:

    1. ``$env_var``, if set (even when it names a missing folder: the loader then says so, rather
       than silently using other data than the user asked for);
    2. ``<checkout>/<name>`` next to the package, so an editable install and the tests read (and a
       reviewer edits) the files in the repository;
    3. ``footprint/_data/<name>``, the copy installed with the package, so a plain
       ``pip install .`` or a wheel works from any directory.

    A ``<name>`` folder next to an installed package that is a Python package (has
    ``__init__.py``) is not ours: site-packages may hold Hugging Face's ``datasets`` library.
    When nothing is found, the installed location is returned and the loader names it in its error.
    """
    if env_var in os.environ:
        return Path(os.environ[env_var])
    checkout = repository_root() / name
    if checkout.is_dir() and not (checkout / "__init__.py").exists():
        return checkout
    return installed_data_root() / name


def datasets_root() -> Path:
    """Where datasets live: ``$GBA_DATASETS_DIR``, the checkout's ``datasets/`` or the installed copy."""
    return find_data_dir("datasets", "GBA_DATASETS_DIR")


@dataclass(frozen=True)
class Activity:
    id: str
    name_en: str
    name_zh: str
    unit: str
    geography: str
    category: str
    default_stage: str
    aircraft: bool
    description: str
    line: int


@dataclass(frozen=True)
class Exchange:
    activity_id: str
    type: str
    input_id: str
    amount: float
    unit: str
    basis: str
    ghg_basis: str
    source_id: str
    ref_year: int
    geography: str
    tag: str
    gsd: float
    pedigree: tuple[int, ...]
    comment: str
    line: int
    gwp_set: str = ""


@dataclass(frozen=True)
class Flow:
    code: str
    name: str
    uuid: str
    formula: str
    origin: str


@dataclass(frozen=True)
class Source:
    source_id: str
    citation: str
    publisher: str
    year: str
    url: str
    note: str


@dataclass(frozen=True)
class Relation:
    """An ordering the solved footprints must keep: upper >= min_ratio x lower (same unit).

    Why as data: sources disagree, and a number that is plausible alone can still contradict
    another (scrap EAF steel above BOF steel, a PV cell as high as a whole module). Each relation
    names the physical reason and a source, and the loader refuses a dataset that breaks one.
    """

    id: str
    lower: str
    upper: str
    min_ratio: float
    reason: str
    source_id: str
    line: int


@dataclass(frozen=True)
class Dataset:
    id: str
    version: str
    title: str
    title_zh: str
    default_site_grid: str
    activities: tuple[Activity, ...]
    exchanges: tuple[Exchange, ...]
    flows: tuple[Flow, ...]
    sources: tuple[Source, ...]
    reference_values: tuple[dict, ...]
    sha256: str
    path: Path
    _by_id: dict = field(default_factory=dict, repr=False, compare=False)
    relations: tuple[Relation, ...] = ()

    def activity(self, activity_id: str) -> Activity:
        try:
            return self._by_id[activity_id]
        except KeyError:
            raise DatasetError(f"unknown activity id {activity_id!r} in dataset {self.id} {self.version}") from None

    def has_activity(self, activity_id: str) -> bool:
        return activity_id in self._by_id

    def grids(self) -> list[Activity]:
        """Activities a study may select as its site grid."""
        return [a for a in self.activities if a.category == "electricity_grid"]

    def exchanges_of(self, activity_id: str) -> list[Exchange]:
        return [e for e in self.exchanges if e.activity_id == activity_id]

    def describe(self) -> dict:
        return {"id": self.id, "version": self.version, "sha256": self.sha256}


# ---------------------------------------------------------------- reading


def _read_csv(path: Path) -> list[tuple[int, dict]]:
    """Rows with their line numbers in the file (header is line 1)."""
    if not path.exists():
        raise DatasetError(f"{path}: file missing")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = [(reader.line_num, row) for row in reader]
    return rows


def content_sha256(directory: Path) -> str:
    """Hash of every data file in a dataset folder, independent of line endings and file order.

    Each file contributes its relative name and its text with ``\\r\\n`` folded to ``\\n``, so a
    checkout on Windows hashes the same as one on Linux, and the copy installed with the package
    (``footprint/_data/``) the same as the checkout: no absolute path enters the hash.
    """
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix in {".csv", ".yaml", ".yml"}):
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        digest.update(path.relative_to(directory).as_posix().encode() + b"\0")
        digest.update(text.encode("utf-8") + b"\0")
    return digest.hexdigest()


class _Problems:
    """Collects every problem so a reviewer sees the whole list at once."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, file: str, line: int | None, message: str) -> None:
        where = f"{file} line {line}" if line else file
        self.items.append(f"{where}: {message}")

    def raise_if_any(self, directory: Path) -> None:
        if self.items:
            shown = "\n  - ".join(self.items[:50])
            more = f"\n  ... and {len(self.items) - 50} more" if len(self.items) > 50 else ""
            raise DatasetError(f"dataset {directory} refused ({len(self.items)} problems):\n  - {shown}{more}")


def _number(problems: _Problems, file: str, line: int, column: str, text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        problems.add(file, line, f"{column} is not a number: {text!r}")
        return None
    if not math.isfinite(value):
        problems.add(file, line, f"{column} must be finite, got {text!r}")
        return None
    return value


def _pedigree(problems: _Problems, file: str, line: int, text: str) -> tuple[int, ...]:
    parts = [p.strip() for p in (text or "").split(",")]
    try:
        scores = tuple(int(p) for p in parts)
    except ValueError:
        scores = ()
    if len(scores) != 5 or not all(1 <= s <= 5 for s in scores):
        problems.add(file, line, f"pedigree must be five scores 1-5 'r,c,t,g,tech', got {text!r}")
        return (5, 5, 5, 5, 5)
    return scores


def _require(problems: _Problems, file: str, line: int, row: dict, columns: tuple[str, ...]) -> None:
    for column in columns:
        if not (row.get(column) or "").strip():
            problems.add(file, line, f"{column} is empty")


def _read_flows(directory: Path, problems: _Problems) -> tuple[Flow, ...]:
    flows = []
    for line, row in _read_csv(directory / "biosphere_flows.csv"):
        _require(problems, "biosphere_flows.csv", line, row, ("code", "name", "formula", "origin"))
        if row.get("origin") not in ORIGINS:
            problems.add("biosphere_flows.csv", line, f"origin must be one of {sorted(ORIGINS)}, got {row.get('origin')!r}")
        flows.append(Flow(row["code"], row["name"], row.get("uuid") or "", row["formula"], row["origin"]))
    return tuple(flows)


def _read_activities(directory: Path, problems: _Problems) -> tuple[Activity, ...]:
    file = "activities.csv"
    activities, seen = [], {}
    for line, row in _read_csv(directory / file):
        _require(problems, file, line, row, ("id", "name_en", "name_zh", "unit", "geography", "category", "default_stage"))
        if row["id"] in seen:
            problems.add(file, line, f"duplicate activity id {row['id']!r} (first on line {seen[row['id']]})")
        seen[row["id"]] = line
        if row["unit"] not in ACTIVITY_UNITS:
            problems.add(file, line, f"unit {row['unit']!r} is not one of {sorted(ACTIVITY_UNITS)}")
        if row["category"] not in CATEGORIES:
            problems.add(file, line, f"category {row['category']!r} is not one of {sorted(CATEGORIES)}")
        if row["default_stage"] not in STAGES:
            problems.add(file, line, f"default_stage {row['default_stage']!r} is not one of {list(STAGES)}")
        elif row["default_stage"] not in GATE_STAGES:
            problems.add(file, line, f"default_stage {row['default_stage']!r} is after the gate; an activity defaults to a cradle-to-gate stage (a post-gate BOM line states its stage)")
        aircraft = (row.get("aircraft") or "false").strip().lower()
        if aircraft not in {"true", "false"}:
            problems.add(file, line, f"aircraft must be true or false, got {aircraft!r}")
        activities.append(
            Activity(
                id=row["id"],
                name_en=row["name_en"],
                name_zh=row["name_zh"],
                unit=row["unit"],
                geography=row["geography"],
                category=row["category"],
                default_stage=row["default_stage"],
                aircraft=aircraft == "true",
                description=row.get("description") or "",
                line=line,
            )
        )
    return tuple(activities)


def _check_metadata(problems: _Problems, file: str, line: int, row: dict, source_ids: set[str]) -> tuple[float | None, float | None, tuple[int, ...]]:
    """What every number in a dataset must carry, linked or not: a known source, basis and tag,
    a year in range, a lognormal gsd >= 1 (>= MIN_ESTIMATE_GSD for estimates) and a pedigree.
    Returns the parsed (gsd, year, pedigree)."""
    gsd = _number(problems, file, line, "gsd", row["gsd"])
    year = _number(problems, file, line, "ref_year", row["ref_year"])
    pedigree = _pedigree(problems, file, line, row.get("pedigree", ""))
    if row["basis"] not in BASES:
        problems.add(file, line, f"basis {row['basis']!r} is not one of {sorted(BASES)}")
    if row["ghg_basis"] not in GHG_BASES:
        problems.add(file, line, f"ghg_basis {row['ghg_basis']!r} is not one of {sorted(GHG_BASES)}")
    if row["source_id"] not in source_ids:
        problems.add(file, line, f"source_id {row['source_id']!r} is not in sources.csv")
    tag = row["tag"]
    if tag not in TAGS:
        problems.add(file, line, f"tag {tag!r} is not one of F, D, R, E, S")
    if tag == "F" and row["source_id"] in OWN_SOURCES:
        problems.add(file, line, f"tag F means found in a published source, not in {row['source_id']} (use S, D or E)")
    if tag == "S" and gsd is not None and gsd != 1.0:
        problems.add(file, line, f"a structural link (tag S) is exact by definition: gsd must be 1, got {gsd}")
    if tag == "E" and "estimate" not in (row.get("comment") or "").lower():
        problems.add(file, line, "an estimate (tag E) must say 'estimate' in its comment")
    if "gwp_set" in row:
        gwp_set = (row.get("gwp_set") or "").strip()
        if gwp_set not in GWP_SETS:
            problems.add(file, line, f"gwp_set {gwp_set!r} is not one of {sorted(GWP_SETS)}")
        elif row["ghg_basis"] == "CO2e" and row.get("type", "biosphere") == "biosphere" and gwp_set == "n/a":
            problems.add(file, line, "a kg CO2e figure needs the GWP set its source used (AR4, AR5, AR6, SAR or 'not stated')")
    if gsd is not None and gsd < 1.0:
        problems.add(file, line, f"gsd is a geometric standard deviation and must be >= 1, got {gsd}")
    if row["tag"] == "E" and gsd is not None and gsd < MIN_ESTIMATE_GSD:
        problems.add(file, line, f"an estimate (tag E) needs gsd >= {MIN_ESTIMATE_GSD}, got {gsd}")
    if year is not None and not REF_YEAR_RANGE[0] <= year <= REF_YEAR_RANGE[1]:
        problems.add(file, line, f"ref_year {year:g} outside {REF_YEAR_RANGE[0]}-{REF_YEAR_RANGE[1]} (swapped columns?)")
    return gsd, year, pedigree


def _read_exchanges(
    directory: Path,
    problems: _Problems,
    activities: dict[str, Activity],
    flow_codes: set[str],
    source_ids: set[str],
) -> tuple[Exchange, ...]:
    file = "exchanges.csv"
    exchanges = []
    for line, row in _read_csv(directory / file):
        _require(
            problems,
            file,
            line,
            row,
            ("activity_id", "type", "input_id", "amount", "unit", "basis", "ghg_basis", "source_id", "ref_year", "geography", "tag", "gsd"),
        )
        activity = activities.get(row["activity_id"])
        if activity is None:
            problems.add(file, line, f"activity_id {row['activity_id']!r} is not in activities.csv")
        amount = _number(problems, file, line, "amount", row["amount"])
        gsd, year, pedigree = _check_metadata(problems, file, line, row, source_ids)
        kind = row["type"]
        if kind == "technosphere":
            provider = activities.get(row["input_id"])
            if provider is None:
                problems.add(file, line, f"input_id {row['input_id']!r} is not an activity in activities.csv")
            elif provider.unit != row["unit"]:
                problems.add(
                    file, line, f"unit {row['unit']!r} does not match the unit of {provider.id} ({provider.unit!r})"
                )
            if row["input_id"] == row["activity_id"]:
                problems.add(file, line, "an activity cannot consume its own product")
        elif kind == "biosphere":
            if row["input_id"] not in flow_codes:
                problems.add(file, line, f"input_id {row['input_id']!r} is not a flow code in biosphere_flows.csv")
            if row["unit"] != "kg":
                problems.add(file, line, f"biosphere exchanges are in kg, got {row['unit']!r}")
        else:
            problems.add(file, line, f"type must be technosphere or biosphere, got {kind!r}")
        if amount is not None and amount < 0:
            problems.add(file, line, f"amount must be >= 0 (credits are not modelled), got {amount}")
        exchanges.append(
            Exchange(
                activity_id=row["activity_id"],
                type=kind,
                input_id=row["input_id"],
                amount=amount if amount is not None else 0.0,
                unit=row["unit"],
                basis=row["basis"],
                ghg_basis=row["ghg_basis"],
                source_id=row["source_id"],
                ref_year=int(year) if year is not None else 0,
                geography=row["geography"],
                tag=row["tag"],
                gsd=gsd if gsd is not None else 1.0,
                pedigree=pedigree,
                comment=row.get("comment") or "",
                line=line,
                gwp_set=(row.get("gwp_set") or "").strip(),
            )
        )
    return tuple(exchanges)


def _read_reference_values(directory: Path, problems: _Problems, source_ids: set[str]) -> tuple[dict, ...]:
    """Documented values that are not linked (e.g. CO2-only grid factors): same metadata rules."""
    file = "reference_values.csv"
    if not (directory / file).exists():
        return ()
    rows = []
    for line, row in _read_csv(directory / file):
        _require(problems, file, line, row, ("id", "value", "unit", "geography", "ref_year", "basis", "ghg_basis", "source_id", "tag", "gsd"))
        _number(problems, file, line, "value", row["value"])
        _check_metadata(problems, file, line, row, source_ids)
        rows.append(dict(row, line=line))
    return tuple(rows)


def _read_relations(directory: Path, problems: _Problems, activities: dict[str, Activity], source_ids: set[str]) -> tuple[Relation, ...]:
    file = "relations.csv"
    if not (directory / file).exists():
        return ()
    relations = []
    for line, row in _read_csv(directory / file):
        _require(problems, file, line, row, ("id", "lower", "upper", "min_ratio", "reason", "source_id"))
        ratio = _number(problems, file, line, "min_ratio", row["min_ratio"])
        if ratio is not None and ratio <= 0:
            problems.add(file, line, f"min_ratio must be > 0, got {ratio}")
        ends = [activities.get(row[column]) for column in ("lower", "upper")]
        for column, activity in zip(("lower", "upper"), ends):
            if activity is None:
                problems.add(file, line, f"{column} {row[column]!r} is not an activity in activities.csv")
        if all(ends) and ends[0].unit != ends[1].unit:
            problems.add(file, line, f"{row['lower']} ({ends[0].unit}) and {row['upper']} ({ends[1].unit}) are not in the same unit")
        if row["source_id"] not in source_ids:
            problems.add(file, line, f"source_id {row['source_id']!r} is not in sources.csv")
        relations.append(Relation(row["id"], row["lower"], row["upper"], ratio or 1.0, row["reason"], row["source_id"], line))
    return tuple(relations)


def _check_structure(problems: _Problems, activities: tuple[Activity, ...], exchanges: tuple[Exchange, ...], default_grid: str) -> None:
    by_id = {a.id: a for a in activities}
    with_exchanges = {e.activity_id for e in exchanges}
    for activity in activities:
        if activity.id not in with_exchanges:
            problems.add("activities.csv", activity.line, f"activity {activity.id} has no exchanges (a footprint of exactly zero)")
    grid = by_id.get(default_grid)
    if grid is None or grid.category != "electricity_grid":
        problems.add("dataset.yaml", None, f"default_site_grid {default_grid!r} is not an electricity_grid activity")
    site = by_id.get(SITE_GRID_ACTIVITY)
    if site is None:
        problems.add("activities.csv", None, f"the site electricity activity {SITE_GRID_ACTIVITY} is missing")
    else:
        inputs = [e for e in exchanges if e.activity_id == SITE_GRID_ACTIVITY]
        if len(inputs) != 1 or inputs[0].type != "technosphere" or inputs[0].input_id != default_grid or inputs[0].amount != 1.0:
            problems.add(
                "exchanges.csv",
                inputs[0].line if inputs else None,
                f"{SITE_GRID_ACTIVITY} must have exactly one exchange: 1 kWh from the default site grid {default_grid}",
            )


def load_dataset(directory: Path | str | None = None) -> Dataset:
    """Read and validate a dataset folder; refuse it whole, listing every problem, if broken."""
    directory = Path(directory) if directory is not None else datasets_root() / "gba"
    if not (directory / "dataset.yaml").exists():
        raise DatasetError(f"{directory}: no dataset.yaml (is this a dataset folder?)")
    return _load_cached(directory.resolve(), content_sha256(directory))


@lru_cache(maxsize=8)
def _load_cached(directory: Path, sha256: str) -> Dataset:
    problems = _Problems()
    meta = yaml.safe_load((directory / "dataset.yaml").read_text(encoding="utf-8")) or {}
    for key in ("id", "version", "title", "default_site_grid"):
        if not meta.get(key):
            problems.add("dataset.yaml", None, f"{key} is missing")
    flows = _read_flows(directory, problems)
    sources = tuple(
        Source(r["source_id"], r.get("citation", ""), r.get("publisher", ""), r.get("year", ""), r.get("url", ""), r.get("note", ""))
        for _, r in _read_csv(directory / "sources.csv")
    )
    activities = _read_activities(directory, problems)
    by_id = {a.id: a for a in activities}
    exchanges = _read_exchanges(directory, problems, by_id, {f.code for f in flows}, {s.source_id for s in sources})
    reference_values = _read_reference_values(directory, problems, {s.source_id for s in sources})
    relations = _read_relations(directory, problems, by_id, {s.source_id for s in sources})
    _check_structure(problems, activities, exchanges, str(meta.get("default_site_grid", "")))
    problems.raise_if_any(directory)
    dataset = Dataset(
        id=str(meta["id"]),
        version=str(meta["version"]),
        title=str(meta["title"]),
        title_zh=str(meta.get("title_zh", "")),
        default_site_grid=str(meta["default_site_grid"]),
        activities=activities,
        exchanges=exchanges,
        flows=flows,
        sources=sources,
        reference_values=reference_values,
        sha256=sha256,
        path=directory,
        _by_id=by_id,
        relations=relations,
    )
    from .dataset_ranges import check_ranges  # local import: ranges need the solved system

    check_ranges(dataset, meta.get("ranges") or {})  # and the relations
    return dataset
