"""Scale: streamed Parquet scoring equals in-memory scoring; Dask on a LocalCluster equals numpy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import citymatch
from citymatch import scale
from citymatch.errors import CitymatchValueError, NonFiniteError

COLS = [f"c{j}" for j in range(5)]
TYPES = [1, -1, 1, 1, -1]


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(42)
    x = rng.uniform(1, 50, size=(40_000, 5))
    w = rng.uniform(0.1, 1, size=5)
    return x, w


@pytest.fixture(scope="module")
def parquet_folder(tmp_path_factory, data):
    """A folder of 4 Parquet files, far larger than the chunk size used below."""
    x, _ = data
    folder = tmp_path_factory.mktemp("pq")
    df = pd.DataFrame(x, columns=COLS)
    df["id"] = [f"r{i:05d}" for i in range(len(df))]
    for part in range(4):
        df.iloc[part * 10_000 : (part + 1) * 10_000].to_parquet(
            folder / f"part{part}.parquet", index=False
        )
    return folder


@pytest.mark.parametrize("norm", ["vector", "minmax", "max", "sum"])
def test_streamed_equals_in_memory(parquet_folder, data, norm, tmp_path):
    """Two streaming passes over 40,000 rows in chunks of 3,000 give the in-memory scores (to
    1e-14), the same ideal points and scale, and the same top 10 in the same order."""
    x, w = data
    mem = citymatch.topsis(x, w, TYPES, normalization=norm)
    out = tmp_path / "scores.parquet"
    res = scale.topsis_parquet(
        parquet_folder,
        w,
        TYPES,
        COLS,
        normalization=norm,
        id_column="id",
        top=10,
        output=out,
        chunk_rows=3_000,
    )
    assert res.n == 40_000
    np.testing.assert_allclose(res.ideal, mem.ideal, rtol=0, atol=0)
    np.testing.assert_allclose(res.scale, mem.scale, rtol=1e-13)
    scores = pd.read_parquet(out)
    assert scores["row"].tolist() == list(range(40_000))
    np.testing.assert_allclose(scores["score"].to_numpy(), mem.scores, rtol=0, atol=1e-14)
    expected = np.lexsort((np.arange(40_000), -np.round(mem.scores, 12)))[:10]
    assert res.top["row"].tolist() == expected.tolist()
    assert res.top["id"].tolist() == [f"r{i:05d}" for i in expected]
    assert res.top["rank"].tolist() == mem.ranks[expected].tolist()


def test_float32_parquet(tmp_path, data):
    """float32 columns are reduced in float64: same answer as the in-memory kernel on float32."""
    x, w = data
    x32 = x.astype(np.float32)
    pd.DataFrame(x32, columns=COLS).to_parquet(tmp_path / "f.parquet", index=False)
    res = scale.topsis_parquet(tmp_path / "f.parquet", w, TYPES, COLS, top=5, chunk_rows=7_000)
    mem = citymatch.topsis(x32, w, TYPES)
    np.testing.assert_allclose(
        res.top["score"].to_numpy(), np.sort(mem.scores)[::-1][:5], rtol=0, atol=1e-13
    )


def test_streaming_errors_and_no_partial_file(tmp_path, data, monkeypatch):
    """Missing columns, NaN (row and column named), bad arguments; an error in pass 2 leaves no
    output file behind."""
    x, w = data
    df = pd.DataFrame(x[:1000], columns=COLS)
    path = tmp_path / "d.parquet"
    df.to_parquet(path, index=False)
    with pytest.raises(CitymatchValueError, match=r"lacks column\(s\) \['zz'\]"):
        scale.topsis_parquet(path, [1] * 5, TYPES, [*COLS[:4], "zz"], top=3)
    with pytest.raises(CitymatchValueError, match=r"give `top` .* or `output`"):
        scale.topsis_parquet(path, w, TYPES, COLS)
    with pytest.raises(
        CitymatchValueError, match=r"`chunk_rows` must be a positive integer; got 0"
    ):
        scale.topsis_parquet(path, w, TYPES, COLS, top=3, chunk_rows=0)
    bad = df.copy()
    bad.loc[700, "c3"] = np.nan
    bad.to_parquet(tmp_path / "nan.parquet", index=False)
    with pytest.raises(NonFiniteError, match=r"got nan at row 700, column 'c3'"):
        scale.topsis_parquet(tmp_path / "nan.parquet", w, TYPES, COLS, top=3, chunk_rows=300)

    calls = {"n": 0}
    real = citymatch.scoring._kernels.distances_columns

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise MemoryError("simulated failure in pass 2")
        return real(*args, **kwargs)

    monkeypatch.setattr(citymatch.scoring._kernels, "distances_columns", failing)
    target = tmp_path / "out.parquet"
    with pytest.raises(MemoryError):
        scale.topsis_parquet(path, w, TYPES, COLS, output=target, chunk_rows=300)
    assert not target.exists()
    assert not list(tmp_path.glob("*.parquet.*")) and sorted(
        p.name for p in tmp_path.iterdir()
    ) == ["d.parquet", "nan.parquet"]


def test_rank_parquet_with_a_criteria_set(tmp_path):
    """rank_parquet streams a candidate file under a criteria set and equals citymatch.rank; a
    set with screening rules is refused (they need the whole table)."""
    cities = citymatch.datasets.load_cities()
    cs = citymatch.load_criteria("partnership-city").model_copy(update={"screening": ()})
    path = tmp_path / "cities.parquet"
    cities.to_parquet(path, index=False)
    res = scale.rank_parquet(path, cs, top=5, chunk_rows=10)
    mem = citymatch.rank(cities, cs).to_frame().head(5)
    assert res.top["id"].tolist() == mem["id"].tolist()
    np.testing.assert_allclose(res.top["score"], mem["score"], atol=1e-14)
    with pytest.raises(
        CitymatchValueError, match=r"has screening rules, which need the whole table"
    ):
        scale.rank_parquet(path, "partnership-city")


# ------------------------------------------------------------------ Dask
@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as lc,
        distributed.Client(lc) as cl,
    ):
        yield cl


def test_dask_topsis_equals_numpy(client, data):
    """Scores to 1e-12 and identical ranks for non-tied candidates; topk matches numpy."""
    import dask.array as da

    x, w = data
    xd = da.from_array(x[:20_000], chunks=(3_000, 5))
    mem = citymatch.topsis(x[:20_000], w, TYPES)
    s = scale.topsis_dask(xd, w, TYPES, client=client)
    got = client.compute(s, sync=True)
    np.testing.assert_allclose(got, mem.scores, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(citymatch.results.rank_scores(got), mem.ranks)
    top = scale.topk(s, 7, client=client)
    assert top["row"].tolist() == np.argsort(-mem.scores, kind="stable")[:7].tolist()


def test_dask_dataframe_and_parquet_inputs(client, parquet_folder, data):
    """A dask dataframe and a Parquet path give the same scores as the array."""
    import dask.dataframe as dd

    x, w = data
    mem = citymatch.topsis(x, w, TYPES, normalization="minmax")
    ddf = dd.read_parquet(str(parquet_folder))
    s1 = client.compute(
        scale.topsis_dask(ddf, w, TYPES, columns=COLS, normalization="minmax", client=client),
        sync=True,
    )
    s2 = client.compute(
        scale.topsis_dask(
            str(parquet_folder), w, TYPES, columns=COLS, normalization="minmax", client=client
        ),
        sync=True,
    )
    np.testing.assert_allclose(s1, mem.scores, atol=1e-12)
    np.testing.assert_allclose(s2, mem.scores, atol=1e-12)


def test_dask_rank_acceptability_matches_in_memory(client, data):
    """Chunked over samples and candidates, the Dask acceptability equals the in-memory SMAA-2
    with the same seed (same weight blocks), independent of the chunking."""
    import dask.array as da

    from citymatch import sensitivity as sa

    x, w = data
    small = x[:3_000]
    mem = sa.rank_acceptability(small, w, TYPES, samples=1500, rng=9)
    a = scale.rank_acceptability_dask(
        da.from_array(small, chunks=(1_000, 5)), w, TYPES, samples=1500, k=3, rng=9, client=client
    ).set_index("row")
    b = scale.rank_acceptability_dask(
        da.from_array(small, chunks=(700, 5)),
        w,
        TYPES,
        samples=1500,
        k=3,
        rng=9,
        block=100,
        client=client,
    ).set_index("row")
    pd.testing.assert_frame_equal(a.sort_index(), b.sort_index())
    np.testing.assert_allclose(a["p_first"].to_numpy(), mem.acceptability[a.index, 0], atol=1e-12)
    np.testing.assert_allclose(
        a["p_top_k"].to_numpy(), mem.top_k_probability(3).to_numpy()[a.index], atol=1e-12
    )


def test_dask_with_worker_processes(data):
    """One smoke test with worker processes, to catch pickling problems."""
    distributed = pytest.importorskip("distributed")
    import dask.array as da

    x, w = data
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as lc,
        distributed.Client(lc) as cl,
    ):
        got = cl.compute(
            scale.topsis_dask(da.from_array(x[:5_000], chunks=(1_000, 5)), w, TYPES, client=cl),
            sync=True,
        )
    np.testing.assert_allclose(got, citymatch.topsis(x[:5_000], w, TYPES).scores, atol=1e-12)
