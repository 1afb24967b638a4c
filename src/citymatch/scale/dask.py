"""Past one machine: the same TOPSIS and SMAA kernels over Dask arrays and dataframes.

TOPSIS is two column reductions followed by a per-row map, so it maps onto Dask directly:
each block is reduced by the in-memory kernel (:func:`citymatch.scoring.streaming.chunk_stats`),
the statistics are merged by :func:`citymatch.scoring.stats.merge_stats`, and the scores are a
``map_blocks`` of the in-memory distance kernel.  Pass a ``distributed.Client`` (or a scheduler
address) to go from a laptop to a cluster; citymatch never starts a cluster itself.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from .._util import require
from .._validate import CriterionTypes, as_types, as_weights, check_int
from ..errors import CitymatchTypeError, CitymatchValueError, NonFiniteError, ShapeError
from ..sampling import SAMPLE_BLOCK, block_rng, draw, seed_sequence
from ..scoring import _kernels
from ..scoring.geometry import Normalization, check_normalization, geometry_from_stats
from ..scoring.ranks import rank_scores, tie_round
from ..scoring.stats import ColumnStats, merge_stats
from ..scoring.streaming import chunk_stats

if TYPE_CHECKING:
    import dask.array as da
    import dask.dataframe as dd
    from distributed import Client

__all__ = ["rank_acceptability_dask", "topk", "topsis_dask"]

F64 = NDArray[np.float64]


def _dask_array(data: Any, columns: Sequence[str] | None) -> da.Array:
    darr = require("dask.array", "running on Dask")
    ddf = require("dask.dataframe", "running on Dask")
    if isinstance(data, (str, os.PathLike)):
        if columns is None:
            raise CitymatchValueError("`columns` is required with a Parquet path.")
        data = ddf.read_parquet(str(data), columns=list(columns))
    if isinstance(data, ddf.DataFrame):
        if columns is not None:
            data = data[list(columns)]
        # Chunk lengths from the array's own blocks: dask-expr fuses small Parquet partitions,
        # so `to_dask_array(lengths=True)` can count other partitions than the array holds.
        data = data.to_dask_array()
        data.compute_chunk_sizes()
    if not isinstance(data, darr.Array):
        raise CitymatchTypeError(
            f"`data` must be a dask array, a dask dataframe or a Parquet path; got {type(data).__name__}."
        )
    if data.ndim != 2:
        raise ShapeError(f"`data` must be 2-D (candidates × criteria); got {data.ndim}-D.")
    if data.chunks[1] != (data.shape[1],):
        data = data.rechunk({1: -1})
    out: da.Array = data
    return out


def _compute(client: Client | None, *lazy: object) -> list[object]:
    """Compute on the client given, else on Dask's active scheduler."""
    if client is not None:
        return list(client.compute(list(lazy), sync=True))
    dask = require("dask", "running on Dask")
    return list(dask.compute(*lazy))


def _block_stats(b: NDArray[np.floating]) -> ColumnStats:
    """One Dask block's statistics, with the in-memory kernel (one read of the block)."""
    return chunk_stats(np.asarray(b), sumsq=True, total=True)


def _dask_stats(x: da.Array, client: Client | None) -> ColumnStats:
    """Pass 1 on Dask: one kernel call per block, merged here."""
    dask = require("dask", "running on Dask")
    parts = [dask.delayed(_block_stats)(b) for b in x.to_delayed().ravel()]
    stats = merge_stats([ColumnStats(*p) for p in _compute(client, *parts)])  # type: ignore[misc]
    if not (np.isfinite(stats.max).all() and np.isfinite(stats.min).all()):
        raise NonFiniteError("`data` must contain only finite numbers; a column has NaN or ±inf.")
    return stats


def _client(client: Client | str | None) -> Client | None:
    if client is None or not isinstance(client, str):
        return client
    distributed = require("distributed", "connecting to a Dask scheduler")
    connected: Client = distributed.Client(client)  # an address: connect, never start one
    return connected


def _geometry(
    x: da.Array, weights: ArrayLike, types: CriterionTypes, norm: str, client: Client | None
) -> tuple[F64, F64, F64, F64]:
    """(ideal, anti, scale, 1/s) and the base weights of a Dask matrix."""
    m = x.shape[1]
    t = as_types(types, m)
    w, batched = as_weights(weights, m)
    if batched:
        raise ShapeError(f"`weights` must be one vector of {m} weights here; got shape {w.shape}.")
    ideal, anti, _scale, inv = geometry_from_stats(_dask_stats(x, client), t, norm)
    return ideal, anti, inv, w


def topsis_dask(
    data: da.Array | dd.DataFrame | str | os.PathLike[str],
    weights: ArrayLike,
    types: CriterionTypes,
    *,
    columns: Sequence[str] | None = None,
    normalization: Normalization = "vector",
    client: Client | str | None = None,
) -> da.Array:
    """TOPSIS scores as a lazy ``dask.array`` (one weight vector), same answer as in memory.

    Pass 1 (column reductions) is computed at once; pass 2 is a ``map_blocks`` over row chunks
    that returns a lazy (N,) array of scores — compute it, or feed it to :func:`topk`.

    Parameters
    ----------
    data : dask.array (N, M), dask.dataframe, or Parquet path
    client : distributed.Client or scheduler address, optional
        Where to run; default: Dask's active scheduler.
    """
    norm = check_normalization(normalization)
    cl = _client(client)
    x = _dask_array(data, columns)
    ideal, anti, inv, w = _geometry(x, weights, types, norm, cl)
    coef = w * inv

    def block(b: NDArray[np.floating]) -> F64:
        return _kernels.distances(b, ideal, anti, coef, threads=1, jit=True)[2]

    lazy: Any = x  # dask's map_blocks stubs do not describe this call
    scores: da.Array = lazy.map_blocks(block, drop_axis=1, dtype=np.float64)
    return scores


def topk(scores: da.Array, k: int, *, client: Client | str | None = None) -> pd.DataFrame:
    """The best ``k`` rows of a dask score array (``dask.array.argtopk``; never a full sort)."""
    k = check_int(k, name="k")
    cl = _client(client)
    (idx_any,) = _compute(cl, scores.argtopk(int(k)))
    idx = np.sort(np.asarray(idx_any))
    (vals_any,) = _compute(cl, scores[idx])
    vals = np.asarray(vals_any, dtype=np.float64)
    order = np.lexsort((idx, -tie_round(vals)))
    return pd.DataFrame({"row": idx[order], "score": vals[order], "rank": rank_scores(vals[order])})


def _block_scores(b: NDArray[np.floating], ideal: F64, anti: F64, coef: F64) -> F64:
    """Tie-rounded scores of one block's rows under B weight vectors: (rows, B)."""
    x = np.asarray(b, dtype=np.float64)
    return tie_round(_kernels.scores_batch(x, ideal, anti, coef)).T


def _block_tops(b: NDArray[np.floating], ideal: F64, anti: F64, coef: F64, k: int) -> F64:
    """The ``k`` best (tie-rounded) scores of one block per sample: (min(k, rows), B)."""
    s = _block_scores(b, ideal, anti, coef)
    kk = min(k, s.shape[0])
    return -np.sort(-np.partition(s, s.shape[0] - kk, axis=0)[s.shape[0] - kk :], axis=0)


def _block_counts(
    b: NDArray[np.floating], ideal: F64, anti: F64, coef: F64, v1: F64, vk: F64
) -> tuple[F64, F64, NDArray[np.int64], NDArray[np.int64]]:
    """One block's share of the counts, given each sample's best and k-th best value.

    Returns, for the block's rows: how many samples put each row strictly above the k-th
    value (rows,), how many rows each sample puts there (B,), and the (row, sample) pairs
    tied with the best value and with the k-th value — what splitting ties needs.
    """
    s = _block_scores(b, ideal, anti, coef)
    above = s > vk[None, :]
    return (
        above.sum(axis=1).astype(np.float64),
        above.sum(axis=0).astype(np.float64),
        np.argwhere(s == v1[None, :]).astype(np.int64),
        np.argwhere(s == vk[None, :]).astype(np.int64),
    )


def rank_acceptability_dask(
    data: da.Array | dd.DataFrame | str | os.PathLike[str],
    weights: ArrayLike,
    types: CriterionTypes,
    *,
    samples: int = 1000,
    k: int = 10,
    columns: Sequence[str] | None = None,
    normalization: Normalization = "vector",
    rng: np.random.Generator | int | None = None,
    block: int = 256,
    client: Client | str | None = None,
) -> pd.DataFrame:
    """Probability of each candidate ranking first and in the top ``k`` under uniform weights.

    The same weights as the in-memory :func:`citymatch.sensitivity.rank_acceptability` with
    the same ``rng`` (block b of :data:`~citymatch.sampling.SAMPLE_BLOCK` samples is drawn from
    (seed, b)), and the same tie rule: candidates tied at a rank share it equally, so
    ``p_first`` equals the in-memory acceptability of rank 1 and ``p_top_k`` the sum of its
    first ``k`` ranks.  Two passes per ``block`` of samples over the array's row chunks —
    the k best scores per sample, then counts — so the N × K score matrix never exists.

    Returns
    -------
    DataFrame
        ``row``, ``p_first``, ``p_top_k`` for every candidate with ``p_top_k > 0``, sorted
        by ``p_top_k``.
    """
    dask = require("dask", "running on Dask")
    norm = check_normalization(normalization)
    samples = check_int(samples, name="samples")
    block = check_int(block, name="block")
    cl = _client(client)
    x = _dask_array(data, columns)
    n, m = x.shape
    k = check_int(k, name="k", maximum=n)
    ideal, anti, inv, base = _geometry(x, weights, types, norm, cl)
    blocks = x.to_delayed().ravel()
    starts = np.concatenate([[0], np.cumsum(x.chunks[0])[:-1]]).astype(np.int64)
    seed = seed_sequence(rng)
    first = np.zeros(n)
    in_top = np.zeros(n)
    for b in range(-(-int(samples) // SAMPLE_BLOCK)):
        size = min(SAMPLE_BLOCK, int(samples) - b * SAMPLE_BLOCK)
        wb = draw(block_rng(seed, b), size, m, "uniform", base, 1.0, None, None)
        for s0 in range(0, size, block):
            coef = wb[s0 : s0 + block] * inv  # (B, M)
            tops = _compute(
                cl, *[dask.delayed(_block_tops)(d, ideal, anti, coef, k) for d in blocks]
            )
            best = -np.sort(-np.concatenate([np.asarray(t) for t in tops], axis=0), axis=0)
            v1, vk = best[0], best[k - 1]
            counts = _compute(
                cl, *[dask.delayed(_block_counts)(d, ideal, anti, coef, v1, vk) for d in blocks]
            )
            _add_split_ties(counts, starts, k, first, in_top)  # type: ignore[arg-type]
    keep = np.flatnonzero(in_top > 0)
    return (
        pd.DataFrame(
            {"row": keep, "p_first": first[keep] / samples, "p_top_k": in_top[keep] / samples}
        )
        .sort_values(["p_top_k", "row"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )


def _add_split_ties(
    counts: Sequence[tuple[F64, F64, NDArray[np.int64], NDArray[np.int64]]],
    starts: NDArray[np.int64],
    k: int,
    first: F64,
    in_top: F64,
) -> None:
    """Add one sample block's shares: ties at rank 1 and at the top-k cut split equally."""
    above = np.sum([c[1] for c in counts], axis=0)  # (B,) rows strictly above the k-th value
    eq1 = np.concatenate([c[2] + [s0, 0] for c, s0 in zip(counts, starts, strict=True)])
    eqk = np.concatenate([c[3] + [s0, 0] for c, s0 in zip(counts, starts, strict=True)])
    for c, s0 in zip(counts, starts, strict=True):
        in_top[s0 : s0 + len(c[0])] += c[0]
    n_first = np.bincount(eq1[:, 1], minlength=len(above)).astype(np.float64)
    np.add.at(first, eq1[:, 0], 1.0 / n_first[eq1[:, 1]])
    n_cut = np.bincount(eqk[:, 1], minlength=len(above)).astype(np.float64)
    np.add.at(in_top, eqk[:, 0], (k - above[eqk[:, 1]]) / n_cut[eqk[:, 1]])
