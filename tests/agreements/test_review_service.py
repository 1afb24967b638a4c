"""The service's review applies a policy exactly as the library and `citymatch review --policy`
do (issue 17): the request's `policy` (inline, or "example") sets each class's criteria set
and term and the default cap."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from citymatch import agreements as ag
from citymatch.cli.main import main
from citymatch.datasets import EXAMPLE_AS_OF, load_example_register
from citymatch.io import NA_VALUES
from citymatch.service import ServiceSettings, create_app
from citymatch.service import operations as ops
from citymatch.service.contract import review_response
from helpers import ROOT

POLICY = ROOT / "examples" / "policy.toml"
CITIES = ROOT / "examples" / "data" / "cities.csv"

#: A policy unlike the defaults: Friendship terms of up to 40 years, MOUs judged on the
#: friendship set (not economic), a cap of 3.
ODD_POLICY = {
    "name": "odd",
    "cap": 3,
    "goals": [{"id": "trade", "title": "Trade"}],
    "classes": {
        "Friendship": {"criteria": "friendship-city", "min_years": 1, "max_years": 40},
        "MOU": {"criteria": "friendship-city", "economic": False},
    },
}


@pytest.fixture(scope="module")
def body():
    reg = load_example_register()
    rows = pd.read_csv(CITIES, keep_default_na=False, na_values=NA_VALUES)
    return {
        "agreements": [json.loads(a.model_dump_json(by_alias=True)) for a in reg],
        "criteria": "partnership-city",
        "candidates": json.loads(rows.to_json(orient="records")),
        "as_of": str(EXAMPLE_AS_OF),
    }


def _library(policy, **kw):
    rv = ag.review(
        load_example_register(),
        "partnership-city",
        CITIES,
        as_of=EXAMPLE_AS_OF,
        rules=ag.class_rules(policy),
        cap=kw.get("cap", policy.cap),
    )
    return review_response(rv).model_dump(mode="json", exclude={"citymatch_version"})


def _dump(resp):
    return resp.model_dump(mode="json", exclude={"citymatch_version"})


def test_service_review_with_the_example_policy_equals_the_library_and_the_cli(body, tmp_path):
    """On the shipped example, a review request with policy "example" (in process and over
    the /v1/review route) returns the same decisions, term checks and reasons as the library's review under
    class_rules(policy) and as `citymatch review example --criteria partnership-city
    --policy example --format json`."""
    policy = ag.load_policy(POLICY)
    expected = _library(policy)
    assert _dump(ops.execute("review", {**body, "policy": "example"})) == expected
    client = TestClient(create_app(ServiceSettings(max_body_bytes=1_000_000)))
    r = client.post("/v1/review", json={**body, "policy": "example"})
    assert r.status_code == 200, r.text
    assert {k: v for k, v in r.json().items() if k != "citymatch_version"} == expected
    out = tmp_path / "r.json"
    args = ["review", "example", "--criteria", "partnership-city", "--policy", "example"]
    assert main([*args, "--format", "json", "--output", str(out)]) == 0
    cli = json.loads(out.read_text("utf-8"))
    assert cli["agreements"] == expected["agreements"] and cli["cap"] == expected["cap"]
    # Friendship partners are ranked on friendship-city, never the economic set.
    friends = [a for a in expected["agreements"] if a["class"] == "Friendship"]
    assert friends and {a["criteria"] for a in friends} == {"friendship-city"}


def test_service_applies_a_policy_that_differs_from_the_defaults(body):
    """An inline policy whose terms, sets and cap differ from the defaults changes the
    service's review as it changes the library's: the decisions equal the library's under
    that policy and differ from a review without it; the policy's cap (3) is the default cap,
    an explicit `cap` wins."""
    from citymatch.models.agreement import Policy

    odd = Policy.model_validate(ODD_POLICY)
    expected = _library(odd)
    got = _dump(ops.execute("review", {**body, "policy": ODD_POLICY}))
    assert got == expected and got["cap"] == 3
    plain = _dump(ops.execute("review", body))
    assert plain["cap"] == 10 and plain["agreements"] != got["agreements"]
    mou = {a["id"]: a["criteria"] for a in got["agreements"] if a["class"] == "MOU"}
    assert mou and set(mou.values()) == {"friendship-city"}
    explicit = _dump(ops.execute("review", {**body, "policy": ODD_POLICY, "cap": 12}))
    assert explicit == _library(odd, cap=12) and explicit["cap"] == 12


def test_review_request_refuses_an_unknown_policy_name(body):
    """`policy` is an inline policy or the string "example"; another name is refused."""
    with pytest.raises(ValueError, match="policy"):
        ops.execute("review", {**body, "policy": "toronto"})
