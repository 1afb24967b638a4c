"""Other methods and rank reversal, against hand computations with a plain TOPSIS."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import citymatch
from citymatch import sensitivity as sa
from citymatch.errors import CitymatchValueError, ShapeError


def test_method_agreement(ranking):
    """TOPSIS equals citymatch's ranks; correlations are 1 on the diagonal and within [−1, 1]."""
    res = sa.method_agreement(ranking)
    ranks, rw, ws = res.ranks, res.weighted_spearman, res.ws_similarity
    assert "weighted Spearman" in repr(res) and "<table" in res._repr_html_()
    ours = ranking.table.set_index("id")["rank"]
    np.testing.assert_array_equal(ranks["TOPSIS"].to_numpy(), ours.loc[ranks.index].to_numpy())
    np.testing.assert_allclose(np.diag(rw.to_numpy(float)), 1.0)
    np.testing.assert_allclose(np.diag(ws.to_numpy(float)), 1.0)
    assert ((rw.to_numpy(float) <= 1 + 1e-12) & (rw.to_numpy(float) >= -1 - 1e-12)).all()


@pytest.mark.parametrize(
    ("methods", "pattern"),
    [
        (["TOPSIS", "ELECTRE"], r"`methods` must be among \[.*'WSM'\]; got \['ELECTRE'\]"),
        (["TOPSIS"], r"`methods` must name at least 2 methods; got \['TOPSIS'\]"),
        (["topsis", "VIKOR", "TOPSIS"], r"names a method more than once: \['TOPSIS'\]"),
        ("vikor", r"`methods` must be a sequence of method names .*got 'vikor'"),
        (3, r"`methods` must be a sequence of method names .*got 3"),
    ],
)
def test_method_agreement_bad_methods(ranking, methods, pattern):
    """Unknown methods and fewer than two methods are refused, naming the value."""
    with pytest.raises(CitymatchValueError, match=pattern):
        sa.method_agreement(ranking, methods=methods)


# Vector and min-max normalisation rank these candidates differently (asserted below).
X_NORM = np.array([[9.0, 8.0, 2.0], [9.0, 4.0, 2.0], [7.0, 2.0, 1.0], [9.0, 2.0, 4.0]])
W_NORM, T_NORM = [0.3, 0.3, 0.4], [1, -1, 1]


def test_method_agreement_topsis_column_follows_the_normalization(plain_topsis):
    """With normalization="minmax" the TOPSIS column equals citymatch.topsis(...,
    normalization="minmax") ranks — on a matrix where vector and min-max rankings differ."""
    vector = np.argsort(-plain_topsis(X_NORM, W_NORM, T_NORM, "vector"))
    minmax = np.argsort(-plain_topsis(X_NORM, W_NORM, T_NORM, "minmax"))
    assert not np.array_equal(vector, minmax)
    res = sa.method_agreement(
        X_NORM, W_NORM, T_NORM, methods=["TOPSIS", "WSM"], normalization="minmax"
    )
    expected = citymatch.topsis(X_NORM, W_NORM, T_NORM, normalization="minmax").ranks
    np.testing.assert_array_equal(res.ranks["TOPSIS"].to_numpy(), expected)
    np.testing.assert_array_equal(np.argsort(res.ranks["TOPSIS"].to_numpy()), minmax)
    default = sa.method_agreement(X_NORM, W_NORM, T_NORM, methods=["TOPSIS", "WSM"])
    np.testing.assert_array_equal(np.argsort(default.ranks["TOPSIS"].to_numpy()), vector)


# Removing candidate 1 (which sets the anti-ideal of criterion 2 and changes both column
# norms) swaps candidates 2 and 3; no other removal swaps any pair (found by search).
X_RR = np.array([[9.0, 7.0], [8.0, 1.0], [3.0, 7.0], [6.0, 4.0]])
W_RR, T_RR = [0.5, 0.5], [1, 1]


def _expected_swaps(plain_topsis, x, before_ids, after_x, after_ids):
    """Pairs (a, b) with a strictly ahead before and strictly behind after (plain TOPSIS)."""
    before = dict(zip(before_ids, plain_topsis(x, W_RR, T_RR), strict=True))
    after = dict(zip(after_ids, plain_topsis(after_x, W_RR, T_RR), strict=True))
    common = [i for i in before_ids if i in after]
    return {(a, b) for a in common for b in common if before[a] > before[b] and after[a] < after[b]}


def test_rank_reversal_reports_exactly_the_known_swap(plain_topsis):
    """Every removal is checked against a plain TOPSIS of the reduced matrix: the reported
    swaps are exactly the computed ones — here the single swap of 2 and 3 when 1 leaves."""
    ids = ["0", "1", "2", "3"]
    expected = set()
    for i in range(4):
        keep = [h for h in range(4) if h != i]
        for a, b in _expected_swaps(plain_topsis, X_RR, ids, X_RR[keep], [ids[h] for h in keep]):
            expected.add((f"remove {i}", a, b))
    assert expected == {("remove 1", "2", "3")}
    rows = sa.rank_reversal(X_RR, W_RR, T_RR)
    assert set(rows.itertuples(index=False, name=None)) == expected
    assert len(rows) == len(expected)


def test_rank_reversal_reports_the_swap_caused_by_adding_a_candidate(plain_topsis):
    """Adding candidate 1 back to the other three swaps 3 and 2 (the reverse of removing it)."""
    keep = [0, 2, 3]
    ids = ["0", "2", "3"]
    expected = {
        ("add new", a, b)
        for a, b in _expected_swaps(
            plain_topsis, X_RR[keep], ids, X_RR[[0, 2, 3, 1]], [*ids, "new"]
        )
    }
    assert expected == {("add new", "3", "2")}
    rows = sa.rank_reversal(
        X_RR[keep], W_RR, T_RR, labels=ids, remove=[], add={"new": X_RR[1].tolist()}
    )
    assert set(rows.itertuples(index=False, name=None)) == expected


def test_rank_reversal_bad_input():
    """Bad added rows and unknown removals are refused, naming the value."""
    with pytest.raises(ShapeError, match=r"`add\['bad'\]` must be 2 finite values"):
        sa.rank_reversal(X_RR, W_RR, T_RR, remove=[], add={"bad": [1.0]})
    with pytest.raises(CitymatchValueError, match=r"`remove` names an unknown candidate 'x'"):
        sa.rank_reversal(X_RR, W_RR, T_RR, remove=["x"])


def test_rank_reversal_detects_a_known_swap():
    """Removing a candidate that sets the ideal point can swap two others: every reported swap
    is real (checked against citymatch.topsis on the reduced matrix)."""
    x = np.array([[10.0, 1.0], [6.0, 5.0], [5.0, 6.0], [1.0, 7.0]])
    w, t = [0.5, 0.5], [1, 1]
    rows = sa.rank_reversal(x, w, t)
    base = citymatch.topsis(x, w, t).scores
    for change, group in rows.groupby("change"):
        removed = int(change.split()[1])
        keep = [i for i in range(4) if i != removed]
        after = citymatch.topsis(x[keep], w, t).scores
        for r in group.itertuples():
            a, b = int(r.a), int(r.b)
            assert base[a] > base[b] and after[keep.index(a)] < after[keep.index(b)]
    added = sa.rank_reversal(x, w, t, remove=[], add={"new": [11.0, 0.5]})
    assert set(added["change"]) <= {"add new"}


def test_method_agreement_uses_citymatch_methods_and_their_options():
    """Each column equals the method's own ranks with the options passed for it."""
    x = np.array([[9.0, 8.0, 2.0], [9.0, 4.0, 2.0], [7.0, 2.0, 1.0], [9.0, 2.0, 4.0], [5, 5, 5]])
    res = sa.method_agreement(
        x, W_NORM, T_NORM, methods=["vikor", "PROMETHEE_II", "MABAC"],
        method_options={"VIKOR": {"v": 0.2}, "promethee_ii": {"preference": "v-shape", "p": 3}},
    )  # fmt: skip
    np.testing.assert_array_equal(
        res.ranks["VIKOR"], citymatch.vikor(x, W_NORM, T_NORM, v=0.2).ranks
    )
    expect = citymatch.promethee(x, W_NORM, T_NORM, preference="v-shape", p=3).ranks
    np.testing.assert_array_equal(res.ranks["PROMETHEE_II"], expect)
    np.testing.assert_array_equal(res.ranks["MABAC"], citymatch.mabac(x, W_NORM, T_NORM).ranks)
    with pytest.raises(CitymatchValueError, match="names methods not compared: \\['WSM'\\]"):
        sa.method_agreement(
            x, W_NORM, T_NORM, methods=["TOPSIS", "VIKOR"], method_options={"wsm": {}}
        )


def test_consensus_borda_and_copeland_by_hand():
    """Borda = Σ (N − rank); Copeland = majority pairs won − lost (three rankings, by hand).

    Ranks of (a, b, c): method 1 (1, 2, 3), method 2 (2, 1, 3), method 3 (1, 3, 2).
    Borda: a 2+1+2 = 5, b 1+2+0 = 3, c 0+0+1 = 1.  Pairs: a beats b 2–1 and c 3–0; b beats
    c 2–1.  Copeland: a +2, b 0, c −2.
    """
    ranks = pd.DataFrame({"m1": [1, 2, 3], "m2": [2, 1, 3], "m3": [1, 3, 2]}, index=list("abc"))
    got = sa.consensus(ranks)
    assert got["borda"].tolist() == [5, 3, 1] and got["borda_rank"].tolist() == [1, 2, 3]
    assert got["copeland"].tolist() == [2, 0, -2] and got["copeland_rank"].tolist() == [1, 2, 3]
    res = sa.method_agreement(X_NORM, W_NORM, T_NORM, methods=["WSM", "TOPSIS", "VIKOR"])
    pd.testing.assert_frame_equal(res.consensus, sa.consensus(res.ranks))
    assert set(res.to_frame().columns) >= {"WSM", "TOPSIS", "borda", "copeland_rank"}
