"""The service's array path for rank requests (issue 15): same answer as the table path.

A rank request that needs no table step goes from its values straight to the scoring step
(:mod:`citymatch.service.fast`); these tests hold its answer — JSON bytes, scores to the
last bit, ranks and ties, the decision record — equal to the table path's
(:func:`citymatch.service.operations.run_rank_table`, pandas and :func:`citymatch.rank`) on
random requests, and check that every request outside its conditions goes the table path.
"""

from __future__ import annotations

import json
import os
import re

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citymatch.errors import CitymatchError
from citymatch.models.criteria import load_criteria
from citymatch.service import (
    DecisionRecord,
    RankRequest,
    ServiceSettings,
    create_app,
    fast,
    operations,
)
from citymatch.service.operations import resolve_criteria, run_rank, run_rank_table

METHODS = ["topsis", "vikor", "promethee_ii", "wsm", "wpm", "waspas", "spotis", "copras", "mabac"]
#: A few values, so that ties (equal rows, equal scores) are frequent.
VALUES = st.sampled_from([0, 1, 2, 0.5, 0.25, 3.75, 1e-3, 7])


def outcome(run, req):
    """The JSON answer, or the error's type and message."""
    try:
        return "ok", run(req).model_dump_json()
    except CitymatchError as exc:
        return "error", type(exc).__name__, str(exc)


@st.composite
def plain_requests(draw):
    """A rank request the array path takes: an inline set, numbers only, plain labels."""
    m = draw(st.integers(1, 5))
    n = draw(st.integers(2, 9))
    criteria = []
    for j in range(m):
        c = {
            "id": f"c{j}",
            "label": f"C{j}",
            "direction": draw(st.sampled_from(["benefit", "cost"])),
            "weight": draw(st.sampled_from([1, 2, 0.5, 3])),
        }
        if draw(st.booleans()):
            c["unit"] = "0/1"  # a yes/no criterion: values 0 or 1
        criteria.append(c)
    cs = {"name": "random", "title": "Random", "version": "1", "criteria": criteria}
    if draw(st.booleans()):
        cs["applies_to"] = ["city"]  # only matters with screening on: then the table path
    labels = draw(st.sampled_from(["str", "int", "absent"]))
    rows = []
    for i in range(n):
        row = {}
        if labels == "str":
            row["id"] = f"cand-{i}"
        elif labels == "int":
            row["id"] = 100 - 7 * i
        if draw(st.booleans()):
            row["name"] = draw(st.sampled_from([f"City {i}", None, ""]))
        if draw(st.booleans()):
            row["kind"] = "city"
        for c in criteria:
            v = draw(st.sampled_from([0, 1, 1.0, 0.0])) if "unit" in c else draw(VALUES)
            row[c["id"]] = v
        if draw(st.booleans()):
            row["note"] = "an extra field the ranking does not read"
        rows.append(row)
    method = draw(st.sampled_from([None, *METHODS]))
    body = {"candidates": rows, "criteria": cs, "method": method}
    body["screening"] = False if "applies_to" in cs else draw(st.booleans())
    body["missing"] = draw(st.sampled_from(["error", "drop", "worst"]))
    if method in (None, "topsis") and draw(st.booleans()):
        body["normalization"] = draw(st.sampled_from(["vector", "minmax", "max", "sum"]))
    if draw(st.booleans()):
        body["top"] = draw(st.integers(1, n + 1))
    if draw(st.booleans()):
        body["weights"] = {c["id"]: draw(st.sampled_from([1, 4, 0.5])) for c in criteria}
    return RankRequest.model_validate(body)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plain_requests())
def test_array_path_answers_exactly_as_the_table_path(req):
    """On random plain requests (ties frequent, every method, top cuts, weight overrides,
    every normalisation) the array path is taken and its JSON answer — scores and
    contributions to the last bit, ranks, tie order, weights — equals the table path's, or
    both raise the same error with the same message."""
    cs = resolve_criteria(req.criteria)
    try:
        taken = fast.rank_fast(req, cs) is not None
    except CitymatchError:
        taken = True  # the scoring step refused it: the table path must refuse it alike
    assert taken
    assert outcome(run_rank, req) == outcome(run_rank_table, req)


def test_array_path_keeps_the_tie_order_and_the_top_cut():
    """A hand-made tie: equal rows share a rank, keep their input order, and a top cut at
    the tie keeps all of them — on the array path, as on the table path."""
    cs = {
        "name": "t",
        "title": "T",
        "version": "1",
        "criteria": [
            {"id": "a", "label": "A", "direction": "benefit", "weight": 1},
            {"id": "b", "label": "B", "direction": "cost", "weight": 1},
        ],
    }
    rows = [
        {"id": "low", "a": 0, "b": 1},
        {"id": "tie2", "a": 1, "b": 0.5},
        {"id": "best", "a": 2, "b": 0},
        {"id": "tie1", "a": 1, "b": 0.5},
    ]
    req = RankRequest.model_validate({"candidates": rows, "criteria": cs, "top": 2})
    assert fast.rank_fast(req, resolve_criteria(req.criteria)) is not None
    got = run_rank(req)
    assert [(r.id, r.rank) for r in got.ranking] == [("best", 1), ("tie2", 2), ("tie1", 2)]
    assert got.model_dump_json() == run_rank_table(req).model_dump_json()


def _shipped_body(rows):
    for r in rows:  # the shipped table's rows, as a client sends them
        r.pop("illustrative_as_of", None)
    return {"candidates": rows, "criteria": "partnership-city", "screening": False}


@pytest.fixture(scope="module")
def city_rows():
    import citymatch

    return json.loads(citymatch.datasets.load_cities().to_json(orient="records"))


def _tweak(rows, **changes):
    rows = [dict(r) for r in rows]
    rows[1].update(changes)
    return rows


TABLE_PATH_CASES = {
    "screening rules apply": lambda rows: {"screening": True},
    "a value is null (missing worst)": lambda rows: {
        "candidates": _tweak(rows, trade_ties=None),
        "missing": "worst",
    },
    "a value is null (missing drop)": lambda rows: {
        "candidates": _tweak(rows, trade_ties=None),
        "missing": "drop",
    },
    "a value is null (missing error)": lambda rows: {"candidates": _tweak(rows, trade_ties=None)},
    "a numeric string": lambda rows: {"candidates": _tweak(rows, trade_ties="0.5")},
    "a yes/no spelling": lambda rows: {"candidates": _tweak(rows, fta_in_force="Yes")},
    "a boolean": lambda rows: {"candidates": _tweak(rows, fta_in_force=True)},
    "a yes/no criterion at 0.5": lambda rows: {"candidates": _tweak(rows, fta_in_force=0.5)},
    "a value out of range": lambda rows: {"candidates": _tweak(rows, trade_ties=1.5)},
    "a repeated id": lambda rows: {"candidates": _tweak(rows, id=rows[0]["id"])},
    "ids of mixed types": lambda rows: {"candidates": _tweak(rows, id=7)},
    "a null id": lambda rows: {"candidates": _tweak(rows, id=None)},
    "a numeric name": lambda rows: {"candidates": _tweak(rows, name=12)},
    "a huge integer value": lambda rows: {"candidates": _tweak(rows, country_gdp_usd_2023=2**64)},
    "a column absent": lambda rows: {
        "candidates": [{k: v for k, v in r.items() if k != "trade_ties"} for r in rows]
    },
}


@pytest.mark.parametrize("case", list(TABLE_PATH_CASES))
def test_requests_needing_table_steps_go_the_table_path(case, city_rows):
    """Screening, missing values, strings, booleans, yes/no spellings, out-of-range values,
    repeated or mixed ids, non-text names, huge integers and absent columns are left to the
    table path (the array path declines), so the answer or the error is the table path's."""
    body = {**_shipped_body([dict(r) for r in city_rows[:12]])}
    body.update(TABLE_PATH_CASES[case](body["candidates"]))
    req = RankRequest.model_validate(body)
    assert fast.rank_fast(req, load_criteria("partnership-city")) is None
    assert outcome(run_rank, req) == outcome(run_rank_table, req)


def test_shipped_rows_take_the_array_path(city_rows):
    """The shipped cities, sent as a client sends them with screening off, take the array
    path (41 fields per candidate, strings among them, a yes/no criterion) with the table
    path's answer."""
    req = RankRequest.model_validate(_shipped_body([dict(r) for r in city_rows]))
    assert fast.rank_fast(req, load_criteria("partnership-city")) is not None
    assert run_rank(req).model_dump_json() == run_rank_table(req).model_dump_json()


def test_http_answer_and_record_are_identical_on_both_paths(city_rows, monkeypatch):
    """Over HTTP, /v1/rank's bytes and /v1/record/rank's record (response and digest) are the
    same whether the array path answers or the table path is forced."""
    monkeypatch.delenv("CITYMATCH_RECORD_KEY", raising=False)
    monkeypatch.delenv("CITYMATCH_RECORD_KEY_FILE", raising=False)
    client = TestClient(create_app(ServiceSettings()))
    body = _shipped_body([dict(r) for r in city_rows])
    body["top"] = 5
    fast_answer = client.post("/v1/rank", json=body)
    fast_record = client.post("/v1/record/rank", json=body)
    monkeypatch.setattr(operations, "rank_fast", lambda req, cs: None)
    table_answer = client.post("/v1/rank", json=body)
    table_record = client.post("/v1/record/rank", json=body)
    assert fast_answer.status_code == table_answer.status_code == 200
    assert fast_answer.content == table_answer.content
    a = DecisionRecord.model_validate_json(fast_record.content)
    b = DecisionRecord.model_validate_json(table_record.content)
    assert a.response == b.response and a.digest == b.digest == a.body_digest()


def test_a_folder_set_is_read_again_when_its_file_changes(tmp_path):
    """A configured folder's set is reused while its file is unchanged and read again once
    the file changes (the service needs no restart to see an edited set)."""
    path = tmp_path / "mine.toml"
    text = (
        'name = "mine"\ntitle = "Mine"\nversion = "{v}"\n'
        '[[criteria]]\nid = "a"\nlabel = "A"\ndirection = "benefit"\nweight = 1\n'
    )
    path.write_text(text.format(v="1"), encoding="utf-8")
    first = resolve_criteria("mine", tmp_path)
    assert resolve_criteria("mine", tmp_path) is first  # parsed once
    path.write_text(text.format(v="2.0"), encoding="utf-8")
    st_ = path.stat()
    os.utime(path, ns=(st_.st_atime_ns, st_.st_mtime_ns + 1_000_000))
    assert resolve_criteria("mine", tmp_path).version == "2.0"


# ------------------------------------------------------------------ the fast lane (HTTP)
from citymatch.service import lane  # noqa: E402

_LANE_APP = create_app(ServiceSettings(max_candidates=50))


@pytest.fixture
def lane_spy(monkeypatch):
    """Record what the fast lane answered (None: handed to FastAPI), request by request."""
    seen: list[bytes | None] = []
    real = lane.RankLane.answer

    def spy(self, body):
        got = real(self, body)
        seen.append(got)
        return got

    monkeypatch.setattr(lane.RankLane, "answer", spy)
    return seen


def _both_ways(monkeypatch, body: bytes, headers: dict[str, str] | None = None):
    """The answer with the fast lane, and with the lane switched off (FastAPI's route)."""
    sent = {"Content-Type": "application/json", **(headers or {})}
    with TestClient(_LANE_APP, raise_server_exceptions=False) as client:
        with_lane = client.post("/v1/rank", content=body, headers=sent)
        with monkeypatch.context() as m:
            m.setattr(lane.RankLane, "answer", lambda self, body: None)
            without = client.post("/v1/rank", content=body, headers=sent)
    return with_lane, without


def _same(a, b) -> None:
    assert a.status_code == b.status_code, (a.text[:300], b.text[:300])
    assert a.content == b.content
    assert a.headers["content-type"] == b.headers["content-type"]
    assert a.headers["content-length"] == b.headers["content-length"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(req=plain_requests())
def test_fast_lane_answers_byte_for_byte_as_the_route(req):
    """On random plain requests (every method, ties, top cuts, overrides), /v1/rank's answer
    from the fast lane — status, bytes, content type and length — is the FastAPI route's
    answer to the same body, and the lane did answer each request it could."""
    import contextlib

    body = req.model_dump_json().encode()
    with pytest.MonkeyPatch.context() as mp:
        seen: list[bytes | None] = []
        real = lane.RankLane.answer
        mp.setattr(lane.RankLane, "answer", lambda self, b: seen.append(real(self, b)) or seen[-1])
        a, b = _both_ways(mp, body)
    _same(a, b)
    with contextlib.suppress(CitymatchError):  # a refusal: the lane must have handed it on
        if fast.rank_fast(req, resolve_criteria(req.criteria)) is not None:
            assert seen[0] is not None and a.status_code == 200
            return
    assert seen[0] is None


BAD_BODIES = {
    "malformed JSON": b'{"candidates": [',
    "a lone surrogate escape": (
        b'{"criteria": "partnership-city", "candidates": [{"id": "\\ud800"}, {"id": "b"}]}'
    ),
    "invalid UTF-8": b'{"criteria": "partnership-city\xff", "candidates": []}',
    "UTF-16": json.dumps({"criteria": "x", "candidates": [{}, {}]}).encode("utf-16"),
    "a missing field": b'{"candidates": [{"id": "a"}, {"id": "b"}]}',
    "a wrong type": b'{"criteria": "partnership-city", "candidates": "many"}',
    "one candidate": b'{"criteria": "partnership-city", "candidates": [{"id": "a"}]}',
    "an unknown field": b'{"criteria": "c", "candidates": [{}, {}], "colour": "red"}',
    "an unknown set": b'{"criteria": "nope", "candidates": [{"id": "a"}, {"id": "b"}]}',
    "over the candidate limit": json.dumps(
        {"criteria": "partnership-city", "candidates": [{"id": str(i)} for i in range(51)]}
    ).encode(),
    "a library error (columns absent)": (
        b'{"criteria": "partnership-city", "candidates": [{"id": "a"}, {"id": "b"}]}'
    ),
    "nested 10,000 deep": b'{"candidates": ' + b"[" * 10_000 + b"]" * 10_000 + b"}",
    "not an object": b"[1, 2]",
    "empty": b"",
}


@pytest.mark.parametrize("case", list(BAD_BODIES))
def test_fast_lane_hands_every_bad_body_to_the_route(case, monkeypatch, lane_spy):
    """Malformed JSON, a lone surrogate, invalid UTF-8, UTF-16, missing/wrong/unknown
    fields, an unknown set, a limit exceeded, a library error, deep nesting, a non-object
    and an empty body: the lane declines each (the route answers), so the status and the
    error's JSON are exactly the route's — byte for byte, and a client error, never a 500
    (a lone surrogate is refused by the contract: UTF-8 cannot carry it)."""
    a, b = _both_ways(monkeypatch, BAD_BODIES[case])
    assert lane_spy == [None]
    _same(a, b)
    assert "detail" in a.json()
    assert 400 <= a.status_code < 500


def test_a_lone_surrogate_is_refused_naming_the_field():
    """A candidate id that UTF-8 cannot carry is a 422 naming the field and the rule (the
    table path's pandas used to fail on it with a 500)."""
    with TestClient(_LANE_APP) as client:
        r = client.post(
            "/v1/rank",
            content=BAD_BODIES["a lone surrogate escape"],
            headers={"Content-Type": "application/json"},
        )
    assert r.status_code == 422
    hits = [d for d in r.json()["detail"] if "lone surrogate" in d["msg"]]
    assert hits and hits[0]["loc"][:4] == ["body", "candidates", 0, "id"]
    assert "cannot be written as UTF-8; got '\\ud800'" in hits[0]["msg"]


def test_malformed_json_keeps_its_422_shape():
    """A malformed JSON body to /v1/rank is 422 with FastAPI's json_invalid detail (the
    shape the service gave before the lane): loc ["body", offset], the decoder's message."""
    with TestClient(_LANE_APP) as client:
        r = client.post(
            "/v1/rank", content=b'{"candidates": [', headers={"Content-Type": "application/json"}
        )
    assert r.status_code == 422
    (detail,) = r.json()["detail"]
    assert detail["type"] == "json_invalid" and detail["loc"] == ["body", 16]
    assert set(detail) == {"loc", "msg", "type"}


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Content-Type": "text/plain"}, 422),
        ({"Content-Type": "application/json; charset=utf-8"}, 200),
        ({"Content-Type": "application/vnd.api+json"}, 200),
    ],
)
def test_fast_lane_reads_only_plain_json_content_types(headers, status, city_rows, lane_spy):
    """The lane takes `application/json` (parameters allowed); any other content type is the
    route's to answer (a `+json` type is still served, a text type is 422 naming it)."""
    body = json.dumps(_shipped_body([dict(r) for r in city_rows[:5]])).encode()
    with TestClient(_LANE_APP) as client:
        r = client.post("/v1/rank", content=body, headers=headers)
    assert r.status_code == status, r.text
    answered = bool(lane_spy) and lane_spy[0] is not None
    assert answered == ("charset" in headers["Content-Type"])
    if status == 422:
        assert r.json()["detail"][0]["msg"].startswith("request body must be JSON")


def test_fast_lane_requires_the_api_key(monkeypatch, city_rows, lane_spy):
    """With an API key set, the lane answers only a request carrying it; a missing, wrong or
    non-ASCII key is the route's 401."""
    monkeypatch.setenv("CITYMATCH_API_KEY", "s3cret")
    body = json.dumps(_shipped_body([dict(r) for r in city_rows[:5]])).encode()
    with TestClient(create_app()) as client:
        for key, status in [(None, 401), ("wrong", 401), ("s3cret\u00e9", 401), ("s3cret", 200)]:
            headers = {"Content-Type": "application/json"}
            if key is not None:
                headers["X-API-Key"] = key.encode("latin-1")  # type: ignore[assignment]
            r = client.post("/v1/rank", content=body, headers=headers)
            assert r.status_code == status, (key, r.text)
    assert len(lane_spy) == 1 and lane_spy[0] is not None  # only the request with the key


def test_fast_lane_body_limit_applies_to_a_streamed_body(city_rows):
    """A chunked body (no Content-Length) over the body limit is 413 with the limit's
    message: the lane reads through the body limits and hands their refusal to the route."""
    app = create_app(ServiceSettings(max_body_bytes=1000))

    def chunks():
        for _ in range(10):
            yield b" " * 500

    with TestClient(app) as client:
        r = client.post("/v1/rank", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert re.fullmatch(
        r"request body must be at most 1000 bytes; got more \(\d+ bytes read, reading stopped\)\.",
        r.json()["detail"],
    )


def test_other_routes_and_methods_pass_the_lane(lane_spy):
    """Only POST /v1/rank meets the lane: GET, another route, a trailing slash never do."""
    with TestClient(_LANE_APP) as client:
        assert client.get("/v1/rank").status_code == 405
        assert client.post("/v1/ahp", json={"matrix": [[1]]}).status_code == 200
        assert client.get("/health").status_code == 200
    assert lane_spy == []


@pytest.mark.parametrize("streamed", [False, True], ids=["declared", "chunked"])
def test_fast_lane_leaves_big_bodies_to_the_route(streamed, city_rows, lane_spy):
    """A body over LANE_MAX_BYTES (declared or streamed) is never parsed by the lane: the
    route reads it (the rest of the stream included) and answers it."""
    body = _shipped_body([dict(r) for r in city_rows[:5]])
    body["candidates"][0]["note"] = "x" * lane.LANE_MAX_BYTES
    data = json.dumps(body).encode()
    content = (data[i : i + 65536] for i in range(0, len(data), 65536)) if streamed else data
    with TestClient(_LANE_APP) as client:
        r = client.post("/v1/rank", content=content, headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text[:300]
    assert r.json()["ranked"] == 5
    assert lane_spy == []


@given(req=plain_requests())
def test_fast_json_is_the_models_json_byte_for_byte(req):
    """`rank_fast_json` (the fast lane's answer, built without the response models) gives
    exactly the bytes of `rank_fast(...).model_dump_json()`, and declines the same requests."""
    from citymatch.service.fast import rank_fast, rank_fast_json
    from citymatch.service.operations import resolve_criteria

    cs = resolve_criteria(req.criteria)
    try:
        model = rank_fast(req, cs)
    except CitymatchError as exc:
        with pytest.raises(type(exc)):
            rank_fast_json(req, cs)
        return
    got = rank_fast_json(req, cs)
    assert (got is None) == (model is None)
    if model is not None:
        assert got == model.model_dump_json().encode()


#: JSON-like documents as the fast lane builds them: dicts with text keys, lists, text, ints
#: (beyond 64 bits too), floats (non-finite and extreme exponents too), None and booleans.
JSON_DOCS = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([1e16, 1e17, 1e21, 1e22, 1e-5, 1e-7, 5e-324, -0.0, 100.0, 2.0**63])
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(doc=JSON_DOCS)
def test_dumps_writes_pydantic_cores_bytes(doc):
    """`fast.dumps` (orjson when installed) writes exactly the bytes of
    `pydantic_core.to_json(doc, inf_nan_mode="null")`, for what orjson refuses (an integer
    beyond 64 bits) too."""
    from pydantic_core import to_json

    assert fast.dumps(doc) == to_json(doc, inf_nan_mode="null")


def test_dumps_uses_orjson_and_falls_back_without_it(monkeypatch):
    """The lane's serialiser is orjson (the `server` and `test` extras install it); without it
    the answer is pydantic-core's, the same bytes."""
    import orjson

    doc = {"a": [0.1, 1e-5, float("nan"), None, "é"], "b": {"c": 2**64}}
    calls = []
    real = orjson.dumps
    spy = type("Spy", (), {"dumps": staticmethod(lambda d: calls.append(d) or real(d))})
    monkeypatch.setattr(fast, "_orjson", spy)
    expected = b'{"a":[0.1,0.00001,null,null,"\xc3\xa9"],"b":{"c":18446744073709551616}}'
    assert fast.dumps(doc) == expected  # orjson refuses 2**64: pydantic-core writes it
    assert calls == [doc]
    assert fast.dumps({"x": 1.5}) == b'{"x":1.5}' and len(calls) == 2
    monkeypatch.setattr(fast, "_orjson", None)
    assert fast.dumps(doc) == expected
