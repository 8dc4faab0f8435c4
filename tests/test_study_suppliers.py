"""A study that carries a supplier's PACT footprint (``Study.suppliers``): computed, judged,
reported, exported and simulated with the supplier line, and saved and read back verbatim.

Hand calculation on the hand-checkable dataset (tests/study_fixtures.py), kg CO2e per lamp:
  the lamp study, location-based                       6.81949
  the lamp study, market-based (200 PV certificates)   5.91949
  COATING 0.05 kg of the supplier's coated part:
    footprint 12 kg CO2e per 2 kg = 6 kg CO2e / kg      0.05 x 6 = 0.3
    of which land-use change 0.5 / 2 = 0.25 / kg        0.05 x 0.25 = 0.0125
  with COATING: location 7.11949, market 6.21949
"""

from __future__ import annotations

import copy
import io
import json

import pytest

from footprint.errors import InputError

from .study_fixtures import (  # noqa: F401
    EVALUATION_DATE,
    LOCATION_TOTAL,
    MARKET_TOTAL,
    SUPPLIER_FOOTPRINT,
    SUPPLIER_LUC_PER_KG,
    SUPPLIER_PER_KG,
    build_study,
    market_study_data,
    study_dataset,
    study_engine,
)

COATING_KG, PER_KG, LUC_PER_KG = 0.05, SUPPLIER_PER_KG, SUPPLIER_LUC_PER_KG
TOL = 1e-9  # relative: sums of a handful of float64 products
SUPPLIER = SUPPLIER_FOOTPRINT


def _with_supplier(data: dict, document: dict | None = None, **line) -> dict:
    data = copy.deepcopy(data)
    data["bom"]["lines"].append({"id": "COATING", "activity_id": "SUP-COAT", "amount": COATING_KG, "unit": "kg", "stage": "purchased_parts", "data_type": "primary", **line})
    data["suppliers"] = [{"activity_id": "SUP-COAT", "pact": copy.deepcopy(document or SUPPLIER)}]
    return data


@pytest.fixture(scope="module")
def study(study_engine):  # noqa: F811
    return build_study(study_engine, _with_supplier(market_study_data()))


def test_the_supplier_line_adds_amount_times_its_footprint(study, study_engine):  # noqa: F811
    from footprint.study_compute import recompute

    computation = recompute(study, study_engine)
    assert computation.location.total_kgco2e == pytest.approx(LOCATION_TOTAL + COATING_KG * PER_KG, rel=TOL)
    assert computation.market.total_kgco2e == pytest.approx(MARKET_TOTAL + COATING_KG * PER_KG, rel=TOL)
    line = computation.line("COATING")
    assert (line.activity_id, line.data_type, line.stage, line.activity_unit) == ("SUP-COAT", "primary", "purchased_parts", "kg")
    assert line.kgco2e == pytest.approx(0.3, rel=TOL)
    assert line.activity_name == "Coated reflector (Coating Supplier Ltd.)"
    assert computation.headline.by_origin["land_use_change"] == pytest.approx(COATING_KG * LUC_PER_KG, rel=TOL)
    assert computation.line_mass_kg["COATING"] == pytest.approx(COATING_KG)
    assert study.declared.total_kgco2e == pytest.approx(MARKET_TOTAL + 0.3, rel=TOL)


def test_saved_and_read_back_verbatim_and_studies_without_suppliers_keep_their_json(study, study_engine):  # noqa: F811
    from footprint.study import study_from_data

    saved = json.loads(study.to_json())
    assert saved["suppliers"] == [{"activity_id": "SUP-COAT", "pact": SUPPLIER}]
    again = study_from_data(saved)
    assert again.sha256() == study.sha256()
    plain = build_study(study_engine, market_study_data())
    assert "suppliers" not in plain.model_dump(mode="json")  # the hash of every existing study is unchanged
    assert plain.sha256() == study_from_data(json.loads(plain.to_json())).sha256()


def _problems(data: dict) -> list:
    from footprint.study import study_from_data

    with pytest.raises(InputError) as caught:
        study_from_data(data)
    return caught.value.issues


def test_refused_supplier_documents_name_the_entry_in_both_languages():
    deprecated = {**copy.deepcopy(SUPPLIER), "status": "Deprecated"}
    (issue,) = _problems(_with_supplier(market_study_data(), deprecated))
    assert issue.field == "suppliers.0" and "Deprecated" in issue.message and "弃用" in issue.message_zh
    negative = copy.deepcopy(SUPPLIER)
    negative["pcf"]["pcfExcludingBiogenicUptake"] = "-1"
    (issue,) = _problems(_with_supplier(market_study_data(), negative))
    assert "negative" in issue.message and "负值" in issue.message_zh
    hours = copy.deepcopy(SUPPLIER)
    hours["pcf"]["declaredUnitOfMeasurement"] = "hour"
    (issue,) = _problems(_with_supplier(market_study_data(), hours))
    assert "'hour'" in issue.message and "声明单位" in issue.message_zh
    twice = _with_supplier(market_study_data())
    twice["suppliers"].append(copy.deepcopy(twice["suppliers"][0]))
    (issue,) = _problems(twice)
    assert "SUP-COAT" in issue.message and "SUP-COAT" in issue.message_zh


def test_a_line_without_its_footprint_or_a_clashing_id_is_refused_when_computed(study_engine):  # noqa: F811
    from footprint.study import study_from_data
    from footprint.study_compute import recompute

    missing = _with_supplier(market_study_data())
    missing["suppliers"] = []
    with pytest.raises(InputError) as caught:
        recompute(study_from_data(missing), study_engine)
    assert [(i.line_id, i.field) for i in caught.value.issues] == [("COATING", "activity_id")]
    clash = _with_supplier(market_study_data())
    clash["suppliers"][0]["activity_id"] = "HOUSING"
    clash["bom"]["lines"][-1]["activity_id"] = "HOUSING"
    with pytest.raises(InputError, match="also a dataset activity"):
        recompute(study_from_data(clash), study_engine)


def test_rules_label_and_every_report_include_the_supplier(study, study_engine):  # noqa: F811
    from openpyxl import load_workbook

    from footprint.exchange.excel import results_xlsx
    from footprint.exchange.pact import pact_json
    from footprint.label import build_label
    from footprint.reports.inputs import prepare_report
    from footprint.rules import evaluate

    evaluation = evaluate(study, engine=study_engine, evaluation_date=EVALUATION_DATE)
    assert evaluation.results["total_kgco2e"] == pytest.approx(MARKET_TOTAL + 0.3, rel=TOL)
    assert not [f for f in evaluation.findings if "COATING" in f.message.en and f.verdict.value == "fail"]
    label = build_label(study, study_engine, require_eligible=False, evaluation_date=EVALUATION_DATE)
    assert label.total_kgco2e == pytest.approx(MARKET_TOTAL + 0.3, rel=TOL)

    report = prepare_report(study, study_engine, evaluation_date=EVALUATION_DATE)
    (activity,) = report.suppliers
    assert (activity.id, activity.kgco2e_per_unit, activity.supplier) == ("SUP-COAT", PER_KG, "Coating Supplier Ltd.")
    exported = json.loads(pact_json(report))
    assert float(exported["pcf"]["pcfExcludingBiogenicUptake"]) == pytest.approx(MARKET_TOTAL + 0.3, rel=1e-6)
    workbook = load_workbook(io.BytesIO(results_xlsx(report)))
    cells = {str(c.value) for sheet in workbook for row in sheet.iter_rows() for c in row if c.value is not None}
    assert "SUP-COAT" in cells and any("Coated reflector" in c for c in cells)
    with pytest.raises(InputError, match="carries its supplier"):
        prepare_report(study, study_engine, suppliers=[activity])


def test_monte_carlo_keeps_the_supplier_number_and_draws_only_its_amount(study_engine):  # noqa: F811
    from footprint.montecarlo import monte_carlo
    from footprint.study import study_from_data
    from footprint.study_compute import engine_for_study

    exact = study_from_data(_with_supplier(market_study_data(), gsd=1.0))  # an amount without uncertainty
    engine = engine_for_study(exact, study_engine)
    result = monte_carlo(engine, exact.bom, iterations=200, seed=3)
    assert result.deterministic_kgco2e == pytest.approx(LOCATION_TOTAL + 0.3, rel=TOL)
    position = [line.path for line in result.lines].index("COATING")
    assert result.line_samples[:, position] == pytest.approx([0.3] * 200, rel=1e-12)
    assert len(set(result.totals.tolist())) > 100  # the background lines still vary
    uncertain = study_from_data(_with_supplier(market_study_data()))
    samples = monte_carlo(engine_for_study(uncertain, study_engine), uncertain.bom, iterations=400, seed=3).line_samples[:, position]
    assert len(set(samples.tolist())) > 300 and 0.25 < float(samples.mean()) < 0.35  # primary-data default gsd on the amount
