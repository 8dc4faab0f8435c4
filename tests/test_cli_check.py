"""``footprint check``: exit 0 eligible, 1 not, 2 invalid input; JSON lists every finding."""

from __future__ import annotations

import json

import pytest

from footprint.cli import main
from footprint.study import save_study

from .study_fixtures import STUDY_DATASET, build_study, lamp_study_data, market_study_data, study_dataset, study_engine  # noqa: F401

BASE = ["--dataset", str(STUDY_DATASET), "--date", "2025-06-30"]


def write(engine, tmp_path, data, name="study.json"):
    return str(save_study(build_study(engine, data), tmp_path / name))


def test_eligible_study_exits_0_and_lists_every_finding(study_engine, tmp_path, capsys):
    path = write(study_engine, tmp_path, lamp_study_data())
    assert main(["check", path, "--format", "json", *BASE]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["eligible"] is True and payload["status"] == "eligible"
    assert len(payload["findings"]) == 49
    assert {"rule_id", "verdict", "severity", "measured", "threshold", "message", "lines"} <= set(payload["findings"][0])
    assert payload["findings"][0]["message"]["zh"]


def test_not_eligible_exits_1_with_reasons_in_the_table(study_engine, tmp_path, capsys):
    data = market_study_data(certificates=50)
    path = write(study_engine, tmp_path, data)
    assert main(["check", path, *BASE]) == 1
    out = capsys.readouterr().out
    assert "NOT ELIGIBLE" in out and "GBA-EL-002" in out and "否决项" in out


def test_rules_option_and_label_output(study_engine, tmp_path, capsys):
    path = write(study_engine, tmp_path, lamp_study_data())
    assert main(["check", path, "--rules", "gba-general", "--label-dir", str(tmp_path / "label"), *BASE]) == 0
    assert sorted(p.suffix for p in (tmp_path / "label").iterdir()) == [".png", ".svg"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.json"], "cannot read the study file"),
        (["{bad}"], "not valid JSON"),
        (["{study}", "--rules", "no-such-rules"], "no rule set 'no-such-rules'"),
        (["{invalid}"], "schema_version"),
    ],
    ids=["missing file", "bad json", "unknown rules", "invalid study"],
)
def test_invalid_input_exits_2_with_a_message(study_engine, tmp_path, capsys, args, message):
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    invalid = lamp_study_data()
    invalid["schema_version"] = "0"
    (tmp_path / "invalid.json").write_text(json.dumps(invalid), encoding="utf-8")
    study = write(study_engine, tmp_path, lamp_study_data())
    names = {"{bad}": str(tmp_path / "bad.json"), "{study}": study, "{invalid}": str(tmp_path / "invalid.json"), "missing.json": str(tmp_path / "missing.json")}
    assert main(["check", *[names.get(a, a) for a in args], *BASE]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and message in err and "Traceback" not in err


def test_bad_date_is_a_usage_error(study_engine, tmp_path, capsys):
    path = write(study_engine, tmp_path, lamp_study_data())
    with pytest.raises(SystemExit) as exited:
        main(["check", path, "--date", "30/06/2025"])
    assert exited.value.code == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_check_judges_a_study_by_the_rule_set_it_follows_without_rules(capsys):
    """The LFP label study names gba-li-ion-battery-pack: `check` without --rules uses it (the
    general rules refuse a battery per kWh: GBA-SCOPE-001/GBA-UNIT-002)."""
    import json
    from pathlib import Path

    from footprint.cli import main

    study = str(Path(__file__).resolve().parents[1] / "examples" / "lfp-pack-study.json")
    assert main(["check", study, "--date", "2025-09-30", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["rule_set"]["id"] == "gba-li-ion-battery-pack"
    assert main(["check", study, "--rules", "gba-general", "--date", "2025-09-30", "--format", "json"]) == 1
