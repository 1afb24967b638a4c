"""The programme: each constraint family binds and changes the answer; windows, discounting,
mandatory and excluded projects, minimum starts and diversity rules."""

from __future__ import annotations

import json

import pytest

import citymatch
from citymatch.portfolio import model as m
from portfolio_helpers import BASE, chosen, solve


def test_unconstrained_takes_everything():
    """With no limits every positive-value project is selected (the baseline for the tests below)."""
    assert chosen(solve()) == ["A", "B", "C", "D"]


@pytest.mark.parametrize(
    ("changes", "expected", "binding"),
    [
        ({"budget": 11}, ["A", "B", "C"], "budget 2026"),
        ({"staff": 2.0}, ["A", "B", "C"], "staff 2026"),
        ({"new_per_year_max": 2}, ["A", "B", "C"], "at most 2 new projects in 2026"),
        ({"agreement_cap": 1}, ["A", "C", "D"], "agreement cap 2026 (cap 1; 0 existing)"),
        ({"agreement_cap": 2, "existing_agreements": {"x": None}}, ["A", "B", "C", "D"], None),
        ({"agreement_cap": 1, "existing_agreements": {"x": None}}, ["A", "D"], None),
        ({"one_project_per_partner": True}, ["A", "B", "C"], None),
        ({"exclusive": [["A", "B"]]}, ["A", "C", "D"], "at most one of A, B"),
        ({"budget": 11, "dependencies": {"C": ["D"]}}, ["A", "C", "D"], None),
    ],
)
def test_each_constraint_binds_and_changes_the_answer(changes, expected, binding):
    """Each constraint, made tight, changes the optimal selection (and is reported as binding)."""
    plan = solve(**changes)
    assert chosen(plan) == expected
    if binding:
        assert binding in plan.binding


def test_discount_rate_changes_the_choice():
    """Discounting makes a later, larger project worth less than an earlier, smaller one."""
    problem = {
        "start_year": 2026,
        "years": 2,
        "new_per_year_min": None,
        "new_per_year_max": None,
        "exclusive": [["late", "early"]],
        "projects": [
            {"id": "late", "value": 10, "start": 2027},
            {"id": "early", "value": 6, "start": 2026},
        ],
    }
    assert chosen(citymatch.optimize_portfolio(problem)) == ["late"]
    plan = citymatch.optimize_portfolio({**problem, "discount_rate": 1.0})
    assert chosen(plan) == ["early"] and plan.fun == 6


def test_mandatory_excluded_and_windows():
    """Mandatory projects are in, excluded ones out, and a start window is respected."""
    problem = json.loads(json.dumps(BASE))
    problem["budget"] = 11
    problem["projects"][3]["mandatory"] = True
    problem["projects"][0]["excluded"] = True
    plan = citymatch.optimize_portfolio(problem)
    assert "D" in chosen(plan) and plan.x["A"] is None
    assert plan.left_out.set_index("id").loc["A", "reason"] == "excluded by flag"
    problem = json.loads(json.dumps(BASE))
    del problem["projects"][2]["start"]
    problem["projects"][2]["earliest"] = 2027
    assert citymatch.optimize_portfolio(problem).x["C"] == 2027


def test_min_new_per_year_and_diversity_rules():
    """A minimum of new starts forces a lower-value start; tag and region rules bind."""
    problem = {
        "start_year": 2026,
        "years": 2,
        "budget": 10,
        "new_per_year_min": 1,
        "new_per_year_max": None,
        "projects": [
            {"id": "big", "value": 10, "cost": 9, "earliest": 2026, "duration": 2},
            {"id": "small", "value": 2, "cost": 1, "start": 2027},
            {
                "id": "alt",
                "value": 1,
                "cost": 1,
                "duration": 2,
                "tags": ["alternative-partner"],
                "region": "EU",
            },
            {"id": "eu2", "value": 5, "cost": 1, "region": "EU"},
        ],
    }
    plan = citymatch.optimize_portfolio(problem)
    assert plan.status == 0 and set(chosen(plan)) >= {"big", "small"}
    rules = [
        {"id": "alt_active", "tag": "alternative-partner", "scope": "active", "min": 1},
        {"id": "per_region", "group_by": "region", "scope": "total", "max": 1},
    ]
    plan = citymatch.optimize_portfolio({**problem, "rules": rules})
    assert plan.status == 0
    assert plan.x["alt"] == 2026 and plan.x["eu2"] is None
    assert any(b.startswith("rule per_region (EU)") for b in plan.binding)


# ------------------------------------------------------------------ the builders, one by one
def _vars(**changes):
    problem = json.loads(json.dumps(BASE))
    problem.update(changes)
    prob = citymatch.PortfolioProblem.model_validate(problem)
    return m.variables(prob)


def test_variables_follow_windows_must_finish_and_exclusion():
    """One start variable per allowed start year: fixed starts give one, a window its years,
    ``must_finish`` drops starts that would end after the horizon, ``excluded`` gives none."""
    problem = {
        "start_year": 2026,
        "years": 3,
        "must_finish": True,
        "projects": [
            {"id": "fixed", "value": 1, "start": 2027},
            {"id": "window", "value": 1, "earliest": 2026, "latest": 2027},
            {"id": "long", "value": 1, "duration": 2},
            {"id": "out", "value": 1, "excluded": True},
        ],
    }
    v = m.variables(citymatch.PortfolioProblem.model_validate(problem))
    assert v.xvars == ((0, 2027), (1, 2026), (1, 2027), (2, 2026), (2, 2027))
    assert dict(v.by_project) == {0: (0,), 1: (1, 2), 2: (3, 4), 3: ()}


def test_budget_rows_charge_each_project_year():
    """The budget row of year t charges a start in year y the cost of project year t − y."""
    problem = {
        "start_year": 2026,
        "years": 2,
        "budget": [10, 20],
        "projects": [{"id": "A", "value": 1, "cost": [3, 4], "duration": 2}],
    }
    v = m.variables(citymatch.PortfolioProblem.model_validate(problem))
    rows = m.budget_rows(v)
    assert [(r.name, dict(r.coefs), r.hi) for r in rows] == [
        ("budget 2026", {0: 3.0}, 10),
        ("budget 2027", {0: 4.0, 1: 3.0}, 20),
    ]
    assert m.staff_rows(v) == []


def test_agreement_cap_rows_link_partners_and_count_existing():
    """The cap family adds one z per (new partner, year) with an active project, links it to
    each of the partner's projects, and leaves room for the cap minus existing agreements;
    partners already in force add nothing."""
    v = _vars(agreement_cap=2, existing_agreements={"y": None})
    part = m.agreement_cap_rows(v, {2026: 1, 2027: 1})
    assert part.zvars == [("x", 2026), ("z", 2027)]
    caps = [r for r in part.rows if r.kind == "cap"]
    assert [(r.name, r.hi) for r in caps] == [
        ("agreement cap 2026 (cap 2; 1 existing)", 1),
        ("agreement cap 2027 (cap 2; 1 existing)", 1),
    ]
    links = [dict(r.coefs) for r in part.rows if r.kind == "link"]
    n_x = len(v.xvars)  # A (x) and D (x) each link to z[x, 2026]; C (z) to z[z, 2027]
    assert links == [{0: 1.0, n_x: -1.0}, {3: 1.0, n_x: -1.0}, {2: 1.0, n_x + 1: -1.0}]


def test_dependency_exclusive_and_partner_rows():
    """Dependencies give x_B − x_A ≤ 0, exclusive groups Σ x ≤ 1, one-per-partner Σ active ≤ 1."""
    v = _vars(dependencies={"C": ["D"]}, exclusive=[["A", "B"]], one_project_per_partner=True)
    (dep,) = m.dependency_rows(v)
    assert dict(dep.coefs) == {2: 1.0, 3: -1.0} and dep.hi == 0
    (exc,) = m.exclusive_rows(v)
    assert dict(exc.coefs) == {0: 1.0, 1: 1.0} and exc.hi == 1
    (one,) = m.one_per_partner_rows(v)
    assert one.name == "one active project with x in 2026" and dict(one.coefs) == {0: 1.0, 3: 1.0}
