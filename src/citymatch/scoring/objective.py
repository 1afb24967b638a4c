r"""Weights when no judgements exist: from the data (objective) or from a ranking of criteria.

Objective weights (each returns weights summing to 1; a column that does not separate the
candidates gets weight 0, and a matrix where no column does is refused):

``entropy`` (Shannon; Zeleny 1982, Hwang & Yoon 1981)
    :math:`p_{ij} = x_{ij}/\sum_i x_{ij}` (x ≥ 0), :math:`E_j = -\sum_i p_{ij}\ln p_{ij}/\ln N`
    with :math:`0 \ln 0 = 0`, :math:`w_j \propto 1 - E_j`.  (pymcdm 1.x sets :math:`E_j = 0`
    for a column holding a zero instead; the two agree on positive data.)
``critic`` (Diakoulaki, Mavrotas & Papayannakis 1995)
    Columns min-max normalised *towards the best* (so cost criteria are oriented, as in the
    paper), :math:`C_j = \sigma_j \sum_k (1 - r_{jk})` with the sample standard deviation and
    Pearson correlations; a constant column has :math:`\sigma = 0` and correlation 0 with
    the others.  (pymcdm 1.x does not orient cost columns; they agree when all are benefits.)
    A single criterion that separates the candidates gets weight 1; several, all perfectly
    correlated, give every :math:`C_j = 0` and are refused (no weights to share).
``std``
    :math:`w_j \propto \sigma_j` of the min-max normalised column (unit-free; raw standard
    deviations would hand the weight to the column with the largest units).
``equal``
    :math:`1/M`.

Weights from a ranking of the criteria (1 = most important; ties share the average of
the weights of the places they occupy):

``roc``, rank-order centroid (Barron & Barrett 1996): :math:`w_k = \frac1M\sum_{i=k}^M \frac1i`.
``rank_sum`` (Stillwell, Seaver & Edwards 1981): :math:`w_k = 2(M + 1 - k)/(M(M + 1))`.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from .._validate import CriterionTypes, as_matrix, as_types, raise_nonfinite
from ..errors import CitymatchTypeError, CitymatchValueError, ShapeError

__all__ = ["OBJECTIVE_WEIGHTS", "RANK_WEIGHTS", "objective_weights", "rank_weights"]

F64 = NDArray[np.float64]
ObjectiveMethod = Literal["entropy", "critic", "std", "equal"]
RankMethod = Literal["roc", "rank_sum"]
OBJECTIVE_WEIGHTS = ("entropy", "critic", "std", "equal")
RANK_WEIGHTS = ("roc", "rank_sum")


def _normalised(raw: F64, method: str) -> F64:
    total = raw.sum()
    if not total > 0:
        raise CitymatchValueError(
            f"`matrix` gives no {method} weights: no criterion separates the candidates "
            "(every column is constant)."
        )
    out: F64 = raw / total
    return out


def _minmax_towards_best(x: F64, t: NDArray[np.int8]) -> F64:
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = hi - lo
    safe = np.where(span > 0, span, 1.0)
    out: F64 = np.where(span > 0, np.where(t > 0, x - lo, hi - x) / safe, 0.0)
    return out


def _entropy(x: F64) -> F64:
    if (x < 0).any():
        i, j = (int(v) for v in np.argwhere(x < 0)[0])
        raise CitymatchValueError(
            f"`matrix` must be non-negative for entropy weights (shares of a column total); "
            f"got {x[i, j]} at row {i}, column {j}."
        )
    total = x.sum(axis=0)
    live = total > 0
    p = x / np.where(live, total, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    e = -plogp.sum(axis=0) / np.log(x.shape[0])
    separates = live & (x.max(axis=0) > x.min(axis=0))  # a constant column has E = 1 exactly
    return np.where(separates, np.clip(1.0 - e, 0.0, None), 0.0)


def _critic(z: F64) -> F64:
    sd = z.std(axis=0, ddof=1)
    centred = z - z.mean(axis=0)
    norm = np.sqrt((centred**2).sum(axis=0))
    unit = centred / np.where(norm > 0, norm, 1.0)
    r = unit.T @ unit  # Pearson correlations; 0 against a constant column
    dead = norm == 0
    r[dead, :] = 0.0
    r[:, dead] = 0.0
    np.fill_diagonal(r, 1.0)
    out: F64 = sd * (1.0 - r).sum(axis=0)
    return out


def _as_output(w: F64, like: object) -> F64 | pd.Series:
    if isinstance(like, pd.DataFrame):
        return pd.Series(w, index=like.columns, name="weight")
    return w


def objective_weights(
    matrix: ArrayLike | pd.DataFrame,
    types: CriterionTypes | None = None,
    *,
    method: ObjectiveMethod = "entropy",
) -> F64 | pd.Series:
    """Criterion weights from the data alone (conventions in :mod:`citymatch.scoring.objective`).

    Parameters
    ----------
    matrix : array_like or DataFrame, (N, M)
        Raw performance; N ≥ 2.  A DataFrame gives a Series indexed by its columns.
    types : sequence of 1/-1 or "benefit"/"cost", (M,), optional
        Needed by ``critic`` (it orients the columns); ignored by the others.
    method : {"entropy", "critic", "std", "equal"}

    Returns
    -------
    ndarray (M,) or Series
        Non-negative weights summing to 1.

    Examples
    --------
    >>> import citymatch as cm
    >>> cm.objective_weights([[1, 5], [1, 1], [1, 3]], method="std").tolist()
    [0.0, 1.0]
    """
    if method not in OBJECTIVE_WEIGHTS:
        raise CitymatchValueError(
            f"`method` must be one of {', '.join(map(repr, OBJECTIVE_WEIGHTS))}; got {method!r}."
        )
    x = np.asarray(as_matrix(matrix), dtype=np.float64)
    if not np.isfinite(x).all():
        raise_nonfinite(x, "matrix")
    m = x.shape[1]
    if method == "equal":
        return _as_output(np.full(m, 1.0 / m), matrix)
    if method == "entropy":
        return _as_output(_normalised(_entropy(x), method), matrix)
    if method == "critic" and types is None:
        raise CitymatchValueError(
            "`types` is required for CRITIC weights (cost columns are oriented before the "
            "correlations are taken)."
        )
    t = as_types(types, m) if types is not None else np.ones(m, dtype=np.int8)
    z = _minmax_towards_best(x, t)
    raw = _critic(z) if method == "critic" else z.std(axis=0, ddof=1)
    if method == "critic" and not raw.sum() > 0 and (z.max(axis=0) > 0).any():
        if m == 1:  # one criterion that separates the candidates takes all the weight
            return _as_output(np.ones(1), matrix)
        raise CitymatchValueError(
            "`matrix` gives no critic weights: every criterion that varies is perfectly "
            "correlated with all the others, so each one's conflict term Σ(1 − r) is 0; use "
            "'std' or 'entropy'."
        )
    return _as_output(_normalised(raw, method), matrix)


def rank_weights(ranks: ArrayLike | pd.Series, *, method: RankMethod = "roc") -> F64 | pd.Series:
    """Weights from an importance ranking of the criteria (1 = most important).

    Tied criteria share equally the weights of the places they occupy (two criteria tied
    for first place each get the mean of the first and second weights).  A Series gives a
    Series with the same index.

    Examples
    --------
    >>> import citymatch as cm
    >>> cm.rank_weights([1, 2, 3], method="rank_sum").round(4).tolist()
    [0.5, 0.3333, 0.1667]
    """
    if method not in RANK_WEIGHTS:
        raise CitymatchValueError(
            f"`method` must be one of {', '.join(map(repr, RANK_WEIGHTS))}; got {method!r}."
        )
    try:
        r = np.asarray(ranks, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise CitymatchTypeError(
            f"`ranks` must be numbers (1 = most important); got {ranks!r}."
        ) from exc
    if r.ndim != 1 or r.size < 1:
        raise ShapeError(
            f"`ranks` must be one rank per criterion (1-D, non-empty); got shape {r.shape}."
        )
    if not np.isfinite(r).all() or (r < 1).any() or (r != np.round(r)).any():
        raise CitymatchValueError(
            f"`ranks` must be whole numbers ≥ 1 (1 = most important); got {r.tolist()}."
        )
    m = r.size
    places = np.arange(1, m + 1)
    if method == "roc":
        by_place = np.array([np.sum(1.0 / places[k - 1 :]) / m for k in places])
    else:
        by_place = 2.0 * (m + 1 - places) / (m * (m + 1))
    order = np.argsort(r, kind="stable")
    sorted_r = r[order]
    w = np.empty(m)
    for value in np.unique(sorted_r):  # ties share the places they occupy
        idx = np.flatnonzero(sorted_r == value)
        w[order[idx]] = by_place[idx].mean()
    out: F64 = w / w.sum()
    if isinstance(ranks, pd.Series):
        return pd.Series(out, index=ranks.index, name="weight")
    return out
