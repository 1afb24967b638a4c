"""The policy framework (issue 17, best practice 5): goals, cap, classes' terms and sets."""

from __future__ import annotations

from datetime import date

import pytest

from citymatch import agreements as ag
from citymatch.cli.main import main
from citymatch.datasets import load_example_register
from helpers import ROOT

POLICY = ROOT / "examples" / "policy.toml"


def test_example_policy_drives_the_review_and_the_report():
    """The example policy loads (4 goals, cap 10, every default class); every objective of the
    shipped register serves a goal of it; the annual report 2025 lists per goal the
    objectives serving it (hand-read: trade ← Chicago, Panama City; investment ← Frankfurt,
    Milan; community ← Matera, Warsaw; innovation ← none: one row with an empty agreement)
    and the organisations engaged with each partner."""
    policy = ag.load_policy(POLICY)
    assert [g.id for g in policy.goals] == ["trade", "investment", "community", "innovation"]
    assert policy.cap == 10 and set(policy.classes) == set(ag.DEFAULT_CLASSES)
    reg = load_example_register()
    assert ag.goal_issues(reg, policy) == []
    rep = ag.annual_report(reg, 2025, policy=policy)
    served = rep.served.groupby("goal")["agreement"].apply(sorted).to_dict()
    assert served == {
        "trade": ["chicago", "panama-city"],
        "investment": ["frankfurt-am-main", "milan"],
        "community": ["matera", "warsaw"],
        "innovation": [""],
    }
    assert rep.engaged[["partner", "organisation"]].values.tolist() == [
        ["chicago", "world-trade-centre-toronto"],
        ["chicago", "world-business-chicago"],
        ["milan", "toronto-global"],
        ["milan", "milano-partners"],
    ]
    assert "## Strategic goals served" in rep.to_markdown()
    assert "<h2>Citywide organisations engaged</h2>" in rep.to_html()
    assert ag.annual_report(reg, 2025).served.empty


def test_policy_terms_and_cap_reach_the_review(tmp_path, agreement, reg_of):
    """A policy allowing Partnership terms of up to 8 years lets a 7-year term continue (it is
    set-term under the default 3–5); the policy's cap is the CLI review's default cap."""
    seven = agreement(id="seven", start=date(2024, 1, 1), end=date(2030, 12, 31))
    reg = reg_of(seven)
    default = ag.review(reg, as_of=date(2026, 1, 1), cap=None).table
    assert default.loc[0, "recommendation"] == "set-term"
    (tmp_path / "p.toml").write_text(
        'name = "p"\ncap = 3\n[classes.Partnership]\nmin_years = 1\nmax_years = 8\n'
    )
    policy = ag.load_policy(tmp_path / "p.toml")
    t = ag.review(reg, as_of=date(2026, 1, 1), cap=None, rules=ag.class_rules(policy)).table
    assert (t.loc[0, "recommendation"], t.loc[0, "term"]) == ("continue", "ok")
    out = tmp_path / "r.json"
    args = ["review", "example", "--policy", str(tmp_path / "p.toml"), "--format", "json"]
    assert main([*args, "--output", str(out)]) == 0
    import json

    assert json.loads(out.read_text("utf-8"))["cap"] == 3


def test_policy_errors_name_the_file_and_field(tmp_path, agreement, smart_objective):
    """A bad policy names the file and the field; an objective naming an unknown goal, or
    none, is listed by goal_issues."""
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "p"\n[classes.Friendship]\nmin_years = 6\nmax_years = 5\n')
    with pytest.raises(
        ag.RegisterError,
        match=r"policy file '.*bad.toml': classes.Friendship: min_years must not exceed max_years",
    ):
        ag.load_policy(bad)
    policy = ag.load_policy(POLICY)
    a = agreement(objectives=(smart_objective(goals=("growth",)),))
    b = agreement(id="b")
    assert ag.goal_issues([a, b], policy) == [
        "agreement 'a', objective 'o': unknown goal 'growth' "
        "(the policy's goals: ['community', 'innovation', 'investment', 'trade'])",
        "agreement 'b', objective 'o': serves no strategic goal",
    ]
