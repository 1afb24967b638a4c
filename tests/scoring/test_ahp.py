"""AHP: eigenvector and geometric-mean priorities, consistency, batching, groups, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import citymatch
from citymatch.errors import (
    CitymatchTypeError,
    PairwiseMatrixError,
    RandomIndexError,
    ShapeError,
    WeightsError,
)


def consistent_matrix(w):
    w = np.asarray(w, float)
    return w[:, None] / w[None, :]


def perturbed_stack(rng, k, n, sigma=0.3):
    """K reciprocal matrices: consistent ones with log-normal noise on the upper triangle."""
    w = rng.uniform(0.5, 5, size=(k, n))
    a = w[:, :, None] / w[:, None, :]
    noise = np.exp(rng.normal(0, sigma, size=(k, n, n)))
    iu = np.triu_indices(n, 1)
    up = a[:, iu[0], iu[1]] * noise[:, iu[0], iu[1]]
    a[:, iu[0], iu[1]] = up
    a[:, iu[1], iu[0]] = 1 / up
    return a


def test_batched_power_iteration_matches_eig(rng):
    """Batched principal eigenvectors and λmax agree with numpy.linalg.eig to 1e-12."""
    a = perturbed_stack(rng, 300, 8, sigma=0.6)
    res = citymatch.ahp_batch(a)
    vals, vecs = np.linalg.eig(a)
    top = np.argmax(vals.real, axis=-1)
    lam = vals.real[np.arange(300), top]
    v = np.abs(vecs.real[np.arange(300), :, top])
    v /= v.sum(1, keepdims=True)
    np.testing.assert_allclose(res.weights, v, rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.lambda_max, lam, rtol=0, atol=1e-10)


def test_batch_equals_single_calls(rng):
    """A K×n×n stack equals K single calls (weights, λmax, CR, consistency flags)."""
    a = perturbed_stack(rng, 20, 5, sigma=0.5)
    batch = citymatch.ahp_batch(a)
    assert batch.weights.shape == (20, 5) and batch.cr.shape == (20,)
    for k in range(20):
        one = citymatch.ahp(a[k])
        np.testing.assert_allclose(batch.weights[k], one.weights, atol=1e-14)
        assert batch.cr[k] == pytest.approx(one.cr, abs=1e-14)
        assert bool(batch.consistent[k]) == one.consistent


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(np.float64, st.integers(1, 12), elements=st.floats(0.05, 20)),
    st.sampled_from(["eigenvector", "geometric_mean"]),
)
def test_perfectly_consistent_matrix_recovers_weights(w, method):
    """A perfectly consistent matrix a_ij = w_i/w_j gives CR ≈ 0 and recovers w/Σw."""
    res = citymatch.ahp(consistent_matrix(w), method=method)
    np.testing.assert_allclose(res.weights, w / w.sum(), rtol=1e-10, atol=1e-12)
    assert abs(res.cr) < 1e-10
    assert res.consistent


@settings(max_examples=60, deadline=None)
@given(st.floats(1 / 9, 9))
def test_eigenvector_and_geometric_mean_agree_for_n2(a12):
    """For n = 2 both methods give exactly a12/(1 + a12), and CR = 0."""
    m = [[1.0, a12], [1.0 / a12, 1.0]]
    e = citymatch.ahp(m).weights
    g = citymatch.ahp(m, method="geometric_mean").weights
    np.testing.assert_allclose(e, g, rtol=0, atol=1e-15)
    np.testing.assert_allclose(e[0], a12 / (1 + a12), rtol=1e-14)
    assert citymatch.ahp(m).cr == 0.0


def test_n1_and_n2_have_zero_cr():
    """CR is 0 for n ≤ 2 under every table (RI(1) = RI(2) = 0 is not divided by)."""
    assert citymatch.ahp([[1]]).cr == 0.0
    assert citymatch.ahp([[1]]).weights.tolist() == [1.0]
    assert citymatch.ahp([[1, 5], [0.2, 1]], ri="alonso_lamata2006").cr == 0.0


def test_inconsistent_matrix_flagged():
    """A strongly intransitive matrix has CR > 0.10 and is not consistent; the threshold is a keyword."""
    m = [[1, 9, "1/9"], ["1/9", 1, 9], [9, "1/9", 1]]
    res = citymatch.ahp(m)
    assert res.cr > 0.1 and not res.consistent
    assert citymatch.ahp(m, threshold=100).consistent


def test_ri_table_range_errors():
    """n beyond the table is an error naming the table and its range; the explicit linear fit
    or a user mapping covers larger n; RI is never extrapolated silently."""
    a = consistent_matrix(np.arange(1, 17))
    with pytest.raises(
        RandomIndexError, match=r"`ri` table 'saaty1980' covers n = 1..15; got a 16×16 matrix"
    ):
        citymatch.ahp(a)
    res = citymatch.ahp(a, ri="alonso_lamata2006_fit")
    assert res.ri == pytest.approx((1.7699 * 16 - 4.3513) / 15)
    assert citymatch.ahp(a, ri={16: 1.6}).ri_table == "custom"
    with pytest.raises(
        RandomIndexError, match=r"`ri` mapping has no entry for n = 16; it covers n = \[3\]"
    ):
        citymatch.ahp(a, ri={3: 0.58})
    with pytest.raises(RandomIndexError, match=r"`ri` must be one of 'saaty1980'.*got 'saaty1990'"):
        citymatch.ahp(a[:3, :3], ri="saaty1990")
    with pytest.raises(RandomIndexError, match=r"`ri\[3\]` must be a positive number; got 0"):
        citymatch.ahp(a[:3, :3], ri={3: 0})


def test_pymcdm_alias_is_tummala_ling():
    """ri='pymcdm' selects the Tummala & Ling (1998) table pymcdm's AHP uses."""
    m = consistent_matrix([1, 2, 3, 4])
    assert citymatch.ahp(m, ri="pymcdm").ri == 0.8921
    assert citymatch.ahp(m, ri="pymcdm").ri_table == "tummala_ling1998"


@pytest.mark.parametrize(
    ("matrix", "exc", "pattern"),
    [
        ([[1, 2], [0.5]], ShapeError, r"`pairwise` must be a square"),
        (
            [[1, 2, 3], [0.5, 1, 2]],
            ShapeError,
            r"`pairwise` must be square, n×n or K×n×n; got shape \(2, 3\)",
        ),
        (
            [[1, -2], [-0.5, 1]],
            PairwiseMatrixError,
            r"must be positive .*got -2.0 at row 0, column 1",
        ),
        ([[1, 0], [0, 1]], PairwiseMatrixError, r"must be positive .*got 0.0 at row 0, column 1"),
        ([[1, np.nan], [1, 1]], PairwiseMatrixError, r"must be finite; got nan at row 0, column 1"),
        (
            [[2, 1], [1, 1]],
            PairwiseMatrixError,
            r"must have a unit diagonal; got 2.0 at row 0, column 0",
        ),
        (
            [[1, 3, 2], [1 / 3, 1, 4], [0.5, 0.5, 1]],
            PairwiseMatrixError,
            r"must be reciprocal .*got a\[1, 2\] = 4 and a\[2, 1\] = 0.5",
        ),
        ([[1, "x"], ["1/2", 1]], CitymatchTypeError, r"a number or a fraction like '1/3'; got 'x'"),
        (
            "1,2;3,4",
            CitymatchTypeError,
            r"`pairwise` must be a square matrix of numbers; got a string",
        ),
    ],
)
def test_bad_pairwise_messages(matrix, exc, pattern):
    """Each invalid matrix is refused, naming the first offending cell and both values."""
    with pytest.raises(exc, match=pattern):
        citymatch.ahp(matrix)


def test_bad_cell_in_stack_names_the_matrix():
    """In a K×n×n stack the message names the matrix index too."""
    a = np.stack([consistent_matrix([1, 2, 3])] * 3)
    a[2, 0, 1] = 7
    with pytest.raises(PairwiseMatrixError, match=r"a\[0, 1\] = 7 and a\[1, 0\] = 2 in matrix 2"):
        citymatch.ahp(a)


def test_reciprocity_tolerance_accepts_rounded_thirds():
    """0.333 for 1/3 passes the default rtol; a tighter rtol refuses it."""
    m = [[1, 3], [0.333, 1]]
    assert citymatch.ahp(m).weights[0] > 0.7
    with pytest.raises(PairwiseMatrixError):
        citymatch.ahp(m, rtol=1e-6)


def test_other_argument_errors():
    """Unknown method, negative threshold, wrong label count."""
    m = consistent_matrix([1, 2, 3])
    with pytest.raises(
        ValueError, match=r"`method` must be 'eigenvector' or 'geometric_mean'; got 'power'"
    ):
        citymatch.ahp(m, method="power")
    with pytest.raises(ValueError, match=r"`threshold` must be a number ≥ 0; got -0.1"):
        citymatch.ahp(m, threshold=-0.1)
    with pytest.raises(ShapeError, match=r"`labels` must have 3 names .*got 2"):
        citymatch.ahp(m, labels=["a", "b"])


def test_input_not_mutated():
    """The caller's matrix is left untouched."""
    m = consistent_matrix([1, 2, 3])
    m0 = m.copy()
    citymatch.ahp(m)
    assert np.array_equal(m, m0)


# ------------------------------------------------------------------ group judgements
def test_group_aij_geometric_mean(rng):
    """AIJ: the aggregate is the element-wise (weighted) geometric mean; it stays reciprocal;
    each expert's CR is reported; identical experts reproduce the individual result."""
    a = perturbed_stack(rng, 4, 4, sigma=0.4)
    g = citymatch.ahp_group(a)
    np.testing.assert_allclose(g.matrix, np.exp(np.log(a).mean(0)), rtol=1e-14)
    np.testing.assert_allclose(g.matrix * g.matrix.T, 1.0, rtol=1e-12)
    assert g.experts.cr.shape == (4,)
    for e in range(4):
        assert g.experts.cr[e] == pytest.approx(citymatch.ahp(a[e]).cr, abs=1e-14)
    same = citymatch.ahp_group(np.stack([a[0]] * 3))
    np.testing.assert_allclose(same.weights, citymatch.ahp(a[0]).weights, atol=1e-12)
    weighted = citymatch.ahp_group(a, expert_weights=[1, 0, 0, 0])
    np.testing.assert_allclose(weighted.weights, citymatch.ahp(a[0]).weights, atol=1e-12)
    assert g.to_frame().shape == (4, 3)


def test_group_errors(rng):
    """Expert weights of the wrong length or negative, and a single matrix, are refused."""
    a = perturbed_stack(rng, 3, 3)
    with pytest.raises(
        ShapeError, match=r"`expert_weights` must have 3 elements .*got shape \(2,\)"
    ):
        citymatch.ahp_group(a, expert_weights=[1, 1])
    with pytest.raises(WeightsError, match=r"`expert_weights` must be finite, non-negative"):
        citymatch.ahp_group(a, expert_weights=[1, -1, 1])
    with pytest.raises(ShapeError, match=r"`matrices` must be a stack E×n×n"):
        citymatch.ahp_group(a[0])


# ------------------------------------------------------------------ hierarchies
def test_hierarchy_global_weights_multiply_local():
    """Global weight of a leaf = product of local priorities along its path."""
    tree = {
        "matrix": [[1, 3], ["1/3", 1]],
        "children": {
            "economic": {"matrix": consistent_matrix([3, 1]), "children": ["sectors", "trade"]},
            "cultural": {
                "matrix": consistent_matrix([1, 1, 2]),
                "children": ["ties", "diaspora", "funding"],
            },
        },
    }
    res = citymatch.ahp_hierarchy(tree)
    assert res.weights["sectors"] == pytest.approx(0.75 * 0.75)
    assert res.weights["funding"] == pytest.approx(0.25 * 0.5)
    assert res.weights.sum() == pytest.approx(1.0)
    assert set(res.local) == {"goal", "economic", "cultural"}


def test_hierarchy_errors():
    """Malformed nodes name the node."""
    with pytest.raises(
        ValueError, match=r"hierarchy node 'goal' must be a mapping with 'matrix' and 'children'"
    ):
        citymatch.ahp_hierarchy({"children": ["a"]})
    with pytest.raises(ShapeError, match=r"hierarchy node 'goal': `labels` must have 2 names"):
        citymatch.ahp_hierarchy({"matrix": [[1, 2], [0.5, 1]], "children": ["a", "b", "c"]})
    with pytest.raises(
        PairwiseMatrixError, match=r"hierarchy node 'x': `pairwise` must be reciprocal"
    ):
        citymatch.ahp_hierarchy(
            {
                "matrix": [[1, 2], [0.5, 1]],
                "children": {"x": {"matrix": [[1, 2], [2, 1]], "children": ["p", "q"]}, "y": None},
            }
        )


def test_reprs():
    """AHP results have compact reprs and HTML reprs."""
    res = citymatch.ahp(consistent_matrix([1, 2, 3]), labels=["a", "b", "c"])
    assert "CR=0.0000 (consistent at 0.1)" in repr(res)
    assert "saaty1980" in res._repr_html_()
    assert list(res.to_frame().index) == ["a", "b", "c"]
