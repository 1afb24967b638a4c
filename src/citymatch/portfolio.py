"""Portfolio optimiser: the projects (and start years) that fit the budget, staff and cap, exactly.

The problem is a 0/1 programme: binary ``x[p, y]`` = project p starts in year y.  Project p is
active in year t when it started in ``t − duration + 1 … t``; its cost and staff in year t are
those of project year ``t − y``.  The cap on active agreements counts distinct partners with an
active project (continuous ``z[q, t] ≥ active[p, t]`` for every project p of partner q) plus
the existing agreements still in force.  The programme is solved with
:func:`scipy.optimize.milp` (HiGHS): exact, with a time limit and a reported optimality gap.
A single-year problem with one budget row is the plain 0/1 knapsack; fixed starts with a cost
list per year give multi-period capital budgeting.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from pydantic import ValidationError
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from ._display import html_table
from .errors import CitymatchTypeError, CitymatchValueError, PortfolioError
from .models._base import format_validation_error
from .models.portfolio import PortfolioProblem, Project

__all__ = [
    "Plan",
    "PortfolioError",
    "efficient_frontier",
    "load_problem",
    "marginal_value",
    "optimize_portfolio",
    "portfolio_acceptability",
    "score_projects",
    "with_partner_scores",
]

F64 = NDArray[np.float64]


# --------------------------------------------------------------------------- loading
def load_problem(problem: PortfolioProblem | Mapping[str, Any] | str | Path) -> PortfolioProblem:
    """A :class:`PortfolioProblem` from a model, a dict, or a JSON/TOML path.

    Raises
    ------
    PortfolioError
        Invalid problem; the message names the file (if any), the field path and the value.
    """
    if isinstance(problem, PortfolioProblem):
        return problem
    where = "portfolio problem"
    if isinstance(problem, (str, Path)):
        path = Path(problem)
        where = f"portfolio problem {str(path)!r}"
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise PortfolioError(f"{where} cannot be read: {exc.strerror}.") from exc
        try:
            data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
        except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
            raise PortfolioError(
                f"{where} is not valid {path.suffix[1:].upper() or 'TOML'}: {exc}."
            ) from exc
    elif isinstance(problem, Mapping):
        data = dict(problem)
    else:
        raise CitymatchTypeError(
            f"`problem` must be a PortfolioProblem, a dict or a JSON/TOML path; got {type(problem).__name__}."
        )
    try:
        return PortfolioProblem.model_validate(data)
    except ValidationError as exc:
        raise PortfolioError(format_validation_error(exc, where)) from exc


# --------------------------------------------------------------------------- the model
@dataclass
class _Row:
    name: str  # human-readable, e.g. "budget 2027"
    group: str  # diagnosis unit
    kind: str  # budget, staff, min_new, max_new, cap, mandatory, requires, exclusive, partner, rule, once
    coefs: dict[int, float]
    lo: float
    hi: float
    year: int | None = None
    unit: str = ""


@dataclass
class _Model:
    problem: PortfolioProblem
    xvars: list[tuple[int, int]]  # (project index, start year)
    zvars: list[tuple[str, int]]  # (partner, year)
    objective: F64
    rows: list[_Row]
    existing: dict[int, int]  # year → existing agreements in force

    @property
    def nvar(self) -> int:
        return len(self.xvars) + len(self.zvars)


def _values(problem: PortfolioProblem) -> list[float]:
    out = []
    for p in problem.projects:
        if p.value is None:
            raise PortfolioError(
                f"project {p.id!r} has no `value`: give one, or compute values with score_projects()."
            )
        out.append(float(p.value))
    return out


def _active(p: Project, y: int, t: int) -> bool:
    return y <= t < y + p.duration


def _build(problem: PortfolioProblem) -> _Model:
    values = _values(problem)
    years = problem.horizon
    xvars = [(i, y) for i, p in enumerate(problem.projects) for y in problem.start_years(p)]
    xi = {v: k for k, v in enumerate(xvars)}
    by_project: dict[int, list[int]] = {}
    for k, (i, _y) in enumerate(xvars):
        by_project.setdefault(i, []).append(k)
    r = problem.discount_rate
    objective = np.array([values[i] * (1 + r) ** -(y - problem.start_year) for i, y in xvars])
    rows: list[_Row] = []
    ids = [p.id for p in problem.projects]

    def active_coefs(i: int, t: int) -> dict[int, float]:
        p = problem.projects[i]
        return {xi[(i, y)]: 1.0 for y in problem.start_years(p) if _active(p, y, t)}

    for i, p in enumerate(problem.projects):
        ks = by_project.get(i, [])
        rows.append(
            _Row(
                f"{p.id} selected at most once", "structural", "once", dict.fromkeys(ks, 1.0), 0, 1
            )
        )
        if p.mandatory:
            rows.append(
                _Row(
                    f"{p.id} is mandatory",
                    f"mandatory {p.id}",
                    "mandatory",
                    dict.fromkeys(ks, 1.0),
                    1,
                    np.inf,
                )
            )

    for name, unit in (("budget", "$"), ("staff", "FTE")):
        lim = problem.limit(name)  # type: ignore[arg-type]
        if lim is None:
            continue
        for t, cap in zip(years, lim, strict=True):
            coefs: dict[int, float] = {}
            for k, (i, y) in enumerate(xvars):
                p = problem.projects[i]
                if _active(p, y, t):
                    amount = (p.cost_by_year() if name == "budget" else p.staff_by_year())[t - y]
                    if amount:
                        coefs[k] = amount
            rows.append(_Row(f"{name} {t}", f"{name} {t}", name, coefs, -np.inf, cap, t, unit))

    for t in years:
        starts = {k: 1.0 for k, (_i, y) in enumerate(xvars) if y == t}
        if problem.new_per_year_min:
            rows.append(
                _Row(
                    f"at least {problem.new_per_year_min} new projects in {t}",
                    f"min new {t}",
                    "min_new",
                    starts,
                    problem.new_per_year_min,
                    np.inf,
                    t,
                )
            )
        if problem.new_per_year_max is not None:
            rows.append(
                _Row(
                    f"at most {problem.new_per_year_max} new projects in {t}",
                    f"max new {t}",
                    "max_new",
                    starts,
                    -np.inf,
                    problem.new_per_year_max,
                    t,
                )
            )

    zvars: list[tuple[str, int]] = []
    existing: dict[int, int] = {}
    for t in years:
        existing[t] = sum(
            1 for last in problem.existing_agreements.values() if last is None or last >= t
        )
    if problem.agreement_cap is not None or problem.one_project_per_partner:
        partners = sorted({q for p in problem.projects for q in p.partners})
        for t in years:
            in_force = {
                q for q, last in problem.existing_agreements.items() if last is None or last >= t
            }
            zs: dict[int, float] = {}
            for q in partners:
                members = [i for i, p in enumerate(problem.projects) if q in p.partners]
                act = [active_coefs(i, t) for i in members]
                if problem.one_project_per_partner:
                    merged: dict[int, float] = {}
                    for a in act:
                        merged.update(a)
                    if len(merged) > 1:
                        rows.append(
                            _Row(
                                f"one active project with {q} in {t}",
                                f"one per partner {q} {t}",
                                "partner",
                                merged,
                                -np.inf,
                                1,
                                t,
                            )
                        )
                counted = q not in in_force and q not in problem.cap_exempt
                if problem.agreement_cap is not None and counted and any(act):
                    zk = len(xvars) + len(zvars)
                    zvars.append((q, t))
                    zs[zk] = 1.0
                    for a in act:
                        if a:  # z[q, t] ≥ active[p, t]
                            rows.append(
                                _Row(
                                    f"{q} counted in {t}",
                                    "structural",
                                    "link",
                                    {**{k: 1.0 for k in a}, zk: -1.0},
                                    -np.inf,
                                    0,
                                    t,
                                )
                            )
            if problem.agreement_cap is not None:
                room = problem.agreement_cap - existing[t]
                rows.append(
                    _Row(
                        f"agreement cap {t} (cap {problem.agreement_cap}; {existing[t]} existing)",
                        f"cap {t}",
                        "cap",
                        zs,
                        -np.inf,
                        max(0, room),
                        t,
                    )
                )

    for b, reqs in problem.dependencies.items():
        ib = ids.index(b)
        for req in reqs:
            ia = ids.index(req)
            coefs = dict.fromkeys(by_project.get(ib, []), 1.0)
            for k in by_project.get(ia, []):
                coefs[k] = coefs.get(k, 0.0) - 1.0
            rows.append(
                _Row(f"{b} requires {req}", f"requires {b}→{req}", "requires", coefs, -np.inf, 0)
            )
    for g in problem.exclusive:
        coefs = {k: 1.0 for pid in g for k in by_project.get(ids.index(pid), [])}
        rows.append(
            _Row(
                f"at most one of {', '.join(g)}",
                f"exclusive {'/'.join(g)}",
                "exclusive",
                coefs,
                -np.inf,
                1,
            )
        )

    for rule in problem.rules:
        if rule.tag is not None:
            groups = {rule.tag: [i for i, p in enumerate(problem.projects) if rule.tag in p.tags]}
        else:
            regions = sorted({p.region for p in problem.projects if p.region is not None})
            groups = {
                reg: [i for i, p in enumerate(problem.projects) if p.region == reg]
                for reg in regions
            }
        lo = rule.min if rule.min is not None else -np.inf
        hi = rule.max if rule.max is not None else np.inf
        for label, members in groups.items():
            if rule.scope == "total":
                coefs = {k: 1.0 for i in members for k in by_project.get(i, [])}
                rows.append(
                    _Row(
                        f"rule {rule.id} ({label})",
                        f"rule {rule.id} {label}",
                        "rule",
                        coefs,
                        lo,
                        hi,
                    )
                )
                continue
            for t in years:
                if rule.scope == "starts":
                    coefs = {
                        k: 1.0 for i in members for k in by_project.get(i, []) if xvars[k][1] == t
                    }
                else:
                    coefs = {k: v for i in members for k, v in active_coefs(i, t).items()}
                rows.append(
                    _Row(
                        f"rule {rule.id} ({label}) {t}",
                        f"rule {rule.id} {label} {t}",
                        "rule",
                        coefs,
                        lo,
                        hi,
                        t,
                    )
                )
    return _Model(problem, xvars, zvars, objective, rows, existing)


def _matrix(model: _Model, rows: Sequence[_Row]) -> sparse.csr_array:
    data, ri, ci = [], [], []
    for r, row in enumerate(rows):
        for k, v in row.coefs.items():
            data.append(v)
            ri.append(r)
            ci.append(k)
    return sparse.csr_array((data, (ri, ci)), shape=(len(rows), model.nvar))


def _solve(
    model: _Model,
    rows: Sequence[_Row],
    *,
    objective: bool = True,
    relax: bool = False,
    time_limit: float | None = None,
    gap: float = 1e-9,
) -> Any:
    n = model.nvar
    c = np.zeros(n)
    if objective:
        c[: len(model.xvars)] = -model.objective
    integrality = np.zeros(n)
    if not relax:
        integrality[: len(model.xvars)] = 1
    kw: dict[str, Any] = {}
    if rows:
        kw["constraints"] = LinearConstraint(
            _matrix(model, rows), [r.lo for r in rows], [r.hi for r in rows]
        )
    options: dict[str, Any] = {"mip_rel_gap": gap, "presolve": True}
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    return milp(c, integrality=integrality, bounds=Bounds(0, 1), options=options, **kw)


# --------------------------------------------------------------------------- the plan
@dataclass(frozen=True, repr=False, eq=False)
class Plan:
    """The optimal portfolio (scipy-style status fields and an explanation).

    Attributes
    ----------
    status : int
        0 optimal; 1 time limit reached (``x`` is the best plan found, see ``gap``);
        2 infeasible; 3 unbounded; 4 other (scipy.optimize.milp codes).
    success : bool
    message : str
    x : dict
        Project id → start year (None if not selected).
    fun : float
        Total (discounted) value of the selected projects.
    gap : float
        Relative optimality gap reported by HiGHS (0 when proven optimal).
    selected : DataFrame
        Selected projects: id, title, partners, start, end, value, total cost.
    schedule : DataFrame
        Per year: active projects, new starts, budget used/left, staff used/left, active
        agreements (existing + new partners).
    binding : list of str
        Constraints with no slack at the plan.
    left_out : DataFrame
        id and the reason each unselected project is out (e.g. "would exceed the 2027 budget
        by $120,000").
    conflicts : list of str
        When infeasible: a small set of constraints that cannot hold together.
    relaxed : bool
        True for the LP relaxation (fractional ``x_fraction``), which is a bound, not a plan.
    """

    status: int
    success: bool
    message: str
    x: dict[str, int | None]
    fun: float
    gap: float
    selected: pd.DataFrame
    schedule: pd.DataFrame
    binding: list[str]
    left_out: pd.DataFrame
    conflicts: list[str] = field(default_factory=list)
    relaxed: bool = False
    x_fraction: dict[str, float] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The selected projects (a copy)."""
        return self.selected.copy()

    def explain(self) -> str:
        """A readable explanation of the plan (or of the infeasibility)."""
        if self.status == 2:
            return "No plan satisfies all constraints. These conflict:\n" + "\n".join(
                f"- {c}" for c in self.conflicts
            )
        lines = [
            f"{len(self.selected)} projects selected, total value {self.fun:,.4g} ({self.message})."
        ]
        if self.binding:
            lines.append("Binding constraints: " + "; ".join(self.binding) + ".")
        for r in self.left_out.itertuples(index=False):
            lines.append(f"- {r.id} left out: {r.reason}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        if self.status == 2:
            return f"Plan(infeasible; conflicts: {'; '.join(self.conflicts)})"
        chosen = ", ".join(f"{k}@{v}" for k, v in self.x.items() if v is not None)
        return f"Plan(status={self.status}, value={self.fun:.6g}, gap={self.gap:.2g}; {chosen})"

    def _repr_html_(self) -> str:
        return html_table(self.schedule, repr(self), max_rows=60)


def _activity(model: _Model, rows: Sequence[_Row], v: F64) -> F64:
    return np.asarray(_matrix(model, rows) @ v) if rows else np.zeros(0)


def _complete_z(model: _Model, v: F64) -> F64:
    """Set each z[q, t] to max over q's projects of active[p, t] (the minimum feasible value)."""
    v = v.copy()
    n_x = len(model.xvars)
    for k, (q, t) in enumerate(model.zvars):
        best = 0.0
        for kx, (i, y) in enumerate(model.xvars):
            p = model.problem.projects[i]
            if q in p.partners and _active(p, y, t):
                best = max(best, v[kx])
        v[n_x + k] = best
    return v


def _reason(model: _Model, row: _Row, activity: float) -> str:
    over = activity - row.hi
    if row.kind == "budget":
        return f"would exceed the {row.year} budget by ${over:,.0f}"
    if row.kind == "staff":
        return f"would exceed {row.year} staff by {over:.3g} FTE"
    if row.kind == "max_new":
        return f"{row.year} already has {int(row.hi)} new projects (the maximum)"
    if row.kind == "cap":
        return f"partner cap reached in {row.year} ({row.name.split('(', 1)[1].rstrip(')')})"
    if row.kind == "partner":
        return f"{row.name.replace('one active project with', 'partner')} already has an active project"
    if row.kind == "exclusive":
        return f"{row.name} (another is selected)"
    if row.kind == "requires":
        return f"{row.name}, which is not selected"
    return f"{row.name} would be broken"


def _explain_left_out(model: _Model, rows: Sequence[_Row], v: F64) -> pd.DataFrame:
    out = []
    base_starts = {
        model.problem.projects[i].id for k, (i, _y) in enumerate(model.xvars) if v[k] > 0.5
    }
    for i, p in enumerate(model.problem.projects):
        if p.id in base_starts:
            continue
        if p.excluded:
            out.append({"id": p.id, "reason": "excluded by flag"})
            continue
        ks = [k for k, (ii, _y) in enumerate(model.xvars) if ii == i]
        if not ks:
            out.append({"id": p.id, "reason": "no allowed start year within the horizon"})
            continue
        best: list[str] | None = None
        when = model.xvars[ks[0]][1]
        for k in ks:
            trial = v.copy()
            trial[k] = 1.0
            trial = _complete_z(model, trial)
            act = _activity(model, rows, trial)
            bad = [
                _reason(model, row, a)
                for row, a in zip(rows, act, strict=True)
                if row.kind not in ("once", "link", "min_new", "mandatory")
                and (a > row.hi + 1e-7 or a < row.lo - 1e-7)
            ]
            if best is None or len(bad) < len(best):
                best = bad
                when = model.xvars[k][1]
        assert best is not None
        if not best:
            value = float(model.objective[ks].max())
            text = (
                "its value is not positive"
                if value <= 0
                else "fits on its own, but a higher-value combination uses the same resources"
            )
            out.append({"id": p.id, "reason": text})
        else:
            prefix = f"starting {when}: " if len(ks) > 1 else ""
            out.append({"id": p.id, "reason": prefix + "; ".join(best)})
    return pd.DataFrame(out, columns=["id", "reason"])


def _diagnose(model: _Model, time_limit: float | None) -> list[str]:
    """Deletion filter over constraint groups: a minimal set that is infeasible together."""
    structural = [r for r in model.rows if r.group == "structural"]
    groups: dict[str, list[_Row]] = {}
    for r in model.rows:
        if r.group != "structural":
            groups.setdefault(r.group, []).append(r)
    keep = list(groups)
    for g in list(keep):
        trial = [g2 for g2 in keep if g2 != g]
        rows = structural + [r for g2 in trial for r in groups[g2]]
        res = _solve(model, rows, objective=False, time_limit=time_limit)
        if res.status == 2:  # still infeasible without g: g is not needed
            keep = trial
    names = []
    for g in keep:
        rs = groups[g]
        label = rs[0].name if len(rs) == 1 else g
        if rs[0].kind == "mandatory" and not rs[0].coefs:
            label += " (but it has no allowed start year)"
        names.append(label)
    return names


def optimize_portfolio(
    problem: PortfolioProblem | Mapping[str, Any] | str | Path,
    *,
    time_limit: float | None = 60.0,
    gap: float = 1e-9,
    relax: bool = False,
    explain: bool = True,
) -> Plan:
    """Choose the projects and start years of greatest total value that satisfy every constraint.

    Parameters
    ----------
    problem : PortfolioProblem, dict or path
        A model, a dict, or a JSON/TOML file validated into one.
    time_limit : float, optional
        Seconds for HiGHS (default 60); on expiry the best plan found is returned with
        ``status=1`` and its gap.
    gap : float, default 1e-9
        Relative optimality gap at which HiGHS stops (1e-9: proven optimal).
    relax : bool, default False
        Solve the LP relaxation instead (an upper bound; fractional ``x_fraction``).
    explain : bool, default True
        Compute the left-out reasons (one constraint evaluation per project and start year).

    Returns
    -------
    Plan
        An infeasible problem is a status (2) with ``conflicts``, not an exception.

    Examples
    --------
    >>> import citymatch
    >>> plan = citymatch.optimize_portfolio({
    ...     "start_year": 2026, "years": 1, "budget": 14, "new_per_year_min": None,
    ...     "new_per_year_max": None,
    ...     "projects": [{"id": f"P{i}", "value": v, "cost": c}
    ...                  for i, (v, c) in enumerate([(16, 5), (22, 7), (12, 4), (8, 3)], 1)]})
    >>> plan.fun, sorted(k for k, v in plan.x.items() if v)
    (42.0, ['P2', 'P3', 'P4'])
    """
    prob = load_problem(problem)
    if prob.value_criteria is not None and any(p.value is None for p in prob.projects):
        prob = score_projects(prob, prob.value_criteria)
    if time_limit is not None and not (time_limit > 0):
        raise CitymatchValueError(
            f"`time_limit` must be positive seconds or None; got {time_limit!r}."
        )
    if not (0 <= gap < 1):
        raise CitymatchValueError(f"`gap` must be in [0, 1); got {gap!r}.")
    model = _build(prob)
    res = _solve(model, model.rows, relax=relax, time_limit=time_limit, gap=gap)
    ids = [p.id for p in prob.projects]
    empty = pd.DataFrame()
    if res.x is None:
        conflicts = _diagnose(model, time_limit) if res.status == 2 else []
        return Plan(
            int(res.status),
            False,
            str(res.message),
            dict.fromkeys(ids),
            float("nan"),
            float("nan"),
            empty,
            empty,
            [],
            pd.DataFrame(columns=["id", "reason"]),
            conflicts,
            relax,
        )
    v = np.asarray(res.x, dtype=np.float64)
    if relax:
        frac = {pid: 0.0 for pid in ids}
        for k, (i, _y) in enumerate(model.xvars):
            frac[ids[i]] += float(v[k])
        return Plan(
            int(res.status),
            bool(res.success),
            str(res.message),
            dict.fromkeys(ids),
            float(-res.fun),
            0.0,
            empty,
            empty,
            [],
            pd.DataFrame(columns=["id", "reason"]),
            [],
            True,
            frac,
        )
    v[: len(model.xvars)] = np.round(v[: len(model.xvars)])
    v = _complete_z(model, v)
    x: dict[str, int | None] = dict.fromkeys(ids)
    for k, (i, y) in enumerate(model.xvars):
        if v[k] > 0.5:
            x[ids[i]] = y
    selected = []
    for i, p in enumerate(prob.projects):
        start = x[p.id]
        if start is not None:
            y = start
            val = float(
                model.objective[
                    next(k for k, (ii, yy) in enumerate(model.xvars) if ii == i and yy == y)
                ]
            )
            selected.append(
                {
                    "id": p.id,
                    "title": p.title,
                    "partners": ", ".join(p.partners),
                    "start": y,
                    "end": y + p.duration - 1,
                    "value": val,
                    "total_cost": sum(p.cost_by_year()),
                }
            )
    schedule = _schedule(model, x)
    act = _activity(model, model.rows, v)
    binding = [
        row.name
        for row, a in zip(model.rows, act, strict=True)
        if row.kind not in ("once", "link", "partner", "requires")
        and row.coefs
        and (
            (np.isfinite(row.hi) and abs(a - row.hi) <= 1e-7 * max(1.0, abs(row.hi)))
            or (np.isfinite(row.lo) and abs(a - row.lo) <= 1e-7 * max(1.0, abs(row.lo)))
        )
    ]
    left = (
        _explain_left_out(model, model.rows, v)
        if explain
        else pd.DataFrame(columns=["id", "reason"])
    )
    gap_val = float(getattr(res, "mip_gap", 0.0) or 0.0)
    return Plan(
        int(res.status),
        bool(res.success) or res.status == 1,
        str(res.message),
        x,
        float(-res.fun),
        gap_val,
        pd.DataFrame(selected),
        schedule,
        binding,
        left,
    )


def _schedule(model: _Model, x: Mapping[str, int | None]) -> pd.DataFrame:
    prob = model.problem
    budget = prob.limit("budget")
    staff = prob.limit("staff")
    rows = []
    for n, t in enumerate(prob.horizon):
        begun = {p.id: y for p in prob.projects if (y := x[p.id]) is not None}
        active = [p for p in prob.projects if p.id in begun and _active(p, begun[p.id], t)]
        starts = [p.id for p in prob.projects if x[p.id] == t]
        spent = sum(p.cost_by_year()[t - begun[p.id]] for p in active)
        fte = sum(p.staff_by_year()[t - begun[p.id]] for p in active)
        in_force = {q for q, last in prob.existing_agreements.items() if last is None or last >= t}
        partners = {q for p in active for q in p.partners} - in_force - set(prob.cap_exempt)
        rows.append(
            {
                "year": t,
                "active": ", ".join(p.id for p in active),
                "new": ", ".join(starts),
                "n_active": len(active),
                "n_new": len(starts),
                "budget_used": spent,
                "budget_left": (budget[n] - spent) if budget is not None else np.nan,
                "staff_used": fte,
                "staff_left": (staff[n] - fte) if staff is not None else np.nan,
                "agreements": len(in_force) + len(partners),
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- what more money buys
def efficient_frontier(
    problem: PortfolioProblem | Mapping[str, Any] | str | Path,
    *,
    factors: Sequence[float] | None = None,
    time_limit: float | None = 30.0,
) -> pd.DataFrame:
    """Optimal value against budget: re-solve with every yearly budget scaled by each factor.

    Returns
    -------
    DataFrame
        ``factor``, ``budget_per_year`` (mean), ``value``, ``n_selected``, ``selected``,
        ``status``; plot with :func:`citymatch.plot.frontier`.
    """
    prob = load_problem(problem)
    base = prob.limit("budget")
    if base is None:
        raise PortfolioError("`budget` is not set: there is no budget to vary.")
    grid = (
        list(factors) if factors is not None else [round(f, 2) for f in np.linspace(0.25, 2.0, 15)]
    )
    if any(not (f >= 0) for f in grid):
        raise CitymatchValueError(f"`factors` must be ≥ 0; got {grid}.")
    rows = []
    for f in grid:
        plan = optimize_portfolio(
            prob.with_budget([b * f for b in base]), time_limit=time_limit, explain=False
        )
        chosen = [k for k, v in plan.x.items() if v is not None]
        rows.append(
            {
                "factor": f,
                "budget_per_year": float(np.mean(base)) * f,
                "value": plan.fun if plan.status in (0, 1) else np.nan,
                "n_selected": len(chosen),
                "selected": ", ".join(chosen),
                "status": plan.status,
            }
        )
    return pd.DataFrame(rows)


def marginal_value(
    problem: PortfolioProblem | Mapping[str, Any] | str | Path,
    *,
    step: float | None = None,
    time_limit: float | None = 30.0,
) -> pd.DataFrame:
    """Value of one more dollar in each year: (V(B + Δ·e_t) − V(B)) / Δ.

    In a 0/1 programme the value is a step function of the budget, so this is a finite
    difference over ``step`` dollars (default: 10% of that year's budget), not an LP dual.
    """
    prob = load_problem(problem)
    base = prob.limit("budget")
    if base is None:
        raise PortfolioError("`budget` is not set: there is no budget to vary.")
    v0 = optimize_portfolio(prob, time_limit=time_limit, explain=False).fun
    rows = []
    for n, t in enumerate(prob.horizon):
        d = step if step is not None else 0.1 * base[n] if base[n] > 0 else 1.0
        if not d > 0:
            raise CitymatchValueError(f"`step` must be positive; got {step!r}.")
        b = list(base)
        b[n] += d
        v1 = optimize_portfolio(prob.with_budget(b), time_limit=time_limit, explain=False).fun
        rows.append({"year": t, "step": d, "value_gain": v1 - v0, "per_dollar": (v1 - v0) / d})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- values from criteria
def score_projects(
    problem: PortfolioProblem | Mapping[str, Any] | str | Path,
    criteria: Any,
    *,
    weights: Any = None,
    scale: float = 100.0,
) -> PortfolioProblem:
    """Compute every project's value as ``scale ×`` its TOPSIS score on a project criteria set.

    The criteria read each project's ``attributes`` (e.g. strategic alignment, expected
    measurable outcomes, partner score).
    """
    from .rank import rank

    prob = load_problem(problem)
    table = pd.DataFrame([{"id": p.id, **p.attributes} for p in prob.projects])
    r = rank(table, criteria, weights=weights, screening=False)
    scores = r.scores
    return prob.with_values({str(pid): scale * float(s) for pid, s in scores.items()})


def with_partner_scores(
    problem: PortfolioProblem | Mapping[str, Any] | str | Path,
    ranking: Any,
    *,
    attribute: str = "partner_score",
) -> PortfolioProblem:
    """Copy each project's partners' mean TOPSIS score from a Ranking into an attribute.

    Partners absent from the ranking (screened out, or alternative partners ranked
    elsewhere) count as 0.
    """
    prob = load_problem(problem)
    scores = ranking.scores.to_dict()
    data = prob.model_dump()
    for p in data["projects"]:
        vals = [float(scores.get(q, 0.0)) for q in p["partners"]]
        p["attributes"] = {**p["attributes"], attribute: float(np.mean(vals)) if vals else 0.0}
    return PortfolioProblem.model_validate(data)


def portfolio_acceptability(
    problem: PortfolioProblem | Mapping[str, Any] | str | Path,
    criteria: Any,
    *,
    samples: int = 200,
    sampler: Literal["uniform", "dirichlet", "intervals", "ordinal"] = "dirichlet",
    concentration: float = 50.0,
    rng: Any = None,
    scale: float = 100.0,
    time_limit: float | None = 30.0,
) -> pd.DataFrame:
    """How often each project is selected when its value varies under sampled weights.

    Weights of the project criteria set are sampled (see
    :func:`citymatch.sensitivity.sample_weights`), project values recomputed with TOPSIS,
    and the portfolio re-optimised for every sample.

    Returns
    -------
    DataFrame
        ``id``, ``selected_share`` and the most frequent ``start`` year when selected,
        sorted by share.
    """
    from .models.criteria import load_criteria
    from .sampling import sample_weights

    prob = load_problem(problem)
    cs = load_criteria(criteria)
    w = sample_weights(
        len(cs.ids),
        samples,
        sampler=sampler,
        base=cs.weights,
        concentration=concentration,
        rng=rng,
        criteria=list(cs.ids),
    )
    counts: dict[str, int] = {p.id: 0 for p in prob.projects}
    starts: dict[str, list[int]] = {p.id: [] for p in prob.projects}
    for wk in w:
        plan = optimize_portfolio(
            score_projects(prob, cs, weights=wk, scale=scale), time_limit=time_limit, explain=False
        )
        for pid, y in plan.x.items():
            if y is not None:
                counts[pid] += 1
                starts[pid].append(y)
    rows = [
        {
            "id": pid,
            "selected_share": counts[pid] / len(w),
            "start": (max(set(s), key=s.count) if s else None),
        }
        for pid, s in starts.items()
    ]
    return (
        pd.DataFrame(rows)
        .sort_values("selected_share", ascending=False, kind="stable")
        .reset_index(drop=True)
    )
