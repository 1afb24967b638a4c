"""Tests written to kill surviving mutants of session 7 (MUTATION.md, ``scoring/geometry.py``).

Every expected value is computed here from the published definition (closeness of the
weighted normalised rows, written out with numpy on hand-picked data) or is exact float64
arithmetic checked by hand, never by the code under test.
"""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np
import pytest

import citymatch as cm
from citymatch.errors import CitymatchValueError, NumericRangeError

_MAX = float(np.finfo(np.float64).max)
_TINY = float(np.finfo(np.float64).tiny)


def _closeness(v: np.ndarray, best: np.ndarray, worst: np.ndarray) -> np.ndarray:
    """Hwang & Yoon's closeness D⁻/(D⁺ + D⁻) of the weighted normalised rows ``v``."""
    dp = np.sqrt(((v - best) ** 2).sum(axis=1))
    dm = np.sqrt(((v - worst) ** 2).sum(axis=1))
    return dm / (dp + dm)


def test_weighted_space_points_under_sum_normalisation_by_hand():
    """``ideal_space="weighted"`` under "sum": the points live in ``w·x/Σx``; an ideal point
    given alone leaves the anti-ideal to the data; a column whose sum is below 1 is scaled
    like any other; a zero-weight criterion takes its raw point from the data."""
    x = np.array([[0.1, 3.0, 2.0], [0.2, 5.0, 7.0], [0.3, 4.0, 1.0]])
    w = np.array([0.5, 0.5, 0.0])
    t = np.array([1, -1, 1])
    s = x.sum(axis=0)  # 0.6 (below 1), 12, 10
    v = w * x / s
    best = np.array([0.3, 0.1, 0.4])  # better than the data on the two weighted criteria
    worst = np.where(t > 0, v.min(axis=0), v.max(axis=0))
    got = cm.topsis(x, w, t, normalization="sum", ideal=best, ideal_space="weighted")
    used = np.array([0.3, 0.1, 0.0])  # the zero-weight criterion's point comes from the data
    assert got.scores == pytest.approx(_closeness(v, used, worst), abs=1e-12)
    # raw units of the weighted points: p·s/w; the zero-weight criterion keeps the data's max
    assert got.ideal == pytest.approx([0.3 * s[0] / 0.5, 0.1 * s[1] / 0.5, 7.0], abs=1e-12)
    assert got.anti_ideal.tolist() == [0.1, 5.0, 1.0]


def test_weighted_space_point_on_a_column_of_small_norm_by_hand():
    """``ideal_space="weighted"`` under "vector" with a column whose norm is below 1: its fixed
    point is used like any other (only zero weights and zero scales fall back to the data)."""
    x = np.array([[0.3, 2.0], [0.4, 6.0], [0.0, 3.0]])
    w = np.array([0.25, 0.75])
    t = np.array([1, 1])
    s = np.array([0.5, 7.0])  # ‖(0.3, 0.4, 0)‖ = 0.5, ‖(2, 6, 3)‖ = 7
    v = w * x / s
    best = np.array([0.2, 0.7])
    worst = np.array([0.05, 0.05])
    got = cm.topsis(x, w, t, ideal=best, anti_ideal=worst, ideal_space="weighted")
    assert got.scores == pytest.approx(_closeness(v, best, worst), abs=1e-12)
    assert got.ideal == pytest.approx([0.2 * 0.5 / 0.25, 0.7 * 7.0 / 0.75], abs=1e-12)


def test_sum_scale_is_the_exact_column_sum():
    """The "sum" scale of a column is its sum Σx, exactly where float64 holds it exactly
    (7 + 1 + 1 + 1 = 10), not a rescaled re-summation (which rounds to 9.999999999999998)."""
    x = np.array([[7.0, 1.0], [1.0, 2.0], [1.0, 3.0], [1.0, 4.0]])
    got = cm.topsis(x, [0.5, 0.5], [1, 1], normalization="sum")
    assert got.scale.tolist() == [10.0, 10.0]


# Four values whose exact sum lies within float64's maximum while the left-to-right float sum
# overflows (a partial sum rounds up past it): the documented limit is Σx ≤ max.
_NEAR_MAX = [
    float.fromhex("0x1.2cf966abebedep+1021"),
    float.fromhex("0x1.f001175a66074p+1021"),
    float.fromhex("0x1.32733259fdedap+1022"),
    float.fromhex("0x1.3f0f8ea2d917bp+1022"),
]


def test_sum_normalisation_accepts_a_column_whose_exact_sum_fits():
    """Under "sum" a column whose exact sum is ≤ float64's maximum is scored even when a plain
    float sum of it overflows: the scale is the exact sum rounded, the scores those of the same
    column divided by 2**1000 (an exact power-of-two rescaling: scores do not change)."""
    exact = sum(Fraction(v) for v in _NEAR_MAX)
    assert exact <= Fraction(_MAX)
    with np.errstate(over="ignore"):
        assert not np.isfinite(((_NEAR_MAX[0] + _NEAR_MAX[1]) + _NEAR_MAX[2]) + _NEAR_MAX[3])
    x = np.array([_NEAR_MAX, [1.0, 2.0, 3.0, 4.0]]).T
    got = cm.topsis(x, [0.5, 0.5], [1, -1], normalization="sum")
    assert got.scale[0] == float(exact)
    small = x.copy()
    small[:, 0] *= 2.0**-1000
    w = np.array([0.5, 0.5])
    v = w * small / small.sum(axis=0)
    best = np.array([v[:, 0].max(), v[:, 1].min()])
    worst = np.array([v[:, 0].min(), v[:, 1].max()])
    assert got.scores == pytest.approx(_closeness(v, best, worst), abs=1e-12)


@pytest.mark.parametrize("norm", ["vector", "max", "minmax"])
def test_a_column_at_the_smallest_normal_magnitude_is_scored(norm):
    """A column whose largest magnitude is float64's smallest normal number is not subnormal:
    it is scored like the same column scaled to 1 (scores do not depend on a column's unit)."""
    x = np.array([[_TINY, 2.0], [0.0, 5.0], [_TINY, 3.0]])
    unit = np.array([[1.0, 2.0], [0.0, 5.0], [1.0, 3.0]])
    w = np.array([0.4, 0.6])
    if norm == "vector":
        s = np.sqrt((unit**2).sum(axis=0))
    elif norm == "max":
        s = np.abs(unit).max(axis=0)
    else:
        s = unit.max(axis=0) - unit.min(axis=0)
    v = w * unit / s
    expected = _closeness(v, v.max(axis=0), v.min(axis=0))
    got = cm.topsis(x, w, [1, 1], normalization=norm)
    assert got.scores == pytest.approx(expected, abs=1e-12)


def test_a_minmax_range_whose_inverse_overflows_is_refused_naming_its_criterion():
    """Under "minmax" a column of normal values one subnormal step apart has a range whose
    inverse overflows: refused, naming that criterion (1), the normalisation and the range."""
    x = np.array([[1.0, _TINY], [2.0, _TINY + 5e-324], [3.0, _TINY]])
    msg = (
        "`matrix` values of criterion 1 are too small to normalise (its minmax scale "
        "4.94066e-324 is below 1/1.79769e+308"
    )
    with pytest.raises(NumericRangeError, match=re.escape(msg)):
        cm.topsis(x, [0.5, 0.5], [1, 1], normalization="minmax")


def test_a_vector_norm_beyond_float64_is_refused_naming_its_criterion():
    """A column whose norm exceeds float64's maximum (two values 1.5e308) is refused, naming
    that criterion (1), not the first one."""
    x = np.array([[1.0, 1.5e308], [2.0, 1.5e308], [3.0, 1e308]])
    with pytest.raises(NumericRangeError, match=r"`matrix` criterion 1: its norm ‖x‖₂ exceeds"):
        cm.topsis(x, [0.5, 0.5], [1, 1])


def test_a_span_beyond_float64_is_refused_naming_its_criterion():
    """A column spanning -1e308 to 1e308 (max − min overflows) is refused, naming criterion 1."""
    x = np.array([[1.0, -1e308], [2.0, 1e308], [3.0, 0.0]])
    with pytest.raises(NumericRangeError, match=r"values of criterion 1 span -1e\+308 to 1e\+308"):
        cm.topsis(x, [0.5, 0.5], [1, 1], normalization="max")


def test_a_negative_value_under_sum_is_refused_naming_its_criterion():
    """Under "sum" the first criterion with a negative minimum is named — not one whose
    minimum is 0 (allowed) or between 0 and 1."""
    x = np.array([[0.0, 0.5, -1.0], [2.0, 0.7, 3.0]])
    with pytest.raises(CitymatchValueError, match=r"criterion 2 has minimum -1\.0\.$"):
        cm.topsis(x, [0.3, 0.3, 0.4], [1, 1, 1], normalization="sum")
