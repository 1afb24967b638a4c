"""Exact stability intervals: how far one criterion's weight can move before the order changes.

Along the sweep of criterion j (others rescaled proportionally, :func:`sweep_path`), every
squared distance is a quadratic in the weight ``v``: ``D² = A @ (r + v d)²``.  Candidates a
and b tie where the quartic ``F = Q_a P_b − Q_b P_a`` vanishes (``P = D⁺²``, ``Q = D⁻²``,
and sign F = sign(C_a − C_b)).  Its real roots in (0, 1) come from companion-matrix
eigenvalues and are polished with Brent's method, so interval ends are exact to ~1e-12.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq

from .._display import html_table
from .._progress import progress_bar
from .._validate import CriterionTypes, check_int, check_real
from ..scoring.ranks import order_best_first, tie_round
from ..scoring.registry import method_spec
from ._problem import F64, Problem, Source, as_problem, sweep_path
from ._terms import method_scores, weight_free_terms

__all__ = ["StabilityResult", "stability_intervals"]

Poly = np.polynomial.polynomial
_IMAG_TOL = 1e-7  # an eigenvalue with |imag| above this is complex
_BRACKET = 1e-7  # half-width of the bracket a root is polished in
_TOUCH_MARGIN = 1e-6  # a double root this far inside the path is a touch
#: Methods whose scores are linear in the weights: exact linear tie functions along a path.
LINEAR_IN_WEIGHTS = frozenset({"WSM", "PROMETHEE_II", "SPOTIS", "MABAC"})
#: Grid points of the numeric search for the other methods (VIKOR, WPM, WASPAS, COPRAS).
SEARCH_POINTS = 1_001
PairRoots = Callable[[NDArray[np.int64], NDArray[np.int64]], list[tuple[list[float], bool]]]


# --------------------------------------------------------------------------- tie polynomials
def _quadratics(a: F64, r: F64, d: F64) -> F64:
    """Coefficients (ascending) of Σ_l (r_l + v d_l)² a_il for every row i: shape (N, 3)."""
    return np.column_stack([a @ (r * r), a @ (2 * r * d), a @ (d * d)])


def _conv3(x: F64, y: F64) -> F64:
    """Row-wise product of quadratics (P, 3) × (P, 3) → quartics (P, 5), ascending."""
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


def _sign_changes(
    poly: np.polynomial.Polynomial, cand: Iterable[float], lo: float, hi: float
) -> tuple[list[float], bool]:
    """Which candidate roots in (lo, hi) are sign changes (polished) and whether one touches."""
    out: list[float] = []
    touch = False
    for z in sorted(cand):
        v = float(min(max(z, lo), hi))
        a, b = max(lo, v - _BRACKET), min(hi, v + _BRACKET)
        fa, fb = float(poly(a)), float(poly(b))
        if fa == 0.0 or fb == 0.0 or np.sign(fa) != np.sign(fb):
            if fa != 0.0 and fb != 0.0:
                v = float(brentq(lambda s: float(poly(s)), a, b, xtol=1e-15, rtol=1e-15))
            if lo < v < hi:
                out.append(v)
        elif lo + _TOUCH_MARGIN < v < hi - _TOUCH_MARGIN:  # interior double root: a touch
            touch = True
    return sorted(set(out)), touch


def _low_degree_roots(f: F64) -> tuple[list[float], bool]:
    """Sign-changing roots in (0, 1) of a tie polynomial whose quartic term vanishes.

    Also reports ``True`` if the polynomial vanishes identically (the two candidates are
    identical along the whole path).
    """
    scale = np.max(np.abs(f)) if f.size else 0.0
    if scale == 0.0 or np.all(np.abs(f) <= 1e-15 * max(1.0, scale)):
        return [], True
    f = f / scale
    f = np.trim_zeros(np.where(np.abs(f) < 1e-14, 0.0, f), "b")
    if f.size <= 1:
        return [], False
    roots = Poly.polyroots(f)
    cand = [z.real for z in roots if abs(z.imag) <= _IMAG_TOL and 0.0 < z.real < 1.0]
    return _sign_changes(np.polynomial.Polynomial(f), cand, 0.0, 1.0)


def _pair_roots(
    pq: F64, qq: F64, a: NDArray[np.int64], b: NDArray[np.int64]
) -> list[tuple[list[float], bool]]:
    """Sign-changing roots in (0, 1) of every pair's tie quartic, and whether the pair touches.

    Quartics come from batched products and their roots from batched companion-matrix
    eigenvalues; sign checks and Brent polishing run only for the few roots inside (0, 1).
    """
    f = _conv3(qq[a], pq[b]) - _conv3(qq[b], pq[a])  # ascending coefficients, (P, 5)
    scale = np.max(np.abs(f), axis=1)
    out: list[tuple[list[float], bool]] = [([], False)] * len(a)
    quartic = (scale > 0) & (np.abs(f[:, 4]) > 1e-12 * np.where(scale > 0, scale, 1.0))
    idx = np.flatnonzero(quartic)
    if idx.size:
        comp = np.zeros((idx.size, 4, 4))
        comp[:, 1, 0] = comp[:, 2, 1] = comp[:, 3, 2] = 1.0
        comp[:, :, 3] = -f[idx, :4] / f[idx, 4][:, None]
        for r_i, row in zip(idx, np.linalg.eigvals(comp), strict=True):
            cand = row[(np.abs(row.imag) <= _IMAG_TOL) & (row.real > 0) & (row.real < 1)].real
            if cand.size:
                poly = np.polynomial.Polynomial(f[r_i] / scale[r_i])
                out[r_i] = _sign_changes(poly, cand.tolist(), 0.0, 1.0)
    for r_i in np.flatnonzero(~quartic):  # lower degree or identical
        out[r_i] = _low_degree_roots(f[r_i])
    return out


def _linear_pair_roots(
    alpha: F64, beta: F64, a: NDArray[np.int64], b: NDArray[np.int64]
) -> list[tuple[list[float], bool]]:
    """Roots in (0, 1) of ``(α_a − α_b) + (β_a − β_b) v`` for every pair (linear methods)."""
    f = np.zeros((a.size, 5))
    f[:, 0] = alpha[a] - alpha[b]
    f[:, 1] = beta[a] - beta[b]
    return [_low_degree_roots(row) for row in f]


def _searched_pair_roots(
    p: Problem, r: F64, d: F64, grid: F64, scores: F64, a: NDArray[np.int64], b: NDArray[np.int64]
) -> list[tuple[list[float], bool]]:
    """Crossings found on the grid and polished with Brent's method (non-linear methods)."""
    out: list[tuple[list[float], bool]] = []
    for ia, ib in zip(a.tolist(), b.tolist(), strict=True):

        def gap(v: float, ia: int = ia, ib: int = ib) -> float:
            s = method_scores(p, p.x, r + v * d)
            return float(tie_round(s[ia] - s[ib]))

        sign = np.sign(tie_round(scores[:, ia] - scores[:, ib]))
        nz = np.flatnonzero(sign)  # a grid point where the pair ties exactly is skipped over
        roots: list[float] = []
        for g0, g1 in itertools.pairwise(nz.tolist()):
            if sign[g0] == sign[g1]:
                continue
            lo, hi = float(grid[g0]), float(grid[g1])
            f_lo, f_hi = gap(lo), gap(hi)
            if f_lo == 0.0 or f_hi == 0.0 or f_lo * f_hi > 0:  # rounding at a grid point
                roots.append(lo if f_lo == 0.0 else hi if f_hi == 0.0 else (lo + hi) / 2)
                continue
            roots.append(float(brentq(gap, lo, hi, xtol=1e-14, rtol=1e-14)))
        out.append((roots, False))
    return out


# --------------------------------------------------------------------------- one criterion
@dataclass
class _Crossings:
    """Collects near-ties while the crossings of one criterion's path are searched."""

    p: Problem
    base: F64
    tie_tol: float
    ties: list[dict[str, Any]]

    def nearest(
        self, pairs: list[tuple[int, int]], roots_of: PairRoots, v0: float, criterion: str
    ) -> tuple[float, float, int, int]:
        """Nearest sign-changing crossing below and above ``v0`` over ``pairs`` (and who)."""
        lo_v, hi_v, lo_by, hi_by = 0.0, 1.0, -1, -1
        if not pairs:
            return lo_v, hi_v, lo_by, hi_by
        arr = np.array(pairs, dtype=np.int64)
        for (a, b), (roots, touch) in zip(pairs, roots_of(arr[:, 0], arr[:, 1]), strict=True):
            gap = float(abs(self.base[a] - self.base[b]))
            if touch or gap < self.tie_tol:
                self.ties.append(
                    {
                        "criterion": criterion,
                        "a": self.p.ids[a],
                        "b": self.p.ids[b],
                        "score_gap": gap,
                    }
                )
            for v in roots:
                if lo_v < v < v0 - 1e-15:
                    lo_v, lo_by = v, b
                elif v0 + 1e-15 < v < hi_v:
                    hi_v, hi_by = v, b
        return lo_v, hi_v, lo_by, hi_by


def _roots_along(p: Problem, j: int) -> PairRoots:
    """The tie-root finder of criterion j's path for the problem's method (see the module doc)."""
    r, d = sweep_path(p.w, j)
    if p.method == "TOPSIS":
        a_plus, a_minus = weight_free_terms(p)
        pq, qq = _quadratics(a_plus, r, d), _quadratics(a_minus, r, d)
        return lambda a, b: _pair_roots(pq, qq, a, b)
    ends = method_scores(p, p.x, np.stack([r, r + d]))  # preference at v = 0 and v = 1
    if method_spec(p.method).name in LINEAR_IN_WEIGHTS:
        alpha, beta = ends[0], ends[1] - ends[0]  # preference(v) = α + β v, exactly
        return lambda a, b: _linear_pair_roots(alpha, beta, a, b)
    grid = np.linspace(0.0, 1.0, SEARCH_POINTS)
    scores = method_scores(p, p.x, r[None, :] + grid[:, None] * d[None, :])
    return lambda a, b: _searched_pair_roots(p, r, d, grid, scores, a, b)


def _criterion_row(
    j: int, order: NDArray[np.int64], k: int, found: _Crossings
) -> tuple[dict[str, Any], list[tuple[float, int]]]:
    """The interval row of criterion j and the winner's two bounds with their challengers."""
    p = found.p
    n = p.x.shape[0]
    v0 = float(p.w[j])
    roots_of = _roots_along(p, j)
    win = int(order[0])
    top = set(order[:k].tolist())
    crit = p.criteria[j]
    t_lo, t_hi, t_lo_by, t_hi_by = found.nearest(
        [(win, h) for h in range(n) if h != win], roots_of, v0, crit
    )
    k_lo, k_hi, _, _ = found.nearest(
        [(a, b) for a in sorted(top) for b in range(n) if b not in top], roots_of, v0, crit
    )
    o_lo, o_hi, _, _ = found.nearest(
        [(int(order[i]), int(order[i + 1])) for i in range(n - 1)], roots_of, v0, crit
    )
    row = {
        "criterion": crit,
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
    return row, [(t_lo, t_lo_by), (t_hi, t_hi_by)]


def _smallest_flip(
    rows: list[dict[str, Any]], bounds: list[list[tuple[float, int]]], p: Problem, win: int
) -> dict[str, Any]:
    """The winner bound nearest its base weight over all criteria (empty if none flips)."""
    best: dict[str, Any] = {}
    best_change = np.inf
    for row, pair in zip(rows, bounds, strict=True):
        v0 = row["weight"]
        for v, by in pair:
            if by >= 0 and abs(v - v0) < best_change:
                best_change = abs(v - v0)
                best = {
                    "criterion": row["criterion"],
                    "base_weight": v0,
                    "new_weight": v,
                    "change": v - v0,
                    "winner": p.ids[win],
                    "challenger": p.ids[by],
                }
    return best


# --------------------------------------------------------------------------- result, entry point
@dataclass(frozen=True, repr=False, eq=False)
class StabilityResult:
    """Exact stability intervals of each criterion's weight (others rescaled proportionally).

    Attributes
    ----------
    table : DataFrame
        One row per criterion: ``weight`` (base), ``top_low``/``top_high`` (interval in
        which the winner stays the same), ``topk_low``/``topk_high`` (the top-k set),
        ``order_low``/``order_high`` (the full order), and the challengers at the winner's
        bounds (``top_low_by``, ``top_high_by``).  An end inside (0, 1) is a tipping point:
        just beyond it the winner / top-k set / order changes.
    winner : str
        The base winner.
    flip : mapping (read-only)
        The smallest weight change that changes the winner: ``criterion``,
        ``base_weight``, ``new_weight``, ``change``, ``winner``, ``challenger`` (empty if no
        weight change can flip it).
    near_ties : DataFrame
        Pairs that tie at the base weights or touch without crossing (flagged, not flips).
    k : int
    """

    table: pd.DataFrame
    winner: str
    flip: Mapping[str, Any]
    near_ties: pd.DataFrame
    k: int

    def to_frame(self) -> pd.DataFrame:
        """The per-criterion interval table (a copy)."""
        return self.table.copy()

    def plot(self, *, ax: Any = None) -> Any:
        """Tornado chart of the winner's stability interval per criterion."""
        from ..plot import tornado

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
    source: Source,
    weights: ArrayLike | None = None,
    types: CriterionTypes | None = None,
    *,
    k: int = 3,
    normalization: str | None = None,
    labels: Sequence[str] | None = None,
    criteria: Sequence[str] | None = None,
    tie_tol: float = 1e-9,
    method: str | None = None,
    method_options: Mapping[str, object] | None = None,
    progress: bool | None = None,
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
    normalization, labels, criteria
        As for :func:`weight_sweep`.
    tie_tol : float, default 1e-9
        Score differences below this at the base weights are reported as near-ties.
    method, method_options
        The scoring method (default: the ranking's, or TOPSIS).  For WSM, PROMETHEE II,
        SPOTIS and MABAC the scores are linear in the weights, so the tie functions along
        the path are linear and the ends exact.  For VIKOR, WPM, WASPAS and COPRAS the ends
        come from a stated numeric search: order changes between the 1,001 grid points of
        the path (:data:`SEARCH_POINTS`), each polished with Brent's method to ~1e-14 in
        the weight where the score gap is steep (a shallow crossing is only as sharp as the
        12-decimal tie rounding of the gap allows: ~1e-12 divided by its slope); two
        crossings of one pair between neighbouring grid points (within 0.001 of weight)
        would be missed, and touches are not reported.
    progress : bool or None, default None
        A progress bar on standard error, one step per criterion (as in
        :func:`rank_acceptability`).

    Returns
    -------
    StabilityResult
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
    n, m = p.x.shape
    k = check_int(k, name="k", maximum=n - 1)
    tie_tol = check_real(tie_tol, name="tie_tol", minimum=0.0)
    base = method_scores(p, p.x, p.w)
    order = order_best_first(base)
    found = _Crossings(p, base, tie_tol, [])
    rows, bounds = [], []
    with progress_bar(m, "stability intervals", progress, unit="criterion") as bar:
        for j in range(m):
            row, pair = _criterion_row(j, order, int(k), found)
            rows.append(row)
            bounds.append(pair)
            bar.update(1)
    win = int(order[0])
    near = pd.DataFrame(found.ties, columns=["criterion", "a", "b", "score_gap"])
    return StabilityResult(
        pd.DataFrame(rows),
        p.ids[win],
        MappingProxyType(_smallest_flip(rows, bounds, p, win)),
        near.drop_duplicates().reset_index(drop=True),
        int(k),
    )
