r"""pytest plugin (session 11): which compiled kernels each test calls, for ``jit_mutants.py``.

Wraps :func:`citymatch.scoring._jit._kernel` (every compiled kernel is fetched through it) and
records, per test id, the kernel names asked for while the test ran; writes the map as JSON to
``$KMAP_OUT`` (default ``/tmp/s11/kmap.json``) at the end of the session.

    cd <worktree> && PYTHONPATH=$PWD/src:$PWD/docs/mutation CI=true nice -n 19 /work/venv/bin/python \
        -m pytest -q -p no:cacheprovider -p kernel_map tests/scoring tests/reference tests/adversarial
"""

from __future__ import annotations

import json
import os
from collections.abc import Generator
from typing import Any

import pytest

from citymatch.scoring import _jit

HITS: dict[str, set[str]] = {}
_CURRENT: list[str | None] = [None]
_ORIGINAL = _jit._kernel


def _spy(name: str) -> Any:
    test = _CURRENT[0]
    if test is not None:
        HITS.setdefault(test, set()).add(name)
    return _ORIGINAL(name)


_jit._kernel = _spy  # type: ignore[assignment]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: Any, nextitem: Any) -> Generator[None, None, None]:
    """Attribute the kernels fetched during a test (setup, call, teardown) to it."""
    _CURRENT[0] = item.nodeid
    yield
    _CURRENT[0] = None


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    """Write the map: test id -> sorted kernel names."""
    with open(os.environ.get("KMAP_OUT", "/tmp/s11/kmap.json"), "w") as f:
        json.dump({k: sorted(v) for k, v in HITS.items()}, f, indent=0)
