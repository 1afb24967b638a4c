"""Load test of the HTTP service on loopback (not part of CI's pass/fail).

Starts `citymatch serve` on 127.0.0.1 (a free port), then C concurrent clients send requests for
a bounded time: rank (100 candidates), its decision record (/v1/record/rank: the same limits,
plus the record and its digest) and sensitivity (1,000 samples). Each body is first checked
once: the answer must parse as the contract's response model and equal the in-process result.
Reports requests/s, p50/p99 latency and errors (must be zero). Only loopback is ever contacted.

Run:  python benchmarks/bench_service.py [--clients 8] [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np

import citymatch
from citymatch._util import atomic_write
from citymatch.service import DecisionRecord, RankResponse, SensitivityResponse, execute


def answer(url: str, body: bytes) -> bytes:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.read()


def check(base: str, rank_body: bytes, sens_body: bytes) -> None:
    """The service's answers are the contract's models and equal the in-process results."""
    got = RankResponse.model_validate_json(answer(base + "/v1/rank", rank_body))
    assert got == execute("rank", json.loads(rank_body)), "rank answer differs"
    rec = DecisionRecord.model_validate_json(answer(base + "/v1/record/rank", rank_body))
    assert rec.digest == rec.body_digest(), "record digest does not match"
    assert rec.response == got.model_dump(mode="json"), "record response differs"
    sens = SensitivityResponse.model_validate_json(answer(base + "/v1/sensitivity", sens_body))
    assert sens == execute("sensitivity", json.loads(sens_body)), "sensitivity answer differs"


def post(url: str, body: bytes) -> int:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        r.read()
        return r.status


def load(url: str, body: bytes, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker() -> None:
        nonlocal errors
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            try:
                ok = post(url, body) == 200
            except OSError:
                ok = False
            dt = time.perf_counter() - t0
            with lock:
                latencies.append(dt)
                errors += not ok

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    lat = sorted(latencies)
    return {
        "requests": len(lat),
        "errors": errors,
        "rps": len(lat) / wall,
        "p50_ms": 1e3 * statistics.median(lat),
        "p99_ms": 1e3 * lat[min(len(lat) - 1, int(0.99 * len(lat)))],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", default=str(Path(__file__).parent / "results" / "service.json"))
    args = ap.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "citymatch",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(base + "/health", timeout=1) as r:
                    r.read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("the service did not start")
        rng = np.random.default_rng(0)
        cities = citymatch.datasets.load_cities()
        rows = json.loads(cities.to_json(orient="records"))
        cands = []
        for i in range(100):  # 100 candidates: the shipped cities, jittered copies
            r = dict(rows[i % len(rows)])
            r["id"] = f"{r['id']}-{i}"
            r["sector_alignment"] = float(
                np.clip(r["sector_alignment"] + rng.normal(0, 0.05), 0, 1)
            )
            cands.append(r)
        rank_body = json.dumps(
            {"candidates": cands, "criteria": "partnership-city", "screening": False}
        ).encode()
        sens_body = json.dumps(
            {
                "candidates": cands,
                "criteria": "partnership-city",
                "screening": False,
                "samples": 1000,
                "seed": 1,
            }
        ).encode()
        check(base, rank_body, sens_body)
        out = {
            "workers": args.workers,
            "clients": args.clients,
            "seconds": args.seconds,
            "rank_100": load(base + "/v1/rank", rank_body, args.clients, args.seconds),
            "record_rank_100": load(
                base + "/v1/record/rank", rank_body, args.clients, args.seconds
            ),
            "sensitivity_1000": load(
                base + "/v1/sensitivity", sens_body, args.clients, args.seconds
            ),
        }
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    for name in ("rank_100", "record_rank_100", "sensitivity_1000"):
        r = out[name]
        print(
            f"{name:18s} {r['rps']:7.1f} req/s  p50 {r['p50_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  "
            f"requests {r['requests']}  errors {r['errors']}"
        )
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    atomic_write(args.json, json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
