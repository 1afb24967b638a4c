"""Frontier and marginal value, column by column, against enumeration and hand-solved cases
(the documented columns, the default factor grid and step, a status and NaN where no plan is
found)."""

from __future__ import annotations

import inspect
import itertools
import math

import pytest

from citymatch import portfolio as pf
from portfolio_helpers import FREE, hard_problem

#: One year, four projects (value, cost).  The fractions 0, 1/2, 1/4, 1/8 make every subset's
#: value distinct, so every budget has a single optimal selection (checked by the enumeration).
VALUES = [10.0, 9.5, 8.25, 7.125]
COSTS = [5.0, 4.0, 3.0, 2.0]


def _knapsack(budget: float) -> tuple[float, list[str]]:
    """Best value and the (unique) best selection of VALUES/COSTS within ``budget``, by
    enumerating every subset."""
    found = []
    for size in range(len(VALUES) + 1):
        for combo in itertools.combinations(range(len(VALUES)), size):
            if sum(COSTS[i] for i in combo) <= budget + 1e-9:
                found.append((sum(VALUES[i] for i in combo), combo))
    best = max(v for v, _ in found)
    winners = [c for v, c in found if v == best]
    assert len(winners) == 1, f"tie at budget {budget}: the test data must have one optimum"
    return best, [f"P{i + 1}" for i in winners[0]]


def _one_year(budget: float) -> dict:
    return {
        "start_year": 2026,
        "years": 1,
        "budget": budget,
        **FREE,
        "projects": [
            {"id": f"P{i + 1}", "value": v, "cost": c}
            for i, (v, c) in enumerate(zip(VALUES, COSTS, strict=True))
        ],
    }


def test_frontier_default_grid_equals_enumeration():
    """Without ``factors`` the frontier has 15 rows, factors 0.25 to 2 in eighths rounded to two
    decimals; each row's value, number selected and selected ids (problem order) equal the
    best subset by enumeration at that budget, with status OPTIMAL (0); the columns are the
    documented ones in order."""
    front = pf.efficient_frontier(_one_year(8.0))
    assert list(front.columns) == [
        "factor",
        "budget_per_year",
        "value",
        "n_selected",
        "selected",
        "status",
    ]
    grid = [0.25, 0.38, 0.5, 0.62, 0.75, 0.88, 1.0, 1.12, 1.25, 1.38, 1.5, 1.62, 1.75, 1.88, 2.0]
    assert front["factor"].tolist() == grid
    assert front["budget_per_year"].tolist() == pytest.approx([8.0 * f for f in grid])
    for row, f in zip(front.itertuples(index=False), grid, strict=True):
        value, ids = _knapsack(8.0 * f)
        assert row.value == pytest.approx(value, abs=1e-9)
        assert row.n_selected == len(ids)
        assert row.selected == ", ".join(ids)
        assert row.status == 0


def test_frontier_budget_per_year_is_the_mean_yearly_budget_times_the_factor():
    """With different yearly budgets every year is scaled by the factor, and
    ``budget_per_year`` is their mean times the factor; a zero factor selects nothing."""
    problem = {
        "start_year": 2026,
        "years": 2,
        "budget": [2.0, 6.0],
        **FREE,
        "projects": [
            {"id": "early", "value": 5, "cost": 2, "start": 2026},
            {"id": "late", "value": 4, "cost": 6, "start": 2027},
        ],
    }
    front = pf.efficient_frontier(problem, factors=[0, 0.5, 1])
    # factor 0: budgets (0, 0) → nothing; 0.5: (1, 3) → nothing fits; 1: (2, 6) → both.
    assert front["budget_per_year"].tolist() == [0.0, 2.0, 4.0]
    assert front["value"].tolist() == [0.0, 0.0, 9.0]
    assert front["n_selected"].tolist() == [0, 0, 2]
    assert front["selected"].tolist() == ["", "", "early, late"]


def test_frontier_reports_a_time_out_without_a_plan():
    """Each solve gets ``time_limit``: a solve stopped before any plan has status TIME_LIMIT
    (1) and value NaN, and selects nothing."""
    front = pf.efficient_frontier(hard_problem(), factors=[1.0], time_limit=1e-6)
    assert front["status"].tolist() == [1]
    assert math.isnan(front["value"].iloc[0])
    assert front["n_selected"].tolist() == [0] and front["selected"].tolist() == [""]


#: Two years, budgets (0, 0.5): "early" needs 1 in 2026; in 2027 "big" (10, cost 0.5) fits
#: but "small" (3, cost 0.02) does not fit beside it.  V(B) = 10.
MARGINAL = {
    "start_year": 2026,
    "years": 2,
    "budget": [0.0, 0.5],
    **FREE,
    "projects": [
        {"id": "early", "value": 5, "cost": 1, "start": 2026},
        {"id": "big", "value": 10, "cost": 0.5, "start": 2027},
        {"id": "small", "value": 3, "cost": 0.02, "start": 2027},
    ],
}


def test_marginal_value_default_step_by_hand():
    """The default step is 10% of the year's budget, or 1 when that budget is 0: 2026 gets
    +1 (early fits: gain 5, 5 per dollar), 2027 gets +0.05 (small fits beside big: gain 3,
    60 per dollar)."""
    mv = pf.marginal_value(MARGINAL)
    assert list(mv.columns) == ["year", "step", "value_gain", "per_dollar", "binding", "why"]
    assert mv["year"].tolist() == [2026, 2027]
    assert mv["step"].tolist() == pytest.approx([1.0, 0.05])
    assert mv["value_gain"].tolist() == pytest.approx([5.0, 3.0])
    assert mv["per_dollar"].tolist() == pytest.approx([5.0, 60.0])


def test_marginal_value_with_a_step_below_one_by_hand():
    """A step of 0.5 is allowed: in 2026 early (cost 1) still does not fit (gain 0); in 2027
    small fits beside big (gain 3, 6 per dollar)."""
    mv = pf.marginal_value(MARGINAL, step=0.5)
    assert mv["step"].tolist() == [0.5, 0.5]
    assert mv["value_gain"].tolist() == pytest.approx([0.0, 3.0])
    assert mv["per_dollar"].tolist() == pytest.approx([0.0, 6.0])


def test_marginal_value_passes_the_time_limit_to_every_solve():
    """Each solve (the base and one per year) gets ``time_limit``: on a problem HiGHS cannot
    solve quickly, every solve stops before a plan and every gain is NaN."""
    mv = pf.marginal_value(hard_problem(), step=1.0, time_limit=1e-6)
    assert mv["value_gain"].isna().all() and mv["per_dollar"].isna().all()


def test_documented_defaults_of_the_analyses():
    """The analyses' advertised defaults: 30 s per solve; acceptability draws 200 Dirichlet
    samples with concentration 50 and values on a 0–100 scale."""
    params = {
        f.__name__: inspect.signature(f).parameters
        for f in (pf.efficient_frontier, pf.marginal_value, pf.portfolio_acceptability)
    }
    assert {name: p["time_limit"].default for name, p in params.items()} == {
        "efficient_frontier": 30.0,
        "marginal_value": 30.0,
        "portfolio_acceptability": 30.0,
    }
    acc = params["portfolio_acceptability"]
    assert (acc["samples"].default, acc["sampler"].default) == (200, "dirichlet")
    assert (acc["concentration"].default, acc["scale"].default) == (50.0, 100.0)
