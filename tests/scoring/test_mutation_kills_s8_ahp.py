"""Tests written to kill surviving mutants of ``scoring/ahp.py`` (session 8, first mutation run).

Expected values come from the published RI tables (Saaty 1980; Alonso & Lamata 2006 and its
linear fit ``RI = (1.7699 n − 4.3513)/(n − 1)``), from row geometric means worked out in the
test, or from the documented wording of the refusals — never from the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from citymatch import ahp, ahp_batch, random_index
from citymatch.errors import CitymatchTypeError, RandomIndexError, ShapeError

TABLES = (
    "'saaty1980', 'saaty2005_anp', 'alonso_lamata2006', 'donegan_dodd1991', "
    "'tummala_ling1998', 'alonso_lamata2006_fit'"
)


def test_random_index_defaults_to_saaty_1980():
    """Without ``ri`` the index is Saaty's (1980): RI(3) = 0.58, RI(4) = 0.90."""
    assert random_index(3) == (0.58, "saaty1980")
    assert random_index(4) == (0.9, "saaty1980")


@pytest.mark.parametrize("n", [1, 2])
def test_a_mapping_needs_no_entry_for_one_or_two_elements(n):
    """For n ≤ 2 the CR is 0 whatever the index: a mapping without an entry for n gives
    (0.0, "custom")."""
    assert random_index(n, {3: 0.58}) == (0.0, "custom")


def test_a_mapping_entry_below_one_is_used():
    """A positive entry is used as given, also one below 1 (every published RI(3) is)."""
    assert random_index(3, {3: 0.58}) == (0.58, "custom")
    assert random_index(4, {4: 0.9}) == (0.9, "custom")


def test_the_linear_fit_gives_zero_for_two_elements_and_the_formula_from_three():
    """``"alonso_lamata2006_fit"``: RI(2) is 0 (the fit itself would be negative there, −0.8115),
    RI(n) = (1.7699 n − 4.3513)/(n − 1) from n = 3 on."""
    assert random_index(2, "alonso_lamata2006_fit") == (0.0, "alonso_lamata2006_fit")
    for n in (3, 4, 20):
        value, name = random_index(n, "alonso_lamata2006_fit")
        assert name == "alonso_lamata2006_fit"
        assert value == pytest.approx((1.7699 * n - 4.3513) / (n - 1), rel=1e-15)


def test_random_index_refusals_state_the_rule_and_the_value():
    """A wrong type, an unknown table (every table named) and a matrix beyond a table are
    refused in full sentences."""
    with pytest.raises(
        CitymatchTypeError, match=r"^`ri` must be a table name or a mapping \{n: RI\}; got int\.$"
    ):
        random_index(3, 5)  # type: ignore[arg-type]
    with pytest.raises(
        RandomIndexError,
        match=r"^`ri` must be one of "
        + TABLES.replace("(", r"\(")
        + r" or a mapping \{n: RI\}; got 'saaty1990'\.$",
    ):
        random_index(3, "saaty1990")
    with pytest.raises(
        RandomIndexError,
        match=r"^`ri` table 'saaty1980' covers n = 1\.\.15; got a 16×16 matrix\. Choose "
        r"'alonso_lamata2006_fit' \(any n ≥ 3\) or give a mapping \{n: RI\}; citymatch does "
        r"not extrapolate a published table\.$",
    ):
        random_index(16)


def _geometric_weights(a: list[list[float]]) -> list[float]:
    g = [math.prod(row) ** (1 / len(row)) for row in a]
    return [x / sum(g) for x in g]


def test_batched_geometric_mean_weights_are_normalised_per_matrix():
    """Two 3×3 matrices at once under ``"geometric_mean"``: each row of ``weights`` is its own
    matrix's normalised row geometric means (summing to 1), as computed one by one by hand."""
    m1 = [[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 1 / 2, 1]]
    m2 = [[1, 1 / 2, 4], [2, 1, 8], [1 / 4, 1 / 8, 1]]
    res = ahp_batch([m1, m2], method="geometric_mean")
    assert res.weights.shape == (2, 3)
    np.testing.assert_allclose(res.weights[0], _geometric_weights(m1), rtol=1e-12)
    np.testing.assert_allclose(res.weights[1], _geometric_weights(m2), rtol=1e-12)


def test_a_nearly_cyclic_matrix_gets_the_principal_eigenvector():
    """a12 = 1000, a23 = 500, a13 = 1/800: so inconsistent that the second eigenvalue is within
    0.3 % of the first in modulus (the slow case).  For n = 3 the principal eigenvector is the
    normalised row geometric means and λmax = 1 + p^(1/3) + p^(−1/3) with p = a12·a23/a13;
    both are worked out here.  Alone, and two such matrices in a batch with consistent ones."""
    a = [[1, 1000, 1 / 800], [1 / 1000, 1, 500], [800, 1 / 500, 1]]
    p = 1000 * 500 * 800
    lam = 1 + p ** (1 / 3) + p ** (-1 / 3)
    res = ahp_batch(a)
    np.testing.assert_allclose(res.weights[0], _geometric_weights(a), rtol=1e-9)
    assert res.lambda_max[0] == pytest.approx(lam, rel=1e-9)
    b = [[1, 1 / 700, 600], [700, 1, 1 / 900], [1 / 600, 900, 1]]
    q = (1 / 700) * (1 / 900) / 600
    ones = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]
    both = ahp_batch([ones, a, b, ones])
    np.testing.assert_allclose(both.weights[1], _geometric_weights(a), rtol=1e-9)
    np.testing.assert_allclose(both.weights[2], _geometric_weights(b), rtol=1e-9)
    np.testing.assert_allclose(both.weights[[0, 3]], np.full((2, 3), 1 / 3), rtol=1e-12)
    lam_b = 1 + q ** (1 / 3) + q ** (-1 / 3)
    np.testing.assert_allclose(both.lambda_max, [3.0, lam, lam_b, 3.0], rtol=1e-9)


def test_ahp_refuses_a_stack_and_names_ahp_batch():
    """A (2, 2, 2) stack given to ``ahp`` is refused, naming its shape and ``ahp_batch``."""
    with pytest.raises(
        ShapeError,
        match=r"^`pairwise` must be one \(n, n\) matrix; got a stack of shape \(2, 2, 2\)\. Use "
        r"citymatch\.ahp_batch\(\) for K matrices at once\.$",
    ):
        ahp([[[1, 3], [1 / 3, 1]], [[1, 2], [1 / 2, 1]]])


@pytest.mark.parametrize("method", ["eigenvector", "geometric_mean"])
def test_the_result_states_its_method(method):
    """``AHPResult.method`` is the method asked for (also in the repr's header)."""
    res = ahp([[1, 3], [1 / 3, 1]], method=method)
    assert res.method == method
    assert f"AHP · {method} · n=2" in repr(res)


def test_a_batch_result_carries_every_documented_field():
    """Two 3×3 consistent matrices (weights 4:2:1 and equal): λmax = 3, CI = CR = 0 for both,
    RI(3) = 0.58 from Saaty's table, the threshold, method and labels as given."""
    m1 = [[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]]
    ones = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]
    res = ahp_batch([m1, ones], threshold=0.2, method="geometric_mean", labels=["a", "b", "c"])
    np.testing.assert_allclose(res.weights, [[4 / 7, 2 / 7, 1 / 7], [1 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_allclose(res.lambda_max, [3.0, 3.0], rtol=1e-12)
    np.testing.assert_allclose(res.ci, [0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(res.cr, [0.0, 0.0], atol=1e-12)
    assert (res.ri, res.ri_table, res.threshold) == (0.58, "saaty1980", 0.2)
    assert res.method == "geometric_mean" and res.labels == ("a", "b", "c")
    assert res.consistent.tolist() == [True, True]


def test_threshold_zero_counts_a_consistent_matrix_and_a_bool_threshold_is_refused():
    """``consistent`` is ``cr <= threshold``: with threshold 0 a consistent 2×2 matrix (CR 0)
    is consistent.  A bool threshold is refused."""
    assert ahp([[1, 3], [1 / 3, 1]], threshold=0).consistent is True
    with pytest.raises(ValueError, match=r"^`threshold` must be a number ≥ 0; got True\.$"):
        ahp([[1, 3], [1 / 3, 1]], threshold=True)


def test_one_element_has_weight_one_and_lambda_one():
    """A 1×1 matrix: weight 1, λmax = n = 1, CI = CR = 0 (alone and in a batch of two)."""
    res = ahp([[1]])
    assert res.weights.tolist() == [1.0] and (res.lambda_max, res.ci, res.cr) == (1.0, 0.0, 0.0)
    batch = ahp_batch([[[1]], [[1]]])
    assert batch.weights.tolist() == [[1.0], [1.0]] and batch.lambda_max.tolist() == [1.0, 1.0]
