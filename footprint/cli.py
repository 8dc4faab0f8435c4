"""``footprint`` command line: a registry of subcommands, one module each.

Why a registry: each feature (calculation, datasets, rule checks, verification, reports)
adds its own subcommand module without editing a central dispatcher. Every user-facing error is
a :class:`~footprint.errors.FootprintError`: printed as one clear message on stderr, exit code 2,
never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from .errors import FootprintError, UnknownActivityError

COMMAND_MODULES = (
    "footprint.commands.calc",
    "footprint.commands.datasets",
    "footprint.commands.check",
    "footprint.commands.uncertainty",
    "footprint.commands.verify",
    "footprint.commands.keys",
    "footprint.commands.certificate",
    "footprint.commands.registry",
    "footprint.commands.report",
    "footprint.commands.export",
    "footprint.commands.battery",
    "footprint.commands.pact_host",
    "footprint.commands.pact_client",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="footprint", description="GBA product carbon footprint calculator (cradle-to-gate, kg CO2e).")
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subcommands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except FootprintError as error:
        print(f"error: {error}", file=sys.stderr)
        if isinstance(error, UnknownActivityError):
            print("hint: 'footprint datasets list --search TEXT' lists the dataset's activities", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `footprint calc … | head`: the reader left, nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
