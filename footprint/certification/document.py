"""The certificate document, its canonical bytes, its Ed25519 signature and its QR payload.

Why a signed document and not just a database row: a certificate is shown to customers,
customs and retailers who have no access to the registry. With the body's public key anyone can
check offline that the number, product, value, dates and the study hash are exactly what the body
issued. The registry adds what a signature cannot carry: the *current* status (suspended,
revoked, superseded), which the public check page shows.

Canonical bytes: JSON with sorted keys, no whitespace, UTF-8, dates as ISO text and floats in
Python's shortest round-trip form, so that a document read back and re-serialised gives the very
bytes that were signed.

The QR payload is a compact signed JSON object (short keys, ``sig`` over the canonical JSON of all
other keys), small enough for a label's QR code and checkable offline by
``footprint certificate verify --qr``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import InputError
from ..user_json import read_json
from .errors import CertificationError, SignatureError
from .signing import ALGORITHM, SigningKey, VerifyKey, b64decode, b64encode

FORMAT = "gba-cfp-certificate/1"
QR_TYPE = "gba-cfp-qr/1"


def canonical_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode("utf-8")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProductFacts(_Frozen):
    name: str
    name_zh: str = ""
    model: str = ""
    code: str = ""
    category: str = ""


class PartyFacts(_Frozen):
    name: str
    name_zh: str = ""


class SiteFacts(_Frozen):
    name: str = ""
    region: str = ""


class StudyRef(_Frozen):
    """The study a certificate is for.

    ``verified_sha256`` is the hash of the study file the body verified. ``sha256`` is the hash
    of the *certified* study: the same file with its ``certification`` block (certificate number,
    issue and expiry dates) filled in at issue, which is what the label's QR code names. Both are
    equal when no certified copy was written.
    """

    id: str
    sha256: str = Field(pattern="^[0-9a-f]{64}$")
    verified_sha256: str = Field("", pattern="^([0-9a-f]{64})?$")


class VersionRef(_Frozen):
    id: str
    version: str
    sha256: str = ""


class VerificationFacts(_Frozen):
    report_sha256: str = ""
    verified_total_kgco2e: float
    misstatement_pct: float
    materiality_pct: float
    verified_on: date


class BodyFacts(_Frozen):
    id: str
    name: str
    name_zh: str = ""


class CertificateContent(_Frozen):
    """What the body certifies. Immutable once signed; the lifecycle lives in the registry."""

    format: Literal["gba-cfp-certificate/1"] = FORMAT
    number: str
    product: ProductFacts
    applicant: PartyFacts
    site: SiteFacts = SiteFacts()
    value_kgco2e: float
    unit: str
    declared_unit: str
    boundary: str
    basis: str = "location"
    study: StudyRef
    rule_set: VersionRef
    dataset: VersionRef
    method_id: str = ""
    verification: VerificationFacts
    body: BodyFacts
    issue_date: date
    expiry_date: date
    supersedes: str | None = None

    def canonical(self) -> bytes:
        return canonical_bytes(self.model_dump(mode="json"))


class Signature(_Frozen):
    algorithm: Literal["Ed25519"] = ALGORITHM
    key_id: str
    value: str


class SignedCertificate(_Frozen):
    certificate: CertificateContent
    signature: Signature

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, indent=indent)


def sign_certificate(content: CertificateContent, key: SigningKey) -> SignedCertificate:
    return SignedCertificate(
        certificate=content,
        signature=Signature(key_id=key.key_id, value=b64encode(key.sign(content.canonical()))),
    )


def parse_certificate(text: str | bytes, source: str = "certificate") -> SignedCertificate:
    """Read a signed certificate (JSON); a malformed one is a CertificationError, not a crash."""
    try:
        data = read_json(text)
    except InputError as error:
        raise CertificationError(f"{source}: not a certificate ({error})") from None
    try:
        return SignedCertificate.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise CertificationError(f"{source}: not a valid certificate ({where}: {first['msg']})") from None


def load_certificate(path: str | Path) -> SignedCertificate:
    path = Path(path)
    try:
        return parse_certificate(path.read_bytes(), str(path))
    except OSError as error:
        raise CertificationError(f"cannot read certificate {path}: {error.strerror}") from None


# ------------------------------------------------------------------ offline checks


@dataclass(frozen=True)
class OfflineCheck:
    """The outcome of an offline check: is the signature good, and is the date within validity.

    ``state`` is ``valid``, ``expired``, ``not_yet_valid`` or ``invalid``. Whether the body has
    since suspended or revoked the certificate cannot be known offline: see ``lookup``.
    """

    state: str
    signature_valid: bool
    key_id: str
    number: str
    fields: dict[str, Any] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.state == "valid"

    def to_dict(self) -> dict:
        return {
            "state": self.state,
            "signature_valid": self.signature_valid,
            "key_id": self.key_id,
            "number": self.number,
            "problems": list(self.problems),
            "fields": self.fields,
        }


def _date_state(issue: date, expiry: date, on: date) -> tuple[str, tuple[str, ...]]:
    if on < issue:
        return "not_yet_valid", (f"issued {issue.isoformat()}, after the check date {on.isoformat()}",)
    if on > expiry:
        return "expired", (f"expired on {expiry.isoformat()}",)
    return "valid", ()


def verify_certificate(signed: SignedCertificate, key: VerifyKey, on: date) -> OfflineCheck:
    content = signed.certificate
    fields = content.model_dump(mode="json")
    problems: list[str] = []
    if signed.signature.key_id != key.key_id:
        problems.append(f"signed with key {signed.signature.key_id}, but the public key given is {key.key_id}")
    try:
        raw = b64decode(signed.signature.value)
    except ValueError:
        raw = b""
    good = not problems and key.verify(content.canonical(), raw)
    if not good:
        if not problems:
            problems.append("the signature does not match the content: the certificate was altered or not signed by this key")
        return OfflineCheck("invalid", False, signed.signature.key_id, content.number, fields, tuple(problems))
    state, notes = _date_state(content.issue_date, content.expiry_date, on)
    return OfflineCheck(state, True, key.key_id, content.number, fields, notes)


# ------------------------------------------------------------------ QR payload


def qr_fields(content: CertificateContent) -> dict[str, Any]:
    """The facts carried by the label's QR code (short keys: a QR code holds ~1-2 kB at best)."""
    return {
        "t": QR_TYPE,
        "no": content.number,
        "sid": content.study.id,
        "sh": content.study.sha256,
        "v": content.value_kgco2e,
        "u": content.unit,
        "ds": f"{content.dataset.id}@{content.dataset.version}",
        "rs": f"{content.rule_set.id}@{content.rule_set.version}",
        "b": content.body.id,
        "iss": content.issue_date.isoformat(),
        "exp": content.expiry_date.isoformat(),
    }


def sign_payload(fields: dict[str, Any], key: SigningKey) -> str:
    """Compact JSON of ``fields`` plus ``kid`` and ``sig`` (signature over all other keys)."""
    if "sig" in fields:
        raise ValueError("fields already carry a signature")
    unsigned = {**fields, "kid": key.key_id}
    signature = b64encode(key.sign(canonical_bytes(unsigned)))
    return json.dumps({**unsigned, "sig": signature}, ensure_ascii=False, separators=(",", ":"))


def parse_payload(text: str) -> dict[str, Any] | None:
    """The JSON object of a signed payload, or None when ``text`` is not one.

    Raises :class:`~footprint.errors.InputError` for text that starts like a JSON object but that
    the user JSON reader refuses (invalid, a key given twice, nested too deep...), saying why.
    """
    text = (text or "").strip()
    if not text.startswith("{"):
        return None
    data = read_json(text, "QR payload")
    return data if isinstance(data, dict) and isinstance(data.get("sig"), str) else None


def verify_payload(text: str, key: VerifyKey, on: date) -> OfflineCheck:
    """Check a QR payload offline: signature by ``key``, and dates when the payload has them."""
    data = parse_payload(text)
    if data is None:
        raise SignatureError("not a signed QR payload (expected a JSON object with 'sig')")
    unsigned = {k: v for k, v in data.items() if k != "sig"}
    number = str(data.get("no") or data.get("cert") or data.get("certificate_no") or "")
    key_id = str(data.get("kid") or "")
    problems: list[str] = []
    if key_id != key.key_id:
        problems.append(f"signed with key {key_id or '(none)'}, but the public key given is {key.key_id}")
    try:
        raw = b64decode(data["sig"])
    except ValueError:
        raw = b""
    if problems or not key.verify(canonical_bytes(unsigned), raw):
        problems = problems or ["the signature does not match the payload: it was altered or not signed by this key"]
        return OfflineCheck("invalid", False, key_id, number, unsigned, tuple(problems))
    try:  # our compact keys, or the label payload's (footprint.label)
        issue = date.fromisoformat(str(data.get("iss", data.get("issued"))))
        expiry = date.fromisoformat(str(data.get("exp", data.get("expires"))))
    except (KeyError, ValueError):
        return OfflineCheck("valid", True, key_id, number, unsigned, ("the payload carries no validity dates",))
    state, notes = _date_state(issue, expiry, on)
    return OfflineCheck(state, True, key_id, number, unsigned, notes)


# ------------------------------------------------------------------ what an issuer asks for


class CertificateRequest(_Frozen):
    """Everything a certificate states except what the registry allocates (number, dates, body).

    Built from a passed verification (``verify.certificate_request``) and handed to
    ``Registry.issue`` or ``Registry.renew``. ``validity_years`` and ``recalc_trigger_pct`` come
    from the rule set the study was judged against (``certificate_validity_years``,
    ``recalc_trigger_change_pct``).
    """

    product: ProductFacts
    applicant: PartyFacts
    site: SiteFacts = SiteFacts()
    value_kgco2e: float = Field(gt=0)
    unit: str
    declared_unit: str
    boundary: str
    basis: str = "location"
    study: StudyRef
    rule_set: VersionRef
    dataset: VersionRef
    method_id: str = ""
    verification: VerificationFacts
    validity_years: int = Field(ge=1, le=10)
    recalc_trigger_pct: float = Field(ge=0)

    def content(self, number: str, body: BodyFacts, issue_date: date, expiry_date: date, supersedes: str | None = None) -> CertificateContent:
        facts = self.model_dump(exclude={"validity_years", "recalc_trigger_pct"})
        return CertificateContent(
            number=number, body=body, issue_date=issue_date, expiry_date=expiry_date, supersedes=supersedes, **facts
        )
