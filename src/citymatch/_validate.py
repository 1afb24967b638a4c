"""Input validation: every accepted spelling becomes a canonical array, or an error.

Everything after this layer trusts its input.  Checks are vectorised: a valid
1,000 × 10 problem costs a few microseconds here.  The finiteness of a large
matrix is checked from the column statistics that TOPSIS computes anyway (a NaN
makes its column's max NaN), so a valid matrix is read only twice in total.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import (
    CitymatchTypeError,
    CriterionTypeError,
    NonFiniteError,
    ShapeError,
    WeightsError,
)

F64 = NDArray[np.float64]


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def as_matrix(
    matrix: ArrayLike, *, name: str = "matrix", min_rows: int = 2
) -> NDArray[np.floating]:
    """Return a 2-D float32/float64 array view (no copy when already float)."""
    if isinstance(matrix, (str, bytes)):
        raise CitymatchTypeError(
            f"`{name}` must be a 2-D array of numbers; got a {type(matrix).__name__}."
        )
    try:
        arr = np.asarray(matrix)
    except (ValueError, TypeError) as exc:  # ragged nested lists
        raise ShapeError(
            f"`{name}` must be a rectangular 2-D array; got {_short(matrix)}."
        ) from exc
    if arr.dtype == object or arr.dtype.kind in "USVMm":
        raise CitymatchTypeError(
            f"`{name}` must hold numbers; got dtype {arr.dtype} "
            f"(first value {_short(arr.flat[0]) if arr.size else 'none'})."
        )
    if arr.dtype.kind == "b":
        raise CitymatchTypeError(f"`{name}` must hold numbers; got dtype bool.")
    if arr.ndim != 2:
        raise ShapeError(
            f"`{name}` must be 2-D (candidates × criteria); got {arr.ndim}-D with shape {arr.shape}."
        )
    n, m = arr.shape
    if m < 1:
        raise ShapeError(
            f"`{name}` must have at least 1 criterion (column); got shape {arr.shape}."
        )
    if n < min_rows:
        raise ShapeError(
            f"`{name}` must have at least {min_rows} candidates (rows) to rank; got {n}."
        )
    if arr.dtype not in (np.float64, np.float32):
        arr = arr.astype(np.float64)
    return arr


def first_nonfinite(arr: NDArray[Any]) -> tuple[tuple[int, ...], float] | None:
    """Index and value of the first NaN/±inf cell, or None (slow path, errors only)."""
    bad = np.argwhere(~np.isfinite(arr))
    if bad.size == 0:
        return None
    idx = tuple(int(i) for i in bad[0])
    return idx, float(arr[idx])


def raise_nonfinite(
    arr: NDArray[Any], name: str, labels: Sequence[str] = ("row", "column")
) -> None:
    """Raise NonFiniteError naming the first NaN/±inf cell of ``arr`` if there is one."""
    found = first_nonfinite(arr)
    if found is None:
        return
    idx, val = found
    count = int(np.count_nonzero(~np.isfinite(arr)))
    where = ", ".join(f"{lab} {i}" for lab, i in zip(labels, idx, strict=False))
    raise NonFiniteError(
        f"`{name}` must contain only finite numbers; got {val} at {where}"
        f" ({count} non-finite cell{'s' if count != 1 else ''} in all)."
    )


_TYPE_WORDS = {"benefit": 1, "cost": -1}


#: Criterion directions as accepted: ``1``/``-1`` or ``"benefit"``/``"cost"``, one per criterion.
CriterionTypes = Sequence[int | str] | NDArray[np.integer]


def as_types(types: CriterionTypes, m: int, *, name: str = "types") -> NDArray[np.int8]:
    """Criterion directions as an int8 array of ``+1`` (benefit) / ``-1`` (cost)."""
    if isinstance(types, (str, bytes)):
        raise CitymatchTypeError(
            f"`{name}` must be a sequence with one entry per criterion; got the string {types!r}."
        )
    seq: list[object] = list(types) if not isinstance(types, np.ndarray) else types.tolist()
    if len(seq) != m:
        raise ShapeError(f"`{name}` must have {m} elements (one per criterion); got {len(seq)}.")
    out = np.empty(m, dtype=np.int8)
    for j, t in enumerate(seq):
        if isinstance(t, str) and t in _TYPE_WORDS:
            out[j] = _TYPE_WORDS[t]
        elif (
            isinstance(t, (int, float, np.integer, np.floating))
            and not isinstance(t, (bool, np.bool_))
            and t in (1, -1)
        ):
            out[j] = int(t)
        else:
            raise CriterionTypeError(
                f"`{name}[{j}]` must be 1, -1, 'benefit' or 'cost'; got {t!r}."
            )
    return out


def as_weights(weights: ArrayLike, m: int, *, name: str = "weights") -> tuple[F64, bool]:
    """Weights as float64 (M,) or (K, M), each vector normalised to sum to 1.

    Returns the array (a new one; the input is never modified) and whether it is a
    batch of K vectors.
    """
    if isinstance(weights, (str, bytes)):
        raise CitymatchTypeError(f"`{name}` must be an array of numbers; got {weights!r}.")
    try:
        w = np.array(weights, dtype=np.float64)  # always a copy
    except (TypeError, ValueError) as exc:
        raise CitymatchTypeError(
            f"`{name}` must be an array of numbers; got {_short(weights)}."
        ) from exc
    if w.ndim not in (1, 2):
        raise ShapeError(f"`{name}` must have shape ({m},) or (K, {m}); got shape {w.shape}.")
    if w.shape[-1] != m:
        what = f"{w.shape[-1]}" if w.ndim == 1 else f"shape {w.shape}"
        raise ShapeError(f"`{name}` must have {m} elements (one per criterion); got {what}.")
    if w.ndim == 2 and w.shape[0] < 1:
        raise ShapeError(f"`{name}` must hold at least one weight vector; got shape {w.shape}.")
    if not np.isfinite(w).all():
        idx, val = first_nonfinite(w)  # type: ignore[misc]
        raise WeightsError(
            f"`{name}` must be finite; got {val} at index {idx if w.ndim == 2 else idx[0]}."
        )
    if (w < 0).any():
        idx = tuple(int(i) for i in np.argwhere(w < 0)[0])
        where = idx if w.ndim == 2 else idx[0]
        raise WeightsError(f"`{name}` must be non-negative; got {w[idx]} at index {where}.")
    totals = w.sum(axis=-1)
    if (totals <= 0).any():
        if w.ndim == 1:
            raise WeightsError(f"`{name}` must not be all zero; got {w.tolist()}.")
        k = int(np.argmax(totals <= 0))
        raise WeightsError(f"`{name}` must not be all zero; weight vector {k} is all zero.")
    w /= totals[..., None] if w.ndim == 2 else totals
    return w, w.ndim == 2


def as_point(point: ArrayLike | None, m: int, *, name: str) -> F64 | None:
    """A fixed ideal / anti-ideal point: (M,) floats, NaN meaning "from the data"."""
    if point is None:
        return None
    try:
        p = np.array(point, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise CitymatchTypeError(
            f"`{name}` must be an array of numbers; got {_short(point)}."
        ) from exc
    if p.shape != (m,):
        raise ShapeError(
            f"`{name}` must have {m} elements (one per criterion); got shape {p.shape}."
        )
    if np.isinf(p).any():
        j = int(np.argmax(np.isinf(p)))
        raise NonFiniteError(
            f"`{name}` must be finite (NaN means 'take from the data'); got {p[j]} at index {j}."
        )
    return p


def judgement_value(value: float | str) -> float:
    """One judgement (a number or a fraction string such as ``"1/3"``) as a float."""
    parsed = parse_judgement(value)
    if isinstance(parsed, (int, float, np.integer, np.floating)) and not isinstance(parsed, bool):
        return float(parsed)
    raise CitymatchTypeError(
        f"a pairwise judgement must be a number or a fraction like '1/3'; got {value!r}."
    )


def parse_judgement(value: object) -> object:
    """One pairwise judgement: a fraction string such as ``"1/3"`` as a float, else as given.

    Anything else is returned unchanged, for the array conversion to accept or refuse.
    """
    if isinstance(value, str):
        try:
            return float(Fraction(value.strip()))
        except (ValueError, ZeroDivisionError) as exc:
            raise CitymatchTypeError(
                f"a pairwise judgement must be a number or a fraction like '1/3'; got {value!r}."
            ) from exc
    return value
