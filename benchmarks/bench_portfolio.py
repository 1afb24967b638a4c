"""Portfolio solve times: N candidate projects × a 5-year horizon with start windows, yearly
budgets and staff, 2–3 new projects a year, a cap on active agreements and one project per
partner at a time.  Target: 500 projects optimal (or within a reported 0.1% gap) in < 10 s.

Run:  python benchmarks/bench_portfolio.py [--json PATH] [--busy]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from busy import busy_neighbour

import citymatch
from citymatch import portfolio as pf
from citymatch._util import atomic_write


def instance(n: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    partners = [f"city{i}" for i in range(max(10, n // 4))]
    projects = []
    for i in range(n):
        dur = int(rng.integers(3, 6))
        earliest = 2027 + int(rng.integers(0, 4))
        projects.append(
            {
                "id": f"p{i}",
                "value": float(np.round(rng.uniform(10, 100), 1)),
                "cost": [float(np.round(rng.uniform(40_000, 250_000), -3)) for _ in range(dur)],
                "staff": float(np.round(rng.uniform(0.2, 1.5), 1)),
                "duration": dur,
                "earliest": earliest,
                "latest": min(2031, earliest + int(rng.integers(0, 3))),
                "partners": [str(rng.choice(partners))],
            }
        )
    return {
        "start_year": 2027,
        "years": 5,
        "budget": 900_000,
        "staff": 6.0,
        "new_per_year_min": 2,
        "new_per_year_max": 3,
        "agreement_cap": 10,
        "existing_agreements": {"city0": None, "city1": 2028, "city2": 2029},
        "one_project_per_partner": True,
        "projects": projects,
    }


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", default=str(Path(__file__).parent / "results" / "portfolio.json"))
    ap.add_argument("--busy", action="store_true", help="with a busy neighbour (busy.py)")
    args = ap.parse_args(argv)
    with busy_neighbour(args.busy):
        return _run(args)


def _run(args: argparse.Namespace) -> dict:
    rows = []
    for n in (50, 100, 200, 500):
        prob = citymatch.PortfolioProblem.model_validate(instance(n))
        t0 = time.perf_counter()
        plan = citymatch.optimize_portfolio(prob, time_limit=60, gap=1e-3, explain=False)
        dt = time.perf_counter() - t0
        # Proven within the 0.1% gap (OPTIMAL), or a time-out that still holds a plan.
        assert plan.status in (pf.OPTIMAL, pf.TIME_LIMIT)
        assert plan.feasible
        assert plan.gap <= 1e-3 + 1e-12
        assert (plan.schedule["budget_left"] >= -1e-6).all()  # the plan keeps every budget
        rows.append(
            {
                "projects": n,
                "seconds": dt,
                "status": int(plan.status),
                "status_name": plan.status.name,
                "gap": plan.gap,
                "value": plan.fun,
                "selected": len(plan.selected),
            }
        )
        print(
            f"{n:4d} projects × 5 years: {dt:6.2f} s  {plan.status.name}  gap {plan.gap:.2e}  "
            f"value {plan.fun:,.1f}  selected {len(plan.selected)}"
        )
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    atomic_write(args.json, json.dumps(rows, indent=2), name="--json")
    return {"rows": rows}


if __name__ == "__main__":
    main()
