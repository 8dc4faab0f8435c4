"""``footprint pact-host``: serve the registry's certified footprints over the PACT v3 API.

    footprint pact-host --registry URL|PATH --studies DIR --credentials FILE [--port 8000]

Footprints: every issued certificate whose certified study (``*.certified.json``) is under
``--studies`` (see ``footprint.pact_host.catalogue``). Clients: ``--credentials`` (see
``footprint.pact_host.credentials``). Events are stored in the registry database. See
docs/pact-api.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .registry import add_registry_option


def register(subcommands) -> None:
    parser = subcommands.add_parser("pact-host", help="serve certified footprints over the PACT v3 REST API (docs/pact-api.md)")
    add_registry_option(parser)
    parser.add_argument("--studies", required=True, type=Path, metavar="DIR", help="folder with the certified studies (*.certified.json), searched recursively")
    parser.add_argument("--credentials", required=True, type=Path, metavar="FILE", help="clients that may connect (JSON, chmod 600)")
    parser.add_argument("--dataset", type=Path, metavar="DIR", help="background dataset folder (default: the one each study declares, found by hash)")
    parser.add_argument("--datasets-dir", action="append", type=Path, default=[], metavar="DIR", help="more folders to search for a study's dataset by hash (repeatable)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; put TLS in front for other machines)")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--public-url", help="this host's URL as others reach it (the source of the events it sends)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from ..certification.registry import Registry
    from ..pact_host.app import HostState, create_app
    from ..pact_host.catalogue import Catalogue
    from ..pact_host.credentials import load_credentials
    from ..pact_host.events import EventStore
    from ..pact_host.tokens import TokenStore

    credentials = load_credentials(args.credentials)
    registry = Registry.open(args.registry)
    events = EventStore(args.registry)
    try:
        state = HostState(
            catalogue=Catalogue(registry, args.studies, args.dataset, tuple(args.datasets_dir)),
            credentials=credentials,
            tokens=TokenStore(credentials.token_lifetime_s),
            events=events,
            public_url=args.public_url,
        )
        uvicorn.run(create_app(state), host=args.host, port=args.port, proxy_headers=True, log_level="info")
    finally:
        events.close()
        registry.close()
    return 0
