"""Counterfactuals on one candidate's own data: what it takes, and ranks under missing values.

:func:`what_it_takes` finds the smallest change of one cell that brings a candidate into the
top k; :func:`missing_rank_bounds` the rank range a candidate can have when some of its values
are missing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .._validate import CriterionTypes, check_int, check_known_criteria, check_real
from ..candidates import is_binary
from ..errors import CitymatchValueError
from ..io import read_table
from ..models.criteria import CriteriaSet, load_criteria
from ..rank import Ranking, rank
from ..scoring.ranks import rank_scores
from ._problem import Problem, Source, as_problem
from ._terms import scores_at

__all__ = ["missing_rank_bounds", "what_it_takes"]

#: Grid steps that bracket the threshold before bisection.
_GRID = 64


@dataclass(frozen=True)
class _Counterfactual:
    """One candidate's rank as one of its own cells moves (everything else fixed)."""

    p: Problem
    i: int

    def rank_at(self, j: int, value: float) -> int:
        x = self.p.x.copy()
        x[self.i, j] = value
        return int(rank_scores(scores_at(x, self.p.t, self.p.norm, self.p.w))[self.i])

    def needed(self, j: int, target: float, k: int, tol: float) -> float:
        """The value of cell j nearest the current one that puts the candidate in the top k.

        The path from the current value to ``target`` is bracketed on a grid, then bisected
        to ``tol``; NaN if no grid point reaches the top k.
        """
        cur = float(self.p.x[self.i, j])
        grid = np.linspace(cur, target, _GRID + 1)
        hit = next((g for g in grid[1:] if self.rank_at(j, g) <= k), None)
        if hit is None:
            return np.nan
        a, b = cur, float(hit)  # a fails, b succeeds
        while abs(b - a) > tol * max(1.0, abs(b)):
            mid = 0.5 * (a + b)
            if self.rank_at(j, mid) <= k:
                b = mid
            else:
                a = mid
        return b


def _ranges(
    source: Source, p: Problem, bounds: Mapping[str, tuple[float, float]] | None
) -> dict[str, tuple[float, float]]:
    """Each criterion's valid range: a Ranking's criterion ``range``, updated by ``bounds``."""
    ranges: dict[str, tuple[float, float]] = {}
    if isinstance(source, Ranking):
        ranges = {c.id: c.range for c in source.criteria.criteria if c.range is not None}
    if bounds:
        check_known_criteria(bounds, p.criteria, name="bounds")
        ranges.update(bounds)
    return ranges


def _binary_ids(source: Source, p: Problem, binary: Sequence[str] | None) -> set[str]:
    """The yes/no criteria: a Ranking's criteria with a yes/no unit, plus ``binary``."""
    ids = set(binary or ())
    check_known_criteria(ids, p.criteria, name="binary")
    if isinstance(source, Ranking):
        ids |= {c.id for c in source.criteria.criteria if is_binary(c)}
    for j, cid in enumerate(p.criteria):
        col = p.x[:, j]
        if cid in ids and not np.isin(col, (0.0, 1.0)).all():
            raise CitymatchValueError(
                f"criterion {cid!r} is yes/no but holds values other than 0 and 1; got "
                f"{sorted(set(col[~np.isin(col, (0.0, 1.0))].tolist()))[:5]}."
            )
    return ids


def _answer(cid: str, cur: float, needed: float, text: str) -> dict[str, object]:
    """One row of :func:`what_it_takes` (``needed`` NaN: not reachable)."""
    reach = bool(np.isfinite(needed))
    return {
        "criterion": cid,
        "current": cur,
        "needed": needed,
        "change": needed - cur if reach else np.nan,
        "reachable": reach,
        "explanation": text,
    }


def _flip_row(cf: _Counterfactual, j: int, cid: str, k: int, already: bool) -> dict[str, object]:
    """What it takes on a yes/no criterion: only flipping it (0 ↔ 1), never a fraction."""
    cur = float(cf.p.x[cf.i, j])
    flipped = 1.0 - cur
    improving = (flipped > cur) == (cf.p.t[j] > 0)
    name = cf.p.ids[cf.i]
    if already:
        needed, text = cur, f"{name} is already in the top {k}"
    elif improving and cf.rank_at(j, flipped) <= k:
        needed = flipped
        text = f"{name} enters the top {k} if {cid} flips from {cur:g} to {flipped:g} (yes/no)"
    else:
        needed = np.nan
        why = (
            f"flipping it to {flipped:g} is not enough"
            if improving
            else f"{cur:g} is its better value"
        )
        text = f"{name} cannot enter the top {k} by changing {cid} alone (yes/no: {why})"
    return _answer(cid, cur, needed, text)


def what_it_takes(
    source: Source,
    candidate: str | int,
    weights: ArrayLike | None = None,
    types: CriterionTypes | None = None,
    *,
    k: int = 3,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    binary: Sequence[str] | None = None,
    tol: float = 1e-9,
    normalization: str | None = None,
    labels: Sequence[str] | None = None,
    criteria: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Per criterion, the smallest change of one candidate's own value that puts it in the top k.

    Only that cell changes; everything else (other candidates, weights) is fixed, and the
    column statistics (ideal points, normalisation) are recomputed as the value moves.  The
    search runs in the improving direction up to the criterion's valid range (a Ranking's
    criterion ``range``, or ``bounds``), by default the observed column range extended by its
    width; the threshold is bracketed on a grid and bisected to ``tol``.  A proposal never
    leaves that range: when the top k is out of reach within it, the row says so.

    A yes/no criterion (a Ranking's criterion whose unit is ``"0/1"``, ``"yes/no"`` …, see
    :func:`citymatch.candidates.is_binary`, or an id listed in ``binary``) can only flip:
    ``needed`` is the other value (0 ↔ 1) when flipping is enough, never a fraction.

    Returns
    -------
    DataFrame
        One row per criterion: ``current``, ``needed`` (NaN if not reachable), ``change``,
        ``reachable``, and a sentence (e.g. "lisbon enters the top 3 if sector_alignment
        rises from 0.40 to 0.62", "… if fta flips from 0 to 1 (yes/no)").

    Raises
    ------
    CitymatchValueError
        An unknown candidate, ``k`` outside 1..N−1, unknown criteria in ``bounds`` or
        ``binary``, or a yes/no criterion holding values other than 0 and 1.
    """
    p = as_problem(
        source, weights, types, normalization=normalization, labels=labels, criteria=criteria
    )
    n = p.x.shape[0]
    if str(candidate) not in p.ids:
        raise CitymatchValueError(
            f"`candidate` must be one of the candidate ids; got {candidate!r}."
        )
    k = check_int(k, name="k", maximum=n - 1)
    tol = check_real(tol, name="tol", minimum=0.0)
    ranges = _ranges(source, p, bounds)
    flips = _binary_ids(source, p, binary)
    cf = _Counterfactual(p, p.ids.index(str(candidate)))
    already = cf.rank_at(0, float(p.x[cf.i, 0])) <= k
    name = p.ids[cf.i]
    rows = []
    for j, cid in enumerate(p.criteria):
        if cid in flips:
            rows.append(_flip_row(cf, j, cid, k, already))
            continue
        cur = float(p.x[cf.i, j])
        col = p.x[:, j]
        width = col.max() - col.min()
        lo, hi = ranges.get(cid, (col.min() - width, col.max() + width))
        target = hi if p.t[j] > 0 else lo
        improving = (p.t[j] > 0 and target > cur) or (p.t[j] < 0 and target < cur)
        needed = cur if already else cf.needed(j, target, k, tol) if improving else np.nan
        reach = bool(np.isfinite(needed))
        verb = "rises" if p.t[j] > 0 else "falls"
        text = (
            f"{name} is already in the top {k}"
            if already
            else f"{name} enters the top {k} if {cid} {verb} from {cur:.4g} to {needed:.4g}"
            if reach
            else f"{name} cannot enter the top {k} by changing {cid} alone "
            f"(within [{lo:.4g}, {hi:.4g}])"
        )
        rows.append(_answer(cid, cur, needed, text))
    return pd.DataFrame(rows)


def missing_rank_bounds(
    candidates: pd.DataFrame | str | os.PathLike[str],
    criteria: CriteriaSet | str | Path,
    **rank_kwargs: Any,
) -> pd.DataFrame:
    """Best and worst possible rank of each candidate with missing criterion values.

    Each such candidate is ranked twice, with its missing values filled by the column's
    best and by its worst observed value (other candidates' gaps filled with the worst).
    ``rank_kwargs`` are passed to :func:`citymatch.rank` (``missing`` is always ``"worst"``).

    Returns
    -------
    DataFrame
        ``id``, ``missing`` (columns), ``best_rank``, ``worst_rank``, ``of``.
    """
    table = read_table(candidates)
    cs = load_criteria(criteria)
    id_col = rank_kwargs.get("id_column", "id")
    ids = table[id_col] if id_col in table.columns else pd.Series(table.index, index=table.index)
    cols = list(cs.columns)
    rows = []
    for pos in np.flatnonzero(table[cols].isna().any(axis=1).to_numpy()):
        miss = [c for c in cols if pd.isna(table[c].iloc[pos])]
        out: dict[str, int | None] = {}
        for label in ("best", "worst"):
            t2 = table.copy()
            for c, crit in zip(cols, cs.criteria, strict=True):
                if c in miss:
                    high = (crit.direction == "benefit") == (label == "best")
                    t2.loc[t2.index[int(pos)], c] = t2[c].max() if high else t2[c].min()
            r = rank(t2, cs, missing="worst", **rank_kwargs).to_frame().set_index("id")
            out[label] = int(r.loc[ids.iloc[pos], "rank"]) if ids.iloc[pos] in r.index else None
            out["of"] = len(r)
        rows.append(
            {
                "id": ids.iloc[pos],
                "missing": miss,
                "best_rank": out["best"],
                "worst_rank": out["worst"],
                "of": out["of"],
            }
        )
    return pd.DataFrame(rows, columns=["id", "missing", "best_rank", "worst_rank", "of"])
