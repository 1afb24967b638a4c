"""The one thread pool of the numeric kernels, and how rows are split over it.

Every pass over a large in-memory matrix (column statistics, TOPSIS distances, the row sums
of the other methods) runs ``fn(lo, hi)`` on contiguous, block-aligned row chunks: in the
calling thread below :data:`PARALLEL_MIN_ROWS` rows or for one thread, else on a pool of
``os.cpu_count()`` threads (created on first use, rebuilt in a forked child).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from .._validate import check_threads

__all__ = ["BLOCK_ROWS", "PARALLEL_MIN_ROWS", "n_threads", "over_rows", "row_chunks"]

T = TypeVar("T")

#: Rows per block in both passes: 8192 × M doubles stay in L2 for M ≤ 32.
BLOCK_ROWS = 8192
#: Below this many rows everything runs in the calling thread.
PARALLEL_MIN_ROWS = 131072

_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(
            max_workers=max(1, os.cpu_count() or 1), thread_name_prefix="citymatch"
        )
    return _POOL


def _forget_pool() -> None:
    """In a forked child: drop the parent's pool, whose threads do not exist here."""
    global _POOL
    _POOL = None


if hasattr(os, "register_at_fork"):  # POSIX: a forked child builds its own pool when needed
    os.register_at_fork(after_in_child=_forget_pool)


def n_threads(n_rows: int, threads: int | None) -> int:
    """Threads for a pass over ``n_rows`` rows.

    ``threads`` if given, else all cores from :data:`PARALLEL_MIN_ROWS` rows on, else one.
    """
    if threads is not None:
        return check_threads(threads) or 1
    if n_rows < PARALLEL_MIN_ROWS:
        return 1
    return max(1, os.cpu_count() or 1)


def row_chunks(n_rows: int, n_parts: int) -> list[tuple[int, int]]:
    """Split ``range(n_rows)`` into ``n_parts`` contiguous, block-aligned chunks."""
    n_blocks = -(-n_rows // BLOCK_ROWS)
    per = -(-n_blocks // n_parts)
    out = []
    for p in range(n_parts):
        lo = p * per * BLOCK_ROWS
        hi = min(n_rows, (p + 1) * per * BLOCK_ROWS)
        if lo < hi:
            out.append((lo, hi))
    return out


def over_rows(n: int, parts: int, fn: Callable[[int, int], T]) -> list[T]:
    """``fn(lo, hi)`` over block-aligned row chunks: in this thread for one part, else pooled."""
    if parts == 1:
        return [fn(0, n)]
    return list(_pool().map(lambda c: fn(*c), row_chunks(n, parts)))
