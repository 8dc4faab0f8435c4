"""Reproducible verification on the hand-checked lamp study (tests/study_fixtures.py).

A correct study passes; altered declared numbers and altered inputs are found and measured
against materiality; a study computed with another dataset version is refused with a message
naming both versions, unless the matching dataset is given or found in an archive folder.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from footprint.certification.errors import DatasetMismatchError
from footprint.certification.verify import VerifyOptions, verify_study

from ..study_fixtures import EVALUATION_DATE, LOCATION_TOTAL, STUDY_DATASET, build_study, lamp_study_data, study_dataset, study_engine  # noqa: F401

OPTIONS = VerifyOptions(dataset_dir=STUDY_DATASET, verification_date=EVALUATION_DATE)


def uncertified(engine):
    """The lamp study as an applicant submits it: no certificate number yet."""
    data = lamp_study_data()
    data["certification"] = {}
    return build_study(engine, data)


def write(tmp_path: Path, study, name: str = "study.json") -> Path:
    path = tmp_path / name
    path.write_text(study.to_json(), encoding="utf-8")
    return path


def edit(path: Path, change) -> Path:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def codes(report) -> list[str]:
    return [f["code"] for f in report.findings]


def test_correct_study_passes_and_report_is_reproducible(tmp_path, study_engine):
    path = write(tmp_path, uncertified(study_engine))
    report = verify_study(path, OPTIONS)
    assert report.status == "passed" and report.passed and report.findings == []
    data = report.data
    assert data["misstatement"]["misstatement_pct"] == 0.0 and not data["misstatement"]["material"]
    assert data["recomputed"]["total_kgco2e"] == pytest.approx(LOCATION_TOTAL, rel=1e-12)
    assert {l["status"] for l in data["lines"]} == {"ok"} and len(data["lines"]) == 7
    assert data["dataset"]["matches"] and data["dataset"]["used"]["id"] == "study-test"
    assert data["rules"]["eligible"] and data["rules"]["provisional_certification_fields"]
    assert data["rule_set"]["id"] == "gba-general"
    again = verify_study(path, OPTIONS)
    assert again.to_json() == report.to_json() and again.sha256() == report.sha256()
    table = report.render()
    assert "PASSED" in table and "HOUSING" in table and "materiality" in table
    assert "核查" in report.render("zh")


def test_one_altered_line_value_is_a_material_misstatement(tmp_path, study_engine):
    path = write(tmp_path, uncertified(study_engine))
    edit(path, lambda d: d["declared"]["lines"].update(HOUSING=4.6))  # 3.6 declared as 4.6
    report = verify_study(path, OPTIONS)
    assert report.status == "failed"
    miss = report.data["misstatement"]
    assert miss["line_misstatement_pct"] == pytest.approx(100 * 1.0 / LOCATION_TOTAL, rel=1e-9)  # 14.66 %
    assert miss["material"] and miss["total_misstatement_pct"] == 0.0
    assert "material_misstatement" in codes(report)
    line = next(f for f in report.findings if f["code"] == "line_differs")
    assert line["field"] == "lines.HOUSING" and "declared 4.6" in line["message"] and "recomputed 3.6" in line["message"]
    assert "DIFFERS" in report.render()


def test_small_alteration_is_listed_and_strict_fails_it(tmp_path, study_engine):
    path = write(tmp_path, uncertified(study_engine))
    edit(path, lambda d: d["declared"].update(total_kgco2e=6.82))  # rounded by hand: 0.0075 % off
    report = verify_study(path, OPTIONS)
    assert report.status == "passed_with_findings" and report.passed
    assert [(f["code"], f["severity"], f["field"]) for f in report.findings] == [("declared_differs", "immaterial", "total_kgco2e")]
    assert report.data["misstatement"]["total_misstatement_pct"] == pytest.approx(100 * (6.82 - LOCATION_TOTAL) / LOCATION_TOTAL)
    strict = verify_study(path, VerifyOptions(dataset_dir=STUDY_DATASET, verification_date=EVALUATION_DATE, strict=True))
    assert strict.status == "failed"


def test_altered_input_and_study_hash(tmp_path, study_engine):
    original = write(tmp_path, uncertified(study_engine))
    certified_hash = verify_study(original, OPTIONS).data["study"]["sha256"]
    # an input changed after declaring (the housing weighs more): recomputation disagrees
    edit(original, lambda d: d["bom"]["lines"][0].update(amount=0.33))
    options = VerifyOptions(dataset_dir=STUDY_DATASET, verification_date=EVALUATION_DATE, expected_sha256=(certified_hash,))
    report = verify_study(original, options)
    assert report.status == "failed"
    assert {"hash_mismatch", "material_misstatement", "line_differs", "declared_differs"} <= set(codes(report))
    # a change that moves no number (the model name) is still caught by the hash
    renamed = write(tmp_path, uncertified(study_engine), "renamed.json")
    edit(renamed, lambda d: d["product"].update(model="DL-12W-B"))
    report = verify_study(renamed, options)
    assert codes(report) == ["hash_mismatch"] and report.status == "failed"


def test_study_made_with_another_dataset_version_is_refused(tmp_path, study_engine):
    other = tmp_path / "archive" / "study-test-0.0.2"
    shutil.copytree(STUDY_DATASET, other)
    meta = other / "dataset.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace('version: "0.0.1"', 'version: "0.0.2"'), encoding="utf-8")
    exchanges = other / "exchanges.csv"
    text = exchanges.read_text(encoding="utf-8")
    exchanges.write_text(text.replace("GRID-GD,biosphere,ghg_co2e_unspecified,0.5,", "GRID-GD,biosphere,ghg_co2e_unspecified,0.55,"), encoding="utf-8")

    from footprint.certification.verify import engine_for
    from footprint.dataset import load_dataset

    newer = engine_for(load_dataset(other))
    data = lamp_study_data()
    data["certification"] = {}
    path = write(tmp_path, build_study(newer, data))

    with pytest.raises(DatasetMismatchError) as refused:
        verify_study(path, OPTIONS)
    message = str(refused.value)
    assert "study-test 0.0.2" in message and "study-test 0.0.1" in message and "--dataset DIR" in message
    with pytest.raises(DatasetMismatchError, match="installed dataset is gba"):
        verify_study(path, VerifyOptions(verification_date=EVALUATION_DATE))

    # told where the archived version lives: found by its hash, and the study verifies
    found = verify_study(path, VerifyOptions(search_dirs=(tmp_path / "archive",), verification_date=EVALUATION_DATE))
    assert found.status == "passed" and found.data["dataset"]["source"] == "archive"
    assert found.data["recomputed"]["total_kgco2e"] == pytest.approx(LOCATION_TOTAL + 0.13, rel=1e-12)  # (2 + 0.3 x 2) kWh x 0.05 more

    # recomputing with the wrong data on purpose: the report shows the misstatement and fails
    forced = verify_study(path, VerifyOptions(dataset_dir=STUDY_DATASET, allow_dataset_mismatch=True, verification_date=EVALUATION_DATE))
    assert forced.status == "failed" and "dataset_mismatch" in codes(forced)
    assert forced.data["misstatement"]["total_misstatement_pct"] == pytest.approx(100 * 0.13 / LOCATION_TOTAL, rel=1e-9)


def test_no_declared_results_and_rules_not_eligible(tmp_path, study_engine):
    data = lamp_study_data()
    path = write(tmp_path, build_study(study_engine, data, declare=False))
    report = verify_study(path, OPTIONS)
    assert report.status == "failed" and "no_declared_results" in codes(report)

    data = lamp_study_data()
    data["applicant"]["data_management_since"] = "2025-06-01"  # one month before applying: major finding
    report = verify_study(write(tmp_path, build_study(study_engine, data), "young.json"), OPTIONS)
    assert report.status == "failed" and codes(report) == ["rules_not_eligible"]
    assert not report.data["rules"]["eligible"] and "GBA-VER-004" in report.findings[0]["message"]


def test_verification_date_matters_for_rules(tmp_path, study_engine):
    path = write(tmp_path, uncertified(study_engine))
    report = verify_study(path, VerifyOptions(dataset_dir=STUDY_DATASET, verification_date=date(2024, 12, 31)))
    assert report.data["verified_on"] == "2024-12-31"
    assert report.data["rules"]["status"] != "eligible"  # the site visit (2025-03-12) lies in the future


def with_rule_set(tmp_path, engine, version: str, sha256: str | None = None) -> Path:
    """The uncertified lamp study, declaring that it was checked against gba-general ``version``."""
    from footprint.rules import load_rule_set

    installed = load_rule_set("gba-general")
    path = write(tmp_path, uncertified(engine))
    return edit(path, lambda d: d["declared"].update(rule_set={"id": "gba-general", "version": version, "sha256": sha256 or installed.sha256}))


def test_the_rule_set_version_the_study_names_is_used(tmp_path, study_engine):
    from footprint.rules import load_rule_set

    installed = load_rule_set("gba-general")
    report = verify_study(with_rule_set(tmp_path, study_engine, installed.version), OPTIONS)
    assert report.passed and report.data["rule_set"]["sha256"] == installed.sha256


@pytest.mark.parametrize(("version", "sha256", "expected"), [("0.9.0", None, "0.9.0"), (None, "0" * 64, "000000000000")])
def test_another_rule_set_version_is_refused_unless_given(tmp_path, study_engine, version, sha256, expected):
    from footprint.certification.errors import RuleSetMismatchError
    from footprint.rules import load_rule_set

    installed = load_rule_set("gba-general")
    path = with_rule_set(tmp_path, study_engine, version or installed.version, sha256)
    with pytest.raises(RuleSetMismatchError, match=rf"checked against rule set gba-general .*{expected}.*--rules PATH"):
        verify_study(path, OPTIONS)
    told = VerifyOptions(dataset_dir=STUDY_DATASET, verification_date=EVALUATION_DATE, rule_set=Path("label_rules") / "gba-general.yaml")
    assert verify_study(path, told).passed


# ---------------------------------------------------------------------- the CFF parameter file


def cff_study(engine):
    """The CFF battery study as submitted: declared with the engine, so it names the parameter
    file (tests/data/cff/study-test.yaml) by name and sha256."""
    from ..study_fixtures import cff_battery_study_data

    data = cff_battery_study_data()
    data["certification"] = {}
    return build_study(engine, data)


def test_declared_results_name_the_cff_parameter_file_only_for_a_cff_result(study_engine):
    import hashlib

    declared = cff_study(study_engine).declared
    expected = hashlib.sha256((STUDY_DATASET.parent / "cff" / "study-test.yaml").read_bytes()).hexdigest()
    assert (declared.cff_parameters.file, declared.cff_parameters.sha256) == ("study-test.yaml", expected)
    cut_off = uncertified(study_engine)
    assert cut_off.declared.cff_parameters is None and "cff_parameters" not in cut_off.canonical_json().decode()


def test_verify_compares_the_cff_parameter_file_both_ways(tmp_path, study_engine):
    path = write(tmp_path, cff_study(study_engine))
    same = verify_study(path, OPTIONS)
    info = same.data["cff_parameters"]
    assert info["matches"] and info["declared"] == info["used"] and info["used"]["file"] == "study-test.yaml"
    assert not any(code.startswith("cff_parameters") for code in codes(same))
    assert "CFF parameters study-test.yaml" in same.render() and "matches the study" in same.render()

    # the same dataset (same hash) next to another parameter file: only a note differs, so every
    # number still agrees, yet the verification fails on the file
    root = tmp_path / "datasets"
    shutil.copytree(STUDY_DATASET, root / "study")
    (root / "cff").mkdir()
    text = (STUDY_DATASET.parent / "cff" / "study-test.yaml").read_text(encoding="utf-8")
    (root / "cff" / "study-test.yaml").write_text(text.replace("note: test value}", "note: test value, reviewed}", 1), encoding="utf-8")
    other = verify_study(path, VerifyOptions(dataset_dir=root / "study", verification_date=EVALUATION_DATE))
    assert other.data["dataset"]["matches"] and not other.data["cff_parameters"]["matches"]
    assert other.data["misstatement"]["misstatement_pct"] == 0.0
    finding = next(f for f in other.findings if f["code"] == "cff_parameters_mismatch")
    assert finding["severity"] == "blocking" and finding["field"] == "declared.cff_parameters" and other.status == "failed"
    assert info["declared"]["sha256"][:12] in finding["message"] and other.data["cff_parameters"]["used"]["sha256"][:12] in finding["message"]
    assert "循环足迹公式参数文件" in finding["message_zh"] and "DIFFERS from the study" in other.render().split("CFF parameters", 1)[1]

    # a CFF study that does not name its file cannot be reproduced
    edit(path, lambda d: d["declared"].pop("cff_parameters"))
    unnamed = verify_study(path, OPTIONS)
    assert "cff_parameters_not_named" in codes(unnamed) and unnamed.status == "failed"

    # a cut-off study's report has no CFF block at all (its bytes stay as they were)
    plain = verify_study(write(tmp_path, uncertified(study_engine), "plain.json"), OPTIONS)
    assert "cff_parameters" not in plain.data
