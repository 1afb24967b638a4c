"""The scale benchmark suite: citymatch vs pymcdm, scikit-criteria and pyDecision, side by side.

Run:  python -m pip install ".[bench]" && python benchmarks/bench_scale.py [--max-n 1e7]
      [--limit 60] [--out-of-core-n 1e8] [--dask-n 2e7]

In one run, on the same data (generated from a fixed seed, outside the timed code):

1. TOPSIS, N = 1e3 … max-n × M = 10 and 50, one weight vector, vector normalisation: medians
   of citymatch and of each peer (each peer runs in its own process with a time limit, so a
   peer that fails, runs out of memory or exceeds the limit is reported as such), the ratio
   peer/citymatch, and citymatch's time as a multiple of the two-pass memory-bandwidth bound
   (two ``x @ x`` over the flattened matrix, numpy's default BLAS threads). Peak extra memory of
   citymatch (tracemalloc) as a fraction of the matrix.  With numba installed (extra ``fast``,
   part of ``bench``) large inputs run the compiled kernels; the ``numpy-only`` column times the
   same call with them switched off.  Every timing is a median after one warm-up call, so
   numba's one-off load (~0.3 s per process, from its on-disk cache) is not in it.
2. Out of core: an N × 10 float32 Parquet file scored with the top 100 kept
   (``citymatch.scale.topsis_parquet``): time, peak RSS growth, and throughput against reading
   the file twice with pyarrow.
3. Dask on a LocalCluster (2 workers): TOPSIS at several N against the in-memory numpy time.

The core figures (batch, AHP, SMAA-2, portfolio) are in bench_core.py and bench_portfolio.py.
Results are printed as one table and written as JSON (benchmarks/results/scale.json).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import statistics
import tempfile
import time
import tracemalloc
import warnings
from datetime import date
from pathlib import Path

import numpy as np
from busy import busy_neighbour

import citymatch
from citymatch.scoring import _jit, _kernels


def data(n: int, m: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + n + m)
    x = rng.uniform(1.0, 100.0, size=(n, m))
    w = rng.uniform(0.1, 1.0, size=m)
    w /= w.sum()
    t = np.where(np.arange(m) % 3 == 1, -1, 1)
    return x, w, t


def median_time(fn, repeat: int) -> float:
    fn()
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def peer_call(name: str, x, w, t):
    if name == "pymcdm":
        from pymcdm import normalizations as nz
        from pymcdm.methods import TOPSIS

        m = TOPSIS(nz.vector_normalization)
        return lambda: m(x, w, t, validation=False)
    if name == "scikit-criteria":
        import skcriteria as skc
        from skcriteria.agg.topsis import TOPSIS
        from skcriteria.preprocessing.scalers import VectorScaler

        objectives = [max if v > 0 else min for v in t]

        def run():
            dm = skc.mkdm(x, objectives=objectives, weights=w)
            return TOPSIS().evaluate(VectorScaler(target="matrix").transform(dm)).e_.similarity

        return run
    if name == "pyDecision":
        from pyDecision.algorithm import topsis_method

        types = ["max" if v > 0 else "min" for v in t]
        return lambda: topsis_method(x, list(w), types, graph=False, verbose=False)
    raise ValueError(name)


def _peer_child(name: str, n: int, m: int, repeat: int, q) -> None:
    warnings.simplefilter("ignore")
    try:
        x, w, t = data(n, m)
        fn = peer_call(name, x, w, t)
        got = np.asarray(fn(), dtype=float)
        ours = citymatch.topsis(x, w, t).scores
        err = float(np.max(np.abs(got - ours)))
        q.put(("ok", median_time(fn, repeat), err))
    except MemoryError:
        q.put(("out of memory", None, None))
    except Exception as exc:  # report, never crash the suite
        q.put((f"error: {type(exc).__name__}: {str(exc)[:80]}", None, None))


def run_peer(
    name: str, n: int, m: int, repeat: int, limit: float
) -> tuple[str, float | None, float | None]:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_peer_child, args=(name, n, m, repeat, q))
    p.start()
    p.join(limit)
    if p.is_alive():
        p.kill()
        p.join()
        return (f"over the {limit:.0f} s limit", None, None)
    if q.empty():
        return (f"failed (exit code {p.exitcode})", None, None)
    return q.get()


def bandwidth_bound(x: np.ndarray, repeat: int) -> float:
    flat = x.ravel()
    return median_time(lambda: (flat @ flat, flat @ flat), repeat)


def _score_child(folder: str, cols: list[str], q) -> None:
    """Score in a fresh process, so its peak RSS is the scoring's own (plus the interpreter)."""
    from citymatch import scale

    m = len(cols)
    t0 = time.perf_counter()
    res = scale.topsis_parquet(
        folder, np.full(m, 1.0 / m), np.ones(m, dtype=int), cols, top=100, chunk_rows=262_144
    )
    dt = time.perf_counter() - t0
    # VmHWM is this process's own peak RSS (ru_maxrss survives exec and would include the parent's).
    hwm = next(
        int(line.split()[1])
        for line in Path("/proc/self/status").read_text().splitlines()
        if line.startswith("VmHWM:")
    )
    q.put((dt, hwm / 1024, res.n, len(res.top)))


def out_of_core(n: int, limit_rows: int = 5_000_000) -> dict:
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    folder = Path(tempfile.mkdtemp(prefix="citymatch-ooc-"))
    m = 10
    rng = np.random.default_rng(1)
    cols = [f"c{j}" for j in range(m)]
    rows = 0
    t0 = time.perf_counter()
    part = 0
    while rows < n:
        k = min(limit_rows, n - rows)
        block = rng.uniform(1, 100, size=(k, m)).astype(np.float32)
        pq.write_table(
            pa.table({c: block[:, j] for j, c in enumerate(cols)}),
            folder / f"part{part:04d}.parquet",
        )
        rows += k
        part += 1
    write_s = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in folder.iterdir())

    def read_twice() -> None:
        for _ in range(2):
            for _b in ds.dataset(str(folder), format="parquet").to_batches(
                columns=cols, batch_size=1_000_000
            ):
                pass

    t_read = median_time(read_twice, 1)
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    proc = ctx.Process(target=_score_child, args=(str(folder), cols, q))
    proc.start()
    proc.join()
    t_score, peak_mib, n_scored, n_top = q.get()
    for p in folder.iterdir():
        p.unlink()
    folder.rmdir()
    assert n_scored == n
    assert n_top == 100
    return {
        "n": n,
        "m": m,
        "file_bytes": size,
        "write_s": write_s,
        "read_twice_s": t_read,
        "score_s": t_score,
        "multiple_of_read_twice": t_score / t_read,
        "peak_rss_MiB": peak_mib,
    }


def dask_vs_numpy(ns: list[int]) -> list[dict]:
    import dask.array as da
    from distributed import Client, LocalCluster

    from citymatch import scale

    out = []
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as lc,
        Client(lc) as cl,
    ):
        for n in ns:
            x, w, t = data(n, 10)
            t_np = median_time(lambda x=x, w=w, t=t: citymatch.topsis(x, w, t), 3)
            xd = da.from_array(x, chunks=(1_000_000, 10)).persist()
            t_dask = median_time(
                lambda xd=xd, w=w, t=t: cl.compute(
                    scale.topsis_dask(xd, w, t, client=cl), sync=True
                ),
                3,
            )
            got = cl.compute(scale.topsis_dask(xd, w, t, client=cl), sync=True)
            err = float(np.max(np.abs(got - citymatch.topsis(x, w, t).scores)))
            out.append(
                {
                    "n": n,
                    "numpy_s": t_np,
                    "dask_s": t_dask,
                    "ratio": t_dask / t_np,
                    "max_abs_diff": err,
                }
            )
            del xd
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-n", type=float, default=1e7)
    ap.add_argument("--limit", type=float, default=60.0, help="seconds per peer run")
    ap.add_argument("--out-of-core-n", type=float, default=2e7)
    ap.add_argument("--dask-n", type=float, default=2e7)
    ap.add_argument("--json", default=str(Path(__file__).parent / "results" / "scale.json"))
    ap.add_argument(
        "--peers", default="pymcdm,scikit-criteria,pyDecision", help="comma list, or 'none'"
    )
    ap.add_argument("--busy", action="store_true", help="with a busy neighbour (busy.py)")
    args = ap.parse_args(argv)
    with busy_neighbour(args.busy):
        return _run(args)


def _run(args: argparse.Namespace) -> dict:
    warnings.simplefilter("ignore")
    peers = [] if args.peers == "none" else [p for p in args.peers.split(",") if p]
    sizes = [n for n in (1_000, 100_000, 1_000_000, 10_000_000) if n <= args.max_n]
    results: dict = {
        "date": date.today().isoformat(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "citymatch": citymatch.__version__,
        "kernel": "compiled (numba)" if _jit.AVAILABLE else "numpy",
        "topsis": [],
    }
    print(
        f"citymatch {citymatch.__version__} · {results['date']} · {os.cpu_count()} cores · numpy {np.__version__}"
        f" · kernel for ≥ {_kernels.JIT_MIN_CELLS:,} cells: {results['kernel']}"
    )
    header = (
        f"{'N':>10} {'M':>3} {'bound':>9} {'citymatch':>10} {'×bound':>7} {'numpy-only':>10} {'mem':>6}  "
        + "  ".join(f"{p:>24}" for p in peers)
    )
    print(header)
    gave_up: set[tuple[str, int]] = set()
    for m in (10, 50):
        for n in sizes:
            x, w, t = data(n, m)
            rep = 9 if n <= 1_000_000 else 3
            bound = bandwidth_bound(x, rep)
            ours = median_time(lambda x=x, w=w, t=t: citymatch.topsis(x, w, t), rep)
            lean = median_time(
                lambda x=x, w=w, t=t: citymatch.topsis(x, w, t, distances=False), rep
            )
            tracemalloc.start()
            base = tracemalloc.get_traced_memory()[0]
            citymatch.topsis(x, w, t)
            extra = (tracemalloc.get_traced_memory()[1] - base) / x.nbytes
            tracemalloc.stop()
            numpy_only = None
            if _jit.AVAILABLE and x.size >= _kernels.JIT_MIN_CELLS:
                saved, _kernels.JIT_MIN_CELLS = _kernels.JIT_MIN_CELLS, 10**18
                numpy_only = median_time(lambda x=x, w=w, t=t: citymatch.topsis(x, w, t), rep)
                _kernels.JIT_MIN_CELLS = saved
            row = {
                "n": n,
                "m": m,
                "bound_s": bound,
                "citymatch_s": ours,
                "multiple_of_bound": ours / bound,
                "scores_only_multiple_of_bound": lean / bound,
                "numpy_only_multiple_of_bound": None if numpy_only is None else numpy_only / bound,
                "peak_extra_memory_fraction": extra,
                "peers": {},
            }
            cells = []
            del x
            for p in peers:
                if (p, m) in gave_up:
                    status, tp, err = "skipped (failed at a smaller N)", None, None
                else:
                    status, tp, err = run_peer(p, n, m, 3 if n <= 1_000_000 else 1, args.limit)
                    if tp is None:
                        gave_up.add((p, m))
                row["peers"][p] = {
                    "status": status,
                    "seconds": tp,
                    "ratio": (tp / ours) if tp else None,
                    "max_abs_diff": err,
                }
                cells.append(f"{tp * 1e3:9.1f} ms ({tp / ours:5.1f}×)" if tp else status[:24])
            results["topsis"].append(row)
            print(
                f"{n:>10,} {m:>3} {bound * 1e3:7.2f}ms {ours * 1e3:8.2f}ms {ours / bound:6.1f}× "
                + (f"{numpy_only / bound:9.1f}×" if numpy_only else f"{'':>10}")
                + f" {extra:5.2f}×  "
                + "  ".join(f"{c:>24}" for c in cells)
            )
    if args.out_of_core_n:
        ooc = out_of_core(int(args.out_of_core_n))
        results["out_of_core"] = ooc
        print(
            f"out of core: {ooc['n']:,} × 10 float32 Parquet ({ooc['file_bytes'] / 2**30:.2f} GiB): scored (top 100) in "
            f"{ooc['score_s']:.1f} s = {ooc['multiple_of_read_twice']:.2f}× reading it twice with pyarrow "
            f"({ooc['read_twice_s']:.1f} s); peak RSS of the scoring process {ooc['peak_rss_MiB']:.0f} MiB"
        )
    if args.dask_n:
        ns = sorted({int(args.dask_n) // 4, int(args.dask_n) // 2, int(args.dask_n)})
        dk = dask_vs_numpy(ns)
        results["dask"] = dk
        for r in dk:
            print(
                f"dask LocalCluster(2 workers) N={r['n']:,} × 10: {r['dask_s']:.2f} s vs numpy {r['numpy_s']:.2f} s "
                f"= {r['ratio']:.2f}×; max |Δ| {r['max_abs_diff']:.1e}"
            )
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
