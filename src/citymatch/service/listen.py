"""How several worker processes share the service's port: one listening socket each.

uvicorn's ``--workers`` hands every worker the one socket the supervisor bound, and each
worker accepts from it.  A client that opens its connections at once (a pool of keep-alive
connections, a load generator) is then often served by a single worker: the first worker
to wake accepts every pending connection before the other runs.  Measured on the 2-core
machine with wrk's 8 connections, about half the runs put all 8 on one worker (per-worker
CPU 31 and 608 ticks), and the service ran at one worker's speed — 240–290 requests/s
against 410–560 with the connections shared (``benchmarks/README.md``, session 8).

On Linux (``SO_REUSEPORT``), each worker opens its own
listening socket on the address instead, and the kernel spreads new connections over them.
The supervisor keeps a bound socket that never listens (it reserves the address and tells
the workers where to listen), after a plain bind has checked that nobody else — another
``citymatch serve`` included — holds the address: two services never share a port
silently.  Elsewhere the workers share uvicorn's socket, as before.

Imported by :func:`citymatch.service.server.serve` only, after it has checked that uvicorn
(the ``server`` extra) is installed.
"""

from __future__ import annotations

import errno
import inspect
import logging
import socket
import sys
from typing import Any

import uvicorn

__all__ = ["REUSE_PORT", "reserve", "serve_workers"]

#: Whether each worker can listen on its own socket (``SO_REUSEPORT``).
#: Linux only: there the kernel spreads a port's connections over its SO_REUSEPORT sockets
#: (the BSDs and macOS need other options for that; they keep uvicorn's shared socket).
REUSE_PORT: bool = sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")


def reserve(host: str, port: int) -> socket.socket:
    """A socket bound to ``(host, port)`` with ``SO_REUSEPORT``, not listening.

    A plain bind first: it fails while any socket holds the address, so a second service
    on the same port is an error (``EADDRINUSE``), never a silent share.  Port 0 picks a
    free port, the same for every worker.

    Raises
    ------
    OSError
        The address cannot be bound (in use, not local, no permission); the message names
        it.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    probe = socket.socket(family, socket.SOCK_STREAM)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise OSError(
                exc.errno or errno.EADDRINUSE,
                f"the service cannot listen on {host}:{port}: {exc.strerror or exc}",
            ) from None
        port = probe.getsockname()[1]
    finally:
        probe.close()
    sock = _Reserved(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        # SO_REUSEADDR lets the bind pass a closed service's TIME_WAIT connections; kept on a
        # socket that never listens, it would also let another service's plain bind (the
        # probe above) pass while no worker listens yet (start-up, restarts): both services
        # would then share the port.  Cleared, the address stays this service's alone.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 0)
    except OSError as exc:
        sock.close()
        raise OSError(
            exc.errno, f"the service cannot listen on {host}:{port}: {exc.strerror or exc}"
        ) from None
    return sock


def _own_socket(family: int, address: tuple[str, int]) -> socket.socket:
    """A new socket bound (``SO_REUSEPORT``) to ``address``: a worker's own listening socket."""
    own = socket.socket(family, socket.SOCK_STREAM)
    own.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    own.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    own.bind(address)
    return own


class _Reserved(socket.socket):
    """The supervisor's reserving socket; sent to a worker process, it arrives as a new socket.

    uvicorn hands its worker processes the supervisor's sockets by pickling them (a socket is
    normally duplicated into the child).  This one pickles as *a new socket bound to the same
    address*, made in the worker: each worker listens on its own.
    """

    def __reduce__(self) -> tuple[object, tuple[int, tuple[str, int]]]:
        return _own_socket, (int(self.family), self.getsockname())


def serve_workers(app: str, host: str, port: int, workers: int) -> None:
    """Run ``workers`` uvicorn worker processes of the app factory ``app``, each on its own socket.

    uvicorn's own supervisor runs them (restarts, signals, health checks); only the sockets
    differ.  Blocks until it stops (Ctrl+C or SIGTERM), as :func:`uvicorn.run` does.

    Raises
    ------
    OSError
        The address cannot be bound (see :func:`reserve`).
    """
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(
        app, factory=True, host=host, port=port, workers=workers, log_level="info"
    )
    sock = reserve(host, port)
    bound = sock.getsockname()
    shown = f"[{bound[0]}]" if sock.family == socket.AF_INET6 else bound[0]
    logging.getLogger("uvicorn.error").info(
        "Uvicorn running on http://%s:%d with %d workers, each on its own socket "
        "(Press CTRL+C to quit)",
        shown,
        bound[1],
        workers,
    )
    # Older uvicorn releases took the workers' entry point as `target`; newer ones build it.
    extra: dict[str, Any] = {}
    if "target" in inspect.signature(Multiprocess).parameters:
        extra["target"] = uvicorn.Server(config=config).run
    try:
        Multiprocess(config, sockets=[sock], **extra).run()
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
