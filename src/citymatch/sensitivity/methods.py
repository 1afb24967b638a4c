"""Other methods and rank reversal: does the ranking survive another method or candidate set."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from .._display import html_table
from .._validate import CriterionTypes
from ..errors import CitymatchValueError, ShapeError
from ..scoring.ranks import rank_scores, tie_round
from ._problem import F64, Problem, Source, as_problem
from ._terms import scores_at

__all__ = ["METHODS", "MethodAgreementResult", "method_agreement", "rank_reversal"]

#: Methods :func:`method_agreement` can compare; TOPSIS is citymatch's own kernel, the
#: others come from pymcdm.
METHODS = ("COPRAS", "MABAC", "PROMETHEE_II", "SPOTIS", "TOPSIS", "VIKOR", "WSM")


def _pymcdm_factories(x: F64) -> dict[str, Callable[[], Any]]:
    from pymcdm import methods as pm

    bounds = np.column_stack([x.min(axis=0), x.max(axis=0)])
    same = bounds[:, 0] == bounds[:, 1]
    bounds[same, 1] = bounds[same, 0] + 1.0  # SPOTIS needs non-degenerate bounds
    return {
        "VIKOR": lambda: pm.VIKOR(),
        "PROMETHEE_II": lambda: pm.PROMETHEE_II("usual"),
        "SPOTIS": lambda: pm.SPOTIS(bounds),
        "WSM": lambda: pm.WSM(),
        "COPRAS": lambda: pm.COPRAS(),
        "MABAC": lambda: pm.MABAC(),
    }


def _method_ranks(name: str, p: Problem) -> NDArray[np.float64]:
    """Ranks (1 = best) of the problem's candidates under one method."""
    if name == "TOPSIS":  # citymatch's own TOPSIS, with the problem's normalisation
        return rank_scores(scores_at(p.x, p.t, p.norm, p.w)).astype(np.float64)
    obj = _pymcdm_factories(p.x)[name]()
    pref = obj(p.x, p.w, p.t.astype(int), validation=False)
    return np.asarray(obj.rank(pref), dtype=np.float64)


@dataclass(frozen=True, repr=False, eq=False)
class MethodAgreementResult:
    """Ranks under several MCDA methods and their pairwise rank correlations."""

    ranks: pd.DataFrame
    weighted_spearman: pd.DataFrame
    ws_similarity: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """Candidates × methods ranks (a copy)."""
        return self.ranks.copy()

    def __repr__(self) -> str:
        rw = self.weighted_spearman.to_numpy(float)
        off = rw[~np.eye(rw.shape[0], dtype=bool)]
        return (
            f"MethodAgreementResult({', '.join(self.ranks.columns)}; weighted Spearman "
            f"{off.min():.3f}–{off.max():.3f} between methods)"
        )

    def _repr_html_(self) -> str:
        return html_table(self.weighted_spearman, repr(self))


def method_agreement(
    source: Source,
    weights: ArrayLike | None = None,
    types: CriterionTypes | None = None,
    *,
    methods: Sequence[str] = ("TOPSIS", "VIKOR", "PROMETHEE_II", "SPOTIS"),
    normalization: str | None = None,
    labels: Sequence[str] | None = None,
    criteria: Sequence[str] | None = None,
) -> MethodAgreementResult:
    """Rank the same data with several methods (pymcdm, behind citymatch's validation).

    ``"TOPSIS"`` is citymatch's own TOPSIS with ``normalization`` (default: the ranking's,
    or ``"vector"``), so its column equals :func:`citymatch.topsis` ranks; the other methods
    (pymcdm's VIKOR, PROMETHEE II, SPOTIS, WSM, COPRAS, MABAC) use their own definitions.

    Returns
    -------
    MethodAgreementResult
        ``ranks``: candidates × methods (1 = best); ``weighted_spearman`` and
        ``ws_similarity``: methods × methods rank correlations — the weighted Spearman
        coefficient r_w and the WS similarity coefficient (Sałabun & Urbaniak 2020), which
        weight agreement at the top more (WS is asymmetric: the row is the reference).
    """
    from pymcdm import correlations as corr

    p = as_problem(
        source, weights, types, normalization=normalization, labels=labels, criteria=criteria
    )
    methods = list(methods)
    if len(methods) < 2:
        raise CitymatchValueError(f"`methods` must name at least 2 methods; got {methods}.")
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise CitymatchValueError(f"`methods` must be among {list(METHODS)}; got {unknown}.")
    r = pd.DataFrame(
        {name: _method_ranks(name, p) for name in methods}, index=pd.Index(p.ids, name="id")
    )
    rw = pd.DataFrame(index=methods, columns=methods, dtype=float)
    ws = pd.DataFrame(index=methods, columns=methods, dtype=float)
    for a in methods:
        for b in methods:
            rw.loc[a, b] = corr.weighted_spearman(r[a].to_numpy(float), r[b].to_numpy(float))
            ws.loc[a, b] = corr.ws(r[a].to_numpy(float), r[b].to_numpy(float))
    return MethodAgreementResult(r, rw, ws)


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
