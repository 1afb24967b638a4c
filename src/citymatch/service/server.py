"""The HTTP scoring service (FastAPI; optional extra ``server``).

``citymatch serve [--host 127.0.0.1] [--port 8000]`` serves the five operations of the
contract under ``/v1/<op>``, their decision records under ``/v1/record/<op>``, plus
``/health`` and the OpenAPI docs at ``/docs``.

Safety: binds to 127.0.0.1 by default; an optional API key (``X-API-Key``) is required when
the environment variable named by ``api_key_env`` (default ``CITYMATCH_API_KEY``) is set;
request bodies are limited (413) and every request, records included, passes the one table
of request limits (:mod:`citymatch.service.limits`; 422 with a clear message);
CPU-heavy work runs in the thread pool, off the event loop; validation errors and
citymatch's own errors are 422 with the JSON path and the library's wording; any other
failure is a bare 500 ("internal error") — a bug, never a stack trace; criteria sets are
read only by name from the shipped sets or a configured folder — never from a path in a
request.
"""

from __future__ import annotations

import hmac
import inspect
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._util import require
from ..errors import CitymatchError, RequestLimitError
from .contract import SCHEMA_VERSION, ContractModel
from .limits import ServiceSettings, apply_limits
from .operations import OPERATIONS, Operation
from .records import DecisionRecord, RecordKey, load_record_key, make_record

if TYPE_CHECKING:
    from fastapi import FastAPI, Request, Response
    from fastapi.exceptions import RequestValidationError
    from fastapi.params import Depends

__all__ = ["ServiceSettings", "app_from_env", "create_app", "serve"]


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """Build the FastAPI application.

    Raises
    ------
    MissingDependencyError
        FastAPI is not installed (the ``server`` extra).
    """
    require("fastapi", "the HTTP service")
    from fastapi import Depends, FastAPI

    from .. import __version__

    cfg = settings or ServiceSettings()
    app = FastAPI(
        title="citymatch scoring engine",
        version=__version__,
        description="Rank, test and choose international city partnerships (TOPSIS, AHP, SMAA-2, MILP).",
    )
    _add_body_limit(app, cfg.max_body_bytes)
    _add_error_handlers(app)
    auth = [Depends(_api_key_check(cfg.api_key_env))]

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__, "schema_version": SCHEMA_VERSION}

    record_key = load_record_key()  # read once, at creation; never echoed
    for op in OPERATIONS.values():
        _add_operation_routes(app, op, cfg, auth, record_key)
    return app


def _add_body_limit(app: FastAPI, max_bytes: int) -> None:
    """413 for a body over ``max_bytes`` (declared length, or counted when chunked)."""
    from fastapi.responses import JSONResponse

    def too_large(got: int | str) -> Response:
        msg = f"request body must be at most {max_bytes} bytes; got {got}."
        return JSONResponse(status_code=413, content={"detail": msg})

    @app.middleware("http")
    async def body_limit(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > max_bytes:
            return too_large(length)
        if request.method == "POST" and length is None:
            body = await request.body()  # chunked upload: count it
            if len(body) > max_bytes:
                return too_large(len(body))
        return await call_next(request)


def _error(status: int, loc: list[str | int], msg: str, kind: str) -> Response:
    from fastapi.responses import JSONResponse

    return JSONResponse(
        status_code=status, content={"detail": [{"loc": loc, "msg": msg, "type": kind}]}
    )


def _add_error_handlers(app: FastAPI) -> None:
    """422 for invalid requests and citymatch's own errors; 500 (no detail) for anything else."""
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse

    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        detail = [
            {
                "loc": list(e.get("loc", [])),
                "msg": str(e.get("msg", "")).removeprefix("Value error, "),
                "type": e.get("type", ""),
            }
            for e in exc.errors()
        ]
        return JSONResponse(status_code=422, content={"detail": detail})

    async def over_limit(request: Request, exc: RequestLimitError) -> Response:
        return _error(422, ["body", *exc.field.split(".")], str(exc), "limit")

    async def library(request: Request, exc: CitymatchError) -> Response:
        return _error(422, ["body"], str(exc), type(exc).__name__)

    async def internal(request: Request, exc: Exception) -> Response:  # never a stack trace
        return JSONResponse(status_code=500, content={"detail": "internal error"})

    app.add_exception_handler(RequestValidationError, invalid)  # type: ignore[arg-type]
    app.add_exception_handler(RequestLimitError, over_limit)  # type: ignore[arg-type]
    app.add_exception_handler(CitymatchError, library)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, internal)


def _api_key_check(env: str) -> Callable[..., None]:
    """A dependency refusing (401) requests without the key, when ``$env`` holds one."""
    from fastapi import Header, HTTPException

    def check_key(x_api_key: str | None = Header(default=None)) -> None:
        expected = os.environ.get(env)
        if expected and not (x_api_key and hmac.compare_digest(x_api_key, expected)):
            raise HTTPException(status_code=401, detail="missing or wrong X-API-Key header.")

    return check_key


def _taking(request_model: type[ContractModel], fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``fn`` with its body parameter ``req`` declared as ``request_model`` for FastAPI.

    The routes are built from the operations table, so the request type is a value, not an
    annotation in the source; FastAPI reads it from the signature.
    """
    param = inspect.Parameter(
        "req", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=request_model
    )
    fn.__signature__ = inspect.Signature([param])  # type: ignore[attr-defined]
    return fn


def _add_operation_routes(
    app: FastAPI,
    op: Operation,
    cfg: ServiceSettings,
    auth: list[Depends],
    record_key: RecordKey | None,
) -> None:
    """``POST /v1/<op>`` and ``POST /v1/record/<op>``: the same limits, then run or record.

    The endpoints are sync: FastAPI runs them in its thread pool, off the event loop.  The
    runner is looked up in :data:`OPERATIONS` per request.
    """
    name = op.name

    def run(req: ContractModel) -> ContractModel:
        req = apply_limits(name, req, cfg)
        return OPERATIONS[name].run(req, cfg.criteria_folder)

    def record(req: ContractModel) -> DecisionRecord:
        req = apply_limits(name, req, cfg)
        return make_record(name, req, criteria_folder=cfg.criteria_folder, key=record_key)

    app.add_api_route(
        f"/v1/{name}",
        _taking(op.request, run),
        methods=["POST"],
        response_model=op.response,
        dependencies=auth,
        name=name,
        summary=(op.request.__doc__ or name).strip().splitlines()[0],
    )
    app.add_api_route(
        f"/v1/record/{name}",
        _taking(op.request, record),
        methods=["POST"],
        response_model=DecisionRecord,
        dependencies=auth,
        name=f"record_{name}",
        summary=f"Run {name} and return its decision record, signed when the service has a "
        "record key (`signed`; see `citymatch replay`).",
    )


def app_from_env() -> FastAPI:
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
    """Run the service with uvicorn (blocking); ``workers > 1`` starts worker processes.

    Raises
    ------
    MissingDependencyError
        uvicorn or FastAPI is not installed (the ``server`` extra).
    """
    uvicorn = require("uvicorn", "the HTTP service")
    if workers > 1:
        if settings is not None and settings.criteria_folder is not None:
            os.environ["CITYMATCH_CRITERIA_FOLDER"] = str(settings.criteria_folder)
        uvicorn.run(
            "citymatch.service.server:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
        )
        return
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
