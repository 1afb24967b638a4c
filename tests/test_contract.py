"""The versioned JSON contract and decision records."""

from __future__ import annotations

import json

import pytest

import citymatch
from citymatch.service import contract as ct
from citymatch.service import operations as ops
from citymatch.service import records as rc
from helpers import ROOT

#: A record-signing key for the tests (32 bytes, the shortest accepted).
KEY = rc.RecordKey(b"test-key-0123456789-0123456789-x", source="the tests")


def cities_rows():
    return json.loads(citymatch.datasets.load_cities().to_json(orient="records"))


def test_exported_schemas_are_current():
    """Every request/response model's JSON Schema equals the exported copy in schemas/ — a model
    change without regenerating the schemas (citymatch schema --output schemas) fails here."""
    for op, operation in ops.OPERATIONS.items():
        for kind, model in (("request", operation.request), ("response", operation.response)):
            path = ROOT / "schemas" / f"v1-{op}-{kind}.schema.json"
            assert json.loads(path.read_text()) == model.model_json_schema(), path.name
    record = json.loads((ROOT / "schemas" / "decision-record.schema.json").read_text())
    assert record == rc.DecisionRecord.model_json_schema()


def test_every_model_is_versioned():
    """Requests and responses carry schema_version '1'; unknown fields are refused."""
    resp = ops.execute("ahp", {"matrix": [[1, 2], [0.5, 1]]})
    assert resp.schema_version == "1"
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        ct.AHPRequest.model_validate({"matrix": [[1]], "metod": "x"})
    with pytest.raises(ValueError, match="schema_version"):
        ct.AHPRequest.model_validate({"matrix": [[1]], "schema_version": "2"})


def test_execute_matches_the_library():
    """The contract's rank equals citymatch.rank on the same data."""
    resp = ops.execute("rank", {"candidates": cities_rows(), "criteria": "partnership-city"})
    lib = citymatch.rank(citymatch.datasets.load_cities(), "partnership-city").to_frame()
    assert [r.id for r in resp.ranking] == lib["id"].tolist()
    assert [r.score for r in resp.ranking] == pytest.approx(lib["score"].tolist(), abs=1e-15)
    assert resp.weight_source.startswith("AHP")


def test_record_replays_identically(tmp_path):
    """A signed decision record re-runs to identical outputs, verified, from memory and file."""
    req = {"candidates": cities_rows(), "criteria": "partnership-city", "samples": 2000, "seed": 5}
    rec = rc.make_record("sensitivity", req, key=KEY)
    assert rec.digest == rec.body_digest() and rec.seed == 5
    assert rec.signed and rec.key_id == KEY.key_id
    assert rec.criteria["name"] == "partnership-city" and rec.weight_source.startswith("AHP")
    res = rc.replay(rec, key=KEY)
    assert res.differences == () and res.identical and res.verified and res.signed
    path = tmp_path / "rec.json"
    path.write_text(rec.model_dump_json())
    assert rc.replay(path, key=KEY).differences == ()


def test_tampered_record_is_detected(tmp_path):
    """Changing any output (or input) of a record breaks its digest; an unsigned record whose
    digest is recomputed after a change replays (allow_unsigned) with the differences listed."""
    rec = rc.make_record("ahp", {"matrix": [[1, 3], ["1/3", 1]]}, key=None)
    forged = json.loads(rec.model_dump_json())
    forged["response"]["weights"] = [0.5, 0.5]
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(forged))
    with pytest.raises(citymatch.CitymatchError, match="failed its integrity check"):
        rc.replay(path, key=None, allow_unsigned=True)
    resigned = rc.DecisionRecord.model_validate(forged)
    resigned = resigned.model_copy(update={"digest": resigned.body_digest()})
    with pytest.warns(citymatch.errors.UnsignedRecordWarning, match="unsigned"):
        res = rc.replay(resigned, key=None, allow_unsigned=True)
    assert not res.verified and not res.signed
    assert res.differences == (
        "response.weights[0]: recorded 0.5, now 0.75",
        "response.weights[1]: recorded 0.5, now 0.25",
    )


def test_criteria_only_by_name():
    """Requests name criteria sets; paths are refused (no file access driven by request content)."""
    with pytest.raises(
        citymatch.CitymatchError,
        match=r"must name a shipped or configured criteria set; got '/etc/passwd'",
    ):
        ops.execute("rank", {"candidates": cities_rows(), "criteria": "/etc/passwd"})
    inline = citymatch.load_criteria("friendship-city").model_dump(mode="json")
    resp = ops.execute(
        "rank", {"candidates": cities_rows(), "criteria": inline, "missing": "worst"}
    )
    assert resp.criteria == "friendship-city"


def test_unknown_operation_is_refused():
    """execute() and make_record() name the five operations when given another."""
    msg = r"`operation` must be one of \['ahp', 'portfolio', 'rank', 'review', 'sensitivity'\]; got 'rnak'\."
    with pytest.raises(citymatch.errors.CitymatchValueError, match=msg):
        ops.execute("rnak", {})
    with pytest.raises(citymatch.errors.CitymatchValueError, match=msg):
        rc.make_record("rnak", {})


def test_unreadable_record_is_a_record_error(tmp_path):
    """A record file that is missing or not a record raises DecisionRecordError (a ValueError)
    naming the file."""
    missing = tmp_path / "nope.json"
    with pytest.raises(
        citymatch.errors.DecisionRecordError, match=r"decision record '.*nope\.json' does not exist"
    ):
        rc.replay(missing)
    bad = tmp_path / "bad.json"
    bad.write_text('{"operation": "ahp"}')
    with pytest.raises(
        ValueError,
        match=r"decision record '.*bad\.json' is not a valid record: request: Field required; "
        r"citymatch_version",
    ):
        rc.replay(bad)


def test_response_views_keep_non_finite_values_out_of_json():
    """The contract's views of results write NaN/inf cells as null, never as invalid JSON."""
    import math

    import numpy as np
    import pandas as pd

    from citymatch.service.contract import review_response

    class FakeReview:  # the attributes review_response reads
        table = pd.DataFrame(
            {
                "id": ["a", "b"],
                "kpi_progress": [np.nan, 0.5],
                "end": [pd.NaT, pd.Timestamp("2030-01-31")],
            }
        )
        as_of = __import__("datetime").date(2026, 1, 1)
        active = 2
        cap = None

    resp = review_response(FakeReview())
    assert resp.agreements == [
        {"id": "a", "kpi_progress": None, "end": None},
        {"id": "b", "kpi_progress": 0.5, "end": "2030-01-31"},
    ]
    assert not any(
        isinstance(v, float) and math.isnan(v) for row in resp.agreements for v in row.values()
    )
