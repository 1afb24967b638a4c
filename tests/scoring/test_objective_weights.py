"""Objective and rank-based weights: definitions computed here, pymcdm, invariants, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pymcdm import weights as pw

import citymatch as cm
from citymatch.errors import CitymatchValueError
from strategies import problems


def _data(seed, n=15, m=5):
    return np.random.default_rng(seed).uniform(1.0, 50.0, size=(n, m))


def test_entropy_matches_the_definition_and_pymcdm():
    """w ∝ 1 − E with E the normalised Shannon entropy of column shares."""
    x = _data(0)
    p = x / x.sum(0)
    e = -(p * np.log(p)).sum(0) / np.log(len(x))
    expect = (1 - e) / (1 - e).sum()
    got = cm.objective_weights(x, method="entropy")
    np.testing.assert_allclose(got, expect, rtol=1e-12)
    np.testing.assert_allclose(got, pw.entropy_weights(x), rtol=1e-12)


def test_entropy_counts_zero_shares_as_zero():
    """0 ln 0 = 0: a column holding a zero keeps its entropy (pymcdm sets it to 0)."""
    x = np.array([[0.0, 1.0], [1.0, 2.0], [1.0, 3.0]])
    p = np.array([0.0, 0.5, 0.5])
    e0 = -(0.5 * np.log(0.5) * 2) / np.log(3)
    q = np.array([1, 2, 3]) / 6
    e1 = -(q * np.log(q)).sum() / np.log(3)
    expect = np.array([1 - e0, 1 - e1]) / (2 - e0 - e1)
    assert p.sum() == 1.0
    np.testing.assert_allclose(cm.objective_weights(x), expect, rtol=1e-12)


def test_critic_matches_pymcdm_when_all_are_benefits_and_orients_costs():
    """CRITIC = σ_j Σ_k (1 − r_jk) on min-max columns; a cost column is flipped first."""
    x = _data(1)
    np.testing.assert_allclose(
        cm.objective_weights(x, [1] * 5, method="critic"), pw.critic_weights(x), rtol=1e-10
    )
    t = np.array([1, -1, 1, -1, 1])
    flipped = np.where(t > 0, x, -x)  # orienting = negating the cost columns
    np.testing.assert_allclose(
        cm.objective_weights(x, t, method="critic"), pw.critic_weights(flipped), rtol=1e-10
    )


def test_std_is_unit_free():
    """σ of min-max columns: rescaling a column (new units) leaves the weights unchanged."""
    x = _data(2)
    z = (x - x.min(0)) / (x.max(0) - x.min(0))
    expect = z.std(0, ddof=1) / z.std(0, ddof=1).sum()
    got = cm.objective_weights(x, method="std")
    np.testing.assert_allclose(got, expect, rtol=1e-12)
    y = x.copy()
    y[:, 0] *= 1e6
    np.testing.assert_allclose(cm.objective_weights(y, method="std"), got, rtol=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    problems(min_n=3, nonnegative=True),
    st.sampled_from(["entropy", "critic", "std"]),
    st.randoms(use_true_random=False),
)
def test_weights_are_a_distribution_and_ignore_candidate_order(p, method, random):
    """Non-negative, sum to 1, invariant to reordering candidates, 0 for a constant column."""
    x, _, t = p
    x = np.column_stack([x, np.full(len(x), 3.0)])
    t = np.append(t, 1)
    if np.ptp(x[:, :-1], axis=0).max() == 0:
        return  # nothing separates the candidates: refused (tested below)
    w = cm.objective_weights(x, t, method=method)
    assert (w >= 0).all() and abs(w.sum() - 1) < 1e-12 and w[-1] == 0
    perm = list(range(len(x)))
    random.shuffle(perm)
    np.testing.assert_allclose(cm.objective_weights(x[perm], t, method=method), w, atol=1e-12)


def test_rank_weights_published_values():
    """ROC and rank-sum for M = 3, written out; ties share their places."""
    roc = [(1 + 1 / 2 + 1 / 3) / 3, (1 / 2 + 1 / 3) / 3, (1 / 3) / 3]
    np.testing.assert_allclose(cm.rank_weights([1, 2, 3]), roc, rtol=1e-12)
    np.testing.assert_allclose(cm.rank_weights([3, 1, 2]), [roc[2], roc[0], roc[1]], rtol=1e-12)
    np.testing.assert_allclose(
        cm.rank_weights([1, 2, 3], method="rank_sum"), [3 / 6, 2 / 6, 1 / 6], rtol=1e-12
    )
    tied = (roc[0] + roc[1]) / 2
    np.testing.assert_allclose(cm.rank_weights([1, 1, 3]), [tied, tied, roc[2]], rtol=1e-12)


def test_pandas_in_pandas_out():
    """A DataFrame gives a Series named by its columns; a Series of ranks keeps its index."""
    frame = pd.DataFrame(_data(3, m=3), columns=["gdp", "trade", "flights"])
    w = cm.objective_weights(frame)
    assert isinstance(w, pd.Series) and list(w.index) == ["gdp", "trade", "flights"]
    r = cm.rank_weights(pd.Series({"gdp": 2, "trade": 1}))
    assert r["trade"] > r["gdp"]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: cm.objective_weights([[1, 2], [1, 2]]), "no criterion separates"),
        (lambda: cm.objective_weights([[-1, 2], [1, 3]]), "non-negative for entropy"),
        (lambda: cm.objective_weights([[1, 2], [2, 3]], method="critic"), "`types` is required"),
        (lambda: cm.objective_weights([[1, 2], [2, 3]], method="gini"), "got 'gini'"),
        (lambda: cm.rank_weights([0, 1]), "whole numbers ≥ 1"),
        (lambda: cm.rank_weights([1.5, 1]), "whole numbers ≥ 1"),
    ],
)
def test_bad_input_is_a_clear_error(call, match):
    """Each refusal names the argument and the rule."""
    with pytest.raises(CitymatchValueError, match=match):
        call()
