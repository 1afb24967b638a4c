"""Project values from criteria: TOPSIS scores of the projects' attributes, partner scores.

Kept apart from :mod:`.analysis` because the optimiser itself fills missing values from a
problem's ``value_criteria`` (:func:`fill_values`), and the analyses call the optimiser.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TypeAlias

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ..models.criteria import CriteriaSet, load_criteria
from ..models.portfolio import PortfolioProblem
from ..rank import Ranking, rank
from .problem import ProblemLike, load_problem

__all__ = [
    "CriteriaLike",
    "WeightsLike",
    "fill_values",
    "score_projects",
    "with_partner_scores",
]

#: A criteria set, a shipped set's name, or a TOML/JSON path.
CriteriaLike: TypeAlias = CriteriaSet | str | os.PathLike[str]
#: Weights overriding a criteria set's: id → weight, or one per criterion.
WeightsLike: TypeAlias = Mapping[str, float] | ArrayLike


def as_criteria(criteria: CriteriaLike) -> CriteriaSet:
    """The criteria set named, loaded from a path, or given."""
    return load_criteria(criteria if isinstance(criteria, (str, CriteriaSet)) else Path(criteria))


def score_projects(
    problem: ProblemLike,
    criteria: CriteriaLike,
    *,
    weights: WeightsLike | None = None,
    scale: float = 100.0,
) -> PortfolioProblem:
    """Set every project's value to ``scale ×`` its TOPSIS score on a project criteria set.

    The criteria read each project's ``attributes`` (e.g. strategic alignment, expected
    measurable outcomes, partner score); the set's normalisation applies (vector, the
    textbook default, for the shipped ``"project"`` set); screening rules are not applied.

    Parameters
    ----------
    problem : PortfolioProblem, mapping or path
    criteria : CriteriaSet, str or path
        E.g. the shipped ``"project"`` set.
    weights : mapping or sequence, optional
        Override the set's weights (id → weight, or one per criterion).
    scale : float, default 100
        Values are ``scale × closeness`` (closeness in [0, 1]).

    Returns
    -------
    PortfolioProblem
        A copy with every project's ``value`` replaced.
    """
    prob = load_problem(problem)
    table = pd.DataFrame([{"id": p.id, **p.attributes} for p in prob.projects])
    scores = rank(table, as_criteria(criteria), weights=weights, screening=False).scores
    return prob.with_values({str(pid): scale * float(s) for pid, s in scores.items()})


def with_partner_scores(
    problem: ProblemLike,
    ranking: Ranking,
    *,
    attribute: str = "partner_score",
) -> PortfolioProblem:
    """Copy each project's partners' mean TOPSIS score from a Ranking into an attribute.

    Partners absent from the ranking (screened out, or alternative partners ranked
    elsewhere) count as 0; a project without partners gets 0.
    """
    prob = load_problem(problem)
    scores = ranking.scores.to_dict()
    data = prob.model_dump()
    for p in data["projects"]:
        vals = [float(scores.get(q, 0.0)) for q in p["partners"]]
        p["attributes"] = {**p["attributes"], attribute: float(np.mean(vals)) if vals else 0.0}
    return PortfolioProblem.model_validate(data)


def fill_values(problem: PortfolioProblem) -> PortfolioProblem:
    """``problem`` with values computed from its ``value_criteria`` when some are missing."""
    if problem.value_criteria is not None and any(p.value is None for p in problem.projects):
        return score_projects(problem, problem.value_criteria)
    return problem
