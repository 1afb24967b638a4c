"""What a plan means: its tables, binding rows, left-out reasons and infeasibility conflicts.

The selection and schedule tables, the rules with no slack, why each unselected project is
out, a note when the new-projects-per-year convention costs value, and, for an infeasible
problem, a small set of rules that cannot hold together.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .model import STRUCTURAL, Model, Row, activity, complete_z, in_force, is_active

__all__ = [
    "LEFT_OUT_COLUMNS",
    "NEW_PER_YEAR_KINDS",
    "SCHEDULE_COLUMNS",
    "SELECTED_COLUMNS",
    "binding",
    "conflicts",
    "left_out",
    "marginal_note",
    "new_per_year_note",
    "reason",
    "schedule",
    "selection",
]

F64 = NDArray[np.float64]

SELECTED_COLUMNS = ("id", "title", "partners", "start", "end", "value", "total_cost")
SCHEDULE_COLUMNS = (
    "year",
    "active",
    "new",
    "n_active",
    "n_new",
    "budget_used",
    "budget_left",
    "staff_used",
    "staff_left",
    "agreements",
)
LEFT_OUT_COLUMNS = ("id", "reason")

#: Feasibility tolerance when a row is checked at a point.
_TOL = 1e-7
#: Row kinds of the new-projects-per-year rule (``new_per_year_min`` / ``_max``).
NEW_PER_YEAR_KINDS = ("min_new", "max_new")


def selection(model: Model, x: Mapping[str, int | None]) -> pd.DataFrame:
    """One row per selected project: id, title, partners, start, end, value, total cost."""
    value_of = {
        (model.problem.projects[i].id, y): float(model.objective[k])
        for k, (i, y) in enumerate(model.xvars)
    }
    rows = [
        {
            "id": p.id,
            "title": p.title,
            "partners": ", ".join(p.partners),
            "start": start,
            "end": start + p.duration - 1,
            "value": value_of[(p.id, start)],
            "total_cost": sum(p.cost_by_year()),
        }
        for p in model.problem.projects
        if (start := x[p.id]) is not None
    ]
    return pd.DataFrame(rows, columns=list(SELECTED_COLUMNS))


def schedule(model: Model, x: Mapping[str, int | None]) -> pd.DataFrame:
    """Per year: active projects, new starts, budget and staff used/left, active agreements."""
    prob = model.problem
    budget = prob.limit("budget")
    staff = prob.limit("staff")
    begun = {p.id: y for p in prob.projects if (y := x[p.id]) is not None}
    rows = []
    for n, t in enumerate(prob.horizon):
        active = [p for p in prob.projects if p.id in begun and is_active(p, begun[p.id], t)]
        starts = [p.id for p in prob.projects if x[p.id] == t]
        spent = sum(p.cost_by_year()[t - begun[p.id]] for p in active)
        fte = sum(p.staff_by_year()[t - begun[p.id]] for p in active)
        existing = in_force(prob, t)
        partners = {q for p in active for q in p.partners} - existing - set(prob.cap_exempt)
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
                "agreements": len(existing) + len(partners),
            }
        )
    return pd.DataFrame(rows, columns=list(SCHEDULE_COLUMNS))


def binding(model: Model, v: F64) -> tuple[str, ...]:
    """Names of the rules with no slack at ``v`` (structural, partner and dependency rows aside)."""
    act = activity(model, v)

    def tight(bound: float, a: float) -> bool:
        return bool(np.isfinite(bound)) and abs(a - bound) <= _TOL * max(1.0, abs(bound))

    return tuple(
        row.name
        for row, a in zip(model.rows, act, strict=True)
        if row.kind not in ("once", "link", "partner", "requires")
        and row.coefs
        and (tight(row.hi, a) or tight(row.lo, a))
    )


def reason(row: Row, activity: float) -> str:
    """Why adding a project breaks ``row`` (whose left-hand side would be ``activity``)."""
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


class _Limits:
    """Row bounds as arrays and the rows a left-out project can break (computed once)."""

    def __init__(self, model: Model) -> None:
        self.hi = np.array([r.hi for r in model.rows], dtype=np.float64)
        self.lo = np.array([r.lo for r in model.rows], dtype=np.float64)
        self.checked = np.array(
            [r.kind not in ("once", "link", "min_new", "mandatory") for r in model.rows], dtype=bool
        )


def _broken_by(model: Model, v: F64, k: int, lim: _Limits) -> list[str]:
    """Reasons for each rule broken when start ``k`` is added to the plan ``v``.

    Vectorised over the rows (a 5,000-project dependency chain has 5,000 rows per start).
    """
    trial = np.array(v, dtype=np.float64)
    trial[k] = 1.0
    act = activity(model, complete_z(model, trial))
    bad = lim.checked & ((act > lim.hi + _TOL) | (act < lim.lo - _TOL))
    return [reason(model.rows[int(r)], float(act[r])) for r in np.flatnonzero(bad)]


def left_out(model: Model, v: F64, *, proven: bool = True) -> pd.DataFrame:
    """Why each unselected project is out of the plan ``v``.

    For each of its allowed starts the project is added to the plan and the broken rules are
    listed; the start breaking the fewest is reported.  A project that breaks none fits on its
    own and is out because a higher-value combination uses the same resources (``proven``:
    ``v`` is optimal) or because the search stopped first (``proven=False``: a time-out).
    """
    prob = model.problem
    chosen = {prob.projects[i].id for k, (i, _y) in enumerate(model.xvars) if v[k] > 0.5}
    starts: dict[int, list[int]] = {}
    for k, (i, _y) in enumerate(model.xvars):
        starts.setdefault(i, []).append(k)
    lim = _Limits(model)
    out = []
    for i, p in enumerate(prob.projects):
        if p.id in chosen:
            continue
        ks = starts.get(i, [])
        if p.excluded:
            text = "excluded by flag"
        elif not ks:
            text = "no allowed start year within the horizon"
        else:
            broken = {k: _broken_by(model, v, k, lim) for k in ks}
            k_best = min(ks, key=lambda k: len(broken[k]))
            if broken[k_best]:
                prefix = f"starting {model.xvars[k_best][1]}: " if len(ks) > 1 else ""
                text = prefix + "; ".join(broken[k_best])
            elif float(model.objective[ks].max()) <= 0:
                text = "its value is not positive"
            elif proven:
                text = "fits on its own, but a higher-value combination uses the same resources"
            else:
                text = "fits on its own, but is not in the best plan found before the time limit"
        out.append({"id": p.id, "reason": text})
    return pd.DataFrame(out, columns=list(LEFT_OUT_COLUMNS))


def conflicts(model: Model, infeasible: Callable[[Sequence[Row]], bool]) -> tuple[str, ...]:
    """A small set of rules that cannot hold together (deletion filter over row groups).

    Each diagnosis group (a year's budget, a mandatory project, …) is dropped in turn; if the
    remaining rows are still ``infeasible`` the group is not needed.  Structural rows are always
    kept.  The groups left form an irreducible infeasible set (given the solver's verdicts).
    """
    structural = [r for r in model.rows if r.group == STRUCTURAL]
    groups: dict[str, list[Row]] = {}
    for r in model.rows:
        if r.group != STRUCTURAL:
            groups.setdefault(r.group, []).append(r)
    keep = list(groups)
    for g in list(keep):
        trial = [g2 for g2 in keep if g2 != g]
        if infeasible(structural + [r for g2 in trial for r in groups[g2]]):
            keep = trial
    names = []
    for g in keep:
        rs = groups[g]
        label = rs[0].name if len(rs) == 1 else g
        if rs[0].kind == "mandatory" and not rs[0].coefs:
            label += " (but it has no allowed start year)"
        names.append(label)
    return tuple(names)


def new_per_year_note(
    model: Model, v: F64, value: float, best_without: Callable[[Sequence[Row]], float]
) -> str | None:
    """A sentence when the new-projects-per-year rule binds at ``v`` *and* costs value.

    ``best_without(rows)`` solves the model under ``rows`` — every row but the rule's — and
    returns the optimal value.  None when the rule is absent, has slack at ``v``, or
    switching it off gains nothing; otherwise the sentence gives both values and how to
    switch the rule off.
    """
    prob = model.problem
    rule = [r for r in model.rows if r.kind in NEW_PER_YEAR_KINDS]
    tight = set(binding(model, v))
    if not any(r.name in tight for r in rule):
        return None
    free = best_without([r for r in model.rows if r.kind not in NEW_PER_YEAR_KINDS])
    if not math.isfinite(free) or free <= value + 1e-9 * max(1.0, abs(value)):
        return None
    lo, hi = prob.new_per_year_min, prob.new_per_year_max
    span = f"{lo or 0}–{hi}" if hi is not None else f"at-least-{lo}"
    default = " (the default: the report's two to three a year)" if (lo, hi) == (2, 3) else ""
    gain = f" (+{(free - value) / abs(value):.0%})" if value else ""
    return (
        f"The {span} new-projects-a-year rule{default} binds: without it the best plan is "
        f"worth {free:,.4g} instead of {value:,.4g}{gain}. To switch it off, set "
        "new_per_year_min = 0 and new_per_year_max = null in the problem (None in Python; "
        "in TOML, which has no null, any number at least the number of projects)."
    )


def marginal_note(year: int, binds: bool, gain: float, step: float, left: float) -> str:
    """Why a year's marginal value of money is what it is (empty when money buys value).

    ``binds``: the year's budget row has no slack in the base plan; ``left``: the budget
    the base plan leaves unspent that year.
    """
    if not math.isfinite(gain):
        return "no plan found within the time limit"
    if gain > 0:
        return ""
    if not binds:
        return (
            f"the {year} budget does not bind (${left:,.0f} left unspent in the plan): more "
            "money buys nothing until another rule changes"
        )
    return (
        f"the {year} budget binds, but ${step:,.4g} more buys nothing: the next project or "
        "start costs more, or another rule binds"
    )
