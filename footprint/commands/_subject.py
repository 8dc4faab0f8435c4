"""Arguments and set-up shared by ``footprint report`` and ``footprint export``.

Why shared: both commands describe the same footprint of the same study or BOM, so they must
read it, pick the engine and evaluate the rules in exactly the same way
(:func:`footprint.reports.inputs.prepare_report`).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import FootprintError
from ..output_files import write_file
from ..user_json import read_json


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {text!r}") from None


def add_subject_arguments(parser: argparse.ArgumentParser, *, optional: bool = False) -> None:
    parser.add_argument(
        "subject",
        nargs="?" if optional else None,
        help="a study JSON file, or a BOM file (.csv, .xlsx, .json)",
    )
    parser.add_argument("--dataset", help="background dataset folder (default: the bundled GBA dataset)")
    parser.add_argument("--grid", help="site grid activity id, for a BOM (a study names its own)")
    parser.add_argument(
        "--supplier",
        action="append",
        metavar="[ID=]PACT.json",
        help="a supplier's PACT footprint that BOM lines reference by ID (default id: PACT-<first 8 characters of its id>); repeatable",
    )
    parser.add_argument("--rules", help="rule set id or YAML path for a study (default: gba-general)")
    parser.add_argument("--no-rules", action="store_true", help="do not evaluate label rules (no findings, no label)")
    parser.add_argument("--date", type=iso_date, help="evaluation date YYYY-MM-DD (default: the study's issue date, else the end of its reference period)")


def engine_from(args: argparse.Namespace) -> Any:
    if not getattr(args, "dataset", None):
        from ..engine import default_engine

        return default_engine()
    from ..dataset import load_dataset
    from ..engine import engine_for_dataset

    return engine_for_dataset(load_dataset(args.dataset))


def suppliers_from(args: argparse.Namespace) -> Any:
    from ..exchange.pact import supplier_activity_from_pact
    from ..exchange.suppliers import SupplierRegistry
    from ..reports.inputs import supplier_paths

    registry = SupplierRegistry()
    for activity_id, path in supplier_paths(getattr(args, "supplier", None)):
        registry.add(supplier_activity_from_pact(path, activity_id))
    return registry


def uncertainty_from_args(args: argparse.Namespace) -> Any:
    path = getattr(args, "uncertainty", None)
    if path:
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise FootprintError(f"{path}: cannot read the Monte Carlo summary ({error.strerror})") from None
        return read_json(data, str(path))
    return getattr(args, "monte_carlo", None)


def prepare_from(args: argparse.Namespace) -> Any:
    """The :class:`~footprint.reports.inputs.ReportInput` for the command's arguments."""
    from ..reports.inputs import prepare_report

    engine = engine_from(args)
    return prepare_report(
        args.subject,
        engine,
        evaluate_rules=not args.no_rules,
        rule_set=args.rules,
        evaluation_date=args.date,
        uncertainty=uncertainty_from_args(args),
        suppliers=suppliers_from(args) if args.supplier else None,
        grid=args.grid,
    )


def write_output(data: bytes, output: str) -> None:
    """Write bytes to a file (``-`` writes to standard output); says where it went on stderr."""
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    path = write_file(output, data)
    print(f"wrote {path} ({len(data):,} bytes)", file=sys.stderr)
