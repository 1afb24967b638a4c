"""Tests written to kill surviving mutants of the scoring core (see MUTATION.md).

Expected values come from a plain-numpy textbook TOPSIS written out here (Hwang & Yoon
1981: normalise, weight, distances to the two points), never from citymatch.
"""

from __future__ import annotations

import numpy as np

import citymatch
from citymatch.scoring import _kernels


def _plain_distances(x, w, t, norm="vector"):
    """Textbook TOPSIS distances (d⁺, d⁻) and scores for one weight vector."""
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    w = w / w.sum()
    t = np.asarray(t)
    if norm == "minmax":
        lo, hi = x.min(axis=0), x.max(axis=0)
        v = np.where(t > 0, x - lo, hi - x) / (hi - lo) * w
        ideal, anti = v.max(axis=0), v.min(axis=0)
    else:
        if norm == "vector":
            s = np.sqrt((x**2).sum(axis=0))
        elif norm == "max":
            s = np.abs(x).max(axis=0)
        else:
            s = x.sum(axis=0)
        v = x / s * w
        ideal = np.where(t > 0, v.max(axis=0), v.min(axis=0))
        anti = np.where(t > 0, v.min(axis=0), v.max(axis=0))
    d_plus = np.sqrt(((v - ideal) ** 2).sum(axis=1))
    d_minus = np.sqrt(((v - anti) ** 2).sum(axis=1))
    return d_plus, d_minus, d_minus / (d_plus + d_minus)


def test_batch_distances_over_several_row_blocks_match_the_textbook():
    """A (K, M) batch with distances on more rows than one block (and a ragged last block)
    returns every candidate's d⁺, d⁻ and score as K separate textbook runs do."""
    rng = np.random.default_rng(12)
    m = 3
    n = 2 * _kernels.block_rows(m) + 123
    x = rng.uniform(1.0, 10.0, size=(n, m))
    w = np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]])
    t = [1, -1, 1]
    res = citymatch.topsis(x, w, t, distances=True)
    assert res.d_ideal is not None and res.d_anti_ideal is not None
    assert res.scores.shape == (2, n)
    for k in range(2):
        d_plus, d_minus, scores = _plain_distances(x, w[k], t)
        np.testing.assert_allclose(res.d_ideal[k], d_plus, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(res.d_anti_ideal[k], d_minus, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(res.scores[k], scores, rtol=1e-10, atol=1e-14)
