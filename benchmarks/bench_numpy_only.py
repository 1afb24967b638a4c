"""Why numpy-only TOPSIS stays above 4× the two-read bound at 1e7 × 10 (issue 15's last bullet).

Run:  python benchmarks/bench_numpy_only.py [--json PATH] [--busy]

The plain install (no numba) runs TOPSIS as two passes of numpy ufuncs over row blocks that
stay in cache (``citymatch/scoring/_kernels.py``).  This script measures, on the same 1e7 × 10
float64 matrix, with numpy's default threads:

1. the two-read bound (two ``x·x`` over the flattened matrix, as in ``bench_scale.py``);
2. numpy-only ``citymatch.topsis`` (compiled kernels switched off), and each pass alone;
3. pass 2 (the distances) rebuilt one ufunc at a time, cumulatively, in the kernel's own
   block size and thread pool: what each step of the unavoidable sequence costs;
4. the block-size sweep: smaller blocks fit the cache better but pay numpy's per-call
   overhead (and the GIL between the two threads) more often.

The conclusion printed is the measurement: numpy runs one ufunc loop per operation, and one
loop over all 1e8 values costs about 0.7× the two-read bound on one thread (numpy's loops are
single-threaded, so two threads halve it at best).  TOPSIS needs at least 12 such loops (pass 1:
max, min, Σx²; pass 2: five elementwise steps over M × N, two column sums, two square roots),
so the ufunc sequence itself — not the memory traffic — puts numpy-only TOPSIS above 4× the
bound.  The compiled kernels (extra ``fast``) do the same arithmetic in one read per pass.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("CITYMATCH_JIT", "0")  # numpy only, before citymatch is imported

import numpy as np
from bench_core import timeit as median_time
from busy import busy_neighbour

import citymatch
from citymatch.scoring import _kernels
from citymatch.scoring.pool import n_threads, over_rows

STEPS = [
    "transposed read: u = xᵀ − x⁺",
    "u ·= c",
    "v = u − (x⁻ − x⁺)·c",
    "u ·= u, v ·= v",
    "two column sums",
    "two square roots",
    "closeness",
]


def pass2_prefix(x: np.ndarray, upto: int, ideal, coef, dsc, rows: int) -> Callable[[], object]:
    """Pass 2 with only its first ``upto`` steps, on the kernel's blocks and thread pool."""
    n, m = x.shape
    xt = x.T
    ic, sc, dc = ideal[:, None], coef[:, None], dsc[:, None]
    dp, dm, out = np.empty(n), np.empty(n), np.empty(n)

    def part(lo: int, hi: int) -> None:
        u, v = np.empty((m, rows)), np.empty((m, rows))
        for b in range(lo, hi, rows):
            e = min(hi, b + rows)
            uu, vv = u[:, : e - b], v[:, : e - b]
            np.subtract(xt[:, b:e], ic, out=uu)
            if upto > 1:
                uu *= sc
            if upto > 2:
                np.subtract(uu, dc, out=vv)
            if upto > 3:
                uu *= uu
                vv *= vv
            if upto > 4:
                np.sum(uu, axis=0, out=dp[b:e])
                np.sum(vv, axis=0, out=dm[b:e])
            if upto > 5:
                np.sqrt(dp[b:e], out=dp[b:e])
                np.sqrt(dm[b:e], out=dm[b:e])
            if upto > 6:
                _kernels.closeness(dp[b:e], dm[b:e], out=out[b:e])

    parts = n_threads(n, None)
    return lambda: over_rows(n, parts, part)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--json", type=Path, default=Path(__file__).parent / "results" / "numpy_only.json"
    )
    ap.add_argument("--busy", action="store_true", help="with a busy neighbour on one core")
    args = ap.parse_args(argv)
    with busy_neighbour(args.busy):
        return _run(args)


def _run(args: argparse.Namespace) -> dict:
    rng = np.random.default_rng(0)
    n, m = 10_000_000, 10
    x = rng.uniform(1.0, 100.0, size=(n, m))
    w = rng.uniform(0.1, 1.0, size=m)
    w /= w.sum()
    t = np.ones(m)
    flat = x.ravel()
    bound = median_time(lambda: (flat @ flat, flat @ flat), 5)
    whole = median_time(lambda: citymatch.topsis(x, w, t), 3)
    st = _kernels.column_stats(x, sumsq=True)
    ideal, anti = st.max, st.min
    assert st.sumsq is not None
    coef = w / np.sqrt(st.sumsq)
    dsc = (anti - ideal) * coef
    pass1 = median_time(lambda: _kernels.column_stats(x, sumsq=True), 5)
    pass2 = median_time(lambda: _kernels.distances(x, ideal, anti, coef), 5)
    rows = _kernels.block_rows(m)
    one_loop = median_time(lambda: flat.max(), 5)  # one ufunc loop over every value, one thread
    loops = 3 + 9  # pass 1: max, min, Σx²; pass 2: 5 elementwise over M × N, 2 sums, 2 roots
    floor = loops * one_loop / n_threads(n, None)
    cumulative = [median_time(pass2_prefix(x, k, ideal, coef, dsc, rows), 5) for k in range(1, 8)]
    sweep = {}
    for r in (2048, 8192, 32768):
        sweep[r] = median_time(pass2_prefix(x, 7, ideal, coef, dsc, r), 3)
    out = {
        "busy": args.busy,
        "n": n,
        "m": m,
        "bound_s": bound,
        "numpy_only_s": whole,
        "numpy_only_multiple_of_bound": whole / bound,
        "pass1_s": pass1,
        "pass2_s": pass2,
        "pass2_cumulative_s": dict(zip(STEPS, cumulative, strict=True)),
        "block_rows": rows,
        "one_ufunc_loop_s": one_loop,
        "floor_estimate_s": floor,
        "pass2_by_block_rows_s": sweep,
    }
    print(
        f"1e7 × 10 float64, numpy only, default threads{' , busy neighbour' if args.busy else ''}"
    )
    print(f"  two-read bound            {bound * 1e3:7.0f} ms")
    print(
        f"  citymatch.topsis          {whole * 1e3:7.0f} ms  = {whole / bound:.1f}× the bound (goal ≤ 4×)"
    )
    print(f"  pass 1 (column stats)     {pass1 * 1e3:7.0f} ms  = {pass1 / bound:.1f}×")
    print(f"  pass 2 (distances)        {pass2 * 1e3:7.0f} ms  = {pass2 / bound:.1f}×")
    print(f"  pass 2 step by step (cumulative, blocks of {rows:,} rows):")
    prev = 0.0
    for name, c in zip(STEPS, cumulative, strict=True):
        print(
            f"    + {name:32s} {c * 1e3:7.0f} ms  (+{(c - prev) * 1e3:4.0f} ms, {c / bound:.1f}× bound)"
        )
        prev = c
    print(
        "  pass 2 by block size: "
        + ", ".join(f"{r:,} rows {s * 1e3:.0f} ms" for r, s in sweep.items())
    )
    print(
        f"  one ufunc loop over all 1e8 values (x.max(), one thread): {one_loop * 1e3:.0f} ms; "
        f"TOPSIS needs ≥ {loops} such loops, so even perfectly split over "
        f"{n_threads(n, None)} threads numpy alone takes ≥ {floor * 1e3:.0f} ms = "
        f"{floor / bound:.1f}× the bound"
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(out, indent=2, default=str))
    return out


if __name__ == "__main__":
    main()
