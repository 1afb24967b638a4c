"""Tests written to kill surviving mutants of session 7 (MUTATION.md, ``portfolio/model.py``).

The expected plans are solved by hand: tiny programmes whose optimum is forced by the rules.
"""

from __future__ import annotations

import citymatch


def _plan(projects, rules, years=3):
    problem = {
        "start_year": 2026,
        "years": years,
        "new_per_year_min": 0,
        "new_per_year_max": None,
        "projects": projects,
        "rules": rules,
    }
    plan = citymatch.optimize_portfolio(problem)
    assert plan.status == 0
    return plan


def test_a_starts_rule_limits_the_starts_of_each_year_not_the_active_projects():
    """``scope="starts"``, at most one start a year among tagged projects: three two-year
    projects all fit, one starting in each of 2026, 2027, 2028 (an "active" limit would allow
    only two; a limit on the starts of the other years, or on doubled starts, fewer)."""
    projects = [{"id": p, "value": 1, "duration": 2, "tags": ["t"]} for p in ("a", "b", "c")]
    rules = [{"id": "one_start", "tag": "t", "scope": "starts", "max": 1}]
    plan = _plan(projects, rules)
    assert sorted(plan.x[p] for p in ("a", "b", "c")) == [2026, 2027, 2028]


def test_a_total_rule_limits_every_group_of_the_grouping():
    """``group_by="region"``, ``scope="total"``, at most one per region: of two projects in each
    of two regions, exactly one per region is chosen (the limit holds for the second group
    too)."""
    projects = [
        {"id": "eu1", "value": 3, "region": "EU"},
        {"id": "eu2", "value": 2, "region": "EU"},
        {"id": "as1", "value": 3, "region": "AS"},
        {"id": "as2", "value": 2, "region": "AS"},
    ]
    rules = [{"id": "per_region", "group_by": "region", "scope": "total", "max": 1}]
    plan = _plan(projects, rules, years=1)
    assert {p for p in ("eu1", "eu2", "as1", "as2") if plan.x[p] is not None} == {"eu1", "as1"}
