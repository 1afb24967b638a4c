"""Bodies of the compiled one-read passes whose rows are summed in a dependent chain (numba).

The methods' max/min pass (:func:`extremes_py`, also the column sums), SPOTIS's affine sums
with the range check (:func:`within_rows_py`), COPRAS's two sums over disjoint columns with
the block totals of its cost term (:func:`split_rows_py`) and COPRAS's last pass
(:func:`copras_q_py`).  Compiled and cached by :mod:`._jit`; :mod:`.rowpass` decides when
they run and keeps their numpy twins.

On one core, reading the matrix and summing its rows take turns unless the work is arranged
for both to proceed at once: short runs of :data:`V` rows, two rows summed side by side (two
independent chains, each still in column order, so the bits of a row's sum do not change),
and :func:`prefetch` asking for the matrix :data:`AHEAD` values before it is needed.  With a
busy neighbour the pool's threads get about one core, so this is what makes the passes fast
there.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._jitrows import AHEAD, FLUSH, W, prefetch

__all__ = [
    "V",
    "copras_q_py",
    "extremes_py",
    "prefetch",
    "split_rows_py",
    "within_rows_py",
]

#: Rows per run of the kernels that sum rows in a dependent chain (range check, split
#: sums): shorter runs interleave the reads with the arithmetic better on one core.  A
#: multiple of 4 (the range check folds a run's four quarters).
V = 16
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
    :func:`._jitrows.affine_rows_py`); ``cx``, ``blo``, ``bhi`` are tiled over a run (V·M), K ≥ 1.
    Returns the count of values outside ``[blo, bhi]`` plus a term that is NaN when a sum is
    not finite (a NaN or ±inf cell makes its row's sums so, also where the coefficient is
    0): 0.0 exactly when every cell is within its bounds.
    """
    wm = V * m
    n_out = cx.shape[0]
    last = flat.shape[0] - 1
    t = np.empty(wm)
    fin = np.zeros(V)
    outside = 0  # an integer count: its sum vectorises
    for row0 in range(lo, hi, V):
        rows = min(V, hi - row0)
        cnt = rows * m
        base = row0 * m
        blk = flat[base : base + cnt]  # a 1-D run: the loops below vectorise
        for q in range(n_out):
            cxq = cx[q]
            if q == 0:  # the range check rides on the first form's products
                for k in range(cnt):
                    v = np.float64(blk[k])
                    t[k] = cxq[k] * v
                    outside += (v < blo[k]) | (v > bhi[k])
            else:
                for k in range(cnt):
                    t[k] = cxq[k] * np.float64(blk[k])
            w = 0
            while w + 4 <= rows:  # four rows at a time: four independent chains
                if q == 0:  # five lines per four rows (four rows of 10 values span 320 bytes)
                    ahead = base + AHEAD + w * m
                    for p in range(0, 4 * m, 8):
                        prefetch(flat, min(ahead + p, last))
                o1 = w * m
                o2 = o1 + m
                o3 = o2 + m
                o4 = o3 + m
                s1 = const[q]
                s2 = s1
                s3 = s1
                s4 = s1
                for j in range(m):
                    s1 += t[o1 + j]
                    s2 += t[o2 + j]
                    s3 += t[o3 + j]
                    s4 += t[o4 + j]
                sums[q, row0 + w] = s1
                sums[q, row0 + w + 1] = s2
                sums[q, row0 + w + 2] = s3
                sums[q, row0 + w + 3] = s4
                w += 4
            while w < rows:  # the last rows of a short run
                o1 = w * m
                s1 = const[q]
                for j in range(m):
                    s1 += t[o1 + j]
                sums[q, row0 + w] = s1
                w += 1
            for w in range(rows):
                fin[w] += sums[q, row0 + w] * 0.0  # NaN from a NaN or ±inf sum
    bad: float = fin.sum()  # NaN if a sum was not finite
    return bad + outside


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
            while w + 4 <= rows:  # four rows at a time: eight independent chains
                ahead = base + AHEAD + w * m
                for p in range(0, 4 * m, 8):
                    prefetch(flat, min(ahead + p, last))
                o1 = w * m
                o2 = o1 + m
                o3 = o2 + m
                o4 = o3 + m
                a1 = 0.0
                a2 = 0.0
                a3 = 0.0
                a4 = 0.0
                c1 = 0.0
                c2 = 0.0
                c3 = 0.0
                c4 = 0.0
                for j in range(m):
                    if plus[j]:  # the same columns in every row: the branch is predicted
                        a1 += t[o1 + j]
                        a2 += t[o2 + j]
                        a3 += t[o3 + j]
                        a4 += t[o4 + j]
                    else:
                        c1 += t[o1 + j]
                        c2 += t[o2 + j]
                        c3 += t[o3 + j]
                        c4 += t[o4 + j]
                spr[w] = a1
                smr[w] = c1
                spr[w + 1] = a2
                smr[w + 1] = c2
                spr[w + 2] = a3
                smr[w + 2] = c3
                spr[w + 3] = a4
                smr[w + 3] = c4
                w += 4
            while w < rows:  # the last rows of a short run
                o1 = w * m
                a1, c1 = 0.0, 0.0
                for j in range(m):
                    if plus[j]:
                        a1 += t[o1 + j]
                    else:
                        c1 += t[o1 + j]
                spr[w] = a1
                smr[w] = c1
                w += 1
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
