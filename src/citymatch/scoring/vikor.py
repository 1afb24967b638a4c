r"""VIKOR (Opricovic 1998; Opricovic & Tzeng 2004), vectorised and batched over weight vectors.

Conventions:

* Best and worst values per criterion from the data: :math:`f^*_j` is the column's
  maximum for a benefit criterion (minimum for a cost one), :math:`f^-_j` the opposite.
  Weights are normalised to sum to 1.
* :math:`d_{ij} = (f^*_j - x_{ij}) / (f^*_j - f^-_j)` in [0, 1];
  :math:`S_i = \sum_j w_j d_{ij}` (group utility), :math:`R_i = \max_j w_j d_{ij}`
  (individual regret), and
  :math:`Q_i = v\,(S_i - S^*)/(S^- - S^*) + (1-v)\,(R_i - R^*)/(R^- - R^*)` with
  :math:`S^* = \min S`, :math:`S^- = \max S` (same for R).  **Lower is better** for S, R, Q.
* Zero divisions, made explicit: a criterion with :math:`f^*_j = f^-_j` (a constant column)
  has :math:`d_{ij} = 0` (it separates no one); when every candidate has the same S
  (:math:`S^- = S^*`, within the 12-decimal tie rule) the S part of Q is 0 for all, and
  the same for R.  (pymcdm refuses a
  constant column instead; with no constant column the two agree.)
* Compromise solution (one weight vector).  Candidates ordered by Q (ties within 12
  decimals keep input order): :math:`a^{(1)}, a^{(2)}, \dots`  C1, *acceptable advantage*:
  :math:`Q(a^{(2)}) - Q(a^{(1)}) \ge DQ` with :math:`DQ = 1/(N-1)`.  C2, *acceptable
  stability*: :math:`a^{(1)}` is also best (possibly tied) by S or by R.  Both hold: the
  compromise is :math:`a^{(1)}` alone.  Only C2 fails: :math:`\{a^{(1)}, a^{(2)}\}`.  C1
  fails: :math:`a^{(1)}, \dots, a^{(M)}` with M the largest such that
  :math:`Q(a^{(M)}) - Q(a^{(1)}) < DQ`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._util import TIE_DECIMALS
from .._validate import CriterionTypes
from . import _jit
from ._kernels import use_jit
from .affine import ColumnForm, checked_stats, sum_and_max, weighted_sum
from .inputs import decision_inputs, in_unit_interval
from .method_results import VikorResult
from .ranks import tie_round

__all__ = ["validate_options", "vikor"]

F64 = NDArray[np.float64]
#: Differences up to this are ties (the 12-decimal rule).
_TIE = 10.0**-TIE_DECIMALS
#: Margin above the compromise window when picking its candidates: 10⁵× the tie rule's 10⁻¹².
_HEAD_MARGIN = 1e-7
#: Cells of the (K-block × N × M) regret tensor held at once.
_REGRET_CELLS = 4_000_000


def _regret(d: F64, w: F64) -> F64:
    """``max_j w_kj d_ij`` for (K, M) weights, in blocks of K (memory bounded)."""
    n, m = d.shape
    out = np.empty((w.shape[0], n))
    step = max(1, _REGRET_CELLS // max(1, n * m))
    for k0 in range(0, w.shape[0], step):
        blk = w[k0 : k0 + step]
        out[k0 : k0 + step] = (blk[:, None, :] * d[None, :, :]).max(axis=2)
    return out


def _scaled(a: F64) -> F64:
    """``(a − min) / (max − min)`` along the last axis; 0 where the range is within the tie rule.

    S and R lie in [0, 1]; a range up to 10⁻¹² (:data:`TIE_DECIMALS`) is rounding noise of
    equal values summed in another order, not a difference to stretch to [0, 1].
    """
    lo = a.min(axis=-1, keepdims=True)
    span = a.max(axis=-1, keepdims=True) - lo
    live = span > _TIE
    out: F64 = a - lo
    out /= np.where(live, span, 1.0)
    out *= live
    return out


def _head(q: F64, dq: float, two: tuple[float, float] | None = None) -> NDArray[np.intp]:
    """The candidates that can matter for the compromise, in VIKOR's order (by Q, ties by index).

    Only the first two places and those within ``DQ`` of the first decide it, so instead of
    sorting all N (O(N log N), most of VIKOR's time at large N) the candidates with Q up to
    ``max(Q₍₁₎ + DQ, Q₍₂₎)`` plus a margin far above the 12-decimal tie rule are taken (one
    partial selection, O(N)) and only they are sorted: everyone left out is worse by more
    than the tie rule can join, so the head of the order is the same.
    """
    if two is None:
        two = tuple((q[:2] if q.shape[0] == 2 else np.partition(q, 1)[:2]).tolist())
    lo, second = min(two), max(two)
    near = np.flatnonzero(q <= max(lo + dq, second) + _HEAD_MARGIN)
    return near[np.lexsort((near, tie_round(q[near])))]


def _compromise(
    s: F64, r: F64, q: F64, known: tuple[float, float, float, float] | None = None
) -> tuple[tuple[int, ...], bool, bool]:
    """The compromise set and both conditions; ``known`` = (S⁻, R⁻, Q₍₁₎, Q₍₂₎) if computed."""
    n = q.shape[0]
    dq = 1.0 / (n - 1)
    s_min, r_min = np.asarray(known[:2] if known else (s.min(), r.min()), dtype=np.float64)
    order = _head(q, dq, (known[2], known[3]) if known else None)
    first = int(order[0])
    gap = q[order] - q[first]
    c1 = bool(np.round(gap[1], TIE_DECIMALS) >= np.round(dq, TIE_DECIMALS))
    # best (possibly tied) by S or by R; rounding is monotone, so min(round(s)) = round(min(s))
    c2 = bool(tie_round(s[first]) == tie_round(s_min) or tie_round(r[first]) == tie_round(r_min))
    if c1 and c2:
        return (first,), c1, c2
    if c1:  # only stability fails
        return (first, int(order[1])), c1, c2
    close = np.round(gap, TIE_DECIMALS) < np.round(dq, TIE_DECIMALS)
    last = int(np.flatnonzero(close).max())
    return tuple(int(i) for i in order[: last + 1]), c1, c2


def validate_options(types: NDArray[np.int8], options: Mapping[str, Any]) -> None:
    """Refuse option values :func:`vikor` would refuse, before any data."""
    del types  # ``v`` does not depend on the criteria
    in_unit_interval(options.get("v", 0.5), "v")


def vikor(
    matrix: ArrayLike,
    weights: ArrayLike,
    types: CriterionTypes,
    *,
    v: float = 0.5,
) -> VikorResult:
    """Rank candidates by VIKOR's compromise index Q (lower is better).

    Parameters
    ----------
    matrix : array_like, (N, M)
        Raw performance, N ≥ 2 candidates.
    weights : array_like, (M,) or (K, M)
        Non-negative; each vector normalised to sum to 1.  A batch gives (K, N) S, R, Q
        (no compromise set: it is defined per weight vector).
    types : sequence of 1/-1 or "benefit"/"cost", (M,)
    v : float in [0, 1], default 0.5
        Weight of the strategy of the majority of criteria (group utility S) against
        individual regret R; 0.5 is consensus.

    Returns
    -------
    VikorResult
        ``scores`` = Q, ``s``, ``r``, ``compromise`` and the two conditions.
        Conventions in :mod:`citymatch.scoring.vikor`.

    Examples
    --------
    >>> import citymatch as cm
    >>> res = cm.vikor([[3, 2], [1, 3], [2, 1]], [0.5, 0.5], [1, 1])
    >>> res.scores.round(3).tolist(), res.compromise
    ([0.0, 0.75, 1.0], (0,))
    """
    v_f = in_unit_interval(v, "v")
    inp = decision_inputs(matrix, weights, types, check_finite=False)
    st = checked_stats(inp.x)
    span = st.max - st.min
    live = span > 0
    safe = np.where(live, span, 1.0)
    # d = (f* − x)/span on a benefit column (f* = max), (x − f*)/span on a cost one (f* = min)
    a = np.where(live, np.where(inp.benefit, -1.0, 1.0) / safe, 0.0)
    b = np.where(live, np.where(inp.benefit, st.max, -st.min) / safe, 0.0)
    form = ColumnForm.affine(a, b)
    if inp.batched:
        s = weighted_sum(inp.x, form, inp.w)
        r = _regret(inp.x * a + b, inp.w)
    else:
        s1d, r1d = sum_and_max(inp.x, form, inp.w)
        s, r = s1d[None, :], r1d[None, :]
    if not inp.batched and use_jit(inp.x):  # the same bits in 2 passes over N instead of ~20
        q1, known = _jit.vikor_q(s1d, r1d, v_f, _TIE)
        chosen, c1, c2 = _compromise(s1d, r1d, q1, known)
        return VikorResult("VIKOR", q1, False, s1d, r1d, v_f, chosen, c1, c2)
    q = v_f * _scaled(s) + (1.0 - v_f) * _scaled(r)
    if inp.batched:
        return VikorResult("VIKOR", q, False, s, r, v_f, None, None, None)
    s1, r1, q1 = s[0], r[0], q[0]
    chosen, c1, c2 = _compromise(s1, r1, q1)
    return VikorResult("VIKOR", q1, False, s1, r1, v_f, chosen, c1, c2)
