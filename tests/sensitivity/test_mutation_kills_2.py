"""Tests written to kill surviving mutants of the sensitivity package, session 5 (MUTATION.md).

Expected values are hand-solved from the definitions in the docstrings, never computed by the
code under test.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import pytest

import citymatch.sensitivity as sa
from citymatch.errors import ShapeError


def test_consensus_borda_points_use_the_number_of_candidates_not_of_rankings():
    """Borda points are Σ over rankings of N − rank with N the number of CANDIDATES: three
    candidates ranked by two rankings (N ≠ number of rankings), solved by hand."""
    ranks = pd.DataFrame({"m1": [1, 2, 3], "m2": [2, 1, 3]}, index=["a", "b", "c"])
    out = sa.consensus(ranks)
    # a: (3−1)+(3−2) = 3; b: (3−2)+(3−1) = 3; c: 0+0 = 0
    assert out["borda"].tolist() == [3.0, 3.0, 0.0]
    assert out["borda_rank"].tolist() == [1, 1, 3]
    # a–b split one ranking each (no majority): neither wins; both beat c in both rankings
    assert out["copeland"].tolist() == [1.0, 1.0, -2.0]
    assert out["copeland_rank"].tolist() == [1, 1, 3]


def test_method_agreement_plot_draws_on_the_axes_given(ranking):
    """``MethodAgreementResult.plot(ax=ax)`` draws on the caller's axes (one line per
    candidate of the consensus top 10, the default) and returns them."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = sa.method_agreement(ranking, methods=["TOPSIS", "VIKOR"])
    _, ax = plt.subplots()
    try:
        assert res.plot(ax=ax) is ax
        assert len(ax.get_lines()) == min(10, len(res.ranks))
    finally:
        plt.close("all")


def test_method_agreement_repr_names_the_borda_first_candidate():
    """``repr`` names the methods, the off-diagonal weighted-Spearman range and the candidate
    ranked first by the Borda consensus (a hand-made result: "b" is first); the HTML view
    carries the same line."""
    ranks = pd.DataFrame({"m1": [2, 1, 3], "m2": [2, 1, 3]}, index=pd.Index(list("abc"), name="id"))
    rw = pd.DataFrame([[1.0, 0.5], [0.25, 1.0]], index=["m1", "m2"], columns=["m1", "m2"])
    borda = pd.DataFrame(
        {
            "borda": [2.0, 4.0, 0.0],
            "borda_rank": [2, 1, 3],
            "copeland": [0.0, 2.0, -2.0],
            "copeland_rank": [2, 1, 3],
        },
        index=ranks.index,
    )
    res = sa.MethodAgreementResult(ranks, rw, rw, borda)
    text = (
        "MethodAgreementResult(m1, m2; weighted Spearman 0.250–0.500 between methods; "
        "Borda consensus first: b)"
    )
    assert repr(res) == text
    assert html.escape(text) in res._repr_html_()


def test_method_agreement_on_arrays_keeps_the_labels_and_float_tables():
    """Raw arrays with ``labels``: the rank table is indexed by those labels (index named
    ``id``, as every citymatch ranking table), the two correlation tables are float
    methods × methods, and ``criteria`` is validated like everywhere else."""
    x = [[3.0, 2.0], [1.0, 3.0], [2.0, 1.0]]
    res = sa.method_agreement(
        x, [0.5, 0.5], [1, 1], methods=["WSM", "VIKOR"], labels=["p", "q", "r"]
    )
    assert res.ranks.index.tolist() == ["p", "q", "r"]
    assert res.ranks.index.name == "id"
    for table in (res.weighted_spearman, res.ws_similarity):
        assert table.index.tolist() == table.columns.tolist() == ["WSM", "VIKOR"]
        assert (table.dtypes == np.float64).all()
    with pytest.raises(
        ShapeError, match=r"`criteria` must have 2 names \(one per criterion\); got 3"
    ):
        sa.method_agreement(x, [0.5, 0.5], [1, 1], criteria=["a", "b", "c"])
