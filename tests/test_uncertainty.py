"""Pedigree matrix -> gsd, line distributions and centring, against hand-computed values."""

from __future__ import annotations

import math

import pytest

from footprint.bom import BomLine
from footprint.errors import FootprintError
from footprint.uncertainty import line_uncertainty, log_shift, pedigree_gsd, pedigree_sigma, pedigree_table


def _line(**fields) -> BomLine:
    return BomLine(**{"id": "L1", "activity_id": "METAL", "amount": 1, "unit": "kg", "stage": "raw_materials", **fields})


# Hand computation with the ecoinvent v3 variances (pedigree_matrix.yaml):
#   (1,1,1,1,1), basic 0.0006 (demand of materials): sigma^2 = 0.0006
#       gsd = exp(sqrt(0.0006)) = exp(0.0244949) = 1.0247974
#   (3,3,3,3,3), basic 0.0006: 0.0006 + 0.002 + 0.0006 + 0.002 + 0.0001 + 0.008 = 0.0133
#       gsd = exp(0.1153256) = 1.1222388
#   (5,5,5,5,5), basic 0.0006: 0.0006 + 0.04 + 0.008 + 0.04 + 0.002 + 0.12 = 0.2106
#       gsd = exp(0.4589118) = 1.5823511
#   (2,3,2,1,2), basic 0.12 (transport services): 0.12 + 0.0006 + 0.0006 + 0.0002 + 0 + 0.0006 = 0.122
#       gsd = exp(0.3492850) = 1.4180533
#   (4,1,5,2,3), basic 0.04 (direct emission): 0.04 + 0.008 + 0 + 0.04 + 0.000025 + 0.008 = 0.096025
#       gsd = exp(0.3098790) = 1.3632602
@pytest.mark.parametrize(
    "scores, category, expected",
    [
        ((1, 1, 1, 1, 1), "material", 1.0247974),
        ((3, 3, 3, 3, 3), "material", 1.1222388),
        ((5, 5, 5, 5, 5), "processing", 1.5823511),
        ((2, 3, 2, 1, 2), "freight", 1.4180533),
        ((4, 1, 5, 2, 3), "direct_emission", 1.3632602),
    ],
)
def test_pedigree_gsd_matches_hand_computation(scores, category, expected):
    assert pedigree_gsd(scores, category) == pytest.approx(expected, abs=5e-7)


def test_pedigree_sigma_is_root_of_summed_variances():
    assert pedigree_sigma((1, 1, 1, 1, 1), 0.0) == 0.0
    assert pedigree_sigma((1, 1, 1, 1, 5), 0.0) == pytest.approx(math.sqrt(0.12))
    assert pedigree_gsd((1, 1, 1, 1, 1), basic_variance=0.0) == 1.0


def test_pedigree_table_is_cited_and_complete():
    table = pedigree_table()
    assert "ecoinvent" in table.citation and "Weidema" in table.citation
    assert all(len(v) == 5 and v[0] == 0.0 for v in table.variance.values())
    assert table.default_pedigree == {"primary": (2, 2, 1, 1, 1), "secondary": (3, 3, 3, 3, 3)}


@pytest.mark.parametrize("scores", [(1, 2, 3, 4), (0, 1, 1, 1, 1), (1, 1, 1, 1, 6)])
def test_bad_scores_are_refused(scores):
    with pytest.raises(FootprintError):
        pedigree_gsd(scores, "material")


def test_line_gsd_comes_from_gsd_then_pedigree_then_data_type_default():
    explicit = line_uncertainty(_line(gsd=1.4, pedigree=(1, 1, 1, 1, 1)), "material")
    assert (explicit.gsd, explicit.source) == (1.4, "gsd")
    pedigree = line_uncertainty(_line(pedigree=(3, 3, 3, 3, 3)), "material")
    assert pedigree.source == "pedigree" and pedigree.gsd == pytest.approx(1.1222388, abs=5e-7)
    # Defaults: primary (2,2,1,1,1): 0.0006 + 0.0006 + 0.0001 = 0.0013 -> exp(0.0360555) = 1.0367134
    primary = line_uncertainty(_line(data_type="primary"), "material")
    assert primary.source == "default" and primary.gsd == pytest.approx(1.0367134, abs=5e-7)
    secondary = line_uncertainty(_line(), "material")
    assert secondary.source == "default" and secondary.gsd == pytest.approx(1.1222388, abs=5e-7)
    # Freight keeps its large basic uncertainty even for primary data: 0.12 + 0.0006 + 0.0001 -> 1.4154
    assert line_uncertainty(_line(data_type="primary"), "freight").gsd == pytest.approx(math.exp(math.sqrt(0.1207)))


def test_a_sub_assembly_is_uncertain_only_when_it_says_so():
    assembly = BomLine(id="A", amount=2, unit="piece", stage="raw_materials", lines=[_line()])
    assert line_uncertainty(assembly, None, leaf=False) is None
    assembly.gsd = 1.2
    assert line_uncertainty(assembly, None, leaf=False).gsd == 1.2


def test_centring():
    assert log_shift(0.5, "median") == 0.0
    assert log_shift(0.5, "mean") == pytest.approx(-0.125)
    with pytest.raises(FootprintError):
        log_shift(0.5, "mode")
