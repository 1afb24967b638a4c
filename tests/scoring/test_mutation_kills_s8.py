"""Tests written to kill surviving mutants of ``scoring/_kernels.py`` (session 8, MUTATION.md).

The kernels' numpy paths are called directly with ``jit=False`` (or below the compiled
thresholds), so every test here checks the numpy kernel whatever numba does.  Expected values
are written out in the test: column statistics by Python's own ``max``/``min``/``math.fsum``
over the column, distances by the textbook formula ``sqrt(Σ_j c_j² (x_ij − p_j)²)`` row by row,
closeness ``D⁻/(D⁺ + D⁻)`` (0.5 where both are 0) — never by citymatch.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from citymatch.errors import NumericRangeError
from citymatch.scoring import _jit, _kernels


def _col_stats(x):
    """max, min, Σx², Σx of every column, by plain Python over float64 values (fsum: exact)."""
    cols = np.asarray(x, dtype=np.float64).T.tolist()
    return (
        np.array([max(c) for c in cols]),
        np.array([min(c) for c in cols]),
        np.array([math.fsum(v * v for v in c) for c in cols]),
        np.array([math.fsum(c) for c in cols]),
    )


def _textbook(x, ideal, anti, coef):
    """D⁺, D⁻ and closeness row by row, in plain Python."""
    x = np.asarray(x, dtype=np.float64)
    dp, dm = [], []
    for row in x.tolist():
        cols = list(zip(row, ideal, anti, coef, strict=True))
        dp.append(math.sqrt(math.fsum((c * (v - p)) ** 2 for v, p, _, c in cols)))
        dm.append(math.sqrt(math.fsum((c * (v - a)) ** 2 for v, _, a, c in cols)))
    sc = [0.5 if a + b == 0 else b / (a + b) for a, b in zip(dp, dm, strict=True)]
    return np.array(dp), np.array(dm), np.array(sc)


def _grid(n, m, seed, dtype=np.float64, order="C"):
    """Quarter-integers in [-10, 10]: every sum below is exact in float64."""
    rng = np.random.default_rng(seed)
    x = rng.integers(-40, 41, size=(n, m)) / 4.0
    return np.asarray(x, dtype=dtype, order=order)


def _assert_stats(st, x, sumsq=True, total=True):
    mx, mn, ss, sm = _col_stats(x)
    np.testing.assert_array_equal(st.max, mx)
    np.testing.assert_array_equal(st.min, mn)
    assert st.max.dtype == np.float64 and st.min.dtype == np.float64
    if sumsq:
        np.testing.assert_array_equal(st.sumsq, ss)
    else:
        assert st.sumsq is None
    if total:
        np.testing.assert_array_equal(st.sum, sm)
    else:
        assert st.sum is None


# ------------------------------------------------------------------ column statistics, numpy
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("threads", [1, 2])
def test_numpy_column_stats_over_several_blocks_are_the_plain_column_reductions(
    order, dtype, threads
):
    """Max, min, Σx², Σx of every column (several row blocks, a wide part and a ragged tail,
    one or two threads, both layouts, float32 reduced in float64) are the column's own."""
    m = 3
    n = 2 * _kernels.block_rows(m) + 77  # 16461 rows: three blocks, two chunks with 2 threads
    x = _grid(n, m, 1, dtype, order)
    x[5, 0], x[n - 1, 1], x[n // 2, 2] = 11.0, -11.0, 10.75  # extremes far from the start
    st = _kernels.column_stats(x, sumsq=True, total=True, threads=threads, jit=False)
    _assert_stats(st, x)


@pytest.mark.parametrize("n", [1, 63, 64, 65, 130])
def test_numpy_column_stats_of_small_tables_around_the_wide_width(n):
    """Tables shorter than, equal to and longer than the 64-row wide view give the plain
    column statistics (the wide part and the tail are both counted once)."""
    x = _grid(n, 4, n)
    x[n - 1] = [12.0, -12.0, 0.25, 7.0]  # the last row (in the tail) holds extremes
    st = _kernels.column_stats(x, sumsq=True, total=True, threads=1, jit=False)
    _assert_stats(st, x)


@pytest.mark.parametrize(("sumsq", "total"), [(True, False), (False, True), (False, False)])
@pytest.mark.parametrize("jit", [False, True])
def test_column_stats_give_only_the_sums_asked_for(sumsq, total, jit):
    """``sumsq``/``total`` switch Σx² and Σx on and off on both kernels; max and min always."""
    x = _grid(200, 3, 7)
    st = _kernels.column_stats(x, sumsq=sumsq, total=total, threads=1, jit=jit)
    _assert_stats(st, x, sumsq=sumsq, total=total)


def test_column_stats_default_to_max_and_min_only():
    """Called with only the matrix, max and min are computed (on whichever kernel the size
    picks) and the sums are left out."""
    x = _grid(100, 2, 8)
    _assert_stats(_kernels.column_stats(x), x, sumsq=False, total=False)
    for jit in (False, True):
        _assert_stats(_kernels.column_stats(x, jit=jit), x, sumsq=False, total=False)


@pytest.mark.parametrize(("n", "m"), [(5, 70), (64, 64), (130, 65)])
def test_numpy_column_stats_of_wide_tables_with_few_rows(n, m):
    """More criteria than rows (and 64-row blocks at 64+ criteria) give the plain column
    statistics."""
    x = _grid(n, m, 16)
    x[n - 1, m - 1] = 10.25
    _assert_stats(_kernels.column_stats(x, sumsq=True, total=True, threads=1, jit=False), x)


@pytest.mark.parametrize("jit", [False, True])
def test_a_nan_or_infinite_cell_shows_in_its_column_statistics_only(jit):
    """A NaN cell makes its column's max and min NaN; +inf is the max of its column, -inf the
    min of its; the other columns keep their plain statistics (documented in column_stats)."""
    x = _grid(300, 4, 9)
    x[100, 1] = np.nan
    x[250, 2] = np.inf
    x[3, 3] = -np.inf
    st = _kernels.column_stats(x, sumsq=True, total=True, threads=1, jit=jit)
    assert np.isnan(st.max[1]) and np.isnan(st.min[1])
    assert st.max[2] == np.inf and st.min[2] == x[:, 2].min()
    assert st.min[3] == -np.inf and st.max[3] == x[:, 3].max()
    mx, mn, ss, sm = _col_stats(x[:, :1])
    assert (st.max[0], st.min[0], st.sumsq[0], st.sum[0]) == (mx[0], mn[0], ss[0], sm[0])
    assert np.isnan(st.sum[1]) and st.sum[2] == np.inf and st.sum[3] == -np.inf


# ------------------------------------------------------------------ distances, one weight vector
def _points(x, types):
    mx, mn = x.max(axis=0), x.min(axis=0)
    return np.where(types > 0, mx, mn), np.where(types > 0, mn, mx)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("threads", [1, 2])
def test_numpy_distances_over_several_blocks_are_the_textbook_distances(order, threads):
    """D⁺, D⁻ and the closeness of every row (three row blocks and a ragged one, one or two
    threads, both layouts) equal the textbook ``sqrt(Σ c_j² (x_ij − p_j)²)``."""
    m = 100
    n = 2 * _kernels.block_rows(m) + 37  # 1024-row blocks at 100 criteria
    x = _grid(n, m, 3, order=order)
    types = np.where(np.arange(m) % 3 == 0, -1, 1)
    ideal, anti = _points(x, types)
    coef = np.linspace(0.0, 0.05, m)
    got = _kernels.distances(x, ideal, anti, coef, threads=threads, jit=False)
    u = (x - ideal) * coef
    v = (x - anti) * coef
    dp, dm = np.sqrt((u * u).sum(axis=1)), np.sqrt((v * v).sum(axis=1))
    for g, want in zip(got, (dp, dm, dm / (dp + dm)), strict=True):
        np.testing.assert_allclose(g, want, rtol=1e-12, atol=0)


def test_numpy_distances_of_a_small_table_by_hand():
    """Three candidates, two criteria: D⁺, D⁻, closeness by hand; the ideal row scores 1 with
    D⁺ exactly 0, the anti-ideal row 0."""
    x = np.array([[3.0, 1.0], [1.0, 5.0], [2.0, 3.0]])
    ideal, anti = np.array([3.0, 1.0]), np.array([1.0, 5.0])  # criterion 2 is a cost
    coef = np.array([0.5, 0.25])
    d_ideal, d_anti, scores = _kernels.distances(x, ideal, anti, coef, threads=1, jit=False)
    # row 3: (2−3)·0.5 = −0.5, (3−1)·0.25 = 0.5 → √0.5 both ways
    np.testing.assert_array_equal(d_ideal, [0.0, math.sqrt(2.0), math.sqrt(0.5)])
    np.testing.assert_array_equal(d_anti, [math.sqrt(2.0), 0.0, math.sqrt(0.5)])
    np.testing.assert_array_equal(scores, [1.0, 0.0, 0.5])


@pytest.mark.parametrize("jit", [False, True])
def test_distances_tie_at_one_half_when_nothing_separates_the_candidates(jit):
    """With ideal = anti-ideal on every weighted criterion both distances are 0 and every
    candidate scores 0.5 (the documented tie rule), on both kernels."""
    x = _grid(70, 3, 4)
    ideal = anti = np.array([1.0, 2.0, 3.0])
    coef = np.array([0.0, 0.0, 0.0])
    d_ideal, d_anti, scores = _kernels.distances(x, ideal, anti, coef, threads=1, jit=jit)
    np.testing.assert_array_equal(d_ideal, 0.0)
    np.testing.assert_array_equal(d_anti, 0.0)
    np.testing.assert_array_equal(scores, 0.5)


def test_chunk_distances_read_a_transposed_column_major_chunk():
    """A streamed chunk given as the transposed view of column-major data (M × rows stored
    row by row) is scored like the textbook, below the compiled chunk threshold."""
    xt = np.ascontiguousarray(_grid(3, 150, 5))  # M × rows
    x = xt.T  # rows × M, Fortran-ordered view
    types = np.array([1, -1, 1])
    ideal, anti = _points(x, types)
    coef = np.array([0.1, 0.2, 0.3])
    got = _kernels.chunk_distances(x, ideal, anti, coef, threads=1)
    for g, want in zip(got, _textbook(x, ideal, anti, coef), strict=True):
        np.testing.assert_allclose(g, want, rtol=1e-13, atol=0)


def test_small_distances_from_the_transposed_copy_by_hand():
    """``small_distances`` on the M × N copy returns the textbook D⁺ and D⁻."""
    x = np.array([[3.0, 1.0], [1.0, 5.0], [2.0, 3.0]])
    d_ideal, d_anti = _kernels.small_distances(
        np.ascontiguousarray(x.T), np.array([3.0, 1.0]), np.array([1.0, 5.0]), np.array([0.5, 0.25])
    )
    np.testing.assert_array_equal(d_ideal, [0.0, math.sqrt(2.0), math.sqrt(0.5)])
    np.testing.assert_array_equal(d_anti, [math.sqrt(2.0), 0.0, math.sqrt(0.5)])


# ------------------------------------------------------------------ closeness
def test_closeness_is_the_ratio_with_one_half_where_both_distances_are_zero():
    """``D⁻/(D⁺ + D⁻)``, 0.5 only where both are 0; ``out`` and ``work`` are written in place."""
    dp = np.array([[0.0, 1.0, 0.0], [3.0, 0.0, 2.0]])
    dm = np.array([[0.0, 3.0, 2.0], [1.0, 0.0, 2.0]])
    want = np.array([[0.5, 0.75, 1.0], [0.25, 0.5, 0.5]])
    np.testing.assert_array_equal(_kernels.closeness(dp, dm), want)
    out, work = np.full((2, 3), 9.0), np.empty((2, 3))
    res = _kernels.closeness(dp, dm, out=out, work=work)
    assert res is out
    np.testing.assert_array_equal(out, want)
    np.testing.assert_array_equal(work, dp + dm)
    assert _kernels.closeness(np.array([0.0]), np.array([0.0]))[0] == 0.5
    np.testing.assert_array_equal(_kernels.closeness(np.array([1.0]), np.array([0.0])), [0.0])


# ------------------------------------------------------------------ K weight vectors at once
def _batch_textbook(x, ideal, anti, coef):
    dp = np.stack([np.sqrt((((x - ideal) * c) ** 2).sum(axis=1)) for c in coef])
    dm = np.stack([np.sqrt((((x - anti) * c) ** 2).sum(axis=1)) for c in coef])
    with np.errstate(invalid="ignore"):
        sc = np.where(dp + dm == 0, 0.5, dm / (dp + dm))
    return dp, dm, sc


@pytest.mark.parametrize(("n", "block"), [(23, 5), (5, 5), (4, 5), (130, 128), (1, 128)])
def test_batch_scores_over_ragged_blocks_are_the_textbook_scores(n, block):
    """K scores per candidate over blocks of ``block`` candidates (a ragged last block, a
    single short block) equal K textbook runs; a weight vector on a dead criterion ties."""
    m = 3
    x = _grid(n, m, 6 + n)
    ideal, anti = _points(x, np.array([1, -1, 1]))
    coef = np.array([[0.1, 0.2, 0.3], [0.0, 0.0, 0.0], [0.5, 0.0, 0.01], [0.0, 1.0, 0.0]])
    got = _kernels.scores_batch(x, ideal, anti, coef, block=block)
    assert got.shape == (4, n)
    np.testing.assert_allclose(got, _batch_textbook(x, ideal, anti, coef)[2], rtol=1e-12, atol=0)
    np.testing.assert_array_equal(got[1], 0.5)


def test_batch_scores_default_block_and_the_pooled_split_give_the_textbook_scores():
    """From ``BATCH_PARALLEL_CELLS`` scores on the candidate blocks are split over the pool
    (block-aligned chunks): every score still equals the textbook, including the last rows."""
    k, m = 8, 2
    n = _kernels.BATCH_PARALLEL_CELLS // k + 300  # over the threshold; a ragged last block
    x = _grid(n, m, 11)
    ideal, anti = _points(x, np.array([1, -1]))
    coef = np.linspace(0.05, 1.0, k * m).reshape(k, m)
    got = _kernels.scores_batch(x, ideal, anti, coef)
    np.testing.assert_allclose(got, _batch_textbook(x, ideal, anti, coef)[2], rtol=1e-12, atol=0)


@pytest.mark.parametrize("n", [1, 7, 2 * 1024 + 5])
def test_batch_distances_are_the_textbook_distances(n):
    """``distances_batch`` returns K × N D⁺ and D⁻ (one block, or 1024-row blocks at 100
    criteria with a ragged last one)."""
    m = 100
    x = _grid(n, m, 12)
    ideal, anti = _points(x, np.where(np.arange(m) % 2 == 0, 1, -1))
    coef = np.stack([np.linspace(0.0, 0.05, m), np.full(m, 0.01)])
    dp, dm = _kernels.distances_batch(x, ideal, anti, coef)
    want_p, want_m, _ = _batch_textbook(x, ideal, anti, coef)
    np.testing.assert_allclose(dp, want_p, rtol=1e-12, atol=0)
    np.testing.assert_allclose(dm, want_m, rtol=1e-12, atol=0)


# ------------------------------------------------------------------ column-major statistics
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    ("sumsq", "total"), [(True, True), (True, False), (False, True), (False, False)]
)
def test_column_major_statistics_are_the_plain_column_reductions(dtype, sumsq, total):
    """``column_stats_columns`` on M × N data: each row of ``xt`` is a column, reduced in
    float64 (float32 one column at a time), with only the sums asked for."""
    xt = np.ascontiguousarray(_grid(5, 90, 13, dtype=dtype))
    xt[2, 89] = 10.75
    st = _kernels.column_stats_columns(xt, sumsq=sumsq, total=total)
    _assert_stats(st, xt.T, sumsq=sumsq, total=total)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_column_major_statistics_on_the_compiled_path_fall_back_on_a_non_finite_cell(
    monkeypatch, bad
):
    """Over the compiled chunk threshold the statistics equal the plain ones; a NaN or inf
    cell sends them back to numpy, which shows it in that column (NaN max and min; inf max)."""
    monkeypatch.setattr(_kernels, "JIT_MIN_CHUNK_CELLS", 0)
    xt = np.ascontiguousarray(_grid(3, 80, 14))
    st = _kernels.column_stats_columns(xt, sumsq=True, total=False)
    _assert_stats(st, xt.T, sumsq=True, total=False)
    xt[1, 40] = bad
    st = _kernels.column_stats_columns(xt, sumsq=False, total=True)
    assert st.sumsq is None
    assert st.max[1] == bad or (np.isnan(bad) and np.isnan(st.max[1]))
    assert st.max[0] == xt[0].max() and st.min[2] == xt[2].min()


# ------------------------------------------------------------------ which kernel runs
@pytest.mark.skipif(not _jit.AVAILABLE, reason="numba switched off or not installed")
def test_the_compiled_kernels_start_at_the_documented_cell_counts(monkeypatch):
    """``use_jit``: from ``JIT_MIN_CELLS`` cells on (not above) and only for a layout the
    compiled kernels read; ``_use_jit_chunk`` the same with ``JIT_MIN_CHUNK_CELLS`` (M × rows)."""
    x = _grid(40, 6, 15)  # 240 cells, C-contiguous
    strided = _grid(40, 12, 15)[:, ::2]  # 240 cells, neither C nor F contiguous
    monkeypatch.setattr(_kernels, "JIT_MIN_CELLS", 240)
    assert _kernels.use_jit(x) is True
    assert _kernels.use_jit(strided) is False
    monkeypatch.setattr(_kernels, "JIT_MIN_CELLS", 241)
    assert _kernels.use_jit(x) is False
    xt = np.ascontiguousarray(x.T)
    monkeypatch.setattr(_kernels, "JIT_MIN_CHUNK_CELLS", 240)
    assert _kernels._use_jit_chunk(xt) is True
    assert _kernels._use_jit_chunk(strided.T) is False
    monkeypatch.setattr(_kernels, "JIT_MIN_CHUNK_CELLS", 241)
    assert _kernels._use_jit_chunk(xt) is False


@pytest.mark.parametrize("rows", [64, 3])  # the wide view, and the narrow tail alone
def test_numpy_column_stats_of_float32_data_are_reduced_in_float64(rows):
    """float32 input is reduced in float64 (documented in stats.py): a Σx² beyond float32's
    range (3e19² ≈ 9e38) and a Σx that float32 cannot hold (2²⁴ + 1 + …) come out exact."""
    x = np.ones((rows, 2), dtype=np.float32)
    x[0] = [3e19, 2.0**24]
    st = _kernels.column_stats(x, sumsq=True, total=True, threads=1, jit=False)
    _assert_stats(st, x)
    assert st.sum[1] == 2.0**24 + rows - 1 and np.isfinite(st.sumsq[0])


def test_numpy_column_stats_overflow_to_inf_without_a_warning():
    """A Σx² or Σx beyond float64 comes out as inf (the caller checks it), silently: warnings
    are errors in this suite."""
    x = np.full((70, 2), 2.0**900)  # Σx = 70·2⁹⁰⁰ exactly; Σx² overflows
    x[:, 1] = 1.7e308
    st = _kernels.column_stats(x, sumsq=True, total=True, threads=1, jit=False)
    assert st.sumsq[0] == np.inf and st.sum[1] == np.inf and st.sum[0] == 70 * 2.0**900


@pytest.mark.parametrize("jit", [None, False, True])
def test_distances_and_statistics_of_a_strided_view_on_any_kernel_choice(jit):
    """A view that is neither C- nor F-contiguous (every other column) is scored like the
    textbook, with the default thread count and with ``jit`` left out, off or asked for
    (the compiled kernels cannot read it: numpy does)."""
    x = _grid(90, 6, 17)[:, ::2]
    types = np.array([1, -1, 1])
    ideal, anti = _points(x, types)
    coef = np.array([0.2, 0.3, 0.1])
    kw = {} if jit is None else {"jit": jit}
    got = _kernels.distances(x, ideal, anti, coef, **kw)
    for g, want in zip(got, _textbook(x, ideal, anti, coef), strict=True):
        np.testing.assert_allclose(g, want, rtol=1e-13, atol=0)
    _assert_stats(_kernels.column_stats(x, sumsq=True, total=True, **kw), x)


@pytest.mark.skipif(not _jit.AVAILABLE, reason="numba switched off or not installed")
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("threads", [None, 1, 2])
def test_compiled_scores_only_are_the_textbook_closeness(order, threads):
    """``scores_only`` (the compiled kernel writing only the closeness) gives every row's
    textbook closeness, over two 8192-row chunks with two threads, both layouts; a row at the
    ideal point scores exactly 1, at the anti-ideal point exactly 0."""
    n = 2 * 8192 + 5
    x = _grid(n, 3, 18, order=order)
    x[0] = [12.0, -12.0, 12.0]
    x[n - 1] = [-12.0, 12.0, -12.0]
    types = np.array([1, -1, 1])
    ideal, anti = _points(x, types)
    coef = np.array([0.2, 0.3, 0.1])
    got = _kernels.scores_only(x, ideal, anti, coef, threads=threads)
    assert got.shape == (n,)
    dp, dm = (np.sqrt((((x - p) * coef) ** 2).sum(axis=1)) for p in (ideal, anti))
    np.testing.assert_allclose(got, dm / (dp + dm), rtol=1e-12, atol=0)
    assert got[0] == 1.0 and got[n - 1] == 0.0


@pytest.mark.parametrize("jit", [False, True])
def test_kernel_distances_name_the_scores_in_their_refusal(jit):
    """A score that comes out non-finite (D⁺ = D⁻ = inf: ``inf/inf``) is refused with the
    message naming the TOPSIS scores and counting the places."""
    x = np.array([[1e10, 1.0], [0.0, 2.0]])  # 1e10·1e300 overflows in row 1 only
    with pytest.raises(
        NumericRangeError, match=r"^TOPSIS scores came out non-finite in 1 place \(NaN or ±inf\)"
    ):
        _kernels.distances(
            x, np.array([0.0, 2.0]), np.array([1e-300, 1.0]), np.array([1e300, 1.0]), jit=jit
        )


def test_column_major_statistics_default_to_max_and_min_and_overflow_silently(monkeypatch):
    """``column_stats_columns`` with only the data gives max and min, no sums; a Σx² beyond
    float64 is inf without a warning (the caller checks it); over the compiled threshold,
    Σx is kept when asked for."""
    xt = np.ascontiguousarray(_grid(2, 70, 19))
    _assert_stats(_kernels.column_stats_columns(xt), xt.T, sumsq=False, total=False)
    big = np.full((2, 70), 2.0**900)
    big[1] = 1.7e308
    st = _kernels.column_stats_columns(big, sumsq=True, total=True)
    assert (st.sumsq == np.inf).all() and st.sum[0] == 70 * 2.0**900 and st.sum[1] == np.inf
    monkeypatch.setattr(_kernels, "JIT_MIN_CHUNK_CELLS", 0)
    _assert_stats(_kernels.column_stats_columns(xt, total=True), xt.T, sumsq=False, total=True)
