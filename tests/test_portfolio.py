"""Portfolio optimiser: published optima, brute force, every constraint binding, explanations,
infeasibility diagnosis, frontier, models, bad input."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import citymatch
from citymatch import portfolio as pf
from citymatch.portfolio import PortfolioError
from helpers import ROOT, load_ref

FREE = {"new_per_year_min": None, "new_per_year_max": None}


def one_year(values, costs, budget, **kw):
    return {
        "start_year": 2026,
        "years": 1,
        "budget": budget,
        **FREE,
        **kw,
        "projects": [
            {"id": f"P{i + 1}", "value": v, "cost": c}
            for i, (v, c) in enumerate(zip(values, costs, strict=True))
        ],
    }


def chosen(plan):
    return sorted((k for k, v in plan.x.items() if v is not None), key=lambda s: (len(s), s))


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
        **FREE,
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


# ------------------------------------------------------------------ every constraint binds
BASE = {
    "start_year": 2026,
    "years": 2,
    **FREE,
    "projects": [
        {"id": "A", "value": 10, "cost": 6, "staff": 1.0, "partners": ["x"], "start": 2026},
        {"id": "B", "value": 8, "cost": 5, "staff": 1.0, "partners": ["y"], "start": 2026},
        {"id": "C", "value": 7, "cost": 4, "staff": 0.5, "partners": ["z"], "start": 2027},
        {"id": "D", "value": 3, "cost": 2, "staff": 0.5, "partners": ["x"], "start": 2026},
    ],
}


def solve(**changes):
    problem = json.loads(json.dumps(BASE))
    problem.update(changes)
    return citymatch.optimize_portfolio(problem)


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
        **FREE,
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


# ------------------------------------------------------------------ explanations and diagnosis
def test_left_out_reasons_name_the_constraint_and_amount():
    """A project that does not fit says which year's budget it would exceed and by how much."""
    plan = citymatch.optimize_portfolio(one_year([10, 9, 8], [60_000, 50_000, 40_000], 100_000))
    reasons = plan.left_out.set_index("id")["reason"].to_dict()
    assert reasons == {"P2": "would exceed the 2026 budget by $50,000"}
    plan = solve(agreement_cap=1)
    assert "partner cap reached in 2026" in plan.left_out.set_index("id").loc["B", "reason"]
    text = plan.explain()
    assert "left out" in text and "Binding constraints" in text


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
        **FREE,
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


# ------------------------------------------------------------------ frontier, marginal value, values
def test_frontier_is_monotone_and_marginal_value():
    """The value never falls as the budget grows; the marginal value of money is reported per year."""
    problem = one_year([10, 9, 8, 7], [5, 4, 3, 2], 8)
    front = pf.efficient_frontier(problem, factors=[0.5, 1, 1.5, 2])
    assert front["value"].is_monotonic_increasing
    assert front["value"].iloc[-1] == 34
    mv = pf.marginal_value(problem, step=2)
    assert (
        mv.loc[0, "value_gain"]
        == citymatch.optimize_portfolio(one_year([10, 9, 8, 7], [5, 4, 3, 2], 10)).fun
        - citymatch.optimize_portfolio(problem).fun
    )
    with pytest.raises(PortfolioError, match=r"`budget` is not set"):
        pf.efficient_frontier({**problem, "budget": None})


def test_values_from_criteria_and_partner_scores():
    """Project values can come from a project criteria set scored with TOPSIS, with the partner
    score taken from a Ranking — ranking and selection connect."""
    ranking = citymatch.rank(citymatch.datasets.load_cities(), "partnership-city")
    prob = pf.load_problem(ROOT / "examples" / "toronto_portfolio.toml")
    linked = pf.with_partner_scores(prob, ranking)
    scores = ranking.scores
    paris = next(p for p in linked.projects if p.id == "barcelona-data")
    assert paris.attributes["partner_score"] == pytest.approx(scores["barcelona"])
    valued = pf.score_projects(linked, "project")
    assert all(p.value is not None and 0 <= p.value <= 100 for p in valued.projects)
    plan = citymatch.optimize_portfolio(prob)  # value_criteria in the file fills the values
    assert plan.status == 0 and len(plan.selected) >= 5


def test_portfolio_acceptability():
    """Selection shares under sampled project-criteria weights are in [0, 1] and reproducible."""
    prob = ROOT / "examples" / "toronto_portfolio.toml"
    a = pf.portfolio_acceptability(prob, "project", samples=8, rng=3)
    b = pf.portfolio_acceptability(prob, "project", samples=8, rng=3)
    assert a.equals(b)
    assert a["selected_share"].between(0, 1).all() and a["selected_share"].max() == 1.0


# ------------------------------------------------------------------ models and bad input
def test_json_and_toml_round_trip(tmp_path):
    """The problem round-trips through JSON; the example TOML loads; the exported schema is current."""
    prob = pf.load_problem(ROOT / "examples" / "toronto_portfolio.toml")
    again = citymatch.PortfolioProblem.model_validate_json(prob.to_json())
    assert again == prob
    path = tmp_path / "p.json"
    path.write_text(prob.to_json())
    assert pf.load_problem(path) == prob
    schema = json.loads((ROOT / "schemas" / "portfolio-problem.schema.json").read_text())
    assert schema == citymatch.PortfolioProblem.model_json_schema()


@pytest.mark.parametrize(
    ("patch", "pattern"),
    [
        ({"budget": -5}, r"budget: must be finite and ≥ 0; got -5"),
        (
            {"projects": [{"id": "A", "value": 1, "cost": -1}]},
            r"projects\[0\]\.cost: must be finite and ≥ 0; got -1",
        ),
        (
            {"projects": [{"id": "A", "value": 1, "duration": 0}]},
            r"projects\[0\]\.duration: duration must be a positive number of years; got 0",
        ),
        (
            {"projects": [{"id": "A", "value": 1, "start": 2031}]},
            r"project 'A': start year 2031 is outside the horizon 2026–2027",
        ),
        (
            {"projects": [{"id": "A", "value": 1, "earliest": 2020}]},
            r"earliest year 2020 is outside the horizon",
        ),
        ({"dependencies": {"A": ["Z"]}}, r"dependency names an unknown project 'Z'"),
        (
            {
                "projects": [{"id": "A", "value": 1}, {"id": "B", "value": 1}],
                "dependencies": {"A": ["B"], "B": ["A"]},
            },
            r"dependencies form a cycle: A → B → A",
        ),
        (
            {"new_per_year_min": 3, "new_per_year_max": 2},
            r"new_per_year_min 3 is greater than new_per_year_max 2",
        ),
        (
            {"projects": [{"id": "A", "value": 1, "cost": [1, 2], "duration": 3}]},
            r"cost lists 2 yearly values but duration is 3 years",
        ),
        (
            {"projects": [{"id": "A", "value": 1}, {"id": "A", "value": 2}]},
            r"project ids must be unique; repeated: \['A'\]",
        ),
        ({"budgett": 5}, r"budgett: Extra inputs are not permitted"),
    ],
)
def test_bad_problems(patch, pattern):
    """Each invalid problem is refused with the field path, the rule and the value."""
    problem = {"start_year": 2026, "years": 2, "projects": [{"id": "A", "value": 1}], **patch}
    with pytest.raises(PortfolioError, match=pattern):
        pf.load_problem(problem)


def test_missing_value_and_bad_options(tmp_path):
    """A project without a value (and no value criteria) is refused; so are bad options and files."""
    with pytest.raises(PortfolioError, match=r"project 'A' has no `value`"):
        citymatch.optimize_portfolio(
            {"start_year": 2026, "years": 1, **FREE, "projects": [{"id": "A"}]}
        )
    with pytest.raises(ValueError, match=r"`time_limit` must be positive seconds or None; got 0"):
        citymatch.optimize_portfolio(one_year([1], [1], 1), time_limit=0)
    bad = tmp_path / "bad.toml"
    bad.write_text("start_year = ")
    with pytest.raises(PortfolioError, match=r"bad.toml' is not valid TOML"):
        pf.load_problem(bad)
    with pytest.raises(
        citymatch.errors.CitymatchTypeError, match=r"`problem` must be a PortfolioProblem"
    ):
        pf.load_problem(42)
