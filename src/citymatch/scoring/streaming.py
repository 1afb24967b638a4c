"""The two-pass TOPSIS driver over any sequence of row chunks, and the running top k.

Pass 1 reduces every chunk to :class:`~.stats.ColumnStats` and merges them; the geometry
follows from the merged statistics alone (:func:`.geometry.geometry_from_stats`); pass 2 maps
every chunk to distances and scores with the in-memory kernel.  The Parquet reader
(:mod:`citymatch.scale.parquet`) feeds it chunks of a file or folder; a caller with its own
first pass (the streamed ranking, which screens and handles missing values first) calls
:func:`score_chunks` alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .._validate import check_threads
from . import _kernels
from .ranks import tie_round
from .stats import ColumnStats, merge_stats

__all__ = ["Chunk", "TopK", "chunk_stats", "column_statistics", "score_chunks"]

F64 = NDArray[np.float64]
Labels = Mapping[str, NDArray[np.generic] | list[object]]
ChunkSink = Callable[[dict[str, object]], None]


@dataclass(frozen=True, eq=False)
class Chunk:
    """Rows of the decision matrix, each row's position in the source and its labels.

    ``x`` is (rows × M); a transposed view of column-major data is read as it is.
    """

    x: NDArray[np.floating]
    rows: NDArray[np.int64]
    labels: Labels


def chunk_stats(x: NDArray[np.floating], *, sumsq: bool, total: bool) -> ColumnStats:
    """Column statistics of one chunk, in float64, whichever its memory layout."""
    if not x.flags.c_contiguous and x.T.flags.c_contiguous:  # column-major (Parquet columns)
        return _kernels.column_stats_columns(x.T, sumsq=sumsq, total=total)
    return _kernels.column_stats(x, sumsq=sumsq, total=total)


def column_statistics(
    chunks: Iterable[NDArray[np.floating]],
    *,
    norm: str,
    on_nonfinite: Callable[[NDArray[np.floating], int], Exception],
) -> tuple[ColumnStats | None, int]:
    """Pass 1: merged statistics of every chunk and the row count.

    ``on_nonfinite(chunk, offset)`` builds the error raised for the first chunk holding
    NaN or ±inf (``offset`` is the row position of the chunk's first row).
    """
    parts: list[ColumnStats] = []
    n = 0
    for x in chunks:
        if not x.shape[0]:  # an empty batch (e.g. an empty file or row group) adds nothing
            continue
        part = chunk_stats(x, sumsq=norm == "vector", total=norm == "sum")
        if not (np.isfinite(part.max).all() and np.isfinite(part.min).all()):
            raise on_nonfinite(x, n)
        parts.append(part)
        n += x.shape[0]
    return (merge_stats(parts) if parts else None), n


class TopK:
    """Running selection of the best ``k`` rows across chunks (``argpartition``, never a sort).

    Numeric fields are kept as arrays, labels (ids, names, kinds) as object arrays; memory is
    O(k + chunk), independent of N.  Rows tied at the cut (equal to
    :data:`~citymatch._util.TIE_DECIMALS` places) are kept by source order.
    """

    def __init__(self, k: int) -> None:
        self.k = k
        self.cols: dict[str, NDArray[np.generic]] = {}

    def push(self, score: F64, rows: NDArray[np.int64], **cols: object) -> None:
        """Offer a chunk's rows; keep the best ``k`` seen so far."""
        new: dict[str, NDArray[np.generic]] = {"score": score, "row": rows}
        for c, v in cols.items():
            new[c] = _objects(v) if isinstance(v, list) else np.asarray(v)
        cand = new if not self.cols else {c: np.concatenate([self.cols[c], new[c]]) for c in new}
        if cand["score"].size > self.k:
            keep = _best(tie_round(cand["score"].astype(np.float64)), cand["row"], self.k)
            cand = {c: v[keep] for c, v in cand.items()}
        self.cols = cand

    def ordered(self) -> dict[str, NDArray[np.generic]]:
        """Best first; equal scores in source order."""
        if not self.cols:
            return {}
        order = np.lexsort((self.cols["row"], -tie_round(self.cols["score"].astype(np.float64))))
        return {c: v[order] for c, v in self.cols.items()}


def _best(s: F64, rows: NDArray[np.generic], k: int) -> NDArray[np.intp]:
    """Positions of the ``k`` best (tie-rounded) scores ``s``; ties at the cut by row order.

    ``np.partition`` finds the cut in O(len) (no sort); only rows tied at the cut are ordered.
    """
    cut = np.partition(-s, k - 1)[k - 1]
    better = np.flatnonzero(-s < cut)
    tied = np.flatnonzero(-s == cut)
    need = k - len(better)
    if len(tied) > need:
        tied = tied[np.argsort(rows[tied], kind="stable")[:need]]
    return np.concatenate([better, tied])


def _objects(values: list[object]) -> NDArray[np.object_]:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def score_chunks(
    chunks: Iterable[Chunk],
    ideal: F64,
    anti: F64,
    coef: F64,
    *,
    top: int | None,
    sink: ChunkSink | None,
    threads: int | None = None,
    keep_x: bool = False,
) -> dict[str, NDArray[np.generic]]:
    """Pass 2: distances and scores of every chunk; the best ``top`` rows, best first.

    Every chunk's scores are checked finite by the kernel (never a silent NaN).

    Every chunk's ``row``, labels, ``score``, ``d_ideal`` and ``d_anti_ideal`` go to
    ``sink`` (if given); with ``keep_x`` the kept rows carry their values as ``x``.
    """
    threads = check_threads(threads)  # before the first chunk is read
    best = TopK(top) if top is not None else None
    for ch in chunks:
        if not len(ch.rows):
            continue
        dp, dm, sc = _kernels.chunk_distances(ch.x, ideal, anti, coef, threads=threads)
        labels = {c: list(v) if isinstance(v, list) else v for c, v in ch.labels.items()}
        if sink is not None:
            sink({"row": ch.rows, **labels, "score": sc, "d_ideal": dp, "d_anti_ideal": dm})
        if best is not None:
            extra: dict[str, object] = {"x": ch.x} if keep_x else {}
            best.push(sc, ch.rows, d_ideal=dp, d_anti_ideal=dm, **labels, **extra)
    return best.ordered() if best is not None else {}
