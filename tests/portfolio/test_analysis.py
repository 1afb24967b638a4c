"""Analyses: frontier and marginal value, values from criteria, selection acceptability —
checked against independent computations (TOPSIS by hand, enumeration of every selection)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import citymatch
from citymatch import portfolio as pf
from citymatch.sampling import sample_weights
from helpers import ROOT
from portfolio_helpers import one_year, topsis_by_hand

#: A hand-set criteria set with a cost criterion, so direction handling is exercised.
DEMO = citymatch.CriteriaSet(
    name="demo",
    title="Demo project criteria",
    version="1",
    criteria=[
        {"id": "reach", "label": "Reach", "direction": "benefit", "weight": 0.5},
        {"id": "burden", "label": "Burden on staff", "direction": "cost", "weight": 0.3},
        {"id": "fit", "label": "Strategic fit", "direction": "benefit", "weight": 0.2},
    ],
)
ATTRS = np.array(
    [[9.0, 5.0, 2.0], [4.0, 1.0, 6.0], [6.0, 3.0, 9.0], [2.0, 2.0, 3.0], [7.0, 6.0, 7.0]]
)


def five_projects(budget: float = 2) -> dict:
    """5 projects costing 1 each, one year, a budget for 2; values come from DEMO."""
    return {
        "start_year": 2026,
        "years": 1,
        "budget": budget,
        "new_per_year_min": None,
        "new_per_year_max": None,
        "projects": [
            {"id": f"P{i + 1}", "cost": 1, "attributes": dict(zip(DEMO.ids, row, strict=True))}
            for i, row in enumerate(ATTRS)
        ],
    }


# ------------------------------------------------------------------ frontier, marginal value
def test_frontier_is_monotone_and_marginal_value():
    """The value never falls as the budget grows; the marginal value of money is reported per year."""
    problem = one_year([10, 9, 8, 7], [5, 4, 3, 2], 8)
    front = pf.efficient_frontier(problem, factors=[0.5, 1, 1.5, 2])
    assert front["value"].is_monotonic_increasing
    assert front["value"].iloc[-1] == 34
    assert front["status"].tolist() == [0, 0, 0, 0]
    mv = pf.marginal_value(problem, step=2)
    assert (
        mv.loc[0, "value_gain"]
        == citymatch.optimize_portfolio(one_year([10, 9, 8, 7], [5, 4, 3, 2], 10)).fun
        - citymatch.optimize_portfolio(problem).fun
    )
    with pytest.raises(pf.PortfolioError, match=r"`budget` is not set"):
        pf.efficient_frontier({**problem, "budget": None})
    with pytest.raises(pf.PortfolioError, match=r"`budget` is not set"):
        pf.marginal_value({**problem, "budget": None})


def test_frontier_and_marginal_value_options_are_checked():
    """Negative budget factors and a non-positive step are refused, naming the value."""
    problem = one_year([10, 9], [5, 4], 8)
    with pytest.raises(ValueError, match=r"`factors` must be ≥ 0; got \[1, -0.5\]"):
        pf.efficient_frontier(problem, factors=[1, -0.5])
    with pytest.raises(ValueError, match=r"`step` must be positive; got 0"):
        pf.marginal_value(problem, step=0)


# ------------------------------------------------------------------ values from criteria
def test_score_projects_equals_topsis_by_hand():
    """Each project's value is 100 × its TOPSIS closeness computed by hand (vector
    normalisation, the set's weights and directions), to 1e-9 — with the set's weights and
    with overriding weights; values differ between projects."""
    prob = five_projects()
    benefit = DEMO.types == 1
    valued = pf.score_projects(prob, DEMO)
    got = np.array([p.value for p in valued.projects])
    want = 100 * topsis_by_hand(ATTRS, np.array([0.5, 0.3, 0.2]), benefit)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
    assert len(set(np.round(want, 6))) == 5
    override = np.array([0.1, 0.1, 0.8])
    valued = pf.score_projects(prob, DEMO, weights=override, scale=1.0)
    got = np.array([p.value for p in valued.projects])
    np.testing.assert_allclose(got, topsis_by_hand(ATTRS, override, benefit), rtol=0, atol=1e-9)


def test_score_projects_with_the_shipped_project_set():
    """The shipped "project" set scores the example's attributes exactly as TOPSIS by hand."""
    prob = pf.load_problem(ROOT / "examples" / "toronto_portfolio.toml")
    cs = citymatch.load_criteria("project")
    x = np.array([[p.attributes[c] for c in cs.ids] for p in prob.projects])
    valued = pf.score_projects(prob, "project")
    got = np.array([p.value for p in valued.projects])
    np.testing.assert_allclose(
        got, 100 * topsis_by_hand(x, np.asarray(cs.weights), cs.types == 1), rtol=0, atol=1e-9
    )


def test_values_from_criteria_and_partner_scores():
    """Project values can come from a project criteria set scored with TOPSIS, with the partner
    score taken from a Ranking — ranking and selection connect."""
    ranking = citymatch.rank(citymatch.datasets.load_cities(), "partnership-city")
    prob = pf.load_problem(ROOT / "examples" / "toronto_portfolio.toml")
    linked = pf.with_partner_scores(prob, ranking)
    scores = ranking.scores
    paris = next(p for p in linked.projects if p.id == "barcelona-data")
    assert paris.attributes["partner_score"] == pytest.approx(scores["barcelona"])
    valued = pf.score_projects(linked, "project")
    assert all(p.value is not None and 0 <= p.value <= 100 for p in valued.projects)
    plan = citymatch.optimize_portfolio(prob)  # value_criteria in the file fills the values
    assert plan.status == 0 and len(plan.selected) >= 5


# ------------------------------------------------------------------ acceptability
def _best_pair_by_enumeration(values: np.ndarray, budget: int) -> set[int]:
    """The optimal selection of unit-cost projects, by enumerating every subset."""
    best, best_value = set(), 0.0
    for size in range(1, budget + 1):
        for combo in itertools.combinations(range(len(values)), size):
            if values[list(combo)].sum() > best_value:
                best, best_value = set(combo), values[list(combo)].sum()
    return best


def test_portfolio_acceptability_equals_enumeration():
    """Selection shares equal brute force: the same weight samples (sample_weights, same
    rng), values by hand-computed TOPSIS, the optimum of each by enumerating every subset.
    Shares vary between projects (neither all 1 nor all equal)."""
    samples, seed = 40, 7
    w = sample_weights(3, samples, sampler="uniform", base=DEMO.weights, rng=seed)
    counts = np.zeros(5)
    for wk in w:
        values = topsis_by_hand(ATTRS, wk, DEMO.types == 1)
        for i in _best_pair_by_enumeration(values, 2):
            counts[i] += 1
    expected = {f"P{i + 1}": c / samples for i, c in enumerate(counts)}
    assert min(expected.values()) < 1  # not every project is always selected
    assert len(set(expected.values())) >= 3

    got = pf.portfolio_acceptability(
        five_projects(), DEMO, samples=samples, sampler="uniform", rng=seed
    )
    assert dict(zip(got["id"], got["selected_share"], strict=True)) == pytest.approx(
        expected, abs=1e-12
    )
    assert got["selected_share"].is_monotonic_decreasing
    never = {pid for pid, s in expected.items() if s == 0}
    assert all(
        (s is None) == (pid in never) for pid, s in zip(got["id"], got["start"], strict=True)
    )
    assert set(got["start"].dropna()) <= {2026}


def test_portfolio_acceptability():
    """Selection shares under sampled project-criteria weights are in [0, 1] and reproducible."""
    prob = ROOT / "examples" / "toronto_portfolio.toml"
    a = pf.portfolio_acceptability(prob, "project", samples=8, rng=3)
    b = pf.portfolio_acceptability(prob, "project", samples=8, rng=3)
    assert a.equals(b)
    assert a["selected_share"].between(0, 1).all() and a["selected_share"].max() == 1.0
