"""Tests written to kill surviving mutants of ``scoring/rowpass.py`` (session 9, first run).

Expected values are the definitions written out with plain numpy / Python on the whole matrix
(float64 logarithms, exactly rounded sums), never the pass under
test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from citymatch.scoring import rowpass


@pytest.mark.parametrize("jit", [True, False])
def test_sums_within_count_a_nan_cell_as_outside(jit):
    """Documented: a NaN cell is not within any bounds, so the range check fails (the compiled
    pass compares each cell); the sums of the other rows follow their definition."""
    rng = np.random.default_rng(11)
    x = rng.normal(size=(3000, 5))
    lo, hi = np.full(5, -10.0), np.full(5, 10.0)
    coef = rng.normal(size=(1, 5))
    const = np.array([0.5])
    assert rowpass.sums_within(x, coef, const, lo, hi, threads=2, jit=jit)[1] is True
    x[2007, 2] = np.nan
    sums, inside = rowpass.sums_within(x, coef, const, lo, hi, threads=2, jit=jit)
    assert inside is False
    ok = ~np.isnan(x).any(axis=1)
    want = [math.fsum([*(x[i] * coef[0]), 0.5]) for i in np.flatnonzero(ok)]
    np.testing.assert_allclose(sums[0][ok], want, rtol=1e-12, atol=1e-12)
    assert np.isnan(sums[0][~ok]).all()


def test_log_rows_of_a_float32_matrix_use_float64_logarithms():
    """``exp(const + Σ_j g_j log x_ij)`` of a float32 matrix equals the float64 definition to
    1e-13 on the numpy path (logarithms taken in float32 would be off by ~1e-7)."""
    rng = np.random.default_rng(5)
    x = rng.uniform(0.5, 50.0, size=(300, 4)).astype(np.float32)
    g = np.array([0.7, -0.4, 0.0, 1.3])
    got = rowpass.log_rows(x, g, 0.25, jit=False)
    x64 = x.astype(np.float64)
    want = [
        math.exp(0.25 + sum(g[j] * math.log(x64[i, j]) for j in range(4) if g[j] != 0.0))
        for i in range(x.shape[0])
    ]
    np.testing.assert_allclose(got, want, rtol=1e-13)


@pytest.mark.parametrize("threads", [1, 2])
def test_log_rows_cover_every_block_of_a_wide_matrix(threads):
    """80 criteria make the numpy pass's blocks ~1,000 rows: a 2,600-row matrix spans three
    blocks, and every row (on one thread or split over two) gets ``e^c · Π_j x_ij^g_j``."""
    rng = np.random.default_rng(8)
    x = rng.uniform(0.8, 1.25, size=(2600, 80))
    g = rng.uniform(-0.5, 0.5, size=80)
    got = rowpass.log_rows(x, g, -0.3, threads=threads, jit=False)
    want = math.exp(-0.3) * np.prod(x**g, axis=1)
    np.testing.assert_allclose(got, want, rtol=1e-12)
