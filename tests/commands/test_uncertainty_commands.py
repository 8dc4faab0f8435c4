"""``footprint uncertainty | compare | scenarios | batch`` on the bundled dataset and example BOM."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from footprint.cli import main

ROOT = Path(__file__).resolve().parents[2]
LAMP = ROOT / "examples" / "led-lamp-bom.csv"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_uncertainty_json_is_reproducible_and_reports_progress(capsys, gba_engine):
    code, first, err = run(capsys, "uncertainty", str(LAMP), "--iterations", "60", "--seed", "3", "--format", "json")
    assert code == 0, err
    assert "Monte Carlo" in err and "60/60" in err
    _, again, _ = run(capsys, "uncertainty", str(LAMP), "--iterations", "60", "--seed", "3", "--format", "json", "--quiet")
    assert first == again
    payload = json.loads(first)
    assert payload["monte_carlo"]["iterations"] == 60 and payload["monte_carlo"]["seed"] == 3
    assert payload["grid"] == "ELEC-SZ-2023-LCA"
    assert set(payload["total"]) == {"mean", "median", "std", "p2_5", "p97_5"}
    assert sum(line["variance_share"] for line in payload["lines"]) == pytest.approx(1.0)


def test_uncertainty_table(capsys):
    code, out, err = run(capsys, "uncertainty", str(LAMP), "--iterations", "40", "--quiet", "--grid", "ELEC-HK-CLP-2024-LCA")
    assert code == 0, err
    assert "variance share" in out and "ELEC-HK-CLP-2024-LCA" in out and err == ""


def test_compare_identical_files(capsys):
    code, out, err = run(capsys, "compare", str(LAMP), str(LAMP), "--iterations", "40", "--quiet")
    assert code == 0, err
    assert "B is lower than A in 0.0% of runs (higher in 0.0%, equal in 100.0%)" in out


def test_scenarios_json_is_ranked(capsys):
    code, out, err = run(capsys, "scenarios", str(LAMP), "--format", "json")
    assert code == 0, err
    changes = [abs(s["change_kgco2e"]) for s in json.loads(out)["scenarios"] if s["error"] is None]
    assert changes == sorted(changes, reverse=True) and len(changes) > 5


def test_scenarios_chosen_on_the_command_line(capsys):
    code, out, err = run(capsys, "scenarios", str(LAMP), "--scale", "HS=0.5", "--try-grid", "ELEC-HK-CLP-2024-LCA", "--swap", "BOX=PAPER-DUPLEX-CN")
    assert code == 0, err
    assert "HS: amount x 0.5" in out and "site grid ELEC-HK-CLP-2024-LCA" in out and "BOX: use PAPER-DUPLEX-CN" in out
    code, _, err = run(capsys, "scenarios", str(LAMP), "--scale", "HS")
    assert code == 2 and "PATH=VALUE" in err


def test_batch_folder_and_list(capsys, tmp_path):
    folder = tmp_path / "boms"
    folder.mkdir()
    for name in ("a.csv", "b.csv"):
        shutil.copy(LAMP, folder / name)
    (folder / "notes.txt").write_text("not a BOM")
    code, out, err = run(capsys, "batch", str(folder), "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [Path(r["file"]).name for r in rows] == ["a.csv", "b.csv"]
    assert rows[0]["total_kgco2e"] == rows[1]["total_kgco2e"] and float(rows[0]["total_kgco2e"]) > 0
    assert "BOMs" in err
    (tmp_path / "list.csv").write_text("bom_file\nboms/a.csv\nmissing.csv\n", encoding="utf-8")
    code, out, err = run(capsys, "batch", str(tmp_path / "list.csv"), "--format", "json", "--quiet")
    assert code == 2  # one listed file is missing: reported, the other still computed
    results = json.loads(out)["results"]
    assert results[0]["total_kgco2e"] > 0 and "missing.csv" in results[1]["label"] and results[1]["error"]


def test_bad_arguments_are_clear_errors(capsys):
    code, _, err = run(capsys, "uncertainty", str(LAMP), "--iterations", "1")
    assert code == 2 and "at least 2 iterations" in err
    code, _, err = run(capsys, "batch", "/nonexistent/folder")
    assert code == 2 and "no such folder" in err
