"""Shared fixtures of the sensitivity tests: a real ranking and a plain-numpy TOPSIS.

``plain_topsis`` is the textbook method written out independently of citymatch (no shared
code), so tests can compute expected values without calling the code under test.
"""

from __future__ import annotations

import numpy as np
import pytest

import citymatch


@pytest.fixture(scope="session")
def ranking():
    return citymatch.rank(citymatch.datasets.load_cities(), "partnership-city")


def _plain_topsis(x, w, t, norm="vector"):
    """Textbook TOPSIS (Hwang & Yoon 1981): normalise, weight, distances to the two points."""
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    w = w / w.sum()
    t = np.asarray(t)
    if norm == "minmax":  # best value → 1, worst → 0: every column is a benefit afterwards
        lo, hi = x.min(axis=0), x.max(axis=0)
        v = np.where(t > 0, x - lo, hi - x) / (hi - lo) * w
        ideal, anti = v.max(axis=0), v.min(axis=0)
    else:
        if norm == "vector":
            s = np.sqrt((x**2).sum(axis=0))
        elif norm == "max":
            s = np.abs(x).max(axis=0)
        else:  # sum
            s = x.sum(axis=0)
        v = x / s * w
        ideal = np.where(t > 0, v.max(axis=0), v.min(axis=0))
        anti = np.where(t > 0, v.min(axis=0), v.max(axis=0))
    d_plus = np.sqrt(((v - ideal) ** 2).sum(axis=1))
    d_minus = np.sqrt(((v - anti) ** 2).sum(axis=1))
    return d_minus / (d_plus + d_minus)


@pytest.fixture(scope="session")
def plain_topsis():
    """The independent TOPSIS: ``plain_topsis(x, w, t, norm="vector") -> scores``."""
    return _plain_topsis
