"""``footprint uncertainty | compare | scenarios | batch``: how sure, what if, and many at once.

Long runs report progress on stderr (``--quiet`` turns it off), so stdout stays clean for JSON
or CSV. ``--scheduler tcp://host:8786`` runs Monte Carlo blocks or BOM chunks on a Dask cluster;
results equal the local run for the same seed.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path

from ..errors import FootprintError
from ..text_table import fmt_number, format_table

BOM_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".json")
LIST_COLUMNS = ("bom_file", "path", "file")


def register(subcommands) -> None:
    mc = subcommands.add_parser("uncertainty", help="Monte Carlo uncertainty of a BOM's footprint (mean, percentiles, variance share by line)")
    mc.add_argument("bom_file", help="BOM file: .csv, .xlsx or .json")
    _monte_carlo_options(mc)
    mc.set_defaults(handler=run_uncertainty)

    cmp = subcommands.add_parser("compare", help="correlated Monte Carlo comparison of two BOM variants (B - A)")
    cmp.add_argument("bom_a")
    cmp.add_argument("bom_b")
    _monte_carlo_options(cmp)
    cmp.set_defaults(handler=run_compare)

    sc = subcommands.add_parser("scenarios", help="ranked footprint changes: other grids, line amounts, lower-carbon alternatives")
    sc.add_argument("bom_file")
    sc.add_argument("--grid", help="site grid of the baseline")
    sc.add_argument("--method", help="characterisation method id")
    sc.add_argument("--factor", type=float, default=0.9, help="amount factor of the per-line sensitivity scenarios (default 0.9)")
    sc.add_argument("--swap", action="append", default=[], metavar="PATH=ACTIVITY", help="only/also: swap a line's activity (repeatable)")
    sc.add_argument("--scale", action="append", default=[], metavar="PATH=FACTOR", help="only/also: scale a line's amount (repeatable)")
    sc.add_argument("--try-grid", action="append", default=[], metavar="GRID", help="only/also: another site grid (repeatable)")
    sc.add_argument("--top", type=int, default=20, help="rows shown in the table (default 20)")
    sc.add_argument("--format", choices=("table", "json"), default="table")
    sc.set_defaults(handler=run_scenarios)

    bt = subcommands.add_parser("batch", help="deterministic footprints of many BOMs (a folder, a CSV listing BOM files, or a portfolio lines table)")
    bt.add_argument(
        "source",
        metavar="FOLDER_OR_CSV",
        help="folder of BOM files, a CSV with a bom_file column (paths relative to it), or a portfolio table (CSV/.xlsx, one row per line, with a bom_id column)",
    )
    bt.add_argument("--boms", metavar="TABLE", help="portfolio only: a table of bom_id with grid and/or declared_unit")
    bt.add_argument("--grid", help="site grid for every BOM (default: each BOM's own grid)")
    bt.add_argument("--method", help="characterisation method id")
    bt.add_argument("--scheduler", help="Dask scheduler address (default: run locally)")
    bt.add_argument("--format", choices=("table", "json", "csv"), default="table")
    bt.add_argument("--quiet", action="store_true", help="no progress on stderr")
    bt.set_defaults(handler=run_batch)


def _monte_carlo_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--iterations", type=int, default=1000, help="Monte Carlo iterations (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed; the same seed gives the same result (default 0)")
    parser.add_argument("--grid", help="site grid (default: the BOM's own, else the dataset default)")
    parser.add_argument("--method", help="characterisation method id")
    parser.add_argument("--centre", choices=("median", "mean"), default="median", help="deterministic value is each distribution's median (default) or mean")
    parser.add_argument("--scheduler", help="Dask scheduler address (default: run locally)")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")


def _engine(method: str | None):
    from ..engine import default_engine

    engine = default_engine()
    if method and method != engine.method_id:
        return engine.with_method(method)
    return engine


def _read(path: str):
    from ..bom_io import read_bom

    bom = read_bom(path)
    for warning in bom.warnings:
        print(f"warning: {path}: {warning}", file=sys.stderr)
    return bom


def _progress(args: argparse.Namespace, label: str):
    from ..progress import StderrProgress

    return None if args.quiet else StderrProgress(label)


# ---------------------------------------------------------------------- uncertainty / compare


def run_uncertainty(args: argparse.Namespace) -> int:
    from ..montecarlo import monte_carlo

    bom = _read(args.bom_file)
    result = monte_carlo(
        _engine(args.method),
        bom,
        iterations=args.iterations,
        seed=args.seed,
        grid=args.grid,
        centre=args.centre,
        scheduler=args.scheduler,
        progress=_progress(args, "Monte Carlo"),
    )
    print(result.to_json() if args.format == "json" else render_uncertainty(result))
    return 0


def _stats_row(name: str, stats: dict) -> list[str]:
    return [name] + [fmt_number(stats[k]) for k in ("mean", "median", "std", "p2_5", "p97_5")]


def render_uncertainty(result) -> str:
    head = [
        f"Product: {result.product}    declared unit: {result.declared_unit}    grid {result.grid}",
        f"Deterministic: {fmt_number(result.deterministic_kgco2e, 6)} kg CO2e;  Monte Carlo: {result.iterations:,} iterations, seed {result.seed}, "
        f"deterministic values at the {result.centre} of each distribution",
        "",
    ]
    totals = format_table(["", "mean", "median", "std", "2.5 %", "97.5 %"], [_stats_row("total kg CO2e", result.total)], align_right={1, 2, 3, 4, 5})
    ordered = sorted(result.lines, key=lambda line: (-line.variance_share, line.path))
    lines = format_table(
        ["line", "activity", "gsd", "deterministic", "mean", "2.5 %", "97.5 %", "variance share"],
        [
            [
                line.path,
                line.activity_id,
                f"{line.gsd:.3f} ({line.gsd_source})" if line.gsd else "",
                fmt_number(line.deterministic_kgco2e),
                fmt_number(line.mean),
                fmt_number(line.p2_5),
                fmt_number(line.p97_5),
                f"{line.variance_share:.1%}",
            ]
            for line in ordered
        ],
        align_right={3, 4, 5, 6, 7},
    )
    note = "Variance share = cov(line, total) / var(total); shares add up to 100 %."
    return "\n".join(head + [totals, "", lines, "", note])


def run_compare(args: argparse.Namespace) -> int:
    from ..montecarlo import compare

    bom_a, bom_b = _read(args.bom_a), _read(args.bom_b)
    result = compare(
        _engine(args.method),
        bom_a,
        bom_b,
        iterations=args.iterations,
        seed=args.seed,
        grid=args.grid,
        centre=args.centre,
        scheduler=args.scheduler,
        progress=_progress(args, "Monte Carlo"),
    )
    if args.format == "json":
        print(result.to_json())
        return 0
    table = format_table(
        ["", "deterministic", "mean", "median", "std", "2.5 %", "97.5 %"],
        [
            ["A  " + result.a.product, fmt_number(result.a.deterministic_kgco2e)] + _stats_row("", result.a.total)[1:],
            ["B  " + result.b.product, fmt_number(result.b.deterministic_kgco2e)] + _stats_row("", result.b.total)[1:],
            ["B - A", fmt_number(result.b.deterministic_kgco2e - result.a.deterministic_kgco2e)] + _stats_row("", result.difference)[1:],
        ],
        align_right={1, 2, 3, 4, 5, 6},
    )
    print(f"{result.a.iterations:,} iterations, seed {result.a.seed}, same background draws for both variants\n")
    print(table)
    print(f"\nB is lower than A in {result.b_lower_share:.1%} of runs (higher in {result.a_lower_share:.1%}, equal in {result.equal_share:.1%}).")
    return 0


# ---------------------------------------------------------------------- scenarios


def _pairs(items: list[str], option: str) -> list[tuple[str, str]]:
    pairs = []
    for item in items:
        key, sep, value = item.rpartition("=")
        if not sep or not key or not value:
            raise FootprintError(f"{option} expects PATH=VALUE, got {item!r}")
        pairs.append((key, value))
    return pairs


def run_scenarios(args: argparse.Namespace) -> int:
    from .. import scenarios as sc

    engine = _engine(args.method)
    bom = _read(args.bom_file)
    chosen = [sc.swap(path, activity) for path, activity in _pairs(args.swap, "--swap")]
    for path, factor in _pairs(args.scale, "--scale"):
        try:
            chosen.append(sc.scale(path, float(factor)))
        except ValueError:
            raise FootprintError(f"--scale factor must be a number, got {factor!r}") from None
    chosen += [sc.change_grid(grid) for grid in args.try_grid]
    scenarios = chosen or sc.default_scenarios(engine, bom, args.grid, args.factor)
    report = sc.run_scenarios(engine, bom, scenarios, args.grid)
    if args.format == "json":
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return 0
    baseline = report.baseline
    print(f"Product: {baseline.product}    baseline {fmt_number(baseline.total_kgco2e, 6)} kg CO2e (grid {baseline.grid})\n")
    rows = [
        [
            str(rank),
            o.scenario.label,
            fmt_number(o.total_kgco2e) if o.error is None else "",
            (f"{o.change_kgco2e:+.4g}" if o.error is None else ""),
            (f"{o.change_share:+.1%}" if o.change_share is not None else ""),
            o.error or "",
        ]
        for rank, o in enumerate(report.outcomes[: args.top], start=1)
    ]
    print(format_table(["#", "scenario", "kg CO2e", "change", "change %", "note"], rows, align_right={0, 2, 3, 4}))
    hidden = len(report.outcomes) - args.top
    if hidden > 0:
        print(f"... and {hidden} more (--top N, or --format json)")
    return 0


# ---------------------------------------------------------------------- batch


def bom_files(source: str) -> list[Path]:
    """BOM files of a folder (sorted, sidecars ``*.meta.json`` excluded) or of a CSV list."""
    path = Path(source)
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in BOM_SUFFIXES and not p.name.endswith(".meta.json"))
    if not path.is_file():
        raise FootprintError(f"{source}: no such folder or file")
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    column = next((c for c in LIST_COLUMNS if c in (reader.fieldnames or [])), None)
    if column is None:
        raise FootprintError(f"{source}: a BOM list needs a column named one of {', '.join(LIST_COLUMNS)} (or give a folder)")
    files = []
    for row_number, row in enumerate(reader, start=2):
        entry = (row.get(column) or "").strip()
        if not entry:
            raise FootprintError(f"{source} line {row_number}: {column} is empty")
        files.append((path.parent / entry) if not Path(entry).is_absolute() else Path(entry))
    return files


def is_portfolio(source: str) -> bool:
    """A table file whose header has a bom_id column (a lines table of many BOMs)."""
    path = Path(source)
    if not path.is_file() or path.suffix.lower() == ".json":
        return False
    from ..portfolio import _BOM_ID_KEYS, _find, _read_rows

    try:
        headers = _read_rows(path)[0]
    except FootprintError:
        return False
    return _find(headers, _BOM_ID_KEYS) is not None


def run_batch(args: argparse.Namespace) -> int:
    from ..batch import batch_footprints

    if is_portfolio(args.source):
        from ..portfolio import read_portfolio

        table = read_portfolio(args.source, args.boms)
        result = batch_footprints(_engine(args.method), table, grid=args.grid, scheduler=args.scheduler, progress=_progress(args, "BOMs"))
        return _print_batch(args, result, [result.row(i) for i in range(len(result))], "bom_id")
    if args.boms:
        raise FootprintError("--boms applies to a portfolio table (a CSV or .xlsx with a bom_id column)")
    files = bom_files(args.source)
    if not files:
        raise FootprintError(f"{args.source}: no BOM files found ({', '.join(BOM_SUFFIXES)})")
    engine = _engine(args.method)
    boms, labels, unreadable = [], [], {}
    for position, file in enumerate(files):
        try:
            boms.append(_read(str(file)))
            labels.append(str(file))
        except FootprintError as error:
            unreadable[position] = {"label": str(file), "error": str(error)}
    result = batch_footprints(engine, boms, labels=labels, grid=args.grid, scheduler=args.scheduler, progress=_progress(args, "BOMs"))
    computed = iter(result.row(i) for i in range(len(result)))
    rows = [unreadable[p] if p in unreadable else next(computed) for p in range(len(files))]
    return _print_batch(args, result, rows, "file")


def _print_batch(args: argparse.Namespace, result, rows: list[dict], name: str) -> int:
    failures = sum("error" in row for row in rows)
    if args.format == "json":
        print(json.dumps({"method": result.method, "dataset": result.dataset, "results": rows}, ensure_ascii=False, indent=2))
    elif args.format == "csv":
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow([name, "grid", "total_kgco2e", *result.stages, "error"])
        for row in rows:
            stages = [row.get("by_stage", {}).get(s, 0.0) if "error" not in row else "" for s in result.stages]
            out.writerow([row["label"], row.get("grid", ""), row.get("total_kgco2e", ""), *stages, row.get("error", "")])
    else:
        table_rows = [
            [row["label"], row.get("grid", ""), fmt_number(row["total_kgco2e"]) if "error" not in row else "", row.get("error", "")]
            for row in rows
        ]
        print(format_table([name, "grid", "kg CO2e", "error"], table_rows, align_right={2}))
        print(f"\n{len(rows) - failures} of {len(rows)} BOMs computed")
    return 2 if failures else 0
