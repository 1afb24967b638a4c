"""Threaded scoring survives ``os.fork`` (found by the mutation run, whose workers are forks)."""

from __future__ import annotations

import os

import numpy as np
import pytest

import citymatch
from citymatch.scoring import _kernels
from helpers import child_report


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_threaded_scoring_works_in_a_forked_child():
    """A child forked after a threaded TOPSIS scores with threads too, and gets the same scores.

    The worker pool is created once per process; a forked child inherits the pool object but
    not its threads, so it must build its own instead of waiting forever on the parent's.
    """
    rng = np.random.default_rng(3)
    x = rng.random((3 * _kernels.BLOCK_ROWS, 3))
    w, t = [0.5, 0.3, 0.2], [1, -1, 1]
    expected = citymatch.topsis(x, w, t, threads=2).scores  # creates the pool in this process
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: score with threads, report, exit without running pytest's teardown
        try:
            got = citymatch.topsis(x, w, t, threads=2).scores
            os.write(write_end, b"same" if np.array_equal(got, expected) else b"different")
        finally:
            os._exit(0)
    os.close(write_end)
    hung = "the forked child hung in its threaded TOPSIS (the parent's pool, no threads)"
    assert child_report(pid, read_end, 60, hung) == b"same"
