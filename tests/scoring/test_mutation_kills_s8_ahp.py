"""Tests written to kill surviving mutants of ``scoring/ahp.py`` (session 8, first mutation run).

Expected values come from the published RI tables (Saaty 1980; Alonso & Lamata 2006 and its
linear fit ``RI = (1.7699 n − 4.3513)/(n − 1)``), from row geometric means worked out in the
test, or from the documented wording of the refusals — never from the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from citymatch import ahp_batch, random_index
from citymatch.errors import CitymatchTypeError, RandomIndexError

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
