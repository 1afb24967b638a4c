"""SMAA's compiled rank counting (scoring/_jitrank.py) gives the numpy path's answer, bit for bit.

* The compiled partial selection finds the same best-first heads and the same tied rows as
  ``argpartition`` + a stable sort + :func:`tie_round`, so the rank counts are identical
  (and equal the brute-force definition), tie-free and tied.
* The fused TOPSIS score rows are the numpy twin's bits (criterion-order sums, no fused
  multiply-add), so SMAA counts the same scores whichever path runs.
* ``rank_acceptability`` with the fused kernel equals it without, to the last bit.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citymatch.scoring import _jit, _jitrank, ranks
from citymatch.sensitivity import acceptability as acc_mod
from citymatch.sensitivity._terms import closeness_from_terms, terms
from helpers import run_bounds_checked

SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def score_rows(draw):
    """Score rows with many exact ties (few levels), near-ties at 12 decimals, or none."""
    k_rows = draw(st.integers(1, 25))
    n = draw(st.integers(2, 150))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    kind = draw(st.sampled_from(["levels", "random", "near"]))
    if kind == "levels":
        levels = draw(st.integers(1, 6))
        s = rng.integers(0, levels, size=(k_rows, n)) / levels
    elif kind == "random":
        s = rng.random((k_rows, n))
    else:  # equal to 12 decimals but not in the raw bits, and just apart: the tie rule's edge
        base = rng.integers(0, 3, size=(k_rows, n)) * 1e-3
        s = 0.5 + base + rng.choice([0.0, 4e-13, 3e-12], size=(k_rows, n))
    k = draw(st.integers(1, n - 1))
    return np.ascontiguousarray(s, dtype=np.float64), k


def _brute_counts(s, k):
    """Rank counts by definition: candidate i's rank group in each row, shares 1/g each."""
    n = s.shape[1]
    out = np.zeros((n, n))
    for row in np.round(s, 12):
        for i in range(n):
            better = int((row > row[i]).sum())
            group = int((row == row[i]).sum())
            out[i, better : better + group] += 1.0 / group
    return out[:, :k]


def _counts(s, k, compiled):
    """Rank counts through the compiled selection or through numpy's (the threshold moved)."""
    saved = ranks.JIT_MIN_CELLS
    ranks.JIT_MIN_CELLS = 0 if compiled else 10**18
    try:
        counts = np.zeros((s.shape[1], k))
        first = ranks.add_rank_counts(s, counts)
    finally:
        ranks.JIT_MIN_CELLS = saved
    return counts, first


@SETTINGS
@given(score_rows())
def test_compiled_selection_counts_equal_numpy_and_brute_force(p):
    """Compiled selection: the same heads and tied rows as numpy, the same counts and first
    places bit for bit, and the counts of the definition."""
    s, k = p
    k1 = k + 1
    order, tied = _jit.top_rows(s, k1, ranks.TIE_SCALE)
    np_order = np.argsort(-s, axis=1, kind="stable")[:, :k1]  # numpy's selection, by definition
    head = np.round(np.take_along_axis(s, np_order, axis=1), 12)
    np_tied = (head[:, 1:] == head[:, :-1]).any(axis=1)
    np.testing.assert_array_equal(tied, np_tied)
    np.testing.assert_array_equal(order[~tied], np_order[~np_tied])
    fast, fast_first = _counts(s, k, compiled=True)
    slow, slow_first = _counts(s, k, compiled=False)
    np.testing.assert_array_equal(fast, slow)
    for a, b in zip(fast_first, slow_first, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(fast, _brute_counts(s, k), rtol=0, atol=1e-12)


def test_tie_rounding_edges_decide_ties_as_numpy_rounds():
    """Values equal at 12 decimals are tied, 13 apart are not, at the rounding edge too."""
    s = np.array(
        [
            [0.5, 0.5 + 4e-13, 0.2, 0.1],  # tied at 12 decimals
            [0.5, 0.5 + 3e-12, 0.2, 0.1],  # apart
            [0.1234567890125, 0.1234567890124999, 0.0, 0.0],  # either side of a half
        ]
    )
    _, tied = _jit.top_rows(s, 3, ranks.TIE_SCALE)
    head = np.round(np.sort(s, axis=1)[:, ::-1][:, :3], 12)
    expected = (head[:, 1:] == head[:, :-1]).any(axis=1)
    assert tied.tolist() == expected.tolist()
    assert tied[:2].tolist() == [True, False]


def test_a_nan_score_sends_the_rows_back_to_numpy():
    """The compiled selection reports a NaN (None); the counts are then numpy's."""
    s = np.array([[0.3, np.nan, 0.9, 0.1], [0.2, 0.4, 0.6, 0.8]])
    assert _jit.top_rows(s, 2, ranks.TIE_SCALE) is None
    fast, _ = _counts(s, 1, compiled=True)
    slow, _ = _counts(s, 1, compiled=False)
    np.testing.assert_array_equal(fast, slow)


@st.composite
def term_problems(draw):
    n = draw(st.integers(1, 60))
    m = draw(st.integers(1, 9))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = (
        rng.choice([1.0, 2.0, 3.5, 10.0], size=(n, m))
        if draw(st.booleans())
        else rng.random((n, m))
    )
    if draw(st.booleans()) and n > 1:
        x[-1] = x[0]  # identical candidates must score identically
    t = rng.choice(np.array([-1, 1], dtype=np.int8), size=m)
    w = rng.dirichlet(np.ones(m), size=draw(st.integers(1, 20)))
    if draw(st.booleans()):
        w[:, 0] = 0.0  # a zero weight
    return x, t, w


@SETTINGS
@given(term_problems(), st.sampled_from(["vector", "minmax"]))
def test_fused_scores_are_the_numpy_twins_bits(p, norm):
    """Compiled TOPSIS score rows = closeness_from_terms, bit for bit (ties at 0.5 too)."""
    x, t, w = p
    a_plus, a_minus = terms(x, t, norm)
    w2 = w * w
    expected = closeness_from_terms(a_plus, a_minus, w2)
    got = _jit.topsis_rows(np.ascontiguousarray(a_plus.T), np.ascontiguousarray(a_minus.T), w2)
    np.testing.assert_array_equal(got, expected)
    if x.shape[0] > 1 and np.array_equal(x[0], x[-1]):
        np.testing.assert_array_equal(got[:, 0], got[:, -1])
    # an independent check of the formula: D± = sqrt(Σ w² A±), closeness D⁻/(D⁺+D⁻)
    dp, dm = np.sqrt(w2 @ a_plus.T), np.sqrt(w2 @ a_minus.T)
    with np.errstate(invalid="ignore"):
        ref = np.where(dp + dm > 0, dm / (dp + dm), 0.5)
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("tied", [False, True])
@pytest.mark.parametrize("ranks_k", [1, 4, None])
def test_rank_acceptability_fused_equals_numpy_counting(monkeypatch, tied, ranks_k):
    """SMAA with the fused compiled kernel = SMAA on numpy scores, to the last bit (rank
    counts, central weights, and confidence factors, tied first places included)."""
    rng = np.random.default_rng(5)
    x = rng.uniform(1, 10, size=(40, 4))
    if tied:
        x[7] = x[3]
        x[8] = x[3]
    w, t = [0.4, 0.3, 0.2, 0.1], [1, -1, 1, 1]
    calls = []
    real = _jit.topsis_top

    def spy(*args):
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(acc_mod, "_compiled", lambda *a: True)
    monkeypatch.setattr(_jit, "topsis_top", spy)
    fused = acc_mod.rank_acceptability(x, w, t, samples=3000, rng=3, ranks=ranks_k)
    # the fused kernel counted the first k (3 sample blocks) and found the central weights'
    # first places (one call, for the confidence factors) — compared with numpy's below
    assert len(calls) == (3 if ranks_k is not None else 0) + 1
    monkeypatch.setattr(acc_mod, "_compiled", lambda *a: False)
    plain = acc_mod.rank_acceptability(x, w, t, samples=3000, rng=3, ranks=ranks_k)
    np.testing.assert_array_equal(fused.acceptability, plain.acceptability)
    np.testing.assert_array_equal(fused.central_weights, plain.central_weights)
    np.testing.assert_array_equal(fused.confidence, plain.confidence)
    if tied:  # the identical candidates share their ranks exactly
        np.testing.assert_array_equal(fused.acceptability[3], fused.acceptability[7])
        assert fused.acceptability[3].sum() > 0


def test_compiled_kernels_are_chosen_for_large_jobs():
    """Large jobs with numba use the compiled kernels; small ones stay in numpy."""
    assert acc_mod._compiled(10_000, 1_000) is _jit.AVAILABLE
    assert not acc_mod._compiled(10, 1_000)


# --- The float32 shortlist (scoring/_jitrank.py, "Scores in float32, answers in float64") ---


@st.composite
def shortlist_problems(draw):
    """TOPSIS terms and weights where float32 cannot tell the best apart, and where it may not
    be used at all (a tiny or huge squared weight, a constant problem, huge terms)."""
    n = draw(st.integers(2, 700))
    m = draw(st.integers(1, 12))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kind = draw(st.sampled_from(["near", "near", "random", "tied", "tiny", "huge", "flat"]))
    if (kind == "tiny" and m == 1) or (kind == "near" and n < 3):
        kind = "random"  # (a tiny weight needs another criterion to carry the sum)
    base = rng.uniform(1.0, 10.0, size=m)
    x = rng.uniform(1.0, 10.0, size=(n, m))
    if kind == "near":  # a cluster near one good point: its scores differ by ~1e-7, float32's
        c = draw(st.integers(1, n - 2))  # own resolution, and it may hold the best; two
        # candidates at least stay random, so each criterion keeps a spread (the bound's floor)
        eps = rng.choice([0.0, 1e-9, 1e-8, 1e-7, 3e-7, 1e-6], size=(c, 1))
        x[:c] = rng.uniform(8.0, 9.5) * (1.0 + eps * rng.standard_normal((c, m)))
    elif kind == "flat":
        x = np.tile(base, (n, 1))
    if kind == "tied" and n > 3:
        x[1] = x[0]
        x[-1] = x[0]
    t = rng.choice(np.array([-1, 1], dtype=np.int8), size=m)
    a_plus, a_minus = terms(x, t, draw(st.sampled_from(["vector", "minmax"])))
    if kind == "huge":
        a_plus, a_minus = a_plus * 1e30, a_minus * 1e30
    w = rng.dirichlet(np.ones(m), size=draw(st.integers(1, 12)))
    if kind == "tiny" and m > 1:
        w[:, 0] = 1e-20  # w² = 1e-40: a float32 subnormal
    k1 = draw(st.integers(1, min(n, 63)))
    return np.ascontiguousarray(a_plus.T), np.ascontiguousarray(a_minus.T), w * w, k1, kind


@settings(max_examples=150, deadline=None)
@given(shortlist_problems())
def test_float32_shortlist_decides_as_float64_throughout(p):
    """The fused kernel's heads and tied rows = the float64 score rows' selection, always;
    the float32 shortlist decides every sample its bound covers and none it does not."""
    apt, amt, w2, k1, kind = p
    found = _jit.topsis_top(apt, amt, w2, k1, ranks.TIE_SCALE)
    assert found is not None
    expected = _jit.top_rows(_jit.topsis_rows(apt, amt, w2), k1, ranks.TIE_SCALE)
    assert expected is not None
    np.testing.assert_array_equal(found[0], expected[0])
    np.testing.assert_array_equal(found[1], expected[1])
    s64 = _jit.topsis_rows(apt, amt, w2)
    one = _jit._kernel("topsis_top") and _jitrank.score_one  # compiled with the kernels
    for r in range(w2.shape[0]):  # the shortlist's float64 scores are the score rows' bits
        for i in range(0, apt.shape[1], max(1, apt.shape[1] // 7)):
            assert one(apt, amt, w2[r], i) == s64[r, i] or np.isnan(s64[r, i])
    order, tied = np.empty_like(found[0]), np.empty_like(found[1])
    shortlisted = _jit._kernel("topsis_top")(
        apt, amt, *_jit.narrow_terms(apt, amt), w2, k1, ranks.TIE_SCALE, order, tied
    )
    covered = kind in ("near", "random", "tied")
    assert shortlisted == (w2.shape[0] if covered else 0)


def test_shortlist_margin_is_needed_where_float32_misorders():
    """Candidates whose float64 scores differ below float32's resolution: float32 alone
    picks a different best than float64 in some samples, the fused kernel never does."""
    rng = np.random.default_rng(11)
    n, m = 400, 6
    x = rng.uniform(1.0, 10.0, size=(n, m))
    x[:100] = 9.0 * (1.0 + 1e-7 * rng.standard_normal((100, m)))  # a cluster at the top
    a_plus, a_minus = terms(x, np.ones(m, dtype=np.int8), "vector")
    apt, amt = np.ascontiguousarray(a_plus.T), np.ascontiguousarray(a_minus.T)
    w2 = rng.dirichlet(np.ones(m), size=200) ** 2
    s64 = _jit.topsis_rows(apt, amt, w2)
    d_plus = np.sqrt(w2.astype(np.float32) @ apt.astype(np.float32))
    d_minus = np.sqrt(w2.astype(np.float32) @ amt.astype(np.float32))
    s32 = d_minus / (d_plus + d_minus)
    k1 = 5
    top64 = np.argsort(-s64, axis=1, kind="stable")[:, :k1]
    top32 = np.argsort(-s32, axis=1, kind="stable")[:, :k1]
    assert (top64 != top32).any(axis=1).sum() > 100  # float32 alone would be wrong
    found = _jit.topsis_top(apt, amt, w2, k1, ranks.TIE_SCALE)
    assert found is not None
    np.testing.assert_array_equal(found[0], top64)


def test_narrow_terms_refuses_negative_or_non_finite_terms():
    """``top`` is the largest term, or inf (no sample shortlisted) for a bad term;
    ``floor`` is half the smallest A⁺ + A⁻ per criterion."""
    a = np.array([[0.25, 1.0, 0.5], [0.0, 2.0, 4.0]])
    b = np.array([[1.0, 0.0, 0.5], [3.0, 0.5, 0.0]])
    p32, m32, floor, top = _jit.narrow_terms(a, b)
    assert p32.dtype == np.float32 and m32.dtype == np.float32
    np.testing.assert_array_equal(p32, a.astype(np.float32))
    np.testing.assert_array_equal(floor, [0.5, 1.25])
    assert top == 4.0
    for bad in (-1e-300, np.nan, np.inf):
        c = b.copy()
        c[1, 2] = bad
        assert _jit.narrow_terms(a, c)[3] == np.inf


def test_float32_shortlist_with_more_heads_than_groups():
    """k1 > GROUPS: there is no k1-th group maximum; the cut must not come from a slot of the
    float32 buffer that an earlier sample left (here 1.0: a cut above the k1-th best).
    (Before the fix the failure depended on the buffer's initial garbage, hence many k1.)"""
    n, g = 1000, _jitrank.GROUPS
    w2 = np.array([[1.0, 0.0], [0.0, 1.0]])
    for k1 in range(g + 1, g + 41):
        apt, amt = np.zeros((2, n)), np.ones((2, n))  # criterion 0: every score 1.0
        apt[1] = 1.0  # criterion 1: fillers at 0.5, k1 - 1 clear leaders, two near the cut:
        apt[1, : k1 - 1] = ((np.arange(k1 - 1) + 1) * 1e-8) ** 2
        apt[1, 600], amt[1, 600] = 7.2058016203842425e-12, 1.0684603553421126  # f32 < cut
        apt[1, 700], amt[1, 700] = 9.574198722006813e-12, 1.409523615111106  # f64 lower
        found = _jit.topsis_top(apt, amt, w2, k1, ranks.TIE_SCALE)
        expected = _jit.top_rows(_jit.topsis_rows(apt, amt, w2), k1, ranks.TIE_SCALE)
        assert found is not None and expected is not None
        assert expected[0][1, -1] == 600
        np.testing.assert_array_equal(found[0], expected[0])
        np.testing.assert_array_equal(found[1], expected[1])


def test_float32_scores_stay_well_inside_the_shortlist_margin():
    """|score32 − score64| ≤ δ/4 wherever filter_ok admits a sample, subnormal float32 terms
    and products included (the floor keeps their effect ~1e-12): the margin 2δ has room."""
    _jit._kernel("topsis_top")  # compiles the helpers
    rng = np.random.default_rng(3)
    n = 2048
    for m in (1, 2, 3, 10, 40):
        for kind in range(3):
            apt, amt = rng.uniform(0, 1, size=(2, m, n))
            w2 = rng.dirichlet(np.ones(m)) ** 2
            if kind == 1:  # distances of very different sizes: closeness near 0 and 1
                apt *= 10.0 ** rng.uniform(-12, 0, size=n)
            elif kind == 2 and m > 1:  # float32-subnormal terms under the largest weight
                apt[0], amt[0] = 10.0 ** rng.uniform(-46, -37, size=(2, n))
                w2[0] = 1e6
            p32, m32, floor, top = _jit.narrow_terms(apt, amt)
            assert _jitrank.filter_ok(w2, floor, top)
            s32, s64 = np.empty(n, np.float32), np.empty(n)
            _jitrank.score_row32(p32, m32, w2, *np.empty((2, n), np.float32), s32)
            _jitrank.score_row(apt, amt, w2, *np.empty((2, n)), s64)
            delta = 2 * (m + 8) * _jitrank.U32
            assert np.abs(s32.astype(np.float64) - s64).max() <= delta / 4


@pytest.mark.parametrize("k1", [0, 5])
def test_selection_kernels_refuse_more_heads_than_candidates(k1):
    """Keeping k1 of n values needs 1 ≤ k1 ≤ n: otherwise an error, not unfilled buffers."""
    apt, amt = np.ones((2, 4)), np.ones((2, 4))
    w2 = np.ones((1, 2))
    with pytest.raises(ValueError, match=r"`k1` must lie in \[1, 4\]"):
        _jit.topsis_top(apt, amt, w2, k1, ranks.TIE_SCALE)
    with pytest.raises(ValueError, match=r"`k1` must lie in \[1, 4\]"):
        _jit.top_rows(np.ones((1, 4)), k1, ranks.TIE_SCALE)


#: SMAA's fused kernel and the selections with numba's bounds checking on: candidate counts
#: below and above 2 × GROUPS (with a short last group and a short last run of 32), k + 1 from
#: 1 to above GROUPS, samples the float32 bound covers and samples it does not.
_BOUNDS_SCRIPT = textwrap.dedent(
    """
    import numpy as np
    from citymatch.scoring import _jit, ranks
    from citymatch.sensitivity._terms import terms

    rng = np.random.default_rng(1201)
    for n in (3, 255, 256 + 128 + 45):
        x = rng.uniform(1.0, 10.0, size=(n, 4))
        a_plus, a_minus = terms(x, np.array([1, -1, 1, 1], dtype=np.int8), "vector")
        apt, amt = np.ascontiguousarray(a_plus.T), np.ascontiguousarray(a_minus.T)
        w = rng.dirichlet(np.ones(4), size=6)
        w[5, 0] = 1e-20  # outside the float32 bound: scored in float64 only
        w2 = w * w
        rows = _jit.topsis_rows(apt, amt, w2)
        for k1 in sorted({1, 2, min(n, 11), min(n, 63), min(n, 129), n}):
            got = _jit.topsis_top(apt, amt, w2, k1, ranks.TIE_SCALE)
            want = _jit.top_rows(rows, k1, ranks.TIE_SCALE)
            assert (got[0] == want[0]).all() and (got[1] == want[1]).all(), (n, k1)
            best = np.argsort(-rows, axis=1, kind="stable")[:, :k1]
            assert (want[0][~want[1]] == best[~want[1]]).all(), (n, k1)
    print("ok")
    """
)


def test_fused_kernel_and_selections_index_only_inside_their_arrays(tmp_path):
    """Memory safety of the compiled selection (float32 shortlist included): run once with
    numba's bounds checking on (an index outside an array raises), in a fresh process and
    cache, and every answer equal to the float64 selection and to a stable sort."""
    run_bounds_checked(_BOUNDS_SCRIPT, tmp_path)
