"""Candidate sets larger than memory: Parquet files and folders, streamed in two passes.

:func:`topsis_parquet` is the bare kernel over Parquet columns; :func:`rank_parquet` is
:func:`citymatch.rank` for a source that does not fit in memory — the same table steps
(:mod:`citymatch.candidates`) and the same two-pass driver
(:mod:`citymatch.scoring.streaming`), chunk by chunk.  Memory follows ``chunk_rows``, not N.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from .._progress import counted, progress_bar
from .._util import atomic_output, check_output_not_input, require
from .._validate import CriterionTypes, as_point, as_types, as_weights, check_int, check_threads
from ..candidates import (
    EXCLUDED_COLUMNS,
    Missing,
    MissingValues,
    Prepared,
    check_columns,
    check_missing_policy,
    contributions,
    method_and_options,
    prepare,
    resolve_weights,
    too_few,
    topsis_settings,
)
from ..errors import CandidateDataError, CitymatchValueError, NonFiniteError, ShapeError
from ..io import arrow_errors, naming_source, parquet_error, parquet_files, parquet_rows
from ..models.criteria import CriteriaSet, load_criteria
from ..scoring.geometry import Normalization, check_normalization, geometry_from_stats
from ..scoring.ranks import rank_scores
from ..scoring.registry import require_path
from ..scoring.stats import ColumnStats, merge_stats, observed_stats, with_fills
from ..scoring.streaming import Chunk, chunk_stats, column_statistics, score_chunks
from ..screening import occupancy_counts
from .streamed import EXCLUDED_SAMPLE, StreamedRanking, StreamedScores

__all__ = ["EXCLUDED_SAMPLE", "StreamedRanking", "StreamedScores", "rank_parquet", "topsis_parquet"]

F64 = NDArray[np.float64]
PathLike = str | os.PathLike[str]

#: Default rows per chunk.
CHUNK_ROWS = 262_144


# --------------------------------------------------------------------------- reading
def source_files(source: PathLike) -> list[Path]:
    """The Parquet files of a file or folder (sorted), or a clear error."""
    path = Path(source)
    if not path.exists():
        raise CitymatchValueError(f"`source` {str(path)!r} does not exist.")
    files = parquet_files(path)
    if not files:
        raise CitymatchValueError(f"`source` {str(path)!r} holds no .parquet files.")
    return files


def _where(source: PathLike) -> str:
    return f"`source` {str(source)!r}"


def dataset_schema(source: PathLike) -> object:
    """The Arrow schema of a Parquet source (its first file's footer); a bad file is named."""
    pq = require("pyarrow.parquet", "streaming Parquet")
    first = source_files(source)[0]
    if first.stat().st_size == 0:
        named = "" if first == Path(source) else f": file {str(first)!r}"
        raise CandidateDataError(f"{_where(source)}{named} is empty (0 bytes).")
    try:
        return pq.ParquetFile(first).schema_arrow
    except arrow_errors() as exc:
        raise parquet_error(Path(source), _where(source), exc) from exc


def dataset_columns(source: PathLike) -> list[str]:
    """Column names of a Parquet source (from its first file's footer)."""
    return list(dataset_schema(source).names)  # type: ignore[attr-defined]


def check_numeric_types(source: PathLike, columns: Sequence[str]) -> None:
    """Refuse criterion columns whose Parquet type is not a number (int, float, decimal, bool)."""
    pa = require("pyarrow", "streaming Parquet")
    schema = dataset_schema(source)
    for c in columns:
        if c not in schema.names:  # type: ignore[attr-defined]
            continue  # batches() names every missing column
        t = schema.field(c).type  # type: ignore[attr-defined]
        if not any(
            f(t) for f in (pa.types.is_integer, pa.types.is_floating, pa.types.is_decimal,
                           pa.types.is_boolean, pa.types.is_null)
        ):  # fmt: skip
            raise CandidateDataError(
                f"{_where(source)} column {c!r} must have a numeric Parquet type (integer, "
                f"floating point, decimal or boolean); got {t}."
            )


def batches(source: PathLike, columns: Sequence[str], chunk_rows: int) -> Iterator[object]:
    """Record batches of ``columns`` from a Parquet file or folder (a pyarrow dataset).

    No pre-buffering of whole files and read-ahead bounded to one batch and one file: memory
    follows the chunk and the row-group size, never the file or the data set.  A corrupt,
    truncated or not-Parquet file — found when the data set is opened or while its batches
    are read — is a :class:`CandidateDataError` naming the file.
    """
    ds = require("pyarrow.dataset", "streaming Parquet")
    files = source_files(source)
    errors = arrow_errors()
    fmt = ds.ParquetFileFormat(
        default_fragment_scan_options=ds.ParquetFragmentScanOptions(pre_buffer=False)
    )
    try:
        dataset = ds.dataset([str(f) for f in files], format=fmt)
    except errors as exc:
        raise parquet_error(Path(source), _where(source), exc) from exc
    missing = [c for c in columns if c not in dataset.schema.names]
    if missing:
        raise CitymatchValueError(
            f"`source` {str(source)!r} lacks column(s) {missing}; it has {dataset.schema.names}."
        )
    it = iter(
        dataset.to_batches(
            columns=list(columns), batch_size=chunk_rows, batch_readahead=1, fragment_readahead=1
        )
    )
    while True:
        try:
            batch = next(it)
        except StopIteration:
            return
        except errors as exc:
            raise parquet_error(Path(source), _where(source), exc) from exc
        yield batch


def _columns_matrix(batch: object, criteria_columns: Sequence[str]) -> NDArray[np.floating]:
    """The chunk as a (rows × M) view of column-major data: Parquet is columnar."""
    cols = [batch.column(c).to_numpy(zero_copy_only=False) for c in criteria_columns]  # type: ignore[attr-defined]
    dtype = np.float32 if all(c.dtype == np.float32 for c in cols) else np.float64
    return np.vstack([c.astype(dtype, copy=False) for c in cols]).T


@contextmanager
def _parquet_sink(
    target: PathLike | None,
) -> Iterator[Callable[[dict[str, object]], None] | None]:
    """A writer of score chunks to ``target``, atomically (all or nothing), or None."""
    if target is None:
        yield None
        return
    pa = require("pyarrow", "writing Parquet")
    pq = require("pyarrow.parquet", "writing Parquet")
    with atomic_output(target, name="output") as tmp:
        writer = None

        def write(columns: dict[str, object]) -> None:
            nonlocal writer
            table = pa.table(columns)
            if writer is None:
                writer = pq.ParquetWriter(str(tmp), table.schema)
            writer.write_table(table)

        try:
            yield write
        finally:
            if writer is not None:
                writer.close()


def _check_stream_args(
    source: PathLike,
    top: object,
    output: PathLike | None,
    chunk_rows: object,
    also_read: Sequence[object] = (),
) -> None:
    if top is None and output is None:
        raise CitymatchValueError(
            "give `top` (keep the best k rows) or `output` (a Parquet file for all scores)."
        )
    for name, value in (("top", top), ("chunk_rows", chunk_rows)):
        if name == "top" and value is None:
            continue
        check_int(value, name=name)
    if output is None:
        return
    out = Path(output).resolve()
    if not out.parent.is_dir():
        raise CitymatchValueError(
            f"`output` must be in an existing folder; got {str(output)!r} "
            f"({str(out.parent)!r} does not exist)."
        )
    check_output_not_input(output, [source], name="output", role="source")
    others = [p for p in also_read if isinstance(p, (str, os.PathLike))]  # e.g. a criteria file
    if others:
        check_output_not_input(output, others, name="output", role="criteria file")


# --------------------------------------------------------------------------- topsis_parquet
def topsis_parquet(
    source: PathLike,
    weights: ArrayLike,
    types: CriterionTypes,
    columns: Sequence[str],
    *,
    normalization: Normalization = "vector",
    id_column: str | None = None,
    top: int | None = None,
    output: PathLike | None = None,
    chunk_rows: int = CHUNK_ROWS,
    threads: int | None = None,
    progress: bool | None = None,
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
        Keep the best ``top`` rows in memory (running selection; never a sort of N scores).
    output : path, optional
        Write every row's ``score``, ``d_ideal``, ``d_anti_ideal`` (and id) to this Parquet
        file, atomically (nothing is left behind on failure).  Not the source itself.
    chunk_rows : int, default 262,144
        Rows per chunk: peak memory ≈ a few × chunk_rows × M values (plus one Parquet row
        group being decoded), independent of N.
    progress : bool or None
        A progress bar over the rows of both passes, as for :func:`rank_parquet`.

    Returns
    -------
    StreamedScores
    """
    norm = check_normalization(normalization)
    check_threads(threads)  # before any pass over the source
    _check_stream_args(source, top, output, chunk_rows)
    m = len(columns)
    t = as_types(types, m)
    w, batched = as_weights(weights, m)
    if batched:
        raise ShapeError(
            f"`weights` must be one vector of {m} weights for streaming; got shape {w.shape}."
        )

    check_numeric_types(source, columns)

    def nonfinite(x: NDArray[np.floating], offset: int) -> Exception:
        row, col = (int(v) for v in np.argwhere(~np.isfinite(x))[0])
        return NonFiniteError(
            f"`source` must contain only finite numbers; got {x[row, col]} at row "
            f"{offset + row}, column {columns[col]!r}."
        )

    bar = progress_bar(
        lambda: 2 * parquet_rows(Path(source)), "topsis_parquet", progress, unit="rows"
    )
    stats, n = column_statistics(
        (
            _columns_matrix(b, columns)
            for b in counted(batches(source, columns, chunk_rows), bar, len)
        ),
        norm=norm,
        on_nonfinite=nonfinite,
    )
    if stats is None or n < 2:
        raise ShapeError(f"`source` must have at least 2 rows to rank; got {n}.")
    ideal, anti, scale, inv = geometry_from_stats(stats, t, norm)
    read_cols = [*columns, id_column] if id_column else list(columns)

    def chunks() -> Iterator[Chunk]:
        offset = 0
        for b in counted(batches(source, read_cols, chunk_rows), bar, len):
            x = _columns_matrix(b, columns)
            labels = {id_column: b.column(id_column).to_pylist()} if id_column else {}  # type: ignore[attr-defined]
            yield Chunk(x, np.arange(offset, offset + x.shape[0], dtype=np.int64), labels)
            offset += x.shape[0]

    with _parquet_sink(output) as sink:
        kept = score_chunks(chunks(), ideal, anti, w * inv, top=top, sink=sink, threads=threads)
    bar.close()
    top_frame = None
    if top is not None:
        data: dict[str, object] = {"row": kept["row"]}
        if id_column:
            data[id_column] = list(kept[id_column])
        data["score"] = kept["score"]
        # Ranks among the kept rows equal global ranks: everything better is kept too.
        data["rank"] = rank_scores(kept["score"].astype(np.float64))
        data.update(d_ideal=kept["d_ideal"], d_anti_ideal=kept["d_anti_ideal"])
        top_frame = pd.DataFrame(data)
    return StreamedScores(
        n, top_frame, None if output is None else Path(output), ideal, anti, scale, w, norm
    )


# --------------------------------------------------------------------------- rank_parquet
def rank_parquet(
    source: PathLike,
    criteria: CriteriaSet | PathLike,
    *,
    top: int | None = 100,
    output: PathLike | None = None,
    weights: Mapping[str, float] | pd.Series | ArrayLike | None = None,
    normalization: Normalization | None = None,
    missing: Missing = "error",
    screening: bool = True,
    id_column: str = "id",
    name_column: str = "name",
    kind_column: str = "kind",
    ideal: Mapping[str, float] | ArrayLike | None = None,
    anti_ideal: Mapping[str, float] | ArrayLike | None = None,
    chunk_rows: int = CHUNK_ROWS,
    threads: int | None = None,
    method: str | None = None,
    method_options: Mapping[str, object] | None = None,
    progress: bool | None = None,
) -> StreamedRanking:
    """:func:`citymatch.rank` for a Parquet file or folder larger than memory (streamed).

    The same steps as in memory — screening rules (table-wide caps counted in a first
    pass over their columns only), ``applies_to`` kinds, numeric and range checks, the
    ``missing`` policy, fixed ideal points and exact contributions for the kept rows —
    run chunk by chunk in two passes: column statistics, then scores.

    Parameters
    ----------
    source : path
        A Parquet file or a folder of Parquet files.
    criteria, weights, normalization, missing, screening, id_column, name_column,
    kind_column, ideal, anti_ideal, threads
        As in :func:`citymatch.rank`.
    top : int or None, default 100
        Keep the best ``top`` candidates in memory (ids, names, kinds, ranks,
        contributions).
    output : path, optional
        Write every ranked candidate's ``row``, ``id``, ``score``, ``d_ideal`` and
        ``d_anti_ideal`` to this Parquet file (atomically).  With ``top`` both happen.
    chunk_rows : int, default 262,144
        Rows per chunk.
    method : str, optional
        The scoring method (default: the set's).  Streaming needs only column statistics,
        which TOPSIS alone uses today; any other method is refused with the paths it
        supports (rank a shortlist in memory with ``citymatch.rank(method=...)``).
    method_options : mapping, optional
        TOPSIS's options (``normalization``, ``ideal``, ``anti_ideal``), as in
        :func:`citymatch.rank`: default the set's when the method is the set's own; an
        explicit ``normalization``, ``ideal`` or ``anti_ideal`` argument wins over them.
    progress : bool or None, default None
        A bar on standard error over the rows both passes read (None: on a terminal after 2 s).

    Returns
    -------
    StreamedRanking

    Notes
    -----
    Ids are not checked for uniqueness (that needs memory in N); the row position in the
    source (``row``) identifies every candidate.
    """
    check_threads(threads)  # before any pass over the source
    if not isinstance(source, (str, os.PathLike)):
        raise CitymatchValueError(
            "`source` must be a path to a Parquet file or folder; got "
            f"{type(source).__name__}. Rank a table in memory with citymatch.rank()."
        )
    policy = MissingValues(
        check_missing_policy(missing), resolve_weights(load_criteria(criteria), weights)
    )
    cs = policy.cs
    spec, options = method_and_options(cs, method, method_options)
    require_path(spec.name, "stream")  # TOPSIS streams
    _check_stream_args(source, top, output, chunk_rows, also_read=[criteria])
    norm_s, ideal, anti_ideal = topsis_settings(cs, options, normalization, ideal, anti_ideal)
    norm = check_normalization(norm_s)
    names = dataset_columns(source)
    with naming_source(source):
        check_columns(names, cs)
    m = len(cs.criteria)
    fi = as_point(ideal, m, name="ideal")
    fa = as_point(anti_ideal, m, name="anti_ideal")
    rules = tuple(cs.screening) if screening else ()
    wanted = [*cs.columns, id_column, name_column, kind_column]
    wanted += [c for r in rules for c in (r.column, str(r.occupied or "")) if c]
    read_cols = [c for c in dict.fromkeys(wanted) if c in names]
    occupancy = _occupancy(source, rules, read_cols, chunk_rows)
    bar = progress_bar(
        lambda: 2 * parquet_rows(Path(source)), "rank_parquet", progress, unit="rows"
    )

    def prepared() -> Iterator[Prepared]:
        offset = 0
        for batch in counted(batches(source, read_cols, chunk_rows), bar, len):
            table = batch.to_pandas()  # type: ignore[attr-defined]
            yield prepare(
                table, cs, screening=screening, id_column=id_column, kind_column=kind_column,
                unique_ids=False, offset=offset, occupancy=occupancy,
            )  # fmt: skip
            offset += len(table)

    excluded = _Excluded()
    with naming_source(source):  # a bad cell names the file and the row
        stats, n = _first_pass(prepared(), policy, excluded)
    ideal_pt, anti_pt, scale, inv = geometry_from_stats(stats, cs.types, norm, fi, fa)
    w = cs.weights

    # Pass 2: the same chunks again, filled and scored.
    def chunks() -> Iterator[Chunk]:
        for chunk in prepared():
            ch = policy.apply(chunk, keep_rows=EXCLUDED_SAMPLE)
            labels: dict[str, NDArray[np.generic] | list[object]] = {"id": ch.ids.tolist()}
            for c, col in (("name", name_column), ("kind", kind_column)):
                if top is not None and col in ch.table.columns:
                    labels[c] = ch.table[col].tolist()
            yield Chunk(ch.values, ch.pos, labels)

    with _parquet_sink(output) as sink:
        kept = score_chunks(
            chunks(), ideal_pt, anti_pt, w * inv, top=top, sink=_ids_only(sink), threads=threads,
            keep_x=True,
        )  # fmt: skip
    bar.close()
    top_frame = None
    if top is not None:
        top_frame = _ranked_top(kept, cs, w, scale, ideal_pt, anti_pt)
    return StreamedRanking(
        n=n,
        top=top_frame,
        output=None if output is None else Path(output),
        criteria=cs,
        ideal=ideal_pt,
        anti_ideal=anti_pt,
        scale=scale,
        weights=w,
        normalization=norm,
        n_excluded=excluded.count,
        excluded=excluded.frame(),
        n_filled=policy.n_filled,
        filled=policy.filled_frame(),
    )


def _first_pass(
    chunks: Iterator[Prepared], policy: MissingValues, excluded: _Excluded
) -> tuple[ColumnStats, int]:
    """Pass 1: exclusions, the missing-value policy and the statistics of what is ranked."""
    parts: list[ColumnStats] = []
    n = 0
    for chunk in chunks:
        excluded.add(chunk.excluded)
        observed, nan, dropped = policy.observe(chunk)
        excluded.add(dropped)
        if len(observed.values):
            holes = nan.any()
            part = observed_stats(observed.values, nan) if holes else None
            parts.append(part or chunk_stats(observed.values, sumsq=True, total=True))
            n += len(observed.values)
    policy.check()
    if n == 0:
        raise too_few(n, excluded.count)
    stats = merge_stats(parts)
    # in citymatch.rank's order: a column with no value at all, then too few candidates
    worst = policy.set_worst(stats.max, stats.min)
    if n < 2:
        raise too_few(n, excluded.count)
    return (stats if worst is None else with_fills(stats, policy.holes, worst)), n


def _occupancy(
    source: PathLike, rules: Sequence[object], read_cols: list[str], chunk_rows: int
) -> dict[str, object] | None:
    """Pass 0, only for table-wide rules: occupied rows per group / in all."""
    wide = [r for r in rules if r.kind in ("max_total", "max_per_group")]  # type: ignore[attr-defined]
    if not wide:
        return None
    occ_cols = [c for c in read_cols if any(c in (r.column, str(r.occupied)) for r in wide)]  # type: ignore[attr-defined]
    counts: dict[str, object] = {}
    for batch in batches(source, occ_cols, chunk_rows):
        occupancy_counts(batch.to_pandas(), wide, into=counts)  # type: ignore[attr-defined, arg-type]
    for r in wide:
        counts.setdefault(r.id, 0 if r.kind == "max_total" else pd.Series(dtype=np.int64))  # type: ignore[attr-defined]
    return counts


class _Excluded:
    """Excluded rows: an exact count and the first :data:`EXCLUDED_SAMPLE` rows."""

    def __init__(self) -> None:
        self.count = 0
        self.parts: list[pd.DataFrame] = []
        self.kept = 0

    def add(self, frame: pd.DataFrame) -> None:
        self.count += len(frame)
        room = EXCLUDED_SAMPLE - self.kept
        if room > 0 and len(frame):
            self.parts.append(frame.head(room))
            self.kept += min(room, len(frame))

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=EXCLUDED_COLUMNS)
        return pd.concat(self.parts, ignore_index=True)


def _ids_only(
    sink: Callable[[dict[str, object]], None] | None,
) -> Callable[[dict[str, object]], None] | None:
    """The output file of a streamed ranking holds row, id, score and the distances."""
    if sink is None:
        return None
    keep = ("row", "id", "score", "d_ideal", "d_anti_ideal")

    def write(columns: dict[str, object]) -> None:
        sink({c: columns[c] for c in keep})

    return write


def _ranked_top(
    kept: Mapping[str, NDArray[np.generic]],
    cs: CriteriaSet,
    w: F64,
    scale: F64,
    ideal: F64,
    anti: F64,
) -> pd.DataFrame:
    """The kept rows as the in-memory Ranking's table: ranks and contributions."""
    data: dict[str, object] = {"row": kept["row"], "id": list(kept["id"])}
    for c in ("name", "kind"):
        if c in kept:
            data[c] = list(kept[c])
    score = kept["score"].astype(np.float64)
    d_ideal = kept["d_ideal"].astype(np.float64)
    d_anti = kept["d_anti_ideal"].astype(np.float64)
    data.update(score=score, rank=rank_scores(score), d_ideal=d_ideal, d_anti_ideal=d_anti)
    x = np.asarray(kept["x"], dtype=np.float64).reshape(len(score), -1)
    contrib = contributions(x, w, scale, ideal, anti, d_ideal, d_anti)
    for j, cid in enumerate(cs.ids):
        data[f"contrib_{cid}"] = contrib[:, j]
    return pd.DataFrame(data)
