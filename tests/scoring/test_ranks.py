"""Ranks and the tie rule (citymatch.scoring.ranks) against brute-force definitions."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from citymatch.scoring.ranks import (
    add_rank_counts,
    first_place_shares,
    order_best_first,
    rank_scores,
    tie_round,
)

grid_scores = hnp.arrays(
    np.float64,
    st.tuples(st.integers(1, 6), st.integers(1, 7)),
    elements=st.integers(0, 4).map(lambda v: v / 4),
)


def _brute_counts(scores):
    """Per sample: a candidate tied with g others over ranks a+1..a+g gets 1/g of each."""
    n = scores.shape[1]
    counts = np.zeros((n, n))
    for row in scores:
        for i in range(n):
            better = sum(1 for j in range(n) if row[j] > row[i])
            group = sum(1 for j in range(n) if row[j] == row[i])
            for r in range(better, better + group):
                counts[i, r] += 1.0 / group
    return counts


@settings(max_examples=150, deadline=None)
@given(grid_scores)
def test_rank_counts_split_ties_exactly_as_defined(scores):
    """add_rank_counts adds to ``counts`` exactly the brute-force split counts (ties share
    their ranks equally), so rows and columns sum to the number of samples."""
    counts = np.full((scores.shape[1],) * 2, 7.0)
    add_rank_counts(scores, counts)
    np.testing.assert_allclose(counts - 7.0, _brute_counts(scores), atol=1e-12)


@settings(max_examples=150, deadline=None)
@given(grid_scores)
def test_first_place_shares_and_ranks_follow_the_same_rule(scores):
    """first place is shared 1/g among the g tied best; competition ranks are 1 + number
    strictly better; best-first order is by score, ties by position."""
    shares = first_place_shares(scores)
    ranks = rank_scores(scores)
    order = order_best_first(scores)
    for k, row in enumerate(scores):
        best = row == row.max()
        np.testing.assert_allclose(shares[k], np.where(best, 1.0 / best.sum(), 0.0), atol=1e-15)
        assert ranks[k].tolist() == [1 + int((row > v).sum()) for v in row]
        assert order[k].tolist() == sorted(range(len(row)), key=lambda i: (-row[i], i))
    assert order.dtype == np.int64 and ranks.dtype == np.int64


def test_scores_equal_to_twelve_decimals_are_ties_and_thirteen_are_not():
    """The one tie rule: equal after rounding to 12 decimals."""
    s = np.array([0.5, 0.5 + 4e-13, 0.5 + 3e-12])
    assert tie_round(s)[0] == tie_round(s)[1] != tie_round(s)[2]
    assert rank_scores(s).tolist() == [2, 2, 1]
    counts = np.zeros((3, 3))
    add_rank_counts(s[None], counts)
    np.testing.assert_allclose(counts, [[0, 0.5, 0.5], [0, 0.5, 0.5], [1, 0, 0]])


def test_one_dimensional_scores():
    """One score vector (not a batch): best-first order and ranks along it."""
    s = np.array([0.2, 0.9, 0.2, 0.5])
    assert order_best_first(s).tolist() == [1, 3, 0, 2]
    assert rank_scores(s).tolist() == [3, 1, 3, 2]
