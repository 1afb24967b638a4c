"""SMAA under ``noise``: a rule broken by a *sampled* value is reported as the noise's
(NoiseDomainError, a usage error), not as a cell of the user's matrix."""

from __future__ import annotations

import numpy as np
import pytest

from citymatch.errors import ArgumentError, CitymatchValueError, NoiseDomainError
from citymatch.sensitivity import rank_acceptability

X = np.random.default_rng(0).uniform(1.0, 10.0, (6, 3))
W = [0.4, 0.3, 0.3]
T = [1, 1, -1]
CASES = [
    ("wpm", {}, "must be non-negative on a benefit criterion"),
    ("waspas", {}, "must be non-negative on a benefit criterion"),
    ("copras", {}, "must be non-negative for COPRAS"),
    ("spotis", {"bounds": [[0.0, 11.0]] * 3}, "must lie within `bounds`"),
]


@pytest.mark.parametrize(("method", "options", "rule"), CASES)
def test_a_sampled_value_outside_the_domain_is_the_noises(method, options, rule):
    with pytest.raises(NoiseDomainError) as info:
        rank_acceptability(
            X, W, T, method=method, method_options=options, noise=0.8, samples=500, rng=1
        )
    msg = str(info.value)
    assert isinstance(info.value, ArgumentError)  # a usage error: exit 2 in the CLI
    assert "under `noise`" in msg and "a sampled one, not one of yours" in msg and rule in msg
    # the quoted value is not a cell of the user's matrix
    quoted = float(msg.split("got ")[1].split(" ")[0].rstrip(".,;"))
    assert not np.isclose(X, quoted).any()


@pytest.mark.parametrize(("method", "options", "rule"), CASES)
def test_small_noise_runs(method, options, rule):
    res = rank_acceptability(
        X, W, T, method=method, method_options=options, noise=0.01, samples=500, rng=1
    )
    acc = res.acceptability  # (N, N): each candidate's ranks and each rank's holders sum to 1
    assert acc.shape == (6, 6)
    assert np.allclose(acc.sum(axis=1), 1.0) and np.allclose(acc.sum(axis=0), 1.0)


def test_the_users_own_bad_cell_is_still_the_datas():
    """Without noise a negative cell of the user's matrix is named as the data's error."""
    x = X.copy()
    x[2, 0] = -1.0
    with pytest.raises(CitymatchValueError, match="at row 2, column 0") as info:
        rank_acceptability(x, W, T, method="wpm", samples=100, rng=1)
    assert not isinstance(info.value, NoiseDomainError)
    assert "got -1.0 at row 2, column 0" in str(info.value)
