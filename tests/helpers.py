"""Plain helpers shared by the tests (importable: tests/ is on pytest's pythonpath)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REF_DIR = Path(__file__).parent / "reference" / "data"
ROOT = Path(__file__).resolve().parents[1]


def load_ref(name: str) -> dict[str, Any]:
    """A reference case from tests/reference/data (copied from the project's cited set)."""
    return json.loads((REF_DIR / f"{name}.json").read_text("utf-8"))
