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

Scores in float32, answers in float64
-------------------------------------
:func:`topsis_top_py` scores each sample in float32 first (twice the values per vector
instruction, a cheaper square root and division) and uses those scores only to shortlist:
its float64 answer is the same bits as scoring everything in float64.

* Error bound.  For non-negative terms without overflow or underflow, each float32 score is
  within ``δ = 2 (M + 8) u`` (``u = 2⁻²⁴``) of the exact closeness: the terms and weights
  are rounded once each, each product once, a sum of M non-negative terms adds at most
  ``(M − 1) u`` relative, the square roots halve that and add ``u`` each, the addition and
  division add ``u`` each, and a closeness lies in [0, 1] (a factor 2 to spare; a finer
  analysis gives ``(M + 12) u / 4``, and the largest error seen for M = 1 … 200 is 0.09 δ).
  The float64 score differs from the exact one by about ``(M + 6) 2⁻⁵³``, inside the spare.
  Underflow is admitted but harmless: a float32-subnormal term or product moves ``D²`` by at
  most ``M (10⁶ + 1) 2⁻¹⁵⁰`` (``2⁻¹²⁶`` per value with flush-to-zero on), and since
  ``D⁺ + D⁻ ≥ √(D⁺² + D⁻²) ≥ √(2·10⁻¹⁶)`` (the floor below) a score moves by at most
  about ``4·10⁻¹² √M`` (``1.5·10⁻⁸ √M`` with flush-to-zero), far inside ``δ``.
* Shortlist.  With ``t₃₂`` the (k+1)-th best float32 score, or any lower value (the
  (k+1)-th best of :data:`GROUPS` group maxima is one when k + 1 ≤ GROUPS, usually close,
  found without sorting through all N), every candidate whose float32 score is below ``t₃₂ − 2δ`` has an exact score below the (k+1)-th best exact score, so it
  can be neither among the k + 1 best nor tied with the last of them.  The others (usually
  k + 1 or a few more) are scored in float64 with :func:`score_one` (the bits of
  :func:`score_row`) and selected by :func:`insert_top` in candidate order, as
  :func:`select_top` would over the whole row.
* Where the bound is not guaranteed the sample is scored in float64 throughout
  (:func:`filter_ok`): a negative or non-finite term, a term above 1e20, a squared weight
  above 1e6 or positive below 1e-30, or a lower bound on ``D⁺² + D⁻²`` (``floor``) below
  1e-16, under which float32 underflow could move a score by more than a negligible amount.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Values per run of the selection's vectorised scan.
RUN = 32
#: Candidates ``i`` are grouped by ``i mod GROUPS``; the k+1-th largest of the group maxima
#: is a lower bound on the k+1-th largest score, found with GROUPS values instead of N.
GROUPS = 128
#: That bound seeds the shortlist unless the shortlist would hold more than this many times
#: k + 1 candidates (then the float32 selection over all N finds the cut).
SHORTLIST_MAX = 4
#: float32's unit roundoff: the shortlist margin is ``2 (M + 8)`` of these (module docstring).
U32 = 2.0**-24

__all__ = [
    "GROUPS",
    "RUN",
    "SHORTLIST_MAX",
    "U32",
    "closeness1",
    "closeness32",
    "count_at_least",
    "filter_ok",
    "group_maxima",
    "head_tied",
    "insert_top",
    "score_one",
    "score_row",
    "score_row32",
    "select_top",
    "short_top",
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


def closeness32(p: Any, q: Any) -> Any:  # pragma: no cover - compiled
    """:func:`closeness1` in float32."""
    den = p + q
    return q / den if den > 0 else np.float32(0.5)


def score_row32(
    a_plus_t: Any, a_minus_t: Any, w2: Any, dp: Any, dm: Any, out: Any
) -> None:  # pragma: no cover - compiled
    """:func:`score_row` in float32: float32 terms and buffers, ``w2`` rounded to float32."""
    m, n = a_plus_t.shape
    wj, a, b = np.float32(w2[0]), a_plus_t[0], a_minus_t[0]
    for i in range(n):
        dp[i] = wj * a[i]
    for i in range(n):
        dm[i] = wj * b[i]
    for j in range(1, m):
        wj, a, b = np.float32(w2[j]), a_plus_t[j], a_minus_t[j]
        for i in range(n):
            dp[i] += wj * a[i]
        for i in range(n):
            dm[i] += wj * b[i]
    for i in range(n):
        out[i] = closeness32(np.sqrt(dp[i]), np.sqrt(dm[i]))


def score_one(a_plus_t: Any, a_minus_t: Any, w2: Any, i: int) -> float:  # pragma: no cover
    """Candidate ``i``'s score, the bits :func:`score_row` gives it (the same operations)."""
    p = w2[0] * a_plus_t[0, i]
    q = w2[0] * a_minus_t[0, i]
    for j in range(1, a_plus_t.shape[0]):
        p += w2[j] * a_plus_t[j, i]
        q += w2[j] * a_minus_t[j, i]
    return closeness1(np.sqrt(p), np.sqrt(q))


def filter_ok(w2: Any, floor: Any, top: float) -> bool:  # pragma: no cover - compiled
    """Whether the float32 shortlist's error bound holds for squared weights ``w2``.

    ``floor[j]`` bounds each candidate's ``A⁺ᵢⱼ + A⁻ᵢⱼ`` from below, ``top`` every term from
    above (``inf`` when a term is negative or not finite): see the module docstring.
    """
    low = 0.0
    ok = top <= 1e20
    for j in range(w2.shape[0]):
        v = w2[j]
        low += v * floor[j]
        ok = ok & (v <= 1e6) & ((v == 0.0) | (v >= 1e-30))
    return ok & (low >= 1e-16)


def group_maxima(row32: Any, gmax: Any) -> Any:  # pragma: no cover - compiled
    """``gmax[l] = max over i ≡ l (mod len(gmax)) of row32[i]`` (len(row32) ≥ len(gmax)).

    Element-wise across runs of ``len(gmax)`` values, so it vectorises.
    """
    g = gmax.shape[0]
    n = row32.shape[0]
    for q in range(g):
        gmax[q] = row32[q]
    full = n // g
    for b in range(1, full):
        run = row32[b * g : (b + 1) * g]
        for q in range(g):
            v = run[q]
            gmax[q] = v if v > gmax[q] else gmax[q]
    for q in range(n - full * g):
        v = row32[full * g + q]
        gmax[q] = v if v > gmax[q] else gmax[q]
    return gmax


def count_at_least(row32: Any, cut: Any) -> int:  # pragma: no cover - compiled
    """How many values of ``row32`` are at least ``cut`` (none if ``cut`` is NaN)."""
    c = 0
    for q in range(row32.shape[0]):
        c += row32[q] >= cut
    return c


def short_top(
    a_plus_t: Any, a_minus_t: Any, w2: Any, row32: Any, cut: Any, vals: Any, idx: Any
) -> int:  # pragma: no cover - compiled
    """The best of the candidates whose float32 score is at least ``cut``, scored in float64.

    Into ``vals``/``idx`` (best first, stable, as :func:`select_top`); returns how many
    were kept, or -1 at a NaN score.
    """
    n = row32.shape[0]
    c = 0
    i = 0
    while i < n:
        end = min(i + RUN, n)
        hit = False
        for q in range(i, end):
            hit = hit | (row32[q] >= cut)
        if hit:
            for q in range(i, end):
                if row32[q] >= cut:
                    v = score_one(a_plus_t, a_minus_t, w2, q)
                    if v != v:
                        return -1
                    c = insert_top(vals, idx, c, v, q)
        i = end
    return c


def topsis_top_py(
    a_plus_t: Any,
    a_minus_t: Any,
    p32: Any,
    m32: Any,
    floor: Any,
    top: float,
    w2: Any,
    k1: int,
    scale: float,
    order: Any,
    tied: Any,
) -> int:  # pragma: no cover - compiled
    """:func:`top_rows_py` of the TOPSIS scores under each row of ``w2`` (K, M), fused.

    Each sample is shortlisted in float32 (``p32``, ``m32``: the terms rounded) and decided
    in float64 (module docstring); where :func:`filter_ok` fails, scored in float64 only.
    Returns how many samples were shortlisted, or -1 at a NaN score (nothing is decided).
    """
    m, n = a_plus_t.shape
    dp = np.empty(n)
    dm = np.empty(n)
    row = np.empty(n)
    dp32 = np.empty(n, dtype=np.float32)
    dm32 = np.empty(n, dtype=np.float32)
    row32 = np.empty(n, dtype=np.float32)
    vals = np.empty(k1)
    vals32 = np.empty(k1, dtype=np.float32)
    idx32 = np.empty(k1, dtype=np.intp)
    gmax = np.empty(GROUPS, dtype=np.float32)
    gap = np.float32(4.0 * (m + 8) * U32 + 4.0 * U32)  # 2δ, and the subtraction's rounding
    shortlisted = 0
    for r in range(w2.shape[0]):
        w = w2[r]
        done = False
        if filter_ok(w, floor, top):
            score_row32(p32, m32, w, dp32, dm32, row32)
            cut = np.float32(np.nan)
            groups = n >= 2 * GROUPS and k1 <= GROUPS  # needs a k1-th group maximum
            if groups and select_top(group_maxima(row32, gmax), vals32, idx32):
                cut = vals32[k1 - 1] - gap  # the k+1-th best of the group maxima: ≤ t₃₂
                if count_at_least(row32, cut) > SHORTLIST_MAX * k1:  # a poor bound
                    cut = np.float32(np.nan)
            if cut != cut and select_top(row32, vals32, idx32):
                cut = vals32[k1 - 1] - gap
            done = short_top(a_plus_t, a_minus_t, w, row32, cut, vals, order[r]) == k1
            shortlisted += done
        if not done:
            score_row(a_plus_t, a_minus_t, w, dp, dm, row)
            if not select_top(row, vals, order[r]):
                return -1
        tied[r] = head_tied(vals, k1, scale)
    return shortlisted


def topsis_rows_py(a_plus_t: Any, a_minus_t: Any, w2: Any, out: Any) -> None:  # pragma: no cover
    """The TOPSIS score rows (K, N) under each row of ``w2`` (K, M)."""
    n = a_plus_t.shape[1]
    dp = np.empty(n)
    dm = np.empty(n)
    for r in range(w2.shape[0]):
        score_row(a_plus_t, a_minus_t, w2[r], dp, dm, out[r])
