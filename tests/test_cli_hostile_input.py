"""Hostile input on the command line: exit 2 and one line on stderr, never a traceback.

Every hostile file is generated here. The JSON ones go through the one user JSON reader
(``footprint.user_json``), the output paths through the one writer (``footprint.output_files``).
"""

from __future__ import annotations

import os

import pytest

from footprint.cli import main
from footprint.study import save_study

from .study_fixtures import STUDY_DATASET, build_study, lamp_study_data, study_dataset, study_engine  # noqa: F401

HOSTILE_JSON = {
    "integer of 5000 digits": ('{"study_id": "S", "amount": ' + "9" * 5_000 + "}", "5000 characters long"),
    "100k nesting": ("[" * 100_000 + "]" * 100_000, "nested more than 64 levels"),
    "lone surrogate": ('{"study_id": "S\\ud800", "lines": []}', "unpaired UTF-16 surrogate"),
    "key twice": ('{"study_id": "S", "study_id": "T"}', "'study_id' appears twice"),
}


def one_line_refusal(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize("command", ["calc", "check", "verify"])
@pytest.mark.parametrize("kind", sorted(HOSTILE_JSON))
def test_hostile_json_is_refused_in_one_line(tmp_path, capsys, command, kind):
    text, message = HOSTILE_JSON[kind]
    path = tmp_path / "hostile.json"
    path.write_text(text, encoding="utf-8")
    assert message in one_line_refusal(capsys, [command, str(path)])


@pytest.fixture
def study_file(tmp_path, study_engine):
    return save_study(build_study(study_engine, lamp_study_data()), tmp_path / "study.json")


def output_cases(tmp_path, study_file):
    a_file = tmp_path / "a-file.txt"
    a_file.write_text("x", encoding="utf-8")
    common = ["--dataset", str(STUDY_DATASET), "--date", "2025-06-30"]
    export = ["export", str(study_file), "--format", "csv", "--dataset", str(STUDY_DATASET)]
    return {
        "export to a folder": [*export, "-o", str(tmp_path)],
        "export below a file": [*export, "-o", str(a_file / "lines.csv")],
        "verify report to a folder": ["verify", str(study_file), *common, "--out", str(tmp_path)],
        "check label into a file": ["check", str(study_file), *common, "--label-dir", str(a_file)],
        "batch summary into a file": ["verify-batch", str(tmp_path), "--dataset", str(STUDY_DATASET), "--no-progress", "--out", str(a_file)],
        "keys into a file": ["keys", "generate", "--out", str(a_file), "--body-id", "CBX", "--body-name", "X"],
    }


CASES = ["export to a folder", "export below a file", "verify report to a folder", "check label into a file", "batch summary into a file", "keys into a file"]


@pytest.mark.parametrize("case", CASES)
def test_an_output_path_that_cannot_be_written_is_refused_in_one_line(tmp_path, capsys, study_file, case):
    err = one_line_refusal(capsys, output_cases(tmp_path, study_file)[case])
    assert "cannot" in err or "does not exist" in err


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write a read-only file")
def test_a_read_only_output_file_is_refused_in_one_line(tmp_path, capsys, study_file):
    target = tmp_path / "lines.csv"
    target.write_text("", encoding="utf-8")
    target.chmod(0o444)
    argv = ["export", str(study_file), "--format", "csv", "--dataset", str(STUDY_DATASET), "-o", str(target)]
    assert "Permission denied" in one_line_refusal(capsys, argv)
