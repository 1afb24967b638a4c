"""The service's fast lane: a small rank answered without FastAPI's request machinery.

``POST /v1/rank`` with a small request that the array path takes
(:func:`~citymatch.service.operations.run_rank_inline`) is the service's hot path: the work
itself is about a millisecond, and FastAPI's per-request steps (``json.loads``, validation of
the Python objects, the dependency resolution, the route's wrappers) cost as much again.
:class:`RankLane`, an ASGI middleware inside the body limits (:mod:`.server`), answers such
a request itself:

1. the body, read through the body limits as it streams in (413, 408 as for any request),
   is parsed and validated in one step by pydantic-core
   (:meth:`RankRequest.model_validate_json <pydantic.BaseModel.model_validate_json>`);
2. the one table of request limits (:func:`~citymatch.service.limits.apply_limits`), then
   the array path (:func:`~citymatch.service.operations.run_rank_inline_json`: the same
   conditions and work as the route's ``run_rank_inline``);
3. the answer is serialised straight to bytes from plain values
   (:func:`~citymatch.service.fast.dumps`: orjson, writing pydantic-core's bytes) — the
   bytes of the route's response model, without building it — and sent as the route sends
   it (status 200, ``content-type: application/json``).

It answers **only successes**.  Anything else — another route or method, a body not
declared as JSON, a missing or wrong API key, a body the limits refused, a body that does
not validate (or that pydantic-core's JSON parser reads differently from ``json.loads``,
e.g. a lone surrogate escape), a limit exceeded, a library error, a request the array path
declines — is handed, with the body as received, to the FastAPI application, which gives
today's answer: the same statuses, the same 422 shapes, the same OpenAPI document (the
route ``/v1/rank`` is unchanged; the lane only answers some of its requests first).  The
lane's answers are the route's, byte for byte (a property test compares the two).
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .contract import RankRequest
from .limits import ServiceSettings, apply_limits
from .operations import run_rank_inline_json

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["LANE_MAX_BYTES", "LANE_PATH", "RankLane", "key_matches"]

#: The route the lane serves.
LANE_PATH = "/v1/rank"
#: Largest body the lane reads (1 MiB): a small rank (at most ``INLINE_CELLS`` candidates ×
#: criteria) fits with room for dozens of other fields per candidate; a larger body goes to
#: FastAPI unparsed, so a big request (the pool's work) is never parsed twice.
LANE_MAX_BYTES = 1 << 20

_HEADERS = [(b"content-type", b"application/json")]


def key_matches(sent: bytes | None, expected: str) -> bool:
    """Whether the ``X-API-Key`` header's bytes ``sent`` are the key ``expected``.

    The header is compared as the bytes sent (HTTP headers are latin-1 on the wire) with the
    key's UTF-8 bytes, in constant time; an absent or empty header never matches.
    """
    return bool(sent) and hmac.compare_digest(sent or b"", expected.encode("utf-8"))


def _json_declared(ctype: bytes | None) -> bool:
    """Whether a ``Content-Type`` lets the lane read the body as JSON.

    Absent counts (FastAPI reads a body without one as JSON); anything but
    ``application/json`` (with parameters or not) is left to FastAPI.
    """
    if ctype is None:
        return True
    return ctype.split(b";", 1)[0].strip().lower() == b"application/json"


class RankLane:
    """ASGI middleware answering small array-path rank requests (see the module docstring).

    Parameters
    ----------
    app : ASGI application
        The FastAPI application (inside the body limits), which answers everything the lane
        does not.
    settings : ServiceSettings
        The service's settings (the request limits, the criteria folder, the API key's
        environment variable).
    """

    def __init__(self, app: ASGIApp, settings: ServiceSettings) -> None:
        self.app = app
        self.settings = settings

    def _admitted(self, scope: Scope) -> bool:
        """A POST to the lane's route, declared JSON, with the key when one is required."""
        if scope["type"] != "http" or scope["path"] != LANE_PATH or scope["method"] != "POST":
            return False
        ctype: bytes | None = None
        key: bytes | None = None
        seen_ctype = seen_key = False
        for name, value in scope["headers"]:  # the first of each, as FastAPI reads them
            if name == b"content-type" and not seen_ctype:
                ctype, seen_ctype = value, True
            elif name == b"x-api-key" and not seen_key:
                key, seen_key = value, True
            elif name == b"content-length" and value.isdigit() and int(value) > LANE_MAX_BYTES:
                return False
        expected = os.environ.get(self.settings.api_key_env)
        return _json_declared(ctype) and (not expected or key_matches(key, expected))

    def answer(self, body: bytes) -> bytes | None:
        """The JSON answer to ``body`` by the array path, or None (then FastAPI answers)."""
        try:
            req = apply_limits("rank", RankRequest.model_validate_json(body), self.settings)
            return run_rank_inline_json(req, self.settings.criteria_folder)
        except Exception:  # an error's answer (422, 500) is FastAPI's, with its own wording
            return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer an admitted request whose answer :meth:`answer` gives; hand on the rest."""
        if not self._admitted(scope):
            await self.app(scope, receive, send)
            return
        received: list[Message] = []
        size = 0
        try:
            while size <= LANE_MAX_BYTES:  # beyond: FastAPI reads on (the body limits hold)
                message = await receive()
                received.append(message)
                size += len(message.get("body", b""))
                if message["type"] != "http.request" or not message.get("more_body", False):
                    break
        except Exception as exc:  # the body limits' refusal: FastAPI answers it, as today
            await self.app(scope, _replay(received, receive, exc), send)
            return
        last = received[-1]
        complete = last["type"] == "http.request" and not last.get("more_body", False)
        body = b"".join(m.get("body", b"") for m in received)
        answer = self.answer(body) if complete and size <= LANE_MAX_BYTES else None
        if answer is None:
            await self.app(scope, _replay(received, receive, None), send)
            return
        headers = [(b"content-length", str(len(answer)).encode("ascii")), *_HEADERS]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": answer})


def _replay(
    received: list[Message], receive: Receive, error: Exception | None
) -> Callable[[], Awaitable[Any]]:
    """A ``receive`` for the application behind the lane.

    It gives the messages already read, then raises ``error`` if any, then waits on the
    connection's own ``receive`` (a disconnect).
    """
    pending = list(received)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        if error is not None:
            raise error
        return await receive()

    return replay
