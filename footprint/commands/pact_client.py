"""``footprint pact-client``: fetch footprints from a PACT v3 host, ask it for one.

    footprint pact-client list  --host URL --client-id ID [filters]
    footprint pact-client fetch --host URL --client-id ID [--id PFID | filters] -o supplier.pact.json \\
        [--add-to bom.json --line-id L --amount N [--unit U] --bom-out bom-with-supplier.json]
    footprint pact-client request --host URL --client-id ID --source URL [filters]

The secret is read from ``$GBA_PACT_CLIENT_SECRET`` (or ``--secret-env NAME``); ``--secret`` also
works but is visible to other users in the process list. ``fetch --add-to`` appends the footprint
to a BOM as a supplier line (``footprint.exchange.pact.supplier_line``); compute that BOM with
``footprint report|export BOM --supplier supplier.pact.json``.

Where it connects: wherever ``--host`` leads, by default. The command runs on its user's own
machine, so the address is typed by someone who can already reach that machine's network: there
is no one to protect the network from, and blocking private addresses would break hosts on a
company network and a host run locally. ``--public-only`` applies the web form's guard
(:mod:`footprint.pact_host.address_guard`: public addresses only, plus
``$GBA_PACT_ALLOWED_NETWORKS``) for a script that runs on a server with addresses others gave it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from ..errors import FootprintError
from ..output_files import write_file
from ._subject import write_output

FILTERS = ("product-id", "company-id", "geography", "classification", "valid-on", "valid-after", "valid-before", "status")
SECRET_ENV = "GBA_PACT_CLIENT_SECRET"


def _add_connection(parser: argparse.ArgumentParser, filters: bool = True) -> None:
    parser.add_argument("--host", required=True, help="base URL of the PACT host, e.g. https://pact.supplier.example")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--secret", help=f"client secret (prefer ${SECRET_ENV}: arguments are visible in ps)")
    parser.add_argument(
        "--public-only",
        action="store_true",
        help="connect only to public addresses, as the web form does (for addresses others gave you); $GBA_PACT_ALLOWED_NETWORKS lists private networks still allowed",
    )
    parser.add_argument("--secret-env", default=SECRET_ENV, metavar="NAME", help=f"environment variable holding the secret (default {SECRET_ENV})")
    if filters:
        for name in FILTERS:
            repeat = name in ("product-id", "company-id", "geography", "classification")
            parser.add_argument(f"--{name}", action="append" if repeat else "store", metavar="VALUE", help="repeatable (OR)" if repeat else None)


def register(subcommands) -> None:
    parser = subcommands.add_parser("pact-client", help="list, fetch or request footprints from a PACT v3 host (docs/pact-api.md)")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    listing = actions.add_parser("list", help="the host's footprints that match the filters")
    _add_connection(listing)
    listing.add_argument("--limit", type=int, help="page size asked of the host (every page is fetched)")
    listing.add_argument("--format", choices=("table", "json"), default="table")
    listing.set_defaults(handler=run_list)

    fetch = actions.add_parser("fetch", help="save one footprint as PACT JSON, optionally add it to a BOM")
    _add_connection(fetch)
    fetch.add_argument("--id", help="footprint id (GetFootprint); else the filters must match exactly one")
    fetch.add_argument("-o", "--output", required=True, help="PACT JSON file to write ('-' for standard output)")
    fetch.add_argument("--add-to", metavar="BOM", help="BOM file (.json, .csv, .xlsx) to add the supplier line to")
    fetch.add_argument("--line-id", help="id of the new BOM line")
    fetch.add_argument("--amount", type=float, help="amount of the supplier's product per declared unit of the BOM")
    fetch.add_argument("--unit", help="unit of --amount (default: the supplier's declared unit)")
    fetch.add_argument("--activity-id", help="activity id for the supplier footprint (default PACT-<first 8 of its id>)")
    fetch.add_argument("--bom-out", help="where to write the BOM with the new line (JSON)")
    fetch.set_defaults(handler=run_fetch)

    request = actions.add_parser("request", help="send a RequestCreatedEvent; the host answers on your own host's /3/events")
    _add_connection(request)
    request.add_argument("--source", required=True, help="your own PACT host's URL (the event's source)")
    request.add_argument("--comment", default="")
    request.set_defaults(handler=run_request)


def _client(args: argparse.Namespace):
    from ..pact_host.address_guard import guard_from_environment
    from ..pact_host.client import PactClient

    secret = args.secret or os.environ.get(args.secret_env)
    if not secret:
        raise FootprintError(f"no client secret: set ${args.secret_env} (or give --secret)")
    return PactClient(args.host, args.client_id, secret, guard=guard_from_environment() if args.public_only else None)


def _criteria(args: argparse.Namespace) -> dict[str, list[str]]:
    criteria = {}
    for name in FILTERS:
        value = getattr(args, name.replace("-", "_"))
        if value:
            camel = name.split("-")[0] + "".join(part.title() for part in name.split("-")[1:])
            criteria[camel] = value if isinstance(value, list) else [value]
    return criteria


def run_list(args: argparse.Namespace) -> int:
    with _client(args) as client:
        footprints = client.list_footprints(_criteria(args), args.limit)
    if args.format == "json":
        print(json.dumps({"data": footprints}, ensure_ascii=False, indent=2))
        return 0
    for f in footprints:
        pcf = f.get("pcf", {})
        print(f"{f.get('id')}  {f.get('status'):<10}  {pcf.get('pcfExcludingBiogenicUptake')} kg CO2e / {pcf.get('declaredUnitAmount')} {pcf.get('declaredUnitOfMeasurement')}  {f.get('productNameCompany')}")
    print(f"{len(footprints)} footprint(s)", file=sys.stderr)
    return 0


def run_fetch(args: argparse.Namespace) -> int:
    with _client(args) as client:
        if args.id:
            footprint = client.get_footprint(args.id)
        else:
            found = client.list_footprints(_criteria(args))
            if len(found) != 1:
                ids = ", ".join(f.get("id", "?") for f in found[:10])
                raise FootprintError(f"the filters match {len(found)} footprints{' (' + ids + ')' if ids else ''}: narrow them or give --id")
            footprint = found[0]
    write_output((json.dumps(footprint, ensure_ascii=False, indent=2) + "\n").encode("utf-8"), args.output)
    if args.add_to:
        _add_to_bom(args, footprint)
    return 0


def _add_to_bom(args: argparse.Namespace, footprint: dict) -> None:
    from ..bom_io import read_bom
    from ..exchange.pact import add_supplier_line, supplier_activity_from_pact, supplier_line

    if not (args.line_id and args.amount is not None and args.bom_out):
        raise FootprintError("--add-to needs --line-id, --amount and --bom-out")
    activity = supplier_activity_from_pact(footprint, args.activity_id)
    bom = add_supplier_line(read_bom(args.add_to), supplier_line(activity, args.line_id, args.amount, args.unit))
    write_file(args.bom_out, bom.model_dump_json(indent=2) + "\n")
    print(f"added line {args.line_id}: {args.amount} {args.unit or activity.unit} of {activity.id} ({activity.name}); "
          f"compute with --supplier {activity.id}={args.output}", file=sys.stderr)


def run_request(args: argparse.Namespace) -> int:
    from ..pact_host.events import REQUEST_CREATED, new_event

    data: dict = dict(_criteria(args))
    for name in ("validOn", "validAfter", "validBefore", "status"):
        if name in data:
            data[name] = data[name][0]
    if args.comment:
        data["comment"] = args.comment
    event = new_event(REQUEST_CREATED, f"{args.source.rstrip('/')}/3/events", data)
    with _client(args) as client:
        client.post_event(event)
    print(event["id"])
    return 0
