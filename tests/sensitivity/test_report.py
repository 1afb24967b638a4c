"""The sensitivity report's analyses (CLI and service): the two public analyses, k capped."""

from __future__ import annotations

import numpy as np

from citymatch.sensitivity import rank_acceptability, stability_intervals
from citymatch.sensitivity.report import acceptability_and_stability


def test_report_is_the_two_public_analyses_with_k_capped_below_n(ranking):
    """Rank acceptability as rank_acceptability gives it; stability intervals of the top
    min(k, N − 1) (k = N + 5 becomes N − 1) as stability_intervals gives them."""
    n = len(ranking.table)
    acc, stab = acceptability_and_stability(
        ranking, samples=300, rng=7, sampler="dirichlet", concentration=20.0, k=n + 5
    )
    ref = rank_acceptability(ranking, samples=300, rng=7, sampler="dirichlet", concentration=20.0)
    np.testing.assert_array_equal(acc.acceptability, ref.acceptability)
    assert stab.k == n - 1
    assert stab.to_frame().equals(stability_intervals(ranking, k=n - 1).to_frame())
    _, stab2 = acceptability_and_stability(
        ranking, samples=10, rng=7, sampler="uniform", concentration=1.0, k=2
    )
    assert stab2.k == 2
    assert stab2.to_frame().equals(stability_intervals(ranking, k=2).to_frame())
