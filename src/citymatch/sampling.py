"""Weight sampling and seeding, shared by SMAA in memory, on Dask and the portfolio analyses.

Samples are drawn in fixed blocks of :data:`SAMPLE_BLOCK`; block ``b`` is seeded from
``(seed, b)``, so a result never depends on the memory chunk size, on the number of workers
or on how blocks are distributed among them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validate import check_count, check_known_criteria, check_seed, real_array
from .errors import CitymatchValueError, ShapeError, WeightsError

__all__ = [
    "SAMPLE_BLOCK",
    "Sampler",
    "base_weights",
    "block_rng",
    "check_sampler",
    "draw",
    "sample_weights",
    "seed_sequence",
]

F64 = NDArray[np.float64]

#: Samples drawn per fixed block: block b is seeded from (seed, b), so results do not depend
#: on the memory chunk size or on how blocks are distributed.
SAMPLE_BLOCK = 1024

Sampler = Literal["uniform", "dirichlet", "intervals", "ordinal"]


def block_rng(seed: np.random.SeedSequence, block: int) -> np.random.Generator:
    """The generator of sample block ``block``: seeded from ``(seed, block)`` alone."""
    return np.random.default_rng(
        np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, block))
    )


def seed_sequence(rng: np.random.Generator | int | None) -> np.random.SeedSequence:
    """A SeedSequence from ``rng`` (Generator | int | None), never from global state."""
    check_seed(rng)
    if isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(int(rng.integers(0, 2**63 - 1)))
    return np.random.SeedSequence(None if rng is None else int(rng))


def check_sampler(
    sampler: str,
    m: int,
    base: F64,
    crit: list[str],
    concentration: float,
    intervals: Any,
    order: Any,
) -> tuple[F64 | None, NDArray[np.int64] | None]:
    """Validate a sampler's options; return the interval box and the ordinal permutation."""
    if sampler not in ("uniform", "dirichlet", "intervals", "ordinal"):
        raise CitymatchValueError(
            f"`sampler` must be 'uniform', 'dirichlet', 'intervals' or 'ordinal'; got {sampler!r}."
        )
    box = None
    perm = None
    if sampler == "dirichlet":
        if not (
            isinstance(concentration, (int, float))
            and not isinstance(concentration, bool)
            and np.isfinite(concentration)
            and concentration > 0
        ):
            raise CitymatchValueError(
                f"`concentration` must be a positive number; got {concentration!r}."
            )
    if sampler == "intervals":
        if intervals is None:
            raise CitymatchValueError("`intervals` is required with sampler='intervals'.")
        if isinstance(intervals, Mapping):
            check_known_criteria(intervals, crit, name="intervals")
            box = np.array([intervals.get(c, (0.0, 1.0)) for c in crit], dtype=np.float64)
        else:
            box = np.array(intervals, dtype=np.float64)
        if box.shape != (m, 2):
            raise ShapeError(
                f"`intervals` must give (low, high) for each of {m} criteria; got shape {box.shape}."
            )
        bad = (
            (box[:, 0] < 0)
            | (box[:, 1] > 1)
            | (box[:, 0] > box[:, 1])
            | ~np.isfinite(box).all(axis=1)
        )
        if bad.any():
            j = int(np.argmax(bad))
            raise CitymatchValueError(
                f"`intervals` must satisfy 0 ≤ low ≤ high ≤ 1; got ({box[j, 0]:g}, {box[j, 1]:g}) for {crit[j]!r}."
            )
        if box[:, 0].sum() > 1 + 1e-12 or box[:, 1].sum() < 1 - 1e-12:
            raise CitymatchValueError(
                "`intervals` contain no weight vector summing to 1: Σ low = "
                f"{box[:, 0].sum():g} must be ≤ 1 and Σ high = {box[:, 1].sum():g} must be ≥ 1."
            )
    if sampler == "ordinal":
        if order is None:
            raise CitymatchValueError(
                "`order` (criteria from most to least important) is required with sampler='ordinal'."
            )
        names = [str(o) for o in order]
        check_known_criteria(names, crit, name="order")
        if sorted(names) != sorted(crit):
            raise CitymatchValueError(
                f"`order` must rank every criterion exactly once; got {names}, criteria {crit}."
            )
        perm = np.array([crit.index(c) for c in names])
    return box, perm


def sample_weights(
    m: int,
    size: int,
    *,
    sampler: Sampler = "uniform",
    base: ArrayLike | None = None,
    concentration: float = 50.0,
    intervals: Mapping[str, tuple[float, float]] | ArrayLike | None = None,
    order: Sequence[str] | None = None,
    criteria: Sequence[str] | None = None,
    rng: np.random.Generator | int | None = None,
) -> F64:
    """Draw ``size`` weight vectors on the simplex (each sums to 1).

    Parameters
    ----------
    m : int
        Number of criteria.
    size : int
        Number of vectors.
    sampler : {"uniform", "dirichlet", "intervals", "ordinal"}
        ``"uniform"``: uniform on the simplex (Dirichlet(1, …, 1) — not normalised uniform
        draws, which over-weight the centre). ``"dirichlet"``: Dirichlet(concentration·base)
        around ``base`` (criteria with base weight 0 stay 0). ``"intervals"``: uniform on the
        simplex restricted to per-criterion [low, high] boxes (rejection; refused if the box
        holds no weight vector). ``"ordinal"``: uniform on the weights consistent with a
        ranking of the criteria (``order``, most important first) — uniform draws sorted.
    rng : Generator, int or None
        Source of randomness (``numpy.random.default_rng`` semantics; an int seed ≥ 0).

    Returns
    -------
    ndarray (size, m)

    Raises
    ------
    CitymatchTypeError
        ``m`` or ``size`` not an int (bool refused), a seed of another type, a complex or
        boolean ``base``.
    CitymatchValueError
        ``m`` or ``size`` below 1, a negative seed, an unknown ``sampler``.
    WeightsError
        ``base`` negative, non-finite or all zero.
    """
    m = check_count(m, name="m", minimum=1)
    size = check_count(size, name="size", minimum=1)
    check_seed(rng)
    crit = [str(c) for c in (criteria if criteria is not None else [f"c{j}" for j in range(m)])]
    if len(crit) != m:
        raise ShapeError(f"`criteria` must name {m} criteria (one per weight); got {len(crit)}.")
    b = np.full(m, 1.0 / m) if base is None else base_weights(base, m)
    box, perm = check_sampler(sampler, m, b, crit, concentration, intervals, order)
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    return draw(gen, size, m, sampler, b, concentration, box, perm)


def base_weights(base: ArrayLike, m: int, *, name: str = "base") -> F64:
    """Base weights: M finite, non-negative numbers, not all zero; returned summing to 1."""
    b = real_array(base, name=name, copy=True)
    if b.shape != (m,):
        raise ShapeError(
            f"`{name}` must have {m} elements (one per criterion); got shape {b.shape}."
        )
    if not np.isfinite(b).all() or (b < 0).any():
        j = int(np.argmax(~np.isfinite(b) | (b < 0)))
        raise WeightsError(f"`{name}` must be finite and non-negative; got {b[j]} at index {j}.")
    if b.sum() <= 0:
        raise WeightsError(f"`{name}` must not be all zero; got {b.tolist()}.")
    out: F64 = b / b.sum()
    return out


def draw(
    gen: np.random.Generator,
    size: int,
    m: int,
    sampler: str,
    base: F64,
    concentration: float,
    box: F64 | None,
    perm: NDArray[np.int64] | None,
) -> F64:
    """Draw ``size`` weight vectors with validated options (see :func:`check_sampler`)."""
    if sampler == "dirichlet":
        out = np.zeros((size, m))
        pos = base > 0
        out[:, pos] = gen.dirichlet(concentration * base[pos] / base[pos].sum(), size=size)
        return out
    e = gen.standard_exponential((size, m))
    u: F64 = e / e.sum(axis=1, keepdims=True)  # uniform on the simplex
    if sampler == "ordinal":
        assert perm is not None
        srt = -np.sort(-u, axis=1)
        out = np.empty_like(srt)
        out[:, perm] = srt
        return out
    if sampler == "intervals":
        assert box is not None
        kept: list[F64] = []
        total, tries = 0, 0
        while total < size:
            e = gen.standard_exponential((max(size, 1024), m))
            cand = e / e.sum(axis=1, keepdims=True)
            ok = np.all((cand >= box[:, 0]) & (cand <= box[:, 1]), axis=1)
            kept.append(cand[ok])
            total += int(ok.sum())
            tries += cand.shape[0]
            if tries > 200 * size + 10**6 and total < size:
                raise CitymatchValueError(
                    f"`intervals` hold too small a share of the simplex to sample by rejection "
                    f"({total} of {tries} draws accepted); widen them."
                )
        out_box: F64 = np.concatenate(kept)[:size]
        return out_box
    return u
