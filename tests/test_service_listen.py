"""Worker processes of the service each listen on a socket of their own (issue 15).

With one shared socket, a client that opens its connections at once was often served by a
single worker (benchmarks/README.md, session 8). Where ``SO_REUSEPORT`` exists, the
supervisor reserves the address and every worker gets a new socket bound to it.
"""

from __future__ import annotations

import io
import pickle
import socket
from multiprocessing.reduction import ForkingPickler

import pytest

listen = pytest.importorskip("citymatch.service.listen")
pytestmark = pytest.mark.skipif(not listen.REUSE_PORT, reason="needs SO_REUSEPORT")


def _sent_to_worker(sock: socket.socket) -> socket.socket:
    """``sock`` as a worker process receives it: pickled as uvicorn hands it over."""
    buf = io.BytesIO()
    ForkingPickler(buf).dump([sock])
    return pickle.loads(buf.getvalue())[0]


def test_reserve_refuses_an_address_in_use_naming_it():
    """A port another socket holds is an OSError naming host and port, not a silent share."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen(1)
        port = other.getsockname()[1]
        with pytest.raises(OSError, match=rf"cannot listen on 127\.0\.0\.1:{port}: "):
            listen.reserve("127.0.0.1", port)


def test_a_second_service_on_the_same_port_is_refused():
    """Two services never share a port: while a first service's worker listens, a second
    reservation fails (both set SO_REUSEPORT, so only the plain bind before it catches this)."""
    first = listen.reserve("127.0.0.1", 0)
    worker = _sent_to_worker(first)
    try:
        worker.listen(8)
        port = first.getsockname()[1]
        with pytest.raises(OSError, match=rf"cannot listen on 127\.0\.0\.1:{port}: "):
            listen.reserve("127.0.0.1", port)
    finally:
        worker.close()
        first.close()


def test_reserved_socket_does_not_listen():
    """The supervisor's socket reserves the address but takes no connection: connecting
    before a worker listens is refused."""
    sock = listen.reserve("127.0.0.1", 0)
    try:
        port = sock.getsockname()[1]
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 0
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
    finally:
        sock.close()


def test_each_worker_gets_its_own_socket_and_connections_spread():
    """Sent to a worker, the reserved socket arrives as a NEW socket bound to the same
    address (SO_REUSEPORT), not a duplicate of the supervisor's; two workers' sockets both
    receive connections."""
    sock = listen.reserve("127.0.0.1", 0)
    workers = [_sent_to_worker(sock), _sent_to_worker(sock)]
    clients: list[socket.socket] = []
    try:
        addr = sock.getsockname()
        for w in workers:
            assert w.getsockname() == addr
            assert w.fileno() != sock.fileno()
            assert w.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
            w.listen(64)
            w.setblocking(False)
        clients = [socket.create_connection(addr, timeout=5) for _ in range(32)]
        accepted = []
        for w in workers:
            n = 0
            while True:
                try:
                    conn, _ = w.accept()
                except BlockingIOError:
                    break
                conn.close()
                n += 1
            accepted.append(n)
        # The kernel hashes each connection to a socket: all 32 on one has odds 2⁻³¹.
        assert sum(accepted) == 32
        assert min(accepted) >= 1
    finally:
        for c in clients:
            c.close()
        for w in workers:
            w.close()
        sock.close()


def test_serve_workers_hands_uvicorn_the_reserved_socket(monkeypatch):
    """`serve_workers` runs uvicorn's own supervisor (the app factory, the worker count) with
    the reserved socket; the socket is closed when the supervisor returns."""
    import uvicorn.supervisors

    seen = {}

    class FakeSupervisor:
        def __init__(self, config, sockets, **extra):
            seen.update(config=config, sockets=sockets, extra=extra)

        def run(self):
            seen["port"] = seen["sockets"][0].getsockname()[1]

    monkeypatch.setattr(uvicorn.supervisors, "Multiprocess", FakeSupervisor)
    listen.serve_workers("citymatch.service.server:app_from_env", "127.0.0.1", 0, 3)
    cfg, (sock,) = seen["config"], seen["sockets"]
    assert cfg.workers == 3 and cfg.factory is True
    assert cfg.app == "citymatch.service.server:app_from_env"
    assert isinstance(sock, socket.socket) and seen["port"] > 0
    assert sock.fileno() == -1  # closed after the run


def test_serve_with_workers_takes_the_own_socket_path(monkeypatch):
    """`serve(workers=2)` goes through `serve_workers` where SO_REUSEPORT exists."""
    from citymatch.service import server

    got = []
    monkeypatch.setattr(listen, "serve_workers", lambda *a: got.append(a))
    monkeypatch.setenv("CITYMATCH_SERVICE_SETTINGS", "{}")
    server.serve("127.0.0.1", 8123, workers=2)
    assert got == [("citymatch.service.server:app_from_env", "127.0.0.1", 8123, 2)]


def test_a_second_service_is_refused_before_the_first_ones_workers_listen():
    """While a service's workers are still starting (or all restarting), its address is held
    by the reserving socket alone; a second service's reservation of the same port must
    still fail — else both services' workers would listen on it and silently share it."""
    first = listen.reserve("127.0.0.1", 0)
    wrongly: list[socket.socket] = []  # a reservation that should not have succeeded
    try:
        port = first.getsockname()[1]
        with pytest.raises(OSError, match=rf"cannot listen on 127\.0\.0\.1:{port}: "):
            wrongly.append(listen.reserve("127.0.0.1", port))
        # ... and the first service's workers still get their own sockets on it.
        worker = _sent_to_worker(first)
        worker.listen(8)
        worker.close()
    finally:
        for sock in [*wrongly, first]:
            sock.close()


@pytest.mark.parametrize("reuse_port", [False, True], ids=["plain-listener", "reuseport"])
def test_reserve_succeeds_right_after_a_closed_service_left_time_wait(reuse_port):
    """A service stopped a moment ago leaves its closed connections in TIME_WAIT on the
    port (the server closed them first); a new service reserves the port all the same,
    whether the old one listened with a plain socket (one worker) or per-worker sockets."""
    old = socket.socket()
    old.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        old.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    old.bind(("127.0.0.1", 0))
    old.listen(8)
    port = old.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port), timeout=5)
    conn, _ = old.accept()
    conn.close()  # the server's side closes first: TIME_WAIT on the service's port
    assert client.recv(1) == b""
    client.close()
    old.close()
    sock = listen.reserve("127.0.0.1", port)
    try:
        assert sock.getsockname()[1] == port
    finally:
        sock.close()
