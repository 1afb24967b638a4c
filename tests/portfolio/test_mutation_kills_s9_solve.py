"""Tests written to kill surviving mutants of ``portfolio/solve.py`` (session 9, see
docs/mutation/session9-solve.md).

Every expected plan, bound, conflict list and message is solved by hand from tiny problems whose
optimum (or infeasibility) is forced by the rules; nothing is computed by the code under test.
The time-limit tests replace the solve module's clock by a fake one (no sleeping, no race with
a loaded machine) and record the options each HiGHS call is given.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from scipy import sparse

import citymatch
from citymatch.portfolio import PortfolioError
from citymatch.portfolio import solve as solve_module
from citymatch.portfolio.model import Model, Row, build
from citymatch.portfolio.problem import load_problem
from citymatch.portfolio.values import fill_values
from portfolio_helpers import FREE, chosen, one_year

TAIL = (
    "the solver resolves only ratios below 1e+06 within one constraint (its MIP feasibility "
    "tolerance is 1e-6): round negligible amounts to 0 or express them in larger units."
)


def _model(problem: dict[str, Any]) -> Model:
    return build(fill_values(load_problem(problem)))


# --------------------------------------------------------------------------- run_milp
def test_run_milp_keeps_every_start_binary_under_any_rows():
    """Every variable is in [0, 1] (the module's promise), whatever rows are passed: with the
    budget row alone (P2 costs nothing, so it is in no row) or with no row at all, each
    project is started once, not several times, and the value is 3 + 4 — also relaxed."""
    model = _model(one_year([3, 4], [1, 0], 5))
    budget = [r for r in model.rows if r.kind == "budget"]
    assert [r.name for r in budget] == ["budget 2026"]
    for rows in (budget, []):
        for relax in (False, True):
            out = solve_module.run_milp(model, rows, relax=relax)
            assert out.status is citymatch.portfolio.OPTIMAL
            assert out.x is not None
            np.testing.assert_allclose(out.x, [1.0, 1.0], rtol=0, atol=1e-9)
            assert out.fun == pytest.approx(7.0, abs=1e-9)


def test_a_row_without_a_unit_is_refused_without_one():
    """A row of the caller's with coefficients 1 and 3e6 and no unit: the refusal names the
    row and the magnitudes with no unit (and no stray text) before the ratio."""
    model = _model(one_year([3, 4], [1, 1], 5))
    row = Row("custom", "custom", "rule", {0: 1.0, 1: 3e6}, -np.inf, 1.0)
    message = f"constraint 'custom' mixes coefficients from 1 to 3e+06 (ratio 3e+06); {TAIL}"
    with pytest.raises(PortfolioError, match=f"^{re.escape(message)}$"):
        solve_module.run_milp(model, [row])


# --------------------------------------------------------------------------- row ranges
def test_the_row_range_refusal_word_for_word():
    """Costs 0.5 and 2,000,000 in one budget row: ratio 4e6 (not their product 1e6) over the
    limit; the whole message, with the unit, the ratio and the advice."""
    message = (
        f"constraint 'budget 2026' mixes coefficients from 0.5 to 2e+06 $ (ratio 4e+06); {TAIL}"
    )
    with pytest.raises(PortfolioError, match=f"^{re.escape(message)}$"):
        citymatch.optimize_portfolio(one_year([1, 2], [0.5, 2e6], 3e6))


def test_a_row_range_of_exactly_the_limit_is_refused():
    """Costs 1 and 1,000,000 against a budget of 1,000,000: HiGHS's MIP feasibility tolerance
    (1e-6) would swallow the scaled cost 1e-6 and start both (spending 1,000,001, value 3).
    A ratio of exactly 1e6 is refused; just below it the plan is exact: only P2 (value 2)."""
    message = f"constraint 'budget 2026' mixes coefficients from 1 to 1e+06 $ (ratio 1e+06); {TAIL}"
    with pytest.raises(PortfolioError, match=f"^{re.escape(message)}$"):
        citymatch.optimize_portfolio(one_year([1, 2], [1, 1e6], 1e6))
    plan = citymatch.optimize_portfolio(one_year([1, 2], [1, 999_999], 999_999))
    assert plan.success and chosen(plan) == ["P2"] and plan.fun == 2


# --------------------------------------------------------------------------- scale_rows
def test_scale_rows_divides_each_row_and_its_bounds_by_its_largest_coefficient():
    """Rows [2, −4, 0], [0, 0.5, 0] and an empty row (the last column in no row): the first
    is divided by 4, the second (one coefficient, below 1) by 0.5, the empty one by 1; the
    shape is kept and the bounds are divided like their rows."""
    a = sparse.csr_array(np.array([[2.0, -4.0, 0.0], [0.0, 0.5, 0.0], [0.0, 0.0, 0.0]]))
    lo = np.array([-np.inf, 1.0, 0.0])
    hi = np.array([8.0, 2.0, 0.0])
    scaled, slo, shi = solve_module.scale_rows(a, lo, hi)
    assert scaled.shape == (3, 3)
    np.testing.assert_array_equal(
        scaled.toarray(), [[0.5, -1.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]
    )
    np.testing.assert_array_equal(slo, [-np.inf, 2.0, 0.0])
    np.testing.assert_array_equal(shi, [2.0, 4.0, 0.0])


def test_scale_rows_keeps_a_row_of_stored_zeros_as_it_is():
    """A row whose only stored coefficient is 0 (largest |coefficient| 0) is left as it is:
    0 ≤ 0 stays feasible (no division by zero, no NaN bound)."""
    a = sparse.csr_array((np.array([0.0]), np.array([0]), np.array([0, 1])), shape=(1, 2))
    scaled, slo, shi = solve_module.scale_rows(a, np.array([-np.inf]), np.array([0.0]))
    assert scaled.shape == (1, 2)
    np.testing.assert_array_equal(scaled.toarray(), [[0.0, 0.0]])
    np.testing.assert_array_equal(slo, [-np.inf])
    np.testing.assert_array_equal(shi, [0.0])


@pytest.mark.parametrize(
    ("values", "costs", "budget", "picked", "value"),
    [
        ([5], [1e-12], 5e-13, [], 0),  # one coefficient in the row, far below HiGHS's 1e-9
        ([1, 2], [1e-12, 1e-12], 1.5e-12, ["P2"], 2),
        ([1, 2], [1e-9, 1e-9], 1.5e-9, ["P2"], 2),  # the docstring's costs of 1e-9
    ],
)
def test_tiny_costs_are_solved_as_costs_of_one(values, costs, budget, picked, value):
    """Costs of 1e-12 (or 1e-9) against a budget of 0.5 or 1.5 of them are solved as costs of
    1 against 0.5 or 1.5: the budget holds (HiGHS alone reads such coefficients as 0)."""
    plan = citymatch.optimize_portfolio(one_year(values, costs, budget))
    assert plan.success and chosen(plan) == picked and plan.fun == value


# --------------------------------------------------------------------------- time limit
class _Clock:
    """The solve module's clock: ``times`` in turn, then the last one for ever."""

    def __init__(self, *times: float) -> None:
        self.times = list(times)

    def monotonic(self) -> float:
        return self.times.pop(0) if len(self.times) > 1 else self.times[0]


def _spy(monkeypatch: pytest.MonkeyPatch, *times: float) -> list[float | None]:
    """Fake the clock and record the time limit of each HiGHS call (None: no limit)."""
    limits: list[float | None] = []
    real: Callable[..., Any] = solve_module.milp

    def milp(*args: Any, options: dict[str, Any], **kw: Any) -> Any:
        limits.append(options.get("time_limit"))
        return real(*args, options=options, **kw)

    monkeypatch.setattr(
        solve_module, "time", types.SimpleNamespace(monotonic=_Clock(*times).monotonic)
    )
    monkeypatch.setattr(solve_module, "milp", milp)
    return limits


# a, b and d mandatory, a and b cost 2 each against a budget of 3, d costs nothing: a, b and
# the budget conflict; d's rule is not needed.
INFEASIBLE = {
    "start_year": 2026,
    "years": 1,
    "budget": 3,
    **FREE,
    "projects": [
        {"id": "a", "value": 1, "cost": 2, "mandatory": True},
        {"id": "b", "value": 1, "cost": 2, "mandatory": True},
        {"id": "d", "value": 1, "cost": 0, "mandatory": True},
    ],
}
MINIMAL = ("a is mandatory", "b is mandatory", "budget 2026")


def test_the_time_limit_counts_from_the_call(monkeypatch):
    """The time limit covers the whole call: when building the model took 0.25 s of a 60 s
    limit, HiGHS gets 59.75 s; when it took more than the whole 0.1 s limit, HiGHS gets
    (almost) nothing (1e-9 s), not the 0.1 s again."""
    limits = _spy(monkeypatch, 1000.0, 1000.25)
    citymatch.optimize_portfolio(one_year([3], [1], 1), time_limit=60)
    assert limits == [59.75]
    limits = _spy(monkeypatch, 1000.0, 1000.25)
    citymatch.optimize_portfolio(one_year([3], [1], 1), time_limit=0.1, explain=False)
    assert limits == [1e-9]


def test_every_solve_of_an_infeasible_problem_shares_the_time_limit(monkeypatch):
    """With the clock standing still, the plan's solve and every solve of the conflict search
    get the whole 60 s left (not no limit, not more); without a limit none gets one.  The
    conflicts are the minimal set either way."""
    limits = _spy(monkeypatch, 1000.0)
    plan = citymatch.optimize_portfolio(INFEASIBLE, time_limit=60)
    assert plan.status is citymatch.portfolio.INFEASIBLE and plan.conflicts == MINIMAL
    assert len(limits) == 5 and set(limits) == {60.0}  # the plan, then one per rule group
    limits = _spy(monkeypatch, 1000.0)
    plan = citymatch.optimize_portfolio(INFEASIBLE, time_limit=None)
    assert plan.status is citymatch.portfolio.INFEASIBLE and plan.conflicts == MINIMAL
    assert limits == [None] * 5


def test_the_conflict_search_runs_while_any_time_is_left(monkeypatch):
    """One second left is still time: the search runs and finds the minimal set."""
    limits = _spy(monkeypatch, 1000.0)
    plan = citymatch.optimize_portfolio(INFEASIBLE, time_limit=1.0)
    assert plan.conflicts == MINIMAL and set(limits) == {1.0}


def test_a_conflict_search_out_of_time_keeps_every_rule(monkeypatch):
    """When the time is up before the conflict search, no group is dropped unchecked: the
    conflicts are every rule (a set that cannot hold, not minimal), and only the plan's solve
    ran."""
    limits = _spy(monkeypatch, 1000.0, 1000.0, 1060.0)
    plan = citymatch.optimize_portfolio(INFEASIBLE, time_limit=60)
    assert plan.status is citymatch.portfolio.INFEASIBLE
    assert plan.conflicts == ("a is mandatory", "b is mandatory", "d is mandatory", "budget 2026")
    assert limits == [60.0]


def test_an_infeasible_plan_has_no_value_and_no_gap():
    """No plan satisfies the rules: fun and gap are NaN (not None), the plan is not feasible."""
    plan = citymatch.optimize_portfolio(INFEASIBLE)
    assert isinstance(plan.fun, float) and np.isnan(plan.fun)
    assert isinstance(plan.gap, float) and np.isnan(plan.gap)
    assert not plan.feasible and not plan.success


# --------------------------------------------------------------------------- LP relaxation
def test_the_relaxation_sums_a_projects_fractions_over_its_start_years():
    """P may start in 2026 or 2027; discounted at 10 %, a 2026 start is worth 10 and a 2027
    one 10/1.1, so the bound starts it wholly in 2026: x_fraction 1 (the sum over both years,
    not the 2027 share 0), fun 10, gap 0 (proven), the solver's message kept."""
    problem = {
        "start_year": 2026,
        "years": 2,
        "discount_rate": 0.1,
        **FREE,
        "projects": [{"id": "P", "value": 10}],
    }
    plan = citymatch.optimize_portfolio(problem, relax=True)
    assert plan.relaxed and plan.status is citymatch.portfolio.OPTIMAL
    assert dict(plan.x_fraction) == {"P": pytest.approx(1.0, abs=1e-9)}
    assert plan.fun == pytest.approx(10.0, abs=1e-9)
    assert plan.gap == 0.0
    assert isinstance(plan.message, str) and plan.message
    assert plan.explain() == f"LP relaxation (a bound, not a plan): value 10 ({plan.message})."


# --------------------------------------------------------------------------- the note's solve
# One year, at most one new project: P1 (3) alone; without the rule P1 and P2 (5).
NOTE_PROBLEM = {**one_year([3, 2], [1, 1], 5), "new_per_year_max": 1}
NOTE = (
    "The 0–1 new-projects-a-year rule binds: without it the best plan is worth 5 instead of 3 "
    "(+67%). To switch it off, set new_per_year_min = 0 and new_per_year_max = null in the "
    "problem (None in Python; in TOML, which has no null, any number at least the number of "
    "projects)."
)


def _spy_options(monkeypatch: pytest.MonkeyPatch, *times: float) -> list[dict[str, Any]]:
    """Fake the clock and record the options of each HiGHS call."""
    calls: list[dict[str, Any]] = []
    real: Callable[..., Any] = solve_module.milp

    def milp(*args: Any, options: dict[str, Any], **kw: Any) -> Any:
        calls.append(dict(options))
        return real(*args, options=options, **kw)

    clock = types.SimpleNamespace(monotonic=_Clock(*times).monotonic)
    monkeypatch.setattr(solve_module, "time", clock)
    monkeypatch.setattr(solve_module, "milp", milp)
    return calls


def test_the_notes_solve_gets_the_time_left_and_the_gap(monkeypatch):
    """The solve without the rule (for the note) is part of the call: with 0.5 s of the 60 s
    left it gets 0.5 s (not more, not none), and both solves get the requested gap."""
    calls = _spy_options(monkeypatch, 1000.0, 1000.0, 1059.5)
    plan = citymatch.optimize_portfolio(NOTE_PROBLEM, time_limit=60, gap=0.01)
    assert chosen(plan) == ["P1"] and plan.notes == (NOTE,)
    assert [c.get("time_limit") for c in calls] == [60.0, 0.5]
    assert [c["mip_rel_gap"] for c in calls] == [0.01, 0.01]


def test_the_notes_solve_without_a_time_limit(monkeypatch):
    """Without a time limit neither solve gets one, and the note is there."""
    calls = _spy_options(monkeypatch, 1000.0)
    plan = citymatch.optimize_portfolio(NOTE_PROBLEM, time_limit=None)
    assert plan.notes == (NOTE,)
    assert [c.get("time_limit") for c in calls] == [None, None]


def test_no_note_from_a_timed_out_solve(monkeypatch):
    """When the solve without the rule stops at its time limit, its best plan is not proven
    best: no note is made from it, even if it is worth more."""
    real = solve_module.run_milp

    def run_milp(model: Model, rows: Any = None, **kw: Any) -> Any:
        if rows is None:
            return real(model, rows, **kw)
        x = np.ones(model.nvar)
        return solve_module.MilpOutcome(
            citymatch.portfolio.TIME_LIMIT, "Time limit reached.", x, 5.0, 0.5
        )

    monkeypatch.setattr(solve_module, "run_milp", run_milp)
    plan = citymatch.optimize_portfolio(NOTE_PROBLEM)
    assert chosen(plan) == ["P1"] and plan.notes == ()


def _fake_first_solve(monkeypatch: pytest.MonkeyPatch, outcome: Any) -> None:
    """The plan's own solve (all rows) returns ``outcome``; every other solve is real."""
    real = solve_module.run_milp

    def run_milp(model: Model, rows: Any = None, **kw: Any) -> Any:
        return outcome if rows is None else real(model, rows, **kw)

    monkeypatch.setattr(solve_module, "run_milp", run_milp)


def test_a_time_out_before_any_plan_searches_no_conflicts(monkeypatch):
    """HiGHS stops at the time limit before finding a plan: TIME_LIMIT, no plan, and no
    conflicts (the problem is not known to be infeasible), fun and gap NaN."""
    outcome = solve_module.MilpOutcome(
        citymatch.portfolio.TIME_LIMIT, "Time limit reached.", None, float("nan"), 0.0
    )
    _fake_first_solve(monkeypatch, outcome)
    plan = citymatch.optimize_portfolio(INFEASIBLE)
    assert plan.status is citymatch.portfolio.TIME_LIMIT and plan.conflicts == ()
    assert set(plan.x.values()) == {None} and np.isnan(plan.fun) and np.isnan(plan.gap)


def test_a_plan_found_before_the_time_limit_gets_no_note(monkeypatch):
    """A time-out with P2 (2) as the best plan found: the rule binds at it, but its value is
    not the best under the rule (P1, 3), so no note blames the rule for the gap to 5."""
    outcome = solve_module.MilpOutcome(
        citymatch.portfolio.TIME_LIMIT, "Time limit reached.", np.array([0.0, 1.0]), 2.0, 0.5
    )
    _fake_first_solve(monkeypatch, outcome)
    plan = citymatch.optimize_portfolio(NOTE_PROBLEM)
    assert plan.status is citymatch.portfolio.TIME_LIMIT and chosen(plan) == ["P2"]
    assert plan.fun == 2 and plan.notes == ()
