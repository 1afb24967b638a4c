"""AHP uncertainty: weight samples from perturbed judgements, and repair of inconsistency."""

from __future__ import annotations

import numpy as np
import pytest

import citymatch
from citymatch import sensitivity as sa
from citymatch.errors import CitymatchTypeError, CitymatchValueError


def test_ahp_weight_samples_from_criteria_set(ranking):
    """Perturbed judgements of every node give weight samples around the set's weights; the
    CR filter holds; the samples feed rank_acceptability."""
    w, cr = sa.ahp_weight_samples(ranking.criteria, samples=400, rng=2, max_cr=0.1)
    assert w.shape == (400, 7) and (cr <= 0.1).all()
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    assert np.abs(w.mean(axis=0) - ranking.weights.to_numpy()).max() < 0.05
    res = sa.rank_acceptability(ranking, weight_samples=w)
    assert res.samples == 400


def test_ahp_weight_samples_from_matrix():
    """A flat matrix under multiplicative noise: spread 0 reproduces the weights exactly."""
    m = [[1, 3, 5], ["1/3", 1, 2], ["1/5", "1/2", 1]]
    w, _ = sa.ahp_weight_samples(m, samples=5, perturbation="multiplicative", spread=0.0, rng=0)
    np.testing.assert_allclose(w, np.tile(citymatch.ahp(m).weights, (5, 1)), atol=1e-12)
    with pytest.raises(
        CitymatchValueError, match=r"`perturbation` must be 'saaty' or 'multiplicative'; got 'x'"
    ):
        sa.ahp_weight_samples(m, perturbation="x")
    with pytest.raises(CitymatchValueError, match=r"has direct weights, no AHP judgements"):
        sa.ahp_weight_samples(citymatch.load_criteria("friendship-city"))


def test_saaty_perturbation_moves_each_judgement_at_most_spread_steps():
    """Under the Saaty perturbation with spread 1, a consistent 2×2 judgement of 3 becomes 2, 3
    or 4, so the first weight is one of 2/3, 3/4, 4/5 — each of them seen."""
    w, cr = sa.ahp_weight_samples([[1, 3], ["1/3", 1]], samples=300, spread=1.0, rng=4)
    seen = set(np.round(w[:, 0], 12))
    assert seen == {round(2 / 3, 12), round(3 / 4, 12), round(4 / 5, 12)}
    assert (cr == 0).all()  # n = 2 is always consistent


@pytest.mark.parametrize(
    ("kwargs", "exc", "pattern"),
    [
        ({"spread": -1}, CitymatchValueError, r"`spread` must be a finite number ≥ 0; got -1"),
        ({"samples": 0}, CitymatchValueError, r"`samples` must be a positive integer; got 0"),
        (
            {"rng": 1.5},
            CitymatchTypeError,
            r"`rng` must be a numpy Generator, an int seed or None; got float",
        ),
        ({"max_cr": -0.1}, CitymatchValueError, r"`max_cr` must be a finite number ≥ 0; got -0.1"),
        (
            {"spread": 8, "max_cr": 1e-12},
            CitymatchValueError,
            r"only \d+ of \d+ perturbed judgement sets have CR ≤ 1e-12; lower `spread`",
        ),
    ],
)
def test_ahp_weight_samples_bad_input(kwargs, exc, pattern):
    """Bad options are refused with a message naming the argument and the value."""
    m = [[1, 3, 5, 7], ["1/3", 1, 2, 4], ["1/5", "1/2", 1, 3], ["1/7", "1/4", "1/3", 1]]
    with pytest.raises(exc, match=pattern):
        sa.ahp_weight_samples(m, **{"samples": 20, **kwargs})


def test_ahp_repair_finds_the_planted_error():
    """A consistent matrix with one judgement replaced: that judgement is ranked worst, its
    consistent value is close to the original, and revising it brings CR under 0.10."""
    w = np.array([0.4, 0.3, 0.2, 0.1])
    a = w[:, None] / w[None, :]
    a[0, 3], a[3, 0] = 1 / 4, 4  # planted: should be 4
    res = sa.ahp_repair(a)
    worst = res.judgements.iloc[0]
    assert (worst["i"], worst["j"]) == ("0", "3")
    assert res.cr > 0.1
    assert res.steps["cr_after"].iloc[-1] <= 0.1
    assert worst["cr_if_revised"] < res.cr
    assert citymatch.ahp(res.repaired).cr <= 0.1
    assert "AHPRepairResult(CR" in repr(res) and "<table" in res._repr_html_()
    with pytest.raises(ValueError, match="read-only"):
        res.repaired[0, 0] = 2.0


def test_ahp_repair_of_a_consistent_matrix_changes_nothing():
    """A consistent matrix needs no revision: no steps, the matrix is returned unchanged."""
    w = np.array([0.5, 0.3, 0.2])
    a = w[:, None] / w[None, :]
    res = sa.ahp_repair(a, labels=["x", "y", "z"])
    assert res.steps.empty and res.cr < 1e-12
    np.testing.assert_allclose(res.repaired, a)
    assert set(res.judgements["i"]) <= {"x", "y"}


def test_eval_fraction():
    """Judgements are numbers or fraction strings."""
    assert sa.eval_fraction("1/3") == pytest.approx(1 / 3)
    assert sa.eval_fraction(5) == 5.0
