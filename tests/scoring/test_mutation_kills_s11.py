"""Session 11 mutation kills: session 10's one-read passes (``rowpass``) and their glue.

Each test pins a documented promise of :mod:`citymatch.scoring.rowpass` that the existing tests
did not reach: the compiled passes write into the arrays they are given, and take any number
of forms.  Expected values are computed independently (numpy matrix products, exactly
rounded sums), never copied from the code under test.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

import citymatch as cm
from citymatch.scoring import _jit, _kernels, rowpass
from helpers import run_bounds_checked

needs_jit = pytest.mark.skipif(not _jit.AVAILABLE, reason="compiled kernels switched off")

#: Rows that end in a short run of 16 (and of 64) rows; small enough to be fast.
N = 16 * 20 + 7


@needs_jit
def test_split_sums_write_into_the_arrays_given_on_the_compiled_path():
    """Promise (``split_sums`` docstring): on the compiled path the sums are written into
    ``out`` when given, and those arrays are returned (COPRAS hands it two rows of one
    allocation and keeps them)."""
    rng = np.random.default_rng(1101)
    x = rng.uniform(0.0, 50.0, size=(N, 6))
    coef = rng.uniform(0.0, 1.0, size=6)
    plus = np.array([1, 0, 0, 1, 1, 0], dtype=bool)
    block = np.full((2, N), -1.0)
    sp, sm, totals = rowpass.split_sums(x, coef, plus, out=(block[0], block[1]), jit=True)
    assert totals is not None
    assert np.shares_memory(sp, block[0]) and np.shares_memory(sm, block[1])
    np.testing.assert_allclose(block[0], x[:, plus] @ coef[plus], rtol=1e-13)
    np.testing.assert_allclose(block[1], x[:, ~plus] @ coef[~plus], rtol=1e-13)


@needs_jit
def test_recip_plus_writes_q_and_the_utility_into_the_arrays_given():
    """Promise (``recip_plus`` docstring): ``q = (1/sm)·c + sp`` and ``q / max q`` are
    written "into ``out`` if given", and those arrays are returned."""
    rng = np.random.default_rng(1102)
    sp, sm = rng.uniform(0.0, 1.0, size=N), rng.uniform(0.5, 2.0, size=N)
    block = np.full((2, N), -1.0)
    q, u = rowpass.recip_plus(sp, sm, 0.61, out=(block[0], block[1]))
    assert np.shares_memory(q, block[0]) and np.shares_memory(u, block[1])
    want = 0.61 / sm + sp
    np.testing.assert_allclose(block[0], want, rtol=1e-14)
    np.testing.assert_allclose(block[1], want / want.max(), rtol=1e-14)


@needs_jit
@pytest.mark.parametrize("n", [7, 64 * 2 + 7, 64 * 3 + 7])
@pytest.mark.parametrize("where", ["first", "middle", "end_of_last_full_run", "last"])
def test_recip_plus_gives_the_best_candidate_utility_one_wherever_it_is(n, where):
    """Promise (COPRAS's utility degree ``Q / max Q``: 1 for the best): the maximum is taken
    over every candidate — also the last ones: in a short last run of the compiled pass, and
    in the run before it at a position the short run does not reach."""
    rng = np.random.default_rng(1107)
    sp, sm = rng.uniform(0.0, 1.0, size=n), rng.uniform(0.5, 2.0, size=n)
    full = max(0, n - n % 64 - 1)  # the last row of the last full run of 64 rows
    best = {"first": 0, "middle": n // 2, "end_of_last_full_run": full, "last": n - 1}[where]
    sp[best] = 10.0  # Q ≤ 1/0.5·c + 1 elsewhere
    q, u = rowpass.recip_plus(sp, sm, 0.25)
    assert u[best] == 1.0 and (np.delete(u, best) < 1.0).all()
    np.testing.assert_allclose(u, q / (0.25 / sm[best] + 10.0), rtol=1e-14)


@needs_jit
@pytest.mark.parametrize("threads", [1, 2])
def test_sums_within_take_more_forms_than_columns_on_the_compiled_path(threads):
    """Promise (``sums_within``: affine row sums "as :func:`affine_rows`"): any number K of
    forms, also more forms than the matrix has columns, each ``const + Σ_j coef_j x_j``."""
    rng = np.random.default_rng(1103)
    x = rng.uniform(-1.0, 1.0, size=(N, 2))
    coef, const = rng.normal(size=(5, 2)), rng.normal(size=5)
    lo, hi = np.full(2, -1.0), np.full(2, 1.0)
    sums, inside = rowpass.sums_within(x, coef, const, lo, hi, threads=threads, jit=True)
    assert inside is True and sums.shape == (5, N)
    np.testing.assert_allclose(sums, (x @ coef.T + const).T, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("jit", [False, pytest.param(True, marks=needs_jit)])
def test_sums_within_with_no_forms_still_checks_the_range_on_both_paths(jit):
    """Promise (``sums_within``: K sums, K = 0 allowed; the check covers every cell): with no
    forms the sums are an empty (0, N) array on either path, and the range check still
    sees a cell outside its bounds."""
    rng = np.random.default_rng(1104)
    x = rng.uniform(0.0, 1.0, size=(N, 3))
    none, zero = np.empty((0, 3)), np.empty(0)
    lo, hi = np.zeros(3), np.ones(3)
    sums, inside = rowpass.sums_within(x, none, zero, lo, hi, jit=jit)
    assert sums.shape == (0, N) and inside is True
    x[N - 1, 2] = 1.5
    sums, inside = rowpass.sums_within(x, none, zero, lo, hi, jit=jit)
    assert sums.shape == (0, N) and inside is False


@pytest.mark.parametrize("compiled", [False, pytest.param(True, marks=needs_jit)])
def test_copras_result_is_named_and_ranked_highest_q_first_on_both_paths(monkeypatch, compiled):
    """Promise (COPRAS: the best candidate has the highest relative significance Q): the
    result is labelled ``"COPRAS"`` with higher-is-better scores on either path, so its
    ranks put the largest Q (by the published formula) first, also through the compiled tail
    (cost criteria, every S₋ > 0)."""
    monkeypatch.setattr(_kernels, "JIT_MIN_CELLS", 0 if compiled else 1 << 62)
    rng = np.random.default_rng(1105)
    x = rng.uniform(0.5, 20.0, size=(N, 4))
    w, t = np.array([0.4, 0.3, 0.2, 0.1]), np.array([1, -1, 1, -1])
    assert rowpass.runs_compiled(x) is compiled
    res = cm.copras(x, w, t)
    d = x / x.sum(axis=0) * w
    s_minus = d[:, t < 0].sum(axis=1)
    q = d[:, t > 0].sum(axis=1) + s_minus.sum() / (s_minus * (1.0 / s_minus).sum())
    assert res.method == "COPRAS" and res.higher_is_better is True
    np.testing.assert_allclose(res.scores, q, rtol=1e-13)
    assert res.ranks[np.argmax(q)] == 1 and res.ranks[np.argmin(q)] == N


#: Run with numba's bounds checking on: every session-10 pass on a matrix with full and short
#: runs (16 and 64 rows), a flush of the column sums, full and short blocks of 8,192 rows and
#: two threads, each result checked against numpy.
_BOUNDS_SCRIPT = textwrap.dedent(
    """
    import numpy as np
    from citymatch.scoring import _kernels, rowpass

    n = 8192 + 64 * 130 + 7  # two chunks: the second ends in 2 single runs of 64 and 7 rows
    rng = np.random.default_rng(1106)
    x = rng.uniform(0.5, 2.0, size=(n, 3))
    st = _kernels.column_stats(x, total=True, threads=2, jit=True)
    assert (st.max == x.max(axis=0)).all() and (st.min == x.min(axis=0)).all()
    assert np.allclose(st.sum, x.sum(axis=0), rtol=1e-12)
    coef = rng.normal(size=(2, 3))
    sums, inside = rowpass.sums_within(
        x, coef, np.zeros(2), np.full(3, 0.5), np.full(3, 2.0), threads=2, jit=True
    )
    assert inside and np.allclose(sums, (x @ coef.T).T, rtol=1e-12)
    w, plus = np.array([0.2, 0.3, 0.5]), np.array([True, False, True])
    sp, sm, tot = rowpass.split_sums(x, w, plus, threads=2, jit=True)
    assert np.allclose(sp, x[:, plus] @ w[plus]) and np.allclose(sm, x[:, ~plus] @ w[~plus])
    assert np.isclose(tot[0], sm.sum()) and np.isclose(tot[1], (1.0 / sm).sum())
    q, u = rowpass.recip_plus(sp, sm, 0.5, threads=2)
    assert np.allclose(q, 0.5 / sm + sp) and np.allclose(u, q / q.max())
    print("ok")
    """
)


@needs_jit
def test_the_session_10_passes_index_only_inside_their_arrays(tmp_path):
    """Promise (memory safety of the compiled passes): the lean statistics, SPOTIS's range
    check, COPRAS's split sums and its tail read and write only inside their arrays — run
    once with numba's bounds checking on (an index outside raises ``IndexError``), in a
    fresh process and cache, on row counts that leave short runs and a short block."""
    run_bounds_checked(_BOUNDS_SCRIPT, tmp_path)
