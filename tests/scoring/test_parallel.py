"""One level of parallelism (issue 15): partial-selection rank counts, the pool and BLAS.

* Counting the first k ranks by partial selection gives exactly the first k columns of the
  full-sort counts, tie-free and tied (hypothesis; exact equality, not a tolerance).
* Inside citymatch's pool BLAS runs one thread (threadpoolctl, read from inside a worker),
  and outside it the user's setting is back.
* Pooled results equal the serial ones to the last bit.
"""

from __future__ import annotations

import itertools
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from threadpoolctl import threadpool_info

from citymatch.errors import CitymatchValueError
from citymatch.scoring import pool
from citymatch.scoring.ranks import add_rank_counts, first_place_shares
from citymatch.sensitivity import acceptability as acc_mod

SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def score_rows(draw):
    k_rows = draw(st.integers(1, 30))
    n = draw(st.integers(2, 40))
    levels = draw(st.integers(1, 6))  # few levels → many exact ties; 6 → fewer
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if draw(st.booleans()):
        s = rng.integers(0, levels, size=(k_rows, n)).astype(np.float64) / levels
    else:
        s = rng.random((k_rows, n))
    return s, draw(st.integers(1, n))


def _brute_counts(s, k):
    """Rank counts by definition: candidate i's rank group in each row, shares 1/g each."""
    n = s.shape[1]
    out = np.zeros((n, n))
    r = np.round(s, 12)
    for row in r:
        for i in range(n):
            better = int((row > row[i]).sum())
            group = int((row == row[i]).sum())
            out[i, better : better + group] += 1.0 / group
    return out[:, :k]


@SETTINGS
@given(score_rows())
def test_partial_selection_counts_equal_the_full_sort(p):
    """First-k counts (argpartition) = the first k columns of the full counts = brute force;
    the first places it returns are those of ``first_place_shares``."""
    s, k = p
    n = s.shape[1]
    full = np.zeros((n, n))
    add_rank_counts(s, full)
    part = np.zeros((n, k))
    rows, cands, mass = add_rank_counts(s, part)
    np.testing.assert_array_equal(part, full[:, :k])
    share = first_place_shares(s)  # the first places, found independently
    si, ci = np.nonzero(share)
    np.testing.assert_array_equal(rows, si)
    np.testing.assert_array_equal(cands, ci)
    np.testing.assert_array_equal(mass, share[si, ci])
    np.testing.assert_allclose(full[:, :k], _brute_counts(s, k), rtol=0, atol=1e-12)
    np.testing.assert_allclose(part.sum(axis=0), s.shape[0], rtol=0, atol=1e-9)


def _blas_threads():
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def test_blas_is_single_threaded_inside_the_pool_and_restored_after():
    """A pool worker sees BLAS limited to 1 thread; the caller's setting returns afterwards."""
    before = _blas_threads()
    assert before, "no BLAS library found by threadpoolctl"
    seen = pool.over_rows(2 * pool.PARALLEL_MIN_ROWS, 2, lambda lo, hi: _blas_threads())
    assert len(seen) >= 2  # chunks handed out as threads come free
    assert all(t == [1] * len(before) for t in seen)
    assert _blas_threads() == before
    inline = list(
        pool.ordered_map(lambda i: (pool.in_pool(), _blas_threads()), range(3), threads=2)
    )
    assert all(flag and t == [1] * len(before) for flag, t in inline)
    assert _blas_threads() == before


def test_nested_work_inside_the_pool_runs_inline():
    """Work started from a pool thread runs in that thread (no nested pool, no deadlock)."""

    def inner(i):
        here = threading.get_ident()
        n = 2 * pool.PARALLEL_MIN_ROWS
        return pool.over_rows(n, 2, lambda lo, hi: (lo, hi, threading.get_ident() == here))

    out = list(pool.ordered_map(inner, range(4), threads=2))
    chunks = pool.row_chunks(2 * pool.PARALLEL_MIN_ROWS, 2)  # 32 blocks: two chunks of sixteen
    assert out == [[(lo, hi, True) for lo, hi in chunks]] * 4


@pytest.fixture
def problem():
    rng = np.random.default_rng(5)
    x = rng.uniform(1, 10, size=(60, 4))
    x[7] = x[3]  # two identical candidates: ties split
    return x, np.array([0.4, 0.3, 0.2, 0.1]), np.array([1, -1, 1, 1])


def test_acceptability_with_threads_equals_serial_bit_for_bit(problem):
    """Sample blocks on the pool (merged in order) give the serial result exactly."""
    x, w, t = problem
    one = acc_mod.rank_acceptability(x, w, t, samples=5000, rng=3, threads=1)
    two = acc_mod.rank_acceptability(x, w, t, samples=5000, rng=3, threads=2)
    np.testing.assert_array_equal(one.acceptability, two.acceptability)
    np.testing.assert_array_equal(one.central_weights, two.central_weights)
    np.testing.assert_array_equal(one.confidence, two.confidence)


@pytest.mark.parametrize("method", ["TOPSIS", "WSM", "VIKOR"])
def test_first_k_ranks_equal_the_full_table(problem, method):
    """``ranks=k`` keeps exactly the first k columns of the full N × N acceptability."""
    x, w, t = problem
    full = acc_mod.rank_acceptability(x, w, t, samples=3000, rng=9, method=method)
    part = acc_mod.rank_acceptability(x, w, t, samples=3000, rng=9, method=method, ranks=5)
    assert part.acceptability.shape == (60, 5) and part.ranks == 5
    np.testing.assert_array_equal(part.acceptability, full.acceptability[:, :5])
    np.testing.assert_array_equal(part.confidence, full.confidence)
    np.testing.assert_allclose(part.acceptability.sum(axis=0), 1.0, atol=1e-12)
    assert part.top_k_probability(5).equals(full.top_k_probability(5))
    with pytest.raises(CitymatchValueError, match=r"`k` must be an integer in 1\.\.5; got 6"):
        part.top_k_probability(6)


def test_all_ranks_refused_when_the_table_cannot_be_held(problem, monkeypatch):
    """Without ``ranks`` an N × N table over the limit is refused, naming ``ranks=k``."""
    monkeypatch.setattr(acc_mod, "FULL_RANKS_MAX_CELLS", 59 * 59)
    x, w, t = problem
    with pytest.raises(CitymatchValueError, match=r"`ranks`: counting all 60 ranks .* ranks=k"):
        acc_mod.rank_acceptability(x, w, t, samples=10, rng=0)
    with pytest.raises(CitymatchValueError, match=r"`ranks` must be an integer in 1\.\.60; got 0"):
        acc_mod.rank_acceptability(x, w, t, samples=10, rng=0, ranks=0)


def test_many_candidates_first_ranks_in_bounded_memory():
    """20,000 candidates, first 3 ranks: an N × 3 table, scores in slices (never N × N)."""
    rng = np.random.default_rng(2)
    x = rng.uniform(1, 10, size=(20_000, 3))
    x[123] = [10.0, 10.0, 10.0]  # dominates: first under every weight vector
    res = acc_mod.rank_acceptability(x, [1, 1, 1], [1, 1, 1], samples=1500, rng=1, ranks=3)
    assert res.acceptability.shape == (20_000, 3)
    assert res.acceptability[123, 0] == 1.0
    np.testing.assert_allclose(res.acceptability.sum(axis=0), 1.0, atol=1e-12)


def test_scores_in_slices_give_the_same_result(problem, monkeypatch):
    """Scoring a sample block (and the confidence's central weights) in slices of 3 rows —
    what bounds memory at large N — gives the result of scoring them at once."""
    x, w, t = problem
    whole = acc_mod.rank_acceptability(x, w, t, samples=2000, rng=4, ranks=4)
    monkeypatch.setattr(acc_mod, "_SCORE_CELLS", 3 * x.shape[0])
    sliced = acc_mod.rank_acceptability(x, w, t, samples=2000, rng=4, ranks=4)
    np.testing.assert_allclose(sliced.acceptability, whole.acceptability, rtol=0, atol=1e-12)
    np.testing.assert_allclose(sliced.central_weights, whole.central_weights, atol=1e-12)
    np.testing.assert_allclose(sliced.confidence, whole.confidence, atol=1e-12)
    assert np.isfinite(whole.confidence).sum() >= 2  # several candidates first at some point


def test_over_rows_hands_out_chunks_in_order_with_bounded_concurrency():
    """Several chunks per thread (a busy core does less), never more than ``parts`` at once.

    The chunks cover every row once, contiguously, and come back in row order.
    """
    import threading
    import time

    active, peak, lock = [0], [0], threading.Lock()

    def fn(lo, hi):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.002)
        with lock:
            active[0] -= 1
        return lo, hi

    n = 3 * pool.PARALLEL_MIN_ROWS + 5
    got = pool.over_rows(n, 2, fn)
    assert len(got) > 2
    assert got[0][0] == 0 and got[-1][1] == n
    assert all(a[1] == b[0] for a, b in itertools.pairwise(got))
    assert peak[0] <= 2
    one = pool.over_chunks([(0, 5), (5, 9), (9, 20)], fn, threads=1)
    assert one == [(0, 5), (5, 9), (9, 20)]
    assert peak[0] <= 2
