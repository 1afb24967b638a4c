"""Hypothesis invariants of TOPSIS."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import citymatch
from strategies import normalizations, problems

SETTINGS = settings(max_examples=60, deadline=None)


def _norm_ok(x, norm):
    return norm != "sum" or (x >= 0).all()


@SETTINGS
@given(problems(), normalizations, st.randoms(use_true_random=False))
def test_row_permutation_equivariance(p, norm, random):
    """Reordering candidates reorders scores and ranks the same way."""
    x, w, t = p
    if not _norm_ok(x, norm):
        x = np.abs(x)
    perm = list(range(len(x)))
    random.shuffle(perm)
    a = citymatch.topsis(x, w, t, normalization=norm)
    b = citymatch.topsis(x[perm], w, t, normalization=norm)
    np.testing.assert_allclose(b.scores, a.scores[perm], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(b.ranks, a.ranks[perm])


@SETTINGS
@given(problems(), normalizations, st.data())
def test_dominating_candidate_never_scores_lower(p, norm, data):
    """Making a candidate at least as good on every criterion never lowers its score."""
    x, w, t = p
    x = np.abs(x) if norm == "sum" else x
    i = data.draw(st.integers(0, len(x) - 1))
    better = x.copy()
    improve = data.draw(st.lists(st.integers(0, 4), min_size=x.shape[1], max_size=x.shape[1]))
    better[i] = x[i] + t * np.array(improve) / 2.0
    if norm == "sum":  # stay non-negative; lowering a cost to 0 is still an improvement
        better[i] = np.maximum(better[i], 0.0)
    before = citymatch.topsis(x, w, t, normalization=norm)
    after = citymatch.topsis(better, w, t, normalization=norm)
    # Improving one candidate can move the ideal point; its own closeness still cannot fall
    # below that of the candidates it now dominates.
    dominated = np.all((better[i] - x) * t >= 0, axis=1)
    assert np.all(after.scores[i] >= after.scores[dominated] - 1e-12)
    if np.array_equal(better, x):
        np.testing.assert_array_equal(before.scores, after.scores)


@SETTINGS
@given(problems(), normalizations)
def test_candidate_dominating_another_scores_at_least_as_high(p, norm):
    """Within one problem, if a dominates b (≥ on every criterion) then score(a) ≥ score(b)."""
    x, w, t = p
    x = np.abs(x) if norm == "sum" else x
    s = citymatch.topsis(x, w, t, normalization=norm).scores
    oriented = x * t
    dom = np.all(oriented[:, None, :] >= oriented[None, :, :], axis=2)
    a, b = np.nonzero(dom)
    assert np.all(s[a] >= s[b] - 1e-12)


@SETTINGS
@given(problems(), normalizations, st.floats(-50, 50), st.floats(0.05, 3))
def test_adding_a_constant_criterion_changes_nothing(p, norm, const, wc):
    """A criterion with the same value for everyone changes no score."""
    x, w, t = p
    if norm == "sum":
        x, const = np.abs(x), abs(const)
    base = citymatch.topsis(x, w, t, normalization=norm).scores
    xc = np.column_stack([x, np.full(len(x), const)])
    more = citymatch.topsis(xc, np.append(w, wc), np.append(t, -1), normalization=norm).scores
    np.testing.assert_allclose(more, base, rtol=0, atol=1e-12)


@SETTINGS
@given(problems(), normalizations, st.floats(1e-3, 1e3))
def test_scaling_all_weights_changes_nothing(p, norm, c):
    """Scaling every weight by c > 0 leaves scores (and reported distances) unchanged."""
    x, w, t = p
    x = np.abs(x) if norm == "sum" else x
    a = citymatch.topsis(x, w, t, normalization=norm)
    b = citymatch.topsis(x, w * c, t, normalization=norm)
    np.testing.assert_allclose(b.scores, a.scores, rtol=0, atol=1e-12)
    np.testing.assert_allclose(b.d_ideal, a.d_ideal, rtol=1e-9, atol=1e-15)


@SETTINGS
@given(problems(), normalizations)
def test_scores_in_unit_interval_and_finite(p, norm):
    """Scores are finite and in [0, 1] for every valid input, ties and constants included."""
    x, w, t = p
    x = np.abs(x) if norm == "sum" else x
    r = citymatch.topsis(x, w, t, normalization=norm)
    assert np.isfinite(r.scores).all() and np.isfinite(r.d_ideal).all()
    assert (r.scores >= 0).all() and (r.scores <= 1).all()


@SETTINGS
@given(problems(k=6), normalizations)
def test_batch_equals_k_single_calls(p, norm):
    """A (K, M) weight batch equals K single calls."""
    x, w, t = p
    x = np.abs(x) if norm == "sum" else x
    batch = citymatch.topsis(x, w, t, normalization=norm)
    for k in range(w.shape[0]):
        single = citymatch.topsis(x, w[k], t, normalization=norm)
        np.testing.assert_allclose(batch.scores[k], single.scores, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(batch.ranks[k], single.ranks)
