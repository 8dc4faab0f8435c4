"""The public certificate check page, driven through AppTest against a real SQLite registry.

Certificates are issued into a temporary registry with a test key (as in tests/certification/);
the app opens the same file read-only through ``$GBA_REGISTRY_URL``, so every answer here is the
registry's own (``lookup_certificate``), seen through the page.
"""

from __future__ import annotations

import io
import json
import sqlite3

import pytest

from footprint.certification.lookup import lookup_certificate
from footprint.certification.registry.store import REGISTRY_URL_ENV
from tests.certification.conftest import make_request
from webapp import certificate_check
from webapp.certificate_check import RegistryUnavailable, registry_location, result_view

from .helpers import APP, TIMEOUT, texts

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def signing_key():
    from footprint.certification.signing import SigningKey

    return SigningKey.generate()


@pytest.fixture
def body():
    from footprint.certification.document import BodyFacts

    return BodyFacts(id="HKQAA", name="Hong Kong Quality Assurance Agency", name_zh="香港品质保证局")


@pytest.fixture
def registry(tmp_path, monkeypatch):
    """A registry file written by the certification body's tools; the app reads it via the env."""
    from footprint.certification.registry import Registry

    path = tmp_path / "registry.sqlite"
    registry = Registry.open(path)  # the CB side: creates the schema (system clock: valid today)
    monkeypatch.setenv(REGISTRY_URL_ENV, str(path))
    yield registry
    registry.close()


@pytest.fixture
def certificate(registry, signing_key, body):
    return registry.issue(make_request(1), signing_key, body, "alice")


def check_app(language: str = "en"):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state["lang"] = language
    at.session_state["mode"] = "check"
    at.run()
    assert not at.exception, at.exception
    return at


def ask(at, query: str):
    at.text_input(key="check.query").input(query)
    at.button(key="check.submit").click().run()
    assert not at.exception, at.exception
    return at


def shown_state(at) -> str:
    return at.session_state["check.result"]["status"].state


def facts(at) -> dict[str, str]:
    table = at.dataframe[0].value
    return dict(zip(table.iloc[:, 0], table.iloc[:, 1]))


def test_check_by_number_valid_then_suspended_then_revoked(registry, certificate):
    at = ask(check_app("en"), f"  {certificate.number.lower()} ")
    assert shown_state(at) == "valid"
    assert len(at.success) == 1 and not at.error
    assert "Valid · 有效" in texts(at.markdown)
    message = at.success[0].value
    assert "is valid" in message and "有效" in message  # both languages
    shown = facts(at)
    assert shown["Certificate number"] == certificate.number
    assert shown["Product"] == "LED lamp · LED灯"
    assert shown["Carbon footprint"] == "12.3 kg CO2e / 1 piece"
    assert shown["Certification body"] == "Hong Kong Quality Assurance Agency · HKQAA"
    assert shown["Issued on"] == certificate.issue_date.isoformat()
    assert shown["Valid until"] == certificate.expiry_date.isoformat()

    registry.suspend(certificate.number, "bob", "surveillance audit overdue")
    at.button(key="check.submit").click().run()  # same number, asked again
    assert shown_state(at) == "suspended"
    assert len(at.warning) == 1 and not at.success
    assert "suspended" in at.warning[0].value and "暂停" in at.warning[0].value
    page = texts(at.markdown) + texts(at.warning) + texts(at.caption) + at.dataframe[0].value.to_string()
    assert "surveillance" not in page  # reasons stay internal

    registry.revoke(certificate.number, "bob", "misleading use")
    ask(at, certificate.qr_payload)  # the signed QR payload, pasted
    assert shown_state(at) == "revoked"
    assert len(at.error) == 1 and "revoked" in at.error[0].value and "撤销" in at.error[0].value


def test_unknown_number_and_typo(registry, certificate):
    from footprint.certification.numbering import format_number

    year = certificate.issue_date.year
    assert certificate.number == format_number(year, "HKQAA", 1)
    other = format_number(year, "HKQAA", 2)  # well-formed, never issued
    at = ask(check_app("zh-Hans"), other)
    assert shown_state(at) == "not_found"
    assert len(at.error) == 1 and other in at.error[0].value.replace("\\", "")
    assert "未找到 · Not found" in texts(at.markdown)
    assert not at.dataframe  # nothing to show about a certificate that does not exist
    ask(at, certificate.number.replace("-000001-", "-000010-"))  # two digits swapped: the check digits catch it
    assert shown_state(at) == "invalid_input" and len(at.info) == 1


def test_counterfeit_qr_payload_is_a_mismatch(registry, certificate):
    forged = json.loads(certificate.qr_payload)
    forged["v"] = 3.1  # a lower footprint printed on a counterfeit label
    at = ask(check_app("zh-Hant"), json.dumps(forged))
    assert shown_state(at) == "mismatch"
    assert len(at.error) == 1 and "Does not match" in texts(at.markdown)
    assert facts(at)["碳足跡"] == "12.3 kg CO2e / 1 piece"  # the certified value, not the label's
    assert any("3.1" in t.value for t in at.text)


def test_photo_of_the_qr_code_is_read_and_checked(registry, certificate):
    pytest.importorskip("zxingcpp")
    import segno

    buffer = io.BytesIO()
    segno.make(certificate.qr_payload, error="m").save(buffer, kind="png", scale=4, border=4)
    at = check_app("en")
    at.file_uploader(key="check.photo").set_value(("label.png", buffer.getvalue(), "image/png")).run()
    assert not at.exception, at.exception
    assert shown_state(at) == "valid"
    assert at.text_input(key="check.query").value == certificate.qr_payload  # shown, can be re-checked
    assert "QR code read from label\\.png" in texts(at.caption)  # the file name is escaped markdown

    at.file_uploader(key="check.photo").set_value(("notes.png", b"not an image", "image/png")).run()
    assert "not a PNG or JPG image" in texts(at.warning)


def test_upload_is_hidden_without_a_decoder(registry, certificate, monkeypatch):
    monkeypatch.setattr(certificate_check, "qr_decoder_available", lambda: False)
    at = check_app("en")
    assert not at.get("file_uploader")
    assert "not available on this server" in texts(at.caption)
    assert shown_state(ask(at, certificate.number)) == "valid"  # typing still works


def test_no_registry_is_a_clear_bilingual_message(tmp_path, monkeypatch):
    missing = tmp_path / "nowhere" / "registry.sqlite"
    monkeypatch.setenv(REGISTRY_URL_ENV, str(missing))
    at = check_app("en")
    assert len(at.warning) == 1
    assert "not available on this server" in at.warning[0].value and "登记册" in at.warning[0].value
    assert not at.get("text_input") and not at.exception
    assert not missing.parent.exists()  # nothing created on disk


def test_registry_with_an_old_schema_is_refused_read_only(tmp_path, monkeypatch):
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")  # a file, but no registry in it: never migrated from the page
    monkeypatch.setenv(REGISTRY_URL_ENV, str(empty))
    at = check_app("zh-Hans")
    assert "暂时无法读取证书登记册" in at.warning[0].value and "cannot be read" in at.warning[0].value
    with sqlite3.connect(empty) as connection:  # no schema was created or migrated
        assert connection.execute("SELECT name FROM sqlite_master").fetchall() == []


def test_mode_switch_keeps_the_form_and_sessions_apart(registry, certificate):
    from .helpers import new_app

    at = new_app("en")
    at.text_input(key="f.product_name").input("Bracket").run()
    at.radio(key="mode@en").set_value("check").run()
    assert not at.exception, at.exception
    ask(at, certificate.number)
    assert shown_state(at) == "valid"
    other = check_app("en")  # another visitor: no answer, no query of the first
    assert "check.result" not in other.session_state and other.text_input(key="check.query").value == ""
    at.radio(key="mode@en").set_value("form").run()
    assert not at.exception, at.exception
    assert at.text_input(key="f.product_name").value == "Bracket"


# ------------------------------------------------------------------------------ pure functions


def test_registry_location_default_env_and_urls(tmp_path, monkeypatch):
    from footprint.certification.registry.store import default_registry_path

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert registry_location({}).sqlite_path == default_registry_path()  # as `footprint registry`
    url = registry_location({REGISTRY_URL_ENV: "postgresql://reader:secret@db.example/gba"})
    assert url.sqlite_path is None and "secret" not in url.shown and url.exists()
    sqlite_url = registry_location({REGISTRY_URL_ENV: f"sqlite:///{tmp_path}/r.sqlite"})
    assert sqlite_url.sqlite_path == tmp_path / "r.sqlite" and not sqlite_url.exists()
    with pytest.raises(RegistryUnavailable) as caught:
        certificate_check.open_registry(sqlite_url)
    assert caught.value.kind == "missing"


def test_result_view_colours_and_languages(registry, certificate):
    status = lookup_certificate(registry, certificate.number)
    view = result_view(status, "zh-Hans")
    assert (view.alert, view.colour, view.title) == ("success", "green", "有效 · Valid")
    assert "有效" in view.messages[0] and view.messages[1].startswith("Certificate")
    registry.revoke(certificate.number, "bob", "x")
    assert result_view(lookup_certificate(registry, certificate.number), "en").colour == "red"
    assert {tone[1] for state, tone in certificate_check.TONES.items() if state != "valid"}.isdisjoint({"green"})


def test_result_view_explains_a_mismatch_in_both_languages(registry, certificate):
    import json

    forged = json.loads(certificate.qr_payload)
    forged["v"] = 0.5
    view = result_view(lookup_certificate(registry, json.dumps(forged)), "zh-Hant")
    assert view.state == "mismatch" and len(view.details) == 2
    first, second = view.details[1].split("\n")
    assert "二維碼" in first and "but the certified value is" in second


def test_decode_refuses_what_is_not_a_photo_of_a_code():
    pytest.importorskip("zxingcpp")
    from PIL import Image

    assert certificate_check.decode_qr_image(b"GIF89a").problem == "not_image"
    blank = io.BytesIO()
    Image.new("L", (200, 200), 255).save(blank, format="JPEG")
    assert certificate_check.decode_qr_image(blank.getvalue()).problem == "none"
    gif = io.BytesIO()
    Image.new("L", (10, 10)).save(gif, format="GIF")
    assert certificate_check.decode_qr_image(gif.getvalue()).problem == "not_image"


def test_deep_nesting_and_keys_given_twice_are_refused_on_the_page(registry, certificate):
    at = check_app("en")
    for query in ('{"no": ' + "[" * 2_000, certificate.qr_payload.replace('"v":12.3', '"v":0.01,"v":12.3')):
        ask(at, query)  # asserts no exception reached the visitor
        assert shown_state(at) == "invalid_input" and not at.dataframe
    assert any("appears twice" in t.value for t in at.text)
    ask(at, '{"no": ' + "[" * 2_000)
    assert any("nested more than 64 levels" in t.value for t in at.text)


def test_photo_of_a_deeply_nested_qr_payload_is_refused(registry, certificate):
    pytest.importorskip("zxingcpp")
    import segno

    buffer = io.BytesIO()
    segno.make('{"sig": "x", "a": ' + "[" * 1_200, error="l").save(buffer, kind="png", scale=4, border=4)
    at = check_app("en")
    at.file_uploader(key="check.photo").set_value(("deep.png", buffer.getvalue(), "image/png")).run()
    assert not at.exception, at.exception
    assert shown_state(at) == "invalid_input"
    assert any("nested more than 64 levels" in t.value for t in at.text)
