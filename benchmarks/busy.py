"""A busy neighbour: one other process spinning on one core for the whole of a run.

Users always have one (a browser, a Jupyter kernel, another job); a benchmark on an idle
machine hides what oversubscription costs (issue 15).  ``with busy_neighbour(): ...`` starts
a plain Python loop in a separate process before the block and stops it after.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from collections.abc import Iterator
from contextlib import contextmanager


def _spin(stop) -> None:  # a pure-Python busy loop: one core at 100 %
    while not stop.is_set():
        for _ in range(100_000):
            pass


@contextmanager
def busy_neighbour(on: bool = True) -> Iterator[None]:
    """Run the block with one other process busy on one core (``on=False``: a no-op)."""
    if not on:
        yield
        return
    ctx = mp.get_context("spawn")
    stop = ctx.Event()
    proc = ctx.Process(target=_spin, args=(stop,), daemon=True)
    proc.start()
    time.sleep(0.5)  # let it start spinning
    try:
        yield
    finally:
        stop.set()
        proc.join(5)
        if proc.is_alive():
            proc.kill()
