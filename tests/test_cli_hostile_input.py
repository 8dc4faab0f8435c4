"""Hostile input on the command line: exit 2 and one line on stderr, never a traceback.

Every hostile file is generated here. The JSON ones go through the one user JSON reader
(``footprint.user_json``).
"""

from __future__ import annotations

import pytest

from footprint.cli import main

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
