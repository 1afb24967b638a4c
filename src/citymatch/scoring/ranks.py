"""Ranks from scores: competition ranks, best-first order and rank counts with split ties.

The one home of the tie rule: scores equal after rounding to
:data:`citymatch._util.TIE_DECIMALS` places are ties, in every path (in memory, streamed,
Dask, sensitivity).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .._util import TIE_DECIMALS

__all__ = ["add_rank_counts", "first_place_shares", "order_best_first", "rank_scores", "tie_round"]

F64 = NDArray[np.float64]


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


def add_rank_counts(scores: NDArray[np.floating], counts: F64) -> None:
    """Add rank counts for (K, N) scores to ``counts`` (N × N), splitting exact ties."""
    n = scores.shape[1]
    s = tie_round(scores)
    order = np.argsort(-s, axis=1, kind="stable")
    sorted_s = np.take_along_axis(s, order, axis=1)
    tied = np.any(sorted_s[:, 1:] == sorted_s[:, :-1], axis=1)
    clean = ~tied
    if clean.any():
        o = order[clean]
        flat = o * n + np.arange(n)[None, :]
        counts += np.bincount(flat.ravel(), minlength=n * n).reshape(n, n)
    for row in np.flatnonzero(tied):  # rare: exact ties share their ranks
        vals = sorted_s[row]
        start = 0
        while start < n:
            end = start + 1
            while end < n and vals[end] == vals[start]:
                end += 1
            members = order[row, start:end]
            counts[np.ix_(members, np.arange(start, end))] += 1.0 / (end - start)
            start = end


def first_place_shares(scores: NDArray[np.floating]) -> F64:
    """Each candidate's share of first place in each of (K, N) score rows, splitting ties.

    With k candidates tied for the best score (after :func:`tie_round`), each gets ``1/k``;
    every row sums to 1.  The column sums equal the first column of :func:`add_rank_counts`.
    """
    s = tie_round(scores)
    best = s == s.max(axis=-1, keepdims=True)
    out: F64 = best / best.sum(axis=-1, keepdims=True)
    return out
