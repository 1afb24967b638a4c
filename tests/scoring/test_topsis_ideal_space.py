"""Fixed ideal points state their units (issue 16): ``ideal_space="raw"`` (the default) or
``"weighted"``, the weighted normalised space of the R package MCDA's ``TOPSIS``."""

from __future__ import annotations

import numpy as np
import pytest

import citymatch
from citymatch.errors import ArgumentError

#: The example of R MCDA's ``TOPSIS`` help page (MCDA package, Meyer, Bigaret & Hodgett,
#: man/TOPSIS.Rd): three cars, four criteria, and fixed points in the weighted normalised
#: space.
CARS = np.array([[5490, 51.4, 8.5, 285], [6500, 70.6, 7, 288], [6489, 54.3, 7.5, 290]], float)
WEIGHTS = np.array([0.35, 0.25, 0.25, 0.15])
TYPES = [-1, 1, 1, 1]  # criteriaMinMax = min, max, max, max
PIS = np.array([0.179573776, 0.171636015, 0.159499658, 0.087302767])
NIS = np.array([0.212610118, 0.124958799, 0.131352659, 0.085797547])


def _r_mcda_topsis(x, w, pis, nis):
    """R MCDA's algorithm by hand: vector-normalise, weight, distances to the given points."""
    v = w * x / np.sqrt((x**2).sum(axis=0))
    dp = np.sqrt(((v - pis) ** 2).sum(axis=1))
    dm = np.sqrt(((v - nis) ** 2).sum(axis=1))
    return dm / (dp + dm)


def test_published_points_in_weighted_space_give_r_mcda_closeness():
    """With ``ideal_space="weighted"`` the help page's points give R's closeness (Clio
    0.5182, the value the issue quotes), equal to a hand computation of R's algorithm; the
    result reports the points back in that space."""
    want = _r_mcda_topsis(CARS, WEIGHTS, PIS, NIS)
    assert want[1] == pytest.approx(0.5182, abs=5e-5)
    got = citymatch.topsis(CARS, WEIGHTS, TYPES, ideal=PIS, anti_ideal=NIS, ideal_space="weighted")
    assert got.scores == pytest.approx(want, abs=1e-9)
    assert got.weighted_ideal == pytest.approx(PIS, abs=1e-12)
    assert got.weighted_anti_ideal == pytest.approx(NIS, abs=1e-12)


def test_raw_default_reads_points_as_raw_units():
    """By default the points are raw units: the same numbers read as prices and litres
    give a different closeness (0.5003, the issue's trap) — the documented convention."""
    raw = citymatch.topsis(CARS, WEIGHTS, TYPES, ideal=PIS, anti_ideal=NIS)
    assert raw.scores[1] == pytest.approx(0.5002, abs=5e-4)
    explicit = citymatch.topsis(CARS, WEIGHTS, TYPES, ideal=PIS, anti_ideal=NIS, ideal_space="raw")
    assert explicit.scores.tolist() == raw.scores.tolist()


def test_weighted_points_other_than_the_data_extremes_by_hand():
    """Points away from the data's extremes (ideal 5% better, anti-ideal 5% worse than the
    weighted data's own) give the hand-computed closeness, under "max" normalisation too."""
    x = np.array([[3.0, 7.0, 2.0], [5.0, 4.0, 6.0], [4.0, 6.0, 5.0], [6.0, 5.0, 3.0]])
    w = np.array([0.5, 0.3, 0.2])
    t = np.array([1, -1, 1])
    for norm, s in (("vector", np.sqrt((x**2).sum(axis=0))), ("max", np.abs(x).max(axis=0))):
        v = w * x / s
        best = np.where(t > 0, v.max(axis=0) * 1.05, v.min(axis=0) * 0.95)
        worst = np.where(t > 0, v.min(axis=0) * 0.95, v.max(axis=0) * 1.05)
        dp = np.sqrt(((v - best) ** 2).sum(axis=1))
        dm = np.sqrt(((v - worst) ** 2).sum(axis=1))
        got = citymatch.topsis(
            x, w, t, normalization=norm, ideal=best, anti_ideal=worst, ideal_space="weighted"
        )
        assert got.scores == pytest.approx(dm / (dp + dm), abs=1e-12)


def test_ideal_space_errors():
    """An unknown space, "weighted" under min-max, or with a batch of weights: ArgumentError."""
    kw = {"ideal": PIS, "anti_ideal": NIS}
    with pytest.raises(ArgumentError, match=r"`ideal_space` must be 'raw' or 'weighted'; got 'r'"):
        citymatch.topsis(CARS, WEIGHTS, TYPES, ideal_space="r", **kw)
    with pytest.raises(ArgumentError, match=r"needs normalization 'vector', 'max' or 'sum'"):
        citymatch.topsis(CARS, WEIGHTS, TYPES, normalization="minmax", ideal_space="weighted", **kw)
    with pytest.raises(ArgumentError, match=r"takes one weight vector .*got a \(K, M\) batch"):
        citymatch.topsis(CARS, np.stack([WEIGHTS, WEIGHTS]), TYPES, ideal_space="weighted", **kw)
