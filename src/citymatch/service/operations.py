"""Running the contract's operations: one table of operations, one way to execute a request.

Each operation turns its request model (:mod:`citymatch.service.contract`) into library calls
(:func:`citymatch.rank`, :mod:`citymatch.sensitivity`, :mod:`citymatch.portfolio`,
:mod:`citymatch.agreements`) and its result into the response model.  :data:`OPERATIONS` is
the table the HTTP routes, the decision records and the exported schemas all follow.
"""

from __future__ import annotations

import stat
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import CitymatchValueError
from ..models.criteria import CriteriaSet, list_criteria, load_criteria
from .contract import (
    AHPRequest,
    AHPResponse,
    ContractModel,
    OperationName,
    PortfolioRequest,
    PortfolioResponse,
    RankRequest,
    RankResponse,
    ReviewRequest,
    ReviewResponse,
    SensitivityRequest,
    SensitivityResponse,
    ahp_response,
    portfolio_response,
    rank_response,
    review_response,
    sensitivity_response,
)
from .fast import rank_fast, rank_fast_json

if TYPE_CHECKING:
    import pandas as pd

    from ..rank import Ranking

__all__ = [
    "INLINE_CELLS",
    "OPERATIONS",
    "TIME_LIMIT_STATUS",
    "Operation",
    "execute",
    "get_operation",
    "resolve_criteria",
    "run_ahp",
    "run_portfolio",
    "run_rank",
    "run_rank_inline",
    "run_rank_inline_json",
    "run_rank_table",
    "run_review",
    "run_sensitivity",
    "timed_out_portfolio",
]


def resolve_criteria(criteria: str | CriteriaSet, folder: Path | None = None) -> CriteriaSet:
    """A criteria set by shipped name (or from ``folder``), never from a path in a request.

    A set read from ``folder`` is parsed once per version of its file (size and modification
    time) and reused while the file is unchanged; shipped sets are parsed once per process.

    Raises
    ------
    CitymatchValueError
        ``criteria`` names no shipped set and no set in ``folder``.
    """
    if isinstance(criteria, CriteriaSet):
        return criteria
    if (
        folder is not None
        and "/" not in criteria
        and "\\" not in criteria
        and not criteria.startswith(".")
    ):
        candidate = folder / f"{criteria}.toml"
        try:
            st = candidate.stat()
        except OSError:
            st = None
        if st is not None and stat.S_ISREG(st.st_mode):
            return _folder_set(candidate, st.st_mtime_ns, st.st_size)
    shipped = _shipped_names()
    if criteria not in shipped:
        raise CitymatchValueError(
            f"`criteria` must name a shipped or configured criteria set; got {criteria!r}; available: {sorted(shipped)}."
        )
    return _shipped_set(criteria)


@cache
def _shipped_set(name: str) -> CriteriaSet:
    """A shipped set by name, looked up once per process (sets are immutable)."""
    return load_criteria(name)


@cache
def _shipped_names() -> frozenset[str]:
    """The shipped sets' names (installed files: listed once per process)."""
    return frozenset(list_criteria())


@lru_cache(maxsize=64)
def _folder_set(path: Path, mtime_ns: int, size: int) -> CriteriaSet:
    """A configured folder's set, parsed once per version of its file (sets are immutable)."""
    return load_criteria(path)


def _table(req: RankRequest | SensitivityRequest, cs: CriteriaSet) -> pd.DataFrame:
    """The request's candidates as a table of the columns the ranking reads.

    Without screening a ranking reads only the id, name and kind and the criterion columns,
    so only they are built (a request may carry dozens of other fields per candidate);
    with screening every column is kept (rules may read any of them).
    """
    import pandas as pd

    rows = req.candidates
    if req.screening:
        return pd.DataFrame(rows)
    wanted = ("id", "name", "kind", *dict.fromkeys(cs.columns))
    present = [c for c in wanted if any(c in r for r in rows)]
    return pd.DataFrame({c: [r.get(c) for r in rows] for c in present})


def _rank(req: RankRequest | SensitivityRequest, cs: CriteriaSet) -> Ranking:
    from ..rank import rank

    return rank(
        _table(req, cs),
        cs,
        weights=req.weights,
        normalization=req.normalization,
        missing=req.missing,
        screening=req.screening,
        method=req.method,
        method_options=req.method_options,
    )


def run_rank(req: RankRequest, folder: Path | None = None) -> RankResponse:
    """Execute a rank request: by the array path when it needs no table step, else the table.

    The conditions of the array path, and why its answer is the table path's, are in
    :mod:`citymatch.service.fast`.
    """
    cs = resolve_criteria(req.criteria, folder)
    fast = rank_fast(req, cs)
    return fast if fast is not None else rank_response(_rank(req, cs), top=req.top)


#: The largest array-path rank (candidates × criteria) the service answers on its event loop
#: instead of the pool (about a millisecond of work; see :func:`run_rank_inline`).
INLINE_CELLS = 10_000


def run_rank_inline(req: RankRequest, folder: Path | None = None) -> RankResponse | None:
    """The answer to a small rank request by the array path, or None (then the pool runs it).

    Small: at most :data:`INLINE_CELLS` candidates × criteria.  Such a request costs less
    work than handing it to a thread (and the handover makes the event loop and the worker
    wait for each other's turn at the interpreter lock), so the HTTP service answers it on
    the event loop directly.
    """
    cs = _small_set(req, folder)
    return None if cs is None else rank_fast(req, cs)


def run_rank_inline_json(req: RankRequest, folder: Path | None = None) -> bytes | None:
    """:func:`run_rank_inline`'s answer as the JSON bytes of its response (the fast lane's).

    The same conditions and the same bytes as ``run_rank_inline(req).model_dump_json()``,
    without building the response models (:func:`citymatch.service.fast.rank_fast_json`).
    """
    cs = _small_set(req, folder)
    return None if cs is None else rank_fast_json(req, cs)


def _small_set(req: RankRequest, folder: Path | None) -> CriteriaSet | None:
    """The request's criteria set if the rank is small enough for the event loop, else None."""
    cs = resolve_criteria(req.criteria, folder)
    return cs if len(req.candidates) * len(cs.criteria) <= INLINE_CELLS else None


def run_rank_table(req: RankRequest, folder: Path | None = None) -> RankResponse:
    """Execute a rank request by the table path (pandas, :func:`citymatch.rank`) always.

    What :func:`run_rank` does for requests the array path does not take; the tests and the
    service benchmark call it to compare the two paths.
    """
    cs = resolve_criteria(req.criteria, folder)
    return rank_response(_rank(req, cs), top=req.top)


def run_ahp(req: AHPRequest, folder: Path | None = None) -> AHPResponse:
    """Execute an AHP request (``folder`` is unused: AHP reads no criteria set)."""
    from ..scoring.ahp import ahp

    return ahp_response(ahp(req.matrix, method=req.method, ri=req.ri, threshold=req.threshold))


def run_sensitivity(req: SensitivityRequest, folder: Path | None = None) -> SensitivityResponse:
    """Execute a sensitivity request."""
    from ..sensitivity.report import acceptability_and_stability

    r = _rank(req, resolve_criteria(req.criteria, folder))
    acc, stab = acceptability_and_stability(
        r,
        samples=req.samples,
        rng=req.seed,
        sampler=req.sampler,
        concentration=req.concentration,
        k=req.k,
    )
    return sensitivity_response(r, acc, stab, seed=req.seed)


def run_portfolio(req: PortfolioRequest, folder: Path | None = None) -> PortfolioResponse:
    """Execute a portfolio request."""
    from ..portfolio import optimize_portfolio, score_projects

    prob = req.problem
    if prob.value_criteria is not None and any(p.value is None for p in prob.projects):
        prob = score_projects(prob, resolve_criteria(prob.value_criteria, folder))
    return portfolio_response(optimize_portfolio(prob, time_limit=req.time_limit))


#: ``PlanStatus.TIME_LIMIT`` (scipy's code 1), without importing scipy on the event loop.
TIME_LIMIT_STATUS = 1


def timed_out_portfolio(req: PortfolioRequest, seconds: float) -> PortfolioResponse:
    """The answer to a portfolio request that did not finish within ``seconds``: no plan.

    Its status is the solver's time-out status (``TIME_LIMIT``); every project is unselected
    and the lists are empty — nothing was proven, so nothing is claimed.
    """
    from .. import __version__

    return PortfolioResponse(
        status=TIME_LIMIT_STATUS,
        success=False,
        message=(
            f"Time limit reached: the request did not finish within {seconds:g} seconds "
            "(solve, model build and explanation); no plan is returned."
        ),
        value=None,
        gap=None,
        x={p.id: None for p in req.problem.projects},
        selected=[],
        schedule=[],
        binding=[],
        left_out=[],
        conflicts=[],
        citymatch_version=__version__,
    )


def run_review(req: ReviewRequest, folder: Path | None = None) -> ReviewResponse:
    """Execute a review request."""
    import pandas as pd

    from ..agreements import Register, class_rules, review

    reg = Register(Path("."), {a.id: a for a in req.agreements})
    cs = resolve_criteria(req.criteria, folder) if req.criteria is not None else None
    cands = pd.DataFrame(req.candidates) if req.candidates is not None else None
    rules, cap = None, req.cap
    if req.policy is not None:
        policy = req.policy
        if policy == "example":
            from ..agreements import load_policy
            from ..datasets import data_path

            policy = load_policy(data_path("policy"))
        rules = class_rules(policy)
        cap = policy.cap if "cap" not in req.model_fields_set else req.cap
    rv = review(reg, cs, cands, as_of=req.as_of, months=req.months, cap=cap, rules=rules)
    return review_response(rv)


@dataclass(frozen=True)
class Operation:
    """One operation of the contract: its request and response models and its runner(s)."""

    name: OperationName
    request: type[ContractModel]
    response: type[ContractModel]
    run: Callable[[Any, Path | None], ContractModel]
    inline: Callable[[Any, Path | None], ContractModel | None] | None = None
    """A cheap path the HTTP service may run on its event loop: the answer, or None when
    :attr:`run` must answer in the pool of heavy work."""


#: The five operations, by name (the HTTP routes, the records and the schemas follow it).
OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        Operation("rank", RankRequest, RankResponse, run_rank, inline=run_rank_inline),
        Operation("ahp", AHPRequest, AHPResponse, run_ahp),
        Operation("sensitivity", SensitivityRequest, SensitivityResponse, run_sensitivity),
        Operation("portfolio", PortfolioRequest, PortfolioResponse, run_portfolio),
        Operation("review", ReviewRequest, ReviewResponse, run_review),
    )
}


def get_operation(name: str) -> Operation:
    """The operation called ``name``.

    Raises
    ------
    CitymatchValueError
        ``name`` is not one of the five operations.
    """
    if name not in OPERATIONS:
        raise CitymatchValueError(f"`operation` must be one of {sorted(OPERATIONS)}; got {name!r}.")
    return OPERATIONS[name]


def execute(
    operation: str,
    request: dict[str, object] | ContractModel,
    *,
    criteria_folder: Path | None = None,
) -> ContractModel:
    """Run one operation of the contract in process (validating the request first)."""
    op = get_operation(operation)
    req = request if isinstance(request, op.request) else op.request.model_validate(request)
    return op.run(req, criteria_folder)
