"""``footprint pact-host``: serve the registry's certified footprints over the PACT v3 API, and
look after the events it sends.

    footprint pact-host --registry URL|PATH --studies DIR --credentials FILE [--port 8000]
    footprint pact-host outbox list [--status pending|delivered|failed|cancelled] [--format table|json]
    footprint pact-host outbox show ID
    footprint pact-host outbox retry ID [--reason TEXT] [--actor NAME]
    footprint pact-host outbox cancel ID [--reason TEXT] [--actor NAME]
    footprint pact-host announcements [--status waiting|queued|nobody|unserved] [--format table|json]

Footprints: every issued certificate whose certified study (``*.certified.json``) is under
``--studies`` (see ``footprint.pact_host.catalogue``). Clients: ``--credentials`` (see
``footprint.pact_host.credentials``). Events, the outbox and tokens are stored in the registry
database; ``retry`` and ``cancel`` are recorded in its audit log with ``--actor``.
``announcements`` lists the certificate changes the host announces to its clients
(``footprint.pact_host.announcements``; the events themselves are outbox rows). See
docs/pact-api.md.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .registry import actor_of, add_registry_option, open_registry


def register(subcommands) -> None:
    parser = subcommands.add_parser(
        "pact-host", help="serve certified footprints over the PACT v3 REST API; 'outbox' for the events it sends (docs/pact-api.md)"
    )
    add_registry_option(parser)
    parser.add_argument("--studies", type=Path, metavar="DIR", help="folder with the certified studies (*.certified.json), searched recursively (required to serve)")
    parser.add_argument("--credentials", type=Path, metavar="FILE", help="clients that may connect (JSON, chmod 600; required to serve)")
    parser.add_argument("--dataset", type=Path, metavar="DIR", help="background dataset folder (default: the one each study declares, found by hash)")
    parser.add_argument("--datasets-dir", action="append", type=Path, default=[], metavar="DIR", help="more folders to search for a study's dataset by hash (repeatable)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; put TLS in front for other machines)")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--public-url", help="this host's URL as others reach it: the source of the events it sends (without it, new footprints are not announced)")
    parser.set_defaults(handler=run, parser=parser)

    parts = parser.add_subparsers(dest="part", metavar="outbox|announcements")
    outbox = parts.add_parser("outbox", help="events the host sends: list, show, retry, cancel (retries are automatic for 72 hours)")
    actions = outbox.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="outbox rows, oldest first")
    listing.add_argument("--status", help="pending, delivered, failed or cancelled")
    listing.add_argument("--format", choices=("table", "json"), default="table")
    add_registry_option(listing)
    listing.set_defaults(handler=run_outbox_list)

    show = actions.add_parser("show", help="one row with the event it sends (JSON)")
    show.add_argument("id", type=int)
    add_registry_option(show)
    show.set_defaults(handler=run_outbox_show)

    for name, help_text in (
        ("retry", "attempt a failed, cancelled or waiting row now, with a new 72-hour window"),
        ("cancel", "stop delivering a pending row"),
    ):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("id", type=int)
        action.add_argument("--reason", default="", help="why (kept in the audit log)")
        add_registry_option(action, actor=True)
        action.set_defaults(handler=run_outbox_change, change=name)

    announced = parts.add_parser(
        "announcements", help="certificate changes announced to clients with a PublishedEvent (waiting, queued, nobody, unserved), oldest first"
    )
    announced.add_argument("--status", help="waiting, queued, nobody or unserved")
    announced.add_argument("--format", choices=("table", "json"), default="table")
    add_registry_option(announced)
    announced.set_defaults(handler=run_announcements)


def run(args: argparse.Namespace) -> int:
    missing = [option for option, value in (("--studies", args.studies), ("--credentials", args.credentials)) if value is None]
    if missing:
        args.parser.error(f"serving needs {' and '.join(missing)}")
    import uvicorn

    from ..pact_host.app import create_app, host_state
    from ..pact_host.catalogue import Catalogue
    from ..pact_host.credentials import load_credentials

    credentials = load_credentials(args.credentials)
    with open_registry(args) as registry:
        catalogue = Catalogue(registry, args.studies, args.dataset, tuple(args.datasets_dir))
        app = create_app(host_state(catalogue, credentials, args.public_url))
        uvicorn.run(app, host=args.host, port=args.port, proxy_headers=True, log_level="info")
    return 0


def _outbox(registry):
    from ..pact_host.outbox import OutboxStore

    return OutboxStore(registry)


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment is not None else ""


def run_outbox_list(args: argparse.Namespace) -> int:
    from ..text_table import format_table

    with open_registry(args) as registry:
        entries = _outbox(registry).entries(args.status)
    if args.format == "json":
        print(json.dumps([e.to_dict(with_event=False) for e in entries], ensure_ascii=False, indent=2))
        return 0
    rows = [
        [
            e.id, e.status, e.client_id, (e.type or "(answer not computed yet)").rsplit(".", 2)[-2], e.attempts,
            _when(e.next_attempt_at), _when(e.deadline_at if e.status == "pending" else e.finished_at), e.last_error[:60],
        ]
        for e in entries
    ]  # fmt: skip
    headers = ["id", "status", "client", "event", "attempts", "next attempt (UTC)", "deadline / finished (UTC)", "last error"]
    print(format_table(headers, rows, align_right={0, 4}) if entries else "the outbox is empty" if args.status is None else f"no {args.status} rows")
    return 0


def run_outbox_show(args: argparse.Namespace) -> int:
    with open_registry(args) as registry:
        entry = _outbox(registry).entry(args.id)
    print(json.dumps(entry.to_dict(), ensure_ascii=False, indent=2))
    return 0


def run_outbox_change(args: argparse.Namespace) -> int:
    with open_registry(args) as registry:
        outbox = _outbox(registry)
        change = outbox.retry if args.change == "retry" else outbox.cancel
        entry = change(args.id, actor_of(args), args.reason)
    from ..pact_host.delivery import POLL_S

    when = f", next attempt {_when(entry.next_attempt_at)} UTC (a running host picks it up within {POLL_S:g} s)" if entry.status == "pending" else ""
    print(f"outbox row {entry.id}: {entry.status}{when}")
    return 0


def run_announcements(args: argparse.Namespace) -> int:
    from ..pact_host.announcements import announcements
    from ..text_table import format_table

    with open_registry(args) as registry:
        rows = announcements(registry, args.status)
    if args.format == "json":
        print(json.dumps([a.to_dict() for a in rows], ensure_ascii=False, indent=2))
        return 0
    table = [[a.id, a.status, a.certificate_number, a.change, _when(a.created_at), _when(a.next_check_at or a.done_at), a.note[:70]] for a in rows]
    headers = ["id", "status", "certificate", "change", "changed (UTC)", "next check / done (UTC)", "note"]
    print(format_table(headers, table, align_right={0}) if rows else "no announcements" if args.status is None else f"no {args.status} announcements")
    return 0
