"""Emission-weighted data-quality ratings (footprint/data_quality.py), by hand."""

from types import SimpleNamespace as NS

import pytest

from footprint.data_quality import weighted_ratings


def test_weighted_by_kgco2e_per_aspect():
    study = NS(lines={"A": NS(technological=1, temporal=2, geographical=None), "B": NS(technological=3, temporal=2, geographical=2)})
    lines = [NS(path="A", kgco2e=3.0), NS(path="B", kgco2e=1.0), NS(path="C", kgco2e=10.0)]
    ratings = weighted_ratings(study, lines)
    assert ratings.averages["technological"] == pytest.approx((1 * 3 + 3 * 1) / 4)
    assert ratings.averages["temporal"] == pytest.approx(2.0)
    assert ratings.averages["geographical"] == pytest.approx(2.0)  # only B rates it
    assert ratings.weights == {"technological": 4.0, "temporal": 4.0, "geographical": 1.0}
    assert ratings.complete and ratings.rated_kgco2e == 4.0


def test_nothing_rated():
    assert weighted_ratings(NS(lines={}), []) is None
    assert weighted_ratings(None, []) is None
    study = NS(lines={"A": NS(technological=None, temporal=None, geographical=None)})
    assert weighted_ratings(study, [NS(path="A", kgco2e=1.0)]) is None
