"""Column statistics of a decision matrix: the only thing TOPSIS needs from its first pass.

One home for the statistics and their merge, used by every path: in memory (row chunks on
the thread pool), each streamed Parquet chunk, each Dask block.  Statistics are always
float64, also for float32 input.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

__all__ = ["ColumnStats", "merge_stats", "observed_stats", "with_fills"]

F64 = NDArray[np.float64]


class ColumnStats(NamedTuple):
    """Column reductions of the raw matrix: max, min and (when asked for) Σx² and Σx."""

    max: F64
    min: F64
    sumsq: F64 | None
    sum: F64 | None


def merge_stats(parts: Sequence[ColumnStats]) -> ColumnStats:
    """Statistics of the union of row sets from the statistics of each (max, min, sums).

    NaN in any part's max or min propagates (a NaN cell anywhere makes its column's max and
    min NaN), so the caller checks the merged statistics instead of the data.
    """
    if not parts:
        raise ValueError("merge_stats needs at least one part")  # internal: callers never do
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    mx = np.max([p.max for p in parts], axis=0)
    mn = np.min([p.min for p in parts], axis=0)
    ss = None if first.sumsq is None else np.sum([_req(p.sumsq) for p in parts], axis=0)
    sm = None if first.sum is None else np.sum([_req(p.sum) for p in parts], axis=0)
    return ColumnStats(mx, mn, ss, sm)


def _req(a: F64 | None) -> F64:
    if a is None:  # pragma: no cover - parts of one merge always carry the same sums
        raise ValueError("merge_stats: parts disagree on which sums they carry")
    return a


def observed_stats(x: NDArray[np.floating], missing: NDArray[np.bool_]) -> ColumnStats:
    """Statistics of the observed cells of ``x`` (N × M), skipping the ``missing`` ones."""
    seen = ~missing
    xs = np.where(missing, 0.0, x).astype(np.float64, copy=False)
    return ColumnStats(
        np.max(x, axis=0, initial=-np.inf, where=seen).astype(np.float64),
        np.min(x, axis=0, initial=np.inf, where=seen).astype(np.float64),
        np.einsum("ij,ij->j", xs, xs),
        xs.sum(axis=0),
    )


def with_fills(stats: ColumnStats, count: NDArray[np.int64], value: F64) -> ColumnStats:
    """Statistics after ``count[j]`` cells of column j are filled with ``value[j]``.

    Max and min are unchanged when the fill value is an observed value (the worst one).
    """
    add = np.where(count > 0, value, 0.0)
    return ColumnStats(
        stats.max,
        stats.min,
        None if stats.sumsq is None else stats.sumsq + count * add**2,
        None if stats.sum is None else stats.sum + count * add,
    )
