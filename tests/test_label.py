"""The label: rounding that never understates, content from an eligible study, SVG/PNG, real QR decoding."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

import pytest


from footprint.label import LabelError, build_label, check_payload, expiry_for
from footprint.label_render import render_png, render_svg, write_label
from footprint.label_value import label_value_text, round_label_value
from footprint.rules import load_rule_set

from .study_fixtures import EVALUATION_DATE, LOCATION_TOTAL, MARKET_TOTAL, build_study, lamp_study_data, market_study_data, study_dataset, study_engine  # noqa: F401

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.23, "1.23"),
        (1.2300000000000002, "1.23"),  # float noise is not rounded up
        (1.2299999999999998, "1.23"),
        (1.2301, "1.24"),  # a real excess is
        (6.819490000000001, "6.82"),
        (9.996, "10.0"),
        (1234.1, "1240"),
        (0.0012301, "0.00124"),
        (1.2, "1.20"),
        (0.0, "0"),
    ],
)
def test_rounding_never_understates(value, text):
    assert label_value_text(value) == text
    assert round_label_value(value) >= Decimal(f"{value:.9g}")


@pytest.fixture(scope="module")
def market_study(study_engine):
    return build_study(study_engine, market_study_data())


@pytest.fixture(scope="module")
def label(study_engine, market_study):
    return build_label(market_study, study_engine, evaluation_date=EVALUATION_DATE)


def test_label_value_is_the_engine_total_rounded_up(label, study_engine, market_study):
    from footprint.study_compute import recompute

    total = recompute(market_study, study_engine).total_kgco2e
    assert total == pytest.approx(MARKET_TOTAL, rel=1e-12)
    assert label.total_kgco2e == total
    assert label.value_text == label_value_text(total) == "5.92"
    assert label.value >= Decimal(repr(total))
    assert label.unit_text == "kg CO2e / 1 piece"
    assert label.basis == "market" and label.location_based_text == label_value_text(LOCATION_TOTAL)
    assert (label.boundary.en, label.boundary.zh) == ("cradle-to-gate", "从摇篮到大门")
    assert label.certificate_no == "GBA-CFP-2025-0042" and label.body.zh == "测试认证有限公司"
    assert label.issue_date == date(2025, 4, 1) and label.expiry_date == date(2027, 3, 31)


def test_svg_shows_the_value_unit_boundary_in_both_languages(label):
    root = ET.fromstring(render_svg(label).encode("utf-8"))
    texts = {element.get("id"): element.text for element in root.iter(f"{SVG}text")}
    assert texts["label-value"] == label.value_text
    assert texts["label-unit"] == "kg CO2e / 1 piece"
    assert texts["label-boundary"] == "从摇篮到大门 · cradle-to-gate"
    assert "GBA-CFP-2025-0042" in texts["label-certificate"]
    assert texts["label-title-zh"] == "粤港澳大湾区碳足迹标识" and texts["label-title"] == "GBA Carbon Footprint Label"
    assert root.find(f".//{SVG}g[@id='label-qr']") is not None


def test_png_qr_decodes_with_a_real_decoder_and_its_hash_matches(label, market_study, study_dataset):
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    png = render_png(label)
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))
    assert len(results) == 1
    payload = check_payload(results[0].text, market_study)
    assert payload["study_sha256"] == market_study.sha256()
    assert payload["value"] == label.value_text == "5.92"
    assert payload["unit"] == "kg CO2e / 1 piece"
    assert payload["study"] == "TEST-LAMP-2024" and payload["cert"] == "GBA-CFP-2025-0042"
    assert payload["dataset"] == {"id": "study-test", "version": "0.0.1", "sha256": study_dataset.sha256}
    assert payload["rules"] == {"id": "gba-general", "version": load_rule_set("gba-general").version}


def test_svg_qr_matches_the_png_qr(label):
    """The SVG's QR path is drawn from the same segno matrix (decoded through a raster)."""
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image, ImageDraw

    from footprint.label_render import qr_code

    matrix = list(qr_code(label).matrix_iter(scale=1, border=4))
    image = Image.new("L", (len(matrix) * 4, len(matrix) * 4), 255)
    draw = ImageDraw.Draw(image)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                draw.rectangle((c * 4, r * 4, c * 4 + 3, r * 4 + 3), fill=0)
    assert zxingcpp.read_barcodes(image)[0].text == label.payload_text


def test_payload_of_another_study_version_is_refused(label, market_study):
    changed = market_study.model_copy(update={"title": "edited after certification"})
    with pytest.raises(LabelError, match="another version"):
        check_payload(label.payload_text, changed)
    with pytest.raises(LabelError, match="does not hold"):
        check_payload("https://example.invalid", market_study)


def test_ineligible_study_gets_no_label_but_a_preview(study_engine):
    data = lamp_study_data()
    data["offsets_kgco2e"] = 1.0
    study = build_study(study_engine, data)
    with pytest.raises(LabelError, match="GBA-OFF-001"):
        build_label(study, study_engine, evaluation_date=EVALUATION_DATE)
    preview = build_label(study, study_engine, evaluation_date=EVALUATION_DATE, require_eligible=False)
    assert preview.payload["preview"] is True
    assert "PREVIEW" in render_svg(preview)


def test_location_based_label_and_files(study_engine, tmp_path):
    label = build_label(build_study(study_engine, lamp_study_data()), study_engine, evaluation_date=EVALUATION_DATE)
    assert label.value_text == "6.82" and label.location_based_text is None
    svg, png = write_label(label, tmp_path)
    assert svg.read_text(encoding="utf-8").startswith("<?xml") and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(label.payload_text)["basis"] == "location"


def test_expiry_is_the_day_before_the_anniversary():
    assert expiry_for(date(2025, 4, 1), 2) == date(2027, 3, 31)
    assert expiry_for(date(2024, 2, 29), 2) == date(2026, 2, 27)


def test_label_boundary_names_the_stages_after_the_gate(study_engine):
    """A study with distribution, use and end of life in its boundary never reads "cradle-to-gate"
    alone: the value (12.02949 -> 12.1) holds those stages, and the wording says so."""
    from .study_fixtures import battery_study_data

    data = battery_study_data()
    data["product"]["category"] = ""
    data["method"]["pcr_id"] = "GBA-GENERAL"
    label = build_label(build_study(study_engine, data), study_engine, "gba-general", EVALUATION_DATE, require_eligible=False)
    assert label.boundary.en == "cradle-to-gate + distribution, use, end of life"
    assert label.boundary.zh == "从摇篮到大门 + 产品分销、使用阶段、废弃处置"
    assert label.total_kgco2e == pytest.approx(12.02949, rel=1e-9)
    assert build_label(build_study(study_engine), study_engine, "gba-general", EVALUATION_DATE).boundary.en == "cradle-to-gate"


def test_a_long_boundary_goes_on_two_lines_before_the_qr_code(study_engine):
    from footprint.label_render import TEXT_WIDTH, _lines, _text_width

    from .study_fixtures import battery_study_data

    data = battery_study_data()
    data["product"]["category"] = ""
    data["method"]["pcr_id"] = "GBA-GENERAL"
    label = build_label(build_study(study_engine, data), study_engine, "gba-general", EVALUATION_DATE, require_eligible=False)
    lines = {line.element_id: line for line in _lines(label)}
    assert lines["label-boundary"].text == label.boundary.zh and lines["label-boundary-en"].text == label.boundary.en
    for key in ("label-boundary", "label-boundary-en"):
        assert _text_width(lines[key].text, lines[key].size) <= TEXT_WIDTH + 1e-9
    assert lines["label-product"].y - lines["label-boundary-en"].y >= 20


def test_the_qr_code_is_kept_per_text_and_follows_the_check_link(label, monkeypatch):
    """One encoding per QR text: the same label gives the kept code; a check-page base URL
    changes the text, so the code of the link is made (the kept bare code is not reused)."""
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    from footprint.label_render import qr_code

    monkeypatch.delenv("GBA_CHECK_BASE_URL", raising=False)
    bare = qr_code(label)
    assert qr_code(label) is bare
    monkeypatch.setenv("GBA_CHECK_BASE_URL", "https://footprint.example.org")
    linked = qr_code(label)
    assert linked is not bare

    def scanned(code) -> str:
        buffer = io.BytesIO()
        code.save(buffer, kind="png", scale=4)
        return zxingcpp.read_barcodes(Image.open(io.BytesIO(buffer.getvalue())))[0].text

    assert scanned(bare) == label.payload_text
    assert scanned(linked).startswith("https://footprint.example.org/?mode=check&p=")
