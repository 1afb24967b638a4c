"""Tests written to kill surviving mutants of session 7 (MUTATION.md: ``sensitivity/_problem``,
``sensitivity/ahp_uncertainty``).

Every expected value is hand-solved (2×2 AHP weights ``a/(1+a)``, consistent matrices) or a
property of the documented distribution, never computed by the code under test.
"""

from __future__ import annotations

import numpy as np
import pytest

from citymatch import sensitivity as sa


def _first_weights(a: list[float]) -> set[float]:
    """w₀ of the 2×2 matrix [[1, a], [1/a, 1]] for each judgement a: a / (1 + a)."""
    return {round(v / (1 + v), 12) for v in a}


@pytest.mark.parametrize(
    ("judgement", "reachable"),
    [(["1/9", 9], [1 / 9, 1 / 8]), ([9, "1/9"], [9.0, 8.0])],
)
def test_saaty_perturbation_stops_at_the_ends_of_the_scale(judgement, reachable):
    """A judgement at an end of Saaty's scale (1/9 or 9) moved by up to one step stays on the
    scale: it becomes itself or its one neighbour inside (both seen), never wraps around."""
    a, reciprocal = judgement
    w, _ = sa.ahp_weight_samples([[1, a], [reciprocal, 1]], samples=200, rng=3)
    assert set(np.round(w[:, 0], 12)) == _first_weights(reachable)


def test_saaty_perturbation_of_spread_zero_keeps_every_judgement():
    """Spread 0 under the Saaty perturbation leaves each judgement of a matrix on the scale as
    it is: a consistent 3×3 matrix gives its exact weights 4/7, 2/7, 1/7 in every sample."""
    m = [[1, 2, 4], ["1/2", 1, 2], ["1/4", "1/2", 1]]
    w, cr = sa.ahp_weight_samples(m, samples=4, spread=0.0, rng=0)
    np.testing.assert_allclose(w, np.tile([4 / 7, 2 / 7, 1 / 7], (4, 1)), rtol=0, atol=1e-12)
    np.testing.assert_allclose(cr, 0.0, atol=1e-12)


def test_multiplicative_perturbation_of_spread_zero_keeps_off_scale_judgements():
    """Spread 0 under the multiplicative perturbation keeps a judgement that is not on Saaty's
    scale (2.5: w₀ = 2.5/3.5), and takes an integer ndarray (all ones: equal weights)."""
    w, _ = sa.ahp_weight_samples(
        [[1, 2.5], [0.4, 1]], samples=3, perturbation="multiplicative", spread=0.0, rng=0
    )
    np.testing.assert_allclose(w[:, 0], 2.5 / 3.5, rtol=0, atol=1e-12)
    ones = np.ones((3, 3), dtype=np.int64)
    w, _ = sa.ahp_weight_samples(ones, samples=2, perturbation="multiplicative", spread=0.0)
    np.testing.assert_allclose(w, 1 / 3, rtol=0, atol=1e-12)


def test_multiplicative_perturbation_has_the_documented_log_normal_spread():
    """``a·exp(spread·ε)``, ε standard normal and fresh for every sample: for a 2×2 matrix
    ln(w₀/w₁) = ln a + spread·ε, so over 4,000 samples its mean is ln a and its standard
    deviation spread (within sampling error: ±0.02 and ±5 %)."""
    w, _ = sa.ahp_weight_samples(
        [[1, 2.5], [0.4, 1]], samples=4000, perturbation="multiplicative", spread=0.3, rng=11
    )
    log_ratio = np.log(w[:, 0] / w[:, 1])
    assert abs(log_ratio.mean() - np.log(2.5)) < 0.02
    assert abs(log_ratio.std() - 0.3) < 0.015
