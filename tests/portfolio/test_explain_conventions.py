"""No silent convention traps in a plan (issue 16): the new-projects-per-year rule that
costs value says so, and zeros in the marginal value of money say why."""

from __future__ import annotations

from itertools import combinations

import pytest

import citymatch
import citymatch.portfolio as pf

#: A one-year knapsack: budget 20, six projects of cost 3 (six fit the budget).
VALUES = [10, 9, 8, 8, 7, 7]
KNAPSACK = {
    "start_year": 2026,
    "years": 1,
    "budget": 20,
    "projects": [{"id": f"P{i}", "value": v, "cost": 3} for i, v in enumerate(VALUES, 1)],
}


def _best(values: list[float], costs: list[float], budget: float, lo: int, hi: int) -> float:
    """The best total value by enumeration of every subset of size lo..hi within budget."""
    best = float("-inf")
    for k in range(lo, hi + 1):
        for pick in combinations(range(len(values)), k):
            if sum(costs[i] for i in pick) <= budget:
                best = max(best, sum(values[i] for i in pick))
    return best


def test_binding_default_rule_is_named_with_both_values_and_the_switch():
    """With the default 2–3 projects a year the plan is worth 27, without the rule 49 (both
    by enumeration); the explanation says the rule binds, gives both values and how to
    switch it off."""
    costs = [3.0] * len(VALUES)
    with_rule = _best(VALUES, costs, 20, 2, 3)
    without = _best(VALUES, costs, 20, 0, len(VALUES))
    assert (with_rule, without) == (27, 49)
    plan = citymatch.optimize_portfolio(KNAPSACK)
    assert plan.success and plan.fun == with_rule
    note = (
        "The 2–3 new-projects-a-year rule (the default: the report's two to three a year) "
        f"binds: without it the best plan is worth {without:,.4g} instead of {with_rule:,.4g} "
        "(+81%). To switch it off, set new_per_year_min = 0 and new_per_year_max = null in "
        "the problem (None in Python; in TOML, which has no null, any number at least the "
        "number of projects)."
    )
    assert plan.notes == (note,)
    assert note in plan.explain().splitlines()
    off = citymatch.optimize_portfolio(
        {**KNAPSACK, "new_per_year_min": 0, "new_per_year_max": None}
    )
    assert off.fun == without and off.notes == ()
    assert "new-projects-a-year rule" not in off.explain()


def test_rule_that_binds_but_costs_nothing_adds_no_note():
    """The rule is tight (3 new projects) but only three fit the budget anyway: no note."""
    problem = {**KNAPSACK, "budget": 9}
    assert _best(VALUES, [3.0] * 6, 9, 2, 3) == _best(VALUES, [3.0] * 6, 9, 0, 6) == 27
    plan = citymatch.optimize_portfolio(problem)
    assert any("at most 3 new projects" in b for b in plan.binding)
    assert plan.notes == ()


def test_marginal_value_zeros_say_why():
    """A zero gain says why: the budget does not bind ($90 of $100 left: one project of cost
    10), or it binds but the step buys nothing; a positive gain has no note."""
    slack = pf.marginal_value(
        {
            "start_year": 2026,
            "years": 1,
            "budget": 100,
            "new_per_year_min": None,
            "new_per_year_max": None,
            "projects": [{"id": "a", "value": 5, "cost": 10}],
        }
    )
    assert slack["value_gain"].tolist() == [0.0]
    assert slack["binding"].tolist() == [False]
    assert slack["why"].tolist() == [
        "the 2026 budget does not bind ($90 left unspent in the plan): more money buys "
        "nothing until another rule changes"
    ]
    tight = pf.marginal_value(
        {
            "start_year": 2026,
            "years": 2,
            "budget": [0.0, 0.5],
            "new_per_year_min": None,
            "new_per_year_max": None,
            "projects": [
                {"id": "early", "value": 5, "cost": 1, "start": 2026},
                {"id": "big", "value": 10, "cost": 0.5, "start": 2027},
                {"id": "small", "value": 3, "cost": 0.02, "start": 2027},
            ],
        },
        step=0.5,
    )
    assert tight["value_gain"].tolist() == pytest.approx([0.0, 3.0])
    assert tight["binding"].tolist() == [True, True]
    assert tight["why"].tolist() == [
        "the 2026 budget binds, but $0.5 more buys nothing: the next project or start costs "
        "more, or another rule binds",
        "",
    ]
