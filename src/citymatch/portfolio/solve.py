"""Solving the programme with :func:`scipy.optimize.milp` (HiGHS) and the :class:`Plan` it gives.

Statuses are scipy's codes, named (:class:`PlanStatus`): ``OPTIMAL`` (0) is the only success;
``TIME_LIMIT`` (1) keeps the best plan found, if any, with its gap; ``INFEASIBLE`` (2) comes
with the conflicting rules; ``UNBOUNDED`` (3, impossible here: every variable is in [0, 1]);
``OTHER`` (4): any other HiGHS outcome, also a HiGHS *model error* that scipy reports with
code 2 (:func:`plan_status`), its message kept.  Constraint rows are scaled to coefficients in
[-1, 1] before the solve (:func:`scale_rows`), so large or tiny costs are solved exactly.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from types import MappingProxyType

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from .._display import html_table
from .._validate import check_time_limit
from ..errors import CitymatchValueError, PortfolioError
from . import explain as ex
from .model import Model, Row, build, complete_z, matrix
from .problem import ProblemLike, load_problem
from .values import fill_values

__all__ = [
    "INFEASIBLE",
    "OPTIMAL",
    "OTHER",
    "TIME_LIMIT",
    "UNBOUNDED",
    "MilpOutcome",
    "Plan",
    "PlanStatus",
    "optimize_portfolio",
    "plan_status",
    "run_milp",
    "scale_rows",
]

F64 = NDArray[np.float64]


class PlanStatus(IntEnum):
    """Outcome of a solve; the values are :func:`scipy.optimize.milp`'s status codes."""

    OPTIMAL = 0  #: proven optimal (within ``gap``): ``success``
    TIME_LIMIT = (
        1  #: stopped by the time (or iteration) limit; ``x`` is the best plan found, if any
    )
    INFEASIBLE = 2  #: no plan satisfies every rule; see ``conflicts``
    UNBOUNDED = 3  #: cannot happen for a portfolio (every variable is in [0, 1])
    OTHER = 4  #: any other solver outcome; see ``message``


OPTIMAL = PlanStatus.OPTIMAL
TIME_LIMIT = PlanStatus.TIME_LIMIT
INFEASIBLE = PlanStatus.INFEASIBLE
UNBOUNDED = PlanStatus.UNBOUNDED
OTHER = PlanStatus.OTHER

_CODES = frozenset(int(s) for s in PlanStatus)


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns))


@dataclass(frozen=True, repr=False, eq=False)
class Plan:
    """The outcome of a portfolio optimisation (scipy-style status fields, an explanation).

    Attributes
    ----------
    status : PlanStatus
        ``OPTIMAL`` (0), ``TIME_LIMIT`` (1), ``INFEASIBLE`` (2), ``UNBOUNDED`` (3) or ``OTHER``
        (4): :func:`scipy.optimize.milp`'s codes, an ``IntEnum`` (compares equal to the int).
    success : bool
        True only when a proven optimal plan was found (``status == OPTIMAL``).  A time-out
        is not a success, even with a plan.
    feasible : bool
        True when ``x`` holds a plan that satisfies every rule: optimal, or the best found
        before the time limit.  False for the LP relaxation, an infeasible problem and a
        time-out before any plan was found.
    message : str
        The solver's message.
    x : mapping
        Project id → start year (None if not selected), read-only.  All None when no plan
        was found.
    fun : float
        Total (discounted) value of the plan in ``x`` (the LP bound when ``relaxed``); NaN
        when no plan was found (infeasible, or a time-out before the first plan).
    gap : float
        Relative optimality gap reported by HiGHS: at most the requested ``gap`` when
        ``OPTIMAL``, > 0 for a plan found before the time limit, NaN when no plan was found.
    selected : DataFrame
        A copy: the selected projects (id, title, partners, start, end, value, total cost).
    schedule : DataFrame
        A copy: per year, the active projects, new starts, budget used/left, staff used/left,
        active agreements (existing + new partners).  No rows when no plan was found.
    binding : tuple of str
        Rules with no slack at the plan.
    notes : tuple of str
        Conventions that cost the plan value, in words (the new-projects-per-year rule when
        switching it off would give a better plan; see
        :func:`citymatch.portfolio.explain.new_per_year_note`).
    left_out : DataFrame
        A copy: id and the reason each unselected project is out (e.g. "would exceed the
        2027 budget by $120,000").
    conflicts : tuple of str
        When infeasible: a small set of rules that cannot hold together.
    relaxed : bool
        True for the LP relaxation (fractional ``x_fraction``), which is a bound, not a plan.
    x_fraction : mapping
        LP relaxation: project id → the fraction selected (over its start years), read-only.

    Notes
    -----
    Every field is immutable or copied: ``x`` and ``x_fraction`` are read-only mappings, the
    tables are copied on the way in and on every access, so no caller can change a plan.
    """

    status: PlanStatus
    message: str
    x: Mapping[str, int | None]
    fun: float
    gap: float
    binding: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    relaxed: bool = False
    x_fraction: Mapping[str, float] = field(default_factory=dict)
    _selected: pd.DataFrame = field(default_factory=lambda: _empty(ex.SELECTED_COLUMNS))
    _schedule: pd.DataFrame = field(default_factory=lambda: _empty(ex.SCHEDULE_COLUMNS))
    _left_out: pd.DataFrame = field(default_factory=lambda: _empty(ex.LEFT_OUT_COLUMNS))

    def __post_init__(self) -> None:
        fix = {
            "status": PlanStatus(self.status),
            "x": MappingProxyType(dict(self.x)),
            "x_fraction": MappingProxyType(dict(self.x_fraction)),
            "binding": tuple(self.binding),
            "conflicts": tuple(self.conflicts),
            "notes": tuple(self.notes),
            "_selected": self._selected.copy(),
            "_schedule": self._schedule.copy(),
            "_left_out": self._left_out.copy(),
        }
        for name, value in fix.items():
            object.__setattr__(self, name, value)

    @property
    def success(self) -> bool:
        """True only when a proven optimal plan was found."""
        return self.status == OPTIMAL

    @property
    def feasible(self) -> bool:
        """True when ``x`` holds a plan satisfying every rule (optimal or best found in time)."""
        return not self.relaxed and self.status in (OPTIMAL, TIME_LIMIT) and math.isfinite(self.fun)

    @property
    def selected(self) -> pd.DataFrame:
        """The selected projects (a copy)."""
        return self._selected.copy()

    @property
    def schedule(self) -> pd.DataFrame:
        """The plan year by year (a copy)."""
        return self._schedule.copy()

    @property
    def left_out(self) -> pd.DataFrame:
        """Why each unselected project is out (a copy)."""
        return self._left_out.copy()

    def to_frame(self) -> pd.DataFrame:
        """The selected projects (a copy)."""
        return self.selected

    def explain(self) -> str:
        """A readable explanation of the plan, of the infeasibility, or of a time-out."""
        if self.status == INFEASIBLE:
            return "No plan satisfies all constraints. These conflict:\n" + "\n".join(
                f"- {c}" for c in self.conflicts
            )
        if self.relaxed:
            return f"LP relaxation (a bound, not a plan): value {self.fun:,.4g} ({self.message})."
        if not self.feasible:
            return f"No plan was found ({self.status.name}): {self.message}"
        head = f"{len(self._selected)} projects selected, total value {self.fun:,.4g}"
        if self.status == TIME_LIMIT:
            head = (
                f"Time limit reached: the best plan found is not proven optimal (gap {self.gap:.2%}). "
                + head
            )
        lines = [f"{head} ({self.message}).", *self.notes]
        if self.binding:
            lines.append("Binding constraints: " + "; ".join(self.binding) + ".")
        lines += [f"- {r.id} left out: {r.reason}" for r in self._left_out.itertuples(index=False)]
        return "\n".join(lines)

    def __repr__(self) -> str:
        if self.status == INFEASIBLE:
            return f"Plan(infeasible; conflicts: {'; '.join(self.conflicts)})"
        if self.relaxed:
            return f"Plan(LP relaxation, status={self.status.name}, bound={self.fun:.6g})"
        if not self.feasible:
            return f"Plan(status={self.status.name}, no plan found)"
        chosen = ", ".join(f"{k}@{v}" for k, v in self.x.items() if v is not None)
        return (
            f"Plan(status={self.status.name}, value={self.fun:.6g}, gap={self.gap:.2g}; {chosen})"
        )

    def _repr_html_(self) -> str:
        return html_table(self._schedule, repr(self), max_rows=60)


@dataclass(frozen=True)
class MilpOutcome:
    """What one HiGHS run returned: status, message, point (None if none), objective, gap."""

    status: PlanStatus
    message: str
    x: F64 | None
    fun: float
    gap: float


def run_milp(
    model: Model,
    rows: Sequence[Row] | None = None,
    *,
    objective: bool = True,
    relax: bool = False,
    time_limit: float | None = None,
    gap: float = 1e-9,
) -> MilpOutcome:
    """Maximise the model's value (or find any point: ``objective=False``) under ``rows``.

    ``rows`` defaults to every row of the model; ``relax`` drops integrality (LP relaxation).
    A model without variables (every project excluded or without an allowed start) is
    decided here: HiGHS needs at least one variable.
    """
    rows = model.rows if rows is None else rows
    if model.nvar == 0:
        if all(r.lo <= 0 <= r.hi for r in rows):
            return MilpOutcome(OPTIMAL, "Optimal: no project can start.", np.zeros(0), 0.0, 0.0)
        return MilpOutcome(INFEASIBLE, "Infeasible: no project can start.", None, math.nan, 0.0)
    c = np.zeros(model.nvar)
    if objective:
        c[: model.n_x] = -model.objective
    integrality = np.zeros(model.nvar)
    if not relax:
        integrality[: model.n_x] = 1
    a = model.a if rows is model.rows else matrix(rows, model.nvar)
    constraints = []
    if rows:
        check_row_ranges(rows)
        a, lo, hi = scale_rows(a, np.array([r.lo for r in rows]), np.array([r.hi for r in rows]))
        constraints = [LinearConstraint(a, lo, hi)]
    c_scale = float(np.max(np.abs(c), initial=0.0)) or 1.0  # the same argmax, values near 1
    options: dict[str, float | bool] = {"mip_rel_gap": gap, "presolve": True}
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    res = milp(
        c / c_scale,
        integrality=integrality,
        bounds=Bounds(0, 1),
        constraints=constraints,
        options=options,
    )
    status = plan_status(int(res.status), str(res.message))
    x = None if res.x is None else np.asarray(res.x, dtype=np.float64)
    fun = float("nan") if res.fun is None else float(-res.fun) * c_scale
    reported = getattr(res, "mip_gap", None)
    return MilpOutcome(status, str(res.message), x, fun, float(reported or 0.0))


def plan_status(code: int, message: str) -> PlanStatus:
    """The :class:`PlanStatus` of a scipy ``milp`` result, for what it is.

    scipy reports a HiGHS *model error* (e.g. coefficients HiGHS cannot handle) with status
    2 like a proven infeasibility; only a message saying "infeasible" is INFEASIBLE here,
    anything else with code 2 is OTHER (the HiGHS message stays in ``Plan.message``).
    """
    if code not in _CODES:
        return OTHER
    if code == INFEASIBLE and "infeasible" not in message.lower():
        return OTHER
    return PlanStatus(code)


#: Ratio of |coefficients| within one constraint row the solve refuses (it accepts ratios below
#: it).  After row scaling the smallest coefficient is 1/ratio; HiGHS's MIP feasibility
#: tolerance (1e-6) must not swallow it, or one small cost could be spent beyond a budget
#: unseen (at a ratio of exactly 1e6 it is: costs 1 and 1e6 both fit a budget of 1e6).
MAX_ROW_RANGE = 1e6


def check_row_ranges(rows: Sequence[Row]) -> None:
    """Refuse a constraint whose non-zero coefficients span :data:`MAX_ROW_RANGE` or more."""
    for row in rows:
        mags = [abs(v) for v in row.coefs.values() if v != 0]
        if len(mags) > 1 and max(mags) >= MAX_ROW_RANGE * min(mags):
            unit = f" {row.unit}" if row.unit else ""
            raise PortfolioError(
                f"constraint {row.name!r} mixes coefficients from {min(mags):g} to {max(mags):g}"
                f"{unit} (ratio {max(mags) / min(mags):.3g}); the solver resolves only ratios below "
                f"{MAX_ROW_RANGE:g} within one constraint (its MIP feasibility tolerance is 1e-6): "
                "round negligible amounts to 0 or express them in larger units."
            )


def scale_rows(a: sparse.csr_array, lo: F64, hi: F64) -> tuple[sparse.csr_array, F64, F64]:
    """Each constraint row and its bounds divided by the row's largest |coefficient|.

    The feasible set is unchanged, but HiGHS sees coefficients in [-1, 1]: costs of 1e15
    against a budget of 2e15 (beyond its 1e20 "infinite" bound after presolve, or below its
    feasibility tolerance 1e-7 for costs of 1e-9) are solved exactly as costs of 1 and 2.
    """
    a = sparse.csr_array(a, dtype=np.float64)
    counts = np.diff(a.indptr)
    big = np.ones(a.shape[0])
    filled = counts > 0
    if a.data.size:
        big[filled] = np.maximum.reduceat(np.abs(a.data), a.indptr[:-1][filled])
    big[big <= 0] = 1.0
    scaled = sparse.csr_array((a.data / np.repeat(big, counts), a.indices, a.indptr), shape=a.shape)
    return scaled, lo / big, hi / big


def check_options(time_limit: object, gap: object) -> float | None:
    """The solve options checked: ``time_limit`` in seconds (None or inf: none), ``gap``."""
    seconds = check_time_limit(time_limit)
    if isinstance(gap, bool) or not isinstance(gap, (int, float)) or not (0 <= gap < 1):
        raise CitymatchValueError(f"`gap` must be in [0, 1); got {gap!r}.")
    return seconds


def optimize_portfolio(
    problem: ProblemLike,
    *,
    time_limit: float | None = 60.0,
    gap: float = 1e-9,
    relax: bool = False,
    explain: bool = True,
) -> Plan:
    """Choose the projects and start years of greatest total value that satisfy every constraint.

    Parameters
    ----------
    problem : PortfolioProblem, mapping or path
        A model, a mapping, or a JSON/TOML file validated into one.  Missing project values
        are computed from the problem's ``value_criteria`` (see :func:`score_projects`).
    time_limit : float, optional
        Seconds for HiGHS (default 60; None or ``inf``: no limit), shared by every HiGHS call
        of the solve (the plan, then the conflict search of an infeasible problem); on expiry
        the plan has ``status=TIME_LIMIT``, ``success=False`` and the best plan found (if any)
        with its gap.
    gap : float, default 1e-9
        Relative optimality gap at which HiGHS stops (1e-9: proven optimal).
    relax : bool, default False
        Solve the LP relaxation instead (an upper bound; fractional ``x_fraction``).
    explain : bool, default True
        Compute the left-out reasons (one constraint evaluation per project and start year).

    Returns
    -------
    Plan
        An infeasible problem is a status (``INFEASIBLE``) with ``conflicts``, not an exception.

    Raises
    ------
    PortfolioError
        Invalid problem, or a project without a value and no ``value_criteria``.
    CitymatchValueError
        ``time_limit`` not positive (or NaN), ``gap`` outside [0, 1).
    CitymatchTypeError
        ``time_limit`` not a number (a string, a bool).

    Examples
    --------
    >>> import citymatch
    >>> plan = citymatch.optimize_portfolio({
    ...     "start_year": 2026, "years": 1, "budget": 14, "new_per_year_min": None,
    ...     "new_per_year_max": None,
    ...     "projects": [{"id": f"P{i}", "value": v, "cost": c}
    ...                  for i, (v, c) in enumerate([(16, 5), (22, 7), (12, 4), (8, 3)], 1)]})
    >>> plan.success, plan.fun, sorted(k for k, v in plan.x.items() if v)
    (True, 42.0, ['P2', 'P3', 'P4'])
    """
    time_limit = check_options(time_limit, gap)
    deadline = None if time_limit is None else time.monotonic() + time_limit
    model = build(fill_values(load_problem(problem)))
    left = None
    if time_limit is not None and deadline is not None:  # the build took some of it
        left = min(float(time_limit), max(deadline - time.monotonic(), 1e-9))
    out = run_milp(model, relax=relax, time_limit=left, gap=gap)
    ids = [p.id for p in model.problem.projects]
    if out.x is None:
        found: tuple[str, ...] = ()
        if out.status == INFEASIBLE:

            def infeasible(rows: Sequence[Row]) -> bool:
                # the one time limit covers every HiGHS call of this solve: each gets the
                # time left; past it a group is kept (the set stays infeasible, maybe larger)
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                return run_milp(model, rows, objective=False, time_limit=left).status == INFEASIBLE

            found = ex.conflicts(model, infeasible)
        return Plan(
            out.status, out.message, dict.fromkeys(ids), math.nan, math.nan, conflicts=found
        )
    if relax:
        frac = dict.fromkeys(ids, 0.0)
        for k, (i, _y) in enumerate(model.xvars):
            frac[ids[i]] += float(out.x[k])
        return Plan(
            out.status, out.message, dict.fromkeys(ids), out.fun, 0.0, relaxed=True, x_fraction=frac
        )

    def best_without(rows: Sequence[Row]) -> float:  # the same solve, some rules dropped
        left = None if deadline is None else max(deadline - time.monotonic(), 1e-9)
        res = run_milp(model, rows, time_limit=left, gap=gap)
        return res.fun if res.status == OPTIMAL else math.nan  # no note from a time-out

    return _plan(model, out, out.x, explain=explain, best_without=best_without)


def _plan(
    model: Model,
    out: MilpOutcome,
    point: F64,
    *,
    explain: bool,
    best_without: Callable[[Sequence[Row]], float] | None = None,
) -> Plan:
    """The plan at the solver's (integral) ``point``, with its tables and explanations.

    With ``explain`` and ``best_without`` (an optimal plan), a note says when the
    new-projects-per-year rule costs value (one more solve, only when that rule binds).
    """
    v = np.array(point, dtype=np.float64)
    v[: model.n_x] = np.round(v[: model.n_x])
    v = complete_z(model, v)
    x: dict[str, int | None] = {p.id: None for p in model.problem.projects}
    for k, (i, y) in enumerate(model.xvars):
        if v[k] > 0.5:
            x[model.problem.projects[i].id] = y
    left = ex.left_out(model, v, proven=out.status == OPTIMAL) if explain else None
    fun = float(model.objective @ v[: model.n_x])
    note = None
    if explain and best_without is not None and out.status == OPTIMAL:
        note = ex.new_per_year_note(model, v, fun, best_without)
    return Plan(
        out.status,
        out.message,
        x,
        fun,
        out.gap,
        binding=ex.binding(model, v),
        notes=(note,) if note else (),
        _selected=ex.selection(model, x),
        _schedule=ex.schedule(model, x),
        _left_out=left if left is not None else _empty(ex.LEFT_OUT_COLUMNS),
    )
