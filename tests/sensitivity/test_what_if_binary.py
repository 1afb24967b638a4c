"""``what_it_takes`` on yes/no and bounded criteria (issue 16): a 0/1 criterion can only
flip, never "rise to 1.62"; a bounded criterion's proposal stays within its range."""

from __future__ import annotations

import numpy as np
import pytest

import citymatch
from citymatch.errors import CitymatchValueError
from citymatch.sensitivity import what_it_takes


def _hand_topsis_rank(x: np.ndarray, w: np.ndarray, t: np.ndarray, i: int) -> int:
    """Candidate i's rank under textbook TOPSIS (vector normalisation), computed by hand."""
    v = w * x / np.sqrt((x**2).sum(axis=0))
    best = np.where(t > 0, v.max(axis=0), v.min(axis=0))
    worst = np.where(t > 0, v.min(axis=0), v.max(axis=0))
    dp = np.sqrt(((v - best) ** 2).sum(axis=1))
    dm = np.sqrt(((v - worst) ** 2).sum(axis=1))
    c = dm / (dp + dm)
    return 1 + int((np.round(c, 12) > np.round(c[i], 12)).sum())


@pytest.fixture(scope="module")
def shipped():
    """The shipped Partnership City ranking (free_trade_access has unit "0/1")."""
    return citymatch.rank(citymatch.datasets.load_cities(), "partnership-city")


@pytest.mark.parametrize("k", [3, 5, 10, 15, 20])
def test_yes_no_criterion_only_flips(shipped, k):
    """For every candidate without free trade: ``needed`` is 1 exactly when flipping the cell
    to 1 brings it into the top k (checked by a hand TOPSIS), else NaN with a sentence saying
    it is not reachable — never a fraction like 0.91 or 1.65."""
    x = shipped.matrix.to_numpy()
    w = shipped.weights.to_numpy()
    t = shipped.criteria.types
    j = list(shipped.criteria.ids).index("free_trade_access")
    for i, cand in enumerate(shipped.matrix.index):
        if x[i, j] != 0 or _hand_topsis_rank(x, w, t, i) <= k:
            continue
        row = what_it_takes(shipped, cand, k=k).set_index("criterion").loc["free_trade_access"]
        flipped = x.copy()
        flipped[i, j] = 1.0
        reaches = _hand_topsis_rank(flipped, w, t, i) <= k
        if reaches:
            assert row["needed"] == 1.0 and row["reachable"]
            assert row["explanation"] == (
                f"{cand} enters the top {k} if free_trade_access flips from 0 to 1 (yes/no)"
            )
        else:
            assert np.isnan(row["needed"]) and not row["reachable"]
            assert row["explanation"] == (
                f"{cand} cannot enter the top {k} by changing free_trade_access alone "
                "(yes/no: flipping it to 1 is not enough)"
            )


def test_bounded_criteria_stay_in_their_range(shipped):
    """Every proposal for a criterion with a valid range lies inside it."""
    ranges = {c.id: c.range for c in shipped.criteria.criteria if c.range is not None}
    for cand in shipped.matrix.index[10:20]:
        table = what_it_takes(shipped, cand, k=3)
        for row in table.itertuples(index=False):
            if row.criterion in ranges and row.reachable:
                lo, hi = ranges[row.criterion]
                assert lo <= row.needed <= hi


def test_raw_arrays_flip_a_criterion_named_binary():
    """With raw arrays, ``binary=`` names the yes/no criteria: 3 candidates, (fta, score),
    equal weights; b (fta 0, score 5) reaches first place only by flipping fta (by hand:
    with fta 1 it dominates a and c)."""
    x = np.array([[1.0, 4.0], [0.0, 5.0], [0.0, 3.0]])
    w = np.array([0.5, 0.5])
    assert _hand_topsis_rank(x, w, np.array([1, 1]), 1) == 2
    flipped = x.copy()
    flipped[1, 0] = 1.0
    assert _hand_topsis_rank(flipped, w, np.array([1, 1]), 1) == 1
    res = what_it_takes(
        x, "b", w, [1, 1], k=1, labels=["a", "b", "c"], criteria=["fta", "score"], binary=["fta"]
    ).set_index("criterion")
    assert res.loc["fta", "needed"] == 1.0
    assert res.loc["fta", "explanation"] == "b enters the top 1 if fta flips from 0 to 1 (yes/no)"
    already = what_it_takes(
        x, "a", w, [1, 1], k=1, labels=["a", "b", "c"], criteria=["fta", "score"], binary=["fta"]
    )
    assert (already["explanation"] == "a is already in the top 1").all()


def test_binary_checks():
    """``binary`` must name known criteria holding only 0 and 1."""
    x = np.array([[1.0, 4.0], [0.0, 5.0], [0.5, 3.0]])
    kw = {"k": 1, "labels": ["a", "b", "c"], "criteria": ["fta", "score"]}
    with pytest.raises(CitymatchValueError, match=r"`binary` names unknown criteria \['fx'\]"):
        what_it_takes(x, "b", [1, 1], [1, 1], binary=["fx"], **kw)
    with pytest.raises(
        CitymatchValueError,
        match=r"criterion 'fta' is yes/no but holds values other than 0 and 1; got \[0\.5\]",
    ):
        what_it_takes(x, "b", [1, 1], [1, 1], binary=["fta"], **kw)
