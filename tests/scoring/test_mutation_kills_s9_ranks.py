"""Tests written to kill surviving mutants of ``scoring/ranks.py``, ``stats.py`` and ``streaming.py``.

Session 9, helper "ranks" (docs/mutation/session9-ranks.md).  Expected values are computed
in the test by plain Python: competition ranks as 1 + the number of strictly better scores,
best-first orders by ``sorted`` with the key (−score, position), rank counts by enumerating
each row's tie groups, column statistics by ``max``/``min``/``math.fsum`` — never by citymatch.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from citymatch.errors import CitymatchValueError
from citymatch.scoring.ranks import add_rank_counts, rank_scores, tie_round, top_order
from citymatch.scoring.stats import ColumnStats, merge_stats, observed_stats, with_fills
from citymatch.scoring.streaming import Chunk, TopK, chunk_stats, column_statistics, score_chunks


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
        [0.9, 0.5, 0.5, 0.1, 0.2, 0.3],  # a unique best above a tie
    ]
    for k in (1, 2, 3, 5):
        counts = np.zeros((6, k))
        r, c, m = add_rank_counts(np.array(rows), counts)
        np.testing.assert_allclose(counts, _counts_by_hand(rows, k), rtol=0, atol=1e-12)
        firsts = [
            (i, j, 1.0 / len(b))
            for i, row in enumerate(rows)
            for b in [[j for j in range(6) if row[j] == max(row)]]
            for j in b
        ]
        assert list(zip(r.tolist(), c.tolist(), m.tolist(), strict=True)) == firsts


def test_scores_equal_to_twelve_decimals_tie_in_partial_counts():
    """Scores 1e−13 apart tie (12-decimal rule) also when only the first k ranks are counted."""
    rows = [[0.5, 0.5 + 1e-13, 0.2, 0.1], [0.5, 0.5 + 1e-11, 0.2, 0.1]]
    counts = np.zeros((4, 2))
    add_rank_counts(np.array(rows), counts)
    expect = _counts_by_hand([[0.5, 0.5, 0.2, 0.1], rows[1]], 2)
    np.testing.assert_allclose(counts, expect, rtol=0, atol=1e-12)


def _stats_by_hand(x):
    cols = np.asarray(x, dtype=np.float64).T.tolist()
    return (
        [max(c) for c in cols],
        [min(c) for c in cols],
        [math.fsum(v * v for v in c) for c in cols],
        [math.fsum(c) for c in cols],
    )


def _part(x):
    mx, mn, ss, sm = _stats_by_hand(x)
    return ColumnStats(np.array(mx), np.array(mn), np.array(ss), np.array(sm))


def test_merged_statistics_are_those_of_the_union():
    """merge_stats of three row sets: max, min, Σx², Σx of all their rows together."""
    a, b, c = [[1.0, -2.0], [3.0, 0.5]], [[-4.0, 8.0]], [[2.0, 2.0], [0.25, -3.0]]
    got = merge_stats([_part(a), _part(b), _part(c)])
    mx, mn, ss, sm = _stats_by_hand(a + b + c)
    assert got.max.tolist() == mx
    assert got.min.tolist() == mn
    assert got.sumsq is not None and got.sumsq.tolist() == ss
    assert got.sum is not None and got.sum.tolist() == sm
    alone = merge_stats([_part(b)])
    assert alone.max.tolist() == [-4.0, 8.0] and alone.sum is not None
    assert alone.sum.tolist() == [-4.0, 8.0]
    bare = merge_stats([ColumnStats(p.max, p.min, None, None) for p in (_part(a), _part(c))])
    assert bare.sumsq is None and bare.sum is None
    assert bare.max.tolist() == [3.0, 2.0] and bare.min.tolist() == [0.25, -3.0]


def test_merged_statistics_propagate_nan_from_any_part():
    """A NaN max or min in any part (first or last) makes that column's merged max/min NaN."""
    ok = ColumnStats(np.array([1.0, 2.0]), np.array([0.0, 1.0]), None, None)
    bad = ColumnStats(np.array([np.nan, 5.0]), np.array([0.5, np.nan]), None, None)
    for parts in ([ok, bad], [bad, ok]):
        got = merge_stats(parts)
        assert math.isnan(got.max[0]) and got.max[1] == 5.0
        assert got.min[0] == 0.0 and math.isnan(got.min[1])


def test_observed_statistics_skip_missing_cells_and_fills_add_them():
    """observed_stats over the non-missing cells; with_fills adds count·v² and count·v."""
    x = np.array([[1.0, np.nan, 4.0], [-2.0, 3.0, np.nan], [5.0, np.nan, np.nan]])
    miss = np.isnan(x)
    got = observed_stats(x, miss)
    assert got.max.tolist() == [5.0, 3.0, 4.0]
    assert got.min.tolist() == [-2.0, 3.0, 4.0]
    assert got.sumsq is not None and got.sumsq.tolist() == [30.0, 9.0, 16.0]
    assert got.sum is not None and got.sum.tolist() == [4.0, 3.0, 4.0]
    count = np.array([0, 2, 2], dtype=np.int64)
    filled = with_fills(got, count, np.array([np.nan, 3.0, -1.0]))
    assert filled.max.tolist() == [5.0, 3.0, 4.0] and filled.min.tolist() == [-2.0, 3.0, 4.0]
    assert filled.sumsq is not None and filled.sumsq.tolist() == [30.0, 27.0, 18.0]
    assert filled.sum is not None and filled.sum.tolist() == [4.0, 9.0, 2.0]
    none = with_fills(ColumnStats(got.max, got.min, None, None), count, np.array([0.0, 3.0, 1.0]))
    assert none.sumsq is None and none.sum is None


def test_column_statistics_merge_chunks_and_count_rows():
    """Pass 1 over chunks (one empty): union statistics, row count, only the asked sums."""
    chunks = [[[1.0, 2.0], [3.0, -1.0]], [], [[0.5, 4.0]]]
    arrays = [np.array(c, dtype=np.float64).reshape(-1, 2) for c in chunks]
    mx, mn, ss, sm = _stats_by_hand(chunks[0] + chunks[2])

    def boom(chunk, offset):
        return AssertionError("finite data")

    vec, n = column_statistics(iter(arrays), norm="vector", on_nonfinite=boom)
    assert n == 3 and vec is not None
    assert vec.max.tolist() == mx and vec.min.tolist() == mn
    assert vec.sumsq is not None and vec.sumsq.tolist() == ss and vec.sum is None
    tot, _ = column_statistics(iter(arrays), norm="sum", on_nonfinite=boom)
    assert tot is not None and tot.sumsq is None
    assert tot.sum is not None and tot.sum.tolist() == sm
    assert column_statistics(iter([np.zeros((0, 2))]), norm="max", on_nonfinite=boom) == (None, 0)


def test_column_statistics_report_the_first_nonfinite_chunk_at_its_offset():
    """The error is built from the first chunk holding NaN or ±inf, at its first row's offset."""
    seen = []

    def err(chunk, offset):
        seen.append((chunk.tolist(), offset))
        return ValueError(f"bad at {offset}")

    arrays = [np.ones((2, 2)), np.array([[1.0, np.inf]]), np.array([[np.nan, 1.0]])]
    with pytest.raises(ValueError, match=r"^bad at 2$"):
        column_statistics(iter(arrays), norm="max", on_nonfinite=err)
    assert seen == [([[1.0, np.inf]], 2)]
    inf_in_max_only = np.array([[1.0, 2.0], [3.0, np.inf]])  # column min stays finite
    with pytest.raises(ValueError, match=r"^bad at 0$"):
        column_statistics(iter([inf_in_max_only]), norm="max", on_nonfinite=err)
    with pytest.raises(ValueError, match=r"^bad at 0$"):
        column_statistics(iter([-inf_in_max_only]), norm="max", on_nonfinite=err)
    with pytest.raises(ValueError, match=r"^bad at 0$"):
        column_statistics(iter([np.array([[-np.inf, 0.0]])]), norm="max", on_nonfinite=err)


def test_running_top_k_keeps_the_best_and_ties_by_source_order():
    """TopK over three chunks: the best k, best first, ties (12 decimals) by source row."""
    chunks = [
        ([0.5, 0.9, 0.5], [0, 1, 2], ["a", "b", "c"]),
        ([0.5 + 1e-13, 0.95], [3, 4], ["d", "e"]),
        ([0.1, 0.5], [5, 6], ["f", "g"]),
    ]
    everything = [
        (s, r, lab) for ss, rr, ll in chunks for s, r, lab in zip(ss, rr, ll, strict=True)
    ]
    for k in (1, 2, 3, 4, 6, 9):
        top = TopK(k)
        for ss, rr, ll in chunks:
            top.push(np.array(ss), np.array(rr, dtype=np.int64), name=ll, extra=np.array(rr) * 2)
        got = top.ordered()
        expect = sorted(everything, key=lambda t: (-round(t[0], 12), t[1]))[:k]
        assert got["row"].tolist() == [t[1] for t in expect]
        assert got["name"].tolist() == [t[2] for t in expect]
        assert got["extra"].tolist() == [2 * t[1] for t in expect]
        assert got["score"].tolist() == [t[0] for t in expect]
    assert TopK(3).ordered() == {}


def test_statistics_are_float64_for_float32_input():
    """observed_stats and chunk_stats of float32 data: float64 values, any memory layout."""
    rows = [[0.1, 3.0, -2.5], [1e7 + 1.0, 0.5, 0.25], [2.0, -1.0, 4.0], [0.75, 0.3, 1.5]]
    x32 = np.array(rows, dtype=np.float32)
    mx, mn, ss, sm = _stats_by_hand(x32)  # of the float32 values, widened exactly
    got = observed_stats(x32, np.zeros(x32.shape, dtype=bool))
    for arr, want in zip(got, (mx, mn, ss, sm), strict=True):
        assert arr is not None and arr.dtype == np.float64
        np.testing.assert_allclose(arr, want, rtol=1e-15, atol=0)
    layouts = (x32, np.asfortranarray(x32), np.array(x32.T.tolist(), dtype=np.float32).T)
    for x in (*layouts, x32[::2]):
        want = _stats_by_hand(x)
        part = chunk_stats(x, sumsq=True, total=True)
        for arr, w in zip(part, want, strict=True):
            assert arr is not None and arr.dtype == np.float64
            np.testing.assert_allclose(arr, w, rtol=1e-12, atol=0)


def test_a_single_filled_cell_adds_its_value():
    """with_fills with count 1: Σx² gains v², Σx gains v (count 0 adds nothing, even for NaN)."""
    base = ColumnStats(np.array([2.0, 1.0]), np.array([0.0, -1.0]), np.zeros(2), np.zeros(2))
    got = with_fills(base, np.array([1, 0], dtype=np.int64), np.array([-3.0, np.nan]))
    assert got.sumsq is not None and got.sumsq.tolist() == [9.0, 0.0]
    assert got.sum is not None and got.sum.tolist() == [-3.0, 0.0]


def test_running_top_k_of_many_rows_and_its_field_types():
    """TopK over 300 distinct scores in two chunks: the best 7; labels kept as given, numbers as numbers."""
    scores = [((i * 37) % 301) / 301 for i in range(300)]
    top = TopK(7)
    for lo, hi in ((0, 170), (170, 300)):
        labels: list[object] = [i if i % 2 else f"c{i}" for i in range(lo, hi)]
        top.push(
            np.array(scores[lo:hi]),
            np.arange(lo, hi, dtype=np.int64),
            name=labels,
            n=np.arange(lo, hi),
        )
    got = top.ordered()
    best = sorted(range(300), key=lambda i: (-scores[i], i))[:7]
    assert got["row"].tolist() == best
    assert got["name"].tolist() == [i if i % 2 else f"c{i}" for i in best]
    assert got["n"].dtype.kind == "i" and got["n"].tolist() == best


def test_running_top_k_cut_of_one_chunk():
    """TopK(6) of 66 distinct scores (37·i mod 66)/66 in one chunk: exactly the best 6."""
    scores = [((i * 37) % 66) / 66 for i in range(66)]
    top = TopK(6)
    top.push(np.array(scores), np.arange(66, dtype=np.int64))
    assert top.ordered()["row"].tolist() == sorted(range(66), key=lambda i: -scores[i])[:6]


def test_score_chunks_sends_every_chunk_to_the_sink_and_keeps_the_top():
    """Pass 2 by hand: D⁺, D⁻ and closeness per row to the sink (empty chunk skipped), best first."""
    r2 = math.sqrt(2.0)
    ideal, anti, coef = np.array([1.0, 1.0]), np.zeros(2), np.ones(2)
    chunks = [
        Chunk(np.array([[1.0, 1.0], [0.0, 0.0]]), np.array([0, 1]), {"id": ["a", "b"]}),
        Chunk(np.zeros((0, 2)), np.zeros(0, dtype=np.int64), {"id": []}),
        Chunk(np.array([[1.0, 0.0]]), np.array([2]), {"id": np.array(["c"], dtype=object)}),
    ]
    seen: list[dict[str, object]] = []
    assert score_chunks(iter(chunks), ideal, anti, coef, top=None, sink=seen.append) == {}
    assert [sorted(d) for d in seen] == [["d_anti_ideal", "d_ideal", "id", "row", "score"]] * 2
    assert seen[0]["id"] == ["a", "b"] and isinstance(seen[1]["id"], np.ndarray)
    got = {k: np.concatenate([np.asarray(d[k]) for d in seen]).tolist() for k in seen[0]}
    assert got["row"] == [0, 1, 2] and got["id"] == ["a", "b", "c"]
    np.testing.assert_allclose(got["d_ideal"], [0.0, r2, 1.0], rtol=1e-15)
    np.testing.assert_allclose(got["d_anti_ideal"], [r2, 0.0, 1.0], rtol=1e-15)
    np.testing.assert_allclose(got["score"], [1.0, 0.0, 0.5], rtol=1e-15)
    kept = score_chunks(iter(chunks), ideal, anti, coef, top=2, sink=None)
    assert sorted(kept) == ["d_anti_ideal", "d_ideal", "id", "row", "score"]
    assert kept["row"].tolist() == [0, 2] and kept["id"].tolist() == ["a", "c"]
    with_x = score_chunks(iter(chunks), ideal, anti, coef, top=1, sink=None, keep_x=True)
    assert with_x["x"].tolist() == [[1.0, 1.0]]


def test_score_chunks_checks_threads_before_reading_a_chunk():
    """threads=0 is refused with the argument's name and rule, before the first chunk is read."""

    def chunks():
        raise AssertionError("a chunk was read")
        yield  # pragma: no cover

    with pytest.raises(CitymatchValueError, match=r"`threads` must be an integer ≥ 1; got 0\."):
        score_chunks(chunks(), np.ones(2), np.zeros(2), np.ones(2), top=None, sink=None, threads=0)


def test_top_order_on_the_compiled_path_is_the_brute_force_head(monkeypatch):
    """The compiled twin (taken from ``JIT_MIN_CELLS`` score cells; lowered here so a small
    input reaches it) gives each row's k best, best first, and flags a row whose head holds
    two equal scores — as a full sort by hand does."""
    from citymatch.scoring import _jit, ranks

    if not _jit.AVAILABLE:
        pytest.fail("numba (a test dependency) is not installed")
    calls = []
    real = _jit.top_rows

    def spy(*args):
        calls.append(args[1])
        return real(*args)

    monkeypatch.setattr(ranks, "JIT_MIN_CELLS", 0)
    monkeypatch.setattr(_jit, "top_rows", spy)
    rng = np.random.default_rng(5)
    s = rng.permutation(200).reshape(5, 40).astype(float) / 7.0  # distinct scores
    s[3, 11] = s[3, int(np.argmax(s[3]))]  # row 3: its best score twice
    k1 = 4
    order, tied = top_order(s, k1)
    assert calls == [k1]  # the compiled twin answered
    for i, row in enumerate(s.tolist()):
        best = sorted(range(40), key=lambda j: -row[j])[:k1]
        got = order[i, :k1].tolist()
        if i == 3:
            assert sorted(got[:2]) == sorted(best[:2]) and got[2:] == best[2:]
        else:
            assert got == best
    assert tied.tolist() == [False, False, False, True, False]
