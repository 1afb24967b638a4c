"""Tests written to kill surviving mutants of session 6 (MUTATION.md, sensitivity modules).

Expected values come from TOPSIS written out here (vector normalisation, one weight vector at
a time), never from the code under test.
"""

from __future__ import annotations

import numpy as np
import pytest

from citymatch.sensitivity import rank_acceptability, weight_sweep


def _topsis_by_hand(x: np.ndarray, w: np.ndarray, t: np.ndarray) -> np.ndarray:
    """TOPSIS closeness for ONE weight vector, Hwang & Yoon's vector normalisation."""
    v = (w / w.sum()) * x / np.sqrt((x**2).sum(0))
    best = np.where(t > 0, v.max(0), v.min(0))
    worst = np.where(t > 0, v.min(0), v.max(0))
    d_plus = np.sqrt(((v - best) ** 2).sum(1))
    d_minus = np.sqrt(((v - worst) ** 2).sum(1))
    return d_minus / (d_plus + d_minus)


def test_rank_acceptability_under_tiny_noise_counts_the_hand_ranks_of_each_weight_vector():
    """Under ``noise`` every perturbed matrix is scored with its own terms (the K × N × M
    path).  With noise far below the score gaps, the rank table counts, for each given
    weight vector, the rank TOPSIS by hand gives it (cost criterion included)."""
    x = np.array([[7.0, 3.0, 20.0], [5.0, 9.0, 40.0], [9.0, 6.0, 70.0], [3.0, 4.0, 10.0]])
    t = np.array([1, 1, -1])
    ws = np.array([[0.6, 0.2, 0.2], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.3, 0.3, 0.4]])
    expected = np.zeros((4, 4))
    for w in ws:
        s = _topsis_by_hand(x, w, t)
        assert np.diff(np.sort(s)).min() > 1e-3  # no near ties: 1e-9 noise cannot reorder
        for place, i in enumerate(np.argsort(-s)):
            expected[i, place] += 1 / len(ws)
    res = rank_acceptability(
        x, ws[0], t, weight_samples=ws, noise=1e-9, noise_kind="relative", rng=1
    )
    np.testing.assert_allclose(res.acceptability, expected, rtol=0, atol=1e-12)


def _wsm_by_hand(x: np.ndarray, w: np.ndarray, t: np.ndarray) -> np.ndarray:
    """WSM with max normalisation for ONE weight vector: benefit x/max, cost min/x."""
    n = np.where(t > 0, x / x.max(0), x.min(0) / x)
    return n @ (w / w.sum())


@pytest.mark.parametrize("noise", [None, 1e-9])
def test_rank_acceptability_of_another_method_counts_its_hand_ranks(noise):
    """With ``method="WSM"`` the given weight vectors are scored by WSM — all at once, or
    each perturbed matrix on its own under ``noise`` — and the rank table counts the rank
    WSM by hand gives each candidate under each vector."""
    x = np.array([[7.0, 3.0, 20.0], [5.0, 9.0, 40.0], [9.0, 6.0, 70.0], [3.0, 4.0, 10.0]])
    t = np.array([1, 1, -1])
    ws = np.array([[0.6, 0.2, 0.2], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.3, 0.3, 0.4]])
    expected = np.zeros((4, 4))
    for w in ws:
        s = _wsm_by_hand(x, w, t)
        assert np.diff(np.sort(s)).min() > 1e-3
        for place, i in enumerate(np.argsort(-s)):
            expected[i, place] += 1 / len(ws)
    res = rank_acceptability(x, ws[0], t, weight_samples=ws, noise=noise, rng=1, method="WSM")
    np.testing.assert_allclose(res.acceptability, expected, rtol=0, atol=1e-12)


def test_weight_sweep_defaults_to_101_points_and_takes_criterion_names():
    """A raw-matrix sweep has 101 grid points by default (0, 0.01, …, 1) and finds the swept
    criterion by the name given in ``criteria``; the other weights are rescaled
    proportionally (by hand: at weight v on "price", "quality" gets 1 − v)."""
    x = np.array([[3.0, 7.0], [5.0, 4.0], [4.0, 6.0]])
    res = weight_sweep(x, "price", [0.4, 0.6], [-1, 1], criteria=["price", "quality"])
    assert res.criterion == "price"
    np.testing.assert_allclose(res.weights, np.arange(101) / 100, rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.weight_vectors[:, 0], res.weights, atol=1e-12)
    np.testing.assert_allclose(res.weight_vectors[:, 1], 1 - res.weights, atol=1e-12)
