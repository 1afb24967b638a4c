"""Core speed and memory benchmark: citymatch vs pymcdm, and vs the memory-bandwidth bound.

Run:  python benchmarks/bench_core.py [--quick] [--json PATH]

Measures, side by side in one process on the same data (inputs built outside the timed code,
results checked for correctness before any timing is reported):

1. TOPSIS, N = 1,000,000 × M = 10 float64, one weight vector, vector normalisation:
   citymatch vs pymcdm's TOPSIS (same normalisation, validation off), and citymatch as a
   multiple of the two-pass memory-bandwidth bound (two ``x @ x`` over the flattened matrix,
   numpy's default BLAS threads).  Peak extra memory (tracemalloc) as a fraction of the matrix.
2. Small input: 1,000 × 10 (validation included).
3. Batch: N = 10,000 × M = 10 under K = 1,000 weight vectors vs a Python loop over pymcdm.
4. AHP: 100,000 perturbed 10×10 matrices, batched; max |Δw| vs numpy.linalg.eig.

Not part of the test suite: speed is measured here, never asserted in a unit test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
import tracemalloc
from datetime import date
from pathlib import Path

import numpy as np
from busy import busy_neighbour

import citymatch
from citymatch.sampling import sample_weights


def timeit(fn, repeat: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def timeit_pair(fn_a, fn_b, repeat: int, warmup: int = 1) -> tuple[float, float]:
    """Median times of two calls timed in turns (a, b, a, b, …), for a fair ratio.

    On a machine whose speed drifts (a neighbour, the host), timing all of ``fn_a`` and then
    all of ``fn_b`` can put them in different phases; in turns, both see the same ones.
    """
    for _ in range(warmup):
        fn_a()
        fn_b()
    times_a, times_b = [], []
    for _ in range(repeat):
        for fn, times in ((fn_a, times_a), (fn_b, times_b)):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return statistics.median(times_a), statistics.median(times_b)


def peak_extra_bytes(fn) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - base


def perturbed_stack(rng, k, n, sigma=0.25):
    w = rng.uniform(0.5, 5, size=(k, n))
    a = w[:, :, None] / w[:, None, :]
    iu = np.triu_indices(n, 1)
    up = a[:, iu[0], iu[1]] * np.exp(rng.normal(0, sigma, size=(k, len(iu[0]))))
    a[:, iu[0], iu[1]] = up
    a[:, iu[1], iu[0]] = 1 / up
    return a


def import_seconds(runs: int = 5) -> float:
    """``import citymatch`` in a fresh interpreter: the cumulative time ``-X importtime`` reports."""
    import subprocess
    import sys

    best = float("inf")
    for _ in range(runs):
        err = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import citymatch"],
            capture_output=True, text=True, check=True,
        ).stderr  # fmt: skip
        line = [ln for ln in err.splitlines() if ln.rstrip().endswith("| citymatch")][-1]
        best = min(best, int(line.split("|")[1]) / 1e6)
    return best


def plain_smaa(x, w, t):
    """SMAA-2 rank counts the plain numpy way (issue 15's reference): TOPSIS scores by two
    matrix products, one full ``argsort``, one ``bincount`` — N × N counts, ties not split."""
    s = np.sqrt((x**2).sum(axis=0))
    r = x / s
    best = np.where(t > 0, r.max(axis=0), r.min(axis=0))
    worst = np.where(t > 0, r.min(axis=0), r.max(axis=0))
    dp = np.sqrt((w * w) @ ((r - best) ** 2).T)
    dm = np.sqrt((w * w) @ ((r - worst) ** 2).T)
    scores = dm / (dp + dm)
    order = np.argsort(-scores, axis=1)
    n = x.shape[0]
    flat = order * n + np.arange(n)[None, :]
    return np.bincount(flat.ravel(), minlength=n * n).reshape(n, n) / w.shape[0]


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller sizes and fewer repeats")
    ap.add_argument("--busy", action="store_true", help="with a busy neighbour (busy.py)")
    ap.add_argument("--json", default=str(Path(__file__).parent / "results" / "latest.json"))
    args = ap.parse_args(argv)
    with busy_neighbour(args.busy):
        return _run(args)


def _run(args: argparse.Namespace) -> dict:
    from pymcdm import normalizations as nz
    from pymcdm.methods import TOPSIS

    rng = np.random.default_rng(0)
    rep = 3 if args.quick else 9
    out: dict = {
        "date": date.today().isoformat(),
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
        },
        "citymatch": citymatch.__version__,
        "busy_neighbour": args.busy,
    }
    rows = []

    # 1. Large single-vector TOPSIS
    n, m = (200_000 if args.quick else 1_000_000), 10
    x = rng.uniform(1, 100, size=(n, m))
    w = rng.uniform(0.1, 1, size=m)
    w /= w.sum()
    t = rng.choice([1, -1], size=m)
    flat = x.ravel()
    ours = citymatch.topsis(x, w, t).scores
    pm = TOPSIS(nz.vector_normalization)
    theirs = pm(x, w, t, validation=False)
    assert np.max(np.abs(ours - theirs)) < 1e-12
    t_bound = timeit(lambda: (flat @ flat, flat @ flat), rep)
    t_ours, t_pm = timeit_pair(  # in turns, as every ratio to a peer in the suite
        lambda: citymatch.topsis(x, w, t), lambda: pm(x, w, t, validation=False), max(5, rep // 2)
    )
    extra = peak_extra_bytes(lambda: citymatch.topsis(x, w, t))
    out["topsis_large"] = {
        "n": n,
        "m": m,
        "bound_s": t_bound,
        "citymatch_s": t_ours,
        "pymcdm_s": t_pm,
        "speedup_vs_pymcdm": t_pm / t_ours,
        "multiple_of_bound": t_ours / t_bound,
        "bandwidth_GBps": 2 * x.nbytes / t_bound / 1e9,
        "peak_extra_memory_fraction": extra / x.nbytes,
    }
    rows.append(
        (
            f"TOPSIS {n:,}×{m}",
            t_ours,
            t_pm,
            f"{t_pm / t_ours:.1f}× vs pymcdm; {t_ours / t_bound:.1f}× bound; mem {extra / x.nbytes:.3f}×",
        )
    )

    # 2. Small input
    xs, ws, ts = x[:1000].copy(), w, t
    t_small = timeit(lambda: citymatch.topsis(xs, ws, ts), 200 if not args.quick else 50, warmup=5)
    t_small_pm = timeit(lambda: pm(xs, ws, ts), 50, warmup=2)  # pymcdm with its default validation
    t_small_pm_nv = timeit(lambda: pm(xs, ws, ts, validation=False), 200, warmup=5)
    out["topsis_small"] = {
        "n": 1000,
        "m": 10,
        "citymatch_s": t_small,
        "pymcdm_validated_s": t_small_pm,
        "pymcdm_novalidation_s": t_small_pm_nv,
    }
    rows.append(
        (
            "TOPSIS 1,000×10",
            t_small,
            t_small_pm_nv,
            f"pymcdm with validation {t_small_pm * 1e3:.2f} ms",
        )
    )

    # 3. Batch
    nb, k = 10_000, (200 if args.quick else 1000)
    xb = x[:nb].copy()
    wb = rng.dirichlet(np.ones(m), size=k)
    batch = citymatch.topsis(xb, wb, t).scores
    for j in (0, k // 2, k - 1):
        assert np.max(np.abs(batch[j] - pm(xb, wb[j], t, validation=False))) < 1e-12
    t_batch, t_loop = timeit_pair(
        lambda: citymatch.topsis(xb, wb, t),
        lambda: [pm(xb, wj, t, validation=False) for wj in wb],
        3,
        warmup=0,
    )
    xb32 = xb.astype(np.float32)
    t_batch32 = timeit(lambda: citymatch.topsis(xb32, wb, t), max(3, rep // 2))
    out["topsis_batch"] = {
        "n": nb,
        "m": m,
        "k": k,
        "citymatch_s": t_batch,
        "citymatch_float32_input_s": t_batch32,
        "pymcdm_loop_s": t_loop,
        "speedup": t_loop / t_batch,
    }
    rows.append(
        (
            f"TOPSIS batch {nb:,}×{m}, K={k}",
            t_batch,
            t_loop,
            f"{t_loop / t_batch:.1f}× vs loop over pymcdm",
        )
    )

    # 4. AHP batch
    kk = 20_000 if args.quick else 100_000
    a = perturbed_stack(rng, kk, 10)
    res = citymatch.ahp_batch(a)
    vals, vecs = np.linalg.eig(a[:2000])
    top = np.argmax(vals.real, axis=-1)
    v = np.abs(vecs.real[np.arange(2000), :, top])
    v /= v.sum(1, keepdims=True)
    err = float(np.max(np.abs(res.weights[:2000] - v)))
    assert err < 1e-12
    t_ahp = timeit(lambda: citymatch.ahp_batch(a), max(3, rep // 3))
    t_eig = timeit(lambda: np.linalg.eig(a), 1, warmup=0)
    out["ahp_batch"] = {
        "k": kk,
        "n": 10,
        "citymatch_s": t_ahp,
        "per_matrix_us": t_ahp / kk * 1e6,
        "numpy_eig_s": t_eig,
        "max_abs_diff_vs_eig": err,
    }
    rows.append(
        (
            f"AHP {kk:,} × 10×10",
            t_ahp,
            t_eig,
            f"{t_ahp / kk * 1e6:.2f} µs/matrix; vs eig max |Δw| {err:.1e}",
        )
    )

    # 5. Sensitivity: SMAA-2 rank acceptability, K = 10,000 on N = 1,000 × M = 10
    from citymatch import sensitivity as sa

    ns, ks = 1000, (2000 if args.quick else 10_000)
    xs_ = rng.uniform(1, 100, size=(ns, m))
    acc = sa.rank_acceptability(xs_, w, t, samples=ks, rng=1)
    assert np.allclose(acc.acceptability.sum(axis=0), 1)
    assert np.allclose(acc.acceptability.sum(axis=1), 1)
    top10 = sa.rank_acceptability(xs_, w, t, samples=ks, rng=1, ranks=10)
    assert np.array_equal(top10.acceptability, acc.acceptability[:, :10])
    t_smaa = timeit(lambda: sa.rank_acceptability(xs_, w, t, samples=ks, rng=1), max(3, rep // 3))
    wk = sample_weights(m, ks, rng=1)
    t_top10, t_plain = timeit_pair(  # in turns: the ratio's two sides see the same machine
        lambda: sa.rank_acceptability(xs_, w, t, samples=ks, rng=1, ranks=10),
        lambda: plain_smaa(xs_, wk, t),
        max(5, rep // 2 + 1),
    )
    w500 = rng.dirichlet(np.ones(m), size=500)
    t_loop500 = timeit(lambda: [pm(xs_, wj, t, validation=False) for wj in w500], 1, warmup=0)
    out["rank_acceptability"] = {
        "n": ns,
        "m": m,
        "k": ks,
        "citymatch_s": t_smaa,
        "citymatch_first10_s": t_top10,
        "plain_numpy_s": t_plain,
        "speedup_first10_vs_plain": t_plain / t_top10,
        "pymcdm_loop_estimate_s": t_loop500 * ks / 500,
    }
    rows.append(
        (
            f"SMAA-2 K={ks:,} on {ns:,}×{m}",
            t_smaa,
            t_plain,
            "all N ranks; peer: plain numpy (2 matmuls, argsort, bincount)",
        )
    )
    rows.append(
        (
            f"SMAA-2 K={ks:,} on {ns:,}×{m}, first 10",
            t_top10,
            t_plain,
            f"ranks=10 (partial selection): {t_plain / t_top10:.1f}× plain numpy",
        )
    )
    if not args.quick:  # 10,000 samples × 200,000 candidates, first 10 ranks: memory N × k
        xl = rng.uniform(1, 100, size=(200_000, m))
        t0 = time.perf_counter()
        big_peak = peak_extra_bytes(
            lambda: sa.rank_acceptability(xl, w, t, samples=10_000, rng=1, ranks=10)
        )
        t_big = time.perf_counter() - t0
        out["rank_acceptability_large"] = {
            "n": 200_000, "m": m, "k": 10_000, "ranks": 10, "citymatch_s": t_big,
            "peak_extra_MiB": big_peak / 2**20,
            "full_table_would_need_GiB": 200_000**2 * 8 / 2**30,
        }  # fmt: skip
        rows.append(
            (
                "SMAA-2 K=10,000 on 200,000×10, first 10",
                t_big,
                float("nan"),
                f"peak extra memory {big_peak / 2**20:.0f} MiB (an N × N table: 298 GiB)",
            )
        )
    nst = 200
    t_stab = timeit(lambda: sa.stability_intervals(xs_[:nst], w, t, k=3), 3)
    out["stability_intervals"] = {"n": nst, "m": m, "citymatch_s": t_stab}
    rows.append(
        (
            f"stability intervals {nst}×{m}, exact",
            t_stab,
            float("nan"),
            "no peer offers exact tipping points",
        )
    )

    out["import_s"] = import_seconds()
    rows.append(
        ("import citymatch", out["import_s"], float("nan"), "python -X importtime, min of 5")
    )
    print(
        f"citymatch {citymatch.__version__} · {out['date']} · {os.cpu_count()} cores · numpy {np.__version__}"
    )
    print(
        f"two-pass bandwidth bound for the large matrix: {t_bound * 1e3:.2f} ms "
        f"({out['topsis_large']['bandwidth_GBps']:.1f} GB/s)"
    )
    print(f"{'case':34s} {'citymatch':>12s} {'peer':>12s}  note")
    for name, a_s, b_s, note in rows:
        print(f"{name:34s} {a_s * 1e3:10.2f}ms {b_s * 1e3:10.2f}ms  {note}")
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
