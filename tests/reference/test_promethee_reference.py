"""Published PROMETHEE worked example, reproduced through one public call.

Convention difference, stated: Brans, Vincke & Mareschal (1986) print the flows as plain sums
over the other alternatives; citymatch (as Brans & Mareschal 2005, Visual PROMETHEE) divides
by n − 1. The tests multiply citymatch's flows by n − 1 before comparing. Every other
convention — weights normalised to 1, thresholds in raw units, Brans's six function types
(IV level: ½ on (q, p]; VI Gaussian with s) — is the authors' own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import citymatch
from helpers import load_ref

CASE = "promethee_brans_vincke_mareschal_1986"


def _run(case: dict, weights=None, matrix=None, q=None, p=None):
    inp = case["inputs"]
    return citymatch.promethee(
        inp["matrix"] if matrix is None else matrix,
        inp["weights"] if weights is None else weights,
        inp["types"],
        preference=inp["preference"],
        q=inp["q"] if q is None else q,
        p=inp["p"] if p is None else p,
        s=inp["s"],
    )


def test_brans_vincke_mareschal_1986_net_flows():
    """BVM (1986) EJOR 24:228-238, hydro-electric station example: the printed net flows
    (sums, 3 dp; the source summed π rounded to 3 dp, hence ±0.005) and the PROMETHEE II
    ranking a5 > a2 > a4 > a6 > a3 > a1, from one `citymatch.promethee` call."""
    case = load_ref(CASE)
    res = _run(case)
    n = len(case["inputs"]["alternatives"])
    pub, tol = case["published"], case["tolerance"]
    np.testing.assert_allclose(
        res.scores * (n - 1), pub["net_flow_sum"], rtol=0, atol=tol["net_flow_sum"]
    )
    order = [case["inputs"]["alternatives"][i] for i in np.argsort(-res.scores, kind="stable")]
    assert order == pub["ranking"]
    assert res.ranks.tolist() == [6, 2, 5, 3, 1, 4]


def test_brans_vincke_mareschal_1986_positive_and_negative_flows():
    """φ⁺ and φ⁻ against the printed preference-index table π: (n − 1)·φ⁺(a) is row a's sum
    and (n − 1)·φ⁻(a) column a's sum (5 terms printed to 3 dp: ±0.0025)."""
    case = load_ref(CASE)
    res = _run(case)
    pi = np.asarray(case["published"]["pi"])
    n, tol = pi.shape[0], case["tolerance"]["pi_row_or_column_sum"]
    np.testing.assert_allclose(res.phi_plus * (n - 1), pi.sum(axis=1), rtol=0, atol=tol)
    np.testing.assert_allclose(res.phi_minus * (n - 1), pi.sum(axis=0), rtol=0, atol=tol)


def test_brans_vincke_mareschal_1986_promethee_i():
    """PROMETHEE I as the source text states it: a1 and a2 are incomparable (their flows
    disagree) and a5 outranks every other site."""
    case = load_ref(CASE)
    rel = _run(case).outranking()
    assert rel.iloc[0, 1] == "R" and rel.iloc[1, 0] == "R"
    assert all(rel.iloc[4, j] == "P" for j in range(6) if j != 4)
    assert all(rel.iloc[j, 4] == "P⁻" for j in range(6) if j != 4)


@pytest.mark.parametrize("variant", [0, 1])
def test_brans_vincke_mareschal_weight_variants(variant):
    """Mareschal's exercises on the same data: w2 = 50 (others 10) makes France (a6) best;
    w5 = 55 (others 9) makes Belgium (a2) best."""
    case = load_ref(CASE)
    v = case["published"]["weight_variants"][variant]
    res = _run(case, weights=v["weights"])
    assert case["inputs"]["alternatives"][int(np.argmax(res.scores))] == v["best"]


def test_brans_vincke_mareschal_1986_other_units():
    """The copies that print f3 in millions and f4 in tens (thresholds scaled with them) give
    the same flows: thresholds are read in the criterion's raw units."""
    case = load_ref(CASE)
    other = case["inputs"]["other_units"]
    a = _run(case)
    b = _run(case, matrix=other["matrix"], q=other["q"], p=other["p"])
    np.testing.assert_allclose(b.scores, a.scores, rtol=0, atol=1e-12)
    np.testing.assert_allclose(b.phi_plus, a.phi_plus, rtol=0, atol=1e-12)


def test_brans_vincke_mareschal_1986_through_rank():
    """The same case through `citymatch.rank(..., method="promethee")` with the preference
    functions and thresholds in `method_options`: net flows by site id, best first."""
    case = load_ref(CASE)
    inp, pub = case["inputs"], case["published"]
    ids = [f"c{j}" for j in range(len(inp["criteria"]))]
    cs = citymatch.CriteriaSet(
        name="ref",
        title=case["id"],
        version="1",
        method="promethee",
        method_options={k: inp[k] for k in ("preference", "q", "p", "s")},
        criteria=[
            {"id": c, "label": label, "direction": t, "weight": w}
            for c, label, t, w in zip(
                ids, inp["criteria"], inp["types"], inp["weights"], strict=True
            )
        ],
    )
    frame = pd.DataFrame(inp["matrix"], columns=ids)
    frame.insert(0, "id", inp["alternatives"])
    r = citymatch.rank(frame, cs)
    assert r.method == "PROMETHEE_II"
    assert r.table["id"].tolist() == pub["ranking"]
    by_id = r.table.set_index("id").loc[inp["alternatives"]]
    n = len(inp["alternatives"])
    np.testing.assert_allclose(
        by_id["score"] * (n - 1),
        pub["net_flow_sum"],
        rtol=0,
        atol=case["tolerance"]["net_flow_sum"],
    )
    pi = np.asarray(pub["pi"])
    np.testing.assert_allclose(
        by_id["phi_plus"] * (n - 1),
        pi.sum(axis=1),
        rtol=0,
        atol=case["tolerance"]["pi_row_or_column_sum"],
    )
