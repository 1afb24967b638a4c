"""Tests written to kill surviving mutants of the sensitivity package, session 5 (MUTATION.md).

Expected values are hand-solved from the definitions in the docstrings, never computed by the
code under test.
"""

from __future__ import annotations

import pandas as pd
import pytest

import citymatch.sensitivity as sa


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
