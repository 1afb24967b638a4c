"""The service's memory-aware limit (issue 16): a request is bounded by the memory its work
needs (``ServiceSettings.max_request_bytes``), not only by counts.

The expected estimates are worked out here by hand from the documented model
(:func:`citymatch.service.limits.memory_estimate`): N candidates, M criteria, K samples;
a ranking N × M × 32 + N × 64 bytes; PROMETHEE II adds 2 × N × M × 8 + min(N², 4e6) × 8;
sensitivity adds N × N × 64 + 2 × min(K, 1024) × N × 8.
"""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

import citymatch
from citymatch.errors import RequestLimitError
from citymatch.service import RankRequest, ServiceSettings, apply_limits, create_app

N, M = 10, 7  # ten shipped cities, the partnership-city set's seven criteria
RANK = N * M * 32 + N * 64  # 2,240 + 640 = 2,880 bytes
PROMETHEE = RANK + 2 * N * M * 8 + N * N * 8  # + 1,120 + 800 = 4,800 bytes
SENSITIVITY = RANK + N * N * 64 + 2 * 100 * N * 8  # + 6,400 + 16,000 = 25,280 bytes


@pytest.fixture(scope="module")
def rows():
    cities = json.loads(citymatch.datasets.load_cities().to_json(orient="records"))
    return cities[:N]


def _bodies(rows):
    base = {"candidates": rows, "criteria": "partnership-city", "screening": False}
    return {
        "rank": ("rank", base, RANK),
        "promethee": ("rank", {**base, "method": "promethee_ii"}, PROMETHEE),
        "sensitivity": ("sensitivity", {**base, "samples": 100, "k": 2}, SENSITIVITY),
    }


def _message(bound, total, terms):
    return (
        f"`candidates`: the work of one request must need at most {bound} bytes "
        f"({bound / 2**20:,.1f} MiB) of memory (setting `max_request_bytes`); got an estimated "
        f"{total} bytes ({total / 2**20:,.1f} MiB): {terms}."
    )


_TERMS = {
    "rank": "candidate matrix and its copies 10 × 7 × 32 = 2240 + the ranking's columns 10 × 64 = 640",
    "promethee": "candidate matrix and its copies 10 × 7 × 32 = 2240 + the ranking's columns "
    "10 × 64 = 640 + PROMETHEE flow tables 2 × 10 × 7 × 8 = 1120 + PROMETHEE pairwise block "
    "100 × 8 = 800",
    "sensitivity": "candidate matrix and its copies 10 × 7 × 32 = 2240 + the ranking's columns "
    "10 × 64 = 640 + rank-acceptability table and its answer 10 × 10 × 64 = 6400 + sample block "
    "scores and ranks 2 × 100 × 10 × 8 = 16000",
}


@pytest.mark.parametrize("case", ["rank", "promethee", "sensitivity"])
def test_memory_bound_refuses_one_byte_over_and_serves_at_the_bound(rows, case):
    """With ``max_request_bytes`` one byte under the hand-computed estimate, /v1/<op> and
    /v1/record/<op> both refuse the request (422, the same message naming the setting, the
    bound and the estimate term by term); at exactly the estimate both serve it."""
    op, body, estimate = _bodies(rows)[case]
    tight = TestClient(create_app(ServiceSettings(max_request_bytes=estimate - 1)))
    want = _message(estimate - 1, estimate, _TERMS[case])
    for path in (f"/v1/{op}", f"/v1/record/{op}"):
        r = tight.post(path, json=body)
        assert r.status_code == 422, (path, r.text)
        (detail,) = r.json()["detail"]
        assert detail == {"loc": ["body", "candidates"], "msg": want, "type": "limit"}, path
    fits = TestClient(create_app(ServiceSettings(max_request_bytes=estimate)))
    for path in (f"/v1/{op}", f"/v1/record/{op}"):
        assert fits.post(path, json=body).status_code == 200, path


def test_apply_limits_raises_the_memory_refusal(rows):
    """In process, :func:`apply_limits` raises RequestLimitError with the same message."""
    req = RankRequest.model_validate(_bodies(rows)["rank"][1])
    cfg = ServiceSettings(max_request_bytes=RANK - 1)
    with pytest.raises(
        RequestLimitError, match=re.escape(_message(RANK - 1, RANK, _TERMS["rank"]))
    ):
        apply_limits("rank", req, cfg)
    assert apply_limits("rank", req, ServiceSettings(max_request_bytes=RANK)) is req


def test_default_memory_bound_admits_the_count_limits_largest_requests():
    """The default bound (256 MiB) admits what the count limits admit at their largest on
    the shipped sets — 1,000-candidate sensitivity (candidates² = 10⁶), 20,000-candidate
    rank — so it binds only where an operator raises the counts."""
    cfg = ServiceSettings()
    assert cfg.max_request_bytes == 256 * 2**20
    sens = 1000 * M * 32 + 1000 * 64 + 1000 * 1000 * 64 + 2 * 1024 * 1000 * 8
    rank = 20_000 * M * 32 + 20_000 * 64
    assert sens < cfg.max_request_bytes and rank < cfg.max_request_bytes
    raised = ServiceSettings(max_pairwise_cells=4_000_000)  # 2,000-candidate sensitivity
    body = {
        "candidates": [{"id": f"c{i}"} for i in range(2000)],
        "criteria": "partnership-city",
        "samples": 1000,
    }
    from citymatch.service import SensitivityRequest

    big = SensitivityRequest.model_validate(body)
    with pytest.raises(
        RequestLimitError, match=r"setting `max_request_bytes`\); got an estimated 2"
    ):
        apply_limits("sensitivity", big, raised)
