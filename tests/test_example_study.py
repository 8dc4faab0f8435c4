"""examples/led-lamp-study.json is a complete, compliant study on the bundled GBA dataset.

If the dataset changes, its declared results (and dataset hash) go stale and GBA-DATA-007 /
GBA-VER-003 fail here: refresh them with ``footprint.study_compute.declare_results`` (see
docs/label-rules.md, "Example study").
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from footprint.label import build_label
from footprint.label_value import label_value_text
from footprint.rules import evaluate
from footprint.study import load_study

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "led-lamp-study.json"
EVALUATION_DATE = date(2025, 9, 30)


def test_example_study_is_eligible_on_the_gba_dataset(gba_engine):
    study = load_study(EXAMPLE)
    evaluation = evaluate(study, "gba-general", gba_engine, EVALUATION_DATE)
    problems = [f"{f.rule_id}: {f.message.en}" for f in evaluation.findings if f.verdict.value in ("fail", "needs_evidence")]
    assert evaluation.eligible and not problems, problems
    assert evaluation.results["basis"] == "market"
    assert evaluation.results["dataset"]["id"] == "gba"
    label = build_label(study, gba_engine, evaluation_date=EVALUATION_DATE)
    assert label.value_text == label_value_text(evaluation.results["total_kgco2e"])
    assert label.total_kgco2e == pytest.approx(study.declared.total_kgco2e, rel=1e-9)
