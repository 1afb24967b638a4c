"""Project values, partner scores, problem files and selection acceptability, against hand
computations (TOPSIS by hand, enumeration of every selection and start year)."""

from __future__ import annotations

import itertools
import os

import numpy as np
import pytest

import citymatch
from citymatch import portfolio as pf
from citymatch.sampling import sample_weights
from helpers import ROOT
from portfolio_helpers import FREE, hard_problem, topsis_by_hand

#: Three criteria with a cost criterion (as in test_analysis) and a screening rule that would
#: drop projects with a burden above 5, were screening applied.
SCREENED = citymatch.CriteriaSet(
    name="screened",
    title="Demo project criteria with a screening rule",
    version="1",
    criteria=[
        {"id": "reach", "label": "Reach", "direction": "benefit", "weight": 0.5},
        {"id": "burden", "label": "Burden on staff", "direction": "cost", "weight": 0.3},
        {"id": "fit", "label": "Strategic fit", "direction": "benefit", "weight": 0.2},
    ],
    screening=[
        {
            "id": "light",
            "description": "burden at most 5",
            "kind": "exclude",
            "column": "burden",
            "op": ">",
            "value": 5,
        }
    ],
)
BENEFIT = np.array([True, False, True])
WEIGHTS = np.array([0.5, 0.3, 0.2])


def _problem(attrs, years=1, budget=None, windows=None):
    windows = windows or [{}] * len(attrs)
    return {
        "start_year": 2026,
        "years": years,
        "budget": budget,
        **FREE,
        "projects": [
            {
                "id": f"P{i + 1}",
                "cost": 1,
                "attributes": dict(zip(SCREENED.ids, row, strict=True)),
                **win,
            }
            for i, (row, win) in enumerate(zip(attrs, windows, strict=True))
        ],
    }


# ------------------------------------------------------------------ score_projects
def test_score_projects_ignores_screening_rules():
    """Screening rules are not applied: a project the rule would drop (burden 6) keeps its
    TOPSIS value, and every value is 100 × the closeness of all five by hand."""
    attrs = np.array(
        [[9.0, 5.0, 2.0], [4.0, 1.0, 6.0], [6.0, 3.0, 9.0], [2.0, 2.0, 3.0], [7.0, 6.0, 7.0]]
    )
    valued = pf.score_projects(_problem(attrs), SCREENED)
    got = np.array([p.value for p in valued.projects])
    want = 100 * topsis_by_hand(attrs, WEIGHTS, BENEFIT)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)


class _PathLike:
    """An os.PathLike that is not a pathlib.Path."""

    def __init__(self, path: os.PathLike[str]) -> None:
        self.path = path

    def __fspath__(self) -> str:
        return os.fspath(self.path)


@pytest.mark.parametrize("wrap", [lambda p: p, _PathLike], ids=["Path", "PathLike"])
def test_score_projects_reads_a_criteria_file_path(wrap):
    """The criteria may be a path (pathlib or any os.PathLike) to a criteria file: the shipped
    project set's file scores the example's projects as TOPSIS by hand."""
    prob = pf.load_problem(ROOT / "examples" / "toronto_portfolio.toml")
    cs = citymatch.load_criteria("project")
    x = np.array([[p.attributes[c] for c in cs.ids] for p in prob.projects])
    valued = pf.score_projects(prob, wrap(ROOT / "criteria" / "project.toml"))
    got = np.array([p.value for p in valued.projects])
    want = 100 * topsis_by_hand(x, np.asarray(cs.weights), cs.types == 1)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)


def test_partner_scores_count_absent_partners_as_zero():
    """A project's partner score is the mean of its partners' scores, a partner absent from
    the ranking counting 0; a project without partners gets 0."""
    ranking = citymatch.rank(citymatch.datasets.load_cities(), "partnership-city")
    s = ranking.scores
    top, second = str(s.index[0]), str(s.index[1])
    problem = {
        "start_year": 2026,
        "years": 1,
        **FREE,
        "projects": [
            {"id": "two", "value": 1, "partners": [top, second]},
            {"id": "half", "value": 1, "partners": [top, "nowhere"]},
            {"id": "none", "value": 1},
        ],
    }
    linked = pf.with_partner_scores(problem, ranking)
    got = {p.id: p.attributes["partner_score"] for p in linked.projects}
    assert got["two"] == pytest.approx((s[top] + s[second]) / 2, abs=1e-12)
    assert got["half"] == pytest.approx(s[top] / 2, abs=1e-12)
    assert got["none"] == 0.0


# ------------------------------------------------------------------ problem files
def test_a_file_without_suffix_is_read_as_toml(tmp_path):
    """A path without a suffix is read as TOML; when it does not parse, the message says TOML
    and names the file."""
    good = tmp_path / "problem"
    good.write_text('start_year = 2026\nyears = 1\n[[projects]]\nid = "A"\nvalue = 1\n', "utf-8")
    assert [p.id for p in pf.load_problem(good).projects] == ["A"]
    bad = tmp_path / "broken"
    bad.write_text("start_year = = 2026\n", "utf-8")
    with pytest.raises(
        pf.PortfolioError, match=r"^portfolio problem '.*broken' is not valid TOML: "
    ):
        pf.load_problem(bad)


def test_budget_analyses_name_the_missing_budget():
    """Without a budget, both budget analyses refuse with the same full message."""
    problem = {"start_year": 2026, "years": 1, "projects": [{"id": "A", "value": 1}]}
    message = r"^`budget` is not set: there is no budget to vary\.$"
    with pytest.raises(pf.PortfolioError, match=message):
        pf.efficient_frontier(problem)
    with pytest.raises(pf.PortfolioError, match=message):
        pf.marginal_value(problem)


# ------------------------------------------------------------------ acceptability
#: X fixed in 2026, Y fixed in 2027, F may start in either; budget 1 a year, cost 1 each.
START_ATTRS = np.array([[8.0, 6.0, 5.0], [3.0, 3.0, 1.0], [1.0, 1.0, 2.0]])
START_WINDOWS = [{"start": 2026}, {"start": 2027}, {"earliest": 2026, "latest": 2027}]


def _best_starts(values: np.ndarray) -> dict[int, int]:
    """The optimal plan of the X/Y/F problem (project index → start), by enumerating every
    choice of start (or none) per project within the yearly budget of 1."""
    options = [[None, 2026], [None, 2027], [None, 2026, 2027]]
    best, best_value = {}, 0.0
    for combo in itertools.product(*options):
        years = [y for y in combo if y is not None]
        if len(years) != len(set(years)):
            continue  # two projects in one year exceed the budget of 1
        value = sum(values[i] for i, y in enumerate(combo) if y is not None)
        if value > best_value:
            best, best_value = {i: y for i, y in enumerate(combo) if y is not None}, value
    return best


def test_acceptability_dirichlet_start_year_equals_enumeration():
    """With Dirichlet samples around the set's weights (concentration 5), shares and the most
    frequent start year equal brute force: the same draws, TOPSIS by hand, every plan
    enumerated.  F starts in both years over the samples, more often in the later one, so
    the reported start is the most frequent, not the earliest.  Columns are id,
    selected_share, start."""
    samples, seed = 20, 0
    w = sample_weights(3, samples, sampler="dirichlet", base=WEIGHTS, concentration=5.0, rng=seed)
    counts = [dict.fromkeys([2026, 2027], 0) for _ in range(3)]
    for wk in w:
        for i, y in _best_starts(topsis_by_hand(START_ATTRS, wk, BENEFIT)).items():
            counts[i][y] += 1
    assert 0 < counts[2][2026] < counts[2][2027]  # the case this test is about
    got = pf.portfolio_acceptability(
        _problem(START_ATTRS, years=2, budget=1, windows=START_WINDOWS),
        SCREENED,
        samples=samples,
        concentration=5.0,
        rng=seed,
    )
    assert list(got.columns) == ["id", "selected_share", "start"]
    share = {f"P{i + 1}": sum(c.values()) / samples for i, c in enumerate(counts)}
    assert dict(zip(got["id"], got["selected_share"], strict=True)) == pytest.approx(share)
    assert dict(zip(got["id"], got["start"], strict=True))["P3"] == 2027


def test_acceptability_orders_equal_shares_in_problem_order():
    """Mandatory projects are always selected (share 1), excluded ones never (share 0): the
    table lists the 10 mandatory ones, then the 10 excluded ones, each in problem order."""
    projects = [
        {
            "id": f"P{i:02d}",
            "attributes": {"reach": 1 + i, "burden": 1, "fit": 1},
            **({"mandatory": True} if i % 2 else {"excluded": True}),
        }
        for i in range(20)
    ]
    problem = {"start_year": 2026, "years": 1, **FREE, "projects": projects}
    got = pf.portfolio_acceptability(problem, SCREENED, samples=2, rng=0)
    ids = [p["id"] for p in projects]
    assert got["id"].tolist() == ids[1::2] + ids[0::2]
    assert got["selected_share"].tolist() == [1.0] * 10 + [0.0] * 10
    assert got.index.tolist() == list(range(20))


def test_acceptability_scale_and_time_limit_reach_every_solve():
    """``scale`` multiplies every value (a negative scale makes every project worth less than
    nothing: none is ever selected), and ``time_limit`` bounds each solve (a solve stopped
    before any plan selects nothing)."""
    got = pf.portfolio_acceptability(_problem(START_ATTRS), SCREENED, samples=2, rng=0, scale=-1.0)
    assert got["selected_share"].tolist() == [0.0, 0.0, 0.0]
    hard = hard_problem()
    for p in hard["projects"]:
        p["attributes"] = {"reach": p["value"], "burden": 1.0, "fit": 1.0}
        del p["value"]
    got = pf.portfolio_acceptability(hard, SCREENED, samples=1, rng=0, time_limit=1e-6)
    assert (got["selected_share"] == 0).all() and got["start"].isna().all()
