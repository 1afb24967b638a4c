"""Session 10's fused passes: the lean max/min pass, SPOTIS's range check, COPRAS's split sums.

Each compiled pass is checked against an independent computation (plain numpy or exactly
rounded sums on the whole matrix) and against its numpy twin, at row counts that leave short
runs, short blocks and uneven thread chunks, with one thread and two.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import citymatch as cm
from citymatch.errors import CitymatchValueError, NonFiniteError
from citymatch.scoring import _jit, _kernels, rowpass
from citymatch.scoring.pool import BLOCK_ROWS, PARALLEL_MIN_ROWS

#: For the tests of the compiled passes themselves (the others also run without numba).
needs_jit = pytest.mark.skipif(not _jit.AVAILABLE, reason="compiled kernels switched off")

#: Rows that end in a short run (of 16 and of 64 rows), a short block and uneven chunks.
ODD = 2 * PARALLEL_MIN_ROWS + 3 * BLOCK_ROWS + 37


@pytest.fixture(params=["compiled", "numpy"])
def path(request, monkeypatch):
    """Every method call below runs on the compiled kernels, or on the numpy ones."""
    if request.param == "compiled" and not _jit.AVAILABLE:
        pytest.skip("compiled kernels switched off")
    monkeypatch.setattr(_kernels, "JIT_MIN_CELLS", 0 if request.param == "compiled" else 1 << 62)
    return request.param


# --- the max/min pass (no Σx²) --------------------------------------------------------------


@needs_jit
@pytest.mark.parametrize("threads", [1, 2])
def test_lean_statistics_are_numpys_extremes_and_the_full_kernels_sums(threads):
    """Max and min equal numpy's exactly; Σx has the bits of the full statistics kernel
    (same blocked order) and is within a few ulp of the exactly rounded sum."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(ODD, 5)) * 10.0 ** rng.integers(-3, 4, size=5)
    x[ODD - 1, 0], x[ODD - 3, 1] = 1e6, -1e6  # extremes in the rows after the last full run
    x[64 * 2 + 5, 2], x[64 * 7 + 1, 3] = 1e6, -1e6  # and in the third / fourth run of a sweep
    st = _kernels.column_stats(x, total=True, threads=threads, jit=True)
    full = _kernels.column_stats(x, sumsq=True, total=True, threads=threads, jit=True)
    np.testing.assert_array_equal(st.max, x.max(axis=0))
    np.testing.assert_array_equal(st.min, x.min(axis=0))
    np.testing.assert_array_equal(st.sum, full.sum)
    exact = [math.fsum(col) for col in x.T]
    np.testing.assert_allclose(st.sum, exact, rtol=1e-12)
    assert st.sumsq is None


@needs_jit
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_lean_statistics_hand_a_non_finite_cell_to_the_nan_aware_reductions(bad):
    """A NaN or ±inf anywhere (here in the short last run) shows in that column's max/min
    as numpy's reductions show it (the lean pass's selects would skip a NaN)."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(ODD, 4))
    x[ODD - 2, 3] = bad
    st = _kernels.column_stats(x, total=True, jit=True)
    np.testing.assert_array_equal(st.max, x.max(axis=0))
    np.testing.assert_array_equal(st.min, x.min(axis=0))


# --- SPOTIS's one read: sums and the range check --------------------------------------------


@needs_jit
@pytest.mark.parametrize("k", [0, 1, 2])
@pytest.mark.parametrize("threads", [1, 2])
def test_sums_within_of_the_compiled_pass_are_their_definition(k, threads):
    """K affine row sums equal ``x @ coefᵀ + const`` (K = 0: none) and the check passes."""
    rng = np.random.default_rng(3)
    x = rng.uniform(-5.0, 5.0, size=(ODD, 7))
    coef, const = rng.normal(size=(k, 7)), rng.normal(size=k)
    sums, inside = rowpass.sums_within(x, coef, const, np.full(7, -5.0), np.full(7, 5.0), threads=threads, jit=True)  # fmt: skip
    assert inside is True and sums.shape == (k, ODD)
    np.testing.assert_allclose(sums, (x @ coef.T + const).T, rtol=1e-12, atol=1e-12)


@needs_jit
@pytest.mark.parametrize("row", [0, 16 * 7 + 5, 16 * 7 + 9, ODD - 17, ODD - 6, ODD - 1])
@pytest.mark.parametrize("value", ["low", "high", np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("k", [0, 1])
def test_sums_within_finds_any_cell_outside_or_not_finite(row, value, k):
    """One ulp below or above a bound, or a NaN or ±inf, in any run (also the run before a
    short last run, whose slots the last run does not touch) makes the check False."""
    rng = np.random.default_rng(4)
    x = rng.uniform(0.0, 1.0, size=(ODD, 10))
    lo, hi = np.zeros(10), np.ones(10)
    j = 9  # the last column: slot 9 + 10·w of a run
    y = x.copy()
    edge = {"low": np.nextafter(0.0, -1.0), "high": np.nextafter(1.0, 2.0)}
    y[row, j] = edge[value] if isinstance(value, str) else value
    coef = rng.normal(size=(k, 10))
    assert rowpass.sums_within(x, coef, np.zeros(k), lo, hi, threads=2, jit=True)[1] is True
    assert rowpass.sums_within(y, coef, np.zeros(k), lo, hi, threads=2, jit=True)[1] is False
    assert rowpass.sums_within(y, coef, np.zeros(k), lo, hi, threads=1, jit=True)[1] is False


def test_spotis_with_bounds_on_both_paths_is_the_definition_and_names_the_cell(path):
    """SPOTIS with stated bounds: Σ_j w_j |x − s*| / (hi − lo) on either path; a cell out of
    range or a NaN is named as before."""
    rng = np.random.default_rng(5)
    x = rng.uniform(1.0, 9.0, size=(ODD // 4, 6))
    w, t = rng.dirichlet(np.ones(6)), np.array([1, -1, 1, 1, -1, 1])
    b = np.array([[0.0, 10.0]] * 6)
    want = np.abs(x - np.where(t > 0, 10.0, 0.0)) / 10.0 @ w
    np.testing.assert_allclose(cm.spotis(x, w, t, bounds=b).scores, want, rtol=1e-12)
    bad = x.copy()
    bad[-1, 4] = 10.25
    with pytest.raises(CitymatchValueError, match=rf"got 10.25 at row {len(x) - 1}, column 4"):
        cm.spotis(bad, w, t, bounds=b)
    bad[-1, 4] = np.nan
    with pytest.raises(NonFiniteError, match=rf"got nan at row {len(x) - 1}, column 4"):
        cm.spotis(bad, w, t, bounds=b)


# --- COPRAS: split sums, block totals, the compiled tail -----------------------------------


def _copras_by_hand(x, w, t):
    """COPRAS from its published formula (Σ over every candidate written out), one vector."""
    d = x / x.sum(axis=0) * w
    s_plus = d[:, t > 0].sum(axis=1)
    s_minus = d[:, t < 0].sum(axis=1)
    if not (t < 0).any():
        return s_plus, s_minus, s_plus
    q = s_plus + s_minus.sum() / (s_minus * (1.0 / s_minus).sum())
    return s_plus, s_minus, q


@needs_jit
@pytest.mark.parametrize("threads", [1, 2])
def test_split_sums_are_each_sum_over_its_own_columns_with_exact_block_totals(threads):
    """S₊ and S₋ (disjoint columns) have the bits of the two full-width forms (zero off
    their columns) summed by the compiled affine pass, and equal their definition on both
    paths; the block totals ΣS₋ and Σ1/S₋ are the exactly rounded sums to a few ulp, the
    same bits with one thread or two."""
    rng = np.random.default_rng(6)
    x = rng.uniform(0.0, 50.0, size=(ODD, 9))
    coef = rng.uniform(0.0, 1.0, size=9)
    plus = np.array([1, 0, 1, 1, 0, 0, 1, 0, 1], dtype=bool)
    sp, sm, tot = rowpass.split_sums(x, coef, plus, threads=threads, jit=True)
    forms = np.stack([np.where(plus, coef, 0.0), np.where(plus, 0.0, coef)])
    none = np.zeros(9, dtype=bool)
    two = rowpass.affine_rows(x, forms, np.zeros(2), np.zeros_like(forms), none, jit=True)[0]
    np.testing.assert_array_equal(sp, two[0])
    np.testing.assert_array_equal(sm, two[1])
    np_sp, np_sm, no_totals = rowpass.split_sums(x, coef, plus, threads=threads, jit=False)
    assert no_totals is None and tot is not None
    for got in (sp, np_sp):
        np.testing.assert_allclose(got, x[:, plus] @ coef[plus], rtol=1e-13)
    for got in (sm, np_sm):
        np.testing.assert_allclose(got, x[:, ~plus] @ coef[~plus], rtol=1e-13)
    assert tot[0] == pytest.approx(math.fsum(sm), rel=1e-14)
    assert tot[1] == pytest.approx(math.fsum(1.0 / sm), rel=1e-14)
    other = rowpass.split_sums(x, coef, plus, threads=3 - threads, jit=True)[2]
    assert other == tot


@needs_jit
def test_recip_plus_is_the_cost_term_plus_s_plus_and_its_utility():
    """q = (1/S₋)·c + S₊ bit for bit as numpy computes it, and q / max q."""
    rng = np.random.default_rng(7)
    sp, sm = rng.uniform(0.0, 1.0, size=ODD), rng.uniform(0.5, 2.0, size=ODD)
    q, u = rowpass.recip_plus(sp, sm, 0.37, threads=2)
    want = (1.0 / sm) * 0.37 + sp
    np.testing.assert_array_equal(q, want)
    np.testing.assert_array_equal(u, want / want.max())


@pytest.mark.parametrize("types", [[1, -1, 1, -1, 1], [1, 1, 1, 1, 1], [-1, -1, -1, -1, -1]])
def test_copras_on_both_paths_is_the_published_formula(path, types):
    """S₊, S₋, Q and the utility degree on either path equal the formula by hand (also with
    no cost criterion, and with only cost criteria); the two paths agree to 1e-13."""
    rng = np.random.default_rng(8)
    x = rng.uniform(0.5, 20.0, size=(ODD // 4, 5))
    w, t = rng.dirichlet(np.ones(5)), np.array(types)
    res = cm.copras(x, w, t)
    s_plus, s_minus, q = _copras_by_hand(x, w / w.sum(), t)
    np.testing.assert_allclose(res.s_plus, s_plus, rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(res.s_minus, s_minus, rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(res.scores, q, rtol=1e-13)
    np.testing.assert_allclose(res.utility, q / q.max(), rtol=1e-13)


def test_copras_zero_cost_row_takes_the_limit_on_the_compiled_path(path):
    """Rows with S₋ = 0 share ΣS₋ equally, the others get 0 for the cost term (the compiled
    tail hands the case to the limit)."""
    rng = np.random.default_rng(9)
    x = rng.uniform(1.0, 5.0, size=(ODD // 4, 3))
    x[[3, len(x) - 1], 1:] = 0.0  # two candidates zero on both cost criteria
    w, t = np.array([0.5, 0.25, 0.25]), np.array([1, -1, -1])
    res = cm.copras(x, w, t)
    d = x / x.sum(axis=0) * w
    s_plus, s_minus = d[:, 0], d[:, 1:].sum(axis=1)
    limit = np.where(s_minus == 0, s_minus.sum() / 2, 0.0)
    np.testing.assert_allclose(res.scores, s_plus + limit, rtol=1e-13, atol=1e-300)
    assert res.scores[3] == res.scores.max() or res.scores[-1] == res.scores.max()


def test_copras_zero_weight_on_every_cost_criterion_is_s_plus(path):
    """Cost criteria with weight 0: S₋ = 0 everywhere, Q = S₊ (no warning, no NaN)."""
    rng = np.random.default_rng(10)
    x = rng.uniform(1.0, 5.0, size=(ODD // 4, 3))
    res = cm.copras(x, [0.6, 0.4, 0.0], [1, 1, -1])
    s_plus = (x[:, :2] / x[:, :2].sum(axis=0)) @ np.array([0.6, 0.4])
    np.testing.assert_allclose(res.scores, s_plus, rtol=1e-13)
    assert not res.s_minus.any()


@pytest.mark.parametrize(
    ("cell", "error", "match"),
    [
        (-1.0, CitymatchValueError, r"non-negative for COPRAS .*got -1\.0 at row 70000, column 2"),
        (np.nan, NonFiniteError, r"got nan at row 70000, column 2"),
        (np.inf, NonFiniteError, r"got inf at row 70000, column 2"),
    ],
)
def test_copras_bad_cells_are_named_on_both_paths(path, cell, error, match):
    """A negative, NaN or infinite cell is named by row and column on either path."""
    x = np.random.default_rng(11).uniform(1.0, 5.0, size=(ODD // 4, 4))
    x[70000, 2] = cell
    with pytest.raises(error, match=match):
        cm.copras(x, np.full(4, 0.25), [1, -1, 1, -1])


def test_copras_zero_column_sum_is_named_on_both_paths(path):
    """A column of zeros cannot be sum-normalised: named as before."""
    x = np.random.default_rng(12).uniform(1.0, 5.0, size=(ODD // 4, 4))
    x[:, 1] = 0.0
    with pytest.raises(CitymatchValueError, match="column 1 sums to 0"):
        cm.copras(x, np.full(4, 0.25), [1, -1, 1, -1])


def test_copras_result_arrays_are_read_only_and_apart(path):
    """S₊, S₋, Q and the utility (on the compiled path four rows of one allocation) are
    read-only and share no memory with each other or with the caller's matrix."""
    x = np.random.default_rng(13).uniform(1.0, 5.0, size=(ODD // 4, 4))
    res = cm.copras(x, np.full(4, 0.25), [1, -1, 1, -1])
    arrays = [res.s_plus, res.s_minus, res.scores, res.utility]
    for i, a in enumerate(arrays):
        assert not a.flags.writeable
        assert not np.shares_memory(a, x)
        for b in arrays[i + 1 :]:
            assert not np.shares_memory(a, b)
    with pytest.raises(ValueError, match="read-only"):
        res.utility[0] = 0.0
