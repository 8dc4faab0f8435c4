"""The label details of the form: defaults, the study they make, and the round trip through the
study JSON and the draft."""

from __future__ import annotations

import json
from datetime import date
from types import SimpleNamespace

import pytest

from footprint.study import study_from_data
from webapp.label_details import DETAIL_FIELDS, fill_interpretation, interpretation_suggestion, quality_rows, stage_rows
from webapp.state import StudyForm, build_bom, build_study, draft_json, load_saved
from webapp.texts import Texts



def _form(**details) -> StudyForm:
    form = StudyForm(product_name="Bracket", applicant="ACME", product_model="B1", site_name="Plant", mass_kg_per_piece=0.5, electricity_amount=0.2, **details)
    form.rows["materials"] = [{"id": "M1", "activity_id": "AL-EXTR-GBA", "amount": "0.5", "unit": "kg", "stage": "raw_materials", "data_type": "secondary"}]
    form.rows["transport"] = [{"id": "T1", "activity_id": "FRT-TRK-HEAVY-DIESEL-CN", "amount": "0.5", "unit": "kg", "distance_km": "200", "data_type": "secondary"}]
    return form


def test_defaults_boundary_from_the_bom_and_ratings_from_the_data_type():
    form = _form()
    bom = build_bom(form)[0]
    assert [r["stage"] for r in stage_rows(form, bom)] == ["purchased_parts", "process_emissions", "packaging", "production_waste"]
    rows = {r["line"]: r for r in quality_rows(form, bom)}
    assert rows["ELEC"]["technological"] == "1" and rows["M1"]["technological"] == "2"  # measured better than database
    study, issues = build_study(form, bom, "GBA-GENERAL")
    assert not issues
    assert study.method.recycling_approach == "cut_off" and study.allocation == []
    assert study.boundary.stages == ["raw_materials", "manufacturing_energy", "inbound_transport"]
    assert study.lines["M1"].temporal == 2.0 and study.biogenic.carbon_content_kgc is None


FILLED = dict(
    boundary_diagram_ref="Report R1, figure 2",
    excluded_stages=[{"stage": "packaging", "reason": "sold unpacked"}],
    exclusions=[
        {"id": "GLUE", "description": "glue", "activity_id": "PAPER-PRINT-CN", "amount": "0.001", "unit": "kg", "stage": "packaging", "kgco2e": "", "reason": "below 1 %"},
        {"id": "INK", "description": "marking ink", "activity_id": "", "amount": "", "unit": "", "stage": "", "kgco2e": "0.0001", "reason": "no activity fits"},
    ],
    line_quality=[{"line": "ELEC", "technological": "1", "temporal": "1", "geographical": "2", "source": "meter 2024"}],
    biogenic_mode="content",
    biogenic_kgc=0.01,
    recycling_approach="recycled_content",
    allocation_method="economic",
    allocation_process="casting",
    allocation_basis="price",
    allocation_justification="no physical relationship between the products",
    significant_lines=["M1"],
    uncertainty_method="Monte Carlo",
    uncertainty_result="6.3 – 12.4",
    sensitivity="grid HK\nrecycled aluminium",
    limitations="cradle-to-gate",
    report_ref="R1",
    verifier_name="CB",
    verifier_ref="ADM-1",
    verification_site_visit=date(2025, 3, 1),
    verification_statement="VS-1",
    surveillance_plan="annual",
    surveillance_months=12,
    data_management_since=date(2024, 1, 1),
    certificate_no="C-1",
    certificate_issue_date=date(2025, 4, 1),
)


def test_details_round_trip_through_the_study_json_and_the_draft(catalog):
    form = _form(**FILLED)
    study, issues = build_study(form, build_bom(form)[0], "GBA-GENERAL")
    assert not issues
    assert study.boundary.diagram_ref == "Report R1, figure 2" and study.boundary.excluded[1].reason == ""  # process_emissions: no reason yet
    assert {e.stage: e.reason for e in study.boundary.excluded}["packaging"] == "sold unpacked"
    assert study.exclusions[0].line.activity_id == "PAPER-PRINT-CN" and study.exclusions[1].estimated_kgco2e == 0.0001
    assert study.allocation[0].method == "economic" and study.allocation[0].physical_not_suitable
    assert study.interpretation.sensitivity == ["grid HK", "recycled aluminium"]
    assert study.verification.body.accreditation_ref == "ADM-1" and study.certification.certificate_no == "C-1"
    again = load_saved(study.to_json().encode(), catalog)
    for name, value in FILLED.items():
        if name == "excluded_stages":
            assert {"stage": "packaging", "reason": "sold unpacked"} in again.excluded_stages
        elif name == "line_quality":
            assert FILLED["line_quality"][0] in again.line_quality
        else:
            assert getattr(again, name) == value, name
    rebuilt = build_study(again, build_bom(again)[0], "GBA-GENERAL")[0]
    assert rebuilt.model_dump(exclude={"study_id"}) == study.model_dump(exclude={"study_id"})
    draft = load_saved(draft_json(form).encode(), catalog)
    assert {n: getattr(draft, n) for n in DETAIL_FIELDS} == {n: getattr(StudyForm.from_dict(form.to_dict()), n) for n in DETAIL_FIELDS}
    assert json.loads(draft_json(form))["form"]["certificate_issue_date"] == "2025-04-01"


def test_the_example_study_keeps_its_details(catalog):
    from webapp.main import EXAMPLE_STUDY

    original = study_from_data(json.loads(EXAMPLE_STUDY.read_text(encoding="utf-8")))
    form = load_saved(EXAMPLE_STUDY.read_bytes(), catalog)
    study = build_study(form, build_bom(form)[0], original.method.pcr_id)[0]
    for part in ("boundary", "exclusions", "lines", "biogenic", "interpretation", "report", "verification", "certification", "allocation"):
        assert getattr(study, part) == getattr(original, part), part


def test_interpretation_is_filled_from_the_results_without_replacing_typed_text():
    line = lambda path, kg: SimpleNamespace(path=path, kgco2e=kg)  # noqa: E731
    outcome = SimpleNamespace(
        result=SimpleNamespace(total_kgco2e=10.0, declared_unit="1 piece", lines=[line("A", 8.0), line("B@GEC", 0.6), line("B", 0.1), line("C", 0.3)]),
        uncertainty=SimpleNamespace(low=8.0, high=12.0, iterations=1000),
        alternatives=[SimpleNamespace(kind="swap", line="A", from_id="AL", to_id="AL-REC", total_kgco2e=5.0, change_share=-0.5)],
    )
    suggestion = interpretation_suggestion(outcome, Texts("en"))
    assert suggestion["significant_lines"] == ["A", "B"]  # market-based split summed back to its line
    assert "1000" in suggestion["uncertainty_method"] and "8 – 12" in suggestion["uncertainty_result"]
    assert "AL-REC" in suggestion["sensitivity"]
    changes = fill_interpretation(StudyForm(significant_lines=["A"], uncertainty_method="my own"), suggestion)
    assert changes["significant_lines"] == ["A", "B"] and "uncertainty_method" not in changes
    assert set(changes) == {"significant_lines", "uncertainty_result", "sensitivity"}
