"""citymatch: multi-criteria decision analysis for international city partnerships.

Score and rank candidate partner cities and alternative partners (TOPSIS with
AHP-derived weights), screen them by hard program rules, and explain the result.
Built from the five best practices and ten recommendations of *Partnerships that
Produce* (World Trade Centre Toronto, 2018).
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from . import errors
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
from .rank import Ranking, rank
from .scoring.ahp import HierarchyResult, ahp, ahp_batch, ahp_group, ahp_hierarchy, random_index
from .scoring.copras import copras
from .scoring.method_results import (
    CoprasResult,
    MethodResult,
    PrometheeResult,
    SpotisResult,
    VikorResult,
    WaspasResult,
)
from .scoring.objective import objective_weights, rank_weights
from .scoring.promethee import promethee
from .scoring.registry import METHODS
from .scoring.results import AHPBatchResult, AHPResult, GroupAHPResult, TopsisResult
from .scoring.spotis import spotis
from .scoring.topsis import topsis
from .scoring.vikor import vikor
from .scoring.weighted import mabac, waspas, wpm, wsm

if TYPE_CHECKING:  # what the lazy names below resolve to, for type checkers and readers
    from . import agreements, datasets, portfolio, scale, sensitivity, service
    from .briefing import Brief, brief
    from .models.portfolio import DiversityRule, PortfolioProblem, Project
    from .portfolio import Plan, optimize_portfolio

#: Loaded on first use (scientific-python SPEC 1 lazy loading), so that ``import citymatch``
#: — paid by every CLI call and service worker — loads only the scoring core: the service, the portfolio optimiser (scipy.optimize), the agreements, the sensitivity
#: analyses (pymcdm), Dask and plotting come in when first touched.
_LAZY_MODULES = ("agreements", "datasets", "portfolio", "scale", "sensitivity", "service")
_LAZY_NAMES = {
    "Brief": "briefing",
    "brief": "briefing",
    "DiversityRule": "models.portfolio",
    "PortfolioProblem": "models.portfolio",
    "Project": "models.portfolio",
    "Plan": "portfolio",
    "optimize_portfolio": "portfolio",
}


def __getattr__(name: str) -> object:
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(f".{_LAZY_NAMES[name]}", __name__), name)
    raise AttributeError(f"module 'citymatch' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


try:
    __version__ = version("citymatch")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "METHODS",
    "AHPBatchResult",
    "AHPNode",
    "AHPResult",
    "AHPSpec",
    "Brief",
    "CitymatchError",
    "CoprasResult",
    "CriteriaSet",
    "Criterion",
    "DiversityRule",
    "GroupAHPResult",
    "HierarchyResult",
    "MethodResult",
    "Plan",
    "PortfolioProblem",
    "Project",
    "PrometheeResult",
    "Ranking",
    "ScreeningRule",
    "SpotisResult",
    "TopsisResult",
    "VikorResult",
    "WaspasResult",
    "__version__",
    "agreements",
    "ahp",
    "ahp_batch",
    "ahp_group",
    "ahp_hierarchy",
    "brief",
    "copras",
    "datasets",
    "errors",
    "list_criteria",
    "load_criteria",
    "mabac",
    "objective_weights",
    "optimize_portfolio",
    "portfolio",
    "promethee",
    "random_index",
    "rank",
    "rank_weights",
    "scale",
    "sensitivity",
    "service",
    "spotis",
    "topsis",
    "vikor",
    "waspas",
    "wpm",
    "wsm",
]
