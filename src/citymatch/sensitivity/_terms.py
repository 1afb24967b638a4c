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

from ..errors import CitymatchValueError, NoiseDomainError
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


#: Weight vectors per slice of the numpy twin: (64, N) work arrays stay in the L2 cache.
_SLICE = 64


def closeness_from_terms(a_plus: F64, a_minus: F64, w2: F64) -> F64:
    """TOPSIS scores from weight-free terms and squared weights ``w2``.

    Two layouts: shared terms (N, M) with ``w2`` of shape (M,) or (K, M) → (N,) or (K, N);
    or one set of terms per matrix (K, N, M) with one ``w2`` row each (K, M) → (K, N), for
    perturbed data.  ``D²`` is summed criterion by criterion, ``j = 0, 1, …, M−1``, one
    rounding per product and per addition: candidates with identical terms get
    bit-identical scores (an exact tie is never broken by rounding), and the compiled twin
    (:func:`citymatch.scoring._jit.topsis_rows`, used by SMAA's fused counting) gives the
    same bits.
    """
    if a_plus.ndim == 3:  # per-matrix terms: an elementwise reduction, identical rows agree
        d_ideal = np.sqrt(np.einsum("knm,km->kn", a_plus, w2))
        d_anti = np.sqrt(np.einsum("knm,km->kn", a_minus, w2))
        return closeness(d_ideal, d_anti)
    w2d = np.atleast_2d(w2)
    k, (n, m) = w2d.shape[0], a_plus.shape
    out = np.empty((k, n))
    step = min(k, _SLICE)
    dp, dm, tmp = np.empty((step, n)), np.empty((step, n)), np.empty((step, n))
    for lo in range(0, k, step):
        b = min(step, k - lo)
        wb, p, q, t = w2d[lo : lo + b], dp[:b], dm[:b], tmp[:b]
        np.multiply(wb[:, :1], a_plus[:, 0], out=p)
        np.multiply(wb[:, :1], a_minus[:, 0], out=q)
        for j in range(1, m):
            p += np.multiply(wb[:, j : j + 1], a_plus[:, j], out=t)
            q += np.multiply(wb[:, j : j + 1], a_minus[:, j], out=t)
        closeness(np.sqrt(p, out=p), np.sqrt(q, out=q), out=out[lo : lo + b], work=t)
    return out if w2.ndim == 2 else out[0]


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
    per perturbed matrix when ``x`` is (K, N, M).  A rule a perturbed matrix breaks (a
    negative value drawn for a ratio-scale method) is reported as the noise's, not the data's.
    """
    if x.ndim != 3:
        return _scores(p, x, w)
    try:
        return _scores(p, x, w)
    except CitymatchValueError as err:  # a rule broken by a sampled value, not the user's
        raise NoiseDomainError(
            f"under `noise`, a perturbed copy of the data breaks a rule of {p.method} (the "
            f"value quoted is a sampled one, not one of yours): {err} Lower `noise`, or use "
            "a method without that rule (TOPSIS with vector normalisation, VIKOR, MABAC)."
        ) from err


def _scores(p: Problem, x: F64, w: F64) -> F64:
    if p.method == "TOPSIS":
        return scores_at(x, p.t, p.norm, w)
    fn = method_spec(p.method).function
    if x.ndim == 3:
        return np.stack(
            [fn(xk, wk, p.t, **p.options).preference for xk, wk in zip(x, w, strict=True)]
        )
    out: F64 = fn(x, w, p.t, **p.options).preference
    return out
