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
from helpers import run_bounds_checked

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
@given(problem(), st.floats(0.0, 1.0), st.booleans(), st.sampled_from([1, 2]))
def test_affine_rows_blend_is_numpys_blend_of_its_first_sums(p, lam, jit, threads):
    """``blend = (λ, other, out)``: ``out = other·(1 − λ) + sums[0]·λ``, the bits of numpy's
    expression on the sums the same call returns, on both paths and any number of threads,
    and the sums themselves unchanged by the blend."""
    x, coef, const, rcoef, recip, _, _ = p
    other = np.random.default_rng(x.shape[0]).normal(size=x.shape[0])
    out = np.full(x.shape[0], np.nan)
    sums, _ = rowpass.affine_rows(
        x, coef, const, rcoef, recip, blend=(lam, other, out), threads=threads, jit=jit
    )
    np.testing.assert_array_equal(out, other * (1.0 - lam) + sums[0] * lam)
    plain, _ = rowpass.affine_rows(x, coef, const, rcoef, recip, threads=threads, jit=jit)
    np.testing.assert_array_equal(sums, plain)


@SETTINGS
@given(problem(), st.floats(-3, 3), st.booleans())
def test_log_rows_is_the_product_of_powers(p, const, jit):
    """``exp(c + Σ g log x)``; a zero on a column with g ≠ 0 gives 0, with g = 0 it is skipped.

    On both paths; subnormal values (below the compiled logarithm's range) are handed back
    to numpy's log for their rows.
    """
    x = p[0].astype(np.float64)
    g = p[5] * (np.arange(x.shape[1]) % 2)  # every other column weightless
    g[-1] = abs(g[-1])  # zeros only where the power is non-negative (WPM's benefit columns)
    x[3::11, -1] = 5e-310  # subnormal: a true, tiny power
    x[::7, -1] = 0.0  # zeros: they kill the row only where the column counts
    got = rowpass.log_rows(x, g, const, jit=jit)
    with np.errstate(divide="ignore"):
        powers = np.where(g != 0.0, x ** np.where(g != 0, g, 1.0), 1.0)
    want = np.exp(const) * powers.prod(axis=1)
    # a subnormal product has fewer significant bits: compare it to within a few of its units
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-320)
    if g[-1] != 0.0:
        assert (got[::7] == 0.0).all()


@SETTINGS
@given(problem(), st.booleans(), st.booleans())
def test_log_column_sums_is_the_sum_of_logs(p, jit, tiny):
    """``Σ_i log(a_j x_ij + b_j)`` per column, on both paths (subnormal arguments via numpy)."""
    x = p[0]
    a = np.abs(p[5]) + 0.1
    b = np.abs(p[6]) + 1.0
    if tiny:  # an argument below the compiled logarithm's range: numpy takes over
        x = x.astype(np.float64)
        a[0], b[0] = 1.0, 0.0
        x[0, 0] = 5e-310
    got = rowpass.log_column_sums(x, a, b, jit=jit)
    want = np.log(x.astype(np.float64) * a + b).sum(axis=0)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_compiled_log_is_within_one_ulp_of_numpy():
    """The vectorised logarithm of the compiled kernels, over the whole normal range.

    Exact at 1 and at powers of two' exponents; within one unit in the last place of
    numpy's ``log`` elsewhere (a wrong polynomial term or ln 2 split shows at once).
    """
    pytest.importorskip("numba")
    from citymatch.scoring import _jit, _jitrows

    _jit._kernel("log_rows")  # compiles the logarithm too
    rng = np.random.default_rng(0)
    v = np.concatenate([
        rng.uniform(0.0, 10.0, 200_000) + 1e-300,
        np.exp(rng.uniform(-708.0, 709.0, 200_000)),
        1.0 + rng.uniform(-1e-6, 1e-6, 20_000),
        [1.0, 2.0, 0.5, 4.0, np.sqrt(2.0), np.sqrt(0.5), _jitrows.TINY, np.finfo(float).max],
    ])  # fmt: skip
    out = np.empty_like(v)
    scratch = (np.empty(v.size, dtype=np.int64), np.empty(v.size, dtype=np.int64))
    _jitrows.log_run(v, v.size, *scratch, np.ones(v.size), out)
    want = np.log(v)
    assert out[-8] == 0.0
    ulps = np.abs(out - want) / np.spacing(np.abs(want))
    assert ulps[want != 0].max() <= 1.0


@pytest.mark.parametrize("jit", [True, False])
def test_sums_within_equal_their_definitions(jit):
    """One read for affine sums and the range check: sums as defined, the check exact.

    A cell just outside a bound (by one ulp), on either side, or a NaN anywhere makes the
    check False; the bounds themselves count as inside.
    """
    rng = np.random.default_rng(4)
    x = rng.normal(size=(PARALLEL_MIN_ROWS + 777, 6))
    coef = rng.normal(size=(2, 6))
    const = rng.normal(size=2)
    lo, hi = x.min(axis=0), x.max(axis=0)
    sums, inside = rowpass.sums_within(x, coef, const, lo, hi, jit=jit)
    np.testing.assert_allclose(sums, (x @ coef.T + const).T, rtol=1e-12, atol=1e-12)
    assert inside is True
    for i, j, v in [
        (5, 2, np.nextafter(lo[2], -np.inf)),
        (PARALLEL_MIN_ROWS + 700, 4, np.nextafter(hi[4], np.inf)),
        (9_000, 0, np.nan),
    ]:
        y = x.copy()
        y[i, j] = v
        assert rowpass.sums_within(y, coef, const, lo, hi, jit=jit)[1] is False, (i, j, v)


def test_compiled_vikor_q_equals_the_numpy_path_bit_for_bit():
    """VIKOR's compiled finisher (Q and the compromise head) gives the numpy path's bits.

    Ties (integer data) included: the compromise set and both conditions are the same.
    """
    pytest.importorskip("numba")
    from citymatch.scoring import _kernels
    from citymatch.scoring import vikor as vk

    rng = np.random.default_rng(1)
    for trial in range(40):
        n, m = int(rng.integers(2, 3000)), int(rng.integers(1, 6))
        x = rng.integers(0, 4, (n, m)).astype(float) if trial % 2 else rng.uniform(0, 10, (n, m))
        w, v = rng.dirichlet(np.ones(m)), float(rng.choice([0.0, 0.3, 0.5, 1.0]))
        t = np.where(rng.random(m) < 0.5, 1, -1)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(_kernels, "JIT_MIN_CELLS", 0)
            got = cm.vikor(x, w, t, v=v)
        s, r = np.asarray(got.s), np.asarray(got.r)
        q = (v * vk._scaled(s[None]) + (1 - v) * vk._scaled(r[None]))[0]
        np.testing.assert_array_equal(got.scores, q)
        want = vk._compromise(s, r, q)
        assert (got.compromise_set, got.acceptable_advantage, got.acceptable_stability) == want


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


def test_spotis_with_bounds_checks_the_range_in_its_one_read(compiled_everywhere):
    """SPOTIS with given bounds reads the matrix once (compiled) and still refuses data
    outside the bounds (naming the cell) and NaN, as the two-pass path does."""
    from citymatch.errors import CitymatchValueError

    rng = np.random.default_rng(8)
    x = rng.uniform(1.0, 9.0, size=(3000, 4))
    w, t = np.full(4, 0.25), np.array([1, -1, 1, 1])
    bounds = np.array([[0.0, 10.0]] * 4)
    ok = cm.spotis(x, w, t, bounds=bounds)
    want = np.abs(x - np.where(t > 0, 10.0, 0.0)) / 10.0 @ w
    np.testing.assert_allclose(ok.scores, want, rtol=1e-12)
    bad = x.copy()
    bad[1234, 2] = 10.5
    with pytest.raises(
        CitymatchValueError, match=r"within `bounds`; got 10.5 at row 1234, column 2"
    ):
        cm.spotis(bad, w, t, bounds=bounds)
    bad[1234, 2] = np.nan
    with pytest.raises(ValueError, match="only finite numbers; got nan at row 1234, column 2"):
        cm.spotis(bad, w, t, bounds=bounds)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_compiled_max_min_pass_equals_numpy_and_names_a_bad_cell(compiled_everywhere, bad):
    """The methods' max/min pass (compiled, one read) gives numpy's extremes exactly, and a
    NaN or ±inf cell is named as on the numpy path (the flag row sends it back to numpy)."""
    from citymatch.scoring.affine import checked_stats

    rng = np.random.default_rng(9)
    x = rng.normal(size=(PARALLEL_MIN_ROWS + 99, 7))
    st = checked_stats(x)
    np.testing.assert_array_equal(st.max, x.max(axis=0))
    np.testing.assert_array_equal(st.min, x.min(axis=0))
    x[PARALLEL_MIN_ROWS + 5, 3] = bad
    with pytest.raises(
        ValueError,
        match=rf"only finite numbers; got {bad} at row {PARALLEL_MIN_ROWS + 5}, column 3",
    ):
        checked_stats(x)


def test_compiled_exp_is_within_one_ulp_of_numpy():
    """The compiled kernels' vectorised exponential over [−700, 700]; outside it says so."""
    pytest.importorskip("numba")
    from citymatch.scoring import _jit, _jitrows

    _jit._kernel("log_rows")  # compiles the exponential too
    rng = np.random.default_rng(1)
    y = np.concatenate([rng.uniform(-700, 700, 200_000), rng.uniform(-1, 1, 50_000), [0.0, 700.0]])
    out = np.empty_like(y)
    assert _jitrows.exp_run(y, y.size, np.empty(y.size, dtype=np.int64), out)
    want = np.exp(y)
    assert out[-2] == 1.0
    assert (np.abs(out - want) / np.spacing(want)).max() <= 1.0
    assert not _jitrows.exp_run(np.array([700.5]), 1, np.empty(1, dtype=np.int64), out)


@pytest.mark.parametrize("const", [-1400.0, -700.0, 0.0, 650.0])
def test_log_rows_beyond_the_compiled_exponent_range_go_to_numpy(const):
    """Products whose exponent leaves ±700 (overflow, subnormal, 0) are numpy's on both paths.

    The tolerance is the exponent's own rounding (|exponent| ≤ 800 → ~1e−13 absolute),
    which exp turns into relative error on both paths alike.
    """
    rng = np.random.default_rng(2)
    x = np.exp(rng.uniform(0.0, 20.0, size=(4000, 5)))  # Σ log x up to 100
    g = np.full(5, 1.0)
    with np.errstate(over="ignore"):
        want = rowpass.log_rows(x, g, const, jit=False)
        got = rowpass.log_rows(x, g, const, jit=True)
    np.testing.assert_allclose(got, want, rtol=2e-12, atol=0)


def test_waspas_keeps_both_models_bits(compiled_everywhere):
    """WASPAS's two models (the one-read WPM and the WSM pass) give, bit for bit, the
    compiled WSM and WPM scores, zeros on a benefit column included."""
    rng = np.random.default_rng(3)
    for trial in range(12):
        n, m = int(rng.integers(2, 3000)), int(rng.integers(1, 6))
        x = rng.uniform(0.5, 50, (n, m))
        if trial % 2:
            x[::9, 0] = 0.0
        w, t = rng.dirichlet(np.ones(m)), np.where(rng.random(m) < 0.5, 1, -1)
        t[0] = 1
        lam = float(rng.choice([0.2, 0.5, 0.9]))
        got = cm.waspas(x, w, t, lam=lam)
        np.testing.assert_array_equal(got.wsm, cm.wsm(x, w, t).scores)
        np.testing.assert_array_equal(got.wpm, cm.wpm(x, w, t).scores)
        np.testing.assert_array_equal(got.scores, lam * got.wsm + (1 - lam) * got.wpm)


def test_wpm_reads_once_and_equals_its_definition(compiled_everywhere, monkeypatch):
    """WPM under "max" takes its statistics in the log pass's own read (no separate max/min
    pass) and still equals ``Π_j n_ij^w_j`` computed from the normalised matrix, with zeros
    on a benefit column (product 0), a weightless column and rows in a short last run."""
    from citymatch.scoring import _kernels as kernels

    def no_second_read(*args, **kwargs):
        raise AssertionError("WPM read the matrix a second time for its statistics")

    rng = np.random.default_rng(21)
    for trial in range(8):
        n, m = 64 * int(rng.integers(0, 30)) + int(rng.integers(1, 64)), int(rng.integers(1, 7))
        x = rng.uniform(0.5, 80.0, (n, m))
        w, t = rng.dirichlet(np.ones(m)), np.where(rng.random(m) < 0.5, 1, -1)
        t[0] = 1
        x[-1] = 100.0  # every column's max (and, below, the cost columns' min) in the last rows
        x[-1, t < 0] = 0.25
        if trial % 2:
            x[:: 7 + trial, 0] = 0.0
            w[-1] = 0.0 if m > 1 else w[-1]
            w /= w.sum()  # the methods normalise the weights to sum to 1
        with np.errstate(divide="ignore", invalid="ignore"):  # x.min(0) / 0 on benefit columns
            norm = np.where(t > 0, x / x.max(0), x.min(0) / x)
        want = np.prod(norm**w, axis=1)
        with monkeypatch.context() as mp:
            mp.setattr(kernels, "column_stats", no_second_read)
            got = cm.wpm(x, w, t)
        np.testing.assert_allclose(got.scores, want, rtol=1e-12, atol=1e-300)
        if trial % 2 and w[0] > 0:
            assert (got.scores[:: 7 + trial] == 0.0).all()


def test_wpm_one_read_takes_the_exponential_of_every_block(compiled_everywhere):
    """``exp(c + Σ)`` is taken block by block (``rowpass.VEC_BLOCK`` values): every value of
    every block, the short last one included, is the product of powers (none left a log)."""
    rng = np.random.default_rng(22)
    n = 2 * rowpass.VEC_BLOCK + 77
    x = rng.uniform(0.5, 80.0, (n, 3))
    w, t = np.array([0.5, 0.3, 0.2]), np.array([1, -1, 1])
    want = np.prod(np.where(t > 0, x / x.max(0), x.min(0) / x) ** w, axis=1)
    np.testing.assert_allclose(cm.wpm(x, w, t).scores, want, rtol=1e-12, atol=0)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_wpm_in_one_read_names_a_bad_cell_on_any_column(compiled_everywhere, bad):
    """A NaN or ±inf cell, also on a weightless column (which the log pass skips), is named
    as the two-read path names it; non-positive cost values get the cost column's error."""
    from citymatch.errors import CitymatchValueError

    rng = np.random.default_rng(5)
    x = rng.uniform(1.0, 9.0, size=(700, 4))
    w, t = np.array([0.5, 0.0, 0.3, 0.2]), np.array([1, 1, -1, 1])
    for col in (0, 1):
        y = x.copy()
        y[345, col] = bad
        with pytest.raises(
            ValueError, match=f"only finite numbers; got {bad} at row 345, column {col}"
        ):
            cm.wpm(y, w, t)
    y = x.copy()
    y[12, 2] = 0.0
    with pytest.raises(CitymatchValueError, match="positive on a cost criterion"):
        cm.wpm(y, w, t)


def test_wpm_with_an_all_zero_benefit_column_reads_again(compiled_everywhere):
    """An all-zero benefit column has no logarithm: the one-read path hands the matrix back
    and the column counts as 1 for everyone (the module's convention)."""
    rng = np.random.default_rng(6)
    x = rng.uniform(1.0, 9.0, size=(500, 3))
    x[:, 1] = 0.0
    w, t = np.array([0.5, 0.3, 0.2]), np.array([1, 1, -1])
    want = (x[:, 0] / x[:, 0].max()) ** 0.5 * (x[:, 2].min() / x[:, 2]) ** 0.2
    np.testing.assert_allclose(cm.wpm(x, w, t).scores, want, rtol=1e-12)


_BOUNDS_SCRIPT = """
import numpy as np
from citymatch.scoring import rowpass

n = 8192 + 64 * 130 + 7  # two chunks: the second ends in a short run of 7 rows
rng = np.random.default_rng(1201)
x = rng.uniform(0.5, 2.0, size=(n, 5))
recip = np.array([False, True, False, True, True])
coef, rcoef = rng.normal(size=(2, 5)) * ~recip, rng.normal(size=(2, 5)) * recip
ax, bx = rng.normal(size=5), rng.normal(size=5)
sums, mx = rowpass.affine_rows(x, coef, np.zeros(2), rcoef, recip, row_max=(ax, bx), threads=2, jit=True)
want = (x @ coef.T + (1.0 / x) @ rcoef.T).T
assert np.allclose(sums, want, rtol=1e-12) and np.array_equal(mx, (x * ax + bx).max(axis=1))
g = np.array([0.3, -0.2, 0.0, 0.4, -0.1])
lsum, odd, st = rowpass.log_sums_and_stats(x, g, threads=2)
assert np.allclose(lsum, np.log(x) @ g, rtol=1e-12) and not odd.any()
assert np.array_equal(st.max, x.max(axis=0)) and np.array_equal(st.min, x.min(axis=0))
print("ok")
"""


def test_this_sessions_row_kernels_index_only_inside_their_arrays(tmp_path):
    """Promise (memory safety): the affine pass with its packed reciprocals and four-row
    maxima, and the log pass with its folded column extremes, read and write only inside
    their arrays — run with numba's bounds checking on (an index outside raises
    ``IndexError``) in a fresh process and cache, on row counts that leave a short run."""
    pytest.importorskip("numba")
    run_bounds_checked(_BOUNDS_SCRIPT, tmp_path)


@pytest.mark.parametrize("k", [None, 3])
def test_waspas_blend_equals_its_expression_bit_for_bit_across_blocks(k):
    """``λ·WSM + (1 − λ)·WPM`` is formed block by block (no N-sized temporary): the same bits
    as the expression, over more rows than one block and for a batch of weight vectors."""
    rng = np.random.default_rng(9)
    n = 2 * rowpass.VEC_BLOCK + 123
    x = rng.uniform(0.5, 50.0, (n, 4))
    w = rng.dirichlet(np.ones(4), size=k) if k else rng.dirichlet(np.ones(4))
    got = cm.waspas(x, w, [1, -1, 1, 1], lam=0.3)
    np.testing.assert_array_equal(got.scores, 0.3 * got.wsm + 0.7 * got.wpm)


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("span", [(0.0, 5e-310), (-1e308, 1e308)])
def test_spotis_refuses_bounds_whose_span_cannot_normalise(monkeypatch, compiled, span):
    """Bounds spanning less than the smallest normal float64 (1/span overflows) or more than
    float64 holds (1/span is 0) get a clear error naming the criterion, on both paths — the
    compiled one-read path used to end in an IndexError (found by session 12's adversarial
    review; the data lie within the bounds, so no cell is to blame)."""
    from citymatch.errors import NumericRangeError

    if compiled:
        monkeypatch.setattr(_kernels, "JIT_MIN_CELLS", 0)
    x = np.ones((300, 3))
    x[:, 0] = span[1] / 2
    bounds = [list(span), [0.0, 2.0], [0.0, 2.0]]
    with pytest.raises(NumericRangeError, match=r"`bounds` of criterion 0, .* span"):
        cm.spotis(x, np.ones(3), [1, 1, -1], bounds=bounds)
    x[:, 0] = 1.0  # a wide but representable span is fine
    cm.spotis(x, np.ones(3), [1, 1, -1], bounds=[[0.0, 1e300], [0.0, 2.0], [0.0, 2.0]])
