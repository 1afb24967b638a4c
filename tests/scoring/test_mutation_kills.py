"""Tests written to kill surviving mutants of the scoring core (see MUTATION.md).

Expected values come from a plain-numpy textbook TOPSIS written out here (Hwang & Yoon
1981: normalise, weight, distances to the two points), never from citymatch.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import citymatch
from citymatch.errors import CitymatchValueError, NonFiniteError
from citymatch.scoring import _kernels
from citymatch.scoring.geometry import geometry_from_stats
from citymatch.scoring.stats import ColumnStats


def _plain_distances(x, w, t, norm="vector"):
    """Textbook TOPSIS distances (d⁺, d⁻) and scores for one weight vector."""
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    w = w / w.sum()
    t = np.asarray(t)
    if norm == "minmax":
        lo, hi = x.min(axis=0), x.max(axis=0)
        v = np.where(t > 0, x - lo, hi - x) / (hi - lo) * w
        ideal, anti = v.max(axis=0), v.min(axis=0)
    else:
        if norm == "vector":
            s = np.sqrt((x**2).sum(axis=0))
        elif norm == "max":
            s = np.abs(x).max(axis=0)
        else:
            s = x.sum(axis=0)
        v = x / s * w
        ideal = np.where(t > 0, v.max(axis=0), v.min(axis=0))
        anti = np.where(t > 0, v.min(axis=0), v.max(axis=0))
    d_plus = np.sqrt(((v - ideal) ** 2).sum(axis=1))
    d_minus = np.sqrt(((v - anti) ** 2).sum(axis=1))
    return d_plus, d_minus, d_minus / (d_plus + d_minus)


def test_batch_distances_over_several_row_blocks_match_the_textbook():
    """A (K, M) batch with distances on more rows than one block (and a ragged last block)
    returns every candidate's d⁺, d⁻ and score as K separate textbook runs do."""
    rng = np.random.default_rng(12)
    m = 3
    n = 2 * _kernels.block_rows(m) + 123
    x = rng.uniform(1.0, 10.0, size=(n, m))
    w = np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]])
    t = [1, -1, 1]
    res = citymatch.topsis(x, w, t, distances=True)
    assert res.d_ideal is not None and res.d_anti_ideal is not None
    assert res.scores.shape == (2, n)
    for k in range(2):
        d_plus, d_minus, scores = _plain_distances(x, w[k], t)
        np.testing.assert_allclose(res.d_ideal[k], d_plus, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(res.d_anti_ideal[k], d_minus, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(res.scores[k], scores, rtol=1e-10, atol=1e-14)


# ---------------------------------------------------------------- geometry: scales and errors
def test_vector_overflow_fallback_with_an_all_zero_column():
    """Σx² overflowing float64 is rescaled by max|x|; an all-zero column next to it separates
    no one and adds nothing: the scores equal a textbook TOPSIS of the other columns, scaled."""
    x = np.array([[1e200, 0.0, 1.0], [2e200, 0.0, 3.0], [3e200, 0.0, 2.0]])
    res = citymatch.topsis(x, [0.4, 0.2, 0.4], [1, 1, 1])
    _, _, expected = _plain_distances(x[:, [0, 2]] / np.array([1e200, 1.0]), [0.4, 0.4], [1, 1])
    np.testing.assert_allclose(res.scores, expected, rtol=1e-12)
    np.testing.assert_allclose(res.scale, [np.sqrt(14.0) * 1e200, 0.0, np.sqrt(14.0)], rtol=1e-12)


def test_streamed_vector_statistics_that_overflow_are_refused():
    """Without the matrix (streamed data) an overflowing Σx² cannot be rescaled: a clear error."""
    stats = ColumnStats(
        max=np.array([1.0, 3e200]),
        min=np.array([0.0, 1.0]),
        sumsq=np.array([2.0, np.inf]),
        sum=None,
    )
    with pytest.raises(
        NonFiniteError,
        match=r"^`matrix` criterion 1 is beyond what streamed vector normalisation holds "
        r"\(max\|x\| = 3e\+200\)",
    ):
        geometry_from_stats(stats, np.array([1, 1], dtype=np.int8), "vector")


def test_a_sum_scale_that_overflows_is_refused_naming_the_criterion():
    """A Σx that overflows float64 is refused, naming the normalisation and the criterion."""
    stats = ColumnStats(
        max=np.array([2.0, 1e308]),
        min=np.array([1.0, 1e308]),
        sumsq=None,
        sum=np.array([3.0, np.inf]),
    )
    with pytest.raises(
        NonFiniteError,
        match=r"^`matrix` criterion 1: its sum Σx exceeds float64's maximum 1\.79769e\+308 under "
        r"'sum' normalisation",
    ):
        geometry_from_stats(stats, np.array([1, -1], dtype=np.int8), "sum")


def test_a_scale_below_the_smallest_normal_float_is_refused():
    """A scale whose reciprocal overflows (a subnormal max|x|) is refused, naming the column."""
    x = [[1.0, 0.0], [2.0, 1e-310], [3.0, 0.0]]
    with pytest.raises(
        CitymatchValueError,
        match=r"^`matrix` values of criterion 1 are subnormal \(max\|x\| = 1e-310 is below the "
        r"smallest normal float64 2\.22507e-308\)",
    ):
        citymatch.topsis(x, [1, 1], [1, 1], normalization="max")


@pytest.mark.parametrize(
    ("types", "ideal", "anti", "message"),
    [
        (
            [1, -1],
            [3.0, 9.0],
            [1.0, 2.0],
            r"(ideal ≤ anti-ideal for a cost criterion); got ideal 9.0 and anti-ideal 2.0 at "
            r"criterion 1.",
        ),
        (
            [1, 1],
            [0.0, np.nan],
            [1.0, np.nan],
            r"(ideal ≥ anti-ideal for a benefit criterion); got ideal 0.0 and anti-ideal 1.0 at "
            r"criterion 0.",
        ),
    ],
)
def test_a_fixed_ideal_worse_than_the_anti_ideal_is_refused_with_the_rule(
    types, ideal, anti, message
):
    """The message states the rule for the criterion's direction, both values and the index."""
    x = [[1.0, 2.0], [3.0, 4.0]]
    full = "`ideal` must be at least as good as `anti_ideal` on every criterion " + message
    with pytest.raises(CitymatchValueError, match="^" + re.escape(full) + "$"):
        citymatch.topsis(x, [1, 1], types, ideal=ideal, anti_ideal=anti)


def test_equal_fixed_points_under_minmax_are_refused_with_the_value_and_criterion():
    """Under min-max both fixed points set the scale: equal ones are refused, naming them."""
    x = [[1.0, 2.0], [3.0, 4.0]]
    full = (
        "`ideal` and `anti_ideal` must differ on every criterion under min-max normalisation "
        "(they set its scale); both are 2.0 at criterion 1."
    )
    with pytest.raises(CitymatchValueError, match="^" + re.escape(full) + "$"):
        citymatch.topsis(x, [1, 1], [1, 1], normalization="minmax", ideal=[3, 2], anti_ideal=[1, 2])


def test_minmax_with_one_fixed_point_takes_the_other_from_the_data():
    """Under min-max a fixed ideal (NaN: from the data) and no anti-ideal: the scale is
    |ideal − data worst| and a candidate at the fixed ideal scores 1 (hand-computed)."""
    x = np.array([[1.0, 2.0], [3.0, 4.0], [2.0, 3.0]])
    res = citymatch.topsis(
        x,
        [0.5, 0.5],
        [1, 1],
        normalization="minmax",
        ideal=[2.0, np.nan],
        anti_ideal=[np.nan, np.nan],
    )
    assert res.ideal.tolist() == [2.0, 4.0]
    assert res.anti_ideal.tolist() == [1.0, 2.0]
    np.testing.assert_allclose(res.scale, [1.0, 2.0])
    # candidate 2 = (2, 3): at the ideal on criterion 0, halfway on criterion 1
    d_plus = np.sqrt((0.5 * 0.5) ** 2)
    d_minus = np.sqrt((0.5 * 1.0) ** 2 + (0.5 * 0.5) ** 2)
    np.testing.assert_allclose(res.scores[2], d_minus / (d_plus + d_minus), rtol=1e-12)


def test_a_single_infinite_cell_is_reported_with_its_row_and_column():
    """One +inf (its column's minimum stays finite) is still found by the finiteness check."""
    with pytest.raises(NonFiniteError, match=r"got inf at row 1, column 0 \(1 non-finite cell"):
        citymatch.topsis([[1.0, 2.0], [np.inf, 3.0], [2.0, 1.0]], [1, 1], [1, 1])


def test_a_lone_fixed_ideal_worse_than_the_data_anti_ideal_is_refused():
    """Only ``ideal`` given (anti-ideal from the data): it is still checked against it."""
    x = [[1.0, 2.0], [3.0, 4.0]]
    with pytest.raises(
        CitymatchValueError, match=r"got ideal 0\.5 and anti-ideal 1\.0 at criterion 0\.$"
    ):
        citymatch.topsis(x, [1, 1], [1, 1], ideal=[0.5, np.nan])
    with pytest.raises(
        CitymatchValueError, match=r"got ideal 4\.0 and anti-ideal 5\.0 at criterion 1\.$"
    ):
        citymatch.topsis(x, [1, 1], [1, 1], anti_ideal=[np.nan, 5.0])


def test_equal_fixed_points_outside_minmax_switch_the_criterion_off():
    """Under vector normalisation a criterion whose fixed ideal equals its fixed anti-ideal is
    allowed and separates no one: the scores equal a textbook TOPSIS of the other criterion."""
    x = np.array([[1.0, 2.0], [3.0, 5.0], [2.0, 4.0]])
    res = citymatch.topsis(x, [0.5, 0.5], [1, -1], ideal=[np.nan, 3.0], anti_ideal=[np.nan, 3.0])
    _, _, expected = _plain_distances(x[:, :1], [1.0], [1])
    np.testing.assert_allclose(res.scores, expected, rtol=1e-12)
