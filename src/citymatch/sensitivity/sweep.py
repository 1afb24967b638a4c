"""One criterion's weight over [0, 1], the others rescaled proportionally: scores and ranks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from .._display import html_table
from .._validate import CriterionTypes, check_int
from ..scoring.ranks import rank_scores
from ._problem import F64, Source, as_problem, criterion_index, sweep_path
from ._terms import method_scores

__all__ = ["WeightSweepResult", "weight_sweep"]


@dataclass(frozen=True, repr=False, eq=False)
class WeightSweepResult:
    """Scores and ranks along a one-criterion weight sweep.

    Attributes
    ----------
    criterion : str
    weights : ndarray (P,)
        The swept criterion's weight at each point.
    weight_vectors : ndarray (P, M)
        Full weight vectors (others rescaled proportionally).
    scores, ranks : ndarray (P, N)
    ids : list of str
    base_weight : float

    The arrays are read-only.
    """

    criterion: str
    weights: F64
    weight_vectors: F64
    scores: F64
    ranks: NDArray[np.int64]
    ids: list[str]
    base_weight: float

    def to_frame(self) -> pd.DataFrame:
        """Long table: weight, id, score, rank."""
        p, n = self.scores.shape
        return pd.DataFrame(
            {
                "weight": np.repeat(self.weights, n),
                "id": np.tile(self.ids, p),
                "score": self.scores.ravel(),
                "rank": self.ranks.ravel(),
            }
        )

    def plot(self, *, top: int = 8, ax: Any = None) -> Any:
        """Rank trajectories of the candidates that are ever in the top ``top``."""
        from ..plot import weight_sweep as _plot

        return _plot(self, top=top, ax=ax)

    def __repr__(self) -> str:
        return (
            f"WeightSweepResult({self.criterion!r}: {len(self.weights)} points in "
            f"[{self.weights[0]:g}, {self.weights[-1]:g}], N={self.scores.shape[1]}, "
            f"base weight {self.base_weight:.3f})"
        )

    def _repr_html_(self) -> str:
        return html_table(self.to_frame(), repr(self))


def weight_sweep(
    source: Source,
    criterion: str | int,
    weights: ArrayLike | None = None,
    types: CriterionTypes | None = None,
    *,
    points: int = 101,
    normalization: str | None = None,
    labels: Sequence[str] | None = None,
    criteria: Sequence[str] | None = None,
    method: str | None = None,
    method_options: Mapping[str, object] | None = None,
) -> WeightSweepResult:
    """Vary one criterion's weight over [0, 1], the others rescaled proportionally.

    Parameters
    ----------
    source : Ranking or array_like (N, M)
        A ranking (its data, weights and criteria are reused) or a raw matrix.
    criterion : str or int
        The criterion to sweep (id, or index for raw arrays).
    weights, types : array_like, optional
        Required with a raw matrix; override a ranking's.
    points : int, default 101
        Grid points, including both ends.
    normalization : {"vector", "minmax", "max", "sum"}, optional
        Default: the ranking's, or ``"vector"``.
    labels, criteria : sequence of str, optional
        Candidate and criterion names for a raw matrix.
    method, method_options : optional
        The scoring method (default: the ranking's, or TOPSIS) and its parameters; the
        whole grid is one batched call.  ``scores`` are then the method's preference
        (higher is better: VIKOR's Q and SPOTIS are negated).

    Returns
    -------
    WeightSweepResult
    """
    p = as_problem(
        source,
        weights,
        types,
        normalization=normalization,
        labels=labels,
        criteria=criteria,
        method=method,
        method_options=method_options,
    )
    points = check_int(points, name="points", minimum=2)
    j = criterion_index(p, criterion)
    r, d = sweep_path(p.w, j)
    grid = np.linspace(0.0, 1.0, int(points))
    wv = np.maximum(r[None, :] + grid[:, None] * d[None, :], 0.0) + 0.0
    scores = method_scores(p, p.x, wv)
    ranks = rank_scores(scores)
    for arr in (grid, wv, scores, ranks):
        arr.setflags(write=False)
    return WeightSweepResult(p.criteria[j], grid, wv, scores, ranks, list(p.ids), float(p.w[j]))
