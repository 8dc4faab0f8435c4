"""A scanned label opens the check page with its verdict: label → QR code → link → page.

The QR code is drawn by footprint.label_render with ``$GBA_CHECK_BASE_URL`` set, read back from
its PNG with the page's own decoder, and its link's query parameters are given to AppTest, as a
phone's browser opening the link would.
"""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import pytest

from footprint.check_url import CHECK_BASE_URL_ENV, check_url, qr_text
from webapp import certificate_check

from .helpers import APP, TIMEOUT, texts
from .test_check_page import body, certificate, registry, signing_key  # noqa: F401 - fixtures

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
BASE = "https://footprint.example.org"


def open_link(link: str, language: str = "en"):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state["lang"] = language
    for name, values in parse_qs(urlsplit(link).query).items():
        at.query_params[name] = values[0]
    at.run()
    assert not at.exception, at.exception
    return at


def scanned(qr) -> str:
    """What a phone reads from the QR code's PNG (the check page's own decoder)."""
    pytest.importorskip("zxingcpp")
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=4, border=4)
    reading = certificate_check.decode_qr_image(buffer.getvalue())
    assert reading.text is not None, reading.problem
    return reading.text


def test_signed_certificate_payload_link_shows_the_verdict(registry, certificate, monkeypatch):  # noqa: F811
    import segno

    from footprint.label_render import QR_ERROR

    monkeypatch.setenv(CHECK_BASE_URL_ENV, BASE)
    text = qr_text(certificate.qr_payload)
    qr = segno.make(text, error=QR_ERROR, micro=False)
    assert qr.version <= 17 and qr.error == "M"  # 85 modules at most: scannable on a printed label
    link = scanned(qr)
    assert link == check_url(certificate.qr_payload, BASE)
    at = open_link(link, "zh-Hans")
    assert at.session_state["mode"] == "check"
    assert at.session_state["check.result"]["status"].state == "valid"
    assert at.text_input(key="check.query").value == certificate.qr_payload
    assert "有效 · Valid" in texts(at.markdown) and len(at.success) == 1
    at.run()  # a rerun (any click) does not answer the address again
    assert at.session_state["check.result"]["status"].state == "valid"


def test_label_qr_code_links_to_the_check_page(registry, certificate, monkeypatch):  # noqa: F811
    from footprint.label import build_label
    from footprint.label_render import qr_code
    from footprint.study import load_study
    from webapp.config import engine_for
    from webapp.main import EXAMPLE_STUDY

    example = load_study(EXAMPLE_STUDY)  # its label names the registry's certificate, whose value is another
    study = example.model_copy(update={"certification": example.certification.model_copy(update={"certificate_no": certificate.number})})
    label = build_label(study, engine_for(None), "gba-general", require_eligible=False)
    monkeypatch.delenv(CHECK_BASE_URL_ENV, raising=False)
    assert scanned(qr_code(label)) == label.payload_text  # no base URL: the bare payload, as before
    monkeypatch.setenv(CHECK_BASE_URL_ENV, BASE + "/")
    qr = qr_code(label)
    assert qr.version <= 17 and qr.error == "M"
    link = scanned(qr)
    assert link == check_url(label.payload_text, BASE)
    at = open_link(link)
    result = at.session_state["check.result"]
    assert result["query"] == label.payload_text
    assert result["status"].state == "mismatch"  # 2.55 printed, 12.3 certified: a counterfeit label
    assert len(at.error) == 1 and "Does not match" in texts(at.markdown)


def test_damaged_link_is_refused_without_a_lookup(registry, certificate):  # noqa: F811
    at = open_link(f"{BASE}/?mode=check&p=a%2Bb")
    assert "check.result" in at.session_state and "link_problem" in at.session_state["check.result"]
    assert "not base64url" in texts(at.warning)
