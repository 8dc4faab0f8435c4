"""``footprint verify STUDY.json`` and ``footprint verify-batch FOLDER``: reproducible verification.

Exit codes: 0 passed (with or without immaterial findings), 1 failed (a blocking finding, or in a
batch: any failed or unreadable study), 2 not verifiable at all (unreadable study, dataset
mismatch, bad options: the message says why).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path


def add_verify_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by verify, verify-batch and certificate issue/renew."""
    group = parser.add_argument_group("verification")
    group.add_argument("--dataset", metavar="DIR", type=Path, help="dataset folder to recompute with (default: the installed one, or an archived copy with the study's hash)")
    group.add_argument("--datasets-dir", metavar="DIR", type=Path, action="append", default=[], help="also look for the study's dataset version in this folder (repeatable)")
    group.add_argument("--allow-dataset-mismatch", action="store_true", help="recompute even with a dataset whose hash differs from the study's (the verification then fails)")
    group.add_argument("--rules", metavar="ID|FILE", help="rule set to judge with (default: the one for the study's pcr_id)")
    group.add_argument("--rules-dir", metavar="DIR", type=Path, help="folder of rule sets (default: label_rules/)")
    group.add_argument("--date", type=date.fromisoformat, help="verification date YYYY-MM-DD (default: today, GBA time)")
    group.add_argument("--strict", action="store_true", help="fail on any difference between declared and recomputed numbers, even immaterial")


def options_from(args: argparse.Namespace, **extra):
    from ..certification.verify import VerifyOptions

    return VerifyOptions(
        dataset_dir=args.dataset,
        search_dirs=tuple(args.datasets_dir),
        allow_dataset_mismatch=args.allow_dataset_mismatch,
        rule_set=args.rules,
        rules_directory=args.rules_dir,
        verification_date=args.date,
        strict=args.strict,
        **extra,
    )


def register(subcommands) -> None:
    parser = subcommands.add_parser("verify", help="recompute a study independently and compare it with what it declares")
    parser.add_argument("study", type=Path, help="study JSON file")
    add_verify_options(parser)
    parser.add_argument("--expect-sha256", action="append", default=[], metavar="HEX", help="the study must have this sha256 (e.g. from a certificate or label)")
    parser.add_argument("--certificate", type=Path, metavar="CERT.json", help="check the study is the one this certificate was issued for (signature, hash, rule set); needs --public-key")
    parser.add_argument("--public-key", type=Path, metavar="PEM|DIR", help="the body's public key, to check the --certificate's signature")
    parser.add_argument("--out", type=Path, metavar="REPORT.json", help="write the JSON report here")
    parser.add_argument("--format", choices=("table", "json"), default="table", help="what to print on stdout")
    parser.add_argument("--lang", choices=("en", "zh"), default="en")
    parser.set_defaults(handler=run_verify)

    batch = subcommands.add_parser("verify-batch", help="verify every study JSON in a folder; writes summary.csv and summary.json")
    batch.add_argument("folder", type=Path)
    add_verify_options(batch)
    batch.add_argument("--out", type=Path, metavar="DIR", help="where to write summary.csv/.json (default: FOLDER/verification)")
    batch.add_argument("--reports", action="store_true", help="also write one JSON report per study into the output folder")
    batch.add_argument("--recursive", action="store_true", help="include sub-folders")
    batch.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    batch.set_defaults(handler=run_batch)


def run_verify(args: argparse.Namespace) -> int:
    from ..certification.clock import SystemClock, today
    from ..certification.errors import CertificationError
    from ..certification.offline import check_certificate_file
    from ..certification.verify import verify_study
    from ..output_files import write_file

    expected = list(args.expect_sha256)
    expected_rules = None
    certificate_problems: tuple[str, ...] = ()
    if args.certificate:
        if args.public_key is None:
            raise CertificationError("--certificate needs --public-key PEM|DIR (the body's public key) to check the certificate's signature")
        check = check_certificate_file(args.certificate, args.public_key, args.date or today(SystemClock()))
        if not check.signature_valid:
            certificate_problems = check.problems
        content = check.fields
        expected += [content["study"]["sha256"], content["study"]["verified_sha256"]]
        expected_rules = content["rule_set"]
    elif args.public_key is not None:
        raise CertificationError("--public-key is for checking a --certificate; give one")
    options = options_from(
        args,
        expected_sha256=tuple(h for h in expected if h),
        expected_rule_set=expected_rules,
        certificate_problems=certificate_problems,
    )
    report = verify_study(args.study, options)
    if args.out:
        write_file(args.out, report.to_json() + "\n")
    print(report.to_json() if args.format == "json" else report.render(args.lang))
    return 0 if report.passed else 1


def run_batch(args: argparse.Namespace) -> int:
    from ..certification.batch import verify_folder, write_summary

    out = args.out or (args.folder / "verification")
    result = verify_folder(
        args.folder,
        options_from(args),
        recursive=args.recursive,
        progress=not args.no_progress,
        reports_dir=out if args.reports else None,
    )
    csv_path, json_path = write_summary(result, out)
    counts = result.counts
    print(
        f"{len(result.rows)} studies: {counts['passed']} passed, {counts['passed_with_findings']} passed with findings, "
        f"{counts['failed']} failed, {counts['error']} could not be verified"
    )
    for bad in result.bad_files:
        print(f"  bad file {bad['file']}: {bad['reason']}")
    for row in result.rows:
        if row["status"] == "failed":
            print(f"  failed {row['file']}: {row['reason']}")
    print(f"summary: {csv_path}  {json_path}")
    if not result.rows:
        print(f"warning: no *.json files in {args.folder}", file=sys.stderr)
    return 0 if result.all_passed else 1
