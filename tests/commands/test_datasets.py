"""``footprint datasets list|check``."""

from __future__ import annotations

import json
import shutil

import pytest

from footprint.cli import main

from ..conftest import MINI


def test_list_json_has_every_activity_with_its_footprint(capsys, gba_engine, gba_dataset):
    assert main(["datasets", "list", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["dataset"]["sha256"] == gba_dataset.sha256
    rows = {row["id"]: row for row in payload["activities"]}
    assert len(rows) == len(gba_dataset.activities) >= 100
    for row in rows.values():
        assert {"id", "name", "name_zh", "unit", "geography", "source", "kgco2e_per_unit"} <= set(row)
        assert row["source"], row["id"]
    assert rows["AL-EXTR-GBA"]["kgco2e_per_unit"] == pytest.approx(gba_engine.activity_footprint("AL-EXTR-GBA"), rel=1e-12)


def test_list_filters(capsys):
    assert main(["datasets", "list", "--category", "electricity_grid", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["activities"]
    assert rows and all(r["id"].startswith("ELEC-") for r in rows)
    assert main(["datasets", "list", "--search", "铝", "--format", "json"]) == 0
    assert any(r["id"] == "AL-PRIM-CN" for r in json.loads(capsys.readouterr().out)["activities"])


def test_check_ok_and_broken(capsys, tmp_path):
    assert main(["datasets", "check"]) == 0
    assert "OK" in capsys.readouterr().out
    broken = tmp_path / "broken"
    shutil.copytree(MINI, broken)
    path = broken / "exchanges.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("METAL,biosphere,ghg_co2e_unspecified,10,", "METAL,biosphere,ghg_co2e_unspecified,1O,"), encoding="utf-8")
    assert main(["datasets", "check", str(broken)]) == 2
    assert "exchanges.csv line 8: amount is not a number: '1O'" in capsys.readouterr().err
