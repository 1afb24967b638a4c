"""The input every sensitivity feature shares: a Ranking, or raw ``(matrix, weights, types)``.

:func:`as_problem` turns each accepted spelling into one validated :class:`Problem`
(float64 matrix, normalised weights, ±1 directions, normalisation, labels); every feature
trusts it afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import CriterionTypes, as_matrix, as_types, as_weights, raise_nonfinite
from ..errors import (
    CitymatchTypeError,
    CitymatchValueError,
    ShapeError,
    UnsupportedAnalysisError,
)
from ..rank import Ranking
from ..scoring.geometry import check_normalization
from ..scoring.registry import as_options, check_options

__all__ = ["F64", "Problem", "Source", "as_problem", "criterion_index", "sweep_path"]

F64 = NDArray[np.float64]

#: What every sensitivity entry point accepts as its data.
Source = Ranking | ArrayLike


@dataclass(frozen=True)
class Problem:
    """A validated decision problem (the arrays are private, read-only copies).

    Attributes
    ----------
    x : ndarray (N, M)
        Performance matrix, finite float64.
    w : ndarray (M,)
        Weights, normalised to sum to 1.
    t : ndarray (M,)
        Directions, ``+1`` benefit, ``-1`` cost.
    norm : str
        Normalisation (one of :data:`citymatch.scoring.topsis.NORMALIZATIONS`).
    ids, criteria : list of str
        Candidate and criterion labels.
    method : str
        The scoring method's canonical name (``"TOPSIS"`` unless asked otherwise).
    options : mapping
        The method's parameters (read-only).
    """

    x: F64
    w: F64
    t: NDArray[np.int8]
    norm: str
    ids: list[str]
    criteria: list[str]
    method: str = "TOPSIS"
    options: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))


def _from_ranking(
    source: Ranking, weights: ArrayLike | None, types: CriterionTypes | None
) -> tuple[F64, F64, NDArray[np.int8], str, list[str], list[str]]:
    x = source.matrix.to_numpy(dtype=np.float64, copy=True)
    w = (
        source.weights.to_numpy(dtype=np.float64, copy=True)
        if weights is None
        else as_weights(weights, x.shape[1])[0]
    )
    t = source.criteria.types if types is None else as_types(types, x.shape[1])
    ids = [str(i) for i in source.matrix.index]
    # TOPSIS's normalisation as the ranking used it, else the set's (its TOPSIS fallback)
    own = source.criteria.normalization
    norm = source.topsis_result.normalization if source.method == "TOPSIS" else own
    return x, w, t, norm, ids, list(source.criteria.ids)


def _scored_with_fixed_points(source: Ranking) -> bool:
    """Whether a TOPSIS ranking's ideal points differ from its matrix's own (fixed points)."""
    if source.method != "TOPSIS" or source.matrix.shape[0] == 0:
        return False
    x = source.matrix.to_numpy(dtype=np.float64)
    res = source.topsis_result
    own = res.types > 0
    return not (
        np.array_equal(res.ideal, np.where(own, x.max(axis=0), x.min(axis=0)))
        and np.array_equal(res.anti_ideal, np.where(own, x.min(axis=0), x.max(axis=0)))
    )


def _fixes_a_point(value: object) -> bool:
    """A fixed-point option that fixes at least one criterion (None and NaN do not)."""
    if value is None:
        return False
    values = list(value.values()) if isinstance(value, Mapping) else value
    try:
        return bool((~np.isnan(np.asarray(values, dtype=np.float64))).any())
    except (TypeError, ValueError):
        return True  # not numbers: refused as a fixed point, whatever it means


def _refuse_fixed_points(how: str) -> None:
    raise UnsupportedAnalysisError(
        f"{how} fixed TOPSIS `ideal` / `anti_ideal` points; the sensitivity analyses score "
        "TOPSIS with the data's own points (their closed forms and samplers depend on it), "
        "so they would analyse a different ranking. Re-rank without fixed points for the "
        "analysis, or analyse the matrix with another method."
    )


def _from_arrays(
    source: ArrayLike,
    weights: ArrayLike | None,
    types: CriterionTypes | None,
    labels: Sequence[str] | None,
    criteria: Sequence[str] | None,
) -> tuple[F64, F64, NDArray[np.int8], str, list[str], list[str]]:
    if weights is None or types is None:
        raise CitymatchTypeError(
            "pass a Ranking, or `matrix` with `weights` and `types`; got a matrix without "
            f"{'weights' if weights is None else 'types'}."
        )
    x = np.array(as_matrix(source), dtype=np.float64)  # a private copy
    w, batched = as_weights(weights, x.shape[1])
    if batched:
        raise ShapeError(
            f"`weights` must be one vector of {x.shape[1]} weights here; got shape {w.shape}."
        )
    t = as_types(types, x.shape[1])
    ids = [str(i) for i in (labels if labels is not None else range(x.shape[0]))]
    names = criteria if criteria is not None else [f"c{j}" for j in range(x.shape[1])]
    return x, w, t, "vector", ids, [str(c) for c in names]


def as_problem(
    source: Source,
    weights: ArrayLike | None = None,
    types: CriterionTypes | None = None,
    *,
    normalization: str | None = None,
    labels: Sequence[str] | None = None,
    criteria: Sequence[str] | None = None,
    method: str | None = None,
    method_options: Mapping[str, object] | None = None,
) -> Problem:
    """Validate a sensitivity input: a Ranking (its data, weights, criteria) or raw arrays.

    ``weights`` and ``types`` are required with a raw matrix and override a Ranking's;
    ``normalization`` defaults to the Ranking's, or ``"vector"``.  ``method`` and
    ``method_options`` default to the Ranking's (TOPSIS for raw arrays).
    """
    if isinstance(source, Ranking):
        x, w, t, norm, ids, crit = _from_ranking(source, weights, types)
    else:
        x, w, t, norm, ids, crit = _from_arrays(source, weights, types, labels, criteria)
    ranking = source if isinstance(source, Ranking) else None
    if method is None and ranking is not None:
        name, options = ranking.method, dict(ranking.method_options)
    else:
        name, options = method or "TOPSIS", {}
    if method_options is not None:
        options = as_options(method_options)
    spec = check_options(name, options)
    if spec.name != "TOPSIS" and normalization is not None:
        raise CitymatchValueError(
            f"`normalization` is a TOPSIS setting; method {spec.name} takes its parameters "
            "in `method_options`."
        )
    if spec.name == "TOPSIS":
        # A Ranking's own options were applied when it was scored (its result says how);
        # options passed here are applied now: a normalisation (unless the call names one),
        # never fixed points.
        if ranking is not None and _scored_with_fixed_points(ranking):
            _refuse_fixed_points("the ranking was scored with")
        if method_options is not None:
            if any(_fixes_a_point(options.get(k)) for k in ("ideal", "anti_ideal")):
                _refuse_fixed_points("`method_options` give")
            norm = str(options.get("normalization") or norm)
        options = {}
        norm = normalization or norm
    check_options(spec.name, options, t)  # the values, by the method's own rules
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
        raise_nonfinite(x, "matrix")
    w = np.array(w, dtype=np.float64)
    t = np.array(t, dtype=np.int8)
    for arr in (x, w, t):
        arr.setflags(write=False)
    return Problem(x, w, t, norm, ids, crit, spec.name, MappingProxyType(options))


def criterion_index(p: Problem, criterion: str | int) -> int:
    """The column of ``criterion`` (an id, or an index for raw arrays)."""
    if isinstance(criterion, (int, np.integer)) and not isinstance(criterion, bool):
        if not 0 <= criterion < len(p.criteria):
            raise CitymatchValueError(
                f"`criterion` index must be in 0..{len(p.criteria) - 1}; got {criterion}."
            )
        return int(criterion)
    if criterion not in p.criteria:
        raise CitymatchValueError(f"`criterion` must be one of {p.criteria}; got {criterion!r}.")
    return p.criteria.index(str(criterion))


def sweep_path(w: F64, j: int) -> tuple[F64, F64]:
    """Weights along the sweep of criterion j: ``w(v) = r + v·d`` (others proportional).

    ``w(v)[j] = v`` and the other weights keep their base proportions, summing to ``1 − v``;
    if every other weight is zero, the remainder is shared equally.
    """
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
