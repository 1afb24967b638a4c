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

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import CriterionTypes
from ..errors import ArgumentError, CitymatchValueError, NumericRangeError
from . import rowpass
from .affine import (
    TINY,
    ColumnForm,
    checked_stats,
    log_column_means,
    weighted_sum,
    weighted_sum_blended,
)
from .inputs import DecisionInputs, decision_inputs, in_unit_interval
from .method_results import MethodResult, WaspasResult
from .stats import ColumnStats

__all__ = [
    "RATIO_NORMALIZATIONS",
    "check_model",
    "linear_form",
    "mabac",
    "normalize_linear",
    "validate_options",
    "waspas",
    "wpm",
    "wsm",
]

F64 = NDArray[np.float64]
LinearNormalization = Literal["max", "sum", "minmax"]
#: Normalisations of the weighted models; the product model takes the first two only.
RATIO_NORMALIZATIONS = ("max", "sum", "minmax")


def _refuse_sign(x: F64, st: ColumnStats, benefit: NDArray[np.bool_], norm: str) -> None:
    neg = benefit & (st.min < 0)
    if neg.any():
        j = int(np.argmax(neg))
        i = int(np.argmax(x[:, j] < 0))
        raise CitymatchValueError(
            f"`matrix` must be non-negative on a benefit criterion under {norm!r} normalisation "
            f"(a ratio scale); got {x[i, j]} at row {i}, column {j}."
        )
    nonpos = ~benefit & (st.min <= 0)
    if nonpos.any():
        j = int(np.argmax(nonpos))
        i = int(np.argmax(x[:, j] <= 0))
        raise CitymatchValueError(
            f"`matrix` must be positive on a cost criterion under {norm!r} normalisation "
            f"(it divides by the value); got {x[i, j]} at row {i}, column {j}."
        )
    small = ~benefit & (st.min < TINY)
    if small.any():
        j = int(np.argmax(small))
        raise NumericRangeError(
            f"`matrix` values of cost criterion {j} go down to {st.min[j]:g}, below the smallest "
            f"normal float64 {TINY:.6g}: their reciprocals under {norm!r} normalisation overflow; "
            "multiply the column by a positive constant."
        )


def check_model(normalization: object, lam: float, method: str) -> None:
    """The weighted models' rules on their options (no data needed).

    ``normalization`` one of :data:`RATIO_NORMALIZATIONS`, and not ``"minmax"`` when the
    product model counts (``lam < 1``: WPM, WASPAS).
    """
    if normalization not in RATIO_NORMALIZATIONS:
        raise ArgumentError(
            f"`normalization` must be one of {', '.join(map(repr, RATIO_NORMALIZATIONS))}; "
            f"got {normalization!r}."
        )
    if lam < 1.0 and normalization == "minmax":
        raise ArgumentError(
            f"`normalization` 'minmax' cannot be used with {method}: the product model needs "
            "a ratio scale (the worst candidate on any criterion would score 0); use 'max' or 'sum'."
        )


def validate_options(method: str, types: NDArray[np.int8], options: Mapping[str, Any]) -> None:
    """Refuse option values ``method`` (WSM, WPM or WASPAS) would refuse, before any data."""
    del types  # the options do not depend on the criteria
    lam = {"WSM": 1.0, "WPM": 0.0}.get(method)
    if lam is None:
        lam = in_unit_interval(options.get("lam", 0.5), "lam")
    check_model(options.get("normalization", "max"), lam, method)


def linear_form(x: F64, st: ColumnStats, benefit: NDArray[np.bool_], norm: str) -> ColumnForm:
    """The normalisation ``norm`` of every column as a :class:`ColumnForm` (see the module doc)."""
    check_model(norm, 1.0, "a weighted sum")
    lo, hi = st.min, st.max
    if norm == "minmax":
        span = hi - lo
        live = span > 0
        safe = np.where(live, span, 1.0)
        a = np.where(live, np.where(benefit, 1.0, -1.0) / safe, 0.0)
        b = np.where(live, np.where(benefit, -lo, hi) / safe, 1.0)
        return ColumnForm.affine(a, b)
    _refuse_sign(x, st, benefit, norm)
    recip = ~benefit
    if norm == "max":  # benefit x / max; cost min / x
        denom, cost_c = hi, lo
    else:  # sum: benefit x / Σx; cost (1/x) / Σ(1/x)
        assert st.sum is not None
        denom = st.sum
        cost_c = np.zeros_like(lo)
        if recip.any():
            cost_c[recip] = 1.0 / (1.0 / x[:, recip]).sum(axis=0)
    live = benefit & (denom > 0)
    a = np.where(live, 1.0 / np.where(live, denom, 1.0), 0.0)
    b = np.where(benefit & ~live, 1.0, 0.0)  # an all-zero benefit column: 1 for everyone
    c = np.where(recip, cost_c, 0.0)
    return ColumnForm(a, b, c, recip)


def normalize_linear(x: F64, benefit: NDArray[np.bool_], norm: str) -> F64:
    """The normalised matrix (N, M), more is better, under ``norm`` (for inspection)."""
    x = np.asarray(x, dtype=np.float64)
    form = linear_form(x, checked_stats(x, total=norm == "sum"), benefit, norm)
    out = x * form.a + form.b
    if form.recip.any():
        out[:, form.recip] = form.c[form.recip] / x[:, form.recip]
    return out


def _log_form(form: ColumnForm, benefit: NDArray[np.bool_]) -> tuple[F64, F64, NDArray[np.bool_]]:
    """``log n_ij = sign_j · log x_ij + k_j`` on every ratio column: ``(sign, k, live)``."""
    scale = np.where(benefit, form.a, form.c)
    live = scale > 0  # else a column of zeros (n = 1): contributes nothing
    sign = np.where(live, np.where(benefit, 1.0, -1.0), 0.0)
    k = np.where(live, np.log(np.where(live, scale, 1.0)), 0.0)
    return sign, k, live


def _products(x: F64, st: ColumnStats, form: ColumnForm, benefit: NDArray[np.bool_], w: F64) -> F64:
    """``Π_j n_ij ** w_j``: ``log n = ±log x + k`` on every ratio column, so one log pass.

    A zero value with a positive weight makes the product 0; with a zero weight it counts as 1.
    """
    sign, k, live = _log_form(form, benefit)
    if w.ndim == 1:
        return rowpass.log_rows(x, w * sign, float(w @ k))
    zero = benefit & live & (st.min == 0)
    # an all-zero benefit column (not live) has sign 0: its log must be finite, not log 0
    logs = np.log(x) if not (zero | ~live).any() else np.log(np.where(x > 0, x, 1.0))
    out: F64 = np.exp((logs @ (w * sign).T).T + (w @ k)[..., None])
    if zero.any():
        dead = (x[:, zero] == 0).astype(np.float64) @ (w[..., zero] > 0).astype(np.float64).T > 0
        out = np.where(dead.T, 0.0, out)
    return out


def _products_in_one_read(inp: DecisionInputs, normalization: str) -> tuple[F64, ColumnForm] | None:
    """WPM's products and the normalisation from one read of the matrix, or None.

    Under ``"max"``, ``Σ_j w_j log n_ij = Σ_j ±w_j log x_ij + w·k`` with ``k_j`` the log
    of the column's ``1/max`` or ``min``: the first term needs no statistics, the second is
    one constant known once the same read has given them.  So the compiled pass sums the
    logs and takes the max and min together, and the exponential waits for the constant.
    None (the caller reads twice) off that path — a batch of weights, ``"sum"``, numpy —
    and where the statistics send the matrix back: a NaN or ±inf (the checked statistics
    name the cell) or an all-zero benefit column (its logs are not defined).
    """
    if inp.w.ndim != 1 or normalization != "max" or not rowpass.runs_compiled(inp.x):
        return None
    g = inp.w * np.where(inp.benefit, 1.0, -1.0)
    read = rowpass.log_sums_and_stats(inp.x, g)
    if read is None:
        return None
    sums, odd, raw = read
    st = checked_stats(inp.x, stats=raw)
    form = linear_form(inp.x, st, inp.benefit, normalization)
    _, k, live = _log_form(form, inp.benefit)
    if not live.all():
        return None
    return rowpass.exp_of_sums(sums, float(inp.w @ k), odd, inp.x, g), form


def _mix(s_sum: F64, lam: float, s_prod: F64) -> F64:
    """``λ·s_sum + (1 − λ)·s_prod`` in a new array, with a block-sized temporary.

    The same bits as the expression (``b + a`` is ``a + b`` in IEEE arithmetic), without
    its two N-sized temporaries, whose fresh pages cost more than the arithmetic.
    """
    out = np.multiply(s_prod, 1.0 - lam, order="C")  # so that its flat view is a view
    flat_out, flat_sum = out.reshape(-1), s_sum.reshape(-1)
    tmp = np.empty(min(flat_out.size, rowpass.VEC_BLOCK))
    for b in range(0, flat_out.size, rowpass.VEC_BLOCK):
        e = min(flat_out.size, b + rowpass.VEC_BLOCK)
        part = np.multiply(flat_sum[b:e], lam, out=tmp[: e - b])
        flat_out[b:e] += part
    return out


def _blend(inp: DecisionInputs, normalization: str, lam: float, method: str) -> WaspasResult:
    check_model(normalization, lam, method)
    shape = (*inp.w.shape[:-1], inp.x.shape[0])
    one_read = _products_in_one_read(inp, normalization) if lam < 1.0 else None
    if one_read is not None:
        s_prod, form = one_read
    else:
        st = checked_stats(inp.x, total=normalization == "sum")
        form = linear_form(inp.x, st, inp.benefit, normalization)
        s_prod = _products(inp.x, st, form, inp.benefit, inp.w) if lam < 1.0 else np.zeros(shape)
    if 0.0 < lam < 1.0 and inp.w.ndim == 1:  # the blend rides on the sum model's pass
        s_sum, scores = weighted_sum_blended(inp.x, form, inp.w, lam, s_prod)
    else:
        s_sum = weighted_sum(inp.x, form, inp.w) if lam > 0.0 else np.zeros(shape)
        if lam == 1.0 or lam == 0.0:  # one model alone: its scores as they are
            scores = s_sum if lam == 1.0 else s_prod
        else:
            scores = _mix(s_sum, lam, s_prod)
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
    inp = decision_inputs(matrix, weights, types, check_finite=False)
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
    inp = decision_inputs(matrix, weights, types, check_finite=False)
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
    inp = decision_inputs(matrix, weights, types, check_finite=False)
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
    inp = decision_inputs(matrix, weights, types, check_finite=False)
    form = linear_form(inp.x, checked_stats(inp.x), inp.benefit, "minmax")
    border = np.exp(log_column_means(inp.x, form, shift=1.0))  # geometric mean of n + 1
    shifted = ColumnForm.affine(form.a, form.b + 1.0 - border)
    return MethodResult("MABAC", weighted_sum(inp.x, shifted, inp.w), True)
