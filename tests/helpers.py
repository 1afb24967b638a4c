"""Plain helpers shared by the tests (importable: tests/ is on pytest's pythonpath)."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

REF_DIR = Path(__file__).parent / "reference" / "data"
ROOT = Path(__file__).resolve().parents[1]


def load_ref(name: str) -> dict[str, Any]:
    """A reference case from tests/reference/data (copied from the project's cited set)."""
    return json.loads((REF_DIR / f"{name}.json").read_text("utf-8"))


def topsis_distances_by_hand(
    x: np.ndarray, w: np.ndarray, t: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TOPSIS ``(D⁺, D⁻, closeness)`` for ONE weight vector, Hwang & Yoon's vector
    normalisation, distances on weights summing to 1."""
    v = (w / w.sum()) * x / np.sqrt((x**2).sum(0))
    best = np.where(t > 0, v.max(0), v.min(0))
    worst = np.where(t > 0, v.min(0), v.max(0))
    d_plus = np.sqrt(((v - best) ** 2).sum(1))
    d_minus = np.sqrt(((v - worst) ** 2).sum(1))
    return d_plus, d_minus, d_minus / (d_plus + d_minus)


def topsis_by_hand(x: np.ndarray, w: np.ndarray, t: np.ndarray) -> np.ndarray:
    """TOPSIS closeness for ONE weight vector (:func:`topsis_distances_by_hand`)."""
    return topsis_distances_by_hand(x, w, t)[2]


def child_report(pid: int, read_end: int, seconds: float, hung: str) -> bytes:
    """Wait for the forked child ``pid`` and return what it wrote to the pipe ``read_end``.

    A child still running after ``seconds`` is killed and the test fails with ``hung``.
    """
    deadline = time.monotonic() + seconds
    while os.waitpid(pid, os.WNOHANG)[0] == 0:
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(read_end)
            pytest.fail(hung)
        time.sleep(0.02)
    with os.fdopen(read_end, "rb") as pipe:
        return pipe.read()


def run_bounds_checked(script: str, tmp_path: Path) -> None:
    """Run ``script`` in a fresh interpreter against this citymatch, with numba's bounds
    checking on (an index outside an array raises ``IndexError``), a fresh kernel cache (so
    the kernels compile with the checks) and the compiled kernels forced on; the script must
    exit 0 having printed exactly "ok"."""
    import subprocess
    import sys

    import citymatch

    src = os.path.dirname(os.path.dirname(os.path.abspath(citymatch.__file__)))
    env = dict(os.environ, NUMBA_BOUNDSCHECK="1", NUMBA_CACHE_DIR=str(tmp_path), CITYMATCH_JIT="1")
    env["PYTHONPATH"] = os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-3000:]


def two_criteria_toml(extra: str = "", *, name: str = "two") -> str:
    """A criteria set's TOML with criteria ``a`` (benefit) and ``b`` (cost), weight 1 each;
    ``extra`` is added at the top level (``method``, ``method_options``, ``normalization``)."""
    return (
        f'format_version = 1\nname = "{name}"\ntitle = "Two"\nversion = "1"\n{extra}\n'
        '\n[[criteria]]\nid = "a"\nlabel = "A"\ndirection = "benefit"\nweight = 1\n'
        '\n[[criteria]]\nid = "b"\nlabel = "B"\ndirection = "cost"\nweight = 1\n'
    )
