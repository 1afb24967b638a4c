"""Issue 13, numerics: the portfolio MILP solves large and tiny costs exactly, reports HiGHS
statuses for what they are, and handles a 5,000-long dependency chain."""

from __future__ import annotations

import importlib
from itertools import combinations

import pytest
from scipy.optimize import OptimizeResult

import citymatch
from citymatch.portfolio import OTHER, PlanStatus

solve_module = importlib.import_module("citymatch.portfolio.solve")

VALUES = [3.0, 2.0, 1.0, 2.5]
COSTS = [1.0, 1.0, 1.0, 1.5]


def problem(unit: float, budget: float = 2.0) -> dict[str, object]:
    return {
        "start_year": 2026,
        "years": 1,
        "budget": budget * unit,
        "new_per_year_min": None,
        "new_per_year_max": None,
        "projects": [
            {"id": f"P{i}", "value": v, "cost": c * unit}
            for i, (v, c) in enumerate(zip(VALUES, COSTS, strict=True))
        ],
    }


def best_by_enumeration(budget: float) -> tuple[float, set[str]]:
    """The optimal selection by brute force over all 2^4 subsets (unit costs)."""
    best: tuple[float, set[str]] = (0.0, set())
    for r in range(len(VALUES) + 1):
        for sub in combinations(range(len(VALUES)), r):
            if sum(COSTS[i] for i in sub) <= budget + 1e-12:
                value = sum(VALUES[i] for i in sub)
                if value > best[0]:
                    best = (value, {f"P{i}" for i in sub})
    return best


@pytest.mark.parametrize("unit", [1e15, 1e25, 1e-9, 1.0])
def test_costs_in_any_unit_give_the_plan_of_unit_costs(unit):
    """Costs of 1e15 against a budget of 2e15 were "infeasible" (a HiGHS model error), costs
    of 1e-9 against 2e-9 selected over budget; the plan equals the brute-force optimum."""
    plan = citymatch.optimize_portfolio(problem(unit))
    value, chosen = best_by_enumeration(2.0)
    assert plan.status == PlanStatus.OPTIMAL, plan.message
    assert {k for k, v in plan.x.items() if v is not None} == chosen
    assert plan.fun == pytest.approx(value, rel=1e-12)
    spent = sum(c for c, i in zip(COSTS, range(4), strict=True) if f"P{i}" in chosen)
    assert spent * unit <= 2.0 * unit


def test_lp_relaxation_bound_is_in_the_original_units():
    """The relaxation's objective is unscaled: the LP bound of the unit problem, 5.5."""
    big_values = problem(1.0)
    for p in big_values["projects"]:  # type: ignore[union-attr]
        p["value"] *= 1e12
    plan = citymatch.optimize_portfolio(big_values, relax=True)
    # LP by hand: ratios value/cost 3, 2, 1, 1.667 → P0, P1 fill the budget of 2: 5e12.
    assert plan.fun == pytest.approx(5e12, rel=1e-9)


def test_a_highs_model_error_is_not_reported_as_infeasible(monkeypatch):
    """scipy gives a HiGHS model error status 2 (infeasible); the Plan says OTHER and keeps
    HiGHS's message, and no conflicts are invented."""
    calls = []

    def model_error(*args, **kwargs):
        calls.append(1)
        return OptimizeResult(
            status=2, message="(HiGHS Status 2: Model error)", x=None, fun=None, mip_gap=None
        )

    monkeypatch.setattr(solve_module, "milp", model_error)
    plan = citymatch.optimize_portfolio(problem(1.0))
    assert plan.status == OTHER
    assert "Model error" in plan.message and plan.conflicts == ()
    assert (
        not plan.feasible
        and "No plan was found (OTHER): (HiGHS Status 2: Model error)" in plan.explain()
    )
    assert len(calls) == 1  # no infeasibility diagnosis was run


def test_a_real_infeasibility_stays_infeasible():
    """A mandatory project costing more than the budget is INFEASIBLE with its conflict."""
    prob = problem(1e15, budget=0.5)
    prob["projects"][0]["mandatory"] = True  # type: ignore[index]
    plan = citymatch.optimize_portfolio(prob)
    assert plan.status == PlanStatus.INFEASIBLE
    assert any("budget" in c for c in plan.conflicts)


def test_status_mapping_by_message():
    """Only a message saying "infeasible" makes code 2 INFEASIBLE."""
    assert (
        solve_module.plan_status(2, "The problem is infeasible. (HiGHS Status 8: Infeasible)") == 2
    )
    assert solve_module.plan_status(2, "(HiGHS Status 2: Model error)") == OTHER
    assert solve_module.plan_status(0, "Optimization terminated successfully.") == 0
    assert solve_module.plan_status(1, "Time limit reached.") == 1
    assert solve_module.plan_status(9, "?") == OTHER


def chain(n: int) -> dict[str, object]:
    """Project i requires project i − 1, listed from the end of the chain (deepest walk)."""
    return {
        "start_year": 2026,
        "years": 1,
        "budget": 10,
        "new_per_year_min": None,
        "new_per_year_max": None,
        "projects": [{"id": f"P{i}", "value": 1, "cost": 1} for i in range(n)],
        "dependencies": {f"P{i}": [f"P{i - 1}"] for i in range(n - 1, 0, -1)},
    }


def test_a_5000_long_dependency_chain_is_solved():
    """A 1,500-long chain raised RecursionError (a 500 in the service); 5,000 solves: the
    budget of 10 takes exactly the first ten links."""
    plan = citymatch.optimize_portfolio(chain(5000))
    assert plan.success
    assert {k for k, v in plan.x.items() if v is not None} == {f"P{i}" for i in range(10)}
    out = plan.left_out.set_index("id")
    assert out.loc["P10", "reason"].startswith("would exceed the 2026 budget")
    assert out.loc["P11", "reason"].endswith("P11 requires P10, which is not selected")


def test_a_long_dependency_cycle_is_named():
    """A 3,000-long cycle is reported as a cycle (iteratively), naming its projects in order."""
    prob = chain(3000)
    prob["dependencies"]["P0"] = ["P2999"]  # type: ignore[index]
    with pytest.raises(
        citymatch.errors.PortfolioError, match=r"dependencies form a cycle: P2999 → P2998 → "
    ):
        citymatch.optimize_portfolio(prob)


def test_costs_the_solver_cannot_resolve_within_one_budget_are_refused():
    """1e15, 1e15 and 1 against 2e15: scaled, the 1 falls below HiGHS's tolerance and the plan
    overspent by 1 while reporting "Optimal" (second adversarial pass). Now refused, naming
    the constraint and the ratio the solver resolves."""
    from citymatch import optimize_portfolio
    from citymatch.errors import PortfolioError

    problem = {
        "name": "big", "start_year": 2027, "years": 1, "budget": 2e15,
        "new_per_year_min": None, "new_per_year_max": None,
        "projects": [
            {"id": "a", "value": 10, "cost": 1e15, "duration": 1},
            {"id": "b", "value": 5, "cost": 1e15, "duration": 1},
            {"id": "c", "value": 1, "cost": 1, "duration": 1},
        ],
    }  # fmt: skip
    with pytest.raises(
        PortfolioError, match=r"constraint 'budget 2027' mixes coefficients from 1 to 1e\+15"
    ):
        optimize_portfolio(problem)
