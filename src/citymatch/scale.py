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

from ._display import html_table
from ._validate import as_types, as_weights
from .errors import (
    CandidateDataError,
    CitymatchError,
    CitymatchTypeError,
    CitymatchValueError,
    NonFiniteError,
    ShapeError,
)
from .scoring import _kernels
from .scoring.ranks import rank_scores
from .scoring.topsis import NORMALIZATIONS, geometry_from_stats

__all__ = [
    "EXCLUDED_SAMPLE",
    "StreamedRanking",
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
        return html_table(self.to_frame(), repr(self))


class _TopK:
    """Running selection of the best ``k`` rows across chunks (``argpartition``, never a sort).

    Numeric fields are kept as arrays, labels (ids, names, kinds) as object arrays; memory is
    O(k + chunk), independent of N.
    """

    def __init__(self, k: int) -> None:
        self.k = k
        self.cols: dict[str, NDArray[Any]] = {}

    def push(self, score: F64, **cols: Any) -> None:
        new = {
            "score": score,
            **{
                c: np.asarray(v) if not isinstance(v, list) else _objects(v)
                for c, v in cols.items()
            },
        }
        cand = new if not self.cols else {c: np.concatenate([self.cols[c], new[c]]) for c in new}
        if cand["score"].size > self.k:
            keep = np.argpartition(-cand["score"], self.k - 1)[: self.k]
            cand = {c: v[keep] for c, v in cand.items()}
        self.cols = cand

    def ordered(self) -> dict[str, NDArray[Any]]:
        """Best first; equal scores (to 12 decimals) in source order."""
        if not self.cols:
            return {}
        order = np.lexsort((self.cols["row"], -np.round(self.cols["score"], 12)))
        return {c: v[order] for c, v in self.cols.items()}


def _objects(values: list[Any]) -> NDArray[Any]:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


class _ParquetSink:
    """Write chunks to a temporary Parquet file beside ``target``; rename it on success only."""

    def __init__(self, target: str | Path | None) -> None:
        self.target = None if target is None else Path(target)
        self.tmp: str | None = None
        self.writer: Any = None
        if self.target is not None:
            fd, self.tmp = tempfile.mkstemp(
                dir=self.target.parent if str(self.target.parent) else ".", suffix=".parquet"
            )
            os.close(fd)

    def write(self, columns: dict[str, Any]) -> None:
        if self.target is None:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table(columns)
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.tmp, table.schema)
        self.writer.write_table(table)

    def commit(self) -> Path | None:
        if self.target is None:
            return None
        if self.writer is None:  # nothing was scored: still leave a valid (empty) file
            return None
        self.writer.close()
        self.writer = None
        os.replace(self.tmp, self.target)  # type: ignore[arg-type]
        self.tmp = None
        return self.target

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        if self.tmp is not None:
            Path(self.tmp).unlink(missing_ok=True)


def _check_stream_args(top: Any, output: Any, chunk_rows: Any) -> None:
    if top is None and output is None:
        raise CitymatchValueError(
            "give `top` (keep the best k rows) or `output` (a Parquet file for all scores)."
        )
    if top is not None and (
        not isinstance(top, (int, np.integer)) or isinstance(top, bool) or top < 1
    ):
        raise CitymatchValueError(f"`top` must be a positive integer; got {top!r}.")
    if (
        not isinstance(chunk_rows, (int, np.integer))
        or isinstance(chunk_rows, bool)
        or chunk_rows < 1
    ):
        raise CitymatchValueError(f"`chunk_rows` must be a positive integer; got {chunk_rows!r}.")
    if output is not None and not Path(output).resolve().parent.is_dir():
        raise CitymatchValueError(
            f"`output` must be in an existing folder; got {str(output)!r} "
            f"({str(Path(output).resolve().parent)!r} does not exist)."
        )


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
    _check_stream_args(top, output, chunk_rows)
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
    best = _TopK(top) if top is not None else None
    sink = _ParquetSink(output)
    offset = 0
    try:
        for batch in _batches(source, read_cols, chunk_rows):
            xt = _matrix(batch, columns)
            dp, dm, sc = _kernels.distances_columns(xt, ideal, anti, coef, threads=threads)
            rows = np.arange(offset, offset + xt.shape[1])
            ids = {id_column: batch.column(id_column).to_pylist()} if id_column else {}
            sink.write({**ids, "row": rows, "score": sc, "d_ideal": dp, "d_anti_ideal": dm})
            if best is not None:
                best.push(sc, row=rows, d_ideal=dp, d_anti_ideal=dm, **ids)
            offset += xt.shape[1]
        out_path = sink.commit()
    finally:
        sink.close()

    top_frame = None
    if best is not None:
        kept = best.ordered()
        data: dict[str, Any] = {"row": kept["row"]}
        if id_column:
            data[id_column] = list(kept[id_column])
        data.update(score=kept["score"], d_ideal=kept["d_ideal"], d_anti_ideal=kept["d_anti_ideal"])
        top_frame = pd.DataFrame(data)
        # Ranks among the kept rows equal global ranks: everything better is kept too.
        top_frame.insert(len(data) - 2, "rank", rank_scores(top_frame["score"].to_numpy()))
    return StreamedScores(n, top_frame, out_path, ideal, anti, scale, w, normalization)


@dataclass(frozen=True, repr=False, eq=False)
class StreamedRanking(StreamedScores):
    """Result of a streamed :func:`citymatch.rank` (``top=`` or ``output=`` on Parquet).

    Attributes
    ----------
    n : int
        Candidates ranked (after screening and missing-value handling).
    top : DataFrame or None
        The best ``top`` candidates, best first: ``row`` (position in the source), ``id``,
        ``name`` and ``kind`` (when present), ``score``, ``rank``, ``d_ideal``,
        ``d_anti_ideal`` and ``contrib_<criterion>`` — the same columns and values as the
        in-memory :class:`citymatch.Ranking` table.
    output : Path or None
        Parquet file with ``row``, ``id``, ``score``, ``d_ideal``, ``d_anti_ideal`` for every
        ranked candidate (in source order), if requested.
    criteria : CriteriaSet
        The set used (with the weights actually used).
    n_excluded, excluded : int, DataFrame
        How many candidates were screened out or dropped, and the first
        :data:`EXCLUDED_SAMPLE` of them (``id``, ``rule``, ``reason``).
    n_filled, filled : int, DataFrame
        How many values ``missing="worst"`` filled, and the first :data:`EXCLUDED_SAMPLE`.
    """

    criteria: Any = None
    n_excluded: int = 0
    excluded: pd.DataFrame | None = None
    n_filled: int = 0
    filled: pd.DataFrame | None = None

    def __repr__(self) -> str:
        k = 0 if self.top is None else len(self.top)
        out = f", scores in {self.output}" if self.output else ""
        name = getattr(self.criteria, "name", "?")
        return (
            f"StreamedRanking({name}: {self.n:,} ranked, {self.n_excluded:,} excluded, "
            f"top {k} kept{out}, {self.normalization} normalisation)"
        )


#: Rows of ``excluded`` / ``filled`` kept in a streamed ranking (the counts are exact).
EXCLUDED_SAMPLE = 1_000


def _rank_streamed(
    candidates: Any,
    cs: Any,
    *,
    normalization: str | None,
    missing: str,
    screening: bool,
    id_column: str,
    name_column: str,
    kind_column: str,
    ideal: Any,
    anti_ideal: Any,
    top: int | None,
    output: str | Path | None,
    chunk_rows: int,
    threads: int | None,
) -> StreamedRanking:
    """Two streaming passes with the in-memory rank's steps, chunk by chunk (see ``rank``)."""
    from ._validate import as_point
    from .rank import (
        check_columns,
        check_ids,
        contributions,
        criteria_values,
        dropped_frame,
        fill_worst,
        fixed_point,
        ids_of,
        worst_values,
    )
    from .screening import occupancy_counts, screen

    if not isinstance(candidates, (str, os.PathLike)):
        raise CitymatchTypeError(
            "`candidates` must be a path to a Parquet file or folder for a streamed ranking "
            f"(`top=` or `output=`); got {type(candidates).__name__}. Rank a table in memory "
            "without `top`/`output`, then use Ranking.top(k)."
        )
    _check_stream_args(top, output, chunk_rows)
    candidates = Path(candidates)
    norm = normalization or cs.normalization
    _check_norm(norm)
    names = _dataset_columns(candidates)
    check_columns(names, cs)
    m = len(cs.criteria)
    t = cs.types
    w = cs.weights
    fi = as_point(fixed_point(ideal, cs, "ideal"), m, name="ideal")
    fa = as_point(fixed_point(anti_ideal, cs, "anti_ideal"), m, name="anti_ideal")
    rules = tuple(cs.screening) if screening else ()
    applies_to = cs.applies_to if screening else None
    wanted = [*cs.columns, id_column, name_column, kind_column]
    wanted += [c for r in rules for c in (r.column, str(r.occupied or "")) if c]
    read_cols = [c for c in dict.fromkeys(wanted) if c in names]

    # Pass 0 (only for table-wide rules): occupied rows per group / in all.
    occupancy: dict[str, Any] | None = None
    wide = [r for r in rules if r.kind in ("max_total", "max_per_group")]
    if wide:
        occ_cols = [c for c in read_cols if any(c in (r.column, str(r.occupied)) for r in wide)]
        occupancy = {}
        for batch in _batches(candidates, occ_cols, chunk_rows):
            occupancy_counts(batch.to_pandas(), wide, into=occupancy)
        for r in wide:
            occupancy.setdefault(r.id, 0 if r.kind == "max_total" else pd.Series(dtype=np.int64))

    def chunks() -> Iterator[tuple[F64, pd.Series, pd.DataFrame, NDArray[np.int64], pd.DataFrame]]:
        offset = 0
        for batch in _batches(candidates, read_cols, chunk_rows):
            table = batch.to_pandas()
            ids = ids_of(table, id_column, offset)
            check_ids(ids, unique=False, offset=offset)
            pos = np.arange(offset, offset + len(table))
            excl = pd.DataFrame(columns=["id", "rule", "reason"])
            if rules or applies_to:
                kind = table[kind_column] if kind_column in table.columns else None
                kept, excl = screen(
                    table, rules, ids=ids, kind=kind, applies_to=applies_to, occupancy=occupancy
                )
                keep = kept.to_numpy()
                table, ids, pos = table[keep], ids[keep], pos[keep]
            values = criteria_values(table, cs, ids)
            yield values.to_numpy(), ids, table, pos, excl
            offset += batch.num_rows

    excluded: list[pd.DataFrame] = []
    n_excluded = 0

    def note_excluded(frame: pd.DataFrame) -> None:
        nonlocal n_excluded
        n_excluded += len(frame)
        room = EXCLUDED_SAMPLE - sum(len(f) for f in excluded)
        if room > 0 and len(frame):
            excluded.append(frame.head(room))

    # Pass 1: checks, exclusions and column statistics of the candidates that will be ranked.
    stats: _kernels.ColumnStats | None = None
    n = 0
    holes = np.zeros(m, dtype=np.int64)
    hole_rows = 0
    hole_examples: list[str] = []
    for arr, ids, _table, _pos, excl in chunks():
        note_excluded(excl)
        nan = np.isnan(arr)
        if nan.any():
            bad = np.asarray(nan.any(axis=1), dtype=bool)
            if missing == "error":
                hole_rows += int(bad.sum())
                for r in np.flatnonzero(bad)[: max(0, 5 - len(hole_examples))]:
                    cols = [cs.criteria[c].column for c in np.flatnonzero(nan[r])]
                    hole_examples.append(f"{ids.iloc[r]!r}: {cols}")
                continue
            if missing == "drop":
                note_excluded(dropped_frame(bad, nan, ids, cs))
                arr = arr[~bad]
                nan = nan[~bad]
            else:
                holes += nan.sum(axis=0)
        if not len(arr):
            continue
        if nan.any():  # missing="worst": statistics of the observed values; holes added below
            part = _kernels.ColumnStats(
                np.max(arr, axis=0, initial=-np.inf, where=~nan),
                np.min(arr, axis=0, initial=np.inf, where=~nan),
                np.where(nan, 0.0, arr * arr).sum(axis=0),
                np.where(nan, 0.0, arr).sum(axis=0),
            )
        else:
            part = _kernels.column_stats(arr, sumsq=True, total=True, threads=threads)
        stats = _merge_stats(stats, part)
        n += len(arr)
    if hole_rows:
        more = f" (and {hole_rows - 5} more)" if hole_rows > 5 else ""
        raise CandidateDataError(
            f"`candidates` has missing values in criterion columns for {hole_rows} candidate(s): "
            f"{'; '.join(hole_examples)}{more}. Pass missing='drop' or missing='worst', or fill them."
        )
    if stats is None or n < 2:
        raise CandidateDataError(
            f"`candidates` must leave at least 2 candidates to rank after screening and missing-value "
            f"handling; {n} left ({n_excluded} excluded)."
        )
    worst = None
    if holes.any():
        worst = worst_values(stats.max, stats.min, holes > 0, cs)
        filled_add = np.where(holes > 0, worst, 0.0)
        stats = _kernels.ColumnStats(
            stats.max,
            stats.min,
            None if stats.sumsq is None else stats.sumsq + holes * filled_add**2,
            None if stats.sum is None else stats.sum + holes * filled_add,
        )
    ideal_pt, anti_pt, scale, inv = geometry_from_stats(stats, t, norm, fi, fa)
    coef = w * inv

    # Pass 2: the same chunks again, scored.
    best = _TopK(top) if top is not None else None
    sink = _ParquetSink(output)
    filled: list[dict[str, Any]] = []
    n_filled = 0
    try:
        for arr, ids, table, pos, _excl in chunks():
            nan = np.isnan(arr)
            if nan.any():
                if missing == "drop":
                    keep = np.flatnonzero(~nan.any(axis=1))
                    arr, pos = arr[keep], pos[keep]
                    ids, table = ids.iloc[keep], table.iloc[keep]
                else:
                    assert worst is not None  # pass 1 saw the same holes
                    arr, rows = fill_worst(arr, nan, worst, ids, cs)
                    n_filled += len(rows)
                    filled += rows[: max(0, EXCLUDED_SAMPLE - len(filled))]
            if not len(arr):
                continue
            dp, dm, sc = _kernels.distances(arr, ideal_pt, anti_pt, coef, threads=threads)
            id_list = ids.tolist()
            sink.write({"row": pos, "id": id_list, "score": sc, "d_ideal": dp, "d_anti_ideal": dm})
            if best is not None:
                labels = {
                    c: table[col].tolist()
                    for c, col in (("name", name_column), ("kind", kind_column))
                    if col in table.columns
                }
                best.push(sc, row=pos, id=id_list, d_ideal=dp, d_anti_ideal=dm, x=arr, **labels)
        out_path = sink.commit()
    finally:
        sink.close()

    top_frame = None
    if best is not None:
        kept = best.ordered()
        data: dict[str, Any] = {"row": kept["row"], "id": list(kept["id"])}
        for c in ("name", "kind"):
            if c in kept:
                data[c] = list(kept[c])
        data["score"] = kept["score"]
        data["rank"] = rank_scores(kept["score"])
        data["d_ideal"] = kept["d_ideal"]
        data["d_anti_ideal"] = kept["d_anti_ideal"]
        contrib = contributions(
            kept["x"], w, scale, ideal_pt, anti_pt, kept["d_ideal"], kept["d_anti_ideal"]
        )
        for j, cid in enumerate(cs.ids):
            data[f"contrib_{cid}"] = contrib[:, j]
        top_frame = pd.DataFrame(data)
    return StreamedRanking(
        n,
        top_frame,
        out_path,
        ideal_pt,
        anti_pt,
        scale,
        w,
        norm,
        criteria=cs,
        n_excluded=n_excluded,
        excluded=(
            pd.concat(excluded, ignore_index=True)
            if excluded
            else pd.DataFrame(columns=["id", "rule", "reason"])
        ),
        n_filled=n_filled,
        filled=pd.DataFrame(filled, columns=["id", "criterion", "value"]),
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
) -> StreamedRanking:
    """Rank a Parquet candidate set larger than memory under a criteria set (streamed).

    The same as ``citymatch.rank(source, criteria, top=top, output=output, ...)``: screening
    rules, missing-value handling and checks included; kept for code written against 0.1.
    """
    from .models.criteria import load_criteria
    from .rank import _resolve_weights

    cs = _resolve_weights(load_criteria(criteria), weights)
    return _rank_streamed(
        source,
        cs,
        normalization=None,
        missing="error",
        screening=True,
        id_column=id_column,
        name_column="name",
        kind_column="kind",
        ideal=None,
        anti_ideal=None,
        top=top,
        output=output,
        chunk_rows=chunk_rows,
        threads=None,
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


def _block_stats(b: NDArray[np.floating]) -> F64:
    """(4, M) max / min / Σx² / Σx of one Dask block, with the in-memory kernel."""
    st = _kernels.column_stats(np.asarray(b), sumsq=True, total=True, threads=1, jit=True)
    return np.stack([st.max, st.min, st.sumsq, st.sum])  # type: ignore[list-item]


def _dask_stats(x: Any, norm: str, client: Any) -> _kernels.ColumnStats:
    """Pass 1 on Dask: one kernel call per block (a single read of it), combined here."""
    import dask

    parts = [dask.delayed(_block_stats)(b) for b in x.to_delayed().ravel()]
    res = client.compute(parts, sync=True) if client is not None else dask.compute(*parts)
    st = np.stack([np.asarray(r) for r in res])  # (blocks, 4, M)
    return _kernels.ColumnStats(
        st[:, 0].max(axis=0),
        st[:, 1].min(axis=0),
        st[:, 2].sum(axis=0) if norm == "vector" else None,
        st[:, 3].sum(axis=0) if norm == "sum" else None,
    )


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
        return _kernels.distances(b, ideal, anti, coef, threads=1, jit=True)[2]

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

    from .sampling import SAMPLE_BLOCK, block_rng, draw, seed_sequence

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
    seed = seed_sequence(rng)
    first = np.zeros(n)
    in_top = np.zeros(n)
    n_blocks = -(-int(samples) // SAMPLE_BLOCK)
    for b in range(n_blocks):
        size = min(SAMPLE_BLOCK, int(samples) - b * SAMPLE_BLOCK)
        wb = draw(block_rng(seed, b), size, m, "uniform", base, 1.0, None, None)
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
