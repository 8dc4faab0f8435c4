"""``footprint calc BOM_FILE``: the footprint of one BOM."""

from __future__ import annotations

import argparse
import math
import sys

from ..text_table import fmt_number, format_table


def register(subcommands) -> None:
    parser = subcommands.add_parser("calc", help="compute the footprint of a BOM (CSV, Excel or JSON; cradle-to-gate unless it has distribution / use / end-of-life lines)")
    parser.add_argument("bom_file", help="BOM file: .csv (UTF-8 or GB18030), .xlsx or .json")
    parser.add_argument("--grid", help="site grid activity id (see 'footprint datasets list --category electricity_grid')")
    parser.add_argument("--method", help="characterisation method id (default: IPCC AR6 GWP100)")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..bom_io import read_bom
    from ..engine import default_engine

    bom = read_bom(args.bom_file)
    for warning in bom.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    result = default_engine().calculate(bom, grid=args.grid, method_id=args.method)
    note = post_gate_note(result)
    if note:
        print(f"note: {note}", file=sys.stderr)
    if args.format == "json":
        print(result.to_json())
        return 0
    print(render_table(result))
    return 0


def post_gate_note(result) -> str:
    """What to tell about a BOM with lines after the gate (a BOM has no boundary to check them against)."""
    from ..bom import GATE_STAGES, POST_GATE_STAGES

    stages = [s for s in POST_GATE_STAGES if s in result.by_stage]
    if not stages:
        return ""
    gate = math.fsum(v for s, v in result.by_stage.items() if s in GATE_STAGES)
    return (
        f"the BOM has lines after the factory gate ({', '.join(stages)}): the total is not cradle-to-gate; "
        f"its cradle-to-gate part is {fmt_number(gate, 6)} kg CO2e per declared unit"
    )


def render_table(result) -> str:
    total = result.total_kgco2e
    head = [
        f"Product: {result.product}    declared unit: {result.declared_unit}",
        f"Total: {fmt_number(total, 6)} kg CO2e per declared unit   (grid {result.grid}, {result.method['name']})",
        f"Dataset: {result.dataset['id']} {result.dataset['version']}  sha256 {result.dataset['sha256'][:16]}…",
        "",
    ]
    lines = format_table(
        ["line", "activity", "stage", "amount entered", "per declared unit", "kg CO2e", "share"],
        [
            [
                l.path,
                l.activity_id,
                l.stage,
                "-" if l.is_cff else f"{fmt_number(l.amount)} {l.unit}",
                "-" if l.is_cff else f"{fmt_number(l.activity_amount)} {l.activity_unit}",
                fmt_number(l.kgco2e),
                f"{l.share:.1%}",
            ]
            for l in result.lines
        ],
        align_right={3, 4, 5, 6},
    )
    stages = format_table(
        ["stage", "kg CO2e", "share"],
        [[s, fmt_number(v), f"{(v / total if total else 0):.1%}"] for s, v in result.by_stage.items()],
        align_right={1, 2},
    )
    gases = format_table(["gas", "kg CO2e"], [[g, fmt_number(v)] for g, v in result.by_gas.items()], align_right={1})
    origin = ", ".join(f"{k} {fmt_number(v)}" for k, v in result.by_origin.items())
    tail = [
        "",
        f"By origin: {origin} (gases resolved for {result.origin_coverage:.0%} of the total; the rest is published "
        "CO2e aggregates, counted as fossil)",
        f"Aircraft {fmt_number(result.aircraft_kgco2e)}; biogenic CO2 (not in total) {fmt_number(result.biogenic_co2_kg)} kg",
    ]
    return "\n".join(head + [lines, "", stages, "", gases] + tail)
