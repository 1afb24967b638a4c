r"""The weighted sum and product models and their blend, WASPAS.

Conventions (stated once here, shared by the three functions):

* The matrix is first normalised column by column so that **more is better** on every
  criterion:

  ``"max"`` (linear; the default): :math:`x/\max x` for a benefit criterion and
  :math:`\min x / x` for a cost criterion (Zavadskas et al. 2012, WASPAS; Triantaphyllou
  2000, WSM/WPM).  Benefit columns must be non-negative and cost columns positive.

  ``"sum"``: :math:`x/\sum x` for a benefit criterion and :math:`(1/x)/\sum(1/x)` for a cost
  criterion (the convention of pymcdm's ``sum_normalization``).  Same sign rules.

  ``"minmax"`` (WSM only): :math:`(x-\min)/(\max-\min)` for a benefit criterion and
  :math:`(\max-x)/(\max-\min)` for a cost criterion.  The product model refuses it: the
  worst candidate on any criterion would get a product of 0.

  A column with nothing to normalise by (all zeros under ``"max"``/``"sum"``, constant
  under ``"minmax"``) becomes 1 for every candidate: it separates no one and leaves
  products unchanged.

* Weights are normalised to sum to 1.  WSM: :math:`\sum_j w_j n_{ij}`; WPM:
  :math:`\prod_j n_{ij}^{w_j}` (a zero with a zero weight counts as 1); WASPAS:
  :math:`\lambda\,\mathrm{WSM} + (1-\lambda)\,\mathrm{WPM}`.  Higher is better.

* A (K, M) batch of weight vectors is one matrix product (WSM) and one product of logs
  (WPM): no loop over K.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import CriterionTypes
from ..errors import CitymatchValueError
from .inputs import DecisionInputs, decision_inputs, in_unit_interval
from .method_results import MethodResult, WaspasResult

__all__ = ["RATIO_NORMALIZATIONS", "mabac", "normalize_linear", "waspas", "wpm", "wsm"]

F64 = NDArray[np.float64]
LinearNormalization = Literal["max", "sum", "minmax"]
#: Normalisations of the weighted models; the product model takes the first two only.
RATIO_NORMALIZATIONS = ("max", "sum", "minmax")


def _refuse_sign(x: F64, benefit: NDArray[np.bool_], norm: str) -> None:
    neg = benefit & (x < 0).any(axis=0)
    if neg.any():
        j = int(np.argmax(neg))
        i = int(np.argmax(x[:, j] < 0))
        raise CitymatchValueError(
            f"`matrix` must be non-negative on a benefit criterion under {norm!r} normalisation "
            f"(a ratio scale); got {x[i, j]} at row {i}, column {j}."
        )
    nonpos = ~benefit & (x <= 0).any(axis=0)
    if nonpos.any():
        j = int(np.argmax(nonpos))
        i = int(np.argmax(x[:, j] <= 0))
        raise CitymatchValueError(
            f"`matrix` must be positive on a cost criterion under {norm!r} normalisation "
            f"(it divides by the value); got {x[i, j]} at row {i}, column {j}."
        )


def normalize_linear(x: F64, benefit: NDArray[np.bool_], norm: str) -> F64:
    """The normalised matrix (N, M), more is better, under ``norm`` (see the module doc)."""
    if norm not in RATIO_NORMALIZATIONS:
        raise CitymatchValueError(
            f"`normalization` must be one of {', '.join(map(repr, RATIO_NORMALIZATIONS))}; "
            f"got {norm!r}."
        )
    if norm == "minmax":
        lo, hi = x.min(axis=0), x.max(axis=0)
        span = hi - lo
        live = span > 0
        safe = np.where(live, span, 1.0)
        out = np.where(benefit, x - lo, hi - x) / safe
        return np.where(live, out, 1.0)
    _refuse_sign(x, benefit, norm)
    with np.errstate(divide="ignore"):
        inv = np.where(benefit, x, 1.0 / np.where(benefit, 1.0, x))  # cost columns: 1/x
    # cost under "max": min x / x = (1/x) / max(1/x)
    denom = inv.max(axis=0) if norm == "max" else inv.sum(axis=0)
    live = denom > 0
    return np.where(live, inv / np.where(live, denom, 1.0), 1.0)


def _products(n: F64, w: F64) -> F64:
    """``prod_j n_ij ** w_j`` for one (M,) or K (K, M) weight vectors; zero weights ignore zeros."""
    zero = n == 0
    logs = np.log(np.where(zero, 1.0, n))
    out: F64 = np.exp(w @ logs.T)
    if zero.any():  # a zero value with a positive weight zeroes the product
        killed = (w > 0).astype(np.float64) @ zero.T.astype(np.float64) > 0
        out = np.where(killed, 0.0, out)
    return out


def _blend(inp: DecisionInputs, normalization: str, lam: float, method: str) -> WaspasResult:
    if lam < 1.0 and normalization == "minmax":
        raise CitymatchValueError(
            f"`normalization` 'minmax' cannot be used with {method}: the product model needs "
            "a ratio scale (the worst candidate on any criterion would score 0); use 'max' or 'sum'."
        )
    n = normalize_linear(inp.x, inp.benefit, normalization)
    s_sum: F64 = inp.w @ n.T if lam > 0.0 else np.zeros((*inp.w.shape[:-1], n.shape[0]))
    s_prod = _products(n, inp.w) if lam < 1.0 else np.zeros_like(s_sum)
    scores = lam * s_sum + (1.0 - lam) * s_prod
    return WaspasResult(method, scores, True, s_sum, s_prod, lam, normalization)


def wsm(
    matrix: ArrayLike,
    weights: ArrayLike,
    types: CriterionTypes,
    *,
    normalization: LinearNormalization = "max",
) -> WaspasResult:
    """Weighted sum model (simple additive weighting): ``Σ_j w_j n_ij``, higher is better.

    Parameters
    ----------
    matrix : array_like, (N, M)
    weights : array_like, (M,) or (K, M) — normalised to sum to 1.
    types : sequence of 1/-1 or "benefit"/"cost", (M,)
    normalization : {"max", "sum", "minmax"}
        See :mod:`citymatch.scoring.weighted`.

    Returns
    -------
    WaspasResult
        ``scores`` (N,) or (K, N); ``wsm`` equals ``scores``.

    Examples
    --------
    >>> import citymatch as cm
    >>> cm.wsm([[4, 100], [2, 200]], [0.5, 0.5], [1, -1]).scores.tolist()
    [1.0, 0.5]
    """
    inp = decision_inputs(matrix, weights, types)
    return _blend(inp, normalization, 1.0, "WSM")


def wpm(
    matrix: ArrayLike,
    weights: ArrayLike,
    types: CriterionTypes,
    *,
    normalization: LinearNormalization = "max",
) -> WaspasResult:
    """Weighted product model: ``Π_j n_ij ** w_j``, higher is better.

    The ranking does not depend on the choice between ``"max"`` and ``"sum"`` (both divide a
    column by a constant; a product of powers only rescales).  Parameters as :func:`wsm`.
    """
    inp = decision_inputs(matrix, weights, types)
    return _blend(inp, normalization, 0.0, "WPM")


def waspas(
    matrix: ArrayLike,
    weights: ArrayLike,
    types: CriterionTypes,
    *,
    lam: float = 0.5,
    normalization: LinearNormalization = "max",
) -> WaspasResult:
    """WASPAS (Zavadskas et al. 2012): ``λ·WSM + (1 − λ)·WPM`` on the same normalised matrix.

    ``lam`` (λ) in [0, 1]; 0.5 is the authors' default, 1 gives WSM and 0 gives WPM.
    The result keeps both parts (``wsm``, ``wpm``).  Other parameters as :func:`wsm`.
    """
    lam_f = in_unit_interval(lam, "lam")
    inp = decision_inputs(matrix, weights, types)
    return _blend(inp, normalization, lam_f, "WASPAS")


def mabac(matrix: ArrayLike, weights: ArrayLike, types: CriterionTypes) -> MethodResult:
    r"""MABAC (Pamučar & Ćirović 2015): signed distance to the border approximation area.

    Min-max normalisation towards the best (a constant column becomes 1, as above),
    :math:`v_{ij} = w_j (n_{ij} + 1)`, border :math:`g_j = (\prod_i v_{ij})^{1/N}`, score
    :math:`S_i = \sum_j (v_{ij} - g_j)`; higher is better.  Since
    :math:`g_j = w_j \cdot \mathrm{geomean}_i(n_{ij} + 1)`, the score is linear in the
    weights and a (K, M) batch is one matrix product.

    Examples
    --------
    >>> import citymatch as cm
    >>> cm.mabac([[1, 0], [0, 1]], [0.5, 0.5], [1, 1]).scores.round(6).tolist()
    [0.085786, 0.085786]
    """
    inp = decision_inputs(matrix, weights, types)
    n = normalize_linear(inp.x, inp.benefit, "minmax") + 1.0
    border = np.exp(np.log(n).mean(axis=0))  # geometric mean per column (n ≥ 1)
    return MethodResult("MABAC", inp.w @ (n - border).T, True)
