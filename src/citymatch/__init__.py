"""citymatch: multi-criteria decision analysis for international city partnerships.

Score and rank candidate partner cities and alternative partners (TOPSIS with
AHP-derived weights), screen them by hard program rules, and explain the result.
Built from the five best practices and ten recommendations of *Partnerships that
Produce* (World Trade Centre Toronto, 2018).
"""

from importlib.metadata import PackageNotFoundError, version

from . import agreements, datasets, errors, portfolio, scale, sensitivity, service
from .errors import CitymatchError
from .models.criteria import (
    AHPNode,
    AHPSpec,
    CriteriaSet,
    Criterion,
    ScreeningRule,
    list_criteria,
    load_criteria,
)
from .models.portfolio import DiversityRule, PortfolioProblem, Project
from .portfolio import Plan, optimize_portfolio
from .rank import Ranking, rank
from .scoring.ahp import HierarchyResult, ahp, ahp_group, ahp_hierarchy, random_index
from .scoring.results import AHPResult, GroupAHPResult, TopsisResult
from .scoring.topsis import topsis

try:
    __version__ = version("citymatch")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "AHPNode",
    "AHPResult",
    "AHPSpec",
    "CitymatchError",
    "CriteriaSet",
    "Criterion",
    "DiversityRule",
    "GroupAHPResult",
    "HierarchyResult",
    "Plan",
    "PortfolioProblem",
    "Project",
    "Ranking",
    "ScreeningRule",
    "TopsisResult",
    "__version__",
    "agreements",
    "ahp",
    "ahp_group",
    "ahp_hierarchy",
    "datasets",
    "errors",
    "list_criteria",
    "load_criteria",
    "optimize_portfolio",
    "portfolio",
    "random_index",
    "rank",
    "scale",
    "sensitivity",
    "service",
    "topsis",
]
