"""Frozen result types: named fields, ``to_frame()``, a compact repr and an HTML repr."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from .._display import html_table
from ..errors import CitymatchValueError, ShapeError
from ._kernels import closeness, distances_batch
from .ranks import rank_scores

F64 = NDArray[np.float64]

__all__ = [
    "AHPBatchResult",
    "AHPResult",
    "GroupAHPResult",
    "TopsisResult",
    "freeze_arrays",
    "readonly",
]


def readonly(arr: NDArray[Any]) -> NDArray[Any]:
    """A read-only view of ``arr`` (the result owns the data; nobody can change it in place)."""
    view = arr.view()
    view.flags.writeable = False
    return view


def freeze_arrays(obj: object) -> None:
    """Make every numpy array field of a frozen dataclass instance read-only (at init)."""
    for name, value in vars(obj).items():
        if isinstance(value, np.ndarray):
            object.__setattr__(obj, name, readonly(value))


@dataclass(frozen=True, repr=False, eq=False)
class TopsisResult:
    """Result of :func:`citymatch.topsis`: an immutable value (read-only arrays).

    Attributes
    ----------
    scores : ndarray, (N,) or (K, N)
        Relative closeness ``D⁻ / (D⁺ + D⁻)`` in [0, 1]; higher is better.
    d_ideal, d_anti_ideal : ndarray, same shape as ``scores``, or None
        Euclidean distances to the weighted ideal and anti-ideal points, in the
        weighted normalised space (weights summing to 1).  None when the call did not
        ask for them (``distances=False``, the default for a (K, N) batch); recompute
        them from the same matrix with :meth:`distances`.
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
    d_ideal: F64 | None
    d_anti_ideal: F64 | None
    ideal: F64
    anti_ideal: F64
    weighted_ideal: F64
    weighted_anti_ideal: F64
    weights: F64
    types: NDArray[np.int8]
    scale: F64
    normalization: str
    method: str = field(default="TOPSIS")

    def __post_init__(self) -> None:
        freeze_arrays(self)

    def distances(self, matrix: ArrayLike) -> tuple[F64, F64]:
        """``(d_ideal, d_anti_ideal)`` recomputed from ``matrix``, the one that was scored.

        The distances follow from this result's geometry (ideal points, scale, weights);
        a matrix that is not the one scored is refused: its distances would not give
        these scores.

        Raises
        ------
        ShapeError
            ``matrix`` has the wrong shape.
        CitymatchValueError
            The distances do not reproduce ``scores`` (a different or modified matrix).
        """
        x = np.asarray(matrix)
        n = self.scores.shape[-1]
        if x.ndim != 2 or x.shape != (n, self.ideal.shape[0]):
            raise ShapeError(
                f"`matrix` must have the scored shape ({n}, {self.ideal.shape[0]}); "
                f"got shape {x.shape}."
            )
        safe = np.where(self.scale > 0, self.scale, 1.0)
        live = (self.scale > 0) & (self.ideal != self.anti_ideal)
        coef = np.atleast_2d(self.weights) * np.where(live, 1.0 / safe, 0.0)
        dp, dm = distances_batch(x, self.ideal, self.anti_ideal, coef)
        if not np.allclose(closeness(dp, dm), np.atleast_2d(self.scores), rtol=0, atol=1e-9):
            raise CitymatchValueError(
                "`matrix` is not the matrix these scores came from (its distances do not "
                "reproduce the scores); pass the matrix that was scored, unchanged."
            )
        if self.scores.ndim == 1:
            return readonly(dp[0]), readonly(dm[0])
        return readonly(dp), readonly(dm)

    @property
    def batched(self) -> bool:
        """Whether the result holds K weight vectors (scores of shape (K, N))."""
        return self.scores.ndim == 2

    @property
    def ranks(self) -> NDArray[np.int64]:
        """Competition ranks of ``scores`` (1 = best, ties share a rank)."""
        return rank_scores(self.scores)

    def normalize(self, matrix: ArrayLike) -> F64:
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
        dist = (
            {}
            if self.d_ideal is None or self.d_anti_ideal is None
            else {"d_ideal": self.d_ideal.ravel(), "d_anti_ideal": self.d_anti_ideal.ravel()}
        )
        if not self.batched:
            return pd.DataFrame({"score": self.scores, "rank": self.ranks, **dist}).rename_axis(
                "candidate"
            )
        k, n = self.scores.shape
        return pd.DataFrame(
            {
                "weights": np.repeat(np.arange(k), n),
                "candidate": np.tile(np.arange(n), k),
                "score": self.scores.ravel(),
                "rank": self.ranks.ravel(),
                **dist,
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


class _Compared:
    """What both AHP results share: ``n``, the element index, read-only arrays."""

    weights: F64
    labels: tuple[str, ...] | None

    def __post_init__(self) -> None:
        freeze_arrays(self)

    @property
    def n(self) -> int:
        """Number of compared elements."""
        return int(self.weights.shape[-1])

    def _elements(self) -> pd.Index:
        return pd.Index(list(self.labels) if self.labels else list(range(self.n)), name="element")


@dataclass(frozen=True, repr=False, eq=False)
class AHPResult(_Compared):
    """Result of :func:`citymatch.ahp` for one pairwise matrix (read-only arrays).

    Attributes
    ----------
    weights : ndarray, (n,)
        Priority vector, summing to 1.
    lambda_max : float
        Principal eigenvalue of the pairwise matrix (whatever the prioritisation
        method: consistency is a property of the matrix).
    ci : float
        Consistency index ``(λmax − n) / (n − 1)`` (0 for n ≤ 2).
    cr : float
        Consistency ratio ``CI / RI(n)``; 0 for n ≤ 2.
    ri : float
        The random index used.
    ri_table : str
        Name of the random-index table (or ``"custom"``).
    consistent : bool
        ``cr <= threshold``.
    threshold : float
    method : str
        ``"eigenvector"`` or ``"geometric_mean"``.
    labels : tuple of str or None
        Element names, if given.
    """

    weights: F64
    lambda_max: float
    ci: float
    cr: float
    ri: float
    ri_table: str
    consistent: bool
    threshold: float
    method: str
    labels: tuple[str, ...] | None = None

    def to_frame(self) -> pd.DataFrame:
        """Weights per element."""
        return pd.DataFrame({"weight": self.weights}, index=self._elements())

    def _footer(self) -> str:
        return f"AHP · {self.method} · n={self.n} · RI table {self.ri_table} (RI={self.ri:g})"

    def __repr__(self) -> str:
        ok = "consistent" if self.consistent else "NOT consistent"
        return (
            f"AHPResult(weights={np.round(self.weights, 4).tolist()}, "
            f"λmax={self.lambda_max:.4f}, CI={self.ci:.4f}, CR={self.cr:.4f} "
            f"({ok} at {self.threshold:g}), {self._footer()})"
        )

    def _repr_html_(self) -> str:
        extra = f" · λmax={self.lambda_max:.4f} · CR={self.cr:.4f}"
        return html_table(self.to_frame(), self._footer() + extra)


@dataclass(frozen=True, repr=False, eq=False)
class AHPBatchResult(_Compared):
    """Result of :func:`citymatch.ahp_batch` for K matrices (read-only arrays).

    The fields of :class:`AHPResult`, one entry per matrix: ``weights`` (K, n);
    ``lambda_max``, ``ci``, ``cr`` and ``consistent`` of shape (K,).
    """

    weights: F64
    lambda_max: F64
    ci: F64
    cr: F64
    ri: float
    ri_table: str
    consistent: NDArray[np.bool_]
    threshold: float
    method: str
    labels: tuple[str, ...] | None = None

    def __len__(self) -> int:
        return int(self.weights.shape[0])

    def to_frame(self) -> pd.DataFrame:
        """Weights per element, one column per matrix."""
        return pd.DataFrame(self.weights.T, index=self._elements())

    def _footer(self) -> str:
        return (
            f"AHP · {self.method} · n={self.n}, K={len(self)} matrices · "
            f"RI table {self.ri_table} (RI={self.ri:g})"
        )

    def __repr__(self) -> str:
        share = float(np.mean(self.consistent))
        return (
            f"AHPBatchResult({self._footer()}, {share:.1%} consistent at CR ≤ {self.threshold:g})"
        )

    def _repr_html_(self) -> str:
        return html_table(self.to_frame(), self._footer())


@dataclass(frozen=True, repr=False, eq=False)
class GroupAHPResult:
    """Result of :func:`citymatch.ahp_group`: the aggregated judgements and each expert's CR.

    Attributes
    ----------
    aggregate : AHPResult
        AHP of the element-wise (weighted) geometric mean of the experts' matrices (AIJ).
    matrix : ndarray (n, n)
        The aggregated pairwise matrix.
    experts : AHPBatchResult
        The experts' own matrices (``experts.cr[e]`` is expert e's CR).
    expert_weights : ndarray (E,)
        Weights of the experts in the aggregation, summing to 1.
    """

    aggregate: AHPResult
    matrix: F64
    experts: AHPBatchResult
    expert_weights: F64

    def __post_init__(self) -> None:
        freeze_arrays(self)

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
