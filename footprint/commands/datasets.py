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
    from ..dataset import load_dataset

    dataset = load_dataset(args.directory)
    print(
        f"dataset {dataset.id} {dataset.version} OK: {len(dataset.activities)} activities, "
        f"{len(dataset.exchanges)} exchanges, {len(dataset.sources)} sources; sha256 {dataset.sha256}"
    )
    return 0
