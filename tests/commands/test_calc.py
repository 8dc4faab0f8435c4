"""``footprint calc``: JSON and table output, and clear errors (exit 2, no traceback)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from footprint.cli import main

ROOT = Path(__file__).resolve().parents[2]
LAMP = ROOT / "examples" / "led-lamp-bom.csv"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_output_has_the_documented_fields(capsys, gba_engine, gba_dataset):
    code, out, err = run(capsys, "calc", str(LAMP), "--format", "json")
    assert code == 0, err
    payload = json.loads(out)
    assert set(payload) >= {"total_kgco2e", "lines", "by_stage", "by_gas", "dataset", "method", "grid"}
    assert payload["dataset"] == {"id": "gba", "version": gba_dataset.version, "sha256": gba_dataset.sha256}
    assert payload["grid"] == "ELEC-SZ-2023-LCA"  # from the '# grid:' header line
    assert all({"id", "kgco2e"} <= set(line) for line in payload["lines"])
    assert math.fsum(l["kgco2e"] for l in payload["lines"]) == pytest.approx(payload["total_kgco2e"], rel=1e-12)
    assert math.fsum(payload["by_stage"].values()) == pytest.approx(payload["total_kgco2e"], rel=1e-9)


def test_grid_option_overrides_the_bom(capsys):
    _, default, _ = run(capsys, "calc", str(LAMP), "--format", "json")
    code, clp, _ = run(capsys, "calc", str(LAMP), "--format", "json", "--grid", "ELEC-HK-CLP-2024-LCA")
    assert code == 0
    assert json.loads(clp)["grid"] == "ELEC-HK-CLP-2024-LCA"
    assert json.loads(clp)["total_kgco2e"] < json.loads(default)["total_kgco2e"]


def test_table_output(capsys):
    code, out, _ = run(capsys, "calc", str(LAMP))
    assert code == 0
    assert "Total:" in out and "kg CO2e per declared unit" in out and "DRV/DRV-PCBA" in out


def test_table_shows_each_amount_as_entered_and_per_declared_unit(capsys, tmp_path):
    """Hand check: 2 drivers per lamp of 11 g of board each are 0.022 kg of board per lamp; 500 kg
    carried 100 km are 50 t*km."""
    bom = tmp_path / "nested.csv"
    bom.write_text(
        "# product: nested\n# declared_unit: 1 piece\n# mass_kg_per_piece: 0.5\n"
        "id,parent,activity_id,amount,unit,stage,distance_km\n"
        "DRV,,,2,piece,purchased_parts,\n"
        "PCBA,DRV,PCBA-AVG,11,g,purchased_parts,\n"
        "T,,FRT-TRK-HEAVY-DIESEL-CN,500,kg,inbound_transport,100\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "calc", str(bom))
    assert code == 0, err
    assert "amount entered" in out and "per declared unit" in out
    (board,) = [row for row in out.splitlines() if row.startswith("DRV/PCBA ")]
    assert "11 g" in board and "0.022 kg" in board
    (truck,) = [row for row in out.splitlines() if row.startswith("T ")]
    assert "500 kg" in truck and "50 tkm" in truck


def test_same_input_same_bytes(capsys):
    first = run(capsys, "calc", str(LAMP), "--format", "json")[1]
    assert run(capsys, "calc", str(LAMP), "--format", "json")[1] == first


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("id,activity_id,amount,unit,stage\nA,AL-PRIM-CN,-2,kg,raw_materials\n", "A"),
        ("id,activity_id,amount,unit,stage\nA,AL-PRIM-CN,nan,kg,raw_materials\n", "A"),
        ("id,activity_id,amount,unit,stage\nA,AL-PRIM-CN,1e12,kg,raw_materials\n", "A"),
        ("id,activity_id,amount,unit,stage\nA,NO-SUCH-THING,2,kg,raw_materials\n", "NO-SUCH-THING"),
        ("id,activity_id,amount,unit,stage\nE,ELEC-SITE,2,kg,manufacturing_energy\n", "kg is a mass"),
        ("id,activity_id,amount,unit,stage\n", "no BOM rows"),
        ("", "empty"),
    ],
)
def test_bad_boms_give_a_clear_error(capsys, tmp_path, content, expected):
    path = tmp_path / "bom.csv"
    path.write_text("# product: x\n# declared_unit: 1 kg\n" + content if content else "", encoding="utf-8")
    code, out, err = run(capsys, "calc", str(path))
    assert code == 2
    assert out == ""
    assert err.startswith("error:") and "Traceback" not in err
    assert expected.lower() in err.lower()


def test_binary_garbage_and_missing_file(capsys, tmp_path):
    garbage = tmp_path / "bom.xlsx"
    garbage.write_bytes(os.urandom(2048))
    code, _, err = run(capsys, "calc", str(garbage))
    assert code == 2 and err.startswith("error:")
    code, _, err = run(capsys, "calc", str(tmp_path / "missing.csv"))
    assert code == 2 and "missing.csv" in err


def test_unknown_grid(capsys):
    code, _, err = run(capsys, "calc", str(LAMP), "--grid", "ELEC-MARS")
    assert code == 2 and "unknown grid" in err and "ELEC-GD-2023-LCA" in err


def test_real_entry_point_prints_no_traceback(tmp_path):
    """Through the installed console script path (python -m footprint), stdout is pure JSON."""
    bad = tmp_path / "bad.csv"
    bad.write_text("# product: x\n# declared_unit: 1 kg\nid,activity_id,amount,unit\nA,AL-PRIM-CN,2,T\n", encoding="utf-8")
    env = dict(os.environ)
    proc = subprocess.run([sys.executable, "-m", "footprint", "calc", str(bad)], capture_output=True, text=True, env=env, cwd=ROOT)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "row" in proc.stderr
    good = subprocess.run([sys.executable, "-m", "footprint", "calc", str(LAMP), "--format", "json"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert good.returncode == 0, good.stderr
    json.loads(good.stdout)


def test_unknown_activity_suggests_ids_and_the_command_line_hint(capsys, tmp_path):
    bom = tmp_path / "bom.csv"
    bom.write_text("# product: x\n# declared_unit: 1 kg\nid,activity_id,amount,unit\nA,AL-EXTR,1,kg\n", encoding="utf-8")
    code, _, err = run(capsys, "calc", str(bom))
    assert code == 2 and "did you mean AL-EXTR-GBA" in err
    assert "hint: 'footprint datasets list --search TEXT'" in err


def test_lines_after_the_gate_are_flagged(capsys, tmp_path):
    """The lamp plus 10 kWh of use on the national grid: the note says the total is not
    cradle-to-gate and gives the cradle-to-gate part (the lamp's own total)."""
    _, base, _ = run(capsys, "calc", str(LAMP), "--format", "json")
    path = tmp_path / "lamp-use.csv"
    path.write_text(LAMP.read_text(encoding="utf-8") + "USE,,ELEC-CN-2024-LCA,10,kWh,use,secondary,,,10 kWh over the service life\n", encoding="utf-8")
    code, out, err = run(capsys, "calc", str(path), "--format", "json")
    assert code == 0, err
    payload, lamp = json.loads(out), json.loads(base)
    assert "after the factory gate (use)" in err and "not cradle-to-gate" in err
    assert payload["by_stage"]["use"] > 0
    assert math.fsum(v for s, v in payload["by_stage"].items() if s != "use") == pytest.approx(lamp["total_kgco2e"], rel=1e-9)
    _, _, quiet = run(capsys, "calc", str(LAMP), "--format", "json")
    assert "after the factory gate" not in quiet
