"""Every scoring method through the interfaces: the CLI's --method and the HTTP contract.

Expected values come from the library's in-memory ``rank(method=...)`` (itself tested against
the definitions in tests/scoring/test_methods.py): these tests pin that each interface passes
the method and its options through and reports the method's own quantities.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import citymatch as cm
from citymatch.cli import main
from citymatch.errors import CitymatchValueError


def _cli(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_rank_with_vikor_equals_the_library(capsys, cities_csv):
    """`citymatch rank example --criteria partnership-city --method vikor` ranks by VIKOR's Q."""
    code, out, err = _cli(
        capsys, "rank", cities_csv, "--criteria", "partnership-city", "--method", "vikor",
        "--method-option", "v=0.3", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads(out)
    ref = cm.rank(cities_csv, "partnership-city", method="vikor", method_options={"v": 0.3})
    assert doc["method"] == "VIKOR" and doc["normalization"] is None
    assert [r["id"] for r in doc["ranking"]] == ref.table["id"].tolist()
    np.testing.assert_allclose([r["score"] for r in doc["ranking"]], ref.table["score"])
    first = doc["ranking"][0]
    assert set(first["quantities"]) == {"S", "R"} and first["d_ideal"] is None
    assert first["quantities"]["S"] == pytest.approx(ref.table["S"].iloc[0])


def test_cli_table_footer_names_the_method_and_its_orientation(capsys, cities_csv):
    """The plain table says which method ranked and that lower is better for SPOTIS."""
    code, out, _ = _cli(
        capsys, "rank", cities_csv, "--criteria", "partnership-city", "--method", "spotis"
    )
    assert code == 0 and "SPOTIS (lower score is better)" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--method", "electre"], "argument --method: `method` must be one of"),
        (["--method", "vikor", "--method-option", "lam=1"], "may only set v; got lam"),
        (["--method", "vikor", "--method-option", "v"], "--method-option must be KEY=VALUE"),
        (
            ["--method", "vikor", "--stream", "--top", "3"],
            "VIKOR does not run on the 'stream' path",
        ),
    ],
)
def test_cli_method_usage_errors_exit_2(capsys, cities_csv, extra, message):
    """A bad method, option or path is a usage error (exit 2) naming the rule."""
    try:
        code = main(["rank", str(cities_csv), "--criteria", "partnership-city", *extra])
    except SystemExit as exc:  # argparse refuses the value itself
        code = exc.code
    assert code == 2
    assert message in capsys.readouterr().err


def test_rank_parquet_refuses_a_method_that_cannot_stream(tmp_path):
    """Streaming is TOPSIS's path: another method (asked or named by the set) is refused first."""
    from citymatch import scale

    with pytest.raises(CitymatchValueError, match="PROMETHEE_II does not run on the 'stream' path"):
        scale.rank_parquet(tmp_path / "never-read.parquet", "partnership-city", method="promethee")


def test_service_rank_takes_a_method(cities_csv):
    """POST /v1/rank with "method" and "method_options" equals the library's ranking."""
    from fastapi.testclient import TestClient

    from citymatch.service import create_app

    rows = json.loads(cm.datasets.load_cities().to_json(orient="records"))
    body = {"candidates": rows, "criteria": "partnership-city", "method": "promethee_ii",
            "method_options": {"preference": "v-shape", "p": 0.5}, "top": 5}  # fmt: skip
    r = TestClient(create_app()).post("/v1/rank", json=body)
    assert r.status_code == 200, r.text
    doc = r.json()
    ref = cm.rank(
        cm.datasets.load_cities(), "partnership-city", method="promethee_ii",
        method_options={"preference": "v-shape", "p": 0.5},
    )  # fmt: skip
    assert doc["method"] == "PROMETHEE_II"
    assert [x["id"] for x in doc["ranking"]] == ref.table["id"].head(5).tolist()
    assert set(doc["ranking"][0]["quantities"]) == {"phi_plus", "phi_minus"}
    bad = TestClient(create_app()).post("/v1/rank", json={**body, "method": "electre"})
    assert bad.status_code == 422 and "`method` must be one of" in bad.text


def test_cli_method_option_out_of_its_domain_exits_2(capsys, cities_csv):
    """`--method vikor --method-option v=2`: an option out of its domain is a usage error."""
    code = main(["rank", str(cities_csv), "--criteria", "partnership-city", "--method", "vikor",
                 "--method-option", "v=2"])  # fmt: skip
    assert code == 2 and "`v` must lie in [0, 1]; got 2.0" in capsys.readouterr().err


def test_stream_with_scores_only_prints_what_was_done(tmp_path, capsys):
    """`rank --stream --scores F` without --top prints the summary line, not an empty table."""
    cm.datasets.load_cities().to_parquet(tmp_path / "c.parquet")
    code = main(["rank", str(tmp_path / "c.parquet"), "--criteria", "partnership-city", "--stream",
                 "--scores", str(tmp_path / "s.parquet")])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0 and "Empty DataFrame" not in out and "ranked (streamed)" in out
    assert (tmp_path / "s.parquet").exists()
