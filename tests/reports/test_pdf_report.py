"""The PDF footprint report: text extractable in both languages, fonts embedded, renders to PNG,
same bytes for the same study, every GB/T 24067 element present (or said to be missing)."""

from __future__ import annotations

import io
import subprocess

import pytest

from footprint.reports.numbers import significant

from .conftest import extract_text, require_font, require_tool

CERTIFICATE = "GBA-CFP-2025-0042"
MARKET_TOTAL = 5.91949


@pytest.mark.parametrize(
    ("language", "title", "unit_heading"),
    [("en", "Productcarbonfootprintreport", "Declaredunit"), ("zh", "产品碳足迹报告", "声明单位")],
)
def test_text_holds_total_unit_and_certificate(study_pdfs, study_report, language, title, unit_heading):
    text = extract_text(study_pdfs[language])
    assert study_report.result.total_kgco2e == pytest.approx(MARKET_TOTAL, rel=1e-12)
    assert significant(MARKET_TOTAL, 4) == "5.919"
    assert "5.919" in text  # the headline total
    assert "kgCO2e/1piece" in text  # the unit, as printed
    assert CERTIFICATE in text
    assert "5.92" in text  # the label value, rounded up by the label rules
    assert title in text and unit_heading in text
    assert "6.819" in text  # the location-based total, disclosed beside the market-based one
    assert "5.1…7.2" in text  # the Monte Carlo interval


def test_each_report_is_in_one_language(study_pdfs):
    english, chinese = extract_text(study_pdfs["en"]), extract_text(study_pdfs["zh"])
    assert "系统边界" not in english and "Systemboundary" in english
    assert "系统边界" in chinese and "Systemboundary" not in chinese


def test_fonts_are_embedded(study_pdfs):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(study_pdfs["zh"]))
    descriptors = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", []):
                descriptors.append(descendant.get_object()["/FontDescriptor"].get_object())
    assert descriptors
    assert all(any(key in d for key in ("/FontFile", "/FontFile2", "/FontFile3")) for d in descriptors)
    assert all("NotoSansCJK" in str(d["/FontName"]) for d in descriptors)


def test_first_page_renders_to_png(study_pdfs, tmp_path):
    require_tool("pdftoppm")
    from PIL import Image

    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(study_pdfs["zh"])
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 1
    with Image.open(pages[0]) as image:
        assert image.size[0] > 300 and image.size[1] > 400
        grey = image.convert("L")
        histogram = grey.histogram()
        dark = sum(histogram[:128])
        assert dark > 0.01 * sum(histogram)  # text and charts were drawn, not a blank page


def test_same_study_gives_the_same_bytes(study_report, study_pdfs):
    from footprint.reports import report_pdf

    assert report_pdf(study_report, "en") == study_pdfs["en"]


def test_metadata_date_comes_from_the_study(study_pdfs):
    from pypdf import PdfReader

    info = PdfReader(io.BytesIO(study_pdfs["en"])).metadata
    assert str(info["/CreationDate"]).startswith("D:20250401")  # the certificate's issue date
    assert info["/Title"] == "Product carbon footprint report"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_report_element_is_a_section(study_report, language):
    from footprint.i18n import text
    from footprint.reports.content import build_document
    from footprint.reports.document import Heading, Image

    document = build_document(study_report, language)
    headings = [block.text for block in document.blocks if isinstance(block, Heading) and block.level == 1]
    keys = ["product", "standard", "boundary", "period", "data", "ghg", "cutoff", "allocation", "electricity", "results", "separate", "uncertainty", "findings", "limitations", "dataset", "label"]
    assert headings == [text(f"report.section.{key}", language) for key in keys]
    images = [block for block in document.blocks if isinstance(block, Image)]
    assert len(images) == 3  # boundary diagram, stage chart, printed label
    assert all(image.png.startswith(b"\x89PNG") for image in images)
    body = document.text()
    assert "SCREWS" in body and "GEC-2024-0001" in body  # exclusions, certificates
    assert study_report.study.sha256() in body and study_report.result.dataset["sha256"] in body


def test_bom_report_says_what_it_cannot_state(study_engine):
    from footprint.bom import bom_from_data
    from footprint.reports.content import build_document
    from footprint.reports.inputs import prepare_report

    bom = bom_from_data(
        {
            "product": "Bracket {v2}",
            "declared_unit": "1 kg",
            "lines": [
                {"id": "H", "activity_id": "HOUSING", "amount": 0.9, "unit": "kg", "stage": "raw_materials"},
                {"id": "E", "activity_id": "ELEC-SITE", "amount": 1.5, "unit": "kWh", "stage": "manufacturing_energy", "data_type": "primary"},
            ],
        }
    )
    source = prepare_report(bom, study_engine)
    assert source.study is None and source.label is None and source.evaluation is None
    document = build_document(source, "en")
    body = document.text()
    assert "No reference period stated" in body
    assert "No rule set was evaluated" in body
    assert significant(source.result.total_kgco2e, 4) in body
    zh = build_document(source, "zh").text()
    assert "未说明时间范围" in zh and "未评估规则集" in zh
    assert document.created == ""  # no study date: the PDF falls back to SOURCE_DATE_EPOCH / epoch


def test_bom_report_pdf_with_braces_in_the_product_name(study_engine):
    require_font()
    from footprint.bom import bom_from_data
    from footprint.reports import report_pdf
    from footprint.reports.inputs import prepare_report

    bom = bom_from_data({"product": "Lamp {x} =1+1", "declared_unit": "1 kg", "lines": [{"id": "H", "activity_id": "HOUSING", "amount": 1, "unit": "kg", "stage": "raw_materials"}]})
    pdf = report_pdf(prepare_report(bom, study_engine), "en")
    text = extract_text(pdf)
    assert "Lamp{x}=1+1" in text and "12kgCO2e/1kg" in text


def test_missing_font_is_a_clear_error(monkeypatch):
    from footprint.errors import FootprintError
    from footprint.reports import fonts

    monkeypatch.setattr(fonts, "SEARCH_DIRS", ("/nonexistent",))
    monkeypatch.delenv("GBA_REPORT_FONT_DIR", raising=False)
    with pytest.raises(FootprintError, match="fonts-noto-cjk"):
        fonts.find_font("zh-Hans")


def test_significant_figures_never_use_exponents():
    assert significant(812.4567) == "812.5"
    assert significant(12345.6) == "12,346"
    assert significant(0.000123456) == "0.0001235"
    assert significant(-3.2) == "-3.2"
    assert significant(0.0) == "0"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_battery_study_report_has_the_eu_declaration(study_engine, language):
    """Hand values: tests/test_battery_declaration.py (raw material 0.002804, total 0.003514745 kg
    CO2e/kWh; 35.15 kg per battery); the section is last and only under the battery rules."""
    from footprint.i18n import text
    from footprint.reports.content import build_document
    from footprint.reports.document import Heading, Table
    from footprint.reports.inputs import prepare_report

    from ..study_fixtures import EVALUATION_DATE, battery_study_data, build_study

    study = build_study(study_engine, battery_study_data())
    source = prepare_report(study, study_engine, rule_set="gba-li-ion-battery-pack", evaluation_date=EVALUATION_DATE)
    document = build_document(source, language)
    headings = [block.text for block in document.blocks if isinstance(block, Heading) and block.level == 1]
    assert headings[-1] == text("report.section.battery", language)
    table = [block for block in document.blocks if isinstance(block, Table)][-1]
    assert [row[1] for row in table.rows] == [significant(v, 4) for v in (0.002804, 0.000605745, 0.00001, 0.000095)]
    assert table.footer[1] == significant(0.003514745, 4) and table.footer[2] == significant(35.14745, 4)
    body = document.text()
    assert ("End of life and recycling" if language == "en" else "寿命终止和回收") in body
    general = build_document(prepare_report(study, study_engine, rule_set="gba-general", evaluation_date=EVALUATION_DATE), language)
    assert text("report.section.battery", language) not in general.text()
    # without a rule set, the report follows the study's (its pcr_id names the battery rules)
    default = build_document(prepare_report(study, study_engine, evaluation_date=EVALUATION_DATE), language)
    assert [b.text for b in default.blocks if isinstance(b, Heading) and b.level == 1][-1] == text("report.section.battery", language)


def test_boundary_section_names_the_stages_after_the_gate(study_engine):
    from footprint.bom import bom_from_data
    from footprint.reports.content import build_document
    from footprint.reports.document import KeyValues
    from footprint.reports.inputs import prepare_report

    lines = [{"id": "H", "activity_id": "HOUSING", "amount": 0.9, "unit": "kg", "stage": "raw_materials"}]
    plain = bom_from_data({"product": "Bracket", "declared_unit": "1 kg", "lines": lines})
    with_eol = bom_from_data({"product": "Bracket", "declared_unit": "1 kg", "lines": [*lines, {"id": "EOL", "activity_id": "WASTE", "amount": 1, "unit": "kg", "stage": "end_of_life"}]})

    def boundary_rows(bom):
        document = build_document(prepare_report(bom, study_engine), "en")
        return dict(next(block for block in document.blocks if isinstance(block, KeyValues) and any(k == "Boundary" for k, _ in block.rows)).rows)

    rows = boundary_rows(plain)
    assert "End of life" not in rows["Stages included"] and rows["Boundary"].endswith("gate)")
    rows = boundary_rows(with_eol)
    assert rows["Boundary"].endswith(" + End of life") and "End of life" in rows["Stages included"]
