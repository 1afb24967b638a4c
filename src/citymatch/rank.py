"""``rank()``: screen, score and rank candidate partners in memory, with explanations."""

from __future__ import annotations

import os
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from ._display import html_table
from ._validate import check_int
from .candidates import (
    EXCLUDED_COLUMNS,
    Missing,
    MissingValues,
    check_columns,
    check_label_columns,
    check_missing_policy,
    contributions,
    method_and_options,
    prepare,
    refuse_parquet_beyond_memory,
    resolve_weights,
    too_few,
    topsis_settings,
)
from .errors import CitymatchValueError
from .io import naming_source, read_table, write_table
from .models.criteria import CriteriaSet, load_criteria
from .scoring.method_results import MethodResult, VikorResult
from .scoring.ranks import rank_scores
from .scoring.results import TopsisResult
from .scoring.stats import observed_stats
from .scoring.topsis import Normalization, topsis

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["Ranking", "Scored", "rank", "score_values"]


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
        The set used (with the weights actually used: a set whose weights are computed
        from the data — ``weights = "entropy"``, ``"critic"``, ``"std"`` — comes back with
        those weights fixed, computed from the candidates ranked).
    weights : Series
        Normalised weights by criterion id, as used.
    matrix : DataFrame
        The decision matrix scored (ids × criterion ids), after filling.
    result : TopsisResult or MethodResult
        The method's result (TOPSIS: ideal points, scale, distances; VIKOR: S, R, Q and the
        compromise set; PROMETHEE: the flows; …).
    method : str
        The canonical name of the method used (``"TOPSIS"``, ``"VIKOR"``, …).
    method_options : mapping
        The method's parameters as used (read-only).
    """

    table: pd.DataFrame
    excluded: pd.DataFrame
    filled: pd.DataFrame
    criteria: CriteriaSet
    weights: pd.Series
    matrix: pd.DataFrame
    result: TopsisResult | MethodResult
    method: str = "TOPSIS"
    method_options: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))

    def to_frame(self) -> pd.DataFrame:
        """The ranked table (a copy), best first."""
        return self.table.copy()

    def to_file(self, path: str | os.PathLike[str]) -> Path:
        """Write the ranked table in the format ``path``'s suffix names; returns the path.

        ``.csv``, ``.xlsx`` (``excel`` extra), ``.json`` (one object per row), ``.parquet``
        (``parquet`` extra), ``.md`` or ``.html`` — atomically (see
        :func:`citymatch.io.write_table`); any other suffix is an ``ArgumentError``.
        """
        return write_table(self.table, path, title=self._footer())

    def top(self, k: int) -> pd.DataFrame:
        """Candidates with rank ≤ k (ties at the cut are all kept, so possibly > k rows)."""
        k = check_int(k, name="k")
        return self.table[self.table["rank"] <= k].copy()

    def plot(self, *, top: int = 15, ax: Axes | None = None) -> Axes:
        """Contribution bars of the top candidates (needs the ``plot`` extra); returns the Axes.

        TOPSIS only: the contributions are the exact decomposition of its closeness.
        """
        if self.method != "TOPSIS":
            raise CitymatchValueError(
                f"`Ranking.plot` draws TOPSIS contributions; this ranking used {self.method}."
            )
        from .plot import contributions

        axes: Axes = contributions(self, top=top, ax=ax)
        return axes

    @property
    def topsis_result(self) -> TopsisResult:
        """The TOPSIS result, or a clear error when the ranking used another method."""
        if not isinstance(self.result, TopsisResult):
            raise CitymatchValueError(
                f"this ranking used {self.method}, not TOPSIS; its result is `Ranking.result` "
                f"({type(self.result).__name__})."
            )
        return self.result

    @property
    def weights_source(self) -> str:
        """Where :attr:`weights` come from (``criteria.weight_source``).

        E.g. ``"direct"``, ``"AHP (…)"``, ``"roc from criteria_order (…)"`` or
        ``"entropy (objective), computed from the 42 candidates ranked"``.
        """
        return self.criteria.weight_source

    @property
    def compromise(self) -> tuple[Hashable, ...]:
        """VIKOR's compromise solution by candidate id, best Q first (a VIKOR ranking only).

        One id when both of Opricovic & Tzeng's conditions hold, else the compromise set
        (``result.acceptable_advantage`` and ``result.acceptable_stability`` say which failed).
        """
        if not isinstance(self.result, VikorResult):
            raise CitymatchValueError(
                f"`Ranking.compromise` is VIKOR's compromise solution; this ranking used "
                f"{self.method} (rank with method='vikor')."
            )
        ids = self.matrix.index
        return tuple(ids[i] for i in self.result.compromise)

    @property
    def scores(self) -> pd.Series:
        """Scores indexed by candidate id, best first."""
        return self.table.set_index("id")["score"].copy()

    def _footer(self) -> str:
        n, m = self.matrix.shape
        how = (
            f"TOPSIS, {self.result.normalization} normalisation"
            if isinstance(self.result, TopsisResult)
            else self.method
        )
        return (
            f"{self.criteria.name} v{self.criteria.version} · {how} · {n} ranked × {m} criteria · "
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


def rank(
    candidates: pd.DataFrame | str | os.PathLike[str],
    criteria: CriteriaSet | str | os.PathLike[str],
    *,
    weights: Mapping[str, float] | pd.Series | ArrayLike | None = None,
    normalization: Normalization | None = None,
    missing: Missing = "error",
    screening: bool = True,
    id_column: str | None = None,
    name_column: str | None = None,
    kind_column: str = "kind",
    ideal: Mapping[str, float] | ArrayLike | None = None,
    anti_ideal: Mapping[str, float] | ArrayLike | None = None,
    threads: int | None = None,
    method: str | None = None,
    method_options: Mapping[str, object] | None = None,
) -> Ranking:
    """Screen, score (TOPSIS or another method) and rank candidate partners, in memory.

    Parameters
    ----------
    candidates : DataFrame or path
        One row per city or organisation; a path may be CSV, Parquet or XLSX.  Never
        modified.  A Parquet source larger than memory is ranked by
        :func:`citymatch.scale.rank_parquet` (streamed, same steps).
    criteria : CriteriaSet, str or path
        A shipped set's name (e.g. ``"partnership-city"``), a TOML/JSON path, or a set.
    weights : mapping or sequence, optional
        Override the set's weights (id → weight, or one per criterion).  Without it, a set
        naming data weights (``weights = "entropy"``, ``"critic"`` or ``"std"``) gets them
        computed from the candidates left after screening and the missing-value policy;
        ``Ranking.weights`` and ``Ranking.weights_source`` record them.
    normalization : str, optional
        Override the set's normalisation (``"vector"`` unless the set says otherwise).
    missing : {"error", "drop", "worst"}, default "error"
        Missing criterion values: raise (naming rows and columns), drop the candidate
        (listed in ``excluded``), or fill with the column's worst observed value
        (listed in ``filled``).
    screening : bool, default True
        Apply the set's screening rules and ``applies_to`` kinds before scoring.
    id_column, name_column : str, optional
        The columns holding each candidate's id and display name (the result's ``id`` and
        ``name``); errors name rows by this id.  Default: ``"id"`` and ``"name"`` when the
        table has them (else the ids are the row positions and there is no name).  A column
        named here must exist.
    kind_column : str, default "kind"
        The column matched against the set's ``applies_to`` kinds, when present.
    ideal, anti_ideal : mapping or sequence, optional
        Fixed ideal / anti-ideal points in raw units (see :func:`citymatch.topsis`).
    threads : int, optional
        Threads for the scoring kernel (default: all cores on large inputs).
    method : str, optional
        The scoring method (one of :data:`citymatch.METHODS`, case-insensitive; default
        the set's ``method``, itself ``"topsis"`` unless the set says otherwise).  Methods
        other than TOPSIS give their own quantities as columns (VIKOR ``S``, ``R``;
        PROMETHEE ``phi_plus``, ``phi_minus``; …) instead of the TOPSIS distances and
        contributions; ``score`` is the method's own (lower is better for VIKOR's Q and
        SPOTIS, and ``rank`` follows that).
    method_options : mapping, optional
        The method's parameters (VIKOR ``v``; PROMETHEE ``preference``, ``q``, ``p``,
        ``s``; …); default the set's ``method_options`` when the method is the set's.

    Returns
    -------
    Ranking

    Raises
    ------
    CandidateDataError
        Missing criterion column, duplicate ids, non-numeric values, missing values
        under ``missing="error"``, values outside a criterion's valid range, fewer
        than 2 candidates left to rank, or a Parquet source too large for memory.
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
    check_missing_policy(missing)
    refuse_parquet_beyond_memory(candidates)
    table = read_table(candidates)
    cs = resolve_weights(load_criteria(criteria), weights)
    policy = MissingValues(check_missing_policy(missing), cs)

    # The same steps as a streamed ranking, on the whole table as one chunk.
    with naming_source(candidates):  # errors name the file and its line
        check_columns(table, cs)
        id_column, name_column = check_label_columns(table, id_column, name_column)
        chunk = prepare(
            table, cs, screening=screening, id_column=id_column, kind_column=kind_column,
            unique_ids=True,
        )  # fmt: skip
        observed, nan, dropped = policy.observe(chunk)
        policy.check()
        stats = observed_stats(observed.values, nan)
        policy.set_worst(stats.max, stats.min)
        chunk = policy.apply(chunk, keep_rows=len(table) * len(cs.criteria))
        excluded_parts = [f for f in (chunk.excluded, dropped) if len(f)]
        n_excluded = sum(len(f) for f in excluded_parts)
        if len(chunk.values) < 2:
            raise too_few(len(chunk.values), n_excluded)

    x = chunk.values
    scored = score_values(
        x, cs, normalization=normalization, ideal=ideal, anti_ideal=anti_ideal,
        threads=threads, method=method, method_options=method_options,
    )  # fmt: skip
    # The table's columns, built once as one DataFrame (column by column insertion into a
    # DataFrame costs more than the scoring itself for a service-sized request).
    cols: dict[str, NDArray[Any]] = {"id": chunk.ids.to_numpy()}
    if name_column in chunk.table.columns:
        cols["name"] = chunk.table[name_column].to_numpy()
    if kind_column in chunk.table.columns:
        cols["kind"] = chunk.table[kind_column].to_numpy()
    cols.update(scored.columns)
    cs = scored.criteria
    order = np.argsort(cols["rank"], kind="stable")  # best first; ties keep input order
    out = pd.DataFrame({k: v[order] for k, v in cols.items()})
    excluded = (
        pd.concat(excluded_parts, ignore_index=True)
        if excluded_parts
        else pd.DataFrame(columns=EXCLUDED_COLUMNS)
    )
    return Ranking(
        table=out,
        excluded=excluded,
        filled=policy.filled_frame(),
        criteria=cs,
        weights=pd.Series(scored.weights, index=list(cs.ids), name="weight"),
        matrix=pd.DataFrame(
            x, index=pd.Index(chunk.ids.to_numpy(), name="id"), columns=list(cs.ids)
        ),
        result=scored.result,
        method=scored.method,
        method_options=MappingProxyType(dict(scored.options)),
    )


@dataclass(frozen=True, eq=False)
class Scored:
    """The scoring step of a ranking, on a checked matrix (rows in input order).

    Attributes
    ----------
    criteria : CriteriaSet
        The set with the weights used (objective weights computed from the matrix).
    columns : dict of str to ndarray
        ``score``, ``rank``, then the method's own columns (TOPSIS: ``d_ideal``,
        ``d_anti_ideal``, ``contrib_<criterion>``; VIKOR ``S``, ``R``, …), one value per row.
    result : TopsisResult or MethodResult
        The method's result.
    weights : ndarray
        The normalised weights used, one per criterion.
    method : str
        The method's canonical name.
    options : mapping
        The method's parameters as used.
    """

    criteria: CriteriaSet
    columns: Mapping[str, NDArray[Any]]
    result: TopsisResult | MethodResult
    weights: NDArray[np.float64]
    method: str
    options: Mapping[str, object]


def score_values(
    x: NDArray[np.float64],
    cs: CriteriaSet,
    *,
    normalization: Normalization | None = None,
    ideal: Mapping[str, float] | ArrayLike | None = None,
    anti_ideal: Mapping[str, float] | ArrayLike | None = None,
    threads: int | None = None,
    method: str | None = None,
    method_options: Mapping[str, object] | None = None,
) -> Scored:
    """Score and rank a checked decision matrix ``x`` (N × M) as :func:`rank` does.

    The one scoring step of :func:`rank`, after the table steps (ids, screening, values,
    missing values); the service's array path (:mod:`citymatch.service.fast`) calls it on
    the request's values directly.  Arguments are :func:`rank`'s.
    """
    # Objective weights (entropy, CRITIC, std) come from the candidates left to rank.
    cs = cs.resolved(x, what=f"the {len(x)} candidates ranked")
    spec, options = method_and_options(cs, method, method_options)
    cols: dict[str, NDArray[Any]] = {}
    res: TopsisResult | MethodResult
    if spec.name == "TOPSIS":
        res = _topsis_columns(cols, x, cs, normalization, ideal, anti_ideal, threads, options)
        used = res.weights
    else:
        if ideal is not None or anti_ideal is not None or normalization is not None:
            raise CitymatchValueError(
                f"`ideal`, `anti_ideal` and `normalization` are TOPSIS settings; method "
                f"{spec.name} takes its parameters in `method_options` ({', '.join(spec.parameters) or 'none'})."
            )
        res = spec.function(x, cs.weights, cs.types, **options)
        extra = res.to_frame().drop(columns=["score", "rank"])
        cols["score"] = res.scores
        cols["rank"] = res.ranks
        for col in extra.columns:
            cols[str(col)] = extra[col].to_numpy()
        used = cs.weights
    return Scored(cs, MappingProxyType(cols), res, used, spec.name, MappingProxyType(options))


def _topsis_columns(
    cols: dict[str, NDArray[Any]],
    x: NDArray[np.float64],
    cs: CriteriaSet,
    normalization: Normalization | None,
    ideal: Mapping[str, float] | ArrayLike | None,
    anti_ideal: Mapping[str, float] | ArrayLike | None,
    threads: int | None,
    options: Mapping[str, object],
) -> TopsisResult:
    """Score with TOPSIS and add score, rank, distances and contributions to ``cols``.

    An explicit ``normalization``, ``ideal`` or ``anti_ideal`` argument wins over the
    options (a criteria set's ``method_options``), which win over the set's normalization.
    """
    norm, fi, fa = topsis_settings(cs, options, normalization, ideal, anti_ideal)
    res = topsis(
        x,
        cs.weights,
        cs.types,
        normalization=norm,  # type: ignore[arg-type]
        ideal=fi,
        anti_ideal=fa,
        distances=True,
        threads=threads,
    )
    assert res.d_ideal is not None  # distances=True
    assert res.d_anti_ideal is not None
    contrib = contributions(
        x, res.weights, res.scale, res.ideal, res.anti_ideal, res.d_ideal, res.d_anti_ideal
    )
    cols["score"] = res.scores
    cols["rank"] = rank_scores(res.scores)
    cols["d_ideal"] = res.d_ideal
    cols["d_anti_ideal"] = res.d_anti_ideal
    for j, cid in enumerate(cs.ids):
        cols[f"contrib_{cid}"] = contrib[:, j]
    return res
