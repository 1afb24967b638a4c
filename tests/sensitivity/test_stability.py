"""Stability intervals: the closed-form 2×2 case, brute force on random problems, and the
property that every interval end is a tipping point (winner, top k and full order)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import citymatch
from citymatch import sensitivity as sa
from citymatch.errors import CitymatchTypeError, CitymatchValueError

NORMS = ["vector", "minmax", "max", "sum"]


def path_weights(w, j, v):
    """Criterion j at weight v, the others keep their base proportions and sum to 1 − v."""
    w = np.asarray(w, dtype=float)
    rest = np.delete(w, j)
    out = np.insert(rest / rest.sum() * (1.0 - v), j, v)
    return out


# ------------------------------------------------------------------ closed form
def test_two_by_two_tipping_weight_matches_hand_solution():
    """A = (4, 1), B = (1, 2), both benefit, vector normalisation: D⁺_A = w₂/√5, D⁻_A = 3w₁/√17,
    and B mirrors A, so they tie at w₁* = (1/√5) / (3/√17 + 1/√5). The interval ends match w₁*
    to 1e-9, and the winner flips just outside but not just inside."""
    x = np.array([[4.0, 1.0], [1.0, 2.0]])
    w1_star = (1 / np.sqrt(5)) / (3 / np.sqrt(17) + 1 / np.sqrt(5))
    res = sa.stability_intervals(x, [0.6, 0.4], [1, 1], k=1)
    assert res.winner == "0"
    row0, row1 = res.table.iloc[0], res.table.iloc[1]
    assert row0["top_low"] == pytest.approx(w1_star, abs=1e-9) and row0["top_high"] == 1.0
    assert row1["top_low"] == 0.0 and row1["top_high"] == pytest.approx(1 - w1_star, abs=1e-9)
    assert row0["top_low_by"] == "1"
    for eps, same in ((1e-7, True), (-1e-7, False)):
        w1 = w1_star + eps
        winner = int(np.argmax(citymatch.topsis(x, [w1, 1 - w1], [1, 1]).scores))
        assert (winner == 0) is same
    assert res.flip["criterion"] == "c0" and res.flip["new_weight"] == pytest.approx(
        w1_star, abs=1e-9
    )
    assert res.flip["challenger"] == "1"


@pytest.mark.parametrize("seed", range(6))
def test_intervals_agree_with_brute_force(seed, plain_topsis):
    """On random problems: the winner is unchanged at every grid point inside each reported
    interval, and changes just beyond every interval end that is not 0 or 1."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(1, 10, size=(6, 4))
    w = rng.dirichlet(np.ones(4))
    t = [1, -1, 1, 1]
    norm = NORMS[seed % 4]
    res = sa.stability_intervals(x, w, t, k=2, normalization=norm)
    win = int(res.winner)
    for j, row in res.table.iterrows():

        def winner(v, j=j):
            return int(np.argmax(np.round(plain_topsis(x, path_weights(w, j, v), t, norm), 12)))

        for v in np.linspace(row["top_low"], row["top_high"], 41)[1:-1]:
            assert winner(v) == win
        if row["top_low"] > 0:
            assert winner(row["top_low"] - 1e-7) != win
        if row["top_high"] < 1:
            assert winner(row["top_high"] + 1e-7) != win
        for lo, hi in ((row["topk_low"], row["topk_high"]), (row["order_low"], row["order_high"])):
            assert lo <= row["weight"] <= hi


def test_full_order_interval_is_tightest(ranking):
    """The full order changes no later than the top-k set, which changes no later than the winner."""
    t = sa.stability_intervals(ranking, k=3).table
    assert (t["order_low"] >= t["topk_low"] - 1e-15).all() and (
        t["order_high"] <= t["topk_high"] + 1e-15
    ).all()
    assert (t["order_low"] >= t["top_low"] - 1e-15).all() and (
        t["order_high"] <= t["top_high"] + 1e-15
    ).all()


def test_near_ties_are_flagged():
    """Two candidates with equal scores at the base weights are reported as a near-tie."""
    x = np.array([[1.0, 0.0], [0.0, 1.0], [0.2, 0.2]])
    res = sa.stability_intervals(x, [0.5, 0.5], [1, 1], k=1)
    assert {(r.a, r.b) for r in res.near_ties.itertuples()} >= {("0", "1")}


def test_raw_arrays_need_weights_and_types():
    """A raw matrix without weights/types is refused."""
    with pytest.raises(
        CitymatchTypeError, match=r"pass a Ranking, or `matrix` with `weights` and `types`"
    ):
        sa.stability_intervals(np.ones((3, 2)))


@pytest.mark.parametrize("k", [0, 3, 1.5, True])
def test_bad_k_is_refused(k):
    """`k` must be an integer with at least one candidate outside the top k."""
    with pytest.raises(CitymatchValueError, match=r"`k` must be an integer in 1\.\.2; got"):
        sa.stability_intervals(np.eye(3) + 1, [1, 1, 1], [1, 1, 1], k=k)


# ------------------------------------------------------------------ property: tipping points
def _states(scores, k):
    """Winner, top-k set and full order of one score vector."""
    order = tuple(int(i) for i in np.argsort(-scores, kind="stable"))
    return {"top": order[0], "topk": frozenset(order[:k]), "order": order}


def _separated(scores, kind, k, tol=1e-10):
    """Whether the state of ``kind`` is decided by gaps larger than ``tol`` (not a near-tie)."""
    s = np.sort(scores)[::-1]
    gaps = np.diff(-s)
    if kind == "top":
        return gaps[0] > tol
    if kind == "topk":
        return gaps[k - 1] > tol
    return gaps.min() > tol


@st.composite
def problems(draw):
    n = draw(st.integers(3, 6))
    m = draw(st.integers(2, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.uniform(1.0, 10.0, size=(n, m))
    w = rng.uniform(0.05, 1.0, size=m)
    t = rng.choice([1, -1], size=m)
    norm = draw(st.sampled_from(NORMS))
    k = draw(st.integers(1, n - 1))
    return x, w / w.sum(), t, norm, k


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(problem=problems())
def test_every_interval_end_is_a_tipping_point(problem, plain_topsis):
    """For the winner, the top-k set and the full order: inside each interval (a grid, and
    eps inside each end) the state equals the base one; eps beyond each end inside (0, 1) it
    differs.  States are computed with a plain-numpy TOPSIS along the path; near-ties
    (gaps ≤ 1e-10 at a checked point) are skipped as degenerate draws."""
    x, w, t, norm, k = problem
    base_scores = plain_topsis(x, w, t, norm)
    assume(np.diff(np.sort(base_scores)).min() > 1e-6)
    base = _states(base_scores, k)
    res = sa.stability_intervals(x, w, t, k=k, normalization=norm)
    for j, row in res.table.iterrows():
        for kind in ("top", "topk", "order"):
            lo, hi = row[f"{kind}_low"], row[f"{kind}_high"]
            assert 0.0 <= lo <= row["weight"] <= hi <= 1.0
            assert hi > lo, (kind, j, lo, hi)  # the base is no tie, so the interval is open
            eps = min(1e-7, (hi - lo) / 4)

            def state(v, j=j, kind=kind):
                s = plain_topsis(x, path_weights(w, j, v), t, norm)
                assume(_separated(s, kind, k))
                return _states(s, k)[kind]

            for v in np.linspace(lo, hi, 13)[1:-1]:
                assert state(v) == base[kind], (kind, j, v)
            assert state(lo + eps) == base[kind], (kind, j, "just inside low", lo)
            assert state(hi - eps) == base[kind], (kind, j, "just inside high", hi)
            if lo - eps >= 0.0 and lo > 0.0:
                assert state(lo - eps) != base[kind], (kind, j, "just below low", lo)
            if hi + eps <= 1.0 and hi < 1.0:
                assert state(hi + eps) != base[kind], (kind, j, "just above high", hi)


# ------------------------------------------------------------------ hand-solved, low-degree ties
# Candidates 0 = (4, 1) and 1 = (1, 4) mirror each other and 2 = (2, 2) sits on the diagonal
# (both benefit, vector normalisation: both column norms are √21).  Along the sweep of c0,
# w = (v, 1 − v), the closeness is C0 = v, C1 = 1 − v and C2 = 1/3 exactly (D⁺ and D⁻ of the
# diagonal candidate are in ratio 2 : 1 for every v), and along c1 the roles of 0 and 1 swap.
# The tie quartic of the mirror pair has no quartic term (it is odd about v = 1/2), so this
# case goes through the lower-degree root finder.
X_MIRROR = np.array([[4.0, 1.0], [1.0, 4.0], [2.0, 2.0]])


def test_mirror_pair_tipping_points_match_hand_solution(plain_topsis):
    """Winner interval ends at the mirror tie v = 1/2, top-2 set ends where the diagonal
    candidate reaches 1/3, full order at the nearest of both; challengers and the smallest
    flip (|change| = 0.1 to the mirror candidate); no near-ties. Ends exact to 1e-12."""
    res = sa.stability_intervals(X_MIRROR, [0.6, 0.4], [1, 1], k=2)
    expected = {
        "c0": (0.6, 1 / 2, 1.0, 1 / 3, 2 / 3, 1 / 2, 2 / 3),
        "c1": (0.4, 0.0, 1 / 2, 1 / 3, 2 / 3, 1 / 3, 1 / 2),
    }
    table = res.table.set_index("criterion")
    cols = ["weight", "top_low", "top_high", "topk_low", "topk_high", "order_low", "order_high"]
    for crit, values in expected.items():
        np.testing.assert_allclose(table.loc[crit, cols].to_numpy(float), values, atol=1e-12)
    assert table.loc["c0", "top_low_by"] == "1" and table.loc["c1", "top_high_by"] == "1"
    assert pd.isna(table.loc["c0", "top_high_by"]) and pd.isna(table.loc["c1", "top_low_by"])
    assert res.winner == "0" and res.k == 2
    assert res.flip["challenger"] == "1" and res.flip["winner"] == "0"
    assert abs(res.flip["change"]) == pytest.approx(0.1, abs=1e-12)
    assert res.flip["new_weight"] == pytest.approx(0.5, abs=1e-12)
    assert res.flip["new_weight"] - res.flip["base_weight"] == res.flip["change"]
    assert res.near_ties.empty
    # the hand solution itself, with the plain TOPSIS: C0 = v, C1 = 1 − v, C2 = 1/3
    for v in (0.2, 0.45, 0.7):
        np.testing.assert_allclose(
            plain_topsis(X_MIRROR, [v, 1 - v], [1, 1]), [v, 1 - v, 1 / 3], atol=1e-12
        )


def test_identical_candidates_are_a_near_tie_even_with_zero_tolerance():
    """Two identical candidates tie along every path: they are reported as a near-tie for
    every criterion (even with ``tie_tol=0``) and never produce a tipping point."""
    x = np.array([[3.0, 1.0], [1.0, 3.0], [3.0, 1.0]])
    res = sa.stability_intervals(x, [0.7, 0.3], [1, 1], k=1, tie_tol=0.0)
    pairs = {(r.criterion, r.a, r.b) for r in res.near_ties.itertuples()}
    assert {("c0", "0", "2"), ("c1", "0", "2")} <= pairs
    assert (res.near_ties["score_gap"] == 0.0).all()
    assert res.winner == "0"
    table = res.table.set_index("criterion")
    assert table.loc["c0", "top_low_by"] == "1"  # only the other candidate can overtake
    assert table.loc["c1", "top_high_by"] == "1"


def test_a_tie_at_the_base_weights_is_flagged_not_a_tipping_point():
    """At w = (1/2, 1/2) the mirror pair ties exactly: the pair is a near-tie (gap 0) for both
    criteria, and the tie at the base weight is not an interval end — the ends come from
    the diagonal candidate (C2 = 1/3 meets C0 = v at v = 1/3, by hand)."""
    res = sa.stability_intervals(X_MIRROR, [0.5, 0.5], [1, 1], k=1)
    ties = {(r.criterion, r.a, r.b, r.score_gap) for r in res.near_ties.itertuples()}
    assert ties == {("c0", "0", "1", 0.0), ("c1", "0", "1", 0.0)}
    table = res.table.set_index("criterion")
    assert table.loc["c0", "top_low"] == pytest.approx(1 / 3, abs=1e-12)
    assert table.loc["c0", "top_low_by"] == "2"
    assert table.loc["c1", "top_high"] == pytest.approx(2 / 3, abs=1e-12)
    assert table.loc["c1", "top_high_by"] == "2"


def test_random_problems_have_no_spurious_near_ties():
    """Well-separated random problems (score gaps ≥ 1e-3 at the base) have no near-ties:
    complex or out-of-range tie-polynomial roots are never reported as touches."""
    for seed in range(6):
        rng = np.random.default_rng(seed)
        x = rng.uniform(1, 10, size=(6, 4))
        w = rng.dirichlet(np.ones(4))
        t = [1, -1, 1, 1]
        s = np.sort(citymatch.topsis(x, w, t).scores)
        if np.diff(s).min() < 1e-3:
            continue
        res = sa.stability_intervals(x, w, t, k=2, normalization=NORMS[seed % 4])
        assert res.near_ties.empty, (seed, res.near_ties)


def test_stability_repr_names_the_smallest_flip_or_none():
    """The repr states the smallest flip (criterion, base → new weight, who overtakes whom),
    or that no single-criterion change flips a dominating winner."""
    res = sa.stability_intervals(X_MIRROR, [0.6, 0.4], [1, 1], k=2)
    f = res.flip
    assert repr(res) == (
        f"StabilityResult(winner '0'; smallest flip: {f['criterion']} {f['base_weight']:.4f} → "
        "0.5000 (1 overtakes 0))"
    )
    dominating = sa.stability_intervals(
        np.array([[5.0, 5.0], [1.0, 4.0], [2.0, 2.0]]), [0.5, 0.5], [1, 1], k=1
    )
    assert dict(dominating.flip) == {}
    assert repr(dominating) == (
        "StabilityResult(winner '0'; no single-criterion weight change flips the winner)"
    )


def test_labels_criteria_and_a_first_row_challenger():
    """With labels and criterion names, and the mirror pair reordered so that the challenger
    is the first row: challengers, the flip and near-tie columns use the given names; the
    default k is 3 (``k`` is reported)."""
    x = X_MIRROR[[1, 0, 2]]  # row 0 = (1, 4) challenges the winner, row 1 = (4, 1)
    res = sa.stability_intervals(
        x, [0.6, 0.4], [1, 1], k=1, labels=["p", "q", "r"], criteria=["u", "v"]
    )
    table = res.table.set_index("criterion")
    assert list(table.index) == ["u", "v"] and res.winner == "q"
    assert table.loc["u", "top_low"] == pytest.approx(0.5, abs=1e-12)
    assert table.loc["u", "top_low_by"] == "p" and table.loc["v", "top_high_by"] == "p"
    assert res.flip["challenger"] == "p" and res.flip["criterion"] in ("u", "v")
    assert list(res.near_ties.columns) == ["criterion", "a", "b", "score_gap"]
    four = np.vstack([X_MIRROR, [[1.0, 1.0]]])
    assert sa.stability_intervals(four, [0.6, 0.4], [1, 1]).k == 3


@pytest.mark.parametrize("seed", range(3))
def test_flip_is_the_nearest_winner_bound_over_all_criteria(seed):
    """``flip`` is the winner bound with the smallest |new − base| over every criterion (with
    three or more criteria the rows differ), and its fields agree with that table row."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(1, 10, size=(6, 4))
    w = rng.dirichlet(np.ones(4))
    res = sa.stability_intervals(x, w, [1, -1, 1, 1], k=2)
    options = []
    for row in res.table.itertuples():
        for end, by in ((row.top_low, row.top_low_by), (row.top_high, row.top_high_by)):
            if isinstance(by, str):
                options.append((abs(end - row.weight), row.criterion, end, by))
    assert len({round(o[0], 9) for o in options}) == len(options)  # a unique nearest one
    change, crit, end, by = min(options)
    f = res.flip
    assert (f["criterion"], f["new_weight"], f["challenger"]) == (crit, end, by)
    assert abs(f["change"]) == pytest.approx(change, abs=1e-15)
    assert f["base_weight"] == pytest.approx(w[list(res.table["criterion"]).index(crit)], abs=1e-15)
