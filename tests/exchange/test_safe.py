"""The one CSV/xlsx formula guard: every form a spreadsheet would run is neutralised, and it
round-trips through the BOM reader."""

from __future__ import annotations

import csv
import io

import pytest

from footprint.exchange.safe import csv_bytes, csv_value, is_dangerous, neutralise

HOSTILE = [
    "=1+1",
    "+1",
    "-1+1",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    " =HYPERLINK(\"http://evil\",\"x\")",
    "   +1",
    "\u3000=1+1",  # ideographic space
    "\u00a0=1+1",  # no-break space
    "＝1+1",  # full-width equals sign
    " ＝1+1",
    "﹦1+1",  # small equals sign
    "＋1",
    "－1",
    "＠SUM(A1)",
    "=cmd|' /C calc'!A0",
]
HARMLESS = ["", "LED lamp", "1+1", "a=b", "'=already quoted", "中文 = 名称", " lamp"]


@pytest.mark.parametrize("text", HOSTILE)
def test_every_formula_form_is_dangerous_and_neutralised(text):
    assert is_dangerous(text)
    assert neutralise(text) == "'" + text
    rows = list(csv.reader(io.StringIO(csv_bytes(["h"], [[text]]).decode("utf-8-sig"), newline="")))
    assert rows[1] == ["'" + text]


@pytest.mark.parametrize("text", HARMLESS)
def test_plain_text_is_left_alone(text):
    assert not is_dangerous(text) and neutralise(text) == text


def test_numbers_stay_numbers():
    assert csv_value(-3.5) == "-3.5" and csv_value(-2) == "-2" and csv_value(None) == "" and csv_value("-3.5 kg") == "'-3.5 kg"


def test_bom_csv_writer_uses_the_guard_and_reads_back(tmp_path):
    from footprint.bom import bom_from_data
    from footprint.bom_io import read_bom, write_bom_csv

    lines = [
        {"id": f"L{i}", "activity_id": "X", "amount": 1, "unit": "kg", "description": text.strip(), "name": text.strip()}
        for i, text in enumerate(t for t in HOSTILE if t.strip() and not t.startswith(("\t", "\r", "\n")))
    ]
    bom = bom_from_data({"product": "P", "declared_unit": "1 kg", "lines": lines})
    written = write_bom_csv(bom)
    data_rows = list(csv.reader(io.StringIO(written.split("\n", 2)[2])))[1:]
    for row in data_rows:
        assert all(not is_dangerous(cell) for cell in row), row
    path = tmp_path / "bom.csv"
    path.write_text(written, encoding="utf-8")
    assert read_bom(path).model_dump() == bom.model_dump()
