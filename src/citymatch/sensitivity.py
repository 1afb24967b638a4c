"""Sensitivity analysis: how far the weights and the data can move before the ranking changes.

Public entry points (each accepts a :class:`~citymatch.Ranking` or raw
``(matrix, weights, types)`` arrays):

- :func:`weight_sweep` — one criterion's weight over [0, 1], the others rescaled
  proportionally; scores and ranks along the sweep.
- :func:`stability_intervals` — exact tipping points: for each criterion, the interval of
  its weight within which the winner, the top-k set and the full order stay the same.
- :func:`rank_acceptability` — SMAA-2 Monte Carlo: weights sampled uniformly on the simplex,
  from a Dirichlet around the base weights, within intervals, or consistent with an ordinal
  ranking of the criteria; optional noise on the data.
- :func:`ahp_weight_samples` — perturbed AHP judgements propagated to weight samples.
- :func:`what_it_takes` — the smallest change of one candidate's own value that brings it
  into the top k; :func:`missing_rank_bounds` — best/worst rank for missing values.
- :func:`ahp_repair` — the judgements that cause an AHP matrix's inconsistency.
- :func:`method_agreement`, :func:`rank_reversal` — other methods (pymcdm) and
  rank-reversal checks behind citymatch's validation.

The geometry of TOPSIS makes this cheap: with ``w ≥ 0`` the ideal points and the column
scale do not depend on the weights, so ``D⁺² = A⁺ @ (w²)`` with the weight-free
``A⁺ = ((X − x⁺)/s)²``.  Along a one-criterion sweep every ``D²`` is a quadratic in the
weight, and two candidates tie where a quartic polynomial vanishes — which is how the
tipping points are found exactly.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.optimize import brentq

from ._display import html_table
from ._validate import as_matrix, as_types, as_weights
from .errors import CitymatchTypeError, CitymatchValueError, ShapeError
from .rank import Ranking
from .sampling import (
    SAMPLE_BLOCK,
    Sampler,
    block_rng,
    check_sampler,
    draw,
    sample_weights,
    seed_sequence,
)
from .scoring.ahp import ahp, ahp_batch
from .scoring.geometry import Normalization, check_normalization
from .scoring.geometry import geometry as _geometry
from .scoring.ranks import add_rank_counts
from .scoring.topsis import topsis

__all__ = [
    "AHPRepairResult",
    "MethodAgreementResult",
    "RankAcceptabilityResult",
    "StabilityResult",
    "WeightSweepResult",
    "ahp_repair",
    "ahp_weight_samples",
    "method_agreement",
    "missing_rank_bounds",
    "rank_acceptability",
    "rank_reversal",
    "sample_weights",
    "stability_intervals",
    "weight_sweep",
    "what_it_takes",
]

F64 = NDArray[np.float64]


# --------------------------------------------------------------------------- the problem
@dataclass(frozen=True)
class _Problem:
    x: F64
    w: F64
    t: NDArray[np.int8]
    norm: Normalization
    ids: list[str]
    criteria: list[str]


def _as_problem(
    source: Any,
    weights: Any = None,
    types: Any = None,
    *,
    normalization: str | None = None,
    labels: Sequence[str] | None = None,
    criteria: Sequence[str] | None = None,
) -> _Problem:
    if isinstance(source, Ranking):
        x = source.matrix.to_numpy(dtype=np.float64)
        w = (
            source.weights.to_numpy(dtype=np.float64)
            if weights is None
            else as_weights(weights, x.shape[1])[0]
        )
        t = source.criteria.types if types is None else as_types(types, x.shape[1])
        norm = normalization or source.result.normalization
        ids = [str(i) for i in source.matrix.index]
        crit = list(source.criteria.ids)
    else:
        if weights is None or types is None:
            raise CitymatchTypeError(
                "pass a Ranking, or `matrix` with `weights` and `types`; got a matrix without "
                f"{'weights' if weights is None else 'types'}."
            )
        x = np.asarray(as_matrix(source), dtype=np.float64)
        w, batched = as_weights(weights, x.shape[1])
        if batched:
            raise ShapeError(
                f"`weights` must be one vector of {x.shape[1]} weights here; got shape {w.shape}."
            )
        t = as_types(types, x.shape[1])
        norm = normalization or "vector"
        ids = [str(i) for i in (labels if labels is not None else range(x.shape[0]))]
        crit = [
            str(c)
            for c in (criteria if criteria is not None else [f"c{j}" for j in range(x.shape[1])])
        ]
    norm = check_normalization(norm)
    if len(ids) != x.shape[0]:
        raise ShapeError(
            f"`labels` must have {x.shape[0]} names (one per candidate); got {len(ids)}."
        )
    if len(crit) != x.shape[1]:
        raise ShapeError(
            f"`criteria` must have {x.shape[1]} names (one per criterion); got {len(crit)}."
        )
    if not np.isfinite(x).all():
        from ._validate import raise_nonfinite

        raise_nonfinite(x, "matrix")
    return _Problem(x, np.asarray(w, dtype=np.float64), t, norm, ids, crit)


def _weight_free(p: _Problem) -> tuple[F64, F64]:
    """A⁺ = ((X − x⁺)/s)², A⁻ = ((X − x⁻)/s)² — every D² is A @ w²."""
    ideal, anti, _scale, inv = _geometry(p.x, p.t, p.norm, None, None)
    a_plus = ((p.x - ideal) * inv) ** 2
    a_minus = ((p.x - anti) * inv) ** 2
    return a_plus, a_minus


def _closeness(a_plus: F64, a_minus: F64, w2: F64) -> F64:
    """Scores for weight vectors ``w2 = w²`` of shape (M,) or (K, M) → (N,) or (K, N)."""
    dp = np.sqrt(w2 @ a_plus.T)
    dm = np.sqrt(w2 @ a_minus.T)
    den = dp + dm
    out = np.full_like(den, 0.5)
    np.divide(dm, den, out=out, where=den > 0)
    return out


def _criterion_index(p: _Problem, criterion: str | int) -> int:
    if isinstance(criterion, (int, np.integer)) and not isinstance(criterion, bool):
        if not 0 <= criterion < len(p.criteria):
            raise CitymatchValueError(
                f"`criterion` index must be in 0..{len(p.criteria) - 1}; got {criterion}."
            )
        return int(criterion)
    if criterion not in p.criteria:
        raise CitymatchValueError(f"`criterion` must be one of {p.criteria}; got {criterion!r}.")
    return p.criteria.index(str(criterion))


def _path(w: F64, j: int) -> tuple[F64, F64]:
    """Weights along the sweep of criterion j: ``w(v) = r + v·d`` (others proportional)."""
    m = w.size
    rest = np.delete(w, j)
    r = np.zeros(m)
    if rest.sum() > 0:
        r[np.arange(m) != j] = rest / rest.sum()
    else:  # every other weight is zero: share the remainder equally
        r[np.arange(m) != j] = 1.0 / (m - 1) if m > 1 else 0.0
    d = -r.copy()
    d[j] = 1.0
    return r, d


def _order(scores: F64) -> NDArray[np.int64]:
    """Candidates best first (ties by input order)."""
    return np.argsort(-np.round(scores, 12), kind="stable")


# --------------------------------------------------------------------------- 1. sweep
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
        from .plot import weight_sweep as _plot

        return _plot(self, top=top, ax=ax)

    def __repr__(self) -> str:
        return (
            f"WeightSweepResult({self.criterion!r}: {len(self.weights)} points in "
            f"[{self.weights[0]:g}, {self.weights[-1]:g}], N={self.scores.shape[1]}, base weight {self.base_weight:.3f})"
        )

    def _repr_html_(self) -> str:
        return html_table(self.to_frame(), repr(self))


def weight_sweep(
    source: Any,
    criterion: str | int,
    weights: Any = None,
    types: Any = None,
    *,
    points: int = 101,
    normalization: str | None = None,
    labels: Sequence[str] | None = None,
    criteria: Sequence[str] | None = None,
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

    Returns
    -------
    WeightSweepResult
    """
    p = _as_problem(
        source, weights, types, normalization=normalization, labels=labels, criteria=criteria
    )
    if not isinstance(points, (int, np.integer)) or points < 2:
        raise CitymatchValueError(f"`points` must be an integer ≥ 2; got {points!r}.")
    j = _criterion_index(p, criterion)
    r, d = _path(p.w, j)
    grid = np.linspace(0.0, 1.0, int(points))
    wv = r[None, :] + grid[:, None] * d[None, :]
    res = topsis(p.x, np.maximum(wv, 0.0) + 0.0, p.t, normalization=p.norm)
    return WeightSweepResult(p.criteria[j], grid, wv, res.scores, res.ranks, p.ids, float(p.w[j]))


# --------------------------------------------------------------------------- 2. stability
def _quadratics(a: F64, r: F64, d: F64) -> F64:
    """Coefficients (ascending) of Σ_l (r_l + v d_l)² a_il for every row i: shape (N, 3)."""
    return np.column_stack([a @ (r * r), a @ (2 * r * d), a @ (d * d)])


def _pair_roots(
    pa: F64, qa: F64, pb: F64, qb: F64, lo: float = 0.0, hi: float = 1.0
) -> tuple[list[float], bool]:
    """Sign-changing roots in (lo, hi) of F = Qa·Pb − Qb·Pa (so sign F = sign(Ca − Cb)).

    Returns the roots (polished to ~1e-15 by Brent's method on F) and whether F touched zero
    without changing sign (a near-tie) or vanishes identically.
    """
    f = np.polynomial.polynomial.polysub(
        np.polynomial.polynomial.polymul(qa, pb), np.polynomial.polynomial.polymul(qb, pa)
    )
    scale = np.max(np.abs(f)) if f.size else 0.0
    if scale == 0.0 or np.all(np.abs(f) <= 1e-15 * max(1.0, scale)):
        return [], True  # identical candidates along the whole path
    f = f / scale
    f = np.trim_zeros(np.where(np.abs(f) < 1e-14, 0.0, f), "b")
    if f.size <= 1:
        return [], False
    roots = np.polynomial.polynomial.polyroots(f)
    poly = np.polynomial.polynomial.Polynomial(f)
    out: list[float] = []
    touch = False
    for z in roots:
        if abs(z.imag) > 1e-7 or not (lo < z.real < hi):
            continue  # complex, or outside the path
        v = float(min(max(z.real, lo), hi))
        eps = 1e-7
        a, b = max(lo, v - eps), min(hi, v + eps)
        fa, fb = float(poly(a)), float(poly(b))
        if fa == 0.0 or fb == 0.0 or np.sign(fa) != np.sign(fb):
            if fa != 0.0 and fb != 0.0:
                v = float(brentq(lambda s: float(poly(s)), a, b, xtol=1e-15, rtol=1e-15))
            if lo < v < hi:
                out.append(v)
        elif lo + 1e-6 < v < hi - 1e-6:  # an interior double root: the pair touches
            touch = True
    return sorted(set(out)), touch


def _batch_roots(
    pq: F64, qq: F64, a: NDArray[np.int64], b: NDArray[np.int64]
) -> list[tuple[list[float], bool]]:
    """Batched :func:`_pair_roots` for many pairs at once.

    Quartics come from batched convolutions and their roots from batched companion-matrix
    eigenvalues; sign checks and Brent polishing run only for the few roots inside (0, 1).
    """
    qa, pb, qb, pa = qq[a], pq[b], qq[b], pq[a]

    def conv(x: F64, y: F64) -> F64:
        return np.stack(
            [
                x[:, 0] * y[:, 0],
                x[:, 0] * y[:, 1] + x[:, 1] * y[:, 0],
                x[:, 0] * y[:, 2] + x[:, 1] * y[:, 1] + x[:, 2] * y[:, 0],
                x[:, 1] * y[:, 2] + x[:, 2] * y[:, 1],
                x[:, 2] * y[:, 2],
            ],
            axis=1,
        )

    f = conv(qa, pb) - conv(qb, pa)  # ascending coefficients, (P, 5)
    scale = np.max(np.abs(f), axis=1)
    out: list[tuple[list[float], bool]] = [([], False)] * len(a)
    quartic = (scale > 0) & (np.abs(f[:, 4]) > 1e-12 * np.where(scale > 0, scale, 1.0))
    idx = np.flatnonzero(quartic)
    if idx.size:
        lead = f[idx, 4]
        comp = np.zeros((idx.size, 4, 4))
        comp[:, 1, 0] = comp[:, 2, 1] = comp[:, 3, 2] = 1.0
        comp[:, :, 3] = -f[idx, :4] / lead[:, None]
        roots = np.linalg.eigvals(comp)
        for r_i, row in zip(idx, roots, strict=True):
            cand = row[(np.abs(row.imag) <= 1e-7) & (row.real > 0) & (row.real < 1)].real
            if cand.size == 0:
                continue
            poly = np.polynomial.polynomial.Polynomial(f[r_i] / scale[r_i])
            found: list[float] = []
            touch = False
            for v in np.sort(cand):
                lo_b, hi_b = max(0.0, v - 1e-7), min(1.0, v + 1e-7)
                fa, fb = float(poly(lo_b)), float(poly(hi_b))
                if fa == 0.0 or fb == 0.0 or np.sign(fa) != np.sign(fb):
                    if fa != 0.0 and fb != 0.0:
                        v = float(
                            brentq(
                                lambda s_, p_=poly: float(p_(s_)),
                                lo_b,
                                hi_b,
                                xtol=1e-15,
                                rtol=1e-15,
                            )
                        )
                    if 0.0 < v < 1.0:
                        found.append(float(v))
                elif 1e-6 < v < 1 - 1e-6:
                    touch = True
            out[r_i] = (sorted(set(found)), touch)
    for r_i in np.flatnonzero(~quartic):  # lower degree or identical: the scalar path
        out[r_i] = _pair_roots(pq[a[r_i]], qq[a[r_i]], pq[b[r_i]], qq[b[r_i]])
    return out


def _nearest_crossings(
    pairs: Iterator[tuple[int, int]],
    pq: F64,
    qq: F64,
    v0: float,
    base: F64,
    tie_tol: float,
    ties: list[dict[str, Any]],
    criterion: str,
    ids: list[str],
) -> tuple[float, float, int, int]:
    """Nearest sign-changing crossing below and above ``v0`` over ``pairs`` (and who crosses)."""
    lo_v, hi_v, lo_by, hi_by = 0.0, 1.0, -1, -1
    plist = list(pairs)
    if not plist:
        return lo_v, hi_v, lo_by, hi_by
    arr = np.array(plist, dtype=np.int64)
    for (a, b), (roots, touch) in zip(
        plist, _batch_roots(pq, qq, arr[:, 0], arr[:, 1]), strict=True
    ):
        if touch or abs(base[a] - base[b]) < tie_tol:
            ties.append(
                {
                    "criterion": criterion,
                    "a": ids[a],
                    "b": ids[b],
                    "score_gap": float(abs(base[a] - base[b])),
                }
            )
        for v in roots:
            if lo_v < v < v0 - 1e-15:
                lo_v, lo_by = v, b
            elif v0 + 1e-15 < v < hi_v:
                hi_v, hi_by = v, b
    return lo_v, hi_v, lo_by, hi_by


@dataclass(frozen=True, repr=False, eq=False)
class StabilityResult:
    """Exact stability intervals of each criterion's weight (others rescaled proportionally).

    Attributes
    ----------
    table : DataFrame
        One row per criterion: ``weight`` (base), ``top_low``/``top_high`` (interval in
        which the winner stays the same), ``topk_low``/``topk_high`` (the top-k set),
        ``order_low``/``order_high`` (the full order), and the challengers at the winner's
        bounds (``top_low_by``, ``top_high_by``).
    winner : str
        The base winner.
    flip : dict
        The smallest weight change that changes the winner: ``criterion``, ``new_weight``,
        ``change``, ``winner``, ``challenger`` (empty if no weight change can flip it).
    near_ties : DataFrame
        Pairs that tie at the base weights or touch without crossing (flagged, not flips).
    k : int
    """

    table: pd.DataFrame
    winner: str
    flip: dict[str, Any]
    near_ties: pd.DataFrame
    k: int

    def to_frame(self) -> pd.DataFrame:
        """The per-criterion interval table (a copy)."""
        return self.table.copy()

    def plot(self, *, ax: Any = None) -> Any:
        """Tornado chart of the winner's stability interval per criterion."""
        from .plot import tornado

        return tornado(self, ax=ax)

    def __repr__(self) -> str:
        if self.flip:
            f = self.flip
            tail = (
                f"smallest flip: {f['criterion']} {f['base_weight']:.4f} → {f['new_weight']:.4f} "
                f"({f['challenger']} overtakes {f['winner']})"
            )
        else:
            tail = "no single-criterion weight change flips the winner"
        return f"StabilityResult(winner {self.winner!r}; {tail})"

    def _repr_html_(self) -> str:
        return html_table(self.table, repr(self), max_rows=50)


def stability_intervals(
    source: Any,
    weights: Any = None,
    types: Any = None,
    *,
    k: int = 3,
    normalization: str | None = None,
    labels: Sequence[str] | None = None,
    criteria: Sequence[str] | None = None,
    tie_tol: float = 1e-9,
) -> StabilityResult:
    """Exact tipping points of each criterion's weight.

    Along the sweep of criterion j (others rescaled proportionally), every squared distance
    is a quadratic in the weight ``v``; candidates a and b tie where the quartic
    ``Q_a P_b − Q_b P_a`` vanishes (``P = D⁺²``, ``Q = D⁻²``).  Its real roots in (0, 1)
    are found from the companion matrix and polished with Brent's method, so the interval
    ends are exact to about 1e-12 — no grid.

    Parameters
    ----------
    source, weights, types
        A Ranking, or a raw matrix with weights and types.
    k : int, default 3
        Size of the top set whose membership is tracked.
    tie_tol : float, default 1e-9
        Score differences below this at the base weights are reported as near-ties.

    Returns
    -------
    StabilityResult
    """
    p = _as_problem(
        source, weights, types, normalization=normalization, labels=labels, criteria=criteria
    )
    n, m = p.x.shape
    if not isinstance(k, (int, np.integer)) or not 1 <= k < n:
        raise CitymatchValueError(f"`k` must be an integer in 1..{n - 1}; got {k!r}.")
    a_plus, a_minus = _weight_free(p)
    base = _closeness(a_plus, a_minus, p.w**2)
    order = _order(base)
    win = int(order[0])
    top = set(order[:k].tolist())
    rows = []
    ties: list[dict[str, Any]] = []
    best_flip: dict[str, Any] = {}
    for j in range(m):
        r, d = _path(p.w, j)
        v0 = float(p.w[j])
        pq = _quadratics(a_plus, r, d)
        qq = _quadratics(a_minus, r, d)

        def bounds(
            pairs: Iterator[tuple[int, int]], pq: F64 = pq, qq: F64 = qq, v0: float = v0, j: int = j
        ) -> tuple[float, float, int, int]:
            return _nearest_crossings(pairs, pq, qq, v0, base, tie_tol, ties, p.criteria[j], p.ids)

        t_lo, t_hi, t_lo_by, t_hi_by = bounds((win, h) for h in range(n) if h != win)
        k_lo, k_hi, _, _ = bounds((a, b) for a in top for b in range(n) if b not in top)
        o_lo, o_hi, _, _ = bounds((int(order[i]), int(order[i + 1])) for i in range(n - 1))
        rows.append(
            {
                "criterion": p.criteria[j],
                "weight": v0,
                "top_low": t_lo,
                "top_high": t_hi,
                "top_low_by": p.ids[t_lo_by] if t_lo_by >= 0 else None,
                "top_high_by": p.ids[t_hi_by] if t_hi_by >= 0 else None,
                "topk_low": k_lo,
                "topk_high": k_hi,
                "order_low": o_lo,
                "order_high": o_hi,
            }
        )
        for v, by in ((t_lo, t_lo_by), (t_hi, t_hi_by)):
            if by >= 0 and (not best_flip or abs(v - v0) < best_flip["change_abs"]):
                best_flip = {
                    "criterion": p.criteria[j],
                    "base_weight": v0,
                    "new_weight": v,
                    "change": v - v0,
                    "change_abs": abs(v - v0),
                    "winner": p.ids[win],
                    "challenger": p.ids[by],
                }
    if best_flip:
        best_flip.pop("change_abs")
    near = pd.DataFrame(ties, columns=["criterion", "a", "b", "score_gap"]).drop_duplicates()
    return StabilityResult(
        pd.DataFrame(rows), p.ids[win], best_flip, near.reset_index(drop=True), int(k)
    )


# --------------------------------------------------------------------------- 3. SMAA-2


@dataclass(frozen=True, repr=False, eq=False)
class RankAcceptabilityResult:
    """SMAA-2 rank acceptability.

    Attributes
    ----------
    acceptability : ndarray (N, N)
        Share of samples in which candidate i (row, input order) takes rank r (column
        r−1).  Exact ties split their ranks equally, so rows and columns each sum to 1.
    central_weights : ndarray (N, M)
        Mean weight vector of the samples in which the candidate ranks first (NaN if never).
    confidence : ndarray (N,)
        Confidence factor: share of data samples in which the candidate ranks first when
        the weights are its central weight vector (1/0 without data noise; NaN if never first).
    ids, criteria : list of str
    samples : int
    sampler : str
    """

    acceptability: F64
    central_weights: F64
    confidence: F64
    ids: list[str]
    criteria: list[str]
    samples: int
    sampler: str
    seed: int | None = None
    weight_samples: F64 | None = field(default=None, repr=False)

    def top_k_probability(self, k: int) -> pd.Series:
        """Probability of each candidate ranking in the top ``k``."""
        n = self.acceptability.shape[0]
        if not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
            raise CitymatchValueError(f"`k` must be an integer in 1..{n}; got {k!r}.")
        return pd.Series(self.acceptability[:, :k].sum(axis=1), index=self.ids, name=f"p_top{k}")

    def to_frame(self) -> pd.DataFrame:
        """Candidates × ranks acceptability table (columns 1..N), plus confidence."""
        n = self.acceptability.shape[0]
        df = pd.DataFrame(
            self.acceptability, index=pd.Index(self.ids, name="id"), columns=range(1, n + 1)
        )
        df["confidence"] = self.confidence
        return df

    def central_weights_frame(self) -> pd.DataFrame:
        """Central weight vectors (candidates × criteria)."""
        return pd.DataFrame(
            self.central_weights, index=pd.Index(self.ids, name="id"), columns=self.criteria
        )

    def plot(self, *, top: int = 15, ax: Any = None) -> Any:
        """Heat map of the rank acceptabilities of the ``top`` candidates."""
        from .plot import acceptability_heatmap

        return acceptability_heatmap(self, top=top, ax=ax)

    def __repr__(self) -> str:
        p1 = self.acceptability[:, 0]
        best = int(np.argmax(p1))
        return (
            f"RankAcceptabilityResult({self.samples} samples ({self.sampler}), N={len(self.ids)}; "
            f"most often first: {self.ids[best]} ({p1[best]:.1%}))"
        )

    def _repr_html_(self) -> str:
        df = self.to_frame()
        order = np.argsort(-(self.acceptability * np.arange(len(self.ids), 0, -1)).sum(axis=1))
        return html_table(df.iloc[order, : min(10, len(self.ids))], repr(self))


def _noisy(gen: np.random.Generator, x: F64, sigma: F64, kind: str, size: int) -> F64:
    eps = gen.standard_normal((size, *x.shape))
    if kind == "relative":
        return x[None] * (1.0 + sigma[None, None, :] * eps)
    return x[None] + sigma[None, None, :] * eps


def _scores_noisy(xs: F64, t: NDArray[np.int8], norm: str, w: F64) -> F64:
    """Scores of K perturbed matrices (K, N, M) under K weight vectors (K, M)."""
    out = np.empty(xs.shape[:2])
    for k in range(xs.shape[0]):
        ideal, anti, _s, inv = _geometry(xs[k], t, norm, None, None)
        c = (w[k] * inv) ** 2
        dp = np.sqrt(((xs[k] - ideal) ** 2) @ c)
        dm = np.sqrt(((xs[k] - anti) ** 2) @ c)
        den = dp + dm
        out[k] = np.divide(dm, den, out=np.full_like(den, 0.5), where=den > 0)
    return out


def rank_acceptability(
    source: Any,
    weights: Any = None,
    types: Any = None,
    *,
    samples: int = 10_000,
    sampler: Sampler = "uniform",
    concentration: float = 50.0,
    intervals: Any = None,
    order: Any = None,
    weight_samples: Any = None,
    noise: Any = None,
    noise_kind: Literal["relative", "absolute"] = "relative",
    rng: Any = None,
    chunk: int | None = None,
    progress: bool = False,
    normalization: str | None = None,
    labels: Sequence[str] | None = None,
    criteria: Sequence[str] | None = None,
    keep_samples: bool = False,
) -> RankAcceptabilityResult:
    """SMAA-2 rank acceptability of every candidate under sampled weights (and data noise).

    Parameters
    ----------
    source, weights, types
        A Ranking, or a raw matrix with base weights and types.
    samples : int, default 10,000
        Number of Monte Carlo samples K.
    sampler, concentration, intervals, order
        How weights are drawn (see :func:`sample_weights`); ``concentration`` applies to
        ``"dirichlet"`` around the base weights.
    weight_samples : array_like (K, M), optional
        Use these weight vectors instead (e.g. from :func:`ahp_weight_samples`).
    noise : float, sequence or mapping, optional
        Per-criterion noise on the performance values: the standard deviation of a normal
        perturbation, relative (``x·(1 + σε)``) or absolute (``x + σε``) per ``noise_kind``.
        Ideal points and scales are recomputed for every perturbed matrix.
    rng : Generator, int or None
        Reproducible randomness.  Samples are drawn in fixed blocks of 1,024, each seeded
        from (seed, block index), so ``chunk`` never changes the result.
    chunk : int, optional
        Samples scored per step (memory bound ≈ chunk × N doubles); default keeps
        chunk × N ≤ 4·10⁶.
    progress : bool, default False
        Show a tqdm progress bar (needs tqdm).

    Returns
    -------
    RankAcceptabilityResult

    References
    ----------
    .. [1] Lahdelma, R. & Salminen, P. (2001). SMAA-2: Stochastic multicriteria
       acceptability analysis for group decision making. Operations Research 49(3),
       444–454. https://doi.org/10.1287/opre.49.3.444.11220
    """
    p = _as_problem(
        source, weights, types, normalization=normalization, labels=labels, criteria=criteria
    )
    n, m = p.x.shape
    given = None
    if weight_samples is not None:
        given, batched = as_weights(weight_samples, m, name="weight_samples")
        if not batched:
            given = given[None]
        samples = given.shape[0]
    elif not isinstance(samples, (int, np.integer)) or isinstance(samples, bool) or samples < 1:
        raise CitymatchValueError(f"`samples` must be a positive integer; got {samples!r}.")
    box, perm = (
        check_sampler(sampler, m, p.w, p.criteria, concentration, intervals, order)
        if given is None
        else (None, None)
    )
    sigma = None
    if noise is not None:
        if noise_kind not in ("relative", "absolute"):
            raise CitymatchValueError(
                f"`noise_kind` must be 'relative' or 'absolute'; got {noise_kind!r}."
            )
        if isinstance(noise, Mapping):
            unknown = sorted(set(noise) - set(p.criteria))
            if unknown:
                raise CitymatchValueError(
                    f"`noise` names unknown criteria {unknown}; known: {p.criteria}."
                )
            sigma = np.array([float(noise.get(c, 0.0)) for c in p.criteria])
        else:
            sigma = np.broadcast_to(np.asarray(noise, dtype=np.float64), (m,)).copy()
        if not np.isfinite(sigma).all() or (sigma < 0).any():
            raise CitymatchValueError(
                f"`noise` must be finite and ≥ 0 per criterion; got {sigma.tolist()}."
            )
    if chunk is not None and (not isinstance(chunk, (int, np.integer)) or chunk < 1):
        raise CitymatchValueError(f"`chunk` must be a positive integer; got {chunk!r}.")
    seed = seed_sequence(rng)
    step_blocks = max(1, (chunk or max(SAMPLE_BLOCK, 4_000_000 // max(n, 1))) // SAMPLE_BLOCK)
    n_blocks = -(-int(samples) // SAMPLE_BLOCK)

    a_plus, a_minus = _weight_free(p) if sigma is None else (None, None)
    counts = np.zeros((n, n))
    first_sum = np.zeros((n, m))
    first_n = np.zeros(n)
    kept_w: list[F64] = []
    bar = _progress(n_blocks, progress)
    for b0 in range(0, n_blocks, step_blocks):
        ws, ss = [], []
        for b in range(b0, min(n_blocks, b0 + step_blocks)):
            size = min(SAMPLE_BLOCK, int(samples) - b * SAMPLE_BLOCK)
            gen = block_rng(seed, b)
            if given is not None:
                w = given[b * SAMPLE_BLOCK : b * SAMPLE_BLOCK + size]
            else:
                w = draw(gen, size, m, sampler, p.w, concentration, box, perm)
            if sigma is None:
                assert a_plus is not None
                assert a_minus is not None
                sc = _closeness(a_plus, a_minus, w * w)
            else:
                sc = _scores_noisy(_noisy(gen, p.x, sigma, noise_kind, size), p.t, p.norm, w)
            ws.append(w)
            ss.append(sc)
            if bar is not None:
                bar.update(1)
        w_all = np.concatenate(ws)
        s_all = np.concatenate(ss)
        add_rank_counts(s_all, counts)
        winners = np.argmax(np.round(s_all, 12), axis=1)
        np.add.at(first_sum, winners, w_all)
        first_n += np.bincount(winners, minlength=n)
        if keep_samples:
            kept_w.append(w_all)
    if bar is not None:
        bar.close()
    acc = counts / float(samples)
    with np.errstate(invalid="ignore", divide="ignore"):
        central = first_sum / first_n[:, None]
    central[first_n == 0] = np.nan
    conf = _confidence(p, central, sigma, noise_kind, seed)
    return RankAcceptabilityResult(
        acc,
        central,
        conf,
        p.ids,
        p.criteria,
        int(samples),
        "given" if given is not None else sampler,
        None if rng is None or isinstance(rng, np.random.Generator) else int(rng),
        np.concatenate(kept_w) if keep_samples else None,
    )


def _confidence(
    p: _Problem, central: F64, sigma: F64 | None, kind: str, seed: np.random.SeedSequence
) -> F64:
    n = p.x.shape[0]
    conf = np.full(n, np.nan)
    has = ~np.isnan(central).any(axis=1)
    if not has.any():
        return conf
    idx = np.flatnonzero(has)
    wc = central[idx]
    if sigma is None:
        a_plus, a_minus = _weight_free(p)
        sc = _closeness(a_plus, a_minus, wc * wc)
        conf[idx] = (np.argmax(np.round(sc, 12), axis=1) == idx).astype(float)
        return conf
    gen = block_rng(seed, 10**9)  # a block index no weight sample uses
    reps = 1000
    for i, w in zip(idx, wc, strict=True):
        sc = _scores_noisy(
            _noisy(gen, p.x, sigma, kind, reps), p.t, p.norm, np.broadcast_to(w, (reps, w.size))
        )
        conf[i] = float(np.mean(np.argmax(sc, axis=1) == i))
    return conf


def _progress(total: int, on: bool) -> Any:
    if not on:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError as exc:
        raise CitymatchValueError("`progress=True` needs tqdm: pip install tqdm.") from exc
    return tqdm(total=total, unit="block", desc="rank acceptability")


# --------------------------------------------------------------------------- 4. AHP uncertainty
SAATY_SCALE = np.array(
    [1 / 9, 1 / 8, 1 / 7, 1 / 6, 1 / 5, 1 / 4, 1 / 3, 1 / 2, 1, 2, 3, 4, 5, 6, 7, 8, 9]
)


def _perturb_stack(a: F64, size: int, how: str, spread: float, gen: np.random.Generator) -> F64:
    n = a.shape[-1]
    iu = np.triu_indices(n, 1)
    up = np.broadcast_to(a[iu], (size, iu[0].size)).copy()
    if how == "multiplicative":
        up *= np.exp(spread * gen.standard_normal(up.shape))
    else:  # saaty: move each judgement by up to `spread` steps along the 1/9 … 9 scale
        pos = np.abs(np.log(SAATY_SCALE)[None, None, :] - np.log(up)[..., None]).argmin(axis=-1)
        steps = gen.integers(-int(spread), int(spread) + 1, size=up.shape)
        up = SAATY_SCALE[np.clip(pos + steps, 0, SAATY_SCALE.size - 1)]
    out = np.ones((size, n, n))
    out[:, iu[0], iu[1]] = up
    out[:, iu[1], iu[0]] = 1.0 / up
    return out


def ahp_weight_samples(
    judgements: Any,
    *,
    samples: int = 1000,
    perturbation: Literal["saaty", "multiplicative"] = "saaty",
    spread: float = 1.0,
    max_cr: float | None = None,
    rng: Any = None,
) -> tuple[F64, F64]:
    """Weight vectors from perturbed AHP judgements (to feed :func:`rank_acceptability`).

    Parameters
    ----------
    judgements : array_like (n, n) or CriteriaSet
        A pairwise matrix, or a criteria set whose weights come from AHP nodes (every node is
        perturbed independently and the global weights re-synthesised).
    perturbation : {"saaty", "multiplicative"}
        ``"saaty"``: each judgement moves by up to ``spread`` steps along Saaty's 1/9 … 9
        scale (uniformly); ``"multiplicative"``: ``a·exp(spread·ε)``, ε standard normal.
    max_cr : float, optional
        Keep only samples whose matrices (every node) have CR ≤ max_cr; sampling continues
        until ``samples`` are kept (refused if fewer than 1 in 50 draws qualify).

    Returns
    -------
    (weights (K, M), cr (K,))
        The weight samples (criterion order) and the largest node CR of each sample.
    """
    from .models.criteria import CriteriaSet

    if isinstance(judgements, CriteriaSet):
        if judgements.ahp is None:
            raise CitymatchValueError(
                f"criteria set {judgements.name!r} has direct weights, no AHP judgements to perturb."
            )
        spec = judgements.ahp
        nodes = [(node.id, list(node.children)) for node in spec.nodes]
        mats = {node.id: _as_float_matrix(node.matrix) for node in spec.nodes}
        ids = list(judgements.ids)
        ri = spec.ri
    else:
        res = ahp(judgements)  # validates the matrix
        mats = {"goal": _as_float_matrix(judgements)}
        nodes = [("goal", [f"c{j}" for j in range(res.n)])]
        ids = nodes[0][1]
        ri = "saaty1980"
    if perturbation not in ("saaty", "multiplicative"):
        raise CitymatchValueError(
            f"`perturbation` must be 'saaty' or 'multiplicative'; got {perturbation!r}."
        )
    if not (isinstance(spread, (int, float)) and spread >= 0 and np.isfinite(spread)):
        raise CitymatchValueError(f"`spread` must be a finite number ≥ 0; got {spread!r}.")
    if not isinstance(samples, (int, np.integer)) or samples < 1:
        raise CitymatchValueError(f"`samples` must be a positive integer; got {samples!r}.")
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    kept_w: list[F64] = []
    kept_cr: list[F64] = []
    total, drawn = 0, 0
    while total < samples:
        size = max(int(samples) - total, 256)
        local: dict[str, F64] = {}
        worst = np.zeros(size)
        for node_id, _children in nodes:
            r = ahp_batch(
                _perturb_stack(mats[node_id], size, perturbation, spread, gen), ri=ri, rtol=1e-9
            )
            local[node_id] = r.weights
            worst = np.maximum(worst, r.cr)
        glob = _synthesise(nodes, local, ids, size)
        ok = np.ones(size, bool) if max_cr is None else worst <= max_cr
        kept_w.append(glob[ok])
        kept_cr.append(worst[ok])
        total += int(ok.sum())
        drawn += size
        if drawn >= 50 * samples and total < samples:
            raise CitymatchValueError(
                f"only {total} of {drawn} perturbed judgement sets have CR ≤ {max_cr}; "
                "lower `spread` or raise `max_cr`."
            )
    return np.concatenate(kept_w)[:samples], np.concatenate(kept_cr)[:samples]


def eval_fraction(v: Any) -> float:
    """A judgement (number or fraction string such as "1/3") as a float."""
    from ._validate import parse_judgement

    value = parse_judgement(v)
    return float(value)  # type: ignore[arg-type]  # a non-number raises TypeError here


def _as_float_matrix(m: Any) -> F64:
    return np.array([[eval_fraction(v) for v in row] for row in m], dtype=np.float64)


def _synthesise(
    nodes: list[tuple[str, list[str]]], local: dict[str, F64], ids: list[str], size: int
) -> F64:
    node_ids = {nid for nid, _ in nodes}
    parents = {c: nid for nid, children in nodes for c in children}
    root = next(nid for nid, _ in nodes if nid not in parents)
    children_of = dict(nodes)
    out = np.zeros((size, len(ids)))

    def walk(nid: str, mass: F64) -> None:
        for pos, child in enumerate(children_of[nid]):
            w = mass * local[nid][:, pos]
            if child in node_ids:
                walk(child, w)
            else:
                out[:, ids.index(child)] += w

    walk(root, np.ones(size))
    return out


# --------------------------------------------------------------------------- 5. what would it take
def what_it_takes(
    source: Any,
    candidate: str | int,
    weights: Any = None,
    types: Any = None,
    *,
    k: int = 3,
    bounds: Mapping[str, tuple[float, float]] | None = None,
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
    width; the threshold is bracketed on a grid and bisected to ``tol``.

    Returns
    -------
    DataFrame
        One row per criterion: ``current``, ``needed`` (NaN if not reachable), ``change``,
        ``reachable``, and a sentence (e.g. "lisbon enters the top 3 if sector_alignment
        rises from 0.40 to 0.62").
    """
    p = _as_problem(
        source, weights, types, normalization=normalization, labels=labels, criteria=criteria
    )
    n = p.x.shape[0]
    i = p.ids.index(str(candidate)) if str(candidate) in p.ids else None
    if i is None:
        raise CitymatchValueError(
            f"`candidate` must be one of the candidate ids; got {candidate!r}."
        )
    if not isinstance(k, (int, np.integer)) or not 1 <= k < n:
        raise CitymatchValueError(f"`k` must be an integer in 1..{n - 1}; got {k!r}.")
    ranges: dict[str, tuple[float, float]] = {}
    if isinstance(source, Ranking):
        ranges = {c.id: c.range for c in source.criteria.criteria if c.range is not None}
    if bounds:
        unknown = sorted(set(bounds) - set(p.criteria))
        if unknown:
            raise CitymatchValueError(
                f"`bounds` names unknown criteria {unknown}; known: {p.criteria}."
            )
        ranges.update(bounds)

    def rank_at(j: int, value: float) -> int:
        x = p.x.copy()
        x[i, j] = value
        res = topsis(x, p.w, p.t, normalization=p.norm)
        return int(res.ranks[i])

    base_rank = rank_at(0, p.x[i, 0])
    rows = []
    for j, cid in enumerate(p.criteria):
        cur = float(p.x[i, j])
        col = p.x[:, j]
        lo, hi = ranges.get(
            cid, (col.min() - (col.max() - col.min()), col.max() + (col.max() - col.min()))
        )
        target = hi if p.t[j] > 0 else lo
        needed = np.nan
        if base_rank <= k:
            needed = cur
        elif (p.t[j] > 0 and target > cur) or (p.t[j] < 0 and target < cur):
            grid = np.linspace(cur, target, 65)
            hit = next((g for g in grid[1:] if rank_at(j, g) <= k), None)
            if hit is not None:
                a, b = cur, float(hit)  # a fails, b succeeds
                while abs(b - a) > tol * max(1.0, abs(b)):
                    mid = 0.5 * (a + b)
                    if rank_at(j, mid) <= k:
                        b = mid
                    else:
                        a = mid
                needed = b
        reach = bool(np.isfinite(needed))
        verb = "rises" if p.t[j] > 0 else "falls"
        text = (
            f"{p.ids[i]} is already in the top {k}"
            if base_rank <= k
            else f"{p.ids[i]} enters the top {k} if {cid} {verb} from {cur:.4g} to {needed:.4g}"
            if reach
            else f"{p.ids[i]} cannot enter the top {k} by changing {cid} alone (within [{lo:.4g}, {hi:.4g}])"
        )
        rows.append(
            {
                "criterion": cid,
                "current": cur,
                "needed": needed,
                "change": needed - cur if reach else np.nan,
                "reachable": reach,
                "explanation": text,
            }
        )
    return pd.DataFrame(rows)


def missing_rank_bounds(candidates: Any, criteria: Any, **rank_kwargs: Any) -> pd.DataFrame:
    """Best and worst possible rank of each candidate with missing criterion values.

    Each such candidate is ranked twice, with its missing values filled by the column's
    best and by its worst observed value (other candidates' gaps filled with the worst).

    Returns
    -------
    DataFrame
        ``id``, ``missing`` (columns), ``best_rank``, ``worst_rank``, ``of``.
    """
    from .io import read_table
    from .models.criteria import load_criteria
    from .rank import rank

    table = read_table(candidates)
    cs = load_criteria(criteria)
    id_col = rank_kwargs.get("id_column", "id")
    ids = table[id_col] if id_col in table.columns else pd.Series(table.index, index=table.index)
    cols = list(cs.columns)
    rows = []
    for pos in np.flatnonzero(table[cols].isna().any(axis=1).to_numpy()):
        miss = [c for c in cols if pd.isna(table[c].iloc[pos])]
        out = {}
        for label in ("best", "worst"):
            t2 = table.copy()
            for c, crit in zip(cols, cs.criteria, strict=True):
                if c in miss:
                    good = (
                        t2[c].max()
                        if (crit.direction == "benefit") == (label == "best")
                        else t2[c].min()
                    )
                    t2.loc[t2.index[int(pos)], c] = good
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


# --------------------------------------------------------------------------- 6. AHP repair
@dataclass(frozen=True, repr=False, eq=False)
class AHPRepairResult:
    """Which judgements make an AHP matrix inconsistent, and what fixing them does.

    Attributes
    ----------
    judgements : DataFrame
        One row per judgement (i < j), worst first: ``a_ij`` (given), ``consistent_value``
        (``w_i / w_j`` from the current priorities), ``nearest_saaty`` (that value on Saaty's
        1/9 … 9 scale), ``error`` (``|ln(a_ij w_j / w_i)|``), and ``cr_if_revised`` (the CR
        after replacing only this judgement — and its reciprocal — by ``nearest_saaty``).
    steps : DataFrame
        A greedy repair: among the three worst judgements, apply the revision (nearest Saaty
        value or exact consistent value) that lowers the CR most; repeat until CR ≤ threshold
        or no revision helps: ``i``, ``j``, ``from``, ``to``, ``cr_after``.
    cr : float
        CR of the given matrix.
    repaired : ndarray (n, n)
        The matrix after the greedy steps.
    """

    judgements: pd.DataFrame
    steps: pd.DataFrame
    cr: float
    repaired: F64

    def to_frame(self) -> pd.DataFrame:
        """The judgement table (a copy)."""
        return self.judgements.copy()

    def __repr__(self) -> str:
        worst = self.judgements.iloc[0]
        end = float(self.steps["cr_after"].iloc[-1]) if len(self.steps) else self.cr
        return (
            f"AHPRepairResult(CR {self.cr:.4f}; worst judgement a[{worst.i},{worst.j}] = {worst.a_ij:.4g} "
            f"(consistent value {worst.consistent_value:.4g}); {len(self.steps)} revision(s) → CR {end:.4f})"
        )

    def _repr_html_(self) -> str:
        return html_table(self.judgements, repr(self))


def _nearest_saaty(v: float) -> float:
    return float(SAATY_SCALE[np.argmin(np.abs(np.log(SAATY_SCALE) - np.log(v)))])


def ahp_repair(
    pairwise: Any,
    *,
    ri: Any = "saaty1980",
    threshold: float = 0.10,
    labels: Sequence[str] | None = None,
) -> AHPRepairResult:
    """Find the judgements that contribute most to an AHP matrix's inconsistency.

    For each judgement ``a_ij`` the consistent value is ``w_i / w_j`` from the matrix's own
    priority vector; the error ``|ln(a_ij w_j / w_i)|`` ranks the judgements (the measure
    behind Saaty's and Harker's revision advice).  The table also gives the CR after revising
    each judgement alone, and a greedy sequence of revisions that reaches CR ≤ threshold.

    References
    ----------
    .. [1] Saaty, T. L. (2003). Decision-making with the AHP: Why is the principal
       eigenvector necessary. EJOR 145(1), 85–91. https://doi.org/10.1016/S0377-2217(02)00227-8
    """
    base = ahp(pairwise, ri=ri, threshold=threshold, labels=labels)
    a = (
        _as_float_matrix(pairwise)
        if not isinstance(pairwise, np.ndarray)
        else np.array(pairwise, dtype=float)
    )
    n = base.n
    names = list(labels) if labels is not None else [str(i) for i in range(n)]

    def table(mat: F64) -> tuple[pd.DataFrame, Any]:
        res = ahp(mat, ri=ri, threshold=threshold)
        w = res.weights
        rows = []
        for i in range(n):
            for j in range(i + 1, n):
                cv = w[i] / w[j]
                fixed = mat.copy()
                fixed[i, j] = _nearest_saaty(cv)
                fixed[j, i] = 1.0 / fixed[i, j]
                rows.append(
                    {
                        "i": names[i],
                        "j": names[j],
                        "a_ij": mat[i, j],
                        "consistent_value": cv,
                        "nearest_saaty": _nearest_saaty(cv),
                        "error": abs(np.log(mat[i, j] * w[j] / w[i])),
                        "cr_if_revised": float(ahp(fixed, ri=ri).cr),
                        "_ij": (i, j),
                    }
                )
        df = (
            pd.DataFrame(rows)
            .sort_values("error", ascending=False, kind="stable")
            .reset_index(drop=True)
        )
        return df, res

    judgements, res = table(a)
    steps = []
    cur = a.copy()
    cr = float(res.cr)
    for _ in range(n * (n - 1)):
        if cr <= threshold:
            break
        df, _ = table(cur)
        best: tuple[float, int, int, float] | None = None
        for _, row in df.head(3).iterrows():  # the three worst judgements, two candidate values
            i, j = row["_ij"]
            for value in (row["nearest_saaty"], row["consistent_value"]):
                if value == cur[i, j]:
                    continue
                trial = cur.copy()
                trial[i, j], trial[j, i] = value, 1.0 / value
                c = float(ahp(trial, ri=ri).cr)
                if best is None or c < best[0] - 1e-12:
                    best = (c, i, j, float(value))
        if best is None or best[0] >= cr - 1e-12:
            break  # no single revision lowers the CR further
        c, i, j, value = best
        steps.append({"i": names[i], "j": names[j], "from": cur[i, j], "to": value, "cr_after": c})
        cur[i, j], cur[j, i] = value, 1.0 / value
        cr = c
    return AHPRepairResult(
        judgements.drop(columns="_ij"),
        pd.DataFrame(steps, columns=["i", "j", "from", "to", "cr_after"]),
        float(base.cr),
        cur,
    )


# --------------------------------------------------------------------------- 7. other methods
def _pymcdm_methods(names: Sequence[str], x: F64) -> dict[str, Any]:
    from pymcdm import methods as pm
    from pymcdm import normalizations as nz

    bounds = np.column_stack([x.min(axis=0), x.max(axis=0)])
    same = bounds[:, 0] == bounds[:, 1]
    bounds[same, 1] = bounds[same, 0] + 1.0  # SPOTIS needs non-degenerate bounds
    factories = {
        "TOPSIS": lambda: pm.TOPSIS(nz.vector_normalization),
        "VIKOR": lambda: pm.VIKOR(),
        "PROMETHEE_II": lambda: pm.PROMETHEE_II("usual"),
        "SPOTIS": lambda: pm.SPOTIS(bounds),
        "WSM": lambda: pm.WSM(),
        "COPRAS": lambda: pm.COPRAS(),
        "MABAC": lambda: pm.MABAC(),
    }
    unknown = [m for m in names if m not in factories]
    if unknown:
        raise CitymatchValueError(f"`methods` must be among {sorted(factories)}; got {unknown}.")
    return {m: factories[m]() for m in names}


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
    source: Any,
    weights: Any = None,
    types: Any = None,
    *,
    methods: Sequence[str] = ("TOPSIS", "VIKOR", "PROMETHEE_II", "SPOTIS"),
    normalization: str | None = None,
    labels: Sequence[str] | None = None,
    criteria: Sequence[str] | None = None,
) -> MethodAgreementResult:
    """Rank the same data with several methods (pymcdm, behind citymatch's validation).

    Returns
    -------
    MethodAgreementResult
        ``ranks``: candidates × methods (1 = best); ``weighted_spearman`` and
        ``ws_similarity``: methods × methods rank correlations — the weighted Spearman
        coefficient r_w and the WS similarity coefficient (Sałabun & Urbaniak 2020), which
        weight agreement at the top more (WS is asymmetric: the row is the reference).
    """
    from pymcdm import correlations as corr

    p = _as_problem(
        source, weights, types, normalization=normalization, labels=labels, criteria=criteria
    )
    methods = list(methods)
    if len(methods) < 2:
        raise CitymatchValueError(f"`methods` must name at least 2 methods; got {methods}.")
    objs = _pymcdm_methods(methods, p.x)
    ranks = {}
    for name, obj in objs.items():
        pref = obj(p.x, p.w, p.t.astype(int), validation=False)
        ranks[name] = obj.rank(pref)
    r = pd.DataFrame(ranks, index=pd.Index(p.ids, name="id"))
    rw = pd.DataFrame(index=methods, columns=methods, dtype=float)
    ws = pd.DataFrame(index=methods, columns=methods, dtype=float)
    for a in methods:
        for b in methods:
            rw.loc[a, b] = corr.weighted_spearman(r[a].to_numpy(float), r[b].to_numpy(float))
            ws.loc[a, b] = corr.ws(r[a].to_numpy(float), r[b].to_numpy(float))
    return MethodAgreementResult(r, rw, ws)


def rank_reversal(
    source: Any,
    weights: Any = None,
    types: Any = None,
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
    p = _as_problem(
        source, weights, types, normalization=normalization, labels=labels, criteria=criteria
    )
    n, m = p.x.shape
    base = topsis(p.x, p.w, p.t, normalization=p.norm).scores
    rows: list[dict[str, str]] = []

    def swaps(label: str, keep: NDArray[np.int64], new: F64) -> None:
        b0 = np.round(base[keep], 12)
        b1 = np.round(new[: keep.size], 12)
        ahead0 = b0[:, None] > b0[None, :]
        ahead1 = b1[:, None] < b1[None, :]
        for a, b in zip(*np.nonzero(ahead0 & ahead1), strict=True):
            rows.append({"change": label, "a": p.ids[keep[a]], "b": p.ids[keep[b]]})

    targets = p.ids if remove is None else [str(r) for r in remove]
    for rid in targets:
        if rid not in p.ids:
            raise CitymatchValueError(f"`remove` names an unknown candidate {rid!r}.")
        i = p.ids.index(rid)
        keep = np.array([h for h in range(n) if h != i])
        if keep.size >= 2:
            swaps(f"remove {rid}", keep, topsis(p.x[keep], p.w, p.t, normalization=p.norm).scores)
    for aid, values in (add or {}).items():
        row = np.asarray(values, dtype=np.float64)
        if row.shape != (m,) or not np.isfinite(row).all():
            raise ShapeError(
                f"`add[{aid!r}]` must be {m} finite values (criterion order); got {list(values)}."
            )
        x2 = np.vstack([p.x, row])
        swaps(f"add {aid}", np.arange(n), topsis(x2, p.w, p.t, normalization=p.norm).scores)
    return pd.DataFrame(rows, columns=["change", "a", "b"])
