"""The HTTP scoring service (FastAPI; optional extra ``server``).

``citymatch serve [--host 127.0.0.1] [--port 8000]`` serves the five operations of the
contract under ``/v1/`` plus ``/health`` and the OpenAPI docs at ``/docs``.

Safety: binds to 127.0.0.1 by default; an optional API key (``X-API-Key``) is required when
the environment variable named by ``api_key_env`` (default ``CITYMATCH_API_KEY``) is set;
request bodies, candidates per request, Monte Carlo samples and solve time are limited
(413 / 422 with a clear message); CPU-heavy work runs in the thread pool, off the event loop;
validation errors are 422 with the JSON path of each offending field and the library's
wording; no stack trace is ever returned; criteria sets are read only by name from the
shipped sets or a configured folder — never from a path in a request.
"""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .contract import (
    AHPRequest,
    AHPResponse,
    PortfolioRequest,
    PortfolioResponse,
    RankRequest,
    RankResponse,
    ReviewRequest,
    ReviewResponse,
    SensitivityRequest,
    SensitivityResponse,
    run_ahp,
    run_portfolio,
    run_rank,
    run_review,
    run_sensitivity,
)
from .errors import CitymatchError

__all__ = ["ServiceSettings", "create_app", "serve"]


@dataclass(frozen=True)
class ServiceSettings:
    """Limits and options of the service."""

    max_body_bytes: int = 4 * 1024 * 1024
    max_candidates: int = 20_000
    max_samples: int = 100_000
    max_solve_seconds: float = 30.0
    criteria_folder: Path | None = None
    api_key_env: str = "CITYMATCH_API_KEY"


def _limit_error(field: str, rule: str, got: Any) -> Any:
    from fastapi import HTTPException

    return HTTPException(
        status_code=422,
        detail=[{"loc": ["body", field], "msg": f"{rule}; got {got}.", "type": "limit"}],
    )


def create_app(settings: ServiceSettings | None = None) -> Any:
    """Build the FastAPI application."""
    try:
        from fastapi import Depends, FastAPI, Header, HTTPException, Request
        from fastapi.exceptions import RequestValidationError
        from fastapi.responses import JSONResponse
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise CitymatchError(
            "the HTTP service needs FastAPI: pip install 'citymatch[server]'."
        ) from exc
    from . import __version__

    cfg = settings or ServiceSettings()
    app = FastAPI(
        title="citymatch scoring engine",
        version=__version__,
        description="Rank, test and choose international city partnerships (TOPSIS, AHP, SMAA-2, MILP).",
    )

    @app.middleware("http")
    async def body_limit(request: Request, call_next: Any) -> Any:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > cfg.max_body_bytes:
            return JSONResponse(
                status_code=413,
                content={
                    "detail": f"request body must be at most {cfg.max_body_bytes} bytes; got {length}."
                },
            )
        if request.method == "POST" and length is None:
            body = await request.body()  # chunked upload: count it
            if len(body) > cfg.max_body_bytes:
                return JSONResponse(
                    status_code=413,
                    content={
                        "detail": f"request body must be at most {cfg.max_body_bytes} bytes; got {len(body)}."
                    },
                )
        return await call_next(request)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Any:
        detail = [
            {
                "loc": list(e.get("loc", [])),
                "msg": str(e.get("msg", "")).removeprefix("Value error, "),
                "type": e.get("type", ""),
            }
            for e in exc.errors()
        ]
        return JSONResponse(status_code=422, content={"detail": detail})

    @app.exception_handler(CitymatchError)
    async def library_error(request: Request, exc: CitymatchError) -> Any:
        return JSONResponse(
            status_code=422,
            content={"detail": [{"loc": ["body"], "msg": str(exc), "type": type(exc).__name__}]},
        )

    @app.exception_handler(ValueError)
    async def value_error(request: Request, exc: ValueError) -> Any:
        return JSONResponse(
            status_code=422,
            content={"detail": [{"loc": ["body"], "msg": str(exc), "type": "value_error"}]},
        )

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Any:  # never a stack trace
        return JSONResponse(status_code=500, content={"detail": "internal error"})

    def check_key(x_api_key: str | None = Header(default=None)) -> None:
        expected = os.environ.get(cfg.api_key_env)
        if expected and not (x_api_key and hmac.compare_digest(x_api_key, expected)):
            raise HTTPException(status_code=401, detail="missing or wrong X-API-Key header.")

    def limit_candidates(n: int, field: str = "candidates") -> None:
        if n > cfg.max_candidates:
            raise _limit_error(field, f"at most {cfg.max_candidates} candidates per request", n)

    auth = [Depends(check_key)]

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__, "schema_version": "1"}

    # Sync endpoints: FastAPI runs them in its thread pool, off the event loop.
    @app.post("/v1/rank", response_model=RankResponse, dependencies=auth)
    def rank(req: RankRequest) -> RankResponse:
        limit_candidates(len(req.candidates))
        return run_rank(req, cfg.criteria_folder)

    @app.post("/v1/ahp", response_model=AHPResponse, dependencies=auth)
    def ahp(req: AHPRequest) -> AHPResponse:
        if len(req.matrix) > 50:
            raise _limit_error("matrix", "at most 50 × 50 judgements", f"{len(req.matrix)} rows")
        return run_ahp(req)

    @app.post("/v1/sensitivity", response_model=SensitivityResponse, dependencies=auth)
    def sensitivity(req: SensitivityRequest) -> SensitivityResponse:
        limit_candidates(len(req.candidates))
        if req.samples > cfg.max_samples:
            raise _limit_error(
                "samples", f"at most {cfg.max_samples} Monte Carlo samples per request", req.samples
            )
        if req.samples * len(req.candidates) > 50 * cfg.max_samples * 10:
            raise _limit_error(
                "samples",
                "samples × candidates too large for one request",
                req.samples * len(req.candidates),
            )
        return run_sensitivity(req, cfg.criteria_folder)

    @app.post("/v1/portfolio", response_model=PortfolioResponse, dependencies=auth)
    def portfolio(req: PortfolioRequest) -> PortfolioResponse:
        if len(req.problem.projects) > 2000:
            raise _limit_error(
                "problem.projects", "at most 2000 projects per request", len(req.problem.projects)
            )
        capped = req.model_copy(update={"time_limit": min(req.time_limit, cfg.max_solve_seconds)})
        return run_portfolio(capped, cfg.criteria_folder)

    @app.post("/v1/review", response_model=ReviewResponse, dependencies=auth)
    def review(req: ReviewRequest) -> ReviewResponse:
        if req.candidates is not None:
            limit_candidates(len(req.candidates))
        return run_review(req, cfg.criteria_folder)

    @app.post("/v1/record/{operation}", dependencies=auth)
    def record(operation: str, body: dict[str, Any]) -> dict[str, Any]:
        """Run an operation and return its signed decision record (see `citymatch replay`)."""
        from .contract import OPERATIONS, make_record

        if operation not in OPERATIONS:
            raise HTTPException(
                status_code=404,
                detail=f"unknown operation {operation!r}; one of {sorted(OPERATIONS)}.",
            )
        model, _ = OPERATIONS[operation]
        req = model.model_validate(body)
        if operation in ("rank", "sensitivity", "review"):
            limit_candidates(len(getattr(req, "candidates", None) or []))
        samples = int(getattr(req, "samples", 0))
        if samples > cfg.max_samples:
            raise _limit_error(
                "samples", f"at most {cfg.max_samples} Monte Carlo samples per request", samples
            )
        if operation == "portfolio":
            limit = min(
                float(getattr(req, "time_limit", cfg.max_solve_seconds)), cfg.max_solve_seconds
            )
            req = req.model_copy(update={"time_limit": limit})
        return make_record(operation, req, criteria_folder=cfg.criteria_folder).model_dump(
            mode="json"
        )

    return app


def app_from_env() -> Any:
    """App factory for worker processes: settings from ``CITYMATCH_CRITERIA_FOLDER``."""
    folder = os.environ.get("CITYMATCH_CRITERIA_FOLDER")
    return create_app(ServiceSettings(criteria_folder=Path(folder) if folder else None))


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    settings: ServiceSettings | None = None,
    *,
    workers: int = 1,
) -> None:
    """Run the service with uvicorn (blocking); ``workers > 1`` starts worker processes."""
    try:
        import uvicorn
    except ImportError as exc:  # pragma: no cover
        raise CitymatchError(
            "the HTTP service needs uvicorn: pip install 'citymatch[server]'."
        ) from exc
    if workers > 1:
        if settings is not None and settings.criteria_folder is not None:
            os.environ["CITYMATCH_CRITERIA_FOLDER"] = str(settings.criteria_folder)
        uvicorn.run(
            "citymatch.server:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
        )
        return
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
