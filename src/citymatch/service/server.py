"""The HTTP scoring service (FastAPI; optional extra ``server``).

``citymatch serve [--host 127.0.0.1] [--port 8000]`` serves the five operations of the
contract under ``/v1/<op>``, their decision records under ``/v1/record/<op>``, plus
``/health`` and the OpenAPI docs at ``/docs``.

Safety under hostile load:

- binds to 127.0.0.1 by default; an optional API key (``X-API-Key``) is required when the
  environment variable named by ``api_key_env`` (default ``CITYMATCH_API_KEY``) is set; a key
  that is not ASCII is simply a wrong key (401);
- the request body is counted *while it streams in* (declared ``Content-Length`` or chunked):
  reading stops at ``max_body_bytes`` (413), and the whole body must arrive within
  ``body_timeout`` seconds (408) — a slow client cannot pin a connection's buffer;
- every request, records included, passes the one table of request limits
  (:mod:`citymatch.service.limits`; 422 with a clear message);
- every operation runs in one bounded pool of ``max_workers`` threads with at most
  ``max_queue`` requests waiting (503 with ``Retry-After`` beyond) — except a small rank
  that takes the array path (at most ``INLINE_CELLS`` = 10,000 candidates × criteria,
  about a millisecond of work; :func:`~citymatch.service.operations.run_rank_inline`),
  answered on the event loop: handing it to a thread would cost more than the work — and,
  when it succeeds, answered by the fast lane (:mod:`citymatch.service.lane`: one-step
  JSON validation, no FastAPI request machinery; everything else it hands to FastAPI with
  the body as received).  Threads, not processes:
  HiGHS and numpy's kernels release the GIL while they work, requests and results need no
  pickling, and the event loop — which answers ``/health`` without touching the pool — stays
  responsive;
- a portfolio request is answered within its ``time_limit`` (lowered to
  ``max_solve_seconds``) plus ``solve_margin`` seconds, queueing, model build and explanation
  included: HiGHS gets the time left when the work starts, and past the deadline the service
  answers with the time-out status (``status`` 1, no plan) instead of waiting;
- validation errors and citymatch's own errors are 422 with the JSON path and the library's
  wording; a body that is not JSON is 400; any other failure is a bare 500 ("internal
  error") — a bug, never a stack trace; every status the service can give is documented in
  the OpenAPI document, per route;
- criteria sets are read only by name from the shipped sets or a configured folder — never
  from a path in a request.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import json
import os
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from .._util import require
from ..errors import CitymatchError, RequestLimitError
from .contract import SCHEMA_VERSION, ContractModel, PortfolioRequest
from .lane import RankLane, key_matches
from .limits import ServiceSettings, apply_limits
from .operations import OPERATIONS, Operation, timed_out_portfolio
from .records import DecisionRecord, RecordKey, load_record_key, make_record

if TYPE_CHECKING:
    from fastapi import FastAPI, Request, Response
    from fastapi.exceptions import RequestValidationError
    from fastapi.params import Depends
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ServiceSettings", "app_from_env", "create_app", "serve"]

T = TypeVar("T")


class ErrorMessage(BaseModel):
    """An error answer: one sentence naming the rule and the value got."""

    detail: str


def _responses() -> dict[int | str, dict[str, Any]]:
    """The status codes every ``/v1`` route can answer, for the OpenAPI document."""
    said = {
        400: "The body is not valid JSON (or not UTF-8).",
        401: "Missing or wrong `X-API-Key` header (when the service requires a key).",
        404: "No such route.",
        405: "The route exists but not for this HTTP method (every /v1 route takes POST).",
        408: "The request body did not arrive within the service's body timeout.",
        413: "The request body is larger than the service's body limit.",
        500: "A bug in the service (no detail is given).",
        503: "The pool of heavy work is full (see the `Retry-After` header), or a decision "
        "record's solve did not finish within the time limit.",
    }
    return {code: {"model": ErrorMessage, "description": text} for code, text in said.items()}


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
    # Inside the body limits (added first = inner): the lane reads the body through them.
    app.add_middleware(RankLane, settings=cfg)
    app.add_middleware(_BodyLimit, max_bytes=cfg.max_body_bytes, timeout=cfg.body_timeout)
    _add_error_handlers(app)
    auth = [Depends(_api_key_check(cfg.api_key_env))]
    pool = _HeavyPool(cfg.max_workers, cfg.max_queue, cfg.retry_after)

    @app.get("/health")
    async def health() -> dict[str, str]:  # on the event loop: never waits for the pool
        return {"status": "ok", "version": __version__, "schema_version": SCHEMA_VERSION}

    record_key = load_record_key()  # read once, at creation; never echoed
    for op in OPERATIONS.values():
        _add_operation_routes(app, op, cfg, auth, pool, record_key)
    return app


# ------------------------------------------------------------------ the body, as it streams
class _BodyLimit:
    """ASGI middleware: count the body as it arrives, stop at the limit or the deadline.

    A declared ``Content-Length`` over the limit is refused before a byte is read; a chunked
    body is counted chunk by chunk and reading stops at the first byte over the limit, so
    the server never holds more than ``max_bytes`` of one body.  The refusal is raised from
    ``receive`` as an ``HTTPException``, which FastAPI passes through to its JSON handler.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    def _too_large(self, got: str) -> str:
        return f"request body must be at most {self.max_bytes} bytes; got {got}."

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        from fastapi import HTTPException
        from fastapi.responses import JSONResponse

        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            text = declared.decode("latin-1")
            if not text.isdigit():
                msg = f"Content-Length must be a non-negative integer; got {text!r}."
                await JSONResponse({"detail": msg}, status_code=400)(scope, receive, send)
                return
            if int(text) > self.max_bytes:  # refused before a byte of the body is read
                response = JSONResponse({"detail": self._too_large(text)}, status_code=413)
                await response(scope, receive, send)
                return
        counted = 0
        deadline = time.monotonic() + self.timeout
        complete = False

        async def limited() -> Message:
            nonlocal counted, complete
            if complete:  # the body is in: later reads wait for the disconnect, unbounded
                return await receive()
            left = deadline - time.monotonic()
            try:  # a timer, not a task per message (asyncio.wait_for's)
                async with asyncio.timeout(max(left, 0.0)):
                    message = await receive()
            except TimeoutError:
                msg = f"request body must arrive within {self.timeout:g} seconds; it did not."
                raise HTTPException(status_code=408, detail=msg) from None
            if message["type"] == "http.request":
                counted += len(message.get("body", b""))
                if counted > self.max_bytes:
                    got = f"more ({counted} bytes read, reading stopped)"
                    raise HTTPException(status_code=413, detail=self._too_large(got))
                complete = not message.get("more_body", False)
            return message

        await self.app(scope, limited, send)


# ------------------------------------------------------------------ the pool of heavy work
class _HeavyPool:
    """At most ``workers`` jobs running and ``queue`` waiting; the rest is refused (503).

    A job counts until its thread finishes — also after the service stopped waiting for it
    (time-out, client gone) — so the bound holds for the threads really at work.
    """

    def __init__(self, workers: int, queue: int, retry_after: int) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="citymatch")
        self._capacity = workers + queue
        self._busy = 0
        self._lock = threading.Lock()
        self._workers, self._queue, self._retry = workers, queue, retry_after

    def _release(self, _: Future[Any]) -> None:
        with self._lock:
            self._busy -= 1

    def _submit(self, job: Callable[[], T]) -> Future[T]:
        from fastapi import HTTPException

        with self._lock:
            if self._busy >= self._capacity:
                msg = (
                    f"the service is busy: {self._workers} requests running and {self._queue} "
                    f"waiting (its limits); retry in {self._retry} seconds."
                )
                headers = {"Retry-After": str(self._retry)}
                raise HTTPException(status_code=503, detail=msg, headers=headers)
            self._busy += 1
        fut = self._executor.submit(job)
        fut.add_done_callback(self._release)
        return fut

    async def run(self, job: Callable[[], T], timeout: float | None) -> T | None:
        """The result of ``job`` run in the pool, or None when ``timeout`` passed first.

        Past the timeout a job still waiting is dropped; a running one finishes unobserved.
        """
        fut = self._submit(job)
        waiter = asyncio.wrap_future(fut)
        waiter.add_done_callback(lambda f: f.cancelled() or f.exception())  # never unobserved
        try:
            done, _ = await asyncio.wait({waiter}, timeout=timeout)
        except asyncio.CancelledError:  # the client went away
            fut.cancel()
            raise
        if not done:
            fut.cancel()
            return None
        return waiter.result()


# ------------------------------------------------------------------ errors
def _error(status: int, loc: list[str | int], msg: str, kind: str) -> Response:
    from fastapi.responses import JSONResponse

    return JSONResponse(
        status_code=status, content={"detail": [{"loc": loc, "msg": msg, "type": kind}]}
    )


def _not_json(request: Request) -> str | None:
    """The complaint about a body that is not declared as JSON, if it is not."""
    ctype = request.headers.get("content-type", "")
    main = ctype.split(";")[0].strip().lower()
    if main and main != "application/json" and not main.endswith("+json"):
        return f"request body must be JSON (Content-Type: application/json); got {ctype!r}."
    return None


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
        wrong_type = _not_json(request)
        if wrong_type is not None:
            detail = [{"loc": ["body"], "msg": wrong_type, "type": "content_type"}]
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


def _api_key_check(env: str) -> Callable[..., Awaitable[None]]:
    """A dependency refusing (401) requests without the key, when ``$env`` holds one.

    The header is compared as the bytes sent (HTTP headers are latin-1 on the wire) with the
    key's UTF-8 bytes (:func:`~citymatch.service.lane.key_matches`, the fast lane's check
    too), so a non-ASCII header is a wrong key, never a server error.  A coroutine: FastAPI
    runs a plain function dependency in a thread, a handover per request.
    """
    from fastapi import Header, HTTPException

    async def check_key(x_api_key: str | None = Header(default=None)) -> None:
        expected = os.environ.get(env)
        if not expected:
            return
        sent = None if x_api_key is None else x_api_key.encode("latin-1", errors="replace")
        if not key_matches(sent, expected):
            raise HTTPException(status_code=401, detail="missing or wrong X-API-Key header.")

    return check_key


# ------------------------------------------------------------------ the routes
def _taking(request_model: type[ContractModel], fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` with its body parameter ``req`` declared as ``request_model`` for FastAPI.

    The routes are built from the operations table, so the request type is a value, not an
    annotation in the source; FastAPI reads it from the signature.
    """
    param = inspect.Parameter(
        "req", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=request_model
    )
    fn.__signature__ = inspect.Signature([param])  # type: ignore[attr-defined]
    return fn


def _json(model: BaseModel) -> Response:
    """``model`` as a JSON response (serialised in the worker thread, not on the loop)."""
    from fastapi import Response

    return Response(content=model.model_dump_json(by_alias=True), media_type="application/json")


def _with_time_left(req: ContractModel, deadline: float | None, margin: float) -> ContractModel:
    """A portfolio request with ``time_limit`` lowered to what is left before ``deadline``."""
    if deadline is None or not isinstance(req, PortfolioRequest):
        return req
    left = deadline - margin - time.monotonic()
    return req.model_copy(update={"time_limit": max(min(req.time_limit, left), 0.01)})


def _add_operation_routes(
    app: FastAPI,
    op: Operation,
    cfg: ServiceSettings,
    auth: list[Depends],
    pool: _HeavyPool,
    record_key: RecordKey | None,
) -> None:
    """``POST /v1/<op>`` and ``POST /v1/record/<op>``: the same limits, then run or record.

    Both run in the pool of heavy work; the runner is looked up in :data:`OPERATIONS` per
    request.  A portfolio request has a deadline: its time limit plus ``solve_margin``,
    counted from its arrival.
    """
    from fastapi import HTTPException

    name = op.name
    folder = cfg.criteria_folder

    def deadline_of(req: ContractModel) -> float | None:
        if isinstance(req, PortfolioRequest):
            return time.monotonic() + req.time_limit + cfg.solve_margin
        return None

    async def run(req: ContractModel) -> Response:
        req = apply_limits(name, req, cfg)
        inline = OPERATIONS[name].inline
        if inline is not None:  # a small array-path rank: less work than the handover
            answer = inline(req, folder)
            if answer is not None:
                return _json(answer)
        deadline = deadline_of(req)

        def job() -> Response:
            return _json(
                OPERATIONS[name].run(_with_time_left(req, deadline, cfg.solve_margin), folder)
            )

        timeout = None if deadline is None else deadline - time.monotonic()
        response = await pool.run(job, timeout)
        if response is None:
            assert isinstance(req, PortfolioRequest)
            return _json(timed_out_portfolio(req, req.time_limit + cfg.solve_margin))
        return response

    async def record(req: ContractModel) -> Response:
        req = apply_limits(name, req, cfg)
        deadline = deadline_of(req)

        def job() -> Response:  # the record keeps the request as given, for its replay
            return _json(make_record(name, req, criteria_folder=folder, key=record_key))

        timeout = None if deadline is None else deadline - time.monotonic()
        response = await pool.run(job, timeout)
        if response is None:
            msg = (
                f"the {name} solve did not finish within {timeout:g} seconds (its time limit "
                "and the service's margin); no decision record was made."
            )
            raise HTTPException(status_code=503, detail=msg, headers={"Retry-After": "0"})
        return response

    app.add_api_route(
        f"/v1/{name}",
        _taking(op.request, run),
        methods=["POST"],
        response_model=op.response,
        responses=_responses(),
        dependencies=auth,
        name=name,
        summary=(op.request.__doc__ or name).strip().splitlines()[0],
    )
    app.add_api_route(
        f"/v1/record/{name}",
        _taking(op.request, record),
        methods=["POST"],
        response_model=DecisionRecord,
        responses=_responses(),
        dependencies=auth,
        name=f"record_{name}",
        summary=f"Run {name} and return its decision record, signed when the service has a "
        "record key (`signed`; see `citymatch replay`).",
    )


_SETTINGS_ENV = "CITYMATCH_SERVICE_SETTINGS"


def app_from_env() -> FastAPI:
    """App factory for worker processes: settings from ``CITYMATCH_SERVICE_SETTINGS`` (JSON).

    ``CITYMATCH_CRITERIA_FOLDER`` alone is still read for the criteria folder.
    """
    raw = json.loads(os.environ.get(_SETTINGS_ENV) or "{}")
    folder = raw.pop("criteria_folder", None) or os.environ.get("CITYMATCH_CRITERIA_FOLDER")
    return _settled(
        create_app(ServiceSettings(**raw, criteria_folder=Path(folder) if folder else None))
    )


def _settled(app: FastAPI) -> FastAPI:
    """The app of a serving process, after moving what start-up built out of the collector's way.

    A worker imports numpy, pandas, pydantic and FastAPI (a few hundred thousand objects that
    live as long as the process); the cyclic garbage collector's full collections walk them all
    and pause a request for tens of milliseconds now and then — the service's p99.  The
    modules a ranking needs are imported now, and ``gc.freeze()`` moves everything alive into a
    generation the collector no longer scans (what CPython's documentation advises for servers).
    """
    import gc

    from ..rank import rank  # noqa: F401 — the table path and its pandas, loaded once here

    gc.collect()
    gc.freeze()
    return app


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    settings: ServiceSettings | None = None,
    *,
    workers: int = 1,
) -> None:
    """Run the service with uvicorn (blocking); ``workers > 1`` starts worker processes.

    On Linux (``SO_REUSEPORT``) each worker listens on a socket of its
    own and the kernel spreads the connections over them (:mod:`citymatch.service.listen`);
    a port already in use is an ``OSError`` naming it.

    Raises
    ------
    MissingDependencyError
        uvicorn or FastAPI is not installed (the ``server`` extra).
    OSError
        With several workers: the address cannot be bound (in use, not local); the message
        names it.
    """
    uvicorn = require("uvicorn", "the HTTP service")
    if workers > 1:
        if settings is not None:
            fields = dataclasses.asdict(settings)
            folder = fields.pop("criteria_folder")
            os.environ[_SETTINGS_ENV] = json.dumps(
                {**fields, "criteria_folder": None if folder is None else str(folder)}
            )
        from .listen import REUSE_PORT, serve_workers

        if REUSE_PORT:  # a listening socket per worker: connections spread over the workers
            serve_workers("citymatch.service.server:app_from_env", host, port, workers)
            return
        uvicorn.run(
            "citymatch.service.server:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
        )
        return
    uvicorn.run(_settled(create_app(settings)), host=host, port=port, log_level="info")
