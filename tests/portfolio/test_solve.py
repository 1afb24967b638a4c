"""Portfolio solve: published optima, brute force, status semantics, the Plan as a value."""

from __future__ import annotations

import dataclasses
import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import citymatch
from citymatch import portfolio as pf
from helpers import load_ref
from portfolio_helpers import BASE, chosen, hard_problem, one_year


# ------------------------------------------------------------------ published optima
def test_knapsack_burkardt_p01():
    """Burkardt, KNAPSACK_01 problem P01: capacity 165, optimum 309 with items 1, 2, 3, 4, 6
    (weight exactly 165)."""
    case = load_ref("knapsack_burkardt_p01")
    inp, pub = case["inputs"], case["published"]
    plan = citymatch.optimize_portfolio(one_year(inp["values"], inp["weights"], inp["capacity"]))
    assert plan.status == 0 and plan.success
    assert plan.fun == pub["optimal_value"]
    assert chosen(plan) == [f"P{i}" for i in pub["optimal_items_1based"]]
    assert plan.schedule["budget_used"].iloc[0] == pub["optimal_weight"]
    assert "budget 2026" in plan.binding


def test_capital_budgeting_winston_stockco():
    """Winston (2004), Operations Research, §9.2 Stockco: NPV 42 with investments 2, 3, 4; the LP
    relaxation is 44 with x3 = 1/2 — rounding it (38) is not the optimum."""
    case = load_ref("capbudget_winston_stockco")
    inp, pub = case["inputs"], case["published"]
    problem = one_year(inp["npv"], inp["cost"][0], inp["budget"][0])
    plan = citymatch.optimize_portfolio(problem)
    assert plan.fun == pub["optimal_value"]
    assert chosen(plan) == [f"P{i}" for i in pub["optimal_items_1based"]]
    lp = citymatch.optimize_portfolio(problem, relax=True)
    assert lp.relaxed and lp.fun == pytest.approx(pub["lp_relaxation_value"], abs=1e-9)
    assert [lp.x_fraction[f"P{i}"] for i in range(1, 5)] == pytest.approx(
        pub["lp_relaxation_x"], abs=1e-9
    )
    rounded = sum(v for v, x in zip(inp["npv"], pub["lp_relaxation_x"], strict=True) if x == 1)
    assert rounded == 38 < plan.fun


def test_multi_period_capital_budgeting_with_fixed_starts():
    """Fixed starts and a cost list per project year: year-by-year budgets bind separately."""
    problem = {
        "start_year": 2026,
        "years": 3,
        "budget": [10, 10, 10],
        "new_per_year_min": None,
        "new_per_year_max": None,
        "projects": [
            {"id": "A", "value": 9, "cost": [6, 6], "duration": 2, "start": 2026},
            {"id": "B", "value": 7, "cost": [5, 5], "duration": 2, "start": 2027},
            {"id": "C", "value": 5, "cost": [4, 4, 4], "duration": 3, "start": 2026},
        ],
    }
    plan = citymatch.optimize_portfolio(problem)
    # A+C (2026: 10, 2027: 10, 2028: 4) = 14; A+B breaks 2027 (11); B+C = 12.
    assert chosen(plan) == ["A", "C"] and plan.fun == 14
    assert plan.schedule["budget_used"].tolist() == [10, 10, 4]


# ------------------------------------------------------------------ brute force
def _brute(problem):
    prob = citymatch.PortfolioProblem.model_validate(problem)
    options = [[None, *prob.start_years(p)] for p in prob.projects]
    best = None
    for combo in itertools.product(*options):
        plan_x = {p.id: y for p, y in zip(prob.projects, combo, strict=True)}
        if _feasible(prob, plan_x):
            val = sum(
                p.value * (1 + prob.discount_rate) ** -(y - prob.start_year)
                for p, y in zip(prob.projects, combo, strict=True)
                if y is not None
            )
            best = val if best is None else max(best, val)
    return best


def _feasible(prob, x):
    for t_idx, t in enumerate(prob.horizon):
        act = [
            p for p in prob.projects if x[p.id] is not None and x[p.id] <= t < x[p.id] + p.duration
        ]
        for name in ("budget", "staff"):
            lim = prob.limit(name)
            if lim is not None:
                used = sum(
                    (p.cost_by_year() if name == "budget" else p.staff_by_year())[t - x[p.id]]
                    for p in act
                )
                if used > lim[t_idx] + 1e-9:
                    return False
        starts = sum(1 for p in prob.projects if x[p.id] == t)
        if prob.new_per_year_min is not None and starts < prob.new_per_year_min:
            return False
        if prob.new_per_year_max is not None and starts > prob.new_per_year_max:
            return False
        if prob.agreement_cap is not None:
            in_force = {
                q for q, last in prob.existing_agreements.items() if last is None or last >= t
            }
            new = {q for p in act for q in p.partners} - in_force - set(prob.cap_exempt)
            if len(new) > max(0, prob.agreement_cap - len(in_force)):
                return False
        if prob.one_project_per_partner:
            partners = [q for p in act for q in p.partners]
            if len(partners) != len(set(partners)):
                return False
    for p in prob.projects:
        if p.mandatory and x[p.id] is None:
            return False
    for b, reqs in prob.dependencies.items():
        if x[b] is not None and any(x[r] is None for r in reqs):
            return False
    for g in prob.exclusive:
        if sum(x[i] is not None for i in g) > 1:
            return False
    return True


@st.composite
def small_problems(draw):
    n = draw(st.integers(2, 7))
    years = draw(st.integers(1, 3))
    partners = ["a", "b", "c"]
    projects = []
    for i in range(n):
        dur = draw(st.integers(1, 2))
        window = draw(st.sampled_from(["fixed", "window", "any"]))
        proj = {
            "id": f"p{i}",
            "value": draw(st.integers(1, 30)),
            "cost": draw(st.integers(0, 9)),
            "staff": draw(st.sampled_from([0.0, 0.5, 1.0])),
            "duration": dur,
            "partners": draw(st.lists(st.sampled_from(partners), max_size=2, unique=True)),
        }
        if window == "fixed":
            proj["start"] = 2026 + draw(st.integers(0, years - 1))
        elif window == "window":
            lo = draw(st.integers(0, years - 1))
            proj["earliest"], proj["latest"] = 2026 + lo, 2026 + draw(st.integers(lo, years - 1))
        projects.append(proj)
    problem = {
        "start_year": 2026,
        "years": years,
        "budget": draw(st.integers(5, 20)),
        "staff": draw(st.sampled_from([None, 1.0, 2.0])),
        "new_per_year_min": draw(st.sampled_from([None, 0, 1])),
        "new_per_year_max": draw(st.sampled_from([None, 1, 2])),
        "agreement_cap": draw(st.sampled_from([None, 1, 2])),
        "existing_agreements": draw(st.sampled_from([{}, {"a": None}, {"b": 2026}])),
        "one_project_per_partner": draw(st.booleans()),
        "discount_rate": draw(st.sampled_from([0.0, 0.1])),
        "projects": projects,
    }
    if n >= 3 and draw(st.booleans()):
        problem["dependencies"] = {"p1": ["p0"]}
    if n >= 4 and draw(st.booleans()):
        problem["exclusive"] = [["p2", "p3"]]
    return problem


@settings(max_examples=60, deadline=None)
@given(small_problems())
def test_optimum_equals_brute_force(problem):
    """On small random instances the MILP's value equals brute-force enumeration of every
    selection and start year, and its plan satisfies every constraint."""
    best = _brute(problem)
    plan = citymatch.optimize_portfolio(problem)
    if best is None:
        assert plan.status == 2 and plan.conflicts
    else:
        assert plan.status == 0
        assert plan.fun == pytest.approx(best, abs=1e-6)
        prob = citymatch.PortfolioProblem.model_validate(problem)
        assert _feasible(prob, plan.x)


def test_no_variables_is_decided_without_the_solver():
    """With every project excluded there is nothing to start: the empty plan is optimal (value
    0), and a minimum of new starts makes the problem infeasible, with that rule as conflict."""
    problem = {**one_year([5], [1], 10), "projects": [{"id": "A", "value": 5, "excluded": True}]}
    plan = citymatch.optimize_portfolio(problem)
    assert plan.status == pf.OPTIMAL and plan.success and plan.fun == 0
    assert dict(plan.x) == {"A": None}
    assert plan.left_out["reason"].tolist() == ["excluded by flag"]
    plan = citymatch.optimize_portfolio({**problem, "new_per_year_min": 1})
    assert plan.status == pf.INFEASIBLE
    assert plan.conflicts == ("at least 1 new projects in 2026",)


# ------------------------------------------------------------------ status semantics
def test_status_codes_are_named_and_match_scipy():
    """The named statuses are scipy.optimize.milp's codes 0–4, and the module constants are
    the enum members."""
    assert [int(s) for s in pf.PlanStatus] == [0, 1, 2, 3, 4]
    assert [s.name for s in pf.PlanStatus] == [
        "OPTIMAL",
        "TIME_LIMIT",
        "INFEASIBLE",
        "UNBOUNDED",
        "OTHER",
    ]
    assert (pf.OPTIMAL, pf.TIME_LIMIT, pf.INFEASIBLE, pf.UNBOUNDED, pf.OTHER) == tuple(
        pf.PlanStatus
    )


def test_optimal_plan_is_a_success():
    """A proven optimum has status OPTIMAL, success True, a feasible plan and no gap."""
    plan = citymatch.optimize_portfolio(one_year([16, 22, 12, 8], [5, 7, 4, 3], 14))
    assert plan.status is pf.OPTIMAL and plan.success and plan.feasible
    assert plan.gap == pytest.approx(0, abs=1e-9)
    assert repr(plan).startswith("Plan(status=OPTIMAL, value=42")


def test_time_out_with_a_plan_is_not_a_success():
    """A time-out after a plan was found has its own status: TIME_LIMIT, success False, the
    best plan found (feasible, its value in ``fun``) and a positive gap; explain, repr and
    the tables say so."""
    problem = hard_problem()
    plan = citymatch.optimize_portfolio(problem, time_limit=1.0)
    assert plan.status is pf.TIME_LIMIT
    assert not plan.success
    assert plan.feasible and plan.gap > 0
    prob = citymatch.PortfolioProblem.model_validate(problem)
    picked = [p for p in prob.projects if plan.x[p.id] is not None]
    assert picked and plan.fun == pytest.approx(sum(p.value for p in picked), abs=1e-9)
    budgets = prob.limit("budget")
    for year in range(5):  # the incumbent keeps every year's budget
        assert sum(p.cost_by_year()[year] for p in picked) <= budgets[year] + 1e-9
    assert len(plan.to_frame()) == len(picked)
    assert plan.explain().startswith("Time limit reached: the best plan found is not proven")
    assert repr(plan).startswith("Plan(status=TIME_LIMIT, value=")
    reasons = set(plan.left_out["reason"])
    assert all("higher-value combination" not in r for r in reasons)


def test_time_out_without_a_plan():
    """A time-out before any plan was found: TIME_LIMIT, x all None, fun and gap NaN, no
    feasible plan; explain, repr, to_frame and the notebook display still work."""
    plan = citymatch.optimize_portfolio(hard_problem(), time_limit=1e-6)
    assert plan.status is pf.TIME_LIMIT and not plan.success and not plan.feasible
    assert set(plan.x.values()) == {None}
    assert math.isnan(plan.fun) and math.isnan(plan.gap)
    assert plan.explain().startswith("No plan was found (TIME_LIMIT): Time limit reached")
    assert repr(plan) == "Plan(status=TIME_LIMIT, no plan found)"
    assert plan.to_frame().empty and list(plan.to_frame().columns)[:2] == ["id", "title"]
    assert plan.schedule.empty and plan.left_out.empty and plan.binding == ()
    assert "no plan found" in plan._repr_html_()


# ------------------------------------------------------------------ the plan is a value
def test_plan_cannot_be_changed_through_its_fields():
    """Plan is an immutable value: fields cannot be reassigned, ``x`` and ``x_fraction`` are
    read-only mappings, and the tables are copies (changing one leaves the plan as it was)."""
    plan = citymatch.optimize_portfolio(BASE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.fun = 0
    with pytest.raises(TypeError):
        plan.x["A"] = None
    table = plan.selected
    table.loc[:, "value"] = -1.0
    schedule = plan.schedule
    schedule.loc[:, "budget_used"] = -1.0
    assert (plan.selected["value"] > 0).all()
    assert (plan.schedule["budget_used"] >= 0).all()
    assert plan.fun == 28 and isinstance(plan.binding, tuple)
    lp = citymatch.optimize_portfolio(BASE, relax=True)
    with pytest.raises(TypeError):
        lp.x_fraction["A"] = 0.0


def test_plan_copies_what_it_is_given():
    """A Plan built from caller data copies it: later changes to the caller's dict or frame
    do not reach the plan."""
    x = {"A": 2026}
    plan = pf.Plan(pf.OPTIMAL, "ok", x, 1.0, 0.0)
    x["A"] = None
    assert plan.x == {"A": 2026} and plan.status is pf.OPTIMAL


def test_bad_solver_options_are_refused():
    """`time_limit` and `gap` are checked before solving; the message names the argument,
    the rule and the value."""
    with pytest.raises(ValueError, match=r"`time_limit` must be positive seconds or None; got 0"):
        citymatch.optimize_portfolio(one_year([1], [1], 1), time_limit=0)
    with pytest.raises(ValueError, match=r"`gap` must be in \[0, 1\); got 1.5"):
        citymatch.optimize_portfolio(one_year([1], [1], 1), gap=1.5)
