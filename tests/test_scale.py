"""Scale: streamed Parquet scoring equals in-memory scoring; Dask on a LocalCluster equals numpy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import citymatch
from citymatch import scale
from citymatch.errors import (
    CandidateDataError,
    CitymatchError,
    CitymatchTypeError,
    CitymatchValueError,
    NonFiniteError,
)
from citymatch.models.criteria import ScreeningRule

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


@pytest.mark.parametrize("compiled", [False, True], ids=["numpy", "compiled"])
@pytest.mark.parametrize("norm", ["vector", "minmax", "max", "sum"])
def test_streamed_equals_in_memory(parquet_folder, data, norm, compiled, tmp_path, monkeypatch):
    """Two streaming passes over 40,000 rows in chunks of 3,000 give the in-memory scores (to
    1e-14), the same ideal points and scale, and the same top 10 in the same order — with the
    numpy chunk kernels and with the compiled ones."""
    from citymatch.scoring import _kernels

    monkeypatch.setattr(_kernels, "JIT_MIN_CHUNK_CELLS", 0 if compiled else 10**18)
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


def test_topsis_is_in_memory_only_and_names_the_streaming_entry_point(parquet_folder, data):
    """topsis() has one return type: a path is refused with a pointer to topsis_parquet."""
    _x, w = data
    for path in (parquet_folder, str(parquet_folder)):
        with pytest.raises(CitymatchTypeError, match=r"citymatch.scale.topsis_parquet\(path"):
            citymatch.topsis(path, w, TYPES)


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
    real = citymatch.scoring._kernels.chunk_distances

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise MemoryError("simulated failure in pass 2")
        return real(*args, **kwargs)

    monkeypatch.setattr(citymatch.scoring._kernels, "chunk_distances", failing)
    target = tmp_path / "out.parquet"
    with pytest.raises(MemoryError):
        scale.topsis_parquet(path, w, TYPES, COLS, output=target, chunk_rows=300)
    assert not target.exists()
    assert not list(tmp_path.glob("*.parquet.*")) and sorted(
        p.name for p in tmp_path.iterdir()
    ) == ["d.parquet", "nan.parquet"]


def _split_parquet(frame, folder, parts=3):
    folder.mkdir()
    bounds = np.linspace(0, len(frame), parts + 1).astype(int)
    for i in range(parts):
        frame.iloc[bounds[i] : bounds[i + 1]].to_parquet(folder / f"p{i}.parquet", index=False)
    return folder


def _assert_same_ranking(streamed, mem, *, k=None):
    top = streamed.top
    want = mem.table if k is None else mem.table.head(k)
    cols = [c for c in want.columns if c not in ("score", "d_ideal", "d_anti_ideal")]
    cols = [c for c in cols if not c.startswith("contrib_")]
    pd.testing.assert_frame_equal(
        top[cols].reset_index(drop=True), want[cols].reset_index(drop=True), check_dtype=False
    )
    num = [c for c in want.columns if c not in cols]
    np.testing.assert_allclose(top[num].to_numpy(float), want[num].to_numpy(float), atol=1e-13)
    assert streamed.n == len(mem.table)
    np.testing.assert_allclose(streamed.ideal, mem.result.ideal, rtol=1e-14)
    np.testing.assert_allclose(streamed.scale, mem.result.scale, rtol=1e-13)


def test_streamed_rank_equals_in_memory_with_screening(tmp_path):
    """citymatch.rank on a Parquet folder with top=k streams in chunks and gives the in-memory
    answer, screening rules included: the table-wide 'one per region' rule is counted over
    every chunk (pass 0), not per chunk."""
    cities = citymatch.datasets.load_cities()
    folder = _split_parquet(cities, tmp_path / "cities")
    mem = citymatch.rank(cities, "partnership-city")
    streamed = scale.rank_parquet(folder, "partnership-city", top=len(cities), chunk_rows=7)
    assert isinstance(streamed, scale.StreamedRanking)
    _assert_same_ranking(streamed, mem)
    assert streamed.n_excluded == len(mem.excluded) > 0
    pd.testing.assert_frame_equal(
        streamed.excluded.sort_values("id").reset_index(drop=True),
        mem.excluded.sort_values("id").reset_index(drop=True),
    )
    # The group rule really spans chunks: per-chunk counting would exclude fewer.
    rule = next(r for r in mem.criteria.screening if r.kind == "max_per_group")
    assert (mem.excluded["rule"].str.contains(rule.id)).any()
    # top=k keeps exactly the in-memory head.
    head = scale.rank_parquet(folder, "partnership-city", top=5, chunk_rows=11)
    _assert_same_ranking(head, mem, k=5)


@pytest.mark.parametrize("missing", ["drop", "worst"])
def test_streamed_rank_handles_missing_values_like_in_memory(tmp_path, missing):
    rng = np.random.default_rng(8)
    n = 500
    frame = pd.DataFrame(rng.uniform(1, 9, size=(n, 3)), columns=["a", "b", "c"])
    frame.insert(0, "id", [f"k{i}" for i in range(n)])
    frame.loc[rng.choice(n, 40, replace=False), "b"] = np.nan
    frame.loc[rng.choice(n, 25, replace=False), "c"] = np.nan
    cs = _set_on("a", "b", "c", weights=(2, 1, 1), directions=("benefit", "cost", "benefit"))
    folder = _split_parquet(frame, tmp_path / "m", parts=4)
    mem = citymatch.rank(frame, cs, missing=missing)
    out = tmp_path / "all.parquet"
    streamed = scale.rank_parquet(folder, cs, missing=missing, top=n, output=out, chunk_rows=64)
    _assert_same_ranking(streamed, mem)
    if missing == "worst":
        assert streamed.n_filled == len(mem.filled) == 65

        def by_cell(f):
            return f.sort_values(["criterion", "id"]).reset_index(drop=True)

        pd.testing.assert_frame_equal(by_cell(streamed.filled), by_cell(mem.filled))
    else:
        assert streamed.n_excluded == len(mem.excluded) > 0
    written = pd.read_parquet(out).sort_values("score", ascending=False, kind="stable")
    np.testing.assert_allclose(
        written["score"].to_numpy(), mem.table["score"].to_numpy(), atol=1e-13
    )
    assert set(written["id"]) == set(mem.table["id"])


def test_streamed_rank_errors_match_in_memory(tmp_path):
    frame = pd.DataFrame({"id": ["a", "b", "c"], "x": [1.0, np.nan, 3.0], "y": [1.0, 2.0, 3.0]})
    cs = _set_on("x", "y")
    path = tmp_path / "f.parquet"
    frame.to_parquet(path, index=False)
    with pytest.raises(CandidateDataError) as mem_err:
        citymatch.rank(path, cs)  # the same file in memory: both errors name it
    target = tmp_path / "out.parquet"
    with pytest.raises(CandidateDataError) as stream_err:
        scale.rank_parquet(path, cs, top=None, output=target, chunk_rows=1)
    assert str(stream_err.value) == str(mem_err.value)
    assert not target.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["f.parquet"]
    with pytest.raises(CitymatchValueError, match=r"`source` must be a path to a Parquet"):
        scale.rank_parquet(frame, cs, top=2)
    with pytest.raises(CitymatchValueError, match=r"`top` must be a positive integer; got 0"):
        scale.rank_parquet(path, cs, top=0)
    with pytest.raises(CitymatchValueError, match=r"`output` must be in an existing folder"):
        scale.rank_parquet(path, cs, output=tmp_path / "no" / "such" / "out.parquet")
    with pytest.raises(CitymatchValueError, match=r"`chunk_rows` must be a positive integer"):
        scale.rank_parquet(path, cs, top=1, chunk_rows=0)
    with pytest.raises(CandidateDataError, match=r"lacks column\(s\) \['zz'\]"):
        scale.rank_parquet(path, _set_on("zz", "y"), top=1)


def _set_on(*cols, weights=None, directions=None):
    weights = weights or [1] * len(cols)
    directions = directions or ["benefit"] * len(cols)
    return citymatch.CriteriaSet(
        name="t",
        title="T",
        version="1",
        criteria=[
            {"id": c, "label": c.upper(), "direction": d, "weight": w}
            for c, w, d in zip(cols, weights, directions, strict=True)
        ],
    )


def test_rank_parquet_is_the_streamed_rank(tmp_path):
    cities = citymatch.datasets.load_cities()
    path = tmp_path / "cities.parquet"
    cities.to_parquet(path, index=False)
    res = scale.rank_parquet(path, "partnership-city", top=5, chunk_rows=10)
    mem = citymatch.rank(cities, "partnership-city")
    _assert_same_ranking(res, mem, k=5)


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
    np.testing.assert_array_equal(citymatch.scoring.ranks.rank_scores(got), mem.ranks)
    top = scale.topk(s, 7, client=client)
    assert top["row"].tolist() == np.argsort(-mem.scores, kind="stable")[:7].tolist()


@pytest.mark.parametrize("norm", ["vector", "minmax", "sum"])
def test_dask_float32_blocks_and_non_finite_values(client, data, norm):
    """float32 blocks are reduced in float64 like the in-memory kernel; a NaN or inf in any
    block is refused, naming the problem."""
    import dask.array as da

    x, w = data
    x32 = x[:9_000].astype(np.float32)
    mem = citymatch.topsis(x32, w, TYPES, normalization=norm)
    got = client.compute(
        scale.topsis_dask(
            da.from_array(x32, chunks=(2_000, 5)), w, TYPES, normalization=norm, client=client
        ),
        sync=True,
    )
    np.testing.assert_allclose(got, mem.scores, rtol=0, atol=1e-12)
    for bad in (np.nan, np.inf):
        y = x[:9_000].copy()
        y[6_500, 3] = bad
        with pytest.raises(NonFiniteError, match="only finite numbers"):
            scale.topsis_dask(da.from_array(y, chunks=(2_000, 5)), w, TYPES, client=client)


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


@st.composite
def _candidate_tables(draw):
    n = draw(st.integers(2, 40))
    vals = st.sampled_from([None, *range(9)])  # about one value in ten missing
    frame = pd.DataFrame(
        {
            "id": [f"c{i}" for i in range(n)],
            "a": draw(st.lists(st.integers(0, 8).map(float), min_size=n, max_size=n)),
            "b": draw(st.lists(vals, min_size=n, max_size=n)),
            "region": draw(st.lists(st.sampled_from("xyz"), min_size=n, max_size=n)),
            "held": draw(st.lists(st.sampled_from([False] * 4 + [True]), min_size=n, max_size=n)),
            "kind": draw(
                st.lists(st.sampled_from(["city"] * 4 + ["port"]), min_size=n, max_size=n)
            ),
        }
    )
    frame["b"] = frame["b"].astype(float)
    return frame


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    frame=_candidate_tables(),
    chunk=st.integers(1, 17),
    missing=st.sampled_from(["drop", "worst"]),
    cap=st.integers(1, 3),
    norm=st.sampled_from(["vector", "minmax"]),
)
def test_streamed_rank_equals_in_memory_property(frame, chunk, missing, cap, norm):
    """For any table, chunking, missing-value policy and group cap, the streamed rank gives
    the in-memory answer — or the same error."""
    import tempfile
    from pathlib import Path

    cs = _set_on("a", "b", directions=("benefit", "cost")).model_copy(
        update={
            "applies_to": ("city",),
            "screening": (
                ScreeningRule(
                    id="per_region",
                    description="cap per region",
                    kind="max_per_group",
                    column="region",
                    occupied="held",
                    max=cap,
                ),
                ScreeningRule(
                    id="not_held",
                    description="held",
                    kind="exclude",
                    column="held",
                    op="==",
                    value=True,
                ),
            ),
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.parquet"
        frame.to_parquet(path, index=False)
        mem, mem_error = None, None
        try:
            mem = citymatch.rank(frame, cs, missing=missing, normalization=norm)
        except CitymatchError as exc:
            mem_error = exc
        if mem_error is not None:
            with pytest.raises(type(mem_error)) as mem_file:  # the same file in memory
                citymatch.rank(path, cs, missing=missing, normalization=norm)
            with pytest.raises(type(mem_error)) as got:
                scale.rank_parquet(
                    path, cs, missing=missing, normalization=norm, top=5, chunk_rows=chunk
                )
            assert str(got.value) == str(mem_file.value)
            return
        res = scale.rank_parquet(
            path, cs, missing=missing, normalization=norm, top=len(frame), chunk_rows=chunk
        )
    _assert_same_ranking(res, mem)
    key = ["id", "rule"]
    pd.testing.assert_frame_equal(
        res.excluded.sort_values(key).reset_index(drop=True),
        mem.excluded.sort_values(key).reset_index(drop=True),
    )


def test_in_memory_rank_of_a_parquet_source_too_large_for_memory_points_to_streaming(
    tmp_path, monkeypatch
):
    """Without top/output a Parquet source is ranked in memory — unless its footers say it
    cannot fit, in which case the error says how to stream it; streaming still works."""
    import importlib

    candidates_module = importlib.import_module("citymatch.candidates")

    cities = citymatch.datasets.load_cities()
    path = tmp_path / "cities.parquet"
    cities.to_parquet(path, index=False)
    assert len(citymatch.rank(path, "partnership-city").table) > 0  # fits: in memory
    monkeypatch.setattr(candidates_module, "_physical_memory", lambda: 10_000)
    with pytest.raises(
        CandidateDataError, match=r"more than an in-memory ranking can hold.*rank_parquet\(path"
    ):
        citymatch.rank(path, "partnership-city")
    assert len(scale.rank_parquet(path, "partnership-city", top=3).top) == 3


def test_streamed_errors_come_in_the_in_memory_order(tmp_path):
    """One candidate left whose criterion is missing, under ``missing="worst"``: both paths
    name the column with no value first (the stream used to say "1 left" instead; found by
    the property test above with another seed)."""
    cs = _set_on("a", "b", directions=("benefit", "cost"))
    frame = pd.DataFrame({"id": ["x"], "a": [1.0], "b": [np.nan]})
    path = tmp_path / "one.parquet"
    frame.to_parquet(path, index=False)
    with pytest.raises(CitymatchError) as mem:
        citymatch.rank(path, cs, missing="worst")  # the same file in memory
    with pytest.raises(CitymatchError) as got:
        scale.rank_parquet(path, cs, missing="worst", top=5)
    assert "column 'b' is missing for every candidate" in str(mem.value)
    assert str(got.value) == str(mem.value)
