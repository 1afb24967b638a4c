"""The whole benchmark suite in one run, ending with one table of every target.

Run:  python -m pip install ".[bench]" && python benchmarks/suite.py [--quick]

Runs, in one process and in this order:

1. ``bench_core``: TOPSIS 1e6 × 10 against pymcdm and the two-pass bandwidth bound, small
   inputs, the K = 1,000 weight batch, AHP batches, SMAA-2 and exact stability intervals;
2. ``bench_scale``: TOPSIS against pymcdm, scikit-criteria and pyDecision for N = 1e3 … 1e7 ×
   M = 10 and 50, out-of-core Parquet, and Dask on a LocalCluster;
3. ``bench_portfolio``: portfolio solve times for 50 / 100 / 200 / 500 projects × 5 years.

Each prints its own table as it goes; the suite then prints every target of the issues with the
value measured in this run and whether it was met, and writes everything to
``benchmarks/results/suite.json``.  ``--quick`` shrinks sizes for a smoke run (the targets are
stated for the full sizes, so a quick run's verdicts are indicative only).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

import bench_core  # noqa: E402
import bench_portfolio  # noqa: E402
import bench_scale  # noqa: E402


def targets(core: dict, scale: dict, portfolio: dict) -> list[tuple[str, str, str, bool]]:
    """(target, measured, goal, met) rows from the three result documents."""
    rows: list[tuple[str, str, str, bool]] = []
    big = core["topsis_large"]
    rows.append(
        (
            f"TOPSIS {big['n']:,}×{big['m']} vs pymcdm",
            f"{big['speedup_vs_pymcdm']:.1f}× faster",
            "≥ 8×",
            big["speedup_vs_pymcdm"] >= 8,
        )
    )
    rows.append(
        (
            f"TOPSIS {big['n']:,}×{big['m']} vs two-pass bound",
            f"{big['multiple_of_bound']:.1f}×",
            "≤ 8×",
            big["multiple_of_bound"] <= 8,
        )
    )
    rows.append(
        (
            "TOPSIS peak extra memory",
            f"{big['peak_extra_memory_fraction']:.2f}× the matrix",
            "≤ 0.5×",
            big["peak_extra_memory_fraction"] <= 0.5,
        )
    )
    small = core["topsis_small"]["citymatch_s"]
    rows.append(("TOPSIS 1,000×10", f"{small * 1e3:.2f} ms", "≈ 0.25 ms", small <= 0.35e-3))
    b = core["topsis_batch"]
    rows.append(
        (
            f"batch {b['n']:,}×{b['m']}, K={b['k']:,} vs pymcdm loop",
            f"{b['speedup']:.1f}×",
            "≥ 25×",
            b["speedup"] >= 25,
        )
    )
    a = core["ahp_batch"]
    rows.append(
        (
            f"AHP {a['k']:,} 10×10 matrices",
            f"{a['citymatch_s']:.2f} s",
            "< 1 s",
            a["citymatch_s"] < 1,
        )
    )
    s = core["rank_acceptability"]
    rows.append(
        (
            f"SMAA-2 K={s['k']:,} on {s['n']:,}×{s['m']}",
            f"{s['citymatch_s']:.2f} s",
            "< 2 s",
            s["citymatch_s"] < 2,
        )
    )
    for r in scale.get("topsis", []):
        if r["n"] == 10_000_000 and r["m"] == 10:
            rows.append(
                (
                    "in memory 1e7×10 vs two-pass bound",
                    f"{r['multiple_of_bound']:.1f}× ({scale.get('kernel', '?')}; "
                    f"scores only {r.get('scores_only_multiple_of_bound', float('nan')):.1f}×)"
                    + (
                        f"; numpy only {r['numpy_only_multiple_of_bound']:.1f}×"
                        if r.get("numpy_only_multiple_of_bound")
                        else ""
                    ),
                    "≤ 4×",
                    r["multiple_of_bound"] <= 4,
                )
            )
            rows.append(
                (
                    "in memory 1e7×10 peak extra memory",
                    f"{r['peak_extra_memory_fraction']:.2f}×",
                    "≤ 0.5×",
                    r["peak_extra_memory_fraction"] <= 0.5,
                )
            )
    ooc = scale.get("out_of_core")
    if ooc:
        rows.append(
            (
                f"out of core {ooc['n']:.0e}×10 float32, top 100",
                f"{ooc['multiple_of_read_twice']:.2f}× reading twice",
                "≤ 3×",
                ooc["multiple_of_read_twice"] <= 3,
            )
        )
        rows.append(
            (
                "out of core peak RSS",
                f"{ooc['peak_rss_MiB']:.0f} MiB",
                "< 1 GiB",
                ooc["peak_rss_MiB"] < 1024,
            )
        )
    dk = scale.get("dask") or []
    if dk:
        last = dk[-1]
        rows.append(
            (
                f"Dask LocalCluster N={last['n']:.0e}×10 vs in memory",
                f"{last['ratio']:.2f}×",
                "≤ 3×",
                last["ratio"] <= 3,
            )
        )
        if len(dk) > 1:
            per = [r["dask_s"] / r["n"] for r in dk]
            spread = max(per) / min(per)
            rows.append(
                (
                    "Dask time per row across N",
                    f"max/min {spread:.2f}",
                    "linear (≈ 1)",
                    spread <= 1.5,
                )
            )
    for r in portfolio.get("rows", []):
        if r["projects"] == 500:
            rows.append(
                (
                    "portfolio 500 projects × 5 years (0.1% gap)",
                    f"{r['seconds']:.1f} s",
                    "< 10 s",
                    r["seconds"] < 10,
                )
            )
    return rows


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    ap.add_argument("--json", default=str(HERE / "results" / "suite.json"))
    args = ap.parse_args(argv)
    res = HERE / "results"
    core_args = ["--json", str(res / "latest.json")] + (["--quick"] if args.quick else [])
    scale_args = ["--json", str(res / "scale.json")]
    if args.quick:
        scale_args += ["--max-n", "1e5", "--out-of-core-n", "2e6", "--dask-n", "2e6"]
    else:
        scale_args += ["--out-of-core-n", "1e8"]
    print("== core ==")
    core = bench_core.main(core_args)
    print("\n== scale ==")
    scale = bench_scale.main(scale_args)
    print("\n== portfolio ==")
    portfolio = bench_portfolio.main(["--json", str(res / "portfolio.json")])
    rows = targets(core, scale, portfolio)
    print(f"\n== targets ({date.today().isoformat()}, {os.cpu_count()} cores) ==")
    width = max(len(r[0]) for r in rows)
    for name, got, goal, met in rows:
        print(f"{name:<{width}}  {got:<40}  {goal:<12}  {'met' if met else 'NOT MET'}")
    doc = {
        "date": date.today().isoformat(),
        "cores": os.cpu_count(),
        "quick": args.quick,
        "targets": [{"target": n, "measured": g, "goal": o, "met": m} for n, g, o, m in rows],
        "core": core,
        "scale": scale,
        "portfolio": portfolio,
    }
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(doc, indent=2))
    return doc


if __name__ == "__main__":
    main()
