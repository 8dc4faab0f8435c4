"""The public certificate check: a certificate number or a scanned QR payload in, a status out.

Why a pure function: the web app's public page, the command line and tests all answer the same
question ("is this label genuine and valid today?") and must answer it identically. The
function reads only what it is given (the registry, the text, the date), changes nothing, never
raises for what a member of the public types, and returns a plain record the page renders in
either language.

What it accepts (people paste whatever their phone shows):

* a certificate number, in any case, with blanks around it: ``gba-cfp-2025-hkqaa-000042-93``;
* a text or URL that contains one (``https://…/check?no=GBA-CFP-…``);
* the signed QR payload of a certificate (compact JSON with ``no`` and ``sig``), which is also
  compared with the payload the registry stored at issue: a label whose QR content differs from
  the registry's (another value, another study) is reported as ``mismatch``, even when the number
  is genuine;
* a check-page link (``footprint.check_url``: ``https://…/?mode=check&p=…``) carrying any of the
  payloads below, which is unpacked strictly and then read like a pasted payload;
* the label's QR payload (``footprint.label``: ``{"type": "GBA-CFP-LABEL", "cert": ...,
  "value": ..., "study_sha256": ...}``), signed or not, or any JSON payload naming a
  ``certificate_no`` (or ``number``), or only a study hash (``sh``, ``study_sha256``). The value
  and the study hash it carries are compared with the registry: a label printing another value
  than the certified one is a ``mismatch``.

States: ``valid``, ``suspended``, ``revoked``, ``superseded``, ``expired`` (from the registry),
``not_found``, ``invalid_input`` (not a well-formed number: wrong check digits, a typo),
``mismatch`` (see above), ``key_revoked`` (signed with a key the body has since revoked) and
``tampered``: the registry row disagrees with its signed document or its audit trail
(:meth:`.registry.store.Registry.check_record`), e.g. a status changed by hand-written SQL; the
row's facts are then not shown.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Protocol

from ..check_url import payload_from_link
from ..errors import InputError
from ..i18n import text
from ..user_json import read_json
from .document import QR_TYPE, canonical_bytes
from .numbering import normalise_number

MAX_QUERY_CHARS = 4096
_NUMBER_IN_TEXT = re.compile(r"GBA-CFP-\d{4}-[A-Z][A-Z0-9]{1,11}-\d{6,9}-\d{2}", re.IGNORECASE)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
NUMBER_KEYS = ("no", "cert", "certificate_no", "certificate_number", "number", "certificate")
STUDY_HASH_KEYS = ("sh", "study_sha256", "study_hash")


class _Registry(Protocol):  # what lookup needs from a registry (a test double may provide it)
    def find(self, number: str) -> Any: ...

    def find_by_study(self, study_sha256: str) -> list[Any]: ...

    def today(self) -> date: ...

    # optional: check_record(record) -> RecordCheck (the real registry has it; a double may not)


@dataclass(frozen=True)
class CertificateStatus:
    """What the public check page shows. ``state`` drives the colour; ``message`` and each of
    ``problems`` (why a label does not match, or why a number is refused) are texts by language
    (``en``, ``zh-Hans``, ``zh-Hant``), as the page and the command line show them."""

    query: str
    state: str
    found: bool
    message: dict[str, str]
    number: str = ""
    product_name: str = ""
    product_name_zh: str = ""
    product_model: str = ""
    applicant_name: str = ""
    value_kgco2e: float | None = None
    unit: str = ""
    boundary: str = ""
    body_id: str = ""
    body_name: str = ""
    issue_date: str = ""
    expiry_date: str = ""
    study_id: str = ""
    study_sha256: str = ""
    dataset_version: str = ""
    rule_set_version: str = ""
    reverification_required: bool = False
    superseded_by: str = ""
    checked_on: str = ""
    problems: tuple[dict[str, str], ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True only for a genuine certificate that is valid on the check date."""
        return self.state == "valid"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["problems"] = list(self.problems)
        data["ok"] = self.ok
        return data


def _message(state: str, **values: Any) -> dict[str, str]:
    return _texts(f"cert.lookup.{state}", **values)


def _texts(key: str, **values: Any) -> dict[str, str]:
    return {language: text(key, language, **values) for language in ("en", "zh-Hans", "zh-Hant")}


def _number_from(query: str, payload: dict[str, Any] | None) -> str | None:
    if payload is not None:
        for key in NUMBER_KEYS:
            value = payload.get(key)
            if isinstance(value, str) and value.strip():
                return value
    direct = normalise_number(query)
    if direct:
        return direct
    match = _NUMBER_IN_TEXT.search(query)
    return match.group(0) if match else None


def _json_object(query: str) -> dict[str, Any] | None:
    """The JSON object a query holds (None: the query is not JSON); raises InputError for one the
    user JSON reader refuses (a key twice, nested too deep...): a payload that can be read two
    ways must not be answered at all."""
    if not query.startswith("{"):
        return None
    data = read_json(query, "QR payload")
    return data if isinstance(data, dict) else None


def _payload_matches(stored: str, given: dict[str, Any]) -> bool:
    try:
        return canonical_bytes(json.loads(stored)) == canonical_bytes(given)
    except (json.JSONDecodeError, TypeError, ValueError):
        return False


def _claimed_value(payload: dict[str, Any]) -> Any:
    """The footprint a payload states: ``v`` in ours (``t == gba-cfp-qr/1``), ``value`` in the
    label's (where ``v`` is the payload version) and in other JSON payloads."""
    if payload.get("t") == QR_TYPE:
        return payload.get("v")
    return payload.get("value")


def _same_value(claimed: Any, certified: float) -> bool:
    try:
        value = float(claimed)
    except (TypeError, ValueError):
        return False
    return abs(value - certified) <= 1e-9 * max(1.0, abs(certified))


def _body_name(record: Any) -> str:
    try:
        return record.signed().certificate.body.name
    except Exception:  # a record without a readable document still has its columns
        return ""


def lookup_certificate(registry: _Registry, number_or_qr_payload: str, on: date | None = None) -> CertificateStatus:
    """Status of the certificate named by a number, a URL or a QR payload, on date ``on``.

    Never raises for bad input: a malformed query gives ``state == "invalid_input"``.
    """
    query = (number_or_qr_payload or "").strip()[:MAX_QUERY_CHARS]
    on = on or registry.today()
    shown = query if len(query) <= 80 else query[:77] + "…"
    if not query:
        return CertificateStatus(query, "invalid_input", False, _message("invalid_input", query=shown), checked_on=on.isoformat())

    try:
        linked = payload_from_link(query)
        if linked is not None:
            query = linked.strip()[:MAX_QUERY_CHARS]
        payload = _json_object(query)
    except InputError as error:
        (issue,) = error.issues
        refused = {"en": issue.message, "zh-Hans": issue.message_zh, "zh-Hant": issue.message_zh}
        return CertificateStatus(
            shown, "invalid_input", False, _message("invalid_input", query=shown), checked_on=on.isoformat(), problems=(refused,)
        )
    number_text = _number_from(query, payload)
    record = None
    if number_text is not None:
        number = normalise_number(number_text)
        if number is None:
            return CertificateStatus(
                shown, "invalid_input", False, _message("invalid_input", query=number_text), checked_on=on.isoformat(),
                problems=(_texts("cert.lookup_problem.check_digits"),),
            )
        record = registry.find(number)
        if record is None:
            return CertificateStatus(shown, "not_found", False, _message("not_found", number=number), number=number, checked_on=on.isoformat())
    elif payload is not None:
        study_hash = next((str(payload[k]).lower() for k in STUDY_HASH_KEYS if isinstance(payload.get(k), str)), "")
        if _SHA256.match(study_hash):
            matches = registry.find_by_study(study_hash)
            active = [r for r in matches if r.status in ("valid", "suspended")]
            record = (active or matches or [None])[-1]
        if record is None:
            return CertificateStatus(shown, "not_found", False, _message("not_found", number=study_hash[:16] or "?"), checked_on=on.isoformat())
    else:
        return CertificateStatus(shown, "invalid_input", False, _message("invalid_input", query=shown), checked_on=on.isoformat())

    check = registry.check_record(record) if hasattr(registry, "check_record") else None
    if check is not None and check.problems:  # the row is not what was signed and audited: show nothing of it
        return CertificateStatus(
            shown, "tampered", False, _message("tampered", number=record.number), number=record.number,
            checked_on=on.isoformat(), problems=(_texts("cert.lookup_problem.tampered"),),
        )  # fmt: skip
    state = record.effective_status(on)
    problems: list[dict[str, str]] = []
    if check is not None and check.key_status == "revoked":
        state = "key_revoked"
        problems.append(_texts("cert.lookup_problem.key_revoked"))
    if payload is not None and "sig" in payload and not _payload_matches(record.qr_payload, payload):
        state = "mismatch"
        problems.append(_texts("cert.lookup_problem.qr_content"))
    if payload is not None:
        claimed_hash = next((str(payload[k]).lower() for k in STUDY_HASH_KEYS if isinstance(payload.get(k), str)), None)
        if claimed_hash and claimed_hash not in (record.study_sha256, record.verified_sha256):
            state = "mismatch"
            problems.append(_texts("cert.lookup_problem.study_hash"))
        claimed_value = _claimed_value(payload)
        if claimed_value is not None and not _same_value(claimed_value, record.value_kgco2e):
            state = "mismatch"
            problems.append(_texts("cert.lookup_problem.value", claimed=claimed_value, certified=record.value_kgco2e))
    values = dict(
        number=record.number,
        expiry=record.expiry_date.isoformat(),
        successor=record.superseded_by or "",
    )
    return CertificateStatus(
        query=shown,
        state=state,
        found=True,
        message=_message(state, **values),
        number=record.number,
        product_name=record.product_name,
        product_name_zh=record.product_name_zh,
        product_model=record.product_model,
        applicant_name=record.applicant_name,
        value_kgco2e=record.value_kgco2e,
        unit=record.unit,
        boundary=record.boundary,
        body_id=record.body_id,
        body_name=_body_name(record),
        issue_date=record.issue_date.isoformat(),
        expiry_date=record.expiry_date.isoformat(),
        study_id=record.study_id,
        study_sha256=record.study_sha256,
        dataset_version=f"{record.dataset_id} {record.dataset_version}",
        rule_set_version=f"{record.rule_set_id} {record.rule_set_version}",
        reverification_required=bool(record.reverification_required),
        superseded_by=record.superseded_by or "",
        checked_on=on.isoformat(),
        problems=tuple(problems),
    )
