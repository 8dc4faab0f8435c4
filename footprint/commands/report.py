"""``footprint report STUDY_OR_BOM --lang zh|en -o report.pdf``: the footprint report as a PDF.

One language per report (Chinese or English). A study gives the full GB/T 24067 report with
rule findings and the label; a BOM gives the calculation with the elements it cannot state
marked as such.
"""

from __future__ import annotations

import argparse

from ._subject import add_subject_arguments, prepare_from, write_output


def register(subcommands) -> None:
    parser = subcommands.add_parser("report", help="write the footprint report (PDF, Chinese or English) of a study or a BOM")
    add_subject_arguments(parser)
    parser.add_argument("--lang", choices=("zh", "en", "zh-Hant"), default="zh", help="report language (default: zh, Simplified Chinese)")
    parser.add_argument("-o", "--output", required=True, help="PDF file to write ('-' for standard output)")
    parser.add_argument("--monte-carlo", type=int, metavar="N", help="run N Monte Carlo iterations and report the uncertainty")
    parser.add_argument("--uncertainty", metavar="FILE", help="a saved Monte Carlo summary (JSON of 'footprint uncertainty')")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..reports import report_pdf

    source = prepare_from(args)
    write_output(report_pdf(source, args.lang), args.output)
    return 0
