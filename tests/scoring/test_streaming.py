"""The two-pass streaming driver and its running top k (citymatch.scoring.streaming)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import citymatch
from citymatch import scale
from citymatch.errors import NonFiniteError
from citymatch.scoring.streaming import TopK


@settings(max_examples=200, deadline=None)
@given(
    hnp.arrays(np.float64, st.integers(1, 60), elements=st.integers(0, 6).map(float)),
    st.integers(1, 12),
    st.integers(1, 15),
)
def test_topk_keeps_the_k_best_with_ties_at_the_cut_in_source_order(scores, k, chunk):
    """Pushed chunk by chunk, TopK keeps exactly min(k, N) rows: the first k of a stable sort
    by descending score, i.e. ties at the cut go to the earliest rows."""
    rows = np.arange(len(scores), dtype=np.int64)
    top = TopK(k)
    for lo in range(0, len(scores), chunk):
        top.push(scores[lo : lo + chunk], rows[lo : lo + chunk], tag=list(rows[lo : lo + chunk]))
    got = top.ordered()
    want = np.argsort(-scores, kind="stable")[:k]
    assert got["row"].tolist() == want.tolist()
    assert list(got["tag"]) == want.tolist()
    np.testing.assert_array_equal(got["score"], scores[want])


def test_an_infinite_value_is_refused_naming_row_and_column(tmp_path):
    """+inf in one column (its min stays finite) is refused like NaN, naming the cell."""
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [1.0, 2.0, np.inf, 4.0]})
    frame.to_parquet(tmp_path / "f.parquet", index=False)
    with pytest.raises(NonFiniteError, match=r"got inf at row 2, column 'b'"):
        scale.topsis_parquet(tmp_path / "f.parquet", [1, 1], [1, -1], ["a", "b"], top=2)
    frame["b"] = [1.0, -np.inf, 3.0, 4.0]
    frame.to_parquet(tmp_path / "f.parquet", index=False)
    with pytest.raises(NonFiniteError, match=r"got -inf at row 1, column 'b'"):
        scale.topsis_parquet(tmp_path / "f.parquet", [1, 1], [1, -1], ["a", "b"], top=2)


def test_streamed_worst_fill_uses_the_filled_statistics(tmp_path):
    """missing='worst' streamed: the vector-normalisation scale includes the filled cells —
    scores equal topsis() on the filled matrix computed by hand."""
    frame = pd.DataFrame(
        {
            "id": list("abcdef"),
            "p": [3.0, np.nan, 5.0, 1.0, np.nan, 4.0],
            "q": [2.0] * 3 + [7.0] * 3,
        }
    )
    frame.to_parquet(tmp_path / "m.parquet", index=False)
    cs = citymatch.CriteriaSet(
        name="t",
        title="T",
        version="1",
        criteria=[
            {"id": "p", "label": "P", "direction": "benefit", "weight": 1},
            {"id": "q", "label": "Q", "direction": "cost", "weight": 1},
        ],
    )
    res = scale.rank_parquet(tmp_path / "m.parquet", cs, missing="worst", top=6, chunk_rows=2)
    filled = frame[["p", "q"]].fillna({"p": 1.0}).to_numpy()  # worst observed benefit = min
    want = citymatch.topsis(filled, [1, 1], [1, -1]).scores
    got = res.top.set_index("id").loc[list("abcdef"), "score"].to_numpy()
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-13)
    assert res.n_filled == 2


def test_topk_on_large_chunks_keeps_exactly_the_k_best():
    """With chunks far larger than k (where np.partition does not sort), TopK still keeps the
    exact k best, ties at the cut by row order."""
    rng = np.random.default_rng(2)
    scores = np.round(rng.uniform(size=20_000), 3)  # many ties
    rows = np.arange(scores.size, dtype=np.int64)
    for k in (1, 2, 37, 100):
        top = TopK(k)
        for lo in range(0, scores.size, 6_000):
            top.push(scores[lo : lo + 6_000], rows[lo : lo + 6_000])
        want = np.argsort(-scores, kind="stable")[:k]
        assert top.ordered()["row"].tolist() == want.tolist()


def test_an_empty_source_is_refused(tmp_path):
    """A Parquet source with no rows: a ShapeError, not an internal failure."""
    pd.DataFrame({"a": pd.Series([], dtype=float), "b": pd.Series([], dtype=float)}).to_parquet(
        tmp_path / "e.parquet", index=False
    )
    with pytest.raises(citymatch.errors.ShapeError, match=r"at least 2 rows to rank; got 0"):
        scale.topsis_parquet(tmp_path / "e.parquet", [1, 1], [1, 1], ["a", "b"], top=1)


@pytest.mark.parametrize("norm", ["vector", "sum", "max", "minmax"])
def test_streamed_worst_fill_single_holes_every_normalisation(tmp_path, norm):
    """One hole in each of two columns: the streamed statistics add the filled cells for
    every normalisation (Σx for 'sum', Σx² for 'vector') — scores equal topsis() on the
    matrix filled by hand."""
    frame = pd.DataFrame(
        {
            "id": list("abcdefg"),
            "p": [3.0, np.nan, 5.0, 1.0, 2.0, 4.0, 6.0],
            "q": [2.0, 9.0, 4.0, np.nan, 7.0, 3.0, 5.0],
        }
    )
    frame.to_parquet(tmp_path / "m.parquet", index=False)
    cs = citymatch.CriteriaSet(
        name="t",
        title="T",
        version="1",
        normalization=norm,
        criteria=[
            {"id": "p", "label": "P", "direction": "benefit", "weight": 2},
            {"id": "q", "label": "Q", "direction": "cost", "weight": 1},
        ],
    )
    res = scale.rank_parquet(tmp_path / "m.parquet", cs, missing="worst", top=7, chunk_rows=3)
    filled = frame[["p", "q"]].fillna({"p": 1.0, "q": 9.0}).to_numpy()  # worst observed
    want = citymatch.topsis(filled, [2, 1], [1, -1], normalization=norm).scores
    got = res.top.set_index("id").loc[list("abcdefg"), "score"].to_numpy()
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-13)
