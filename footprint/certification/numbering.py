"""Certificate numbers: ``GBA-CFP-<year>-<body>-<sequence>-<check>``.

Why this scheme:

* **Collision-free by construction.** The registry allocates ``sequence`` from one counter per
  (body, year) with a single atomic upsert, and the number is unique in the database as well.
  Two bodies never share a number because the body id is part of it; a new year starts a new
  counter, so numbers stay short.
* **Readable.** A label reader sees the scheme (GBA carbon footprint), the year of issue and
  the body at a glance: ``GBA-CFP-2025-HKQAA-000042-93``.
* **Typo-proof lookups.** The two trailing digits are an ISO 7064 MOD 97-10 check (the IBAN
  algorithm) over the rest, so a mistyped digit or two swapped characters on the public
  certificate-check page gives "not a valid certificate number" instead of silently showing a
  different product's certificate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PREFIX = "GBA-CFP"
BODY_ID = re.compile(r"^[A-Z][A-Z0-9]{1,11}$")
SEQUENCE_WIDTH = 6
_NUMBER = re.compile(r"^GBA-CFP-(?P<year>\d{4})-(?P<body>[A-Z][A-Z0-9]{1,11})-(?P<sequence>\d{6,9})-(?P<check>\d{2})$")


def _digits(text: str) -> str:
    """Letters to numbers as in ISO 13616 (A=10 ... Z=35); digits kept; separators dropped."""
    return "".join(str(int(ch, 36)) for ch in text if ch.isalnum())


def check_digits(body_text: str) -> str:
    """ISO 7064 MOD 97-10 check digits (two characters, '02'..'98') for ``body_text``."""
    return f"{98 - int(_digits(body_text) + '00') % 97:02d}"


def normalise_body_id(body_id: str) -> str:
    """Upper-case a certification-body id and check it fits the scheme (2-12 letters/digits)."""
    from .errors import CertificationError

    text = (body_id or "").strip().upper()
    if not BODY_ID.match(text):
        raise CertificationError(
            f"certification body id {body_id!r} must be 2-12 letters or digits, starting with a letter (e.g. HKQAA)"
        )
    return text


@dataclass(frozen=True, order=True)
class CertificateNumber:
    year: int
    body_id: str
    sequence: int

    def __str__(self) -> str:
        core = f"{PREFIX}-{self.year:04d}-{self.body_id}-{self.sequence:0{SEQUENCE_WIDTH}d}"
        return f"{core}-{check_digits(core)}"


def format_number(year: int, body_id: str, sequence: int) -> str:
    if not 1 <= sequence < 10**9:
        raise ValueError(f"sequence {sequence} out of range")
    return str(CertificateNumber(year, normalise_body_id(body_id), sequence))


def parse_number(text: str) -> CertificateNumber | None:
    """The parts of a well-formed number with a correct check, or None.

    Accepts lower case and surrounding blanks (people type numbers from a label).
    """
    candidate = (text or "").strip().upper()
    match = _NUMBER.match(candidate)
    if not match:
        return None
    core = candidate[: -3]
    if int(_digits(core) + match["check"]) % 97 != 1:
        return None
    number = CertificateNumber(int(match["year"]), match["body"], int(match["sequence"]))
    return number if str(number) == candidate else None  # one spelling per number (no extra zeros)


def normalise_number(text: str) -> str | None:
    """The canonical spelling of a valid certificate number, or None."""
    parsed = parse_number(text)
    return str(parsed) if parsed else None
