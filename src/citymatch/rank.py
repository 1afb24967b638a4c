"""``rank()``: candidate table + criteria set → a screened, scored, explained Ranking."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .errors import CandidateDataError, CitymatchValueError, NonFiniteError
from .io import read_table
from .models.criteria import CriteriaSet, load_criteria
from .results import TopsisResult, _html_table, rank_scores
from .scoring.topsis import Normalization, topsis
from .screening import screen

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
        return _html_table(self.table[cols].set_index("rank"), self._footer(), max_rows=15)


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
) -> Ranking:
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

    Returns
    -------
    Ranking

    Raises
    ------
    CandidateDataError
        Missing criterion column, duplicate ids, non-numeric values, missing values
        under ``missing="error"``, values outside a criterion's valid range, or fewer
        than 2 candidates left to rank.
    NonFiniteError
        ±inf in a criterion column.

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
    table = read_table(candidates)
    cs = _resolve_weights(load_criteria(criteria), weights)
    norm = normalization or cs.normalization

    if id_column in table.columns:
        ids = table[id_column]
    else:
        ids = pd.Series(table.index, index=table.index, name=id_column)
    if ids.isna().any():
        pos = int(np.flatnonzero(ids.isna().to_numpy())[0])
        raise CandidateDataError(
            f"`candidates` column {id_column!r} must not be empty; row {pos} has no id."
        )
    dup = ids[ids.duplicated(keep=False)]
    if len(dup):
        raise CandidateDataError(
            f"`candidates` ids in {id_column!r} must be unique; repeated: {sorted(map(str, set(dup)))[:10]}."
        )
    absent = [c for c in cs.columns if c not in table.columns]
    if absent:
        raise CandidateDataError(
            f"`candidates` lacks column(s) {absent} required by criteria set {cs.name!r}; "
            f"it has {list(table.columns)}."
        )

    excluded_parts = []
    if screening:
        kind = table[kind_column] if kind_column in table.columns else None
        kept, excl = screen(table, cs.screening, ids=ids, kind=kind, applies_to=cs.applies_to)
        excluded_parts.append(excl)
        table = table[kept.to_numpy()]
        ids = ids[kept.to_numpy()]

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

    nan = np.isnan(arr)
    filled_rows: list[dict[str, Any]] = []
    if nan.any():
        if missing == "error":
            rows = np.flatnonzero(nan.any(axis=1))
            detail = "; ".join(
                f"{ids.iloc[r]!r}: {[cs.criteria[c].column for c in np.flatnonzero(nan[r])]}"
                for r in rows[:5]
            )
            more = f" (and {len(rows) - 5} more)" if len(rows) > 5 else ""
            raise CandidateDataError(
                f"`candidates` has missing values in criterion columns for {len(rows)} candidate(s): "
                f"{detail}{more}. Pass missing='drop' or missing='worst', or fill them."
            )
        if missing == "drop":
            bad = nan.any(axis=1)
            excluded_parts.append(
                pd.DataFrame(
                    {
                        "id": ids[bad].to_numpy(),
                        "rule": "missing",
                        "reason": [
                            "missing value in "
                            + ", ".join(cs.criteria[c].column for c in np.flatnonzero(nan[r]))
                            for r in np.flatnonzero(bad)
                        ],
                    }
                )
            )
            values = values[~bad]
            ids = ids[~bad]
            table = table[~bad]
        else:  # worst
            types = cs.types
            arr = arr.copy()
            for j in range(arr.shape[1]):
                col = arr[:, j]
                holes = np.isnan(col)
                if not holes.any():
                    continue
                if holes.all():
                    raise CandidateDataError(
                        f"`candidates` column {cs.criteria[j].column!r} is missing for every candidate; "
                        "there is no worst value to fill with."
                    )
                worst = np.nanmin(col) if types[j] > 0 else np.nanmax(col)
                col[holes] = worst
                filled_rows += [
                    {"id": ids.iloc[r], "criterion": cs.criteria[j].id, "value": worst}
                    for r in np.flatnonzero(holes)
                ]
            values = pd.DataFrame(arr, index=values.index, columns=values.columns)

    if len(values) < 2:
        raise CandidateDataError(
            f"`candidates` must leave at least 2 candidates to rank after screening and missing-value "
            f"handling; {len(values)} left ({sum(len(p) for p in excluded_parts)} excluded)."
        )

    def point(p: Any, label: str) -> Any:
        if isinstance(p, Mapping):
            unknown = sorted(set(p) - set(cs.ids))
            if unknown:
                raise CitymatchValueError(
                    f"`{label}` names unknown criteria {unknown}; known: {list(cs.ids)}."
                )
            return [float(p.get(i, np.nan)) for i in cs.ids]
        return p

    x = values.to_numpy(dtype=np.float64)
    w = cs.weights
    res = topsis(
        x,
        w,
        cs.types,
        normalization=norm,
        ideal=point(ideal, "ideal"),
        anti_ideal=point(anti_ideal, "anti_ideal"),
    )

    # Exact additive decomposition of the closeness around 0.5.
    coef = res.weights * np.where(res.scale > 0, 1.0 / np.where(res.scale > 0, res.scale, 1.0), 0.0)
    dp2 = (coef * (x - res.ideal)) ** 2
    dm2 = (coef * (x - res.anti_ideal)) ** 2
    tot = (res.d_ideal + res.d_anti_ideal) ** 2
    contrib = np.divide(dm2 - dp2, 2 * tot[:, None], out=np.zeros_like(dp2), where=tot[:, None] > 0)

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
