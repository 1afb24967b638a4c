"""TOPSIS in its weight-free form: the one place sensitivity turns data and weights into scores.

With ``w ≥ 0`` the ideal points and the column scale do not depend on the weights, so
``D⁺² = A⁺ @ w²`` with the weight-free ``A⁺ = ((X − x⁺)/s)²`` (likewise ``D⁻``).  The terms
come from the core's column geometry (:func:`citymatch.scoring.geometry.geometry`) and the
ratio with its tie rule from the core's one closeness
(:func:`citymatch.scoring._kernels.closeness`), so sensitivity scores are TOPSIS scores by
construction.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..scoring._kernels import closeness
from ..scoring.geometry import geometry
from ..scoring.registry import method_spec
from ._problem import F64, Problem

__all__ = ["closeness_from_terms", "method_scores", "scores_at", "terms", "weight_free_terms"]


def terms(x: F64, t: NDArray[np.int8], norm: str) -> tuple[F64, F64]:
    """Weight-free terms ``(A⁺, A⁻)`` of a matrix, each (N, M): ``D² = A @ w²``."""
    ideal, anti, _scale, inv = geometry(x, t, norm)
    a_plus: F64 = ((x - ideal) * inv) ** 2
    a_minus: F64 = ((x - anti) * inv) ** 2
    return a_plus, a_minus


def weight_free_terms(p: Problem) -> tuple[F64, F64]:
    """Weight-free terms ``(A⁺, A⁻)`` of a problem's matrix."""
    return terms(p.x, p.t, p.norm)


def _distinct_rows(a: F64) -> bool:
    """Whether no two rows are identical (identical rows have identical row sums)."""
    sums = np.sort(a.sum(axis=-1))
    return bool((sums[1:] != sums[:-1]).all())


def closeness_from_terms(a_plus: F64, a_minus: F64, w2: F64) -> F64:
    """TOPSIS scores from weight-free terms and squared weights ``w2``.

    Two layouts: shared terms (N, M) with ``w2`` of shape (M,) or (K, M) → (N,) or (K, N);
    or one set of terms per matrix (K, N, M) with one ``w2`` row each (K, M) → (K, N), for
    perturbed data.  Candidates with identical terms get bit-identical scores (a matrix
    product may sum identical rows in different orders, and an exact tie must never be
    broken by rounding): shared terms are scored once per distinct row.
    """
    if a_plus.ndim == 3:  # per-matrix terms: an elementwise reduction, identical rows agree
        d_ideal = np.sqrt(np.einsum("knm,km->kn", a_plus, w2))
        d_anti = np.sqrt(np.einsum("knm,km->kn", a_minus, w2))
        return closeness(d_ideal, d_anti)
    both = np.hstack([a_plus, a_minus])
    if _distinct_rows(both):
        return closeness(np.sqrt(w2 @ a_plus.T), np.sqrt(w2 @ a_minus.T))
    _, first, inverse = np.unique(both, axis=0, return_index=True, return_inverse=True)
    d_ideal = np.sqrt(w2 @ a_plus[first].T)
    d_anti = np.sqrt(w2 @ a_minus[first].T)
    return closeness(d_ideal, d_anti)[..., inverse.reshape(-1)]


def scores_at(x: F64, t: NDArray[np.int8], norm: str, w: F64) -> F64:
    """TOPSIS scores of one matrix or of K matrices.

    ``x`` (N, M) under weights ``w`` (M,) or (K, M); or K matrices ``x`` (K, N, M), each
    under its own weight vector ``w`` (K, M).
    """
    if x.ndim == 3:
        pairs = [terms(xk, t, norm) for xk in x]
        a_plus = np.stack([a for a, _ in pairs])
        a_minus = np.stack([b for _, b in pairs])
        return closeness_from_terms(a_plus, a_minus, w * w)
    a_plus, a_minus = terms(x, t, norm)
    return closeness_from_terms(a_plus, a_minus, w * w)


def method_scores(p: Problem, x: F64, w: F64) -> F64:
    """Scores (higher is better) under the problem's method, in the layouts of :func:`scores_at`.

    TOPSIS goes through its weight-free form; another method is called with the whole
    (K, M) batch of weights at once (one matrix product for the linear methods), or once
    per perturbed matrix when ``x`` is (K, N, M).
    """
    if p.method == "TOPSIS":
        return scores_at(x, p.t, p.norm, w)
    fn = method_spec(p.method).function
    if x.ndim == 3:
        return np.stack(
            [fn(xk, wk, p.t, **p.options).preference for xk, wk in zip(x, w, strict=True)]
        )
    out: F64 = fn(x, w, p.t, **p.options).preference
    return out
