"""TOPSIS (Hwang & Yoon 1981), vectorised and batched over weight vectors."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np
from numpy.typing import NDArray

from .._validate import as_matrix, as_point, as_types, as_weights, raise_nonfinite
from ..errors import CitymatchValueError, NonFiniteError
from . import _kernels
from .results import TopsisResult

__all__ = ["NORMALIZATIONS", "topsis"]

Normalization = Literal["vector", "minmax", "max", "sum"]
NORMALIZATIONS: tuple[str, ...] = ("vector", "minmax", "max", "sum")

if TYPE_CHECKING:
    from ..scale import StreamedScores

F64 = NDArray[np.float64]


def _topsis_iv(
    matrix: Any,
    weights: Any,
    types: Any,
    normalization: Any,
    ideal: Any,
    anti_ideal: Any,
) -> tuple[NDArray[np.floating], F64, bool, NDArray[np.int8], str, F64 | None, F64 | None]:
    if normalization not in NORMALIZATIONS:
        raise CitymatchValueError(
            f"`normalization` must be one of {', '.join(map(repr, NORMALIZATIONS))}; "
            f"got {normalization!r}."
        )
    fixed = ideal is not None and anti_ideal is not None
    x = as_matrix(matrix, min_rows=1 if fixed else 2)
    m = x.shape[1]
    t = as_types(types, m)
    w, batched = as_weights(weights, m)
    fi = as_point(ideal, m, name="ideal")
    fa = as_point(anti_ideal, m, name="anti_ideal")
    return x, w, batched, t, normalization, fi, fa


def _topsis_path(
    path: str | os.PathLike[str],
    weights: Any,
    types: Any,
    normalization: str,
    ideal: Any,
    anti_ideal: Any,
    threads: int | None,
    columns: Sequence[str] | None,
    top: int | None,
    output: str | os.PathLike[str] | None,
    id_column: str | None,
    chunk_rows: int,
) -> StreamedScores:
    from ..scale import topsis_parquet

    if columns is None:
        raise CitymatchValueError(
            f"`columns` is required with a Parquet path as `matrix` ({str(path)!r}): the "
            "criterion columns in the order of `weights`."
        )
    if ideal is not None or anti_ideal is not None:
        raise CitymatchValueError(
            "fixed `ideal` / `anti_ideal` points are not supported for a Parquet path; "
            "rank it with citymatch.rank(..., top=...) or score it in memory."
        )
    return topsis_parquet(
        Path(path),
        weights,
        types,
        columns,
        normalization=normalization,
        id_column=id_column,
        top=top,
        output=None if output is None else Path(output),
        chunk_rows=chunk_rows,
        threads=threads,
    )


def _checked(
    x: NDArray[np.floating], scores: F64, compute: Callable[[], tuple[F64, F64]]
) -> Callable[[], tuple[F64, F64]]:
    """Distances computed later from ``x``, refused if ``x`` changed since the scores."""

    def lazy() -> tuple[F64, F64]:
        d_plus, d_minus = compute()
        if not np.allclose(_kernels.closeness(d_plus, d_minus), scores, rtol=0, atol=1e-12):
            raise CitymatchValueError(
                "`matrix` was modified after topsis() returned, so its distances can no longer "
                "be recomputed to match the scores; keep it unchanged until d_ideal / "
                "d_anti_ideal are read, or pass a copy."
            )
        return d_plus, d_minus

    return lazy


def _geometry(
    x: NDArray[np.floating],
    t: NDArray[np.int8],
    norm: str,
    fixed_ideal: F64 | None,
    fixed_anti: F64 | None,
    threads: int | None = None,
    xt: F64 | None = None,
) -> tuple[F64, F64, F64, F64]:
    """Pass 1: ideal and anti-ideal points (raw units), scale ``s`` and ``1/s`` per criterion.

    ``1/s`` is 0 for a criterion whose ideal and anti-ideal coincide (it separates no one).
    Also the finiteness check of the matrix (a NaN shows up in the column statistics).
    """
    if xt is not None:
        stats = _kernels.small_stats(xt, sumsq=norm == "vector", total=norm == "sum")
    else:
        stats = _kernels.column_stats(
            x, sumsq=norm == "vector", total=norm == "sum", threads=threads
        )
    if not (np.isfinite(stats.max).all() and np.isfinite(stats.min).all()):
        raise_nonfinite(x, "matrix")
    return geometry_from_stats(stats, t, norm, fixed_ideal, fixed_anti, x)


def geometry_from_stats(
    stats: _kernels.ColumnStats,
    t: NDArray[np.int8],
    norm: str,
    fixed_ideal: F64 | None = None,
    fixed_anti: F64 | None = None,
    x: NDArray[np.floating] | None = None,
) -> tuple[F64, F64, F64, F64]:
    """Ideal / anti-ideal points, scale and ``1/s`` from column statistics.

    Shared by the in-memory kernel, the streaming (Parquet) pass and the Dask reductions:
    TOPSIS needs nothing else from pass 1.  ``x`` is only used to rescale a sum of squares
    that overflowed (in memory); streamed data then gets a clear error instead.
    """
    benefit = t > 0
    data_ideal = np.where(benefit, stats.max, stats.min)
    data_anti = np.where(benefit, stats.min, stats.max)
    x_ideal = (
        data_ideal
        if fixed_ideal is None
        else np.where(np.isnan(fixed_ideal), data_ideal, fixed_ideal)
    )
    x_anti = (
        data_anti if fixed_anti is None else np.where(np.isnan(fixed_anti), data_anti, fixed_anti)
    )
    if fixed_ideal is not None or fixed_anti is not None:
        worse = np.where(benefit, x_ideal < x_anti, x_ideal > x_anti)
        if worse.any():
            j = int(np.argmax(worse))
            rule = "≥" if benefit[j] else "≤"
            raise CitymatchValueError(
                f"`ideal` must be at least as good as `anti_ideal` on every criterion "
                f"(ideal {rule} anti-ideal for a {'benefit' if benefit[j] else 'cost'} "
                f"criterion); got ideal {x_ideal[j]} and anti-ideal {x_anti[j]} at criterion {j}."
            )
        if norm == "minmax" and fixed_ideal is not None and fixed_anti is not None:
            both = ~np.isnan(fixed_ideal) & ~np.isnan(fixed_anti) & (fixed_ideal == fixed_anti)
            if both.any():
                j = int(np.argmax(both))
                raise CitymatchValueError(
                    "`ideal` and `anti_ideal` must differ on every criterion under min-max "
                    f"normalisation (they set its scale); both are {fixed_ideal[j]} at criterion {j}."
                )

    if norm == "vector":
        assert stats.sumsq is not None
        ss = stats.sumsq
        if not np.isfinite(ss).all() and x is None:
            raise NonFiniteError(
                "`matrix` values are too large for vector normalisation (Σx² overflows float64); "
                "rescale the columns."
            )
        if not np.isfinite(ss).all():  # overflow of Σx²: rescale by max|x| (slow path)
            big = np.maximum(np.abs(stats.max), np.abs(stats.min))
            scale = big * np.sqrt(
                np.sum((np.asarray(x, dtype=np.float64) / np.where(big > 0, big, 1.0)) ** 2, axis=0)
            )
        else:
            scale = np.sqrt(ss)
    elif norm == "max":
        scale = np.maximum(np.abs(stats.max), np.abs(stats.min))
    elif norm == "sum":
        if (stats.min < 0).any():
            j = int(np.argmax(stats.min < 0))
            raise CitymatchValueError(
                "`matrix` must be non-negative under 'sum' normalisation (Σx must be a "
                f"positive scale); criterion {j} has minimum {stats.min[j]}."
            )
        assert stats.sum is not None
        scale = stats.sum.copy()
    else:  # minmax: the best–worst range
        scale = np.abs(x_ideal - x_anti)
    if not np.isfinite(scale).all():
        j = int(np.argmax(~np.isfinite(scale)))
        raise NonFiniteError(
            f"`matrix` values are too large to normalise: the {norm} scale of criterion {j} overflows."
        )

    # A criterion whose ideal and anti-ideal coincide (a constant column) separates no one:
    # its coefficient is 0, whatever its scale.
    live = (scale > 0) & (x_ideal != x_anti)
    safe = np.where(live, scale, 1.0)
    with np.errstate(over="ignore", divide="ignore"):
        coef_unit = np.where(live, 1.0 / safe, 0.0)  # 1/s_j
    if not np.isfinite(coef_unit).all():
        j = int(np.argmax(~np.isfinite(coef_unit)))
        raise CitymatchValueError(
            f"`matrix` values of criterion {j} are too small to normalise (its {norm} scale "
            f"{scale[j]:g} is below the smallest normal float64); rescale that column."
        )
    return x_ideal, x_anti, scale, coef_unit


@overload
def topsis(
    matrix: str | os.PathLike[str],
    weights: Any,
    types: Any,
    *,
    columns: Sequence[str],
    normalization: Normalization = "vector",
    threads: int | None = None,
    top: int | None = None,
    output: str | os.PathLike[str] | None = None,
    id_column: str | None = None,
    chunk_rows: int = 262_144,
) -> StreamedScores: ...


@overload
def topsis(
    matrix: Any,
    weights: Any,
    types: Any,
    *,
    normalization: Normalization = "vector",
    ideal: Any = None,
    anti_ideal: Any = None,
    threads: int | None = None,
) -> TopsisResult: ...


def topsis(
    matrix: Any,
    weights: Any,
    types: Any,
    *,
    normalization: Normalization = "vector",
    ideal: Any = None,
    anti_ideal: Any = None,
    threads: int | None = None,
    columns: Sequence[str] | None = None,
    top: int | None = None,
    output: str | os.PathLike[str] | None = None,
    id_column: str | None = None,
    chunk_rows: int = 262_144,
) -> TopsisResult | StreamedScores:
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
        Fixed ideal / anti-ideal points in the raw units of ``matrix`` (as in the R
        package MCDA), so scores are comparable across runs and subsets.  NaN entries
        are taken from the data.  Under ``"minmax"`` the points also fix the scale
        (``s = |ideal − anti_ideal|``), which makes scores independent of the other
        candidates.  With both points fixed, a single candidate can be scored.
    threads : int, optional
        Worker threads for large single-vector problems (default: all cores above
        131,072 rows, one below).
    columns, top, output, id_column, chunk_rows
        Only with a **Parquet file or folder** as ``matrix`` (larger than memory is
        fine; a ``pathlib.Path``, or a ``str`` together with ``columns``): the criterion
        columns in the order of ``weights``, and what to keep — the
        best ``top`` rows in memory and/or every score written to the Parquet file
        ``output``.  Two streaming passes in chunks of ``chunk_rows`` rows; see
        :func:`citymatch.scale.topsis_parquet`.

    Returns
    -------
    TopsisResult
        ``scores`` (N,) or (K, N) in [0, 1], the distances ``d_ideal`` and
        ``d_anti_ideal``, the ideal points (raw and weighted normalised), the
        normalised weights and the normalisation scale.
    StreamedScores
        For a Parquet path: the top-k table, the output path and the geometry.

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
    streamed = columns is not None or top is not None or output is not None
    if isinstance(matrix, os.PathLike) or (isinstance(matrix, str) and streamed):
        return _topsis_path(
            matrix, weights, types, normalization, ideal, anti_ideal, threads,
            columns, top, output, id_column, chunk_rows,
        )  # fmt: skip
    if streamed or id_column is not None:
        raise CitymatchValueError(
            "`columns`, `top`, `output` and `id_column` apply to a Parquet path as `matrix`; "
            f"got a {type(matrix).__name__}."
        )
    x, w, batched, t, norm, fixed_ideal, fixed_anti = _topsis_iv(
        matrix, weights, types, normalization, ideal, anti_ideal
    )
    small = x.shape[0] <= _kernels.BLOCK_ROWS and not batched
    xt = np.ascontiguousarray(x.T, dtype=np.float64) if small else None
    x_ideal, x_anti, scale, coef_unit = _geometry(x, t, norm, fixed_ideal, fixed_anti, threads, xt)

    if norm == "minmax":
        r_ideal = np.where(scale > 0, 1.0, 0.0)
        r_anti = np.zeros_like(r_ideal)
    else:
        with np.errstate(over="ignore"):
            div = np.where(scale > 0, scale, 1.0)
            r_ideal = np.where(scale > 0, x_ideal / div, 0.0)
            r_anti = np.where(scale > 0, x_anti / div, 0.0)

    coef = w * coef_unit  # (M,) or (K, M)
    distances: tuple[F64, F64] | None = None
    lazy: Any = None
    if batched:
        scores = _kernels.scores_batch(x, x_ideal, x_anti, coef)
        lazy = _checked(x, scores, lambda: _kernels.distances_batch(x, x_ideal, x_anti, coef))
    elif xt is not None:
        distances = _kernels.small_distances(xt, x_ideal, x_anti, coef)
        scores = _kernels.closeness(*distances)
    elif _kernels._use_jit(x):
        # Large matrix, compiled kernel: write only the scores; distances on first access.
        scores = _kernels.scores_only(x, x_ideal, x_anti, coef, threads=threads)
        lazy = _checked(
            x,
            scores,
            lambda: _kernels.distances(x, x_ideal, x_anti, coef, threads=threads, jit=True)[:2],
        )
    else:
        d_plus, d_minus, scores = _kernels.distances(x, x_ideal, x_anti, coef, threads=threads)
        distances = (d_plus, d_minus)
    return TopsisResult(
        scores=scores,
        _distances=distances,
        _compute_distances=lazy,
        ideal=x_ideal,
        anti_ideal=x_anti,
        weighted_ideal=w * r_ideal,
        weighted_anti_ideal=w * r_anti,
        weights=w,
        types=t,
        scale=scale,
        normalization=norm,
    )
