"""Published VIKOR worked examples, reproduced through one public call each.

Conventions (citymatch = the authors' definition, Opricovic & Tzeng 2004, §2): f*/f⁻ are the
best/worst observed values of each criterion; S, R, Q lower is better; DQ = 1/(J − 1); the
compromise is a′ alone when C1 (acceptable advantage) and C2 (acceptable stability) hold.
No published case below needs a zero-division convention (no constant column, S⁻ ≠ S*,
R⁻ ≠ R*).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import citymatch
from helpers import load_ref


def _criteria_set(case: dict, weights: list[float]) -> citymatch.CriteriaSet:
    inp = case["inputs"]
    return citymatch.CriteriaSet(
        name="ref",
        title=case["id"],
        version="1",
        method="vikor",
        method_options={"v": inp["v"]},
        criteria=[
            {"id": f"c{j}", "label": label, "direction": t, "weight": w}
            for j, (label, t, w) in enumerate(
                zip(inp["criteria"], inp["types"], weights, strict=True)
            )
        ],
    )


def _frame(case: dict, matrix: list[list[float]]) -> pd.DataFrame:
    inp = case["inputs"]
    frame = pd.DataFrame(matrix, columns=[f"c{j}" for j in range(len(inp["criteria"]))])
    frame.insert(0, "id", inp["alternatives"])
    return frame


def test_opricovic_tzeng_2004_table():
    """Opricovic & Tzeng (2004) EJOR 156:445-455, numerical example (Tables 1-3): S, R, Q at
    the printed precision (3 dp), both conditions hold and the compromise solution is A2
    alone — all from one `citymatch.vikor` call."""
    case = load_ref("vikor_opricovic_tzeng_2004")
    inp, pub, tol = case["inputs"], case["published"], case["tolerance"]
    res = citymatch.vikor(inp["matrix"], inp["weights"], inp["types"], v=inp["v"])
    np.testing.assert_allclose(res.s, pub["S"], rtol=0, atol=tol["S"])
    np.testing.assert_allclose(res.r, pub["R"], rtol=0, atol=tol["R"])
    np.testing.assert_allclose(res.scores, pub["Q"], rtol=0, atol=tol["Q"])
    assert res.acceptable_advantage is pub["acceptable_advantage"]
    assert res.acceptable_stability is pub["acceptable_stability"]
    assert [inp["alternatives"][i] for i in res.compromise] == pub["compromise"]
    # A2 best by S, R and Q; A1 and A3 tied behind it on all three
    assert res.ranks.tolist() == [2, 1, 2]


def test_opricovic_tzeng_2004_other_units():
    """The paper's 'problem φ' (the same alternatives in other units) prints identical S, R,
    Q: the linear normalisation must be invariant to a change of unit and origin."""
    case = load_ref("vikor_opricovic_tzeng_2004")
    inp, pub, tol = case["inputs"], case["published"], case["tolerance"]
    res = citymatch.vikor(inp["matrix_other_units"], inp["weights"], inp["types"], v=inp["v"])
    np.testing.assert_allclose(res.s, pub["S"], rtol=0, atol=tol["S"])
    np.testing.assert_allclose(res.r, pub["R"], rtol=0, atol=tol["R"])
    np.testing.assert_allclose(res.scores, pub["Q"], rtol=0, atol=tol["Q"])
    assert res.compromise == (1,)


def test_opricovic_tzeng_2004_through_rank():
    """The same table through `citymatch.rank(..., method="vikor")`: the Ranking carries S, R
    and Q by candidate id, and `Ranking.compromise` names the compromise solution by id."""
    case = load_ref("vikor_opricovic_tzeng_2004")
    inp, pub, tol = case["inputs"], case["published"], case["tolerance"]
    r = citymatch.rank(_frame(case, inp["matrix"]), _criteria_set(case, inp["weights"]))
    by_id = r.table.set_index("id").loc[inp["alternatives"]]
    np.testing.assert_allclose(by_id["S"], pub["S"], rtol=0, atol=tol["S"])
    np.testing.assert_allclose(by_id["R"], pub["R"], rtol=0, atol=tol["R"])
    np.testing.assert_allclose(by_id["score"], pub["Q"], rtol=0, atol=tol["Q"])
    assert r.compromise == tuple(pub["compromise"])
    assert r.table["id"].iloc[0] == pub["best_by_S_R_Q"]


def test_keshavarz_ghorabaee_2015_ranks_each_weight_set():
    """Keshavarz Ghorabaee et al. (2015) Informatica 26:435-451, Tables 5-7: the published
    VIKOR ranks of ten alternatives under each of the seven weight sets (v = 0.5)."""
    case = load_ref("vikor_keshavarz_ghorabaee_2015")
    inp = case["inputs"]
    for k, w in enumerate(inp["weight_sets"]):
        res = citymatch.vikor(inp["matrix"], w, inp["types"], v=inp["v"])
        assert res.ranks.tolist() == case["published"]["vikor_ranks"][k], f"weight set {k + 1}"


def test_keshavarz_ghorabaee_2015_ranks_batched():
    """The seven weight sets as one (7, M) batch give the seven published rank rows in one
    call (the batched path agrees with the published table, not only with itself)."""
    case = load_ref("vikor_keshavarz_ghorabaee_2015")
    inp = case["inputs"]
    res = citymatch.vikor(inp["matrix"], inp["weight_sets"], inp["types"], v=inp["v"])
    assert res.ranks.tolist() == case["published"]["vikor_ranks"]


def _compromise_by_definition(x: np.ndarray, w: np.ndarray, benefit: np.ndarray, v: float):
    """Opricovic & Tzeng (2004) §2 steps 1-5 written out independently of citymatch."""
    best = np.where(benefit, x.max(0), x.min(0))
    worst = np.where(benefit, x.min(0), x.max(0))
    d = w * (best - x) / (best - worst)
    s, r = d.sum(1), d.max(1)
    q = v * (s - s.min()) / (s.max() - s.min()) + (1 - v) * (r - r.min()) / (r.max() - r.min())
    order = sorted(range(len(q)), key=lambda i: q[i])
    dq = 1 / (len(q) - 1)
    c1 = q[order[1]] - q[order[0]] >= dq
    c2 = s[order[0]] == s.min() or r[order[0]] == r.min()
    if c1 and c2:
        return (order[0],), c1, c2
    if c1:
        return (order[0], order[1]), c1, c2
    return tuple(i for i in order if q[i] - q[order[0]] < dq), c1, c2


@pytest.mark.parametrize("k", range(7))
def test_keshavarz_ghorabaee_2015_compromise_set_branch(k):
    """On the published data C1 fails (DQ = 1/9), so the compromise is a set: citymatch's
    set and conditions equal the definition written out by hand (not printed in the paper;
    this exercises the compromise-set branch on published data)."""
    case = load_ref("vikor_keshavarz_ghorabaee_2015")
    inp = case["inputs"]
    x = np.asarray(inp["matrix"], float)
    w = np.asarray(inp["weight_sets"][k], float)
    w = w / w.sum()
    benefit = np.array([t == "benefit" for t in inp["types"]])
    want, c1, c2 = _compromise_by_definition(x, w, benefit, inp["v"])
    res = citymatch.vikor(x, w, inp["types"], v=inp["v"])
    assert (res.acceptable_advantage, res.acceptable_stability) == (c1, c2)
    assert res.compromise == want
    assert len(want) >= 2  # the set branch, not the single solution


def test_keshavarz_ghorabaee_2015_compromise_set_by_id():
    """Through `rank(method="vikor")` the compromise set is named by candidate id, best Q
    first, and equals the row numbers of `result.compromise` mapped to the input ids."""
    case = load_ref("vikor_keshavarz_ghorabaee_2015")
    inp = case["inputs"]
    w = inp["weight_sets"][0]
    r = citymatch.rank(_frame(case, inp["matrix"]), _criteria_set(case, w))
    x = np.asarray(inp["matrix"], float)
    benefit = np.array([t == "benefit" for t in inp["types"]])
    want, _, _ = _compromise_by_definition(x, np.asarray(w) / sum(w), benefit, inp["v"])
    assert r.compromise == tuple(inp["alternatives"][i] for i in want)
    assert r.compromise[0] == r.table["id"].iloc[0]


def test_compromise_needs_a_vikor_ranking():
    """`Ranking.compromise` on a ranking by another method is a clear error naming it."""
    case = load_ref("vikor_opricovic_tzeng_2004")
    inp = case["inputs"]
    r = citymatch.rank(
        _frame(case, inp["matrix"]), _criteria_set(case, inp["weights"]), method="topsis"
    )
    with pytest.raises(
        citymatch.errors.CitymatchValueError,
        match=r"`Ranking.compromise` is VIKOR's compromise solution; this ranking used TOPSIS",
    ):
        _ = r.compromise
