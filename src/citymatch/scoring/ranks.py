"""Ranks from scores: competition ranks, best-first order and rank counts with split ties.

The one home of the tie rule: scores equal after rounding to
:data:`citymatch._util.TIE_DECIMALS` places are ties, in every path (in memory, streamed,
Dask, sensitivity).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from .._util import TIE_DECIMALS
from . import _jit
from ._kernels import JIT_MIN_CELLS

__all__ = [
    "JIT_MAX_RANKS",
    "TIE_SCALE",
    "add_rank_counts",
    "add_top_counts",
    "first_place_shares",
    "order_best_first",
    "rank_scores",
    "tie_round",
    "top_order",
]

F64 = NDArray[np.float64]

#: ``10 ** TIE_DECIMALS``: the compiled kernels round as numpy does, ``rint(v · scale) / scale``.
TIE_SCALE = 10.0**TIE_DECIMALS
#: The compiled partial selection keeps the first k + 1 by insertion (O(N·k) at worst): used
#: up to this k, numpy's ``argpartition`` above it.
JIT_MAX_RANKS = 64


def tie_round(scores: NDArray[np.floating]) -> F64:
    """Scores rounded to :data:`TIE_DECIMALS` places: equal values are ties."""
    s: F64 = np.asarray(scores, dtype=np.float64)
    return np.round(s, TIE_DECIMALS)


def order_best_first(scores: NDArray[np.floating]) -> NDArray[np.int64]:
    """Candidates best first along the last axis; ties keep input order."""
    return np.argsort(-tie_round(scores), axis=-1, kind="stable").astype(np.int64)


def rank_scores(scores: NDArray[np.floating]) -> NDArray[np.int64]:
    """Competition ranks (1 = best; ties share the lowest rank: 1, 2, 2, 4).

    Scores equal after rounding to :data:`TIE_DECIMALS` places are ties, so that candidates
    with identical data tie even when floating-point summation order differs.
    Works along the last axis, so a (K, N) batch gives (K, N) ranks.
    """
    s = tie_round(scores)
    # rank = 1 + number of strictly better scores
    order = np.sort(-s, axis=-1)
    return _count_better(order, s) + 1


def _count_better(sorted_neg: NDArray[np.float64], s: NDArray[np.float64]) -> NDArray[np.int64]:
    if s.ndim == 1:
        return np.searchsorted(sorted_neg, -s, side="left").astype(np.int64)
    out = np.empty(s.shape, dtype=np.int64)
    for k in range(s.shape[0]):  # K searchsorted calls, each vectorised over N
        out[k] = np.searchsorted(sorted_neg[k], -s[k], side="left")
    return out


def add_rank_counts(
    scores: NDArray[np.floating], counts: F64
) -> tuple[NDArray[np.intp], NDArray[np.intp], F64]:
    """Add rank counts for (K, N) scores to ``counts`` (N × k, the first k ranks), splitting ties.

    ``counts[i, r]`` gains 1 for each score row that puts candidate i at rank r + 1.  A group
    of g candidates tied (after :func:`tie_round`) over ranks a..a+g−1 gives each of them
    1/g of each of those ranks (only the ranks below k are kept).  With k = N every row is
    fully sorted; with k < N a partial selection finds the first k + 1 (:func:`top_order`)
    and only they are sorted and rounded — the same counts, without the N log N sort.
    (Rounding is monotone, so candidates tied after rounding are adjacent in the order of the
    raw scores, and a tie across rank k shows within the first k + 1.)

    Returns the first places, sample by sample: ``(sample, candidate, share)`` arrays, in
    the order of ``np.nonzero`` over the (K, N) first-place shares (ties split 1/g, as
    :func:`first_place_shares`).
    """
    s = np.asarray(scores, dtype=np.float64)
    order, tied = top_order(s, min(counts.shape[1] + 1, s.shape[1]))
    return add_top_counts(order, tied, lambda rows: s[rows], counts)


def top_order(s: F64, k1: int) -> tuple[NDArray[np.intp], NDArray[np.bool_]]:
    """Each score row's ``k1`` best candidates, best first, and whether that head is tied.

    With ``k1 >= N`` equal raw scores keep input order (a stable sort's order); with ``k1 < N``
    the partial selection keeps no such order (nor, at the cut, a rule for which is kept).  A row
    is *tied* when two adjacent of its ``k1`` best are equal after :func:`tie_round`; only the
    other rows' orders are used as they are (theirs is unique).  Large inputs run the compiled
    twin (:func:`._jit.top_rows`, one sweep per row instead of ``argpartition`` and gathers).
    """
    n = s.shape[1]
    if k1 >= n:
        order = np.argsort(-s, axis=1, kind="stable")
    else:
        if s.size >= JIT_MIN_CELLS and _jit.AVAILABLE and k1 <= JIT_MAX_RANKS:
            found = _jit.top_rows(s, k1, TIE_SCALE)
            if found is not None:
                return found
        top = np.argpartition(s, n - k1, axis=1)[:, n - k1 :]
        inner = np.argsort(-np.take_along_axis(s, top, axis=1), axis=1, kind="stable")
        order = np.take_along_axis(top, inner, axis=1)
    head = tie_round(np.take_along_axis(s, order[:, :k1], axis=1))
    return order, np.any(head[:, 1:] == head[:, :-1], axis=1)


def add_top_counts(
    order: NDArray[np.intp],
    tied: NDArray[np.bool_],
    rows_scores: Callable[[NDArray[np.intp]], F64],
    counts: F64,
) -> tuple[NDArray[np.intp], NDArray[np.intp], F64]:
    """Add the rank counts of rows given by their best-first heads (:func:`top_order`).

    ``rows_scores(rows)`` returns the full score rows of the tied rows (rare), which are split
    by the tie rule; the others add whole counts.  Same counts and return value as
    :func:`add_rank_counts`.
    """
    n, k = counts.shape
    clean = ~tied
    # Whole counts and tie shares are kept apart and added last, in that order, so that the
    # first k columns get the same bits whatever k (a row tied only beyond rank k is "clean"
    # for k < N and "tied" for k = N, but adds the same whole counts either way).
    whole = np.zeros((n, k))
    rows = [np.flatnonzero(clean)]
    cands = [order[clean, 0]]
    mass = [np.ones(rows[0].size)]
    if clean.any():
        flat = order[clean][:, :k] * k + np.arange(k)[None, :]
        whole += np.bincount(flat.ravel(), minlength=n * k).reshape(n, k)
    tied_rows = np.flatnonzero(tied)
    shares = np.zeros((n, k)) if tied_rows.size else None
    if tied_rows.size:  # rare: exact ties share their ranks
        assert shares is not None
        for row, s_row in zip(tied_rows, tie_round(rows_scores(tied_rows)), strict=True):
            best = _split_tied_row(s_row, whole, shares)
            rows.append(np.full(best.size, row))
            cands.append(best)
            mass.append(np.full(best.size, 1.0 / best.size))
    counts += whole
    if shares is not None:
        counts += shares
    r, c, m = np.concatenate(rows), np.concatenate(cands), np.concatenate(mass)
    sort = np.lexsort((c, r))
    return r[sort], c[sort], m[sort]


def _split_tied_row(s: F64, whole: F64, shares: F64) -> NDArray[np.intp]:
    """Add one tie-rounded score row's first k ranks (singletons to ``whole``, groups to ``shares``).

    Returns the candidates sharing first place.
    """
    n, k = whole.shape
    order = np.argsort(-s, kind="stable")
    vals = s[order]
    first = order[: int(np.count_nonzero(vals == vals[0]))]
    start = 0
    while start < min(n, k):
        end = start + 1
        while end < n and vals[end] == vals[start]:
            end += 1
        if end - start == 1:
            whole[order[start], start] += 1.0
        else:  # the whole group, even where it runs past rank k, shares ranks start..k−1
            members = order[start:end]
            shares[np.ix_(members, np.arange(start, min(end, k)))] += 1.0 / (end - start)
        start = end
    return np.sort(first)


def first_place_shares(scores: NDArray[np.floating]) -> F64:
    """Each candidate's share of first place in each of (K, N) score rows, splitting ties.

    With k candidates tied for the best score (after :func:`tie_round`), each gets ``1/k``;
    every row sums to 1.  The column sums equal the first column of :func:`add_rank_counts`.
    """
    s = tie_round(scores)
    best = s == s.max(axis=-1, keepdims=True)
    out: F64 = best / best.sum(axis=-1, keepdims=True)
    return out
