"""The LFP home storage pack examples: a cradle-to-gate GBA label study and the EU battery
declaration made from its companion study with distribution and end of life.

examples/lfp-pack-study.json             per 1 kWh of rated energy, cradle-to-gate: the label
examples/lfp-pack-declaration-study.json the same study + distribution + end of life (EU market)
examples/lfp-pack-battery-declaration.json  `footprint battery-declaration` of the second one

Hand calculation, per pack (5.12 kWh rated, 23,500.8 kWh over the service life). Factors are the
dataset's kg CO2e per unit as `footprint datasets list --grid ELEC-GD-2023-LCA` prints them,
rounded to 6 significant figures; amounts are the BOM's per-pack amounts (transport: t x km):

  raw materials          FRAME 0.9 x 7.92                                     =   7.128
  purchased parts        CELLS 5.12 x 62 + ENCL-S 9.2 x 3.67465 + ...        = 449.752
  inbound transport      T-CELL 0.032 x 1150 x 0.0978 + ...                   =   3.846
  manufacturing energy   FRAME-M 0.9 x 0.80104 + ELEC 7.5 x 0.5168            =   4.597
  packaging              BOX 2.8 x 1.2 + FILM 0.25 x 2.81                     =   4.0625
  production waste       W-SCRAP 0.15 x 0.012678 + W-MIX 0.3 x 0.520533       =   0.158
  cradle-to-gate                                                              = 469.543 per pack
                                                               / 5.12 = 91.7076 kg CO2e per kWh rated
  distribution           0.05155 t x (95 x 0.0978 + 25,000 x 0.01553 + 600 x 0.09502) = 23.432
  end of life            46.8 x 0.00468568 + 1.1 x 2.76366 + 0.6 x 0.00187885        =  3.260

EU declaration, kg CO2e per kWh over the service life = per pack / 23,500.8 (= per kWh rated x
5.12 / 23,500.8): raw material acquisition 0.0196047, main product production 0.000375200,
distribution 0.000997081, end of life 0.000138737, total 0.0211157.
Tolerance: 1e-5 relative (factors rounded to 6 significant figures).

When the dataset changes, refresh the studies' declared results (docs/label-rules.md, "Example
study"), rerun the commands of docs/reports.md ("Example") and update the factors below.
"""

from __future__ import annotations

import copy
import json
import math
from datetime import date
from pathlib import Path

import pytest

from footprint.battery_declaration import battery_declaration
from footprint.bom_io import read_bom
from footprint.cli import main
from footprint.label import build_label
from footprint.rules import evaluate, load_rule_set
from footprint.study import load_study
from footprint.study_compute import declare_results, recompute

from .reports.conftest import extract_text, require_font, require_tool

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
REPORTS = ROOT / "docs" / "example-report"
LABEL_STUDY = EXAMPLES / "lfp-pack-study.json"
DECLARATION_STUDY = EXAMPLES / "lfp-pack-declaration-study.json"
DECLARATION = EXAMPLES / "lfp-pack-battery-declaration.json"
BOM_CSV = EXAMPLES / "lfp-pack-bom.csv"
LABEL_FILE = "label-GBA-CFP-2025-EXAMPLE-0002"
RULES = "gba-li-ion-battery-pack"
EVALUATION_DATE = date(2025, 9, 30)
RATED_KWH = 5.12
SERVICE_LIFE_KWH = 23_500.8
TOLERANCE = 1e-5

FACTOR = {
    "LIB-CELL-LFP-CN": 62.0,
    "STEEL-STAMPED-PART-GBA": 3.67465,
    "PROC-POWDER-COATING": 1.56005,
    "AL-DIECAST-SEC-GBA": 1.88726,
    "CU-WIRE-GBA": 3.45051,
    "PVC-CN": 5.42,
    "PCBA-AVG": 185.0,
    "CONNECTOR-KG-GBA": 7.19035,
    "PET-CN": 3.4,
    "PU-FLEX-FOAM-GLO": 4.84,
    "PA66-CN": 7.92,
    "PROC-INJ-MOULDING": 0.80104,
    "ELEC-SITE": 0.5168,  # ELEC-GD-2023-LCA
    "PAPER-CORR-CN": 1.2,
    "LDPE-GBA": 2.81,
    "FRT-TRK-HEAVY-DIESEL-CN": 0.0978,
    "FRT-TRK-MED-DIESEL-CN": 0.1502,
    "FRT-TRK-LIGHT-DIESEL-CN": 0.2611,
    "WASTE-SCRAP-RECYCLING": 0.012678,
    "WASTE-LANDFILL-MIXED-IND": 0.520533,
    "FRT-SEA-CONT-8000-GLO": 0.01553,
    "FRT-HGV-ARTIC-GT33-GB": 0.09502,
    "WASTE-RECYC-COLLECT-GB": 0.00468568,
    "WASTE-INCIN-PLASTIC-MIX": 2.76366,
    "WASTE-LANDFILL-INERT": 0.00187885,
}

# (stage, activity, amount per pack in the activity's unit): transport as t x km.
PER_PACK = [
    ("raw_materials", "PA66-CN", 0.9),
    ("purchased_parts", "LIB-CELL-LFP-CN", 5.12),
    ("purchased_parts", "STEEL-STAMPED-PART-GBA", 9.2),
    ("purchased_parts", "PROC-POWDER-COATING", 2.4),
    ("purchased_parts", "AL-DIECAST-SEC-GBA", 0.4),
    ("purchased_parts", "STEEL-STAMPED-PART-GBA", 2.2),
    ("purchased_parts", "STEEL-STAMPED-PART-GBA", 0.47),
    ("purchased_parts", "CU-WIRE-GBA", 0.9),
    ("purchased_parts", "CU-WIRE-GBA", 0.45),
    ("purchased_parts", "PVC-CN", 0.2),
    ("purchased_parts", "PCBA-AVG", 0.38),
    ("purchased_parts", "CONNECTOR-KG-GBA", 0.8),
    ("purchased_parts", "PET-CN", 0.35),
    ("purchased_parts", "PU-FLEX-FOAM-GLO", 0.25),
    ("manufacturing_energy", "PROC-INJ-MOULDING", 0.9),
    ("manufacturing_energy", "ELEC-SITE", 7.5),
    ("packaging", "PAPER-CORR-CN", 2.8),
    ("packaging", "LDPE-GBA", 0.25),
    ("inbound_transport", "FRT-TRK-HEAVY-DIESEL-CN", 0.032 * 1150),
    ("inbound_transport", "FRT-TRK-MED-DIESEL-CN", 0.01227 * 85),
    ("inbound_transport", "FRT-TRK-LIGHT-DIESEL-CN", 0.00273 * 60),
    ("inbound_transport", "FRT-TRK-LIGHT-DIESEL-CN", 0.00455 * 40),
    ("production_waste", "WASTE-SCRAP-RECYCLING", 0.15),
    ("production_waste", "WASTE-LANDFILL-MIXED-IND", 0.3),
]
POST_GATE_PER_PACK = [
    ("distribution", "FRT-TRK-HEAVY-DIESEL-CN", 0.05155 * 95),
    ("distribution", "FRT-SEA-CONT-8000-GLO", 0.05155 * 25_000),
    ("distribution", "FRT-HGV-ARTIC-GT33-GB", 0.05155 * 600),
    ("end_of_life", "WASTE-RECYC-COLLECT-GB", 32.0 + 13.62 + 1.18),
    ("end_of_life", "WASTE-INCIN-PLASTIC-MIX", 1.1),
    ("end_of_life", "WASTE-LANDFILL-INERT", 0.6),
]
DECLARATION_STAGES = {
    "raw_material_acquisition": ("raw_materials", "purchased_parts", "inbound_transport"),
    "main_product_production": ("manufacturing_energy", "process_emissions", "packaging", "production_waste"),
    "distribution": ("distribution",),
    "end_of_life": ("end_of_life",),
}


def per_pack_by_stage(rows) -> dict[str, float]:
    stages: dict[str, list[float]] = {}
    for stage, activity, amount in rows:
        stages.setdefault(stage, []).append(amount * FACTOR[activity])
    return {stage: math.fsum(values) for stage, values in stages.items()}


def findings(study, engine):
    return evaluate(study, RULES, engine, EVALUATION_DATE)


def open_items(evaluation) -> list[str]:
    return [f"{f.rule_id} {f.verdict.value}: {f.message.en}" for f in evaluation.findings if f.verdict.value in ("fail", "needs_evidence")]


def test_label_study_is_eligible_with_no_open_finding(gba_engine):
    evaluation = findings(load_study(LABEL_STUDY), gba_engine)
    assert evaluation.eligible and evaluation.status == "eligible"
    assert open_items(evaluation) == []  # not even a minor or info finding
    assert evaluation.results["basis"] == "location"
    assert evaluation.results["dataset"]["id"] == "gba"


def test_declaration_study_only_waits_for_a_gba_certificate(gba_engine):
    """The companion study is not the label's study: the GBA certificate was issued for the
    cradle-to-gate one, so the label rule asks for one and nothing else is open."""
    evaluation = findings(load_study(DECLARATION_STUDY), gba_engine)
    assert open_items(evaluation) == ["GBA-LBL-001 needs_evidence: the label needs certificate number, issue date (issued at certification)"]
    verdicts = {f.rule_id: f.verdict.value for f in evaluation.findings}
    assert verdicts["GBA-PG-001"] == verdicts["BAT-DECL-001"] == verdicts["GBA-CUT-004"] == "pass"


def test_label_value_equals_the_hand_computation(gba_engine):
    study = load_study(LABEL_STUDY)
    by_stage = per_pack_by_stage(PER_PACK)
    per_kwh = math.fsum(by_stage.values()) / RATED_KWH
    assert per_kwh == pytest.approx(91.7076, abs=5e-5)
    evaluation = findings(study, gba_engine)
    assert evaluation.results["total_kgco2e"] == pytest.approx(per_kwh, rel=TOLERANCE)
    recomputed = recompute(study, gba_engine).headline.by_stage
    assert recomputed == pytest.approx({stage: kg / RATED_KWH for stage, kg in by_stage.items()}, rel=TOLERANCE)
    label = build_label(study, gba_engine, load_rule_set(RULES), EVALUATION_DATE)
    assert label.value_text == "91.8"  # 91.7076 rounded up to 3 significant figures
    assert label.total_kgco2e == pytest.approx(per_kwh, rel=TOLERANCE)


def test_declaration_per_kwh_equals_the_hand_computation(gba_engine):
    by_stage = per_pack_by_stage(PER_PACK + POST_GATE_PER_PACK)
    expected = {name: math.fsum(by_stage.get(s, 0.0) for s in stages) / SERVICE_LIFE_KWH for name, stages in DECLARATION_STAGES.items()}
    assert expected == pytest.approx({"raw_material_acquisition": 0.0196047, "main_product_production": 0.000375200, "distribution": 0.000997081, "end_of_life": 0.000138737}, rel=5e-6)
    committed = json.loads(DECLARATION.read_text(encoding="utf-8"))
    fresh = battery_declaration(load_study(DECLARATION_STUDY), gba_engine)
    for document in (committed, fresh):
        values = {s["id"]: s["kgco2e_per_kwh"] for s in document["stages"]}
        assert values == pytest.approx(expected, rel=TOLERANCE)
        assert all(s["in_boundary"] for s in document["stages"])
        assert document["total_kgco2e_per_kwh"] == pytest.approx(math.fsum(expected.values()), rel=TOLERANCE)
        assert document["total_kgco2e_per_battery"] == pytest.approx(math.fsum(by_stage.values()), rel=TOLERANCE)
        assert (document["rated_energy_kwh"], document["service_life_energy_kwh"], document["declared_units_per_battery"]) == (RATED_KWH, SERVICE_LIFE_KWH, RATED_KWH)


def test_declaration_and_studies_agree_on_hashes(gba_engine, gba_dataset):
    declaration = json.loads(DECLARATION.read_text(encoding="utf-8"))
    label_study, declaration_study = load_study(LABEL_STUDY), load_study(DECLARATION_STUDY)
    assert declaration["study"] == {"id": declaration_study.study_id, "sha256": declaration_study.sha256()}
    expected = {"id": "gba", "version": gba_dataset.version, "sha256": gba_dataset.sha256}
    assert declaration["dataset"] == expected
    assert label_study.declared.dataset.model_dump() == declaration_study.declared.dataset.model_dump() == expected
    rules = load_rule_set(RULES).describe()
    assert declaration["rule_set"] == rules
    assert label_study.declared.rule_set.sha256 == declaration_study.declared.rule_set.sha256 == rules["sha256"]


@pytest.mark.parametrize("path", [LABEL_STUDY, DECLARATION_STUDY], ids=["label", "declaration"])
def test_declared_results_are_current(gba_engine, path):
    study = load_study(path)
    fresh = declare_results(study, gba_engine, rule_set=load_rule_set(RULES))
    assert fresh.declared == study.declared, f"refresh {path.name} (docs/label-rules.md, 'Example study')"


def _run(capsys, *argv: str) -> None:
    code = main(list(argv))
    assert code == 0, capsys.readouterr().err
    capsys.readouterr()


def test_committed_declaration_label_and_pact_are_what_the_commands_write(capsys, tmp_path):
    _run(capsys, "battery-declaration", str(DECLARATION_STUDY), "-o", str(tmp_path / "declaration.json"))
    assert (tmp_path / "declaration.json").read_bytes() == DECLARATION.read_bytes()
    _run(capsys, "check", str(LABEL_STUDY), "--rules", RULES, "--date", EVALUATION_DATE.isoformat(), "--label-dir", str(tmp_path))
    assert (tmp_path / f"{LABEL_FILE}.svg").read_bytes() == (REPORTS / f"{LABEL_FILE}.svg").read_bytes()
    assert (tmp_path / f"{LABEL_FILE}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" == (REPORTS / f"{LABEL_FILE}.png").read_bytes()[:8]
    _run(capsys, "export", str(LABEL_STUDY), "--format", "pact", "-o", str(tmp_path / "pact.json"))
    assert (tmp_path / "pact.json").read_bytes() == (REPORTS / "lfp-pack-pact.json").read_bytes()


@pytest.mark.parametrize(
    ("study", "language", "pdf"),
    [(LABEL_STUDY, "zh", "lfp-pack-report-zh.pdf"), (LABEL_STUDY, "en", "lfp-pack-report-en.pdf"), (DECLARATION_STUDY, "en", "lfp-pack-declaration-report-en.pdf")],
    ids=["label-zh", "label-en", "declaration-en"],
)
def test_committed_reports_hold_what_the_command_writes(capsys, tmp_path, study, language, pdf):
    """Text, not bytes: the font subset and chart encoding may differ between library versions."""
    require_font()
    require_tool("pdftotext")
    _run(capsys, "report", str(study), "--lang", language, "--monte-carlo", "1000", "-o", str(tmp_path / pdf))
    assert extract_text((tmp_path / pdf).read_bytes()) == extract_text((REPORTS / pdf).read_bytes())


@pytest.mark.parametrize(("pdf", "cells", "board"), [("lfp-pack-report-en.pdf", "1kWh(5.12kWhperPACK)", "0.07422kg(0.38kgperPACK)"), ("lfp-pack-report-zh.pdf", "1kWh（每PACK5.12kWh）", "0.07422kg（每PACK0.38kg）")])
def test_report_lines_show_the_amount_per_kwh_their_kg_co2e_is_for(pdf, cells, board):
    """The lines are entered per pack; the results are per kWh of rated energy: the report shows
    the amount per declared unit (5.12 kWh of cells / 5.12 = 1 kWh; 0.38 kg of BMS / 5.12 =
    0.07421875 kg, 4 significant figures) with the amount as entered beneath it."""
    require_tool("pdftotext")
    text = extract_text((REPORTS / pdf).read_bytes())
    assert cells in text and board in text


def test_the_label_study_exports_to_pact_and_the_declaration_study_is_refused(capsys, tmp_path):
    """Why two studies: PACT v3 carries cradle-to-gate footprints only."""
    assert main(["export", str(DECLARATION_STUDY), "--format", "pact", "-o", str(tmp_path / "pact.json")]) == 2
    assert "distribution, end_of_life" in capsys.readouterr().err
    assert not (tmp_path / "pact.json").exists()


def _without_post_gate(data: dict) -> dict:
    """The declaration study with what it adds to the label study taken out."""
    data = copy.deepcopy(data)
    pack = data["bom"]["lines"][0]
    pack["lines"] = [line for line in pack["lines"] if line["stage"] not in ("distribution", "end_of_life")]
    data["boundary"]["stages"] = [s for s in data["boundary"]["stages"] if s not in ("distribution", "end_of_life")]
    data["lines"] = {path: facts for path, facts in data["lines"].items() if not path.startswith(("PACK/D-", "PACK/EOL-"))}
    return data


def test_the_two_studies_differ_only_where_documented():
    label = json.loads(LABEL_STUDY.read_text(encoding="utf-8"))
    declaration = _without_post_gate(json.loads(DECLARATION_STUDY.read_text(encoding="utf-8")))
    # texts and results that say which study it is; the GBA certificate belongs to the label study
    differing = {"study_id", "title", "report", "certification", "declared", "interpretation"}
    for data in (label, declaration):
        for key in differing:
            data.pop(key)
        data["bom"].pop("notes")
        for key in ("diagram_ref", "description", "excluded"):
            data["boundary"].pop(key)
    assert declaration == label
    post_gate = [line for line in json.loads(DECLARATION_STUDY.read_text(encoding="utf-8"))["bom"]["lines"][0]["lines"] if line["stage"] in ("distribution", "end_of_life")]
    assert math.fsum(line["amount"] for line in post_gate if line["stage"] == "end_of_life") == pytest.approx(48.5, rel=1e-12)  # every kg of the pack has a route


def test_bom_csv_is_the_packs_lines_of_the_label_study():
    bom = read_bom(BOM_CSV)
    pack = load_study(LABEL_STUDY).bom.lines[0]
    assert bom.declared_unit.unit == "piece" and bom.declared_unit.mass_kg_per_piece == pack.mass_kg_per_piece == 48.5
    assert [line.model_dump() for line in bom.lines] == [line.model_dump() for line in pack.lines]
    assert pack.amount == 1 / RATED_KWH
