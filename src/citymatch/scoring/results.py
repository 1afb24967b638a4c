"""Frozen result types: named fields, ``to_frame()``, a compact repr and an HTML repr."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._display import html_table
from .ranks import rank_scores

F64 = NDArray[np.float64]

__all__ = ["AHPResult", "GroupAHPResult", "TopsisResult"]


@dataclass(frozen=True, repr=False, eq=False)
class TopsisResult:
    """Result of :func:`citymatch.topsis`.

    Attributes
    ----------
    scores : ndarray, (N,) or (K, N)
        Relative closeness ``D⁻ / (D⁺ + D⁻)`` in [0, 1]; higher is better.
    d_ideal, d_anti_ideal : ndarray, same shape as ``scores``
        Euclidean distances to the weighted ideal and anti-ideal points, in the
        weighted normalised space (weights summing to 1).  For a (K, N) batch, and for
        a large matrix on the compiled kernels, they are computed on first access from the
        matrix passed in, so that scoring writes only the scores; if that matrix was
        modified in the meantime, the access raises instead of returning distances that
        do not match the scores.
    ideal, anti_ideal : ndarray, (M,)
        Ideal and anti-ideal points in the raw units of the matrix.
    weighted_ideal, weighted_anti_ideal : ndarray, (M,) or (K, M)
        The same points in the weighted normalised space (``v⁺``, ``v⁻`` in
        Hwang & Yoon's notation).
    weights : ndarray, (M,) or (K, M)
        The weights used, normalised to sum to 1 per vector.
    types : ndarray of int8, (M,)
        ``+1`` benefit, ``-1`` cost.
    scale : ndarray, (M,)
        The normalisation divisor ``s_j`` of each criterion (0 for a criterion whose
        values cannot separate candidates).
    normalization : str
        ``"vector"``, ``"minmax"``, ``"max"`` or ``"sum"``.
    """

    scores: F64
    ideal: F64
    anti_ideal: F64
    weighted_ideal: F64
    weighted_anti_ideal: F64
    weights: F64
    types: NDArray[np.int8]
    scale: F64
    normalization: str
    method: str = field(default="TOPSIS")
    _distances: tuple[F64, F64] | None = field(default=None, repr=False)
    _compute_distances: Callable[[], tuple[F64, F64]] | None = field(default=None, repr=False)

    def _dist(self) -> tuple[F64, F64]:
        if self._distances is None:
            assert self._compute_distances is not None
            object.__setattr__(self, "_distances", self._compute_distances())
            object.__setattr__(self, "_compute_distances", None)
        assert self._distances is not None
        return self._distances

    @property
    def d_ideal(self) -> F64:
        """Distances to the weighted ideal point (computed on first access for a batch)."""
        return self._dist()[0]

    @property
    def d_anti_ideal(self) -> F64:
        """Distances to the weighted anti-ideal point (computed on first access for a batch)."""
        return self._dist()[1]

    @property
    def batched(self) -> bool:
        """Whether the result holds K weight vectors (scores of shape (K, N))."""
        return self.scores.ndim == 2

    @property
    def ranks(self) -> NDArray[np.int64]:
        """Competition ranks of ``scores`` (1 = best, ties share a rank)."""
        return rank_scores(self.scores)

    def normalize(self, matrix: Any) -> F64:
        """Normalised (oriented for min-max) values of ``matrix`` under this result's scale.

        Provided for inspection and teaching; the kernel itself never builds it.
        """
        x = np.asarray(matrix, dtype=np.float64)
        safe = np.where(self.scale > 0, self.scale, 1.0)
        if self.normalization == "minmax":
            return np.where(self.scale > 0, np.abs(x - self.anti_ideal) / safe, 0.0)
        return np.where(self.scale > 0, x / safe, 0.0)

    def to_frame(self) -> pd.DataFrame:
        """Scores, ranks and distances per candidate (one row each; long form if batched)."""
        if not self.batched:
            return pd.DataFrame(
                {
                    "score": self.scores,
                    "rank": self.ranks,
                    "d_ideal": self.d_ideal,
                    "d_anti_ideal": self.d_anti_ideal,
                }
            ).rename_axis("candidate")
        k, n = self.scores.shape
        return pd.DataFrame(
            {
                "weights": np.repeat(np.arange(k), n),
                "candidate": np.tile(np.arange(n), k),
                "score": self.scores.ravel(),
                "rank": self.ranks.ravel(),
                "d_ideal": self.d_ideal.ravel(),
                "d_anti_ideal": self.d_anti_ideal.ravel(),
            }
        )

    def _footer(self) -> str:
        m = self.ideal.shape[0]
        shape = self.scores.shape
        k = f", K={shape[0]} weight vectors" if self.batched else ""
        return f"TOPSIS · {self.normalization} normalisation · N={shape[-1]} × M={m}{k}"

    def __repr__(self) -> str:
        if self.batched:
            return f"TopsisResult({self._footer()})"
        best = int(np.argmax(self.scores))
        return (
            f"TopsisResult({self._footer()}, best=candidate {best} (score {self.scores[best]:.4f}))"
        )

    def _repr_html_(self) -> str:
        frame = self.to_frame()
        if not self.batched:
            frame = frame.sort_values("rank", kind="stable")
        return html_table(frame, self._footer())


@dataclass(frozen=True, repr=False, eq=False)
class AHPResult:
    """Result of :func:`citymatch.ahp`.

    Attributes
    ----------
    weights : ndarray, (n,) or (K, n)
        Priority vector(s), summing to 1.
    lambda_max : float or ndarray (K,)
        Principal eigenvalue of the pairwise matrix (whatever the prioritisation
        method: consistency is a property of the matrix).
    ci : float or ndarray (K,)
        Consistency index ``(λmax − n) / (n − 1)`` (0 for n ≤ 2).
    cr : float or ndarray (K,)
        Consistency ratio ``CI / RI(n)``; 0 for n ≤ 2.
    ri : float
        The random index used.
    ri_table : str
        Name of the random-index table (or ``"custom"``).
    consistent : bool or ndarray (K,)
        ``cr <= threshold``.
    threshold : float
    method : str
        ``"eigenvector"`` or ``"geometric_mean"``.
    labels : tuple of str or None
        Element names, if given.
    """

    weights: F64
    lambda_max: Any
    ci: Any
    cr: Any
    ri: float
    ri_table: str
    consistent: Any
    threshold: float
    method: str
    labels: tuple[str, ...] | None = None

    @property
    def n(self) -> int:
        """Number of compared elements."""
        return int(self.weights.shape[-1])

    @property
    def batched(self) -> bool:
        """Whether the result holds a stack of K matrices."""
        return self.weights.ndim == 2

    def to_frame(self) -> pd.DataFrame:
        """Weights per element (columns per matrix when batched)."""
        index = pd.Index(list(self.labels) if self.labels else list(range(self.n)), name="element")
        if not self.batched:
            return pd.DataFrame({"weight": self.weights}, index=index)
        return pd.DataFrame(self.weights.T, index=index)

    def _footer(self) -> str:
        k = f", K={self.weights.shape[0]} matrices" if self.batched else ""
        return f"AHP · {self.method} · n={self.n}{k} · RI table {self.ri_table} (RI={self.ri:g})"

    def __repr__(self) -> str:
        if self.batched:
            share = float(np.mean(self.consistent))
            return f"AHPResult({self._footer()}, {share:.1%} consistent at CR ≤ {self.threshold:g})"
        ok = "consistent" if self.consistent else "NOT consistent"
        return (
            f"AHPResult(weights={np.round(self.weights, 4).tolist()}, "
            f"λmax={self.lambda_max:.4f}, CI={self.ci:.4f}, CR={self.cr:.4f} "
            f"({ok} at {self.threshold:g}), {self._footer()})"
        )

    def _repr_html_(self) -> str:
        extra = "" if self.batched else f" · λmax={self.lambda_max:.4f} · CR={self.cr:.4f}"
        return html_table(self.to_frame(), self._footer() + extra)


@dataclass(frozen=True, repr=False, eq=False)
class GroupAHPResult:
    """Result of :func:`citymatch.ahp_group`: the aggregated judgements and each expert's CR.

    Attributes
    ----------
    aggregate : AHPResult
        AHP of the element-wise (weighted) geometric mean of the experts' matrices (AIJ).
    matrix : ndarray (n, n)
        The aggregated pairwise matrix.
    experts : AHPResult
        Batched result over the experts' own matrices (``experts.cr[e]`` is expert e's CR).
    expert_weights : ndarray (E,)
        Weights of the experts in the aggregation, summing to 1.
    """

    aggregate: AHPResult
    matrix: F64
    experts: AHPResult
    expert_weights: F64

    @property
    def weights(self) -> F64:
        """Priority vector of the aggregated matrix."""
        return self.aggregate.weights

    @property
    def cr(self) -> float:
        """Consistency ratio of the aggregated matrix."""
        return float(self.aggregate.cr)

    def to_frame(self) -> pd.DataFrame:
        """Per-expert consistency and aggregation weight."""
        return pd.DataFrame(
            {
                "expert_weight": self.expert_weights,
                "cr": np.asarray(self.experts.cr),
                "consistent": np.asarray(self.experts.consistent),
            }
        ).rename_axis("expert")

    def __repr__(self) -> str:
        return (
            f"GroupAHPResult(experts={len(self.expert_weights)}, "
            f"weights={np.round(self.weights, 4).tolist()}, CR={self.cr:.4f}, "
            f"expert CR={np.round(np.asarray(self.experts.cr), 4).tolist()})"
        )

    def _repr_html_(self) -> str:
        return html_table(self.to_frame(), repr(self))
