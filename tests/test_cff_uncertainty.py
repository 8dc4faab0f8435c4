"""Monte Carlo of the CFF parameters (footprint.cff_sampling, footprint.montecarlo).

The CFF battery study of tests/study_fixtures.py on the study dataset, whose parameter file
(tests/data/cff/study-test.yaml) gives aluminium A 0.2 triangular 0.1-0.4, Qsin/Qp 1 collapsed
(exact, not drawn) and Qsout/Qp 0.9 triangular 0.6-1.0. By hand, with the unit scores AL 10,
AL-REC 1, SCRAP-RECYC 0.1 (see the arithmetic above ``cff_battery_study_data``):

  HOUSING/cff-material = 0.33 kg aluminium, R1 0.5:  Ev 0.3 (1.1 (0.5 + 0.5 (1 - A)) - 1.1) x 10
                         + Erec 0.3 x 1.1 x 0.5 A x 1 = -1.65 A + 0.165 A = -1.485 A
  ALU/cff-material     = 0.05 kg recycled, R1 1:     0.05 (1 - A) x 10 + 0.05 (A - 1) x 1 = 0.45 (1 - A)
  EOL-REC/cff-end-of-life = 0.2 kg recycled:         -0.2 A x 0.1 + 0.2 (1 - A) x 1 - 0.2 (1 - A) Q x 10
                         = -0.02 + (1 - A)(0.22 - 2 Q)

At A 0.2 and Q 0.9 these are -0.297, 0.36 and -1.284 (CFF_ROWS). With A and Q independent, the
EOL row is -0.02 + U V with U = 1 - A, V = 0.22 - 2 Q: mean -0.02 + E[U] E[V] and variance
(var U + E[U]^2)(var V + E[V]^2) - E[U]^2 E[V]^2, a triangular (a, c, b) having mean (a + b + c)/3
and variance (a^2 + b^2 + c^2 - ab - ac - bc)/18. Tolerances: 40,000 draws with the background
held at its deterministic scores, so only the parameters vary: the mean within 0.5 % (about 6
standard errors), the standard deviation within 2 % (about 6 standard errors of a standard
deviation).
"""

from __future__ import annotations

import math
import shutil

import numpy as np
import pytest

from footprint.cff_sampling import evaluate
from footprint.demand import build_demands
from footprint.montecarlo import build_plan, cff_parameter_values, monte_carlo
from footprint.study import study_from_data
from footprint.study_compute import recompute

from .study_fixtures import CFF_ROWS, CFF_TOTAL, STUDY_DATASET, cff_battery_study_data, study_dataset, study_engine  # noqa: F401

N = 40_000


def triangular_moments(low: float, mode: float, high: float) -> tuple[float, float]:
    return (low + mode + high) / 3, (low**2 + mode**2 + high**2 - low * mode - low * high - mode * high) / 18


def cff_foreground(engine):
    bom = recompute(study_from_data(cff_battery_study_data()), engine).headline_bom
    plan = build_plan(engine, [bom], iterations=2, seed=0, grid=None, centre="median")
    return bom, plan.foregrounds[0]


def exact_scores(engine, foreground, n: int) -> np.ndarray:
    """The deterministic unit scores of every activity in each of ``n`` iterations."""
    return np.tile(engine.unit_scores(foreground.grid).total, (n, 1))


def row_index(foreground, path: str) -> int:
    cff_paths = foreground.paths[len(foreground.rows):]
    return cff_paths.index(path)


def test_only_ranged_defaults_are_drawn_and_their_monomials_equal_the_terms(study_engine):
    bom, foreground = cff_foreground(study_engine)
    sampled = foreground.cff_sampled
    assert sampled.keys == ("aluminium/A", "aluminium/Qsout_Qp")  # Qsin/Qp is collapsed: fixed
    plan = study_engine.circular_plan(bom, build_demands(bom, study_engine.dataset), foreground.grid)
    given = {"aluminium/A": 0.2, "aluminium/Qsout_Qp": 0.9}
    for row in plan.rows:
        terms = dict(row.terms)
        polys = dict(row.monomials)
        assert set(polys) >= set(terms)
        for activity_id, poly in polys.items():
            assert evaluate(poly, given) == pytest.approx(terms.get(activity_id, 0.0), rel=1e-12, abs=1e-15), (row.path, activity_id)


def test_at_the_given_values_and_exact_background_the_rows_are_the_deterministic_ones(study_engine):
    """Parameter draws pinned at the given values (a collapsed range) and the background at its
    deterministic scores: every iteration of every CFF row is the hand value."""
    _, foreground = cff_foreground(study_engine)
    sampled = foreground.cff_sampled
    values = np.tile([0.2, 0.9, 1.0], (5, 1))  # aluminium/A, aluminium/Qsout_Qp, the column of ones
    rows = sampled.samples(exact_scores(study_engine, foreground, 5), values)
    for path, expected in CFF_ROWS.items():
        assert rows[:, row_index(foreground, path)] == pytest.approx([expected] * 5, rel=1e-12)


def test_the_sampled_spread_of_a_row_matches_the_formula(study_engine):
    _, foreground = cff_foreground(study_engine)
    values = cff_parameter_values(foreground, seed=7, block=0, size=N)
    rows = foreground.cff_sampled.samples(exact_scores(study_engine, foreground, N), values)

    mean_a, var_a = triangular_moments(0.1, 0.2, 0.4)
    mean_q, var_q = triangular_moments(0.6, 0.9, 1.0)
    mean_u, var_u = 1 - mean_a, var_a
    mean_v, var_v = 0.22 - 2 * mean_q, 4 * var_q
    eol = rows[:, row_index(foreground, "EOL-REC/cff-end-of-life")]
    assert eol.mean() == pytest.approx(-0.02 + mean_u * mean_v, rel=0.005)
    variance = (var_u + mean_u**2) * (var_v + mean_v**2) - mean_u**2 * mean_v**2
    assert eol.std(ddof=1) == pytest.approx(math.sqrt(variance), rel=0.02)

    alu = rows[:, row_index(foreground, "ALU/cff-material")]  # 0.45 (1 - A): linear in A
    assert alu.mean() == pytest.approx(0.45 * (1 - mean_a), rel=0.005)
    assert alu.std(ddof=1) == pytest.approx(0.45 * math.sqrt(var_a), rel=0.02)
    housing = rows[:, row_index(foreground, "HOUSING/cff-material")]  # -1.485 A, the same draw of A
    assert housing == pytest.approx(-1.485 * values[:, 0], rel=1e-12)
    assert values[:, 0].min() >= 0.1 and values[:, 0].max() <= 0.4 and values[:, 1].min() >= 0.6 and values[:, 1].max() <= 1.0


def test_monte_carlo_draws_the_parameters_reproducibly_and_keeps_the_deterministic_result(study_engine):
    bom, _ = cff_foreground(study_engine)
    first = monte_carlo(study_engine, bom, iterations=1200, seed=11)
    assert first.to_json() == monte_carlo(study_engine, bom, iterations=1200, seed=11).to_json()
    assert first.to_json() != monte_carlo(study_engine, bom, iterations=1200, seed=12).to_json()
    assert first.deterministic_kgco2e == pytest.approx(CFF_TOTAL, rel=1e-9)
    summaries = {line.path: line for line in first.lines}
    for path, expected in CFF_ROWS.items():
        assert summaries[path].deterministic_kgco2e == pytest.approx(expected, rel=1e-9)
    drawn = first.to_dict()["monte_carlo"]["cff_parameters"]
    assert drawn == {
        "aluminium/A": {"distribution": "triangular", "min": 0.1, "mode": 0.2, "max": 0.4},
        "aluminium/Qsout_Qp": {"distribution": "triangular", "min": 0.6, "mode": 0.9, "max": 1.0},
    }
    assert math.fsum(line.variance_share for line in first.lines) == pytest.approx(1.0, abs=1e-9)


def test_collapsed_ranges_draw_nothing(study_engine, tmp_path):
    """The same study on a copy of the dataset whose parameter file collapses every range: no
    parameter is drawn, the result names none, and with the background at its deterministic
    scores the rows are the hand values (the fixed-parameter weights)."""
    from footprint.dataset import load_dataset
    from footprint.engine import engine_for_dataset

    root = tmp_path / "datasets"
    shutil.copytree(STUDY_DATASET, root / "study")
    (root / "cff").mkdir()
    text = (STUDY_DATASET.parent / "cff" / "study-test.yaml").read_text(encoding="utf-8")
    text = text.replace("{distribution: triangular, min: 0.1, max: 0.4}", "{distribution: triangular, min: 0.2, max: 0.2}")
    text = text.replace("tag: E, source: TEST, reference_year: 2024, geography: CN, basis: material_default, uncertainty: {distribution: triangular, min: 0.6, max: 1.0}",
                        "tag: F, source: TEST, reference_year: 2024, geography: CN, basis: material_default, uncertainty: {distribution: uniform, min: 0.9, max: 0.9}")
    (root / "cff" / "study-test.yaml").write_text(text, encoding="utf-8")
    engine = engine_for_dataset(load_dataset(root / "study"))
    bom, foreground = cff_foreground(engine)
    assert foreground.cff_sampled is None
    result = monte_carlo(engine, bom, iterations=600, seed=3)
    assert "cff_parameters" not in result.to_dict()["monte_carlo"]
    rows = exact_scores(engine, foreground, 3)[:, foreground.cff_activities] @ foreground.cff_weights.T
    for path, expected in CFF_ROWS.items():
        assert rows[:, row_index(foreground, path)] == pytest.approx([expected] * 3, rel=1e-12)
    # the drawn A of the ranged file widens the end-of-life row against the collapsed one
    ranged = monte_carlo(study_engine, bom, iterations=600, seed=3)
    spread = {r.path: r.p97_5 - r.p2_5 for r in ranged.lines}
    fixed = {r.path: r.p97_5 - r.p2_5 for r in result.lines}
    assert spread["EOL-REC/cff-end-of-life"] > fixed["EOL-REC/cff-end-of-life"]
