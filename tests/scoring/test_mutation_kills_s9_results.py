"""Tests written to kill surviving mutants of ``scoring/results.py`` (session 9,
docs/mutation/session9-stab.md): the immutable result classes' tables, reprs, HTML
previews, read-only arrays and ``TopsisResult.distances``/``normalize``.

Expected values are hand-solved (TOPSIS by :func:`helpers.topsis_by_hand` and distances
written out here; AHP on a consistent matrix and on the circular 1-9-1/9 matrix, whose
principal eigenvector is uniform by symmetry and λmax = 1 + 9 + 1/9), never taken from the
code under test.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from citymatch.errors import CitymatchValueError, ShapeError
from citymatch.scoring.ahp import ahp, ahp_batch, ahp_group
from citymatch.scoring.topsis import topsis
from helpers import topsis_distances_by_hand

X = np.array([[1.0, 4.0], [2.0, 2.0], [4.0, 1.0]])
T = np.array([1, -1])
W2 = np.array([[0.5, 0.5], [0.2, 0.8]])
CIRCULAR = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]  # λmax = 1 + 9 + 1/9, w uniform
LAMBDA_C = 1 + 9 + 1 / 9
CI_C = (LAMBDA_C - 3) / 2
CR_C = CI_C / 0.58  # Saaty's (1980) RI for n = 3


def _ranks(s):
    """Competition ranks by hand: 1 + the number of strictly better scores."""
    return np.array([1 + int((s > si).sum()) for si in s])


def test_topsis_table_repr_and_html_for_one_weight_vector():
    """``to_frame()``: one row per candidate (index ``candidate``) with score, rank and the
    two distances; the repr names normalisation, N × M and the best candidate with its
    score; the HTML preview lists the rows best first above the same footer."""
    w = np.array([0.3, 0.7])
    dp, dm, s = topsis_distances_by_hand(X, w, T)
    res = topsis(X, w, T)
    expected = pd.DataFrame(
        {"score": s, "rank": _ranks(s), "d_ideal": dp, "d_anti_ideal": dm}
    ).rename_axis("candidate")
    pd.testing.assert_frame_equal(res.to_frame(), expected, check_dtype=False, atol=1e-12)
    best = int(np.argmax(s))
    footer = "TOPSIS · vector normalisation · N=3 × M=2"
    assert repr(res) == f"TopsisResult({footer}, best=candidate {best} (score {s[best]:.4f}))"
    html = res._repr_html_()
    assert f"<small>{footer}</small>" in html
    order = np.argsort(-s, kind="stable")
    at = [html.index(f"<th>{i}</th>") for i in order]
    assert at == sorted(at)  # best first
    assert not res.batched


def test_topsis_batch_table_repr_and_html_keep_the_weight_order():
    """A (K, M) batch: ``to_frame()`` is long, one row per (weight vector, candidate) with
    ``weights``, ``candidate``, ``score``, ``rank`` (and the distances when asked for); the
    repr states K; the HTML preview keeps the batch order."""
    res = topsis(X, W2, T, distances=True)
    hand = [topsis_distances_by_hand(X, w, T) for w in W2]
    expected = pd.DataFrame(
        {
            "weights": [0, 0, 0, 1, 1, 1],
            "candidate": [0, 1, 2, 0, 1, 2],
            "score": np.concatenate([h[2] for h in hand]),
            "rank": np.concatenate([_ranks(h[2]) for h in hand]),
            "d_ideal": np.concatenate([h[0] for h in hand]),
            "d_anti_ideal": np.concatenate([h[1] for h in hand]),
        }
    )
    pd.testing.assert_frame_equal(res.to_frame(), expected, check_dtype=False, atol=1e-12)
    plain = topsis(X, W2, T)
    assert plain.d_ideal is None
    assert list(plain.to_frame().columns) == ["weights", "candidate", "score", "rank"]
    footer = "TOPSIS · vector normalisation · N=3 × M=2, K=2 weight vectors"
    assert repr(res) == f"TopsisResult({footer})"
    html = res._repr_html_()
    assert f"<small>{footer}</small>" in html
    cells = re.findall(r"<th>(\d)</th>", html)
    assert cells == ["0", "1", "2", "3", "4", "5"]
    assert res.batched


def test_distances_are_recomputed_from_the_scored_matrix_and_refuse_another():
    """``distances(matrix)`` gives D⁺ and D⁻ of the scored matrix — (N,) for one weight
    vector, (K, N) for a batch — as read-only arrays; a matrix of the wrong shape or a
    different matrix is refused with a message naming ``matrix``."""
    w = np.array([0.3, 0.7])
    dp, dm, _ = topsis_distances_by_hand(X, w, T)
    got = topsis(X, w, T, distances=False).distances(X)
    assert got[0].shape == (3,) and got[1].shape == (3,)
    np.testing.assert_allclose(got[0], dp, rtol=0, atol=1e-12)
    np.testing.assert_allclose(got[1], dm, rtol=0, atol=1e-12)
    assert not got[0].flags.writeable and not got[1].flags.writeable
    batch = topsis(X, W2, T).distances(X)
    assert batch[0].shape == (2, 3)
    np.testing.assert_allclose(
        batch[0], [topsis_distances_by_hand(X, v, T)[0] for v in W2], rtol=0, atol=1e-12
    )
    np.testing.assert_allclose(
        batch[1], [topsis_distances_by_hand(X, v, T)[1] for v in W2], rtol=0, atol=1e-12
    )
    res = topsis(X, w, T)
    for bad in (X[:2], X.ravel(), X.T):
        with pytest.raises(
            ShapeError,
            match=re.escape(f"`matrix` must have the scored shape (3, 2); got shape {bad.shape}."),
        ):
            res.distances(bad)
    other = X.copy()
    other[1, 0] = 3.0
    with pytest.raises(
        CitymatchValueError,
        match=re.escape(
            "`matrix` is not the matrix these scores came from (its distances do not "
            "reproduce the scores); pass the matrix that was scored, unchanged."
        ),
    ):
        res.distances(other)


def test_distances_ignore_a_column_that_separates_no_one():
    """A constant column (ideal = anti-ideal) and a fixed-ideal column contribute to the
    distances exactly as in the hand computation: the constant one adds nothing."""
    x = np.array([[1.0, 4.0, 5.0], [2.0, 2.0, 5.0], [4.0, 1.0, 5.0]])
    w = np.array([0.2, 0.5, 0.3])
    t = np.array([1, -1, 1])
    v = w * x / np.sqrt((x**2).sum(0))
    best = np.where(t > 0, v.max(0), v.min(0))
    worst = np.where(t > 0, v.min(0), v.max(0))
    dp = np.sqrt(((v - best) ** 2).sum(1))
    dm = np.sqrt(((v - worst) ** 2).sum(1))
    got = topsis(x, w, t).distances(x)
    np.testing.assert_allclose(got[0], dp, rtol=0, atol=1e-12)
    np.testing.assert_allclose(got[1], dm, rtol=0, atol=1e-12)


def test_normalize_under_each_normalisation():
    """``normalize``: vector → x / ‖x_j‖; min-max → |x − anti-ideal| / (max − min), 0 on a
    constant column (scale 0); max → x / max; the result is float64."""
    x = np.array([[1, 4, 7], [2, 2, 7], [4, 1, 7]])
    w, t = [0.3, 0.3, 0.4], [1, -1, 1]
    xf = x.astype(float)
    np.testing.assert_allclose(
        topsis(x, w, t).normalize(x), xf / np.sqrt((xf**2).sum(0)), rtol=0, atol=1e-15
    )
    mm = topsis(x, w, t, normalization="minmax").normalize(x)
    np.testing.assert_allclose(mm, [[0, 0, 0], [1 / 3, 2 / 3, 0], [1, 1, 0]], rtol=0, atol=1e-15)
    assert mm.dtype == np.float64
    np.testing.assert_allclose(
        topsis(x, w, t, normalization="max").normalize(x), xf / xf.max(0), rtol=0, atol=1e-15
    )


def test_every_array_of_a_result_is_read_only():
    """Results are immutable values: each array field refuses writes."""
    results = [
        topsis(X, [0.3, 0.7], T),
        ahp([[1, 3], [1 / 3, 1]]),
        ahp_batch([[[1, 3], [1 / 3, 1]], [[1, 1], [1, 1]]]),
        ahp_group([[[1, 3], [1 / 3, 1]], [[1, 1], [1, 1]]]),
    ]
    seen = 0
    for res in results:
        for name, value in vars(res).items():
            if isinstance(value, np.ndarray):
                seen += 1
                assert not value.flags.writeable, name
                with pytest.raises(ValueError, match="read-only"):
                    value.flat[0] = 0
    assert seen >= 16


def test_ahp_repr_table_and_html_by_hand():
    """The circular matrix 1-9-1/9: uniform weights, λmax = 10.1111, CI = 3.5556 and
    CR = CI / 0.58, flagged NOT consistent; a consistent 2×2 matrix with labels gives
    weights 0.75 / 0.25 indexed by ``element``."""
    res = ahp(CIRCULAR)
    assert repr(res) == (
        "AHPResult(weights=[0.3333, 0.3333, 0.3333], "
        f"λmax={LAMBDA_C:.4f}, CI={CI_C:.4f}, CR={CR_C:.4f} (NOT consistent at 0.1), "
        "AHP · eigenvector · n=3 · RI table saaty1980 (RI=0.58))"
    )
    assert res.n == 3
    assert list(res.to_frame().index) == [0, 1, 2]
    html = res._repr_html_()
    assert (
        f"<small>AHP · eigenvector · n=3 · RI table saaty1980 (RI=0.58) · λmax={LAMBDA_C:.4f}"
        f" · CR={CR_C:.4f}</small>" in html
    )
    two = ahp([[1, 3], [1 / 3, 1]], labels=["a", "b"])
    expected = pd.DataFrame({"weight": [0.75, 0.25]}, index=pd.Index(["a", "b"], name="element"))
    pd.testing.assert_frame_equal(two.to_frame(), expected, atol=1e-12)
    assert repr(two) == (
        "AHPResult(weights=[0.75, 0.25], λmax=2.0000, CI=0.0000, CR=0.0000 (consistent at 0.1), "
        "AHP · eigenvector · n=2 · RI table saaty1980 (RI=0))"
    )


def test_ahp_batch_repr_table_and_html_by_hand():
    """Two 3×3 matrices, one consistent (w = 0.5, 0.3, 0.2) and the circular one: 50.0 %
    consistent, ``len`` 2, ``to_frame()`` one column per matrix indexed by element."""
    w = np.array([0.5, 0.3, 0.2])
    res = ahp_batch([np.outer(w, 1 / w), CIRCULAR], labels=["x", "y", "z"])
    assert len(res) == 2 and res.n == 3
    footer = "AHP · eigenvector · n=3, K=2 matrices · RI table saaty1980 (RI=0.58)"
    assert repr(res) == f"AHPBatchResult({footer}, 50.0% consistent at CR ≤ 0.1)"
    expected = pd.DataFrame(
        {0: w, 1: [1 / 3, 1 / 3, 1 / 3]}, index=pd.Index(["x", "y", "z"], name="element")
    )
    pd.testing.assert_frame_equal(res.to_frame(), expected, atol=1e-9)
    assert f"<small>{footer}</small>" in res._repr_html_()
    np.testing.assert_allclose(res.cr, [0.0, CR_C], rtol=0, atol=1e-9)
    assert res.consistent.tolist() == [True, False]


def test_ahp_group_weights_table_repr_and_html_by_hand():
    """Experts [[1, 3], [1/3, 1]] and [[1, 1], [1, 1]], equal weight: the aggregate's
    a₁₂ = √3, weights √3/(1+√3) and 1/(1+√3); ``to_frame()`` per expert (weight, CR,
    consistent); the repr doubles as the HTML footer."""
    res = ahp_group([[[1, 3], [1 / 3, 1]], [[1, 1], [1, 1]]])
    r3 = np.sqrt(3)
    np.testing.assert_allclose(res.weights, [r3 / (1 + r3), 1 / (1 + r3)], rtol=0, atol=1e-9)
    assert res.cr == 0.0 and isinstance(res.cr, float)
    expected = pd.DataFrame(
        {"expert_weight": [0.5, 0.5], "cr": [0.0, 0.0], "consistent": [True, True]}
    ).rename_axis("expert")
    pd.testing.assert_frame_equal(res.to_frame(), expected)
    text = (
        f"GroupAHPResult(experts=2, weights={np.round([r3 / (1 + r3), 1 / (1 + r3)], 4).tolist()}, "
        "CR=0.0000, expert CR=[0.0, 0.0])"
    )
    assert repr(res) == text
    assert f"<small>{text}</small>" in res._repr_html_()
    three = ahp_group(
        [np.outer([0.5, 0.3, 0.2], 1 / np.array([0.5, 0.3, 0.2])), CIRCULAR], expert_weights=[3, 1]
    )
    np.testing.assert_allclose(three.expert_weights, [0.75, 0.25], rtol=0, atol=1e-15)
    np.testing.assert_allclose(three.to_frame()["cr"], [0.0, CR_C], rtol=0, atol=1e-9)
    assert three.to_frame()["consistent"].tolist() == [True, False]
    assert repr(three).endswith(f"expert CR=[0.0, {round(CR_C, 4)}])")
    assert three.cr == pytest.approx(float(three.aggregate.cr))


def test_normalize_divides_small_scales_and_zeroes_a_column_of_zeros():
    """Values below 1 (every scale under 1) and an all-zero column (scale 0): each column
    is divided by its own scale — ‖x‖, max − min, max or Σ — and the zero column stays 0."""
    x = np.array([[0.1, 0.4, 0.0], [0.2, 0.2, 0.0], [0.4, 0.1, 0.0]])
    w, t = [0.3, 0.3, 0.4], [1, -1, 1]
    live = x[:, :2]
    scales = {
        "vector": np.sqrt((live**2).sum(0)),
        "max": live.max(0),
        "sum": live.sum(0),
    }
    for name, s in scales.items():
        got = topsis(x, w, t, normalization=name).normalize(x)
        np.testing.assert_allclose(got[:, :2], live / s, rtol=0, atol=1e-15)
        assert (got[:, 2] == 0.0).all(), name
    mm = topsis(x, w, t, normalization="minmax").normalize(x)
    np.testing.assert_allclose(mm, [[0, 0, 0], [1 / 3, 2 / 3, 0], [1, 1, 0]], rtol=0, atol=1e-15)


def test_distances_with_small_scales_a_zero_column_and_a_barely_changed_matrix():
    """Columns whose scale is under 1 are divided by it, an all-zero column (scale 0) adds
    nothing — D⁺, D⁻ by hand on the two live columns (weights 0.3, 0.3 of 1) — and a matrix
    changed by 5e-8 in one cell (scores moved by ~3.5e-9, beyond the 1e-9 check) is refused."""
    x = np.array([[0.1, 0.4, 0.0], [0.2, 0.2, 0.0], [0.4, 0.1, 0.0]])
    live = x[:, :2]
    v = 0.3 * live / np.sqrt((live**2).sum(0))
    best = np.array([v[:, 0].max(), v[:, 1].min()])
    worst = np.array([v[:, 0].min(), v[:, 1].max()])
    dp = np.sqrt(((v - best) ** 2).sum(1))
    dm = np.sqrt(((v - worst) ** 2).sum(1))
    got = topsis(x, [0.3, 0.3, 0.4], [1, -1, 1]).distances(x)
    np.testing.assert_allclose(got[0], dp, rtol=0, atol=1e-12)
    np.testing.assert_allclose(got[1], dm, rtol=0, atol=1e-12)
    res = topsis(X, [0.3, 0.7], T)
    other = X.copy()
    other[1, 0] += 5e-8
    with pytest.raises(CitymatchValueError, match=r"^`matrix` is not the matrix these scores"):
        res.distances(other)
