"""``footprint datasets list|check``: what the background dataset holds, and whether it is sound."""

from __future__ import annotations

import argparse
import json

from ..text_table import fmt_number, format_table


def register(subcommands) -> None:
    parser = subcommands.add_parser("datasets", help="list or check the background dataset")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="activities with unit, geography, source and footprint per unit")
    listing.add_argument("--format", choices=("table", "json"), default="table")
    listing.add_argument("--category", help="only this category (e.g. electricity_grid, material, freight)")
    listing.add_argument("--grid", help="site grid used for processing steps")
    listing.add_argument("--search", help="substring of the id or the English/Chinese name")
    listing.set_defaults(handler=run_list)
    check = actions.add_parser("check", help="validate a dataset folder (units, ranges, references)")
    check.add_argument("directory", nargs="?", help="dataset folder (default: the bundled GBA dataset)")
    check.set_defaults(handler=run_check)
    audit = actions.add_parser(
        "audit", help="tag shares, each example product's share through estimates, unspecified-gas share"
    )
    audit.add_argument("directory", nargs="?", help="dataset folder (default: the bundled GBA dataset)")
    audit.add_argument("--bom", action="append", default=[], help="also audit this BOM file (repeatable)")
    audit.add_argument("--examples", help="folder of *-bom.csv example products (default: the checkout's examples/)")
    audit.add_argument("--format", choices=("table", "json"), default="table")
    audit.set_defaults(handler=run_audit)


def activity_rows(engine, category: str | None = None, grid: str | None = None, search: str | None = None) -> list[dict]:
    """One record per activity, with its cradle-to-gate footprint per unit."""
    dataset = engine.dataset
    scores = engine.unit_scores(grid)
    index = engine.background.activity_index
    sources = {s.source_id: s.citation for s in dataset.sources}
    needle = (search or "").lower()
    rows = []
    for activity in dataset.activities:
        if category and activity.category != category:
            continue
        if needle and needle not in f"{activity.id} {activity.name_en} {activity.name_zh}".lower():
            continue
        source_ids = sorted({e.source_id for e in dataset.exchanges_of(activity.id)})
        rows.append(
            {
                "id": activity.id,
                "name": activity.name_en,
                "name_zh": activity.name_zh,
                "unit": activity.unit,
                "geography": activity.geography,
                "category": activity.category,
                "default_stage": activity.default_stage,
                "source": "; ".join(sources.get(s, s) for s in source_ids),
                "kgco2e_per_unit": float(scores.total[index[activity.id]]),
            }
        )
    return rows


def run_list(args: argparse.Namespace) -> int:
    from ..engine import default_engine

    engine = default_engine()
    rows = activity_rows(engine, args.category, args.grid, args.search)
    if args.format == "json":
        payload = {"dataset": engine.dataset.describe(), "grid": engine.resolve_grid(args.grid), "activities": rows}
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    print(
        format_table(
            ["id", "name", "名称", "unit", "geo", "kg CO2e/unit"],
            [[r["id"], r["name"], r["name_zh"], r["unit"], r["geography"], fmt_number(r["kgco2e_per_unit"])] for r in rows],
            align_right={5},
        )
    )
    return 0


def run_check(args: argparse.Namespace) -> int:
    from ..cff import load_cff_parameters, parameters_path
    from ..dataset import load_dataset

    dataset = load_dataset(args.directory)
    print(
        f"dataset {dataset.id} {dataset.version} OK: {len(dataset.activities)} activities, "
        f"{len(dataset.exchanges)} exchanges, {len(dataset.sources)} sources; sha256 {dataset.sha256}"
    )
    if parameters_path(dataset).exists():
        parameters = load_cff_parameters(dataset)
        counts = parameters.tag_counts()
        print(
            f"CFF parameters {parameters.file} OK: {len(parameters.materials)} materials, {len(parameters.recycling_routes)} recycling routes; "
            f"{sum(counts.values())} values: {counts['F']} found (F), {counts['R']} second-hand (R), {counts['E']} estimates (E), "
            f"{counts['missing']} not found; sha256 {parameters.sha256}"
        )
    return 0


def _pct(value: float) -> str:
    return f"{100 * value:.1f} %"


def run_audit(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..bom_io import read_bom
    from ..cff import load_cff_parameters, parameters_path
    from ..dataset import load_dataset, repository_root
    from ..dataset_audit import audit_dataset, bom_demand, example_products
    from ..methods import load_method

    dataset = load_dataset(args.directory)
    examples = Path(args.examples) if args.examples else repository_root() / "examples"
    products = example_products(dataset, examples) if examples.is_dir() else {}
    for path in args.bom:
        bom = read_bom(path)
        products[Path(path).name] = (bom_demand(bom, dataset), getattr(bom, "grid", None))
    cff = load_cff_parameters(dataset) if parameters_path(dataset).exists() else None
    audit = audit_dataset(dataset, load_method().factors, products, cff)
    if args.format == "json":
        print(json.dumps(audit.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(
        f"dataset {dataset.id} {dataset.version} (sha256 {dataset.sha256[:12]}): {audit.activities} activities, "
        f"{audit.exchanges} exchanges; {audit.linked_to_energy} activities draw electricity, fuel or heat in "
        f"their supply chain; {audit.unspecified_activities} have > 50 % of their footprint unspecified by gas"
    )
    print()
    print(
        format_table(
            ["tag", "meaning", "exchanges", "share", "share of data rows (excl. S)"],
            [
                [tag, meaning, str(audit.tag_counts[tag]), _pct(audit.tag_shares[tag]),
                 _pct(audit.data_tag_shares[tag]) if tag in audit.data_tag_shares else "-"]
                for tag, meaning in (
                    ("F", "found in the cited source"),
                    ("D", "derived by arithmetic"),
                    ("R", "recalled, to verify"),
                    ("E", "estimate"),
                    ("S", "structural (mass balance, definition)"),
                )
            ],
            align_right={2, 3, 4},
        )
    )
    print()
    print("kg CO2e rows by the GWP set of their source: " + ", ".join(f"{k} {v}" for k, v in audit.gwp_sets.items()))
    if audit.cff_parameters is not None:
        counts = audit.cff_parameters["tag_counts"]
        print(
            f"CFF parameters {audit.cff_parameters['file']} (sha256 {audit.cff_parameters['sha256'][:12]}): "
            f"{audit.cff_parameters['values']} values, {counts['F']} found (F), {counts['R']} second-hand (R), "
            f"{counts['E']} estimates (E), {counts['missing']} not found"
        )
    if audit.products:
        print()
        print(
            format_table(
                ["product", "kg CO2e", "through E", "through R", "through D", "F/S only", "unspecified gas"],
                [
                    [p.name, fmt_number(p.total_kgco2e), _pct(p.through["E"]), _pct(p.through["R"]),
                     _pct(p.through["D"]), _pct(p.found_only), _pct(p.unspecified_gas)]
                    for p in audit.products
                ],
                align_right={1, 2, 3, 4, 5, 6},
            )
        )
    return 0
