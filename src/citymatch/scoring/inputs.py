"""Validated inputs of a scoring method: one matrix, weights (one vector or K), directions.

Every method other than TOPSIS (which has its own zero-copy float32 path) starts here, so
that bad input gets the same errors whatever the method.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import (
    CriterionTypes,
    as_float,
    as_matrix,
    as_types,
    as_weights,
    raise_nonfinite,
    real_array,
)
from ..errors import ArgumentError, ArgumentTypeError, CitymatchTypeError, CitymatchValueError

__all__ = ["DecisionInputs", "decision_inputs", "in_unit_interval", "per_criterion"]

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class DecisionInputs:
    """A float64 matrix (N, M), weights (M,) or (K, M) summing to 1, directions (M,)."""

    x: F64
    w: F64
    batched: bool
    t: NDArray[np.int8]

    @property
    def benefit(self) -> NDArray[np.bool_]:
        """True for the criteria where more is better."""
        out: NDArray[np.bool_] = self.t > 0
        return out

    def oriented(self) -> F64:
        """The matrix with cost columns negated (so that more is better everywhere)."""
        out: F64 = np.where(self.benefit, self.x, -self.x)
        return out


def decision_inputs(
    matrix: ArrayLike,
    weights: ArrayLike,
    types: CriterionTypes,
    *,
    min_rows: int = 2,
    check_finite: bool = True,
) -> DecisionInputs:
    """Validate and convert the three inputs every method takes (float64).

    ``check_finite=False`` leaves the NaN/±inf check to the caller's column statistics
    (one pass fewer over a large matrix).
    """
    x = np.asarray(as_matrix(matrix, min_rows=min_rows), dtype=np.float64)
    if check_finite and not np.isfinite(x).all():
        raise_nonfinite(x, "matrix")
    m = x.shape[1]
    t = as_types(types, m)
    w, batched = as_weights(weights, m)
    return DecisionInputs(x, w, batched, t)


def in_unit_interval(value: object, name: str) -> float:
    """``value`` as a float in [0, 1], or a clear error naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ArgumentTypeError(f"`{name}` must be a number in [0, 1]; got {value!r}.")
    v = as_float(value, name=name)
    if not 0.0 <= v <= 1.0:  # also refuses NaN; an option out of its domain (exit 2 in the CLI)
        raise ArgumentError(f"`{name}` must lie in [0, 1]; got {v}.")
    return v


def per_criterion(value: ArrayLike | None, m: int, name: str, *, default: float) -> F64:
    """A scalar or one value per criterion, as a finite float64 (M,) array.

    For a method's options (PROMETHEE's thresholds): a refusal is a usage error
    (:class:`ArgumentError`, exit 2 on the command line), not a data error.
    """
    if value is None:
        return np.full(m, default)
    try:  # text and booleans are refused, as for every numeric argument
        arr = real_array(value, name=name)
    except CitymatchTypeError as exc:
        raise ArgumentTypeError(
            f"`{name}` must be a number or one number per criterion; got {value!r}."
        ) from exc
    except CitymatchValueError as exc:  # ragged, or beyond float64's range: a usage error
        raise ArgumentError(str(exc)) from exc
    if arr.ndim == 0:
        arr = np.full(m, float(arr))
    if arr.shape != (m,):
        raise ArgumentError(
            f"`{name}` must be a number or {m} numbers (one per criterion); got shape {arr.shape}."
        )
    if not np.isfinite(arr).all():
        j = int(np.argmax(~np.isfinite(arr)))
        raise ArgumentError(f"`{name}` must be finite; got {arr[j]} at criterion {j}.")
    return arr
