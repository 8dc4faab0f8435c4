"""``footprint check STUDY.json``: is the study eligible for the GBA carbon footprint label?

Exit codes: 0 eligible, 1 not eligible (or evidence still needed), 2 invalid input (a study, rule
set or dataset that cannot be read; the message names the file and field).
"""

from __future__ import annotations

import argparse
import json
from datetime import date

from ..text_table import format_table


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {text!r}") from None


def register(subcommands) -> None:
    parser = subcommands.add_parser("check", help="check a footprint study against the GBA label rules (exit 0 eligible, 1 not, 2 invalid)")
    parser.add_argument("study_file", help="study JSON file")
    parser.add_argument("--rules", help="rule set id in label_rules/ or a path to a rule-set YAML (default: the one the study follows: its declared rule set, else the one for its pcr_id, else gba-general)")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.add_argument("--date", type=_date, help="evaluation (application) date, YYYY-MM-DD (default: today)")
    parser.add_argument("--dataset", help="background dataset folder to recompute with (default: the bundled GBA dataset)")
    parser.add_argument("--label-dir", help="when eligible, write the label as SVG and PNG into this folder")
    parser.set_defaults(handler=run)


def _engine(dataset_dir: str | None):
    if not dataset_dir:
        from ..engine import default_engine

        return default_engine()
    from ..dataset import load_dataset
    from ..engine import engine_for_dataset

    return engine_for_dataset(load_dataset(dataset_dir))


def run(args: argparse.Namespace) -> int:
    from ..label import build_label
    from ..label_render import write_label
    from ..rules import evaluate, load_rule_set
    from ..rules.loader import rule_set_for_study
    from ..study import load_study

    study = load_study(args.study_file)
    rule_set = load_rule_set(args.rules) if args.rules else rule_set_for_study(study)
    engine = _engine(args.dataset)
    evaluation = evaluate(study, rule_set, engine, args.date)
    written = None
    if args.label_dir and evaluation.eligible:
        written = write_label(build_label(study, engine, rule_set, args.date), args.label_dir)
    if args.format == "json":
        payload = evaluation.to_dict()
        if written:
            payload["label_files"] = [str(p) for p in written]
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(render_table(evaluation))
        if written:
            print(f"\nlabel written: {written[0]} {written[1]}")
    return 0 if evaluation.eligible else 1


def _short(value, width: int = 28) -> str:
    if value is None:
        return ""
    text = f"{value:.4g}" if isinstance(value, float) else json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def render_table(evaluation) -> str:
    results = evaluation.results
    verdict = {"eligible": "ELIGIBLE 符合", "not_eligible": "NOT ELIGIBLE 不符合", "pending_evidence": "EVIDENCE NEEDED 待补证据"}[evaluation.status]
    head = [
        f"Study {evaluation.study_id}   rule set {evaluation.rule_set['id']} {evaluation.rule_set['version']}   date {evaluation.evaluation_date}",
        f"Footprint {results['total_kgco2e']:.6g} kg CO2e / {results['declared_unit']} ({results['basis']}-based; dataset {results['dataset']['id']} {results['dataset']['version']})",
        f"Verdict: {verdict}",
    ]
    head += [f"  - {r.en}\n    {r.zh}" for r in evaluation.reasons]
    rows = [
        [f.rule_id, f.severity.value, f.verdict.value, _short(f.measured), _short(f.threshold), f.message.en]
        for f in evaluation.findings
    ]
    table = format_table(["rule", "severity", "verdict", "measured", "threshold", "message"], rows)
    return "\n".join(head) + "\n\n" + table
