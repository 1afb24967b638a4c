"""Left-out reasons, binding rules, conflicts, ``explain()`` and ``repr`` word for word, on
small hand-solved problems (each optimum is unique and worked out in the docstring)."""

from __future__ import annotations

import re

import numpy as np

import citymatch
from citymatch.portfolio.explain import left_out
from citymatch.portfolio.model import build
from portfolio_helpers import FREE, one_year


def _reasons(plan):
    return dict(zip(plan.left_out["id"], plan.left_out["reason"], strict=True))


def _problem(projects, years=1, **kw):
    return {"start_year": 2026, "years": years, **FREE, **kw, "projects": projects}


def test_staff_max_new_cap_and_partner_reasons():
    """P1 (10) beats P2 (9) under each single rule, and P2's reason names it: staff 1 + 0.75
    exceeds 1.5 by 0.25 FTE; one new project a year; a cap of one new partner (0 existing);
    one active project per partner."""
    two = [
        {"id": "P1", "value": 10, "staff": 1.0, "partners": ["a"]},
        {"id": "P2", "value": 9, "staff": 0.75, "partners": ["b"]},
    ]
    plan = citymatch.optimize_portfolio(_problem(two, staff=1.5))
    assert _reasons(plan) == {"P2": "would exceed 2026 staff by 0.25 FTE"}
    plan = citymatch.optimize_portfolio(_problem(two, new_per_year_max=1))
    assert _reasons(plan) == {"P2": "2026 already has 1 new projects (the maximum)"}
    plan = citymatch.optimize_portfolio(_problem(two, agreement_cap=1))
    assert _reasons(plan) == {"P2": "partner cap reached in 2026 (cap 1; 0 existing)"}
    same = [{**p, "partners": ["a"]} for p in two]
    plan = citymatch.optimize_portfolio(_problem(same, one_project_per_partner=True))
    assert _reasons(plan) == {"P2": "partner a in 2026 already has an active project"}


def test_dependency_and_budget_reasons_for_two_left_out_projects():
    """Budget 6; P1 (10, cost 5); P2 (9, cost 1) requires P3 (0.5, cost 5).  P1 + P2 needs P3
    (cost 11), P2 + P3 is worth 9.5, so the optimum is P1 alone.  Each left-out project gets
    its own reason: P2 its missing requirement, P3 the budget it would exceed ($4)."""
    projects = [
        {"id": "P1", "value": 10, "cost": 5},
        {"id": "P2", "value": 9, "cost": 1},
        {"id": "P3", "value": 0.5, "cost": 5},
    ]
    plan = citymatch.optimize_portfolio(_problem(projects, budget=6, dependencies={"P2": ["P3"]}))
    assert dict(plan.x) == {"P1": 2026, "P2": None, "P3": None}
    assert _reasons(plan) == {
        "P2": "P2 requires P3, which is not selected",
        "P3": "would exceed the 2026 budget by $4",
    }


def test_rule_reasons_ignore_a_tight_minimum_and_join_several_rules():
    """Budget 10; P1 (10, cost 5) is the only one tagged "t" (at least one "t" project) and is
    in EU (at most one project per region); P2 (9, cost 1, EU), P3 (8, cost 6), P4 (7, cost 6,
    EU).  The optimum is P1 alone.  The tight minimum is not broken by adding a project (it is
    not named); P4 breaks two rules, joined with "; "."""
    projects = [
        {"id": "P1", "value": 10, "cost": 5, "tags": ["t"], "region": "EU"},
        {"id": "P2", "value": 9, "cost": 1, "region": "EU"},
        {"id": "P3", "value": 8, "cost": 6},
        {"id": "P4", "value": 7, "cost": 6, "region": "EU"},
    ]
    rules = [
        {"id": "need_t", "tag": "t", "scope": "total", "min": 1},
        {"id": "per_region", "group_by": "region", "scope": "total", "max": 1},
    ]
    plan = citymatch.optimize_portfolio(_problem(projects, budget=10, rules=rules))
    assert [k for k, y in plan.x.items() if y is not None] == ["P1"]
    assert _reasons(plan) == {
        "P2": "rule per_region (EU) would be broken",
        "P3": "would exceed the 2026 budget by $1",
        "P4": "would exceed the 2026 budget by $1; rule per_region (EU) would be broken",
    }


def test_a_project_with_several_starts_reports_the_start_breaking_fewest_rules():
    """Budgets (5, 5), staff (1, 1); A (10, cost 5, staff 1) fixed in 2026, B (10, cost 4) fixed
    in 2027 are selected.  F (cost 2, staff 1) may start in 2026 (breaks the 2026 budget by $2
    and 2026 staff by 1) or 2027 (breaks only the 2027 budget by $1): the reason is the 2027
    start's, prefixed with the year."""
    projects = [
        {"id": "A", "value": 10, "cost": 5, "staff": 1.0, "start": 2026},
        {"id": "B", "value": 10, "cost": 4, "staff": 0.0, "start": 2027},
        {"id": "F", "value": 1, "cost": 2, "staff": 1.0, "earliest": 2026, "latest": 2027},
    ]
    plan = citymatch.optimize_portfolio(
        _problem(projects, years=2, budget=[5, 5], staff=[1.0, 1.0])
    )
    assert dict(plan.x) == {"A": 2026, "B": 2027, "F": None}
    assert _reasons(plan) == {"F": "starting 2027: would exceed the 2027 budget by $1"}


def test_nothing_left_out_keeps_the_columns():
    """When every project is selected the left-out table is empty, with its two columns."""
    plan = citymatch.optimize_portfolio(one_year([1, 2], [1, 1], 10))
    assert plan.left_out.empty and list(plan.left_out.columns) == ["id", "reason"]


def test_value_not_positive_means_zero_or_less():
    """A fitting project of value 0 is out because its value is not positive; one of value 0.5
    (positive, below 1) fits on its own but a better combination wins."""
    model = build(citymatch.PortfolioProblem.model_validate(one_year([10, 0, 0.5], [1, 1, 1], 10)))
    plan_v = np.zeros(model.nvar)
    plan_v[0] = 1.0  # P1 selected
    assert left_out(model, plan_v)["reason"].tolist() == [
        "its value is not positive",
        "fits on its own, but a higher-value combination uses the same resources",
    ]


def test_explain_and_repr_of_an_infeasible_plan_word_for_word():
    """Budget 10 cannot pay for two new projects (the cheapest two cost 13): explain() and repr
    list exactly the two conflicting rules, in model order."""
    problem = _problem(
        [
            {"id": "A", "value": 5, "cost": 8},
            {"id": "B", "value": 4, "cost": 7},
            {"id": "C", "value": 1, "cost": 6},
        ],
        budget=10,
        new_per_year_min=2,
    )
    plan = citymatch.optimize_portfolio(problem)
    assert plan.conflicts == ("budget 2026", "at least 2 new projects in 2026")
    assert plan.explain() == (
        "No plan satisfies all constraints. These conflict:\n"
        "- budget 2026\n"
        "- at least 2 new projects in 2026"
    )
    assert repr(plan) == "Plan(infeasible; conflicts: budget 2026; at least 2 new projects in 2026)"


def test_explain_and_repr_of_an_optimal_plan_word_for_word():
    """Budget 14, at most 3 new projects: P2 + P3 + P4 (22 + 12 + 8 = 42, cost 14) is optimal;
    both rules bind; P1 (cost 5) would exceed the budget by $5 and the maximum of starts."""
    plan = citymatch.optimize_portfolio(
        one_year([16, 22, 12, 8], [5, 7, 4, 3], 14, new_per_year_max=3)
    )
    assert plan.binding == ("budget 2026", "at most 3 new projects in 2026")
    assert plan.explain() == (
        f"3 projects selected, total value 42 ({plan.message}).\n"
        "Binding constraints: budget 2026; at most 3 new projects in 2026.\n"
        "- P1 left out: would exceed the 2026 budget by $5; "
        "2026 already has 3 new projects (the maximum)"
    )
    assert re.fullmatch(
        r"Plan\(status=OPTIMAL, value=42, gap=[-+.e0-9]+; P2@2026, P3@2026, P4@2026\)", repr(plan)
    )


def test_notebook_display_shows_every_year_of_a_long_plan():
    """The notebook display of a plan shows the whole schedule of a 13-year horizon."""
    problem = _problem([{"id": "P1", "value": 1, "duration": 13}], years=13)
    html = citymatch.optimize_portfolio(problem)._repr_html_()
    assert all(f">{year}<" in html for year in range(2026, 2039))
