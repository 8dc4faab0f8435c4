"""The Brightway background: built once, agrees with bw2calc, never rewritten afterwards."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from footprint.background import _agree, cache_dir, open_background
from footprint.dataset_ranges import unit_footprints
from footprint.errors import DatasetError
from footprint.methods import load_method


def test_open_twice_returns_the_same_background(mini_dataset):
    assert open_background(mini_dataset) is open_background(mini_dataset)


def test_every_unit_score_agrees_with_a_full_bw2calc_lca(mini_engine):
    """Our float64 solve and bw2calc's own LCA (float32 storage) agree to 1e-6 relative."""
    background = mini_engine.background
    scores = mini_engine.unit_scores()
    for code, index in background.activity_index.items():
        expected = background.brightway_score({code: 1.0})
        assert scores.total[index] == pytest.approx(expected, rel=1e-6, abs=1e-9), code


def test_unit_scores_agree_with_the_independent_record_solver(mini_engine, mini_dataset):
    independent = unit_footprints(mini_dataset, load_method().factors)
    scores = mini_engine.unit_scores()
    for code, value in independent.items():
        assert scores.total[mini_engine.background.activity_index[code]] == pytest.approx(value, rel=1e-12)


def test_no_sqlite_write_after_build(mini_dataset):
    """Opening the background again (even in a fresh cache key) must not touch the project's files."""
    background = open_background(mini_dataset)
    files = [p for p in Path(cache_dir()).rglob("*") if p.is_file() and background.project_name[:20] in str(p) or p.suffix == ".db"]
    before = {p: p.stat().st_mtime_ns for p in files}
    import footprint.background as module

    module._OPEN.clear()  # force a re-open from disk
    again = open_background(mini_dataset)
    assert again.project_name == background.project_name
    after = {p: p.stat().st_mtime_ns for p in files if p.exists()}
    changed = [str(p) for p in before if before[p] != after.get(p) and p.name != "projects.db"]
    assert changed == []


def test_matrices_are_read_only(mini_engine):
    with pytest.raises(ValueError):
        mini_engine.background.technosphere.data[0] = 2.0
    with pytest.raises(ValueError):
        mini_engine.unit_scores().total[0] = 1.0


def test_agreement_check_refuses_a_different_matrix():
    exact = sp.csr_matrix(np.array([[1.0, -1.1], [0.0, 1.0]]))
    _agree("technosphere", sp.csr_matrix(np.array([[1.0, -1.1000001], [0.0, 1.0]], dtype=np.float32)), exact)
    with pytest.raises(DatasetError, match="technosphere"):
        _agree("technosphere", sp.csr_matrix(np.array([[1.0, -1.2], [0.0, 1.0]])), exact)


def _open_in_new_process(cache: Path, code: str) -> str:
    import os
    import subprocess
    import sys

    from .conftest import MINI

    script = (
        "import sys, json\n"
        "from footprint.dataset import load_dataset\n"
        "from footprint.engine import FootprintEngine\n"
        "from footprint.background import open_background\n"
        f"b = open_background(load_dataset({str(MINI)!r}))\n"
        "e = FootprintEngine(b)\n"
        f"print(json.dumps([repr(e.activity_footprint({code!r})), 'bw2calc' in sys.modules, 'bw2data' in sys.modules]))\n"
    )
    env = dict(os.environ, GBA_FOOTPRINT_CACHE=str(cache))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def test_a_checked_project_opens_without_importing_brightway(tmp_path):
    """The first process builds and checks the project; later ones read the records and import
    no Brightway module (the command-line path), with the same scores bit for bit."""
    import json

    first = json.loads(_open_in_new_process(tmp_path, "PART"))
    second = json.loads(_open_in_new_process(tmp_path, "PART"))
    assert first[1:] == [True, True]
    assert second[1:] == [False, False]
    assert first[0] == second[0] == repr(13.0149)  # hand value, tests/test_engine.py


def test_a_marker_for_other_data_is_not_trusted(tmp_path):
    """A remembered check whose dataset hash does not match is ignored: Brightway is used again."""
    import json

    _open_in_new_process(tmp_path, "PART")
    (marker,) = (tmp_path / "brightway" / "verified").glob("*.json")
    data = json.loads(marker.read_text())
    data["dataset_sha256"] = "0" * 64
    marker.write_text(json.dumps(data))
    assert json.loads(_open_in_new_process(tmp_path, "PART"))[1] is True
