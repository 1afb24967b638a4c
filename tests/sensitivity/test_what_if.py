"""What it takes to reach the top k, and rank bounds for missing values (brute force)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import citymatch
from citymatch import sensitivity as sa
from citymatch.errors import CitymatchValueError
from citymatch.models.criteria import CriteriaSet, Criterion


def test_what_it_takes_counterfactual(ranking):
    """Applying the reported change (plus a small epsilon) puts the candidate in the top k;
    slightly less does not."""
    cand = ranking.table["id"].iloc[10]
    table = sa.what_it_takes(ranking, cand, k=3)
    reach = table[table["reachable"]]
    assert len(reach) >= 1
    x0 = ranking.matrix.to_numpy()
    i = list(ranking.matrix.index).index(cand)
    t = ranking.criteria.types
    for row in reach.itertuples():
        j = list(ranking.criteria.ids).index(row.criterion)
        step = 1e-6 * max(1.0, abs(row.needed)) * (1 if t[j] > 0 else -1)
        for value, inside in ((row.needed + step, True), (row.needed - step, False)):
            x = x0.copy()
            x[i, j] = value
            r = citymatch.topsis(x, ranking.weights.to_numpy(), t).ranks[i]
            assert bool(r <= 3) == inside, (row.criterion, value, r)
        assert f"{cand} enters the top 3 if {row.criterion}" in row.explanation


def test_what_it_takes_not_reachable_and_already_in():
    """A criterion with no weight cannot help; a top-k candidate needs no change."""
    x = np.array([[1.0, 5.0], [2.0, 4.0], [3.0, 3.0], [4.0, 1.0]])
    table = sa.what_it_takes(x, "3", [0.0, 1.0], [1, 1], k=1).set_index("criterion")
    assert not table.loc["c0", "reachable"]
    assert "cannot enter the top 1 by changing c0 alone" in table.loc["c0", "explanation"]
    first = sa.what_it_takes(x, "0", [0.1, 0.9], [1, 1], k=2)
    assert (first["change"] == 0).all()


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"candidate": "zz"}, r"`candidate` must be one of the candidate ids; got 'zz'"),
        ({"k": 4}, r"`k` must be an integer in 1\.\.3; got 4"),
        ({"bounds": {"c7": (0, 1)}}, r"`bounds` names unknown criteria \['c7'\]"),
    ],
)
def test_what_it_takes_bad_input(kwargs, pattern):
    """Unknown candidates, bad k and unknown bounds are refused, naming the value."""
    x = np.array([[1.0, 5.0], [2.0, 4.0], [3.0, 3.0], [4.0, 1.0]])
    args = {"candidate": "3", **kwargs}
    with pytest.raises(CitymatchValueError, match=pattern):
        sa.what_it_takes(x, args.pop("candidate"), [0.5, 0.5], [1, 1], **args)


def test_missing_rank_bounds():
    """Candidates with missing values get their best and worst possible rank, best ≤ worst."""
    b = sa.missing_rank_bounds(citymatch.datasets.load_cities(), "friendship-city")
    assert set(b["id"]) == {"panama-city", "london", "dubai", "jeddah"}
    assert (b["best_rank"] <= b["worst_rank"]).all()
    assert (b["missing"].map(tuple) == ("toronto_ethnic_origin_2021",)).all()


def _criteria_set():
    return CriteriaSet(
        name="bounds-test",
        title="bounds test",
        version="1",
        criteria=(
            Criterion(id="gdp", label="gdp", direction="benefit", weight=0.3),
            Criterion(id="cost", label="cost", direction="cost", weight=0.3),
            Criterion(id="ties", label="ties", direction="benefit", weight=0.4),
        ),
    )


def _brute_force_ranks(x, i, j, t, w, plain_topsis):
    """Candidate i's competition rank with x[i, j] on a fine grid over the column's range."""
    col = np.delete(x[:, j], i)
    ranks = []
    for value in np.linspace(col.min(), col.max(), 801):
        xv = x.copy()
        xv[i, j] = value
        s = np.round(plain_topsis(xv, w, t), 12)
        ranks.append(1 + int((s > s[i]).sum()))
    return min(ranks), max(ranks)


def test_missing_rank_bounds_match_brute_force(plain_topsis):
    """For each candidate with one missing value, best_rank / worst_rank equal the best and
    worst rank found by moving that value over a fine grid of its column's observed range
    (plain-numpy TOPSIS; another candidate's gap in another column filled with that column's
    worst value, as ``missing="worst"`` does)."""
    rng = np.random.default_rng(12)
    x = rng.uniform(1, 10, size=(8, 3))
    table = pd.DataFrame(x, columns=["gdp", "cost", "ties"])
    table.insert(0, "id", [f"city{i}" for i in range(8)])
    table.loc[2, "gdp"] = np.nan
    table.loc[5, "ties"] = np.nan
    t, w = np.array([1, -1, 1]), np.array([0.3, 0.3, 0.4])
    res = sa.missing_rank_bounds(table, _criteria_set()).set_index("id")
    assert list(res.index) == ["city2", "city5"]
    for i, j, other, other_j in ((2, 0, 5, 2), (5, 2, 2, 0)):
        filled = x.copy()
        col = np.delete(x[:, other_j], other)
        filled[other, other_j] = col.min()  # benefit criterion: the worst is the minimum
        best, worst = _brute_force_ranks(filled, i, j, t, w, plain_topsis)
        assert best < worst  # the missing value matters
        row = res.loc[f"city{i}"]
        assert (row["best_rank"], row["worst_rank"], row["of"]) == (best, worst, 8)
        assert row["missing"] == [["gdp", "cost", "ties"][j]]
