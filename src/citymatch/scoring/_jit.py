"""Optional compiled kernels for the large-matrix passes (numba).

TOPSIS's two passes, and the row sums and row maxima of the other linear-time methods
(:mod:`.rowpass`).

Installed with ``pip install "citymatch[fast]"``.  Without numba, or with the environment
variable ``CITYMATCH_JIT=0``, citymatch runs the pure-numpy kernels in :mod:`._kernels`
instead; both compute the same quantities in the same raw-unit formulation.

Why compiled code
-----------------
The numpy kernels stream each row block through several elementwise ufuncs, each of which
re-reads the block; at 10 criteria that costs 3–5 memory reads of the matrix per pass.  The
kernels here read each value once per pass and keep everything else in registers or L1, so a
pass costs about one read of the matrix.  They are compiled with ``nogil=True`` and run on
the same thread pool and row chunks as the numpy kernels (never numba's own threading
layer), so they are safe to call from many threads at once (a web server, Dask workers).

Vectorisation without fast-math
-------------------------------
Row-major data is read as a flat run of ``W`` rows × ``M`` columns; the elementwise work on
that run has no loop-carried dependence, so the compiler vectorises it while every
per-row sum is still added in column order ``j = 0, 1, …, M−1``, exactly as the numpy
kernel adds it.  Column sums for pass 1 use ``W`` independent partial sums per column,
flushed into the running total every ``W × FLUSH`` rows (blocked summation: the rounding
error grows with the block count, not with N).

In a loop meant to vectorise, index a slice from 0 (``b1 = blk[sl : 2 * sl]; b1[k]``), not a
run-time offset (``blk[k + sl]``): numba's wraparound of a possibly negative index hides that
the lanes are consecutive, and LLVM loads them with a gather (about 2.5× slower).

Semantics the caller relies on
------------------------------
* ``stats`` returns max, min, Σx² and Σx per column.  NaN does not propagate through the
  max/min selects, so the caller must treat a non-finite Σx as "recompute with numpy" (which
  also covers ±inf and overflow); see :func:`._kernels.column_stats`.
* ``distances`` writes ``D⁺``, ``D⁻`` and the closeness for rows ``lo:hi``; a row equal to
  the ideal point gets ``D⁺ = 0`` exactly (``(x − x⁺)·c`` is exactly 0 there).
"""

from __future__ import annotations

import os
import threading
from importlib.util import find_spec
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _jitpass, _jitrank, _jitrows
from ._jitrank import closeness1

#: Rows per vectorised run for row-major data.
_W = _jitrows.W
#: Rows per run of the chained-sum kernels (range check, split sums).
_V = _jitpass.V
#: Runs between flushes of the partial column sums into the running totals.
_FLUSH = _jitrows.FLUSH
#: Rows per tile for column-major data.
_TILE = 512
#: An empty float64 vector: "no such output" to a kernel that takes optional arrays.
_NONE = np.empty(0)


def _enabled() -> bool:
    flag = os.environ.get("CITYMATCH_JIT", "1").strip().lower()
    return flag not in {"0", "false", "no", "off"} and find_spec("numba") is not None


#: True when the compiled kernels are in use (numba installed and not switched off).
#: numba itself is imported on the first large problem, never at ``import citymatch``.
AVAILABLE: bool = _enabled()

_COMPILED: dict[str, Any] = {}
_LOCK = threading.Lock()


def _kernel(name: str) -> Any:
    """The compiled kernel ``name`` (compiled, or loaded from numba's cache, on first use)."""
    fn = _COMPILED.get(name)
    if fn is None:
        with _LOCK:
            if not _COMPILED:
                import numba

                # The distance kernels call closeness1: compile it first and let them see the
                # compiled version (numba resolves a kernel's globals when it compiles it).
                globals()["closeness1"] = _jit_compile(numba, closeness1)
                # The rank-counting kernels call their helpers: the same, in their module.
                _jitrank.closeness1 = globals()["closeness1"]
                for helper in (
                    "insert_top", "select_top", "head_tied", "score_row", "closeness32",
                    "score_row32", "score_one", "filter_ok", "group_maxima", "count_at_least",
                    "short_top",
                ):  # fmt: skip
                    setattr(_jitrank, helper, _jit_compile(numba, getattr(_jitrank, helper)))
                # The row kernels' logarithm and exponential, with contraction to fused
                # multiply-adds (fewer roundings, half the instructions; no other fast-math).
                _jitrows.log_run = _jit_compile(numba, _jitrows.log_run, fastmath={"contract"})
                _jitrows.exp_run = _jit_compile(numba, _jitrows.exp_run, fastmath={"contract"})
                _jitrows.prefetch = _jitpass.prefetch = _prefetch(numba)  # each module's binding
                # the row kernels' exact helpers (no fast-math), after the prefetch they call
                rows_helpers = ("row_sums", "row_maxima", "fold_one", "fold_extremes", "prefetch_run")  # fmt: skip
                for helper in rows_helpers:
                    setattr(_jitrows, helper, _jit_compile(numba, getattr(_jitrows, helper)))
                for key, py in _PY.items():
                    _COMPILED[key] = _jit_compile(numba, py)
            fn = _COMPILED[name]
    return fn


def _prefetch(numba: Any) -> Any:
    """``prefetch(a, i)``: the ``llvm.prefetch`` intrinsic on ``&a[i]`` (read, keep in cache).

    A hint that never faults; where it cannot be built or compiled, a compiled no-op.
    """
    noop = _jitrows.prefetch
    try:
        _jitrows.prefetch = _prefetch_intrinsic()
        _jit_compile(numba, _jitrows.prefetch_probe_py)(np.zeros(1))
        return _jitrows.prefetch
    except Exception:  # pragma: no cover - a numba or LLVM without this intrinsic
        return _jit_compile(numba, noop)


def _prefetch_intrinsic(locality: int = 3) -> Any:
    """The intrinsic itself (numba's extension API); LLVM's ``locality`` hint, 0–3.

    3 (the kernels') keeps the line in every cache level, 2 (``floor_copras.py``'s) in the outer ones.
    """
    from llvmlite import ir
    from numba.core import types
    from numba.extending import intrinsic

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        data = context.make_array(sig.args[0])(context, builder, args[0]).data
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        name = "llvm.prefetch.p0i8"
        module: Any = builder.module
        fn = module.globals.get(name) or ir.Function(module, fnty, name)
        ptr = builder.bitcast(builder.gep(data, [args[1]]), i8p)
        builder.call(fn, [ptr, i32(0), i32(locality), i32(1)])
        return context.get_dummy_value()

    def typer(typingctx: Any, arr: Any, idx: Any) -> Any:
        return types.void(arr, idx), codegen

    return intrinsic(typer)


def _jit_compile(numba: Any, py: Any, **options: Any) -> Any:
    """``numba.njit`` with the on-disk cache, or without it when no cache folder is writable.

    numba refuses ``cache=True`` where it finds nowhere to write (e.g. a read-only install).
    """
    try:
        return numba.njit(nogil=True, cache=True, error_model="numpy", **options)(py)
    except RuntimeError as exc:
        if "cannot cache" not in str(exc):
            raise
        return numba.njit(nogil=True, cache=False, error_model="numpy", **options)(py)


def _stats_rows_py(flat: Any, m: int, lo: int, hi: int, out: Any) -> None:  # pragma: no cover
    wm = _W * m
    amx = np.full(wm, -np.inf)
    amn = np.full(wm, np.inf)
    ass = np.zeros(wm)
    asm = np.zeros(wm)
    bss = np.zeros(wm)
    bsm = np.zeros(wm)
    runs = (hi - lo) // _W
    for r in range(runs):
        base = (lo + r * _W) * m
        blk = flat[base : base + wm]  # a 1-D run: the loops below vectorise
        for k in range(wm):
            v = np.float64(blk[k])
            amx[k] = np.fmax(amx[k], v)  # a blend, not a masked store (slow on AMD)
            amn[k] = np.fmin(amn[k], v)
            bss[k] += v * v
            bsm[k] += v
        if r % _FLUSH == _FLUSH - 1:
            for k in range(wm):
                ass[k] += bss[k]
                asm[k] += bsm[k]
                bss[k] = 0.0
                bsm[k] = 0.0
    for k in range(wm):
        ass[k] += bss[k]
        asm[k] += bsm[k]
    for i in range(lo + runs * _W, hi):  # tail rows go to the first run's slots
        for j in range(m):
            v = np.float64(flat[i * m + j])
            amx[j] = v if v > amx[j] else amx[j]
            amn[j] = v if v < amn[j] else amn[j]
            ass[j] += v * v
            asm[j] += v
    for j in range(m):
        mx = -np.inf
        mn = np.inf
        ss = 0.0
        sm = 0.0
        for w in range(_W):
            k = w * m + j
            mx = amx[k] if amx[k] > mx else mx
            mn = amn[k] if amn[k] < mn else mn
            ss += ass[k]
            sm += asm[k]
        out[0, j] = mx
        out[1, j] = mn
        out[2, j] = ss
        out[3, j] = sm


def _stats_cols_py(xt: Any, lo: int, hi: int, out: Any) -> None:  # pragma: no cover
    m = xt.shape[0]
    span = _W * 8
    amx = np.empty(span)
    amn = np.empty(span)
    ass = np.empty(span)
    asm = np.empty(span)
    bss = np.empty(span)
    bsm = np.empty(span)
    for j in range(m):
        col = xt[j]
        amx[:] = -np.inf
        amn[:] = np.inf
        ass[:] = 0.0
        asm[:] = 0.0
        bss[:] = 0.0
        bsm[:] = 0.0
        runs = (hi - lo) // span
        for r in range(runs):
            base = lo + r * span
            for k in range(span):
                v = np.float64(col[base + k])
                amx[k] = np.fmax(amx[k], v)  # a blend, not a masked store (slow on AMD)
                amn[k] = np.fmin(amn[k], v)
                bss[k] += v * v
                bsm[k] += v
            if r % _FLUSH == _FLUSH - 1:
                for k in range(span):
                    ass[k] += bss[k]
                    asm[k] += bsm[k]
                    bss[k] = 0.0
                    bsm[k] = 0.0
        for k in range(span):
            ass[k] += bss[k]
            asm[k] += bsm[k]
        for i in range(lo + runs * span, hi):
            v = np.float64(col[i])
            amx[0] = v if v > amx[0] else amx[0]
            amn[0] = v if v < amn[0] else amn[0]
            ass[0] += v * v
            asm[0] += v
        mx = -np.inf
        mn = np.inf
        ss = 0.0
        sm = 0.0
        for k in range(span):
            mx = amx[k] if amx[k] > mx else mx
            mn = amn[k] if amn[k] < mn else mn
            ss += ass[k]
            sm += asm[k]
        out[0, j] = mx
        out[1, j] = mn
        out[2, j] = ss
        out[3, j] = sm


def _dist_rows_py(
    flat: Any,
    m: int,
    lo: int,
    hi: int,
    ideal: Any,
    coef: Any,
    dsc: Any,
    dp: Any,
    dm: Any,
    sc: Any,
    keep: bool,
) -> None:  # pragma: no cover
    wm = _W * m
    a = np.empty(wm)
    c = np.empty(wm)
    d = np.empty(wm)
    for w in range(_W):
        for j in range(m):
            a[w * m + j] = ideal[j]
            c[w * m + j] = coef[j]
            d[w * m + j] = dsc[j]
    tp = np.empty(wm)
    tq = np.empty(wm)
    runs = (hi - lo) // _W
    for r in range(runs + 1):
        row0 = lo + r * _W
        rows = _W if r < runs else hi - row0
        base = row0 * m
        blk = flat[base : base + rows * m]  # a 1-D run: the loops below vectorise
        for k in range(rows * m):
            u = (np.float64(blk[k]) - a[k]) * c[k]
            v = u - d[k]
            tp[k] = u * u
            tq[k] = v * v
        for w in range(rows):
            p = 0.0
            q = 0.0
            o = w * m
            for j in range(m):
                p += tp[o + j]
                q += tq[o + j]
            p = np.sqrt(p)
            q = np.sqrt(q)
            if keep:
                dp[row0 + w] = p
                dm[row0 + w] = q
            sc[row0 + w] = closeness1(p, q)


def _dist_cols_py(
    xt: Any,
    lo: int,
    hi: int,
    ideal: Any,
    coef: Any,
    dsc: Any,
    dp: Any,
    dm: Any,
    sc: Any,
    keep: bool,
) -> None:  # pragma: no cover
    m = xt.shape[0]
    pp = np.empty(_TILE)
    qq = np.empty(_TILE)
    for s in range(lo, hi, _TILE):
        rows = min(hi, s + _TILE) - s
        for i in range(rows):
            pp[i] = 0.0
            qq[i] = 0.0
        for j in range(m):
            col = xt[j]
            aj = ideal[j]
            cj = coef[j]
            dj = dsc[j]
            for i in range(rows):
                u = (np.float64(col[s + i]) - aj) * cj
                v = u - dj
                pp[i] += u * u
                qq[i] += v * v
        for i in range(rows):
            p = np.sqrt(pp[i])
            q = np.sqrt(qq[i])
            if keep:
                dp[s + i] = p
                dm[s + i] = q
            sc[s + i] = closeness1(p, q)


_PY = {
    "stats_rows": _stats_rows_py,
    "stats_cols": _stats_cols_py,
    "dist_rows": _dist_rows_py,
    "dist_cols": _dist_cols_py,
    "extremes": _jitpass.extremes_py,
    "affine_rows": _jitrows.affine_rows_py,
    "within_rows": _jitpass.within_rows_py,
    "split_rows": _jitpass.split_rows_py,
    "copras_q": _jitpass.copras_q_py,
    "log_rows": _jitrows.log_rows_py,
    "log_cols": _jitrows.log_cols_py,
    "vikor_q": _jitrows.vikor_q_py,
    "top_rows": _jitrank.top_rows_py,
    "topsis_top": _jitrank.topsis_top_py,
    "topsis_rows": _jitrank.topsis_rows_py,
}


def layout(x: NDArray[Any]) -> str | None:
    """``"C"`` or ``"F"`` when the compiled kernels can read ``x`` directly, else None."""
    if not AVAILABLE or x.dtype not in (np.float64, np.float32) or x.ndim != 2:
        return None
    if x.flags.c_contiguous:
        return "C"
    if x.flags.f_contiguous:
        return "F"
    return None


def stats(x: NDArray[Any], lo: int, hi: int) -> NDArray[np.float64]:
    """Max, min, Σx², Σx of each column over rows ``lo:hi`` as a (4, M) array."""
    out = np.empty((4, x.shape[1]))
    if x.flags.c_contiguous:
        _kernel("stats_rows")(x.reshape(-1), x.shape[1], lo, hi, out)
    else:
        _kernel("stats_cols")(x.T, lo, hi, out)
    return out


def distances(
    x: NDArray[Any],
    lo: int,
    hi: int,
    ideal: NDArray[np.float64],
    coef: NDArray[np.float64],
    delta_sc: NDArray[np.float64],
    d_ideal: NDArray[np.float64] | None,
    d_anti: NDArray[np.float64] | None,
    scores: NDArray[np.float64],
) -> None:
    """Write ``D⁺``, ``D⁻`` and the closeness for rows ``lo:hi`` (same contract as numpy's).

    With ``d_ideal`` and ``d_anti`` None only the closeness is written (the distances stay in
    registers): one full-size output instead of three.
    """
    keep = d_ideal is not None and d_anti is not None
    dp = d_ideal if d_ideal is not None else _NOWHERE
    dm = d_anti if d_anti is not None else _NOWHERE
    if x.flags.c_contiguous:
        _kernel("dist_rows")(
            x.reshape(-1), x.shape[1], lo, hi, ideal, coef, delta_sc, dp, dm, scores, keep
        )
    else:
        _kernel("dist_cols")(x.T, lo, hi, ideal, coef, delta_sc, dp, dm, scores, keep)


_NOWHERE = np.empty(1)


def _tiled(a: NDArray[np.float64], rows: int = _W) -> NDArray[np.float64]:
    """Coefficients (…, M) repeated over the ``rows`` rows of a run: (…, rows·M), C-contiguous."""
    return np.ascontiguousarray(np.tile(np.asarray(a, dtype=np.float64), rows))


def extremes(x: NDArray[Any], lo: int, hi: int) -> NDArray[np.float64]:
    """Max, min and Σx of each column over rows ``lo:hi`` of C-contiguous ``x`` as (3, M).

    Max and min skip NaN: a non-finite Σx means "recompute with NaN-aware reductions".
    """
    out = np.empty((3, x.shape[1]))
    _kernel("extremes")(x.reshape(-1), x.shape[1], lo, hi, out)
    return out


def affine_rows(
    x: NDArray[Any],
    lo: int,
    hi: int,
    coef: NDArray[np.float64],
    const: NDArray[np.float64],
    rcoef: NDArray[np.float64],
    recip: NDArray[np.bool_],
    row_max: tuple[NDArray[np.float64], NDArray[np.float64]] | None,
    sums: NDArray[np.float64],
    mx: NDArray[np.float64],
    blend: tuple[float, NDArray[np.float64], NDArray[np.float64]] | None = None,
) -> None:
    """Weighted row sums (and one row maximum, one blend) of rows ``lo:hi`` of C-contiguous ``x``.

    Same contract as :func:`.rowpass.affine_rows`.
    """
    m = x.shape[1]
    mxa, mxb = row_max if row_max is not None else (np.zeros(m), np.zeros(m))
    lam, other, out = blend if blend is not None else (0.0, _NONE, _NONE)
    _kernel("affine_rows")(
        x.reshape(-1), m, lo, hi, _tiled(coef), _tiled(rcoef), _tiled(recip.astype(np.float64)) > 0,
        np.asarray(const, dtype=np.float64), bool(recip.any()), _tiled(mxa), _tiled(mxb),
        row_max is not None, sums, mx, float(lam), other, out,
    )  # fmt: skip


def within_rows(
    x: NDArray[Any],
    lo: int,
    hi: int,
    coef: NDArray[np.float64],
    const: NDArray[np.float64],
    within: tuple[NDArray[np.float64], NDArray[np.float64]],
    sums: NDArray[np.float64],
) -> bool:
    """Affine row sums (``coef`` (K, M), K ≥ 1) of rows ``lo:hi`` and a range check.

    True when those rows lie within ``within = (lo_b, hi_b)`` and every sum is finite (a NaN
    or ±inf cell fails).
    """
    bad = _kernel("within_rows")(
        x.reshape(-1), x.shape[1], lo, hi, _tiled(coef, _V),
        np.asarray(const, dtype=np.float64), _tiled(within[0], _V), _tiled(within[1], _V), sums,
    )  # fmt: skip
    return bool(bad == 0.0)


def split_rows(
    x: NDArray[Any],
    lo: int,
    hi: int,
    coef: NDArray[np.float64],
    plus: NDArray[np.bool_],
    block: int,
    sums: tuple[NDArray[np.float64], NDArray[np.float64]],
    part: NDArray[np.float64],
) -> None:
    """Row sums of ``coef`` (M,) over the ``plus`` columns and over the others, rows ``lo:hi``.

    See ``split_rows_py``: ``part[b] = (Σ minus-sums, Σ 1/minus-sums)`` per block of rows.
    """
    _kernel("split_rows")(
        x.reshape(-1), x.shape[1], lo, hi, _tiled(coef, _V), np.asarray(plus, dtype=np.bool_),
        block, sums[0], sums[1], part,
    )  # fmt: skip


def copras_q(
    sp: NDArray[np.float64],
    sm: NDArray[np.float64],
    c: float,
    lo: int,
    hi: int,
    q: NDArray[np.float64],
) -> float:
    """COPRAS's ``Q = (1/S₋)·c + S₊`` on rows ``lo:hi`` into ``q``; their largest Q."""
    return float(_kernel("copras_q")(sp, sm, float(c), lo, hi, q))


def log_rows(
    x: NDArray[Any],
    lo: int,
    hi: int,
    g: NDArray[np.float64],
    const: float,
    out: NDArray[np.float64],
    odd: NDArray[np.bool_],
    *,
    take_exp: bool = True,
    extremes: bool = False,
) -> NDArray[np.float64] | None:
    """``out[i] = exp(const + Σ_j g_j log x_ij)`` for rows ``lo:hi`` of C-contiguous ``x``.

    Rows with a value below the smallest normal float64 on a column with ``g_j ≠ 0``, or an
    exponent beyond ±700, are marked in ``odd`` and left for the caller (numpy).  Without
    ``take_exp`` ``out`` gets the exponents (``odd`` marks the first kind of row only).  With
    ``extremes``, the column max and min of the rows from the same read and the count of NaN
    values (repeated over the M columns), as (3, M): max and min skip NaN, so a count above
    0 means "recompute with NaN-aware reductions".
    """
    m = x.shape[1]
    ext = np.empty((2, _jitrows.EXT * m) if extremes else (2, 0))
    n_nan = _kernel("log_rows")(
        x.reshape(-1), m, lo, hi, _tiled(g), float(const), out, odd, bool(take_exp), ext
    )
    if not extremes:
        return None
    slots = ext.reshape(2, _jitrows.EXT, m)
    return np.stack([slots[0].max(axis=0), slots[1].min(axis=0), np.full(m, float(n_nan))])


def log_cols(
    x: NDArray[Any], lo: int, hi: int, a: NDArray[np.float64], b: NDArray[np.float64]
) -> NDArray[np.float64] | None:
    """``Σ_i log(a_j x_ij + b_j)`` over rows ``lo:hi``.

    None where an argument is not a positive normal finite value (the caller uses numpy).
    """
    out = np.empty(x.shape[1])
    ok = _kernel("log_cols")(x.reshape(-1), x.shape[1], lo, hi, _tiled(a), _tiled(b), out)
    return out if ok else None


def vikor_q(
    s: NDArray[np.float64], r: NDArray[np.float64], v: float, tie: float
) -> tuple[NDArray[np.float64], tuple[float, float, float, float]]:
    """VIKOR's Q of one candidate set and ``(S⁻, R⁻, Q₍₁₎, Q₍₂₎)``: see ``vikor_q_py``."""
    q = np.empty(s.shape[0])
    out = np.empty(4)
    _kernel("vikor_q")(s, r, float(v), float(tie), q, out)
    return q, (float(out[0]), float(out[1]), float(out[2]), float(out[3]))


def _check_heads(k1: int, n: int) -> None:
    """Refuse ``k1`` outside ``[1, n]``: the selection kernels would read unfilled buffers."""
    if not 1 <= k1 <= n:
        raise ValueError(f"`k1` must lie in [1, {n}] (the candidates); got {k1}.")


def top_rows(
    s: NDArray[np.float64], k1: int, scale: float
) -> tuple[NDArray[np.intp], NDArray[np.bool_]] | None:
    """Each score row's ``k1`` best, best first, and whether its head is tied.

    See :mod:`._jitrank`; None when a row holds a NaN.
    """
    _check_heads(k1, s.shape[1])
    order = np.empty((s.shape[0], k1), dtype=np.intp)
    tied = np.empty(s.shape[0], dtype=np.bool_)
    ok = _kernel("top_rows")(np.ascontiguousarray(s, dtype=np.float64), k1, scale, order, tied)
    return (order, tied) if ok else None


def topsis_top(
    a_plus_t: NDArray[np.float64],
    a_minus_t: NDArray[np.float64],
    w2: NDArray[np.float64],
    k1: int,
    scale: float,
) -> tuple[NDArray[np.intp], NDArray[np.bool_]] | None:
    """:func:`top_rows` of the TOPSIS scores from transposed weight-free terms, fused.

    Shortlisted in float32, decided in float64: the same answer as float64 throughout
    (see :mod:`._jitrank`).
    """
    _check_heads(k1, a_plus_t.shape[1])
    order = np.empty((w2.shape[0], k1), dtype=np.intp)
    tied = np.empty(w2.shape[0], dtype=np.bool_)
    w2c = np.ascontiguousarray(w2, dtype=np.float64)
    ok = (
        _kernel("topsis_top")(
            a_plus_t, a_minus_t, *narrow_terms(a_plus_t, a_minus_t), w2c, k1, scale, order, tied
        )
        >= 0
    )
    return (order, tied) if ok else None


def narrow_terms(
    a_plus_t: NDArray[np.float64], a_minus_t: NDArray[np.float64]
) -> tuple[NDArray[np.float32], NDArray[np.float32], NDArray[np.float64], float]:
    """The float32 shortlist's inputs: both terms in float32, ``floor`` and ``top``.

    ``floor[j] = min_i (A⁺ᵢⱼ + A⁻ᵢⱼ) / 2`` (every candidate's ``D⁺² + D⁻²`` is at least
    ``Σⱼ w²ⱼ floor[j]``, the half covering rounding); ``top`` the largest term, ``inf`` when a
    term is negative or not finite (then no sample is shortlisted).
    """
    lo = np.minimum(a_plus_t.min(initial=0.0), a_minus_t.min(initial=0.0))  # NaN if any is
    hi = np.maximum(a_plus_t.max(initial=0.0), a_minus_t.max(initial=0.0))
    top = float(hi) if lo >= 0.0 and np.isfinite(hi) else np.inf
    with np.errstate(all="ignore"):
        floor = 0.5 * (a_plus_t + a_minus_t).min(axis=1, initial=np.inf)
    return a_plus_t.astype(np.float32), a_minus_t.astype(np.float32), floor, top


def topsis_rows(
    a_plus_t: NDArray[np.float64], a_minus_t: NDArray[np.float64], w2: NDArray[np.float64]
) -> NDArray[np.float64]:
    """TOPSIS score rows (K, N) from transposed weight-free terms (the numpy twin's bits)."""
    out = np.empty((w2.shape[0], a_plus_t.shape[1]))
    _kernel("topsis_rows")(a_plus_t, a_minus_t, np.ascontiguousarray(w2, dtype=np.float64), out)
    return out
