"""Tests written to kill surviving mutants of ``scoring/ahp.py`` (session 9).

Group aggregation (AIJ), hierarchies (global weights, node names, refusals, display) and the
2×2 eigenvalue.  Every expected value is worked out here by hand: the 2×2 matrix
``[[1, a], [b, 1]]`` has λmax = 1 + √(ab) and eigenvector ∝ (√a, √b); the cyclic 3×3 matrix
``[[1, 2, 1/2], [1/2, 1, 2], [2, 1/2, 1]]`` has λmax = 1 + p^⅓ + p^−⅓ with p = 2·2/(1/2) = 8,
i.e. 3.5, so CI = 0.25 and CR = 0.25/0.58 (Saaty 1980's RI(3)); row geometric means are
products of powers; global weights are sums of products of local weights.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pytest

from citymatch import ahp, ahp_batch, ahp_group, ahp_hierarchy
from citymatch.errors import WeightsError

CYCLIC = [[1, 2, 1 / 2], [1 / 2, 1, 2], [2, 1 / 2, 1]]  # λmax 3.5, CI 0.25, CR 0.25/0.58
CONSISTENT = [[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]]  # weights 4:2:1
SKEWED = [[1, 2, 8], [1 / 2, 1, 2], [1 / 8, 1 / 2, 1]]  # 2·2 ≠ 8: methods differ
CR_CYCLIC = 0.25 / 0.58


def _geometric_weights(a: list[list[float]]) -> list[float]:
    g = [math.prod(row) ** (1 / len(row)) for row in a]
    return [x / sum(g) for x in g]


# ---- AHPResult / AHPBatchResult fields -------------------------------------------------------


def test_without_labels_the_results_have_none():
    """``labels`` is ``None`` when none are given (documented: tuple of str or None)."""
    assert ahp([[1, 3], [1 / 3, 1]]).labels is None
    assert ahp_batch([[[1, 3], [1 / 3, 1]]]).labels is None


def test_a_nearly_reciprocal_two_by_two_keeps_its_eigenvalue_and_zero_ci():
    """``[[1, 3], [0.34, 1]]`` (reciprocal within rtol 0.05): λmax = 1 + √1.02 (not 2), weights
    ∝ (√3, √0.34); CI and CR are 0 for n = 2 whatever λmax — alone and in a batch."""
    m = [[1, 3], [0.34, 1]]
    lam = 1 + math.sqrt(3 * 0.34)
    w = [math.sqrt(3), math.sqrt(0.34)]
    w = [x / sum(w) for x in w]
    res = ahp(m, rtol=0.05)
    assert res.lambda_max == pytest.approx(lam, rel=1e-12)
    np.testing.assert_allclose(res.weights, w, rtol=1e-12)
    assert (res.ci, res.cr) == (0.0, 0.0)
    batch = ahp_batch([m, [[1, 1], [1, 1]]], rtol=0.05)
    np.testing.assert_allclose(batch.lambda_max, [lam, 2.0], rtol=1e-12)
    assert batch.ci.tolist() == [0.0, 0.0] and batch.cr.tolist() == [0.0, 0.0]


def test_a_batch_with_threshold_zero_counts_consistent_matrices():
    """``consistent`` is ``cr <= threshold``: with threshold 0 a consistent matrix (CR 0) and a
    2×2 matrix count as consistent, the cyclic one (CR 0.43) does not."""
    res = ahp_batch([CONSISTENT, CYCLIC], threshold=0)
    assert res.consistent.tolist() == [True, False]
    assert ahp_batch([[1, 5], [1 / 5, 1]], threshold=0).consistent.tolist() == [True]


# ---- ahp_group --------------------------------------------------------------------------------


def test_group_aggregates_by_the_weighted_geometric_mean():
    """Expert weights 3:1 are normalised to 0.75/0.25; the aggregate is a1^0.75 · a2^0.25 cell by
    cell (worked out here), and its weights are that matrix's eigenvector."""
    g = ahp_group([CYCLIC, CONSISTENT], expert_weights=[3, 1])
    np.testing.assert_allclose(g.expert_weights, [0.75, 0.25], rtol=1e-15)
    want = [[CYCLIC[i][j] ** 0.75 * CONSISTENT[i][j] ** 0.25 for j in range(3)] for i in range(3)]
    np.testing.assert_allclose(g.matrix, want, rtol=1e-13)
    # for n = 3 the principal eigenvector is the normalised row geometric means
    np.testing.assert_allclose(g.weights, _geometric_weights(want), rtol=1e-9)


def test_group_uses_the_default_threshold_of_one_tenth():
    """Two copies of the cyclic matrix: the aggregate is that matrix, CR = 0.25/0.58 ≈ 0.43,
    which is not consistent at the default threshold 0.10 (nor is either expert)."""
    g = ahp_group([CYCLIC, CYCLIC])
    assert g.cr == pytest.approx(CR_CYCLIC, rel=1e-9)
    assert g.aggregate.consistent is False and g.aggregate.threshold == 0.1
    assert g.experts.consistent.tolist() == [False, False]


def test_group_passes_method_index_threshold_and_labels_to_both_results():
    """``method``, ``ri``, ``threshold`` and ``labels`` reach the aggregate and the experts:
    geometric-mean weights of the skewed matrix, RI = 0.5 from the mapping (CR of the cyclic
    matrix 0.25/0.5 = 0.5, consistent at threshold 0.5), the labels on both."""
    g = ahp_group(
        [SKEWED, SKEWED, CYCLIC],
        expert_weights=[1, 1, 0],
        method="geometric_mean",
        ri={3: 0.5},
        threshold=0.5,
        labels=["x", "y", "z"],
    )
    np.testing.assert_allclose(g.weights, _geometric_weights(SKEWED), rtol=1e-12)
    for res in (g.aggregate, g.experts):
        assert (res.method, res.ri, res.ri_table, res.threshold) == (
            "geometric_mean",
            0.5,
            "custom",
            0.5,
        )
        assert res.labels == ("x", "y", "z")
    np.testing.assert_allclose(g.experts.weights[0], _geometric_weights(SKEWED), rtol=1e-12)
    assert g.experts.cr[2] == pytest.approx(0.5, rel=1e-9)
    assert g.experts.consistent.tolist()[2] is True


def test_group_refuses_all_zero_expert_weights():
    """Expert weights that are all zero are refused, naming the rule and the values."""
    with pytest.raises(
        WeightsError,
        match=r"^`expert_weights` must be finite, non-negative and not all zero; got \[0\.0, 0\.0\]\.$",
    ):
        ahp_group([CYCLIC, CONSISTENT], expert_weights=[0, 0])


def test_group_applies_rtol_to_the_aggregate_and_the_experts():
    """``rtol`` is as in :func:`ahp`: matrices reciprocal only within rtol 0.05 (3 · 0.34 = 1.02)
    are accepted, and the aggregate of two equal ones is that matrix (weights ∝ (√3, √0.34))."""
    m = [[1, 3], [0.34, 1]]
    g = ahp_group([m, m], rtol=0.05)
    w = [math.sqrt(3), math.sqrt(0.34)]
    np.testing.assert_allclose(g.weights, [x / sum(w) for x in w], rtol=1e-12)
    np.testing.assert_allclose(g.experts.weights, [[x / sum(w) for x in w]] * 2, rtol=1e-12)


# ---- ahp_hierarchy ---------------------------------------------------------------------------

TREE = {
    "matrix": [[1, 3], [1 / 3, 1]],  # 0.75 / 0.25
    "children": {
        "econ": {"matrix": [[1, 1], [1, 1]], "children": ["a", "b"]},  # 0.5 / 0.5
        "culture": {"matrix": [[1, 4], [1 / 4, 1]], "children": ["a", "c"]},  # 0.8 / 0.2
    },
}
# a = 0.75·0.5 + 0.25·0.8 = 0.575, b = 0.75·0.5 = 0.375, c = 0.25·0.2 = 0.05
GLOBAL = {"a": 0.575, "b": 0.375, "c": 0.05}


def test_hierarchy_sums_products_of_local_weights_over_paths():
    """A leaf under two parents gets the sum over its paths of the products of local weights
    (hand-computed above); the Series is named ``weight`` in first-seen order."""
    res = ahp_hierarchy(TREE)
    assert list(res.weights.index) == ["a", "b", "c"]
    np.testing.assert_allclose(res.weights.to_numpy(), list(GLOBAL.values()), rtol=1e-12)
    assert res.weights.name == "weight"
    assert list(res.local) == ["goal", "econ", "culture"]
    assert res.local["culture"].labels == ("a", "c")


def test_hierarchy_frame_repr_and_html():
    """``to_frame()`` has one column ``weight``; the repr lists each leaf to 4 decimals, the
    number of nodes and the largest CR; the notebook display shows the table and that repr."""
    res = ahp_hierarchy(TREE)
    frame = res.to_frame()
    assert list(frame.columns) == ["weight"] and list(frame.index) == ["a", "b", "c"]
    np.testing.assert_allclose(frame["weight"].to_numpy(), list(GLOBAL.values()), rtol=1e-12)
    text = "HierarchyResult(a=0.5750, b=0.3750, c=0.0500; 3 nodes, max CR 0.0000)"
    assert repr(res) == text
    page = res._repr_html_()
    assert f"<small>{html.escape(text)}</small>" in page
    assert "<th>weight</th>" in page and "0.5750" in page and "0.0500" in page


def test_hierarchy_names_repeated_nodes_apart_and_uses_the_root_name():
    """A sub-node named like its parent is kept under the name with a prime (``x'``); ``name``
    names the root in ``local``.  Global weights: x 0.75 → (x 0.5 → p 0.8, q 0.2; y 0.5),
    z 0.25."""
    tree = {
        "matrix": [[1, 3], [1 / 3, 1]],
        "children": {
            "x": {
                "matrix": [[1, 1], [1, 1]],
                "children": {
                    "x": {"matrix": [[1, 4], [1 / 4, 1]], "children": ["p", "q"]},
                    "y": None,
                },
            },
            "z": None,
        },
    }
    res = ahp_hierarchy(tree, name="root")
    assert list(res.local) == ["root", "x", "x'"]
    assert res.local["x'"].labels == ("p", "q")
    # p = 0.75·0.5·0.8, q = 0.75·0.5·0.2, y = 0.75·0.5, z = 0.25
    want = {"p": 0.3, "q": 0.075, "y": 0.375, "z": 0.25}
    assert set(res.weights.index) == set(want)
    for k, v in want.items():
        assert res.weights[k] == pytest.approx(v, rel=1e-12)
    assert next(iter(ahp_hierarchy(TREE).local)) == "goal"


def test_hierarchy_passes_method_index_threshold_and_rtol_to_every_node():
    """At every node: geometric-mean weights (the skewed matrix's row geometric means), the
    mapping RI 0.5 (the cyclic node's CR 0.25/0.5 = 0.5, consistent at threshold 0.5), and
    rtol 0.05 (a node with 3 · 0.34 = 1.02)."""
    tree = {
        "matrix": SKEWED,
        "children": {
            "u": {"matrix": CYCLIC, "children": ["a", "b", "c"]},
            "v": {"matrix": [[1, 3], [0.34, 1]], "children": ["d", "e"]},
            "w": None,
        },
    }
    res = ahp_hierarchy(tree, method="geometric_mean", ri={3: 0.5}, threshold=0.5, rtol=0.05)
    gw = _geometric_weights(SKEWED)
    np.testing.assert_allclose(res.local["goal"].weights, gw, rtol=1e-12)
    assert res.local["u"].cr == pytest.approx(0.5, rel=1e-9)
    for node in res.local.values():
        assert (node.method, node.ri_table, node.threshold) == ("geometric_mean", "custom", 0.5)
    assert res.local["u"].consistent is True and res.local["u"].ri == 0.5
    assert res.weights["w"] == pytest.approx(gw[2], rel=1e-12)
    assert res.weights["a"] == pytest.approx(gw[0] / 3, rel=1e-9)


def test_hierarchy_uses_the_default_threshold_and_reports_the_largest_cr():
    """Default threshold 0.10: the cyclic node (CR 0.25/0.58 ≈ 0.431) is not consistent; the
    repr's max CR is that node's."""
    res = ahp_hierarchy({"matrix": CYCLIC, "children": ["a", "b", "c"]})
    assert res.local["goal"].consistent is False and res.local["goal"].threshold == 0.1
    assert res.max_cr == pytest.approx(CR_CYCLIC, rel=1e-9)
    assert repr(res) == (
        f"HierarchyResult(a=0.3333, b=0.3333, c=0.3333; 1 nodes, max CR {CR_CYCLIC:.4f})"
    )


@pytest.mark.parametrize(
    ("tree", "message"),
    [
        (
            {"matrix": [[1, 2], [0.5, 1]]},
            r"^hierarchy node 'goal' must be a mapping with 'matrix' and 'children'; got "
            r"\{'matrix': \[\[1, 2\], \[0\.5, 1\]\]\}\.$",
        ),
        (
            {"matrix": [[1, 2], [0.5, 1]], "children": "ab"},
            r"^hierarchy node 'goal': 'children' must be a list or a mapping; got 'ab'\.$",
        ),
        (
            {"matrix": [[1, 2], [0.5, 1]], "children": 5},
            r"^hierarchy node 'goal': 'children' must be a list or a mapping; got 5\.$",
        ),
        (
            {"matrix": [[1, 2], [0.5, 1]], "children": ["a", "a"]},
            r"^hierarchy node 'goal' lists a child twice: \['a', 'a'\]\.$",
        ),
    ],
)
def test_hierarchy_refusals_name_the_node_and_the_rule(tree, message):
    """A node without children, children given as a string or a number, and a child listed
    twice are refused in full sentences naming the node."""
    with pytest.raises(ValueError, match=message):
        ahp_hierarchy(tree)
