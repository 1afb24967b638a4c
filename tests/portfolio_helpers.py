"""Problem builders and independent computations shared by the portfolio tests (tests/portfolio/)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

import citymatch

FREE = {"new_per_year_min": None, "new_per_year_max": None}

BASE: dict[str, Any] = {
    "start_year": 2026,
    "years": 2,
    **FREE,
    "projects": [
        {"id": "A", "value": 10, "cost": 6, "staff": 1.0, "partners": ["x"], "start": 2026},
        {"id": "B", "value": 8, "cost": 5, "staff": 1.0, "partners": ["y"], "start": 2026},
        {"id": "C", "value": 7, "cost": 4, "staff": 0.5, "partners": ["z"], "start": 2027},
        {"id": "D", "value": 3, "cost": 2, "staff": 0.5, "partners": ["x"], "start": 2026},
    ],
}


def one_year(values, costs, budget, **kw):
    """A single-year problem (the plain 0/1 knapsack) with projects P1, P2, …"""
    return {
        "start_year": 2026,
        "years": 1,
        "budget": budget,
        **FREE,
        **kw,
        "projects": [
            {"id": f"P{i + 1}", "value": v, "cost": c}
            for i, (v, c) in enumerate(zip(values, costs, strict=True))
        ],
    }


def chosen(plan):
    """Selected project ids, in natural order (P2 before P10)."""
    return sorted((k for k, v in plan.x.items() if v is not None), key=lambda s: (len(s), s))


def solve(**changes):
    """Optimise BASE with some fields changed."""
    problem = json.loads(json.dumps(BASE))
    problem.update(changes)
    return citymatch.optimize_portfolio(problem)


def hard_problem(n: int = 60, m: int = 5, seed: int = 0) -> dict[str, Any]:
    """A multidimensional 0/1 knapsack HiGHS does not prove optimal within 30 s on this machine.

    ``n`` similar projects, all running the whole ``m``-year horizon, each year's cost 50–99
    and the value the sum of the costs plus a little: every year's budget (half the total)
    binds, so the search tree is huge while good plans are found at once.
    """
    rng = np.random.default_rng(seed)
    costs = rng.integers(50, 100, size=(m, n))
    values = costs.sum(0) + rng.integers(0, 10, n)
    return {
        "start_year": 2026,
        "years": m,
        "budget": [float(b) for b in costs.sum(1) / 2],
        **FREE,
        "projects": [
            {
                "id": f"p{i}",
                "value": float(values[i]),
                "cost": [float(c) for c in costs[:, i]],
                "duration": m,
                "start": 2026,
            }
            for i in range(n)
        ],
    }


def topsis_by_hand(x: np.ndarray, weights: np.ndarray, benefit: np.ndarray) -> np.ndarray:
    """TOPSIS closeness, textbook (Hwang & Yoon 1981): vector normalisation, weights summing to 1,
    ideal = best of each weighted column, anti-ideal = worst, closeness D⁻ / (D⁺ + D⁻)."""
    r = x / np.sqrt((x**2).sum(axis=0))
    v = r * (weights / weights.sum())
    best = np.where(benefit, v.max(axis=0), v.min(axis=0))
    worst = np.where(benefit, v.min(axis=0), v.max(axis=0))
    d_plus = np.sqrt(((v - best) ** 2).sum(axis=1))
    d_minus = np.sqrt(((v - worst) ** 2).sum(axis=1))
    return d_minus / (d_plus + d_minus)
