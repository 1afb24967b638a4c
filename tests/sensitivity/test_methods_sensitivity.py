"""Sensitivity with any scoring method: SMAA counts and sweeps against by-hand computations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import citymatch as cm
from citymatch import sensitivity as sa
from citymatch.errors import CitymatchValueError


def _vikor_q(x, w, t, v=0.5):
    """VIKOR's Q by the definition (no constant column)."""
    best = np.where(t > 0, x.max(0), x.min(0))
    worst = np.where(t > 0, x.min(0), x.max(0))
    d = w * (best - x) / (best - worst)
    s, r = d.sum(1), d.max(1)
    return v * (s - s.min()) / (s.max() - s.min()) + (1 - v) * (r - r.min()) / (r.max() - r.min())


def test_smaa_with_vikor_equals_counting_by_hand():
    """Rank acceptability under VIKOR = share of samples giving each rank (Q ascending)."""
    rng = np.random.default_rng(4)
    x = rng.uniform(1, 9, size=(7, 3))
    t = np.array([1, -1, 1])
    ws = rng.dirichlet(np.ones(3), size=300)
    res = sa.rank_acceptability(
        x, [1, 1, 1], t, weight_samples=ws, method="vikor", method_options={"v": 0.4}
    )
    counts = np.zeros((7, 7))
    for w in ws:
        order = np.argsort(_vikor_q(x, w, t, 0.4), kind="stable")
        counts[order, np.arange(7)] += 1
    np.testing.assert_allclose(res.acceptability, counts / 300, atol=1e-12)


def test_smaa_with_a_linear_method_splits_ties_and_sums_to_one():
    """PROMETHEE II: two identical candidates share their ranks; rows and columns sum to 1."""
    x = np.array([[5.0, 1.0], [5.0, 1.0], [1.0, 5.0], [3.0, 3.0]])
    res = sa.rank_acceptability(x, [1, 1], [1, 1], samples=500, rng=1, method="promethee")
    np.testing.assert_allclose(res.acceptability.sum(0), 1.0)
    np.testing.assert_allclose(res.acceptability.sum(1), 1.0)
    np.testing.assert_allclose(res.acceptability[0], res.acceptability[1], atol=1e-12)


def test_a_ranking_carries_its_method_into_sensitivity(cities_csv):
    """A VIKOR ranking's SMAA run uses VIKOR unless told otherwise."""
    ranking = cm.rank(cities_csv, "partnership-city", method="vikor")
    ws = np.random.default_rng(0).dirichlet(np.ones(len(ranking.weights)), size=64)
    via_ranking = sa.rank_acceptability(ranking, weight_samples=ws)
    x = ranking.matrix.to_numpy()
    direct = sa.rank_acceptability(
        x, ranking.weights.to_numpy(), ranking.criteria.types, weight_samples=ws, method="VIKOR"
    )
    np.testing.assert_allclose(via_ranking.acceptability, direct.acceptability)
    topsis = sa.rank_acceptability(ranking, weight_samples=ws, method="topsis")
    assert not np.allclose(topsis.acceptability, via_ranking.acceptability)


def test_weight_sweep_with_wsm_is_the_weighted_sum_along_the_path():
    """WSM along the sweep: scores = w(v) · n for every grid point (n = x / max)."""
    x = np.array([[4.0, 1.0, 2.0], [2.0, 3.0, 2.0], [1.0, 2.0, 4.0]])
    w = np.array([0.5, 0.3, 0.2])
    res = sa.weight_sweep(x, 0, w, [1, 1, 1], points=11, method="wsm")
    n = x / x.max(0)
    for v, row in zip(res.weights, res.scores, strict=True):
        rest = np.array([0.3, 0.2]) / 0.5 * (1 - v)
        np.testing.assert_allclose(row, np.array([v, *rest]) @ n.T, atol=1e-12)


def test_normalization_is_refused_for_other_methods():
    """`normalization` is a TOPSIS setting: passing it with VIKOR is an error, not ignored."""
    with pytest.raises(CitymatchValueError, match="is a TOPSIS setting"):
        sa.weight_sweep(
            np.eye(3) + 1, 0, [1, 1, 1], [1, 1, 1], method="vikor", normalization="minmax"
        )


# ------------------------------------------------------------------ stability for other methods
def _path(w, j, v):
    """Weights along the sweep of criterion j: w_j = v, the others keep their proportions."""
    rest = np.delete(w, j)
    out = np.insert(rest / rest.sum() * (1 - v), j, v)
    return out


def _wsm_pref(x, w, t):
    n = np.where(t > 0, x / x.max(0), x.min(0) / x)
    return n @ w


def _vikor_pref(x, w, t):
    return -_vikor_q(x, w, t)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(seed=st.integers(0, 2**32 - 1), name=st.sampled_from(["wsm", "vikor"]))
def test_every_stability_end_is_a_tipping_point_for_other_methods(seed, name):
    """WSM (exact, linear) and VIKOR (searched): just inside each end the winner, top-k set
    and order are the base ones; just beyond an end inside (0, 1) they differ.  States come
    from the definitions written in this file, not from citymatch."""
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(3, 6)), int(rng.integers(2, 4))
    x = rng.uniform(1.0, 10.0, size=(n, m))
    w = rng.uniform(0.05, 1.0, size=m)
    w /= w.sum()
    t = rng.choice([1, -1], size=m)
    k = int(rng.integers(1, n))
    pref = _wsm_pref if name == "wsm" else _vikor_pref

    def states(v=None, j=0):
        s = pref(x, w if v is None else _path(w, j, v), t)
        order = tuple(int(i) for i in np.argsort(-s, kind="stable"))
        gaps = -np.diff(np.sort(s)[::-1])
        return {"top": order[0], "topk": frozenset(order[:k]), "order": order}, gaps

    base, gaps = states()
    assume(gaps.min() > 1e-6)
    res = sa.stability_intervals(x, w, t, k=k, method=name)
    for j, row in res.table.iterrows():
        for kind in ("top", "topk", "order"):
            lo, hi = row[f"{kind}_low"], row[f"{kind}_high"]
            assert 0.0 <= lo <= row["weight"] <= hi <= 1.0 and hi > lo
            eps = min(1e-7, (hi - lo) / 4)
            for v in (lo + eps, hi - eps, *np.linspace(lo, hi, 7)[1:-1]):
                got, g = states(v, j)
                assume(g.min() > 1e-10)
                assert got[kind] == base[kind], (name, kind, j, v)
            for v, inside in ((lo - eps, lo > 0), (hi + eps, hi < 1)):
                if inside and 0 <= v <= 1:
                    got, g = states(v, j)
                    assume(g.min() > 1e-10)
                    assert got[kind] != base[kind], (name, kind, j, v, lo, hi)
