"""Tests written to kill surviving mutants of ``portfolio/model.py`` (session 8, MUTATION.md).

Every expected plan, conflict list, reason and note is solved by hand from tiny problems whose
optimum (or infeasibility) is forced by the rules; nothing is computed by the code under test.
Row names follow the wording of ``model.py``'s builders ("budget 2026", "P is mandatory", …).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import citymatch
from citymatch.errors import CitymatchValueError
from citymatch.portfolio import PortfolioError
from citymatch.portfolio.model import build
from citymatch.portfolio.problem import load_problem

FREE = {"new_per_year_min": None, "new_per_year_max": None}


def _problem(projects: list[dict[str, Any]], years: int = 1, **kw: Any) -> dict[str, Any]:
    return {"start_year": 2026, "years": years, **FREE, **kw, "projects": projects}


def _conflicts(problem: dict[str, Any]) -> tuple[str, ...]:
    plan = citymatch.optimize_portfolio(problem)
    assert plan.status == citymatch.portfolio.INFEASIBLE
    return plan.conflicts


# --------------------------------------------------------------------------- conflicts: groups
def test_conflicts_name_each_mandatory_project_and_exclusive_group_on_its_own():
    """a, b, c mandatory; a and b exclusive, c and d exclusive: only {a, b, "at most one of a, b"}
    conflict.  Each mandatory project and each exclusive group is its own unit of the diagnosis,
    named by its rule (not merged with the other mandatory projects or groups)."""
    projects = [{"id": p, "value": 1, "mandatory": p != "d"} for p in "abcd"]
    problem = _problem(projects, exclusive=[["a", "b"], ["c", "d"]])
    assert _conflicts(problem) == ("a is mandatory", "b is mandatory", "at most one of a, b")


def test_conflicts_name_the_year_of_the_new_projects_minimum_and_keep_at_most_once():
    """One project, at least one new project in each of two years: it cannot start twice, so
    both years' minimums conflict (with "at most once", which is model structure, not a rule).
    Each year's minimum is named on its own."""
    problem = _problem([{"id": "P", "value": 1}], years=2, new_per_year_min=1)
    assert _conflicts(problem) == (
        "at least 1 new projects in 2026",
        "at least 1 new projects in 2027",
    )


def test_conflicts_name_the_year_of_the_new_projects_maximum():
    """a and b mandatory and fixed in 2026, at most one new project a year (two years): the
    2026 maximum conflicts with them; the 2027 maximum is not part of it."""
    projects = [{"id": p, "value": 1, "mandatory": True, "start": 2026} for p in "ab"]
    problem = _problem(projects, years=2, new_per_year_max=1)
    assert _conflicts(problem) == (
        "a is mandatory",
        "b is mandatory",
        "at most 1 new projects in 2026",
    )


def test_conflicts_name_the_partner_and_year_of_one_project_per_partner():
    """a and b (partner A) mandatory in 2026 with one project per partner; c and d (partner B)
    are optional: only partner A's 2026 row conflicts, named by partner and year."""
    projects = [
        {"id": "a", "value": 1, "partners": ["A"], "mandatory": True},
        {"id": "b", "value": 1, "partners": ["A"], "mandatory": True},
        {"id": "c", "value": 1, "partners": ["B"]},
        {"id": "d", "value": 1, "partners": ["B"]},
    ]
    problem = _problem(projects, one_project_per_partner=True)
    assert _conflicts(problem) == (
        "a is mandatory",
        "b is mandatory",
        "one active project with A in 2026",
    )


def test_conflicts_name_the_year_of_the_agreement_cap():
    """P (partner A) mandatory in 2026, a cap of 0 agreements over two years: the 2026 cap
    conflicts (its row names the cap and the existing count); the 2027 cap is not involved and
    the z-links are model structure."""
    projects = [{"id": "P", "value": 1, "partners": ["A"], "mandatory": True, "start": 2026}]
    problem = _problem(projects, years=2, agreement_cap=0)
    assert _conflicts(problem) == ("P is mandatory", "agreement cap 2026 (cap 0; 0 existing)")


def test_conflicts_name_the_one_dependency_involved():
    """B mandatory, B requires A, and a budget of 1 for two projects of cost 1: B, the budget
    and "B requires A" conflict; the other dependency (D requires C) is not named."""
    projects = [{"id": p, "value": 1, "cost": 1, "mandatory": p == "B"} for p in "ABCD"]
    problem = _problem(projects, budget=1, dependencies={"B": ["A"], "D": ["C"]})
    assert _conflicts(problem) == ("B is mandatory", "budget 2026", "B requires A")


def test_conflicts_name_each_region_of_a_total_rule():
    """At least one project per region (EU, AS) over the plan, budget for one: the budget and
    both regions' rows conflict, each region named."""
    projects = [
        {"id": "eu", "value": 1, "cost": 1, "region": "EU"},
        {"id": "as", "value": 1, "cost": 1, "region": "AS"},
    ]
    rules = [{"id": "spread", "group_by": "region", "scope": "total", "min": 1}]
    problem = _problem(projects, budget=1, rules=rules)
    assert _conflicts(problem) == ("budget 2026", "rule spread (AS)", "rule spread (EU)")


def test_conflicts_name_the_year_of_a_per_year_rule():
    """A tagged project active every year (two one-year projects), no budget in 2027: only the
    2027 budget and the rule's 2027 row conflict (2026 is satisfiable)."""
    projects = [{"id": p, "value": 1, "cost": 1, "tags": ["t"]} for p in "ab"]
    rules = [{"id": "always", "tag": "t", "scope": "active", "min": 1}]
    problem = _problem(projects, years=2, budget=[1, 0], rules=rules)
    assert _conflicts(problem) == ("budget 2027", "rule always (t) 2027")


# --------------------------------------------------------------------------- left-out reasons
@pytest.mark.parametrize("first", [2026, 0])
def test_left_out_reasons_list_the_broken_rules_year_by_year(first):
    """Q (partner A, value 10) fixed in the second year; P (partner A, two years) can only start
    in the first, where an existing agreement fills the cap of 1.  P breaks the first year's
    cap and partner A's second-year row; the reasons come in year order (also when the first
    year is numbered 0)."""
    second = first + 1
    problem = {
        "start_year": first,
        "years": 2,
        **FREE,
        "agreement_cap": 1,
        "existing_agreements": {"X": first},
        "one_project_per_partner": True,
        "projects": [
            {"id": "P", "value": 1, "partners": ["A"], "duration": 2, "start": first},
            {"id": "Q", "value": 10, "partners": ["A"], "start": second},
        ],
    }
    plan = citymatch.optimize_portfolio(problem)
    assert plan.success and dict(plan.x) == {"P": None, "Q": second}
    assert plan.left_out.to_dict("records") == [
        {
            "id": "P",
            "reason": f"partner cap reached in {first} (cap 1; 1 existing); "
            f"partner A in {second} already has an active project",
        }
    ]


# --------------------------------------------------------------------------- other outputs
def test_a_mandatory_project_is_a_binding_rule_and_holds_in_the_relaxation():
    """M (mandatory, value 1) and O (value 100) each cost the whole budget of 10.  The plan is M
    alone; "M is mandatory" and the budget bind.  The LP relaxation cannot take half of M
    either: its bound is 1 with M fully selected."""
    projects = [
        {"id": "M", "value": 1, "cost": 10, "mandatory": True},
        {"id": "O", "value": 100, "cost": 10},
    ]
    problem = _problem(projects, budget=10)
    plan = citymatch.optimize_portfolio(problem)
    assert dict(plan.x) == {"M": 2026, "O": None} and plan.fun == 1
    assert plan.binding == ("M is mandatory", "budget 2026")
    relaxed = citymatch.optimize_portfolio(problem, relax=True)
    assert relaxed.fun == pytest.approx(1.0, abs=1e-9)
    assert relaxed.x_fraction["M"] == pytest.approx(1.0, abs=1e-9)
    assert relaxed.x_fraction["O"] == pytest.approx(0.0, abs=1e-9)


def test_the_minimum_new_projects_note_gives_the_value_without_the_rule():
    """Two years, budget 1 a year, at least one new project a year.  A (value 10, two years
    from 2026, cost 1 a year) alone is best without the rule; with it, b (2026) and c (2027)
    are the only plan (A would leave no budget for the 2027 start): value 2.  The note names the
    at-least-1 rule and both values."""
    projects = [
        {"id": "A", "value": 10, "cost": 1, "duration": 2, "start": 2026},
        {"id": "b", "value": 1, "cost": 1, "start": 2026},
        {"id": "c", "value": 1, "cost": 1, "start": 2027},
    ]
    problem = _problem(projects, years=2, budget=1, new_per_year_min=1)
    plan = citymatch.optimize_portfolio(problem)
    assert dict(plan.x) == {"A": None, "b": 2026, "c": 2027} and plan.fun == 2
    assert plan.notes == (
        "The at-least-1 new-projects-a-year rule binds: without it the best plan is worth 10 "
        "instead of 2 (+400%). To switch it off, set new_per_year_min = 0 and "
        "new_per_year_max = null in the problem (None in Python; in TOML, which has no null, "
        "any number at least the number of projects).",
    )


def test_a_new_projects_minimum_sets_no_maximum():
    """At least one new project a year and no maximum: all three projects start in the single
    year (the minimum's row has no upper bound, whatever the year's number)."""
    projects = [{"id": p, "value": 1} for p in "abc"]
    for first in (2026, 1):
        plan = citymatch.optimize_portfolio(
            {**_problem(projects, new_per_year_min=1), "start_year": first}
        )
        assert plan.success and dict(plan.x) == dict.fromkeys("abc", first)


@pytest.mark.parametrize(
    ("limit", "amounts", "unit"),
    [("budget", "cost", r"\$"), ("staff", "staff", "FTE")],
)
def test_a_row_range_refusal_states_the_unit_of_the_row(limit, amounts, unit):
    """Costs (or staff) of 1 and 3,000,000 in one year's row span more than the solver's 1e6:
    the refusal names the row, the two magnitudes with the row's unit ($ or FTE), the ratio."""
    projects = [{"id": "a", "value": 1, amounts: 1}, {"id": "b", "value": 1, amounts: 3e6}]
    problem = _problem(projects, **{limit: 5e6})
    with pytest.raises(
        PortfolioError,
        match=rf"constraint '{limit} 2026' mixes coefficients from 1 to 3e\+06 {unit} \(ratio 3e\+06\)",
    ):
        citymatch.optimize_portfolio(problem)


def test_the_model_keeps_the_existing_agreements_per_year_and_a_read_only_objective():
    """``Model.existing`` maps each year to the existing agreements in force (X until 2026,
    Y for the whole horizon); ``Model.objective`` (the value of each start) is read-only."""
    problem = load_problem(
        _problem(
            [{"id": "a", "value": 3}],
            years=2,
            existing_agreements={"X": 2026, "Y": None},
        )
    )
    model = build(problem)
    assert dict(model.existing) == {2026: 2, 2027: 1}
    assert model.objective.tolist() == [3.0, 3.0]
    with pytest.raises(ValueError, match="read-only"):
        model.objective[0] = 0.0
    assert not np.shares_memory(model.objective, np.zeros(1))


# --------------------------------------------------------------------------- solve.py
def test_tiny_project_values_give_the_same_plan_as_the_docstring_example():
    """The docstring's knapsack (values 16, 22, 12, 8; costs 5, 7, 4, 3; budget 14) with every
    value multiplied by 1e-9: the best plan is still P2, P3, P4 (value 42e-9), not a plan the
    solver picks because it reads the objective as zero."""
    projects = [
        {"id": f"P{i}", "value": v * 1e-9, "cost": c}
        for i, (v, c) in enumerate([(16, 5), (22, 7), (12, 4), (8, 3)], 1)
    ]
    plan = citymatch.optimize_portfolio(_problem(projects, budget=14))
    assert plan.success
    assert sorted(k for k, v in plan.x.items() if v) == ["P2", "P3", "P4"]
    assert plan.fun == pytest.approx(42e-9, rel=1e-9)


def test_a_plan_keeps_its_notes_as_a_tuple():
    """``Plan.notes`` is a tuple of str even when given a list (every field immutable)."""
    plan = citymatch.portfolio.Plan(
        citymatch.portfolio.OPTIMAL, "m", {"a": 2026}, 1.0, 0.0, notes=["a note"]
    )
    assert plan.notes == ("a note",) and isinstance(plan.notes, tuple)


def test_gap_bounds_and_types_are_checked():
    """``gap`` 0 (proven optimal) and no time limit are accepted; a gap of 1, a bool and a
    string are refused with the rule and the value."""
    problem = _problem([{"id": "a", "value": 1}])
    plan = citymatch.optimize_portfolio(problem, gap=0, time_limit=None)
    assert plan.success and dict(plan.x) == {"a": 2026}
    for bad in (1, 1.0, False, True, "0.1"):
        with pytest.raises(CitymatchValueError, match=r"^`gap` must be in \[0, 1\); got "):
            citymatch.optimize_portfolio(problem, gap=bad)
