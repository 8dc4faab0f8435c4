"""``footprint report`` and ``footprint export`` on a study file and a BOM file."""

from __future__ import annotations

import json

import pytest

from ..study_fixtures import EVALUATION_DATE, STUDY_DATASET
from .conftest import require_font


@pytest.fixture()
def study_file(tmp_path, market_study):
    from footprint.study import save_study

    return save_study(market_study, tmp_path / "study.json")


def run(*argv: str) -> int:
    from footprint.cli import main

    return main(list(argv))


def test_report_command_writes_a_pdf(study_file, tmp_path):
    require_font()
    output = tmp_path / "report.pdf"
    assert run("report", str(study_file), "--dataset", str(STUDY_DATASET), "--lang", "en", "-o", str(output)) == 0
    assert output.read_bytes().startswith(b"%PDF-")


def test_export_formats(study_file, tmp_path, capsys):
    from footprint.bom_io import read_bom
    from footprint.study import load_study

    common = ("--dataset", str(STUDY_DATASET))
    assert run("export", str(study_file), "--format", "pact", "-o", str(tmp_path / "pf.json"), *common) == 0
    document = json.loads((tmp_path / "pf.json").read_text(encoding="utf-8"))
    assert document["specVersion"] == "3.0.0" and document["pcf"]["pcfExcludingBiogenicUptake"].startswith("5.9194")
    assert run("export", str(study_file), "--format", "xlsx", "-o", str(tmp_path / "results.xlsx"), *common) == 0
    assert run("export", str(study_file), "--format", "csv", "-o", str(tmp_path / "lines.csv"), *common) == 0
    assert run("export", str(study_file), "--format", "template", "-o", str(tmp_path / "bom.xlsx"), *common) == 0
    assert read_bom(tmp_path / "bom.xlsx") == load_study(study_file).bom


def test_bom_pact_without_company_is_a_clear_error(tmp_path, market_study, capsys):
    from footprint.bom_io import write_bom_csv

    bom_file = tmp_path / "bom.csv"
    bom_file.write_text(write_bom_csv(market_study.bom), encoding="utf-8")
    assert run("export", str(bom_file), "--format", "pact", "-o", str(tmp_path / "x.json"), "--dataset", str(STUDY_DATASET)) == 2
    assert "--company" in capsys.readouterr().err
    ok = run("export", str(bom_file), "--format", "pact", "-o", str(tmp_path / "x.json"), "--dataset", str(STUDY_DATASET), "--company", "Test Co.", "--period", "2024-01-01/2024-12-31")
    assert ok == 0 and json.loads((tmp_path / "x.json").read_text())["companyName"] == "Test Co."


def test_report_monte_carlo_of_a_study_simulates_the_headline(study_engine, market_study):
    """``footprint report --monte-carlo N`` on a market-based study: the interval is that of the
    market-based lines (the label's value), said so, not of the location-based BOM."""
    from footprint.montecarlo import monte_carlo
    from footprint.reports.inputs import prepare_report
    from footprint.study_compute import recompute

    source = prepare_report(market_study, study_engine, evaluation_date=EVALUATION_DATE, uncertainty=200)
    computation = recompute(market_study, study_engine)
    market = monte_carlo(study_engine, computation.market_bom, iterations=200, seed=0, grid=computation.headline.grid)
    location = monte_carlo(study_engine, market_study.bom, iterations=200, seed=0, grid=computation.headline.grid)
    assert source.uncertainty.basis == "market" and source.result.total_kgco2e == pytest.approx(5.91949, abs=1e-9)
    assert market.deterministic_kgco2e == pytest.approx(5.91949, rel=1e-9) and location.deterministic_kgco2e == pytest.approx(6.81949, rel=1e-9)
    assert source.uncertainty.median == market.total["median"] != location.total["median"]
