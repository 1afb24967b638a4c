"""The service in process (issue 13): one limits table, the bounded pool, the solve deadline,
and the status codes the OpenAPI document promises."""

from __future__ import annotations

import dataclasses
import json
import math
import threading
import time

import pytest
from fastapi.testclient import TestClient

from citymatch.errors import RequestLimitError
from citymatch.service import (
    LIMITS,
    OPERATIONS,
    SensitivityRequest,
    ServiceSettings,
    apply_limits,
    create_app,
)


@pytest.fixture(scope="module")
def client():
    return TestClient(create_app())


def _both(client, op, body):
    """The answers of /v1/<op> and /v1/record/<op> to ``body``."""
    return client.post(f"/v1/{op}", json=body), client.post(f"/v1/record/{op}", json=body)


def _same_refusal(client, op, body, msg):
    direct, record = _both(client, op, body)
    assert direct.status_code == record.status_code == 422, (direct.text, record.text)
    assert direct.json() == record.json()
    assert direct.json()["detail"][0]["msg"] == msg


# ------------------------------------------------------------------ one limits table
def test_ahp_60x60_refused_alike(client):
    """The probe's 60×60 AHP matrix: the same 422 from /v1/ahp and /v1/record/ahp."""
    body = {"matrix": [[1] * 60 for _ in range(60)]}
    _same_refusal(
        client, "ahp", body, "`matrix`: at most 50 × 50 judgements (rows and columns); got 60."
    )


def test_2001_projects_refused_alike(client):
    """The probe's 2,001 projects: the same 422 from /v1/portfolio and its record route."""
    problem = {
        "start_year": 2026,
        "years": 1,
        "projects": [{"id": f"P{i}", "value": 1} for i in range(2001)],
    }
    _same_refusal(
        client,
        "portfolio",
        {"problem": problem},
        "`problem.projects`: at most 2000 projects per request; got 2001.",
    )


def test_over_limit_samples_times_candidates_refused_alike(client):
    """samples × candidates × criteria over the bound: the same 422 from /v1/sensitivity and
    /v1/record/sensitivity (the partnership-city set has 7 criteria: 100,000 × 300 × 7 =
    210,000,000 > 200,000,000; samples × candidates alone, 30,000,000, passed the old
    table)."""
    from citymatch import load_criteria

    m = len(load_criteria("partnership-city").criteria)
    n = 300
    body = {
        "candidates": [{"id": f"c{i}"} for i in range(n)],
        "criteria": "partnership-city",
        "samples": 100_000,
    }
    cells = 100_000 * n * m
    assert cells > ServiceSettings().max_sample_cells  # the case is over the bound
    _same_refusal(
        client,
        "sensitivity",
        body,
        "`samples`: samples × candidates × criteria must be at most 200000000 per request; "
        f"got {cells}.",
    )


def test_rank_acceptability_memory_is_bounded(client):
    """20,000 candidates (the candidate limit) would make a 20,000² rank-acceptability matrix
    (3.2 GB of float64, and the same again as JSON): sensitivity refuses it, by
    candidates², on both routes; the largest allowed matrix is at most 8 MB."""
    cfg = ServiceSettings()
    assert cfg.max_pairwise_cells * 8 <= 8 * 1024 * 1024
    body = {
        "candidates": [{"id": f"c{i}"} for i in range(20_000)],
        "criteria": "partnership-city",
        "samples": 1,
    }
    msg = (
        "`candidates`: candidates² must be at most 1000000 per request (the rank-acceptability "
        "matrix); got 400000000."
    )
    with pytest.raises(RequestLimitError, match=r"candidates² must be at most 1000000"):
        apply_limits("sensitivity", SensitivityRequest.model_validate(body), cfg)
    _same_refusal(client, "sensitivity", body, msg)
    n_ok = math.isqrt(cfg.max_pairwise_cells)
    ok = {**body, "candidates": body["candidates"][:n_ok]}
    assert apply_limits("sensitivity", SensitivityRequest.model_validate(ok), cfg) is not None


def test_every_limit_states_its_reason():
    """Each row of the limits table says what it protects (memory or time)."""
    for lim in LIMITS:
        assert len(lim.reason) > 20, lim.setting


# ------------------------------------------------------------------ the bounded pool
def _blocking(monkeypatch, operation):
    """Make ``operation``'s runner wait for the returned event (and count the starts)."""
    release, started = threading.Event(), []
    real = OPERATIONS[operation]

    def wait(req, folder=None):
        started.append(time.monotonic())
        release.wait(30)
        return real.run(req, folder)

    from citymatch.service import operations

    monkeypatch.setitem(operations.OPERATIONS, operation, dataclasses.replace(real, run=wait))
    return release, started


def test_full_queue_is_503_with_retry_after(monkeypatch):
    """With one worker and a queue of one, a third concurrent request is refused at once:
    503, a Retry-After header and a JSON detail naming the limits; the two admitted are
    served once the worker is free."""
    release, started = _blocking(monkeypatch, "ahp")
    c = TestClient(create_app(ServiceSettings(max_workers=1, max_queue=1, retry_after=7)))
    body = {"matrix": [[1, 2], [0.5, 1]]}
    answers = []
    threads = [
        threading.Thread(target=lambda: answers.append(c.post("/v1/ahp", json=body)))
        for _ in range(2)
    ]
    for t in threads:
        t.start()
        time.sleep(0.3)
    deadline = time.monotonic() + 10
    while not started and time.monotonic() < deadline:
        time.sleep(0.02)
    third = c.post("/v1/record/ahp", json=body)
    assert third.status_code == 503
    assert third.headers["retry-after"] == "7"
    assert third.json() == {
        "detail": "the service is busy: 1 requests running and 1 waiting (its limits); "
        "retry in 7 seconds."
    }
    assert c.get("/health").status_code == 200  # never waits on the pool
    release.set()
    for t in threads:
        t.join(30)
    assert [a.status_code for a in answers] == [200, 200]


def test_health_does_not_wait_for_a_busy_pool(monkeypatch):
    """/health answers in well under a second while every worker is blocked."""
    release, started = _blocking(monkeypatch, "ahp")
    c = TestClient(create_app(ServiceSettings(max_workers=1, max_queue=4)))
    t = threading.Thread(target=lambda: c.post("/v1/ahp", json={"matrix": [[1]]}))
    t.start()
    try:
        while not started:
            time.sleep(0.02)
        t0 = time.perf_counter()
        assert c.get("/health").status_code == 200
        assert time.perf_counter() - t0 < 1.0
    finally:
        release.set()
        t.join(30)


# ------------------------------------------------------------------ the solve deadline
def test_slow_portfolio_gets_the_time_out_status_in_time(monkeypatch):
    """A portfolio run that outlasts time_limit + solve_margin is answered at the deadline
    with the time-out status (1) and no plan on /v1/portfolio, and with 503 (no record made)
    on /v1/record/portfolio — never a hang, never a 500."""
    release, _ = _blocking(monkeypatch, "portfolio")
    c = TestClient(create_app(ServiceSettings(solve_margin=0.5, max_workers=2)))
    problem = {"start_year": 2026, "years": 1, "projects": [{"id": "A", "value": 1}]}
    assert c.get("/health").status_code == 200  # started
    try:
        t0 = time.monotonic()
        r = c.post("/v1/portfolio", json={"problem": problem, "time_limit": 0.5})
        took = time.monotonic() - t0
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["status"] == 1 and body["success"] is False and body["x"] == {"A": None}
        assert body["message"] == (
            "Time limit reached: the request did not finish within 1 seconds (solve, model "
            "build and explanation); no plan is returned."
        )
        assert 0.9 < took < 3.0
        r = c.post("/v1/record/portfolio", json={"problem": problem, "time_limit": 0.5})
        assert r.status_code == 503
        assert "did not finish within" in r.json()["detail"]
        assert r.json()["detail"].endswith("no decision record was made.")
    finally:
        release.set()


def test_time_out_status_is_the_solvers():
    """The service's time-out status is the library's TIME_LIMIT status."""
    from citymatch.portfolio.solve import PlanStatus
    from citymatch.service.operations import TIME_LIMIT_STATUS

    assert PlanStatus.TIME_LIMIT == TIME_LIMIT_STATUS == 1


def test_library_time_limit_covers_the_conflict_search():
    """An infeasible problem's conflict search shares the one time limit: past the
    deadline no further HiGHS call is made (before, each call got the full limit)."""
    from citymatch.portfolio import optimize_portfolio, solve

    calls = []
    real = solve.run_milp

    def slow(model, rows=None, **kw):
        calls.append(kw.get("time_limit"))
        time.sleep(0.3)
        return real(model, rows, **kw)

    impossible = {
        "start_year": 2026,
        "years": 3,
        "budget": 5,
        "new_per_year_min": 2,
        "projects": [{"id": f"P{i}", "value": 1, "cost": 4} for i in range(6)],
    }
    try:
        solve.run_milp = slow
        t0 = time.monotonic()
        plan = optimize_portfolio(impossible, time_limit=0.5)
        took = time.monotonic() - t0
    finally:
        solve.run_milp = real
    assert plan.status == 2
    assert took < 1.5, (took, calls)
    assert all(t is not None and t <= 0.5 for t in calls), calls


# ------------------------------------------------------------------ the OpenAPI document
def test_openapi_lists_every_status_per_route(client):
    """Every /v1 route documents 200, 400, 401, 404, 408, 413, 422, 500 and 503, each
    with a JSON body schema."""
    paths = client.get("/openapi.json").json()["paths"]
    routes = [p for p in paths if p.startswith("/v1/")]
    assert len(routes) == 2 * len(OPERATIONS)
    for p in routes:
        responses = paths[p]["post"]["responses"]
        assert set(responses) == {
            "200",
            "400",
            "401",
            "404",
            "405",
            "408",
            "413",
            "422",
            "500",
            "503",
        }
        for code, doc in responses.items():
            assert "application/json" in doc["content"], (p, code)


def test_openapi_document_is_valid_json(client):
    """The OpenAPI document itself serialises (no NaN, no unserialisable default)."""
    json.dumps(client.get("/openapi.json").json(), allow_nan=False)


# ------------------------------------------------------------------ the serve command
@pytest.mark.parametrize(
    ("flag", "value", "msg"),
    [
        ("--max-queue", "-1", "--max-queue must be a non-negative integer; got -1."),
        ("--max-workers", "0", "--max-workers must be positive; got 0."),
        ("--body-timeout", "nan", "--body-timeout must be positive; got nan."),
        ("--max-solve-seconds", "-3", "--max-solve-seconds must be positive; got -3.0."),
        ("--max-body-bytes", "0", "--max-body-bytes must be positive; got 0."),
    ],
)
def test_serve_refuses_bad_limits_as_usage_errors(monkeypatch, capsys, flag, value, msg):
    """`citymatch serve` with a bad limit exits 2 (usage) naming the flag and the value,
    before any server starts."""
    from citymatch.cli.main import main
    from citymatch.service import server

    monkeypatch.setattr(server, "serve", lambda *a, **k: pytest.fail("server started"))
    assert main(["serve", flag, value]) == 2
    assert capsys.readouterr().err.strip() == f"citymatch: error: {msg}"


def test_serve_passes_its_limits_to_the_service(monkeypatch):
    """The serve flags reach the service's settings; absent ones keep the defaults."""
    from citymatch.cli.main import main
    from citymatch.service import server

    got = []
    monkeypatch.setattr(server, "serve", lambda host, port, settings, workers: got.append(settings))
    assert main(["serve", "--max-queue", "3", "--body-timeout", "1.5"]) == 0
    (cfg,) = got
    assert cfg == ServiceSettings(max_queue=3, body_timeout=1.5)


def test_serve_reads_the_criteria_folder_from_the_environment(monkeypatch, tmp_path):
    """`CITYMATCH_CRITERIA_FOLDER` is `--criteria-folder`'s default, with one worker as with
    several (the workers' factory reads it too); the flag wins over it."""
    from citymatch.cli.main import main
    from citymatch.service import server

    got = []
    monkeypatch.setattr(server, "serve", lambda host, port, settings, workers: got.append(settings))
    monkeypatch.setenv("CITYMATCH_CRITERIA_FOLDER", str(tmp_path))
    assert main(["serve"]) == 0
    assert main(["serve", "--criteria-folder", str(tmp_path / "other")]) == 0
    assert [cfg.criteria_folder for cfg in got] == [tmp_path, tmp_path / "other"]


def test_worker_processes_get_every_setting(monkeypatch, tmp_path):
    """With --workers > 1 uvicorn builds the app in each worker from the environment: every
    setting, not only the criteria folder, reaches it."""
    import uvicorn

    from citymatch.service import listen, server

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: seen.update(k))
    monkeypatch.setattr(
        listen, "serve_workers", lambda app, h, p, n: seen.update(app=app, factory=True, workers=n)
    )
    monkeypatch.setenv("CITYMATCH_SERVICE_SETTINGS", "{}")  # restored after the test
    cfg = ServiceSettings(max_queue=3, max_body_bytes=1234, criteria_folder=tmp_path)
    server.serve(settings=cfg, workers=2)
    assert seen["factory"] is True and seen["workers"] == 2
    app = server.app_from_env()
    c = TestClient(app)
    r = c.post("/v1/ahp", content=b"x" * 2000, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.json()["detail"] == "request body must be at most 1234 bytes; got 2000."
    import os

    assert json.loads(os.environ["CITYMATCH_SERVICE_SETTINGS"])["criteria_folder"] == str(tmp_path)
