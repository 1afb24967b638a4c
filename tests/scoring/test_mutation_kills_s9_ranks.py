"""Tests written to kill surviving mutants of ``scoring/ranks.py``, ``stats.py`` and ``streaming.py``.

Session 9, helper "ranks" (docs/mutation/session9-ranks.md).  Expected values are computed
in the test by plain Python: competition ranks as 1 + the number of strictly better scores,
best-first orders by ``sorted`` with the key (−score, position), rank counts by enumerating
each row's tie groups, column statistics by ``max``/``min``/``math.fsum`` — never by citymatch.
"""

from __future__ import annotations

import math

import numpy as np

from citymatch.scoring.ranks import add_rank_counts, rank_scores, tie_round, top_order
from citymatch.scoring.stats import ColumnStats, merge_stats, observed_stats, with_fills
from citymatch.scoring.streaming import TopK, column_statistics


def _ranks_by_hand(row):
    """Competition ranks of exactly representable scores: 1 + number strictly better."""
    return [1 + sum(1 for b in row if b > a) for a in row]


def _counts_by_hand(rows, k):
    """N × k rank counts: a tie group over ranks a..a+g−1 gives each member 1/g of each."""
    n = len(rows[0])
    out = [[0.0] * k for _ in range(n)]
    for row in rows:
        for i, a in enumerate(row):
            better = sum(1 for b in row if b > a)
            g = sum(1 for b in row if b == a)
            for r in range(better, min(better + g, k)):
                out[i][r] += 1.0 / g
    return np.array(out)


def test_half_precision_scores_rank_as_their_float64_values():
    """float16 scores are widened before rounding: ranks 3, 1, 1, 4 and float64 tie values."""
    s = np.array([1.0, 2.0, 2.0, 0.5], dtype=np.float16)
    r = tie_round(s)
    assert r.dtype == np.float64
    assert r.tolist() == [1.0, 2.0, 2.0, 0.5]
    assert rank_scores(s).tolist() == [3, 1, 1, 4]


def test_ranks_are_int64_competition_ranks():
    """Ranks are int64 (1, 2, 2, 4 style), one row and a batch of rows alike."""
    one = rank_scores(np.array([0.3, 0.7, 0.7, 0.1]))
    assert one.dtype == np.int64
    assert one.tolist() == _ranks_by_hand([0.3, 0.7, 0.7, 0.1])
    rows = [[0.5, 0.5, 0.25], [0.0, 1.0, 0.5]]
    many = rank_scores(np.array(rows))
    assert many.dtype == np.int64
    assert many.tolist() == [_ranks_by_hand(r) for r in rows]


def test_full_top_order_keeps_equal_scores_in_input_order():
    """k1 ≥ N: best first, equal raw scores in input order (100 candidates, many equal)."""
    row = [float(i % 3 == 0) + 0.25 * float(i % 7 == 0) for i in range(100)]
    order, tied = top_order(np.array([row]), 100)
    assert order[0].tolist() == sorted(range(100), key=lambda i: (-row[i], i))
    assert tied.tolist() == [True]


def test_partial_top_order_gives_the_best_heads_and_tie_flags():
    """k1 < N: each row's k1 best, best first; a row is tied when two of its head are equal."""
    rows = [
        [0.1, 0.9, 0.4, 0.8, 0.2, 0.3],  # head 1, 3, 2: untied
        [0.5, 0.1, 0.7, 0.7, 0.2, 0.3],  # head 2, 3 tie
        [0.6, 0.1, 0.2, 0.3, 0.9, 0.8],  # head 4, 5, 0: untied (tie none)
        [0.9, 0.2, 0.2, 0.3, 0.4, 0.1],  # tie beyond the head: untied
    ]
    order, tied = top_order(np.array(rows), 3)
    assert tied.tolist() == [False, True, False, False]
    for row, got, t in zip(rows, order, tied, strict=True):
        head = sorted(range(6), key=lambda i: (-row[i], i))[:3]
        if not t:
            assert got[:3].tolist() == head
        else:
            assert sorted(got[:3].tolist()) == sorted(head)


def test_partial_rank_counts_equal_the_counts_by_hand():
    """add_rank_counts with k < N (partial selection) splits ties exactly as enumerated."""
    rows = [
        [0.1, 0.9, 0.4, 0.8, 0.2, 0.3],
        [0.5, 0.1, 0.7, 0.7, 0.2, 0.3],
        [0.6, 0.6, 0.6, 0.3, 0.9, 0.8],
        [0.9, 0.2, 0.2, 0.3, 0.4, 0.1],
        [0.4, 0.4, 0.4, 0.4, 0.4, 0.4],
    ]
    for k in (1, 2, 3, 5):
        counts = np.zeros((6, k))
        r, c, m = add_rank_counts(np.array(rows), counts)
        np.testing.assert_allclose(counts, _counts_by_hand(rows, k), rtol=0, atol=1e-12)
        firsts = [(i, j, 1.0 / len(b)) for i, row in enumerate(rows)
                  for b in [[j for j in range(6) if row[j] == max(row)]] for j in b]
        assert list(zip(r.tolist(), c.tolist(), m.tolist(), strict=True)) == firsts


def test_scores_equal_to_twelve_decimals_tie_in_partial_counts():
    """Scores 1e−13 apart tie (12-decimal rule) also when only the first k ranks are counted."""
    rows = [[0.5, 0.5 + 1e-13, 0.2, 0.1], [0.5, 0.5 + 1e-11, 0.2, 0.1]]
    counts = np.zeros((4, 2))
    add_rank_counts(np.array(rows), counts)
    expect = _counts_by_hand([[0.5, 0.5, 0.2, 0.1], rows[1]], 2)
    np.testing.assert_allclose(counts, expect, rtol=0, atol=1e-12)
