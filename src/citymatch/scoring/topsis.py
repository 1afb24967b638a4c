"""TOPSIS (Hwang & Yoon 1981), vectorised and batched over weight vectors."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import (
    CriterionTypes,
    as_matrix,
    as_point,
    as_types,
    as_weights,
    check_finite_result,
    check_threads,
)
from ..errors import CitymatchTypeError
from . import _kernels
from .geometry import (
    NORMALIZATIONS,
    IdealSpace,
    Normalization,
    check_normalization,
    check_points_differ,
    check_points_order,
    check_points_span,
    geometry,
    raw_points,
)
from .pool import BLOCK_ROWS
from .results import TopsisResult

__all__ = ["NORMALIZATIONS", "Normalization", "topsis", "validate_options"]

F64 = NDArray[np.float64]


def validate_options(types: NDArray[np.int8], options: Mapping[str, Any]) -> None:
    """Refuse option values :func:`topsis` would refuse before reading any data.

    ``types`` (M,) of the criteria; points in criterion order (a criteria set resolves the
    ones it gives by criterion id first).  Two fixed points are checked for order where
    both are given.
    """
    norm = check_normalization(options.get("normalization", "vector"))
    m = len(types)
    ideal, anti = (as_point(options.get(k), m, name=k) for k in ("ideal", "anti_ideal"))
    if ideal is not None and anti is not None:
        check_points_span(ideal, anti)
        check_points_order(np.asarray(types) > 0, ideal, anti)
        if norm == "minmax":
            check_points_differ(ideal, anti)


def _topsis_iv(
    matrix: ArrayLike,
    weights: ArrayLike,
    types: CriterionTypes,
    normalization: object,
    ideal: ArrayLike | None,
    anti_ideal: ArrayLike | None,
) -> tuple[NDArray[np.floating], F64, bool, NDArray[np.int8], str, F64 | None, F64 | None]:
    norm = check_normalization(normalization)
    fixed = ideal is not None and anti_ideal is not None
    x = as_matrix(matrix, min_rows=1 if fixed else 2)
    m = x.shape[1]
    t = as_types(types, m)
    w, batched = as_weights(weights, m)
    fi = as_point(ideal, m, name="ideal")
    fa = as_point(anti_ideal, m, name="anti_ideal")
    return x, w, batched, t, norm, fi, fa


def topsis(
    matrix: ArrayLike,
    weights: ArrayLike,
    types: CriterionTypes,
    *,
    normalization: Normalization = "vector",
    ideal: ArrayLike | None = None,
    anti_ideal: ArrayLike | None = None,
    ideal_space: IdealSpace = "raw",
    distances: bool | None = None,
    threads: int | None = None,
) -> TopsisResult:
    r"""Score candidates by their relative closeness to the ideal point (TOPSIS).

    Parameters
    ----------
    matrix : array_like, shape (N, M)
        Raw performance of N candidates on M criteria.  float32 and float64 are read
        without a copy; other numeric dtypes are converted to float64.
    weights : array_like, shape (M,) or (K, M)
        Non-negative criterion weights.  Each vector is normalised to sum to 1 (the
        distances are reported on that scale; the scores do not depend on it).  A
        (K, M) array scores K weight vectors in one call, with no Python loop over K.
    types : sequence of M items
        ``1`` or ``"benefit"`` (more is better), ``-1`` or ``"cost"`` (less is
        better).  Nothing else is accepted.
    normalization : {"vector", "minmax", "max", "sum"}, default "vector"
        Column normalisation.  The default is Hwang & Yoon's vector normalisation
        ``r = x / ||x||₂``; ``"max"`` divides by ``max|x|``; ``"sum"`` by ``Σx``
        (requires non-negative values); ``"minmax"`` maps each column to [0, 1] with
        the best value at 1, so cost criteria are oriented exactly once.
    ideal, anti_ideal : array_like, shape (M,), optional
        Fixed ideal / anti-ideal points, by default in the **raw units** of ``matrix``
        (``ideal_space="raw"``), so scores are comparable across runs and subsets.  NaN
        entries are taken from the data.  Under ``"minmax"`` the points also fix the
        scale (``s = |ideal − anti_ideal|``), which makes scores independent of the other
        candidates.  With both points fixed, a single candidate can be scored.
    ideal_space : {"raw", "weighted"}, default "raw"
        The units of ``ideal`` / ``anti_ideal``.  ``"weighted"``: the weighted normalised
        space ``v_j = w_j x_j / s_j`` (weights summing to 1, ``s`` the data's column
        scale) in which the R package MCDA's ``TOPSIS`` takes its
        ``positiveIdealSolutions`` / ``negativeIdealSolutions``; its published points
        then give its published closeness.  Needs ``"vector"``, ``"max"`` or ``"sum"``
        normalisation and one weight vector.
    threads : int, optional
        Worker threads for large single-vector problems (default: all cores above
        131,072 rows, one below).
    distances : bool, optional
        Also return the distances ``d_ideal`` and ``d_anti_ideal``.  Default: yes for one
        weight vector, no for a (K, M) batch (K × N distances would double the memory and
        the time of a Monte Carlo run).  Without them the result's distance fields are None.

    Returns
    -------
    TopsisResult
        ``scores`` (N,) or (K, N) in [0, 1], the distances ``d_ideal`` and
        ``d_anti_ideal`` (see ``distances``), the ideal points (raw and weighted
        normalised), the normalised weights and the normalisation scale; an immutable
        value holding no reference to ``matrix``.  A Parquet source larger than memory is
        scored by :func:`citymatch.scale.topsis_parquet`.

    Raises
    ------
    ShapeError
        ``matrix`` not 2-D, fewer than 2 candidates, or ``weights``/``types`` of the
        wrong length.
    NonFiniteError
        NaN or ±inf in ``matrix`` (the message names the first cell).
    WeightsError
        Negative, NaN or all-zero weights.
    CriterionTypeError
        A type other than ``1``/``-1``/``"benefit"``/``"cost"``.
    CitymatchValueError
        An unknown normalisation, negative values under ``"sum"``, or a fixed ideal
        point worse than the anti-ideal point.
    ArgumentError
        An unknown ``ideal_space``; ``"weighted"`` under ``"minmax"`` or with a batch of
        weight vectors.
    CitymatchTypeError
        A path as ``matrix`` (use :func:`citymatch.scale.topsis_parquet`).

    Notes
    -----
    With weights ``w ≥ 0`` and per-column scale ``s``, the weighted ideal point is
    ``w ∘ r⁺``, so distances are computed in raw units,
    :math:`D^+_i = \sqrt{\sum_j (w_j/s_j)^2 (x_{ij} - x^+_j)^2}`, and the weighted
    matrix is never built.  A criterion whose values are all equal (including an
    all-zero column under vector normalisation) cannot separate candidates and adds
    nothing to either distance.  A candidate equal to the ideal point scores 1, one
    equal to the anti-ideal point scores 0; if the two points coincide on every
    weighted criterion all candidates score 0.5.

    References
    ----------
    .. [1] Hwang, C.-L. & Yoon, K. (1981). *Multiple Attribute Decision Making:
       Methods and Applications*. Springer. https://doi.org/10.1007/978-3-642-48318-9

    Examples
    --------
    >>> import citymatch
    >>> res = citymatch.topsis([[5, 8, 4], [7, 6, 8], [8, 8, 6], [7, 4, 6]],
    ...                        [0.3, 0.4, 0.3], [1, 1, 1])
    >>> res.scores.round(4).tolist()
    [0.5037, 0.6581, 0.7482, 0.334]
    >>> res.ranks.tolist()
    [3, 2, 1, 4]
    """
    if isinstance(matrix, (str, os.PathLike)):
        raise CitymatchTypeError(
            f"`matrix` must be an array; got the path {str(matrix)!r}. Score a Parquet file or "
            "folder with citymatch.scale.topsis_parquet(path, weights, types, columns, top=k)."
        )
    x, w, batched, t, norm, fixed_ideal, fixed_anti = _topsis_iv(
        matrix, weights, types, normalization, ideal, anti_ideal
    )
    threads = check_threads(threads)
    fixed_ideal, fixed_anti = raw_points(
        x, w, norm, (fixed_ideal, fixed_anti), space=ideal_space, batched=batched, threads=threads
    )
    keep = (not batched) if distances is None else bool(distances)
    small = x.shape[0] <= BLOCK_ROWS and not batched
    xt = np.ascontiguousarray(x.T, dtype=np.float64) if small else None
    x_ideal, x_anti, scale, coef_unit = geometry(
        x, t, norm, fixed_ideal, fixed_anti, threads=threads, xt=xt
    )
    r_ideal, r_anti = _normalised_points(norm, x_ideal, x_anti, scale)
    coef = w * coef_unit  # (M,) or (K, M)
    d_plus, d_minus, scores = _score(x, x_ideal, x_anti, coef, batched, keep, xt, threads)
    if not keep:
        d_plus = d_minus = None
    return TopsisResult(
        scores=scores,
        d_ideal=d_plus,
        d_anti_ideal=d_minus,
        ideal=x_ideal,
        anti_ideal=x_anti,
        weighted_ideal=w * r_ideal,
        weighted_anti_ideal=w * r_anti,
        weights=w,
        types=t,
        scale=scale,
        normalization=norm,
    )


def _score(
    x: NDArray[np.floating],
    x_ideal: F64,
    x_anti: F64,
    coef: F64,
    batched: bool,
    keep: bool,
    xt: F64 | None,
    threads: int | None,
) -> tuple[F64 | None, F64 | None, F64]:
    """Pass 2 on the kernel that fits; the scores are checked finite (never a silent NaN)."""
    d_plus: F64 | None = None
    d_minus: F64 | None = None
    if not batched and xt is None and (keep or not _kernels.use_jit(x)):
        return _kernels.distances(x, x_ideal, x_anti, coef, threads=threads)  # checks its scores
    with np.errstate(over="ignore", invalid="ignore"):
        if batched and keep:
            d_plus, d_minus = _kernels.distances_batch(x, x_ideal, x_anti, coef)
            scores = _kernels.closeness(d_plus, d_minus)
        elif batched:
            scores = _kernels.scores_batch(x, x_ideal, x_anti, coef)
        elif xt is not None:
            d_plus, d_minus = _kernels.small_distances(xt, x_ideal, x_anti, coef)
            scores = _kernels.closeness(d_plus, d_minus)
        else:  # one vector, large, compiled, scores only
            scores = _kernels.scores_only(x, x_ideal, x_anti, coef, threads=threads)
    check_finite_result(scores, what="TOPSIS scores")
    return d_plus, d_minus, scores


def _normalised_points(norm: str, x_ideal: F64, x_anti: F64, scale: F64) -> tuple[F64, F64]:
    """The ideal and anti-ideal points in normalised units (before weighting)."""
    if norm == "minmax":
        r_ideal = np.where(scale > 0, 1.0, 0.0)
        return r_ideal, np.zeros_like(r_ideal)
    with np.errstate(over="ignore"):
        div = np.where(scale > 0, scale, 1.0)
        return np.where(scale > 0, x_ideal / div, 0.0), np.where(scale > 0, x_anti / div, 0.0)
