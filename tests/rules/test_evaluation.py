"""Whole-study verdicts: compliant studies are eligible; cut-off, certificates and offsets are not."""

from __future__ import annotations

import json

import pytest

from footprint.rules import STATUS_ELIGIBLE, STATUS_NOT_ELIGIBLE, STATUS_PENDING, Verdict, evaluate, load_rule_set

from ..study_fixtures import (  # noqa: F401
    EVALUATION_DATE,
    LOCATION_TOTAL,
    MARKET_TOTAL,
    build_study,
    lamp_study_data,
    market_study_data,
    study_dataset,
    study_engine,
)


def judge(engine, data, rules="gba-general", after=None):
    study = build_study(engine, data)
    if after:
        study = after(study)
    return evaluate(study, rules, engine, EVALUATION_DATE)


def failed_rules(evaluation) -> set[str]:
    return {f.rule_id for f in evaluation.findings if f.verdict is Verdict.FAIL}


def test_compliant_study_is_eligible(study_engine):
    evaluation = judge(study_engine, lamp_study_data())
    assert evaluation.status == STATUS_ELIGIBLE and evaluation.eligible
    assert not failed_rules(evaluation)
    assert len(evaluation.findings) == 49
    assert evaluation.results["total_kgco2e"] == pytest.approx(LOCATION_TOTAL, rel=1e-12)
    assert evaluation.rule_set["id"] == "gba-general"


def test_compliant_market_based_study_is_eligible_with_the_market_value(study_engine):
    evaluation = judge(study_engine, market_study_data())
    assert evaluation.eligible, [r.en for r in evaluation.reasons]
    assert evaluation.results["basis"] == "market"
    assert evaluation.results["total_kgco2e"] == pytest.approx(MARKET_TOTAL, rel=1e-12)
    assert evaluation.results["location_based_kgco2e"] == pytest.approx(LOCATION_TOTAL, rel=1e-12)
    assert evaluation.finding("GBA-EL-002").verdict is Verdict.PASS


def test_six_percent_cut_off_fails_the_cut_off_rule(study_engine):
    data = lamp_study_data()
    data["exclusions"][0]["line"]["amount"] = 0.2166  # screws: 0.4332 of 7.2548 kg CO2e with the glue
    evaluation = judge(study_engine, data)
    finding = evaluation.finding("GBA-CUT-002")
    assert finding.verdict is Verdict.FAIL and finding.measured == pytest.approx(6.0, abs=0.01)
    assert evaluation.status == STATUS_NOT_ELIGIBLE
    assert any("GBA-CUT-002" in reason.en for reason in evaluation.reasons)
    assert "excluded:SCREWS" in finding.lines


def test_market_claim_without_enough_certificates_is_not_eligible(study_engine):
    evaluation = judge(study_engine, market_study_data(certificates=150))
    finding = evaluation.finding("GBA-EL-002")
    assert finding.verdict is Verdict.FAIL
    assert finding.measured == pytest.approx(150_000) and finding.threshold == pytest.approx(200_000)
    assert not evaluation.eligible
    # only the 150,000 certified kWh switch to PV: 1.5 of 2 kWh per lamp
    assert evaluation.results["market_based_kgco2e"] == pytest.approx(LOCATION_TOTAL - 1.5 * (0.5 - 0.05), rel=1e-12)


def test_an_offset_makes_the_study_ineligible(study_engine):
    data = lamp_study_data()
    data["offsets_kgco2e"] = 0.5
    evaluation = judge(study_engine, data)
    assert failed_rules(evaluation) == {"GBA-OFF-001"}
    assert evaluation.status == STATUS_NOT_ELIGIBLE


def test_missing_site_visit_leaves_the_study_pending(study_engine):
    data = lamp_study_data()
    data["verification"]["site_visit_date"] = None
    evaluation = judge(study_engine, data)
    assert evaluation.status == STATUS_PENDING and not evaluation.eligible
    assert evaluation.finding("GBA-VER-002").verdict is Verdict.NEEDS_EVIDENCE


def test_major_failures_count_against_the_configured_tolerance(study_engine, tmp_path):
    data = lamp_study_data()
    data["interpretation"]["significant_lines"] = ["HOUSING", "DRIVER"]  # GBA-INT-001 is major
    assert judge(study_engine, data).status == STATUS_NOT_ELIGIBLE
    (tmp_path / "tolerant.yaml").write_text(
        'format: gba-label-rules/1\nid: tolerant\nversion: "1"\ntitle: {en: Tolerant, zh: 宽松}\n'
        "extends: gba-general\nconfig: {max_major_failures: 1}\n",
        encoding="utf-8",
    )
    import shutil

    from footprint.rules import label_rules_dir

    shutil.copy(label_rules_dir() / "gba-general.yaml", tmp_path / "gba-general.yaml")
    tolerant = load_rule_set("tolerant", tmp_path)
    evaluation = judge(study_engine, data, rules=tolerant)
    assert evaluation.status == STATUS_ELIGIBLE and evaluation.counts["major_fail"] == 1


def test_minor_failures_never_block(study_engine):
    data = lamp_study_data()
    data["method"]["recycling_approach"] = ""  # GBA-ALLOC-003 is minor
    evaluation = judge(study_engine, data)
    assert failed_rules(evaluation) == {"GBA-ALLOC-003"} and evaluation.eligible


def test_battery_study_under_its_product_rules(study_engine):
    from .test_rule_cases import battery_data

    evaluation = judge(study_engine, battery_data(), rules="gba-li-ion-battery-pack")
    assert evaluation.eligible, [r.en for r in evaluation.reasons]
    assert len(evaluation.findings) == 52  # 49 general - GBA-UNIT-002 disabled + 4 battery rules
    # a cradle-to-gate battery that does not say why distribution and end of life are left out
    # cannot make the EU declaration: a minor finding, the GBA label is still granted
    assert evaluation.finding("BAT-DECL-001").verdict is Verdict.FAIL
    # the same battery judged by the general rules is sent to its product rule set
    general = judge(study_engine, battery_data())
    assert general.finding("GBA-SCOPE-001").verdict is Verdict.FAIL


def test_same_study_same_findings_bytes(study_engine):
    first = judge(study_engine, market_study_data()).to_dict()
    second = judge(study_engine, market_study_data()).to_dict()
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def test_declared_results_are_recomputed_not_trusted(study_engine):
    def understate(study):
        return study.model_copy(update={"declared": study.declared.model_copy(update={"total_kgco2e": 5.0})})

    evaluation = judge(study_engine, lamp_study_data(), after=understate)
    assert {"GBA-VER-003", "GBA-LBL-002"} <= failed_rules(evaluation)
    assert evaluation.results["total_kgco2e"] == pytest.approx(LOCATION_TOTAL, rel=1e-12)
