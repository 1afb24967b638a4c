r"""SPOTIS (Dezert et al. 2020): distance to the ideal solution point within stated bounds.

Conventions:

* Each criterion has bounds ``[lo_j, hi_j]`` (``bounds``, shape (M, 2)); the ideal solution
  point is ``hi_j`` for a benefit criterion and ``lo_j`` for a cost one (or ``ideal``, given).
  Score :math:`\sum_j w_j\,|x_{ij} - s^*_j| / (hi_j - lo_j)` with weights summing to 1:
  **lower is better**, 0 at the ideal point.
* SPOTIS is free of rank reversal only when the bounds are fixed by the problem (not by the
  candidates at hand): pass them.  Without ``bounds`` the observed minimum and maximum of
  each column are used (then SPOTIS equals a min-max weighted sum, rank reversal possible);
  a constant column then contributes 0.  Every value must lie within its bounds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import CriterionTypes, raise_nonfinite, real_array
from ..errors import ArgumentError, CitymatchValueError, NumericRangeError
from . import rowpass
from .affine import TINY, ColumnForm, checked_stats, weighted_sum
from .inputs import decision_inputs
from .method_results import SpotisResult
from .stats import ColumnStats

__all__ = ["spotis", "validate_options"]

F64 = NDArray[np.float64]


def _bounds(m: int, bounds: ArrayLike) -> F64:
    b = real_array(bounds, name="bounds", copy=True)
    if b.shape != (m, 2):
        raise ArgumentError(
            f"`bounds` must have shape ({m}, 2) (one [min, max] per criterion); got {b.shape}."
        )
    if not np.isfinite(b).all():
        raise ArgumentError("`bounds` must be finite.")
    flat = b[:, 0] >= b[:, 1]
    if flat.any():
        j = int(np.argmax(flat))
        raise ArgumentError(
            f"`bounds` must have min < max for every criterion; got [{b[j, 0]}, {b[j, 1]}] at criterion {j}."
        )
    with np.errstate(over="ignore"):
        span = b[:, 1] - b[:, 0]
    odd = ~np.isfinite(span) | (span < TINY)  # 1 / span would be 0 or overflow
    if odd.any():
        j = int(np.argmax(odd))
        raise NumericRangeError(
            f"`bounds` of criterion {j}, [{b[j, 0]:g}, {b[j, 1]:g}], span {span[j]:g}: beyond "
            f"float64's range or below its smallest normal number {TINY:.6g}, so the distances "
            "cannot be normalised by it; rescale the criterion and its bounds."
        )
    return b


def _star(ideal: ArrayLike, m: int) -> F64:
    """A given ideal point: (M,) finite floats (whether it lies within the bounds is the caller's)."""
    star = real_array(ideal, name="ideal", copy=True)
    if star.shape != (m,):
        raise ArgumentError(f"`ideal` must have {m} values; got shape {star.shape}.")
    if not np.isfinite(star).all():
        raise ArgumentError(f"`ideal` must be finite and within `bounds`; got {star.tolist()}.")
    return star


def _star_within(star: F64, b: F64) -> None:
    if ((star < b[:, 0]) | (star > b[:, 1])).any():
        raise ArgumentError(f"`ideal` must be finite and within `bounds`; got {star.tolist()}.")


def validate_options(types: NDArray[np.int8], options: Mapping[str, Any]) -> None:
    """Refuse option values :func:`spotis` would refuse before reading any data (``types`` (M,))."""
    m = len(types)
    b = _bounds(m, options["bounds"]) if options.get("bounds") is not None else None
    if options.get("ideal") is not None:
        star = _star(options["ideal"], m)
        if b is not None:
            _star_within(star, b)


def _within(x: F64, b: F64, st: ColumnStats) -> None:
    """The data lie within the bounds (the cell is looked for only when a column is out)."""
    if not ((st.min >= b[:, 0]).all() and (st.max <= b[:, 1]).all()):
        _outside(x, b)


def _outside(x: F64, b: F64) -> None:
    """Raise naming the first cell of (finite) ``x`` outside the bounds (one must be)."""
    i, j = (int(v) for v in np.argwhere((x < b[:, 0]) | (x > b[:, 1]))[0])
    raise CitymatchValueError(
        f"`matrix` must lie within `bounds`; got {x[i, j]} at row {i}, column {j}, outside "
        f"[{b[j, 0]}, {b[j, 1]}]."
    )


def spotis(
    matrix: ArrayLike,
    weights: ArrayLike,
    types: CriterionTypes,
    *,
    bounds: ArrayLike | None = None,
    ideal: ArrayLike | None = None,
) -> SpotisResult:
    """Score candidates by SPOTIS (lower is better); conventions in :mod:`citymatch.scoring.spotis`.

    Parameters
    ----------
    matrix : array_like, (N, M)
    weights : array_like, (M,) or (K, M) — normalised to sum to 1; a batch is one product.
    types : sequence of 1/-1 or "benefit"/"cost", (M,)
    bounds : array_like (M, 2), optional
        ``[min, max]`` of each criterion's scale; default the observed range (see above).
    ideal : array_like (M,), optional
        The expected solution point, within the bounds; default the best bound.

    Examples
    --------
    >>> import citymatch as cm
    >>> cm.spotis([[5, 1], [0, 0]], [0.5, 0.5], [1, -1], bounds=[[0, 10], [0, 2]]).scores.tolist()
    [0.5, 0.5]
    """
    inp = decision_inputs(matrix, weights, types, min_rows=1, check_finite=False)
    # Given bounds, one weight vector and the best bounds as the ideal, the forms do not depend
    # on the data: the range check and the scores share one read (rowpass.sums_within).
    fused = bounds is not None and ideal is None and inp.w.ndim == 1
    if bounds is None:
        st: ColumnStats | None = checked_stats(inp.x)
        assert st is not None
        b = np.column_stack([st.min, st.max])
    else:
        b = _bounds(inp.x.shape[1], bounds)
        st = None if fused else checked_stats(inp.x)
        if st is not None:
            _within(inp.x, b, st)
    if ideal is None:
        star = np.where(inp.benefit, b[:, 1], b[:, 0])
    else:
        star = _star(ideal, inp.x.shape[1])
        _star_within(star, b)
    span = b[:, 1] - b[:, 0]
    live = span > 0
    safe = np.where(live, span, 1.0)
    if ideal is None:  # star is the best bound and the data lie within: |x − star| is affine
        a = np.where(live, np.where(inp.benefit, -1.0, 1.0) / safe, 0.0)
        c = np.where(live, np.where(inp.benefit, star, -star) / safe, 0.0)
        if fused:
            coef, const = (inp.w * a)[None], np.array([inp.w @ c])
            sums, inside = rowpass.sums_within(inp.x, coef, const, b[:, 0], b[:, 1])
            if not inside:  # name the cell: a NaN or ±inf first, then one out of range
                raise_nonfinite(inp.x, "matrix")
                _outside(inp.x, b)
            scores = sums[0]
        else:
            scores = weighted_sum(inp.x, ColumnForm.affine(a, c), inp.w)
    else:
        d = np.where(live, np.abs(inp.x - star) / safe, 0.0)
        scores = inp.w @ d.T
    return SpotisResult("SPOTIS", scores, False, b, star)
