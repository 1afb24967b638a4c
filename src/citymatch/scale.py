"""Scale: candidate sets larger than memory (Parquet, streamed) and past one machine (Dask).

TOPSIS is two column reductions followed by a per-row map, so it streams and distributes
directly:

- pass 1 reduces every chunk to column max, min, Σx² (and Σx) — added across chunks, in
  float64 even for float32 input;
- the ideal points and the scale follow from those statistics alone
  (:func:`citymatch.scoring.topsis.geometry_from_stats`);
- pass 2 maps each chunk to scores with the same kernel as in memory.

:func:`topsis_parquet` streams a Parquet file or folder with pyarrow in chunks of
``chunk_rows`` rows (memory bounded by the chunk, not by N), keeping the top k in memory or
writing every score to a Parquet file.  :func:`topsis_dask`, :func:`topk` and
:func:`rank_acceptability_dask` run on ``dask.array`` / ``dask.dataframe`` inputs (or a Parquet
path) with whatever scheduler is active — pass a ``distributed.Client`` (or a scheduler
address) to go from a laptop to a cluster; citymatch never starts a cluster itself.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ._validate import as_types, as_weights
from .errors import CitymatchError, CitymatchValueError, NonFiniteError, ShapeError
from .results import _html_table
from .scoring import _kernels
from .scoring.topsis import NORMALIZATIONS, geometry_from_stats

__all__ = [
    "StreamedScores",
    "rank_acceptability_dask",
    "rank_parquet",
    "topk",
    "topsis_dask",
    "topsis_parquet",
]

F64 = NDArray[np.float64]


def _merge_stats(
    acc: _kernels.ColumnStats | None, new: _kernels.ColumnStats
) -> _kernels.ColumnStats:
    if acc is None:
        return new
    return _kernels.ColumnStats(
        np.maximum(acc.max, new.max),
        np.minimum(acc.min, new.min),
        None if acc.sumsq is None else acc.sumsq + new.sumsq,  # type: ignore[operator]
        None if acc.sum is None else acc.sum + new.sum,  # type: ignore[operator]
    )


def _check_norm(normalization: str) -> None:
    if normalization not in NORMALIZATIONS:
        raise CitymatchValueError(
            f"`normalization` must be one of {', '.join(map(repr, NORMALIZATIONS))}; got {normalization!r}."
        )


# --------------------------------------------------------------------------- Parquet, streamed
def _files(source: str | Path) -> list[Path]:
    path = Path(source)
    if not path.exists():
        raise CitymatchValueError(f"`source` {str(path)!r} does not exist.")
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*.parquet") if p.is_file())
    if not files:
        raise CitymatchValueError(f"`source` {str(path)!r} holds no .parquet files.")
    return files


def _batches(source: str | Path, columns: Sequence[str], chunk_rows: int) -> Iterator[Any]:
    """Record batches of ``columns`` from a Parquet file or folder (a pyarrow dataset).

    No pre-buffering of whole files and read-ahead bounded to one batch and one file: memory
    follows the chunk and the row-group size, never the file or the data set.
    """
    try:
        import pyarrow.dataset as ds
    except ImportError as exc:  # pragma: no cover
        raise CitymatchError(
            "streaming Parquet needs pyarrow: pip install 'citymatch[parquet]'."
        ) from exc
    files = _files(source)
    fmt = ds.ParquetFileFormat(
        default_fragment_scan_options=ds.ParquetFragmentScanOptions(pre_buffer=False)
    )
    dataset = ds.dataset([str(f) for f in files], format=fmt)
    missing = [c for c in columns if c not in dataset.schema.names]
    if missing:
        raise CitymatchValueError(
            f"`source` {str(source)!r} lacks column(s) {missing}; it has {dataset.schema.names}."
        )
    yield from dataset.to_batches(
        columns=list(columns), batch_size=chunk_rows, batch_readahead=1, fragment_readahead=1
    )


def _matrix(batch: Any, criteria_columns: Sequence[str]) -> NDArray[np.floating]:
    """The chunk as a column-major (M × rows) array: Parquet is columnar, so no transposition."""
    cols = [batch.column(c).to_numpy(zero_copy_only=False) for c in criteria_columns]
    dtype = np.float32 if all(c.dtype == np.float32 for c in cols) else np.float64
    return np.vstack([c.astype(dtype, copy=False) for c in cols])


@dataclass(frozen=True, repr=False, eq=False)
class StreamedScores:
    """Result of :func:`topsis_parquet`.

    Attributes
    ----------
    n : int
        Rows scored.
    top : DataFrame or None
        The best ``k`` rows: ``row`` (position in the source), the id column if given,
        ``score``, ``rank``, ``d_ideal``, ``d_anti_ideal``.
    output : Path or None
        The Parquet file holding every row's scores, if one was written.
    ideal, anti_ideal, scale, weights : ndarray (M,)
        The geometry used (identical to the in-memory kernel's).
    """

    n: int
    top: pd.DataFrame | None
    output: Path | None
    ideal: F64
    anti_ideal: F64
    scale: F64
    weights: F64
    normalization: str

    def to_frame(self) -> pd.DataFrame:
        """The top-k table (empty if only an output file was written)."""
        return self.top.copy() if self.top is not None else pd.DataFrame()

    def __repr__(self) -> str:
        k = 0 if self.top is None else len(self.top)
        out = f", scores in {self.output}" if self.output else ""
        return (
            f"StreamedScores(N={self.n:,}, top {k} kept{out}, {self.normalization} normalisation)"
        )

    def _repr_html_(self) -> str:
        return _html_table(self.to_frame(), repr(self))


def topsis_parquet(
    source: str | Path,
    weights: Any,
    types: Any,
    columns: Sequence[str],
    *,
    normalization: str = "vector",
    id_column: str | None = None,
    top: int | None = None,
    output: str | Path | None = None,
    chunk_rows: int = 262_144,
    threads: int | None = None,
) -> StreamedScores:
    """TOPSIS on a Parquet file or folder larger than memory: two streaming passes.

    Parameters
    ----------
    source : path
        A Parquet file or a folder of Parquet files (a pyarrow dataset).
    weights, types
        As in :func:`citymatch.topsis` (one weight vector).
    columns : sequence of str
        The criterion columns, in the order of ``weights`` and ``types``.
    id_column : str, optional
        Carried into the top-k table and the output file.
    top : int, optional
        Keep the best ``top`` rows in memory (running selection with ``argpartition``; never a
        sort of N scores).
    output : path, optional
        Write every row's ``score``, ``d_ideal``, ``d_anti_ideal`` (and id) to this Parquet file,
        atomically (temporary file + rename).
    chunk_rows : int, default 262,144
        Rows per chunk: peak memory ≈ a few × chunk_rows × M values (plus one Parquet row group
        being decoded), independent of N.

    Returns
    -------
    StreamedScores
    """
    _check_norm(normalization)
    if top is None and output is None:
        raise CitymatchValueError(
            "give `top` (keep the best k rows) or `output` (a Parquet file for all scores)."
        )
    if top is not None and (not isinstance(top, (int, np.integer)) or top < 1):
        raise CitymatchValueError(f"`top` must be a positive integer; got {top!r}.")
    if not isinstance(chunk_rows, (int, np.integer)) or chunk_rows < 1:
        raise CitymatchValueError(f"`chunk_rows` must be a positive integer; got {chunk_rows!r}.")
    m = len(columns)
    t = as_types(types, m)
    w, batched = as_weights(weights, m)
    if batched:
        raise ShapeError(
            f"`weights` must be one vector of {m} weights for streaming; got shape {w.shape}."
        )

    # Pass 1: column statistics.
    stats = None
    n = 0
    for batch in _batches(source, columns, chunk_rows):
        xt = _matrix(batch, columns)
        part = _kernels.column_stats_columns(
            xt, sumsq=normalization == "vector", total=normalization == "sum"
        )
        if not (np.isfinite(part.max).all() and np.isfinite(part.min).all()):
            col, row = (int(v) for v in np.argwhere(~np.isfinite(xt))[0])
            raise NonFiniteError(
                f"`source` must contain only finite numbers; got {xt[col, row]} at row {n + row}, "
                f"column {columns[col]!r}."
            )
        stats = _merge_stats(stats, part)
        n += xt.shape[1]
    if stats is None or n < 2:
        raise ShapeError(f"`source` must have at least 2 rows to rank; got {n}.")
    ideal, anti, scale, inv = geometry_from_stats(stats, t, normalization)
    coef = w * inv

    # Pass 2: scores, chunk by chunk.
    read_cols = [*columns, id_column] if id_column else list(columns)
    best_score = np.empty(0)
    best_row = np.empty(0, dtype=np.int64)
    best_dp = np.empty(0)
    best_dm = np.empty(0)
    best_id: list[Any] = []
    writer = None
    tmp_path = None
    offset = 0
    try:
        if output is not None:
            import pyarrow as pa
            import pyarrow.parquet as pq

            target = Path(output)
            fd, tmp_path = tempfile.mkstemp(
                dir=target.parent if str(target.parent) else ".", suffix=".parquet"
            )
            os.close(fd)
        for batch in _batches(source, read_cols, chunk_rows):
            xt = _matrix(batch, columns)
            dp, dm, sc = _kernels.distances_columns(xt, ideal, anti, coef, threads=threads)
            rows = np.arange(offset, offset + xt.shape[1])
            ids = batch.column(id_column).to_pylist() if id_column else None
            if output is not None:
                cols = {"row": rows, "score": sc, "d_ideal": dp, "d_anti_ideal": dm}
                table = pa.table({**({id_column: ids} if id_column else {}), **cols})
                if writer is None:
                    writer = pq.ParquetWriter(tmp_path, table.schema)
                writer.write_table(table)
            if top is not None:
                cand_score = np.concatenate([best_score, sc])
                cand_row = np.concatenate([best_row, rows])
                cand_dp = np.concatenate([best_dp, dp])
                cand_dm = np.concatenate([best_dm, dm])
                cand_id = best_id + (ids if ids is not None else [])
                if cand_score.size > top:
                    keep = np.argpartition(-cand_score, top - 1)[:top]
                else:
                    keep = np.arange(cand_score.size)
                best_score, best_row, best_dp, best_dm = (
                    cand_score[keep],
                    cand_row[keep],
                    cand_dp[keep],
                    cand_dm[keep],
                )
                if id_column:
                    best_id = [cand_id[i] for i in keep]
            offset += xt.shape[1]
        if writer is not None:
            writer.close()
            writer = None
            os.replace(tmp_path, Path(output))  # type: ignore[arg-type]
            tmp_path = None
    finally:
        if writer is not None:
            writer.close()
        if tmp_path is not None:
            Path(tmp_path).unlink(missing_ok=True)

    top_frame = None
    if top is not None:
        order = np.lexsort((best_row, -np.round(best_score, 12)))
        data: dict[str, Any] = {"row": best_row[order]}
        if id_column:
            data[id_column] = [best_id[i] for i in order]
        data.update(score=best_score[order], d_ideal=best_dp[order], d_anti_ideal=best_dm[order])
        top_frame = pd.DataFrame(data)
        from .results import rank_scores

        # Ranks among the kept rows equal global ranks: everything better is kept too.
        top_frame.insert(len(data) - 2, "rank", rank_scores(top_frame["score"].to_numpy()))
    return StreamedScores(
        n,
        top_frame,
        Path(output) if output is not None else None,
        ideal,
        anti,
        scale,
        w,
        normalization,
    )


def rank_parquet(
    source: str | Path,
    criteria: Any,
    *,
    top: int | None = 100,
    output: str | Path | None = None,
    id_column: str = "id",
    chunk_rows: int = 262_144,
    weights: Any = None,
) -> StreamedScores:
    """Rank a Parquet candidate set larger than memory under a criteria set (streamed).

    Screening rules need the whole table (e.g. "one per region"), so a set with screening
    rules is refused here; screen the data first (or use :func:`citymatch.rank` in memory).
    """
    from .models.criteria import load_criteria

    cs = load_criteria(criteria)
    if weights is not None:
        cs = cs.with_weights(weights)
    if cs.screening:
        raise CitymatchValueError(
            f"criteria set {cs.name!r} has screening rules, which need the whole table; screen the "
            "candidates first or use a set without rules for streamed ranking."
        )
    pa_dataset = _dataset_columns(source)
    idc = id_column if id_column in pa_dataset else None
    return topsis_parquet(
        source,
        cs.weights,
        cs.types,
        list(cs.columns),
        normalization=cs.normalization,
        id_column=idc,
        top=top,
        output=output,
        chunk_rows=chunk_rows,
    )


def _dataset_columns(source: str | Path) -> list[str]:
    import pyarrow.parquet as pq

    return list(pq.ParquetFile(_files(source)[0]).schema_arrow.names)


# --------------------------------------------------------------------------- Dask
def _dask_array(data: Any, columns: Sequence[str] | None) -> Any:
    import dask.array as da
    import dask.dataframe as dd

    if isinstance(data, (str, Path)):
        if columns is None:
            raise CitymatchValueError("`columns` is required with a Parquet path.")
        data = dd.read_parquet(str(data), columns=list(columns))
    if isinstance(data, dd.DataFrame):
        if columns is not None:
            data = data[list(columns)]
        data = data.to_dask_array(lengths=True)
    if not isinstance(data, da.Array):
        raise CitymatchError(
            f"`data` must be a dask array, a dask dataframe or a Parquet path; got {type(data).__name__}."
        )
    if data.ndim != 2:
        raise ShapeError(f"`data` must be 2-D (candidates × criteria); got {data.ndim}-D.")
    if data.chunks[1] != (data.shape[1],):
        data = data.rechunk({1: -1})
    return data


def _dask_stats(x: Any, norm: str, client: Any) -> _kernels.ColumnStats:
    import dask

    x64 = x.astype(np.float64)
    parts = [x64.max(axis=0), x64.min(axis=0)]
    if norm == "vector":
        parts.append((x64 * x64).sum(axis=0))
    if norm == "sum":
        parts.append(x64.sum(axis=0))
    res = client.compute(parts, sync=True) if client is not None else dask.compute(*parts)
    mx, mn = np.asarray(res[0]), np.asarray(res[1])
    ss = np.asarray(res[2]) if norm == "vector" else None
    sm = np.asarray(res[2]) if norm == "sum" else None
    return _kernels.ColumnStats(mx, mn, ss, sm)


def _client(client: Any) -> Any:
    if client is None or not isinstance(client, str):
        return client
    from distributed import Client

    return Client(client)  # a scheduler address: connect, never start a cluster


def topsis_dask(
    data: Any,
    weights: Any,
    types: Any,
    *,
    columns: Sequence[str] | None = None,
    normalization: str = "vector",
    client: Any = None,
) -> Any:
    """TOPSIS scores as a lazy ``dask.array`` (one weight vector), same answer as in memory.

    Pass 1 (column reductions) is computed at once; pass 2 is a ``map_blocks`` over row chunks
    that returns a lazy (N,) array of scores — compute it, or feed it to :func:`topk`.

    Parameters
    ----------
    data : dask.array (N, M), dask.dataframe, or Parquet path
    client : distributed.Client or scheduler address, optional
        Where to run; default: Dask's active scheduler.
    """
    _check_norm(normalization)
    cl = _client(client)
    x = _dask_array(data, columns)
    m = x.shape[1]
    t = as_types(types, m)
    w, batched = as_weights(weights, m)
    if batched:
        raise ShapeError(f"`weights` must be one vector of {m} weights here; got shape {w.shape}.")
    stats = _dask_stats(x, normalization, cl)
    if not (np.isfinite(stats.max).all() and np.isfinite(stats.min).all()):
        raise NonFiniteError("`data` must contain only finite numbers; a column has NaN or ±inf.")
    ideal, anti, _scale, inv = geometry_from_stats(stats, t, normalization)
    coef = w * inv

    def block(b: NDArray[np.floating]) -> F64:
        return _kernels.distances(b, ideal, anti, coef, threads=1)[2]

    return x.map_blocks(block, drop_axis=1, dtype=np.float64)


def topk(scores: Any, k: int, *, client: Any = None) -> pd.DataFrame:
    """The best ``k`` rows of a dask score array (``dask.array.argtopk``; never a full sort)."""
    import dask

    if not isinstance(k, (int, np.integer)) or k < 1:
        raise CitymatchValueError(f"`k` must be a positive integer; got {k!r}.")
    cl = _client(client)
    idx_lazy = scores.argtopk(int(k))
    idx = np.asarray(
        cl.compute(idx_lazy, sync=True) if cl is not None else dask.compute(idx_lazy)[0]
    )
    idx = np.sort(idx)
    vals_lazy = scores[idx]
    vals = np.asarray(
        cl.compute(vals_lazy, sync=True) if cl is not None else dask.compute(vals_lazy)[0]
    )
    order = np.lexsort((idx, -np.round(vals, 12)))
    from .results import rank_scores

    return pd.DataFrame({"row": idx[order], "score": vals[order], "rank": rank_scores(vals[order])})


def rank_acceptability_dask(
    data: Any,
    weights: Any,
    types: Any,
    *,
    samples: int = 1000,
    k: int = 10,
    columns: Sequence[str] | None = None,
    normalization: str = "vector",
    rng: Any = None,
    block: int = 256,
    client: Any = None,
) -> pd.DataFrame:
    """Probability of each candidate ranking first and in the top ``k`` under uniform weights.

    Chunked over samples (``block`` per task graph) and candidates (the array's row chunks):
    for each sample block the (N × block) scores exist only chunk by chunk, and only the top
    ``k`` indices of every sample come back — never the N × K score matrix.  Block b's weights
    are drawn from (seed, b), so results do not depend on the number of workers.

    Returns
    -------
    DataFrame
        ``row``, ``p_first``, ``p_top_k`` for every candidate that ever reached the top k.
    """
    import dask

    from .sensitivity import SAMPLE_BLOCK, _block_rng, _draw, _seed

    _check_norm(normalization)
    if not isinstance(samples, (int, np.integer)) or samples < 1:
        raise CitymatchValueError(f"`samples` must be a positive integer; got {samples!r}.")
    cl = _client(client)
    x = _dask_array(data, columns)
    n, m = x.shape
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
        raise CitymatchValueError(f"`k` must be an integer in 1..{n}; got {k!r}.")
    t = as_types(types, m)
    base, _ = as_weights(weights, m)
    stats = _dask_stats(x, normalization, cl)
    ideal, anti, _scale, inv = geometry_from_stats(stats, t, normalization)
    seed = _seed(rng)
    first = np.zeros(n)
    in_top = np.zeros(n)
    n_blocks = -(-int(samples) // SAMPLE_BLOCK)
    for b in range(n_blocks):
        size = min(SAMPLE_BLOCK, int(samples) - b * SAMPLE_BLOCK)
        wb = _draw(_block_rng(seed, b), size, m, "uniform", base, 1.0, None, None)
        for s0 in range(0, size, block):
            ws = wb[s0 : s0 + block]
            c2 = (ws * inv) ** 2  # (B, M)

            def scores(chunk: NDArray[np.floating], c2: F64 = c2) -> F64:
                u = (chunk - ideal) ** 2
                v = (chunk - anti) ** 2
                dp = np.sqrt(u @ c2.T)
                dm = np.sqrt(v @ c2.T)
                den = dp + dm
                out: F64 = np.divide(dm, den, out=np.full_like(den, 0.5), where=den > 0)
                return out

            s = x.astype(np.float64).map_blocks(
                scores, chunks=(x.chunks[0], (ws.shape[0],)), dtype=np.float64
            )
            top_lazy = s.argtopk(int(k), axis=0)  # (k, B): indices of each sample's top k
            idx = np.asarray(
                cl.compute(top_lazy, sync=True) if cl is not None else dask.compute(top_lazy)[0]
            )
            vals = np.asarray(
                cl.compute(
                    s.vindex[idx.ravel(), np.tile(np.arange(ws.shape[0]), idx.shape[0])], sync=True
                )
                if cl is not None
                else dask.compute(
                    s.vindex[idx.ravel(), np.tile(np.arange(ws.shape[0]), idx.shape[0])]
                )[0]
            ).reshape(idx.shape)
            winners = idx[np.argmax(vals, axis=0), np.arange(ws.shape[0])]
            np.add.at(first, winners, 1.0)
            np.add.at(in_top, idx.ravel(), 1.0)
    keep = np.flatnonzero(in_top > 0)
    return (
        pd.DataFrame(
            {"row": keep, "p_first": first[keep] / samples, "p_top_k": in_top[keep] / samples}
        )
        .sort_values("p_top_k", ascending=False, kind="stable")
        .reset_index(drop=True)
    )
