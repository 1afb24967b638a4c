"""Explanations: left-out reasons, binding rules, infeasibility diagnosis."""

from __future__ import annotations

import numpy as np

import citymatch
from citymatch.portfolio.explain import left_out
from citymatch.portfolio.model import build
from portfolio_helpers import one_year, solve


def test_left_out_reasons_name_the_constraint_and_amount():
    """A project that does not fit says which year's budget it would exceed and by how much."""
    plan = citymatch.optimize_portfolio(one_year([10, 9, 8], [60_000, 50_000, 40_000], 100_000))
    reasons = plan.left_out.set_index("id")["reason"].to_dict()
    assert reasons == {"P2": "would exceed the 2026 budget by $50,000"}
    plan = solve(agreement_cap=1)
    assert "partner cap reached in 2026" in plan.left_out.set_index("id").loc["B", "reason"]
    text = plan.explain()
    assert "left out" in text and "Binding constraints" in text


def test_left_out_when_nothing_is_broken():
    """A project that breaks no rule is out because its value is not positive, because a
    higher-value combination uses the resources (a proven optimum), or — after a time-out —
    because the search stopped first; an exclusive partner is named."""
    plan = citymatch.optimize_portfolio(one_year([10, -1], [1, 1], 10))
    assert plan.left_out.set_index("id").loc["P2", "reason"] == "its value is not positive"
    model = build(citymatch.PortfolioProblem.model_validate(one_year([10, 9], [1, 1], 10)))
    empty = np.zeros(model.nvar)
    assert (
        left_out(model, empty)["reason"].tolist()
        == ["fits on its own, but a higher-value combination uses the same resources"] * 2
    )
    assert (
        left_out(model, empty, proven=False)["reason"].tolist()
        == ["fits on its own, but is not in the best plan found before the time limit"] * 2
    )
    plan = citymatch.optimize_portfolio(one_year([10, 9], [6, 5], 11, exclusive=[["P1", "P2"]]))
    assert plan.left_out.set_index("id").loc["P2", "reason"] == (
        "at most one of P1, P2 (another is selected)"
    )


def test_infeasibility_is_a_status_with_conflicts():
    """An impossible problem returns status 2 and a small set of conflicting constraints
    (minimum 2 new projects in 2026 vs the 2026 budget), not an exception."""
    problem = {
        "start_year": 2026,
        "years": 1,
        "budget": 10,
        "new_per_year_min": 2,
        "new_per_year_max": 3,
        "agreement_cap": 5,
        "projects": [
            {"id": "A", "value": 5, "cost": 8},
            {"id": "B", "value": 4, "cost": 7},
            {"id": "C", "value": 1, "cost": 6},
        ],
    }
    plan = citymatch.optimize_portfolio(problem)
    assert plan.status == 2 and not plan.success
    assert set(plan.conflicts) == {"budget 2026", "at least 2 new projects in 2026"}
    assert "No plan satisfies all constraints" in plan.explain()
    assert "infeasible" in repr(plan)


def test_mandatory_without_start_is_diagnosed():
    """A mandatory project whose window cannot be met is named in the conflicts."""
    problem = {
        "start_year": 2026,
        "years": 2,
        "new_per_year_min": None,
        "new_per_year_max": None,
        "must_finish": False,
        "projects": [
            {"id": "A", "value": 1, "cost": 1, "mandatory": True, "excluded": False, "start": 2027},
            {"id": "B", "value": 1, "cost": 1},
        ],
        "exclusive": [["A", "B"]],
        "dependencies": {"A": ["B"]},
    }
    plan = citymatch.optimize_portfolio(problem)
    assert plan.status == 2
    assert "A is mandatory" in plan.conflicts
