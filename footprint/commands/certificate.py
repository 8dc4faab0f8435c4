"""``footprint certificate issue|renew|verify``: signed certificates for verified studies.

``issue STUDY.json --key DIR`` verifies the study (same options as ``footprint verify``), and when
it passes allocates a number in the registry, signs the certificate with the body's key and
writes, next to the study (or into ``--out-dir``): ``<number>.certificate.json``, ``<number>.qr.txt``
(the signed QR payload), ``<study>.certified.json`` (the study with its certificate number and
dates: build the label from this one) and ``<study>.verification.json``.
``renew NUMBER STUDY.json --key DIR`` does the same and supersedes ``NUMBER``.
``verify CERT.json --public-key PEM`` (or ``--qr TEXT`` / ``--qr-file FILE``) checks offline.

Exit codes: 0 issued / genuine and valid; 1 not issued because the study did not pass
verification / signature invalid, expired or not yet valid; 2 error (message on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from .registry import actor_of, add_registry_option
from .verify import add_verify_options, options_from


def register(subcommands) -> None:
    parser = subcommands.add_parser("certificate", help="issue, renew and check signed certificates")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, help_text in (("issue", "verify a study and issue a signed certificate for it"), ("renew", "verify a recalculated study and issue a certificate superseding NUMBER")):
        action = actions.add_parser(name, help=help_text)
        if name == "renew":
            action.add_argument("number", help="certificate to supersede")
        action.add_argument("study", type=Path, help="study JSON file")
        action.add_argument("--key", required=True, type=Path, metavar="DIR", help="key folder of the body (signing_key.pem, body.json)")
        action.add_argument("--out-dir", type=Path, metavar="DIR", help="where to write the certificate and the certified study (default: the study's folder)")
        action.add_argument("--reason", default="", help="why (renewal)")
        add_registry_option(action, actor=True)
        add_verify_options(action)
        action.set_defaults(handler=run_issue, renew=name == "renew")

    check = actions.add_parser("verify", help="check a certificate file or a QR payload offline with the body's public key")
    check.add_argument("certificate", nargs="?", type=Path, help="certificate JSON file")
    check.add_argument("--qr", help="QR payload text")
    check.add_argument("--qr-file", type=Path, help="file holding the QR payload text")
    check.add_argument("--public-key", required=True, type=Path, metavar="PEM|DIR", help="the body's public key")
    check.add_argument("--date", type=date.fromisoformat, help="check validity on this date (default today)")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.set_defaults(handler=run_verify)


def run_issue(args: argparse.Namespace) -> int:
    from ..certification.body import load_body
    from ..certification.errors import NotEligibleError, OutputFileError
    from ..certification.issue import issue_certificate
    from ..certification.registry import Registry
    from ..certification.signing import load_signing_key
    from ..certification.verify import verify_study
    from ..output_files import make_folder, write_file

    key = load_signing_key(args.key)
    body = load_body(args.key, key.key_id)
    report = verify_study(args.study, options_from(args))
    out_dir = args.out_dir or args.study.parent
    make_folder(out_dir)
    stem = args.study.name.removesuffix(".json")
    write_file(out_dir / f"{stem}.verification.json", report.to_json() + "\n")
    if not report.passed:
        print(report.render(), file=sys.stderr)
        print(f"not issued: study {report.study.study_id} did not pass verification", file=sys.stderr)
        return 1
    renew = getattr(args, "number", None) if args.renew else None
    try:
        with Registry.open(args.registry) as registry:
            issued = issue_certificate(registry, report, key, body, actor_of(args), renew=renew, reason=args.reason, out_dir=out_dir, stem=stem)
    except NotEligibleError as error:
        print(f"not issued: {error}", file=sys.stderr)
        return 1
    except OutputFileError as error:
        raise OutputFileError(f"{error}; nothing was issued (the registry was rolled back), try again") from None
    record = issued.record
    certificate_path, _, certified_path = issued.files
    print(f"certificate {record.number}{' (supersedes ' + record.supersedes + ')' if record.supersedes else ''}")
    print(f"  {record.product_name} {record.product_model}: {record.value_kgco2e:g} {record.unit} ({record.boundary})")
    print(f"  valid {record.issue_date} .. {record.expiry_date}; signed with {record.key_id}")
    print(f"  {certificate_path}\n  {certified_path}  (build the label from this file)")
    return 0


def run_verify(args: argparse.Namespace) -> int:
    from ..certification.clock import SystemClock, today
    from ..certification.document import verify_payload
    from ..certification.errors import CertificationError
    from ..certification.offline import check_certificate_file, load_public_key

    sources = [s for s in (args.certificate, args.qr, args.qr_file) if s]
    if len(sources) != 1:
        raise CertificationError("give exactly one of: a certificate file, --qr TEXT, --qr-file FILE")
    on = args.date or today(SystemClock())
    if args.certificate:
        check = check_certificate_file(args.certificate, args.public_key, on)
    else:
        payload = args.qr if args.qr else args.qr_file.read_text(encoding="utf-8")
        check = verify_payload(payload, load_public_key(args.public_key), on)
    if args.format == "json":
        print(json.dumps(check.to_dict(), ensure_ascii=False, indent=2))
    else:
        verdict = {
            "valid": "GENUINE and valid",
            "expired": "genuine, but EXPIRED",
            "not_yet_valid": "genuine, but NOT YET VALID",
            "invalid": "NOT GENUINE",
        }[check.state]
        print(f"{check.number or '(no number)'}: {verdict} (key {check.key_id or '?'}, checked on {on.isoformat()})")
        for problem in check.problems:
            print(f"  ! {problem}")
        if check.signature_valid:
            print("  suspension or revocation cannot be seen offline: check the registry ('footprint registry lookup')")
    return 0 if check.ok else 1
