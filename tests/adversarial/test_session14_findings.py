"""Session 14 adversarial findings on the option checks and SMAA's noise (issue 14).

An adversarial review of the day's changes found these; each test failed before its fix:
noise blamed for the user's own data and options, TOPSIS fixed points and options dropped by
the sensitivity analyses and the streamed ranking, an explicit argument losing to a set's
options, the load check missing the set's normalisation and accepting SPOTIS points by id,
integers beyond float64's range escaping as OverflowError, and loose type handling.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import citymatch as cm
from citymatch import sensitivity
from citymatch.cli.main import main
from citymatch.errors import (
    ArgumentError,
    ArgumentTypeError,
    CitymatchTypeError,
    CitymatchValueError,
    NoiseDomainError,
    ShapeError,
)
from citymatch.scale import rank_parquet
from citymatch.sensitivity import rank_acceptability
from helpers import two_criteria_toml

DF = pd.DataFrame({"id": ["x", "y", "z", "w"], "a": [1.0, 2, 3, 4], "b": [4.0, 1, 2, 3]})


def _set(tmp_path, extra: str):
    path = tmp_path / "two.toml"
    path.write_text(two_criteria_toml(extra))
    return path


# ---- noise: the user's own data and options are checked before any sampling ---------------


def test_noise_does_not_take_the_blame_for_the_users_own_cell():
    x = np.array([[-1.0, 4], [2, 1], [3, 2], [4, 3]])
    for noise in (0.0, 0.01):
        with pytest.raises(CitymatchValueError, match=r"got -1\.0 at row 0, column 0") as info:
            rank_acceptability(x, [0.5, 0.5], [1, -1], method="wpm", noise=noise, samples=40)
        assert not isinstance(info.value, NoiseDomainError)


@pytest.mark.parametrize(
    ("method", "options", "rule"),
    [
        ("vikor", {"v": 2}, "`v` must lie in"),
        ("promethee", {"preference": "linear", "q": 3, "p": 1}, "needs q < p"),
        ("spotis", {"bounds": [[5, 0], [0, 5]]}, "min < max"),
        ("wsm", {"normalization": "vector"}, "got 'vector'"),
    ],
)
def test_noise_does_not_take_the_blame_for_bad_options(method, options, rule):
    x = DF[["a", "b"]].to_numpy()
    with pytest.raises(ArgumentError, match=rule) as info:
        rank_acceptability(
            x, [0.5, 0.5], [1, -1], method=method, method_options=options, noise=0.1, samples=40
        )
    assert not isinstance(info.value, NoiseDomainError)


@pytest.mark.parametrize(
    ("noise", "error"),
    [([0.1, 0.1, 0.1], ShapeError), ([[0.1, 0.1]], ShapeError), ("0.1", CitymatchTypeError),
     (True, CitymatchTypeError), ({"c0": "a"}, CitymatchTypeError)],
)  # fmt: skip
def test_noise_of_the_wrong_shape_or_type_is_a_clear_error(noise, error):
    x = DF[["a", "b"]].to_numpy()
    with pytest.raises(error, match="noise"):
        rank_acceptability(x, [0.5, 0.5], [1, -1], noise=noise, samples=40)


# ---- TOPSIS settings: fixed points are refused by sensitivity, options are applied --------


def test_sensitivity_refuses_a_ranking_scored_with_fixed_points(tmp_path):
    path = _set(
        tmp_path, "method_options = { ideal = { a = 100, b = 0 }, anti_ideal = { a = 0, b = 100 } }"
    )
    ranking = cm.rank(DF, cm.load_criteria(path))
    with pytest.raises(CitymatchValueError, match="fixed TOPSIS `ideal` / `anti_ideal`"):
        rank_acceptability(ranking, samples=40)
    plain = cm.rank(DF, cm.load_criteria(_set(tmp_path, "")))
    assert rank_acceptability(plain, samples=40).acceptability.shape == (4, 4)


def test_sensitivity_refuses_fixed_points_in_options_and_applies_a_normalisation():
    x = np.array([[1.0, 4], [2, 1], [3, 2], [4, 3], [2.5, 2.2]])
    with pytest.raises(CitymatchValueError, match="fixed TOPSIS"):
        rank_acceptability(x, [0.5, 0.5], [1, -1], method_options={"ideal": [5, 0]}, samples=40)
    with pytest.raises(ArgumentError, match="got 'l2'"):
        rank_acceptability(x, [0.5, 0.5], [1, -1], method_options={"normalization": "l2"})
    a = rank_acceptability(
        x, [0.5, 0.5], [1, -1], method_options={"normalization": "minmax"}, samples=300, rng=3
    )
    b = rank_acceptability(x, [0.5, 0.5], [1, -1], normalization="minmax", samples=300, rng=3)
    c = rank_acceptability(x, [0.5, 0.5], [1, -1], samples=300, rng=3)
    np.testing.assert_array_equal(a.acceptability, b.acceptability)
    assert not np.array_equal(a.acceptability, c.acceptability)  # vector ranks them otherwise


def test_an_explicit_argument_wins_over_the_sets_options(tmp_path):
    cs = cm.load_criteria(_set(tmp_path, 'method_options = { normalization = "minmax" }'))
    assert cm.rank(DF, cs).topsis_result.normalization == "minmax"
    assert cm.rank(DF, cs, normalization="vector").topsis_result.normalization == "vector"
    cs = cm.load_criteria(_set(tmp_path, "method_options = { ideal = [10.0, 0.0] }"))
    assert cm.rank(DF, cs).topsis_result.ideal.tolist() == [10.0, 0.0]
    assert cm.rank(DF, cs, ideal=[4.0, 1.0]).topsis_result.ideal.tolist() == [4.0, 1.0]


@pytest.mark.parametrize(
    "options",
    ['method_options = { normalization = "minmax" }',
     "method_options = { ideal = { a = 10.0 }, anti_ideal = [0.0, 9.0] }"],
)  # fmt: skip
def test_the_streamed_ranking_applies_the_sets_topsis_options(tmp_path, options):
    cs = cm.load_criteria(_set(tmp_path, options))
    src = tmp_path / "cands.parquet"
    DF.to_parquet(src)
    streamed = rank_parquet(src, cs, top=4)
    memory = cm.rank(DF, cs)
    assert streamed.normalization == memory.topsis_result.normalization
    got = streamed.top.set_index("id")["score"].sort_index()
    want = memory.table.set_index("id")["score"].sort_index()
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-12)


# ---- the load check: the set's normalisation, points by id for TOPSIS only, huge numbers --


def test_load_check_uses_the_sets_normalisation(tmp_path, capsys):
    path = _set(
        tmp_path,
        'normalization = "minmax"\nmethod_options = { ideal = [5, 0], anti_ideal = [5, 6] }',
    )
    assert main(["criteria", "validate", str(path)]) == 1
    assert "must differ on every criterion under min-max" in capsys.readouterr().err


def test_spotis_points_by_id_are_refused_on_load(tmp_path, capsys):
    path = _set(tmp_path, 'method = "spotis"\nmethod_options = { ideal = { a = 4, b = 1 } }')
    assert main(["criteria", "validate", str(path)]) == 1
    assert "`method_options` for SPOTIS" in capsys.readouterr().err


@pytest.mark.parametrize(
    "extra",
    ['method = "vikor"\nmethod_options = { v = 1' + "0" * 400 + " }",
     'method = "promethee"\nmethod_options = { preference = "linear", q = 0, p = 1' + "0" * 400 + " }",
     "method_options = { ideal = { a = 1" + "0" * 400 + " } }",
     'method = "spotis"\nmethod_options = { bounds = [[0, 1' + "0" * 400 + "], [0, 5]] }"],
)  # fmt: skip
def test_an_integer_beyond_float64_is_a_clear_error_on_load(tmp_path, capsys, extra):
    assert main(["criteria", "validate", str(_set(tmp_path, extra))]) == 1
    err = capsys.readouterr().err
    assert "float64's range" in err and "unexpected error" not in err


def test_text_and_booleans_are_not_thresholds():
    x = DF[["a", "b"]].to_numpy()
    for q in ("1", True):
        with pytest.raises(ArgumentTypeError, match="`q` must be a number"):
            cm.promethee(x, [0.5, 0.5], [1, -1], preference="linear", q=q, p=2)


def test_method_options_must_be_a_mapping(tmp_path):
    cs = cm.load_criteria(_set(tmp_path, ""))
    with pytest.raises(ArgumentTypeError, match="`method_options` must be a mapping"):
        cm.rank(DF, cs, method_options="v")


@pytest.mark.parametrize(
    "extra",
    [{"method": "vikor", "method_options": {"v": 10**400}},
     {"method": "promethee", "method_options": {"preference": "linear", "q": 0, "p": 10**400}},
     {"method": "topsis", "method_options": {"ideal": [10**400, 0]}}],
)  # fmt: skip
def test_the_service_answers_422_to_integers_beyond_float64(extra):
    import json

    from fastapi.testclient import TestClient

    from citymatch.service import create_app

    rows = DF.to_dict(orient="records")
    crit = {
        "format_version": 1, "name": "two", "title": "Two", "version": "1",
        "criteria": [{"id": "a", "label": "A", "direction": "benefit", "weight": 1},
                     {"id": "b", "label": "B", "direction": "cost", "weight": 1}],
    }  # fmt: skip
    body = json.dumps({"candidates": rows, "criteria": crit, **extra})
    r = TestClient(create_app()).post(
        "/v1/rank", content=body, headers={"content-type": "application/json"}
    )
    assert r.status_code == 422 and "float64's range" in r.text


def test_a_bad_spotis_bound_on_the_command_line_is_a_usage_error(tmp_path, capsys):
    cands = tmp_path / "c.csv"
    DF.to_csv(cands, index=False)
    path = _set(tmp_path, "")
    args = ["rank", str(cands), "--criteria", str(path), "--method", "spotis"]
    assert main([*args, "--method-option", "bounds=[[0,5]]"]) == 2
    err = capsys.readouterr().err
    assert "`bounds` must have shape (2, 2)" in err and "c.csv" not in err


def test_an_inline_sets_error_is_reported_alone():
    """A bad inline criteria set gets its own errors only (the union used to add "Input
    should be a valid string" for the set-name branch)."""
    import json

    from fastapi.testclient import TestClient

    from citymatch.service import create_app

    crit = {
        "format_version": 1, "name": "two", "title": "Two", "version": "1",
        "method": "vikor", "method_options": {"v": 2},
        "criteria": [{"id": "a", "label": "A", "direction": "benefit", "weight": 1},
                     {"id": "b", "label": "B", "direction": "cost", "weight": 1}],
    }  # fmt: skip
    body = json.dumps({"candidates": DF.to_dict(orient="records"), "criteria": crit})
    r = TestClient(create_app()).post(
        "/v1/rank", content=body, headers={"content-type": "application/json"}
    )
    detail = r.json()["detail"]
    assert r.status_code == 422 and len(detail) == 1, detail
    assert "`v` must lie in [0, 1]; got 2.0" in detail[0]["msg"]


def test_fixed_points_further_apart_than_float64_are_refused_on_load(tmp_path, capsys):
    """Both finite, but their difference is not: refused when the set loads, naming the
    points (the ranking used to blame the matrix's span)."""
    extra = "method_options = { ideal = [1e308, 0.0], anti_ideal = [-1e308, 1e308] }"
    assert main(["criteria", "validate", str(_set(tmp_path, extra))]) == 1
    err = capsys.readouterr().err
    assert "`ideal` 1e+308 and `anti_ideal` -1e+308 at criterion 0 are further apart" in err
    with pytest.raises(CitymatchValueError, match="are further apart") as info:
        cm.topsis(
            DF[["a", "b"]].to_numpy(), [1, 1], [1, -1], ideal=[1e308, 0], anti_ideal=[-1e308, 1e308]
        )
    assert "`matrix` values" not in str(info.value)


# ---- a second review: false refusals and the streamed path's options ---------------------


def test_rank_stream_takes_the_method_options_of_the_command_line(tmp_path, capsys):
    src = tmp_path / "c.parquet"
    DF.to_parquet(src)
    path = _set(tmp_path, "")
    base = ["rank", str(src), "--criteria", str(path), "--top", "4", "--format", "json"]
    outs = []
    for extra in ([], ["--stream"]):
        assert main([*base, *extra, "--method-option", "normalization=minmax"]) == 0
        outs.append(capsys.readouterr().out)
    import json

    memory, streamed = (json.loads(o) for o in outs)
    assert streamed["normalization"] == memory["normalization"] == "minmax"
    got = [(r["id"], round(r["score"], 12)) for r in streamed["ranking"]]
    assert got == [(r["id"], round(r["score"], 12)) for r in memory["ranking"]]
    assert main([*base, "--stream", "--method-option", "bogus=1"]) == 2
    assert "may only set" in capsys.readouterr().err


def test_another_method_analyses_a_ranking_scored_with_fixed_points(tmp_path):
    ranking = cm.rank(DF, cm.load_criteria(_set(tmp_path, "")), ideal={"a": 10.0})
    with pytest.raises(CitymatchValueError, match="fixed TOPSIS"):
        rank_acceptability(ranking, samples=40)
    assert rank_acceptability(ranking, samples=40, method="vikor").acceptability.shape == (4, 4)
    assert sensitivity.method_agreement(ranking, methods=["VIKOR", "WSM"]).ranks.shape == (4, 2)


def test_the_brief_leaves_out_robustness_with_the_reason(tmp_path):
    ranking = cm.rank(DF, cm.load_criteria(_set(tmp_path, "")), ideal={"a": 10.0})
    page = cm.brief(ranking, samples=50).html
    assert "Not computed for this ranking" in page and "fixed TOPSIS" in page
    plain = cm.brief(cm.rank(DF, cm.load_criteria(_set(tmp_path, ""))), samples=50).html
    assert "Not computed" not in plain


def test_nan_points_in_options_are_not_fixed_points():
    x = DF[["a", "b"]].to_numpy()
    for ideal in ([np.nan, np.nan], {"c0": np.nan}, None):
        res = rank_acceptability(
            x, [0.5, 0.5], [1, -1], method_options={"ideal": ideal}, samples=40
        )
        assert res.acceptability.shape == (4, 4)


def test_topsis_on_a_vikor_ranking_uses_the_sets_normalisation(tmp_path):
    cs = cm.load_criteria(_set(tmp_path, 'normalization = "minmax"\nmethod = "vikor"'))
    ranking = cm.rank(DF, cs)
    from citymatch.sensitivity._problem import as_problem

    assert as_problem(ranking, method="topsis").norm == "minmax"
    assert cm.rank(DF, cs, method="topsis").topsis_result.normalization == "minmax"


@pytest.mark.parametrize("criteria", [5, None, [], True, ["partnership-city"]])
def test_a_criteria_value_of_the_wrong_kind_says_what_is_accepted(criteria):
    import json

    from fastapi.testclient import TestClient

    from citymatch.service import create_app

    body = json.dumps({"candidates": DF.to_dict(orient="records"), "criteria": criteria})
    r = TestClient(create_app()).post(
        "/v1/rank", content=body, headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    assert "a criteria set's name (a string) or an inline criteria set" in r.text
