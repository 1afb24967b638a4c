"""From a chosen plan to draft agreements (decision point 2, recommendation 8).

:func:`draft_agreements` turns the projects a portfolio plan selects into draft agreements,
one per project and partner, with a SMART objective stub (the KPI named from the project's
objective and activity), responsibilities per party, a milestone and a reporting date per
year, the resources per year and the review (the decision point at the end of the term).
What an analyst must still fill in (the KPI's unit, baseline and target, the partner's
tasks) is what :meth:`~citymatch.models.agreement.Agreement.smart_issues` lists.
:func:`save_drafts` adds them to a register, never over an agreement already there.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import RegisterError
from ..models.agreement import KPI, Agreement, Milestone, Objective, Resource, Responsibility
from .register import Register

if TYPE_CHECKING:  # pragma: no cover
    from ..models.portfolio import PortfolioProblem, Project
    from ..portfolio import Plan

__all__ = ["DRAFT_CLASS", "draft_agreements", "save_drafts"]

#: The class of a drafted agreement: a time-bound project with one partner.
DRAFT_CLASS = "International Project"


def _per_year(value: float | tuple[float, ...], k: int) -> float:
    """The ``k``-th year's figure of a project's cost or staff (a scalar is every year's)."""
    if isinstance(value, tuple):
        return float(value[k]) if k < len(value) else 0.0
    return float(value)


def _draft(project: Project, partner: str, first: int, city: str, source: str) -> Agreement:
    years = list(range(first, first + project.duration))
    start, end = date(first, 1, 1), date(years[-1], 12, 31)
    share = len(project.partners) or 1
    resources = tuple(
        Resource(
            year=y,
            budget=_per_year(project.cost, k) / share,
            staff=_per_year(project.staff, k) / share,
        )
        for k, y in enumerate(years)
    )
    what = project.activity or project.title or project.id
    lead = f"{project.owner}: " if project.owner else ""
    objective = Objective(
        id=project.id,
        objective=project.objective or project.title,
        activity=project.activity,
        kind="cultural" if "cultural" in project.tags else "economic",
        kpis=(KPI(metric=" — ".join(t for t in (project.objective, what) if t), due=end),),
        owner=project.owner,
        budget=sum(r.budget or 0.0 for r in resources),
        staff=max((r.staff or 0.0 for r in resources), default=0.0),
        end=end,
        responsibilities=(
            Responsibility(party=city, tasks=(f"{lead}lead the {what}",)),
            Responsibility(party=partner),
        ),
        milestones=(
            *(Milestone(name=f"{what} {y}", due=date(y, 12, 31)) for y in years),
            Milestone(name="review: renew or sunset", due=end),
        ),
        reporting=tuple(date(y, 12, 31) for y in years),
        resources=resources,
        goals=project.goals,
    )
    return Agreement.model_validate(
        {
            "id": f"{project.id}.{partner}",
            "partners": (partner,),
            "class": DRAFT_CLASS,
            "start": start,
            "end": end,
            "objectives": (objective,),
            "projects": (project.id,),
            "owner": project.owner,
            "budget": objective.budget,
            "source": source,
        }
    )


def draft_agreements(
    problem: PortfolioProblem | str | Path, plan: Plan, *, city: str = "toronto"
) -> list[Agreement]:
    """Draft agreements for the projects a plan selects: one per project and partner.

    Each draft runs from 1 January of the project's start year to 31 December of its last
    year, is an ``International Project`` (:data:`DRAFT_CLASS`), and holds one objective
    stub: the project's objective and activity, a KPI named from them (unit, baseline and
    target to fill in), the owner, the project's cost and staff per year shared equally
    among its partners, responsibilities for ``city`` and for the partner (the partner's
    tasks to fill in), a milestone and a reporting date each year and the review at the end
    of the term.  Projects without partners get no draft.

    Raises
    ------
    RegisterError
        ``plan`` holds no plan (infeasible, relaxed or out of time before a plan).
    PortfolioError
        ``problem`` cannot be loaded.
    """
    from ..portfolio.problem import load_problem  # deferred: the register needs no solver

    if not plan.feasible:
        raise RegisterError(
            f"`plan` must hold a plan to draft agreements from; got status {plan.status.name} "
            f"({plan.message})."
        )
    prob = load_problem(problem)
    source = f"draft from portfolio plan {prob.name!r}"
    drafts: list[Agreement] = []
    for project in prob.projects:
        first = plan.x.get(project.id)
        if first is None:
            continue
        drafts.extend(
            _draft(project, q, first, city, f"{source}, project {project.id!r}")
            for q in project.partners
        )
    return drafts


def save_drafts(register: Register, drafts: list[Agreement]) -> list[Path]:
    """Save drafts into a register; refuse (before writing any) an id already there.

    Raises
    ------
    RegisterError
        A draft's id is already in the register (review that agreement instead), or its
        class is not one of the register's classes.
    """
    taken = [a.id for a in drafts if a.id in register]
    if taken:
        raise RegisterError(
            f"drafts {taken} are already in the register {str(register.folder)!r}; "
            "nothing was written."
        )
    return [register.save(a) for a in drafts]
