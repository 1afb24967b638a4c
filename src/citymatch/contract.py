"""The versioned JSON contract of the scoring engine, and decision records.

Other systems (a proposal-intake system, a CRM, a dashboard) call citymatch through these
request/response models — over HTTP (:mod:`citymatch.server`) or in process
(:func:`execute`).  Every model carries ``schema_version``; the JSON Schemas are exported with
``citymatch schema --output DIR`` and a test fails when a model changes without its exported
schema changing.

A :class:`DecisionRecord` keeps one decision reproducible next year: the request, the
resolved criteria set and where its weights came from, the options and seed, the library
version, the outputs, and a SHA-256 digest over all of it.  ``citymatch replay RECORD.json``
re-runs the request and reports every difference; a tampered record fails its digest.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from .errors import CitymatchError, CitymatchValueError
from .models.agreement import Agreement
from .models.criteria import CriteriaSet, list_criteria
from .models.portfolio import PortfolioProblem

__all__ = [
    "SCHEMA_VERSION",
    "AHPRequest",
    "AHPResponse",
    "DecisionRecord",
    "PortfolioRequest",
    "PortfolioResponse",
    "RankRequest",
    "RankResponse",
    "ReviewRequest",
    "ReviewResponse",
    "SensitivityRequest",
    "SensitivityResponse",
    "execute",
    "make_record",
    "replay",
]

SCHEMA_VERSION: Literal["1"] = "1"

Cell = float | int | str | bool | None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    schema_version: Literal["1"] = SCHEMA_VERSION


# --------------------------------------------------------------------------- requests
class _RankInputs(_Model):
    candidates: list[dict[str, Cell]] = Field(
        min_length=2,
        description="One object per candidate: `id`, optional `name`/`kind`, and the criterion columns.",
    )
    criteria: str | CriteriaSet = Field(
        description="A shipped (or configured) set name, or an inline criteria set."
    )
    weights: dict[str, float] | None = Field(
        default=None, description="Override weights: criterion id → weight."
    )
    normalization: Literal["vector", "minmax", "max", "sum"] | None = None
    missing: Literal["error", "drop", "worst"] = "error"
    screening: bool = True


class RankRequest(_RankInputs):
    """Rank candidates under a criteria set (TOPSIS)."""

    top: int | None = Field(default=None, ge=1)


class AHPRequest(_Model):
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


class PortfolioRequest(_Model):
    """Choose the projects that fit budget, staff and cap."""

    problem: PortfolioProblem
    time_limit: float = Field(default=30.0, gt=0)


class ReviewRequest(_Model):
    """Review agreements: renew / sunset / reclassify / needs-objectives."""

    agreements: list[Agreement] = Field(min_length=1)
    criteria: str | CriteriaSet | None = None
    candidates: list[dict[str, Cell]] | None = None
    as_of: date
    months: int = Field(default=12, ge=0)
    cap: int | None = Field(default=10, ge=0)


# --------------------------------------------------------------------------- responses
class RankRow(BaseModel):
    """One ranked candidate."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    name: str | None = None
    kind: str | None = None
    score: float
    rank: int
    d_ideal: float
    d_anti_ideal: float
    contributions: dict[str, float]


class Excluded(BaseModel):
    """A candidate screened out, and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    rule: str
    reason: str


class RankResponse(_Model):
    """The ranking, the exclusions and the weights used."""

    criteria: str
    criteria_version: str
    weights: dict[str, float]
    weight_source: str
    normalization: str
    ranking: list[RankRow]
    excluded: list[Excluded]
    citymatch_version: str


class AHPResponse(_Model):
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
    acceptability: list[float]


class SensitivityResponse(_Model):
    """Rank acceptability and weight stability."""

    samples: int
    seed: int
    sampler: str
    k: int
    candidates: list[SensitivityRow]
    stability: list[dict[str, Cell]]
    winner: str
    winner_flip: dict[str, Cell]
    citymatch_version: str


class PortfolioResponse(_Model):
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


class ReviewResponse(_Model):
    """One recommendation per agreement."""

    as_of: date
    active: int
    cap: int | None
    agreements: list[dict[str, Cell]]
    citymatch_version: str


# --------------------------------------------------------------------------- execution
def _version() -> str:
    from . import __version__

    return __version__


def _clean(v: Any) -> Cell:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, (date, pd.Timestamp)):
        return str(v)[:10]
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return str(v)


def _records(frame: pd.DataFrame) -> list[dict[str, Cell]]:
    return [{str(k): _clean(v) for k, v in row.items()} for row in frame.to_dict("records")]


def resolve_criteria(criteria: str | CriteriaSet, folder: Path | None = None) -> CriteriaSet:
    """A criteria set by shipped name (or from ``folder``), never from a path in a request."""
    from .models.criteria import load_criteria

    if isinstance(criteria, CriteriaSet):
        return criteria
    if (
        folder is not None
        and "/" not in criteria
        and "\\" not in criteria
        and not criteria.startswith(".")
    ):
        candidate = folder / f"{criteria}.toml"
        if candidate.is_file():
            return load_criteria(candidate)
    if criteria not in list_criteria():
        raise CitymatchValueError(
            f"`criteria` must name a shipped or configured criteria set; got {criteria!r}; available: {list_criteria()}."
        )
    return load_criteria(criteria)


def _rank(req: _RankInputs, folder: Path | None) -> Any:
    from .rank import rank

    cs = resolve_criteria(req.criteria, folder)
    return rank(
        pd.DataFrame(req.candidates),
        cs,
        weights=req.weights,
        normalization=req.normalization,
        missing=req.missing,
        screening=req.screening,
    )


def run_rank(req: RankRequest, folder: Path | None = None) -> RankResponse:
    """Execute a rank request."""
    r = _rank(req, folder)
    table = r.top(req.top) if req.top else r.to_frame()
    contrib_cols = [c for c in table.columns if c.startswith("contrib_")]
    rows = [
        RankRow(
            id=str(t["id"]),
            name=_s(t.get("name")),
            kind=_s(t.get("kind")),
            score=float(t["score"]),
            rank=int(t["rank"]),
            d_ideal=float(t["d_ideal"]),
            d_anti_ideal=float(t["d_anti_ideal"]),
            contributions={c.removeprefix("contrib_"): float(t[c]) for c in contrib_cols},
        )
        for t in table.to_dict("records")
    ]
    return RankResponse(
        criteria=r.criteria.name,
        criteria_version=r.criteria.version,
        weights={k: float(v) for k, v in r.weights.items()},
        weight_source=r.criteria.weight_source,
        normalization=r.result.normalization,
        ranking=rows,
        excluded=[
            Excluded(id=str(e["id"]), rule=str(e["rule"]), reason=str(e["reason"]))
            for e in r.excluded.to_dict("records")
        ],
        citymatch_version=_version(),
    )


def _s(v: Any) -> str | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)


def run_ahp(req: AHPRequest) -> AHPResponse:
    """Execute an AHP request."""
    from .scoring.ahp import ahp

    return ahp_response(ahp(req.matrix, method=req.method, ri=req.ri, threshold=req.threshold))


def ahp_response(res: Any) -> AHPResponse:
    """The contract's view of an :class:`~citymatch.AHPResult` (also the CLI's JSON)."""
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


def run_sensitivity(req: SensitivityRequest, folder: Path | None = None) -> SensitivityResponse:
    """Execute a sensitivity request."""
    from . import sensitivity as sa

    r = _rank(req, folder)
    n = len(r.table)
    k = min(req.k, n - 1)
    acc = sa.rank_acceptability(
        r, samples=req.samples, rng=req.seed, sampler=req.sampler, concentration=req.concentration
    )
    stab = sa.stability_intervals(r, k=k)
    base = r.table.set_index("id")["rank"]
    expected = acc.acceptability @ np.arange(1, n + 1)
    rows = [
        SensitivityRow(
            id=i,
            rank=int(base[i]),
            p_first=float(acc.acceptability[j, 0]),
            p_top_k=float(acc.acceptability[j, :k].sum()),
            expected_rank=float(expected[j]),
            acceptability=[float(v) for v in acc.acceptability[j]],
        )
        for j, i in enumerate(acc.ids)
    ]
    return SensitivityResponse(
        samples=acc.samples,
        seed=req.seed,
        sampler=acc.sampler,
        k=k,
        candidates=rows,
        stability=_records(stab.table),
        winner=stab.winner,
        winner_flip={kk: _clean(v) for kk, v in stab.flip.items()},
        citymatch_version=_version(),
    )


def run_portfolio(req: PortfolioRequest, folder: Path | None = None) -> PortfolioResponse:
    """Execute a portfolio request."""
    from .portfolio import optimize_portfolio, score_projects

    prob = req.problem
    if prob.value_criteria is not None and any(p.value is None for p in prob.projects):
        prob = score_projects(prob, resolve_criteria(prob.value_criteria, folder))
    return portfolio_response(optimize_portfolio(prob, time_limit=req.time_limit))


def portfolio_response(plan: Any) -> PortfolioResponse:
    """The contract's view of a :class:`~citymatch.Plan` (also the CLI's JSON)."""
    ok = plan.status in (0, 1)
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


def run_review(req: ReviewRequest, folder: Path | None = None) -> ReviewResponse:
    """Execute a review request."""
    from .agreements import Register, review

    reg = Register(Path("."), {a.id: a for a in req.agreements})
    cs = resolve_criteria(req.criteria, folder) if req.criteria is not None else None
    cands = pd.DataFrame(req.candidates) if req.candidates is not None else None
    rv = review(reg, cs, cands, as_of=req.as_of, months=req.months, cap=req.cap)
    return ReviewResponse(
        as_of=req.as_of,
        active=rv.active,
        cap=rv.cap,
        agreements=_records(rv.table),
        citymatch_version=_version(),
    )


OPERATIONS: dict[str, tuple[type[_Model], Callable[..., _Model]]] = {
    "rank": (RankRequest, run_rank),
    "ahp": (AHPRequest, lambda req, folder=None: run_ahp(req)),
    "sensitivity": (SensitivityRequest, run_sensitivity),
    "portfolio": (PortfolioRequest, run_portfolio),
    "review": (ReviewRequest, run_review),
}


def execute(
    operation: str, request: dict[str, Any] | _Model, *, criteria_folder: Path | None = None
) -> _Model:
    """Run one operation of the contract in process (validating the request first)."""
    if operation not in OPERATIONS:
        raise CitymatchValueError(
            f"`operation` must be one of {sorted(OPERATIONS)}; got {operation!r}."
        )
    model, fn = OPERATIONS[operation]
    req = request if isinstance(request, model) else model.model_validate(request)
    return fn(req, criteria_folder)


# --------------------------------------------------------------------------- decision records
class DecisionRecord(BaseModel):
    """One decision, reproducible: request, criteria and weight source, version, outputs, digest."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    record_version: Literal["1"] = "1"
    operation: Literal["rank", "ahp", "sensitivity", "portfolio", "review"]
    request: dict[str, Any]
    criteria: dict[str, Any] | None = None
    weight_source: str | None = None
    seed: int | None = None
    citymatch_version: str
    response: dict[str, Any]
    digest: str = ""

    def body_digest(self) -> str:
        """SHA-256 over everything but the digest itself (canonical JSON)."""
        body = self.model_dump(mode="json", exclude={"digest"})
        return hashlib.sha256(
            json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()


def make_record(
    operation: str,
    request: dict[str, Any] | _Model,
    response: _Model | None = None,
    *,
    criteria_folder: Path | None = None,
) -> DecisionRecord:
    """Run (or take) a response and wrap it with its inputs into a signed decision record."""
    model, _fn = OPERATIONS[operation]
    req = request if isinstance(request, model) else model.model_validate(request)
    resp = (
        response
        if response is not None
        else execute(operation, req, criteria_folder=criteria_folder)
    )
    crit = getattr(req, "criteria", None)
    cs = resolve_criteria(crit, criteria_folder) if crit is not None else None
    rec = DecisionRecord(
        operation=operation,
        request=req.model_dump(mode="json"),
        criteria=cs.model_dump(mode="json") if cs else None,
        weight_source=cs.weight_source if cs else None,
        seed=getattr(req, "seed", None),
        citymatch_version=_version(),
        response=resp.model_dump(mode="json"),
    )
    return rec.model_copy(update={"digest": rec.body_digest()})


def _diff(a: Any, b: Any, path: str, out: list[str], tol: float) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(
                    f"{path}.{k}: {'missing in the record' if k not in a else 'missing in the replay'}"
                )
            else:
                _diff(a[k], b[k], f"{path}.{k}", out, tol)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: {len(a)} items recorded, {len(b)} now")
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            _diff(x, y, f"{path}[{i}]", out, tol)
    elif isinstance(a, float) and isinstance(b, (int, float)) and not isinstance(b, bool):
        if not (a == b or abs(a - b) <= tol * max(1.0, abs(a))):
            out.append(f"{path}: recorded {a!r}, now {b!r}")
    elif a != b:
        out.append(f"{path}: recorded {a!r}, now {b!r}")


def replay(
    record: DecisionRecord | str | Path, *, tol: float = 1e-12, criteria_folder: Path | None = None
) -> list[str]:
    """Re-run a decision record; return the differences (empty = identical).

    Raises
    ------
    CitymatchError
        The record's digest does not match its content (it was altered), or it cannot be read.
    """
    if not isinstance(record, DecisionRecord):
        try:
            record = DecisionRecord.model_validate_json(Path(record).read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise CitymatchError(f"decision record {str(record)!r} cannot be read: {exc}") from exc
    if record.digest != record.body_digest():
        raise CitymatchError(
            "decision record failed its integrity check: the SHA-256 digest does not match its content "
            "(the record was altered after it was made)."
        )
    fresh = execute(record.operation, record.request, criteria_folder=criteria_folder).model_dump(
        mode="json"
    )
    out: list[str] = []
    skip = {"citymatch_version"}
    a = {k: v for k, v in record.response.items() if k not in skip}
    b = {k: v for k, v in fresh.items() if k not in skip}
    _diff(a, b, "response", out, tol)
    return out
