"""The service's request limits: one declarative table, applied by one function.

Every bound lives in :class:`ServiceSettings`; :data:`LIMITS` says, for each bound, which
operations it applies to, which request field it measures and how;
:func:`apply_limits` applies the table to a request.  The HTTP service calls
:func:`apply_limits` for every ``/v1/<op>`` request *and* every ``/v1/record/<op>`` request,
so the two can never disagree.  The one bound outside the table is the body size
(``max_body_bytes``), which must be checked before the body is parsed: the service's
middleware checks it for every route alike (413).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ..errors import RequestLimitError
from ..models.criteria import CriteriaSet
from .contract import (
    AHPRequest,
    ContractModel,
    OperationName,
    PortfolioRequest,
    RankRequest,
    ReviewRequest,
    SensitivityRequest,
)

__all__ = ["LIMITS", "Limit", "ServiceSettings", "apply_limits"]

Req = TypeVar("Req", bound=ContractModel)


@dataclass(frozen=True)
class ServiceSettings:
    """Limits and options of the HTTP service.

    Attributes
    ----------
    max_body_bytes : int
        Largest request body (413 beyond it).
    max_candidates, max_criteria, max_ahp_size, max_samples, max_sample_cells, max_projects,
    max_years, max_agreements : int
        Request limits (422 beyond them); see :data:`LIMITS` for what each one measures.
    max_solve_seconds : float
        Longest portfolio solve: a larger ``time_limit`` is lowered to it.
    criteria_folder : Path, optional
        Folder of extra criteria sets served by name.
    api_key_env : str
        Environment variable holding the API key (no key needed while it is unset).
    """

    max_body_bytes: int = 4 * 1024 * 1024
    max_candidates: int = 20_000
    max_criteria: int = 50
    max_ahp_size: int = 50
    max_samples: int = 100_000
    max_sample_cells: int = 50_000_000
    max_projects: int = 2_000
    max_years: int = 50
    max_agreements: int = 10_000
    max_solve_seconds: float = 30.0
    criteria_folder: Path | None = None
    api_key_env: str = "CITYMATCH_API_KEY"


@dataclass(frozen=True)
class Limit:
    """One request limit.

    Attributes
    ----------
    setting : str
        The :class:`ServiceSettings` field holding the bound.
    operations : frozenset of str
        The operations whose requests it applies to.
    field : str
        Dotted JSON path of the request field it measures (named in the error).
    rule : str
        The rule, with ``{bound}`` for the bound ("at most {bound} candidates per request").
    measure : callable
        Request → the measured size.
    cap : bool
        Lower ``field`` to the bound instead of refusing the request.
    """

    setting: str
    operations: frozenset[OperationName]
    field: str
    rule: str
    measure: Callable[[ContractModel], float]
    cap: bool = False


def _candidates(req: ContractModel) -> int:
    if isinstance(req, (RankRequest, SensitivityRequest, ReviewRequest)):
        return len(req.candidates or [])
    return 0


def _criteria(req: ContractModel) -> int:
    if isinstance(req, (RankRequest, SensitivityRequest, ReviewRequest)) and isinstance(
        req.criteria, CriteriaSet
    ):
        return len(req.criteria.criteria)
    return 0


def _matrix_size(req: ContractModel) -> int:
    if isinstance(req, AHPRequest):
        return max([len(req.matrix), *(len(row) for row in req.matrix)])
    return 0


def _samples(req: ContractModel) -> int:
    return req.samples if isinstance(req, SensitivityRequest) else 0


def _sample_cells(req: ContractModel) -> int:
    return _samples(req) * _candidates(req)


def _projects(req: ContractModel) -> int:
    return len(req.problem.projects) if isinstance(req, PortfolioRequest) else 0


def _years(req: ContractModel) -> int:
    return req.problem.years if isinstance(req, PortfolioRequest) else 0


def _agreements(req: ContractModel) -> int:
    return len(req.agreements) if isinstance(req, ReviewRequest) else 0


def _time_limit(req: ContractModel) -> float:
    return req.time_limit if isinstance(req, PortfolioRequest) else 0.0


_TABLES: frozenset[OperationName] = frozenset({"rank", "sensitivity", "review"})

#: Every request limit of the service (the body size aside, see the module docstring).
LIMITS: tuple[Limit, ...] = (
    Limit("max_candidates", _TABLES, "candidates", "at most {bound} candidates per request", _candidates),
    Limit("max_criteria", _TABLES, "criteria.criteria", "at most {bound} criteria in an inline criteria set", _criteria),
    Limit("max_ahp_size", frozenset({"ahp"}), "matrix", "at most {bound} × {bound} judgements (rows and columns)", _matrix_size),
    Limit("max_samples", frozenset({"sensitivity"}), "samples", "at most {bound} Monte Carlo samples per request", _samples),
    Limit("max_sample_cells", frozenset({"sensitivity"}), "samples", "samples × candidates must be at most {bound} per request", _sample_cells),
    Limit("max_projects", frozenset({"portfolio"}), "problem.projects", "at most {bound} projects per request", _projects),
    Limit("max_years", frozenset({"portfolio"}), "problem.years", "at most {bound} planning years per request", _years),
    Limit("max_agreements", frozenset({"review"}), "agreements", "at most {bound} agreements per request", _agreements),
    Limit("max_solve_seconds", frozenset({"portfolio"}), "time_limit", "at most {bound} seconds of solving", _time_limit, cap=True),
)  # fmt: skip


def apply_limits(operation: OperationName, request: Req, settings: ServiceSettings) -> Req:
    """Check ``request`` against every limit of ``operation``; return it with caps applied.

    Raises
    ------
    RequestLimitError
        A measured size is over its bound; the message names the field, the rule and the
        size got, e.g. "`candidates`: at most 100 candidates per request; got 136."
    """
    for limit in LIMITS:
        if operation not in limit.operations:
            continue
        bound = getattr(settings, limit.setting)
        got = limit.measure(request)
        if got <= bound:
            continue
        if limit.cap:
            request = request.model_copy(update={limit.field: bound})
            continue
        rule = limit.rule.format(bound=bound)
        raise RequestLimitError(f"`{limit.field}`: {rule}; got {got}.", field=limit.field)
    return request
