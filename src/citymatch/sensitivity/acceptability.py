"""SMAA-2 rank acceptability: how often each candidate takes each rank under uncertain weights.

Weights are sampled (see :mod:`citymatch.sampling`) in fixed blocks of
:data:`~citymatch.sampling.SAMPLE_BLOCK`, each seeded from ``(seed, block)``; every block is
scored in the weight-free form (one matrix product) and counted at once, so the result
depends on the seed only — never on ``chunk``.  Ranks are counted with the one split-tie
rule (:func:`citymatch.scoring.ranks.add_rank_counts`); first place for the central weights
and the confidence factors follows the same rule
(:func:`citymatch.scoring.ranks.first_place_shares`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from .._display import html_table
from .._progress import Progress, progress_bar
from .._validate import (
    CriterionTypes,
    as_weights,
    check_int,
    check_known_criteria,
    check_real,
    real_array,
)
from ..errors import CitymatchValueError, ShapeError
from ..sampling import SAMPLE_BLOCK, Sampler, block_rng, check_sampler, draw, seed_sequence
from ..scoring import _jit
from ..scoring._kernels import JIT_MIN_CELLS
from ..scoring.pool import n_threads, ordered_map
from ..scoring.ranks import (
    JIT_MAX_RANKS,
    TIE_SCALE,
    add_rank_counts,
    add_top_counts,
    first_place_shares,
)
from ._problem import F64, Problem, Source, as_problem
from ._terms import closeness_from_terms, method_scores, weight_free_terms

__all__ = ["RankAcceptabilityResult", "rank_acceptability"]

NoiseKind = Literal["relative", "absolute"]
#: Noise: one standard deviation for every criterion, one per criterion, or by criterion id.
Noise = float | Sequence[float] | Mapping[str, float]
#: Weight intervals: (low, high) per criterion in order, or by criterion id.
Intervals = Sequence[tuple[float, float]] | Mapping[str, tuple[float, float]]
#: Data draws per candidate for the confidence factor under data noise.
CONFIDENCE_DRAWS = 1000
#: A block index that no weight sample uses: the confidence factor's data draws.
_CONFIDENCE_BLOCK = 10**9
#: Scores (samples × candidates) held at once per sample block (64 MB of float64).
_SCORE_CELLS = 1 << 23
#: The largest rank table (candidates × ranks) kept by default: N × N up to N = 4,096.
FULL_RANKS_MAX_CELLS = 1 << 24


@dataclass(frozen=True, repr=False, eq=False)
class RankAcceptabilityResult:
    """SMAA-2 rank acceptability.

    Attributes
    ----------
    acceptability : ndarray (N, k)
        Share of samples in which candidate i (row, input order) takes rank r (column
        r−1), for the first k = ``ranks`` ranks (all N by default).  Exact ties split their
        ranks equally, so every column sums to 1, and every row too when k = N.
    central_weights : ndarray (N, M)
        Mean weight vector of the samples in which the candidate ranks first (NaN if never).
        A sample in which k candidates tie for first counts 1/k towards each of them.
    confidence : ndarray (N,)
        Confidence factor: the candidate's share of first place when the weights are its
        central weight vector — over data samples under ``noise``, else 1 (wins), 0 (loses)
        or 1/k (ties with k−1 others); NaN if never first.
    ids, criteria : list of str
    samples : int
    sampler : str
    ranks : int
        k, the number of ranks counted (N unless fewer were asked for).
    seed : int or None
        The integer seed given, if any.
    weight_samples : ndarray (K, M) or None
        The weight vectors used (with ``keep_samples=True``).

    The arrays are read-only.
    """

    acceptability: F64
    central_weights: F64
    confidence: F64
    ids: list[str]
    criteria: list[str]
    samples: int
    sampler: str
    ranks: int
    seed: int | None = None
    weight_samples: F64 | None = field(default=None, repr=False)

    def top_k_probability(self, k: int) -> pd.Series:
        """Probability of each candidate ranking in the top ``k``."""
        n = self.ranks
        k = check_int(k, name="k", maximum=n, note=f"ranks counted: {n}")
        return pd.Series(self.acceptability[:, :k].sum(axis=1), index=self.ids, name=f"p_top{k}")

    def to_frame(self) -> pd.DataFrame:
        """Candidates × ranks acceptability table (columns 1..k), plus confidence."""
        n = self.ranks
        df = pd.DataFrame(
            self.acceptability.copy(), index=pd.Index(self.ids, name="id"), columns=range(1, n + 1)
        )
        df["confidence"] = self.confidence
        return df

    def central_weights_frame(self) -> pd.DataFrame:
        """Central weight vectors (candidates × criteria)."""
        return pd.DataFrame(
            self.central_weights.copy(), index=pd.Index(self.ids, name="id"), columns=self.criteria
        )

    def plot(self, *, top: int = 15, ax: Any = None) -> Any:
        """Heat map of the rank acceptabilities of the ``top`` candidates."""
        from ..plot import acceptability_heatmap

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
        order = np.argsort(-(self.acceptability * np.arange(self.ranks, 0, -1)).sum(axis=1))
        return html_table(df.iloc[order, : min(10, self.ranks)], repr(self))


# --------------------------------------------------------------------------- data noise
def _noise_sigma(noise: Noise | None, kind: str, p: Problem) -> F64 | None:
    """Per-criterion standard deviations of the data noise (None without noise)."""
    if noise is None:
        return None
    if kind not in ("relative", "absolute"):
        raise CitymatchValueError(f"`noise_kind` must be 'relative' or 'absolute'; got {kind!r}.")
    m = p.x.shape[1]
    if isinstance(noise, Mapping):
        check_known_criteria(noise, p.criteria, name="noise")
        sigma = np.array([check_real(noise.get(c, 0.0), name=f"noise[{c!r}]") for c in p.criteria])
    else:
        sigma = real_array(noise, name="noise", copy=True)
        if sigma.ndim == 0:
            sigma = np.full(m, float(sigma))
        if sigma.shape != (m,):
            raise ShapeError(
                f"`noise` must be one number or {m} (one per criterion); got shape {sigma.shape}."
            )
    if not np.isfinite(sigma).all() or (sigma < 0).any():
        raise CitymatchValueError(
            f"`noise` must be finite and ≥ 0 per criterion; got {sigma.tolist()}."
        )
    return sigma


def _perturbed(gen: np.random.Generator, x: F64, sigma: F64, kind: str, size: int) -> F64:
    """``size`` perturbed copies of ``x`` (K, N, M)."""
    eps = gen.standard_normal((size, *x.shape))
    if kind == "relative":
        return x[None] * (1.0 + sigma[None, None, :] * eps)
    return x[None] + sigma[None, None, :] * eps


def _scores_noisy(xs: F64, p: Problem, w: F64) -> F64:
    """Scores of K perturbed matrices (K, N, M) under K weight vectors (K, M).

    Ideal points and scales (and every method's own column statistics) are recomputed for
    every perturbed matrix.
    """
    return method_scores(p, xs, w)


# --------------------------------------------------------------------------- sampling loop
@dataclass
class _Tally:
    """Rank counts and first-place weight mass, added block by block (fixed order)."""

    counts: F64
    first_sum: F64
    first_mass: F64
    kept: list[F64]

    @classmethod
    def empty(cls, n: int, m: int, ranks: int) -> _Tally:
        return cls(np.zeros((n, ranks)), np.zeros((n, m)), np.zeros(n), [])

    def merge(self, other: _Tally) -> None:
        """Add another block's tally (blocks are merged in block order: the same bits always)."""
        self.counts += other.counts
        self.first_sum += other.first_sum
        self.first_mass += other.first_mass
        self.kept.extend(other.kept)

    def add(self, w: F64, scores: F64) -> None:
        """Count score rows (K, N) under weights ``w`` (K, M)."""
        self._first(w, *add_rank_counts(scores, self.counts))

    def add_terms(self, w: F64, terms_t: tuple[F64, F64], terms: tuple[F64, F64]) -> None:
        """Count TOPSIS scores under weights ``w`` with the compiled kernels.

        The same counts as :meth:`add` on :func:`closeness_from_terms` scores (the kernels
        give their bits).  For the first k < 64 ranks scoring and selection are fused and
        the (K, N) score matrix is never built (except for tied rows).
        """
        w2 = w * w
        n, k = self.counts.shape
        found = None
        if k + 1 < min(n, JIT_MAX_RANKS):
            found = _jit.topsis_top(*terms_t, w2, k + 1, TIE_SCALE)
        if found is None:  # all ranks, many ranks, or a NaN score: count the score rows
            self.add(w, _jit.topsis_rows(*terms_t, w2))
            return
        rows = add_top_counts(*found, lambda r: closeness_from_terms(*terms, w2[r]), self.counts)
        self._first(w, *rows)

    def _first(self, w: F64, s_idx: NDArray[np.intp], c_idx: NDArray[np.intp], mass: F64) -> None:
        # first places sample by sample, in order (ties split 1/k): one addition per (sample,
        # first-placed candidate), in sample order: tied (identical) candidates receive
        # identical sums, bit for bit
        np.add.at(self.first_sum, c_idx, w[s_idx] * mass[:, None])
        np.add.at(self.first_mass, c_idx, mass)


@dataclass(frozen=True)
class _Plan:
    """The validated sampling options of one run."""

    samples: int
    given: F64 | None
    sampler: str
    concentration: float
    box: F64 | None
    perm: NDArray[np.int64] | None
    sigma: F64 | None
    noise_kind: str
    seed: np.random.SeedSequence


def _block_weights(plan: _Plan, p: Problem, b: int) -> tuple[np.random.Generator, F64]:
    """Sample block ``b``'s generator and weights (they depend on (seed, b) only)."""
    size = min(SAMPLE_BLOCK, plan.samples - b * SAMPLE_BLOCK)
    gen = block_rng(plan.seed, b)
    if plan.given is not None:
        return gen, plan.given[b * SAMPLE_BLOCK : b * SAMPLE_BLOCK + size]
    m = p.x.shape[1]
    return gen, draw(gen, size, m, plan.sampler, p.w, plan.concentration, plan.box, plan.perm)


def _scores(p: Problem, terms: tuple[F64, F64] | None, w: F64) -> F64:
    """Scores of the one matrix under weight vectors ``w`` (K, M) → (K, N)."""
    if terms is not None:
        return closeness_from_terms(terms[0], terms[1], w * w)
    return method_scores(p, p.x, w)  # another method: the whole block at once


def _block_tally(
    plan: _Plan,
    p: Problem,
    terms: tuple[F64, F64] | None,
    terms_t: tuple[F64, F64] | None,
    b: int,
    keep: bool,
    ranks: int,
) -> _Tally:
    """Sample block ``b`` scored and counted; its scores in slices of ≤ _SCORE_CELLS.

    With ``terms_t`` (TOPSIS's transposed terms, compiled kernels in use) the block is
    scored (and, for the first k ranks, counted) by the compiled kernels instead.
    """
    n, m = p.x.shape
    gen, w = _block_weights(plan, p, b)
    tally = _Tally.empty(n, m, ranks)
    if plan.sigma is not None:  # each perturbed matrix scored on its own
        xs = _perturbed(gen, p.x, plan.sigma, plan.noise_kind, w.shape[0])
        tally.add(w, _scores_noisy(xs, p, w))
    else:
        step = max(1, _SCORE_CELLS // n)
        for lo in range(0, w.shape[0], step):
            if terms_t is not None and terms is not None:
                tally.add_terms(w[lo : lo + step], terms_t, terms)
            else:
                tally.add(w[lo : lo + step], _scores(p, terms, w[lo : lo + step]))
    if keep:
        tally.kept.append(w)
    return tally


def _topsis_terms(plan: _Plan, p: Problem) -> tuple[tuple[F64, F64] | None, tuple[F64, F64] | None]:
    """TOPSIS's weight-free terms and, for the compiled kernels, their transposes.

    Computed once per call, for the counting and the confidence factors alike; None for
    another method or under noise (and no transposes when numpy does the scoring).
    """
    if plan.sigma is not None or p.method != "TOPSIS":
        return None, None
    terms = weight_free_terms(p)
    if not _compiled(plan.samples, p.x.shape[0]):
        return terms, None
    return terms, (np.ascontiguousarray(terms[0].T), np.ascontiguousarray(terms[1].T))


def _run(
    plan: _Plan,
    p: Problem,
    both: tuple[tuple[F64, F64] | None, tuple[F64, F64] | None],
    keep: bool,
    bar: Progress,
    ranks: int,
    threads: int,
) -> _Tally:
    n, m = p.x.shape
    tally = _Tally.empty(n, m, ranks)
    terms, terms_t = both
    blocks = range(-(-plan.samples // SAMPLE_BLOCK))
    for part in ordered_map(
        lambda b: _block_tally(plan, p, terms, terms_t, b, keep, ranks), blocks, threads=threads
    ):
        tally.merge(part)
        bar.update(1)
    return tally


def _compiled(samples: int, n: int) -> bool:
    """Whether TOPSIS's samples are scored (and counted) by the compiled kernels.

    When numba is in use and the job is large enough to repay loading it; see
    :meth:`_Tally.add_terms` and :mod:`..scoring._jitrank`.
    """
    return _jit.AVAILABLE and samples * n >= JIT_MIN_CELLS


def _confidence(
    p: Problem,
    central: F64,
    plan: _Plan,
    both: tuple[tuple[F64, F64] | None, tuple[F64, F64] | None],
) -> F64:
    """Each candidate's share of first place under its central weights (NaN if never first)."""
    n = p.x.shape[0]
    conf = np.full(n, np.nan)
    idx = np.flatnonzero(~np.isnan(central).any(axis=1))
    if idx.size == 0:
        return conf
    wc = central[idx]
    if plan.sigma is None:  # in slices of central weights: memory ≤ _SCORE_CELLS scores
        terms, terms_t = both
        fused = None
        if terms is not None and terms_t is not None:
            fused = _fused_first(terms, terms_t, wc, idx)
        if fused is not None:
            conf[idx] = fused
            return conf
        step = max(1, _SCORE_CELLS // n)
        for lo in range(0, idx.size, step):
            part = idx[lo : lo + step]
            shares = first_place_shares(_scores(p, terms, wc[lo : lo + step]))
            conf[part] = shares[np.arange(part.size), part]
        return conf
    gen = block_rng(plan.seed, _CONFIDENCE_BLOCK)
    reps = CONFIDENCE_DRAWS
    for i, w in zip(idx, wc, strict=True):
        xs = _perturbed(gen, p.x, plan.sigma, plan.noise_kind, reps)
        shares = first_place_shares(_scores_noisy(xs, p, np.broadcast_to(w, (reps, w.size))))
        conf[i] = float(shares[:, i].mean())
    return conf


def _fused_first(
    terms: tuple[F64, F64], terms_t: tuple[F64, F64], w: F64, idx: NDArray[np.intp]
) -> F64 | None:
    """Candidate ``idx[r]``'s share of first place under TOPSIS weights ``w[r]``, compiled.

    The share :func:`first_place_shares` gives on :func:`closeness_from_terms` scores: the
    fused kernel finds each row's two best (1 or 0 when they are not tied), tied rows are
    scored and split by numpy.  None at a NaN score, or with fewer than two candidates.
    """
    if terms[0].shape[0] < 2:
        return None
    w2 = w * w
    found = _jit.topsis_top(*terms_t, w2, 2, TIE_SCALE)
    if found is None:
        return None
    order, tied = found
    out: F64 = (order[:, 0] == idx).astype(np.float64)
    rows = np.flatnonzero(tied)
    if rows.size:
        shares = first_place_shares(closeness_from_terms(*terms, w2[rows]))
        out[rows] = shares[np.arange(rows.size), idx[rows]]
    return out


def _ranks(ranks: int | None, n: int) -> int:
    """k: the ranks to count (1..N); all N by default when the N × N table fits."""
    if ranks is None:
        if n * n > FULL_RANKS_MAX_CELLS:
            raise CitymatchValueError(
                f"`ranks`: counting all {n:,} ranks needs an N × N table of {n * n:,} cells "
                f"({n * n * 8 / 2**30:.1f} GiB), above the {FULL_RANKS_MAX_CELLS:,} kept by "
                "default; pass ranks=k (e.g. ranks=10) to count the first k ranks (N × k)."
            )
        return n
    return check_int(ranks, name="ranks", maximum=n)


def _plan(
    p: Problem,
    samples: int,
    weight_samples: ArrayLike | None,
    sampler: Sampler,
    concentration: float,
    intervals: Intervals | None,
    order: Sequence[str] | None,
    sigma: F64 | None,
    noise_kind: str,
    rng: np.random.Generator | int | None,
) -> _Plan:
    m = p.x.shape[1]
    given = None
    box, perm = None, None
    if weight_samples is not None:
        given, batched = as_weights(weight_samples, m, name="weight_samples")
        given = given if batched else given[None]
        samples = given.shape[0]
    else:
        samples = check_int(samples, name="samples")
        box, perm = check_sampler(sampler, m, p.w, p.criteria, concentration, intervals, order)
    return _Plan(
        int(samples),
        given,
        sampler,
        concentration,
        box,
        perm,
        sigma,
        noise_kind,
        seed_sequence(rng),
    )


def rank_acceptability(
    source: Source,
    weights: ArrayLike | None = None,
    types: CriterionTypes | None = None,
    *,
    samples: int = 10_000,
    sampler: Sampler = "uniform",
    concentration: float = 50.0,
    intervals: Intervals | None = None,
    order: Sequence[str] | None = None,
    weight_samples: ArrayLike | None = None,
    noise: Noise | None = None,
    noise_kind: NoiseKind = "relative",
    rng: np.random.Generator | int | None = None,
    chunk: int | None = None,
    progress: bool | None = None,
    normalization: str | None = None,
    labels: Sequence[str] | None = None,
    criteria: Sequence[str] | None = None,
    keep_samples: bool = False,
    method: str | None = None,
    method_options: Mapping[str, object] | None = None,
    ranks: int | None = None,
    threads: int | None = None,
) -> RankAcceptabilityResult:
    """SMAA-2 rank acceptability of every candidate under sampled weights (and data noise).

    Parameters
    ----------
    source, weights, types
        A Ranking, or a raw matrix with base weights and types.
    samples : int, default 10,000
        Number of Monte Carlo samples K.
    sampler, concentration, intervals, order
        How weights are drawn (see :func:`citymatch.sampling.sample_weights`);
        ``concentration`` applies to ``"dirichlet"`` around the base weights.
    weight_samples : array_like (K, M), optional
        Use these weight vectors instead (e.g. from :func:`ahp_weight_samples`).
    noise : float, sequence or mapping, optional
        Per-criterion noise on the performance values: the standard deviation of a normal
        perturbation, relative (``x·(1 + σε)``) or absolute (``x + σε``) per ``noise_kind``.
        Ideal points and scales are recomputed for every perturbed matrix.
    rng : Generator, int or None
        Reproducible randomness.  Samples are drawn, scored and counted in fixed blocks of
        1,024, each seeded from (seed, block index).
    chunk : int, optional
        Kept for compatibility and validated (a positive integer); it never changes the
        result: samples are scored and counted one block of 1,024 at a time (memory ≈
        1,024 × N doubles, × M under ``noise``).
    progress : bool or None, default None
        A progress bar on standard error, one step per sample block: None shows it on a
        terminal once the call has run 2 s, True always, False never (``citymatch._progress``).
    normalization, labels, criteria, keep_samples
        As for :func:`weight_sweep`; ``keep_samples`` keeps the weight vectors used.
    method, method_options
        The scoring method (default: the ranking's, or TOPSIS) and its parameters.  Every
        method of :data:`citymatch.METHODS` runs; a block of 1,024 weight vectors is one
        call (one matrix product for the methods linear in the weights: WSM, PROMETHEE II,
        SPOTIS, MABAC).  Under ``noise`` each perturbed matrix is scored on its own.
    ranks : int, optional
        Count only the first ``ranks`` ranks: an N × k table, found by partial selection
        (O(N) per sample instead of a sort) — what large candidate sets need.  Default all N
        ranks, refused (with this advice) when the N × N table would exceed
        :data:`FULL_RANKS_MAX_CELLS` cells.
    threads : int, optional
        Sample blocks scored and counted at once on citymatch's pool (BLAS single-threaded
        meanwhile); default all cores when the work is large.  The result does not depend
        on it: blocks are merged in order.

    Returns
    -------
    RankAcceptabilityResult

    References
    ----------
    .. [1] Lahdelma, R. & Salminen, P. (2001). SMAA-2: Stochastic multicriteria
       acceptability analysis for group decision making. Operations Research 49(3),
       444–454. https://doi.org/10.1287/opre.49.3.444.11220
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
    sigma = _noise_sigma(noise, noise_kind, p)
    if sigma is not None:  # the data and options as given first: their errors are the user's
        method_scores(p, p.x, p.w[None, :])
    if chunk is not None:
        check_int(chunk, name="chunk")
    plan = _plan(
        p, samples, weight_samples, sampler, concentration, intervals, order, sigma, noise_kind, rng
    )
    k = _ranks(ranks, p.x.shape[0])
    # pooled from ~1M sample × candidate scores on (as a pass over rows from PARALLEL_MIN_ROWS)
    workers = n_threads(plan.samples * p.x.shape[0] // 8, threads)
    blocks = -(-plan.samples // SAMPLE_BLOCK)
    with progress_bar(blocks, "rank acceptability", progress, unit="block") as bar:
        both = _topsis_terms(plan, p)
        tally = _run(plan, p, both, keep_samples, bar, k, workers)
    acc = tally.counts / float(plan.samples)
    with np.errstate(invalid="ignore", divide="ignore"):
        central = tally.first_sum / tally.first_mass[:, None]
    central[tally.first_mass == 0] = np.nan
    conf = _confidence(p, central, plan, both)
    kept = np.concatenate(tally.kept) if keep_samples else None
    for arr in (acc, central, conf, kept):
        if arr is not None:
            arr.setflags(write=False)
    return RankAcceptabilityResult(
        acc,
        central,
        conf,
        list(p.ids),
        list(p.criteria),
        plan.samples,
        "given" if plan.given is not None else sampler,
        k,
        None if rng is None or isinstance(rng, np.random.Generator) else int(rng),
        kept,
    )
