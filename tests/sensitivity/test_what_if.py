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
    # Panama City is an active MOU in the register: screened out (already a partner), no rank
    screened = b["id"] == "panama-city"
    assert b.loc[screened, ["best_rank", "worst_rank"]].isna().all(axis=None)
    ranked = b[~screened]
    assert (ranked["best_rank"] <= ranked["worst_rank"]).all()
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


# ------------------------------------------------------------------ pinned against brute force
# Found by search: under "max" normalisation, candidate "b" ranks 2nd; it can reach first place
# by raising c0 (benefit) or lowering c1 (cost) within the default range (observed column
# range extended by its width), but c2 (benefit) only just beyond that range (at ≈ 13.39 > 13).
X_WIT = np.array([[8.5, 4.2, 7.3], [8.7, 6.8, 5.9], [7.9, 7.4, 5.2], [6.2, 7.7, 1.6]])
T_WIT = np.array([1, -1, 1])
W_WIT = np.array([0.5, 0.3, 0.2])
IDS_WIT = ["a", "b", "c", "d"]
CRIT_WIT = ["gdp", "cost", "ties"]


def _rank_of(x, i, w, t, norm, plain_topsis):
    """Competition rank of candidate i (scores compared after 12-decimal rounding)."""
    s = np.round(plain_topsis(x, w, t, norm), 12)
    return 1 + int((s > s[i]).sum())


def _threshold(x, i, j, t, w, k, target, norm, plain_topsis):
    """Brute force: the value of x[i, j] nearest the current one (on the way to ``target``)
    that puts candidate i in the top k — a 400-step scan, then 80 bisection steps; NaN if
    no scanned value gets there."""

    def inside(v):
        xv = x.copy()
        xv[i, j] = v
        return _rank_of(xv, i, w, t, norm, plain_topsis) <= k

    cur = x[i, j]
    hit = next((v for v in np.linspace(cur, target, 401)[1:] if inside(v)), None)
    if hit is None:
        return np.nan
    a, b = cur, hit
    for _ in range(80):
        a, b = (a, 0.5 * (a + b)) if inside(0.5 * (a + b)) else (0.5 * (a + b), b)
    return b


def test_what_it_takes_values_and_sentences_match_brute_force(plain_topsis):
    """Each criterion's ``needed`` equals the brute-force threshold (benefit rises, cost falls,
    normalisation, labels and criterion names honoured); a criterion whose threshold lies just
    beyond the default range (observed range extended by its width) is unreachable, and the
    sentence names that range; k = 1 counts rank 1 as inside."""
    res = sa.what_it_takes(
        X_WIT, "b", W_WIT, T_WIT, k=1, normalization="max", labels=IDS_WIT, criteria=CRIT_WIT
    ).set_index("criterion")
    assert list(res.index) == CRIT_WIT
    assert _rank_of(X_WIT, 1, W_WIT, T_WIT, "max", plain_topsis) == 2
    # default ranges: [min − width, max + width]
    lo = X_WIT.min(axis=0) - np.ptp(X_WIT, axis=0)
    hi = X_WIT.max(axis=0) + np.ptp(X_WIT, axis=0)
    for j, cid in enumerate(CRIT_WIT):
        target = hi[j] if T_WIT[j] > 0 else lo[j]
        expected = _threshold(X_WIT, 1, j, T_WIT, W_WIT, 1, target, "max", plain_topsis)
        row = res.loc[cid]
        assert row["current"] == X_WIT[1, j]
        if np.isnan(expected):
            assert cid == "ties" and not row["reachable"]
            assert np.isnan(row["needed"]) and np.isnan(row["change"])
            assert row["explanation"] == (
                f"b cannot enter the top 1 by changing ties alone (within [{lo[j]:.4g}, {hi[j]:.4g}])"
            )
            # just beyond the range it would be reachable: the range is what stops it
            beyond = _threshold(X_WIT, 1, j, T_WIT, W_WIT, 1, 20.0, "max", plain_topsis)
            assert hi[j] < beyond < 20.0
            continue
        assert row["reachable"]
        assert row["needed"] == pytest.approx(expected, abs=1e-8)
        assert row["change"] == pytest.approx(expected - X_WIT[1, j], abs=1e-8)
        verb = "rises" if T_WIT[j] > 0 else "falls"
        assert row["explanation"] == (
            f"b enters the top 1 if {cid} {verb} from {X_WIT[1, j]:.4g} to {expected:.4g}"
        )
    assert res.loc["gdp", "reachable"] and res.loc["cost", "reachable"]
    assert res.loc["cost", "needed"] < X_WIT[1, 1]  # a cost must fall


def test_what_it_takes_candidate_exactly_at_rank_k_needs_no_change(plain_topsis):
    """A candidate ranked exactly k is already in the top k: change 0 for every criterion."""
    assert _rank_of(X_WIT, 1, W_WIT, T_WIT, "max", plain_topsis) == 2
    res = sa.what_it_takes(X_WIT, "b", W_WIT, T_WIT, k=2, normalization="max", labels=IDS_WIT)
    np.testing.assert_array_equal(res["needed"], X_WIT[1])
    assert (res["change"] == 0).all() and res["reachable"].all()
    assert (res["explanation"] == "b is already in the top 2").all()


def test_what_it_takes_respects_bounds(plain_topsis):
    """``bounds`` replace the default range: gdp capped at 10.0 (below the brute-force
    threshold ≈ 10.72) is unreachable and the sentence names the bounds; a cap above the
    threshold leaves the value unchanged."""
    j = 0
    expected = _threshold(X_WIT, 1, j, T_WIT, W_WIT, 1, 11.2, "max", plain_topsis)
    assert 10.0 < expected < 10.9
    kw = {"k": 1, "normalization": "max", "labels": IDS_WIT, "criteria": CRIT_WIT}
    capped = sa.what_it_takes(X_WIT, "b", W_WIT, T_WIT, bounds={"gdp": (0.0, 10.0)}, **kw)
    row = capped.set_index("criterion").loc["gdp"]
    assert not row["reachable"] and np.isnan(row["needed"])
    assert row["explanation"] == "b cannot enter the top 1 by changing gdp alone (within [0, 10])"
    wide = sa.what_it_takes(X_WIT, "b", W_WIT, T_WIT, bounds={"gdp": (0.0, 10.9)}, **kw)
    assert wide.set_index("criterion").loc["gdp", "needed"] == pytest.approx(expected, abs=1e-8)


def test_what_it_takes_uses_a_rankings_criterion_ranges(ranking, plain_topsis):
    """With a Ranking, each criterion's declared ``range`` bounds the search: an unreachable
    criterion's sentence names that range (a yes/no criterion says it is yes/no), and brute force confirms that even the range end
    does not put the candidate in the top 3."""
    cand = ranking.table["id"].iloc[10]
    res = sa.what_it_takes(ranking, cand, k=3).set_index("criterion")
    x = ranking.matrix.to_numpy(dtype=float)
    w = ranking.weights.to_numpy()
    t = ranking.criteria.types
    i = list(ranking.matrix.index).index(cand)
    checked = 0
    for j, crit in enumerate(ranking.criteria.criteria):
        row = res.loc[crit.id]
        if crit.range is None or row["reachable"]:
            continue
        lo, hi = crit.range
        end = x.copy()
        end[i, j] = hi if t[j] > 0 else lo
        assert _rank_of(end, i, w, t, "vector", plain_topsis) > 3
        if crit.unit == "0/1":  # a yes/no criterion can only flip (test_what_if_binary.py)
            assert " alone (yes/no: " in row["explanation"]
        else:
            assert row["explanation"].endswith(f"(within [{lo:.4g}, {hi:.4g}])")
        checked += 1
    assert checked >= 3


def test_what_it_takes_bisects_to_tol(ranking, plain_topsis):
    """``needed`` is on the inside of the threshold and within ``tol`` (relative to
    max(1, |needed|)) of the brute-force threshold, for a coarse ``tol`` too."""
    cand = ranking.table["id"].iloc[10]
    x = ranking.matrix.to_numpy(dtype=float)
    w = ranking.weights.to_numpy()
    t = ranking.criteria.types
    i = list(ranking.matrix.index).index(cand)
    j = list(ranking.criteria.ids).index("sector_alignment")
    expected = _threshold(x, i, j, t, w, 3, 1.0, "vector", plain_topsis)
    assert 0.5 < expected < 1.0
    for tol in (1e-2, 3e-3, 1e-3):
        res = sa.what_it_takes(ranking, cand, k=3, tol=tol).set_index("criterion")
        needed = res.loc["sector_alignment", "needed"]
        assert 0.0 <= needed - expected <= tol, (tol, needed, expected)


@pytest.mark.parametrize("k", [0, 1.5, True])
def test_what_it_takes_refuses_non_integer_k(k):
    """`k` must be an integer in 1..N−1 (a bool is not an integer here)."""
    x = np.array([[1.0, 5.0], [2.0, 4.0], [3.0, 3.0], [4.0, 1.0]])
    with pytest.raises(CitymatchValueError, match=r"`k` must be an integer in 1\.\.3; got"):
        sa.what_it_takes(x, "3", [0.5, 0.5], [1, 1], k=k)


def _screened_set():
    from citymatch.models.criteria import ScreeningRule

    return CriteriaSet(
        name="bounds-screened",
        title="bounds test with a screening rule",
        version="1",
        criteria=_criteria_set().criteria,
        screening=(
            ScreeningRule(
                id="no-blocked",
                description="blocked",
                kind="exclude",
                column="blocked",
                op="==",
                value=1,
            ),
        ),
    )


def _bounds_table():
    x = np.array(
        [[5.0, 3.0, 4.0], [np.nan, 2.0, 6.0], [7.0, 5.0, 2.0], [3.0, 1.0, 5.0], [np.nan, 4.0, 3.0]]
    )
    table = pd.DataFrame(x, columns=["gdp", "cost", "ties"])
    table["blocked"] = [0, 0, 0, 0, 1]
    return table


def test_missing_rank_bounds_honours_rank_options_ids_and_screening(plain_topsis):
    """``rank_kwargs`` reach :func:`citymatch.rank` (``id_column``, ``weights``): the best and
    worst rank equal the plain-TOPSIS ranks with the gap filled by the column's best and worst
    observed value; ids come from ``id_column`` or, without it, the index; a candidate that
    screening excludes gets no rank (None); a table without gaps gives an empty frame."""
    table = _bounds_table()
    w = np.array([0.6, 0.2, 0.2])
    t = np.array([1, -1, 1])
    kept = [0, 1, 2, 3]  # row 4 is screened out
    expected = {}
    for label, fill in (("best", 7.0), ("worst", 3.0)):  # gdp is a benefit: best = max
        x = table.loc[kept, ["gdp", "cost", "ties"]].to_numpy().copy()
        x[1, 0] = fill
        s = np.round(plain_topsis(x, w, t), 12)
        expected[label] = 1 + int((s > s[1]).sum())
    assert expected["best"] < expected["worst"]
    weights = dict(zip(["gdp", "cost", "ties"], w, strict=True))
    coded = table.assign(code=[f"k{i}" for i in range(5)])
    by_code = sa.missing_rank_bounds(coded, _screened_set(), id_column="code", weights=weights)
    by_index = sa.missing_rank_bounds(
        table.set_index(pd.Index([f"k{i}" for i in range(5)])), _screened_set(), weights=weights
    )
    for res in (by_code, by_index):
        assert list(res.columns) == ["id", "missing", "best_rank", "worst_rank", "of"]
        assert list(res["id"]) == ["k1", "k4"]
        row = res.set_index("id").loc["k1"]
        assert (row["best_rank"], row["worst_rank"], row["of"]) == (
            expected["best"],
            expected["worst"],
            4,
        )
        screened = res.set_index("id").loc["k4"]
        assert pd.isna(screened["best_rank"]) and pd.isna(screened["worst_rank"])
        assert screened["missing"] == ["gdp"]
    full = sa.missing_rank_bounds(table.fillna(1.0), _screened_set())
    assert full.empty
    assert list(full.columns) == ["id", "missing", "best_rank", "worst_rank", "of"]
