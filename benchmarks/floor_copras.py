"""The memory-traffic floor of COPRAS at 1e6 × 10 on one core, against pymcdm (issue 14).

COPRAS divides each column by its sum, so every column sum must be known before any row's
score: two reads of the matrix.  Its relative significance ``Q = S₊ + ΣS₋ / (S₋ Σ 1/S₋)``
needs a sum over all rows before any ``Q``, and the utility ``Q / max Q`` a maximum over
all ``Q``: ``S₊`` and ``S₋`` are written, read back, and ``Q`` and ``U`` written.

This script times that traffic alone — two prefetched reads of the matrix (a column sum,
then two values per row), the two vectors written, read back, ``Q`` and ``U`` written,
with almost no arithmetic — on one thread, the cache flushed before each call (as pymcdm's
temporaries flush it in ``bench_methods.py``), quiet and with a busy neighbour.  Dividing
pymcdm's COPRAS time (timed in turns with the skeleton) by it bounds the speed-up any
implementation of the published method can reach here with one core; the busy column of
``bench_methods.py`` gives citymatch about one core.

    python benchmarks/floor_copras.py
"""

from __future__ import annotations

import time

import numpy as np
from busy import busy_neighbour

N, M = 1_000_000, 10
AHEAD = 4096  # values (32 KiB) ahead of the read


def _kernels():
    import numba

    from citymatch.scoring import _jit

    # the library's prefetch hint, into the outer caches (locality 2): measured the fastest
    # streaming read here (about 9 % faster than locality 3 on a cold read of 80 MB)
    pf = _jit._prefetch_intrinsic(2)

    @numba.njit(nogil=True, fastmath=True)
    def column_sums(a):  # read 1: a running sum per slot of eight rows
        s = np.zeros(8 * M)
        last = a.size - 1
        for b in range(0, a.size - 8 * M + 1, 8 * M):
            for p in range(0, 8 * M, 8):
                pf(a, min(b + AHEAD + p, last))
            for k in range(8 * M):
                s[k] += a[b + k]
        return s.sum()

    @numba.njit(nogil=True, fastmath=True)
    def row_sums(a, sp, sm):  # read 2: two sums per row, written
        last = a.size - 1
        for i in range(a.size // M):
            b = i * M
            if i % 8 == 0:
                for p in range(0, 8 * M, 8):
                    pf(a, min(b + AHEAD + p, last))
            # a row's first and last values: every cache line of the row is read (the
            # prefetch asks for all of them), with almost no arithmetic
            sp[i] = a[b]
            sm[i] = a[b + M - 1]

    @numba.njit(nogil=True, fastmath=True)
    def tail(sp, sm, q, u):  # S₊, S₋ read back; Q and U written
        top = -np.inf
        for i in range(sp.size):
            v = sp[i] + 0.5 / sm[i]
            q[i] = v
            top = max(top, v)
        for i in range(sp.size):
            u[i] = q[i] / top

    return column_sums, row_sums, tail


def main() -> None:
    from pymcdm.methods import COPRAS

    import citymatch as cm

    column_sums, row_sums, tail = _kernels()
    rng = np.random.default_rng(0)  # bench_methods.py's data, weights and types
    x = rng.uniform(1.0, 100.0, size=(N, M))
    w = rng.uniform(0.1, 1.0, size=M)
    w /= w.sum()
    types = np.where(np.arange(M) % 3 == 2, -1, 1)
    flat = x.reshape(-1)
    out = np.empty((4, N))
    flush = np.ones(3 * N * M)

    def skeleton() -> None:
        column_sums(flat)
        row_sums(flat, out[0], out[1])
        tail(out[0], out[1], out[2], out[3])

    pymcdm = COPRAS()
    calls = {
        "floor": skeleton,
        "citymatch": lambda: cm.copras(x, w, types),
        "pymcdm": lambda: pymcdm(x, w, types, validation=False),
    }
    for fn in calls.values():
        fn()
    print(f"== COPRAS traffic floor, {N:,}×{M}, cache flushed before each call ==")
    for busy in (False, True):
        with busy_neighbour(busy):
            times: dict[str, list[float]] = {k: [] for k in calls}
            for _ in range(9):  # in turns: the three see the same phases of the machine
                for name, fn in calls.items():
                    flush.sum()
                    t0 = time.perf_counter()
                    fn()
                    times[name].append(time.perf_counter() - t0)
            f, c, r = (float(np.median(times[k])) for k in calls)
            label = "busy neighbour" if busy else "quiet"
            print(
                f"{label:15s} floor (one thread) {f * 1e3:5.1f} ms, citymatch {c * 1e3:5.1f} ms, "
                f"pymcdm {r * 1e3:6.1f} ms → citymatch {r / c:4.1f}×, the floor {r / f:4.1f}×"
            )


if __name__ == "__main__":
    main()
