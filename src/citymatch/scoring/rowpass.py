"""Row passes of the linear-time methods other than TOPSIS: one read of the matrix each.

WSM, WPM, WASPAS, VIKOR, SPOTIS, MABAC and COPRAS reduce, after the column statistics, to
row sums of weighted column forms (affine ``a·x + b`` or reciprocal ``c / x``), a row
maximum (VIKOR's regret), a row product of powers (WPM) or column sums of logs (MABAC's
border).  Each is computed here in one read over the row chunks of :mod:`.pool`: the sums
and maxima by the compiled kernel (:mod:`._jit`, when numba is installed and the matrix is
large) or in cache-sized numpy blocks; the logs likewise (the compiled kernels use a
vectorised logarithm, :func:`._jitrows.log_run`, within a few ulp of numpy's ``log``, which is
scalar on CPUs without AVX-512).  :mod:`.affine` builds the forms; this module only evaluates.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from . import _jit, _kernels
from ._kernels import block_rows, use_jit
from .pool import BLOCK_ROWS, n_threads, over_rows
from .stats import ColumnStats

#: Values per block of an elementwise sequence over N-vectors (256 KiB: stays in L2, and a
#: temporary of this size is reused from the C heap).
VEC_BLOCK = 32768

__all__ = [
    "VEC_BLOCK",
    "affine_rows",
    "exp_of_sums",
    "log_column_sums",
    "log_rows",
    "log_sums_and_stats",
    "recip_plus",
    "runs_compiled",
    "split_sums",
    "sums_within",
]

F64 = NDArray[np.float64]


def _jit_rows(x: NDArray[np.floating], jit: bool | None) -> bool:
    """Whether the compiled row kernels run on ``x`` (C-contiguous only; they read rows)."""
    if jit is None:
        jit = use_jit(x)
    return bool(jit) and _jit.layout(x) == "C"


def runs_compiled(x: NDArray[np.floating]) -> bool:
    """Whether the passes here run compiled on ``x`` by default (numba, size, layout)."""
    return _jit_rows(x, None)


def affine_rows(
    x: NDArray[np.floating],
    coef: F64,
    const: F64,
    rcoef: F64,
    recip: NDArray[np.bool_],
    *,
    row_max: tuple[F64, F64] | None = None,
    blend: tuple[float, F64, F64] | None = None,
    threads: int | None = None,
    jit: bool | None = None,
) -> tuple[F64, F64 | None]:
    """Row sums of K weighted column forms, and optionally one row maximum, in one read.

    ``sums[k, i] = const_k + Σ_j coef_kj·x_ij + rcoef_kj / x_ij`` (the reciprocal only on the
    ``recip`` columns, where ``coef`` is 0; ``rcoef`` is 0 elsewhere) for ``coef`` (K, M),
    ``const`` (K,); with ``row_max = (α, β)`` also ``max_j (α_j x_ij + β_j)``.  Every
    normalised weighted sum of WSM, WASPAS, VIKOR, SPOTIS, MABAC and COPRAS is one of these
    (:mod:`.affine`); K is small (one to a few outputs), large batches use matrix products.
    With ``blend = (λ, other, out)`` (both (N,)) the same pass also writes
    ``out = other·(1 − λ) + sums[0]·λ`` (numpy's operations, so its bits) while each block
    of sums is in cache: WASPAS's blend without two more passes over N.
    """
    n = x.shape[0]
    sums = np.empty((coef.shape[0], n))
    mx = np.empty(n if row_max is not None else 1)
    fn = _jit.affine_rows if _jit_rows(x, jit) else _affine_range
    over_rows(
        n,
        n_threads(n, threads),
        lambda lo, hi: fn(x, lo, hi, coef, const, rcoef, recip, row_max, sums, mx, blend),
    )
    return sums, (mx if row_max is not None else None)


def sums_within(
    x: NDArray[np.floating],
    coef: F64,
    const: F64,
    lo: F64,
    hi: F64,
    *,
    threads: int | None = None,
    jit: bool | None = None,
) -> tuple[F64, bool]:
    """Affine row sums (as :func:`affine_rows`, no reciprocals) and whether ``x`` is in range.

    The second value is True when every cell lies in ``[lo_j, hi_j]`` (a NaN does not).
    One read of ``x`` on the compiled path (two with numpy): for a method whose forms do not
    depend on the data (SPOTIS with given bounds) the range check and the scores share it.
    """
    m = x.shape[1]
    if not _jit_rows(x, jit):
        sums = affine_rows(
            x, coef, const, np.zeros_like(coef), np.zeros(m, dtype=bool), threads=threads, jit=False
        )[0] if coef.shape[0] else np.empty((0, x.shape[0]))  # fmt: skip
        st = _kernels.column_stats(x, threads=threads, jit=False)  # a NaN makes max/min NaN
        return sums, bool((st.min >= lo).all() and (st.max <= hi).all())
    n, k = x.shape[0], coef.shape[0]
    if k == 0:  # a zero form still carries a NaN or ±inf cell into its (discarded) sums
        coef, const = np.zeros((1, m)), np.zeros(1)
    sums = np.empty((coef.shape[0], n))
    inside = over_rows(
        n,
        n_threads(n, threads),
        lambda a, b: _jit.within_rows(x, a, b, coef, const, (lo, hi), sums),
    )
    return sums[:k], all(inside)


def split_sums(
    x: NDArray[np.floating],
    coef: F64,
    plus: NDArray[np.bool_],
    *,
    out: tuple[F64, F64] | None = None,
    threads: int | None = None,
    jit: bool | None = None,
) -> tuple[F64, F64, tuple[float, float] | None]:
    """Row sums of ``coef·x`` (M,) over the ``plus`` columns and over the others, one read.

    ``(s_plus, s_minus, totals)``: each sum from 0.0 with its terms in column order (so
    they equal :func:`affine_rows`'s sums of forms zero off their columns, bit for bit, for
    non-negative data and coefficients).  On the compiled path ``totals`` is
    ``(Σ s_minus, Σ 1/s_minus)``, summed over fixed blocks of rows (the same bits with any
    number of threads), and the sums are written into ``out`` when given; with numpy the
    totals are None and the sums new arrays.
    """
    n = x.shape[0]
    if not _jit_rows(x, jit):
        forms = np.stack([np.where(plus, coef, 0.0), np.where(plus, 0.0, coef)])
        sums = affine_rows(x, forms, np.zeros(2), np.zeros_like(forms), np.zeros(x.shape[1], dtype=bool), threads=threads, jit=False)[0]  # fmt: skip
        return sums[0], sums[1], None
    sp, sm = out if out is not None else (np.empty(n), np.empty(n))
    part = np.empty((-(-n // BLOCK_ROWS), 2))
    over_rows(
        n,
        n_threads(n, threads),
        lambda lo, hi: _jit.split_rows(x, lo, hi, coef, plus, BLOCK_ROWS, (sp, sm), part),
    )
    tot = part.sum(axis=0)
    return sp, sm, (float(tot[0]), float(tot[1]))


def recip_plus(
    sp: F64,
    sm: F64,
    c: float,
    *,
    out: tuple[F64, F64] | None = None,
    threads: int | None = None,
) -> tuple[F64, F64]:
    """``q = (1/sm)·c + sp`` elementwise and ``q / max q``: two passes over N.

    (COPRAS's relative significance and utility degree, compiled; into ``out`` if given.)
    In this thread unless ``threads`` says otherwise: a pass over N vectors takes about a
    millisecond at a million rows, which waking the pool's threads does not shorten (and
    lengthens with a busy neighbour).
    """
    n = sp.shape[0]
    q, u = out if out is not None else (np.empty(n), np.empty(n))
    parts = n_threads(n, threads) if threads is not None else 1
    top = max(over_rows(n, parts, lambda lo, hi: _jit.copras_q(sp, sm, c, lo, hi, q)))
    over_rows(n, parts, lambda lo, hi: np.divide(q[lo:hi], top, out=u[lo:hi]))
    return q, u


def _affine_range(
    x: NDArray[np.floating],
    lo: int,
    hi: int,
    coef: F64,
    const: F64,
    rcoef: F64,
    recip: NDArray[np.bool_],
    row_max: tuple[F64, F64] | None,
    sums: F64,
    mx: F64,
    blend: tuple[float, F64, F64] | None = None,
) -> None:
    """The numpy twin of :func:`._jit.affine_rows`: rows ``lo:hi`` in cache-sized blocks."""
    step = block_rows(x.shape[1])
    ct = np.ascontiguousarray(coef.T)
    rc = np.ascontiguousarray(rcoef[:, recip].T) if recip.any() else None
    for b in range(lo, hi, step):
        e = min(hi, b + step)
        blk = np.asarray(x[b:e], dtype=np.float64)
        s = blk @ ct
        if rc is not None:
            s += (1.0 / blk[:, recip]) @ rc
        s += const
        sums[:, b:e] = s.T
        if blend is not None:
            lam, other, out = blend
            part = np.multiply(other[b:e], 1.0 - lam, out=out[b:e])
            part += sums[0, b:e] * lam
        if row_max is not None:
            t = blk * row_max[0]
            t += row_max[1]
            mx[b:e] = t.max(axis=1)


def log_rows(
    x: NDArray[np.floating],
    g: F64,
    const: float,
    *,
    threads: int | None = None,
    jit: bool | None = None,
) -> F64:
    """``exp(const + Σ_j g_j log x_ij)`` per row over the columns with ``g_j ≠ 0``.

    A product of powers (WPM) in one read; a zero value on a column with ``g_j ≠ 0`` makes
    the row's product 0, a column with ``g_j = 0`` is skipped (``0⁰`` counts as 1).
    """
    n = x.shape[0]
    out = np.empty(n)
    if not _jit_rows(x, jit):
        over_rows(
            n, n_threads(n, threads), lambda lo, hi: _log_rows_range(x, lo, hi, g, const, out)
        )
        return out
    odd = np.zeros(n, dtype=bool)
    over_rows(n, n_threads(n, threads), lambda lo, hi: _jit.log_rows(x, lo, hi, g, const, out, odd))
    _fix_odd_rows(x, g, const, out, odd)
    return out


def log_sums_and_stats(
    x: NDArray[np.floating], g: F64, *, threads: int | None = None
) -> tuple[F64, NDArray[np.bool_], ColumnStats] | None:
    """``Σ_j g_j log x_ij`` per row and the column max and min, in one read (compiled only).

    ``(sums, odd, stats)``: ``odd`` marks the rows with a value below the smallest normal
    float64 on a column with ``g_j ≠ 0`` (their sums are not the definition: finish them
    with :func:`exp_of_sums`); ``stats`` has max and min (no sums; ±inf shows there, for
    the checks).  None when a value is NaN: the caller reads again with the checked
    statistics, which name the cell.
    """
    n = x.shape[0]
    sums, odd = np.empty(n), np.empty(n, dtype=bool)
    parts = [
        p
        for p in over_rows(
            n,
            n_threads(n, threads),
            lambda lo, hi: _jit.log_rows(
                x, lo, hi, g, 0.0, sums, odd, take_exp=False, extremes=True
            ),
        )
        if p is not None
    ]
    ext = np.stack(parts)
    if ext[:, 2].any():  # a NaN value (max and min skip it; ±inf shows in them)
        return None
    return sums, odd, ColumnStats(ext[:, 0].max(axis=0), ext[:, 1].min(axis=0), None, None)


def exp_of_sums(
    sums: F64, const: float, odd: NDArray[np.bool_], x: NDArray[np.floating], g: F64
) -> F64:
    """``exp(const + sums)`` in place, the ``odd`` rows of :func:`log_sums_and_stats` by numpy.

    Block by block (:data:`VEC_BLOCK` values), so the sum and the exponential share one
    trip through memory; numpy's operations, so numpy's bits.
    """
    for b in range(0, sums.shape[0], VEC_BLOCK):
        part = sums[b : b + VEC_BLOCK]
        np.add(part, const, out=part)
        np.exp(part, out=part)
    _fix_odd_rows(x, g, const, sums, odd)
    return sums


def _fix_odd_rows(
    x: NDArray[np.floating], g: F64, const: float, out: F64, odd: NDArray[np.bool_]
) -> None:
    """Rows the compiled pass left (zeros: product 0; subnormals; huge exponents) by numpy."""
    rows = np.flatnonzero(odd)
    if rows.size:
        fix = np.empty(rows.size)
        _log_rows_range(x[rows], 0, rows.size, g, const, fix)
        out[rows] = fix


def _log_rows_range(
    x: NDArray[np.floating], lo: int, hi: int, g: F64, const: float, out: F64
) -> None:
    live = g != 0.0
    gl = g[live]
    step = block_rows(x.shape[1])
    for b in range(lo, hi, step):
        e = min(hi, b + step)
        blk = np.asarray(x[b:e], dtype=np.float64)[:, live]
        pos = blk > 0.0
        lin = np.log(np.where(pos, blk, 1.0)) @ gl + const
        out[b:e] = np.where(pos.all(axis=1), np.exp(lin), 0.0)


def log_column_sums(
    x: NDArray[np.floating],
    a: F64,
    b: F64,
    *,
    threads: int | None = None,
    jit: bool | None = None,
) -> F64:
    """``Σ_i log(a_j x_ij + b_j)`` per column (the arguments must be positive)."""
    n = x.shape[0]
    parts = n_threads(n, threads)
    if _jit_rows(x, jit):
        res = over_rows(n, parts, lambda lo, hi: _jit.log_cols(x, lo, hi, a, b))
        fast = [p for p in res if p is not None]
        if len(fast) == len(res):
            total: F64 = np.sum(fast, axis=0)
            return total
    out: F64 = np.sum(over_rows(n, parts, lambda lo, hi: _log_cols_range(x, lo, hi, a, b)), axis=0)
    return out


def _log_cols_range(x: NDArray[np.floating], lo: int, hi: int, a: F64, b: F64) -> F64:
    total = np.zeros(x.shape[1])
    step = block_rows(x.shape[1])
    for r in range(lo, hi, step):
        t = np.asarray(x[r : min(hi, r + step)], dtype=np.float64) * a
        t += b
        total += np.log(t).sum(axis=0)
    return total
