"""The plan's tables (selection, schedule) cell by cell on a hand-solved three-year problem;
the left-out explanation following the solver's status and the ``explain`` flag; binding rules
listed exactly (no structural, link, partner or dependency rows; slack rules left out; a
dollar-sized budget met up to rounding); conflicts found with integer (not LP) feasibility;
the no-variable case's plan fields."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import citymatch
from citymatch import portfolio as pf
from citymatch.portfolio import solve as solve_module
from portfolio_helpers import FREE, hard_problem, one_year

#: Everything fits, so the optimum selects all three projects.  Existing agreements: "old"
#: (open-ended) and "gone" (until 2026); "free" is exempt from the cap.
THREE_YEARS = {
    "start_year": 2026,
    "years": 3,
    "budget": [10, 10, 10],
    "staff": [2.0, 2.0, 2.0],
    **FREE,
    "agreement_cap": 3,
    "existing_agreements": {"old": None, "gone": 2026},
    "cap_exempt": ["free"],
    "discount_rate": 0.1,
    "projects": [
        {
            "id": "A",
            "title": "Alpha",
            "value": 11,
            "cost": [4, 3],
            "staff": [1.0, 0.5],
            "duration": 2,
            "partners": ["p", "old"],
            "start": 2026,
        },
        {
            "id": "B",
            "title": "Beta",
            "value": 5,
            "cost": 2,
            "staff": 0.5,
            "partners": ["free"],
            "start": 2027,
        },
        {
            "id": "C",
            "title": "Gamma",
            "value": 6,
            "cost": [5, 5],
            "duration": 2,
            "partners": ["q"],
            "start": 2027,
        },
    ],
}


def test_selection_table_by_hand():
    """One row per selected project: partners joined by ", ", start and last year, the
    discounted value (11; 5/1.1; 6/1.1) and the total cost over the project's years."""
    plan = citymatch.optimize_portfolio(THREE_YEARS)
    assert plan.success and "Optimal" in plan.message
    want = pd.DataFrame(
        {
            "id": ["A", "B", "C"],
            "title": ["Alpha", "Beta", "Gamma"],
            "partners": ["p, old", "free", "q"],
            "start": [2026, 2027, 2027],
            "end": [2027, 2027, 2028],
            "value": [11.0, 5 / 1.1, 6 / 1.1],
            "total_cost": [7.0, 2.0, 10.0],
        }
    )
    pd.testing.assert_frame_equal(plan.selected, want, check_dtype=False, atol=1e-9)
    assert plan.fun == pytest.approx(11 + 11 / 1.1, abs=1e-9)


def test_schedule_table_by_hand():
    """Per year: active and new projects, budget and staff used and left, and agreements =
    existing in force (2 in 2026, then 1) + new non-exempt partners of active projects."""
    plan = citymatch.optimize_portfolio(THREE_YEARS)
    want = pd.DataFrame(
        {
            "year": [2026, 2027, 2028],
            "active": ["A", "A, B, C", "C"],
            "new": ["A", "B, C", ""],
            "n_active": [1, 3, 1],
            "n_new": [1, 2, 0],
            "budget_used": [4.0, 10.0, 5.0],
            "budget_left": [6.0, 0.0, 5.0],
            "staff_used": [1.0, 1.0, 0.0],
            "staff_left": [1.0, 1.0, 2.0],
            "agreements": [3, 3, 2],
        }
    )
    pd.testing.assert_frame_equal(plan.schedule, want, check_dtype=False, atol=1e-9)


def test_schedule_without_limits_leaves_nothing_to_subtract():
    """Without a budget or staff limit, what is left is NaN (there is no limit)."""
    plan = citymatch.optimize_portfolio({**THREE_YEARS, "budget": None, "staff": None})
    assert plan.schedule["budget_left"].isna().all() and plan.schedule["staff_left"].isna().all()
    assert plan.schedule["budget_used"].tolist() == [4.0, 10.0, 5.0]


def test_explain_false_computes_no_left_out_reasons():
    """``explain=False`` skips the left-out reasons: the table is empty (with its columns)."""
    plan = citymatch.optimize_portfolio(one_year([10, 9], [6, 5], 10), explain=False)
    assert dict(plan.x) == {"P1": 2026, "P2": None}
    assert plan.left_out.empty and list(plan.left_out.columns) == ["id", "reason"]


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (
            citymatch.portfolio.OPTIMAL,
            "fits on its own, but a higher-value combination uses the same resources",
        ),
        (
            citymatch.portfolio.TIME_LIMIT,
            "fits on its own, but is not in the best plan found before the time limit",
        ),
    ],
)
def test_left_out_wording_follows_the_solver_status(monkeypatch, status, reason):
    """A project that fits is explained by the solver's status: after a proven optimum a
    better combination uses the resources; after a time-out the search stopped first.  (The
    solver is replaced by one returning the empty plan with that status.)"""

    def empty_plan(model, *args, **kwargs):
        return solve_module.MilpOutcome(status, "stub", np.zeros(model.nvar), 0.0, 0.5)

    monkeypatch.setattr(solve_module, "run_milp", empty_plan)
    plan = citymatch.optimize_portfolio(one_year([10, 9], [1, 1], 10))
    assert plan.status == status and plan.message == "stub"
    assert plan.left_out["reason"].tolist() == [reason, reason]


def test_binding_lists_exactly_the_tight_rules():
    """In the three-year plan (A 2026–27, B 2027, C 2027–28) the 2027 budget is spent to the
    dollar (A 3 + B 2 + C 5 = 10) and the cap is full in 2026 (2 existing + p) and 2027
    (1 existing + p, q); every other budget, staff and cap row has slack."""
    plan = citymatch.optimize_portfolio(THREE_YEARS)
    assert plan.binding == (
        "budget 2027",
        "agreement cap 2026 (cap 3; 2 existing)",
        "agreement cap 2027 (cap 3; 1 existing)",
    )


def test_partner_and_dependency_rows_are_never_binding():
    """P1 + P3 (P3 requires P1; P2 shares P1's partner) is optimal: the one-per-partner row
    and the dependency row hold with equality, yet neither (nor "selected at most once") is
    listed as binding."""
    problem = {
        "start_year": 2026,
        "years": 1,
        **FREE,
        "one_project_per_partner": True,
        "dependencies": {"P3": ["P1"]},
        "projects": [
            {"id": "P1", "value": 10, "partners": ["a"]},
            {"id": "P2", "value": 9, "partners": ["a"]},
            {"id": "P3", "value": 5},
        ],
    }
    plan = citymatch.optimize_portfolio(problem)
    assert dict(plan.x) == {"P1": 2026, "P2": None, "P3": 2026}
    assert plan.binding == ()


def test_a_budget_in_dollars_is_binding_up_to_rounding():
    """Costs 100,000.10 and 200,000.20 fill a budget of 300,000.30 (their float sum is
    5.8e-11 above it): the budget is binding."""
    plan = citymatch.optimize_portfolio(one_year([2, 3], [100_000.1, 200_000.2], 300_000.3))
    assert dict(plan.x) == {"P1": 2026, "P2": 2026}
    assert plan.binding == ("budget 2026",)


def test_conflicts_use_integer_feasibility():
    """Budget 5, staff 1, at least one new project: P1 costs 6, P2 needs 2 FTE.  Half of each
    satisfies every rule (an LP relaxation is feasible), but no whole project does: the
    conflict is budget + staff + the minimum, and the loose maximum of 3 is not part of it."""
    problem = {
        "start_year": 2026,
        "years": 1,
        "budget": 5,
        "staff": 1.0,
        "new_per_year_min": 1,
        "new_per_year_max": 3,
        "projects": [
            {"id": "P1", "value": 1, "cost": 6, "staff": 0.0},
            {"id": "P2", "value": 1, "cost": 4, "staff": 2.0},
        ],
    }
    plan = citymatch.optimize_portfolio(problem)
    assert plan.status == pf.INFEASIBLE
    assert plan.conflicts == ("budget 2026", "staff 2026", "at least 1 new projects in 2026")


def test_no_variables_plan_fields():
    """With every project excluded, rows without variables that hold at zero (B requires A:
    0 ≤ 0) keep the empty plan optimal: value 0, gap 0, the stated message; its LP relaxation
    is the bound 0; a minimum of starts makes it infeasible with its own message."""
    problem = {
        "start_year": 2026,
        "years": 1,
        **FREE,
        "dependencies": {"B": ["A"]},
        "projects": [
            {"id": "A", "value": 5, "excluded": True},
            {"id": "B", "value": 3, "excluded": True},
        ],
    }
    plan = citymatch.optimize_portfolio(problem)
    assert plan.status == pf.OPTIMAL and plan.fun == 0 and plan.gap == 0
    assert plan.message == "Optimal: no project can start."
    lp = citymatch.optimize_portfolio(problem, relax=True)
    assert lp.relaxed and lp.fun == 0
    plan = citymatch.optimize_portfolio({**problem, "new_per_year_min": 1})
    assert plan.status == pf.INFEASIBLE and plan.message == "Infeasible: no project can start."


def test_a_plan_selecting_nothing_keeps_the_table_columns():
    """When the optimum selects nothing (no project fits a zero budget) the selection table is
    empty but has its documented columns."""
    plan = citymatch.optimize_portfolio(one_year([5, 3], [1, 2], 0))
    assert plan.success and plan.fun == 0
    assert plan.selected.empty
    assert list(plan.selected.columns) == [
        "id",
        "title",
        "partners",
        "start",
        "end",
        "value",
        "total_cost",
    ]


def test_plan_normalises_and_copies_its_fields():
    """A Plan built from plain values stores the status as a PlanStatus, binding rules and
    conflicts as tuples, and copies of the tables it is given (later changes to the caller's
    list or frames do not reach it)."""
    binding, conflicts = ["budget 2026"], ["rule r"]
    sel = pd.DataFrame({"id": ["A"], "value": [1.0]})
    sch = pd.DataFrame({"year": [2026], "budget_used": [1.0]})
    out = pd.DataFrame({"id": ["B"], "reason": ["why"]})
    plan = pf.Plan(
        2,
        "stub",
        {"A": None},
        1.0,
        0.0,
        binding,
        conflicts,
        _selected=sel,
        _schedule=sch,
        _left_out=out,
    )
    assert plan.status is pf.INFEASIBLE and plan.status.name == "INFEASIBLE"
    assert plan.binding == ("budget 2026",) and plan.conflicts == ("rule r",)
    binding.append("x")
    conflicts.append("y")
    sel.loc[0, "value"] = -1.0
    sch.loc[0, "budget_used"] = -1.0
    out.loc[0, "reason"] = "changed"
    assert plan.binding == ("budget 2026",) and plan.conflicts == ("rule r",)
    assert plan.selected["value"].tolist() == [1.0]
    assert plan.schedule["budget_used"].tolist() == [1.0]
    assert plan.left_out["reason"].tolist() == ["why"]


def test_gap_is_where_the_solver_stops():
    """A loose ``gap`` (5%) stops HiGHS at the first plan proven within it: on a problem it
    cannot prove optimal for long, the plan is OPTIMAL at once with a reported gap in (0, 5%].
    A gap of 0 is allowed; a gap of 1 is refused."""
    plan = citymatch.optimize_portfolio(hard_problem(), gap=0.05, time_limit=20, explain=False)
    assert plan.status is pf.OPTIMAL and 0 < plan.gap <= 0.05
    assert citymatch.optimize_portfolio(one_year([3, 2], [1, 1], 1), gap=0).fun == 3
    with pytest.raises(ValueError, match=r"`gap` must be in \[0, 1\); got 1\.$"):
        citymatch.optimize_portfolio(one_year([1], [1], 1), gap=1)
