"""Per-column forms of the additive methods: two reads of the matrix, no normalised copy.

WSM, WASPAS, VIKOR, SPOTIS, MABAC and COPRAS normalise every column by a map fixed by
the column statistics: affine (``n = a·x + b``: min-max, ``x / max``, ``x / Σx``, distances to a
bound) or reciprocal (``n = c / x``: a cost criterion under ``"max"`` or ``"sum"``).  A
weighted sum of such columns is then one pass for the statistics (the compiled, threaded
kernel TOPSIS uses) and one more read for the weighted sum (:mod:`.rowpass`: compiled, or
numpy in cache-sized blocks) instead of building the N × M normalised matrix.  A (K, M)
batch of weight vectors is one matrix product ``x @ (w·a)ᵀ`` with K columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .._validate import raise_nonfinite
from ..errors import NumericRangeError
from . import _kernels, rowpass
from .stats import ColumnStats

__all__ = [
    "TINY",
    "ColumnForm",
    "checked_stats",
    "fold",
    "log_column_means",
    "sum_and_max",
    "weighted_sum",
    "weighted_sums",
]

F64 = NDArray[np.float64]
#: The smallest normal float64: below it a value (or a range) cannot be divided by safely.
TINY = float(np.finfo(np.float64).tiny)


def checked_stats(
    x: F64, *, total: bool = False, threads: int | None = None, stats: ColumnStats | None = None
) -> ColumnStats:
    """Column max, min (and Σx) in one pass; a NaN or ±inf anywhere is a clear error.

    So is a column whose range (max − min) or sum overflows float64: the methods divide by
    them, and an infinite divisor would silently flatten the column.  ``stats``: statistics
    of ``x`` already taken in another pass (WPM's one read), given the same checks.
    """
    st = _kernels.column_stats(x, total=total, threads=threads) if stats is None else stats
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

    ``recip`` marks the reciprocal columns (``a`` and ``b`` are 0 there).  No N-sized array:
    the row passes compute ``1/x`` as they read.
    """

    a: F64
    b: F64
    c: F64
    recip: NDArray[np.bool_]

    @classmethod
    def affine(cls, a: F64, b: F64) -> ColumnForm:
        """A form with affine columns only."""
        return cls(a, b, np.zeros_like(a), np.zeros(a.shape, dtype=bool))


def fold(form: ColumnForm, w: F64) -> tuple[F64, float, F64]:
    """One weight vector folded into a form: ``(w·a, Σ w·b, w·c on reciprocal columns)``."""
    return w * form.a, float(w @ form.b), np.where(form.recip, w * form.c, 0.0)


def weighted_sums(
    x: F64, forms: list[ColumnForm], w: F64, *, blend: tuple[float, F64, F64] | None = None
) -> list[F64]:
    """``Σ_j w_j n_ij`` under each form.

    One read of ``x`` for one weight vector (M,) → (N,) each; a (K, M) batch is one matrix
    product per form → (K, N) each.  ``blend`` (one weight vector only): as
    :func:`.rowpass.affine_rows`, on the first form's sums.
    """
    if w.ndim == 2:
        return [_batched_sum(x, form, w) for form in forms]
    folded = [fold(form, w) for form in forms]
    recip = np.logical_or.reduce([form.recip for form in forms])
    sums, _ = rowpass.affine_rows(
        x,
        np.array([f[0] for f in folded]),
        np.array([f[1] for f in folded]),
        np.array([f[2] for f in folded]),
        recip,
        blend=blend,
    )
    return list(sums)


def weighted_sum(x: F64, form: ColumnForm, w: F64) -> F64:
    """``Σ_j w_j n_ij`` for weights (M,) → (N,), or (K, M) → (K, N)."""
    return weighted_sums(x, [form], w)[0]


def weighted_sum_blended(
    x: F64, form: ColumnForm, w: F64, lam: float, other: F64
) -> tuple[F64, F64]:
    """``s = Σ_j w_j n_ij`` for one weight vector (M,) and ``other·(1 − λ) + s·λ``, one pass.

    The blend is numpy's ``other * (1 − λ) + s * λ`` (the same bits), written as each block
    of sums is made, so it costs no pass of its own.
    """
    out = np.empty(x.shape[0])
    return weighted_sums(x, [form], w, blend=(lam, other, out))[0], out


def _batched_sum(x: F64, form: ColumnForm, w: F64) -> F64:
    out: F64 = (x @ (w * form.a).T).T + (w @ form.b)[..., None]
    if form.recip.any():
        inv = 1.0 / x[:, form.recip]
        out = out + ((inv @ (w * form.c)[..., form.recip].T).T)
    return out


def sum_and_max(x: F64, form: ColumnForm, w: F64) -> tuple[F64, F64]:
    """``Σ_j w_j n_ij`` and ``max_j w_j n_ij`` for one weight vector (affine forms), one read."""
    alpha, beta, _ = fold(form, w)
    sums, mx = rowpass.affine_rows(
        x,
        alpha[None, :],
        np.array([beta]),
        np.zeros((1, x.shape[1])),
        np.zeros(x.shape[1], dtype=bool),
        row_max=(alpha, w * form.b),
    )
    assert mx is not None
    return sums[0], mx


def log_column_means(x: F64, form: ColumnForm, shift: float = 0.0) -> F64:
    """``mean_i log(a_j x_ij + b_j + shift)`` per column (affine forms), one read."""
    out: F64 = rowpass.log_column_sums(x, form.a, form.b + shift) / x.shape[0]
    return out
