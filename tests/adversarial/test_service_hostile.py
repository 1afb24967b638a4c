"""Hostile requests against a real ``citymatch serve`` on loopback (issue 13).

One server is started per module (a subprocess on a free port) and killed at the end.  It
runs with a small body limit (1,000,000 bytes), a 2-second body timeout, two workers with a
queue of 60, and an API key, so that each probe meets the bound it is about:

- oversized bodies, declared (``Content-Length``) and chunked — 413, and the server's
  resident memory does not grow with the body (it stops reading at the limit);
- a slow-loris body (headers, then a few bytes, then silence) — 408 once the body timeout
  has passed (chosen: one deadline for the *whole* body, counted from the first read, so a
  trickle of a byte a second cannot keep it open either);
- JSON nested 100,000 deep, invalid UTF-8, a wrong content type — 400 or 422, never 500;
- a non-ASCII API key — 401; unknown routes — 404 with a JSON body;
- 60 concurrent heavy requests while ``/health`` is timed; a burst beyond the queue — 503
  with ``Retry-After``;
- a hard 160-project × 10-year portfolio with a 2-second limit — answered with the time-out
  status within the limit plus the service's margin.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

import citymatch

KEY = "s3cret-key"
MAX_BODY = 1_000_000
BODY_TIMEOUT = 2.0
SOLVE_MARGIN = 2.0  # ServiceSettings.solve_margin's default
WORKERS, QUEUE = 2, 60


@dataclass(frozen=True)
class Server:
    port: int
    proc: subprocess.Popen[bytes]

    def rss_kib(self) -> int:
        """The server's resident set (VmRSS) in KiB, from /proc."""
        with open(f"/proc/{self.proc.pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise AssertionError("no VmRSS line")

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str | bytes] | None = None,
        *,
        timeout: float = 180,
    ) -> tuple[int, dict[str, str], bytes]:
        """One request on a fresh connection: (status, headers, body)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            sent = {"X-API-Key": KEY, "Content-Type": "application/json", **(headers or {})}
            conn.putrequest(method, path)
            for k, v in sent.items():
                conn.putheader(k, v)
            conn.putheader("Content-Length", str(len(body or b"")))
            conn.endheaders(body)
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def post(self, path: str, payload: object, **kw: object) -> tuple[int, dict[str, str], bytes]:
        return self.request("POST", path, json.dumps(payload).encode(), **kw)  # type: ignore[arg-type]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    port = _free_port()
    args = [
        *("--port", str(port), "--max-body-bytes", str(MAX_BODY)),
        *("--body-timeout", str(BODY_TIMEOUT), "--max-workers", str(WORKERS)),
        *("--max-queue", str(QUEUE)),
    ]
    env = {**os.environ, "CITYMATCH_API_KEY": KEY}
    proc = subprocess.Popen(
        [sys.executable, "-m", "citymatch", "serve", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    srv = Server(port, proc)
    try:
        for _ in range(300):
            try:
                if srv.request("GET", "/health", timeout=1)[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("the server did not start")
        yield srv
    finally:
        proc.kill()
        proc.wait(timeout=10)


def _raw(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def _read_response(s: socket.socket, timeout: float = 30) -> tuple[int, bytes]:
    """Status and body of the one response on raw socket ``s`` (connection closed after)."""
    s.settimeout(timeout)
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
        head, sep, rest = data.partition(b"\r\n\r\n")
        if sep:
            length = [
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ]
            if length and len(rest) >= length[0]:
                break
    status = int(data.split(b" ", 2)[1])
    return status, data.partition(b"\r\n\r\n")[2]


def _post_head(path: str, extra: str) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: {KEY}\r\n"
        f"Content-Type: application/json\r\n{extra}\r\n"
    ).encode()


# ------------------------------------------------------------------ oversized bodies
def test_chunked_body_stops_at_the_limit_without_growing_the_server(server):
    """A 200 MB chunked body gets 413 and the server's resident memory grows by less than
    50 MiB while it is sent (before the fix the whole body was buffered: ~1.7 × its size)."""
    before = server.rss_kib()
    peak = before
    chunk = b"x" * (1 << 20)
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    s = _raw(server.port)
    status = body = None
    try:
        s.sendall(_post_head("/v1/rank", "Transfer-Encoding: chunked\r\n"))
        for _ in range(200):
            try:
                s.sendall(frame)
            except (BrokenPipeError, ConnectionResetError):
                break
            peak = max(peak, server.rss_kib())
            if select.select([s], [], [], 0)[0]:  # the server answered: stop sending
                break
        status, body = _read_response(s)
    finally:
        s.close()
    peak = max(peak, server.rss_kib())
    assert status == 413, body
    assert json.loads(body)["detail"].startswith(f"request body must be at most {MAX_BODY} bytes")
    assert (peak - before) / 1024 < 50, f"server grew by {(peak - before) / 1024:.0f} MiB"


def test_declared_oversized_body_is_refused_before_reading(server):
    """A declared Content-Length of 200 MB is refused (413, naming the size got) with only the
    headers sent: nothing of the body is read."""
    s = _raw(server.port)
    try:
        s.sendall(_post_head("/v1/ahp", "Content-Length: 200000000\r\n"))
        status, body = _read_response(s, timeout=10)
    finally:
        s.close()
    assert status == 413
    assert json.loads(body)["detail"] == (
        f"request body must be at most {MAX_BODY} bytes; got 200000000."
    )


def test_slow_body_times_out(server):
    """Headers, then 10 of 100 declared bytes, then silence: 408 after the body timeout
    (not a connection held open for ever)."""
    s = _raw(server.port)
    try:
        s.sendall(_post_head("/v1/ahp", "Content-Length: 100\r\n") + b'{"matrix":')
        t0 = time.monotonic()
        status, body = _read_response(s, timeout=BODY_TIMEOUT + 20)
        waited = time.monotonic() - t0
    finally:
        s.close()
    assert status == 408
    assert json.loads(body)["detail"] == (
        f"request body must arrive within {BODY_TIMEOUT:g} seconds; it did not."
    )
    assert BODY_TIMEOUT - 0.5 < waited < BODY_TIMEOUT + 5


# ------------------------------------------------------------------ malformed requests
@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"matrix": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"matrix": [[1]], "ri": "\xff\xfe"}',
        b'{"matrix": [[1]',
    ],
    ids=["nested-100000", "nested-in-field", "invalid-utf8", "truncated"],
)
def test_malformed_json_is_a_client_error(server, body):
    """JSON nested 100,000 deep, invalid UTF-8 or cut short: 400 or 422 with a JSON detail,
    never a 500 (RecursionError, UnicodeDecodeError)."""
    status, _, text = server.request("POST", "/v1/ahp", body)
    assert status in (400, 422), text
    assert "detail" in json.loads(text)


def test_wrong_content_type_is_named(server):
    """A JSON body sent as text/plain is 422 naming the content type expected and got."""
    status, _, text = server.request(
        "POST", "/v1/ahp", b'{"matrix": [[1]]}', headers={"Content-Type": "text/plain"}
    )
    assert status == 422
    assert json.loads(text)["detail"][0]["msg"] == (
        "request body must be JSON (Content-Type: application/json); got 'text/plain'."
    )


@pytest.mark.parametrize("key", ["é…".encode(), "é".encode("latin-1"), KEY.encode() + "é".encode()])
def test_non_ascii_api_key_is_401(server, key):
    """An X-API-Key that is not ASCII (UTF-8 or latin-1 bytes) is a wrong key: 401."""
    status, _, text = server.request(
        "POST", "/v1/ahp", b'{"matrix": [[1]]}', headers={"X-API-Key": key}
    )
    assert status == 401, text
    assert json.loads(text) == {"detail": "missing or wrong X-API-Key header."}


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/nope"), ("POST", "/v1/nope"), ("POST", "/v1/record/nope")]
)
def test_unknown_routes_are_404_json(server, method, path):
    """An unknown route is 404 with a JSON body."""
    status, headers, text = server.request(method, path, b"{}")
    assert status == 404 and headers["content-type"] == "application/json"
    assert json.loads(text) == {"detail": "Not Found"}


# ------------------------------------------------------------------ load
@pytest.fixture(scope="module")
def heavy() -> dict[str, object]:
    """A sensitivity request of a few hundred milliseconds (68 candidates, 3,000 samples)."""
    rows = json.loads(citymatch.datasets.load_cities().to_json(orient="records"))
    return {"candidates": rows, "criteria": "partnership-city", "samples": 3_000, "seed": 3}


def _health_times(server: Server, until: float) -> list[float]:
    times = []
    while time.monotonic() < until:
        t0 = time.perf_counter()
        status, _, _ = server.request("GET", "/health", timeout=30)
        times.append(time.perf_counter() - t0)
        assert status == 200
        time.sleep(0.05)
    return times


def test_health_stays_fast_under_60_heavy_requests(server, heavy):
    """While 60 heavy requests are in flight (2 running, 58 queued), /health answers in
    under 100 ms (median) — it never waits on the pool — and every heavy request is served
    (200).  The worst probe is bounded at 2 s only: on this shared 2-core machine (load ~9)
    the scheduler alone can stall a process for ~0.8 s; a /health that waited for the pool
    (the 60 requests take ~15 s) or for FastAPI's thread pool (before the fix) fails it."""
    body = json.dumps(heavy).encode()
    with ThreadPoolExecutor(60) as ex:
        futures = [ex.submit(server.request, "POST", "/v1/sensitivity", body) for _ in range(60)]
        time.sleep(2.0)  # let them arrive: 2 running, 58 waiting (each takes ~0.4 s)
        times = _health_times(server, time.monotonic() + 3.0)
        statuses = [f.result()[0] for f in futures]
    assert statuses == [200] * 60
    ordered = sorted(times)
    assert ordered[len(times) // 2] < 0.1, [round(t, 3) for t in times]
    assert ordered[-1] < 2.0, [round(t, 3) for t in times]


def test_full_queue_is_503_with_retry_after(server, heavy):
    """A burst of 90 beyond max_workers + max_queue (62) gets 503s with a Retry-After
    header and a JSON detail naming the limits; the requests admitted are served.  (How
    many are refused depends on how many finish while the burst arrives; the exact count
    is pinned in process by test_service_pool.py.)"""
    body = json.dumps(heavy).encode()
    with ThreadPoolExecutor(90) as ex:
        results = list(ex.map(lambda _: server.request("POST", "/v1/sensitivity", body), range(90)))
    busy = [r for r in results if r[0] == 503]
    assert {r[0] for r in results} <= {200, 503}
    assert busy
    assert all(int(r[1]["retry-after"]) > 0 for r in busy)
    assert json.loads(busy[0][2])["detail"] == (
        f"the service is busy: {WORKERS} requests running and {QUEUE} waiting (its limits); "
        "retry in 5 seconds."
    )


# ------------------------------------------------------------------ the solve time limit
def hard_portfolio(n: int, years: int, seed: int = 7) -> dict[str, object]:
    """A knapsack-like portfolio with tight coupled constraints (budget, staff, starts, cap)."""
    rng = random.Random(seed)
    projects = []
    for i in range(n):
        d = rng.randint(2, 4)
        projects.append(
            {
                "id": f"P{i}",
                "value": rng.randint(50, 100),
                "cost": [rng.randint(20, 60) for _ in range(d)],
                "staff": [rng.randint(1, 9) / 2 for _ in range(d)],
                "duration": d,
                "partners": [f"c{rng.randint(0, 25)}"],
            }
        )
    return {
        "start_year": 2026,
        "years": years,
        "budget": 201,
        "staff": 13.5,
        "new_per_year_min": 2,
        "new_per_year_max": 5,
        "agreement_cap": 10,
        "projects": projects,
    }


def test_hard_portfolio_answers_within_the_time_limit(server):
    """A hard 160-project × 10-year portfolio with time_limit 2 s is answered with the
    time-out status (1, not a 500, not a hang) within the limit plus the service's margin
    (+1.5 s for the round trip); the library alone takes about four times as long (HiGHS,
    then the explanation of the plan)."""
    payload = {"problem": hard_portfolio(160, 10), "time_limit": 2}
    t0 = time.monotonic()
    status, _, text = server.post("/v1/portfolio", payload)
    took = time.monotonic() - t0
    assert status == 200, text
    body = json.loads(text)
    assert body["status"] == 1 and body["success"] is False
    assert body["message"].startswith("Time limit reached")
    assert took < 2 + SOLVE_MARGIN + 1.5, took
