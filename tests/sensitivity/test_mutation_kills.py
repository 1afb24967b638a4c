"""Tests written to kill surviving mutants of the sensitivity package (see MUTATION.md).

Expected values come from the independent ``plain_topsis`` fixture (textbook TOPSIS written
out in ``conftest.py``), compared with ties at 12 decimals as citymatch does.
"""

from __future__ import annotations

import html

import numpy as np
import pytest

import citymatch.sensitivity as sa
from citymatch.errors import ShapeError
from citymatch.sensitivity.methods import METHODS

W, T = [0.5, 0.5], [1, 1]
# Columns that are permutations of each other: A=(1,2) and B=(2,1) are mirror images and tie
# exactly while C=(3,4) and D=(4,3) are both present; without one of them they split.
A, B, C, D = [1.0, 2.0], [2.0, 1.0], [3.0, 4.0], [4.0, 3.0]


def _swaps(plain_topsis, before_x, before_ids, after_x, after_ids):
    """Pairs (a, b): a strictly ahead before and strictly behind after (ties at 12 decimals)."""
    before = dict(zip(before_ids, np.round(plain_topsis(before_x, W, T), 12), strict=True))
    after = dict(zip(after_ids, np.round(plain_topsis(after_x, W, T), 12), strict=True))
    common = [i for i in before_ids if i in after]
    return {(a, b) for a in common for b in common if before[a] > before[b] and after[a] < after[b]}


def test_rank_reversal_ignores_a_pair_tied_before_the_change(plain_topsis):
    """Two candidates tied before a removal and split after it did not swap: rank_reversal
    reports exactly the strict-before, strict-after pairs (checked by plain TOPSIS)."""
    x = np.array([A, B, C, D])
    ids = ["A", "B", "C", "D"]
    before = plain_topsis(x, W, T)
    assert np.round(before[0], 12) == np.round(before[1], 12)  # the premise: A and B tie
    after_c = plain_topsis(x[[0, 1, 3]], W, T)
    assert np.round(after_c[0], 12) != np.round(after_c[1], 12)  # ... and split without C
    expected = {
        (f"remove {ids[i]}", a, b)
        for i in range(4)
        for a, b in _swaps(
            plain_topsis,
            x,
            ids,
            x[[h for h in range(4) if h != i]],
            [ids[h] for h in range(4) if h != i],
        )
    }
    rows = sa.rank_reversal(x, W, T, labels=ids)
    assert set(rows.itertuples(index=False, name=None)) == expected
    assert len(rows) == len(expected)


def test_rank_reversal_ignores_a_pair_that_becomes_tied(plain_topsis):
    """A pair strictly ordered before an addition and tied after it is not a swap."""
    x = np.array([A, B, C])
    ids = ["A", "B", "C"]
    after = plain_topsis(np.array([A, B, C, D]), W, T)
    assert np.round(after[0], 12) == np.round(after[1], 12)  # the premise: tied after adding D
    before = plain_topsis(x, W, T)
    assert np.round(before[0], 12) != np.round(before[1], 12)  # ... and not before
    expected = {
        ("add D", a, b)
        for a, b in _swaps(plain_topsis, x, ids, np.array([A, B, C, D]), [*ids, "D"])
    }
    rows = sa.rank_reversal(x, W, T, labels=ids, remove=[], add={"D": D})
    assert set(rows.itertuples(index=False, name=None)) == expected
    assert len(rows) == len(expected)


def test_method_agreement_repr_states_the_range_between_different_methods(ranking):
    """The repr gives the lowest and highest weighted Spearman between two different methods
    (the off-diagonal entries; the diagonal compares a method with itself and is 1)."""
    res = sa.method_agreement(ranking, methods=["TOPSIS", "VIKOR", "SPOTIS"])
    table = res.weighted_spearman.to_numpy(float)
    off = [table[i, j] for i in range(3) for j in range(3) if i != j]
    assert min(off) < 0.9995  # the premise: the methods disagree somewhere
    assert f"weighted Spearman {min(off):.3f}–{max(off):.3f} between methods" in repr(res)


# Under min-max normalisation removing 3 swaps 0 and 2, and removing 0 swaps 1 and 3; under the
# default vector normalisation no removal swaps anything (found by search, checked below).
X_NORM = np.array([[2.0, 8.0], [6.0, 9.0], [5.0, 6.0], [9.0, 7.0]])


def test_rank_reversal_uses_the_normalization_asked_for(plain_topsis):
    """``normalization="minmax"`` scores the full and the reduced matrices under min-max:
    the reported swaps are exactly plain min-max TOPSIS's, which differ from vector's."""
    ids = ["0", "1", "2", "3"]

    def expected(norm):
        out = set()
        for i in range(4):
            keep = [h for h in range(4) if h != i]
            before = dict(zip(ids, np.round(plain_topsis(X_NORM, W, T, norm), 12), strict=True))
            after = np.round(plain_topsis(X_NORM[keep], W, T, norm), 12)
            after_by = dict(zip([ids[h] for h in keep], after, strict=True))
            out |= {
                (f"remove {i}", a, b)
                for a in after_by
                for b in after_by
                if before[a] > before[b] and after_by[a] < after_by[b]
            }
        return out

    assert expected("minmax") != expected("vector")  # the premise: the choice matters here
    rows = sa.rank_reversal(X_NORM, W, T, normalization="minmax")
    assert set(rows.itertuples(index=False, name=None)) == expected("minmax")
    assert len(rows) == len(expected("minmax"))


def test_rank_reversal_refuses_criteria_names_of_the_wrong_length():
    """``criteria`` is validated like everywhere else: one name per column."""
    with pytest.raises(
        ShapeError, match=r"`criteria` must have 2 names \(one per criterion\); got 3"
    ):
        sa.rank_reversal(X_NORM, W, T, criteria=["a", "b", "c"])


def test_rank_reversal_checks_removals_down_to_two_candidates_and_keeps_them_with_additions(
    plain_topsis,
):
    """With three candidates, removing one leaves a pair that can still swap (here removing 0
    swaps 2 and 1); the swaps of the removals and of the additions are all reported together."""
    x = np.array([[9.0, 2.0], [5.0, 3.0], [1.0, 7.0]])
    ids = ["0", "1", "2"]
    adds = {"p": [4.0, 6.0], "q": [9.0, 7.0]}
    expected = set()
    for i in range(3):
        keep = [h for h in range(3) if h != i]
        expected |= {
            (f"remove {i}", a, b)
            for a, b in _swaps(plain_topsis, x, ids, x[keep], [ids[h] for h in keep])
        }
    assert ("remove 0", "2", "1") in expected  # the premise: a pair of two does swap
    for name, values in adds.items():
        expected |= {
            (f"add {name}", a, b)
            for a, b in _swaps(plain_topsis, x, ids, np.vstack([x, values]), [*ids, name])
        }
    rows = sa.rank_reversal(x, W, T, add=adds)
    assert set(rows.itertuples(index=False, name=None)) == expected
    assert len(rows) == len(expected)


def test_method_agreement_spotis_handles_a_constant_column_like_the_textbook():
    """SPOTIS (Dezert et al. 2020) with the data's bounds: d_i = Σ w_j |x_ij − s*_j| / range_j,
    lower is better.  A constant column separates no one; the other columns keep their own
    bounds.  The reported SPOTIS ranks equal a hand computation that skips the constant column."""
    x = np.array([[1.0, 30.0, 5.0], [2.0, 10.0, 5.0], [4.0, 0.0, 5.0], [3.0, 25.0, 5.0]])
    w = np.array([0.5, 0.3, 0.2])
    t = [1, -1, 1]
    lo, hi = x.min(axis=0), x.max(axis=0)
    ideal = np.where(np.array(t) > 0, hi, lo)
    live = hi > lo
    d = (w[live] * np.abs(x[:, live] - ideal[live]) / (hi - lo)[live]).sum(axis=1)
    expected = np.argsort(np.argsort(d)) + 1.0  # 1 = smallest distance
    assert len(set(d.round(12))) == 4  # the premise: no ties
    res = sa.method_agreement(x, w, t, methods=["TOPSIS", "SPOTIS"])
    assert list(res.ranks.columns) == ["TOPSIS", "SPOTIS"]
    np.testing.assert_array_equal(res.ranks["SPOTIS"].to_numpy(float), expected)


def test_rank_reversal_without_swaps_still_has_its_three_columns():
    """No swap at all gives an empty table with the documented columns change, a, b."""
    rows = sa.rank_reversal(np.array([A, B, C, D]), W, T, labels=["A", "B", "C", "D"])
    assert rows.empty
    assert list(rows.columns) == ["change", "a", "b"]


def test_method_agreement_runs_every_listed_method():
    """Every name in METHODS is accepted and ranks all candidates 1..N (values not pinned
    here: pymcdm's own definitions, see MUTATION.md about its COPRAS)."""
    x = np.array([[1.0, 30.0, 5.0], [2.0, 10.0, 6.0], [4.0, 5.0, 5.0], [3.0, 25.0, 7.0]])
    res = sa.method_agreement(x, [0.5, 0.3, 0.2], [1, -1, 1], methods=list(METHODS))
    assert list(res.ranks.columns) == list(METHODS)
    for name in METHODS:
        assert sorted(res.ranks[name].to_numpy(float)) == [1.0, 2.0, 3.0, 4.0], name


def test_weight_sweep_to_frame_is_the_documented_long_table(plain_topsis):
    """``to_frame``: columns weight, id, score, rank; one row per (grid point, candidate), the
    score being plain TOPSIS at that point's weights and rank 1 the best."""
    x = np.array([[1.0, 9.0], [5.0, 4.0], [8.0, 2.0]])
    sw = sa.weight_sweep(x, 0, [0.5, 0.5], T, points=3, labels=["a", "b", "c"])
    frame = sw.to_frame()
    assert list(frame.columns) == ["weight", "id", "score", "rank"]
    rows = []
    for v in (0.0, 0.5, 1.0):
        s = plain_topsis(x, [v, 1.0 - v], T)
        r = np.argsort(np.argsort(-s)) + 1
        rows += [(v, i, s[h], r[h]) for h, i in enumerate(["a", "b", "c"])]
    assert frame["weight"].tolist() == [r[0] for r in rows]
    assert frame["id"].tolist() == [r[1] for r in rows]
    np.testing.assert_allclose(frame["score"].to_numpy(float), [r[2] for r in rows], rtol=1e-12)
    assert frame["rank"].tolist() == [r[3] for r in rows]


def test_weight_sweep_repr_html_and_plot_state_the_sweep(plain_topsis):
    """repr names the criterion, the grid's ends, N and the base weight; the HTML view carries
    it; ``plot(top=k, ax=ax)`` draws on the given axes one line per candidate ever in the top k."""
    x = np.array([[1.0, 9.0], [5.0, 4.0], [8.0, 2.0]])
    sw = sa.weight_sweep(x, 0, [0.25, 0.75], T, points=5)
    text = "WeightSweepResult('c0': 5 points in [0, 1], N=3, base weight 0.250)"
    assert repr(sw) == text
    assert html.escape(text) in sw._repr_html_()
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ever_first = {int(np.argmax(plain_topsis(x, [v, 1.0 - v], T))) for v in np.linspace(0, 1, 5)}
    fig, ax = plt.subplots()
    try:
        assert sw.plot(top=1, ax=ax) is ax
        assert len(ax.get_lines()) == len(ever_first) + 1  # + the base-weight marker
    finally:
        plt.close(fig)
