"""Which criteria sets, projects and objectives serve each strategic goal (best practice 5).

A policy file (:class:`~citymatch.models.agreement.Policy`) states the city's strategic goals.
Criteria sets (``goals`` of the set and of each criterion), portfolio projects (``goals``) and
agreement objectives (``goals``) reference them by id.  :func:`goal_coverage` checks every
reference against the policy — a goal the policy does not have is an error
(:class:`~citymatch.errors.UnknownGoalError`, naming the reference, the goal and the policy's
goals) — and returns a :class:`GoalCoverage`: per goal, what serves it, and the goals that
nothing checked serves (listed by :attr:`GoalCoverage.issues`, not an error: a goal may be
served by something not checked, such as a project not yet proposed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import pandas as pd

from ..errors import UnknownGoalError
from ..models.agreement import Agreement, Policy
from ..models.criteria import CriteriaSet
from ..models.portfolio import Project

__all__ = ["GoalCoverage", "goal_coverage", "goal_references"]


@dataclass(frozen=True)
class GoalCoverage:
    """What serves each of a policy's strategic goals (an immutable value).

    Attributes
    ----------
    policy : str
        The policy's name.
    titles : mapping of goal id → title
        The policy's goals, in the policy's order.
    served : mapping of goal id → tuple of str
        What references each goal (``criteria set 'x'``, ``criterion 'x.c'``,
        ``project 'p'``, ``agreement 'a', objective 'o'``), in the order given.
    """

    policy: str
    titles: Mapping[str, str]
    served: Mapping[str, tuple[str, ...]]

    @property
    def unserved(self) -> tuple[str, ...]:
        """The goals nothing checked serves, in the policy's order."""
        return tuple(g for g in self.titles if not self.served[g])

    @property
    def issues(self) -> list[str]:
        """One line per goal nothing checked serves."""
        return [
            f"goal {g!r} ({self.titles[g]}) of policy {self.policy!r} is served by none of "
            "the criteria sets, projects and objectives checked"
            for g in self.unserved
        ]

    def to_frame(self) -> pd.DataFrame:
        """One row per goal: ``goal``, ``title``, ``n_served``, ``served_by`` (joined by "; ")."""
        return pd.DataFrame(
            [
                {
                    "goal": g,
                    "title": t,
                    "n_served": len(self.served[g]),
                    "served_by": "; ".join(self.served[g]),
                }
                for g, t in self.titles.items()
            ],
            columns=["goal", "title", "n_served", "served_by"],
        )

    def text(self) -> str:
        """A plain-text summary: each goal and what serves it, then the issues."""
        lines = [f"Strategic goals of policy {self.policy!r}:"]
        for g, t in self.titles.items():
            by = ", ".join(self.served[g]) or "NOTHING checked"
            lines.append(f"  {g} ({t}): {by}")
        return "\n".join([*lines, *(f"warning: {i}" for i in self.issues)])


def goal_references(
    *,
    criteria: Iterable[CriteriaSet] = (),
    projects: Iterable[Project] = (),
    agreements: Iterable[Agreement] = (),
) -> list[tuple[str, str]]:
    """Every goal reference as ``(referrer, goal id)``, in the order given."""
    refs: list[tuple[str, str]] = []
    for cs in criteria:
        refs.extend((f"criteria set {cs.name!r}", g) for g in cs.goals)
        refs.extend((f"criterion '{cs.name}.{c.id}'", g) for c in cs.criteria for g in c.goals)
    for p in projects:
        refs.extend((f"project {p.id!r}", g) for g in p.goals)
    for a in agreements:
        refs.extend(
            (f"agreement {a.id!r}, objective {o.id!r}", g) for o in a.objectives for g in o.goals
        )
    return refs


def goal_coverage(
    policy: Policy,
    *,
    criteria: Iterable[CriteriaSet] = (),
    projects: Iterable[Project] = (),
    agreements: Iterable[Agreement] = (),
) -> GoalCoverage:
    """Check the goal references of criteria sets, projects and objectives against a policy.

    Parameters
    ----------
    policy : Policy
    criteria : iterable of CriteriaSet
        Their ``goals`` and each criterion's ``goals``.
    projects : iterable of Project
        Their ``goals`` (e.g. ``problem.projects`` of a portfolio problem).
    agreements : iterable of Agreement
        Their objectives' ``goals`` (e.g. a register).

    Raises
    ------
    UnknownGoalError
        A reference names a goal the policy does not have: the message lists every such
        reference and the policy's goals.
    """
    titles = {g.id: g.title for g in policy.goals}
    refs = goal_references(criteria=criteria, projects=projects, agreements=agreements)
    unknown = [f"{who}: unknown goal {g!r}" for who, g in refs if g not in titles]
    if unknown:
        raise UnknownGoalError(
            "goal references must name goals of the policy: "
            + "; ".join(unknown)
            + f" (policy {policy.name!r} has goals: {sorted(titles)})."
        )
    served = {g: tuple(dict.fromkeys(who for who, h in refs if h == g)) for g in titles}
    return GoalCoverage(policy.name, MappingProxyType(titles), MappingProxyType(served))
