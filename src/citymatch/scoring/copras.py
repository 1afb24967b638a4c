r"""COPRAS (Zavadskas, Kaklauskas & Šarka 1994): complex proportional assessment.

Conventions:

* Sum normalisation weighted: :math:`d_{ij} = w_j x_{ij} / \sum_i x_{ij}` (weights summing to
  1; the matrix must be non-negative with a positive sum in every column).
* :math:`S_{+i}` sums :math:`d_{ij}` over the benefit criteria, :math:`S_{-i}` over the cost
  ones.  Relative significance
  :math:`Q_i = S_{+i} + \frac{\sum_k S_{-k}}{S_{-i}\,\sum_k 1/S_{-k}}` (the authors'
  :math:`S_{-\min}` form reduces to this); utility degree :math:`U_i = Q_i / \max Q`.
  **Higher is better.**  With no cost criterion :math:`Q = S_+`.
* A candidate with :math:`S_{-i} = 0` (zero on every weighted cost criterion) makes the
  formula divide by zero; citymatch uses its limit: the candidates with :math:`S_- = 0`
  share :math:`\sum_k S_{-k}` equally and the others get 0 for the second term.
* pymcdm 1.x computes the second term as :math:`S_{-i}` (its expression cancels the sums);
  citymatch follows the published formula, so the two differ whenever there are cost
  criteria.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import CriterionTypes
from ..errors import CitymatchValueError
from . import rowpass
from .affine import ColumnForm, checked_stats, weighted_sums
from .inputs import decision_inputs
from .method_results import CoprasResult

__all__ = ["copras"]

F64 = NDArray[np.float64]
#: Below this, 1/S₋ overflows float64.
_RECIP_MIN = 1.0 / np.finfo(np.float64).max


def _cost_term(s_minus: F64) -> F64:
    """``Σ S₋ / (S₋ᵢ Σ 1/S₋)`` along the last axis, with the zero-S₋ limit."""
    total = s_minus.sum(axis=-1, keepdims=True)
    if s_minus.min() > 0:  # the usual case: ΣS₋ · (1/S₋ᵢ) / Σ(1/S₋), two passes
        if s_minus.min() < _RECIP_MIN:  # 1/S₋ would overflow (tiny cost weights); the term
            scale = s_minus.max(axis=-1, keepdims=True)  # is homogeneous of degree 1 in S₋
            s: F64 = s_minus / scale
            inv_s: F64 = 1.0 / s
            inv_s *= s.sum(axis=-1, keepdims=True) / inv_s.sum(axis=-1, keepdims=True)
            inv_s *= scale
            return inv_s
        inv_all = 1.0 / s_minus
        inv_all *= total / inv_all.sum(axis=-1, keepdims=True)
        return inv_all
    zero = s_minus <= 0
    nz = zero.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore"):
        inv = np.where(zero, 0.0, 1.0 / np.where(zero, 1.0, s_minus))
    regular = total / (
        np.where(zero, 1.0, s_minus) * np.where(nz > 0, 1.0, inv.sum(axis=-1, keepdims=True))
    )
    limit = np.where(zero, total / np.maximum(nz, 1), 0.0)
    out: F64 = np.where(nz > 0, limit, regular)
    return out


def copras(matrix: ArrayLike, weights: ArrayLike, types: CriterionTypes) -> CoprasResult:
    """Score candidates by COPRAS's relative significance Q (higher is better).

    Parameters
    ----------
    matrix : array_like, (N, M) — non-negative, every column with a positive sum.
    weights : array_like, (M,) or (K, M) — normalised to sum to 1; a batch is two products.
    types : sequence of 1/-1 or "benefit"/"cost", (M,)

    Returns
    -------
    CoprasResult
        ``scores`` (Q), ``s_plus``, ``s_minus``, ``utility`` (Q / max Q).

    Examples
    --------
    >>> import citymatch as cm
    >>> cm.copras([[2, 1], [2, 3]], [0.5, 0.5], [1, -1]).scores.round(4).tolist()
    [0.625, 0.375]
    """
    inp = decision_inputs(matrix, weights, types, check_finite=False)
    x = inp.x
    st = checked_stats(x, total=True)
    if (st.min < 0).any():
        i, j = (int(v) for v in np.argwhere(x < 0)[0])
        raise CitymatchValueError(
            f"`matrix` must be non-negative for COPRAS (sum normalisation); got {x[i, j]} at row {i}, column {j}."
        )
    assert st.sum is not None
    col = st.sum
    if (col <= 0).any():
        j = int(np.argmax(col <= 0))
        raise CitymatchValueError(
            f"`matrix` column {j} sums to 0: COPRAS divides each column by its sum; drop the column."
        )
    totals, block = None, None
    if inp.w.ndim == 1:  # one read for both sums (each over its own columns)
        # The four result arrays share one allocation when compiled: a freed block of up
        # to 32 MiB stays in the C allocator's heap for the next call, while four separate
        # ones go back to the OS and are faulted in again (at a million rows that took as
        # long as the two reads of the matrix).
        block = np.empty((4, x.shape[0])) if rowpass.runs_compiled(x) else None
        sums = None if block is None else (block[0], block[1])
        s_plus, s_minus, totals = rowpass.split_sums(x, inp.w * (1.0 / col), inp.benefit, out=sums)
    else:
        b = inp.benefit.astype(np.float64)
        zero = np.zeros_like(col)
        s_plus, s_minus = weighted_sums(
            x, [ColumnForm.affine(b / col, zero), ColumnForm.affine((1.0 - b) / col, zero)], inp.w
        )
    if block is not None and totals is not None and (~inp.benefit).any():
        if np.isfinite(totals[1]):  # every S₋ > 0 (else a 1/S₋ is inf): the compiled tail
            c = totals[0] / totals[1]
            q, utility = rowpass.recip_plus(s_plus, s_minus, c, out=(block[2], block[3]))
            return CoprasResult("COPRAS", q, True, s_plus, s_minus, utility)
    if (~inp.benefit).any():
        q = _cost_term(s_minus)  # a new array: S₊ is added in place (a + b is b + a in IEEE)
        q += s_plus
    else:
        q = s_plus
    utility = q / q.max(axis=-1, keepdims=True)
    return CoprasResult("COPRAS", q, True, s_plus, s_minus, utility)
