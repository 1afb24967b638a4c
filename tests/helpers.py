"""Plain helpers shared by the tests (importable: tests/ is on pytest's pythonpath)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

REF_DIR = Path(__file__).parent / "reference" / "data"
ROOT = Path(__file__).resolve().parents[1]


def load_ref(name: str) -> dict[str, Any]:
    """A reference case from tests/reference/data (copied from the project's cited set)."""
    return json.loads((REF_DIR / f"{name}.json").read_text("utf-8"))


def topsis_by_hand(x: np.ndarray, w: np.ndarray, t: np.ndarray) -> np.ndarray:
    """TOPSIS closeness for ONE weight vector, Hwang & Yoon's vector normalisation."""
    v = (w / w.sum()) * x / np.sqrt((x**2).sum(0))
    best = np.where(t > 0, v.max(0), v.min(0))
    worst = np.where(t > 0, v.min(0), v.max(0))
    d_plus = np.sqrt(((v - best) ** 2).sum(1))
    d_minus = np.sqrt(((v - worst) ** 2).sum(1))
    return d_minus / (d_plus + d_minus)
