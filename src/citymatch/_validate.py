"""Input validation: every accepted spelling becomes a canonical array, or an error.

Everything after this layer trusts its input.  Scalar arguments (``threads``, ``rtol``,
counts and caps, ``time_limit``, seeds) are checked by the ``check_*`` functions here, the one
validator of each (the table of what each public argument accepts: ``docs/arguments.md``).  Checks are vectorised: a valid
1,000 × 10 problem costs a few microseconds here.  The finiteness of a large
matrix is checked from the column statistics that TOPSIS computes anyway (a NaN
makes its column's max NaN), so a valid matrix is read only twice in total.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any, TypeGuard

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import (
    CitymatchTypeError,
    CitymatchValueError,
    CriterionTypeError,
    NonFiniteError,
    NumericRangeError,
    PairwiseMatrixError,
    ShapeError,
    WeightsError,
)

F64 = NDArray[np.float64]

#: Largest AHP judgement accepted (and 1/JUDGEMENT_MAX the smallest).  Saaty's scale is
#: 1/9..9; 1e6 leaves room for extended and measured-ratio scales while keeping the
#: eigen-iteration's powers of the matrix (``A⁸``, rescaled) far from under- and overflow.
JUDGEMENT_MAX = 1e6


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _as_array(value: object, name: str, what: str) -> NDArray[Any]:
    """``value`` as a numpy array: the first step of :func:`as_matrix` and :func:`real_array`.

    Text is refused (TypeError), ragged nested lists too (ShapeError: a bad shape is a bad
    value), and a complex dtype (citymatch never drops an imaginary part).
    """
    if isinstance(value, (str, bytes)):
        raise CitymatchTypeError(f"`{name}` must be {what} of numbers; got {_short(value)}.")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:  # ragged nested lists
        raise ShapeError(
            f"`{name}` must be {what} of numbers with rows of equal length; got {_short(value)}."
        ) from exc
    if arr.dtype.kind == "c":
        raise CitymatchTypeError(
            f"`{name}` must hold real numbers; got complex dtype {arr.dtype} "
            "(citymatch never drops an imaginary part)."
        )
    return arr


def as_matrix(
    matrix: ArrayLike, *, name: str = "matrix", min_rows: int = 2
) -> NDArray[np.floating]:
    """Return a 2-D float32/float64 array view (no copy when already float)."""
    arr = _as_array(matrix, name, "a 2-D array")
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


def real_array(value: object, *, name: str, copy: bool = False) -> F64:
    """``value`` as a float64 array; complex, bool, text and other non-numbers are refused.

    ``copy``: always return a new array (else an existing float64 array is returned as is).
    """
    arr = _as_array(value, name, "an array")
    kind = arr.dtype.kind
    if kind == "b":
        raise CitymatchTypeError(f"`{name}` must hold numbers; got booleans {_short(value)}.")
    if kind not in "iuf":
        try:
            arr = arr.astype(np.float64)  # e.g. an object array of Python numbers
        except OverflowError as exc:  # an integer beyond float64's range
            raise NumericRangeError(
                f"`{name}` holds a number beyond float64's range (±1.8e308); got {_short(value)}."
            ) from exc
        except (TypeError, ValueError) as exc:
            raise CitymatchTypeError(
                f"`{name}` must be an array of numbers; got {_short(value)}."
            ) from exc
        if any(isinstance(v, (bool, np.bool_, complex)) for v in np.asarray(value).flat):
            raise CitymatchTypeError(f"`{name}` must hold real numbers; got {_short(value)}.")
        return arr
    return np.array(arr, dtype=np.float64) if copy else arr.astype(np.float64, copy=False)


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
    if isinstance(types, np.ndarray) and types.dtype.kind in "iu" and types.shape == (m,):
        if ((types == 1) | (types == -1)).all():  # the common case (a criteria set's signs)
            return types.astype(np.int8)
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
    w = real_array(weights, name=name, copy=True)
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
    with np.errstate(over="ignore"):
        totals = w.sum(axis=-1)
    if not np.isfinite(totals).all():  # huge weights: their sum overflows, their ratios do not
        w /= w.max(axis=-1, keepdims=True)
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
    p = real_array(point, name=name, copy=True)
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


# ---- scalar arguments -------------------------------------------------------------------


def _is_int(value: object) -> TypeGuard[int | np.integer[Any]]:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_real(value: object) -> TypeGuard[int | float | np.integer[Any] | np.floating[Any]]:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def as_float(value: int | float | np.integer[Any] | np.floating[Any], *, name: str) -> float:
    """``float(value)``, or a clear error for an integer beyond float64's range."""
    try:
        return float(value)
    except OverflowError as exc:
        raise NumericRangeError(
            f"`{name}` must be within float64's range (±1.8e308); got an integer of "
            f"{len(str(abs(int(value))))} digits."
        ) from exc


def check_count(value: object, *, name: str, minimum: int = 0) -> int:
    """A whole number ``≥ minimum`` (a count, a size, a cap); bool, float and text refused."""
    if not _is_int(value):
        raise CitymatchTypeError(
            f"`{name}` must be an integer ≥ {minimum}; got {_short(value)} "
            f"of type {type(value).__name__}."
        )
    number = int(value)
    if number < minimum:
        raise CitymatchValueError(f"`{name}` must be an integer ≥ {minimum}; got {number}.")
    return number


def check_int(
    value: object, *, name: str, minimum: int = 1, maximum: int | None = None, note: str = ""
) -> int:
    """A whole number in ``minimum..maximum`` (a size, a sample count, a k) or a ValueError.

    Anything else — bool, float, text, out of range — raises :class:`CitymatchValueError`
    "`name` must be a positive integer / an integer ≥ minimum / an integer in
    minimum..maximum; got value" (``note`` appended in parentheses).  Unlike
    :func:`check_count`, a wrong type is a ValueError here: the sensitivity, Dask, Parquet
    and ranking arguments have always refused it so.
    """
    if _is_int(value) and value >= minimum and (maximum is None or value <= maximum):
        return int(value)
    if maximum is not None:
        rule = f"an integer in {minimum}..{maximum}"
    else:
        rule = "a positive integer" if minimum == 1 else f"an integer ≥ {minimum}"
    extra = f" ({note})" if note else ""
    raise CitymatchValueError(f"`{name}` must be {rule}; got {value!r}{extra}.")


def check_known_criteria(names: Iterable[str], known: Sequence[str], *, name: str) -> None:
    """Every criterion ``name`` names is one of ``known`` (the message lists the others)."""
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise CitymatchValueError(
            f"`{name}` names unknown criteria {unknown}; known: {list(known)}."
        )


def point_by_id(point: object, ids: Sequence[str], *, name: str) -> object:
    """A fixed point given by criterion id (a mapping) as values in ``ids`` order.

    NaN for the criteria it leaves out ("from the data"); anything else as it is.
    """
    if isinstance(point, Mapping):
        check_known_criteria(point, ids, name=name)
        values = []
        for key in ids:
            value = point.get(key, np.nan)
            if not _is_real(value):
                raise CitymatchTypeError(f"`{name}[{key!r}]` must be a number; got {value!r}.")
            values.append(as_float(value, name=f"{name}[{key!r}]"))
        return values
    return point


def check_threads(threads: object, *, name: str = "threads") -> int | None:
    """``threads``: None (automatic) or a positive integer number of worker threads."""
    if threads is None:
        return None
    return check_count(threads, name=name, minimum=1)


def check_real(
    value: object, *, name: str, minimum: float = -np.inf, below: float | None = None
) -> float:
    """A finite real number ``≥ minimum`` (and ``< below`` if given); bool and text refused."""
    if not _is_real(value):
        raise CitymatchTypeError(
            f"`{name}` must be a real number; got {_short(value)} of type {type(value).__name__}."
        )
    number = as_float(value, name=name)
    upper = "" if below is None else f" and < {below:g}"
    if not np.isfinite(number) or number < minimum or (below is not None and number >= below):
        raise CitymatchValueError(
            f"`{name}` must be a finite number ≥ {minimum:g}{upper}; got {number!r}."
        )
    return number


def check_rtol(rtol: object, *, name: str = "rtol") -> float:
    """A relative tolerance: finite, ``0 ≤ rtol < 1`` (1 or more would accept any matrix)."""
    return check_real(rtol, name=name, minimum=0.0, below=1.0)


def check_time_limit(time_limit: object, *, name: str = "time_limit") -> float | None:
    """Seconds: a positive number, or None / ``inf`` for no limit (returned as None)."""
    if time_limit is None:
        return None
    if not _is_real(time_limit):
        raise CitymatchTypeError(
            f"`{name}` must be positive seconds or None; got {_short(time_limit)} of type "
            f"{type(time_limit).__name__} (None or inf: no limit)."
        )
    seconds = float(time_limit)
    if seconds == np.inf:
        return None
    if not (np.isfinite(seconds) and seconds > 0):
        raise CitymatchValueError(
            f"`{name}` must be positive seconds or None; got {time_limit!r} (None or inf: "
            "no limit)."
        )
    return seconds


def check_seed(rng: object, *, name: str = "rng") -> None:
    """A seed: None, a non-negative int or a numpy Generator (nothing else, not bool)."""
    if rng is None or isinstance(rng, np.random.Generator):
        return
    if not _is_int(rng):
        raise CitymatchTypeError(
            f"`{name}` must be a numpy Generator, an int seed or None; "
            f"got {type(rng).__name__} {_short(rng)}."
        )
    if int(rng) < 0:
        raise CitymatchValueError(f"`{name}` seed must be a non-negative int; got {rng!r}.")


def check_finite_result(values: NDArray[np.floating], *, what: str) -> None:
    """Refuse a non-finite computed result (never a silent NaN): one cheap pass over it.

    The pass is a sum (NaN and ±inf carry through it, no temporary array); only when the
    sum is not finite (a non-finite value, or finite values whose sum overflows) are the
    values themselves checked.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.sum(values)
    if not np.isfinite(total) and not np.isfinite(values).all():
        count = int(np.count_nonzero(~np.isfinite(values)))
        raise NumericRangeError(
            f"{what} came out non-finite in {count} place{'s' if count != 1 else ''} (NaN or "
            "±inf): the input is beyond what float64 arithmetic holds; rescale it."
        )


# ---- AHP judgements ----------------------------------------------------------------------


def as_pairwise(pairwise: ArrayLike, rtol: object) -> F64:
    """Validate one n×n AHP matrix or a K×n×n stack; return a float64 copy.

    Judgements must be real, finite, within ``[1/JUDGEMENT_MAX, JUDGEMENT_MAX]``, with a
    unit diagonal and reciprocal within ``rtol`` (itself checked: ``0 ≤ rtol < 1``).
    """
    tol = check_rtol(rtol)
    if isinstance(pairwise, (str, bytes)):
        raise CitymatchTypeError("`pairwise` must be a square matrix of numbers; got a string.")
    try:
        probe = np.asarray(pairwise)
    except (TypeError, ValueError):  # ragged: refused below with the shape message
        probe = np.asarray(0.0)
    if probe.dtype.kind in "cb":
        raise CitymatchTypeError(
            "`pairwise` must hold real numbers (judgements are ratios); got dtype "
            f"{probe.dtype}{' (an imaginary part is never dropped)' if probe.dtype.kind == 'c' else ''}."
        )
    try:
        try:  # fast path: already numeric
            a = np.array(pairwise, dtype=np.float64)
        except (TypeError, ValueError):  # fraction strings such as "1/3"
            raw = np.asarray(pairwise, dtype=object)
            if raw.dtype == object and raw.size and any(isinstance(v, str) for v in raw.flat):
                raw = np.vectorize(parse_judgement, otypes=[object])(raw)
            a = np.array(raw, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, CitymatchTypeError):
            raise
        raise ShapeError(
            "`pairwise` must be a square n×n matrix (or a K×n×n stack) of numbers; "
            f"could not read {str(pairwise)[:60]!r}."
        ) from exc
    if a.ndim not in (2, 3) or a.shape[-1] != a.shape[-2] or a.shape[-1] < 1:
        raise ShapeError(f"`pairwise` must be square, n×n or K×n×n; got shape {a.shape}.")
    stack = a if a.ndim == 3 else a[None]
    batch = a.ndim == 3

    def tag(k: int) -> str:
        return f" in matrix {k}" if batch else ""

    def cell(mask: NDArray[np.bool_]) -> tuple[int, int, int]:
        k, i, j = (int(v) for v in np.argwhere(mask)[0])
        return k, i, j

    bad = ~np.isfinite(stack)
    if bad.any():
        k, i, j = cell(bad)
        raise PairwiseMatrixError(
            f"`pairwise` must be finite; got {stack[k, i, j]} at row {i}, column {j}{tag(k)}."
        )
    bad = stack <= 0
    if bad.any():
        k, i, j = cell(bad)
        raise PairwiseMatrixError(
            f"`pairwise` must be positive (judgements are ratios); got {stack[k, i, j]} "
            f"at row {i}, column {j}{tag(k)}."
        )
    bad = (stack > JUDGEMENT_MAX) | (stack < 1.0 / JUDGEMENT_MAX)
    if bad.any():
        k, i, j = cell(bad)
        raise PairwiseMatrixError(
            f"`pairwise` judgements must lie in [1/{JUDGEMENT_MAX:g}, {JUDGEMENT_MAX:g}] (Saaty's "
            f"scale is 1/9..9); got {stack[k, i, j]:g} at row {i}, column {j}{tag(k)}."
        )
    diag = np.diagonal(stack, axis1=1, axis2=2)
    bad_d = np.abs(diag - 1.0) > tol
    if bad_d.any():
        k, i = (int(v) for v in np.argwhere(bad_d)[0])
        raise PairwiseMatrixError(
            f"`pairwise` must have a unit diagonal; got {stack[k, i, i]} at row {i}, "
            f"column {i}{tag(k)}."
        )
    prod = stack * np.swapaxes(stack, 1, 2)
    bad = np.abs(prod - 1.0) > tol
    if bad.any():
        k, i, j = cell(bad)
        i, j = min(i, j), max(i, j)
        raise PairwiseMatrixError(
            f"`pairwise` must be reciprocal (a[j, i] = 1 / a[i, j] within rtol={tol:g}); "
            f"got a[{i}, {j}] = {stack[k, i, j]:g} and a[{j}, {i}] = {stack[k, j, i]:g}{tag(k)}."
        )
    return a
