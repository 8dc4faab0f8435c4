"""The label-readiness checklist: findings → things to do → the form field that fixes them."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from footprint.rules import load_rule_set
from footprint.rules.registry import checks
from webapp.readiness import CHECK_TARGETS, INPUT_TABS, REPORT_TARGETS, checklist, items_for
from webapp.texts import Texts


def _finding(check, verdict="fail", severity="major", rule_id="R-1", measured=None, threshold=None):
    text = SimpleNamespace(en="msg", zh="消息")
    return SimpleNamespace(
        check=check, rule_id=rule_id, verdict=SimpleNamespace(value=verdict), severity=SimpleNamespace(value=severity),
        message=text, requirement=text, measured=measured, threshold=threshold,
    )


def test_a_failing_finding_points_to_its_field():
    (item,) = items_for(_finding("dqr_coverage"))
    assert item.target.tab == "details" and item.target.group == "quality" and item.target.field == "editor.line_quality"
    (item,) = items_for(_finding("boundary_complete", severity="blocking"))
    assert item.target.field == "f.boundary_diagram_ref" and item.target.group == "boundary"
    (item,) = items_for(_finding("mass_per_piece"))
    assert item.target.tab == "product" and item.target.field == "f.mass_kg_per_piece"


def test_a_boundary_stage_without_lines_is_fixed_in_the_grid_of_that_stage():
    finding = _finding("boundary_complete", severity="blocking")
    finding.details = {"missing_stages": ["raw_materials"], "empty_stages": ["inbound_transport", "manufacturing_energy"], "undeclared_stages": [], "boundary_type": False, "diagram": True}
    items = items_for(finding)
    assert [(i.what, i.stage, i.target.tab, i.target.field) for i in items] == [
        ("boundary_stage_empty", "raw_materials", "materials", "editor.materials"),
        ("boundary_stage_empty", "inbound_transport", "emissions", "editor.transport"),
        ("boundary_stage_empty", "manufacturing_energy", "energy", "editor.energy"),
        ("boundary_diagram", None, "details", "f.boundary_diagram_ref"),
    ]
    for language in ("en", "zh-Hans"):
        t = Texts(language)
        assert t.stage("inbound_transport") in t("ready.do.boundary_stage_empty", stage=t.stage("inbound_transport"))


def test_passing_and_not_applicable_findings_are_not_listed():
    assert items_for(_finding("dqr_coverage", verdict="pass")) == []
    assert items_for(_finding("dqr_coverage", verdict="not_applicable")) == []
    assert items_for(_finding("verifier_admitted", verdict="needs_evidence"))[0].target.group == "verification"


def test_missing_report_elements_are_one_item_each():
    finding = _finding("report_elements", severity="blocking", measured=["standard"], threshold=["standard", "boundary_diagram", "report_ref"])
    items = items_for(finding)
    assert [i.what for i in items] == ["report_boundary_diagram", "report_report_ref"]
    assert items[1].target.field == "f.report_ref"


def test_blocking_first_then_major_then_minor():
    evaluation = SimpleNamespace(findings=[_finding("recycling_approach", severity="minor"), _finding("interpretation"), _finding("verifier_admitted", "needs_evidence", "blocking"), _finding("boundary_complete", severity="blocking")])
    assert [i.what for i in checklist(evaluation)] == ["boundary_complete", "verifier_admitted", "interpretation", "recycling_approach"]


def test_every_target_is_a_known_tab_and_every_check_of_the_rule_sets_has_wording():
    for target in [*CHECK_TARGETS.values(), *REPORT_TARGETS.values()]:
        assert target.tab in INPUT_TABS
        assert target.field.startswith(("f.", "editor."))
    assert set(CHECK_TARGETS) <= set(checks())
    for language in ("en", "zh-Hans"):
        t = Texts(language)
        for what in [*CHECK_TARGETS, *(f"report_{e}" for e in REPORT_TARGETS)]:
            assert t(f"ready.do.{what}")
        for rule_set in ("gba-general", "gba-li-ion-battery-pack"):
            for rule in load_rule_set(rule_set).rules:
                if rule.check in CHECK_TARGETS:
                    assert t(f"ready.do.{rule.check}")


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
def test_details_texts_exist_in_both_languages(language):
    t = Texts(language)
    for key in ("details.tab", "ready.tab", "ready.go", "details.group_boundary", "details.group_quality", "details.group_methods", "details.group_interpretation", "details.group_verification"):
        assert t(key)
