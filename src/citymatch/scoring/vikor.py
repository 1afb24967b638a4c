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
  (:math:`S^- = S^*`) the S part of Q is 0 for all, and the same for R.  (pymcdm refuses a
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

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._util import TIE_DECIMALS
from .._validate import CriterionTypes
from .affine import ColumnForm, checked_stats, row_max, weighted_sum
from .inputs import decision_inputs, in_unit_interval
from .method_results import VikorResult
from .ranks import tie_round

__all__ = ["vikor"]

F64 = NDArray[np.float64]
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
    """``(a − min) / (max − min)`` along the last axis; 0 where the range is 0."""
    lo = a.min(axis=-1, keepdims=True)
    span = a.max(axis=-1, keepdims=True) - lo
    safe = np.where(span > 0, span, 1.0)
    out: F64 = np.where(span > 0, (a - lo) / safe, 0.0)
    return out


def _compromise(s: F64, r: F64, q: F64) -> tuple[tuple[int, ...], bool, bool]:
    n = q.shape[0]
    qr = tie_round(q)
    order = np.argsort(qr, kind="stable")
    dq = 1.0 / (n - 1)
    first = int(order[0])
    gap = q[order] - q[first]
    c1 = bool(np.round(gap[1], TIE_DECIMALS) >= np.round(dq, TIE_DECIMALS))
    sr, rr = tie_round(s), tie_round(r)
    c2 = bool(sr[first] == sr.min() or rr[first] == rr.min())
    if c1 and c2:
        return (first,), c1, c2
    if c1:  # only stability fails
        return (first, int(order[1])), c1, c2
    close = np.round(gap, TIE_DECIMALS) < np.round(dq, TIE_DECIMALS)
    last = int(np.flatnonzero(close).max())
    return tuple(int(i) for i in order[: last + 1]), c1, c2


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
    w2 = np.atleast_2d(inp.w)
    s = np.atleast_2d(weighted_sum(inp.x, form, inp.w))
    if inp.batched:
        r = _regret(inp.x * a + b, w2)
    else:
        r = row_max(inp.x, form, inp.w)[None, :]
    q = v_f * _scaled(s) + (1.0 - v_f) * _scaled(r)
    if inp.batched:
        return VikorResult("VIKOR", q, False, s, r, v_f, None, None, None)
    s1, r1, q1 = s[0], r[0], q[0]
    chosen, c1, c2 = _compromise(s1, r1, q1)
    return VikorResult("VIKOR", q1, False, s1, r1, v_f, chosen, c1, c2)
