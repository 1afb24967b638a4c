"""Table steps every ranking path shares: ids, columns, screening, values, missing values.

A criterion is **yes/no** when its ``unit`` says so (``"0/1"``, ``"yes/no"``, ``"boolean"``,
``"binary"``, ``"true/false"``, ``"y/n"``; see :func:`is_binary`): its column may then hold
the common spellings ``Yes``/``No``, ``True``/``False``, ``Y``/``N``, ``1``/``0`` (any case),
read as 1/0, and nothing else.  Every other criterion column must hold numbers.

The in-memory :func:`citymatch.rank` treats its table as one chunk; the streamed
:func:`citymatch.scale.rank_parquet` runs the very same steps chunk by chunk.  So a candidate
is screened, converted, checked, dropped or filled identically on both paths, with the same
messages, and the missing-value policy is one object (:class:`MissingValues`) that sees the
data in one or many chunks.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from ._validate import point_by_id
from .errors import (
    CandidateDataError,
    CellError,
    CitymatchValueError,
    MissingValuesError,
    NonFiniteError,
)
from .models.criteria import CriteriaSet, Criterion
from .scoring.registry import MethodSpec, as_options, check_options, method_spec
from .screening import screen

__all__ = [
    "BINARY_UNITS",
    "EXCLUDED_COLUMNS",
    "FALSE_SPELLINGS",
    "FILLED_COLUMNS",
    "TRUE_SPELLINGS",
    "Missing",
    "MissingValues",
    "Prepared",
    "check_columns",
    "check_label_columns",
    "contributions",
    "fixed_point",
    "is_binary",
    "method_and_options",
    "prepare",
    "refuse_parquet_beyond_memory",
    "resolve_weights",
    "topsis_settings",
]

F64 = NDArray[np.float64]
Missing = Literal["error", "drop", "worst"]
MISSING_POLICIES: tuple[str, ...] = ("error", "drop", "worst")
EXCLUDED_COLUMNS = ["id", "rule", "reason"]
FILLED_COLUMNS = ["id", "criterion", "value"]
#: A criterion whose ``unit`` is one of these (any case, spaces ignored) is yes/no.
BINARY_UNITS = frozenset({"0/1", "1/0", "yes/no", "y/n", "true/false", "boolean", "bool", "binary"})
#: Cell texts read as 1 and as 0 in a yes/no criterion's column (compared lower-case, stripped).
TRUE_SPELLINGS = frozenset({"yes", "y", "true", "1", "1.0"})
FALSE_SPELLINGS = frozenset({"no", "n", "false", "0", "0.0"})


def is_binary(criterion: Criterion) -> bool:
    """Whether ``criterion`` is yes/no: its ``unit`` is one of :data:`BINARY_UNITS`."""
    return "".join(criterion.unit.split()).lower() in BINARY_UNITS


def resolve_weights(
    cs: CriteriaSet, weights: Mapping[str, float] | pd.Series | ArrayLike | None
) -> CriteriaSet:
    """The criteria set with ``weights`` (by criterion id, or one per criterion) if given."""
    if weights is None:
        return cs
    if isinstance(weights, (pd.Series, Mapping)):
        return cs.with_weights({str(k): float(v) for k, v in weights.items()})
    return cs.with_weights(list(np.asarray(weights, dtype=float)))


def check_missing_policy(missing: object) -> Missing:
    """``missing`` if it is a known policy, else a clear error."""
    if missing not in MISSING_POLICIES:
        raise CitymatchValueError(f"`missing` must be 'error', 'drop' or 'worst'; got {missing!r}.")
    return missing  # type: ignore[return-value]  # narrowed by the membership test


@dataclass(frozen=True, eq=False)
class Prepared:
    """One chunk of candidates after the shared steps (screened, converted, checked).

    ``values`` (rows × M, float64) keeps missing values as NaN; ``pos`` is each row's
    position in the source; ``excluded`` lists the rows screened out.
    """

    values: F64
    ids: pd.Series
    table: pd.DataFrame
    pos: NDArray[np.int64]
    excluded: pd.DataFrame

    def take(self, keep: NDArray[np.bool_]) -> Prepared:
        """The rows where ``keep`` is true (excluded rows unchanged)."""
        return Prepared(
            self.values[keep], self.ids[keep], self.table[keep], self.pos[keep], self.excluded
        )


def prepare(
    table: pd.DataFrame,
    cs: CriteriaSet,
    *,
    screening: bool,
    id_column: str,
    kind_column: str,
    unique_ids: bool,
    offset: int = 0,
    occupancy: Mapping[str, object] | None = None,
) -> Prepared:
    """Ids, screening (rules and ``applies_to`` kinds) and the checked criterion values.

    ``offset`` is the position of the chunk's first row in the source (streaming); the
    table-wide rules of a streamed source get their ``occupancy`` counted beforehand.
    """
    ids = ids_of(table, id_column, offset)
    check_ids(ids, unique=unique_ids, offset=offset)
    pos = np.arange(offset, offset + len(table), dtype=np.int64)
    excluded = pd.DataFrame(columns=EXCLUDED_COLUMNS)
    if screening and (cs.screening or cs.applies_to):
        kind = table[kind_column] if kind_column in table.columns else None
        kept, excluded = screen(
            table,
            cs.screening,
            ids=ids,
            kind=kind,
            applies_to=cs.applies_to,
            occupancy=occupancy,
        )
        keep = kept.to_numpy()
        table, ids, pos = table[keep], ids[keep], pos[keep]
    values = criteria_values(table, cs, ids, pos).to_numpy(dtype=np.float64)
    return Prepared(values, ids, table, pos, excluded)


@dataclass(eq=False)
class MissingValues:
    """The ``missing=`` policy over one or many chunks, in two passes.

    Pass 1 (:meth:`observe`) returns the rows whose observed values enter the column
    statistics and notes what the policy does; :meth:`check` then raises for
    ``"error"``; pass 2 (:meth:`apply`) drops or fills the same rows again, with
    the worst observed value per criterion (:meth:`set_worst`).
    """

    policy: Missing
    cs: CriteriaSet
    holes: NDArray[np.int64] = field(init=False)
    rows_with_holes: int = 0
    examples: list[tuple[object, int, tuple[str, ...]]] = field(default_factory=list)
    worst: F64 | None = None
    filled: list[dict[str, object]] = field(default_factory=list)
    n_filled: int = 0

    def __post_init__(self) -> None:
        self.holes = np.zeros(len(self.cs.criteria), dtype=np.int64)

    def observe(self, chunk: Prepared) -> tuple[Prepared, NDArray[np.bool_], pd.DataFrame]:
        """Pass 1: (rows for the statistics, their missing mask, rows dropped)."""
        nan = np.isnan(chunk.values)
        dropped = pd.DataFrame(columns=EXCLUDED_COLUMNS)
        if not nan.any():
            return chunk, nan, dropped
        bad: NDArray[np.bool_] = np.asarray(nan.any(axis=1), dtype=bool)
        if self.policy == "error":
            self.rows_with_holes += int(bad.sum())
            for r in np.flatnonzero(bad)[: max(0, 5 - len(self.examples))]:
                ident = _plain(chunk.ids.iloc[r])
                self.examples.append((ident, int(chunk.pos[r]), tuple(self._columns(nan[r]))))
            return chunk.take(~bad), nan[~bad], dropped
        if self.policy == "drop":
            dropped = pd.DataFrame(
                {
                    "id": chunk.ids[bad].to_numpy(),
                    "rule": "missing",
                    "reason": [
                        "missing value in " + ", ".join(self._columns(nan[r]))
                        for r in np.flatnonzero(bad)
                    ],
                },
                columns=EXCLUDED_COLUMNS,
            )
            return chunk.take(~bad), nan[~bad], dropped
        self.holes += nan.sum(axis=0)
        return chunk, nan, dropped

    def check(self) -> None:
        """After pass 1: raise for ``"error"`` naming the first five candidates with holes.

        Raises :class:`~citymatch.errors.MissingValuesError` (ids, rows, columns; the fix
        in Python syntax — the command line rewords it with :meth:`~MissingValuesError.for_cli`).
        """
        if not self.rows_with_holes:
            return
        raise MissingValuesError(tuple(self.examples), count=self.rows_with_holes)

    def set_worst(self, col_max: F64, col_min: F64) -> F64 | None:
        """The fill value per criterion (worst observed value) from the observed statistics."""
        if not self.holes.any():
            return None
        worst = np.where(self.cs.types > 0, col_min, col_max)
        for j in np.flatnonzero((self.holes > 0) & ~np.isfinite(worst)):
            raise CandidateDataError(
                f"`candidates` column {self.cs.criteria[j].column!r} is missing for every "
                "candidate; there is no worst value to fill with."
            )
        self.worst = worst
        return worst

    def apply(self, chunk: Prepared, *, keep_rows: int) -> Prepared:
        """Pass 2: drop or fill the chunk's holes; keep the first ``keep_rows`` filled cells."""
        nan = np.isnan(chunk.values)
        if not nan.any():
            return chunk
        if self.policy != "worst":  # "drop" ("error" has raised in check())
            return chunk.take(np.asarray(~nan.any(axis=1), dtype=bool))
        assert self.worst is not None  # pass 1 saw the same holes
        values = chunk.values.copy()
        for j in range(values.shape[1]):
            rows = np.flatnonzero(nan[:, j])
            if not len(rows):
                continue
            values[rows, j] = self.worst[j]
            self.n_filled += len(rows)
            room = max(0, keep_rows - len(self.filled))
            self.filled += [
                {
                    "id": chunk.ids.iloc[r],
                    "criterion": self.cs.criteria[j].id,
                    "value": self.worst[j],
                }
                for r in rows[:room]
            ]
        return Prepared(values, chunk.ids, chunk.table, chunk.pos, chunk.excluded)

    def filled_frame(self) -> pd.DataFrame:
        """``id``, ``criterion``, ``value`` of the cells filled (as many as were kept)."""
        return pd.DataFrame(self.filled, columns=FILLED_COLUMNS)

    def _columns(self, row_nan: NDArray[np.bool_]) -> list[str]:
        return [self.cs.criteria[c].column for c in np.flatnonzero(row_nan)]


def too_few(n: int, n_excluded: int) -> CandidateDataError:
    """The error for fewer than 2 candidates left to rank."""
    return CandidateDataError(
        f"`candidates` must leave at least 2 candidates to rank after screening and missing-value "
        f"handling; {n} left ({n_excluded} excluded)."
    )


def _plain(value: object) -> object:
    """A numpy value as the Python value it holds (``5``, not ``np.int64(5)``) for messages."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value.item() if isinstance(value, np.generic) else value


def numeric_column(
    col: pd.Series,
    column: str,
    ids: pd.Series,
    pos: NDArray[np.int64] | None = None,
    *,
    binary: str | None = None,
) -> pd.Series:
    """A criterion column as float64 (booleans as 0/1); a non-number names the candidate.

    ``pos`` is each row's 0-based position in the source (default: its position here):
    the row a :class:`~citymatch.errors.CellError` names.  Complex, timestamp and duration
    columns are refused, never cast.  ``binary`` (the criterion id of a yes/no criterion)
    reads the spellings of :data:`TRUE_SPELLINGS` / :data:`FALSE_SPELLINGS` as 1/0 and
    refuses any other value.
    """
    if binary is not None:
        return _binary_column(col, column, ids, pos, binary)
    kind = col.dtype.kind
    if kind in "cmM" or isinstance(col.dtype, pd.DatetimeTZDtype):
        what = {"c": "complex numbers", "m": "durations"}.get(kind, "timestamps")
        raise CandidateDataError(
            f"`candidates` column {column!r} must hold real numbers; got {what} "
            f"(dtype {col.dtype})."
        )
    if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
        return col.astype(np.float64)
    conv = pd.to_numeric(col, errors="coerce")
    bad = (conv.isna() & col.notna()).to_numpy()
    if conv.dtype.kind not in "biuf":  # e.g. Python complex numbers in an object column
        bad |= col.notna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        row = i if pos is None else int(pos[i])
        got = _plain(col.iloc[i])
        hint = (
            ' (a yes/no column? give its criterion unit = "0/1" to read Yes/No as 1/0)'
            if isinstance(got, str) and _spelled_bool(got) is not None
            else ""
        )
        raise CellError(
            f"must be numeric; got {got!r} for candidate {_plain(ids.iloc[i])!r}{hint}",
            row=row,
            column=column,
        )
    return conv.astype(np.float64)


def _spelled_bool(value: object) -> float | None:
    """1.0 / 0.0 for a yes/no spelling (a bool, 0/1, "Yes", "n" …), NaN if missing, else None."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return np.nan
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value) if value in (0, 1) else None
    if isinstance(value, str):
        text = value.strip().lower()
        if text in TRUE_SPELLINGS:
            return 1.0
        if text in FALSE_SPELLINGS:
            return 0.0
    return None


def _binary_column(
    col: pd.Series, column: str, ids: pd.Series, pos: NDArray[np.int64] | None, crit: str
) -> pd.Series:
    """A yes/no criterion column as 1.0 / 0.0 (NaN where missing); any other value refused."""
    if col.dtype.kind in "iuf":  # numbers: vectorised (a streamed source has many rows)
        arr = col.to_numpy(dtype=np.float64)
        wrong = np.flatnonzero(~(np.isnan(arr) | (arr == 0.0) | (arr == 1.0)))
        values: list[float | None] | NDArray[np.float64] = arr
        bad = [int(wrong[0])] if len(wrong) else []
    else:
        values = [_spelled_bool(v) for v in col.tolist()]
        bad = [i for i, v in enumerate(values) if v is None][:1]
    if bad:
        i = bad[0]
        raise CellError(
            f"must be yes/no (criterion {crit!r} is yes/no by its unit): Yes/No, True/False, Y/N or "
            f"1/0 in any case; got {_plain(col.iloc[i])!r} for candidate "
            f"{_plain(ids.iloc[i])!r}",
            row=i if pos is None else int(pos[i]),
            column=column,
        )
    return pd.Series(values, index=col.index, dtype=np.float64, name=col.name)


def ids_of(table: pd.DataFrame, id_column: str, offset: int = 0) -> pd.Series:
    """Candidate ids: ``id_column`` if present, else the row position (index)."""
    if id_column in table.columns:
        return table[id_column]
    if offset:
        return pd.Series(np.arange(offset, offset + len(table)), index=table.index, name=id_column)
    return pd.Series(table.index, index=table.index, name=id_column)


def check_ids(ids: pd.Series, *, unique: bool, offset: int = 0) -> None:
    """No empty id (row named by its position in the source); optionally no repeats."""
    if ids.isna().any():
        pos = int(np.flatnonzero(ids.isna().to_numpy())[0]) + offset
        raise CandidateDataError(
            f"`candidates` column {ids.name!r} must not be empty; row {pos} has no id."
        )
    if unique:
        dup = ids[ids.duplicated(keep=False)]
        if len(dup):
            raise CandidateDataError(
                f"`candidates` ids in {ids.name!r} must be unique; repeated: "
                f"{sorted(map(str, set(dup)))[:10]}."
            )


def check_columns(columns: pd.DataFrame | Sequence[str], cs: CriteriaSet) -> None:
    """Every criterion column is present (``columns``: a table or a list of names)."""
    have = list(columns.columns) if isinstance(columns, pd.DataFrame) else list(columns)
    absent = [c for c in cs.columns if c not in have]
    if absent:
        raise CandidateDataError(
            f"`candidates` lacks column(s) {absent} required by criteria set {cs.name!r}; "
            f"it has {have}."
        )


def check_label_columns(
    table: pd.DataFrame, id_column: str | None, name_column: str | None
) -> tuple[str, str]:
    """The id and name columns to use (default ``"id"``, ``"name"``); a named one must exist."""
    have = [str(c) for c in table.columns]
    for arg, col in (("id_column", id_column), ("name_column", name_column)):
        if col is not None and col not in table.columns:
            raise CandidateDataError(
                f"`candidates` has no column {col!r} (named by `{arg}`); its columns are {have}."
            )
    return id_column or "id", name_column or "name"


def criteria_values(
    table: pd.DataFrame, cs: CriteriaSet, ids: pd.Series, pos: NDArray[np.int64] | None = None
) -> pd.DataFrame:
    """The criterion columns as float64 (ids × criterion ids), checked.

    Numeric, no ±inf, inside each criterion's valid range; missing values stay NaN.
    ``pos``: each row's position in the source, named by a :class:`CellError`.
    """
    values = pd.DataFrame(
        {
            c.id: numeric_column(
                table[c.column], c.column, ids, pos, binary=c.id if is_binary(c) else None
            )
            for c in cs.criteria
        },
        index=table.index,
    )
    arr = values.to_numpy()
    inf = np.isinf(arr)
    if inf.any():
        r, c = np.argwhere(inf)[0]
        raise NonFiniteError(
            f"`candidates` column {cs.criteria[c].column!r} must be finite; got {arr[r, c]} "
            f"for candidate {_plain(ids.iloc[r])!r}."
        )
    for j, crit in enumerate(cs.criteria):
        if crit.range is None:
            continue
        lo, hi = crit.range
        col = arr[:, j]
        out = ~np.isnan(col) & ((col < lo) | (col > hi))
        if out.any():
            r = int(np.flatnonzero(out)[0])
            raise CellError(
                f"must lie in [{lo:g}, {hi:g}] (criterion {crit.id!r}); got {col[r]:g} for "
                f"candidate {_plain(ids.iloc[r])!r}",
                row=r if pos is None else int(pos[r]),
                column=crit.column,
            )
    return values


def fixed_point(
    p: Mapping[str, float] | ArrayLike | None, cs: CriteriaSet, label: str
) -> ArrayLike | None:
    """A fixed ideal / anti-ideal point given by criterion id (mapping) or in order."""
    return point_by_id(p, cs.ids, name=label)  # type: ignore[return-value]


def method_and_options(
    cs: CriteriaSet, method: str | None, method_options: Mapping[str, object] | None
) -> tuple[MethodSpec, dict[str, object]]:
    """The method a ranking with ``cs`` uses and its options (their keys checked).

    ``method`` defaults to the set's; ``method_options`` to the set's when the method is the
    set's own, else none.  The one rule for ranking in memory, streamed and served.
    """
    name = cs.method if method is None else method
    same = method is None or method_spec(method).name == method_spec(cs.method).name
    given = cs.method_options if method_options is None and same else method_options
    options = {} if given is None else as_options(given)
    return check_options(name, options), options


def topsis_settings(
    cs: CriteriaSet,
    options: Mapping[str, object],
    normalization: str | None,
    ideal: Mapping[str, float] | ArrayLike | None,
    anti_ideal: Mapping[str, float] | ArrayLike | None,
) -> tuple[str, ArrayLike | None, ArrayLike | None]:
    """TOPSIS's normalisation and fixed points for a ranking with criteria set ``cs``.

    An explicit argument wins over ``options`` (the set's ``method_options``, or a call's),
    which win over the set's ``normalization``; points given by criterion id are put in
    criterion order (NaN: from the data).  The one rule for ranking in memory and streamed.
    """
    norm = normalization or str(options.get("normalization") or cs.normalization)
    fi = options.get("ideal") if ideal is None else ideal
    fa = options.get("anti_ideal") if anti_ideal is None else anti_ideal
    return norm, fixed_point(fi, cs, "ideal"), fixed_point(fa, cs, "anti_ideal")  # type: ignore[arg-type]


def contributions(
    x: NDArray[np.float64],
    weights: NDArray[np.float64],
    scale: NDArray[np.float64],
    ideal: NDArray[np.float64],
    anti: NDArray[np.float64],
    d_ideal: NDArray[np.float64],
    d_anti: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Exact additive decomposition of the closeness around 0.5 (see :class:`Ranking`)."""
    coef = weights * np.where(scale > 0, 1.0 / np.where(scale > 0, scale, 1.0), 0.0)
    dp2 = (coef * (x - ideal)) ** 2
    dm2 = (coef * (x - anti)) ** 2
    tot = (d_ideal + d_anti) ** 2
    return np.divide(dm2 - dp2, 2 * tot[:, None], out=np.zeros_like(dp2), where=tot[:, None] > 0)


def _physical_memory() -> int | None:
    """Bytes of physical memory, or None where the platform does not say (POSIX sysconf)."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


#: An in-memory ranking holds the table a few times over (read, screened, converted).
_COPIES = 3


def refuse_parquet_beyond_memory(candidates: object) -> None:
    """Refuse an in-memory ranking of a Parquet source that cannot fit: point to streaming.

    The estimate is the data's uncompressed size from the Parquet footers (no data read);
    it is compared with the machine's physical memory, so only sources that surely do not
    fit are refused.
    """
    if not isinstance(candidates, (str, os.PathLike)):
        return
    path = Path(candidates)
    if not (path.is_dir() or path.suffix.lower() in (".parquet", ".pq")) or not path.exists():
        return
    ram = _physical_memory()
    if ram is None:
        return
    try:
        import pyarrow.parquet as pq
    except ImportError:  # read_table explains
        return
    files = [path] if path.is_file() else sorted(path.rglob("*.parquet"))
    size = 0
    for f in files:
        try:
            meta = pq.ParquetFile(f).metadata
        except Exception:  # a corrupt or not-Parquet file: read_table names it
            return
        size += sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if size * _COPIES > ram:
        raise CandidateDataError(
            f"`candidates` {str(path)!r} holds about {size / 2**30:.1f} GiB of data, more than "
            f"an in-memory ranking can hold on this machine ({ram / 2**30:.1f} GiB of memory); "
            "stream it instead: citymatch.scale.rank_parquet(path, criteria, top=k) keeps the "
            "best k, rank_parquet(..., output='scores.parquet') writes every score."
        )
