r"""PROMETHEE II net flows and the PROMETHEE I partial preorder (Brans & Vincke 1985).

Conventions:

* For criterion j the difference :math:`d_j(a, b) = x_{aj} - x_{bj}` (negated for a cost
  criterion) goes through the criterion's preference function :math:`P_j` (Brans's six types):

  ============  =================================================================  ==========
  name          :math:`P(d)`                                                        parameters
  ============  =================================================================  ==========
  ``usual``     1 if d > 0, else 0                                                  —
  ``u-shape``   1 if d > q, else 0                                                  q ≥ 0
  ``v-shape``   d/p if 0 < d ≤ p; 1 if d > p; else 0                                p > 0
  ``level``     ½ if q < d ≤ p; 1 if d > p; else 0                                  0 ≤ q < p
  ``linear``    (d − q)/(p − q) if q < d ≤ p; 1 if d > p; else 0                    0 ≤ q < p
  ``gaussian``  1 − exp(−d²/(2s²)) if d > 0, else 0                                 s > 0
  ============  =================================================================  ==========

  (pymcdm names ``ushape``, ``vshape``, ``vshape_2`` are accepted for the second, third and
  fifth.)  Thresholds are in the criterion's raw units; thresholds are compared with the
  difference exactly as the pairwise table would (``x_a − x_b > q`` in floating point).
* :math:`\pi(a, b) = \sum_j w_j P_j(d_j(a, b))` with weights summing to 1;
  :math:`\phi^+(a) = \frac{1}{N-1}\sum_b \pi(a, b)`,
  :math:`\phi^-(a) = \frac{1}{N-1}\sum_b \pi(b, a)`, net flow :math:`\phi = \phi^+ - \phi^-`
  (``scores``; higher is better; the net flows sum to zero).
* The flows are linear in the weights: :math:`\phi(a) = \sum_j w_j \phi_j(a)` with the
  single-criterion flows :math:`\phi_j`.  citymatch computes the N × M single-criterion flows
  once and a (K, M) batch of weight vectors is one matrix product.
* Single-criterion flows without the N × N table: for the five piecewise-linear functions a
  sort and prefix sums give every candidate's flow in O(N log N); the Gaussian function is
  summed over pairs in blocks of rows (O(N²) time, memory bounded).  Memory: two N × M
  float64 arrays; refused beyond :data:`MAX_FLOW_CELLS` cells, and the Gaussian function
  beyond :data:`MAX_GAUSSIAN_N` candidates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import CriterionTypes
from ..errors import ArgumentError, ArgumentTypeError, ShapeError
from .inputs import decision_inputs, per_criterion
from .method_results import PrometheeResult

__all__ = [
    "MAX_FLOW_CELLS",
    "MAX_GAUSSIAN_N",
    "PREFERENCE_FUNCTIONS",
    "preference_options",
    "promethee",
    "validate_options",
]

F64 = NDArray[np.float64]

#: Brans's six preference functions, in his order (types I–VI).
PREFERENCE_FUNCTIONS = ("usual", "u-shape", "v-shape", "level", "linear", "gaussian")
_ALIASES = {"ushape": "u-shape", "vshape": "v-shape", "vshape_2": "linear", "quasi": "u-shape"}
#: N × M cells of single-criterion flows held at once (two float64 arrays: 4 GiB).
MAX_FLOW_CELLS = 2**28
#: The Gaussian function sums N² pairs per criterion; refused beyond this N.
MAX_GAUSSIAN_N = 100_000
_BLOCK_CELLS = 4_000_000


def _kinds(preference: str | Sequence[str], m: int) -> tuple[str, ...]:
    if not isinstance(preference, (str, Sequence, np.ndarray)):
        raise ArgumentTypeError(
            f"`preference` must be one name or a sequence of {m} names; got {preference!r}."
        )
    names = [preference] * m if isinstance(preference, str) else list(preference)
    if len(names) != m:
        raise ArgumentError(
            f"`preference` must be one name or {m} names (one per criterion); got {len(names)}."
        )
    out = []
    for j, name in enumerate(names):
        key = _ALIASES.get(str(name).lower(), str(name).lower())
        if key not in PREFERENCE_FUNCTIONS:
            raise ArgumentError(
                f"`preference` of criterion {j} must be one of "
                f"{', '.join(map(repr, PREFERENCE_FUNCTIONS))}; got {name!r}."
            )
        out.append(key)
    return tuple(out)


def _check_thresholds(kinds: tuple[str, ...], q: F64, p: F64, s: F64, given: set[str]) -> None:
    need = {"u-shape": "q", "v-shape": "p", "level": "qp", "linear": "qp", "gaussian": "s"}
    for j, kind in enumerate(kinds):
        missing = [t for t in need.get(kind, "") if t not in given]
        if missing:
            raise ArgumentError(
                f"criterion {j} uses the {kind!r} preference function, which needs "
                f"`{missing[0]}`; pass {missing[0]}=... (one number or one per criterion)."
            )
        if kind in ("u-shape", "level", "linear") and q[j] < 0:
            raise ArgumentError(
                f"`q` (indifference threshold) must be ≥ 0; got {q[j]} at criterion {j}."
            )
        if kind == "v-shape" and p[j] <= 0:
            raise ArgumentError(
                f"`p` (preference threshold) must be > 0 for 'v-shape'; got {p[j]} at criterion {j}."
            )
        if kind in ("level", "linear") and not q[j] < p[j]:
            raise ArgumentError(
                f"thresholds out of order at criterion {j}: the {kind!r} function needs "
                f"q < p; got q = {q[j]}, p = {p[j]}."
            )
        if kind == "gaussian" and s[j] <= 0:
            raise ArgumentError(f"`s` must be > 0 for 'gaussian'; got {s[j]} at criterion {j}.")


def preference_options(
    m: int,
    preference: str | Sequence[str] = "usual",
    q: ArrayLike | None = None,
    p: ArrayLike | None = None,
    s: ArrayLike | None = None,
) -> tuple[tuple[str, ...], F64, F64, F64]:
    """The checked options of :func:`promethee` for M criteria: ``(kinds, q, p, s)``.

    One function per criterion and its thresholds as (M,) arrays; every rule that does not
    depend on the data (known names, a threshold each function needs, q ≥ 0, q < p, p > 0,
    s > 0) is checked here, for :func:`promethee` and for a criteria set naming PROMETHEE.
    """
    kinds = _kinds(preference, m)
    given = {name for name, val in (("q", q), ("p", p), ("s", s)) if val is not None}
    qa = per_criterion(q, m, "q", default=0.0)
    pa = per_criterion(p, m, "p", default=0.0)
    sa = per_criterion(s, m, "s", default=0.0)
    _check_thresholds(kinds, qa, pa, sa, given)
    return kinds, qa, pa, sa


def validate_options(types: NDArray[np.int8], options: Mapping[str, Any]) -> None:
    """Refuse option values :func:`promethee` would refuse, before any data (``types`` (M,))."""
    preference_options(len(types), **options)


def _gaussian_sums(y: F64, s: float) -> F64:
    n = y.shape[0]
    out = np.empty(n)
    step = max(1, _BLOCK_CELLS // n)
    two_s2 = 2.0 * s * s
    for i0 in range(0, n, step):
        d = y[i0 : i0 + step, None] - y[None, :]
        out[i0 : i0 + step] = np.where(d > 0, -np.expm1(-(d * d) / two_s2), 0.0).sum(axis=1)
    return out


def _count_above(ys: F64, y: F64, q: float) -> NDArray[np.int64]:
    """``#{b : y_a − y_b > q}`` for every a, exactly as the pairwise test in floating point.

    ``fl(y_a − y_b)`` falls as ``y_b`` rises, so the count is a prefix of the sorted values:
    ``searchsorted`` on ``y_a − q`` finds it up to rounding, and the boundary is then moved
    over whole blocks of equal values until the pairwise test holds on its left and fails on
    its right (a few rounds at most).
    """
    n = ys.shape[0]
    k = np.searchsorted(ys, y - q, "left")  # fast when ``y`` is sorted too (the caller's case)
    for _ in range(n + 1):
        here = np.minimum(k, n - 1)
        right = np.flatnonzero((k < n) & (y - ys[here] > q))
        k[right] = np.searchsorted(ys, ys[here[right]], "right")
        prev = np.maximum(k - 1, 0)
        left = np.flatnonzero((k > 0) & ~(y - ys[prev] > q))
        k[left] = np.searchsorted(ys, ys[prev[left]], "left")
        if not (right.size or left.size):
            break
    return k


def _preference_sums(y: F64, kind: str, q: float, p: float, s: float) -> F64:
    """``Σ_b P(y_a − y_b)`` for every a, without the N × N table (see the module doc).

    Computed for the sorted values (each binary search then starts where the last ended)
    and put back in input order.
    """
    if kind == "gaussian":
        return _gaussian_sums(y, s)
    order = np.argsort(y, kind="stable")
    ys = y[order]
    out = np.empty_like(y)
    out[order] = _sorted_sums(ys, kind, q, p)
    return out


def _sorted_sums(ys: F64, kind: str, q: float, p: float) -> F64:
    """:func:`_preference_sums` for sorted values ``ys``."""
    if kind in ("usual", "u-shape"):
        return _count_above(ys, ys, 0.0 if kind == "usual" else q).astype(np.float64)
    full = _count_above(ys, ys, p)  # d > p: preference 1
    if kind == "level":
        out_level: F64 = full + 0.5 * (_count_above(ys, ys, q) - full)
        return out_level
    # v-shape (q = 0) and linear: (d − q)/(p − q) for q < d ≤ p
    q_eff = 0.0 if kind == "v-shape" else q
    top = _count_above(ys, ys, q_eff)
    # The window sums Σ y_b come from prefix sums of the values less a centre.  One centre
    # for all lets a distant value swamp the small ones in the running sum (catastrophic
    # cancellation: silently wrong flows next to an outlier).  A window never crosses a gap
    # wider than p, so each run of values without one gets its own centre (its midpoint):
    # the running sum then holds deviations within a run only.
    gap = np.diff(ys) > p
    run = np.concatenate([[0], np.cumsum(gap)])
    first = np.flatnonzero(np.concatenate([[True], gap]))
    last = np.concatenate([first[1:] - 1, [ys.shape[0] - 1]])
    centre = (0.5 * ys[first] + 0.5 * ys[last])[run]
    cs = np.concatenate([[0.0], np.cumsum(ys - centre)])
    count = top - full
    part = (count * (ys - centre - q_eff) - (cs[top] - cs[full])) / (p - q_eff)
    out: F64 = full + part
    return out


def promethee(
    matrix: ArrayLike,
    weights: ArrayLike,
    types: CriterionTypes,
    *,
    preference: str | Sequence[str] = "usual",
    q: ArrayLike | None = None,
    p: ArrayLike | None = None,
    s: ArrayLike | None = None,
) -> PrometheeResult:
    """PROMETHEE II: positive, negative and net outranking flows (net flow: higher is better).

    Parameters
    ----------
    matrix : array_like, (N, M)
        Raw performance, N ≥ 2 candidates.
    weights : array_like, (M,) or (K, M)
        Non-negative; each vector normalised to sum to 1.  A batch costs one matrix product.
    types : sequence of 1/-1 or "benefit"/"cost", (M,)
    preference : str or sequence of str, default "usual"
        One of :data:`PREFERENCE_FUNCTIONS` for every criterion, or one per criterion.
    q, p, s : float or array_like (M,), optional
        Indifference, preference and Gaussian thresholds in raw units, as the chosen
        functions need them.

    Returns
    -------
    PrometheeResult
        ``scores`` (net flow φ), ``phi_plus``, ``phi_minus``; ``outranking()`` gives the
        PROMETHEE I partial preorder.

    Examples
    --------
    >>> import citymatch as cm
    >>> cm.promethee([[1, 3], [2, 2], [3, 1]], [0.5, 0.5], [1, 1]).scores.tolist()
    [0.0, 0.0, 0.0]
    """
    inp = decision_inputs(matrix, weights, types)
    n, m = inp.x.shape
    if n * m > MAX_FLOW_CELLS:
        raise ShapeError(
            f"PROMETHEE holds two N × M flow tables in memory: N × M = {n * m:,} is over the "
            f"limit of {MAX_FLOW_CELLS:,} cells (4 GiB); score a shortlist (screen or rank by a "
            "linear-time method first)."
        )
    kinds, qa, pa, sa = preference_options(m, preference, q, p, s)
    if "gaussian" in kinds and n > MAX_GAUSSIAN_N:
        raise ShapeError(
            f"the 'gaussian' preference function sums all N² pairs: N = {n:,} is over "
            f"{MAX_GAUSSIAN_N:,}; use a piecewise-linear function ('linear', 'v-shape') instead."
        )
    y = inp.oriented()
    plus = np.empty((n, m))
    minus = np.empty((n, m))
    for j, kind in enumerate(kinds):
        plus[:, j] = _preference_sums(y[:, j], kind, qa[j], pa[j], sa[j])
        minus[:, j] = _preference_sums(-y[:, j], kind, qa[j], pa[j], sa[j])
    plus /= n - 1
    minus /= n - 1
    phi_plus = inp.w @ plus.T
    phi_minus = inp.w @ minus.T
    return PrometheeResult("PROMETHEE_II", phi_plus - phi_minus, True, phi_plus, phi_minus, kinds)
