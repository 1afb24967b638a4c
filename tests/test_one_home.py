"""Each idea has one implementation, and the copies that had drifted now agree (issue 12).

Every test here failed on the code before the redesign, where the idea lived in several
copies that behaved differently.
"""

from __future__ import annotations

import os
import stat

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import citymatch
from citymatch import scale
from citymatch import sensitivity as sa
from citymatch._util import atomic_write, file_mode
from citymatch.scoring import _jit, _kernels
from strategies import problems

TYPES = [1, 1, -1]


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0"
        ) as lc,
        distributed.Client(lc) as cl,
    ):
        yield cl


def _twins_at_the_top():
    """Candidates 0 and 3 are identical and dominate everyone: they always tie for first."""
    rng = np.random.default_rng(5)
    x = rng.uniform(1, 5, size=(12, 3))
    x[0] = [9.0, 9.0, 0.5]
    x[3] = x[0]
    return x


def test_dask_acceptability_splits_ties_like_in_memory(client):
    """Two identical best candidates share first place 0.5 / 0.5 in memory and on Dask (the
    Dask copy used to give one of them 1.0 and the other 0)."""
    import dask.array as da

    x = _twins_at_the_top()
    w = [1.0, 1.0, 1.0]
    mem = sa.rank_acceptability(x, w, TYPES, samples=300, rng=4)
    np.testing.assert_allclose(mem.acceptability[[0, 3], 0], [0.5, 0.5], atol=1e-12)
    got = scale.rank_acceptability_dask(
        da.from_array(x, chunks=(5, 3)), w, TYPES, samples=300, k=1, rng=4, client=client
    ).set_index("row")
    assert sorted(got.index) == [0, 3]
    np.testing.assert_allclose(got.loc[[0, 3], "p_first"], [0.5, 0.5], atol=1e-12)
    np.testing.assert_allclose(got.loc[[0, 3], "p_top_k"], [0.5, 0.5], atol=1e-12)
    top3 = scale.rank_acceptability_dask(
        da.from_array(x, chunks=(4, 3)), w, TYPES, samples=300, k=3, rng=4, client=client
    ).set_index("row")
    want = mem.acceptability[:, :3].sum(axis=1)
    np.testing.assert_allclose(top3["p_top_k"], want[top3.index], atol=1e-12)
    assert set(top3.index) == set(np.flatnonzero(want > 0))


def test_the_compiled_closeness_is_the_numpy_closeness():
    """The compiled kernels' closeness (its one scalar twin) equals kernels.closeness,
    the tie rule included: both distances zero → 0.5."""
    pytest.importorskip("numba")
    if not _jit.AVAILABLE:
        pytest.skip("compiled kernels switched off (CITYMATCH_JIT=0)")
    _jit._kernel("dist_rows")  # compiles closeness1 too
    twin = _jit.closeness1
    rng = np.random.default_rng(3)
    dp = np.concatenate([rng.uniform(0, 2, 500), [0.0, 0.0, 1.0, 0.0]])
    dm = np.concatenate([rng.uniform(0, 2, 500), [0.0, 1.0, 0.0, 0.0]])
    want = _kernels.closeness(dp, dm)
    got = np.array([twin(p, q) for p, q in zip(dp, dm, strict=True)])
    np.testing.assert_array_equal(got, want)
    assert want[-1] == 0.5 and want[-3] == 1.0 and want[-2] == 0.0


def test_every_topsis_path_gives_all_tied_candidates_one_half():
    """A matrix whose columns are all constant: every path scores every candidate 0.5."""
    x = np.full((6, 3), 2.0)
    w = [1.0, 2.0, 3.0]
    one = citymatch.topsis(x, w, TYPES)
    batch = citymatch.topsis(x, np.array([w, [3.0, 2.0, 1.0]]), TYPES)
    np.testing.assert_array_equal(one.scores, 0.5)
    np.testing.assert_array_equal(batch.scores, 0.5)
    res = sa.rank_acceptability(x, w, TYPES, samples=50, rng=0)
    np.testing.assert_allclose(res.acceptability, 1 / 6, atol=1e-12)


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_atomic_outputs_get_the_umask_mode(tmp_path, umask):
    """The one atomic write gives a new file the mode open() would (0o666 & ~umask), for
    text and for a streamed Parquet output (which used to be 0600 under any umask)."""
    pytest.importorskip("pyarrow")
    old = os.umask(umask)
    try:
        assert file_mode() == 0o666 & ~umask
        text = atomic_write(tmp_path / "a.csv", "x,y\n1,2\n")
        frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [3.0, 1.0, 2.0]})
        frame.to_parquet(tmp_path / "in.parquet", index=False)
        out = tmp_path / "scores.parquet"
        scale.topsis_parquet(tmp_path / "in.parquet", [1, 1], [1, 1], ["a", "b"], output=out)
    finally:
        os.umask(old)
    for path in (text, out):
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "in.parquet", "scores.parquet"]


def test_atomic_write_leaves_nothing_behind_on_interrupt(tmp_path, monkeypatch):
    """An interrupt inside the write leaves the old file intact and no temporary file."""
    from citymatch import _util

    target = tmp_path / "keep.txt"
    target.write_text("old", encoding="utf-8")

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(_util.os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_streamed_output_may_not_overwrite_its_source(tmp_path):
    """An output equal to the source, or inside the source folder, is refused before any pass."""
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [3.0, 1.0, 2.0]})
    path = tmp_path / "in.parquet"
    frame.to_parquet(path, index=False)
    with pytest.raises(citymatch.errors.CitymatchValueError, match=r"must not be the source"):
        scale.topsis_parquet(path, [1, 1], [1, 1], ["a", "b"], output=path)
    with pytest.raises(citymatch.errors.CitymatchValueError, match=r"inside the source folder"):
        scale.topsis_parquet(tmp_path, [1, 1], [1, 1], ["a", "b"], output=tmp_path / "o.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(path), frame)


def test_import_loads_only_the_light_core():
    """`import citymatch` loads the scoring core only: no scipy, service, portfolio, agreements,
    sensitivity, Dask or plotting until first use — and then the names resolve.  (pyarrow is
    not in the list: pandas 3 itself imports it when it is installed.)"""
    import subprocess
    import sys

    heavy = [
        "scipy",
        "pymcdm",
        "fastapi",
        "dask",
        "matplotlib",
        "numba",
        "citymatch.portfolio",
        "citymatch.agreements",
        "citymatch.sensitivity",
        "citymatch.scale",
    ]
    code = (
        "import sys, citymatch; "
        f"print([m for m in {heavy!r} if m in sys.modules]); "
        "citymatch.optimize_portfolio; citymatch.sensitivity.rank_acceptability; "
        "print('scipy' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[0] == "[]"
    assert out[1] == "True"  # resolved on first use


@settings(max_examples=12, deadline=None)
@given(problems(min_n=3, max_n=9, min_m=2, max_m=4), st.integers(0, 2**31), st.integers(1, 3))
def test_same_seed_same_acceptability_in_memory_and_on_dask(problem, seed, k):
    """Property: with the same seed, the Dask SMAA (first place and top k, ties split) equals
    the in-memory acceptability for any problem — exact ties included (the grid data of
    the strategy makes identical candidates common)."""
    import dask
    import dask.array as da

    x, w, t = problem
    k = min(k, x.shape[0])
    mem = sa.rank_acceptability(x, w, t, samples=150, rng=seed)
    with dask.config.set(scheduler="synchronous"):
        got = scale.rank_acceptability_dask(
            da.from_array(x, chunks=(4, x.shape[1])), w, t, samples=150, k=k, rng=seed, block=64
        ).set_index("row")
    p_first = np.zeros(x.shape[0])
    p_top = np.zeros(x.shape[0])
    p_first[got.index] = got["p_first"]
    p_top[got.index] = got["p_top_k"]
    np.testing.assert_allclose(p_first, mem.acceptability[:, 0], atol=1e-9)
    np.testing.assert_allclose(p_top, mem.acceptability[:, :k].sum(axis=1), atol=1e-9)
