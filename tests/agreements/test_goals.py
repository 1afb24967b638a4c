"""Criteria sets, projects and objectives reference the policy's strategic goals (issue 17,
best practice 5): unknown goals are errors naming the goal and the known goals, goals nothing
serves are listed, the shipped files carry the references, and the CLI reports them."""

from __future__ import annotations

import json
import tomllib

import pytest

from citymatch import agreements as ag
from citymatch.cli.main import main
from citymatch.datasets import load_example_register
from citymatch.errors import UnknownGoalError
from citymatch.models.agreement import Goal, Policy
from citymatch.models.criteria import CriteriaSet, list_criteria, load_criteria
from citymatch.models.portfolio import Project
from citymatch.portfolio import load_problem, optimize_portfolio
from helpers import ROOT

POLICY = ROOT / "examples" / "policy.toml"
PORTFOLIO = ROOT / "examples" / "toronto_portfolio.toml"


def _set(goals: tuple[str, ...] = (), **criterion_goals: tuple[str, ...]) -> CriteriaSet:
    crits = [
        {"id": cid, "label": cid, "direction": "benefit", "weight": 1.0, "goals": list(g)}
        for cid, g in (criterion_goals or {"c": ()}).items()
    ]
    return CriteriaSet.model_validate(
        {"name": "s", "title": "S", "version": "1", "goals": list(goals), "criteria": crits}
    )


def _policy(*ids: str) -> Policy:
    return Policy(name="p", goals=tuple(Goal(id=i, title=i.upper()) for i in ids))


def test_shipped_files_reference_known_goals_and_every_goal_is_served():
    """Every goal reference of the shipped criteria sets, portfolio projects and register
    objectives names a goal of examples/policy.toml, and together they serve all four goals.
    Hand-read from the files: friendship-city serves community only (never an economic goal);
    partnership-city serves trade and investment; the innovation goal is served by the
    alternative-partner set, its specialised_programming criterion and the three 'policy &
    service innovation' projects."""
    policy = ag.load_policy(POLICY)
    sets = [load_criteria(n) for n in list_criteria()]
    projects = load_problem(PORTFOLIO).projects
    cov = ag.goal_coverage(
        policy, criteria=sets, projects=projects, agreements=load_example_register()
    )
    assert cov.unserved == () and cov.issues == []
    by_name = {cs.name: cs for cs in sets}
    assert by_name["friendship-city"].served_goals == ("community",)
    assert by_name["partnership-city"].served_goals == ("trade", "investment")
    assert cov.served["innovation"] == (
        "criteria set 'alternative-partner'",
        "criterion 'alternative-partner.specialised_programming'",
        "project 'seoul-ai-exchange'",
        "project 'singapore-ai-exchange'",
        "project 'barcelona-data'",
    )
    # Every project of the shipped portfolio names at least one goal (read from the TOML).
    raw = tomllib.loads(PORTFOLIO.read_text("utf-8"))["projects"]
    assert all(p["goals"] for p in raw) and len(raw) == len(projects) == 14


def test_unknown_goal_names_every_reference_and_the_known_goals(agreement, smart_objective):
    """A goal the policy lacks — in a set, a criterion, a project or an objective — raises
    UnknownGoalError naming each reference, the goal, and the policy's goals."""
    policy = _policy("trade", "community")
    with pytest.raises(
        UnknownGoalError,
        match=r"criteria set 's': unknown goal 'growth'; criterion 's.c': unknown goal 'jobs' "
        r"\(policy 'p' has goals: \['community', 'trade'\]\)",
    ):
        ag.goal_coverage(policy, criteria=[_set(("growth", "trade"), c=("jobs",))])
    with pytest.raises(UnknownGoalError, match=r"project 'x': unknown goal 'culture'"):
        ag.goal_coverage(policy, projects=[Project(id="x", goals=("trade", "culture"))])
    a = agreement(objectives=(smart_objective(goals=("tourism",)),))
    with pytest.raises(UnknownGoalError, match=r"agreement 'a', objective 'o': unknown goal"):
        ag.goal_coverage(policy, agreements=[a])
    assert issubclass(UnknownGoalError, ValueError)


def test_goals_nothing_serves_are_listed_not_raised():
    """A policy goal that no checked set, criterion or project names is in `unserved` and
    `issues` (in the policy's order); a criterion's own goal counts as serving it."""
    policy = _policy("trade", "community", "innovation")
    cov = ag.goal_coverage(
        policy, criteria=[_set(c=("innovation",))], projects=[Project(id="x", goals=("trade",))]
    )
    assert cov.unserved == ("community",)
    assert cov.issues == [
        "goal 'community' (COMMUNITY) of policy 'p' is served by none of the criteria sets, "
        "projects and objectives checked"
    ]
    assert cov.served == {
        "trade": ("project 'x'",),
        "community": (),
        "innovation": ("criterion 's.c'",),
    }
    frame = cov.to_frame()
    assert frame["n_served"].tolist() == [1, 0, 1]
    assert ag.goal_coverage(policy).unserved == ("trade", "community", "innovation")


def test_drafts_carry_the_projects_goals():
    """A plan's draft agreements carry each project's goals on their objective, so every
    objective of the drafts of the shipped plan serves a goal of the shipped policy."""
    problem = load_problem(PORTFOLIO)
    plan = optimize_portfolio(problem)
    drafts = ag.draft_agreements(problem, plan)
    goals = {p.id: p.goals for p in problem.projects}
    assert drafts and all(a.objectives[0].goals == goals[a.objectives[0].id] for a in drafts)
    assert ag.goal_issues(drafts, ag.load_policy(POLICY)) == []


def test_cli_criteria_validate_and_list_report_goals(tmp_path, capsys):
    """`criteria validate NAME --policy` prints the set's and its criteria's goals and the
    policy goals the set does not serve; an unknown goal exits 1 naming it (nothing says
    'valid'); `list --policy` finds every goal served by the shipped sets; --policy with
    `show` is a usage error."""
    assert main(["criteria", "validate", "friendship-city", "--policy", str(POLICY)]) == 0
    out = capsys.readouterr().out
    assert "friendship-city: serves goals community" in out
    assert "criterion diaspora: community" in out
    assert "goals served by none of these sets: trade (" in out and "innovation (" in out
    bad = tmp_path / "bad.toml"
    bad.write_text(
        (ROOT / "criteria" / "friendship-city.toml")
        .read_text("utf-8")
        .replace('goals = ["community"]\n', 'goals = ["comunity"]\n', 1)
    )
    assert main(["criteria", "validate", str(bad), "--policy", "example"]) == 1
    captured = capsys.readouterr()
    assert "valid criteria set" not in captured.out
    assert "criteria set 'friendship-city': unknown goal 'comunity'" in captured.err
    assert "has goals: ['community', 'innovation', 'investment', 'trade']" in captured.err
    assert main(["criteria", "list", "--policy", "example"]) == 0
    assert "every goal is served by these sets" in capsys.readouterr().out
    assert main(["criteria", "show", "project", "--policy", "example"]) == 2
    assert "--policy is for `criteria validate` and `list`" in capsys.readouterr().err
    assert main(["criteria", "show", "partnership-city"]) == 0
    assert "\ngoals served: trade, investment\n" in capsys.readouterr().out


def test_cli_portfolio_reports_the_goals_the_plan_serves(tmp_path, capsys):
    """`portfolio example --policy example` adds, per goal, the selected projects naming it
    (JSON: `goals`, computed here from the selected ids and the TOML's goals); a project
    naming an unknown goal exits 1 before solving."""
    out = tmp_path / "plan.json"
    args = ["portfolio", "example", "--policy", "example", "--format", "json"]
    assert main([*args, "--output", str(out)]) == 0
    doc = json.loads(out.read_text("utf-8"))
    raw = {p["id"]: p["goals"] for p in tomllib.loads(PORTFOLIO.read_text("utf-8"))["projects"]}
    chosen = [row["id"] for row in doc["selected"]]
    expected = {
        g: [p for p in chosen if g in raw[p]]
        for g in ("trade", "investment", "community", "innovation")
    }
    assert doc["goals"] == expected and sum(map(len, expected.values())) >= len(chosen)
    assert main(["portfolio", "example", "--policy", "example"]) == 0
    text = capsys.readouterr().out
    assert "Strategic goals of policy 'toronto-international-alliances' served by the plan:" in text
    assert f"  trade (Grow two-way trade and exports): {', '.join(expected['trade'])}" in text
    bad = tmp_path / "bad.toml"
    bad.write_text(PORTFOLIO.read_text("utf-8").replace('goals = ["trade"]', 'goals = ["trad"]', 1))
    assert main(["portfolio", str(bad), "--policy", "example"]) == 1
    assert "project 'paris-softlanding': unknown goal 'trad'" in capsys.readouterr().err
