"""Issue 13, numerics: TOPSIS closeness is invariant to positive column scaling.

True in exact arithmetic for every normalisation citymatch offers (vector, min-max, max,
sum divide each column by a scale that scales with it).  A subnormal column flipped the
ranking (its vector norm underflowed to 0 and the column was silently dropped); with column
scaling before the norm the scores agree within 1e-9 for any factor from 1e-300 to 1e300,
and inputs beyond float64 are refused with the limit stated, never answered wrongly.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import citymatch
from citymatch.errors import NumericRangeError
from strategies import normalizations


@st.composite
def scaled_problems(draw):
    """A problem with positive values in [0.5, 10], a column and a factor 10^e, e ∈ [-300, 300]."""
    n = draw(st.integers(2, 10))
    m = draw(st.integers(1, 5))
    x = draw(hnp.arrays(np.float64, (n, m), elements=st.integers(1, 20).map(lambda v: v / 2)))
    w = draw(hnp.arrays(np.float64, (m,), elements=st.floats(0.05, 5.0)))
    t = np.array(draw(st.lists(st.sampled_from([1, -1]), min_size=m, max_size=m)))
    j = draw(st.integers(0, m - 1))
    exponent = draw(st.integers(-300, 300))
    return x, w, t, j, 10.0**exponent


@settings(max_examples=200, deadline=None)
@given(scaled_problems(), normalizations)
def test_positive_column_scaling_leaves_closeness_unchanged(p, norm):
    """Multiplying a column by c in [1e-300, 1e300] changes no score by more than 1e-9."""
    x, w, t, j, c = p
    base = citymatch.topsis(x, w, t, normalization=norm).scores
    xs = x.copy()
    xs[:, j] *= c
    try:
        got = citymatch.topsis(xs, w, t, normalization=norm).scores
    except NumericRangeError:  # refused with its limit stated: never a wrong answer
        assert c < 1e-290 or c > 1e290
        return
    np.testing.assert_allclose(got, base, rtol=0, atol=1e-9)


@settings(max_examples=50, deadline=None)
@given(scaled_problems())
def test_every_column_scaled_at_once(p):
    """Scaling every column by its own factor still leaves the vector closeness unchanged."""
    x, w, t, _j, c = p
    factors = c ** np.linspace(0.2, 1.0, x.shape[1])
    base = citymatch.topsis(x, w, t).scores
    got = citymatch.topsis(x * factors, w, t).scores
    np.testing.assert_allclose(got, base, rtol=0, atol=1e-9)


def test_subnormal_scaling_of_a_deciding_column_does_not_flip_the_ranking():
    """The adversarial case: column 0 decides the winner; scaled by 1e-305 it used to be
    dropped (Σx² underflowed to 0) and the winner flipped to candidate 0."""
    x = np.array([[1.0, 3.0], [3.0, 2.9], [2.0, 1.0]])
    base = citymatch.topsis(x, [0.6, 0.4], [1, 1])
    tiny = citymatch.topsis(x * np.array([1e-305, 1.0]), [0.6, 0.4], [1, 1])
    np.testing.assert_allclose(tiny.scores, base.scores, rtol=0, atol=1e-12)
    assert tiny.ranks.tolist() == base.ranks.tolist() and base.ranks[1] == 1
