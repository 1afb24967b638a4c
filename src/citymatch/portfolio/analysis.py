"""Questions answered by re-solving: what more money buys, and how robust the selection is."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._progress import counted, progress_bar
from .._validate import check_real, check_time_limit
from ..errors import CitymatchValueError, PortfolioError
from ..models.portfolio import PortfolioProblem
from ..sampling import Sampler, sample_weights
from .explain import marginal_note
from .problem import ProblemLike, load_problem
from .solve import optimize_portfolio
from .values import CriteriaLike, as_criteria, score_projects

__all__ = ["efficient_frontier", "marginal_value", "portfolio_acceptability"]


def _with_budget(problem: ProblemLike) -> tuple[PortfolioProblem, list[float]]:
    """The problem and its yearly budget, which a budget analysis needs."""
    prob = load_problem(problem)
    base = prob.limit("budget")
    if base is None:
        raise PortfolioError("`budget` is not set: there is no budget to vary.")
    return prob, base


def efficient_frontier(
    problem: ProblemLike,
    *,
    factors: Sequence[float] | None = None,
    time_limit: float | None = 30.0,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Optimal value against budget: re-solve with every yearly budget scaled by each factor.

    Parameters
    ----------
    factors : sequence of float, optional
        Budget multipliers (≥ 0); default 15 from 0.25 to 2.
    time_limit : float, optional
        Seconds per solve.
    progress : bool or None, default None
        A progress bar on standard error, one step per solve: None shows it on a terminal
        once the call has run 2 s, True always, False never.

    Returns
    -------
    DataFrame
        ``factor``, ``budget_per_year`` (mean), ``value`` (NaN where no plan was found),
        ``n_selected``, ``selected``, ``status`` (a :class:`PlanStatus` code); plot with
        :func:`citymatch.plot.frontier`.

    Raises
    ------
    PortfolioError
        The problem has no budget.
    CitymatchValueError
        A negative factor.
    """
    time_limit = check_time_limit(time_limit)
    prob, base = _with_budget(problem)
    grid = (
        list(factors) if factors is not None else [round(f, 2) for f in np.linspace(0.25, 2.0, 15)]
    )
    if any(not (f >= 0) for f in grid):
        raise CitymatchValueError(f"`factors` must be ≥ 0; got {grid}.")
    rows = []
    bar = progress_bar(len(grid), "efficient frontier", progress, unit="solve")
    for f in counted(grid, bar):
        plan = optimize_portfolio(
            prob.with_budget([b * f for b in base]), time_limit=time_limit, explain=False
        )
        chosen = [k for k, v in plan.x.items() if v is not None]
        rows.append(
            {
                "factor": f,
                "budget_per_year": float(np.mean(base)) * f,
                "value": plan.fun if plan.feasible else np.nan,
                "n_selected": len(chosen),
                "selected": ", ".join(chosen),
                "status": int(plan.status),
            }
        )
    bar.close()
    return pd.DataFrame(rows)


def marginal_value(
    problem: ProblemLike,
    *,
    step: float | None = None,
    time_limit: float | None = 30.0,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Value of one more dollar in each year: (V(B + Δ·e_t) − V(B)) / Δ.

    In a 0/1 programme the value is a step function of the budget, so this is a finite
    difference over ``step`` dollars (default: 10% of that year's budget, or 1 when it is 0),
    not an LP dual.  Columns: ``year``, ``step``, ``value_gain``, ``per_dollar``,
    ``binding`` (the year's budget has no slack in the base plan) and ``why`` (for a zero
    gain: the budget does not bind, or the step buys no further project; else empty).
    ``progress`` shows a bar on standard error, one step per solve (as in
    :func:`efficient_frontier`).

    Raises
    ------
    PortfolioError
        The problem has no budget.
    CitymatchValueError
        ``step`` not positive.
    """
    time_limit = check_time_limit(time_limit)
    prob, base = _with_budget(problem)
    if step is not None and not (check_real(step, name="step") > 0):
        raise CitymatchValueError(f"`step` must be positive; got {step!r}.")
    bar = progress_bar(len(prob.horizon) + 1, "marginal value", progress, unit="solve")
    plan0 = optimize_portfolio(prob, time_limit=time_limit, explain=False)
    bar.update(1)
    v0 = plan0.fun
    left = plan0.schedule.set_index("year")["budget_left"].to_dict() if plan0.feasible else {}
    rows = []
    for n, t in counted(enumerate(prob.horizon), bar):
        d = step if step is not None else (0.1 * base[n] if base[n] > 0 else 1.0)
        b = list(base)
        b[n] += d
        v1 = optimize_portfolio(prob.with_budget(b), time_limit=time_limit, explain=False).fun
        binds = f"budget {t}" in plan0.binding
        why = marginal_note(t, binds, v1 - v0, d, float(left.get(t, np.nan)))
        rows.append(
            {
                "year": t,
                "step": d,
                "value_gain": v1 - v0,
                "per_dollar": (v1 - v0) / d,
                "binding": binds,
                "why": why,
            }
        )
    bar.close()
    return pd.DataFrame(rows)


def portfolio_acceptability(
    problem: ProblemLike,
    criteria: CriteriaLike,
    *,
    samples: int = 200,
    sampler: Sampler = "dirichlet",
    concentration: float = 50.0,
    rng: np.random.Generator | int | None = None,
    scale: float = 100.0,
    time_limit: float | None = 30.0,
    progress: bool | None = None,
) -> pd.DataFrame:
    """How often each project is selected when its value varies under sampled weights.

    ``samples`` weight vectors of the project criteria set are drawn with
    :func:`citymatch.sampling.sample_weights` (``sampler``, ``concentration`` around the
    set's weights, ``rng``); for each, project values are recomputed with
    :func:`score_projects` and the portfolio is re-optimised.  A sample whose solve finds no
    plan selects nothing.  ``progress`` shows a bar on standard error, one step per sample
    (as in :func:`efficient_frontier`).

    Returns
    -------
    DataFrame
        ``id``, ``selected_share`` (selections / samples) and the most frequent ``start`` year
        when selected (the earliest among equally frequent ones; None if never selected),
        sorted by share (stable: problem order among equal shares).
    """
    time_limit = check_time_limit(time_limit)
    prob = load_problem(problem)
    cs = as_criteria(criteria)
    w = sample_weights(
        len(cs.ids),
        samples,
        sampler=sampler,
        base=cs.weights,
        concentration=concentration,
        rng=rng,
        criteria=list(cs.ids),
    )
    starts: dict[str, Counter[int]] = {p.id: Counter() for p in prob.projects}
    with progress_bar(len(w), "portfolio acceptability", progress, unit="solve") as bar:
        for wk in counted(w, bar):
            valued = score_projects(prob, cs, weights=wk, scale=scale)
            plan = optimize_portfolio(valued, time_limit=time_limit, explain=False)
            for pid, y in plan.x.items():
                if y is not None:
                    starts[pid][y] += 1
    rows = [
        {
            "id": pid,
            "selected_share": c.total() / len(w),
            "start": min(c, key=lambda y: (-c[y], y)) if c else None,
        }
        for pid, c in starts.items()
    ]
    return (
        pd.DataFrame(rows)
        .sort_values("selected_share", ascending=False, kind="stable")
        .reset_index(drop=True)
    )
