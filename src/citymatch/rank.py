"""``rank()``: candidate table + criteria set → a screened, scored, explained Ranking."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ._display import html_table
from .errors import CandidateDataError, CitymatchValueError, NonFiniteError
from .io import read_table
from .models.criteria import CriteriaSet, load_criteria
from .scoring.ranks import rank_scores
from .scoring.results import TopsisResult
from .scoring.topsis import Normalization, topsis
from .screening import screen

if TYPE_CHECKING:
    from .scale import StreamedRanking

__all__ = ["Ranking", "rank"]

Missing = Literal["error", "drop", "worst"]


@dataclass(frozen=True, repr=False, eq=False)
class Ranking:
    """A ranked candidate table.

    Attributes
    ----------
    table : DataFrame
        One row per ranked candidate, best first: ``id``, ``name``, ``kind``,
        ``score``, ``rank`` (ties share a rank), ``d_ideal``, ``d_anti_ideal``, then
        ``contrib_<criterion>`` for each criterion.  The contributions are exact:
        ``score = 0.5 + Σ contrib``, with
        ``contrib_j = (d⁻_j² − d⁺_j²) / (2 (D⁺ + D⁻)²)`` — a criterion pushes the
        score up when the candidate is nearer the ideal than the anti-ideal on it.
    excluded : DataFrame
        ``id``, ``rule``, ``reason`` for every candidate screened out or dropped.
    filled : DataFrame
        ``id``, ``criterion``, ``value`` for every missing value filled by
        ``missing="worst"``.
    criteria : CriteriaSet
        The set used (with the weights actually used).
    weights : Series
        Normalised weights by criterion id.
    matrix : DataFrame
        The decision matrix scored (ids × criterion ids), after filling.
    result : TopsisResult
        The kernel's result (ideal points, scale, distances).
    """

    table: pd.DataFrame
    excluded: pd.DataFrame
    filled: pd.DataFrame
    criteria: CriteriaSet
    weights: pd.Series
    matrix: pd.DataFrame
    result: TopsisResult

    def to_frame(self) -> pd.DataFrame:
        """The ranked table (a copy), best first."""
        return self.table.copy()

    def top(self, k: int) -> pd.DataFrame:
        """Candidates with rank ≤ k (ties at the cut are all kept, so possibly > k rows)."""
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
            raise CitymatchValueError(f"`k` must be a positive integer; got {k!r}.")
        return self.table[self.table["rank"] <= k].copy()

    def plot(self, *, top: int = 15, ax: Any = None) -> Any:
        """Contribution bars of the top candidates (needs the ``plot`` extra); returns the Axes."""
        from .plot import contributions

        return contributions(self, top=top, ax=ax)

    @property
    def scores(self) -> pd.Series:
        """Scores indexed by candidate id, best first."""
        return self.table.set_index("id")["score"].copy()

    def _footer(self) -> str:
        n, m = self.matrix.shape
        return (
            f"{self.criteria.name} v{self.criteria.version} · TOPSIS, "
            f"{self.result.normalization} normalisation · {n} ranked × {m} criteria · "
            f"{len(self.excluded)} excluded · weights {self.criteria.weight_source}"
        )

    def __repr__(self) -> str:
        head = ", ".join(
            f"{r.id} {r.score:.3f}" for r in self.table.head(3).itertuples(index=False)
        )
        return f"Ranking({self._footer()}; top: {head})"

    def _repr_html_(self) -> str:
        cols = [c for c in ("id", "name", "kind", "score", "rank") if c in self.table.columns]
        return html_table(self.table[cols].set_index("rank"), self._footer(), max_rows=15)


def _numeric(col: pd.Series, column: str, ids: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(col):
        return col.astype(np.float64)
    if pd.api.types.is_numeric_dtype(col):
        return col.astype(np.float64)
    conv = pd.to_numeric(col, errors="coerce")
    bad = conv.isna() & col.notna()
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise CandidateDataError(
            f"`candidates` column {column!r} must be numeric; got {col.iloc[pos]!r} "
            f"for candidate {ids.iloc[pos]!r} (row {pos})."
        )
    return conv.astype(np.float64)


def _resolve_weights(cs: CriteriaSet, weights: Any) -> CriteriaSet:
    if weights is None:
        return cs
    if isinstance(weights, pd.Series):
        weights = weights.to_dict()
    return cs.with_weights(
        weights if isinstance(weights, Mapping) else list(np.asarray(weights, dtype=float))
    )


@overload
def rank(
    candidates: pd.DataFrame | str | Path,
    criteria: CriteriaSet | str | Path,
    *,
    weights: Any = None,
    normalization: Normalization | None = None,
    missing: Missing = "error",
    screening: bool = True,
    id_column: str = "id",
    name_column: str = "name",
    kind_column: str = "kind",
    ideal: Any = None,
    anti_ideal: Any = None,
    top: None = None,
    output: None = None,
    chunk_rows: int = ...,
    threads: int | None = None,
) -> Ranking: ...


@overload
def rank(
    candidates: pd.DataFrame | str | Path,
    criteria: CriteriaSet | str | Path,
    *,
    weights: Any = None,
    normalization: Normalization | None = None,
    missing: Missing = "error",
    screening: bool = True,
    id_column: str = "id",
    name_column: str = "name",
    kind_column: str = "kind",
    ideal: Any = None,
    anti_ideal: Any = None,
    top: int,
    output: str | Path | None = None,
    chunk_rows: int = ...,
    threads: int | None = None,
) -> StreamedRanking: ...


@overload
def rank(
    candidates: pd.DataFrame | str | Path,
    criteria: CriteriaSet | str | Path,
    *,
    weights: Any = None,
    normalization: Normalization | None = None,
    missing: Missing = "error",
    screening: bool = True,
    id_column: str = "id",
    name_column: str = "name",
    kind_column: str = "kind",
    ideal: Any = None,
    anti_ideal: Any = None,
    top: None = None,
    output: str | Path,
    chunk_rows: int = ...,
    threads: int | None = None,
) -> StreamedRanking: ...


def rank(
    candidates: pd.DataFrame | str | Path,
    criteria: CriteriaSet | str | Path,
    *,
    weights: Any = None,
    normalization: Normalization | None = None,
    missing: Missing = "error",
    screening: bool = True,
    id_column: str = "id",
    name_column: str = "name",
    kind_column: str = "kind",
    ideal: Any = None,
    anti_ideal: Any = None,
    top: int | None = None,
    output: str | Path | None = None,
    chunk_rows: int = 262_144,
    threads: int | None = None,
) -> Ranking | StreamedRanking:
    """Screen, score (TOPSIS) and rank candidate partners under a criteria set.

    Parameters
    ----------
    candidates : DataFrame or path
        One row per city or organisation; a path may be CSV, Parquet or XLSX.  Ids
        come from ``id_column`` (or the index when that column is absent); optional
        ``name_column`` and ``kind_column`` are carried into the result.  Never
        modified.
    criteria : CriteriaSet, str or path
        A shipped set's name (e.g. ``"partnership-city"``), a TOML/JSON path, or a set.
    weights : mapping or sequence, optional
        Override the set's weights (id → weight, or one per criterion).
    normalization : str, optional
        Override the set's normalisation (``"vector"`` unless the set says otherwise).
    missing : {"error", "drop", "worst"}, default "error"
        Missing criterion values: raise (naming rows and columns), drop the candidate
        (listed in ``excluded``), or fill with the column's worst observed value
        (listed in ``filled``).
    screening : bool, default True
        Apply the set's screening rules and ``applies_to`` kinds before scoring.
    ideal, anti_ideal : mapping or sequence, optional
        Fixed ideal / anti-ideal points in raw units (see :func:`citymatch.topsis`).
    top : int, optional
        **Streamed ranking** of a Parquet file or folder larger than memory: keep the best
        ``top`` candidates in memory (with their ids, names, kinds, ranks and
        contributions).  Two passes over the data in chunks of ``chunk_rows`` rows — column
        statistics, then scores — with the same screening, conversion, checks and
        missing-value handling as in memory; memory follows ``chunk_rows``, not N.
    output : path, optional
        Streamed ranking: write every kept candidate's ``row``, id, ``score``, ``d_ideal``
        and ``d_anti_ideal`` to this Parquet file (atomically).  With ``top`` both happen.
    chunk_rows : int, default 262,144
        Rows per chunk when streaming.
    threads : int, optional
        Threads for the scoring kernel (default: all cores on large inputs).

    Returns
    -------
    Ranking
        In memory (neither ``top`` nor ``output`` given).
    StreamedRanking
        Streamed (``top`` or ``output`` given): the top-k table, the output path, the
        number ranked and excluded, a sample of the excluded rows, and the geometry.

    Raises
    ------
    CandidateDataError
        Missing criterion column, duplicate ids, non-numeric values, missing values
        under ``missing="error"``, values outside a criterion's valid range, or fewer
        than 2 candidates left to rank.
    NonFiniteError
        ±inf in a criterion column.

    Notes
    -----
    Streamed ranking does not check ids for uniqueness (that needs memory in N); the row
    position in the source (``row``) identifies every candidate.

    Examples
    --------
    >>> import pandas as pd, citymatch
    >>> cs = citymatch.CriteriaSet(name="demo", title="Demo", version="1", criteria=[
    ...     {"id": "trade", "label": "Trade", "direction": "benefit", "weight": 2},
    ...     {"id": "cost", "label": "Cost", "direction": "cost", "weight": 1}])
    >>> df = pd.DataFrame({"id": ["a", "b", "c"], "trade": [3, 5, 4], "cost": [1, 3, 2]})
    >>> citymatch.rank(df, cs).to_frame()[["id", "rank"]].values.tolist()
    [['b', 1], ['c', 2], ['a', 3]]
    """
    if missing not in ("error", "drop", "worst"):
        raise CitymatchValueError(f"`missing` must be 'error', 'drop' or 'worst'; got {missing!r}.")
    if top is not None or output is not None:
        from .scale import _rank_streamed

        return _rank_streamed(
            candidates,
            _resolve_weights(load_criteria(criteria), weights),
            normalization=normalization,
            missing=missing,
            screening=screening,
            id_column=id_column,
            name_column=name_column,
            kind_column=kind_column,
            ideal=ideal,
            anti_ideal=anti_ideal,
            top=top,
            output=output,
            chunk_rows=chunk_rows,
            threads=threads,
        )
    _refuse_parquet_beyond_memory(candidates)
    table = read_table(candidates)
    cs = _resolve_weights(load_criteria(criteria), weights)
    norm = normalization or cs.normalization

    ids = ids_of(table, id_column)
    check_ids(ids, unique=True)
    check_columns(table, cs)

    excluded_parts = []
    if screening:
        kind = table[kind_column] if kind_column in table.columns else None
        kept, excl = screen(table, cs.screening, ids=ids, kind=kind, applies_to=cs.applies_to)
        excluded_parts.append(excl)
        table = table[kept.to_numpy()]
        ids = ids[kept.to_numpy()]

    values = criteria_values(table, cs, ids)
    arr = values.to_numpy()
    nan = np.isnan(arr)
    filled_rows: list[dict[str, Any]] = []
    if nan.any():
        if missing == "error":
            raise missing_error(np.flatnonzero(nan.any(axis=1)), nan, ids, cs)
        if missing == "drop":
            bad = nan.any(axis=1)
            excluded_parts.append(dropped_frame(bad, nan, ids, cs))
            values = values[~bad]
            ids = ids[~bad]
            table = table[~bad]
        else:  # worst
            worst = worst_values(
                np.max(arr, axis=0, initial=-np.inf, where=~nan),
                np.min(arr, axis=0, initial=np.inf, where=~nan),
                nan.any(axis=0),
                cs,
            )
            arr, filled_rows = fill_worst(arr, nan, worst, ids, cs)
            values = pd.DataFrame(arr, index=values.index, columns=values.columns)

    if len(values) < 2:
        raise CandidateDataError(
            f"`candidates` must leave at least 2 candidates to rank after screening and missing-value "
            f"handling; {len(values)} left ({sum(len(p) for p in excluded_parts)} excluded)."
        )

    x = values.to_numpy(dtype=np.float64)
    w = cs.weights
    res = topsis(
        x,
        w,
        cs.types,
        normalization=norm,
        ideal=fixed_point(ideal, cs, "ideal"),
        anti_ideal=fixed_point(anti_ideal, cs, "anti_ideal"),
        threads=threads,
    )

    contrib = contributions(
        x, res.weights, res.scale, res.ideal, res.anti_ideal, res.d_ideal, res.d_anti_ideal
    )

    out = pd.DataFrame({"id": ids.to_numpy()})
    if name_column in table.columns:
        out["name"] = table[name_column].to_numpy()
    if kind_column in table.columns:
        out["kind"] = table[kind_column].to_numpy()
    out["score"] = res.scores
    out["rank"] = rank_scores(res.scores)
    out["d_ideal"] = res.d_ideal
    out["d_anti_ideal"] = res.d_anti_ideal
    for j, cid in enumerate(cs.ids):
        out[f"contrib_{cid}"] = contrib[:, j]
    out = out.sort_values(["rank"], kind="stable").reset_index(drop=True)

    excluded = (
        pd.concat([p for p in excluded_parts if len(p)], ignore_index=True)
        if any(len(p) for p in excluded_parts)
        else pd.DataFrame(columns=["id", "rule", "reason"])
    )
    matrix = pd.DataFrame(x, index=pd.Index(ids.to_numpy(), name="id"), columns=list(cs.ids))
    return Ranking(
        table=out,
        excluded=excluded,
        filled=pd.DataFrame(filled_rows, columns=["id", "criterion", "value"]),
        criteria=cs,
        weights=pd.Series(w, index=list(cs.ids), name="weight"),
        matrix=matrix,
        result=res,
    )


def _physical_memory() -> int | None:
    """Bytes of physical memory, or None where the platform does not say (POSIX sysconf)."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


#: An in-memory ranking holds the table a few times over (read, screened, converted).
_COPIES = 3


def _refuse_parquet_beyond_memory(candidates: Any) -> None:
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
        meta = pq.ParquetFile(f).metadata
        size += sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if size * _COPIES > ram:
        raise CandidateDataError(
            f"`candidates` {str(path)!r} holds about {size / 2**30:.1f} GiB of data, more than "
            f"an in-memory ranking can hold on this machine ({ram / 2**30:.1f} GiB of memory); "
            "stream it instead: rank(..., top=k) keeps the best k, rank(..., output='scores."
            "parquet') writes every score."
        )


# --------------------------------------------------------------------------- shared steps
# The in-memory rank() and the streamed one (citymatch.scale) run the same steps, so a
# candidate is screened, converted, checked and filled identically on both paths.


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
                f"`candidates` ids in {ids.name!r} must be unique; repeated: {sorted(map(str, set(dup)))[:10]}."
            )


def check_columns(columns: Any, cs: CriteriaSet) -> None:
    """Every criterion column is present (``columns``: a table or a list of names)."""
    have = list(columns.columns) if isinstance(columns, pd.DataFrame) else list(columns)
    absent = [c for c in cs.columns if c not in have]
    if absent:
        raise CandidateDataError(
            f"`candidates` lacks column(s) {absent} required by criteria set {cs.name!r}; "
            f"it has {have}."
        )


def criteria_values(table: pd.DataFrame, cs: CriteriaSet, ids: pd.Series) -> pd.DataFrame:
    """The criterion columns as float64 (ids × criterion ids), checked.

    Numeric, no ±inf, inside each criterion's valid range; missing values stay NaN.
    """
    values = pd.DataFrame(
        {c.id: _numeric(table[c.column], c.column, ids) for c in cs.criteria}, index=table.index
    )
    arr = values.to_numpy()
    inf = np.isinf(arr)
    if inf.any():
        r, c = np.argwhere(inf)[0]
        raise NonFiniteError(
            f"`candidates` column {cs.criteria[c].column!r} must be finite; got {arr[r, c]} "
            f"for candidate {ids.iloc[r]!r}."
        )
    for j, crit in enumerate(cs.criteria):
        if crit.range is None:
            continue
        lo, hi = crit.range
        col = arr[:, j]
        out = ~np.isnan(col) & ((col < lo) | (col > hi))
        if out.any():
            r = int(np.flatnonzero(out)[0])
            raise CandidateDataError(
                f"`candidates` column {crit.column!r} must lie in [{lo:g}, {hi:g}] (criterion "
                f"{crit.id!r}); got {col[r]:g} for candidate {ids.iloc[r]!r}."
            )
    return values


def missing_error(
    rows: Any, nan: NDArray[np.bool_], ids: pd.Series, cs: CriteriaSet, total: int | None = None
) -> CandidateDataError:
    """The error for ``missing="error"``: the first five candidates with holes, and a count."""
    count = len(rows) if total is None else total
    detail = "; ".join(
        f"{ids.iloc[r]!r}: {[cs.criteria[c].column for c in np.flatnonzero(nan[r])]}"
        for r in rows[:5]
    )
    more = f" (and {count - 5} more)" if count > 5 else ""
    return CandidateDataError(
        f"`candidates` has missing values in criterion columns for {count} candidate(s): "
        f"{detail}{more}. Pass missing='drop' or missing='worst', or fill them."
    )


def dropped_frame(
    bad: NDArray[np.bool_], nan: NDArray[np.bool_], ids: pd.Series, cs: CriteriaSet
) -> pd.DataFrame:
    """Excluded rows for ``missing="drop"``."""
    return pd.DataFrame(
        {
            "id": ids[bad].to_numpy(),
            "rule": "missing",
            "reason": [
                "missing value in "
                + ", ".join(cs.criteria[c].column for c in np.flatnonzero(nan[r]))
                for r in np.flatnonzero(bad)
            ],
        },
        columns=["id", "rule", "reason"],
    )


def worst_values(
    col_max: NDArray[np.float64],
    col_min: NDArray[np.float64],
    has_holes: NDArray[np.bool_],
    cs: CriteriaSet,
) -> NDArray[np.float64]:
    """Fill value per criterion for ``missing="worst"``: the worst observed value."""
    worst = np.where(cs.types > 0, col_min, col_max)
    for j in np.flatnonzero(has_holes & ~np.isfinite(worst)):
        raise CandidateDataError(
            f"`candidates` column {cs.criteria[j].column!r} is missing for every candidate; "
            "there is no worst value to fill with."
        )
    return worst


def fill_worst(
    arr: NDArray[np.float64],
    nan: NDArray[np.bool_],
    worst: NDArray[np.float64],
    ids: pd.Series,
    cs: CriteriaSet,
) -> tuple[NDArray[np.float64], list[dict[str, Any]]]:
    """``arr`` with holes filled (a copy) and the ``filled`` rows, criterion by criterion."""
    arr = arr.copy()
    filled: list[dict[str, Any]] = []
    for j in range(arr.shape[1]):
        holes = nan[:, j]
        if not holes.any():
            continue
        arr[holes, j] = worst[j]
        filled += [
            {"id": ids.iloc[r], "criterion": cs.criteria[j].id, "value": worst[j]}
            for r in np.flatnonzero(holes)
        ]
    return arr, filled


def fixed_point(p: Any, cs: CriteriaSet, label: str) -> Any:
    """A fixed ideal / anti-ideal point given by criterion id (mapping) or in order."""
    if isinstance(p, Mapping):
        unknown = sorted(set(p) - set(cs.ids))
        if unknown:
            raise CitymatchValueError(
                f"`{label}` names unknown criteria {unknown}; known: {list(cs.ids)}."
            )
        return [float(p.get(i, np.nan)) for i in cs.ids]
    return p


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
