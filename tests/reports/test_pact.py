"""PACT v3 export validated against the published schema; supplier PACT import as a BOM line."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from footprint.errors import FootprintError, InputError

from ..pact_schema import PACT_DIR, schema_validator

DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@pytest.fixture(scope="module")
def pact_validator():
    return schema_validator("ProductFootprint")


def assert_valid(validator, document: dict) -> None:
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors)
    for key in ("created", "validityPeriodStart", "validityPeriodEnd"):
        if key in document:
            assert DATE_TIME.match(document[key]), key
    for key in ("referencePeriodStart", "referencePeriodEnd"):
        assert DATE_TIME.match(document["pcf"][key]), key
    uuid.UUID(document["id"])


def assert_extension_valid(document: dict) -> dict:
    from jsonschema import Draft202012Validator

    from footprint.exchange.pact_extension import SCHEMA, URN

    (extension,) = document["extensions"]
    assert extension["dataSchema"] == URN
    Draft202012Validator.check_schema(SCHEMA)
    errors = list(Draft202012Validator(SCHEMA).iter_errors(extension["data"]))
    assert not errors, [e.message for e in errors]
    return extension["data"]


def test_the_reference_examples_validate(pact_validator):
    for name in ("example-1.json", "example-2.json"):
        assert_valid(pact_validator, json.loads((PACT_DIR / name).read_text(encoding="utf-8")))


def test_study_export_validates_and_carries_the_gba_facts(pact_validator, study_report):
    from footprint.exchange.pact import pact_json, product_footprint

    document = product_footprint(study_report)
    assert_valid(pact_validator, document)
    pcf = document["pcf"]
    result = study_report.result
    assert Decimal(pcf["pcfExcludingBiogenicUptake"]) == Decimal(repr(result.total_kgco2e))
    parts = sum(Decimal(pcf[k]) for k in ("fossilGhgEmissions", "landUseChangeGhgEmissions", "biogenicNonCO2Emissions"))
    assert float(parts) == pytest.approx(result.total_kgco2e, rel=1e-12)
    assert pcf["declaredUnitOfMeasurement"] == "piece" and pcf["declaredUnitAmount"] == "1"
    assert pcf["productMassPerDeclaredUnit"] == "0.38"
    assert pcf["referencePeriodStart"] == "2024-01-01T00:00:00Z" and pcf["geographyCountrySubdivision"] == "CN-GD"
    assert pcf["ipccCharacterizationFactors"] == ["AR6"]
    assert Decimal(pcf["exemptedEmissionsPercent"]) > 0  # screws and glue were cut off
    assert pcf["dqi"]["technologicalDQR"]
    assert pcf["verification"]["providerName"] == "Test Certification Ltd."
    assert document["created"] == "2025-04-01T00:00:00Z"  # the issue date, not today
    assert document["validityPeriodEnd"].startswith("2027-03-31")
    assert document["companyIds"] == ["urn:pact:gba-footprint:company-id:uscc:91440300TEST00001X"]
    data = assert_extension_valid(document)
    assert data["certificate"]["number"] == "GBA-CFP-2025-0042" and data["certificate"]["labelValue"] == "5.92"
    assert data["study"]["sha256"] == study_report.study.sha256()
    assert data["electricity"]["basis"] == "market"
    assert Decimal(data["electricity"]["locationBasedKgCO2e"]) > Decimal(data["totalKgCO2e"])
    assert data["ruleSet"]["id"] == "gba-general"
    assert pact_json(study_report) == pact_json(study_report)  # same study, same bytes and id


def test_bom_export_needs_company_and_period(pact_validator, study_engine):
    from footprint.bom import bom_from_data
    from footprint.exchange.pact import PactOptions, product_footprint
    from footprint.reports.inputs import prepare_report

    bom = bom_from_data({"product": "Housing", "declared_unit": "2 t", "lines": [{"id": "H", "activity_id": "HOUSING", "amount": 2000, "unit": "kg", "stage": "raw_materials"}]})
    source = prepare_report(bom, study_engine)
    with pytest.raises(FootprintError, match="company name.*reference period"):
        product_footprint(source)
    document = product_footprint(source, PactOptions(company_name="Test 公司", reference_period=(date(2024, 1, 1), date(2024, 6, 30))))
    assert_valid(pact_validator, document)
    assert document["pcf"]["declaredUnitOfMeasurement"] == "kilogram"
    assert document["pcf"]["declaredUnitAmount"] == "2000"  # 2 t written in PACT's kilogram
    assert document["pcf"]["productMassPerDeclaredUnit"] == "2000"
    assert_extension_valid(document)


def _supplier_document(total: str = "12", amount: str = "2", unit: str = "kilogram", **pcf_extra) -> dict:
    return {
        "id": "0b1d4c1e-1111-4a4a-9b9b-123456789abc",
        "specVersion": "3.0.0",
        "created": "2025-01-31T00:00:00Z",
        "status": "Active",
        "companyName": "Cell Supplier Ltd.",
        "companyIds": ["urn:company:example:cells"],
        "productDescription": "LFP cells",
        "productIds": ["urn:pact:example.com:product-id:cell-280"],
        "productNameCompany": "LFP cell 280 Ah",
        "pcf": {
            "declaredUnitOfMeasurement": unit,
            "declaredUnitAmount": amount,
            "productMassPerDeclaredUnit": "2",
            "referencePeriodStart": "2024-01-01T00:00:00Z",
            "referencePeriodEnd": "2024-12-31T00:00:00Z",
            "pcfExcludingBiogenicUptake": total,
            "pcfIncludingBiogenicUptake": total,
            "fossilCarbonContent": "0",
            "fossilGhgEmissions": "11",
            "landUseChangeGhgEmissions": "0.5",
            "biogenicNonCO2Emissions": "0.5",
            "aircraftGhgEmissions": "0.2",
            "ipccCharacterizationFactors": ["AR6"],
            "crossSectoralStandards": ["ISO14067"],
            "exemptedEmissionsPercent": "0",
            **pcf_extra,
        },
    }


def test_supplier_document_used_here_is_valid_pact(pact_validator):
    assert_valid(pact_validator, _supplier_document())


def test_import_gives_a_footprint_per_unit_split_by_origin():
    from footprint.exchange.pact import supplier_activity_from_pact

    activity = supplier_activity_from_pact(json.dumps(_supplier_document()).encode(), "SUP-CELL")
    assert activity.unit == "kg" and activity.kgco2e_per_unit == pytest.approx(6.0)
    assert activity.fossil == pytest.approx(5.5) and activity.land_use_change_kgco2e == pytest.approx(0.25)
    assert activity.biogenic_kgco2e == pytest.approx(0.25) and activity.aircraft_kgco2e == pytest.approx(0.1)
    assert activity.mass_kg_per_unit == pytest.approx(1.0)
    assert activity.supplier == "Cell Supplier Ltd." and activity.pact_id.startswith("0b1d4c1e")
    default = supplier_activity_from_pact(_supplier_document())
    assert default.id == "PACT-0b1d4c1e"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": "Deprecated"}, "Deprecated"),
        ({"pcf": {"declaredUnitOfMeasurement": "hour"}}, "cannot be used in a BOM"),
        ({"pcf": {"pcfExcludingBiogenicUptake": "-1"}}, "negative"),
        ({"pcf": {"declaredUnitAmount": "0"}}, "must be > 0"),
        ({"pcf": {"pcfExcludingBiogenicUptake": "NaN"}}, "must be finite"),
        ({"pcf": {"pcfExcludingBiogenicUptake": "twelve"}}, "not a decimal"),
    ],
)
def test_import_refuses_what_cannot_be_a_bom_line(change, message):
    from footprint.exchange.pact import supplier_activity_from_pact

    document = _supplier_document()
    for key, value in change.items():
        if isinstance(value, dict):
            document[key].update(value)
        else:
            document[key] = value
    with pytest.raises(InputError, match=message):
        supplier_activity_from_pact(document)


def test_round_trip_our_export_back_as_a_supplier_activity(study_report):
    from footprint.exchange.pact import product_footprint, supplier_activity_from_pact

    activity = supplier_activity_from_pact(product_footprint(study_report), "LAMP")
    assert activity.unit == "piece"
    assert activity.kgco2e_per_unit == pytest.approx(study_report.result.total_kgco2e, rel=1e-12)
    assert activity.mass_kg_per_unit == pytest.approx(0.38)


def test_a_result_with_stages_after_the_gate_is_refused(study_engine):
    """PACT v3 carries cradle-to-gate PCFs: a study with distribution/use/end-of-life lines is
    refused with a BoundaryError naming the stages and lines, never exported with a larger total."""
    from footprint.errors import BoundaryError
    from footprint.exchange.pact import product_footprint
    from footprint.reports.inputs import prepare_report

    from ..study_fixtures import EVALUATION_DATE, battery_study_data, build_study

    report = prepare_report(build_study(study_engine, battery_study_data()), study_engine, evaluation_date=EVALUATION_DATE, evaluate_rules=False)
    with pytest.raises(BoundaryError, match=r"cradle-to-gate footprints only.*distribution, use, end_of_life \(lines DIST, USE, EOL\)"):
        product_footprint(report)
    gate_only = prepare_report(build_study(study_engine, battery_study_data(post_gate=False)), study_engine, evaluation_date=EVALUATION_DATE, evaluate_rules=False)
    assert Decimal(product_footprint(gate_only)["pcf"]["pcfExcludingBiogenicUptake"]) == pytest.approx(Decimal("6.81949"), rel=Decimal("1e-9"))


@pytest.mark.parametrize(
    "code, expected",
    [
        ("4006381333931", "urn:gtin:4006381333931"),  # EAN-13, check digit 1
        ("96385074", "urn:gtin:96385074"),  # EAN-8
        ("036000291452", "urn:gtin:036000291452"),  # UPC-A
        ("4006381333932", "urn:pact:gba-footprint:product-id:4006381333932"),  # check digit wrong: the applicant's code
        ("ACME-LAMP-9", "urn:pact:gba-footprint:product-id:ACME-LAMP-9"),
    ],
)
def test_only_a_gtin_with_its_check_digit_is_exported_as_urn_gtin(study_report, code, expected):
    from footprint.exchange.pact import product_footprint

    study = study_report.study.model_copy(update={"product": study_report.study.product.model_copy(update={"code": code})})
    document = product_footprint(type(study_report)(**{**study_report.__dict__, "study": study}))
    assert document["productIds"][0] == expected
