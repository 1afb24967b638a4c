"""Session 13 adversarial findings on the scoring methods other than TOPSIS (issue 14).

Each test pins the fix of a defect that a hostile input found (each failed before its fix,
as a strict xfail): PROMETHEE's window sums next to an outlier, raw exceptions and HTTP 500
from malformed SPOTIS/PROMETHEE options, method_agreement's options and aliases, COPRAS with
a tiny cost weight, bits that depended on the core count, CRITIC with one criterion, and
the command line's exit code for a bad method option.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from fastapi.testclient import TestClient

import citymatch as cm
from citymatch import sensitivity
from citymatch.errors import CitymatchError
from citymatch.service import create_app


def _pairwise_net_flows(x: np.ndarray, kind: str, q: float, p: float) -> np.ndarray:
    """PROMETHEE II net flows of one benefit criterion from the N × N table (the definition)."""
    col = x[:, 0]
    d = col[:, None] - col[None, :]
    if kind == "v-shape":
        pref = np.where(d > p, 1.0, np.where(d > 0, d / p, 0.0))
    else:  # linear
        pref = np.where(d > p, 1.0, np.where(d > q, (d - q) / (p - q), 0.0))
    return (pref.sum(axis=1) - pref.sum(axis=0)) / (col.size - 1)


# ---- PROMETHEE: prefix sums lose the small differences next to a large value ---------------


@pytest.mark.parametrize(("kind", "q"), [("v-shape", 0.0), ("linear", 1.0)])
def test_promethee_flows_with_a_distant_value_equal_the_pairwise_table(kind, q):
    x = np.array([[1e16], [1.0], [2.0], [3.0], [-1e16]])
    kw = {"p": 3.0} if kind == "v-shape" else {"q": q, "p": 3.0}
    got = cm.promethee(x, [1.0], [1], preference=kind, **kw).scores
    np.testing.assert_allclose(got, _pairwise_net_flows(x, kind, q, 3.0), atol=1e-12)


def test_promethee_mirror_candidates_tie_next_to_a_distant_value():
    x = np.array([[0.4, 0.5], [0.5, 0.4], [0.9, 0.3], [0.6, 0.7], [1e6, -1e6]])
    res = cm.promethee(x, [0.5, 0.5], [1, 1], preference="v-shape", p=0.5)
    assert res.ranks[0] == res.ranks[1]  # (0.4, 0.5) and (0.5, 0.4) under equal weights


def test_promethee_order_next_to_a_distant_value_is_the_pairwise_order():
    x = np.array([[0.6, 0.19], [0.4, 0.18], [0.67, 0.88], [0.07, 0.34], [1e14, -1e14]])
    got = cm.promethee(x, [0.5, 0.5], [1, 1], preference="v-shape", p=0.5).scores
    exact = 0.5 * sum(_pairwise_net_flows(x[:, [j]], "v-shape", 0.0, 0.5) for j in range(2))
    assert exact[4] > exact[0]  # the definition puts the distant candidate ahead of row 0
    assert got[4] > got[0]


# ---- raw Python exceptions from malformed method options ------------------------------------

X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 1.0]])
W = [0.5, 0.5]
T = [1, -1]


@pytest.mark.parametrize(
    "options",
    [
        {"bounds": "abc"},
        {"bounds": [[0, 6], [0]]},
        {"bounds": {"a": 1}},
        {"ideal": "x"},
    ],
)
def test_spotis_malformed_bounds_or_ideal_is_a_citymatch_error(options):
    with pytest.raises(CitymatchError, match=r"bounds|ideal"):
        cm.spotis(X, W, T, **options)


def test_promethee_preference_none_is_a_citymatch_error():
    with pytest.raises(CitymatchError, match="preference"):
        cm.promethee(X, W, T, preference=None)


@pytest.mark.parametrize(
    ("method", "options"),
    [
        ("spotis", {"bounds": "abc"}),
        ("spotis", {"bounds": [[0, 5], [1]]}),
        ("spotis", {"ideal": "abc"}),
        ("promethee", {"preference": None}),
    ],
)
def test_service_rank_refuses_malformed_method_options_with_422(method, options):
    criteria = {
        "name": "t",
        "title": "T",
        "version": "1",
        "criteria": [
            {"id": "a", "label": "A", "direction": "benefit", "weight": 0.5},
            {"id": "b", "label": "B", "direction": "cost", "weight": 0.5},
        ],
    }
    rows = [{"id": f"c{i}", "a": float(i % 3 + 1), "b": float(i * 7 % 5 + 1)} for i in range(6)]
    body = {
        "candidates": rows,
        "criteria": criteria,
        "screening": False,
        "method": method,
        "method_options": options,
    }
    client = TestClient(create_app(), raise_server_exceptions=False)
    assert client.post("/v1/rank", json=body).status_code == 422


def test_method_agreement_options_that_are_not_a_mapping_are_a_citymatch_error():
    with pytest.raises(CitymatchError, match="method_options"):
        sensitivity.method_agreement(
            X, W, T, methods=["VIKOR", "WSM"], method_options={"VIKOR": 0.2}
        )


def test_method_agreement_accepts_the_promethee_alias():
    res = sensitivity.method_agreement(X, W, T, methods=["promethee", "wsm"])
    assert res.ranks.shape == (3, 2)


# ---- a valid tiny weight -----------------------------------------------------------------


def test_copras_scores_a_tiny_positive_cost_weight():
    got = cm.copras(X, [1.0, 1e-308], T).scores
    # the cost term scales with the cost weight: Q is S+ to within 1e-300
    np.testing.assert_allclose(got, X[:, 0] / X[:, 0].sum(), rtol=1e-12)


# ---- the same bits with any number of threads ---------------------------------------------


def _with_cpus(k, fn):
    saved = os.cpu_count
    os.cpu_count = lambda: k  # the pool sizes its passes from os.cpu_count()
    try:
        return fn()
    finally:
        os.cpu_count = saved


@pytest.mark.parametrize(
    "score",
    [
        lambda x, w, t: cm.copras(x, w, t).scores,
        lambda x, w, t: cm.mabac(x, w, t).scores,
        lambda x, w, t: cm.wsm(x, w, t, normalization="sum").scores,
        lambda x, w, t: cm.topsis(x, w, t).scores,
        lambda x, w, t: cm.topsis(x, w, t, normalization="sum").scores,
    ],
    ids=["copras", "mabac", "wsm-sum", "topsis-vector", "topsis-sum"],
)
def test_scores_do_not_depend_on_the_number_of_threads(score):
    x = np.random.default_rng(3).random((300_000, 4)) * 100 + 1
    w, t = [0.1, 0.2, 0.3, 0.4], [1, -1, 1, -1]
    one = _with_cpus(1, lambda: score(x, w, t))
    three = _with_cpus(3, lambda: score(x, w, t))
    np.testing.assert_array_equal(one, three)


# ---- objective weights --------------------------------------------------------------------


def test_critic_weight_of_a_single_criterion_is_one():
    """CRITIC's conflict term is 0 for a lone criterion: if it separates the candidates it
    takes all the weight (as entropy and std give); a constant one is still refused."""
    np.testing.assert_array_equal(cm.objective_weights([[1.0], [2.0]], [1], method="critic"), [1.0])
    with pytest.raises(CitymatchError, match="every column is constant"):
        cm.objective_weights([[1.0], [1.0]], [1], method="critic")


def test_critic_refuses_perfectly_correlated_criteria_saying_why():
    """Several criteria that vary but are perfectly correlated give every C_j = 0: refused
    with the true reason (the conflict terms), not 'every column is constant'."""
    x = [[0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [1.0, 1.0]]  # r = 1 exactly in floating point
    with pytest.raises(CitymatchError, match="perfectly correlated"):
        cm.objective_weights(x, [1, 1], method="critic")


# ---- the command line ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        ["--method", "vikor", "--method-option", "v=abc"],
        ["--method", "wsm", "--method-option", "normalization=vector"],
        [
            *("--method", "promethee", "--method-option", "preference=linear"),
            *("--method-option", "q=1", "--method-option", "p=0.5"),
        ],
        ["--method", "promethee", "--method-option", 'preference=["usual", "usual"]'],
        [
            *("--method", "promethee", "--method-option", "preference=linear"),
            *("--method-option", "q=[0, 1]", "--method-option", "p=3"),
        ],
    ],
    ids=[
        "v-text",
        "unknown-normalization",
        "thresholds-out-of-order",
        "preference-count",
        "threshold-count",
    ],
)
def test_cli_bad_method_option_value_is_a_usage_error(options, capsys):
    """Exit 2, and the candidates' file not blamed for the option."""
    from citymatch.cli.main import main

    code = main(["rank", "example", "--criteria", "partnership-city", "--top", "1", *options])
    err = capsys.readouterr().err
    assert code == 2
    assert "cities.csv" not in err and "error:" in err
