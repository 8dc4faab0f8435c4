"""A complete, compliant footprint study on the hand-checkable dataset tests/data/study.

Hand calculation (kg CO2e per lamp, grid GRID-GD 0.5/kWh):
  HOUSING 0.3 kg x 12        = 3.6      (raw_materials, secondary)
  DRIVER  1 piece x 2         = 2.0      (purchased_parts, primary: supplier-specific data)
  ELEC    2 kWh x 0.5         = 1.0      (manufacturing_energy, primary)
  GAS     0.05 m3 x 2.0298    = 0.10149  (manufacturing_energy, primary)
  TRUCK   0.4 kg x 200 km     = 0.008    (0.08 tkm x 0.1)
  BOX     0.1 kg x 1          = 0.1      (packaging)
  SCRAP   0.02 kg x 0.5       = 0.01     (production_waste)
  total                       = 6.81949
Excluded: screws 0.004 kg x 2 = 0.008 (0.117 % of 6.82749); glue, declared estimate 0.002.
Market-based variant: 200 GECs (200,000 kWh) for 100,000 lamps cover the 2 kWh per lamp, which
then cost 2 x 0.05 = 0.1 instead of 1.0: market-based total 5.91949.
"""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
STUDY_DATASET = TESTS / "data" / "study"
EVALUATION_DATE = date(2025, 6, 30)
LOCATION_TOTAL = 6.81949
MARKET_TOTAL = 5.91949
EXCLUDED = 0.008 + 0.002


def lamp_study_data() -> dict:
    """Raw JSON data of the compliant study (declared results are added by ``build_study``)."""
    return copy.deepcopy(_LAMP)


_LAMP = {
    "schema_version": "1",
    "study_id": "TEST-LAMP-2024",
    "title": "Aluminium LED downlight, cradle-to-gate",
    "applicant": {
        "name": "Test Lighting Co., Ltd.",
        "name_zh": "测试照明有限公司",
        "credit_code": "91440300TEST00001X",
        "data_management_since": "2023-06-01",
    },
    "product": {
        "name": "LED downlight 12 W",
        "name_zh": "12瓦LED筒灯",
        "model": "DL-12W-A",
        "category": "led_lamp",
        "mass_kg_per_unit": 0.38,
    },
    "site": {"id": "SZ-01", "name": "Bao'an plant", "name_zh": "宝安工厂", "address": "1 Test Road, Bao'an, Shenzhen", "city": "Shenzhen", "region": "CN-GD"},
    "method": {"standard": "GB/T 24067-2024", "pcr_id": "GBA-GENERAL", "gwp_set": "AR6", "recycling_approach": "cut_off"},
    "bom": {
        "product": "LED downlight 12 W",
        "declared_unit": {"quantity": 1, "unit": "piece", "mass_kg_per_piece": 0.38},
        "lines": [
            {"id": "HOUSING", "activity_id": "HOUSING", "amount": 0.3, "unit": "kg", "stage": "raw_materials"},
            {"id": "DRIVER", "activity_id": "DRIVER", "amount": 1, "unit": "piece", "mass_kg_per_piece": 0.1, "stage": "purchased_parts", "data_type": "primary"},
            {"id": "ELEC", "activity_id": "ELEC-SITE", "amount": 2, "unit": "kWh", "stage": "manufacturing_energy", "data_type": "primary"},
            {"id": "GAS", "activity_id": "GAS-COMB", "amount": 0.05, "unit": "m3", "stage": "manufacturing_energy", "data_type": "primary"},
            {"id": "TRUCK", "activity_id": "TRUCK", "amount": 0.4, "unit": "kg", "distance_km": 200, "stage": "inbound_transport"},
            {"id": "BOX", "activity_id": "PAPER", "amount": 0.1, "unit": "kg", "stage": "packaging"},
            {"id": "SCRAP", "activity_id": "WASTE", "amount": 0.02, "unit": "kg", "stage": "production_waste", "data_type": "primary"},
        ],
    },
    "boundary": {
        "type": "cradle-to-gate",
        "stages": ["raw_materials", "purchased_parts", "manufacturing_energy", "inbound_transport", "packaging", "production_waste"],
        "diagram_ref": "Report TL-CFP-2025-01, figure 1",
        "excluded": [{"stage": "process_emissions", "reason": "no process emissions at the site (no refrigerant, no SF6 switchgear)"}],
    },
    "reference_period": {"start": "2024-01-01", "end": "2024-12-31", "production_volume": 100000},
    "exclusions": [
        {
            "id": "SCREWS",
            "description": "four steel screws",
            "reason": "below 1 % by mass and emissions",
            "kind": "material",
            "line": {"id": "SCREWS", "activity_id": "SCREW", "amount": 0.004, "unit": "kg", "stage": "purchased_parts"},
        },
        {
            "id": "GLUE",
            "description": "thermal paste",
            "reason": "below 1 %; no dataset activity",
            "kind": "material",
            "estimated_kgco2e": 0.002,
            "estimate_basis": "1 g at 2 kg CO2e/kg (supplier declaration)",
        },
    ],
    "lines": {
        "HOUSING": {"technological": 2, "temporal": 1, "geographical": 2, "source": "supplier data sheet"},
        "DRIVER": {"technological": 2, "temporal": 2, "geographical": 1, "source": "supplier declaration"},
        "ELEC": {"technological": 1, "temporal": 1, "geographical": 1, "site_controlled": True, "source": "electricity meter 2024"},
        "GAS": {"technological": 1, "temporal": 1, "geographical": 1, "site_controlled": True, "source": "gas invoices 2024"},
        "SCRAP": {"site_controlled": True, "source": "waste manifests 2024"},
    },
    "dqr_scale": [1, 3],
    "electricity": {"method": "location"},
    "biogenic": {"carbon_content_kgc": 0.04, "removals_kgco2e": 0.0},
    "offsets_kgco2e": 0,
    "interpretation": {
        "significant_lines": ["HOUSING", "DRIVER", "ELEC"],
        "uncertainty_method": "Monte Carlo on dataset GSDs (1,000 runs)",
        "uncertainty_result": "95 % interval 5.9-7.9 kg CO2e",
        "sensitivity": ["grid factor +/-10 %", "housing mass +/-5 %"],
        "limitations": "cradle-to-gate only; use and end of life not included",
    },
    "report": {"ref": "TL-CFP-2025-01", "title": "Carbon footprint report DL-12W-A"},
    "verification": {
        "body": {"name": "Test Certification Ltd.", "name_zh": "测试认证有限公司", "id": "CB-TEST", "accreditation_ref": "GBA-CB-TEST-01"},
        "level": "reasonable",
        "site_visit_date": "2025-03-12",
        "statement_ref": "VS-2025-0042",
        "surveillance_plan": "annual surveillance audit",
        "surveillance_interval_months": 12,
    },
    "certification": {"certificate_no": "GBA-CFP-2025-0042", "issue_date": "2025-04-01"},
}


def market_study_data(certificates: float = 200, claimed_kwh: float | None = 200_000) -> dict:
    """The lamp with a market-based claim backed by ``certificates`` PV GECs."""
    data = lamp_study_data()
    data["electricity"] = {
        "method": "market",
        "claimed_kwh": claimed_kwh,
        "certificates": [
            {
                "id": "GEC-2024-0001",
                "type": "GEC",
                "quantity": certificates,
                "technology": "solar_pv",
                "generation_activity_id": "PV-GEN",
                "generation_start": "2024-01-01",
                "generation_end": "2024-12-31",
                "retired_for": "Test Lighting Co., Ltd.",
                "retired_on": "2025-01-15",
                "country": "CN",
            }
        ],
    }
    return data


# The lamp's chain re-declared as a battery pack per 1 kWh of rated energy, with the three stages
# after the gate in its boundary. Hand calculation (kg CO2e per declared unit, GRID-GD 0.5/kWh):
#   gate stages as the lamp                                 = 6.81949
#     raw_materials 3.6 + purchased_parts 2.0 + inbound_transport 0.008 = 5.608
#     manufacturing_energy 1.10149 + packaging 0.1 + production_waste 0.01 = 1.21149
#   DIST  TRUCK 0.4 kg x 500 km = 0.2 tkm x 0.1              = 0.02   (distribution)
#   USE   GRID-GD 10 kWh x 0.5                              = 5.0    (use)
#   EOL   WASTE 0.38 kg x 0.5                               = 0.19   (end_of_life)
#   total                                                   = 12.02949
BATTERY_RATED_KWH = 5.0
BATTERY_SERVICE_LIFE_KWH = 10_000.0
BATTERY_BY_STAGE = {"raw_materials": 3.6, "purchased_parts": 2.0, "inbound_transport": 0.008, "manufacturing_energy": 1.10149, "packaging": 0.1, "production_waste": 0.01, "distribution": 0.02, "use": 5.0, "end_of_life": 0.19}
BATTERY_POST_GATE_LINES = [
    {"id": "DIST", "activity_id": "TRUCK", "amount": 0.4, "unit": "kg", "distance_km": 500, "stage": "distribution"},
    {"id": "USE", "activity_id": "GRID-GD", "amount": 10, "unit": "kWh", "stage": "use"},
    {"id": "EOL", "activity_id": "WASTE", "amount": 0.38, "unit": "kg", "stage": "end_of_life"},
]


def battery_study_data(post_gate: bool = True) -> dict:
    """The lamp's chain as a battery pack per 1 kWh rated (5 kWh rated, 10,000 kWh over its life)."""
    data = lamp_study_data()
    data["study_id"] = "TEST-BATTERY-2024"
    data["product"].update(
        category="lithium_ion_battery_pack",
        properties={"rated_energy_kwh": BATTERY_RATED_KWH, "cell_chemistry": "LFP", "service_life_energy_kwh": BATTERY_SERVICE_LIFE_KWH},
    )
    data["method"]["pcr_id"] = "GBA-PCR-LIB-PACK"
    data["bom"]["declared_unit"] = {"quantity": 1, "unit": "kWh"}
    if post_gate:
        data["bom"]["lines"].extend(copy.deepcopy(BATTERY_POST_GATE_LINES))
        data["boundary"]["stages"] += ["distribution", "use", "end_of_life"]
        data["product"]["properties"]["service_life_years"] = 10
    return data


# A supplier's PACT v3 footprint (tests/test_study_suppliers.py, the web form's PACT tests):
# 12 kg CO2e per 2 kg = 6 kg CO2e per kg, of which land-use change 0.5 / 2 = 0.25 per kg.
SUPPLIER_FOOTPRINT = {
    "id": "5c0a7e11-2222-4b4b-8c8c-0123456789ab",
    "specVersion": "3.0.0",
    "created": "2025-01-31T00:00:00Z",
    "status": "Active",
    "companyName": "Coating Supplier Ltd.",
    "companyIds": ["urn:company:example:coatings"],
    "productDescription": "powder-coated reflector",
    "productIds": ["urn:pact:example.com:product-id:reflector"],
    "productNameCompany": "Coated reflector",
    "validityPeriodStart": "2025-01-31T00:00:00Z",
    "validityPeriodEnd": "2099-01-31T00:00:00Z",
    "pcf": {
        "declaredUnitOfMeasurement": "kilogram",
        "declaredUnitAmount": "2",
        "productMassPerDeclaredUnit": "2",
        "referencePeriodStart": "2024-01-01T00:00:00Z",
        "referencePeriodEnd": "2024-12-31T00:00:00Z",
        "pcfExcludingBiogenicUptake": "12",
        "pcfIncludingBiogenicUptake": "12",
        "fossilCarbonContent": "0",
        "fossilGhgEmissions": "11.5",
        "landUseChangeGhgEmissions": "0.5",
        "ipccCharacterizationFactors": ["AR6"],
        "crossSectoralStandards": ["ISO14067"],
        "exemptedEmissionsPercent": "0",
    },
}
SUPPLIER_PER_KG = 6.0
SUPPLIER_LUC_PER_KG = 0.25


def supplier_footprint(**changes) -> dict:
    """A copy of :data:`SUPPLIER_FOOTPRINT` with top-level fields changed."""
    return {**copy.deepcopy(SUPPLIER_FOOTPRINT), **copy.deepcopy(changes)}


# The battery study computed with the Circular Footprint Formula (method.recycling_approach CFF).
# Test parameters (tests/data/cff/study-test.yaml): aluminium = AL (Ev, 10 /kg) and AL-REC
# (Erecycled, 1 /kg), A 0.2, Qsin/Qp 1, Qsout/Qp 0.9 (tag E); SCRAP-RECYC (0.1 /kg) is a recycling
# route. Changes to the battery study: HOUSING states R1 0.5; a line ALU of 0.05 kg AL-REC; the
# end of life is EOL 0.18 kg WASTE (disposal) + EOL-REC 0.2 kg SCRAP-RECYC (recycling, aluminium).
# Hand calculation (kg CO2e per declared unit):
#   cut-off lines: battery 12.02949 + ALU 0.05 x 1 - EOL 0.2 kg x 0.5 + EOL-REC 0.2 x 0.1 = 11.99949
#   HOUSING/cff-material: 0.3 kg housing x 1.1 kg AL/kg = 0.33 kg aluminium, all virgin as
#     modelled (v 1.1, r 0), R1 0.5 from the line:
#     Ev   0.3 x (1.1 x ((1 - 0.5) + 0.5 x 0.8 x 1) - 1.1) = -0.033 kg x 10 = -0.33
#     Erec 0.3 x (1.1 x 0.5 x 0.2 - 0)                    =  0.033 kg x 1  =  0.033   row -0.297 (credit)
#   ALU/cff-material: 0.05 kg, all recycled as modelled (v 0, r 1), so R1 = 1:
#     Ev   0.05 x (1 x (0 + 1 x 0.8 x 1) - 0) = 0.04 kg x 10 =  0.4
#     Erec 0.05 x (1 x 1 x 0.2 - 1)           = -0.04 kg x 1  = -0.04            row  0.36 (burden)
#   EOL-REC/cff-end-of-life: a = 0.2 kg, (1 - A)(ErecyclingEoL - Ev Qsout/Qp) - cut-off line:
#     SCRAP-RECYC -0.2 x 0.2 = -0.04 kg x 0.1 = -0.004; AL-REC 0.8 x 0.2 = 0.16 kg x 1 = 0.16;
#     AL -0.8 x 0.9 x 0.2 = -0.144 kg x 10 = -1.44                             row -1.284 (credit)
#   total = 11.99949 - 0.297 + 0.36 - 1.284 = 10.77849
#   raw_materials 3.6 + 0.05 - 0.297 + 0.36 = 3.713; end_of_life 0.09 + 0.02 - 1.284 = -1.174
#   aluminium: 0.33 + 0.05 = 0.38 kg, recycled content 0.165 + 0.05 = 0.215 kg (R1 0.215 / 0.38),
#   0.2 kg to recycling at end of life (R2 0.2 / 0.38)
CFF_TOTAL = 10.77849
CFF_ROWS = {"HOUSING/cff-material": -0.297, "ALU/cff-material": 0.36, "EOL-REC/cff-end-of-life": -1.284}
CFF_BY_STAGE = {**BATTERY_BY_STAGE, "raw_materials": 3.713, "end_of_life": -1.174}


def cff_battery_study_data(post_gate: bool = True) -> dict:
    """The battery study with recycled aluminium, computed with the CFF (see the arithmetic above)."""
    data = battery_study_data(post_gate)
    data["study_id"] = "TEST-BATTERY-CFF-2024"
    data["method"]["recycling_approach"] = "CFF"
    lines = data["bom"]["lines"]
    lines[0]["cff"] = {"R1": 0.5}
    lines.insert(1, {"id": "ALU", "activity_id": "AL-REC", "amount": 0.05, "unit": "kg", "stage": "raw_materials"})
    if post_gate:
        lines[-1]["amount"] = 0.18
        lines.append({"id": "EOL-REC", "activity_id": "SCRAP-RECYC", "amount": 0.2, "unit": "kg", "stage": "end_of_life", "cff": {"material": "aluminium"}})
    return data


def build_study(engine, data: dict | None = None, declare: bool = True):
    """A Study from raw data, with declared results from the engine (as a study tool writes them)."""
    from footprint.study import study_from_data
    from footprint.study_compute import declare_results

    study = study_from_data(lamp_study_data() if data is None else data)
    return declare_results(study, engine) if declare else study


@pytest.fixture(scope="session")
def study_dataset():
    from footprint.dataset import load_dataset

    return load_dataset(STUDY_DATASET)


@pytest.fixture(scope="session")
def study_engine(study_dataset):
    from footprint.background import open_background
    from footprint.engine import FootprintEngine

    return FootprintEngine(open_background(study_dataset))


@pytest.fixture(scope="session")
def general_rules():
    from footprint.rules import load_rule_set

    return load_rule_set("gba-general")
