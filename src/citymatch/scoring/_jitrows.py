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
    "EXT",
    "FLUSH",
    "INV_LN2",
    "LN2_HI",
    "LN2_LO",
    "LOG_OFF",
    "MAGIC",
    "MAGIC_BITS",
    "TINY",
    "W",
    "affine_rows_py",
    "exp_run",
    "fold_extremes",
    "fold_one",
    "log_cols_py",
    "log_rows_py",
    "log_run",
    "prefetch",
    "prefetch_probe_py",
    "prefetch_run",
    "row_maxima",
    "row_sums",
    "vikor_q_py",
]

#: Rows per run (the run of W × M values is the kernels' L1 buffer).
W = 64
#: Rows whose slots hold a run's column extremes in :func:`log_rows_py` (W = 8·EXT:
#: :func:`fold_extremes` folds a full run as eight slices).
EXT = 8
#: Runs between flushes of the partial column sums into the running totals.
FLUSH = 64
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


#: How far ahead (in values) the kernels ask for the matrix (:func:`prefetch`).
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


def prefetch_run(flat: Any, base: int, cnt: int) -> None:  # pragma: no cover - compiled
    """Ask for the ``cnt`` values :data:`AHEAD` past ``base``, a cache line at a time.

    The next runs' reads then overlap this run's arithmetic (see :func:`prefetch`).
    """
    last = flat.shape[0] - 1
    for p in range(base + AHEAD, base + AHEAD + cnt, 8):
        prefetch(flat, min(p, last))


def log_run(v: Any, cnt: int, zb: Any, eb: Any, g: Any, out: Any) -> None:  # pragma: no cover
    """``out[k] = log(v[k]) · g[k]`` for ``k < cnt`` (positive, normal, finite values only).

    The product is the logarithm rounded, then multiplied (so ``g = 1`` gives the logarithm
    itself): a caller that weights the logs needs no loop of its own.
    """
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
        out[k] = (e * LN2_HI + ((f - s * (f - r)) + e * LN2_LO)) * g[k]


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


def row_sums(t: Any, rows: int, m: int, c: float, out: Any) -> None:  # pragma: no cover - compiled
    """``out[w] = c + Σ_j t[w·M + j]`` for ``w < rows``, terms in column order.

    Four rows side by side: four independent chains of additions, so the sums do not wait
    on one another (a row alone is a chain of M dependent additions), with each row's bits
    those of its own chain.
    """
    w = 0
    while w + 4 <= rows:
        o1 = w * m
        o2 = o1 + m
        o3 = o2 + m
        o4 = o3 + m
        s1 = c
        s2 = c
        s3 = c
        s4 = c
        for j in range(m):
            s1 += t[o1 + j]
            s2 += t[o2 + j]
            s3 += t[o3 + j]
            s4 += t[o4 + j]
        out[w] = s1
        out[w + 1] = s2
        out[w + 2] = s3
        out[w + 3] = s4
        w += 4
    while w < rows:
        s1 = c
        o1 = w * m
        for j in range(m):
            s1 += t[o1 + j]
        out[w] = s1
        w += 1


def row_maxima(t: Any, rows: int, m: int, out: Any) -> None:  # pragma: no cover - compiled
    """``out[w] = max_j t[w·M + j]`` for ``w < rows`` (selects), four rows side by side."""
    w = 0
    while w + 4 <= rows:
        o1 = w * m
        o2 = o1 + m
        o3 = o2 + m
        o4 = o3 + m
        r1 = -np.inf
        r2 = -np.inf
        r3 = -np.inf
        r4 = -np.inf
        for j in range(m):
            r1 = t[o1 + j] if t[o1 + j] > r1 else r1
            r2 = t[o2 + j] if t[o2 + j] > r2 else r2
            r3 = t[o3 + j] if t[o3 + j] > r3 else r3
            r4 = t[o4 + j] if t[o4 + j] > r4 else r4
        out[w] = r1
        out[w + 1] = r2
        out[w + 2] = r3
        out[w + 3] = r4
        w += 4
    while w < rows:
        r1 = -np.inf
        o1 = w * m
        for j in range(m):
            r1 = t[o1 + j] if t[o1 + j] > r1 else r1
        out[w] = r1
        w += 1


def fold_one(val: float, hi: float, lo: float) -> tuple[float, float]:  # pragma: no cover
    """``(max, min)`` of a running pair and a value, by selects (a NaN value is skipped)."""
    return (val if val > hi else hi), (val if val < lo else lo)


def fold_extremes(blk: Any, rows: int, m: int, hx: Any, lx: Any) -> None:  # pragma: no cover
    """Running column max ``hx`` and min ``lx`` (EXT·M slots) updated with a run's values.

    A full run's W rows are folded into the EXT rows' slots, eight values to a slot
    before its one store (unconditional, so no masked store); a short run value by value.
    Selects: NaN is skipped (the caller counts it).
    """
    sl = EXT * m
    if rows == W:
        # Eight slices of EXT rows, each indexed from 0: the loads stay contiguous vectors.
        # (``blk[k + r·sl]`` with a run-time ``sl`` made them gathers: numba's wraparound of
        # a possibly negative index hides from LLVM that the lanes are consecutive.)
        b0, b1, b2, b3 = blk[0:sl], blk[sl : 2 * sl], blk[2 * sl : 3 * sl], blk[3 * sl : 4 * sl]
        b4, b5 = blk[4 * sl : 5 * sl], blk[5 * sl : 6 * sl]
        b6, b7 = blk[6 * sl : 7 * sl], blk[7 * sl : 8 * sl]
        for k in range(sl):
            a, b = fold_one(np.float64(b0[k]), hx[k], lx[k])
            a, b = fold_one(np.float64(b1[k]), a, b)
            a, b = fold_one(np.float64(b2[k]), a, b)
            a, b = fold_one(np.float64(b3[k]), a, b)
            a, b = fold_one(np.float64(b4[k]), a, b)
            a, b = fold_one(np.float64(b5[k]), a, b)
            a, b = fold_one(np.float64(b6[k]), a, b)
            hx[k], lx[k] = fold_one(np.float64(b7[k]), a, b)
    else:
        for k in range(rows * m):
            hx[k % sl], lx[k % sl] = fold_one(np.float64(blk[k]), hx[k % sl], lx[k % sl])


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
    lam: float,
    other: Any,
    blend: Any,
) -> None:  # pragma: no cover - compiled
    """Rows ``lo:hi``: K weighted sums and optionally a row maximum and a blend.

    ``sums[q, i] = const[q] + Σ_j cx[q, j]·x_ij + cr[q, j]/x_ij`` (the reciprocal only where
    ``rmask``; without reciprocal columns the ``cr`` term is not evaluated: it is 0 there by
    contract), ``mx[i] = max_j (ax_j·x_ij + bx_j)``.
    The coefficient arrays are tiled over the W rows of a run (length W·M); terms
    are added in column order ``j = 0, 1, …``.  When ``blend`` has rows (N,), also
    ``blend[i] = other[i]·(1 − lam) + sums[0, i]·lam`` while the run's sums are in cache
    (WASPAS's two models: the operations of numpy's ``other * (1 − lam) + sums * lam``).
    """
    wm = W * m
    n_out = cx.shape[0]
    inv = np.ones(wm)  # 1/x on the reciprocal columns' slots (the others stay 1)
    t = np.empty(wm)
    # the reciprocal columns' slots of a run, row by row: divisions for those values only,
    # packed so that the division loop vectorises
    ridx = np.empty(wm, dtype=np.int64)
    n_r = 0
    for k in range(wm):
        if rmask[k]:
            ridx[n_r] = k
            n_r += 1
    per_row = n_r // W
    pk = np.empty(max(n_r, 1))
    for row0 in range(lo, hi, W):
        rows = min(W, hi - row0)
        cnt = rows * m
        base = row0 * m
        blk = flat[base : base + cnt]  # a 1-D run: the loops below vectorise
        prefetch_run(flat, base, cnt)
        if has_recip:
            nr = rows * per_row
            for p in range(nr):
                pk[p] = np.float64(blk[ridx[p]])
            for p in range(nr):
                pk[p] = 1.0 / pk[p]
            for p in range(nr):
                inv[ridx[p]] = pk[p]
        for q in range(n_out):
            cxq, crq = cx[q], cr[q]
            if has_recip:
                for k in range(cnt):
                    t[k] = cxq[k] * np.float64(blk[k]) + crq[k] * inv[k]
            else:
                for k in range(cnt):
                    t[k] = cxq[k] * np.float64(blk[k])
            row_sums(t, rows, m, const[q], sums[q, row0 : row0 + rows])
        if blend.shape[0] > 0:
            s0 = sums[0, row0 : row0 + rows]
            o0 = other[row0 : row0 + rows]
            b0 = blend[row0 : row0 + rows]
            keep = 1.0 - lam
            for w in range(rows):
                b0[w] = o0[w] * keep + s0[w] * lam
        if want_max:
            for k in range(cnt):
                t[k] = ax[k] * np.float64(blk[k]) + bx[k]
            row_maxima(t, rows, m, mx[row0 : row0 + rows])


def log_rows_py(
    flat: Any,
    m: int,
    lo: int,
    hi: int,
    g: Any,
    const: float,
    out: Any,
    odd: Any,
    take_exp: bool,
    ext: Any,
) -> int:  # pragma: no cover - compiled
    """Rows ``lo:hi``: ``out[i] = exp(const + Σ_j g_j log x_ij)`` over the columns with ``g_j ≠ 0``.

    ``g`` is tiled over a run (length W·M); each row's terms are added in column order after
    ``const``.  A row with a value below :data:`TINY` (zero, subnormal, negative, NaN) on such
    a column, or whose exponent is beyond ±700, gets ``odd[i] = 1`` and is left to the caller.
    Without ``take_exp``, ``out[i]`` is the exponent itself and ``odd`` marks only the first
    kind of row.  When ``ext`` has columns (shape (2, EXT·M)), the same read also leaves
    there the running max and min of each column over every EXT-th row (selects: they skip
    NaN) and returns the count of NaN values (±inf shows in the extremes): the column
    statistics whose normalisation WPM needs, in its one read.  Otherwise it returns 0.
    """
    wm = W * m
    want_ext = ext.shape[1] > 0
    v = np.empty(wm)
    lg = np.empty(wm)
    zb = np.empty(wm, dtype=np.int64)
    eb = np.empty(wm, dtype=np.int64)
    rs = np.empty(W)
    ex = np.empty(W)
    kb = np.empty(W, dtype=np.int64)
    live = np.empty(wm, dtype=np.int64)
    for k in range(wm):
        live[k] = 1 if g[k] != 0.0 else 0
    # running extremes: a run's W rows folded into EXT rows' slots (fewer stores)
    sl = EXT * m
    hx = np.full(sl, -np.inf)
    lx = np.full(sl, np.inf)
    n_nan = 0  # NaN values (±inf shows in the extremes)
    for row0 in range(lo, hi, W):
        rows = min(W, hi - row0)
        cnt = rows * m
        base = row0 * m
        blk = flat[base : base + cnt]  # a 1-D run: the loops below vectorise
        n_bad = 0  # values below TINY (or NaN) on a counted column: an integer sum vectorises
        for k in range(cnt):
            val = np.float64(blk[k])
            low = (val < TINY) | (val != val)  # bitwise: no branch, so the loop vectorises
            n_bad += low & live[k]
            n_nan += val != val
            v[k] = 1.0 if low else val
        if want_ext:
            fold_extremes(blk, rows, m, hx, lx)
        log_run(v, cnt, zb, eb, g, lg)  # the products the sums add (the log, then times g)
        row_sums(lg, rows, m, const, rs)
        if take_exp:
            for w in range(rows):
                odd[row0 + w] = (rs[w] < -700.0) | (rs[w] > 700.0)
            exp_run(rs, rows, kb, ex)
            for w in range(rows):
                out[row0 + w] = ex[w]
        else:
            for w in range(rows):
                odd[row0 + w] = False
                out[row0 + w] = rs[w]
        if n_bad > 0:  # rare: find the rows with a bad value on a counted column
            for w in range(rows):
                o1 = w * m
                b = 0
                for j in range(m):
                    val = np.float64(blk[o1 + j])
                    b += ((val < TINY) | (val != val)) & live[o1 + j]
                if b > 0:
                    odd[row0 + w] = True
    if want_ext:
        for k in range(sl):
            ext[0, k] = hx[k]
            ext[1, k] = lx[k]
    return n_nan


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
    one = np.ones(wm)
    n_bad = 0  # an integer count: its sum vectorises (a float one would be a chain)
    for row0 in range(lo, hi, W):
        rows = min(W, hi - row0)
        cnt = rows * m
        base = row0 * m
        blk = flat[base : base + cnt]  # a 1-D run: the loops below vectorise
        for k in range(cnt):
            val = a[k] * np.float64(blk[k]) + b[k]
            fine = (val >= TINY) & (val <= 1.7976931348623157e308)  # bitwise: vectorises
            n_bad += not fine
            v[k] = val if fine else 1.0
        log_run(v, cnt, zb, eb, one, lg)
        for k in range(cnt):
            acc[k] += lg[k]
    for j in range(m):
        s = 0.0
        for w in range(W):
            s += acc[w * m + j]
        out[j] = s
    return n_bad == 0


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
