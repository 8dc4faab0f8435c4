"""The dataset audit: tag shares and the exact share of a product's total through each tag.

Hand computation on the mini dataset (tests/data/mini, see tests/test_engine.py):
  METAL 10 (F, unspecified); GRID-A 0.5 (F, unspecified); ELEC-SITE -> GRID-A (D);
  GAS-COMB 2 CO2 + 0.001 CH4 x 29.8 = 2.0298 (F); PART = 1.1 METAL (D) + 2 ELEC-SITE (E) + 0.5 GAS-COMB (E)
  PART = 11 + 1.0 + 1.0149 = 13.0149 kg CO2e/kg.
  Paths through an E exchange: 2 kWh (1.0) and 0.5 m3 gas (1.0149) -> 2.0149 / 13.0149.
  Paths through a D exchange: the metal (11) and the site -> grid link (1.0) -> 12 / 13.0149.
  Unspecified gas: metal 11 + grid 1.0 = 12 / 13.0149. Tolerance 1e-12 (float64 sparse solve).
"""

from __future__ import annotations

import pytest

from footprint.dataset_audit import audit_dataset
from footprint.methods import load_method

from .study_fixtures import study_dataset  # noqa: F401

TOL = 1e-12


@pytest.fixture(scope="module")
def factors():
    return load_method().factors


def test_tag_counts_and_shares(mini_dataset, factors):
    audit = audit_dataset(mini_dataset, factors, {})
    assert audit.tag_counts == {"D": 3, "E": 2, "F": 10, "R": 0, "S": 0}
    assert audit.tag_shares["F"] == pytest.approx(10 / 15, abs=TOL)
    assert audit.data_tag_shares["E"] == pytest.approx(2 / 15, abs=TOL)
    assert audit.activities == 10 and audit.exchanges == 15


def test_product_exposure_is_exact(mini_dataset, factors):
    audit = audit_dataset(mini_dataset, factors, {"part": ({"PART": 1.0}, None)})
    (part,) = audit.products
    assert part.total_kgco2e == pytest.approx(13.0149, abs=TOL)
    assert part.through["E"] == pytest.approx(2.0149 / 13.0149, abs=TOL)
    assert part.through["D"] == pytest.approx(12 / 13.0149, abs=TOL)
    assert part.through["R"] == 0.0
    assert part.found_only == pytest.approx(0.0, abs=TOL)
    assert part.unspecified_gas == pytest.approx(12 / 13.0149, abs=TOL)
    assert part.gwp_sets == {"not recorded": pytest.approx(1.0, abs=TOL)}


def test_found_only_share_and_grid_rewiring(mini_dataset, factors):
    """METAL + GAS-COMB are reached through F exchanges only; on GRID-B the site draws 0.2298/kWh."""
    audit = audit_dataset(
        mini_dataset,
        factors,
        {"found": ({"METAL": 1.0, "GAS-COMB": 1.0}, None), "part on B": ({"PART": 1.0}, "GRID-B")},
    )
    found, part_b = audit.products
    assert found.found_only == pytest.approx(1.0, abs=TOL)
    assert found.unspecified_gas == pytest.approx(10 / 12.0298, abs=TOL)
    # 11 + 2 x 0.2298 + 1.0149 = 12.4745; E paths 0.4596 + 1.0149
    assert part_b.total_kgco2e == pytest.approx(12.4745, abs=TOL)
    assert part_b.through["E"] == pytest.approx(1.4745 / 12.4745, abs=TOL)


def test_energy_linked_activities(mini_dataset, factors):
    """GRID-A, GRID-B, ELEC-SITE, GAS-COMB are energy; PART reaches them; METAL, PAPER, AIR, TRUCK, SF6 do not."""
    assert audit_dataset(mini_dataset, factors, {}).linked_to_energy == 5


def test_cff_values_are_counted_by_tag(study_dataset, mini_dataset, factors):
    """The CFF parameter values are numbers of datasets/ too: the audit counts them by tag, from
    the file given (tests/data/cff/study-test.yaml: A F, Qsin/Qp F, Qsout/Qp E), and names it."""
    from footprint.cff import load_cff_parameters

    parameters = load_cff_parameters(study_dataset)
    audit = audit_dataset(mini_dataset, factors, {}, parameters)
    assert audit.cff_parameters == {
        "file": "study-test.yaml",
        "sha256": parameters.sha256,
        "values": 3,
        "tag_counts": {"F": 2, "R": 0, "E": 1, "missing": 0},
    }
    assert audit_dataset(mini_dataset, factors, {}).cff_parameters is None


def test_audit_command_reports_the_shipped_cff_file(capsys):
    """datasets/cff/gba.yaml: 15 values, 2 F (polyester), 10 R, 2 E, 1 not found."""
    import json

    from footprint.cli import main

    assert main(["datasets", "audit", "--format", "json", "--examples", "/nonexistent"]) == 0
    audit = json.loads(capsys.readouterr().out)
    assert audit["cff_parameters"]["file"] == "gba.yaml"
    assert audit["cff_parameters"]["tag_counts"] == {"F": 2, "R": 10, "E": 2, "missing": 1}
