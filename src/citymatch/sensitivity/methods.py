"""Other methods and rank reversal: does the ranking survive another method or candidate set."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from .._display import html_table
from .._validate import CriterionTypes
from ..errors import (
    ArgumentError,
    ArgumentTypeError,
    CitymatchTypeError,
    CitymatchValueError,
    ShapeError,
)
from ..scoring.ranks import rank_scores, tie_round
from ..scoring.registry import METHODS as SCORING_METHODS
from ..scoring.registry import check_options, method_spec
from ._problem import F64, Problem, Source, as_problem
from ._terms import scores_at

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["METHODS", "MethodAgreementResult", "consensus", "method_agreement", "rank_reversal"]

#: Methods :func:`method_agreement` can compare: every scoring method of citymatch.
METHODS = tuple(sorted(SCORING_METHODS))


def _method_ranks(name: str, p: Problem, options: Mapping[str, object]) -> NDArray[np.float64]:
    """Ranks (1 = best) of the problem's candidates under one method."""
    spec = check_options(name, options)
    if spec.name == "TOPSIS" and not options:  # the problem's normalisation
        return rank_scores(scores_at(p.x, p.t, p.norm, p.w)).astype(np.float64)
    return np.asarray(spec.function(p.x, p.w, p.t, **options).ranks, dtype=np.float64)


def consensus(ranks: pd.DataFrame) -> pd.DataFrame:
    """Borda and Copeland consensus of several rankings (candidates × rankings, 1 = best).

    Borda points: Σ over rankings of N − rank.  Copeland points: the pairs a candidate wins
    by a majority of rankings minus the pairs it loses (a tie in the majority counts for
    neither).  Each with its competition rank.  Any rankings may be passed — methods,
    analysts, weight scenarios.
    """
    r = ranks
    ranks_arr = r.to_numpy(dtype=np.float64)
    n = ranks_arr.shape[0]
    borda = (n - ranks_arr).sum(axis=1)
    better = (ranks_arr[:, None, :] < ranks_arr[None, :, :]).sum(
        axis=2
    )  # methods putting a above b
    wins = (better > better.T).sum(axis=1)
    losses = (better < better.T).sum(axis=1)
    copeland = (wins - losses).astype(np.float64)
    return pd.DataFrame(
        {
            "borda": borda,
            "borda_rank": rank_scores(borda),
            "copeland": copeland,
            "copeland_rank": rank_scores(copeland),
        },
        index=r.index,
    )


@dataclass(frozen=True, repr=False, eq=False)
class MethodAgreementResult:
    """Full rankings under several methods, their rank correlations and a consensus.

    Attributes
    ----------
    ranks : DataFrame
        Candidates × methods, competition ranks (1 = best).
    weighted_spearman, ws_similarity : DataFrame
        Methods × methods: weighted Spearman r_w and the WS similarity coefficient
        (Sałabun & Urbaniak 2020; WS is asymmetric, the row is the reference).
    consensus : DataFrame
        Per candidate: Borda points (Σ over methods of N − rank) and Copeland points
        (pairs won by a majority of methods minus pairs lost), each with its rank.
    """

    ranks: pd.DataFrame
    weighted_spearman: pd.DataFrame
    ws_similarity: pd.DataFrame
    consensus: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """Candidates × (methods' ranks, Borda and Copeland consensus) — a copy."""
        return self.ranks.join(self.consensus)

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Each candidate's rank under each method, one line per candidate (``plot`` extra)."""
        from ..plot import method_ranks

        return method_ranks(self, ax=ax)

    def __repr__(self) -> str:
        rw = self.weighted_spearman.to_numpy(float)
        off = rw[~np.eye(rw.shape[0], dtype=bool)]
        top = self.consensus.sort_values("borda_rank", kind="stable").index[0]
        return (
            f"MethodAgreementResult({', '.join(self.ranks.columns)}; weighted Spearman "
            f"{off.min():.3f}–{off.max():.3f} between methods; Borda consensus first: {top})"
        )

    def _repr_html_(self) -> str:
        return html_table(self.weighted_spearman, repr(self))


def method_agreement(
    source: Source,
    weights: ArrayLike | None = None,
    types: CriterionTypes | None = None,
    *,
    methods: Sequence[str] = ("TOPSIS", "VIKOR", "PROMETHEE_II", "SPOTIS"),
    method_options: Mapping[str, Mapping[str, object]] | None = None,
    normalization: str | None = None,
    labels: Sequence[str] | None = None,
    criteria: Sequence[str] | None = None,
) -> MethodAgreementResult:
    """Rank the same data with several methods, compare the rankings, build a consensus.

    Every method is citymatch's own (:data:`citymatch.METHODS`).  ``"TOPSIS"`` uses
    ``normalization`` (default: the ranking's, or ``"vector"``) unless options are given
    for it; the others use their defaults or ``method_options[name]`` (e.g.
    ``{"VIKOR": {"v": 0.3}, "PROMETHEE_II": {"preference": "linear", "q": 0, "p": 2}}``).

    Returns
    -------
    MethodAgreementResult
        ``ranks`` (candidates × methods), ``weighted_spearman`` and ``ws_similarity``
        (methods × methods), ``consensus`` (Borda and Copeland), ``plot()``.
    """
    from pymcdm import correlations as corr

    if isinstance(methods, str) or not isinstance(methods, Iterable):
        raise ArgumentTypeError(
            f"`methods` must be a sequence of method names (e.g. ['topsis', 'vikor']); "
            f"got {methods!r}."
        )
    names = list(methods)
    if len(names) < 2:
        raise CitymatchValueError(f"`methods` must name at least 2 methods; got {names}.")
    names = [_canonical(m, "methods") for m in names]
    # the problem as TOPSIS sees it only when TOPSIS is compared (or its normalisation given)
    lead = "TOPSIS" if "TOPSIS" in names or normalization is not None else names[0]
    p = as_problem(
        source,
        weights,
        types,
        normalization=normalization,
        labels=labels,
        criteria=criteria,
        method=lead,
    )
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise CitymatchValueError(f"`methods` names a method more than once: {twice}.")
    if method_options is not None and not isinstance(method_options, Mapping):
        raise CitymatchTypeError(
            f"`method_options` must map method names to option mappings; got {method_options!r}."
        )
    opts = {_canonical(k, "method_options"): v for k, v in (method_options or {}).items()}
    bad = {k: v for k, v in opts.items() if not isinstance(v, Mapping)}
    if bad:
        raise CitymatchTypeError(
            f"`method_options` must give each method a mapping of options (e.g. "
            f"{{'VIKOR': {{'v': 0.3}}}}); got {bad}."
        )
    stray = sorted(set(opts) - set(names))
    if stray:
        raise CitymatchValueError(f"`method_options` names methods not compared: {stray}.")
    r = pd.DataFrame(
        {name: _method_ranks(name, p, opts.get(name, {})) for name in names},
        index=pd.Index(p.ids, name="id"),
    )
    rw = pd.DataFrame(index=names, columns=names, dtype=float)
    ws = pd.DataFrame(index=names, columns=names, dtype=float)
    for a in names:
        for b in names:
            rw.loc[a, b] = corr.weighted_spearman(r[a].to_numpy(float), r[b].to_numpy(float))
            ws.loc[a, b] = corr.ws(r[a].to_numpy(float), r[b].to_numpy(float))
    return MethodAgreementResult(r, rw, ws, consensus(r))


def _canonical(name: object, arg: str) -> str:
    """A method's canonical name (the registry's aliases, any case), or an error naming ``arg``."""
    try:
        return method_spec(name).name
    except ArgumentError:
        raise CitymatchValueError(
            f"`{arg}` must be among {list(METHODS)}; got [{name!r}]."
        ) from None


def _swaps(
    label: str, ids: list[str], keep: NDArray[np.int64], before: F64, after: F64
) -> list[dict[str, str]]:
    """Pairs (a, b) of kept candidates with a strictly ahead before and strictly behind after."""
    b0 = tie_round(before[keep])
    b1 = tie_round(after[: keep.size])
    ahead0 = b0[:, None] > b0[None, :]
    behind1 = b1[:, None] < b1[None, :]
    return [
        {"change": label, "a": ids[keep[a]], "b": ids[keep[b]]}
        for a, b in zip(*np.nonzero(ahead0 & behind1), strict=True)
    ]


def rank_reversal(
    source: Source,
    weights: ArrayLike | None = None,
    types: CriterionTypes | None = None,
    *,
    remove: Sequence[str] | None = None,
    add: Mapping[str, Sequence[float]] | None = None,
    normalization: str | None = None,
    labels: Sequence[str] | None = None,
    criteria: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Which pairs of candidates swap order when one candidate is removed or added.

    Parameters
    ----------
    remove : sequence of ids, optional
        Candidates to remove, one at a time (default: every candidate in turn).
    add : mapping id → values, optional
        Candidates to add, one at a time (values in criterion order).

    Returns
    -------
    DataFrame
        ``change`` ("remove x" / "add y"), ``a``, ``b`` (a was ahead of b before, behind after).
    """
    p = as_problem(
        source, weights, types, normalization=normalization, labels=labels, criteria=criteria
    )
    n, m = p.x.shape
    base = scores_at(p.x, p.t, p.norm, p.w)
    rows: list[dict[str, str]] = []
    targets = p.ids if remove is None else [str(r) for r in remove]
    for rid in targets:
        if rid not in p.ids:
            raise CitymatchValueError(f"`remove` names an unknown candidate {rid!r}.")
        i = p.ids.index(rid)
        keep = np.array([h for h in range(n) if h != i], dtype=np.int64)
        if keep.size >= 2:
            after = scores_at(p.x[keep], p.t, p.norm, p.w)
            rows += _swaps(f"remove {rid}", p.ids, keep, base, after)
    for aid, values in (add or {}).items():
        row = np.asarray(values, dtype=np.float64)
        if row.shape != (m,) or not np.isfinite(row).all():
            raise ShapeError(
                f"`add[{aid!r}]` must be {m} finite values (criterion order); got {list(values)}."
            )
        after = scores_at(np.vstack([p.x, row]), p.t, p.norm, p.w)
        rows += _swaps(f"add {aid}", p.ids, np.arange(n, dtype=np.int64), base, after)
    return pd.DataFrame(rows, columns=["change", "a", "b"])
