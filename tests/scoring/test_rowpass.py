"""The row passes of the linear-time methods (``scoring.rowpass``): compiled = numpy = definition.

Each pass is checked against its definition written out with plain numpy on the whole
matrix (an independent computation), on both paths (the compiled kernel and the numpy
blocks), one thread and several, and the methods built on them against pymcdm at a size
where the compiled path runs.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import citymatch as cm
from citymatch.scoring import _kernels, rowpass
from citymatch.scoring.pool import PARALLEL_MIN_ROWS

SETTINGS = settings(max_examples=40, deadline=None)


@st.composite
def problem(draw):
    n = draw(st.integers(1, 3000))
    m = draw(st.integers(1, 9))
    k = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5, 50.0, size=(n, m))
    if draw(st.booleans()):
        x = x.astype(np.float32)
    recip = rng.random(m) < 0.4
    coef = np.where(recip, 0.0, rng.normal(size=(k, m)))
    rcoef = np.where(recip, rng.normal(size=(k, m)), 0.0)
    return x, coef, rng.normal(size=k), rcoef, recip, rng.normal(size=m), rng.normal(size=m)


def _definition(x, coef, const, rcoef, recip, alpha, beta):
    x = x.astype(np.float64)
    inv = np.where(recip, 1.0 / x, 0.0)
    sums = x @ coef.T + inv @ rcoef.T + const
    return sums.T, (x * alpha + beta).max(axis=1)


@SETTINGS
@given(problem(), st.booleans())
def test_affine_rows_is_its_definition_on_both_paths(p, jit):
    """Row sums of affine and reciprocal forms, and the row maximum, on compiled and numpy."""
    x, coef, const, rcoef, recip, alpha, beta = p
    sums, mx = rowpass.affine_rows(x, coef, const, rcoef, recip, row_max=(alpha, beta), jit=jit)
    want_s, want_m = _definition(x, coef, const, rcoef, recip, alpha, beta)
    np.testing.assert_allclose(sums, want_s, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(mx, want_m, rtol=1e-13, atol=1e-13)
    plain, none = rowpass.affine_rows(x, coef, const, rcoef, recip, jit=jit)
    assert none is None
    np.testing.assert_allclose(plain, want_s, rtol=1e-12, atol=1e-12)


@SETTINGS
@given(problem(), st.floats(-3, 3))
def test_log_rows_is_the_product_of_powers(p, const):
    """``exp(c + Σ g log x)``; a zero on a column with g ≠ 0 gives 0, with g = 0 it is skipped."""
    x = p[0].astype(np.float64)
    g = p[5] * (np.arange(x.shape[1]) % 2)  # every other column weightless
    g[-1] = abs(g[-1])  # zeros only where the power is non-negative (WPM's benefit columns)
    x[::7, -1] = 0.0  # zeros: they kill the row only where the column counts
    got = rowpass.log_rows(x, g, const)
    with np.errstate(divide="ignore"):
        powers = np.where(g != 0.0, x ** np.where(g != 0, g, 1.0), 1.0)
    want = np.exp(const) * powers.prod(axis=1)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=0)
    if g[-1] != 0.0:
        assert (got[::7] == 0.0).all()


@SETTINGS
@given(problem())
def test_log_column_sums_is_the_sum_of_logs(p):
    """``Σ_i log(a_j x_ij + b_j)`` per column."""
    x = p[0]
    a = np.abs(p[5]) + 0.1
    b = np.abs(p[6]) + 1.0
    got = rowpass.log_column_sums(x, a, b)
    want = np.log(x.astype(np.float64) * a + b).sum(axis=0)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_threads_do_not_change_the_passes():
    """Above the parallel threshold, two threads give the one-thread results (rows split only)."""
    rng = np.random.default_rng(3)
    x = rng.uniform(1, 9, size=(PARALLEL_MIN_ROWS + 4321, 5))
    coef = np.array([[0.1, 0.2, 0.0, 0.3, 0.4]])
    rcoef = np.array([[0.0, 0.0, 0.5, 0.0, 0.0]])
    recip = rcoef[0] != 0
    for jit in (True, False):
        one = rowpass.affine_rows(x, coef, np.zeros(1), rcoef, recip, threads=1, jit=jit)[0]
        two = rowpass.affine_rows(x, coef, np.zeros(1), rcoef, recip, threads=2, jit=jit)[0]
        np.testing.assert_array_equal(one, two)
    g = coef[0] - rcoef[0]
    np.testing.assert_array_equal(
        rowpass.log_rows(x, g, 0.0, threads=1), rowpass.log_rows(x, g, 0.0, threads=2)
    )


@pytest.fixture
def compiled_everywhere(monkeypatch):
    monkeypatch.setattr(_kernels, "JIT_MIN_CELLS", 0)


@pytest.mark.parametrize("name", ["WSM", "WPM", "WASPAS", "VIKOR", "SPOTIS", "MABAC"])
def test_methods_equal_pymcdm_on_the_compiled_path(compiled_everywhere, name):
    """Each method through the compiled row passes equals pymcdm (matching normalisation)."""
    from pymcdm import methods as pm
    from pymcdm import normalizations as pn

    rng = np.random.default_rng(11)
    x = rng.uniform(1.0, 100.0, size=(5000, 6))
    w = rng.dirichlet(np.ones(6))
    t = np.array([1, -1, 1, 1, -1, 1])
    bounds = np.column_stack([x.min(0), x.max(0)])
    pairs = {
        "WSM": (cm.wsm(x, w, t), pm.WSM(pn.linear_normalization)),
        "WPM": (cm.wpm(x, w, t), pm.WPM(pn.linear_normalization)),
        "WASPAS": (cm.waspas(x, w, t), pm.WASPAS(pn.linear_normalization)),
        "VIKOR": (cm.vikor(x, w, t), pm.VIKOR()),
        "SPOTIS": (cm.spotis(x, w, t, bounds=bounds), pm.SPOTIS(bounds)),
        "MABAC": (cm.mabac(x, w, t), pm.MABAC()),
    }
    ours, theirs = pairs[name]
    ref = theirs(x, w, t, validation=False)
    if name == "MABAC":  # pymcdm's border is a product of N values: compare on 50 rows
        small = x[:50]
        ours, ref = cm.mabac(small, w, t), theirs(small, w, t, validation=False)
    np.testing.assert_allclose(ours.scores, ref, rtol=1e-9, atol=1e-12)
