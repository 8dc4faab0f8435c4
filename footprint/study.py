"""A footprint study: the BOM, the engine's results and the facts a certifier needs.

Why a model of its own: the label rules judge a *study*, not a BOM. A certification body needs
to know which product model and plant the number is for, which standard and product rule were
followed, what was left out and why, how good the data are, how electricity was counted and
with which certificates, and who verified it. All of that lives here, saved as one JSON file
with a ``schema_version``, hashed canonically so that the label's QR code can prove which study
it was issued for.

The model accepts what a user *claims* with light validation (types, dates in order, amounts
not negative); whether the claims satisfy the scheme is decided by the rule engine
(``footprint.rules``), which recomputes the numbers with the engine (``footprint.study_compute``)
instead of trusting declared values.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_serializer, model_validator
from pydantic_core import PydanticCustomError

from .bom import CFF, POST_GATE_STAGES, Bom, BomLine, _omit_unset, bom_from_data
from .errors import InputError, RowIssue
from .user_json import read_json

SCHEMA_VERSION = "1"
MAX_STUDY_BYTES = 20 * 1024 * 1024


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Organisation(_Model):
    """The applicant (manufacturer) that holds the certificate."""

    name: str = Field(min_length=1)
    name_zh: str = ""
    credit_code: str = ""  # unified social credit code (统一社会信用代码)
    data_management_since: date | None = None  # start of its footprint data management system


class Site(_Model):
    """The manufacturing site (plant): a certificate covers one model made at one site."""

    id: str = ""
    name: str = ""
    name_zh: str = ""
    address: str = ""
    city: str = ""
    region: str = ""  # ISO 3166-2 subdivision, e.g. CN-GD, HK, MO


class Product(_Model):
    name: str = Field(min_length=1)
    name_zh: str = ""
    model: str = ""
    category: str = ""  # product category id, matched against rule sets' product_categories
    code: str = ""  # GTIN or the applicant's product code
    family_models: list[str] = []  # further models claimed under the same certificate
    mass_kg_per_unit: float | None = Field(None, gt=0)  # product mass per declared unit
    properties: dict[str, str | float | int | bool] = {}  # e.g. rated_energy_kwh, cell_chemistry
    description: str = ""

    def positive_number(self, name: str) -> float | None:
        """The property ``name`` when it is a finite number > 0, else None (absent, text, zero...)."""
        value = self.properties.get(name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            return None
        return float(value)


class MethodChoice(_Model):
    standard: str = ""  # "GB/T 24067-2024" or "ISO 14067:2018"
    pcr_id: str = ""  # product category rule / rule-set PCR id the study follows
    gwp_set: str = "AR6"
    # cut_off | recycled_content | CFF | PCR_defined. Only CFF changes the computation (the
    # Circular Footprint Formula rows, footprint.cff); the others are computed as the dataset's
    # cut-off system, and results say so (FootprintResult.recycling_approach).
    recycling_approach: str = ""


class StageExclusion(_Model):
    """A life-cycle stage (or process category such as capital goods) left out, with why."""

    stage: str = Field(min_length=1)
    reason: str = ""


class Boundary(_Model):
    """The system boundary. ``type`` names the cradle-to-gate baseline; the optional stages after
    the gate (distribution, use, end_of_life) are in only when ``stages`` lists them."""

    type: str = "cradle-to-gate"
    stages: list[str] = []
    diagram_ref: str = ""  # reference of the boundary diagram in the report
    description: str = ""
    excluded: list[StageExclusion] = []


class ReferencePeriod(_Model):
    start: date
    end: date
    production_volume: float | None = Field(None, gt=0)  # declared units made in the period

    @model_validator(mode="after")
    def _ordered(self) -> ReferencePeriod:
        if self.end < self.start:
            raise ValueError(f"reference period ends ({self.end}) before it starts ({self.start})")
        return self


class Exclusion(_Model):
    """A flow left out of the footprint.

    Give ``line`` (an activity and an amount per declared unit) so the engine computes what was
    cut off; fall back to ``estimated_kgco2e`` (per declared unit, with ``estimate_basis``) only
    when no activity of the dataset fits.
    """

    id: str = Field(min_length=1)
    description: str = ""
    reason: str = ""
    kind: str = ""  # material | energy | process_emission | transport | packaging | waste | capital_goods | other
    line: BomLine | None = None
    estimated_kgco2e: float | None = Field(None, ge=0)
    estimate_basis: str = ""

    @model_validator(mode="after")
    def _one_way_to_quantify(self) -> Exclusion:
        if self.line is None and self.estimated_kgco2e is None:
            raise ValueError("an exclusion needs a line (activity + amount) or, when no activity fits, estimated_kgco2e")
        if self.line is not None and self.estimated_kgco2e is not None:
            raise ValueError("give either a line or estimated_kgco2e, not both (the engine computes the line)")
        if self.line is not None and self.line.lines:
            raise ValueError("an exclusion line must be a single activity, not a sub-assembly")
        if self.line is not None and self.line.stage is None:
            raise ValueError("an exclusion line needs a stage")
        return self

    @property
    def stage(self) -> str:
        return self.line.stage.value if self.line is not None and self.line.stage is not None else ""


class LineFacts(_Model):
    """What a certifier needs per BOM line: data-quality ratings, site control, data source.

    Ratings use the study's ``dqr_scale`` (1 = best). ``site_controlled`` overrides the rule
    set's default (lines in the site-controlled stages).
    """

    technological: float | None = None
    temporal: float | None = None
    geographical: float | None = None
    site_controlled: bool | None = None
    source: str = ""


class Certificate(_Model):
    """Renewable-electricity attribute certificates, retired for the applicant.

    ``quantity`` counts certificates; one Chinese green electricity certificate (GEC) stands for
    1 MWh (1,000 kWh). ``generation_activity_id`` is the dataset activity whose life-cycle factor
    covered kWh switch to (a PV or wind generation activity), never zero.
    """

    id: str = Field(min_length=1)
    type: str = "GEC"  # GEC | green_power | IREC | ...
    quantity: float = Field(gt=0)
    technology: str = ""
    generation_activity_id: str = Field(min_length=1)
    generation_start: date
    generation_end: date
    retired_for: str = ""
    retired_on: date | None = None
    country: str = "CN"

    @model_validator(mode="after")
    def _ordered(self) -> Certificate:
        if self.generation_end < self.generation_start:
            raise ValueError("generation_end is before generation_start")
        return self


class Electricity(_Model):
    method: Literal["location", "market"] = "location"
    grid: str | None = None  # location-based grid activity (default: the BOM's grid, else the dataset's)
    claimed_kwh: float | None = Field(None, ge=0)  # site kWh in the period claimed as renewable
    certificates: list[Certificate] = []


class Allocation(_Model):
    process: str = Field(min_length=1)
    method: str = ""  # subdivision | system_expansion | physical | economic
    basis: str = ""
    justification: str = ""
    physical_not_suitable: str = ""  # why no physical relationship could be used (economic only)
    sensitivity_delta_pct: float | None = None
    sensitivity_reported: bool = False


class Biogenic(_Model):
    carbon_content_kgc: float | None = Field(None, ge=0)  # kg C per declared unit
    removals_kgco2e: float | None = Field(None, ge=0)


class Interpretation(_Model):
    significant_lines: list[str] = []  # BOM line paths named as hotspots in the report
    uncertainty_method: str = ""
    uncertainty_result: str = ""
    sensitivity: list[str] = []
    limitations: str = ""


class Report(_Model):
    ref: str = ""  # document number of the footprint report
    title: str = ""


class Body(_Model):
    name: str = ""
    name_zh: str = ""
    id: str = ""
    accreditation_ref: str = ""  # admission to the GBA scheme / CNCA approval reference


class Verification(_Model):
    body: Body = Body()
    level: str = ""  # limited | reasonable
    site_visit_date: date | None = None
    statement_ref: str = ""
    surveillance_plan: str = ""
    surveillance_interval_months: int | None = Field(None, gt=0)
    verified_total_kgco2e: float | None = None


class Certification(_Model):
    certificate_no: str = ""
    issue_date: date | None = None
    expiry_date: date | None = None


class PreviousCertificate(_Model):
    certificate_no: str = ""
    total_kgco2e: float = Field(gt=0)  # certified value per declared unit
    pcr_id: str = ""
    gwp_set: str = ""
    issue_date: date | None = None
    recertification_started: bool = False


class CarbonNeutralClaim(_Model):
    credits_retired_kgco2e: float = Field(0.0, ge=0)  # for the reference period's production
    registry_ref: str = ""
    reduction_plan_ref: str = ""


class Claims(_Model):
    reduction: bool = False
    low_carbon: bool = False
    carbon_neutral: CarbonNeutralClaim | None = None


class DatasetRef(_Model):
    id: str
    version: str
    sha256: str


class RuleSetRef(_Model):
    """The rule set a study was checked against, so a verifier re-runs that exact version."""

    id: str
    version: str
    sha256: str = ""


class CffParametersRef(_Model):
    """The CFF parameter file a Circular Footprint Formula result was computed with (it lives
    outside the dataset's hash), so a verifier recomputes with the same defaults."""

    file: str
    sha256: str = Field(pattern="^[0-9a-f]{64}$")


class DeclaredResults(_Model):
    """The results as declared in the study (per declared unit); rules compare them with a
    recomputation, they never take them on trust."""

    total_kgco2e: float
    basis: Literal["location", "market"] = "location"
    location_based_kgco2e: float
    market_based_kgco2e: float | None = None
    by_stage: dict[str, float] = {}
    by_origin: dict[str, float] = {}
    aircraft_kgco2e: float | None = None
    packaging_kgco2e: float | None = None
    biogenic_co2_kg: float | None = None
    excluded_kgco2e: float = 0.0
    primary_data_share_pct: float | None = None
    lines: dict[str, float] = {}
    grid: str = ""
    method_id: str = ""
    dataset: DatasetRef | None = None
    rule_set: RuleSetRef | None = None
    cff_parameters: CffParametersRef | None = None  # set for a CFF result only

    @model_serializer(mode="wrap")
    def _omit_unset_cff_parameters(self, handler: Any) -> Any:
        return _omit_unset(handler(self), "cff_parameters", self.cff_parameters)


class SupplierFootprint(_Model):
    """A supplier's PACT ProductFootprint, kept verbatim, that BOM lines draw by ``activity_id``.

    Why the whole document: it is the supplier's claim (id, status, validity, company), and
    the number a line uses is read from it by :func:`footprint.exchange.pact.supplier_activity_from_pact`
    (per unit of the supplier's declared unit) every time the study is computed, so a verifier
    sees and recomputes exactly what the applicant used. Refused when that reader refuses it
    (deprecated, a unit a BOM cannot use, a negative footprint...).
    """

    activity_id: str = Field(min_length=1, max_length=64)
    pact: dict[str, Any]

    @model_validator(mode="after")
    def _readable(self) -> SupplierFootprint:
        self.activity()
        return self

    def activity(self) -> Any:
        """The footprint as a :class:`~footprint.exchange.suppliers.SupplierActivity`."""
        from .exchange.pact import supplier_activity_from_pact

        try:
            return supplier_activity_from_pact(self.pact, self.activity_id)
        except InputError as error:
            raise PydanticCustomError(
                "supplier_footprint",
                "{message}",
                {
                    "message": "; ".join(f"{i.field}: {i.message}" if i.field else i.message for i in error.issues),
                    "message_zh": "；".join(f"{i.field}：{i.message_zh}" if i.field else i.message_zh for i in error.issues),
                },
            ) from None


class Study(_Model):
    schema_version: Literal["1"] = SCHEMA_VERSION
    study_id: str = Field(min_length=1)
    title: str = ""
    applicant: Organisation
    product: Product
    site: Site = Site()
    method: MethodChoice = MethodChoice()
    bom: Bom
    boundary: Boundary = Boundary()
    reference_period: ReferencePeriod
    exclusions: list[Exclusion] = []
    lines: dict[str, LineFacts] = {}
    dqr_scale: tuple[int, int] = (1, 3)
    electricity: Electricity = Electricity()
    allocation: list[Allocation] = []
    biogenic: Biogenic = Biogenic()
    offsets_kgco2e: float = 0.0
    offsets_description: str = ""
    interpretation: Interpretation = Interpretation()
    report: Report = Report()
    verification: Verification = Verification()
    certification: Certification = Certification()
    previous_certificate: PreviousCertificate | None = None
    claims: Claims = Claims()
    declared: DeclaredResults | None = None
    suppliers: list[SupplierFootprint] = []  # suppliers' PACT footprints drawn by BOM lines

    @field_validator("schema_version", mode="before")
    @classmethod
    def _version(cls, value: Any) -> Any:
        if str(value) != SCHEMA_VERSION:
            raise ValueError(f"unsupported study schema_version {value!r}; this version reads {SCHEMA_VERSION!r}")
        return str(value)

    @model_validator(mode="after")
    def _references(self) -> Study:
        leaves = {path for path, _, _ in self.bom.flat_lines()}
        unknown = sorted(set(self.lines) - leaves)
        if unknown:
            raise ValueError(f"lines: {', '.join(map(repr, unknown))} are not leaf line paths of the BOM (known: {', '.join(sorted(leaves))})")
        ids = [e.id for e in self.exclusions]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"exclusions: duplicate id(s) {', '.join(duplicates)}")
        supplier_ids = [s.activity_id for s in self.suppliers]
        duplicates = sorted({i for i in supplier_ids if supplier_ids.count(i) > 1})
        if duplicates:
            raise PydanticCustomError(
                "duplicate_supplier",
                "suppliers: activity id(s) {ids} given to two supplier footprints",
                {"ids": ", ".join(duplicates), "message_zh": f"suppliers：活动编号 {', '.join(duplicates)} 对应了两个供应商碳足迹"},
            )
        self._recycling_consistent()
        outside = [(path, line.stage.value) for path, line, _ in self.bom.flat_lines() if line.stage is not None and line.stage.value in POST_GATE_STAGES and line.stage.value not in self.boundary.stages]
        if outside:
            listed = ", ".join(f"{path} ({stage})" for path, stage in outside)
            stages = ", ".join(sorted({stage for _, stage in outside}))
            raise PydanticCustomError(
                "post_gate_outside_boundary",
                "bom: line(s) {lines} are after the factory gate but the boundary does not include {stages}; add the stage(s) to boundary.stages or remove the lines (cradle-to-gate is the default)",
                {"lines": listed, "stages": stages, "message_zh": f"物料清单行 {listed} 属于出厂后阶段，但系统边界未包含 {stages}；请将其加入 boundary.stages 或删除这些行（默认为从摇篮到大门）"},
            )
        return self

    @model_serializer(mode="wrap")
    def _without_empty_suppliers(self, handler: Any) -> dict[str, Any]:
        """No ``suppliers`` key when there are none: a study without supplier footprints keeps
        the JSON, and so the hash, it had before studies could carry them."""
        data = handler(self)
        if not self.suppliers:
            data.pop("suppliers", None)
        return data

    def _recycling_consistent(self) -> None:
        """The BOM computes what ``method.recycling_approach`` names: CFF values (``cff`` on a
        line, a BOM marked CFF) only in a study naming CFF, never ignored under cut-off."""
        approach = self.method.recycling_approach
        marked = self.bom.recycling_approach
        if marked is not None and (marked == CFF) != (approach == CFF):
            raise PydanticCustomError(
                "recycling_approach_mismatch",
                "bom.recycling_approach is {marked} but method.recycling_approach is {approach}; they must agree (set the method, the BOM follows it)",
                {"marked": marked, "approach": approach or "(not stated)", "message_zh": f"bom.recycling_approach 为 {marked}，但 method.recycling_approach 为 {approach or '（未声明）'}；两者须一致"},
            )
        lines = [path for path, line, _ in self.bom.flat_lines() if line.cff is not None]
        if lines and approach != CFF:
            listed = ", ".join(lines)
            raise PydanticCustomError(
                "cff_values_without_cff",
                "bom: line(s) {lines} carry cff values but method.recycling_approach is {approach}; name CFF or remove them (they would be ignored)",
                {"lines": listed, "approach": approach or "(not stated)", "message_zh": f"物料清单行 {listed} 填写了 cff 参数，但 method.recycling_approach 为 {approach or '（未声明）'}；请改为 CFF 或删除这些参数"},
            )

    # ---------------------------------------------------------------- convenience

    def supplier_activities(self) -> tuple[Any, ...]:
        """The suppliers' footprints as supplier activities (footprint.exchange.suppliers)."""
        return tuple(entry.activity() for entry in self.suppliers)

    @property
    def declared_unit_text(self) -> str:
        return str(self.bom.declared_unit)

    def leaf_paths(self) -> list[str]:
        return [path for path, _, _ in self.bom.flat_lines()]

    def facts(self, path: str) -> LineFacts:
        return self.lines.get(path, LineFacts())

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, indent=indent)

    def canonical_json(self) -> bytes:
        """The bytes that are hashed: sorted keys, no whitespace, UTF-8, shortest float repr."""
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def sha256(self) -> str:
        return hashlib.sha256(self.canonical_json()).hexdigest()


# ------------------------------------------------------------------ reading and writing


def _issues(error: ValidationError) -> list[RowIssue]:
    issues = []
    for item in error.errors(include_url=False):
        field = ".".join(str(part) for part in item["loc"]) or None
        context = item.get("ctx") or {}
        message = str(context.get("message") or item["msg"]).removeprefix("Value error, ")
        value = item.get("input")
        shown = value if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None
        issues.append(
            RowIssue(
                message=message,
                message_zh=str(context.get("message_zh") or "研究数据格式不正确"),
                field=field,
                value=None if shown is None else str(shown),
            )
        )
    return issues


def study_from_data(data: Any, source: str | None = None) -> Study:
    """Validate raw JSON data into a :class:`Study`, or raise an InputError listing every problem."""
    if not isinstance(data, dict):
        raise InputError(issues=[RowIssue("a study must be a JSON object", "研究文件应为 JSON 对象")], source=source)
    issues: list[RowIssue] = []
    bom: Bom | None = None
    if "bom" in data:
        try:
            bom = bom_from_data(data["bom"], source=source)
        except InputError as error:
            for issue in error.issues:
                field = f"bom.{issue.field}" if issue.field else "bom"
                issues.append(
                    RowIssue(issue.message, issue.message_zh, row=issue.row, line_id=issue.line_id, field=field, value=issue.value)
                )
    payload = dict(data)
    bom_reported = "bom" in data and bom is None
    if bom is not None:
        payload["bom"] = bom
    elif bom_reported:
        del payload["bom"]  # its problems are listed above, row by row
    try:
        study = Study.model_validate(payload)
    except ValidationError as error:
        issues.extend(i for i in _issues(error) if not (bom_reported and (i.field or "").split(".")[0] == "bom"))
    else:
        if not issues:
            return study
    raise InputError(issues=issues, source=source)


def load_study(path: str | Path) -> Study:
    """Read a study JSON file; every problem is reported with its field path."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InputError(issues=[RowIssue(f"cannot read the study file: {error.strerror}", "无法读取研究文件")], source=str(path)) from None
    if len(raw) > MAX_STUDY_BYTES:
        raise InputError(issues=[RowIssue(f"the study file is larger than {MAX_STUDY_BYTES // 2**20} MB", "研究文件过大")], source=str(path))
    return study_from_data(read_json(raw, str(path)), source=str(path))


def save_study(study: Study, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(study.to_json() + "\n", encoding="utf-8")
    return path
