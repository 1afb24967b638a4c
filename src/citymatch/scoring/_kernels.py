"""Pure numpy kernels: arrays in, arrays out; no validation, no pandas.

TOPSIS in raw units
-------------------
Every normalisation citymatch offers is, column by column, an affine map
``r = (x - shift_j) / s_j`` with ``s_j > 0`` (vector: ``s = ||x||₂``; sum: ``s = Σx``;
max: ``s = max|x|``; min-max: ``s = |ideal − anti-ideal|``).  Euclidean distances in
the weighted normalised space therefore equal distances in raw units with the
per-criterion coefficient ``c_j = w_j / s_j``::

    D⁺_i = sqrt( Σ_j c_j² (x_ij − x⁺_j)² )

and the ideal points are the raw column max/min (for ``w ≥ 0``).  So the kernel never
builds the normalised or weighted matrix: pass 1 reads the matrix once for the column
statistics, pass 2 reads it once more for the distances, in row blocks that stay in
cache.  A candidate equal to the ideal point gets ``D⁺ = 0`` exactly.

For K weight vectors at once, ``D⁺² = ((X − x⁺)/s)² @ (w²)ᵀ``: one matrix product
per row block, no Python loop over K.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]

#: Rows per block in both passes: 8192 × M doubles stay in L2 for M ≤ 32.
BLOCK_ROWS = 8192
#: Below this many rows everything runs in the calling thread.
PARALLEL_MIN_ROWS = 131072
#: Width multiplier for the "wide view" reductions (long inner loops).
_WIDE = 64

_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(
            max_workers=max(1, os.cpu_count() or 1), thread_name_prefix="citymatch"
        )
    return _POOL


def _n_threads(n_rows: int, threads: int | None) -> int:
    if threads is not None:
        return max(1, int(threads))
    if n_rows < PARALLEL_MIN_ROWS:
        return 1
    return max(1, os.cpu_count() or 1)


def _row_chunks(n_rows: int, n_parts: int) -> list[tuple[int, int]]:
    """Split ``range(n_rows)`` into ``n_parts`` contiguous, block-aligned chunks."""
    n_blocks = -(-n_rows // BLOCK_ROWS)
    per = -(-n_blocks // n_parts)
    out = []
    for p in range(n_parts):
        lo = p * per * BLOCK_ROWS
        hi = min(n_rows, (p + 1) * per * BLOCK_ROWS)
        if lo < hi:
            out.append((lo, hi))
    return out


class ColumnStats(NamedTuple):
    """Column reductions of the raw matrix (pass 1)."""

    max: F64
    min: F64
    sumsq: F64 | None
    sum: F64 | None


def _stats_range(
    x: NDArray[np.floating], lo: int, hi: int, sumsq: bool, total: bool
) -> tuple[F64, F64, F64 | None, F64 | None]:
    m = x.shape[1]
    mx = np.full(m, -np.inf)
    mn = np.full(m, np.inf)
    ss = np.zeros(m) if sumsq else None
    sm = np.zeros(m) if total else None
    for b in range(lo, hi, BLOCK_ROWS):
        blk = x[b : min(hi, b + BLOCK_ROWS)]
        if blk.dtype != np.float64:
            blk = blk.astype(np.float64)
        rows = blk.shape[0]
        if rows % _WIDE == 0 and blk.flags.c_contiguous:
            # Wide view: reduce along long contiguous rows, then fold the _WIDE copies.
            wide = blk.reshape(rows // _WIDE, _WIDE * m)
            bmx = wide.max(axis=0).reshape(_WIDE, m).max(axis=0)
            bmn = wide.min(axis=0).reshape(_WIDE, m).min(axis=0)
            if ss is not None:
                ss += np.einsum("ij,ij->j", wide, wide).reshape(_WIDE, m).sum(axis=0)
            if sm is not None:
                sm += wide.sum(axis=0).reshape(_WIDE, m).sum(axis=0)
        else:
            bmx = blk.max(axis=0)
            bmn = blk.min(axis=0)
            if ss is not None:
                ss += np.einsum("ij,ij->j", blk, blk)
            if sm is not None:
                sm += blk.sum(axis=0)
        # np.maximum propagates NaN, so a NaN anywhere shows up in the statistics.
        np.maximum(mx, bmx, out=mx)
        np.minimum(mn, bmn, out=mn)
    return mx, mn, ss, sm


def column_stats(
    x: NDArray[np.floating],
    *,
    sumsq: bool = False,
    total: bool = False,
    threads: int | None = None,
) -> ColumnStats:
    """Column max, min and (optionally) sum of squares and sum, in one pass.

    NaN anywhere in a column makes that column's max and min NaN; ±inf shows as an
    infinite max or min.  The caller checks the statistics instead of the matrix.
    """
    n = x.shape[0]
    parts = _n_threads(n, threads)
    if parts == 1:
        mx, mn, ss, sm = _stats_range(x, 0, n, sumsq, total)
        return ColumnStats(mx, mn, ss, sm)
    chunks = _row_chunks(n, parts)
    res = list(_pool().map(lambda c: _stats_range(x, c[0], c[1], sumsq, total), chunks))
    mx = res[0][0]
    mn = res[0][1]
    for r in res[1:]:
        mx = np.maximum(mx, r[0])
        mn = np.minimum(mn, r[1])
    ss = np.sum([r[2] for r in res], axis=0) if sumsq else None
    sm = np.sum([r[3] for r in res], axis=0) if total else None
    return ColumnStats(mx, mn, ss, sm)


def _distances_range(
    x: NDArray[np.floating],
    lo: int,
    hi: int,
    ideal: F64,
    sc: F64,
    delta_sc: F64,
    d_ideal: F64,
    d_anti: F64,
) -> None:
    """Single weight vector: write D⁺ and D⁻ for rows ``lo:hi``.

    ``sc`` is ``c = w/s``; ``delta_sc`` is ``(anti − ideal)·c``.  Works on the block
    transposed (M × rows) so every elementwise loop runs along contiguous memory.
    """
    m = x.shape[1]
    u = np.empty((m, BLOCK_ROWS))
    v = np.empty((m, BLOCK_ROWS))
    ideal_c = ideal[:, None]
    sc_c = sc[:, None]
    dsc_c = delta_sc[:, None]
    for b in range(lo, hi, BLOCK_ROWS):
        e = min(hi, b + BLOCK_ROWS)
        k = e - b
        uu = u[:, :k]
        vv = v[:, :k]
        np.subtract(x[b:e].T, ideal_c, out=uu)  # x − x⁺ (casts float32 to float64)
        uu *= sc_c  # c (x − x⁺)
        np.subtract(uu, dsc_c, out=vv)  # c (x − x⁻)
        uu *= uu
        vv *= vv
        np.sum(uu, axis=0, out=d_ideal[b:e])
        np.sum(vv, axis=0, out=d_anti[b:e])
        np.sqrt(d_ideal[b:e], out=d_ideal[b:e])
        np.sqrt(d_anti[b:e], out=d_anti[b:e])


def distances(
    x: NDArray[np.floating],
    ideal: F64,
    anti: F64,
    coef: F64,
    *,
    threads: int | None = None,
) -> tuple[F64, F64]:
    """Distances to the ideal and anti-ideal points for one weight vector.

    Parameters
    ----------
    x : (N, M) float array, raw values.
    ideal, anti : (M,) raw ideal and anti-ideal points.
    coef : (M,) ``w_j / s_j`` (0 for a criterion that cannot separate candidates).
    """
    n = x.shape[0]
    d_ideal = np.empty(n)
    d_anti = np.empty(n)
    delta_sc = (anti - ideal) * coef
    parts = _n_threads(n, threads)
    if parts == 1:
        _distances_range(x, 0, n, ideal, coef, delta_sc, d_ideal, d_anti)
    else:
        chunks = _row_chunks(n, parts)
        list(
            _pool().map(
                lambda c: _distances_range(
                    x, c[0], c[1], ideal, coef, delta_sc, d_ideal, d_anti
                ),
                chunks,
            )
        )
    return d_ideal, d_anti


def distances_batch(
    x: NDArray[np.floating],
    ideal: F64,
    anti: F64,
    coef: F64,
) -> tuple[F64, F64]:
    """Distances for K weight vectors at once: ``coef`` is (K, M); returns two (K, N).

    ``D⁺² = ((X − x⁺)/s)² @ (w²)ᵀ`` — one GEMM per row block, no loop over K.  The
    GEMM is threaded by the BLAS library.
    """
    n, m = x.shape
    k = coef.shape[0]
    d_ideal = np.empty((k, n))
    d_anti = np.empty((k, n))
    c2 = coef * coef  # (K, M)
    u = np.empty((m, BLOCK_ROWS))
    v = np.empty((m, BLOCK_ROWS))
    ideal_c = ideal[:, None]
    delta_c = (anti - ideal)[:, None]
    for b in range(0, n, BLOCK_ROWS):
        e = min(n, b + BLOCK_ROWS)
        r = e - b
        uu = u[:, :r]
        vv = v[:, :r]
        np.subtract(x[b:e].T, ideal_c, out=uu)
        np.subtract(uu, delta_c, out=vv)
        uu *= uu
        vv *= vv
        np.matmul(c2, uu, out=d_ideal[:, b:e])
        np.matmul(c2, vv, out=d_anti[:, b:e])
    # Rounding in the product can leave -0.0 or a tiny negative for exact zeros.
    np.maximum(d_ideal, 0.0, out=d_ideal)
    np.maximum(d_anti, 0.0, out=d_anti)
    np.sqrt(d_ideal, out=d_ideal)
    np.sqrt(d_anti, out=d_anti)
    return d_ideal, d_anti


def closeness(d_ideal: F64, d_anti: F64) -> F64:
    """Relative closeness ``D⁻ / (D⁺ + D⁻)``; 0.5 where both distances are zero.

    Both distances are zero only when the ideal and anti-ideal points coincide on every
    weighted criterion: nothing separates the candidates, so all tie at 0.5.
    """
    denom = d_ideal + d_anti
    out = np.full_like(denom, 0.5)
    np.divide(d_anti, denom, out=out, where=denom > 0)
    return out
