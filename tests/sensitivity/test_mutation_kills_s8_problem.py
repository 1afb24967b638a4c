"""Tests written to kill the last open ``sensitivity/_problem.py`` survivors (session 8).

``as_problem 59`` (the finiteness test inverted) and ``as_problem 77, 78`` (the problem's arrays
left writable); see docs/mutation/session8-port.md.
"""

from __future__ import annotations

import numpy as np
import pytest

from citymatch.errors import NonFiniteError
from citymatch.sensitivity import stability_intervals, what_it_takes
from citymatch.sensitivity._problem import as_problem

NAN_MATRIX = [[1.0, 2.0], [np.nan, 1.0], [3.0, 3.0]]
NAN_MESSAGE = (
    r"`matrix` must contain only finite numbers; got nan at row 1, column 0 "
    r"\(1 non-finite cell in all\)\."
)


def test_a_non_finite_matrix_is_refused_before_the_other_arguments_are_checked():
    """Three candidates, one NaN cell, the default ``k=3``: the refusal names the NaN cell (the
    matrix is what is wrong), not ``k`` (which only the data's size makes too large)."""
    with pytest.raises(NonFiniteError, match=NAN_MESSAGE):
        stability_intervals(NAN_MATRIX, [0.5, 0.5], [1, 1])
    with pytest.raises(NonFiniteError, match=NAN_MESSAGE):
        what_it_takes(NAN_MATRIX, 0, [0.5, 0.5], [1, 1])


def test_the_problem_holds_read_only_private_copies():
    """``Problem.x``, ``.w`` and ``.t`` are read-only and share no memory with the caller's
    arrays (the caller may change its arrays afterwards)."""
    x = np.array([[1.0, 2.0], [3.0, 1.0]])
    w = np.array([0.25, 0.75])
    t = np.array([1, -1], dtype=np.int8)
    p = as_problem(x, w, t)
    for arr, given in ((p.x, x), (p.w, w), (p.t, t)):
        assert not arr.flags.writeable
        assert not np.shares_memory(arr, given)
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 0
    x[0, 0] = 99.0
    assert p.x.tolist() == [[1.0, 2.0], [3.0, 1.0]]
    assert p.w.tolist() == [0.25, 0.75] and p.t.tolist() == [1, -1]
