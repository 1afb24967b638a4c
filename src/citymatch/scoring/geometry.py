"""TOPSIS geometry: ideal and anti-ideal points and the normalisation scale.

With weights ``w ≥ 0`` every normalisation citymatch offers is a per-column affine map, so the
ideal points and the scale follow from the column statistics alone
(:class:`~citymatch.scoring.stats.ColumnStats`), whatever path produced them — the in-memory
kernel, a streamed Parquet pass, Dask blocks — and none of it depends on the weights.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray

from .._validate import raise_nonfinite
from ..errors import ArgumentError, CitymatchValueError, NumericRangeError
from . import _kernels
from .stats import ColumnStats

__all__ = [
    "IDEAL_SPACES",
    "NORMALIZATIONS",
    "IdealSpace",
    "Normalization",
    "check_normalization",
    "check_span",
    "geometry",
    "geometry_from_stats",
    "raw_points",
]

F64 = NDArray[np.float64]

_MAX = float(np.finfo(np.float64).max)
_TINY = float(np.finfo(np.float64).tiny)
#: Below this max|x| a column's squares lose precision (x² nears the subnormal range): its
#: vector norm is recomputed from the column scaled by max|x| (in memory) or refused (streamed).
SMALL = 1e-140

Normalization = Literal["vector", "minmax", "max", "sum"]
#: The column normalisations, textbook default first (Hwang & Yoon 1981).
NORMALIZATIONS: tuple[str, ...] = ("vector", "minmax", "max", "sum")


IdealSpace = Literal["raw", "weighted"]
#: Where fixed ideal points live: the matrix's raw units, or the weighted normalised space
#: ``w_j · x_j / s_j`` of the textbook (and of the R package MCDA's ``TOPSIS``).
IDEAL_SPACES: tuple[str, ...] = ("raw", "weighted")


def raw_points(
    x: NDArray[np.floating],
    w: F64,
    norm: str,
    points: tuple[F64 | None, F64 | None],
    *,
    space: object,
    batched: bool,
    threads: int | None = None,
) -> tuple[F64 | None, F64 | None]:
    """Fixed ideal / anti-ideal points given in ``space`` as raw units.

    ``"raw"``: unchanged.  ``"weighted"``: a point ``p`` in the weighted normalised space
    (``v_j = w_j x_j / s_j``, with ``w`` summing to 1 and ``s`` the data's column scale)
    is ``x_j = p_j s_j / w_j`` in raw units; a criterion with zero weight or scale takes
    its point from the data (NaN) — it adds nothing to either distance.  Only the
    normalisations whose scale the data alone fix (``vector``, ``max``, ``sum``) and one
    weight vector have such a space.
    """
    if space not in IDEAL_SPACES:
        raise ArgumentError(f"`ideal_space` must be 'raw' or 'weighted'; got {space!r}.")
    if space == "raw" or all(p is None for p in points):
        return points
    if norm == "minmax":
        raise ArgumentError(
            "`ideal_space='weighted'` needs normalization 'vector', 'max' or 'sum'; under "
            "'minmax' the fixed points set the scale themselves: give them in raw units."
        )
    if batched:
        raise ArgumentError(
            "`ideal_space='weighted'` takes one weight vector (the space depends on the "
            "weights); got a (K, M) batch."
        )
    scale = geometry(x, np.ones(x.shape[1], dtype=np.int8), norm, threads=threads)[2]
    factor = np.divide(scale, w, out=np.full_like(scale, np.nan), where=(w > 0) & (scale > 0))
    return tuple(None if p is None else p * factor for p in points)  # type: ignore[return-value]


def check_normalization(normalization: object) -> Normalization:
    """``normalization`` if it is one of :data:`NORMALIZATIONS`, else a clear error."""
    if normalization not in NORMALIZATIONS:
        raise ArgumentError(
            f"`normalization` must be one of {', '.join(map(repr, NORMALIZATIONS))}; "
            f"got {normalization!r}."
        )
    return normalization  # type: ignore[return-value]  # narrowed by the membership test


def check_points_order(benefit: NDArray[np.bool_], ideal: F64, anti: F64) -> None:
    """The ideal point at least as good as the anti-ideal on every criterion (NaN: unknown)."""
    worse = np.where(benefit, ideal < anti, ideal > anti)
    if worse.any():
        j = int(np.argmax(worse))
        rule = "≥" if benefit[j] else "≤"
        raise CitymatchValueError(
            f"`ideal` must be at least as good as `anti_ideal` on every criterion "
            f"(ideal {rule} anti-ideal for a {'benefit' if benefit[j] else 'cost'} "
            f"criterion); got ideal {ideal[j]} and anti-ideal {anti[j]} at criterion {j}."
        )


def check_points_span(ideal: F64, anti: F64) -> None:
    """Two fixed points whose difference float64 holds (NaN: unknown)."""
    with np.errstate(over="ignore", invalid="ignore"):
        wide = np.isinf(ideal - anti)
    if wide.any():
        j = int(np.argmax(wide))
        raise NumericRangeError(
            f"`ideal` {ideal[j]:g} and `anti_ideal` {anti[j]:g} at criterion {j} are further "
            f"apart than float64's maximum {_MAX:.6g}; rescale the criterion and its points."
        )


def check_points_differ(ideal: F64, anti: F64) -> None:
    """Under min-max the two fixed points set the scale: equal (non-NaN) values refused."""
    both = ~np.isnan(ideal) & ~np.isnan(anti) & (ideal == anti)
    if both.any():
        j = int(np.argmax(both))
        raise CitymatchValueError(
            "`ideal` and `anti_ideal` must differ on every criterion under min-max "
            f"normalisation (they set its scale); both are {ideal[j]} at criterion {j}."
        )


def geometry(
    x: NDArray[np.floating],
    t: NDArray[np.int8],
    norm: str,
    fixed_ideal: F64 | None = None,
    fixed_anti: F64 | None = None,
    *,
    threads: int | None = None,
    xt: F64 | None = None,
) -> tuple[F64, F64, F64, F64]:
    """Pass 1 in memory: ideal and anti-ideal points (raw units), scale ``s`` and ``1/s``.

    ``1/s`` is 0 for a criterion whose ideal and anti-ideal coincide (it separates no one).
    Also the finiteness check of the matrix (a NaN shows up in the column statistics).
    ``xt``: a float64 transposed copy (M × N) of a small ``x``, reduced along its rows.
    """
    if xt is not None:
        stats = _kernels.column_stats_columns(xt, sumsq=norm == "vector", total=norm == "sum")
    else:
        stats = _kernels.column_stats(
            x, sumsq=norm == "vector", total=norm == "sum", threads=threads
        )
    if not (np.isfinite(stats.max).all() and np.isfinite(stats.min).all()):
        raise_nonfinite(x, "matrix")
    return geometry_from_stats(stats, t, norm, fixed_ideal, fixed_anti, x)


def geometry_from_stats(
    stats: ColumnStats,
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
        if fixed_ideal is not None and fixed_anti is not None:
            check_points_span(fixed_ideal, fixed_anti)
        check_points_order(benefit, x_ideal, x_anti)
        if norm == "minmax" and fixed_ideal is not None and fixed_anti is not None:
            check_points_differ(fixed_ideal, fixed_anti)

    if fixed_ideal is None and fixed_anti is None:  # the points are the data's: max − min
        check_span(stats)
    else:
        check_span(stats, x_ideal, x_anti)
    big = np.maximum(np.abs(stats.max), np.abs(stats.min))
    if norm == "vector":
        assert stats.sumsq is not None
        scale = _vector_scale(stats.sumsq, big, x)
    elif norm == "max":
        scale = big
    elif norm == "sum":
        if (stats.min < 0).any():
            j = int(np.argmax(stats.min < 0))
            raise CitymatchValueError(
                "`matrix` must be non-negative under 'sum' normalisation (Σx must be a "
                f"positive scale); criterion {j} has minimum {stats.min[j]}."
            )
        assert stats.sum is not None
        scale = _sum_scale(stats.sum, big, x)
    else:  # minmax: the best–worst range
        scale = np.abs(x_ideal - x_anti)
    return x_ideal, x_anti, scale, _inverse_scale(scale, big, norm, x_ideal == x_anti)


def check_span(stats: ColumnStats, x_ideal: F64 | None = None, x_anti: F64 | None = None) -> None:
    """Refuse a column whose values (with the ideal points) span more than float64 holds.

    TOPSIS takes differences ``x − x⁺``: they are finite exactly when ``max − min`` is, so
    the limit is ``max − min ≤ finfo(float64).max`` per column (checked on M numbers).
    Without fixed points (None) the span is the data's own.
    """
    lo, hi = stats.min, stats.max
    if x_ideal is not None and x_anti is not None:
        lo = np.minimum(lo, np.minimum(x_ideal, x_anti))
        hi = np.maximum(hi, np.maximum(x_ideal, x_anti))
    with np.errstate(over="ignore", invalid="ignore"):
        span = hi - lo
    if not np.isfinite(span).all():
        j = int(np.argmax(~np.isfinite(span)))
        with np.errstate(over="ignore", invalid="ignore"):
            own = np.isfinite(stats.max[j] - stats.min[j])
        what = "`matrix` values" if not own else "`matrix` values with `ideal` / `anti_ideal`"
        raise NumericRangeError(
            f"{what} of criterion {j} span {lo[j]:g} to {hi[j]:g}: the differences "
            f"TOPSIS takes must stay within float64's maximum {_MAX:.6g} (max − min ≤ {_MAX:.6g}); "
            "divide the column by a positive constant (TOPSIS scores do not change)."
        )


def _vector_scale(ss: F64, big: F64, x: NDArray[np.floating] | None) -> F64:
    """``‖x‖₂`` per column from Σx².

    Columns whose Σx² overflowed or fell below the normal range (max|x| < :data:`SMALL`) are
    recomputed from ``x`` scaled by max|x| (in [-1, 1]: no overflow, no underflow).
    """
    redo = (~np.isfinite(ss) | (big < SMALL)) & (big > 0)
    if redo.any() and x is None:  # streamed: the data are gone, the limit is stated instead
        j = int(np.argmax(redo))
        raise NumericRangeError(
            f"`matrix` criterion {j} is beyond what streamed vector normalisation holds "
            f"(max|x| = {big[j]:g}): Σx² must stay within float64's normal range, i.e. "
            f"{SMALL:g} ≤ max|x| and ‖x‖₂ ≤ {_MAX:.6g} (|x| ≤ √({_MAX:.4g}/N) suffices); "
            "divide or multiply the column by a positive constant (scores do not change)."
        )
    scale = np.sqrt(ss)
    for col_j in np.flatnonzero(redo):
        j = int(col_j)
        assert x is not None
        col = np.asarray(x[:, j], dtype=np.float64) / big[j]  # in [-1, 1]: Σ ≤ N, no overflow
        with np.errstate(over="ignore"):
            scale[j] = big[j] * np.sqrt(np.dot(col, col))
    if not np.isfinite(scale).all():
        j = int(np.argmax(~np.isfinite(scale)))
        raise NumericRangeError(
            f"`matrix` criterion {j}: its norm ‖x‖₂ exceeds float64's maximum {_MAX:.6g} "
            f"(max|x| = {big[j]:g}); values must satisfy ‖x‖₂ ≤ {_MAX:.6g} (|x| ≤ √({_MAX:.4g}/N) "
            "suffices); divide the column by a positive constant (scores do not change)."
        )
    return scale


def _sum_scale(total: F64, big: F64, x: NDArray[np.floating] | None) -> F64:
    """``Σx`` per column; an overflowed sum is recomputed from ``x / max|x|`` when in memory."""
    scale = total.copy()
    redo = ~np.isfinite(scale) & (big > 0)
    if x is not None:
        for col_j in np.flatnonzero(redo):
            j = int(col_j)
            with np.errstate(over="ignore"):
                scale[j] = big[j] * np.sum(np.asarray(x[:, j], dtype=np.float64) / big[j])
    if not np.isfinite(scale).all():
        j = int(np.argmax(~np.isfinite(scale)))
        raise NumericRangeError(
            f"`matrix` criterion {j}: its sum Σx exceeds float64's maximum {_MAX:.6g} under 'sum' "
            f"normalisation (max|x| = {big[j]:g}); values must satisfy Σx ≤ {_MAX:.6g}; "
            "divide the column by a positive constant (scores do not change)."
        )
    return scale


def _inverse_scale(scale: F64, big: F64, norm: str, same: NDArray[np.bool_]) -> F64:
    """``1/s`` per column; 0 where the column separates no one; subnormal columns refused."""
    tiny = _TINY
    sub = (big > 0) & (big < tiny) & ~same  # a constant column separates no one: harmless
    if sub.any():
        j = int(np.argmax(sub))
        raise NumericRangeError(
            f"`matrix` values of criterion {j} are subnormal (max|x| = {big[j]:g} is below the "
            f"smallest normal float64 {tiny:g}), too imprecise to normalise; multiply the column "
            "by a positive constant (TOPSIS scores do not change)."
        )
    # A criterion whose ideal and anti-ideal coincide (a constant column) separates no one:
    # its coefficient is 0, whatever its scale.
    live = (scale > 0) & ~same
    with np.errstate(over="ignore", divide="ignore"):
        coef_unit = np.where(live, 1.0 / np.where(live, scale, 1.0), 0.0)  # 1/s_j
    if not np.isfinite(coef_unit).all():
        j = int(np.argmax(~np.isfinite(coef_unit)))
        raise NumericRangeError(
            f"`matrix` values of criterion {j} are too small to normalise (its {norm} scale "
            f"{scale[j]:g} is below 1/{_MAX:.6g}, so 1/scale overflows); multiply the column by "
            "a positive constant (TOPSIS scores do not change)."
        )
    return coef_unit
