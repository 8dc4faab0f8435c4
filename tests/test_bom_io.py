"""footprint.bom_io: BOM files in, BOM files out, hostile input refused with a clear message.

Every fixture file is written by the test itself (tmp_path or bytes), never kept as a blob.
"""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import zipfile

import openpyxl
import pytest

from footprint.bom import Bom, Stage, bom_from_data
from footprint.bom_io import (
    MAX_FILE_BYTES,
    bom_to_rows,
    read_bom,
    read_table,
    rows_to_bom,
    write_bom_csv,
    write_bom_xlsx,
)
from footprint.errors import InputError

HEADER = {"product": "Bracket", "declared_unit": "1 piece", "mass_kg_per_piece": 0.5}

CSV = """\
# product: Aluminium bracket, anodised
# declared_unit: 1 piece
# mass_kg_per_piece: 0.5
# grid: ELEC-GD
id,parent,activity_id,amount,unit,stage,data_type,mass_kg_per_piece,distance_km,description
AL,,AL-EXTR,"1,200",g,raw_materials,secondary,,,extruded profile
HOUSING,,,2,piece,purchased_parts,,,,sub-assembly
H1,HOUSING,PP,0.3,kg,,,,,per housing
SCREW,HOUSING,STEEL,4,pcs,,,0.002,,
ELEC,,ELEC-SITE,500,度,生产能耗,一手,,,
TRUCK,,TRUCK,0.52,kg,inbound_transport,,,120,
"""


def read_text(text: str, name: str = "bom.csv", encoding: str = "utf-8", **kwargs) -> Bom:
    return read_bom(text.encode(encoding), name, **kwargs)


def refusal(data: bytes, name: str = "bom.csv", **kwargs) -> InputError:
    with pytest.raises(InputError) as caught:
        read_bom(data, name, **kwargs)
    return caught.value


def sample_bom() -> Bom:
    return read_text(CSV)


# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------


def test_csv_with_comment_header_and_nesting():
    bom = sample_bom()
    assert bom.product == "Aluminium bracket, anodised"
    assert str(bom.declared_unit) == "1 piece" and bom.declared_unit.mass_kg_per_piece == 0.5
    assert bom.grid == "ELEC-GD"
    flat = {path: (line.amount, line.unit, multiplier) for path, line, multiplier in bom.flat_lines()}
    assert flat == {
        "AL": (1200.0, "g", 1.0),
        "HOUSING/H1": (0.3, "kg", 2.0),
        "HOUSING/SCREW": (4.0, "piece", 2.0),
        "ELEC": (500.0, "kWh", 1.0),
        "TRUCK": (0.52, "kg", 1.0),
    }
    assert bom.lines[1].lines[0].stage is Stage.PURCHASED_PARTS  # inherited
    assert bom.lines[2].data_type.value == "primary"
    assert bom.warnings == []


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_delimiter_is_detected(delimiter):
    text = "id,activity_id,amount,unit,stage\nA,X,1.5,kg,raw_materials\nB,Y,2,kWh,manufacturing_energy\n"
    if delimiter != ",":
        text = text.replace(",", delimiter)
    bom = read_text(text, header={"product": "P", "declared_unit": "1 kg"})
    assert [line.amount for line in bom.lines] == [1.5, 2.0]


def test_semicolon_csv_keeps_thousands_commas_inside_cells():
    text = "# product: P\n# declared_unit: 1 kg\nid;activity_id;amount;unit;stage\nA;X;1,200.5;kg;raw_materials\n"
    assert read_text(text).lines[0].amount == 1200.5


def test_utf8_with_byte_order_mark():
    bom = read_bom(CSV.encode("utf-8-sig"), "bom.csv")
    assert bom.product == "Aluminium bracket, anodised"


def test_gb18030_csv_with_chinese_headers_and_keys():
    text = (
        "# 产品: 铝支架\n"
        "# 声明单位: 1 件\n"
        "# 单件质量kg: 0.5\n"
        "编号,上级,活动编号,数量,单位,阶段,数据类型,单件质量kg,运输距离km,说明\n"
        "A1,,AL-EXTR,3,公斤,原材料获取,一手,,,铝型材\n"
        "B1,,ELEC-SITE,500,度,生产能耗,二手,,,电\n"
        "C1,,TRUCK,0.5,吨,进厂运输,,,120,货车\n"
    )
    data = text.encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really not UTF-8: the fallback is exercised
    bom = read_bom(data, "供应商.csv")
    assert bom.product == "铝支架"
    assert str(bom.declared_unit) == "1 piece"
    assert [(line.unit, line.stage.value, line.data_type.value) for line in bom.lines] == [
        ("kg", "raw_materials", "primary"),
        ("kWh", "manufacturing_energy", "secondary"),
        ("t", "inbound_transport", "secondary"),
    ]
    assert bom.lines[0].description == "铝型材"
    assert bom.lines[2].distance_km == 120


def test_utf16_tab_separated_excel_unicode_text():
    text = "id\tactivity_id\tamount\tunit\tstage\r\nA\tX\t2\t千克\t包装\r\n"
    bom = read_bom(text.encode("utf-16"), "export.txt", header={"product": "P", "declared_unit": "1 kg"})
    assert (bom.lines[0].unit, bom.lines[0].stage) == ("kg", Stage.PACKAGING)


def test_excel_quoted_and_padded_comment_lines():
    text = (
        '"# product: Bracket, blue",,,,\n'
        "# declared_unit: 1 kg,,,,\n"
        "# a plain remark\n"
        "\n"
        "id,activity_id,amount,unit,stage\n"
        "A,X,1,kg,raw_materials\n"
    )
    bom = read_text(text)
    assert (bom.product, str(bom.declared_unit)) == ("Bracket, blue", "1 kg")


def test_unknown_columns_and_header_keys_are_warnings():
    text = (
        "# product: P\n# declared_unit: 1 kg\n# colour: red\n"
        "id,activity_id,amount,unit,stage,supplier\nA,X,1,kg,packaging,ACME\n"
    )
    bom = read_text(text)
    assert any("'supplier'" in warning for warning in bom.warnings)
    assert any("colour" in warning for warning in bom.warnings)


def test_extra_cells_are_a_warning():
    text = "id,activity_id,amount,unit,description\nA,X,1,kg,Heat sink, die-cast\n"
    bom = read_text(text, header=HEADER)
    assert bom.lines[0].description == "Heat sink"
    assert bom.warnings == [
        "row 1 has more cells than the header has columns (an unquoted comma in a description?); the extra cells were ignored"
    ]


def test_missing_required_columns_are_named():
    text = "# product: P\n# declared_unit: 1 kg\nid,qty,stage\nA,1,packaging\n"
    error = refusal(text.encode())
    assert {issue.field for issue in error.issues} == {"activity_id", "amount", "unit"}
    assert "missing required column 'amount'" in str(error)
    assert all(issue.message_zh for issue in error.issues)


def test_two_columns_with_the_same_meaning_are_refused():
    text = "id,activity_id,amount,数量,unit\nA,X,1,2,kg\n"
    assert "both mean amount" in str(refusal(text.encode(), header=HEADER))


def test_row_problems_name_rows_and_keep_raw_values():
    text = (
        "# product: P\n# declared_unit: 1 kg\n"
        "id,activity_id,amount,unit,stage\n"
        'A,X,"2,5",kg,packaging\n'
        "B,X,-1,kg,packaging\n"
        "\n"
        "C,X,nan,kg,packaging\n"
        "D,X,inf,kg,packaging\n"
        "E,X,1e12,kg,packaging\n"
        "F,X,2.5,T,packaging\n"
        "G,X,1,ton,packaging\n"
    )
    error = refusal(text.encode(), "bad.csv")
    found = {(issue.row, issue.line_id, issue.field, issue.value) for issue in error.issues}
    assert found == {
        (1, "A", "amount", "2,5"),
        (2, "B", "amount", "-1"),
        (4, "C", "amount", "nan"),  # blank row 3 still counts, as the user sees it
        (5, "D", "amount", "inf"),
        (6, "E", "amount", "1e12"),
        (7, "F", "unit", "T"),
        (8, "G", "unit", "ton"),
    }
    message = str(error)
    assert message.startswith("bad.csv: 7 problems")
    assert "use a dot as the decimal separator" in message and "write t for tonne" in message


def test_formula_text_is_kept_as_text_and_never_evaluated():
    text = (
        "# product: P\n# declared_unit: 1 kg\n"
        "id,activity_id,amount,unit,stage,description\n"
        'A,X,1,kg,packaging,"=HYPERLINK(""http://evil"",""x"")"\n'
        "B,X,=1+2,kg,packaging,\n"
    )
    error = refusal(text.encode())
    (issue,) = error.issues
    assert (issue.row, issue.field, issue.value) == (2, "amount", "=1+2")
    assert "formula" in issue.message
    ok = read_text(text.replace("=1+2", "3"))
    assert ok.lines[0].description == '=HYPERLINK("http://evil","x")'


def test_written_csv_guards_formula_text_and_reads_it_back():
    bom = bom_from_data(
        {
            "product": "P",
            "declared_unit": "1 kg",
            "lines": [
                {"id": "-A", "activity_id": "X", "amount": 1, "unit": "kg", "description": "=cmd|'/c calc'!A1", "name": "@x"}
            ],
        }
    )
    written = write_bom_csv(bom)
    assert "'=cmd" in written and "'-A" in written and "'@x" in written
    assert read_text(written).model_dump() == bom.model_dump()


def test_parent_problems():
    text = (
        "# product: P\n# declared_unit: 1 kg\n"
        "id,parent,activity_id,amount,unit,stage\n"
        "A,B,,1,piece,packaging\n"
        "B,A,,1,piece,packaging\n"
        "C,NOPE,X,1,kg,packaging\n"
        "D,D,X,1,kg,packaging\n"
    )
    error = refusal(text.encode())
    parent_issues = {(issue.row, issue.message.split(" (")[0]) for issue in error.issues if issue.field == "parent"}
    assert parent_issues == {
        (1, "the parent column goes round in a loop"),
        (2, "the parent column goes round in a loop"),
        (3, "parent 'NOPE' is not the id of any line"),
        (4, "a line cannot be its own parent"),
    }


def test_duplicate_ids_in_a_file_name_both_rows():
    text = "id,parent,activity_id,amount,unit,stage\nA,,X,1,kg,packaging\nP,,,1,piece,packaging\nA,P,Y,1,kg,packaging\n"
    (issue,) = refusal(text.encode(), header=HEADER).issues
    assert (issue.row, issue.field) == (3, "id")
    assert "first used on row 1" in issue.message


def test_header_only_table_is_refused():
    assert "no BOM rows" in str(refusal(b"id,activity_id,amount,unit,stage\n", header=HEADER))


def test_missing_product_and_declared_unit_are_reported_with_rows():
    text = "id,activity_id,amount,unit,stage\nA,X,-1,kg,packaging\n"
    error = refusal(text.encode())
    assert [(issue.row, issue.field) for issue in error.issues] == [
        (None, "product"),
        (None, "declared_unit"),
        (1, "amount"),
    ]


def test_header_argument_overrides_comments_with_a_warning():
    bom = read_text(CSV, header={"product": "Renamed"})
    assert bom.product == "Renamed"
    assert any("replaces" in warning for warning in bom.warnings)


def test_sidecar_json_supplies_the_header(tmp_path):
    table = "id,activity_id,amount,unit,stage\nA,X,1,kg,packaging\n"
    (tmp_path / "bom.csv").write_text(table, encoding="utf-8")
    (tmp_path / "bom.meta.json").write_text(json.dumps({"product": "Side", "declared_unit": "2 kg"}), encoding="utf-8")
    bom = read_bom(tmp_path / "bom.csv")
    assert (bom.product, str(bom.declared_unit)) == ("Side", "2 kg")


def test_csv_round_trip_keeps_everything():
    data = {
        "product": "Widget  ",
        "declared_unit": {"quantity": 1, "unit": "piece", "mass_kg_per_piece": 0.25, "description": "one widget"},
        "grid": "ELEC-HK",
        "notes": "line one\nline two, with comma,",
        "lines": [
            {
                "id": "A",
                "activity_id": "X",
                "amount": 0.1,
                "unit": "kg",
                "stage": "raw_materials",
                "gsd": 1.2,
                "pedigree": [1, 2, 3, 4, 5],
                "name": "Part A",
                "description": 'multi\nline "quoted", text',
            },
            {
                "id": "S",
                "amount": 3,
                "unit": "piece",
                "lines": [{"id": "S1", "activity_id": "Y", "amount": 1e-7, "unit": "t", "stage": "packaging"}],
            },
        ],
    }
    bom = bom_from_data(data)
    again = read_text(write_bom_csv(bom))
    assert again.model_dump() == bom.model_dump()
    assert again.product == "Widget"  # product names are trimmed on the way in
    assert again.notes == "line one\nline two, with comma,"


def test_bom_to_rows_lists_parents_first_as_text():
    rows = bom_to_rows(sample_bom())
    assert [(row["id"], row["parent"]) for row in rows] == [
        ("AL", ""),
        ("HOUSING", ""),
        ("H1", "HOUSING"),
        ("SCREW", "HOUSING"),
        ("ELEC", ""),
        ("TRUCK", ""),
    ]
    assert rows[0]["amount"] == "1200" and rows[3]["mass_kg_per_piece"] == "0.002"


# ---------------------------------------------------------------------------------------------
# rows_to_bom (the web form's grid)
# ---------------------------------------------------------------------------------------------


def test_rows_to_bom_accepts_grid_rows():
    rows = [
        {"id": "A", "activity_id": "X", "amount": "1 200", "unit": "kg", "stage": "原材料获取"},
        {"编号": "B", "活动编号": "Y", "数量": 2.5, "单位": "度", "阶段": "生产能耗"},
        {"id": "C", "activity_id": "Z", "amount": None, "unit": "kg", "stage": "packaging"},
    ]
    rows[2]["amount"] = "0"
    bom = rows_to_bom(rows, {"product": "P", "declared_unit": "1 kg"})
    assert [(line.id, line.amount, line.unit) for line in bom.lines] == [("A", 1200.0, "kg"), ("B", 2.5, "kWh"), ("C", 0.0, "kg")]


def test_rows_to_bom_reports_every_bad_row_with_raw_values():
    rows = [
        {"id": "A", "activity_id": "X", "amount": "2,5", "unit": "kg", "stage": "packaging"},
        {"id": "B", "activity_id": "X", "amount": "1", "unit": "kg", "stage": "packaging"},
        {"id": "C", "activity_id": "X", "amount": float("nan"), "unit": "pc", "stage": "packaging"},
        {"id": "D", "activity_id": "", "amount": "1", "unit": "parsec", "stage": "packaging", "note": "x"},
    ]
    with pytest.raises(InputError) as caught:
        rows_to_bom(rows, {"product": "P", "declared_unit": "1 kg"})
    found = {(issue.row, issue.field, issue.value) for issue in caught.value.issues}
    assert found == {(1, "amount", "2,5"), (3, "amount", "nan"), (4, "activity_id", None), (4, "unit", "parsec")}


def test_rows_to_bom_warns_about_unknown_keys():
    rows = [{"id": "A", "activity_id": "X", "amount": 1, "unit": "kg", "stage": "packaging", "supplier": "ACME"}]
    bom = rows_to_bom(rows, {"product": "P", "declared_unit": "1 kg"})
    assert any("supplier" in warning for warning in bom.warnings)


# ---------------------------------------------------------------------------------------------
# Excel
# ---------------------------------------------------------------------------------------------


def test_xlsx_round_trip(tmp_path):
    bom = sample_bom()
    path = tmp_path / "bom.xlsx"
    path.write_bytes(write_bom_xlsx(bom))
    assert read_bom(path).model_dump() == bom.model_dump()


def test_xlsx_keeps_formula_looking_text_as_a_string_cell():
    bom = bom_from_data(
        {
            "product": "P",
            "declared_unit": "1 kg",
            "lines": [{"id": "A", "activity_id": "X", "amount": 1, "unit": "kg", "description": "=1+2"}],
        }
    )
    content = write_bom_xlsx(bom)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml
    assert read_bom(content, "b.xlsx").lines[0].description == "=1+2"


def _workbook(sheets: dict[str, list[list]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


TABLE = [
    ["# product: Lamp"],
    ["# declared_unit: 1 kg"],
    ["编号", "活动编号", "数量", "单位", "阶段", "说明"],
    ["A", "AL", 1.25, "kg", "原材料获取", 2024],
    [101, "PP", "1,200", "g", "包装", None],
]


def test_xlsx_reads_the_sheet_named_bom_and_numeric_cells():
    content = _workbook({"Cover": [["nothing here"]], "BOM": TABLE})
    bom = read_bom(content, "lamp.xlsx")
    assert bom.product == "Lamp"
    assert [(line.id, line.amount, line.unit) for line in bom.lines] == [("A", 1.25, "kg"), ("101", 1200.0, "g")]
    assert bom.lines[0].description == "2024"


def test_xlsx_defaults_to_the_first_sheet():
    content = _workbook({"Sheet A": TABLE, "Other": [["x"]]})
    assert read_bom(content, "lamp.xlsx").product == "Lamp"


def test_xlsx_formula_in_an_amount_is_refused_not_evaluated():
    rows = [row[:] for row in TABLE]
    rows[3][2] = "=2*3"  # openpyxl stores this as a real formula
    error = refusal(_workbook({"BOM": rows}), "lamp.xlsx")
    (issue,) = error.issues
    assert (issue.row, issue.field, issue.value) == (1, "amount", "=2*3")
    assert "formula" in issue.message


def _zip(entries: dict[str, bytes], big_entry: tuple[str, int] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
        if big_entry:
            name, size = big_entry
            chunk = b"\0" * (1024 * 1024)
            with archive.open(name, "w", force_zip64=True) as handle:
                for _ in range(size // len(chunk)):
                    handle.write(chunk)
    return buffer.getvalue()


def test_zip_bomb_disguised_as_xlsx_is_refused_before_opening():
    bomb = _zip({"xl/workbook.xml": b"<workbook/>"}, big_entry=("xl/worksheets/sheet1.xml", 80 * 1024 * 1024))
    assert len(bomb) < MAX_FILE_BYTES  # small on disk, huge when inflated
    error = refusal(bomb, "innocent.xlsx")
    assert "unzip to 80 MB" in str(error)


def test_zip_that_is_not_a_workbook_is_refused():
    assert "not an Excel workbook" in str(refusal(_zip({"word/document.xml": b"<w/>"}), "report.xlsx"))


def test_broken_xlsx_is_refused():
    assert "not a valid .xlsx" in str(refusal(b"this is plain text", "bom.xlsx"))
    truncated = write_bom_xlsx(sample_bom())[:300]
    assert "not a valid .xlsx" in str(refusal(truncated, "bom.xlsx"))


def test_workbook_with_broken_parts_is_refused_cleanly():
    fake = _zip({"xl/workbook.xml": b"<not really a workbook", "[Content_Types].xml": b"<?xml"})
    assert "cannot read the workbook" in str(refusal(fake, "bom.xlsx"))


def test_xls_that_is_really_tab_separated_text_is_read():
    """ERP systems often export tab-separated text under a .xls name."""
    text = "id\tactivity_id\tamount\tunit\tstage\nA\tX\t1\tkg\tpackaging\n"
    assert read_text(text, "export.xls", header=HEADER).lines[0].amount == 1.0


def test_old_xls_is_refused_with_advice():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512
    assert "save it as .xlsx" in str(refusal(ole, "old.xls"))


# ---------------------------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------------------------


def test_json_round_trip(tmp_path):
    bom = sample_bom()
    path = tmp_path / "bom.json"
    path.write_text(bom.model_dump_json(indent=2), encoding="utf-8")
    assert read_bom(path).model_dump() == bom.model_dump()


def test_json_problems_are_located():
    data = json.loads(sample_bom().model_dump_json())
    data["lines"][2]["amount"] = float("nan")
    error = refusal(json.dumps(data).encode(), "bom.json")  # json.dumps writes NaN
    (issue,) = error.issues
    assert (issue.row, issue.line_id, issue.field, issue.value) == (5, "ELEC", "amount", "nan")


def test_invalid_json_says_where():
    assert "line 1, column" in str(refusal(b'{"product": ', "bom.json"))


def test_deeply_nested_json_is_refused():
    deep = b'{"lines": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert refusal(deep, "deep.json").issues


# ---------------------------------------------------------------------------------------------
# Hostile and malformed files
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"   \r\n\t\n"])
def test_empty_file(content):
    assert "empty" in str(refusal(content))


def test_binary_garbage_is_refused():
    garbage = random.Random(0).randbytes(4096)
    assert "not look like a text" in str(refusal(garbage, "bom.csv"))


def test_garbage_without_nul_bytes_is_refused():
    garbage = bytes(range(1, 256)) * 8
    assert "cannot read the text" in str(refusal(garbage, "bom.csv"))


def test_wrong_encoding_is_refused_with_advice():
    latin1 = "id,activity_id,amount,unit,stage\nCafé,X,1,kg,packaging\n".encode("latin-1")
    error = refusal(latin1, "bom.csv", header=HEADER)
    assert "CSV UTF-8" in str(error)
    assert error.issues[0].message_zh


def test_oversized_bytes_are_refused():
    error = refusal(b"a" * (MAX_FILE_BYTES + 1), "big.csv")
    assert "the limit is 5 MB" in str(error)


def test_oversized_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB on paper, nothing on disk
    with pytest.raises(InputError, match=r"50\.0 MB; the limit is 5 MB"):
        read_bom(path)


def test_missing_file():
    with pytest.raises(InputError, match="cannot open the file"):
        read_bom("/nonexistent/bom.csv")


def test_binary_file_objects_are_read_like_uploads():
    upload = io.BytesIO(CSV.encode())
    upload.name = "upload.csv"
    assert read_bom(upload).product == "Aluminium bracket, anodised"


# ------------------------------------------------------------------------------ read_table


def test_read_table_gives_rows_as_typed_with_their_row_numbers():
    text = (
        "# product: Lamp\n# colour: red\nid,activity_id,amount,unit,supplier,description\n"
        "A,AL,abc,kg,ACME,'=SUM(1)\n,,,,,\nB,,1,furlong,,x,extra\n"
    )
    table = read_table(text.encode(), "bom.csv")
    assert (table.name, table.kind, table.header, table.sidecar) == ("bom.csv", "csv", {"product": "Lamp"}, None)
    assert table.columns == {"id": 0, "activity_id": 1, "amount": 2, "unit": 3, "description": 5}
    assert [(row.number, row.extra_cells) for row in table.rows] == [(1, False), (3, True)]  # blank row 2 skipped
    assert table.rows[0].values == {"id": "A", "activity_id": "AL", "amount": "abc", "unit": "kg", "description": "=SUM(1)"}
    assert table.rows[1].values["unit"] == "furlong" and table.issues == []
    assert any("colour" in w for w in table.warnings) and any("'supplier'" in w for w in table.warnings)
    assert any("row 3 has more cells" in w for w in table.warnings)
    # read_bom validates the same rows and names the same row numbers
    rows = {issue.row for issue in refusal(text.encode()).issues if issue.row}
    assert rows == {1, 3}


def test_read_table_lists_column_problems_instead_of_raising():
    table = read_table(b"id,qty,stage\nA,1,packaging\n", "bom.csv")
    assert {issue.field for issue in table.issues} == {"activity_id", "amount", "unit"}
    assert table.columns == {"id": 0, "stage": 2} and table.rows[0].values == {"id": "A", "stage": "packaging"}


def test_read_table_reads_workbooks_and_sidecars_like_read_bom(tmp_path):
    table = read_table(_workbook({"BOM": TABLE}), "lamp.xlsx")
    assert table.kind == "xlsx" and table.header == {"product": "Lamp", "declared_unit": "1 kg"}
    assert [row.values["amount"] for row in table.rows] == ["1.25", "1,200"]
    path = tmp_path / "bom.csv"
    path.write_text("# product: From comment\nid,activity_id,amount,unit\nA,AL,1,kg\n")
    (tmp_path / "bom.meta.json").write_text(json.dumps({"product": "From sidecar", "declared_unit": "1 kg"}))
    table = read_table(path)
    assert table.sidecar == {"product": "From sidecar", "declared_unit": "1 kg"}
    assert table.header_values == {"product": "From sidecar", "declared_unit": "1 kg"}
    assert read_bom(path).product == "From sidecar"


def test_read_table_has_read_boms_guards():
    bomb = _zip({"xl/workbook.xml": b"<workbook/>"}, big_entry=("xl/worksheets/sheet1.xml", 80 * 1024 * 1024))
    for data, name, message in (
        (bomb, "innocent.xlsx", "unzip to 80 MB"),
        (b"x" * (MAX_FILE_BYTES + 1), "big.csv", "the limit is 5 MB"),
        (b"  \n", "bom.csv", "the file is empty"),
        ("名称".encode("utf-16-le") + b"\x00\x01", "bom.csv", "not look like a text"),
        (b'{"lines": []}', "bom.json", "JSON BOM is not a table"),
    ):
        with pytest.raises(InputError, match=message):
            read_table(data, name)


# ---------------------------------------------------------------------- hostile parent links

_HOSTILE_ROWS = 20_000
_PEAK_MB_LIMIT = 400  # generous: the refusal itself needs about 130 MB; before the fix, 6 GB and more


def _refusal_in_fresh_process(rows_code: str) -> dict:
    """Read a generated CSV in a new process; its peak memory (ru_maxrss) and the refusal."""
    code = f"""
import json, resource, sys
from footprint.bom_io import read_bom
from footprint.errors import InputError
rows = {rows_code}
data = ("# product: P\\n# declared_unit: 1 piece\\n# mass_kg_per_piece: 1\\nid,parent,activity_id,amount,unit\\n" + "".join(rows)).encode()
try:
    read_bom(data, "hostile.csv")
    outcome = None
except InputError as error:
    outcome = {{"issues": len(error.issues), "text": str(error), "first": error.issues[0].message}}
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"peak_mb": peak_kb / 1024, "outcome": outcome}}))
"""
    # Started through a small launcher: Linux carries ru_maxrss across fork and exec, so a child of
    # this (large) pytest process would report pytest's peak instead of its own.
    launcher = f"import subprocess, sys; sys.exit(subprocess.run([sys.executable, '-c', {code!r}]).returncode)"
    done = subprocess.run([sys.executable, "-c", launcher], capture_output=True, text=True, timeout=300, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_20000_row_parent_loop_is_refused_in_bounded_memory_naming_a_few_lines():
    measured = _refusal_in_fresh_process(f"[f'L{{i}},L{{(i + 1) % {_HOSTILE_ROWS}}},,1,piece\\n' for i in range({_HOSTILE_ROWS})]")
    assert measured["peak_mb"] < _PEAK_MB_LIMIT
    outcome = measured["outcome"]
    assert outcome["first"] == f"the parent column goes round in a loop ('L0' → 'L1' → 'L2' → 'L3' → … ({_HOSTILE_ROWS} lines))"
    assert len(outcome["text"]) < 5_000  # the first problems and "… and N more", not 40,000 lines
    assert outcome["text"].endswith(f"… and {outcome['issues'] - 20} more")


def test_a_20000_deep_parent_chain_is_refused_in_bounded_memory():
    measured = _refusal_in_fresh_process(
        f"['C0,,,1,piece\\n'] + [f'C{{i}},C{{i - 1}},,1,piece\\n' for i in range(1, {_HOSTILE_ROWS - 1})]"
        f" + ['C{_HOSTILE_ROWS - 1},C{_HOSTILE_ROWS - 2},STEEL,1,kg\\n']"
    )
    assert measured["peak_mb"] < _PEAK_MB_LIMIT
    assert "nested more than 12 levels deep" in measured["outcome"]["first"]
    assert len(measured["outcome"]["text"]) < 1_000


def test_a_short_loop_names_every_line_of_it():
    text = "# product: P\n# declared_unit: 1 kg\nid,parent,activity_id,amount,unit\nA,C,,1,piece\nB,A,,1,piece\nC,B,,1,piece\n"
    messages = {issue.message for issue in refusal(text.encode()).issues if issue.field == "parent"}
    assert messages == {"the parent column goes round in a loop ('A' → 'C' → 'B' → 'A')"}


def test_a_long_shared_string_on_every_row_is_cut_before_it_is_validated_or_echoed():
    from .hostile_files import shared_string_xlsx

    data = shared_string_xlsx(3_000, "x" * 32_000)  # 45 KB: was 490 MB of messages and 4 GB of memory
    assert len(data) < 60_000
    table = read_table(data, "shared.xlsx")
    assert max(len(value) for row in table.rows for value in row.values.values() if isinstance(value, str)) == 201
    error = refusal(data)
    assert len(error.issues) == 9_002  # three cells on each row, and the two missing header keys
    assert len(str(error)) < 10_000 and str(error).endswith("… and 8982 more")
    assert all(len(issue.describe()) < 600 for issue in error.issues)


# ---------------------------------------------------------------------------------------------
# Stages after the gate
# ---------------------------------------------------------------------------------------------

POST_GATE_CSV = CSV + """\
DIST,,TRUCK,0.52,kg,分销,,,800,to the customer
USE,,ELEC-CN-2024-LCA,120,kWh,Use,,,,10 years on the national grid
EOL,,WASTE-LANDFILL,0.5,kg,end of life,,,,landfill share
"""


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_post_gate_stages_round_trip(tmp_path, fmt):
    bom = read_text(POST_GATE_CSV)
    assert [line.stage for line in bom.lines[-3:]] == [Stage.DISTRIBUTION, Stage.USE, Stage.END_OF_LIFE]
    path = tmp_path / f"bom.{fmt}"
    if fmt == "csv":
        path.write_text(write_bom_csv(bom), encoding="utf-8")
    elif fmt == "json":
        path.write_text(bom.model_dump_json(indent=2), encoding="utf-8")
    else:
        path.write_bytes(write_bom_xlsx(bom))
    again = read_bom(path)
    assert again.model_dump() == bom.model_dump()
    assert [line.stage.value for line in again.lines[-3:]] == ["distribution", "use", "end_of_life"]
