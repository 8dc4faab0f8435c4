"""PACT (WBCSD Pathfinder) v3 data exchange: export a footprint, import a supplier's footprint.

Export (:func:`product_footprint`, :func:`pact_json`)
    The headline result of a study (or of a BOM, with company and period given as options) as a
    PACT Technical Specifications 3.0 ``ProductFootprint``. Decimals are strings without exponent
    (the schema's pattern), values are per declared unit, the ``id`` is a UUID derived from the
    study / BOM and dataset hashes (the same study always exports the same id and bytes), and
    ``created`` is the study's report date, not "now". GBA-specific facts (dataset version and
    hash, method, grid, rule set, label certificate, study hash) go into a data model extension
    whose JSON schema is :data:`footprint.exchange.pact_extension.SCHEMA`.

Import (:func:`supplier_activity_from_pact`, :func:`supplier_line`)
    A supplier's PACT footprint (v3, or v2.x field names) becomes a
    :class:`~footprint.exchange.suppliers.SupplierActivity`: a fixed cradle-to-gate footprint per
    unit of the supplier's declared unit, split into fossil / land-use change / biogenic non-CO2.
    :func:`supplier_line` makes the BOM line that uses it (data type primary), and
    :class:`~footprint.exchange.suppliers.SupplierAwareEngine` computes BOMs that contain it.

Mapping notes (what a reader of the export should know):

* ``fossilGhgEmissions`` = the total of flows of fossil origin (including aggregated published
  factors, which the dataset counts as fossil), ``landUseChangeGhgEmissions`` = land-use change,
  ``biogenicNonCO2Emissions`` = biogenic CH4 and similar; they add up to
  ``pcfExcludingBiogenicUptake`` (our total; biogenic CO2 is outside it, 0/0 approach).
* ``biogenicCO2Uptake`` is the study's biogenic removals when given, as a negative number.
* PACT v3 carries cradle-to-gate PCFs only: a result with lines in a stage after the gate
  (distribution, use, end_of_life) is refused with a :class:`~footprint.errors.BoundaryError`
  instead of being exported with a total that is not cradle-to-gate. Export the study without
  those stages (or its cradle-to-gate variant) for PACT.
* ``fossilCarbonContent`` is not computed by the engine: it is taken from the study's product
  property ``fossil_carbon_content_kgc`` when present, else written as 0 and said in ``comment``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .. import units
from ..data_quality import weighted_ratings
from ..dataset import STAGES
from ..bom import POST_GATE_STAGES
from ..errors import BoundaryError, FootprintError, InputError, RowIssue
from ..reports.numbers import plain_decimal
from ..user_json import read_json
from .pact_extension import URN as PACT_EXTENSION_URN
from .suppliers import SupplierActivity

SPEC_VERSION = "3.0.0"
EXTENSION_VERSION = "1.0.0"
# A URN names the extension schema until the project publishes it at a stable URL (PACT asks for
# a URL; a URN is a URI, so the document stays schema-valid). The schema is
# footprint.exchange.pact_extension.SCHEMA.
EXTENSION_SCHEMA = PACT_EXTENSION_URN
ID_NAMESPACE = uuid.UUID("6f1d7c3e-5b0a-5c55-9a47-2b9e0c1d8e21")  # fixed: ids must be reproducible

# PACT declared units ↔ our canonical units (amounts converted exactly through footprint.units).
PACT_UNITS = {
    "kg": "kilogram",
    "L": "liter",
    "m3": "cubic meter",
    "kWh": "kilowatt hour",
    "MJ": "megajoule",
    "tkm": "ton kilometer",
    "m2": "square meter",
    "piece": "piece",
}
FROM_PACT_UNITS = {value: key for key, value in PACT_UNITS.items()}
PACT_V2_UNITS = {"kilogram": "kg", "liter": "L", "cubic meter": "m3", "kilowatt hour": "kWh", "megajoule": "MJ", "ton kilometer": "tkm", "square meter": "m2"}
GTIN = re.compile(r"^\d{8}$|^\d{12,14}$")


def is_gtin(code: str) -> bool:
    """A GTIN-8/12/13/14 with its GS1 check digit right (weights 3, 1 from the digit before
    the check digit leftwards). A product code of that length with a wrong check digit is the
    applicant's own code, not a GTIN: exporting it as ``urn:gtin`` would name another product."""
    if not GTIN.match(code):
        return False
    digits = [int(c) for c in code]
    weighted = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits[:-1])))
    return (10 - weighted % 10) % 10 == digits[-1]


@dataclass(frozen=True)
class PactOptions:
    """What a BOM alone cannot say (a study says it itself; options then override it)."""

    company_name: str | None = None
    company_ids: tuple[str, ...] = ()
    product_ids: tuple[str, ...] = ()
    product_description: str | None = None
    reference_period: tuple[date, date] | None = None
    created: date | None = None
    geography: str | None = None  # ISO 3166-2 subdivision ("CN-GD") or ISO 3166-1 country ("HK")
    comment: str = ""
    extra_extension_data: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- export


def _urn_part(text: str) -> str:
    return quote(text.strip(), safe="-._~!$&'()*+,;=@")


def _company_ids(study: Any, name: str) -> list[str]:
    if study is not None and study.applicant.credit_code.strip():
        return [f"urn:pact:gba-footprint:company-id:uscc:{_urn_part(study.applicant.credit_code)}"]
    return [f"urn:pact:gba-footprint:company-id:name:{_urn_part(name)}"]


def _product_ids(study: Any, product_name: str) -> list[str]:
    ids = []
    if study is not None:
        code = study.product.code.strip()
        if code and is_gtin(code):
            ids.append(f"urn:gtin:{code}")
        elif code:
            ids.append(f"urn:pact:gba-footprint:product-id:{_urn_part(code)}")
        for model in [study.product.model, *study.product.family_models]:
            if model.strip():
                ids.append(f"urn:pact:gba-footprint:product-model:{_urn_part(model)}")
    if not ids:
        ids.append(f"urn:pact:gba-footprint:product-name:{_urn_part(product_name)}")
    return list(dict.fromkeys(ids))


def _timestamp(day: date) -> str:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _declared_unit(bom: Any) -> tuple[str, float]:
    """(PACT unit name, amount) of the BOM's declared unit, converting e.g. t → kilogram."""
    declared = bom.declared_unit
    unit = declared.unit
    if unit in PACT_UNITS:
        return PACT_UNITS[unit], declared.quantity
    dimension = units.dimension_of(unit)
    for ours, theirs in PACT_UNITS.items():
        if units.dimension_of(ours) == dimension:
            return theirs, units.convert(declared.quantity, unit, ours)
    raise FootprintError(
        f"the declared unit {declared} has no PACT equivalent (PACT declares per {', '.join(PACT_UNITS.values())})"
    )


def _geography(source: Any, options: PactOptions) -> dict[str, str]:
    candidates = [options.geography or ""]
    if source.study is not None:
        candidates.append(source.study.site.region)
    dataset = source.dataset
    if dataset is not None and dataset.has_activity(source.result.grid):
        candidates.append(dataset.activity(source.result.grid).geography)
    for text in candidates:
        text = (text or "").strip().upper()
        if not text:
            continue
        parts = text.split("-")
        if len(parts) >= 2 and re.fullmatch(r"[A-Z]{2}", parts[0]) and re.fullmatch(r"[A-Z0-9]{1,3}", parts[1]):
            return {"geographyCountrySubdivision": f"{parts[0]}-{parts[1]}"}
        if re.fullmatch(r"[A-Z]{2}", text):
            return {"geographyCountry": text}
    return {}


def _ipcc_sets(method: Mapping[str, Any]) -> list[str]:
    found = re.search(r"ar(\d+)", str(method.get("id", "")) + " " + str(method.get("name", "")), re.IGNORECASE)
    return [f"AR{found.group(1)}"] if found else ["AR6"]


def _dqi(source: Any) -> dict[str, str] | None:
    """Emission-weighted DQRs over the rated lines, when the study rates all three aspects."""
    ratings = weighted_ratings(source.study, source.result.lines)
    if ratings is None or not ratings.complete:
        return None
    return {
        "technologicalDQR": plain_decimal(round(ratings.averages["technological"], 2)),
        "geographicalDQR": plain_decimal(round(ratings.averages["geographical"], 2)),
        "temporalDQR": plain_decimal(round(ratings.averages["temporal"], 2)),
    }


def _decimal(value: float, *, non_negative: bool = False) -> str:
    """A PACT decimal string; tiny negative noise (-1e-18) on a ≥ 0 field becomes 0."""
    if non_negative and value < 0:
        if value > -1e-9:
            value = 0.0
        else:
            raise FootprintError(f"a PACT field that must be ≥ 0 would be {value!r}")
    return plain_decimal(value + 0.0)


def _mass_kg(source: Any) -> float:
    from ..reports.content import _mass_per_declared_unit

    mass = _mass_per_declared_unit(source)
    if not mass:
        raise FootprintError(
            "PACT needs the product mass per declared unit: give the declared unit in pieces with "
            "mass_kg_per_piece, in a mass unit, or set product.mass_kg_per_unit in the study"
        )
    return mass


def _stable_id(source: Any) -> str:
    """A UUID that changes whenever the footprint's inputs change, and only then."""
    digest = hashlib.sha256()
    if source.study is not None:
        digest.update(b"study\0" + source.study.sha256().encode())
    else:
        digest.update(b"bom\0" + json.dumps(source.bom.model_dump(mode="json"), sort_keys=True, ensure_ascii=False).encode())
    for suppl in source.suppliers:
        digest.update(b"\0supplier\0" + json.dumps(suppl.__dict__, sort_keys=True, default=str).encode())
    result = source.result
    digest.update(f"\0{result.dataset.get('sha256', '')}\0{result.method.get('id', '')}\0{result.grid}".encode())
    return str(uuid.uuid5(ID_NAMESPACE, digest.hexdigest()))


def refuse_post_gate(result: Any) -> None:
    """Raise a BoundaryError when the result holds stages after the gate (PACT v3 is cradle-to-gate)."""
    stages = [s for s in POST_GATE_STAGES if s in result.by_stage]
    if stages:
        paths = [line.path for line in result.lines if line.stage in stages]
        raise BoundaryError(
            f"PACT v3 exchanges cradle-to-gate footprints only; this result includes stage(s) after the gate: "
            f"{', '.join(stages)} (lines {', '.join(paths)}). Export a cradle-to-gate study (without those stages) for PACT."
        )


def _cff_note(result: Any) -> str:
    """The disclosure of a PCF computed with the Circular Footprint Formula. Only its material part
    can be here (the end of life is after the gate, refused above); the PACT comment field asks
    for areas where the calculation does not align with the PACT Methodology, and its section
    3.3.2.2 governs recycling inside the cradle-to-gate boundary."""
    rows = [line for line in result.lines if line.is_cff]
    change = math.fsum(line.kgco2e for line in rows)
    parameters = result.recycling.get("parameters", {})
    shares = "; ".join(
        f"{material}: R1 {plain_decimal(round(values['R1'], 6))}" for material, values in sorted(result.recycling.get("materials", {}).items()) if values.get("R1") is not None
    )
    return (
        "Recycled content is counted with the Circular Footprint Formula (Commission Recommendation (EU) 2021/2279, "
        f"material part), not with the background dataset's cut-off approach: it changes the total by "
        f"{plain_decimal(round(change, 9))} kg CO2e ({len(rows)} CFF row(s); {shares}; parameters {parameters.get('file')} "
        f"sha256 {parameters.get('sha256')}). Stated as a possible disalignment with PACT Methodology 3.3.2.2."
    )


def product_footprint(source: Any, options: PactOptions | None = None) -> dict[str, Any]:
    """The PACT v3 ``ProductFootprint`` of a :class:`~footprint.reports.inputs.ReportInput`."""
    options = options or PactOptions()
    result, study, bom = source.result, source.study, source.bom
    missing = []
    company = options.company_name or (study.applicant.name if study is not None else None)
    if not company:
        missing.append("company name (--company)")
    period = options.reference_period or ((study.reference_period.start, study.reference_period.end) if study is not None else None)
    if period is None:
        missing.append("reference period (--period START/END)")
    if missing:
        raise FootprintError(f"a PACT footprint of a BOM needs: {'; '.join(missing)} (a study file carries them)")
    assert company is not None and period is not None
    refuse_post_gate(result)
    created = options.created or source.report_date() or period[1]
    product_name = (study.product.name if study is not None else "") or result.product or bom.product
    unit_name, unit_amount = _declared_unit(bom)
    total = result.total_kgco2e
    origin = result.by_origin
    fossil = origin.get("fossil", 0.0)
    luc = origin.get("land_use_change", 0.0)
    biogenic = origin.get("biogenic", 0.0)
    removals = study.biogenic.removals_kgco2e if study is not None else None
    fossil_carbon = None
    if study is not None and "fossil_carbon_content_kgc" in study.product.properties:
        fossil_carbon = float(study.product.properties["fossil_carbon_content_kgc"])
    notes = [
        f"Cradle-to-gate footprint computed with gba-footprint from background dataset "
        f"{result.dataset.get('id')} {result.dataset.get('version')} (sha256 {result.dataset.get('sha256')}), "
        f"{result.method.get('name')}, site grid {result.grid}.",
        "Biogenic CO2 emissions are not in the total (0/0 approach); "
        f"{plain_decimal(round(result.biogenic_co2_kg, 9))} kg biogenic CO2 per declared unit.",
    ]
    computation = source.computation
    if computation is not None and computation.market is not None:
        notes.append(
            f"Electricity: {'market' if computation.basis == 'market' else 'location'}-based headline; "
            f"location-based total {plain_decimal(round(computation.location.total_kgco2e, 9))} kg CO2e."
        )
    if result.recycling:
        notes.append(_cff_note(result))
    if fossil_carbon is None:
        notes.append("Fossil carbon content was not assessed and is reported as 0.")
    if options.comment:
        notes.append(options.comment)
    included = [s for s in STAGES if s in result.by_stage]
    excluded_stages = [f"{e.stage} ({e.reason})" if e.reason else e.stage for e in (study.boundary.excluded if study is not None else [])]
    boundary = "Cradle-to-gate (raw material acquisition to the factory gate). Stages: " + ", ".join(included) + "."
    if excluded_stages:
        boundary += " Excluded: " + "; ".join(excluded_stages) + "."
    pcf: dict[str, Any] = {
        "declaredUnitOfMeasurement": unit_name,
        "declaredUnitAmount": _decimal(unit_amount),
        "productMassPerDeclaredUnit": _decimal(_mass_kg(source)),
        "referencePeriodStart": _timestamp(period[0]),
        "referencePeriodEnd": _timestamp(period[1]),
        **_geography(source, options),
        "boundaryProcessesDescription": boundary,
        "pcfExcludingBiogenicUptake": _decimal(total),
        "pcfIncludingBiogenicUptake": _decimal(total - (removals or 0.0)),
        "fossilCarbonContent": _decimal(fossil_carbon or 0.0, non_negative=True),
        "fossilGhgEmissions": _decimal(fossil, non_negative=True),
        "landUseChangeGhgEmissions": _decimal(luc, non_negative=True),
        "biogenicNonCO2Emissions": _decimal(biogenic, non_negative=True),
        "aircraftGhgEmissions": _decimal(result.aircraft_kgco2e, non_negative=True),
        "packagingEmissionsIncluded": "packaging" not in {e.stage for e in (study.boundary.excluded if study is not None else [])},
        "ipccCharacterizationFactors": _ipcc_sets(result.method),
        "crossSectoralStandards": ["ISO14067"],
        "exemptedEmissionsPercent": "0",
        "primaryDataShare": _decimal(100.0 * math.fsum(l.kgco2e for l in result.lines if l.data_type == "primary") / total if total else 0.0),
        "secondaryEmissionFactorSources": [
            {
                "name": (source.dataset.title if source.dataset is not None else "") or str(result.dataset.get("id")),
                "version": str(result.dataset.get("version")),
            }
        ],
    }
    if pcf["packagingEmissionsIncluded"]:
        pcf["packagingGhgEmissions"] = _decimal(result.by_stage.get("packaging", 0.0), non_negative=True)
    if study is not None and study.biogenic.carbon_content_kgc is not None:
        pcf["biogenicCarbonContent"] = _decimal(study.biogenic.carbon_content_kgc)
    if removals is not None:
        pcf["biogenicCO2Uptake"] = _decimal(-removals) if removals else "0"
    standard = (study.method.standard if study is not None else "") or ""
    if "24067" in standard:
        pcf["crossSectoralStandards"].append(standard.strip())
    rule_names = [n for n in ((study.method.pcr_id if study is not None else ""), _rule_set_name(source)) if n]
    if rule_names:
        pcf["productOrSectorSpecificRules"] = [
            {"operator": "Other", "ruleNames": list(dict.fromkeys(rule_names)), "otherOperatorName": "GBA carbon footprint label scheme"}
        ]
    if computation is not None and computation.exclusions:
        complete = computation.complete_kgco2e
        pcf["exemptedEmissionsPercent"] = _decimal(round(100.0 * computation.excluded_kgco2e / complete, 6) if complete else 0.0)
        pcf["exemptedEmissionsDescription"] = "; ".join(
            f"{e.id}: {plain_decimal(round(e.kgco2e, 9))} kg CO2e ({e.source})" for e in computation.exclusions
        )
    if study is not None and study.allocation:
        pcf["allocationRulesDescription"] = "; ".join(f"{a.process}: {a.method} {a.basis}".strip() for a in study.allocation)
    else:
        pcf["allocationRulesDescription"] = "No allocation: all inputs are attributed to the declared product."
    if result.recycling:
        pcf["allocationRulesDescription"] += " Recycled content: Circular Footprint Formula, material part (see comment)."
    dqi = _dqi(source)
    if dqi:
        pcf["dqi"] = dqi
    if study is not None and (study.verification.body.name or study.verification.body.name_zh):
        verification: dict[str, Any] = {
            "coverage": "product level",
            "providerName": study.verification.body.name or study.verification.body.name_zh,
            "standardName": standard or "GB/T 24067-2024",
        }
        done = study.verification.site_visit_date or (study.certification.issue_date if study.certification else None)
        if done:
            verification["completedAt"] = _timestamp(done)
        pcf["verification"] = verification
    footprint: dict[str, Any] = {
        "id": _stable_id(source),
        "specVersion": SPEC_VERSION,
        "created": _timestamp(created),
        "status": "Active",
    }
    validity = _validity(source)
    if validity is not None:
        footprint["validityPeriodStart"] = _timestamp(validity[0])
        footprint["validityPeriodEnd"] = _timestamp(validity[1])
    footprint.update(
        {
            "companyName": company,
            "companyIds": list(options.company_ids) or _company_ids(study, company),
            "productDescription": options.product_description
            or ((study.product.description if study is not None else "") or f"{product_name}, per {bom.declared_unit}"),
            "productIds": list(options.product_ids) or _product_ids(study, product_name),
            "productNameCompany": product_name,
            "comment": " ".join(notes),
            "pcf": pcf,
            "extensions": [
                {
                    "specVersion": EXTENSION_VERSION,
                    "dataSchema": EXTENSION_SCHEMA,
                    "data": _extension_data(source, options),
                }
            ],
        }
    )
    if study is not None and study.product.category:
        footprint["productClassifications"] = [f"urn:pact:productclassification:gba:{_urn_part(study.product.category)}"]
    return footprint


def _validity(source: Any) -> tuple[date, date] | None:
    """The certificate's validity (the label module fills in the expiry when the study has none);
    without a certificate PACT's default applies (3 years after the reference period)."""
    label = source.label
    if label is not None and label.certified and label.issued and label.expires:
        return label.issued, label.expires
    certification = source.study.certification if source.study is not None else None
    if certification is not None and certification.issue_date and certification.expiry_date:
        return certification.issue_date, certification.expiry_date
    return None


def _rule_set_name(source: Any) -> str:
    if source.evaluation is not None:
        return f"{source.evaluation.rule_set.get('id')}@{source.evaluation.rule_set.get('version')}"
    if source.rule_set is not None:
        return f"{source.rule_set.id}@{source.rule_set.version}"
    return ""


def _extension_data(source: Any, options: PactOptions) -> dict[str, Any]:
    """The GBA facts a PACT recipient cannot read from the standard fields."""
    result, study = source.result, source.study
    data: dict[str, Any] = {
        "dataset": {"id": result.dataset.get("id"), "version": result.dataset.get("version"), "sha256": result.dataset.get("sha256")},
        "method": {"id": result.method.get("id"), "sha256": result.method.get("sha256", "")},
        "grid": result.grid,
        "totalKgCO2e": plain_decimal(result.total_kgco2e),
        "biogenicCO2Kg": plain_decimal(result.biogenic_co2_kg),
    }
    computation = source.computation
    if computation is not None:
        data["electricity"] = {
            "basis": computation.basis,
            "locationBasedKgCO2e": plain_decimal(computation.location.total_kgco2e),
        }
        if computation.market is not None:
            data["electricity"]["marketBasedKgCO2e"] = plain_decimal(computation.market.total_kgco2e)
    if study is not None:
        data["study"] = {"id": study.study_id, "sha256": study.sha256()}
    rule_set = source.evaluation.rule_set if source.evaluation is not None else (source.rule_set.describe() if source.rule_set is not None else None)
    if rule_set:
        data["ruleSet"] = {k: rule_set.get(k) for k in ("id", "version", "sha256") if rule_set.get(k)}
    if source.evaluation is not None:
        data["evaluation"] = {"status": source.evaluation.status, "date": source.evaluation.evaluation_date}
    label = source.label
    if label is not None and label.certified:
        certificate: dict[str, Any] = {"number": label.certificate_no, "labelValue": label.value_text, "labelUnit": label.unit_text}
        if label.body:
            certificate["body"] = label.body
        if label.issued:
            certificate["issueDate"] = label.issued.isoformat()
        if label.expires:
            certificate["expiryDate"] = label.expires.isoformat()
        data["certificate"] = certificate
    if source.suppliers:
        data["supplierFootprints"] = [
            {"activityId": a.id, "pactId": a.pact_id, "supplier": a.supplier, "kgCO2ePerUnit": plain_decimal(a.kgco2e_per_unit), "unit": a.unit}
            for a in source.suppliers
        ]
    data.update(options.extra_extension_data)
    return data


def pact_json(source: Any, options: PactOptions | None = None) -> bytes:
    """The footprint as PACT JSON bytes (UTF-8, indented, fixed key order)."""
    return (json.dumps(product_footprint(source, options), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def export_json(subject: Any, engine: Any = None, options: PactOptions | None = None, **prepare: Any) -> bytes:
    """PACT JSON of a study or a BOM in one call (``prepare`` goes to ``prepare_report``).

    For the web app and scripts; a BOM needs ``options`` with company name and reference period.
    """
    from ..reports.inputs import prepare_report

    return pact_json(prepare_report(subject, engine, **prepare), options)


# ---------------------------------------------------------------- import


def read_pact(source: str | Path | bytes | Mapping[str, Any]) -> dict[str, Any]:
    """A PACT footprint from a path, bytes or parsed JSON (a ``{"data": [...]}`` API response with
    exactly one footprint is unwrapped)."""
    name = "PACT footprint"
    if isinstance(source, Mapping):
        data: Any = dict(source)
    else:
        if isinstance(source, (str, Path)):
            name = Path(source).name
            try:
                raw = Path(source).read_bytes()
            except OSError as error:
                raise InputError(issues=[RowIssue(f"cannot read the file: {error.strerror}", "无法读取文件")], source=name) from None
        else:
            raw = bytes(source)
        data = read_json(raw, name)
    if isinstance(data, Mapping) and isinstance(data.get("data"), list) and "pcf" not in data:
        if len(data["data"]) != 1:
            raise InputError(issues=[RowIssue(f"the response holds {len(data['data'])} footprints; import one at a time", "文件包含多个碳足迹，请逐个导入")], source=name)
        data = data["data"][0]
    if not isinstance(data, Mapping) or not isinstance(data.get("pcf"), Mapping):
        raise InputError(issues=[RowIssue("not a PACT ProductFootprint (no 'pcf' object)", "不是 PACT 产品碳足迹（缺少 pcf）")], source=name)
    return dict(data)


def _number(pcf: Mapping[str, Any], names: tuple[str, ...], *, required: bool, issues: list[RowIssue]) -> float | None:
    for name in names:
        if name in pcf and pcf[name] is not None:
            value = pcf[name]
            try:
                number = float(Decimal(str(value)))
            except (InvalidOperation, ValueError):
                issues.append(RowIssue(f"pcf.{name} is not a decimal number", f"pcf.{name} 不是数字", field=f"pcf.{name}", value=str(value)))
                return None
            if not math.isfinite(number):
                issues.append(RowIssue(f"pcf.{name} must be finite", f"pcf.{name} 必须为有限数值", field=f"pcf.{name}", value=str(value)))
                return None
            return number
    if required:
        issues.append(RowIssue(f"pcf.{names[0]} is missing", f"缺少 pcf.{names[0]}", field=f"pcf.{names[0]}"))
    return None


def supplier_activity_from_pact(
    source: str | Path | bytes | Mapping[str, Any],
    activity_id: str | None = None,
    *,
    name_zh: str = "",
    stage: str = "purchased_parts",
) -> SupplierActivity:
    """A supplier's PACT footprint as a supplier activity (footprint per 1 unit of its unit).

    Refused with a located :class:`~footprint.errors.InputError`: a deprecated footprint (PACT:
    it SHOULD NOT be used), a declared unit we cannot convert (hour, megabit second), a negative
    or missing footprint, parts that exceed the total.
    """
    document = read_pact(source)
    pcf = document["pcf"]
    issues: list[RowIssue] = []
    if document.get("status") == "Deprecated":
        issues.append(RowIssue("this PACT footprint is Deprecated: ask the supplier for the active version", "该 PACT 碳足迹已被弃用，请向供应商索取现行版本", field="status", value="Deprecated"))
    unit_name = pcf.get("declaredUnitOfMeasurement", pcf.get("declaredUnit"))
    unit = FROM_PACT_UNITS.get(str(unit_name)) or PACT_V2_UNITS.get(str(unit_name))
    if unit is None:
        issues.append(RowIssue(f"declared unit {unit_name!r} cannot be used in a BOM (use one of {', '.join(FROM_PACT_UNITS)})", f"声明单位 {unit_name!r} 无法用于物料清单", field="pcf.declaredUnitOfMeasurement", value=str(unit_name)))
    amount = _number(pcf, ("declaredUnitAmount", "unitaryProductAmount"), required=True, issues=issues)
    total = _number(pcf, ("pcfExcludingBiogenicUptake", "pCfExcludingBiogenic"), required=True, issues=issues)
    luc = _number(pcf, ("landUseChangeGhgEmissions", "dLucGhgEmissions"), required=False, issues=issues) or 0.0
    biogenic = _number(pcf, ("biogenicNonCO2Emissions",), required=False, issues=issues) or 0.0
    aircraft = _number(pcf, ("aircraftGhgEmissions",), required=False, issues=issues) or 0.0
    mass = _number(pcf, ("productMassPerDeclaredUnit",), required=False, issues=issues)
    if amount is not None and amount <= 0:
        issues.append(RowIssue("declaredUnitAmount must be > 0", "声明单位数量必须大于 0", field="pcf.declaredUnitAmount", value=str(amount)))
    if total is not None and total < 0:
        issues.append(
            RowIssue(
                "pcfExcludingBiogenicUptake is negative (technological removals): a BOM line cannot carry a negative footprint",
                "碳足迹为负值（技术移除），不能作为物料清单行",
                field="pcf.pcfExcludingBiogenicUptake",
                value=str(total),
            )
        )
    if total is not None and total >= 0 and min(luc, biogenic, aircraft) < 0:
        issues.append(RowIssue("emission parts must not be negative", "分项排放不能为负值", field="pcf"))
    if total is not None and total >= 0 and luc + biogenic > total * (1 + 1e-9) + 1e-12:
        issues.append(RowIssue("land-use change and biogenic non-CO2 emissions exceed the footprint", "土地利用变化与生物源非 CO2 排放之和超过总量", field="pcf"))
    name = str(document.get("productNameCompany") or document.get("productDescription") or "").strip()
    if not name:
        issues.append(RowIssue("productNameCompany is missing", "缺少 productNameCompany", field="productNameCompany"))
    if issues:
        raise InputError(issues=issues, source=str(document.get("id", "PACT footprint")))
    assert unit is not None and amount is not None and total is not None
    pact_id = str(document.get("id", ""))
    fossil = max(total - luc - biogenic, 0.0)
    per = 1.0 / amount
    period = f"{str(pcf.get('referencePeriodStart') or '')[:10]}..{str(pcf.get('referencePeriodEnd') or '')[:10]}".strip(".")
    return SupplierActivity(
        id=activity_id or f"PACT-{pact_id[:8] or hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()[:8]}",
        name=name,
        name_zh=name_zh,
        unit=unit,
        kgco2e_per_unit=total * per,
        supplier=str(document.get("companyName", "")),
        fossil_kgco2e=fossil * per,
        land_use_change_kgco2e=luc * per,
        biogenic_kgco2e=biogenic * per,
        aircraft_kgco2e=aircraft * per,
        mass_kg_per_unit=mass * per if mass else None,
        stage=stage,
        source=f"PACT {document.get('specVersion', '')} footprint {pact_id}".strip(),
        reference_period=period,
        pact_id=pact_id,
    )


def supplier_line(
    activity: SupplierActivity,
    line_id: str,
    amount: float,
    unit: str | None = None,
    *,
    stage: str | None = None,
    description: str = "",
    mass_kg_per_piece: float | None = None,
) -> Any:
    """The BOM line that uses a supplier activity (primary data: the supplier measured it)."""
    from ..bom import BomLine

    return BomLine(
        id=line_id,
        activity_id=activity.id,
        amount=amount,
        unit=unit or activity.unit,
        stage=stage or activity.stage,
        data_type="primary",
        description=description or f"{activity.name} ({activity.supplier}); {activity.source}",
        mass_kg_per_piece=mass_kg_per_piece,
    )


def add_supplier_line(bom: Any, line: Any) -> Any:
    """A copy of ``bom`` with ``line`` appended at the top level, validated again (ids unique)."""
    from ..bom import bom_from_data

    data = bom.model_dump(mode="json")
    data["lines"].append(line.model_dump(mode="json"))
    return bom_from_data(data, source="BOM with supplier line")
