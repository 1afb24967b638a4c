"""Bodies of the compiled row passes of the linear-time methods other than TOPSIS (numba).

Compiled and cached by :mod:`._jit` (which owns the numba switch and the compile cache);
:mod:`.rowpass` decides when they run and keeps their numpy twins.  Every kernel reads the
row-major matrix as runs of :data:`W` rows into a small float64 buffer that stays in L1, and
then makes several cheap sweeps over that buffer (reciprocals, weighted terms, row sums, row
maxima, column extremes, logarithms): one read of the matrix per pass, and elementwise loops
without loop-carried dependences, which the compiler vectorises (no fast-math needed).

A vectorisable natural logarithm
--------------------------------
numpy's ``log`` and the C library's are scalar on CPUs without AVX-512, about 10 ns a value.
:func:`log_run` computes it in straight-line arithmetic the compiler vectorises:
``x = 2^e · z`` with ``z`` in ``[√½, √2)`` (from the bits of ``x``), then
``log z = log(1 + f) = 2·atanh(s) = f − s·(f − R)`` with ``s = f / (2 + f)``,
``R = Σ_{k=1..10} 2 s^{2k} / (2k + 1)`` (the atanh series; ``|s| ≤ 0.1716`` so the first
omitted term is below 1e−18 relative), and ``log x = e·ln2_hi + (log z + e·ln2_lo)`` with
``ln 2`` split so that ``e·ln2_hi`` is exact.  Its error is about one unit in the last place
(held within 4 ulp of numpy's ``log`` by the tests).  It is only valid for positive, normal,
finite values: the callers route anything else (zero, subnormal) to numpy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "AHEAD",
    "FLUSH",
    "INV_LN2",
    "LN2_HI",
    "LN2_LO",
    "LOG_OFF",
    "MAGIC",
    "MAGIC_BITS",
    "TINY",
    "V",
    "W",
    "affine_rows_py",
    "copras_q_py",
    "exp_run",
    "extremes_py",
    "log_cols_py",
    "log_rows_py",
    "log_run",
    "prefetch",
    "prefetch_probe_py",
    "split_rows_py",
    "vikor_q_py",
    "within_rows_py",
]

#: Rows per run (the run of W × M values is the kernels' L1 buffer).
W = 64
#: Runs between flushes of the partial column sums into the running totals.
FLUSH = 64
#: Rows per run of the kernels that sum rows in a dependent chain (range check, split
#: sums): shorter runs interleave the reads with the arithmetic better on one core.  A
#: multiple of 4 (the range check folds a run's four quarters).
V = 16
#: How far ahead (in values) those kernels ask for the matrix (:func:`prefetch`).
AHEAD = 1024


def prefetch(a: Any, i: int) -> None:  # pragma: no cover - replaced when compiled
    """Ask for the cache line of ``a[i]`` ahead of its use (a hint; nothing in Python).

    :mod:`._jit` replaces it with an intrinsic (``llvm.prefetch``) before it compiles the
    kernels, so that the memory reads of the next runs overlap the arithmetic of this one:
    on one core the hardware prefetcher alone lets the two take turns.
    """


def prefetch_probe_py(a: Any) -> None:  # pragma: no cover - compiled
    """Compiled once to check that :func:`prefetch` compiles here (else a no-op replaces it)."""
    prefetch(a, 0)


#: The bits of √½: ``(bits(x) − LOG_OFF) >> 52`` is the exponent that puts ``z`` in [√½, √2).
LOG_OFF = 0x3FE6A09E667F3BCD
#: ``1.5 · 2**52`` and its bits: adding a small integer to the bits and subtracting the float
#: converts int64 → float64 without a (non-vectorisable on AVX2) conversion instruction.
MAGIC = 6755399441055744.0
MAGIC_BITS = 0x4338000000000000
#: ln 2 = LN2_HI + LN2_LO, LN2_HI with its last 21 mantissa bits zero (e · LN2_HI is exact).
LN2_HI = 0.6931471803691238
LN2_LO = 1.9082149292705877e-10
#: 1 / ln 2.
INV_LN2 = 1.4426950408889634
#: The smallest normal float64: below it :func:`log_run`'s bit split does not hold.
TINY = float(np.finfo(np.float64).tiny)


def log_run(v: Any, cnt: int, zb: Any, eb: Any, out: Any) -> None:  # pragma: no cover - compiled
    """``out[k] = log(v[k])`` for ``k < cnt`` (positive, normal, finite values only)."""
    vi = v.view(np.int64)
    zf = zb.view(np.float64)
    ef = eb.view(np.float64)
    for k in range(cnt):
        ix = vi[k]
        e = (ix - LOG_OFF) >> 52
        zb[k] = ix - (e << 52)
        eb[k] = e + MAGIC_BITS
    for k in range(cnt):
        f = zf[k] - 1.0
        e = ef[k] - MAGIC
        s = f / (2.0 + f)
        z = s * s
        r = 2.0 / 21.0
        r = r * z + 2.0 / 19.0
        r = r * z + 2.0 / 17.0
        r = r * z + 2.0 / 15.0
        r = r * z + 2.0 / 13.0
        r = r * z + 2.0 / 11.0
        r = r * z + 2.0 / 9.0
        r = r * z + 2.0 / 7.0
        r = r * z + 2.0 / 5.0
        r = r * z + 2.0 / 3.0
        r = r * z
        out[k] = e * LN2_HI + ((f - s * (f - r)) + e * LN2_LO)


def exp_run(y: Any, cnt: int, kb: Any, out: Any) -> bool:  # pragma: no cover - compiled
    """``out[k] = exp(y[k])`` for ``k < cnt`` with ``|y| ≤ 700``; False if a value is outside.

    ``y = k·ln2 + r`` with ``k`` the nearest integer to ``y/ln2`` (by the 1.5·2⁵² trick, so
    no float → int conversion), ``|r| ≤ ln2/2``, ``exp(r)`` by its Taylor series to the
    r¹³ term (the first omitted term is below 1e−17 relative), and ``2^k`` from its bits.
    """
    kf = kb.view(np.float64)
    bad = 0.0
    for i in range(cnt):
        t = y[i]
        inside = (t >= -700.0) & (t <= 700.0)
        bad += 1.0 - inside
        kf[i] = (t if inside else 0.0) * INV_LN2 + MAGIC
    for i in range(cnt):
        kb[i] = ((kb[i] - MAGIC_BITS) + 1023) << 52  # 2^k as bits
    for i in range(cnt):
        t = y[i]
        t = t if (t >= -700.0) & (t <= 700.0) else 0.0
        k = (t * INV_LN2 + MAGIC) - MAGIC
        r = (t - k * LN2_HI) - k * LN2_LO
        p = 1.0 / 6227020800.0
        p = p * r + 1.0 / 479001600.0
        p = p * r + 1.0 / 39916800.0
        p = p * r + 1.0 / 3628800.0
        p = p * r + 1.0 / 362880.0
        p = p * r + 1.0 / 40320.0
        p = p * r + 1.0 / 5040.0
        p = p * r + 1.0 / 720.0
        p = p * r + 1.0 / 120.0
        p = p * r + 1.0 / 24.0
        p = p * r + 1.0 / 6.0
        p = p * r + 0.5
        p = p * r + 1.0
        p = p * r + 1.0
        out[i] = p * kf[i]
    return bad == 0.0


def affine_rows_py(
    flat: Any,
    m: int,
    lo: int,
    hi: int,
    cx: Any,
    cr: Any,
    rmask: Any,
    const: Any,
    has_recip: bool,
    ax: Any,
    bx: Any,
    want_max: bool,
    sums: Any,
    mx: Any,
) -> None:  # pragma: no cover - compiled
    """Rows ``lo:hi``: K weighted sums and optionally a row maximum.

    ``sums[q, i] = const[q] + Σ_j cx[q, j]·x_ij + cr[q, j]/x_ij`` (the reciprocal only where
    ``rmask``; without reciprocal columns the ``cr`` term is not evaluated: it is 0 there by
    contract), ``mx[i] = max_j (ax_j·x_ij + bx_j)``.
    The coefficient arrays are tiled over the W rows of a run (length W·M); terms
    are added in column order ``j = 0, 1, …``.
    """
    wm = W * m
    n_out = cx.shape[0]
    inv = np.ones(wm)
    t = np.empty(wm)
    for row0 in range(lo, hi, W):
        rows = min(W, hi - row0)
        cnt = rows * m
        base = row0 * m
        blk = flat[base : base + cnt]  # a 1-D run: the loops below vectorise
        if has_recip:
            for k in range(cnt):
                inv[k] = 1.0 / (np.float64(blk[k]) if rmask[k] else 1.0)
        for q in range(n_out):
            cxq, crq = cx[q], cr[q]
            if has_recip:
                for k in range(cnt):
                    t[k] = cxq[k] * np.float64(blk[k]) + crq[k] * inv[k]
            else:
                for k in range(cnt):
                    t[k] = cxq[k] * np.float64(blk[k])
            for w in range(rows):
                s = const[q]
                o = w * m
                for j in range(m):
                    s += t[o + j]
                sums[q, row0 + w] = s
        if want_max:
            for k in range(cnt):
                t[k] = ax[k] * np.float64(blk[k]) + bx[k]
            for w in range(rows):
                r = -np.inf
                o = w * m
                for j in range(m):
                    r = t[o + j] if t[o + j] > r else r
                mx[row0 + w] = r


def log_rows_py(
    flat: Any,
    m: int,
    lo: int,
    hi: int,
    g: Any,
    const: float,
    out: Any,
    odd: Any,
    want_sum: bool,
    cx: Any,
    cr: Any,
    rmask: Any,
    sconst: float,
    sums: Any,
) -> None:  # pragma: no cover - compiled
    """Rows ``lo:hi``: ``out[i] = exp(const + Σ_j g_j log x_ij)`` over the columns with ``g_j ≠ 0``.

    ``g`` is tiled over a run (length W·M).  A row with a value below :data:`TINY` (zero,
    subnormal, negative) on such a column, or whose exponent is beyond ±700, gets
    ``odd[i] = 1`` and is left to the caller.  With ``want_sum`` the same read also gives
    ``sums[i] = sconst + Σ_j cx_j x_ij + cr_j / x_ij`` (reciprocal where ``rmask``), as
    :func:`affine_rows_py` computes it (WASPAS's two models in one read).
    """
    wm = W * m
    v = np.empty(wm)
    lg = np.empty(wm)
    zb = np.empty(wm, dtype=np.int64)
    eb = np.empty(wm, dtype=np.int64)
    bad = np.empty(wm)
    rs = np.empty(W)
    ex = np.empty(W)
    kb = np.empty(W, dtype=np.int64)
    t = np.empty(wm)
    live = np.empty(wm)
    for k in range(wm):
        live[k] = 1.0 if g[k] != 0.0 else 0.0
    for row0 in range(lo, hi, W):
        rows = min(W, hi - row0)
        cnt = rows * m
        base = row0 * m
        blk = flat[base : base + cnt]  # a 1-D run: the loops below vectorise
        for k in range(cnt):
            val = np.float64(blk[k])
            low = (val < TINY) | (val != val)  # bitwise: no branch, so the loop vectorises
            bad[k] = low * live[k]
            v[k] = 1.0 if low else val
        if want_sum:
            for k in range(cnt):
                raw = np.float64(blk[k])
                t[k] = cx[k] * raw + cr[k] * (1.0 / (raw if rmask[k] else 1.0))
            for w in range(rows):
                s = sconst
                o = w * m
                for j in range(m):
                    s += t[o + j]
                sums[row0 + w] = s
        log_run(v, cnt, zb, eb, lg)
        for w in range(rows):
            s = const
            b = 0.0
            o = w * m
            for j in range(m):
                s += g[o + j] * lg[o + j]
                b += bad[o + j]
            rs[w] = s
            odd[row0 + w] = (b > 0.0) | (s < -700.0) | (s > 700.0)
        exp_run(rs, rows, kb, ex)
        for w in range(rows):
            out[row0 + w] = ex[w]


def log_cols_py(
    flat: Any, m: int, lo: int, hi: int, a: Any, b: Any, out: Any
) -> bool:  # pragma: no cover - compiled
    """``out[j] = Σ_i log(a_j x_ij + b_j)`` over rows ``lo:hi``; ``a``, ``b`` tiled (W·M).

    False if an argument is not a positive, normal, finite value (the caller uses numpy).
    """
    wm = W * m
    v = np.empty(wm)
    lg = np.empty(wm)
    zb = np.empty(wm, dtype=np.int64)
    eb = np.empty(wm, dtype=np.int64)
    acc = np.zeros(wm)
    ok = 0.0
    for row0 in range(lo, hi, W):
        rows = min(W, hi - row0)
        cnt = rows * m
        base = row0 * m
        blk = flat[base : base + cnt]  # a 1-D run: the loops below vectorise
        for k in range(cnt):
            val = a[k] * np.float64(blk[k]) + b[k]
            fine = (val >= TINY) & (val <= 1.7976931348623157e308)  # bitwise: vectorises
            ok += 1.0 - fine
            v[k] = val if fine else 1.0
        log_run(v, cnt, zb, eb, lg)
        for k in range(cnt):
            acc[k] += lg[k]
    for j in range(m):
        s = 0.0
        for w in range(W):
            s += acc[w * m + j]
        out[j] = s
    return ok == 0.0


def vikor_q_py(s: Any, r: Any, v: float, tie: float, q: Any, out: Any) -> None:  # pragma: no cover
    """VIKOR's Q from S and R (one candidate set) in two passes over N instead of twenty.

    ``q = v·(S − S⁻)/(S⁺ − S⁻) + (1 − v)·(R − R⁻)/(R⁺ − R⁻)``, a term 0 where its range is
    within ``tie``, with the same operations in the same order as the numpy path
    (:func:`.vikor._scaled`), so the bits are the same.  ``out`` gets
    ``[S⁻, R⁻, Q₍₁₎, Q₍₂₎]`` (the two smallest Q, for the compromise's head).
    """
    n = s.shape[0]
    s_lo = s[0]
    s_hi = s[0]
    r_lo = r[0]
    r_hi = r[0]
    for i in range(n):
        s_lo = s[i] if s[i] < s_lo else s_lo
        s_hi = s[i] if s[i] > s_hi else s_hi
        r_lo = r[i] if r[i] < r_lo else r_lo
        r_hi = r[i] if r[i] > r_hi else r_hi
    s_span = s_hi - s_lo
    r_span = r_hi - r_lo
    s_live = 1.0 if s_span > tie else 0.0
    r_live = 1.0 if r_span > tie else 0.0
    s_den = s_span if s_span > tie else 1.0
    r_den = r_span if r_span > tie else 1.0
    w = 1.0 - v
    first = np.inf
    second = np.inf
    for i in range(n):
        a = (s[i] - s_lo) / s_den * s_live
        b = (r[i] - r_lo) / r_den * r_live
        qi = v * a + w * b
        q[i] = qi
        if qi < second:
            if qi < first:
                second = first
                first = qi
            else:
                second = qi
    out[0] = s_lo
    out[1] = r_lo
    out[2] = first
    out[3] = second


# Running extremes below are kept in two arrays read and written alternately (run by run):
# ``hi1[k] = v if v > hi0[k] else hi0[k]`` then compiles to one vmaxpd.  Written back into
# the array it was read from, the compiler drops the store of the unchanged value and makes
# the rest a masked store (vmaskmovpd: slow on AMD); np.fmax is exact for NaN but costs
# three compares and three blends per vector.  These selects drop a NaN, so each kernel
# detects NaN (and ±inf) through a sum instead (NaN and inf propagate through sums).


def extremes_py(flat: Any, m: int, lo: int, hi: int, out: Any) -> None:  # pragma: no cover
    """Max, min and Σx of each column over rows ``lo:hi`` into ``out`` (3, M).

    The column statistics of the methods (no Σx²): the same blocked sums, in the same order,
    as the statistics kernel of :mod:`._jit` (so the same bits), and extremes by selects,
    which skip NaN: the caller must treat a non-finite Σx as "recompute with NaN-aware
    reductions" (which also covers ±inf and overflow).  Four runs are folded per sweep
    (``(((s + v₀) + v₁) + v₂) + v₃`` is the order of four sweeps): a quarter of the stores.
    """
    wm = W * m
    hi0 = np.full(wm, -np.inf)
    hi1 = np.full(wm, -np.inf)
    lo0 = np.full(wm, np.inf)
    lo1 = np.full(wm, np.inf)
    asm = np.zeros(wm)
    bsm = np.zeros(wm)
    runs = (hi - lo) // W
    flip = False
    r = 0
    while r < runs:
        g = 4 if r + 4 <= runs else 1  # r stays a multiple of 4 (and of FLUSH at flushes)
        base = (lo + r * W) * m
        hs, hd = (hi1, hi0) if flip else (hi0, hi1)
        ls, ld = (lo1, lo0) if flip else (lo0, lo1)
        flip = not flip
        if g == 4:  # 1-D runs: the loops below vectorise
            b0, b1 = flat[base : base + wm], flat[base + wm : base + 2 * wm]
            b2, b3 = flat[base + 2 * wm : base + 3 * wm], flat[base + 3 * wm : base + 4 * wm]
            for k in range(wm):
                v0, v1 = np.float64(b0[k]), np.float64(b1[k])
                v2, v3 = np.float64(b2[k]), np.float64(b3[k])
                a = hs[k]
                a = v0 if v0 > a else a
                a = v1 if v1 > a else a
                a = v2 if v2 > a else a
                hd[k] = v3 if v3 > a else a
                b = ls[k]
                b = v0 if v0 < b else b
                b = v1 if v1 < b else b
                b = v2 if v2 < b else b
                ld[k] = v3 if v3 < b else b
                bsm[k] = (((bsm[k] + v0) + v1) + v2) + v3
        else:
            blk = flat[base : base + wm]
            for k in range(wm):
                v = np.float64(blk[k])
                a = hs[k]
                hd[k] = v if v > a else a
                b = ls[k]
                ld[k] = v if v < b else b
                bsm[k] += v
        r += g
        if r % FLUSH == 0:
            for k in range(wm):
                asm[k] += bsm[k]
                bsm[k] = 0.0
    hs, ls = (hi1, lo1) if flip else (hi0, lo0)
    for k in range(wm):
        asm[k] += bsm[k]
    for i in range(lo + runs * W, hi):  # tail rows go to the first run's slots
        for j in range(m):
            v = np.float64(flat[i * m + j])
            hs[j] = v if v > hs[j] else hs[j]
            ls[j] = v if v < ls[j] else ls[j]
            asm[j] += v
    for j in range(m):
        mx, mn, sm = -np.inf, np.inf, 0.0
        for w in range(W):
            k = w * m + j
            mx = hs[k] if hs[k] > mx else mx
            mn = ls[k] if ls[k] < mn else mn
            sm += asm[k]
        out[0, j] = mx
        out[1, j] = mn
        out[2, j] = sm


def within_rows_py(
    flat: Any, m: int, lo: int, hi: int, cx: Any, const: Any, blo: Any, bhi: Any, sums: Any
) -> float:  # pragma: no cover - compiled
    """Rows ``lo:hi``: K affine row sums and a range check, in one read.

    ``sums[q, i] = const[q] + Σ_j cx[q, j]·x_ij`` (terms added in column order, as
    :func:`affine_rows_py`); ``cx``, ``blo``, ``bhi`` are tiled over a run (V·M), K ≥ 1.
    Returns the number of run slots whose extremes leave ``[blo, bhi]`` plus a term that is
    NaN when a sum is not finite (a NaN or ±inf cell makes its row's sums so: ``0·NaN`` and
    ``0·inf`` are NaN): 0.0 exactly when every cell is within its bounds and every sum finite.
    """
    wm = V * m
    sl = 4 * m  # extremes slots: a run's four quarters (V = 16 rows) are folded into them
    n_out = cx.shape[0]
    last = flat.shape[0] - 1
    t = np.empty(wm)
    hi0 = np.full(sl, -np.inf)
    hi1 = np.full(sl, -np.inf)
    lo0 = np.full(sl, np.inf)
    lo1 = np.full(sl, np.inf)
    fin = np.zeros(V)
    flip = False
    for row0 in range(lo, hi, V):
        rows = min(V, hi - row0)
        cnt = rows * m
        base = row0 * m
        blk = flat[base : base + cnt]  # a 1-D run: the loops below vectorise
        hs, hd = (hi1, hi0) if flip else (hi0, hi1)
        ls, ld = (lo1, lo0) if flip else (lo0, lo1)
        flip = not flip
        if rows == V:
            for k in range(sl):
                v0, v1 = np.float64(blk[k]), np.float64(blk[k + sl])
                v2, v3 = np.float64(blk[k + 2 * sl]), np.float64(blk[k + 3 * sl])
                a = hs[k]
                a = v0 if v0 > a else a
                a = v1 if v1 > a else a
                a = v2 if v2 > a else a
                hd[k] = v3 if v3 > a else a
                b = ls[k]
                b = v0 if v0 < b else b
                b = v1 if v1 < b else b
                b = v2 if v2 < b else b
                ld[k] = v3 if v3 < b else b
        else:  # a short last run
            for k in range(sl):
                hd[k] = hs[k]
                ld[k] = ls[k]
            for k in range(cnt):
                v = np.float64(blk[k])
                hd[k % sl] = v if v > hd[k % sl] else hd[k % sl]
                ld[k % sl] = v if v < ld[k % sl] else ld[k % sl]
        for q in range(n_out):
            cxq = cx[q]
            for k in range(cnt):
                t[k] = cxq[k] * np.float64(blk[k])
            w = 0
            while w + 2 <= rows:  # two rows at a time: two independent chains
                if q == 0:  # three lines per two rows (two rows of 10 values span 160 bytes)
                    ahead = base + AHEAD + w * m
                    prefetch(flat, min(ahead, last))
                    prefetch(flat, min(ahead + 8, last))
                    prefetch(flat, min(ahead + 16, last))
                o = w * m
                u = o + m
                s1 = const[q]
                s2 = s1
                for j in range(m):
                    s1 += t[o + j]
                    s2 += t[u + j]
                sums[q, row0 + w] = s1
                sums[q, row0 + w + 1] = s2
                w += 2
            if w < rows:  # an odd last row
                o = w * m
                s1 = const[q]
                for j in range(m):
                    s1 += t[o + j]
                sums[q, row0 + w] = s1
            for w in range(rows):
                fin[w] += sums[q, row0 + w] * 0.0  # NaN from a NaN or ±inf sum
    hs, ls = (hi1, lo1) if flip else (hi0, lo0)
    bad = 0.0
    for k in range(sl):
        bad += 1.0 - ((ls[k] >= blo[k]) & (hs[k] <= bhi[k]))
    for w in range(V):
        bad += fin[w]
    return bad


def split_rows_py(
    flat: Any,
    m: int,
    lo: int,
    hi: int,
    ct: Any,
    plus: Any,
    block: int,
    sp: Any,
    sm: Any,
    part: Any,
) -> None:  # pragma: no cover - compiled
    """Rows ``lo:hi`` (``lo`` a multiple of ``block``): two row sums over disjoint columns.

    ``sp[i] = Σ_{j: plus_j} ct_j x_ij`` and ``sm[i] = Σ_{j: not plus_j} ct_j x_ij``, each
    from 0.0 with its terms in column order (``ct`` tiled over a run, V·M; the two chains are
    independent, so they run side by side).  For each block ``b`` of ``block`` rows,
    ``part[b] = (Σ sm, Σ 1/sm)`` over its rows (fixed blocks: the totals do not depend on how
    the rows are split over threads).
    """
    wm = V * m
    last = flat.shape[0] - 1
    t = np.empty(wm)
    tot = np.zeros(V)
    inv = np.zeros(V)
    for b0 in range(lo, hi, block):
        b1 = min(hi, b0 + block)
        for w in range(V):
            tot[w] = 0.0
            inv[w] = 0.0
        for row0 in range(b0, b1, V):
            rows = min(V, b1 - row0)
            cnt = rows * m
            base = row0 * m
            blk = flat[base : base + cnt]  # a 1-D run: the loops below vectorise
            for k in range(cnt):
                t[k] = ct[k] * np.float64(blk[k])
            spr = sp[row0 : row0 + rows]
            smr = sm[row0 : row0 + rows]
            w = 0
            while w + 2 <= rows:  # two rows at a time: four independent chains
                ahead = base + AHEAD + w * m
                prefetch(flat, min(ahead, last))
                prefetch(flat, min(ahead + 8, last))
                prefetch(flat, min(ahead + 16, last))
                o = w * m
                u = o + m
                s1, s2, s3, s4 = 0.0, 0.0, 0.0, 0.0
                for j in range(m):
                    if plus[j]:  # the same columns in every row: the branch is predicted
                        s1 += t[o + j]
                        s3 += t[u + j]
                    else:
                        s2 += t[o + j]
                        s4 += t[u + j]
                spr[w] = s1
                smr[w] = s2
                spr[w + 1] = s3
                smr[w + 1] = s4
                w += 2
            if w < rows:  # an odd last row
                o = w * m
                s1, s2 = 0.0, 0.0
                for j in range(m):
                    if plus[j]:
                        s1 += t[o + j]
                    else:
                        s2 += t[o + j]
                spr[w] = s1
                smr[w] = s2
            for w in range(rows):
                v = smr[w]
                tot[w] += v
                inv[w] += 1.0 / v
        a = 0.0
        c = 0.0
        for w in range(V):
            a += tot[w]
            c += inv[w]
        part[b0 // block, 0] = a
        part[b0 // block, 1] = c


def copras_q_py(
    sp: Any, sm: Any, c: float, lo: int, hi: int, q: Any
) -> float:  # pragma: no cover - compiled
    """COPRAS's ``q[i] = (1/sm[i])·c + sp[i]`` for rows ``lo:hi``; the largest ``q`` of them.

    The operations of the numpy path, in its order (so the same bits for the same ``c``).
    """
    top0 = np.full(W, -np.inf)
    top1 = np.full(W, -np.inf)
    flip = False
    for row0 in range(lo, hi, W):
        rows = min(W, hi - row0)
        qr = q[row0 : row0 + rows]
        spr = sp[row0 : row0 + rows]
        smr = sm[row0 : row0 + rows]
        for w in range(rows):
            qr[w] = (1.0 / smr[w]) * c + spr[w]
        ts, td = (top1, top0) if flip else (top0, top1)
        flip = not flip
        for w in range(rows):
            a = ts[w]
            td[w] = qr[w] if qr[w] > a else a
        for w in range(rows, W):
            td[w] = ts[w]
    ts = top1 if flip else top0
    best = -np.inf
    for w in range(W):
        best = ts[w] if ts[w] > best else best
    return best
