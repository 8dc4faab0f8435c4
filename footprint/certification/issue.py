"""From a passed verification to a registered, signed certificate and a certified study.

Why the study is rewritten at issue: the label (``footprint.label``) prints the certificate number
and dates from the study's ``certification`` block and its QR code names the study's sha256. So the
certificate is issued for the *certified* study: the verified file with the allocated number and
dates filled in (nothing else changes). Its hash is computed inside the registry transaction and
signed into the certificate, beside the hash of the file the body verified.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..label_value import round_label_value
from ..rules.config import config_value
from ..study import Certification, Study
from .document import (
    BodyFacts,
    CertificateRequest,
    PartyFacts,
    ProductFacts,
    SiteFacts,
    StudyRef,
    VerificationFacts,
    VersionRef,
)
from .errors import NotEligibleError
from .outputs import StagedFiles
from .registry.store import CertificateRecord, Registry
from .signing import SigningKey
from .verify import VerificationReport


def _blocking(report: VerificationReport) -> str:
    messages = [f["message"] for f in report.findings if f["severity"] == "blocking"]
    return "; ".join(messages[:3]) + (f" (+{len(messages) - 3} more)" if len(messages) > 3 else "")


def _alnum(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", text or "").upper()


def check_body(study: Study, body: BodyFacts) -> None:
    """The body issuing must be the body the study says verified it."""
    named = study.verification.body
    if not (named.id or named.name):
        return
    names = {n.strip().casefold() for n in (body.name, body.name_zh) if n}
    if _alnum(named.id) == _alnum(body.id) or named.name.strip().casefold() in names:
        return
    raise NotEligibleError(
        f"study {study.study_id!r} names {named.name or named.id!r} as its verification body, "
        f"but the key belongs to {body.name} ({body.id})"
    )


def certificate_request(report: VerificationReport) -> CertificateRequest:
    """What the certificate will state, from a passed verification; refuses a failed one."""
    if not report.passed:
        raise NotEligibleError(f"study {report.study.study_id!r} did not pass verification: {_blocking(report)}")
    study, computation, rule_set = report.study, report.computation, report.rule_set
    config = rule_set.config
    figures = int(config_value(config, "label_significant_figures"))
    headline = computation.headline
    data = report.data
    return CertificateRequest(
        product=ProductFacts(
            name=study.product.name,
            name_zh=study.product.name_zh,
            model=study.product.model,
            code=study.product.code,
            category=study.product.category,
        ),
        applicant=PartyFacts(name=study.applicant.name, name_zh=study.applicant.name_zh),
        site=SiteFacts(name=study.site.name, region=study.site.region),
        value_kgco2e=float(round_label_value(computation.total_kgco2e, figures)),
        unit=f"kg CO2e / {study.declared_unit_text}",
        declared_unit=study.declared_unit_text,
        boundary=study.boundary.type,
        basis=computation.basis,
        study=StudyRef(id=study.study_id, sha256=data["study"]["sha256"], verified_sha256=data["study"]["sha256"]),
        rule_set=VersionRef(id=rule_set.id, version=rule_set.version, sha256=rule_set.sha256),
        dataset=VersionRef(**headline.dataset),
        method_id=headline.method["id"],
        verification=VerificationFacts(
            report_sha256=report.sha256(),
            verified_total_kgco2e=computation.total_kgco2e,
            misstatement_pct=float(data["misstatement"]["misstatement_pct"] or 0.0),
            materiality_pct=float(data["misstatement"]["materiality_pct"]),
            verified_on=date.fromisoformat(data["verified_on"]),
        ),
        validity_years=int(config_value(config, "certificate_validity_years")),
        recalc_trigger_pct=float(config_value(config, "recalc_trigger_change_pct")),
    )


def certified_study(study: Study, number: str, issue_date: date, expiry_date: date) -> Study:
    """The study with its certificate number and validity filled in."""
    return study.model_copy(
        update={"certification": Certification(certificate_no=number, issue_date=issue_date, expiry_date=expiry_date)}
    )


@dataclass(frozen=True)
class Issued:
    record: CertificateRecord
    certified_study: Study
    files: list[Path] = field(default_factory=list)  # written into ``out_dir``, in this order


def issued_files(out_dir: Path, stem: str, record: CertificateRecord, study: Study) -> dict[Path, bytes]:
    """What ``certificate issue`` writes: the signed certificate, its QR payload, the certified study."""
    return {
        out_dir / f"{record.number}.certificate.json": (record.document + "\n").encode("utf-8"),
        out_dir / f"{record.number}.qr.txt": (record.qr_payload + "\n").encode("utf-8"),
        out_dir / f"{stem}.certified.json": (study.to_json() + "\n").encode("utf-8"),
    }


def issue_certificate(
    registry: Registry,
    report: VerificationReport,
    key: SigningKey,
    body: BodyFacts,
    actor: str,
    renew: str | None = None,
    reason: str = "",
    out_dir: Path | None = None,
    stem: str = "study",
) -> Issued:
    """Register and sign a certificate for a passed verification (or renew ``renew`` with it).

    With ``out_dir``, the certificate's files (:func:`issued_files`) are written there before the
    registry commits: each to an fsync'd temporary, then renamed into place. A write that fails
    (full disk) rolls the registry back (no certificate, no audit entry, the number is free
    again) and leaves no file behind; a commit that fails removes the files.
    """
    check_body(report.study, body)
    request = certificate_request(report)
    holder: dict[str, Study] = {}
    files = StagedFiles()

    def certify(number: str, issue_date: date, expiry_date: date) -> str:
        holder["study"] = certified_study(report.study, number, issue_date, expiry_date)
        return holder["study"].sha256()

    def write_files(record: CertificateRecord) -> None:
        if out_dir is None:
            return
        for path, data in issued_files(out_dir, stem, record, holder["study"]).items():
            files.stage(path, data)
        files.publish()

    try:
        if renew:
            record = registry.renew(renew, request, key, body, actor, reason=reason, certify=certify, before_commit=write_files)
        else:
            record = registry.issue(request, key, body, actor, certify=certify, before_commit=write_files)
    except BaseException:
        files.discard()
        raise
    return Issued(record, holder["study"], files.paths)
