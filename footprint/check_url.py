"""The text of a label's QR code: a link to the public check page carrying the payload, or the
bare payload.

Why a link: a phone's camera opens a URL directly, so a scanned label lands on the check page
with its verdict already shown; a bare JSON payload only shows as text. The payload travels in
the ``p`` query parameter as unpadded base64url of its raw-DEFLATE-compressed UTF-8 bytes: no
characters a QR scanner or a browser rewrites, and short enough that a label payload with its
link fits a version 17 QR code at error level M (85 modules; the bare base64 would need 97).
The check page decodes it strictly (alphabet, length, a decompression cap) and then reads it
with :func:`footprint.user_json.read_json` like any pasted payload.

The public base URL of the check page is ``$GBA_CHECK_BASE_URL`` (e.g.
``https://footprint.example.org``); without it the QR code holds the bare payload, as before.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import zlib
from collections.abc import Mapping
from urllib.parse import parse_qs, urlsplit

from .errors import InputError, RowIssue

CHECK_BASE_URL_ENV = "GBA_CHECK_BASE_URL"
PAYLOAD_PARAM = "p"
MAX_PAYLOAD_CHARS = 4096  # as footprint.certification.lookup.MAX_QUERY_CHARS
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]*$")


def check_base_url(environ: Mapping[str, str] | None = None) -> str | None:
    """The configured public base URL of the check page (http or https), or None."""
    environ = os.environ if environ is None else environ
    value = (environ.get(CHECK_BASE_URL_ENV) or "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
        raise InputError(
            issues=[
                RowIssue(
                    f"{CHECK_BASE_URL_ENV} must be an http(s) address without query, e.g. https://footprint.example.org",
                    f"{CHECK_BASE_URL_ENV} 须为不含查询参数的 http(s) 地址，例如 https://footprint.example.org",
                    field=CHECK_BASE_URL_ENV,
                    value=value,
                )
            ]
        )
    return value.rstrip("/")


def encode_payload(payload: str) -> str:
    """``payload`` compressed (raw DEFLATE) as unpadded base64url (safe in a URL query as is)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = packer.compress(payload.encode("utf-8")) + packer.flush()
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def decode_payload(value: str) -> str:
    """The payload text of a ``p`` parameter; InputError for anything but what
    :func:`encode_payload` writes (at most :data:`MAX_PAYLOAD_CHARS` bytes once unpacked)."""

    def refused(why: str, why_zh: str) -> InputError:
        return InputError(issues=[RowIssue(f"the check link's payload is {why}", f"查验链接中的数据{why_zh}", field=PAYLOAD_PARAM)])

    if len(value) > MAX_PAYLOAD_CHARS * 4 // 3 + 4:
        raise refused("too long", "过长")
    if not _BASE64URL.match(value) or len(value) % 4 == 1:
        raise refused("not base64url text", "不是 base64url 文本")
    try:
        packed = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        unpacker = zlib.decompressobj(-15)
        data = unpacker.decompress(packed, MAX_PAYLOAD_CHARS + 1)
        if len(data) > MAX_PAYLOAD_CHARS or unpacker.unconsumed_tail:
            raise refused("too long", "过长")
        if not unpacker.eof or unpacker.unused_data:
            raise refused("cut off or followed by other data", "不完整或带有多余内容")
        return data.decode("utf-8")
    except (binascii.Error, zlib.error, ValueError):
        raise refused("not a packed label payload", "不是有效的标识数据") from None


def check_url(payload: str, base_url: str) -> str:
    """The check page's address showing the verdict for ``payload``."""
    return f"{base_url.rstrip('/')}/?mode=check&{PAYLOAD_PARAM}={encode_payload(payload)}"


def qr_text(payload: str, environ: Mapping[str, str] | None = None) -> str:
    """What a label's QR code holds: the check link when a base URL is configured, else ``payload``."""
    base = check_base_url(environ)
    return check_url(payload, base) if base else payload


def payload_from_link(text: str) -> str | None:
    """The payload of a scanned check link (``…?mode=check&p=…``), None when ``text`` is not one.

    Raises InputError for a link whose ``p`` is not a well-formed payload or is given twice.
    """
    text = text.strip()
    if not text.lower().startswith(("http://", "https://")):
        return None
    values = parse_qs(urlsplit(text).query, keep_blank_values=True).get(PAYLOAD_PARAM)
    if not values:
        return None
    if len(values) != 1:
        raise InputError(issues=[RowIssue("the check link carries its payload twice", "查验链接中的数据出现了两次", field=PAYLOAD_PARAM)])
    return decode_payload(values[0])
