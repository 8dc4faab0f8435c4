"""The public certificate check: where the registry is, opening it read-only, reading a QR code
from a photo, and what the page shows for a :class:`~footprint.certification.lookup.CertificateStatus`.

Why a module without Streamlit: anyone may use the check page, so what it answers must be the
registry's own answer (:func:`footprint.certification.lookup.lookup_certificate`, the same as
``footprint registry lookup``) and must be testable without a browser. The page
(``webapp/check_page.py``) only draws what :func:`result_view` returns.

The registry is ``$GBA_REGISTRY_URL`` (a SQLAlchemy URL or a SQLite file path), else the SQLite
file the ``footprint registry`` commands use by default. It is opened with
``migrate_schema=False``: the page may run as a database user with read-only rights, and it never
creates, upgrades or writes a registry. A SQLite file that does not exist is reported as "no
registry" without touching the disk (SQLite would otherwise create an empty file).
"""

from __future__ import annotations

import importlib.util
import io
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from footprint.certification.lookup import CertificateStatus, lookup_certificate
from footprint.certification.registry.store import (
    REGISTRY_URL_ENV,
    default_registry_path,
)
from footprint.errors import FootprintError
from footprint.i18n import text, to_hong_kong
from footprint.units import format_number

log = logging.getLogger(__name__)

# Photos of a QR code: the upload box takes at most 5 MB (.streamlit/config.toml); the pixel cap
# refuses decompression bombs before any pixel is decoded, the side cap keeps decoding fast.
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
MAX_DECODE_SIDE = 3000
IMAGE_FORMATS = ("PNG", "JPEG")

# state → (alert kind, colour, icon). Green only for valid; orange for a genuine certificate the
# label may not use now; red for a label that is not (or no longer) genuine.
TONES: dict[str, tuple[str, str, str]] = {
    "valid": ("success", "green", ":material/verified:"),
    "expired": ("warning", "orange", ":material/event_busy:"),
    "suspended": ("warning", "orange", ":material/pause_circle:"),
    "superseded": ("warning", "orange", ":material/update:"),
    "revoked": ("error", "red", ":material/block:"),
    "mismatch": ("error", "red", ":material/gpp_bad:"),
    "tampered": ("error", "red", ":material/gpp_bad:"),
    "key_revoked": ("error", "red", ":material/gpp_bad:"),
    "not_found": ("error", "red", ":material/search_off:"),
    "invalid_input": ("info", "gray", ":material/help:"),
}


# ------------------------------------------------------------------------------ languages


def other_language(language: str) -> str:
    """The second language of a bilingual text: English under Chinese, Simplified under English."""
    return "zh-Hans" if language == "en" else "en"


def bilingual(key: str, language: str, **values: Any) -> list[str]:
    """``app.<key>`` in the interface language, then in the other one."""
    return [text(f"app.{key}", lang, **values) for lang in (language, other_language(language))]


# ------------------------------------------------------------------------------ the registry


@dataclass(frozen=True)
class RegistryLocation:
    """Where the registry is, without opening it."""

    target: str  # as configured: a URL or a file path
    shown: str  # for logs: the URL with its password hidden, or the file path
    sqlite_path: Path | None  # the database file of a SQLite registry

    def exists(self) -> bool:
        """False only for a SQLite registry whose file is missing (a server is tried when opened)."""
        return self.sqlite_path is None or self.sqlite_path.is_file()


def registry_location(environ: Mapping[str, str] | None = None) -> RegistryLocation:
    """``$GBA_REGISTRY_URL``, else the ``footprint registry`` default file."""
    environ = os.environ if environ is None else environ
    target = (environ.get(REGISTRY_URL_ENV) or "").strip() or str(default_registry_path())
    if "://" not in target:
        path = Path(target).expanduser().resolve()
        return RegistryLocation(target=str(path), shown=str(path), sqlite_path=path)
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(target)
    except ArgumentError:
        return RegistryLocation(target=target, shown="(unreadable registry URL)", sqlite_path=None)
    shown = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            return RegistryLocation(target=target, shown=shown, sqlite_path=Path(database).expanduser().resolve())
    return RegistryLocation(target=target, shown=shown, sqlite_path=None)


class RegistryUnavailable(Exception):
    """The registry cannot be used: ``missing`` (nothing there yet) or ``error`` (unreadable)."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


def open_registry(location: RegistryLocation):
    """The registry at ``location``, opened read-only (``migrate_schema=False``).

    Raises :class:`RegistryUnavailable`; the reason is logged for the operator, since a public
    page should not show database addresses.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from footprint.certification.registry import Registry

    if not location.exists():
        log.warning("certificate check: no registry at %s (set %s)", location.shown, REGISTRY_URL_ENV)
        raise RegistryUnavailable("missing", f"no registry at {location.shown}")
    try:
        return Registry.open(location.target, migrate_schema=False)
    except (FootprintError, SQLAlchemyError, OSError, ValueError) as error:
        log.warning("certificate check: cannot open the registry %s: %s", location.shown, error)
        raise RegistryUnavailable("error", str(error)) from None


def check(registry, query: str, on: date | None = None) -> CertificateStatus | None:
    """The registry's answer for what a visitor typed or scanned; None when the registry could
    not be read at that moment (the page then says so)."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return lookup_certificate(registry, query, on=on)
    except (FootprintError, SQLAlchemyError) as error:
        log.warning("certificate check: lookup failed: %s", error)
        return None


# ------------------------------------------------------------------------------ QR photos


def qr_decoder_available() -> bool:
    """Whether photos of QR codes can be read (zxing-cpp and Pillow installed)."""
    return all(importlib.util.find_spec(name) is not None for name in ("zxingcpp", "PIL"))


@dataclass(frozen=True)
class QrReading:
    text: str | None  # the code's content (None: nothing read)
    problem: str = ""  # app.check.qr_<problem> when nothing was read: not_image, too_large, none
    values: dict[str, Any] = field(default_factory=dict)  # for the problem's text


def _best_code(texts: list[str]) -> str:
    """Several codes in one photo: the one that names a certificate, else the first."""
    for candidate in texts:
        if "GBA-CFP" in candidate.upper() or candidate.lstrip().startswith("{"):
            return candidate
    return texts[0]


def decode_qr_image(data: bytes) -> QrReading:
    """The text of the QR code in a PNG or JPG photo. Never raises for what a visitor uploads."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_IMAGE_BYTES:
        return QrReading(None, "too_large", {"megapixels": "?"})
    try:
        with Image.open(io.BytesIO(data)) as image:  # lazy: only the header is read here
            if image.format not in IMAGE_FORMATS:
                return QrReading(None, "not_image")
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                return QrReading(None, "too_large", {"megapixels": f"{width * height / 1e6:.0f}"})
            if image.format == "JPEG":
                image.draft("L", (MAX_DECODE_SIDE, MAX_DECODE_SIDE))  # decode a JPEG at a smaller scale
            grey = image.convert("L")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError):
        return QrReading(None, "not_image")
    grey.thumbnail((MAX_DECODE_SIDE, MAX_DECODE_SIDE))
    try:
        codes = zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormat.QRCode)
    except (RuntimeError, ValueError) as error:
        log.warning("certificate check: QR decoder failed: %s", error)
        return QrReading(None, "none")
    texts = [code.text for code in codes if code.text]
    if not texts:
        return QrReading(None, "none")
    return QrReading(_best_code(texts))


# ------------------------------------------------------------------------------ the result


@dataclass(frozen=True)
class ResultView:
    """What the page shows for one check, in the interface language (status and message in both)."""

    state: str
    alert: str  # st.success / warning / error / info
    colour: str  # Streamlit markdown colour of the heading
    icon: str
    title: str  # "有效 · Valid"
    messages: list[str]  # the registry's message: interface language first, then the other
    facts: list[tuple[str, str]]  # (label, value) of the certificate, when one was found
    notes: list[str] = field(default_factory=list)  # re-verification pending (both languages)
    details: list[str] = field(default_factory=list)  # why a QR code does not match (as the lookup says), in both languages


def _status_name(state: str, language: str) -> str:
    try:
        return text(f"cert.status.{state}", language)
    except KeyError:
        return state


def _both(first: str, second: str) -> str:
    first, second = first.strip(), second.strip()
    if not first or not second or first == second:
        return first or second
    return f"{first} · {second}"


def _product(status: CertificateStatus, language: str) -> str:
    chinese = status.product_name_zh
    if language == "zh-Hant" and chinese:
        chinese = to_hong_kong(chinese)  # as for activity names
    return _both(chinese, status.product_name) if language != "en" else _both(status.product_name, chinese)


def _boundary(boundary: str, language: str) -> str:
    try:
        return text(f"common.boundary.{boundary}", language)
    except KeyError:
        return boundary


def _value(status: CertificateStatus) -> str:
    if status.value_kgco2e is None:
        return ""
    try:
        number = format_number(status.value_kgco2e)
    except ValueError:
        number = str(status.value_kgco2e)
    return f"{number} {status.unit}".strip()


def result_view(status: CertificateStatus, language: str) -> ResultView:
    alert, colour, icon = TONES.get(status.state, ("info", "gray", ":material/help:"))
    other = other_language(language)
    primary = language if language in status.message else "en"
    title = _both(_status_name(status.state, language), _status_name(status.state, other))
    messages = [status.message.get(primary, ""), status.message.get(other, "")]
    facts: list[tuple[str, str]] = []
    notes: list[str] = []
    if status.found:

        def label(key: str) -> str:
            return text(f"app.check.field.{key}", language)

        rows = [
            ("number", status.number),
            ("product", _product(status, language)),
            ("model", status.product_model),
            ("applicant", status.applicant_name),
            ("value", _value(status)),
            ("boundary", _boundary(status.boundary, language)),
            ("body", _both(status.body_name, status.body_id) if status.body_name else status.body_id),
            ("issued", status.issue_date),
            ("expires", status.expiry_date),
            ("successor", status.superseded_by),
            ("study", status.study_id),
            ("dataset", status.dataset_version),
            ("rule_set", status.rule_set_version),
            ("checked_on", status.checked_on),
        ]
        facts = [(label(key), value) for key, value in rows if value]
        if status.reverification_required:
            notes = [text("cert.lookup.reverification", lang) for lang in (language, other)]
    return ResultView(
        state=status.state,
        alert=alert,
        colour=colour,
        icon=icon,
        title=title,
        messages=[m for m in messages if m],
        facts=facts,
        notes=notes,
        details=["\n".join(dict.fromkeys((problem.get(primary, ""), problem.get(other, "")))) for problem in status.problems],
    )
