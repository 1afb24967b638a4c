"""Tests written to kill surviving mutants of session 6 (MUTATION.md, scoring modules).

Every expected value is computed here from the published definition with plain loops over
pairs or by hand, never by the code under test.
"""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

import citymatch as cm
from helpers import topsis_distances_by_hand


def _preference(kind: str, d: float, q: float, p: float) -> float:
    """Brans's preference function P(d), written out as in the module's table."""
    if kind == "u-shape":
        return 1.0 if d > q else 0.0
    if kind == "level":
        return 1.0 if d > p else (0.5 if d > q else 0.0)
    if kind == "linear":
        return 1.0 if d > p else ((d - q) / (p - q) if d > q else 0.0)
    raise AssertionError(kind)


def _flows_pairwise(
    y: list[float], kind: str, q: float, p: float
) -> tuple[list[float], list[float]]:
    """phi+ and phi- of ONE benefit criterion from the N × N pairwise table (plain loops)."""
    n = len(y)
    plus = [sum(_preference(kind, y[a] - y[b], q, p) for b in range(n)) / (n - 1) for a in range(n)]
    minus = [
        sum(_preference(kind, y[b] - y[a], q, p) for b in range(n)) / (n - 1) for a in range(n)
    ]
    return plus, minus


# Values on a 0.1 grid where ``y_a − q`` and the pairwise difference ``y_a − y_b`` round to
# different sides of a threshold: a binary search on ``y − q`` alone counts one pair too many
# (0.8 − 0.3 is not > 0.5 in floating point, but 0.8 − 0.5 lies above 0.3) or one too few
# (1.4 − 1.0 > 0.4 in floating point, but 1.4 − 0.4 lies below 1.0).
_BOUNDARY_CASES = [
    ([0.2, 0.3, 0.3, 0.4, 0.5, 0.8, 1.0], 0.5),
    ([0.5, 1.0, 1.4000000000000001, 1.5, 1.9000000000000001], 0.4),
    ([0.9, 1.0, 1.1, 1.5, 1.7000000000000002], 0.1),
    ([0.30000000000000004, 1.4000000000000001, 1.6, 1.7000000000000002, 1.9000000000000001], 0.1),
    ([0.2, 0.7000000000000001, 0.8, 1.1, 1.3, 1.5, 1.9000000000000001], 0.4),
]


@pytest.mark.parametrize(("y", "q"), _BOUNDARY_CASES)
def test_u_shape_thresholds_compare_like_the_pairwise_table_on_rounding_boundaries(y, q):
    """u-shape flows count exactly the pairs with ``fl(y_a − y_b) > q`` (the documented
    convention), also where ``y_a − q`` rounds to the other side of ``y_b``; in any input order
    and for a cost criterion (differences negated)."""
    plus, minus = _flows_pairwise(y, "u-shape", q, 0.0)
    for order in (slice(None), slice(None, None, -1)):
        x = np.array(y)[order][:, None]
        res = cm.promethee(x, [1.0], [1], preference="u-shape", q=q)
        np.testing.assert_allclose(res.phi_plus, np.array(plus)[order], rtol=0, atol=1e-12)
        np.testing.assert_allclose(res.phi_minus, np.array(minus)[order], rtol=0, atol=1e-12)
    cost = cm.promethee(-np.array(y)[:, None], [1.0], [-1], preference="u-shape", q=q)
    np.testing.assert_allclose(cost.phi_plus, plus, rtol=0, atol=1e-12)
    np.testing.assert_allclose(cost.phi_minus, minus, rtol=0, atol=1e-12)


@pytest.mark.parametrize("kind", ["level", "linear"])
def test_two_threshold_functions_agree_with_the_pairwise_table_on_decimal_grids(kind):
    """level and linear flows equal the pairwise table's on 150 seeded inputs on a 0.1 grid
    with thresholds on the same grid (many differences fall on a threshold up to rounding)."""
    rng = np.random.default_rng(20261130)
    for _ in range(150):
        n = int(rng.integers(2, 9))
        y = (rng.integers(0, 20, n) * 0.1).tolist()
        q = int(rng.integers(0, 4)) * 0.1
        p = q + int(rng.integers(1, 4)) * 0.1
        plus, minus = _flows_pairwise(y, kind, q, p)
        res = cm.promethee(np.array(y)[:, None], [1.0], [1], preference=kind, q=q, p=p)
        np.testing.assert_allclose(res.phi_plus, plus, rtol=0, atol=1e-9)
        np.testing.assert_allclose(res.phi_minus, minus, rtol=0, atol=1e-9)


def test_u_shape_agrees_with_the_pairwise_table_on_decimal_grids():
    """u-shape flows equal the pairwise table's on 400 seeded inputs on a 0.1 grid, with
    repeated values (blocks of equal values the boundary must move over as a whole)."""
    rng = np.random.default_rng(6)
    for _ in range(400):
        n = int(rng.integers(2, 10))
        y = (rng.integers(0, 12, n) * 0.1).tolist()
        q = int(rng.integers(1, 6)) * 0.1
        plus, minus = _flows_pairwise(y, "u-shape", q, 0.0)
        res = cm.promethee(np.array(y)[:, None], [1.0], [1], preference="u-shape", q=q)
        np.testing.assert_allclose(res.phi_plus, plus, rtol=0, atol=1e-12)
        np.testing.assert_allclose(res.phi_minus, minus, rtol=0, atol=1e-12)


@pytest.mark.parametrize("point", [{"ideal": [3.0, 3.0]}, {"anti_ideal": [0.0, 0.0]}])
def test_topsis_one_candidate_needs_both_fixed_points(point):
    """A single candidate is scored only with both points fixed (documented); with one fixed
    point the other comes from the data, so one row is refused like any table of one row."""
    with pytest.raises(
        cm.errors.ShapeError, match=r"at least 2 candidates \(rows\) to rank; got 1"
    ):
        cm.topsis([[1.0, 2.0]], [0.5, 0.5], [1, 1], **point)
    # with both fixed: the distances by hand, w = (1/2, 1/2), vector scale |x_j| = (1, 2)
    res = cm.topsis([[1.0, 2.0]], [0.5, 0.5], [1, 1], ideal=[3.0, 3.0], anti_ideal=[0.0, 0.0])
    d_plus = np.hypot(0.5 * (1 - 3) / 1, 0.5 * (2 - 3) / 2)
    d_minus = np.hypot(0.5 * 1 / 1, 0.5 * 2 / 2)
    np.testing.assert_allclose(res.scores, [d_minus / (d_plus + d_minus)], rtol=1e-12)


@pytest.mark.parametrize("path", ["cities.parquet", pathlib.Path("cities.parquet")])
def test_topsis_refuses_a_path_and_names_the_streamed_function(path):
    """A path (str or PathLike) as ``matrix`` is refused with a CitymatchTypeError quoting the
    path and naming citymatch.scale.topsis_parquet and its arguments."""
    msg = (
        r"`matrix` must be an array; got the path 'cities.parquet'\. Score a Parquet file or "
        r"folder with citymatch\.scale\.topsis_parquet\(path, weights, types, columns, top=k\)\.$"
    )
    with pytest.raises(cm.errors.CitymatchTypeError, match=msg):
        cm.topsis(path, [1.0], [1])


@pytest.mark.parametrize(
    ("threads", "error", "match"),
    [
        (0, cm.errors.CitymatchValueError, r"`threads` must be an integer ≥ 1; got 0\."),
        (
            1.5,
            cm.errors.CitymatchTypeError,
            r"`threads` must be an integer ≥ 1; got 1\.5 of type float",
        ),
        (
            True,
            cm.errors.CitymatchTypeError,
            r"`threads` must be an integer ≥ 1; got True of type bool",
        ),
    ],
)
def test_topsis_refuses_a_bad_thread_count_even_on_a_small_table(threads, error, match):
    """``threads`` is checked on every call (a two-row table never starts a thread, yet a count
    below 1, a float or a bool is still refused, naming the argument and the value)."""
    with pytest.raises(error, match=match):
        cm.topsis([[1.0, 2.0], [2.0, 1.0]], [1.0, 1.0], [1, 1], threads=threads)


def test_u_shape_boundary_moves_over_many_nearly_equal_values():
    """Forty values a few ulps below 1.0, then 1.0 and 1001.0, with q = 1000: ``1001 − y_b``
    rounds to exactly 1000 for most of them (not > q), although a search on ``1001 − q = 1.0``
    puts them all below the threshold.  The flows still count exactly the pairs of the
    pairwise table (the boundary is moved over every one of those values, and checked)."""
    eps = np.finfo(float).eps
    y = [1.0 - 8 * k * eps for k in range(40, 0, -1)] + [1.0, 1001.0]
    q = 1000.0
    plus, minus = _flows_pairwise(y, "u-shape", q, 0.0)
    assert round(plus[-1] * (len(y) - 1)) == 8  # the table itself: 8 pairs, not 41
    for order in (slice(None), slice(None, None, -1)):
        x = np.array(y)[order][:, None]
        res = cm.promethee(x, [1.0], [1], preference="u-shape", q=q)
        np.testing.assert_allclose(res.phi_plus, np.array(plus)[order], rtol=0, atol=1e-12)
        np.testing.assert_allclose(res.phi_minus, np.array(minus)[order], rtol=0, atol=1e-12)


def test_topsis_distances_are_returned_for_one_vector_and_none_for_a_batch():
    """One weight vector: the distances are returned by default, also for a table of more
    than 8,192 rows (the row-block kernel); a (K, M) batch: the distance fields are None."""
    rng = np.random.default_rng(12)
    x = rng.random((9000, 3)) + 0.5
    t = np.array([1, -1, 1])
    w = np.array([0.5, 0.3, 0.2])
    d_plus, d_minus, scores = topsis_distances_by_hand(x, w, t)
    res = cm.topsis(x, w, t)
    assert res.d_ideal is not None and res.d_anti_ideal is not None
    np.testing.assert_allclose(res.d_ideal, d_plus, rtol=1e-10)
    np.testing.assert_allclose(res.d_anti_ideal, d_minus, rtol=1e-10)
    np.testing.assert_allclose(res.scores, scores, rtol=1e-10)
    batch = cm.topsis(x[:5], np.stack([w, w[::-1]]), t)
    assert batch.d_ideal is None and batch.d_anti_ideal is None
    np.testing.assert_allclose(
        batch.scores[0], topsis_distances_by_hand(x[:5], w, t)[2], rtol=1e-10
    )


def test_topsis_distances_are_returned_on_the_compiled_path_too(monkeypatch):
    """With the compiled kernels in use (their size threshold lowered to 0), one weight vector
    over more than 8,192 rows still returns its distances, equal to the textbook's."""
    from citymatch.scoring import _kernels

    monkeypatch.setattr(_kernels, "JIT_MIN_CELLS", 0)
    rng = np.random.default_rng(13)
    x = rng.random((9000, 3)) + 0.5
    t = np.array([1, 1, -1])
    w = np.array([0.2, 0.3, 0.5])
    d_plus, d_minus, scores = topsis_distances_by_hand(x, w, t)
    res = cm.topsis(x, w, t)
    assert res.d_ideal is not None and res.d_anti_ideal is not None
    np.testing.assert_allclose(res.d_ideal, d_plus, rtol=1e-10)
    np.testing.assert_allclose(res.d_anti_ideal, d_minus, rtol=1e-10)
    np.testing.assert_allclose(res.scores, scores, rtol=1e-10)


def test_topsis_scores_only_on_the_compiled_path_are_the_textbook_scores(monkeypatch):
    """``distances=False`` for one weight vector over more than 8,192 rows on the compiled
    kernels (threshold lowered to 0): scores only, equal to the textbook's; no distances."""
    from citymatch.scoring import _kernels

    monkeypatch.setattr(_kernels, "JIT_MIN_CELLS", 0)
    rng = np.random.default_rng(14)
    x = rng.random((9000, 3)) + 0.5
    t = np.array([-1, 1, 1])
    w = np.array([0.3, 0.3, 0.4])
    res = cm.topsis(x, w, t, distances=False)
    assert res.d_ideal is None and res.d_anti_ideal is None
    np.testing.assert_allclose(res.scores, topsis_distances_by_hand(x, w, t)[2], rtol=1e-10)


def test_topsis_weighted_points_by_hand_with_small_scales_and_a_dead_column():
    """``weighted_ideal`` / ``weighted_anti_ideal`` are ``w · x⁺ / s`` and ``w · x⁻ / s``
    (vector scale s below 1 here) and 0 on a criterion whose scale is 0; under min-max they
    are ``w`` and 0 on every live criterion."""
    x = np.array([[0.01, 0.05, 0.0], [0.02, 0.01, 0.0], [0.03, 0.02, 0.0]])
    w = np.array([0.2, 0.3, 0.5])
    t = [1, -1, 1]
    s = np.sqrt((x**2).sum(0))[:2]
    res = cm.topsis(x, w, t)
    np.testing.assert_allclose(
        res.weighted_ideal, [0.2 * 0.03 / s[0], 0.3 * 0.01 / s[1], 0.0], rtol=1e-12
    )
    np.testing.assert_allclose(
        res.weighted_anti_ideal, [0.2 * 0.01 / s[0], 0.3 * 0.05 / s[1], 0.0], rtol=1e-12
    )
    mm = cm.topsis(x, w, t, normalization="minmax")
    np.testing.assert_array_equal(mm.weighted_ideal, [0.2, 0.3, 0.0])
    np.testing.assert_array_equal(mm.weighted_anti_ideal, [0.0, 0.0, 0.0])


def test_topsis_fixed_points_on_a_dead_column_weigh_nothing():
    """A criterion with scale 0 (an all-zero column) adds nothing: its weighted ideal and
    anti-ideal are 0 even when fixed points are given there; the live criterion's are
    ``w · x / s`` by hand (s = √5)."""
    res = cm.topsis(
        [[1.0, 0.0], [2.0, 0.0]], [0.5, 0.5], [1, 1], ideal=[3.0, 5.0], anti_ideal=[0.5, 1.0]
    )
    np.testing.assert_allclose(res.weighted_ideal, [0.5 * 3 / np.sqrt(5), 0.0], rtol=1e-12)
    np.testing.assert_allclose(res.weighted_anti_ideal, [0.5 * 0.5 / np.sqrt(5), 0.0], rtol=1e-12)
