"""AppTest: a study typed from scratch reaches an eligible verdict under gba-general by filling
what the Label readiness checklist asks for."""

from __future__ import annotations

from datetime import date

import pytest

from webapp.label_details import table_key
from webapp.readiness import checklist

from .helpers import bound, calculate, new_app, outcome, pick, show_results

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _edit_table(at, table, edited):
    at.session_state[table_key(at.session_state, table)] = {"edited_rows": edited, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception, at.exception


def test_new_study_becomes_eligible_through_the_checklist():
    at = new_app("en")
    for key, value in {"f.product_name": "Bracket", "f.product_model": "B1", "f.applicant": "ACME Metal Co.", "f.site_name": "Bao'an plant", "f.site_address": "Shenzhen"}.items():
        at.text_input(key=key).input(value)
    at.number_input(key="f.mass_kg_per_piece").set_value(0.5)
    at.run()
    pick(at, "extruded", "AL-EXTR-GBA", 0.5, unit="kg")
    at.number_input(key="f.electricity_amount").set_value(0.2).run()
    pick(at, "heavy", "FRT-TRK-HEAVY-DIESEL-CN", 0.5, unit="kg", stage="inbound_transport", distance=200)
    calculate(at)
    first = outcome(at)
    assert first.evaluation is not None and not first.evaluation.eligible
    # what was computed went into the interpretation
    assert at.session_state["f.significant_lines"] and "Monte Carlo" in at.session_state["f.uncertainty_method"]
    show_results(at, "readiness")
    buttons = [b for b in at.button if b.key and b.key.startswith("ready.go.")]
    assert buttons, "the readiness tab lists things to do"
    buttons[0].click().run()  # boundary (blocking): opens the details tab at its expander
    assert at.session_state["tab"] == "details" and at.session_state["tab@en"] == "⑤ Label details"
    assert at.session_state["exp.boundary"] is True

    at.text_input(key="f.boundary_diagram_ref").input("Report R1, figure 1").run()
    stages = at.session_state["f.excluded_stages"]
    _edit_table(at, "excluded_stages", {str(i): {"reason": "no such inputs for this product"} for i in range(len(stages))})
    lines = [row["line"] for row in at.session_state["f.line_quality"]]
    _edit_table(at, "line_quality", {str(lines.index("ELEC")): {"source": "plant meter 2024"}})
    at.radio(key=bound(at, "f.biogenic_mode")).set_value("none")
    at.text_area(key="f.limitations").input("Cradle-to-gate only.")
    for key, value in {"f.report_ref": "R1", "f.verifier_name": "Example CB", "f.verifier_ref": "GBA-CB-1", "f.verification_statement": "VS-1", "f.surveillance_plan": "annual", "f.certificate_no": "C-1"}.items():
        at.text_input(key=key).input(value)
    year = date.today().year
    at.date_input(key="f.data_management_since").set_value(date(year - 2, 1, 1))
    at.date_input(key="f.verification_site_visit").set_value(date.today())
    at.date_input(key="f.certificate_issue_date").set_value(date.today())
    at.number_input(key="f.surveillance_months").set_value(12)
    at.run()
    calculate(at)
    result = outcome(at)
    reasons = "; ".join(r.en for r in result.evaluation.reasons)
    assert result.evaluation.eligible, reasons
    assert result.study.boundary.diagram_ref == "Report R1, figure 1"
    assert result.study.lines["ELEC"].source == "plant meter 2024"
    assert {item.severity for item in checklist(result.evaluation)} <= {"minor"}  # what is left never blocks
