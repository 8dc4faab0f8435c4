"""``footprint export STUDY_OR_BOM --format pact|xlsx|csv|template -o FILE``: data exchange files.

* ``pact`` — the footprint as a PACT v3 ProductFootprint (JSON); a BOM needs ``--company`` and
  ``--period`` (a study carries them);
* ``xlsx`` — the results workbook (summary, lines, stages, gases, origins, findings);
* ``csv`` — the result lines as CSV (UTF-8 with BOM, formulas neutralised);
* ``template`` — the bilingual BOM template, filled with the BOM when one is given.
"""

from __future__ import annotations

import argparse
from datetime import date

from ..errors import FootprintError
from ._subject import add_subject_arguments, engine_from, iso_date, prepare_from, write_output


def _period(text: str) -> tuple[date, date]:
    start, sep, end = text.partition("/")
    if not sep:
        raise argparse.ArgumentTypeError("give the period as START/END, e.g. 2024-01-01/2024-12-31")
    first, last = iso_date(start.strip()), iso_date(end.strip())
    if last < first:
        raise argparse.ArgumentTypeError(f"the period ends ({last}) before it starts ({first})")
    return first, last


def register(subcommands) -> None:
    parser = subcommands.add_parser("export", help="export a footprint as PACT JSON, a results workbook or CSV, or write the BOM template")
    add_subject_arguments(parser, optional=True)
    parser.add_argument("--format", choices=("pact", "xlsx", "csv", "template"), required=True)
    parser.add_argument("-o", "--output", required=True, help="file to write ('-' for standard output)")
    parser.add_argument("--company", help="PACT: company name (data owner), for a BOM")
    parser.add_argument("--company-id", action="append", default=[], metavar="URN", help="PACT: company URN (repeatable)")
    parser.add_argument("--product-id", action="append", default=[], metavar="URN", help="PACT: product URN (repeatable)")
    parser.add_argument("--period", type=_period, help="PACT: reference period START/END, for a BOM")
    parser.set_defaults(handler=run, monte_carlo=None, uncertainty=None)


def run(args: argparse.Namespace) -> int:
    if args.format == "template":
        return _template(args)
    if not args.subject:
        raise FootprintError(f"--format {args.format} needs a study or BOM file")
    source = prepare_from(args)
    if args.format == "pact":
        from ..exchange.pact import PactOptions, pact_json

        options = PactOptions(
            company_name=args.company,
            company_ids=tuple(args.company_id),
            product_ids=tuple(args.product_id),
            reference_period=args.period,
        )
        data = pact_json(source, options)
    elif args.format == "xlsx":
        from ..exchange.excel import results_xlsx

        data = results_xlsx(source)
    else:
        from ..exchange.excel import results_csv

        data = results_csv(source)
    write_output(data, args.output)
    return 0


def _template(args: argparse.Namespace) -> int:
    from ..exchange.excel import template_for_engine

    bom = None
    if args.subject:
        from ..reports.inputs import load_subject

        _, bom = load_subject(args.subject)
    write_output(template_for_engine(engine_from(args), bom, args.grid), args.output)
    return 0
