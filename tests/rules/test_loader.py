"""Rule-set files: the shipped sets load; broken files fail at load naming the file and the rule."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from footprint.rules import RuleSetError, Severity, available_rule_sets, label_rules_dir, load_rule_set

DRAFT = Path("/work/shared/reference/gba_label_rules_draft.yaml")

HEADER = """format: gba-label-rules/1
id: {id}
version: "0.1"
title: {{en: Test, zh: 测试}}
"""

RULE = """  - id: T-CUT-001
    requirement: {en: Cut-off, zh: 截断}
    check: cutoff_total
    params: {max_pct: 5}
    severity: blocking
    source: test
"""


def write(directory: Path, rule_set_id: str, body: str) -> Path:
    path = directory / f"{rule_set_id}.yaml"
    path.write_text(HEADER.format(id=rule_set_id) + body, encoding="utf-8")
    return path


def refused(path: Path, *fragments: str) -> RuleSetError:
    with pytest.raises(RuleSetError) as caught:
        load_rule_set(path.stem, path.parent)
    message = str(caught.value)
    assert str(path) in message or path.name in message, message
    for fragment in fragments:
        assert fragment in message, message
    return caught.value


POST_GATE_RULES = {"GBA-PG-001", "GBA-PG-002"}  # added after the draft, for the stages after the gate


def test_shipped_rule_sets_load():
    sets = available_rule_sets()
    assert {"gba-general", "gba-li-ion-battery-pack"} <= set(sets)
    general = sets["gba-general"]
    assert len(general.rules) == 49  # the 47 of the researched draft + GBA-PG-001/002 (stages after the gate)
    assert all(rule.requirement.en and rule.requirement.zh and rule.source for rule in general.rules)
    assert {rule.severity for rule in general.rules} <= set(Severity)


@pytest.mark.skipif(not DRAFT.exists(), reason="reference draft not available")
def test_every_draft_rule_is_in_the_general_set():
    draft = yaml.safe_load(DRAFT.read_text(encoding="utf-8"))
    draft_ids = {rule["id"] for rule in draft["ruleset"]["rules"]}
    assert {rule.id for rule in load_rule_set("gba-general").rules} - draft_ids == POST_GATE_RULES


def test_product_rule_set_extends_overrides_and_disables():
    battery = load_rule_set("gba-li-ion-battery-pack")
    assert battery.extends == "gba-general" and battery.pcr_id == "GBA-PCR-LIB-PACK"
    ids = {rule.id for rule in battery.rules}
    assert "GBA-UNIT-002" not in ids and "GBA-UNIT-002" in battery.disabled
    assert {"BAT-UNIT-001", "BAT-DATA-001", "BAT-DATA-002"} <= ids
    assert battery.rule("GBA-UNIT-001").params == {"quantity": 1.0, "unit": "kWh"}
    # the child's config reaches the parent's rules
    assert "production_waste" in battery.rule("GBA-DATA-001").params["site_controlled_stages"]
    assert battery.rule("GBA-DATA-001").defined_in.endswith("gba-general.yaml")
    assert battery.sha256 != load_rule_set("gba-general").sha256


def test_unknown_check_names_file_and_rule(tmp_path):
    path = write(tmp_path, "bad", "rules:\n" + RULE.replace("check: cutoff_total", "check: cutoff_totl"))
    error = refused(path, "rule T-CUT-001", "unknown check 'cutoff_totl'")
    assert error.rule_id == "T-CUT-001" and error.file == str(path.resolve())


def test_malformed_yaml_names_file_and_rule(tmp_path):
    path = write(tmp_path, "bad", "rules:\n" + RULE + RULE.replace("T-CUT-001", "T-CUT-002").replace("params: {max_pct: 5}", "params: {max_pct: 5"))
    refused(path, "malformed YAML", "rule T-CUT-002")


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        ("rules:\n" + RULE.replace("{max_pct: 5}", "{max_pct: 5, min_pct: 1}"), ["rule T-CUT-001", "min_pct", "Extra inputs"]),
        ("rules:\n" + RULE.replace("{max_pct: 5}", "{max_pct: five}"), ["rule T-CUT-001", "max_pct"]),
        ("rules:\n" + RULE.replace("{max_pct: 5}", "{max_pct: {config: no_such_key}}"), ["rule T-CUT-001", "unknown config key 'no_such_key'"]),
        ("rules:\n" + RULE.replace("severity: blocking", "severity: fatal"), ["rule T-CUT-001", "severity"]),
        ("rules:\n" + RULE.replace("    source: test\n", ""), ["rule T-CUT-001", "source"]),
        ("rules:\n" + RULE.replace("requirement: {en: Cut-off, zh: 截断}", "requirement: {en: Cut-off}"), ["rule T-CUT-001", "requirement.zh"]),
        ("rules:\n" + RULE + RULE, ["rule T-CUT-001", "duplicate rule id"]),
        ("rules:\n" + RULE.replace("    check:", "    applies_to: [sometimes]\n    check:"), ["rule T-CUT-001", "unknown applies_to condition 'sometimes'"]),
        ("rules:\n" + RULE.replace("    severity: blocking", "    severity: blocking\n    severity: minor"), ["duplicate key 'severity'", "rule T-CUT-001"]),
        ("config: {cutoff_total_pct: '5 %'}\nrules:\n" + RULE, ["config refused", "cutoff_total_pct"]),
        ("rules:\n" + RULE.replace("T-CUT-001", "lower-case"), ["rule lower-case", "upper-case"]),
        ("colour: green\nrules:\n" + RULE, ["colour"]),
    ],
    ids=["unknown param", "bad param type", "unknown config ref", "bad severity", "no source", "no chinese", "duplicate id", "unknown condition", "duplicate key", "bad config", "bad id", "unknown field"],
)
def test_broken_rule_files_are_refused_naming_file_and_rule(tmp_path, body, fragments):
    refused(write(tmp_path, "bad", body), *fragments)


def test_id_must_match_file_name(tmp_path):
    path = tmp_path / "named.yaml"
    path.write_text(HEADER.format(id="other") + "rules:\n" + RULE, encoding="utf-8")
    refused(path, "must equal the file name")


def test_extends_problems(tmp_path):
    write(tmp_path, "parent", "rules:\n" + RULE)
    refused(write(tmp_path, "orphan", "extends: missing\n"), "extends 'missing'")
    refused(write(tmp_path, "child", "extends: parent\noverride:\n  - id: T-NOPE-001\n    severity: minor\n"), "rule T-NOPE-001", "does not have")
    refused(write(tmp_path, "child2", "extends: parent\nrules:\n" + RULE), "rule T-CUT-001", "override")
    refused(write(tmp_path, "child3", "disable:\n  - id: T-CUT-001\n    reason: {en: x, zh: x}\n"), "need 'extends'")
    write(tmp_path, "loop-a", "extends: loop-b\n")
    refused(write(tmp_path, "loop-b", "extends: loop-a\n"), "cycle")


def test_override_merges_params_and_child_config_reaches_parent_rules(tmp_path):
    write(tmp_path, "parent", "config: {cutoff_total_pct: 5}\nrules:\n" + RULE.replace("{max_pct: 5}", "{max_pct: {config: cutoff_total_pct}}"))
    child = write(tmp_path, "child", "extends: parent\nconfig: {cutoff_total_pct: 3}\noverride:\n  - id: T-CUT-001\n    severity: major\n")
    rule = load_rule_set(child.stem, tmp_path).rule("T-CUT-001")
    assert rule.params == {"max_pct": 3.0} and rule.severity is Severity.MAJOR


def test_unknown_rule_set_lists_available(tmp_path):
    write(tmp_path, "only", "rules:\n" + RULE)
    with pytest.raises(RuleSetError, match="available: only"):
        load_rule_set("nope", tmp_path)


def test_default_folder_is_the_repository_label_rules():
    assert (label_rules_dir() / "gba-general.yaml").exists()
