"""Hypothesis strategies for decision problems."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False, width=64)
positive = st.floats(min_value=0.0, max_value=1e3, allow_nan=False, allow_infinity=False, width=64)


@st.composite
def problems(draw, *, min_n=2, max_n=12, min_m=1, max_m=6, nonnegative=False, k=None):
    """(matrix, weights, types): values on a 0.5 grid (exact ties happen), weights > 0."""
    n = draw(st.integers(min_n, max_n))
    m = draw(st.integers(min_m, max_m))
    elems = st.integers(0 if nonnegative else -20, 20).map(lambda v: v / 2)
    x = draw(hnp.arrays(np.float64, (n, m), elements=elems))
    wshape = (m,) if k is None else (draw(st.integers(1, k)), m)
    w = draw(hnp.arrays(np.float64, wshape, elements=st.floats(0.05, 5.0)))
    t = np.array(draw(st.lists(st.sampled_from([1, -1]), min_size=m, max_size=m)))
    return x, w, t


normalizations = st.sampled_from(["vector", "minmax", "max", "sum"])
