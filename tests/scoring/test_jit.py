"""The compiled (numba) kernels agree with the numpy kernels they replace on large inputs.

The test extra installs numba, so these tests always run the compiled path; the numpy path is
the reference.  ``JIT_MIN_CELLS`` is lowered so that small, hypothesis-sized problems reach the
compiled kernels too.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import citymatch
from citymatch.errors import CitymatchValueError, NonFiniteError, ShapeError
from citymatch.scoring import _jit, _kernels

NEVER = 10**18


@pytest.fixture
def jit_everywhere(monkeypatch):
    monkeypatch.setattr(_kernels, "JIT_MIN_CELLS", 0)


@contextmanager
def _threshold(cells):
    saved = _kernels.JIT_MIN_CELLS
    _kernels.JIT_MIN_CELLS = cells
    try:
        yield
    finally:
        _kernels.JIT_MIN_CELLS = saved


def _numpy_only(fn):
    with _threshold(NEVER):
        return fn()


def test_numba_is_installed_with_the_test_extra():
    assert _jit.AVAILABLE


@st.composite
def matrices(draw):
    n = draw(st.integers(2, 700))
    m = draw(st.integers(1, 12))
    order = draw(st.sampled_from("CF"))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    scale = draw(st.sampled_from([1.0, 1e-3, 1e6]))
    x = draw(hnp.arrays(np.float64, (n, m), elements=st.integers(-40, 40).map(lambda v: v / 4)))
    return np.asarray(x * scale, dtype=dtype, order=order)


@settings(max_examples=40, deadline=None)
@given(x=matrices(), threads=st.sampled_from([1, 2, 3]))
def test_column_stats_equal_numpy(x, threads):
    with _threshold(0):
        got = _kernels.column_stats(x, sumsq=True, total=True, threads=threads)
    want = _numpy_only(lambda: _kernels.column_stats(x, sumsq=True, total=True, threads=1))
    np.testing.assert_array_equal(got.max, want.max)
    np.testing.assert_array_equal(got.min, want.min)
    # Sums differ only by summation order.
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(got.sumsq, want.sumsq, rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(got.sum, want.sum, rtol=1e-12, atol=1e-12 * np.abs(x64).sum(0).max())


@settings(max_examples=40, deadline=None)
@given(x=matrices(), threads=st.sampled_from([1, 2]), data=st.data())
def test_distances_equal_numpy(x, threads, data):
    m = x.shape[1]
    st_ = _numpy_only(lambda: _kernels.column_stats(x, sumsq=True))
    types = np.array(data.draw(st.lists(st.sampled_from([1, -1]), min_size=m, max_size=m)))
    ideal = np.where(types > 0, st_.max, st_.min)
    anti = np.where(types > 0, st_.min, st_.max)
    w = np.array(data.draw(st.lists(st.floats(0.0, 3.0), min_size=m, max_size=m)))
    s = np.sqrt(st_.sumsq)
    coef = np.divide(w, s, out=np.zeros(m), where=s > 0)
    with _threshold(0):
        got = _kernels.distances(x, ideal, anti, coef, threads=threads)
    want = _numpy_only(lambda: _kernels.distances(x, ideal, anti, coef, threads=1))
    # Same operations in the same order: equal to the last bit.
    for g, w_ in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w_)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("norm", ["vector", "minmax", "max", "sum"])
def test_topsis_on_the_compiled_path_equals_numpy(order, dtype, norm, jit_everywhere):
    rng = np.random.default_rng(7)
    n = 20_011  # several row blocks, odd tail, two thread chunks
    x = np.asarray(
        rng.uniform(0.5, 9.5, size=(n, 6)) * [1, 10, 1e3, 1, 2, 5], dtype=dtype, order=order
    )
    x[17] = np.where([1, -1, 1, 1, -1, 1] == np.ones(6), x.max(0), x.min(0))  # the ideal point
    w, t = [3, 1, 2, 1, 1, 2], [1, -1, 1, 1, -1, 1]
    got = citymatch.topsis(x, w, t, normalization=norm, threads=2)
    want = _numpy_only(lambda: citymatch.topsis(x, w, t, normalization=norm, threads=1))
    np.testing.assert_allclose(got.scores, want.scores, rtol=0, atol=1e-14)
    np.testing.assert_allclose(got.d_ideal, want.d_ideal, rtol=1e-13, atol=0)
    assert got.d_ideal[17] == 0.0 and got.scores[17] == 1.0
    np.testing.assert_array_equal(got.ranks, want.ranks)


def test_non_finite_values_raise_the_same_error(jit_everywhere):
    x = np.random.default_rng(1).uniform(size=(10_000, 4))
    for bad in (np.nan, np.inf, -np.inf):
        y = x.copy()
        y[7_777, 2] = bad
        with pytest.raises(NonFiniteError, match=r"row 7777, column 2"):
            citymatch.topsis(y, [1, 1, 1, 1], [1, 1, 1, 1])


def test_blocked_sums_stay_accurate_over_a_million_rows(jit_everywhere):
    x = np.full((1_000_000, 2), 0.1)
    x[:, 1] = np.linspace(0, 1, 1_000_000)
    st_ = _kernels.column_stats(x, sumsq=True, total=True, threads=1)
    assert abs(st_.sum[0] - math.fsum(x[:, 0])) <= 1e-13 * 1e5
    assert abs(st_.sumsq[1] - math.fsum(x[:, 1] ** 2)) <= 1e-13 * st_.sumsq[1]


def test_concurrent_callers_get_their_own_answers(jit_everywhere):
    """nogil kernels on our own pool: many threads at once (a server, Dask) are safe."""
    rng = np.random.default_rng(3)
    problems = [rng.uniform(size=(30_000, 5)) for _ in range(6)]
    want = [_numpy_only(lambda p=p: citymatch.topsis(p, [1] * 5, [1] * 5).scores) for p in problems]
    with ThreadPoolExecutor(6) as pool:
        got = list(pool.map(lambda p: citymatch.topsis(p, [1] * 5, [1] * 5).scores, problems))
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, atol=1e-14, rtol=0)


def test_environment_switch_turns_the_compiled_path_off():
    code = "from citymatch.scoring import _jit; print(_jit.AVAILABLE)"
    env = {**os.environ, "CITYMATCH_JIT": "0"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_importing_citymatch_does_not_import_numba():
    code = "import sys, citymatch; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_unsupported_layouts_fall_back_to_numpy(jit_everywhere):
    x = np.random.default_rng(5).uniform(size=(20_000, 8))[:, ::2]  # strided view
    assert _jit.layout(x) is None
    got = citymatch.topsis(x, [1] * 4, [1] * 4)
    want = citymatch.topsis(np.ascontiguousarray(x), [1] * 4, [1] * 4)
    np.testing.assert_allclose(got.scores, want.scores, atol=1e-14, rtol=0)


def test_large_results_are_immutable_values_holding_no_reference_to_the_matrix(jit_everywhere):
    """On the compiled path the distances are computed eagerly, equal numpy's; the result's
    arrays are read-only, and changing the input matrix afterwards changes nothing in it."""
    rng = np.random.default_rng(11)
    x = rng.uniform(size=(20_000, 4))
    res = citymatch.topsis(x, [1, 2, 3, 4], [1, -1, 1, 1])
    want = _numpy_only(lambda: citymatch.topsis(x, [1, 2, 3, 4], [1, -1, 1, 1]))
    np.testing.assert_allclose(res.d_anti_ideal, want.d_anti_ideal, rtol=1e-13, atol=0)
    before = (res.scores.copy(), res.d_ideal.copy())
    x[123] += 0.5
    np.testing.assert_array_equal(res.scores, before[0])
    np.testing.assert_array_equal(res.d_ideal, before[1])
    for arr in (res.scores, res.d_ideal, res.d_anti_ideal, res.weights, res.ideal, res.scale):
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 0.0
    lean = citymatch.topsis(x, [1, 2, 3, 4], [1, -1, 1, 1], distances=False)
    assert lean.d_ideal is None and lean.d_anti_ideal is None


def test_batch_distances_on_request_and_through_the_explicit_method():
    """A batch carries no distances by default; distances=True computes them, and
    ``distances(matrix)`` recomputes them from the scored matrix — a different matrix is
    refused instead of giving distances that disagree with the scores."""
    x = np.random.default_rng(12).uniform(size=(300, 4))
    w = np.random.default_rng(1).uniform(size=(5, 4))
    res = citymatch.topsis(x, w, [1, 1, -1, 1])
    assert res.d_ideal is None
    full = citymatch.topsis(x, w, [1, 1, -1, 1], distances=True)
    dp, dm = res.distances(x)
    np.testing.assert_allclose(dp, full.d_ideal, rtol=1e-12)
    np.testing.assert_allclose(dm, full.d_anti_ideal, rtol=1e-12)
    np.testing.assert_allclose(full.scores, res.scores, rtol=0, atol=1e-13)
    single = citymatch.topsis(x, w[2], [1, 1, -1, 1])
    np.testing.assert_allclose(single.distances(x)[0], single.d_ideal, rtol=1e-12)
    y = x.copy()
    y[7, 2] = 9.0
    with pytest.raises(CitymatchValueError, match=r"`matrix` is not the matrix these scores"):
        res.distances(y)
    with pytest.raises(
        ShapeError, match=r"`matrix` must have the scored shape \(300, 4\); got shape \(3, 4\)"
    ):
        res.distances(x[:3])


def test_kernels_compile_without_a_writable_cache(monkeypatch):
    """Where numba cannot cache (no writable folder), the kernels compile uncached instead."""
    import numba

    calls = []
    real = numba.njit

    def njit(**kw):
        calls.append(kw["cache"])
        if kw["cache"]:
            raise RuntimeError("cannot cache function 'f': no locator available for file 'x'")
        return real(**kw)

    monkeypatch.setattr(numba, "njit", njit)
    kernel = _jit._jit_compile(numba, _jit._PY["stats_rows"])
    out = np.empty((4, 2))
    kernel(np.arange(6.0), 2, 0, 3, out)
    assert calls == [True, False]
    np.testing.assert_array_equal(out, [[4, 5], [0, 1], [20, 35], [6, 9]])


def test_scores_only_on_the_compiled_path_equal_the_full_result(jit_everywhere):
    """distances=False on a large matrix (the compiled scores-only kernel) gives the same
    scores as the default call that also writes the distances, for row-major and
    column-major input."""
    rng = np.random.default_rng(21)
    x = rng.uniform(size=(30_000, 5))
    w, t = [1, 2, 3, 1, 1], [1, -1, 1, 1, -1]
    full = citymatch.topsis(x, w, t)
    for data in (x, np.asfortranarray(x)):
        lean = citymatch.topsis(data, w, t, distances=False, threads=2)
        assert lean.d_ideal is None
        np.testing.assert_allclose(lean.scores, full.scores, rtol=0, atol=1e-14)
