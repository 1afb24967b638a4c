"""Bodies of the compiled rank-counting kernels of SMAA (numba), and TOPSIS's scalar tie rule.

Compiled and cached by :mod:`._jit`; :mod:`.ranks` and
:mod:`citymatch.sensitivity.acceptability` decide when they run and keep their numpy twins.

Why compiled code
-----------------
SMAA-2 with the first ``k`` ranks needs, per weight sample, the ``k + 1`` best of N scores
in order.  In numpy that is a (K, N) score matrix written to memory, an ``argpartition``
(O(N) per row, but ~8 ns a value), a small sort and gathers.  Here each sample's N scores
are computed into a buffer that stays in L1, and one sweep keeps the ``k + 1`` best by
insertion (a value below the current k+1-th costs one comparison): the score matrix never
exists, and the work per value is a few instructions.

Bit-for-bit the numpy twins
---------------------------
* :func:`score_row` sums ``w²ⱼ · Aᵢⱼ`` in criterion order ``j = 0, 1, …, M−1`` with no
  fused multiply-add (compiled without fast-math), takes the square roots and applies
  :func:`closeness1`: exactly what :func:`citymatch.sensitivity._terms.closeness_from_terms`
  does with numpy ufuncs, so both give the same bits (held by the tests).
* :func:`select_top` orders the ``k + 1`` best by raw score, an earlier candidate first among
  equal values (a stable sort's order); a row is *tied* when two adjacent of them are equal
  after rounding to :data:`citymatch._util.TIE_DECIMALS` places (``rint(v·10¹²)/10¹²``,
  numpy's own rounding steps): such rows go back to the numpy tie-splitting code.  For the
  other rows the order of the first ``k`` is unique, so it equals numpy's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Values per run of the selection's vectorised scan.
RUN = 32

__all__ = [
    "RUN",
    "closeness1",
    "head_tied",
    "insert_top",
    "score_row",
    "select_top",
    "top_rows_py",
    "topsis_rows_py",
    "topsis_top_py",
]


def closeness1(p: float, q: float) -> float:  # pragma: no cover - compiled
    """The compiled twin of :func:`._kernels.closeness` for one candidate (0.5 at a tie)."""
    den = p + q
    return q / den if den > 0 else 0.5


def insert_top(vals: Any, idx: Any, c: int, v: float, i: int) -> int:  # pragma: no cover
    """Insert value ``v`` of candidate ``i`` into the best-first ``vals``/``idx`` holding ``c``.

    Full lists (``c`` = their length) keep ``v`` only when it beats the last; among equal
    values the earlier candidate stays first.  Returns the new count.
    """
    k1 = vals.shape[0]
    if c == k1:
        if not v > vals[k1 - 1]:
            return c
        p = k1 - 1
    else:
        p = c
        c += 1
    while p > 0 and vals[p - 1] < v:
        vals[p] = vals[p - 1]
        idx[p] = idx[p - 1]
        p -= 1
    vals[p] = v
    idx[p] = i
    return c


def select_top(row: Any, vals: Any, idx: Any) -> bool:  # pragma: no cover - compiled
    """The ``len(vals)`` largest values of ``row`` into ``vals``/``idx``, best first (stable).

    After the first ``len(vals)``, the row is read in runs of :data:`RUN`: a run is scanned
    (vectorised) for a value above the current last or a NaN, and only such runs are
    inserted value by value.  Returns False when the row holds a NaN.
    """
    n, k1 = row.shape[0], vals.shape[0]
    c = 0
    i = 0
    while i < n and c < k1:
        v = row[i]
        if v != v:
            return False
        c = insert_top(vals, idx, c, v, i)
        i += 1
    while i < n:
        end = min(i + RUN, n)
        thr = vals[k1 - 1]
        hit = False
        for q in range(i, end):
            v = row[q]
            hit = hit | (v > thr) | (v != v)
        if hit:
            for q in range(i, end):
                v = row[q]
                if v != v:
                    return False
                c = insert_top(vals, idx, c, v, q)
        i = end
    return True


def head_tied(vals: Any, k1: int, scale: float) -> bool:  # pragma: no cover - compiled
    """Whether two adjacent of the ``k1`` best values are equal after tie rounding."""
    prev = np.rint(vals[0] * scale) / scale
    for p in range(1, k1):
        cur = np.rint(vals[p] * scale) / scale
        if cur == prev:
            return True
        prev = cur
    return False


def top_rows_py(
    s: Any, k1: int, scale: float, order: Any, tied: Any
) -> bool:  # pragma: no cover - compiled
    """For each row of scores ``s`` (K, N): its ``k1`` best (``order``) and whether tied."""
    vals = np.empty(k1)
    for r in range(s.shape[0]):
        if not select_top(s[r], vals, order[r]):
            return False
        tied[r] = head_tied(vals, k1, scale)
    return True


def score_row(
    a_plus_t: Any, a_minus_t: Any, w2: Any, dp: Any, dm: Any, out: Any
) -> None:  # pragma: no cover
    """TOPSIS scores of all N candidates under one squared-weight vector ``w2`` (M,).

    ``a_plus_t``/``a_minus_t`` are the weight-free terms transposed (M, N); ``dp``/``dm`` are
    (N,) work buffers.  Sums in criterion order, then square roots and the closeness.
    """
    m, n = a_plus_t.shape
    wj, a, b = w2[0], a_plus_t[0], a_minus_t[0]
    for i in range(n):  # one criterion per sweep, each sweep on 1-D rows: vectorised
        dp[i] = wj * a[i]
    for i in range(n):
        dm[i] = wj * b[i]
    for j in range(1, m):
        wj, a, b = w2[j], a_plus_t[j], a_minus_t[j]
        for i in range(n):
            dp[i] += wj * a[i]
        for i in range(n):
            dm[i] += wj * b[i]
    for i in range(n):
        out[i] = closeness1(np.sqrt(dp[i]), np.sqrt(dm[i]))


def topsis_top_py(
    a_plus_t: Any, a_minus_t: Any, w2: Any, k1: int, scale: float, order: Any, tied: Any
) -> bool:  # pragma: no cover - compiled
    """:func:`top_rows_py` of the TOPSIS scores under each row of ``w2`` (K, M), fused."""
    n = a_plus_t.shape[1]
    dp = np.empty(n)
    dm = np.empty(n)
    row = np.empty(n)
    vals = np.empty(k1)
    for r in range(w2.shape[0]):
        score_row(a_plus_t, a_minus_t, w2[r], dp, dm, row)
        if not select_top(row, vals, order[r]):
            return False
        tied[r] = head_tied(vals, k1, scale)
    return True


def topsis_rows_py(a_plus_t: Any, a_minus_t: Any, w2: Any, out: Any) -> None:  # pragma: no cover
    """The TOPSIS score rows (K, N) under each row of ``w2`` (K, M)."""
    n = a_plus_t.shape[1]
    dp = np.empty(n)
    dm = np.empty(n)
    for r in range(w2.shape[0]):
        score_row(a_plus_t, a_minus_t, w2[r], dp, dm, out[r])
