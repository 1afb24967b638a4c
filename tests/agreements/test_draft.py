"""From plan to agreements (issue 17): a chosen plan becomes valid draft agreements."""

from __future__ import annotations

from datetime import date

import pytest

from citymatch import agreements as ag
from citymatch.cli.main import main
from citymatch.datasets import data_path
from citymatch.models.agreement import Agreement
from citymatch.portfolio import optimize_portfolio


@pytest.fixture(scope="module")
def example_plan():
    return optimize_portfolio(data_path("portfolio"))


def test_plan_becomes_one_draft_per_project_and_partner(example_plan):
    """One draft per selected project and partner, its term the project's years in the plan,
    an International Project whose SMART list names only what an analyst must add (the KPI's
    unit, baseline and target and the partner's tasks); a 2-partner project's yearly cost is
    shared equally."""
    drafts = ag.draft_agreements(data_path("portfolio"), example_plan)
    selected = example_plan.selected
    expected = {
        f"{pid}.{q.strip()}": (start, end)
        for pid, partners, start, end in zip(
            selected["id"], selected["partners"], selected["start"], selected["end"], strict=True
        )
        for q in str(partners).split(",")
    }
    assert {a.id: (a.start.year, a.end.year) for a in drafts} == expected
    for a in drafts:
        assert a.agreement_class == "International Project"
        assert (a.start.month, a.start.day, a.end.month, a.end.day) == (1, 1, 12, 31)
        (o,) = a.objectives
        metric = o.kpis[0].metric
        assert a.smart_issues() == [
            f"objective {o.id!r}: KPI {metric!r} has no unit",
            f"objective {o.id!r}: KPI {metric!r} has no baseline",
            f"objective {o.id!r}: KPI {metric!r} has no target",
            f"objective {o.id!r}: responsibility of {a.partners[0]!r} lists no tasks",
        ]
        assert [m.due.year for m in o.milestones][-1] == a.end.year
        assert o.milestones[-1].name == "review: renew or sunset"
        assert [r.year for r in o.resources] == list(range(a.start.year, a.end.year + 1))
    # paris-softlanding: cost [180000, 120000, 100000] shared by paris and station-f.
    paris = {a.id: a for a in drafts}["paris-softlanding.paris"]
    assert [r.budget for r in paris.objectives[0].resources] == [90000.0, 60000.0, 50000.0]


def test_draft_command_saves_valid_agreements_once(tmp_path):
    """`citymatch draft example --register DIR` writes drafts that load as a valid register
    and review with their terms checked; run again, it refuses and writes nothing."""
    folder = tmp_path / "reg"
    folder.mkdir()
    out = tmp_path / "summary.txt"
    assert main(["draft", "example", "--register", str(folder), "--output", str(out)]) == 0
    reg = ag.load_register(folder)
    assert len(reg) == int(out.read_text("utf-8").split()[0]) > 0
    assert all(isinstance(a, Agreement) and a.projects for a in reg)
    rv = ag.review(reg, as_of=date(2027, 1, 1), cap=None).table
    assert set(rv["term"]) <= {"ok", "too short"}
    before = sorted(p.name for p in folder.iterdir())
    assert main(["draft", "example", "--register", str(folder)]) == 1
    assert sorted(p.name for p in folder.iterdir()) == before


def test_draft_refuses_without_a_plan_and_over_existing_ids(example_plan, agreement, reg_of):
    """No plan → an error naming the status; a draft id already in the register → an error
    naming it, and nothing is written."""
    from citymatch.portfolio import optimize_portfolio

    impossible = {
        "name": "x",
        "start_year": 2026,
        "years": 1,
        "budget": 5,
        "new_per_year_min": 2,
        "projects": [{"id": "A", "value": 1, "cost": 4}, {"id": "B", "value": 1, "cost": 4}],
    }
    with pytest.raises(ValueError, match=r"`plan` must hold a plan .*; got status INFEASIBLE"):
        ag.draft_agreements(impossible, optimize_portfolio(impossible))
    drafts = ag.draft_agreements(data_path("portfolio"), example_plan)
    reg = reg_of(agreement(id=drafts[1].id))
    with pytest.raises(ag.RegisterError, match=rf"drafts \['{drafts[1].id}'\] are already in"):
        ag.save_drafts(reg, drafts)
    assert len(list(reg.folder.glob("*.toml"))) == 1
