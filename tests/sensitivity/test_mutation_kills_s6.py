"""Tests written to kill surviving mutants of session 6 (MUTATION.md, sensitivity modules).

Expected values come from TOPSIS written out here (vector normalisation, one weight vector at
a time), never from the code under test.
"""

from __future__ import annotations

import numpy as np
import pytest

from citymatch.errors import CitymatchValueError
from citymatch.sensitivity import rank_acceptability, weight_sweep
from helpers import topsis_by_hand as _topsis_by_hand


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


def test_weight_sweep_scores_by_the_method_and_options_asked_for():
    """``method="WSM"`` with ``method_options={"normalization": "sum"}``: every grid point's
    scores are WSM with sum normalisation (x / column total, benefit criteria) by hand."""
    x = np.array([[3.0, 7.0, 2.0], [5.0, 4.0, 6.0], [4.0, 6.0, 1.0]])
    w = np.array([0.2, 0.5, 0.3])
    res = weight_sweep(
        x, 1, w, [1, 1, 1], points=5, method="WSM", method_options={"normalization": "sum"}
    )
    shares = x / x.sum(0)
    for v, wv, scores in zip(res.weights, res.weight_vectors, res.scores, strict=True):
        by_hand = np.array([0.2, 0.0, 0.3]) / 0.5 * (1 - v) + np.array([0.0, 1.0, 0.0]) * v
        np.testing.assert_allclose(wv, by_hand, atol=1e-12)
        np.testing.assert_allclose(scores, shares @ by_hand, rtol=1e-12)


@pytest.mark.parametrize("points", [1, True, 2.5])
def test_weight_sweep_refuses_a_bad_number_of_points(points):
    """``points`` must be an integer ≥ 2 (a bool or a float is refused too)."""
    with pytest.raises(CitymatchValueError, match=r"`points` must be an integer ≥ 2; got "):
        weight_sweep([[1.0, 2.0], [2.0, 1.0]], 0, [0.5, 0.5], [1, 1], points=points)


def test_weight_sweep_result_arrays_are_read_only():
    """The sweep's grid, weight vectors, scores and ranks cannot be written to."""
    res = weight_sweep([[1.0, 2.0], [2.0, 1.0]], 0, [0.5, 0.5], [1, 1], points=3)
    for arr in (res.weights, res.weight_vectors, res.scores, res.ranks):
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 0


def test_rank_acceptability_under_noise_passes_the_method_options():
    """Under ``noise`` each perturbed matrix is scored with the method's options too: WSM with
    sum normalisation (x / column total) by hand, on a table where max normalisation would
    rank differently."""
    x = np.array([[10.0, 2.0], [2.0, 9.0], [2.0, 10.0]])
    ws = np.array([[0.45, 0.55], [0.6, 0.4]])
    by_sum = [(x / x.sum(0)) @ w for w in ws]
    by_max = [(x / x.max(0)) @ w for w in ws]
    assert [list(np.argsort(-s)) for s in by_sum] != [list(np.argsort(-s)) for s in by_max]
    expected = np.zeros((3, 3))
    for s in by_sum:
        assert np.diff(np.sort(s)).min() > 1e-3
        for place, i in enumerate(np.argsort(-s)):
            expected[i, place] += 1 / len(ws)
    res = rank_acceptability(
        x,
        ws[0],
        [1, 1],
        weight_samples=ws,
        noise=1e-9,
        rng=2,
        method="WSM",
        method_options={"normalization": "sum"},
    )
    np.testing.assert_allclose(res.acceptability, expected, rtol=0, atol=1e-12)


def test_weight_sweep_of_two_points_is_the_two_ends():
    """``points=2`` (the smallest allowed) sweeps just the ends: weight 0 and weight 1."""
    res = weight_sweep([[1.0, 2.0], [2.0, 1.0]], 0, [0.5, 0.5], [1, 1], points=2)
    np.testing.assert_array_equal(res.weights, [0.0, 1.0])
    np.testing.assert_array_equal(res.weight_vectors, [[0.0, 1.0], [1.0, 0.0]])
