"""Pure numpy kernels: arrays in, arrays out; no input validation, no pandas.

Input is validated before it gets here; only the scores are checked, once, cheaply: a
non-finite result is an error, never a silent NaN.

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

import numpy as np
from numpy.typing import NDArray

from .._validate import check_finite_result
from . import _jit
from .pool import (
    BLOCK_ROWS,
    PARALLEL_MIN_ROWS,
    blas_single_threaded,
    n_threads,
    over_chunks,
    over_rows,
)
from .stats import ColumnStats, merge_stats

F64 = NDArray[np.float64]

#: Width multiplier for the "wide view" reductions (long inner loops).
_WIDE = 64
#: From this many cells (rows × criteria, 80 MB of float64) on, the compiled kernels run
#: when numba is installed (``citymatch[fast]``).  Below it the numpy kernels take under
#: ~50 ms and the one-off cost of loading numba (~0.4 s per process) would not pay back.
JIT_MIN_CELLS = 10_000_000
#: The same for one chunk of a streamed (Parquet) job, which has many chunks.
JIT_MIN_CHUNK_CELLS = 1_000_000
#: From this many scores (K × N) on, a batch is split over the pool.
BATCH_PARALLEL_CELLS = 1 << 20


def block_rows(m: int) -> int:
    """Rows per block for M criteria: the transposed M × rows buffers stay near 640 KB (L2)."""
    rows = min(BLOCK_ROWS, max(1024, 81920 // max(m, 1)))
    return rows - rows % _WIDE


def use_jit(x: NDArray[np.floating]) -> bool:
    """Whether an in-memory matrix is large enough for the compiled kernels (and they load)."""
    return x.size >= JIT_MIN_CELLS and _jit.layout(x) is not None


def _use_jit_chunk(xt: NDArray[np.floating]) -> bool:
    """Streamed chunks (M × rows): a streaming job repays numba's load on its first chunk."""
    return xt.size >= JIT_MIN_CHUNK_CELLS and _jit.layout(xt.T) is not None


def _jit_stats(x: NDArray[np.floating], parts: int) -> ColumnStats | None:
    """Max/min/Σx²/Σx from the compiled kernel, or None when a Σx is not finite.

    The compiled max/min skip NaN, so any non-finite column sum (NaN, ±inf, overflow) sends
    the caller back to the numpy reductions, which propagate NaN and inf as documented.
    """
    res = over_rows(x.shape[0], parts, lambda lo, hi: _jit.stats(x, lo, hi))
    st = merge_stats([ColumnStats(r[0], r[1], r[2], r[3]) for r in res])
    assert st.sum is not None
    if not np.isfinite(st.sum).all():
        return None
    return st


def _jit_extremes(x: NDArray[np.floating], parts: int) -> ColumnStats | None:
    """Max/min/Σx (no Σx²) from the compiled max/min pass, or None when a Σx is not finite.

    Its max/min skip NaN, so a non-finite Σx (NaN, ±inf, overflow) sends the caller back
    to the NaN-aware reductions; its Σx has the bits of :func:`_jit_stats`'s.
    """
    res = over_rows(x.shape[0], parts, lambda lo, hi: _jit.extremes(x, lo, hi))
    st = merge_stats([ColumnStats(r[0], r[1], None, r[2]) for r in res])
    assert st.sum is not None
    if not np.isfinite(st.sum).all():
        return None
    return st


def _asked(st: ColumnStats, sumsq: bool, total: bool) -> ColumnStats:
    """Drop the sums the caller did not ask for (so merged parts agree on their fields)."""
    return ColumnStats(st.max, st.min, st.sumsq if sumsq else None, st.sum if total else None)


def _stats_range(
    x: NDArray[np.floating], lo: int, hi: int, sumsq: bool, total: bool
) -> tuple[F64, F64, F64 | None, F64 | None]:
    m = x.shape[1]
    mx = np.full(m, -np.inf)
    mn = np.full(m, np.inf)
    ss = np.zeros(m) if sumsq else None
    sm = np.zeros(m) if total else None
    step = block_rows(m)
    with np.errstate(over="ignore", under="ignore"):  # overflow → inf, checked by the caller
        _stats_blocks(x, lo, hi, step, mx, mn, ss, sm)
    return mx, mn, ss, sm


def _stats_blocks(
    x: NDArray[np.floating],
    lo: int,
    hi: int,
    step: int,
    mx: F64,
    mn: F64,
    ss: F64 | None,
    sm: F64 | None,
) -> None:
    """Accumulate the statistics of rows ``lo:hi`` into ``mx``, ``mn``, ``ss``, ``sm``."""
    m = x.shape[1]
    for b in range(lo, hi, step):
        blk = x[b : min(hi, b + step)]
        if blk.dtype != np.float64:
            blk = blk.astype(np.float64)
        rows = blk.shape[0]
        cut = rows - rows % _WIDE if blk.flags.c_contiguous else 0
        parts = []
        if cut:
            # Wide view: reduce along long contiguous rows, then fold the _WIDE copies.
            parts.append((blk[:cut].reshape(cut // _WIDE, _WIDE * m), True))
        if cut < rows:
            parts.append((blk[cut:], False))
        for part, wide in parts:
            shape = (_WIDE, m) if wide else (1, m)

            def fold(r: F64, shape: tuple[int, int] = shape) -> F64:
                return r.reshape(shape)

            np.maximum(mx, fold(part.max(axis=0)).max(axis=0), out=mx)  # NaN propagates
            np.minimum(mn, fold(part.min(axis=0)).min(axis=0), out=mn)
            if ss is not None:
                ss += fold(np.einsum("ij,ij->j", part, part)).sum(axis=0)
            if sm is not None:
                sm += fold(part.sum(axis=0)).sum(axis=0)


def column_stats(
    x: NDArray[np.floating],
    *,
    sumsq: bool = False,
    total: bool = False,
    threads: int | None = None,
    jit: bool | None = None,
) -> ColumnStats:
    """Column max, min and (optionally) sum of squares and sum, in one pass.

    NaN anywhere in a column makes that column's max and min NaN; ±inf shows as an
    infinite max or min.  The caller checks the statistics instead of the matrix.
    ``jit``: use the compiled kernels (if installed); default from :data:`JIT_MIN_CELLS` on.
    """
    n = x.shape[0]
    parts = n_threads(n, threads)
    if use_jit(x) if jit is None else jit and _jit.layout(x) is not None:
        lean = not sumsq and _jit.layout(x) == "C"  # no Σx²: the lighter max/min pass
        st = _jit_extremes(x, parts) if lean else _jit_stats(x, parts)
        if st is not None:
            return _asked(st, sumsq, total)
    res = over_rows(n, parts, lambda lo, hi: _stats_range(x, lo, hi, sumsq, total))
    return merge_stats([ColumnStats(*r) for r in res])


def small_distances(xt: F64, ideal: F64, anti: F64, coef: F64) -> tuple[F64, F64]:
    """Distances for one weight vector from the transposed copy ``xt`` (M × N)."""
    u = xt - ideal[:, None]
    u *= coef[:, None]
    v = u - ((anti - ideal) * coef)[:, None]
    u *= u
    v *= v
    d_ideal = u.sum(axis=0)
    d_anti = v.sum(axis=0)
    np.sqrt(d_ideal, out=d_ideal)
    np.sqrt(d_anti, out=d_anti)
    return d_ideal, d_anti


def _distances_range(
    x: NDArray[np.floating],
    lo: int,
    hi: int,
    ideal: F64,
    sc: F64,
    delta_sc: F64,
    d_ideal: F64,
    d_anti: F64,
    scores: F64,
) -> None:
    """Single weight vector: write D⁺, D⁻ and the closeness for rows ``lo:hi``.

    ``sc`` is ``c = w/s``; ``delta_sc`` is ``(anti − ideal)·c``.  Works on the transposed
    view (M × rows), so every elementwise loop after the first runs along contiguous memory.
    """
    _distances_t_range(x.T, lo, hi, ideal, sc, delta_sc, d_ideal, d_anti, scores)


def distances(
    x: NDArray[np.floating],
    ideal: F64,
    anti: F64,
    coef: F64,
    *,
    threads: int | None = None,
    jit: bool | None = None,
) -> tuple[F64, F64, F64]:
    """Distances to the ideal and anti-ideal points, and the closeness, for one weight vector.

    Parameters
    ----------
    x : (N, M) float array, raw values.
    ideal, anti : (M,) raw ideal and anti-ideal points.
    coef : (M,) ``w_j / s_j`` (0 for a criterion that cannot separate candidates).
    jit : bool, optional
        Use the compiled kernels (if installed); default: from :data:`JIT_MIN_CELLS` on.
    """
    n = x.shape[0]
    d_ideal = np.empty(n)
    d_anti = np.empty(n)
    scores = np.empty(n)
    delta_sc = (anti - ideal) * coef
    parts = n_threads(n, threads)
    if jit is None:
        jit = use_jit(x)
    rng = _jit.distances if jit and _jit.layout(x) is not None else _distances_range
    over_rows(
        n, parts, lambda lo, hi: rng(x, lo, hi, ideal, coef, delta_sc, d_ideal, d_anti, scores)
    )
    check_finite_result(scores, what="TOPSIS scores")  # every path through here: one cheap pass
    return d_ideal, d_anti, scores


def scores_only(
    x: NDArray[np.floating],
    ideal: F64,
    anti: F64,
    coef: F64,
    *,
    threads: int | None = None,
) -> F64:
    """Closeness for one weight vector with the compiled kernel, writing only the scores.

    The distances stay in registers; :func:`distances` recomputes them when asked for.
    """
    n = x.shape[0]
    scores = np.empty(n)
    delta_sc = (anti - ideal) * coef
    over_rows(
        n,
        n_threads(n, threads),
        lambda lo, hi: _jit.distances(x, lo, hi, ideal, coef, delta_sc, None, None, scores),
    )
    return scores


def scores_batch(
    x: NDArray[np.floating],
    ideal: F64,
    anti: F64,
    coef: F64,
    *,
    block: int = 128,
) -> F64:
    """Closeness for K weight vectors at once: ``coef`` is (K, M); returns (K, N).

    ``D⁺² = c² @ ((X − x⁺)²)ᵀ`` per block of ``block`` candidates: one small GEMM each for
    D⁺ and D⁻, then the square roots and the ratio while the (K × block) tiles are still in
    cache, so the only full-size array written is the score matrix itself.  From
    :data:`BATCH_PARALLEL_CELLS` scores on, the candidate blocks are split over the pool,
    each thread with single-threaded BLAS (one level of parallelism); every score is
    computed by the same operations either way, so the result does not depend on threads.
    """
    n = x.shape[0]
    k = coef.shape[0]
    out = np.empty((k, n))
    c2 = coef * coef
    parts = n_threads(PARALLEL_MIN_ROWS, None) if k * n >= BATCH_PARALLEL_CELLS else 1
    chunks = _aligned_chunks(n, parts, block)
    with blas_single_threaded():  # many small GEMMs: BLAS threads only add synchronisation
        over_chunks(
            chunks, lambda lo, hi: _scores_batch_range(x, lo, hi, ideal, anti, c2, out, block)
        )
    return out


def _aligned_chunks(n: int, parts: int, block: int) -> list[tuple[int, int]]:
    """``parts`` contiguous row ranges whose starts are multiples of ``block``."""
    blocks = -(-n // block)
    per = -(-blocks // max(parts, 1))
    return [(lo, min(n, lo + per * block)) for lo in range(0, n, per * block)]


def _scores_batch_range(
    x: NDArray[np.floating],
    lo: int,
    hi: int,
    ideal: F64,
    anti: F64,
    c2: F64,
    out: F64,
    block: int,
) -> None:
    m = x.shape[1]
    k = c2.shape[0]
    width = min(block, hi - lo)
    p = np.empty((k, width))
    q = np.empty((k, width))
    u = np.empty((m, width))
    v = np.empty((m, width))
    ideal_c = ideal[:, None]
    delta_c = (anti - ideal)[:, None]
    for b in range(lo, hi, block):
        e = min(hi, b + block)
        r = e - b
        uu, vv, pp, qq = u[:, :r], v[:, :r], p[:, :r], q[:, :r]
        np.subtract(x[b:e].T, ideal_c, out=uu)
        np.subtract(uu, delta_c, out=vv)
        uu *= uu
        vv *= vv
        np.matmul(c2, uu, out=pp)
        np.matmul(c2, vv, out=qq)
        # Sums of non-negative products are never negative: no clipping needed.
        np.sqrt(pp, out=pp)
        np.sqrt(qq, out=qq)
        closeness(pp, qq, out=out[:, b:e], work=pp)


def distances_batch(
    x: NDArray[np.floating],
    ideal: F64,
    anti: F64,
    coef: F64,
) -> tuple[F64, F64]:
    """Distances for K weight vectors at once: ``coef`` is (K, M); returns two (K, N)."""
    n, m = x.shape
    k = coef.shape[0]
    d_ideal = np.empty((k, n))
    d_anti = np.empty((k, n))
    c2 = coef * coef  # (K, M)
    step = block_rows(m)
    u = np.empty((m, min(step, n)))
    v = np.empty((m, min(step, n)))
    ideal_c = ideal[:, None]
    delta_c = (anti - ideal)[:, None]
    for b in range(0, n, step):
        e = min(n, b + step)
        r = e - b
        uu = u[:, :r]
        vv = v[:, :r]
        np.subtract(x[b:e].T, ideal_c, out=uu)
        np.subtract(uu, delta_c, out=vv)
        uu *= uu
        vv *= vv
        np.matmul(c2, uu, out=d_ideal[:, b:e])
        np.matmul(c2, vv, out=d_anti[:, b:e])
    np.sqrt(d_ideal, out=d_ideal)  # sums of non-negative products: never negative
    np.sqrt(d_anti, out=d_anti)
    return d_ideal, d_anti


def closeness(d_ideal: F64, d_anti: F64, out: F64 | None = None, work: F64 | None = None) -> F64:
    """Relative closeness ``D⁻ / (D⁺ + D⁻)``; 0.5 where both distances are zero.

    The one implementation of TOPSIS's score and its tie rule for every numpy path (in
    memory, batched, streamed, Dask, sensitivity); the compiled twin is
    :func:`._jit.closeness1`, held equal by the tests.  Both distances are zero only when
    the ideal and anti-ideal points coincide on every weighted criterion: nothing separates
    the candidates, so all tie at 0.5.  Works on any matching shapes; ``out`` may be given
    to write in place, ``work`` (same shape) to hold the denominator without allocating.
    """
    denom = np.add(d_ideal, d_anti, out=work)
    if out is None:
        out = np.empty_like(denom)
    with np.errstate(invalid="ignore", divide="ignore"):
        np.divide(d_anti, denom, out=out)  # an unmasked divide: the fast path
    tie = denom == 0  # distances are never negative: 0 only when both are 0
    if tie.any():
        out[tie] = 0.5
    return out


def _distances_t_range(
    xt: NDArray[np.floating],
    lo: int,
    hi: int,
    ideal: F64,
    coef: F64,
    delta_sc: F64,
    d_ideal: F64,
    d_anti: F64,
    scores: F64,
) -> None:
    """Like :func:`_distances_range` for column-major data (M × N): no transposition needed."""
    m = xt.shape[0]
    step = block_rows(m)
    u = np.empty((m, min(step, hi - lo)))
    v = np.empty_like(u)
    ideal_c, sc_c, dsc_c = ideal[:, None], coef[:, None], delta_sc[:, None]
    with np.errstate(over="ignore", invalid="ignore"):  # non-finite scores: checked after
        _distances_t_blocks(xt, lo, hi, step, u, v, ideal_c, sc_c, dsc_c, d_ideal, d_anti, scores)


def _distances_t_blocks(
    xt: NDArray[np.floating],
    lo: int,
    hi: int,
    step: int,
    u: F64,
    v: F64,
    ideal_c: F64,
    sc_c: F64,
    dsc_c: F64,
    d_ideal: F64,
    d_anti: F64,
    scores: F64,
) -> None:
    """The block loop of :func:`_distances_t_range` (buffers ``u``, ``v`` preallocated)."""
    for b in range(lo, hi, step):
        e = min(hi, b + step)
        uu, vv = u[:, : e - b], v[:, : e - b]
        np.subtract(xt[:, b:e], ideal_c, out=uu)
        uu *= sc_c
        np.subtract(uu, dsc_c, out=vv)
        uu *= uu
        vv *= vv
        np.sum(uu, axis=0, out=d_ideal[b:e])
        np.sum(vv, axis=0, out=d_anti[b:e])
        np.sqrt(d_ideal[b:e], out=d_ideal[b:e])
        np.sqrt(d_anti[b:e], out=d_anti[b:e])
        closeness(d_ideal[b:e], d_anti[b:e], out=scores[b:e])


def chunk_distances(
    x: NDArray[np.floating], ideal: F64, anti: F64, coef: F64, *, threads: int | None = None
) -> tuple[F64, F64, F64]:
    """:func:`distances` for one streamed chunk (rows × M, either memory layout).

    A streaming job repays numba's load on its first chunk, so the compiled kernels start
    at :data:`JIT_MIN_CHUNK_CELLS`; ``x`` may be the transposed view of column-major data.
    """
    jit = x.size >= JIT_MIN_CHUNK_CELLS and _jit.layout(x) is not None
    return distances(x, ideal, anti, coef, threads=threads, jit=jit)


def column_stats_columns(
    xt: NDArray[np.floating], *, sumsq: bool = False, total: bool = False
) -> ColumnStats:
    """Column statistics of column-major data (M × N), reduced in float64 per column."""
    if _use_jit_chunk(xt):
        st = _jit_stats(xt.T, n_threads(xt.shape[1], None))
        if st is not None:  # else NaN / inf / overflow: numpy's semantics below
            return _asked(st, sumsq, total)
    with np.errstate(over="ignore", under="ignore"):  # overflow → inf, checked by the caller
        return _column_stats_t(xt, sumsq, total)


def _column_stats_t(xt: NDArray[np.floating], sumsq: bool, total: bool) -> ColumnStats:
    if xt.dtype == np.float64:  # whole rows at once
        return ColumnStats(
            xt.max(axis=1),
            xt.min(axis=1),
            np.einsum("ij,ij->i", xt, xt) if sumsq else None,
            xt.sum(axis=1) if total else None,
        )
    mx = np.empty(xt.shape[0])
    mn = np.empty(xt.shape[0])
    ss = np.empty(xt.shape[0]) if sumsq else None
    sm = np.empty(xt.shape[0]) if total else None
    for j, col in enumerate(xt):  # float32: one column at a time in float64
        c64 = col.astype(np.float64)
        mx[j] = c64.max()
        mn[j] = c64.min()
        if ss is not None:
            ss[j] = np.dot(c64, c64)
        if sm is not None:
            sm[j] = c64.sum()
    return ColumnStats(mx, mn, ss, sm)
