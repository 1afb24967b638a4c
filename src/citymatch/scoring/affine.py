"""Per-column forms of the additive methods: two reads of the matrix, no normalised copy.

WSM, WASPAS, VIKOR, SPOTIS, MABAC and COPRAS normalise every column by a map fixed by
the column statistics: affine (``n = a·x + b``: min-max, ``x / max``, ``x / Σx``, distances to a
bound) or reciprocal (``n = c / x``: a cost criterion under ``"max"`` or ``"sum"``).  A
weighted sum of such columns is then one pass for the statistics (the compiled, threaded
kernel TOPSIS uses) and one matrix–vector product — ``x @ (w·a)`` — instead of building the
N × M normalised matrix; reciprocal columns alone are materialised.  A (K, M) batch of
weight vectors is the same product with K columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .._validate import raise_nonfinite
from ..errors import NumericRangeError
from . import _kernels
from .stats import ColumnStats

__all__ = ["TINY", "ColumnForm", "checked_stats", "log_column_means", "row_max", "weighted_sum"]

F64 = NDArray[np.float64]
#: The smallest normal float64: below it a value (or a range) cannot be divided by safely.
TINY = float(np.finfo(np.float64).tiny)
#: Rows per block when a pass must build values (row maxima, logs): ~4 MB at M = 10.
_ROWS = 1 << 16


def checked_stats(x: F64, *, total: bool = False, threads: int | None = None) -> ColumnStats:
    """Column max, min (and Σx) in one pass; a NaN or ±inf anywhere is a clear error.

    So is a column whose range (max − min) or sum overflows float64: the methods divide by
    them, and an infinite divisor would silently flatten the column.
    """
    st = _kernels.column_stats(x, total=total, threads=threads)
    if not (np.isfinite(st.max).all() and np.isfinite(st.min).all()):
        raise_nonfinite(x, "matrix")
    with np.errstate(over="ignore", invalid="ignore"):
        span = st.max - st.min
    bad = ~np.isfinite(span) | (~np.isfinite(st.sum) if st.sum is not None else False)
    if np.any(bad):
        j = int(np.argmax(bad))
        raise NumericRangeError(
            f"`matrix` values of criterion {j} (from {st.min[j]:g} to {st.max[j]:g}) have a range "
            f"or sum beyond float64's maximum {np.finfo(np.float64).max:.6g}; divide the column "
            "by a positive constant."
        )
    big = np.maximum(np.abs(st.max), np.abs(st.min))
    tiny = ((span > 0) & (span < TINY)) | ((big > 0) & (big < TINY))
    if np.any(tiny):  # 1 / span (or 1 / x) would overflow: the column cannot be normalised
        j = int(np.argmax(tiny))
        raise NumericRangeError(
            f"`matrix` values of criterion {j} (from {st.min[j]:g} to {st.max[j]:g}) are below the "
            f"smallest normal float64 {TINY:.6g} (in size or in range), too imprecise to "
            "normalise; multiply the column by a positive constant."
        )
    return st


@dataclass(frozen=True)
class ColumnForm:
    """``n_ij = a_j·x_ij + b_j`` on affine columns, ``c_j / x_ij`` on reciprocal ones.

    ``recip`` marks the reciprocal columns; ``inv`` holds ``1/x`` of those columns
    (N × (#reciprocal)), computed once, or None when there are none.
    """

    a: F64
    b: F64
    c: F64
    recip: NDArray[np.bool_]
    inv: F64 | None

    @classmethod
    def affine(cls, a: F64, b: F64) -> ColumnForm:
        """A form with affine columns only."""
        return cls(a, b, np.zeros_like(a), np.zeros(a.shape, dtype=bool), None)


def weighted_sum(x: F64, form: ColumnForm, w: F64) -> F64:
    """``Σ_j w_j n_ij`` for weights (M,) → (N,), or (K, M) → (K, N)."""
    out: F64 = (
        (x @ (w * form.a).T).T + (w @ form.b)[..., None]
        if w.ndim == 2
        else (x @ (w * form.a) + float(w @ form.b))
    )
    if form.inv is not None:
        out = out + ((form.inv @ (w * form.c)[..., form.recip].T).T)
    return out


def row_max(x: F64, form: ColumnForm, w: F64) -> F64:
    """``max_j w_j (a_j x_ij + b_j)`` for one weight vector (affine forms), in row blocks."""
    alpha, beta = w * form.a, w * form.b
    out = np.empty(x.shape[0])
    for lo in range(0, x.shape[0], _ROWS):
        blk = x[lo : lo + _ROWS] * alpha
        blk += beta
        out[lo : lo + _ROWS] = blk.max(axis=1)
    return out


def log_column_means(x: F64, form: ColumnForm, shift: float = 0.0) -> F64:
    """``mean_i log(a_j x_ij + b_j + shift)`` per column (affine forms), in row blocks."""
    total = np.zeros(x.shape[1])
    for lo in range(0, x.shape[0], _ROWS):
        blk = x[lo : lo + _ROWS] * form.a
        blk += form.b + shift
        total += np.log(blk).sum(axis=0)
    out: F64 = total / x.shape[0]
    return out
