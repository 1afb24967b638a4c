"""Tests written to kill surviving mutants of the session-9 SPOTIS range check (``_within``,
``_outside``; docs/mutation/session9-lead.md).

Expected values are SPOTIS's definition written out by hand: ``Σ_j w_j |x_ij − s*_j| / (max_j −
min_j)`` over the given bounds, never the code under test.
"""

from __future__ import annotations

import numpy as np
import pytest

import citymatch as cm
from citymatch.errors import CitymatchValueError

BOUNDS = [[0.0, 10.0], [0.0, 4.0]]
W = [0.5, 0.5]
TYPES = [1, -1]


def test_cells_on_the_bounds_are_inside_on_the_path_with_a_given_ideal():
    """Values equal to a bound lie within it: a given ideal (the path that checks the column
    extremes) scores them, by the definition."""
    x = [[10.0, 0.0], [0.0, 4.0], [5.0, 2.0]]
    ideal = [10.0, 0.0]
    got = cm.spotis(x, W, TYPES, bounds=BOUNDS, ideal=ideal).scores
    want = [0.5 * abs(a - 10.0) / 10.0 + 0.5 * abs(b - 0.0) / 4.0 for a, b in x]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-15)
    assert got.tolist() == pytest.approx([0.0, 1.0, 0.5])


def test_one_cell_below_its_lower_bound_is_refused_on_the_path_with_a_given_ideal():
    """Every column's minimum and maximum must lie within the bounds: one cell below the lower
    bound of column 1 (the other column's maximum inside) is refused, naming that cell."""
    x = [[5.0, 2.0], [6.0, -0.5], [7.0, 1.0]]
    with pytest.raises(
        CitymatchValueError,
        match=r"`matrix` must lie within `bounds`; got -0\.5 at row 1, column 1, outside \[0\.0, 4\.0\]",
    ):
        cm.spotis(x, W, TYPES, bounds=BOUNDS, ideal=[10.0, 0.0])


@pytest.mark.parametrize("ideal", [None, [10.0, 0.0]])
def test_the_refusal_names_the_cell_outside_not_one_on_a_bound(ideal):
    """Cells exactly on a bound come first in the matrix; the message names the first cell
    that is really outside (row 2, column 0), on both paths."""
    x = [[0.0, 4.0], [10.0, 0.0], [10.5, 1.0]]
    with pytest.raises(
        CitymatchValueError,
        match=r"got 10\.5 at row 2, column 0, outside \[0\.0, 10\.0\]",
    ):
        cm.spotis(x, W, TYPES, bounds=BOUNDS, ideal=ideal)


def test_a_nan_cell_is_named_on_the_one_read_path():
    """With given bounds (one read for the scores and the range check) a NaN is refused as a
    non-finite value of `matrix`, naming its cell, not as a value out of range."""
    x = [[5.0, 2.0], [6.0, 1.0], [7.0, np.nan]]
    with pytest.raises(
        cm.errors.NonFiniteError,
        match=r"^`matrix` must contain only finite numbers; got nan at row 2, column 1 \(1 non-finite cell in all\)\.$",
    ):
        cm.spotis(x, W, TYPES, bounds=BOUNDS)
