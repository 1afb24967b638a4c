"""Weight sweep: each point is TOPSIS at the proportionally rescaled weights."""

from __future__ import annotations

import numpy as np
import pytest

import citymatch
from citymatch import sensitivity as sa
from citymatch.errors import CitymatchValueError


def test_weight_sweep_matches_topsis(ranking):
    """Each sweep point equals a direct TOPSIS call with the proportionally rescaled weights."""
    sw = sa.weight_sweep(ranking, "market_size", points=11)
    assert sw.scores.shape == (11, len(ranking.table))
    np.testing.assert_allclose(sw.weight_vectors.sum(axis=1), 1.0)
    j = list(ranking.criteria.ids).index("market_size")
    w = ranking.weights.to_numpy()
    others = sw.weight_vectors[:-1][:, [i for i in range(w.size) if i != j]]  # last point: all on j
    np.testing.assert_allclose(
        others / others.sum(axis=1, keepdims=True),
        np.tile(np.delete(w, j) / np.delete(w, j).sum(), (others.shape[0], 1)),
        atol=1e-12,
    )
    k = 4
    direct = citymatch.topsis(
        ranking.matrix.to_numpy(), sw.weight_vectors[k], ranking.criteria.types
    )
    np.testing.assert_allclose(sw.scores[k], direct.scores, atol=1e-14)
    assert sw.to_frame().shape == (11 * len(ranking.table), 4)


@pytest.mark.parametrize("norm", ["vector", "minmax", "max", "sum"])
def test_sweep_scores_and_ranks_match_plain_topsis(norm, plain_topsis):
    """Every sweep point's scores equal an independent TOPSIS at that weight vector, under each
    normalisation, and the ranks are competition ranks of those scores."""
    rng = np.random.default_rng(5)
    x = rng.uniform(1, 10, size=(7, 3))
    w, t = [0.2, 0.5, 0.3], [1, -1, 1]
    sw = sa.weight_sweep(x, 1, w, t, points=9, normalization=norm)
    for v, wv, s, r in zip(sw.weights, sw.weight_vectors, sw.scores, sw.ranks, strict=True):
        assert wv[1] == pytest.approx(v)
        expected = plain_topsis(x, wv, t, norm)
        np.testing.assert_allclose(s, expected, atol=1e-12)
        np.testing.assert_array_equal(r, 1 + (expected[None, :] > expected[:, None]).sum(axis=1))


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"points": 1}, r"`points` must be an integer ≥ 2; got 1"),
        ({"criterion": 5}, r"`criterion` index must be in 0\.\.1; got 5"),
        ({"criterion": "zz"}, r"`criterion` must be one of \['c0', 'c1'\]; got 'zz'"),
        ({"normalization": "l1"}, r"`normalization` must be one of .*; got 'l1'"),
    ],
)
def test_bad_sweep_arguments(kwargs, pattern):
    """Bad sweep arguments are refused with a message naming the argument and the value."""
    args = {"criterion": 0, **kwargs}
    crit = args.pop("criterion")
    with pytest.raises(CitymatchValueError, match=pattern):
        sa.weight_sweep(
            np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 3.0]]), crit, [1, 1], [1, 1], **args
        )
