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
from ..errors import CitymatchValueError, NonFiniteError
from . import _kernels
from .stats import ColumnStats

__all__ = [
    "NORMALIZATIONS",
    "Normalization",
    "check_normalization",
    "geometry",
    "geometry_from_stats",
]

F64 = NDArray[np.float64]

Normalization = Literal["vector", "minmax", "max", "sum"]
#: The column normalisations, textbook default first (Hwang & Yoon 1981).
NORMALIZATIONS: tuple[str, ...] = ("vector", "minmax", "max", "sum")


def check_normalization(normalization: object) -> Normalization:
    """``normalization`` if it is one of :data:`NORMALIZATIONS`, else a clear error."""
    if normalization not in NORMALIZATIONS:
        raise CitymatchValueError(
            f"`normalization` must be one of {', '.join(map(repr, NORMALIZATIONS))}; "
            f"got {normalization!r}."
        )
    return normalization  # type: ignore[return-value]  # narrowed by the membership test


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
