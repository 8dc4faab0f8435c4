"""Recompute a study's results with the engine: location-based, market-based and exclusions.

Why recompute instead of reading the declared numbers: a label must carry the number the engine
gives for the study's BOM and dataset, and a certification body must get the same number when it
checks. So every rule that needs a number uses :func:`recompute`, and the declared results
(:func:`declare_results`) are only compared with it.

Market-based electricity: the kWh of the site's own electricity lines (activities in the
``electricity_site`` / ``electricity_grid`` categories) that valid certificates cover switch to
the life-cycle factor of the certificate's generation technology (a PV or wind generation
activity of the dataset), never to zero. Coverage per declared unit is the certified kWh divided
by the production volume of the reference period, capped by the claim and by the site's use.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from . import units
from .bom import CFF, Bom, BomLine, is_post_gate
from .results import FootprintResult, LineResult
from .study import CffParametersRef, DatasetRef, DeclaredResults, RuleSetRef, Study

SWITCHABLE_ELECTRICITY = frozenset({"electricity_site", "electricity_grid"})
GENERATION_CATEGORY = "electricity_generation"
DEFAULT_ACCEPTED_CERTIFICATES = ("GEC", "green_power")
DEFAULT_GWP_METHODS = {"AR6": "ipcc-ar6-gwp100", "AR5": "ipcc-ar5-gwp100"}
KWH_PER_CERTIFICATE = 1000.0
MASS_STAGES = ("raw_materials", "purchased_parts", "packaging")


@dataclass(frozen=True)
class _LineSet:
    """The part of a BOM the engine reads (``flat_lines``, product, declared unit, grid).

    Used to compute one excluded line without building a BOM around it: the engine only walks
    ``flat_lines()``. (The market-based split is a real BOM, :func:`market_bom`, because the
    Monte Carlo and the scenarios run on it too.)
    """

    product: str
    declared_unit: Any
    grid: str | None
    entries: tuple[tuple[str, BomLine, float], ...]

    def flat_lines(self) -> Iterator[tuple[str, BomLine, float]]:
        return iter(self.entries)


@dataclass(frozen=True)
class ExclusionResult:
    id: str
    kgco2e: float
    source: str  # "computed" (engine, from the exclusion's line) or "declared_estimate"
    stage: str
    kind: str
    activity_id: str | None = None
    activity_category: str | None = None
    mass_kg: float | None = None
    energy_mj: float | None = None
    by_gas: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class CertificateCheck:
    id: str
    type: str
    kwh: float
    valid: bool
    problems: tuple[tuple[str, str], ...] = ()  # (English, Chinese)


@dataclass(frozen=True)
class ElectricityCoverage:
    site_lines: tuple[str, ...]
    site_kwh_per_unit: float
    production_volume: float | None
    site_kwh_in_period: float | None
    claimed_kwh: float
    valid_certificate_kwh: float
    covered_kwh_per_unit: float
    covered_share: float
    by_activity: dict[str, float]
    certificates: tuple[CertificateCheck, ...]


@dataclass(frozen=True)
class StudyComputation:
    """Everything the rules need, computed once per evaluation."""

    location: FootprintResult
    market: FootprintResult | None
    basis: str  # which result is the headline: "location" or "market"
    exclusions: tuple[ExclusionResult, ...]
    coverage: ElectricityCoverage | None
    method_id: str
    line_mass_kg: dict[str, float | None]
    # The BOMs the two results were computed from: the study's own BOM, and its market-based
    # copy (:func:`market_bom`). Anything that must describe the headline (its Monte Carlo
    # interval, its "what would change" scenarios) runs on :attr:`headline_bom`.
    location_bom: Bom | None = None
    market_bom: Bom | None = None

    @property
    def headline(self) -> FootprintResult:
        return self.market if self.headline_basis == "market" else self.location

    @property
    def headline_basis(self) -> str:
        """Which result the headline is: "market" (the market-based one) or "location"."""
        return "market" if self.basis == "market" and self.market is not None else "location"

    @property
    def headline_bom(self) -> Bom | None:
        """The BOM whose footprint (engine, grid ``headline.grid``, method :attr:`method_id`) is
        the headline: the market-based copy for a market-based headline."""
        return self.market_bom if self.headline_basis == "market" else self.location_bom

    @property
    def total_kgco2e(self) -> float:
        return self.headline.total_kgco2e

    @property
    def excluded_kgco2e(self) -> float:
        return math.fsum(e.kgco2e for e in self.exclusions)

    @property
    def complete_kgco2e(self) -> float:
        """The footprint had nothing been cut off: the denominator of cut-off shares."""
        return self.total_kgco2e + self.excluded_kgco2e

    def primary_data_share_pct(self) -> float:
        total = self.total_kgco2e
        primary = math.fsum(line.kgco2e for line in self.headline.lines if line.data_type == "primary")
        return 100.0 * primary / total if total else 0.0

    def line(self, path: str) -> LineResult | None:
        for line in self.headline.lines:
            if line.path == path:
                return line
        return None


def engine_for_study(study: Study, engine):
    """``engine`` knowing the supplier footprints the study carries (``study.suppliers``), so its
    supplier lines compute, and rules see what they are; the bare engine when there are none."""
    from .exchange.suppliers import with_suppliers

    return with_suppliers(engine, study.supplier_activities())


def gwp_method_id(study: Study, engine, gwp_methods: dict[str, str] | None = None) -> str:
    """The engine method for the study's GWP set (the engine's default when it has none)."""
    method_id = (gwp_methods or DEFAULT_GWP_METHODS).get(study.method.gwp_set.strip().upper())
    return method_id if method_id in engine.background.methods else engine.method_id


def _kwh(amount: float, unit: str) -> float:
    return units.convert(amount, unit, "kWh") if unit != "kWh" else amount


def energy_mj(amount: float, unit: str) -> float | None:
    """Energy in MJ for an amount in an energy unit (kWh, MJ); None for anything else."""
    if unit in {"kWh", "MJ"}:
        return units.convert(amount, unit, "MJ")
    return None


def _mass_kg(result_line: LineResult, bom_line: BomLine, multiplier: float) -> float | None:
    if result_line.activity_unit == "kg":
        return result_line.activity_amount
    if bom_line.unit_mass_kg and units.dimension_of(bom_line.unit) != "mass":
        return bom_line.amount * multiplier * bom_line.unit_mass_kg
    if units.dimension_of(bom_line.unit) == "mass" and not bom_line.distance_km:
        return units.convert(bom_line.amount * multiplier, bom_line.unit, "kg")
    return None


def _organisation_names(study: Study) -> set[str]:
    names = {study.applicant.name, study.applicant.name_zh, study.applicant.credit_code}
    return {n.strip().casefold() for n in names if n and n.strip()}


def _site_country(study: Study) -> str:
    region = (study.site.region or "CN").upper()
    return region.split("-")[0]


def check_certificates(study: Study, engine, accepted_types: tuple[str, ...] | list[str], kwh_per_certificate: float) -> tuple[CertificateCheck, ...]:
    """Each certificate with the reasons it cannot back a claim (empty reasons: valid).

    Criteria (ISO 14067 contractual instruments; NDRC/NEA 2023 No. 1044: the GEC is the proof of
    renewable attributes in mainland China): accepted type, retired for the applicant, generated
    in a period that overlaps the reference period, issued for the site's country, and a
    generation activity whose life-cycle factor the dataset has.
    """
    owners = _organisation_names(study)
    period = study.reference_period
    country = _site_country(study)
    checks = []
    for cert in study.electricity.certificates:
        problems: list[tuple[str, str]] = []
        if cert.type not in accepted_types:
            problems.append((f"type {cert.type!r} is not accepted (accepted: {', '.join(accepted_types)})", f"证书类型 {cert.type!r} 不被认可（认可：{'、'.join(accepted_types)}）"))
        if cert.retired_for.strip().casefold() not in owners:
            problems.append((f"retired for {cert.retired_for!r}, not for the applicant", f"证书注销对象为 {cert.retired_for!r}，不是申请人"))
        if cert.generation_end < period.start or cert.generation_start > period.end:
            problems.append(
                (
                    f"generated {cert.generation_start}..{cert.generation_end}, outside the reference period {period.start}..{period.end}",
                    f"发电时间 {cert.generation_start}至{cert.generation_end} 不在核算周期 {period.start}至{period.end} 内",
                )
            )
        if cert.country.upper() != country:
            problems.append((f"issued for {cert.country}, the site is in {country}", f"证书签发地 {cert.country} 与工厂所在地 {country} 不符"))
        dataset = engine.dataset
        if not dataset.has_activity(cert.generation_activity_id) or dataset.activity(cert.generation_activity_id).category != GENERATION_CATEGORY:
            problems.append(
                (
                    f"generation_activity_id {cert.generation_activity_id!r} is not an electricity_generation activity of dataset {dataset.id}",
                    f"发电活动 {cert.generation_activity_id!r} 不是数据集 {dataset.id} 中的发电活动",
                )
            )
        checks.append(CertificateCheck(cert.id, cert.type, cert.quantity * kwh_per_certificate, not problems, tuple(problems)))
    return tuple(checks)


def _coverage(study: Study, engine, location: FootprintResult, checks: tuple[CertificateCheck, ...]) -> ElectricityCoverage:
    dataset = engine.dataset
    # Electricity bought by the site: never a post-gate line (a use stage draws its own grid,
    # which the site's certificates do not cover).
    site_lines = tuple(
        line.path
        for line in location.lines
        if dataset.activity(line.activity_id).category in SWITCHABLE_ELECTRICITY and not is_post_gate(line.stage)
    )
    site_kwh = math.fsum(_kwh(l.activity_amount, l.activity_unit) for l in location.lines if l.path in site_lines)
    volume = study.reference_period.production_volume
    valid = {c.id for c in checks if c.valid}
    by_activity_period: dict[str, float] = {}
    for cert, check in zip(study.electricity.certificates, checks):
        if cert.id in valid:
            by_activity_period[cert.generation_activity_id] = by_activity_period.get(cert.generation_activity_id, 0.0) + check.kwh
    valid_kwh = math.fsum(by_activity_period.values())
    # No stated amount means the claim is the site's whole electricity use in the period.
    claimed = study.electricity.claimed_kwh
    if claimed is None:
        claimed = site_kwh * volume if volume else valid_kwh
    covered = 0.0
    if volume and site_kwh > 0:
        covered = min(site_kwh, valid_kwh / volume, claimed / volume)
    share = covered / site_kwh if site_kwh else 0.0
    by_activity = {a: covered * kwh / valid_kwh for a, kwh in by_activity_period.items()} if valid_kwh else {}
    return ElectricityCoverage(
        site_lines=site_lines,
        site_kwh_per_unit=site_kwh,
        production_volume=volume,
        site_kwh_in_period=site_kwh * volume if volume else None,
        claimed_kwh=claimed,
        valid_certificate_kwh=valid_kwh,
        covered_kwh_per_unit=covered,
        covered_share=share,
        by_activity=by_activity,
        certificates=checks,
    )


def computed_bom(study: Study) -> Bom:
    """The study's BOM as the engine computes it: marked ``recycling_approach: CFF`` when the
    study names the Circular Footprint Formula (``method.recycling_approach``), so that its result,
    its Monte Carlo and its scenarios all carry the CFF rows (footprint.cff); else the BOM as is."""
    if study.method.recycling_approach == CFF and study.bom.recycling_approach != CFF:
        return study.bom.model_copy(update={"recycling_approach": CFF})
    return study.bom


def market_bom(study: Study, coverage: ElectricityCoverage, grid: str | None = None) -> Bom:
    """The study's BOM with each site-electricity leaf split into its grid part and its certified parts.

    The grid part keeps the line (same id, path and uncertainty) with the uncovered kWh; each
    generation activity of the valid certificates gets a sibling line ``<id>@<activity>`` (path
    ``<path>@<activity>``, same parent, so the same multiplier and the same uncertain
    sub-assemblies above it) with its share of the covered kWh, right after the grid part. The
    certified line demands the generation activity itself, so its footprint, and in a Monte Carlo
    run its sampled unit score, is that activity's, never the grid's. A real :class:`Bom` (not
    only leaf lines), so that the Monte Carlo and the scenarios, which walk the tree, can run on
    it; built with ``model_copy`` (no re-validation: the split amounts come from a valid BOM).
    """
    share = coverage.covered_share
    total_covered = math.fsum(coverage.by_activity.values())

    def split(lines: list[BomLine], prefix: str) -> list[BomLine]:
        result: list[BomLine] = []
        for line in lines:
            path = f"{prefix}/{line.id}" if prefix else line.id
            if line.lines:
                result.append(line.model_copy(update={"lines": split(line.lines, path)}))
            elif path not in coverage.site_lines or share <= 0:
                result.append(line)
            else:
                result.append(line.model_copy(update={"amount": line.amount * (1.0 - share)}))
                for activity_id, kwh in coverage.by_activity.items():
                    part = share * kwh / total_covered
                    result.append(line.model_copy(update={"id": f"{line.id}@{activity_id}", "activity_id": activity_id, "amount": line.amount * part}))
        return result

    update: dict[str, Any] = {"lines": split(study.bom.lines, "")}
    if grid is not None:
        update["grid"] = grid
    return computed_bom(study).model_copy(update=update)


def _exclusion_results(study: Study, engine, grid: str | None, method_id: str) -> tuple[ExclusionResult, ...]:
    results = []
    for exclusion in study.exclusions:
        if exclusion.line is None:
            results.append(
                ExclusionResult(
                    id=exclusion.id,
                    kgco2e=float(exclusion.estimated_kgco2e or 0.0),
                    source="declared_estimate",
                    stage="",
                    kind=exclusion.kind,
                )
            )
            continue
        path = f"excluded:{exclusion.id}"
        subset = _LineSet(study.bom.product, study.bom.declared_unit, grid, ((path, exclusion.line, 1.0),))
        result = engine.calculate(subset, grid=grid, method_id=method_id)
        line = result.lines[0]
        results.append(
            ExclusionResult(
                id=exclusion.id,
                kgco2e=result.total_kgco2e,
                source="computed",
                stage=line.stage,
                kind=exclusion.kind,
                activity_id=line.activity_id,
                activity_category=engine.dataset.activity(line.activity_id).category,
                mass_kg=_mass_kg(line, exclusion.line, 1.0),
                energy_mj=energy_mj(line.activity_amount, line.activity_unit),
                by_gas=dict(line.by_gas),
            )
        )
    return tuple(results)


def recompute(
    study: Study,
    engine,
    *,
    accepted_certificate_types: tuple[str, ...] | list[str] = DEFAULT_ACCEPTED_CERTIFICATES,
    kwh_per_certificate: float = KWH_PER_CERTIFICATE,
    gwp_methods: dict[str, str] | None = None,
    value_basis: str = "market_if_claimed",
) -> StudyComputation:
    """The study's results from its BOM with the engine; raises FootprintError for bad inputs."""
    engine = engine_for_study(study, engine)
    grid = study.electricity.grid or study.bom.grid
    method_id = gwp_method_id(study, engine, gwp_methods)
    bom = computed_bom(study)
    location = engine.calculate(bom, grid=grid, method_id=method_id)
    grid = location.grid
    coverage = None
    market = None
    split = None
    if study.electricity.method == "market":
        checks = check_certificates(study, engine, tuple(accepted_certificate_types), kwh_per_certificate)
        coverage = _coverage(study, engine, location, checks)
        split = market_bom(study, coverage, grid)
        market = engine.calculate(split, grid=grid, method_id=method_id)
    leaves = {path: (line, multiplier) for path, line, multiplier in bom.flat_lines()}
    masses = {line.path: _mass_kg(line, *leaves[line.path]) for line in location.lines if not line.is_cff}
    basis = "market" if market is not None and value_basis == "market_if_claimed" else "location"
    return StudyComputation(
        location=location,
        market=market,
        basis=basis,
        exclusions=_exclusion_results(study, engine, grid, method_id),
        coverage=coverage,
        method_id=method_id,
        line_mass_kg=masses,
        location_bom=bom,
        market_bom=split,
    )


def declared_from(computation: StudyComputation) -> DeclaredResults:
    """Declared results as the engine computes them (what a study tool writes into the study)."""
    headline = computation.headline
    dataset = headline.dataset
    return DeclaredResults(
        total_kgco2e=headline.total_kgco2e,
        basis="market" if headline is computation.market else "location",
        location_based_kgco2e=computation.location.total_kgco2e,
        market_based_kgco2e=computation.market.total_kgco2e if computation.market is not None else None,
        by_stage=dict(headline.by_stage),
        by_origin=dict(headline.by_origin),
        aircraft_kgco2e=headline.aircraft_kgco2e,
        packaging_kgco2e=headline.by_stage.get("packaging", 0.0),
        biogenic_co2_kg=headline.biogenic_co2_kg,
        excluded_kgco2e=computation.excluded_kgco2e,
        primary_data_share_pct=computation.primary_data_share_pct(),
        lines={line.path: line.kgco2e for line in computation.location.lines},
        grid=headline.grid,
        method_id=headline.method["id"],
        dataset=DatasetRef(id=dataset["id"], version=dataset["version"], sha256=dataset["sha256"]),
        cff_parameters=CffParametersRef(**headline.recycling["parameters"]) if headline.recycling else None,
    )


def declare_results(study: Study, engine, rule_set=None, **options: Any) -> Study:
    """A copy of the study with ``declared`` set from a fresh recomputation.

    ``rule_set`` (a loaded rule set) is recorded by id, version and content hash, so that a
    verifier re-runs the same version of the rules.
    """
    computation = recompute(study, engine, **options)
    declared = declared_from(computation)
    if rule_set is not None:
        declared = declared.model_copy(update={"rule_set": RuleSetRef(id=rule_set.id, version=rule_set.version, sha256=rule_set.sha256)})
    return study.model_copy(update={"declared": declared})
