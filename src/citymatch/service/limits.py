"""The service's request limits: one declarative table, applied by one function.

Every bound lives in :class:`ServiceSettings`; :data:`LIMITS` says, for each bound, which
operations it applies to, which request field it measures, how, and *why* (the memory or
time it bounds); :func:`apply_limits` applies the table to a request.  The HTTP service
calls :func:`apply_limits` for every ``/v1/<op>`` request *and* every ``/v1/record/<op>``
request, so the two can never disagree.

The bounds are chosen so that one request's memory stays bounded, not only its count of
items: the Monte Carlo work is bounded in samples × candidates × criteria cells, and
anything pairwise (the rank-acceptability matrix, candidates × ranks, which the response
also returns in full) in candidates².  On top of the counts, the memory a request's work
needs is *estimated* (:func:`memory_estimate`: the candidate matrix and its copies, the
ranking's columns, PROMETHEE's flow tables and pairwise block, the acceptability table and
its answer, the sample blocks being counted) and bounded by ``max_request_bytes``; the
refusal names the setting, the bound and the estimate term by term.  The bounds outside the table concern the transport
and run before the body is parsed (:mod:`citymatch.service.server`): the body size
(``max_body_bytes``, 413, counted while the body streams in), the time the whole body may
take to arrive (``body_timeout``, 408), and the pool of heavy work (``max_workers`` running,
``max_queue`` waiting; 503 with ``Retry-After`` beyond).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ..errors import CitymatchError, RequestLimitError
from ..models.criteria import CriteriaSet
from ..sampling import SAMPLE_BLOCK
from .contract import (
    AHPRequest,
    ContractModel,
    OperationName,
    PortfolioRequest,
    RankRequest,
    ReviewRequest,
    SensitivityRequest,
)
from .operations import resolve_criteria

__all__ = [
    "ACCEPTABILITY_CELL_BYTES",
    "LIMITS",
    "PROMETHEE_BLOCK_CELLS",
    "RANK_CELL_BYTES",
    "RANK_ROW_BYTES",
    "Limit",
    "ServiceSettings",
    "apply_limits",
    "memory_estimate",
]

Req = TypeVar("Req", bound=ContractModel)


@dataclass(frozen=True)
class ServiceSettings:
    """Limits and options of the HTTP service.

    Attributes
    ----------
    max_body_bytes : int
        Largest request body (413 beyond it), counted as the body arrives: a parsed JSON
        body takes about ten times its size in memory.
    body_timeout : float
        Seconds the whole request body may take to arrive (408 beyond; a slow client
        cannot hold a connection and its buffer open indefinitely).
    max_request_bytes : int
        Largest estimated memory of one request's work (422 beyond it; see
        :func:`memory_estimate`).  The default, 256 MiB, lets a 1,000-candidate sensitivity
        analysis (about 80 MB) or a 20,000 × 50 ranking (about 33 MB) through while the pool
        of ``max_workers`` requests per worker process stays within a small server's memory.
    max_candidates, max_criteria, max_ahp_size, max_samples, max_pairwise_cells,
    max_sample_cells, max_projects, max_years, max_project_years, max_agreements : int
        Request limits (422 beyond them); see :data:`LIMITS` for what each one measures and
        why.
    max_solve_seconds : float
        Longest portfolio solve: a larger ``time_limit`` is lowered to it; the service
        answers within the (lowered) ``time_limit`` plus ``solve_margin`` seconds.
    solve_margin : float
        Seconds allowed beyond ``time_limit`` for the whole request (model build, presolve,
        explanation) before the service answers with a time-out status.
    max_workers, max_queue : int
        Heavy work (every operation) runs in a pool of ``max_workers`` threads with at most
        ``max_queue`` requests waiting; a request beyond is refused (503, ``Retry-After``).
    retry_after : int
        Seconds suggested in the ``Retry-After`` header of a 503.
    criteria_folder : Path, optional
        Folder of extra criteria sets served by name.
    api_key_env : str
        Environment variable holding the API key (no key needed while it is unset).
    """

    max_body_bytes: int = 4 * 1024 * 1024
    body_timeout: float = 30.0
    max_candidates: int = 20_000
    max_criteria: int = 50
    max_ahp_size: int = 50
    max_samples: int = 100_000
    max_pairwise_cells: int = 1_000_000
    max_sample_cells: int = 200_000_000
    max_request_bytes: int = 256 * 1024 * 1024
    max_projects: int = 2_000
    max_years: int = 50
    max_project_years: int = 2_000
    max_agreements: int = 10_000
    max_solve_seconds: float = 30.0
    solve_margin: float = 2.0
    max_workers: int = 2
    max_queue: int = 64
    retry_after: int = 5
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
        The rule, with ``{bound}`` for the bound ("at most {bound} candidates per request")
        and optionally ``{mib}`` for it in MiB.
    measure : callable
        (request, settings) → the measured size.
    reason : str
        What the bound protects (memory or time), for the table's readers and the docs.
    cap : bool
        Lower ``field`` to the bound instead of refusing the request.
    describe : callable, optional
        (request, settings) → the measured size in words (what it is made of), for the
        refusal's "got …".
    """

    setting: str
    operations: frozenset[OperationName]
    field: str
    rule: str
    measure: Callable[[ContractModel, ServiceSettings], float]
    reason: str
    cap: bool = False
    describe: Callable[[ContractModel, ServiceSettings], str] | None = None

    def text(self, bound: float, *, grouped: bool = False) -> str:
        """The rule for ``bound`` (``grouped``: thousands separators, for people and the docs)."""
        shown = f"{bound:,}" if grouped and isinstance(bound, int) else bound
        return self.rule.format(bound=shown, mib=_mib(bound))


def _candidates(req: ContractModel, cfg: ServiceSettings) -> int:
    if isinstance(req, (RankRequest, SensitivityRequest, ReviewRequest)):
        return len(req.candidates or [])
    return 0


def _inline_criteria(req: ContractModel, cfg: ServiceSettings) -> int:
    if isinstance(req, (RankRequest, SensitivityRequest, ReviewRequest)) and isinstance(
        req.criteria, CriteriaSet
    ):
        return len(req.criteria.criteria)
    return 0


def _criteria(req: ContractModel, cfg: ServiceSettings) -> int:
    """Criteria of the request's set, inline or named.

    An unknown name counts 1: the runner refuses it with its own message.
    """
    if not isinstance(req, (RankRequest, SensitivityRequest)):
        return 0
    try:
        return len(resolve_criteria(req.criteria, cfg.criteria_folder).criteria)
    except CitymatchError:
        return 1


def _matrix_size(req: ContractModel, cfg: ServiceSettings) -> int:
    if isinstance(req, AHPRequest):
        return max([len(req.matrix), *(len(row) for row in req.matrix)])
    return 0


def _samples(req: ContractModel, cfg: ServiceSettings) -> int:
    return req.samples if isinstance(req, SensitivityRequest) else 0


def _pairwise_cells(req: ContractModel, cfg: ServiceSettings) -> int:
    return _candidates(req, cfg) ** 2


def _sample_cells(req: ContractModel, cfg: ServiceSettings) -> int:
    return _samples(req, cfg) * _candidates(req, cfg) * max(1, _criteria(req, cfg))


def _projects(req: ContractModel, cfg: ServiceSettings) -> int:
    return len(req.problem.projects) if isinstance(req, PortfolioRequest) else 0


def _years(req: ContractModel, cfg: ServiceSettings) -> int:
    return req.problem.years if isinstance(req, PortfolioRequest) else 0


def _project_years(req: ContractModel, cfg: ServiceSettings) -> int:
    return _projects(req, cfg) * _years(req, cfg)


def _agreements(req: ContractModel, cfg: ServiceSettings) -> int:
    return len(req.agreements) if isinstance(req, ReviewRequest) else 0


def _time_limit(req: ContractModel, cfg: ServiceSettings) -> float:
    return req.time_limit if isinstance(req, PortfolioRequest) else 0.0


#: Bytes per candidate × criterion of a ranking: the matrix and its copies (the table's
#: criterion columns, the checked values, the ranking's matrix, the contributions), float64.
RANK_CELL_BYTES = 4 * 8
#: Bytes per candidate of a ranking's own columns (id, name, score, rank, distances, …).
RANK_ROW_BYTES = 8 * 8
#: Bytes per cell of the rank-acceptability table the service answers with (all ranks): the
#: float64 array (8), a Python float in the response model and its list slot (32) and the
#: cell's JSON text (at most 24).
ACCEPTABILITY_CELL_BYTES = 64
#: Cells of PROMETHEE's block of pairwise differences (the Gaussian preference's work
#: area, :mod:`citymatch.scoring.promethee`): min(N², this) float64 at once.
PROMETHEE_BLOCK_CELLS = 4_000_000


def _method_name(req: RankRequest | SensitivityRequest, cs: CriteriaSet) -> str | None:
    """The canonical name of the request's method (None when unknown: the runner refuses)."""
    from ..scoring.registry import method_spec

    try:
        return method_spec(req.method if req.method is not None else cs.method).name
    except CitymatchError:
        return None


def memory_estimate(req: ContractModel, cfg: ServiceSettings) -> list[tuple[str, int]]:
    """The memory ``req``'s work needs, term by term: (what, bytes), estimated before any work.

    With N candidates, M criteria and K samples (float64 everywhere):

    - a ranking (rank, sensitivity): N × M × 32 bytes (the matrix and its copies:
      :data:`RANK_CELL_BYTES`) + N × 64 bytes (the ranking's own columns);
    - PROMETHEE II adds its two N × M flow tables (N × M × 16 bytes) and its block of
      pairwise differences, min(N², 4,000,000) × 8 bytes;
    - sensitivity adds the rank-acceptability table over all N ranks and its answer,
      N × N × 64 bytes (:data:`ACCEPTABILITY_CELL_BYTES`), and the scores and rank workspace
      of a sample block, 2 × min(K, 1,024) × N × 8 bytes.

    The request itself is bounded by the body size (``max_body_bytes``) before it is parsed.
    Other operations (AHP, portfolio, review) are bounded by their counts alone.
    """
    if not isinstance(req, (RankRequest, SensitivityRequest)):
        return []
    n = len(req.candidates)
    try:
        cs: CriteriaSet | None = resolve_criteria(req.criteria, cfg.criteria_folder)
    except CitymatchError:
        cs = None  # an unknown set: the runner refuses it with its own message
    m = len(cs.criteria) if cs is not None else 1
    parts = [
        (f"candidate matrix and its copies {n} × {m} × {RANK_CELL_BYTES}", n * m * RANK_CELL_BYTES),
        (f"the ranking's columns {n} × {RANK_ROW_BYTES}", n * RANK_ROW_BYTES),
    ]
    if cs is not None and _method_name(req, cs) == "PROMETHEE_II":
        block = min(n * n, PROMETHEE_BLOCK_CELLS)
        parts += [
            (f"PROMETHEE flow tables 2 × {n} × {m} × 8", 2 * n * m * 8),
            (f"PROMETHEE pairwise block {block} × 8", block * 8),
        ]
    if isinstance(req, SensitivityRequest):
        block = min(req.samples, SAMPLE_BLOCK)
        parts += [
            (
                f"rank-acceptability table and its answer {n} × {n} × {ACCEPTABILITY_CELL_BYTES}",
                n * n * ACCEPTABILITY_CELL_BYTES,
            ),
            (f"sample block scores and ranks 2 × {block} × {n} × 8", 2 * block * n * 8),
        ]
    return parts


def _memory(req: ContractModel, cfg: ServiceSettings) -> int:
    return sum(b for _, b in memory_estimate(req, cfg))


def _mib(size: float) -> str:
    return f"{size / 2**20:,.1f} MiB"


def _memory_terms(req: ContractModel, cfg: ServiceSettings) -> str:
    terms = " + ".join(f"{what} = {size}" for what, size in memory_estimate(req, cfg))
    total = _memory(req, cfg)
    return f"an estimated {total} bytes ({_mib(total)}): {terms}"


_TABLES: frozenset[OperationName] = frozenset({"rank", "sensitivity", "review"})
_SENS: frozenset[OperationName] = frozenset({"sensitivity"})
_RANKED: frozenset[OperationName] = frozenset({"rank", "sensitivity"})
_PORT: frozenset[OperationName] = frozenset({"portfolio"})

#: Every request limit of the service (transport bounds aside, see the module docstring),
#: with the reason for each bound.
LIMITS: tuple[Limit, ...] = (
    Limit("max_candidates", _TABLES, "candidates", "at most {bound} candidates per request", _candidates,
          "the candidate table (candidates × criteria floats, plus its pandas frame)"),
    Limit("max_criteria", _TABLES, "criteria.criteria", "at most {bound} criteria in an inline criteria set", _inline_criteria,
          "the width of every matrix and of the exact stability search (one pass per criterion)"),
    Limit("max_ahp_size", frozenset({"ahp"}), "matrix", "at most {bound} × {bound} judgements (rows and columns)", _matrix_size,
          "the eigen-decomposition (n³ work) and the random-index tables, which stop at n = 50"),
    Limit("max_samples", _SENS, "samples", "at most {bound} Monte Carlo samples per request", _samples,
          "the sampling time (one closeness evaluation per sample)"),
    Limit("max_pairwise_cells", _SENS, "candidates", "candidates² must be at most {bound} per request (the rank-acceptability matrix)", _pairwise_cells,
          "the candidates × ranks acceptability matrix (8 bytes a cell) and its JSON in the response"),
    Limit("max_sample_cells", _SENS, "samples", "samples × candidates × criteria must be at most {bound} per request", _sample_cells,
          "the Monte Carlo work and each 1,024-sample block's score arrays"),
    Limit("max_projects", _PORT, "problem.projects", "at most {bound} projects per request", _projects,
          "the portfolio model's rows (one group of constraints per project)"),
    Limit("max_years", _PORT, "problem.years", "at most {bound} planning years per request", _years,
          "the portfolio model's rows (budget, staff, starts and cap per year)"),
    Limit("max_project_years", _PORT, "problem.projects", "projects × planning years must be at most {bound} per request", _project_years,
          "the MILP's start variables (one per project and year) and the left-out explanation, which evaluates each"),
    # After the counts (a request over a count is refused by the count's own message).
    Limit("max_request_bytes", _RANKED, "candidates",
          "the work of one request must need at most {bound} bytes ({mib}) of memory (setting `max_request_bytes`)",
          _memory, "the memory of the request's work (matrices, tables, sample blocks), estimated",
          describe=_memory_terms),
    Limit("max_agreements", frozenset({"review"}), "agreements", "at most {bound} agreements per request", _agreements,
          "the review table (one row per agreement)"),
    Limit("max_solve_seconds", _PORT, "time_limit", "at most {bound} seconds of solving", _time_limit,
          "the time one request holds a worker of the pool", cap=True),
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
        got = limit.measure(request, settings)
        if got <= bound:
            continue
        if limit.cap:
            request = request.model_copy(update={limit.field: bound})
            continue
        rule = limit.text(bound)
        got_text = limit.describe(request, settings) if limit.describe else f"{got}"
        raise RequestLimitError(f"`{limit.field}`: {rule}; got {got_text}.", field=limit.field)
    return request
