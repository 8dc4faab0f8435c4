"""``footprint registry ...``: the label registry from the command line.

Subcommands: ``list``, ``show``, ``lookup`` (the public check), ``expiring --days N``,
``suspend``, ``reinstate``, ``revoke``, ``recalc``, ``audit`` and ``audit-verify`` (recompute the
audit log's hash chain). The registry is
``--registry URL|PATH``, else ``$GBA_REGISTRY_URL``, else a SQLite file in the user's data folder.
Changes are recorded with ``--actor`` (default ``$GBA_ACTOR``, else user@host).

Exit codes: 0 done (``lookup``: the certificate is valid); 1 ``lookup`` found no valid
certificate (not found, suspended, revoked, expired, mismatch), ``recalc`` flagged it for
re-verification, ``audit-verify`` found the audit chain broken or a certificate row that
disagrees with its signed document or audit trail; 2 refused (unknown number, forbidden status change, database error).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import socket
from datetime import date


def add_registry_option(parser: argparse.ArgumentParser, actor: bool = False) -> None:
    parser.add_argument("--registry", metavar="URL|PATH", help="registry database: postgresql://… or a SQLite file (default $GBA_REGISTRY_URL)")
    if actor:
        parser.add_argument("--actor", help="who makes this change (default $GBA_ACTOR, else user@host)")


def actor_of(args: argparse.Namespace) -> str:
    if getattr(args, "actor", None):
        return args.actor
    if os.environ.get("GBA_ACTOR"):
        return os.environ["GBA_ACTOR"]
    try:
        user = getpass.getuser()
    except Exception:  # no login name (containers)
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def open_registry(args: argparse.Namespace):
    from ..certification.registry import Registry

    return Registry.open(args.registry)


def register(subcommands) -> None:
    parser = subcommands.add_parser("registry", help="the label registry: list, look up, suspend, revoke, recalculate, audit")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    listing = actions.add_parser("list", help="certificates, oldest first")
    listing.add_argument("--status", choices=("valid", "suspended", "revoked", "superseded", "expired", "active"))
    listing.add_argument("--format", choices=("table", "json"), default="table")
    add_registry_option(listing)
    listing.set_defaults(handler=run_list)

    show = actions.add_parser("show", help="one certificate with its signed document and audit trail (JSON)")
    show.add_argument("number")
    add_registry_option(show)
    show.set_defaults(handler=run_show)

    lookup = actions.add_parser("lookup", help="public check of a certificate number, URL or QR payload")
    lookup.add_argument("query", help="certificate number, URL or QR payload text ('-' reads stdin)")
    lookup.add_argument("--date", type=date.fromisoformat, help="check date (default today)")
    lookup.add_argument("--format", choices=("text", "json"), default="text")
    lookup.add_argument("--lang", choices=("en", "zh-Hans", "zh-Hant"), default="en")
    add_registry_option(lookup)
    lookup.set_defaults(handler=run_lookup)

    expiring = actions.add_parser("expiring", help="active certificates expiring within N days")
    expiring.add_argument("--days", type=int, default=90)
    expiring.add_argument("--format", choices=("table", "json"), default="table")
    add_registry_option(expiring)
    expiring.set_defaults(handler=run_expiring)

    for name, help_text, needs_reason in (
        ("suspend", "suspend a certificate (reinstatable)", True),
        ("reinstate", "reinstate a suspended certificate", False),
        ("revoke", "revoke a certificate (final)", True),
    ):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("number")
        action.add_argument("--reason", required=needs_reason, default="")
        add_registry_option(action, actor=True)
        action.set_defaults(handler=run_status, status_action=name)

    recalc = actions.add_parser("recalc", help="record a recalculated footprint; flags the certificate when it moved beyond the rule set's trigger")
    recalc.add_argument("number")
    source = recalc.add_mutually_exclusive_group(required=True)
    source.add_argument("--value", type=float, help="recalculated kg CO2e per declared unit")
    source.add_argument("--study", help="recalculated study JSON (recomputed with the dataset it names)")
    recalc.add_argument("--dataset", metavar="DIR", help="dataset folder for --study")
    recalc.add_argument("--note", default="")
    add_registry_option(recalc, actor=True)
    recalc.set_defaults(handler=run_recalc)

    audit = actions.add_parser("audit", help="the append-only audit log (all, or one certificate)")
    audit.add_argument("number", nargs="?")
    audit.add_argument("--format", choices=("table", "json"), default="table")
    add_registry_option(audit)
    audit.set_defaults(handler=run_audit)

    verify = actions.add_parser(
        "audit-verify", help="recompute the audit log's hash chain: exit 0 intact, 1 broken (names the first bad entry)"
    )
    verify.add_argument(
        "--anchor",
        metavar="ID:SHA256",
        type=_anchor,
        help="an entry id and hash published earlier (a previous run's head): it must still be in the log",
    )
    verify.add_argument("--format", choices=("text", "json"), default="text")
    add_registry_option(verify)
    verify.set_defaults(handler=run_audit_verify)


def _anchor(value: str) -> tuple[int, str]:
    entry_id, _, digest = value.strip().partition(":")
    digest = digest.strip().lower()
    if not entry_id.strip().isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise argparse.ArgumentTypeError(f"{value!r} is not ID:SHA256 (an entry id, a colon, 64 hex digits)")
    return int(entry_id), digest


def _table(records, on: date) -> str:
    from ..text_table import format_table

    return format_table(
        ["number", "status", "product", "model", "kg CO2e", "unit", "issued", "expires", "flags"],
        [
            [
                r.number,
                r.effective_status(on),
                r.product_name,
                r.product_model,
                f"{r.value_kgco2e:g}",
                r.unit.replace("kg CO2e / ", ""),
                r.issue_date.isoformat(),
                r.expiry_date.isoformat(),
                "re-verify" if r.reverification_required else "",
            ]
            for r in records
        ],
        align_right={4},
    )


def run_list(args: argparse.Namespace) -> int:
    with open_registry(args) as registry:
        records = registry.list(status=args.status)
        on = registry.today()
    if args.format == "json":
        print(json.dumps([r.to_dict(on) for r in records], ensure_ascii=False, indent=2))
    else:
        print(_table(records, on) if records else "no certificates")
    return 0


def run_show(args: argparse.Namespace) -> int:
    with open_registry(args) as registry:
        record = registry.get(args.number)
        data = record.to_dict(registry.today())
        data["audit"] = [e.to_dict() for e in registry.audit(record.number)]
    print(json.dumps(data, ensure_ascii=False, indent=2))
    return 0


def run_lookup(args: argparse.Namespace) -> int:
    import sys

    from ..certification.lookup import lookup_certificate

    query = sys.stdin.read() if args.query == "-" else args.query
    with open_registry(args) as registry:
        status = lookup_certificate(registry, query, on=args.date)
    if args.format == "json":
        print(json.dumps(status.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(status.message[args.lang])
        if status.found:
            print(f"  {status.product_name} {status.product_model}: {status.value_kgco2e:g} {status.unit}, {status.boundary}")
            print(f"  {status.body_name or status.body_id}; issued {status.issue_date}, valid until {status.expiry_date}")
        for problem in status.problems:
            print(f"  ! {problem[args.lang]}")
    return 0 if status.ok else 1


def run_expiring(args: argparse.Namespace) -> int:
    with open_registry(args) as registry:
        records = registry.expiring(args.days)
        on = registry.today()
    if args.format == "json":
        print(json.dumps([r.to_dict(on) for r in records], ensure_ascii=False, indent=2))
    else:
        print(_table(records, on) if records else f"no active certificate expires within {args.days} days")
    return 0


def run_status(args: argparse.Namespace) -> int:
    with open_registry(args) as registry:
        action = getattr(registry, args.status_action)
        record = action(args.number, actor_of(args), args.reason)
    print(f"{record.number}: {record.status}")
    return 0


def run_recalc(args: argparse.Namespace) -> int:
    value = args.value
    if args.study:
        from pathlib import Path

        from ..certification.verify import VerifyOptions, verify_study

        report = verify_study(args.study, VerifyOptions(dataset_dir=Path(args.dataset) if args.dataset else None))
        value = report.data["recomputed"]["total_kgco2e"]
    with open_registry(args) as registry:
        outcome = registry.record_recalculation(args.number, value, actor_of(args), note=args.note)
    print(
        f"{outcome.number}: certified {outcome.certified_kgco2e:g}, recalculated {outcome.recalculated_kgco2e:.6g} kg CO2e "
        f"({outcome.change_pct:.3g}% change, trigger {outcome.trigger_pct:g}%)"
    )
    if outcome.reverification_required:
        print("re-verification required: renew the certificate from a new verification ('footprint certificate renew')")
        return 1
    return 0


def run_audit(args: argparse.Namespace) -> int:
    from ..text_table import format_table

    with open_registry(args) as registry:
        entries = registry.audit(args.number)
    if args.format == "json":
        print(json.dumps([e.to_dict() for e in entries], ensure_ascii=False, indent=2))
        return 0
    print(
        format_table(
            ["#", "at (UTC)", "actor", "action", "certificate", "detail"],
            [[e.id, e.at.strftime("%Y-%m-%d %H:%M:%S"), e.actor, e.action, e.certificate_number or "", json.dumps(e.detail, ensure_ascii=False)[:80]] for e in entries],
        )
        if entries
        else "audit log is empty"
    )
    return 0


def run_audit_verify(args: argparse.Namespace) -> int:
    with open_registry(args) as registry:
        check = registry.verify_audit(anchor=args.anchor)
    if args.format == "json":
        print(json.dumps(check.to_dict(), ensure_ascii=False, indent=2))
    elif check.ok:
        print(f"audit log intact: {check.checked} entries, every hash and link verified")
        if check.head_id is not None:
            print(f"head: {check.head_id}:{check.head_hash}  (publish it; check later with --anchor {check.head_id}:{check.head_hash})")
    else:
        where = f" at entry {check.first_bad_id}" if check.first_bad_id is not None else ""
        print(f"audit log BROKEN{where} ({check.reason}): {check.message}")
        for number, problems in check.certificate_problems.items():
            for problem in problems:
                print(f"  {number}: {problem}")
        print(f"{check.checked} entries read")
    return 0 if check.ok else 1
