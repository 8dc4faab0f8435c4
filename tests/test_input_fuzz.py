"""Fuzzing the readers of user files: a result or a typed error, never anything else.

The BOM readers (CSV, xlsx, JSON), the study reader and ``footprint calc`` get generated input:
raw bytes, and tables and JSON close to real ones (known columns, ids that point at each other,
numbers with units, long and odd text). Each must give a result or a
:class:`~footprint.errors.FootprintError` whose message stays short; the command line exits 0 or 2
with at most a few lines on stderr. Example counts are modest so that this file runs in seconds.
"""

from __future__ import annotations

import csv
import io
import json

import openpyxl
from openpyxl.utils.exceptions import IllegalCharacterError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footprint.bom import Bom
from footprint.bom_io import read_bom
from footprint.cli import main
from footprint.errors import FootprintError
from footprint.study import Study, load_study

from .study_fixtures import lamp_study_data

FUZZ = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
MESSAGE_LIMIT = 6_000  # 20 problems of a few hundred characters, and the count of the rest

IDS = st.sampled_from(["A", "B", "C", "HOUSING", "H1", "编号", "", " ", "=cmd"])
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["1,200", "1.2e3", "0", "-1", "1e999", "NaN", "１２", "9" * 400]),
)
TEXT = st.one_of(st.text(max_size=30), st.sampled_from(["x" * 20_000, "[link](http://e.x)", "![i](http://e.x/i.png)", '"', "\ufeff", "\x00"]))
CELL = st.one_of(IDS, NUMBERS, TEXT, st.sampled_from(["kg", "g", "piece", "kWh", "度", "tkm", "STEEL", "PP", "raw_materials", "secondary"]))
COLUMNS = st.lists(
    st.sampled_from(["id", "parent", "activity_id", "amount", "unit", "stage", "data_type", "mass_kg_per_piece", "distance_km", "description", "上级", "数量", "extra", ""]),
    min_size=1,
    max_size=8,
)
HEADER_LINES = st.lists(st.sampled_from(["# product: P", "# declared_unit: 1 piece", "# mass_kg_per_piece: 0.5", '# product: "\\ud800"', "# grid: ELEC-GD", "# unknown: 1"]), max_size=4)


def table_rows(columns: list[str]):
    return st.lists(st.lists(CELL, min_size=0, max_size=len(columns) + 2), max_size=25)


def assert_result_or_typed_error(read) -> None:
    try:
        result = read()
    except FootprintError as error:
        assert len(str(error)) < MESSAGE_LIMIT
    else:
        assert isinstance(result, (Bom, Study))


# ------------------------------------------------------------------------------ BOM files


@FUZZ
@given(st.binary(max_size=2_000), st.sampled_from(["bom.csv", "bom.json", "bom.xlsx", "upload"]))
def test_any_bytes_as_a_bom(data, name):
    assert_result_or_typed_error(lambda: read_bom(data, name))


@FUZZ
@given(HEADER_LINES, COLUMNS.flatmap(lambda columns: st.tuples(st.just(columns), table_rows(columns))), st.sampled_from([",", ";", "\t"]))
def test_csv_tables_near_real_ones(header_lines, table, delimiter):
    columns, rows = table
    body = io.StringIO()
    writer = csv.writer(body, delimiter=delimiter)
    writer.writerow(columns)
    writer.writerows(rows)
    text = "\n".join(header_lines) + ("\n" if header_lines else "") + body.getvalue()
    assert_result_or_typed_error(lambda: read_bom(text.encode("utf-8", "surrogatepass"), "bom.csv"))


@settings(FUZZ, max_examples=25)
@given(COLUMNS.flatmap(lambda columns: st.tuples(st.just(columns), table_rows(columns))))
def test_xlsx_tables_near_real_ones(table):
    columns, rows = table
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["# product: P"])
    sheet.append(["# declared_unit: 1 kg"])
    sheet.append(columns)
    buffer = io.BytesIO()
    try:
        for row in rows:
            sheet.append(row)
        workbook.save(buffer)
    except (IllegalCharacterError, ValueError, TypeError):  # openpyxl refuses control characters itself
        return
    assert_result_or_typed_error(lambda: read_bom(buffer.getvalue(), "bom.xlsx"))


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT, NUMBERS),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(["id", "lines", "amount", "unit", "activity_id", "x"]), inner, max_size=4)),
    max_leaves=20,
)


@FUZZ
@given(
    st.fixed_dictionaries(
        {"product": JSON_VALUES, "declared_unit": st.one_of(JSON_VALUES, st.just({"quantity": "1 kg"})), "lines": st.lists(JSON_VALUES, max_size=5)}
    ),
    st.sampled_from(["", "[" * 3_000, '"\\ud800"', "9" * 5_000]),
)
def test_json_boms_near_real_ones(document, hostile_tail):
    text = json.dumps(document)
    if hostile_tail:
        text = text[:-1] + ', "notes": ' + hostile_tail + "}"
    assert_result_or_typed_error(lambda: read_bom(text.encode(), "bom.json"))


# ------------------------------------------------------------------------------ studies


def _replace(data: dict, path: list[int], value) -> dict:
    """``data`` with the value at a path (chosen by indexes into each level's keys) replaced."""
    node = data
    for step in path[:-1]:
        if not isinstance(node, dict) or not node:
            break
        child = node[sorted(node)[step % len(node)]]
        if not isinstance(child, dict):
            break
        node = child
    if isinstance(node, dict) and node:
        node[sorted(node)[path[-1] % len(node)]] = value
    return data


@FUZZ
@given(st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=4), JSON_VALUES, st.booleans())
def test_studies_with_a_field_replaced(tmp_path_factory, path, value, duplicate_a_key):
    text = json.dumps(_replace(lamp_study_data(), path, value))
    if duplicate_a_key:
        text = text.replace("{", '{"study_id": "X", ', 1)
    file = tmp_path_factory.mktemp("study") / "study.json"
    file.write_text(text, encoding="utf-8")
    assert_result_or_typed_error(lambda: load_study(file))


# ------------------------------------------------------------------------------ command line


@settings(FUZZ, max_examples=20)
@given(st.binary(max_size=500), st.sampled_from(["bom.csv", "bom.json"]))
def test_calc_exits_0_or_2_without_a_traceback(tmp_path_factory, capsys, data, name):
    file = tmp_path_factory.mktemp("calc") / name
    file.write_bytes(data)
    code = main(["calc", str(file)])
    err = capsys.readouterr().err
    assert code in (0, 2) and "Traceback" not in err
    assert code == 0 or err.startswith("error: ")
