"""Mutation kills (session 9): the thread pool (``scoring/pool.py``) and the method registry.

Expected values are written out by hand (chunk bounds, thread counts, the exact messages a
user gets), never computed by the code under test.  Thread counts are pinned by patching
``os.cpu_count`` and building a fresh pool, so the rules hold on any machine.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterator

import numpy as np
import pytest
from threadpoolctl import ThreadpoolController, threadpool_info

from citymatch.errors import ArgumentError, CitymatchValueError
from citymatch.scoring import pool
from citymatch.scoring.registry import METHODS, check_options, method_spec, require_path
from helpers import child_report

B = 8192  # BLOCK_ROWS, as documented
PMR = 131072  # PARALLEL_MIN_ROWS, as documented


def test_documented_constants():
    """Blocks of 8192 rows, threads from 131072 rows on, 4 chunks per thread."""
    assert (pool.BLOCK_ROWS, pool.PARALLEL_MIN_ROWS, pool.CHUNK_ROWS) == (B, PMR, 16 * B)


# --- chunking -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n_rows", "n_parts", "expected"),
    [
        (0, 3, []),
        (1, 3, [(0, 1)]),
        (B, 1, [(0, B)]),
        (2 * B, 3, [(0, B), (B, 2 * B)]),  # a third part would be empty: left out
        (3 * B + 5, 2, [(0, 2 * B), (2 * B, 3 * B + 5)]),
        (4 * B + 1, 2, [(0, 3 * B), (3 * B, 4 * B + 1)]),
        (5 * B, 4, [(0, 2 * B), (2 * B, 4 * B), (4 * B, 5 * B)]),
        (7 * B, 3, [(0, 3 * B), (3 * B, 6 * B), (6 * B, 7 * B)]),
    ],
)
def test_row_chunks_hand_solved(n_rows, n_parts, expected):
    """Contiguous, block-aligned chunks, whole blocks shared out evenly, integer bounds."""
    got = pool.row_chunks(n_rows, n_parts)
    assert got == expected
    assert all(type(lo) is int and type(hi) is int for lo, hi in got)


def test_row_chunks_cover_every_row_once_in_order():
    """Over a grid of sizes: each row in exactly one chunk, chunks in row order, starts on
    a block boundary, at most ``n_parts`` chunks, none empty."""
    for n_rows in (1, B - 1, B, B + 1, 3 * B, 9 * B + 7):
        for n_parts in (1, 2, 3, 5, 8):
            got = pool.row_chunks(n_rows, n_parts)
            seen = np.zeros(n_rows, dtype=int)
            for lo, hi in got:
                assert lo % B == 0 and lo < hi
                seen[lo:hi] += 1
            assert (seen == 1).all()
            assert [lo for lo, _ in got] == sorted(lo for lo, _ in got)
            assert 1 <= len(got) <= n_parts


def _here() -> int:
    return threading.get_ident()


def test_over_rows_one_part_runs_every_chunk_in_this_thread():
    """``parts=1``: the chunks, in order, each called in the calling thread; up to
    ``CHUNK_ROWS`` rows that is one call ``fn(0, n)``."""
    calls = []
    got = pool.over_rows(5 * B + 3, 1, lambda lo, hi: calls.append(_here()) or (lo, hi))
    assert got == [(0, 5 * B + 3)] and calls == [_here()]
    assert pool.over_rows(100, 1, lambda lo, hi: (lo, hi)) == [(0, 100)]
    calls.clear()
    got = pool.over_rows(40 * B + 3, 1, lambda lo, hi: calls.append(_here()) or (lo, hi))
    assert got == [(0, 14 * B), (14 * B, 28 * B), (28 * B, 40 * B + 3)]
    assert calls == [_here()] * 3


@pytest.mark.parametrize("parts", [1, 2, 3])
def test_over_rows_chunks_depend_on_the_rows_alone(cores, parts):
    """The chunks are the same with any number of threads (so a reduction merged in chunk
    order has the same bits on any machine): ceil(n / CHUNK_ROWS) block-aligned chunks."""
    cores(3)
    n = 80 * B + 5  # 81 blocks in ceil(n / CHUNK_ROWS) = 6 chunks of 14 blocks (the last short)
    got = pool.over_rows(n, parts, lambda lo, hi: (lo, hi))
    assert got == [(i * 14 * B, min(n, (i + 1) * 14 * B)) for i in range(6)]


def test_over_rows_pooled_chunks_and_serial_result():
    """``parts=2`` on 48 blocks: three chunks of sixteen blocks, in row order, on pool
    threads; the per-chunk sums add up to the serial sum; one chunk runs here."""
    x = np.arange(48 * B, dtype=np.float64)
    where = []

    def part(lo, hi):
        where.append(pool.in_pool())
        return lo, hi, float(x[lo:hi].sum())

    got = pool.over_rows(48 * B, 2, part)
    assert [(lo, hi) for lo, hi, _ in got] == [(i * 16 * B, (i + 1) * 16 * B) for i in range(3)]
    assert sum(s for _, _, s in got) == (48 * B - 1) * 48 * B / 2  # exact in float64
    assert all(where)
    where.clear()
    assert [c[:2] for c in pool.over_rows(16 * B, 2, part)] == [(0, 16 * B)]
    assert where == [False]


def test_over_chunks_pools_only_several_chunks():
    """No chunk: no call; one chunk: run here; two chunks: run on the pool, results in order."""
    calls = []
    assert pool.over_chunks([], lambda lo, hi: calls.append(lo)) == [] and calls == []
    one = pool.over_chunks([(3, 7)], lambda lo, hi: (lo, hi, _here(), pool.in_pool()))
    assert one == [(3, 7, _here(), False)]
    two = pool.over_chunks([(0, 4), (4, 9)], lambda lo, hi: (lo, hi, pool.in_pool()))
    assert two == [(0, 4, True), (4, 9, True)]


def test_ordered_map_with_one_thread_runs_here_lazily():
    """``threads=1``: nothing runs before the first item is asked for; all in this thread."""
    calls = []

    def fn(i):
        calls.append((i, _here(), pool.in_pool()))
        return i * i

    it = pool.ordered_map(fn, range(3), threads=1)
    assert calls == []
    assert next(it) == 0 and len(calls) == 1
    assert list(it) == [1, 4]
    assert calls == [(i, _here(), False) for i in range(3)]


# --- thread counts --------------------------------------------------------------------------


@pytest.fixture
def cores(monkeypatch) -> Iterator[Callable[[int | None], None]]:
    """Pretend ``os.cpu_count()`` is n and drop the pool, so the next use builds one for n."""
    before = pool._POOL

    def set_cores(n: int | None) -> None:
        monkeypatch.setattr(os, "cpu_count", lambda: n)
        monkeypatch.setattr(pool, "_POOL", None)

    yield set_cores
    if pool._POOL is not None and pool._POOL is not before:
        pool._POOL.shutdown(wait=True)


class _Peak:
    """How many calls run at once (each sleeps a little), and on which threads."""

    def __init__(self, pause: float = 0.03) -> None:
        self.lock = threading.Lock()
        self.active = self.peak = 0
        self.names: set[str] = set()
        self.pause = pause

    def __call__(self, *args: object) -> object:
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
            self.names.add(threading.current_thread().name)
        time.sleep(self.pause)
        with self.lock:
            self.active -= 1
        return args


@pytest.mark.parametrize("n", [1, None])
def test_one_core_means_one_pool_thread(cores, n):
    """``os.cpu_count()`` 1 (or unknown): the pool has one thread, named ``citymatch_0``, and
    ``n_threads`` never asks for more than one."""
    cores(n)
    peak = _Peak()
    assert list(pool.ordered_map(peak, range(4), threads=3)) == [(i,) for i in range(4)]
    assert pool.over_chunks([(0, 1), (1, 2), (2, 3)], peak) == [(0, 1), (1, 2), (2, 3)]
    assert peak.peak == 1 and peak.names == {"citymatch_0"}
    assert pool.n_threads(PMR, None) == 1


def test_three_cores_three_threads_at_once(cores):
    """``os.cpu_count()`` 3: three calls run at the same time (they meet at a barrier), both
    through ``ordered_map`` and ``over_chunks``; ``n_threads`` gives 3 from 131072 rows on."""
    cores(3)
    meet = threading.Barrier(3, timeout=5)
    got = list(pool.ordered_map(lambda i: meet.wait() * 0 + i, range(6), threads=3))
    assert got == list(range(6))
    chunks = [(i, i + 1) for i in range(6)]
    assert pool.over_chunks(chunks, lambda lo, hi: meet.wait() * 0 + lo) == list(range(6))
    assert [pool.n_threads(n, None) for n in (1, PMR - 1, PMR, 10 * PMR)] == [1, 1, 3, 3]


def test_threads_bound_how_many_run_at_once(cores):
    """With 3 cores, ``threads=2`` (``over_chunks``, ``ordered_map``) and ``parts=2``
    (``over_rows``) never run more than 2 calls at once."""
    cores(3)
    peak = _Peak()
    assert pool.over_chunks([(i, i + 1) for i in range(6)], peak, threads=2)[-1] == (5, 6)
    assert peak.peak <= 2
    assert list(pool.ordered_map(peak, range(6), threads=2))[-1] == (5,)
    assert peak.peak <= 2
    assert len(pool.over_rows(128 * B, 2, peak)) == 8
    assert peak.peak <= 2


def test_n_threads_rules_and_errors(cores):
    """``threads`` given: that many (checked), one inside the pool; ``None``: one below
    131072 rows or inside the pool, else one per core."""
    cores(3)
    assert [pool.n_threads(10, t) for t in (1, 2, 5)] == [1, 2, 5]
    assert pool.n_threads(10 * PMR, 1) == 1
    with pytest.raises(
        CitymatchValueError, match=re.escape("`threads` must be an integer ≥ 1; got 0.")
    ):
        pool.n_threads(10, 0)
    with pytest.raises(
        TypeError, match=re.escape("`threads` must be an integer ≥ 1; got 1.5 of type float.")
    ):
        pool.n_threads(10, 1.5)
    inside = list(
        pool.ordered_map(
            lambda i: (pool.in_pool(), pool.n_threads(10, 3), pool.n_threads(PMR, None)),
            range(2),
            threads=2,
        )
    )
    assert inside == [(True, 1, 1)] * 2
    assert not pool.in_pool()


def _child_blas_report() -> bytes:
    ThreadpoolController().limit(limits=2, user_api="blas")

    def blas() -> list[int]:
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    seen = pool.over_rows(2 * pool.CHUNK_ROWS, 2, lambda lo, hi: blas())
    ok = len(seen) >= 2 and all(t and set(t) == {1} for t in seen) and set(blas()) == {2}
    return b"ok" if ok else repr((seen, blas())).encode()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_forked_child_limits_blas_in_its_own_pool():
    """A child forked while the parent is inside a pooled section starts with none running:
    its own pooled work sees BLAS limited to one thread, and its setting comes back after."""
    pool.over_rows(2 * pool.CHUNK_ROWS, 2, lambda lo, hi: lo)  # the pool exists in the parent
    read_end, write_end = os.pipe()
    with pool.blas_single_threaded():
        pid = os.fork()
        if pid == 0:  # the child never leaves the parent's section: it ends here
            try:
                os.write(write_end, _child_blas_report())
            finally:
                os._exit(0)
    os.close(write_end)
    assert child_report(pid, read_end, 30, "the forked child hung") == b"ok"


# --- the method registry --------------------------------------------------------------------

ALL = "topsis, vikor, promethee_ii, wsm, wpm, waspas, spotis, copras, mabac"


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("topsis", "TOPSIS"),
        (" Vikor ", "VIKOR"),
        ("promethee", "PROMETHEE_II"),
        ("PROMETHEE II", "PROMETHEE_II"),
        ("promethee-ii", "PROMETHEE_II"),
        ("Promethee_II", "PROMETHEE_II"),
        ("saw", "WSM"),
        ("SAW", "WSM"),
        ("wsm", "WSM"),
        ("mabac", "MABAC"),
    ],
)
def test_method_names_and_aliases(name, canonical):
    """Case, spaces around and ``-`` for ``_`` do not matter; ``promethee``, ``saw`` alias."""
    assert method_spec(name) is METHODS[canonical]
    assert method_spec(name).name == canonical


class _Named:
    def __str__(self) -> str:
        return "topsis"


@pytest.mark.parametrize(
    ("name", "shown"),
    [("electre", "'electre'"), (None, "None"), (5, "5"), ("", "''"), ("saw-x", "'saw-x'")],
)
def test_unknown_method_names_every_method(name, shown):
    """An unknown name (or no text at all) is an ArgumentError listing the nine methods."""
    msg = f"`method` must be one of {ALL}; got {shown}."
    with pytest.raises(ArgumentError, match=f"^{re.escape(msg)}$"):
        method_spec(name)


def test_only_text_names_a_method():
    """An object that merely prints as ``topsis`` is not a method name."""
    with pytest.raises(ArgumentError, match=re.escape(f"must be one of {ALL}; got ")):
        method_spec(_Named())


def test_paths_each_method_supports():
    """TOPSIS runs on all four paths; every other method in memory and batch only."""
    for spec in METHODS.values():
        want = (
            {"memory", "batch", "stream", "dask"} if spec.name == "TOPSIS" else {"memory", "batch"}
        )
        assert {p for p in ("memory", "batch", "stream", "dask") if spec.supports(p)} == want
        for p in want:
            assert require_path(spec.name.lower(), p) is spec


@pytest.mark.parametrize(("name", "path"), [("vikor", "stream"), ("saw", "dask")])
def test_unsupported_path_error(name, path):
    """The error names the method, the path, the paths it has and what to do instead."""
    canonical = method_spec(name).name
    msg = (
        f"method {canonical} does not run on the {path!r} path (it supports: memory, batch); "
        "use TOPSIS there, or score in memory."
    )
    with pytest.raises(CitymatchValueError, match=f"^{re.escape(msg)}$"):
        require_path(name, path)


def test_method_options_are_checked_against_the_method():
    """Known options pass; unknown ones are listed sorted, with what the method may set."""
    assert check_options("vikor", {"v": 0.5}) is METHODS["VIKOR"]
    assert check_options("waspas", {"lam": 0.5, "normalization": "max"}) is METHODS["WASPAS"]
    assert check_options("copras", {}) is METHODS["COPRAS"]
    cases = [
        ("vikor", {"q": 1, "lam": 2}, "`method_options` for VIKOR may only set v; got lam, q."),
        ("copras", {"x": 1}, "COPRAS takes no `method_options`; got x."),
        (
            "waspas",
            {"p": 1},
            "`method_options` for WASPAS may only set lam, normalization; got p.",
        ),
    ]
    for name, options, msg in cases:
        with pytest.raises(ArgumentError, match=f"^{re.escape(msg)}$"):
            check_options(name, options)
