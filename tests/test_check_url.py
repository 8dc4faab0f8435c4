"""The check-page link of a label's QR code (footprint.check_url): packing, strict unpacking."""

from __future__ import annotations

import base64
import zlib

import pytest

from footprint.check_url import (
    CHECK_BASE_URL_ENV,
    MAX_PAYLOAD_CHARS,
    check_base_url,
    check_url,
    decode_payload,
    encode_payload,
    payload_from_link,
    qr_text,
)
from footprint.errors import InputError

PAYLOAD = '{"cert":"GBA-CFP-2025-HKQAA-000001-59","type":"GBA-CFP-LABEL","unit":"kg CO2e / 1 件","v":1,"value":"2.55"}'


def test_round_trip_and_url_safe():
    packed = encode_payload(PAYLOAD)
    assert set(packed) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_payload(packed) == PAYLOAD
    link = check_url(PAYLOAD, "https://footprint.example.org/")
    assert link.startswith("https://footprint.example.org/?mode=check&p=")
    assert payload_from_link(link) == PAYLOAD


def test_qr_text_is_the_bare_payload_without_a_base_url():
    assert qr_text(PAYLOAD, {}) == PAYLOAD
    assert qr_text(PAYLOAD, {CHECK_BASE_URL_ENV: "https://x.org"}) == check_url(PAYLOAD, "https://x.org")
    for bad in ("javascript:alert(1)", "ftp://x.org", "https://x.org/?a=1", "x.org"):
        with pytest.raises(InputError):
            check_base_url({CHECK_BASE_URL_ENV: bad})


def _raw(data: bytes) -> str:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return base64.urlsafe_b64encode(packer.compress(data) + packer.flush()).decode().rstrip("=")


@pytest.mark.parametrize(
    "value",
    [
        "a+b/",  # standard base64, not base64url
        "abc=",  # padding
        "A",  # impossible length
        "x" * (MAX_PAYLOAD_CHARS * 2),  # too long
        _raw(b"{" * (MAX_PAYLOAD_CHARS + 1)),  # unpacks to too much (a small zip bomb)
        _raw(b"\xff\xfe"),  # not UTF-8
        _raw(b"{}")[:-2],  # cut off
        base64.urlsafe_b64encode(b"{}").decode().rstrip("="),  # not packed
    ],
)
def test_hostile_parameters_are_refused(value):
    with pytest.raises(InputError):
        decode_payload(value)


def test_links_that_are_not_check_links():
    assert payload_from_link("GBA-CFP-2025-HKQAA-000001-59") is None
    assert payload_from_link("https://x.org/check?no=GBA-CFP-2025-HKQAA-000001-59") is None
    packed = encode_payload(PAYLOAD)
    with pytest.raises(InputError):
        payload_from_link(f"https://x.org/?mode=check&p={packed}&p={packed}")
