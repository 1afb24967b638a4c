"""Tests written to kill surviving mutants of ``sensitivity/stability.py`` (session 9,
docs/mutation/session9-stab.md): ``method_options`` passed on, and the numeric search of the
methods that are not linear in the weights (1,001 grid points, Brent polishing).

Every expected value is hand-solved or found here by bisection on the method's published
formula written out in this file, never taken from the code under test.
"""

from __future__ import annotations

import numpy as np

from citymatch.sensitivity import stability_intervals

_ENDS = ["top_low", "top_high", "topk_low", "topk_high", "order_low", "order_high"]


def _row(res, criterion):
    return res.to_frame().set_index("criterion").loc[criterion]


def test_spotis_bounds_given_in_method_options_set_the_tipping_points():
    """SPOTIS with ``bounds=[[0, 2], [0, 1]]`` (benefit criteria): a = (1, 0) is 0.5·w0 + w1
    from the ideal (2, 1), b = (0, 1) is w0 (lower is better), so b wins at (0.5, 0.5) and
    a overtakes it at w0 = 2/3 (0.5v + 1 − v = v) and, along c1, at w1 = 1/3.  Without the
    bounds (the observed ranges) the two would tie at the base weights — the option must
    reach the scores."""
    x = np.array([[1.0, 0.0], [0.0, 1.0]])
    res = stability_intervals(
        x, [0.5, 0.5], [1, 1], k=1, method="SPOTIS", method_options={"bounds": [[0, 2], [0, 1]]}
    )
    assert res.winner == "1"
    assert res.near_ties.empty
    np.testing.assert_allclose(
        _row(res, "c0")[_ENDS].to_numpy(dtype=float),
        [0.0, 2 / 3, 0.0, 2 / 3, 0.0, 2 / 3],
        rtol=0,
        atol=1e-12,
    )
    np.testing.assert_allclose(
        _row(res, "c1")[_ENDS].to_numpy(dtype=float),
        [1 / 3, 1.0, 1 / 3, 1.0, 1 / 3, 1.0],
        rtol=0,
        atol=1e-12,
    )
    assert _row(res, "c0")["top_high_by"] == "0" and _row(res, "c1")["top_low_by"] == "0"
    flip = res.flip  # both criteria flip b after a change of 1/6
    expected = {"c0": 2 / 3, "c1": 1 / 3}[flip["criterion"]]
    assert abs(flip["new_weight"] - expected) < 1e-12 and abs(abs(flip["change"]) - 1 / 6) < 1e-12
    assert (flip["winner"], flip["challenger"]) == ("1", "0")


# A WASPAS pair (λ = 0.5, max normalisation; candidate "0" = (1, 1, 1) holds every column's
# maximum, so the other rows are their own normalised values) that crosses twice within
# 0.005 of c0's weight: both crossings lie between two neighbouring points of a 50-point
# grid, and more than 0.001 (the documented grid step) apart.
_TWICE = np.array([[1.0, 1.0, 1.0], [0.0771, 0.5808, 0.1963], [0.078742, 0.4926, 0.2571]])


def _waspas_by_hand(x, w):
    """λ·Σ w_j n_ij + (1 − λ)·Π n_ij^w_j, λ = 0.5, n = x / column max (Zavadskas et al. 2012);
    ``w`` is one weight vector or a (K, M) stack of them (scores then (K, N))."""
    n = x / x.max(axis=0)
    w = np.atleast_2d(w)
    return 0.5 * (w @ n.T) + 0.5 * np.prod(n[None, :, :] ** w[:, None, :], axis=2)


def _gap_along_c0(v):
    """Score of candidate 1 minus candidate 2 at c0's weight(s) v (c1, c2 share 1 − v equally)."""
    v = np.atleast_1d(np.asarray(v, dtype=float))
    s = _waspas_by_hand(_TWICE, np.column_stack([v, (1 - v) / 2, (1 - v) / 2]))
    return s[:, 1] - s[:, 2]


def _bisect(f, lo, hi):
    f_lo = f(lo)
    for _ in range(200):
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            break
        if (f(mid) > 0) == (f_lo > 0):
            lo, f_lo = mid, f(mid)
        else:
            hi = mid
    return (lo + hi) / 2


def test_waspas_crossings_closer_than_a_fiftieth_of_weight_are_found():
    """The documented search: order changes between the 1,001 grid points of the path,
    each polished.  Candidates 1 and 2 (base order 0, 2, 1) swap at c0 = r1 ≈ 0.45998 and
    swap back at r2 ≈ 0.46430 (found here by scanning the hand WASPAS on 20,001 points and
    bisecting): c0's order and top-2 intervals end at r1 (to 1e-7: the gap is rounded to
    12 decimals and the crossing is shallow), the winner's interval is all of [0, 1], and
    no pair is a near tie (a searched pair is never flagged as a touch)."""
    v = np.linspace(0.0, 1.0, 20_001)
    g = _gap_along_c0(v)
    cross = np.flatnonzero(np.sign(g[1:]) != np.sign(g[:-1]))
    assert cross.size == 2 and g[0] < 0
    r1, r2 = (_bisect(lambda t: _gap_along_c0(t)[0], v[i], v[i + 1]) for i in cross)
    assert 0.001 < r2 - r1 < 0.005
    assert int(r1 * 49) == int(r2 * 49)  # one cell of a 50-point grid

    res = stability_intervals(_TWICE, [0.2, 0.4, 0.4], [1, 1, 1], k=2, method="WASPAS")
    assert res.winner == "0"
    assert res.near_ties.empty
    np.testing.assert_allclose(
        _row(res, "c0")[_ENDS].to_numpy(dtype=float),
        [0.0, 1.0, 0.0, r1, 0.0, r1],
        rtol=0,
        atol=1e-7,
    )
