"""Every scoring method against pymcdm on the same data (issue 14's targets).

Run:  python benchmarks/bench_methods.py [--quick] [--json PATH]

1. The linear-time methods (WSM, WPM, WASPAS, VIKOR, SPOTIS, COPRAS, MABAC and TOPSIS) on
   N = 1,000,000 × M = 10, one weight vector: citymatch vs pymcdm (validation off, the
   matching normalisation), results checked equal before timing (COPRAS: pymcdm 1.x cancels a
   sum in Q; MABAC: pymcdm's border area, a product of N values, underflows to 0 at this N —
   citymatch takes the geometric mean through logs — so only the time is compared for those).
   The two are timed in turns (citymatch, pymcdm, citymatch, …; 7 each, medians), so a drift
   in the machine's speed during the run touches both alike.
2. PROMETHEE II (linear preference function) on N = 2,000 × 10: one weight vector, and a batch
   of K = 100 weight vectors (one call) against a Python loop of K pymcdm calls.
3. PROMETHEE II on N = 1,000,000 × 10 alone (pymcdm's N × N tables cannot hold it).

Speed is measured here, never asserted in a unit test.  Default threads, as users run it.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import date
from pathlib import Path

import numpy as np
from bench_core import timeit, timeit_pair  # the suite's timers (medians after a warm-up)
from busy import busy_neighbour
from pymcdm import methods as pm
from pymcdm import normalizations as pn

import citymatch as cm


def _pairs(x, w, t):
    bounds = np.column_stack([x.min(0), x.max(0)])
    return {
        "TOPSIS": (lambda: cm.topsis(x, w, t, distances=False).scores,
                   lambda: pm.TOPSIS(pn.vector_normalization)(x, w, t, validation=False)),
        "WSM": (lambda: cm.wsm(x, w, t).scores,
                lambda: pm.WSM(pn.linear_normalization)(x, w, t, validation=False)),
        "WPM": (lambda: cm.wpm(x, w, t).scores,
                lambda: pm.WPM(pn.linear_normalization)(x, w, t, validation=False)),
        "WASPAS": (lambda: cm.waspas(x, w, t).scores,
                   lambda: pm.WASPAS(pn.linear_normalization)(x, w, t, validation=False)),
        "VIKOR": (lambda: cm.vikor(x, w, t).scores,
                  lambda: pm.VIKOR()(x, w, t, validation=False)),
        "SPOTIS": (lambda: cm.spotis(x, w, t, bounds=bounds).scores,
                   lambda: pm.SPOTIS(bounds)(x, w, t, validation=False)),
        "COPRAS": (lambda: cm.copras(x, w, t).scores,
                   lambda: pm.COPRAS()(x, w, t, validation=False)),
        "MABAC": (lambda: cm.mabac(x, w, t).scores,
                  lambda: pm.MABAC()(x, w, t, validation=False)),
    }  # fmt: skip


def linear_methods(n: int, m: int, repeat: int) -> list[dict]:
    rng = np.random.default_rng(0)
    x = rng.uniform(1.0, 100.0, size=(n, m))
    w = rng.uniform(0.1, 1.0, size=m)
    w /= w.sum()
    t = np.where(np.arange(m) % 3 == 2, -1, 1)
    rows = []
    for name, (ours, theirs) in _pairs(x, w, t).items():
        a, b = ours(), theirs()
        if name == "VIKOR" or name == "SPOTIS":  # pymcdm may order identically but check values
            np.testing.assert_allclose(a, b, atol=1e-9)
        elif name not in ("COPRAS", "MABAC"):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
        t_ours, t_theirs = timeit_pair(ours, theirs, repeat)  # in turns: the same machine phases
        rows.append({"method": name, "n": n, "m": m, "citymatch_s": t_ours, "pymcdm_s": t_theirs,
                     "speedup": t_theirs / t_ours})  # fmt: skip
        print(f"{name:8s} {n:>9,}×{m}: citymatch {t_ours * 1e3:8.1f} ms, pymcdm {t_theirs * 1e3:8.1f} ms "
              f"→ {t_theirs / t_ours:5.1f}×")  # fmt: skip
    return rows


def promethee_batch(n: int, m: int, k: int, repeat: int) -> dict:
    rng = np.random.default_rng(1)
    x = rng.uniform(0.0, 10.0, size=(n, m))
    ws = rng.dirichlet(np.ones(m), size=k)
    t = np.ones(m, dtype=int)
    q, p = np.full(m, 0.5), np.full(m, 3.0)

    def body(x, w, t, validation=False):  # pymcdm keeps its preference functions in a generator,
        return pm.PROMETHEE_II("vshape_2", p=p, q=q)(x, w, t, validation=validation)  # one use each

    ours = cm.promethee(x, ws, t, preference="linear", q=q, p=p).scores
    ref = np.stack([body(x, w, t, validation=False) for w in ws[:3]])
    np.testing.assert_allclose(ours[:3], ref, atol=1e-10)
    one = timeit(lambda: cm.promethee(x, ws[0], t, preference="linear", q=q, p=p), repeat)
    one_ref = timeit(lambda: body(x, ws[0], t, validation=False), 1)
    batch = timeit(lambda: cm.promethee(x, ws, t, preference="linear", q=q, p=p), repeat)
    t0 = time.perf_counter()
    for w in ws:
        body(x, w, t, validation=False)
    loop = time.perf_counter() - t0
    print(f"PROMETHEE II {n:,}×{m}: one vector {one * 1e3:.1f} ms vs pymcdm {one_ref * 1e3:.0f} ms "
          f"({one_ref / one:.0f}×); K={k} batch {batch * 1e3:.1f} ms vs loop {loop:.2f} s "
          f"({loop / batch:.0f}×)")  # fmt: skip
    return {"n": n, "m": m, "k": k, "one_s": one, "pymcdm_one_s": one_ref,
            "batch_s": batch, "pymcdm_loop_s": loop, "batch_speedup": loop / batch}  # fmt: skip


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", default=None)
    ap.add_argument("--busy", action="store_true", help="with a busy neighbour (busy.py)")
    args = ap.parse_args(argv)
    with busy_neighbour(args.busy):
        return _run(args)


def _run(args: argparse.Namespace) -> dict:
    n = 100_000 if args.quick else 1_000_000
    repeat = 3 if args.quick else 7
    print(f"== scoring methods, {os.cpu_count()} cores ==")
    rows = linear_methods(n, 10, repeat)
    batch = promethee_batch(500 if args.quick else 2_000, 10, 20 if args.quick else 100, repeat)
    xs = np.random.default_rng(2).uniform(0, 10, size=(n, 10))
    big = timeit(
        lambda: cm.promethee(xs, np.ones(10), np.ones(10), preference="linear", q=0.5, p=3), 1
    )
    print(
        f"PROMETHEE II {n:,}×10 (sorted flows; pymcdm would need {n * n * 8 / 2**30:,.0f} GiB): {big:.2f} s"
    )
    doc = {"date": date.today().isoformat(), "cores": os.cpu_count(), "quick": args.quick, "busy_neighbour": args.busy,
           "linear": rows, "promethee_batch": batch, "promethee_large": {"n": n, "m": 10, "s": big}}  # fmt: skip
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(doc, indent=2))
    return doc


if __name__ == "__main__":
    main()
