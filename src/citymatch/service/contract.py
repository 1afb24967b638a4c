"""The versioned JSON contract of the scoring engine: the only JSON shape citymatch speaks.

Other systems (a proposal-intake system, a CRM, a dashboard) call citymatch through these
request/response models — over HTTP (:mod:`citymatch.service.server`) or in process
(:func:`citymatch.service.operations.execute`) — and the command line's ``--format json`` prints the same response
models, built from citymatch's results by the same ``*_response`` functions.  Every model carries
``schema_version``; the JSON Schemas are exported with ``citymatch schema --output DIR`` and
a test fails when a model changes without its exported schema changing.

Running a request is :mod:`citymatch.service.operations`; decision records (a request, its
response and a digest) are :mod:`citymatch.service.records`; the service's request limits
:mod:`citymatch.service.limits`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from itertools import repeat
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    JsonValue,
    Tag,
    TypeAdapter,
)

from ..models.agreement import Agreement, Policy
from ..models.criteria import CriteriaSet
from ..models.portfolio import PortfolioProblem

if TYPE_CHECKING:
    import pandas as pd

    from ..agreements import Review
    from ..portfolio import Plan
    from ..rank import Ranking
    from ..scale import StreamedRanking
    from ..scoring.results import AHPResult
    from ..sensitivity import RankAcceptabilityResult, StabilityResult

__all__ = [
    "ROWS_ADAPTER",
    "SCHEMA_VERSION",
    "AHPRequest",
    "AHPResponse",
    "Cell",
    "ContractModel",
    "Excluded",
    "OperationName",
    "PortfolioRequest",
    "PortfolioResponse",
    "RankRequest",
    "RankResponse",
    "RankRow",
    "ReviewRequest",
    "ReviewResponse",
    "SensitivityRequest",
    "SensitivityResponse",
    "SensitivityRow",
    "ahp_response",
    "portfolio_response",
    "rank_response",
    "ranking_row_dicts",
    "ranking_rows",
    "review_response",
    "sensitivity_response",
    "streamed_rank_response",
]

SCHEMA_VERSION: Literal["1"] = "1"

#: The names of the operations (``/v1/<name>``, ``citymatch record <name>``).
OperationName = Literal["rank", "ahp", "sensitivity", "portfolio", "review"]


def _encodable(text: str) -> str:
    """Text that can be written as UTF-8 (a JSON escape can name a lone surrogate)."""
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(
                "text must be valid Unicode: a lone surrogate (such as \\ud800) cannot be written "
                f"as UTF-8; got {text!r}"
            ) from None
    return text


#: Text in a request or response: any string that UTF-8 can carry.
Text = Annotated[str, AfterValidator(_encodable)]

#: One cell of a table in a request or response: JSON scalars only (non-finite floats become null).
Cell = float | int | Text | bool | None


class ContractModel(BaseModel):
    """Base of every request and response: frozen, no unknown fields, ``schema_version``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    schema_version: Literal["1"] = SCHEMA_VERSION


# --------------------------------------------------------------------------- requests
def _criteria_kind(value: Any) -> str | None:
    if isinstance(value, str):
        return "name"
    return "inline" if isinstance(value, (Mapping, CriteriaSet)) else None


#: A criteria set by name, or inline.  Tagged, so that an inline set's errors are reported
#: alone (an untagged union also reports "Input should be a valid string").
CriteriaRef = Annotated[
    Annotated[str, Tag("name")] | Annotated[CriteriaSet, Tag("inline")],
    Discriminator(
        _criteria_kind,
        custom_error_type="criteria_reference",
        custom_error_message="`criteria` must be a criteria set's name (a string) or an "
        "inline criteria set (an object)",
    ),
]


class _RankInputs(ContractModel):
    candidates: list[dict[str, Cell]] = Field(
        min_length=2,
        description="One object per candidate: `id`, optional `name`/`kind`, and the criterion columns.",
    )
    criteria: CriteriaRef = Field(
        description="A shipped (or configured) set name, or an inline criteria set."
    )
    weights: dict[str, float] | None = Field(
        default=None, description="Override weights: criterion id → weight."
    )
    normalization: Literal["vector", "minmax", "max", "sum"] | None = None
    missing: Literal["error", "drop", "worst"] = "error"
    screening: bool = True
    method: str | None = Field(
        default=None,
        description="Scoring method (topsis, vikor, promethee_ii, wsm, wpm, waspas, spotis, "
        "copras, mabac); default the criteria set's (TOPSIS unless it says otherwise).",
    )
    method_options: dict[str, JsonValue] | None = Field(
        default=None,
        description='The method\'s parameters, e.g. {"v": 0.3} for VIKOR or '
        '{"preference": "linear", "q": 0, "p": 2} for PROMETHEE II.',
    )


class RankRequest(_RankInputs):
    """Rank candidates under a criteria set (TOPSIS or another scoring method)."""

    top: int | None = Field(default=None, ge=1)


class AHPRequest(ContractModel):
    """Weights and consistency of a pairwise-comparison matrix."""

    matrix: list[list[float | str]] = Field(
        min_length=1, description="n×n reciprocal matrix; fractions like '1/3' allowed."
    )
    method: Literal["eigenvector", "geometric_mean"] = "eigenvector"
    ri: str = "saaty1980"
    threshold: float = Field(default=0.10, ge=0)


class SensitivityRequest(_RankInputs):
    """Rank acceptability (SMAA-2) and exact weight-stability intervals."""

    samples: int = Field(default=10_000, ge=1)
    seed: int = Field(default=0, ge=0)
    sampler: Literal["uniform", "dirichlet"] = "uniform"
    concentration: float = Field(default=50.0, gt=0)
    k: int = Field(default=3, ge=1)


class PortfolioRequest(ContractModel):
    """Choose the projects that fit budget, staff and cap."""

    problem: PortfolioProblem
    time_limit: float = Field(default=30.0, gt=0)


class ReviewRequest(ContractModel):
    """Review agreements: renew / sunset / reclassify / needs-objectives.

    With a ``policy`` (inline, or ``"example"`` for the shipped example's) each class is
    reviewed on the policy's criteria set and term, and its cap is the default ``cap`` —
    as ``citymatch review --policy`` does.
    """

    agreements: list[Agreement] = Field(min_length=1)
    criteria: CriteriaRef | None = None
    candidates: list[dict[str, Cell]] | None = None
    as_of: date
    months: int = Field(default=12, ge=0)
    cap: int | None = Field(
        default=10, ge=0, description="Default: the policy's cap when a policy is given, else 10."
    )
    policy: Policy | Literal["example"] | None = Field(
        default=None,
        description="The city's policy (classes' criteria sets and terms, cap): inline, or "
        "'example' for the shipped example policy.",
    )


# --------------------------------------------------------------------------- responses
class RankRow(BaseModel):
    """One ranked candidate."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    name: str | None = None
    kind: str | None = None
    score: float
    rank: int
    d_ideal: float | None = Field(default=None, description="TOPSIS only.")
    d_anti_ideal: float | None = Field(default=None, description="TOPSIS only.")
    contributions: dict[str, float] = Field(
        default_factory=dict, description="TOPSIS only: the exact decomposition of the score."
    )
    quantities: dict[str, float] = Field(
        default_factory=dict,
        description="The method's own per-candidate values (VIKOR S, R; PROMETHEE phi_plus, …).",
    )


class Excluded(BaseModel):
    """A candidate screened out, and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    rule: str
    reason: str


class RankResponse(ContractModel):
    """The ranking, the exclusions and the weights used."""

    criteria: str
    criteria_version: str
    weights: dict[str, float]
    weight_source: str
    method: str = "TOPSIS"
    normalization: str | None = Field(description="TOPSIS's normalisation; null for other methods.")
    ranked: int = Field(description="Candidates ranked (the ranking may list only the top ones).")
    ranking: list[RankRow]
    excluded_count: int = Field(
        description="Candidates screened out or dropped (`excluded` may list only the first ones)."
    )
    excluded: list[Excluded]
    citymatch_version: str


class AHPResponse(ContractModel):
    """AHP priorities and consistency."""

    weights: list[float]
    lambda_max: float
    ci: float
    cr: float
    ri: float
    ri_table: str
    consistent: bool
    method: str
    citymatch_version: str


class SensitivityRow(BaseModel):
    """Acceptability summary of one candidate."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    rank: int
    p_first: float
    p_top_k: float
    expected_rank: float
    confidence: float | None = Field(
        description="SMAA-2 confidence factor (null when the candidate is never first)."
    )
    acceptability: list[float]


class SensitivityResponse(ContractModel):
    """Rank acceptability and weight stability."""

    criteria: str
    criteria_version: str
    samples: int
    seed: int
    sampler: str
    k: int
    candidates: list[SensitivityRow]
    stability: list[dict[str, Cell]]
    winner: str
    winner_flip: dict[str, Cell]
    citymatch_version: str


class PortfolioResponse(ContractModel):
    """The plan (or the conflicts when none exists)."""

    status: int
    success: bool
    message: str
    value: float | None
    gap: float | None
    x: dict[str, int | None]
    selected: list[dict[str, Cell]]
    schedule: list[dict[str, Cell]]
    binding: list[str]
    left_out: list[dict[str, Cell]]
    conflicts: list[str]
    citymatch_version: str


class ReviewResponse(ContractModel):
    """One recommendation per agreement."""

    as_of: date
    active: int
    cap: int | None
    agreements: list[dict[str, Cell]]
    citymatch_version: str


# --------------------------------------------------------------------------- responses from results
def _version() -> str:
    from .. import __version__

    return __version__


def _clean(v: object) -> Cell:
    import pandas as pd

    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, (date, pd.Timestamp)):
        return str(v)[:10]
    if isinstance(v, (bool, int, float, str)):
        return v
    return str(v)


def _records(frame: pd.DataFrame) -> list[dict[str, Cell]]:
    return [{str(k): _clean(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _text(v: object) -> str | None:
    if v is None or type(v) is str:
        return v
    cell = _clean(v)
    return None if cell is None else str(cell)


_ROW_COLUMNS = frozenset({"id", "name", "kind", "score", "rank", "d_ideal", "d_anti_ideal"})


def _ranking_rows(table: pd.DataFrame) -> list[RankRow]:
    return ranking_rows({str(c): table[c] for c in table.columns}, len(table))


def ranking_rows(columns: Mapping[str, Any], n: int) -> list[RankRow]:
    """The rows of a ranking from its columns (best first; ``n`` rows each).

    ``columns`` maps the ranked table's column names (``id``, ``name``, ``kind``, ``score``,
    ``rank``, ``d_ideal``, ``d_anti_ideal``, ``contrib_<criterion>``, the method's own) to
    sequences with ``tolist()`` (pandas columns or numpy arrays) or lists.  The one place a
    ranked table becomes rows, for :func:`rank_response` (a :class:`~citymatch.Ranking`'s
    table) and the service's array path alike.  The rows (:func:`ranking_row_dicts`) are
    validated in one call as a list (in pydantic's core: faster than building the models one
    by one).
    """
    return ROWS_ADAPTER.validate_python(ranking_row_dicts(columns, n))


def ranking_row_dicts(columns: Mapping[str, Any], n: int) -> list[dict[str, Any]]:
    """The rows of :func:`ranking_rows` as plain dicts, keys in :class:`RankRow`'s field order.

    Each dict is what its :class:`RankRow` dumps to (every field given, Python ``str``,
    ``int``, ``float`` and ``None`` only), so serialising the dicts gives the models' JSON
    byte for byte; the service's fast lane serialises them without building the models.
    """
    contrib_cols = [c for c in columns if c.startswith("contrib_")]
    own = [c for c in columns if c not in _ROW_COLUMNS and c not in contrib_cols]

    def col(name: str) -> list[Any]:  # one column as Python values (no per-row dicts)
        values = columns.get(name)
        if values is None:
            return [None] * n
        return values if isinstance(values, list) else list(values.tolist())

    def texts(name: str) -> list[str | None]:
        return [v if v is None or type(v) is str else _text(v) for v in col(name)]

    def floats(name: str) -> list[float]:
        return list(np.asarray(columns[name], dtype=float).tolist())

    ids = list(map(str, col("id")))
    names, kinds = texts("name"), texts("kind")
    score = floats("score")
    rank_ = list(map(int, col("rank")))
    topsis = "d_ideal" in columns
    d_i = floats("d_ideal") if topsis else [None] * n
    d_a = floats("d_anti_ideal") if topsis else [None] * n
    contrib = _by_row([c.removeprefix("contrib_") for c in contrib_cols], contrib_cols, columns, n)
    quant = _by_row(own, own, columns, n)
    return [
        {
            "id": i,
            "name": nm,
            "kind": kd,
            "score": sc,
            "rank": rk,
            "d_ideal": di,
            "d_anti_ideal": da,
            "contributions": co,
            "quantities": qu,
        }
        for i, nm, kd, sc, rk, di, da, co, qu in zip(
            ids, names, kinds, score, rank_, d_i, d_a, contrib, quant, strict=True
        )
    ]


def _by_row(
    keys: list[str], names: list[str], columns: Mapping[str, Any], n: int
) -> list[dict[str, float]]:
    """One dict per row of the columns ``names`` (as floats), keyed by ``keys``."""
    if not names:
        return [{} for _ in range(n)]
    block = np.empty((n, len(names)))  # row-major: one tolist() gives the rows
    for j, name in enumerate(names):
        block[:, j] = np.asarray(columns[name], dtype=float)
    return list(map(dict, map(zip, repeat(keys), block.tolist())))  # each row has len(keys)


#: Validates a ranking's rows in one call.
ROWS_ADAPTER: TypeAdapter[list[RankRow]] = TypeAdapter(list[RankRow])


def _excluded_rows(frame: pd.DataFrame | None) -> list[Excluded]:
    if frame is None or frame.empty:
        return []
    return [
        Excluded(id=str(e["id"]), rule=str(e["rule"]), reason=str(e["reason"]))
        for e in frame.to_dict("records")
    ]


def rank_response(ranking: Ranking, *, top: int | None = None) -> RankResponse:
    """The contract's view of a :class:`~citymatch.Ranking` (the best ``top`` when given)."""
    cs = ranking.criteria
    table = ranking.top(top) if top is not None else ranking.to_frame()
    return RankResponse(
        criteria=cs.name,
        criteria_version=cs.version,
        weights={str(k): float(v) for k, v in ranking.weights.items()},
        weight_source=cs.weight_source,
        method=ranking.method,
        normalization=(ranking.topsis_result.normalization if ranking.method == "TOPSIS" else None),
        ranked=len(ranking.table),
        ranking=_ranking_rows(table),
        excluded_count=len(ranking.excluded),
        excluded=_excluded_rows(ranking.excluded),
        citymatch_version=_version(),
    )


def streamed_rank_response(res: StreamedRanking) -> RankResponse:
    """The contract's view of a streamed ranking (the kept top rows, the first exclusions)."""
    cs: CriteriaSet = res.criteria
    return RankResponse(
        criteria=cs.name,
        criteria_version=cs.version,
        weights={k: float(v) for k, v in zip(cs.ids, cs.weights, strict=True)},
        weight_source=cs.weight_source,
        normalization=res.normalization,
        ranked=res.n,
        ranking=_ranking_rows(res.to_frame()),
        excluded_count=res.n_excluded,
        excluded=_excluded_rows(res.excluded),
        citymatch_version=_version(),
    )


def ahp_response(res: AHPResult) -> AHPResponse:
    """The contract's view of an :class:`~citymatch.AHPResult`."""
    return AHPResponse(
        weights=[float(w) for w in res.weights],
        lambda_max=float(res.lambda_max),
        ci=float(res.ci),
        cr=float(res.cr),
        ri=float(res.ri),
        ri_table=res.ri_table,
        consistent=bool(res.consistent),
        method=res.method,
        citymatch_version=_version(),
    )


def sensitivity_response(
    ranking: Ranking,
    acceptability: RankAcceptabilityResult,
    stability: StabilityResult,
    *,
    seed: int,
) -> SensitivityResponse:
    """The contract's view of a rank-acceptability and a stability analysis of ``ranking``."""
    acc = acceptability.acceptability
    k = stability.k
    base = ranking.table.set_index("id")["rank"]
    expected = acc @ np.arange(1, acc.shape[0] + 1)
    rows = [
        SensitivityRow(
            id=i,
            rank=int(base[i]),
            p_first=float(acc[j, 0]),
            p_top_k=float(acc[j, :k].sum()),
            expected_rank=float(expected[j]),
            confidence=_finite(acceptability.confidence[j]),
            acceptability=[float(v) for v in acc[j]],
        )
        for j, i in enumerate(acceptability.ids)
    ]
    return SensitivityResponse(
        criteria=ranking.criteria.name,
        criteria_version=ranking.criteria.version,
        samples=acceptability.samples,
        seed=seed,
        sampler=acceptability.sampler,
        k=k,
        candidates=rows,
        stability=_records(stability.table),
        winner=stability.winner,
        winner_flip={str(kk): _clean(v) for kk, v in stability.flip.items()},
        citymatch_version=_version(),
    )


def _finite(v: object) -> float | None:
    cell = _clean(v)
    return float(cell) if isinstance(cell, (int, float)) and not isinstance(cell, bool) else None


def portfolio_response(plan: Plan) -> PortfolioResponse:
    """The contract's view of a :class:`~citymatch.Plan`."""
    ok = plan.feasible
    return PortfolioResponse(
        status=plan.status,
        success=plan.success,
        message=plan.message,
        value=float(plan.fun) if ok else None,
        gap=float(plan.gap) if ok else None,
        x=plan.x,
        selected=_records(plan.selected),
        schedule=_records(plan.schedule),
        binding=plan.binding,
        left_out=_records(plan.left_out),
        conflicts=plan.conflicts,
        citymatch_version=_version(),
    )


def review_response(rv: Review) -> ReviewResponse:
    """The contract's view of an agreements :class:`~citymatch.agreements.Review`."""
    return ReviewResponse(
        as_of=rv.as_of,
        active=rv.active,
        cap=rv.cap,
        agreements=_records(rv.table),
        citymatch_version=_version(),
    )
