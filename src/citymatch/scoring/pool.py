"""The one thread pool of the numeric kernels, and how work is split over it.

Every pass over a large in-memory matrix (column statistics, TOPSIS distances, the row sums
of the other methods) runs ``fn(lo, hi)`` on contiguous, block-aligned row chunks
(:func:`over_rows`): in the calling thread below :data:`PARALLEL_MIN_ROWS` rows or for one
thread, else on a pool of ``os.cpu_count()`` threads (created on first use, rebuilt in a
forked child).  Independent blocks of work (SMAA's sample blocks) go through
:func:`ordered_map`, results in order.

One level of parallelism
------------------------
While the pool runs, BLAS (OpenBLAS, MKL) is limited to one thread (threadpoolctl, as
scikit-learn does): otherwise each pool thread's matrix products start BLAS threads of their
own, twice as many busy threads as cores, and OpenBLAS's spinning threads make a run with a
busy neighbour many times slower.  Work submitted from inside a pool thread runs inline (no
nested pools).  The limit is process-wide while any pooled section runs (reference-counted
across concurrent callers) and restored afterwards.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from .._validate import check_threads

__all__ = [
    "BLOCK_ROWS",
    "CHUNK_ROWS",
    "PARALLEL_MIN_ROWS",
    "blas_single_threaded",
    "in_pool",
    "n_threads",
    "ordered_map",
    "over_chunks",
    "over_rows",
    "row_chunks",
]

T = TypeVar("T")

#: Rows per block in both passes: 8192 × M doubles stay in L2 for M ≤ 32.
BLOCK_ROWS = 8192
#: Below this many rows everything runs in the calling thread.
PARALLEL_MIN_ROWS = 131072
#: Rows per chunk of :func:`over_rows` (16 blocks; a million rows make 8 chunks).  The
#: pool hands the chunks out as threads come free, so a thread that shares its core with
#: another process (a browser, a notebook kernel) does less of the work instead of holding
#: everyone up (one chunk per thread would make the pass as slow as its slowest core).
CHUNK_ROWS = 16 * BLOCK_ROWS

_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(
            max_workers=max(1, os.cpu_count() or 1), thread_name_prefix=_PREFIX
        )
    return _POOL


def _forget_pool() -> None:
    """In a forked child: drop the parent's pool, whose threads do not exist here."""
    global _POOL, _BLAS_USERS, _BLAS_LIMIT
    _POOL = None
    _BLAS_USERS, _BLAS_LIMIT = 0, None


_PREFIX = "citymatch"
_BLAS_LOCK = threading.Lock()
_BLAS_USERS = 0
_BLAS_LIMIT: Any = None
_CONTROLLER: Any = None


def in_pool() -> bool:
    """True in one of the pool's threads (work started there runs inline)."""
    return threading.current_thread().name.startswith(_PREFIX + "_")


@contextmanager
def blas_single_threaded() -> Iterator[None]:
    """BLAS limited to one thread while the block runs (reference-counted, process-wide)."""
    global _BLAS_USERS, _BLAS_LIMIT, _CONTROLLER
    with _BLAS_LOCK:
        if _BLAS_USERS == 0:
            if _CONTROLLER is None:
                from threadpoolctl import ThreadpoolController

                _CONTROLLER = ThreadpoolController()
            _BLAS_LIMIT = _CONTROLLER.limit(limits=1, user_api="blas")
        _BLAS_USERS += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _BLAS_USERS -= 1
            if _BLAS_USERS == 0 and _BLAS_LIMIT is not None:
                _BLAS_LIMIT.restore_original_limits()
                _BLAS_LIMIT = None


if hasattr(os, "register_at_fork"):  # POSIX: a forked child builds its own pool when needed
    os.register_at_fork(after_in_child=_forget_pool)


def n_threads(n_rows: int, threads: int | None) -> int:
    """Threads for a pass over ``n_rows`` rows.

    ``threads`` if given, else all cores from :data:`PARALLEL_MIN_ROWS` rows on, else one.
    """
    if threads is not None:
        return 1 if in_pool() else check_threads(threads) or 1
    if n_rows < PARALLEL_MIN_ROWS or in_pool():
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
    """``fn(lo, hi)`` over block-aligned row chunks, results in row order.

    The chunks depend on ``n`` alone (about :data:`CHUNK_ROWS` rows each), never on the
    number of threads: a reduction merged in chunk order (column sums, log sums) has the
    same bits on one core or sixteen.  In this thread for one part; else on the pool
    (``parts`` threads at most run at once), each chunk handed out as a thread comes free.
    """
    chunks = row_chunks(n, max(1, -(-n // CHUNK_ROWS)))
    if parts == 1 or in_pool() or len(chunks) == 1:
        return [fn(lo, hi) for lo, hi in chunks]
    return over_chunks(chunks, fn, threads=parts)


def over_chunks(
    chunks: list[tuple[int, int]], fn: Callable[[int, int], T], *, threads: int | None = None
) -> list[T]:
    """``fn(lo, hi)`` for each chunk, results in chunk order.

    Pooled (BLAS single-threaded) when there are several: ``threads`` workers (default one
    per chunk, at most the pool's size) each take the next chunk as they come free.
    """
    if len(chunks) <= 1 or in_pool():
        return [fn(lo, hi) for lo, hi in chunks]
    pool = _pool()
    workers = min(len(chunks), threads or len(chunks), max(1, os.cpu_count() or 1))
    results: list[Any] = [None] * len(chunks)
    todo = iter(range(len(chunks)))
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                i = next(todo, None)
            if i is None:
                return
            results[i] = fn(*chunks[i])

    with blas_single_threaded():
        futures = [pool.submit(work) for _ in range(workers)]
        for f in futures:
            f.result()
    return results


def ordered_map(fn: Callable[[int], T], items: Iterable[int], *, threads: int) -> Iterator[T]:
    """``fn(item)`` for each item on the pool, yielded in order, ``threads`` in flight at most.

    With one thread (or inside the pool) everything runs here, lazily.  Results are yielded
    in item order whatever finishes first, so a caller that merges them gets the same bits
    with any number of threads.
    """
    if threads <= 1 or in_pool():
        yield from (fn(i) for i in items)
        return
    with blas_single_threaded():
        queue: deque[Future[T]] = deque()
        try:
            for i in items:
                queue.append(_pool().submit(fn, i))
                if len(queue) >= threads:
                    yield queue.popleft().result()
            while queue:
                yield queue.popleft().result()
        finally:
            for f in queue:
                f.cancel()
