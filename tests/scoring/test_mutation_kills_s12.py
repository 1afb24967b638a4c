"""Session 12 mutation kills: the compiled row kernels changed in session 12 (``_jitrows``).

Each test pins a documented promise of :mod:`citymatch.scoring.rowpass` (and of the methods
built on it) that the existing tests did not reach, found by mutating the compiled bodies
(``docs/mutation/jit_mutants.py --module jitrows``; see ``docs/mutation/session12.md``).
Expected values are computed independently with plain numpy on the whole matrix, never
copied from the code under test.  The compiled path is reached on small inputs by setting
``JIT_MIN_CELLS`` to 0 (``compiled_everywhere``).
"""

from __future__ import annotations

import numpy as np
import pytest

import citymatch as cm
from citymatch.scoring import _jit, _kernels, rowpass
from helpers import run_bounds_checked

#: Rows per run of the row kernels (``_jitrows.W``): sizes below end in a short run.
RUN = 64


@pytest.fixture
def compiled_everywhere(monkeypatch):
    """The compiled kernels on any size (skipped where numba is missing or switched off)."""
    pytest.importorskip("numba")
    if not _jit.AVAILABLE:
        pytest.skip("compiled kernels switched off")
    monkeypatch.setattr(_kernels, "JIT_MIN_CELLS", 0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_log_pass_statistics_are_the_column_extremes_wherever_they_lie(compiled_everywhere, dtype):
    """Promise (``log_sums_and_stats``: "the column max and min, in one read"): the max and
    min of every column over all rows — whichever row of a run of 64 holds them (first, a
    multiple of 8, the last row of a full run, the short last run)."""
    rng = np.random.default_rng(1201)
    n, m = 3 * RUN + 11, 3
    base = rng.uniform(1.0, 2.0, size=(n, m)).astype(dtype)
    g = np.array([0.5, -0.25, 0.0])
    for p in range(n):
        x = base.copy()
        x[p, 0] = 7.0  # the max of column 0
        x[(p + 37) % n, 1] = 0.25  # the min of column 1
        x[p, 2] = 0.5  # the min of column 2 (weightless: still in the statistics)
        read = rowpass.log_sums_and_stats(x, g)
        assert read is not None
        _, _, st = read
        np.testing.assert_array_equal(st.max, x.max(axis=0).astype(np.float64), err_msg=str(p))
        np.testing.assert_array_equal(st.min, x.min(axis=0).astype(np.float64), err_msg=str(p))


def test_wpm_normalises_by_the_column_extremes_wherever_they_lie(compiled_everywhere):
    """Promise (WPM under "max": ``n_ij = x_ij / max_i x_ij`` on benefit columns and
    ``min_i x_ij / x_ij`` on cost columns): the best candidate of a column scores 1 on it
    wherever it lies in the matrix — here on the last row of a full run of 64."""
    rng = np.random.default_rng(1202)
    n = 4 * RUN + 5
    x = rng.uniform(1.0, 2.0, size=(n, 2))
    w, t = np.array([0.6, 0.4]), np.array([1, -1])
    for p in (RUN - 1, 2 * RUN - 1, n - 1):
        y = x.copy()
        y[p] = [9.0, 0.5]  # the best on both criteria
        want = (y[:, 0] / 9.0) ** 0.6 * (0.5 / y[:, 1]) ** 0.4
        got = cm.wpm(y, w, t).scores
        np.testing.assert_allclose(got, want, rtol=1e-13)
        assert got[p] == pytest.approx(1.0, rel=1e-15)


@pytest.mark.parametrize("const", [-702.5, 697.5])
def test_log_rows_is_the_product_near_both_ends_of_the_compiled_exponent_range(
    compiled_everywhere, const
):
    """Promise (``log_rows``: ``exp(const + Σ_j g_j log x_ij)`` per row, whatever the
    exponent): rows whose exponent lies just inside or just outside ±700 — the limit of the
    compiled exponential, beyond which the rows go to numpy — are all the definition."""
    rng = np.random.default_rng(1203)
    x = np.exp(rng.uniform(0.0, 1.0, size=(5 * RUN + 9, 3)))  # Σ_j log x_ij in [0, 3)
    g = np.ones(3)
    expo = const + np.log(x).sum(axis=1)
    limit = -700.0 if const < 0 else 700.0
    assert (np.abs(expo - limit) < 1.0).sum() > 50  # many rows within 1 of the limit, both sides
    assert (expo < limit).any() and (expo > limit).any()
    got = rowpass.log_rows(x, g, const, jit=True)
    np.testing.assert_allclose(got, np.exp(expo), rtol=1e-12, atol=0)


def test_log_rows_leaves_a_nan_on_a_counted_column_to_numpy(compiled_everywhere):
    """Promise (the log pass's contract: a row with a NaN on a column with ``g_j ≠ 0`` is
    left to the caller, i.e. to the numpy path): on every row the compiled path gives what
    the numpy path gives — also on rows whose only counted value is NaN."""
    rng = np.random.default_rng(1204)
    x = rng.uniform(0.5, 5.0, size=(2 * RUN + 9, 3))
    g = np.array([0.0, 0.6, 0.0])  # one counted column
    for p in (0, 5, RUN + 63, 2 * RUN + 8):  # first rows, the end of a full run, the short run
        x[p, 1] = np.nan
    x[7, 0] = np.nan  # on a weightless column: skipped
    want = rowpass.log_rows(x, g, 0.3, jit=False)
    got = rowpass.log_rows(x, g, 0.3, jit=True)
    np.testing.assert_allclose(got, want, rtol=1e-13, equal_nan=True)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_log_column_sums_add_the_offset_on_the_compiled_path(compiled_everywhere, dtype):
    """Promise (``log_column_sums``: ``Σ_i log(a_j x_ij + b_j)`` per column): the offset
    ``b_j`` is added, also where ``a_j x_ij − b_j`` would be a valid argument too (so no
    fallback to numpy hides a wrong sign), on rows ending in a short run."""
    rng = np.random.default_rng(1205)
    x = rng.uniform(2.0, 50.0, size=(3 * RUN + 5, 4)).astype(dtype)
    a = np.array([1.0, 0.5, 2.0, 0.25])
    b = np.array([0.5, 0.75, -1.0, 0.0])  # a·x ± b > 0 everywhere
    got = rowpass.log_column_sums(x, a, b, jit=True)
    want = np.log(x.astype(np.float64) * a + b).sum(axis=0)
    np.testing.assert_allclose(got, want, rtol=1e-13)


_BOUNDS_SCRIPT = """
import numpy as np
from citymatch.scoring import rowpass

n = 8192 + 64 * 130 + 7  # two chunks: the second ends in a short run of 7 rows
rng = np.random.default_rng(1206)
x = rng.uniform(0.5, 2.0, size=(n, 5))
a, b = rng.uniform(0.5, 2.0, size=5), rng.uniform(0.1, 1.0, size=5)
got = rowpass.log_column_sums(x, a, b, threads=2, jit=True)
assert np.allclose(got, np.log(x * a + b).sum(axis=0), rtol=1e-12)
g = np.array([0.3, -0.2, 0.0, 0.4, -0.1])
y = x.copy()
y[::97, 0] = 0.0  # rows the log pass hands to numpy (its scan for them runs)
with np.errstate(divide="ignore"):
    want = np.where((y[:, [0, 1, 3, 4]] > 0).all(axis=1), np.exp(np.log(y) @ g + 0.5), 0.0)
assert np.allclose(rowpass.log_rows(y, g, 0.5, threads=2, jit=True), want, rtol=1e-12)
print("ok")
"""


def test_the_log_passes_index_only_inside_their_arrays(tmp_path):
    """Promise (memory safety): MABAC's log column sums and the log-of-products pass with
    its scan for rows to hand back read and write only inside their arrays — run with
    numba's bounds checking on (an index outside raises ``IndexError``) in a fresh process
    and cache, on a row count that leaves a short run."""
    pytest.importorskip("numba")
    if not _jit.AVAILABLE:
        pytest.skip("compiled kernels switched off")
    run_bounds_checked(_BOUNDS_SCRIPT, tmp_path)
