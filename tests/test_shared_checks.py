"""The shared argument checks every caller goes through (issue 12: one idea, one place).

``_validate.check_int`` is the one check of a whole-number argument (a size, a sample count,
a k) for the rankings, sensitivity, Parquet and Dask paths; ``models._base.validate_model``
is the one place a document's data becomes a model.  Each test below calls the public
entry points, so a caller that went back to its own copy (another message, a bool let
through) fails here.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pandas as pd
import pytest

import citymatch
from citymatch.errors import CitymatchValueError, PortfolioError, RegisterError
from citymatch.sensitivity import (
    ahp_weight_samples,
    rank_acceptability,
    stability_intervals,
    weight_sweep,
    what_it_takes,
)

X = np.array([[1.0, 5.0], [2.0, 3.0], [3.0, 4.0], [4.0, 1.0]])
W, T = [0.5, 0.5], [1, -1]


@cache
def _ranking() -> citymatch.Ranking:
    return citymatch.rank(citymatch.datasets.load_cities(), "partnership-city")


CALLERS = {
    "Ranking.top": (lambda v: _ranking().top(v), "k", "a positive integer"),
    "weight_sweep points": (
        lambda v: weight_sweep(X, 0, W, T, points=v),
        "points",
        "an integer ≥ 2",
    ),
    "stability_intervals k": (
        lambda v: stability_intervals(X, W, T, k=v),
        "k",
        r"an integer in 1\.\.3",
    ),
    "what_it_takes k": (lambda v: what_it_takes(X, "3", W, T, k=v), "k", r"an integer in 1\.\.3"),
    "rank_acceptability chunk": (
        lambda v: rank_acceptability(X, W, T, samples=8, rng=0, chunk=v),
        "chunk",
        "a positive integer",
    ),
    "ahp_weight_samples samples": (
        lambda v: ahp_weight_samples([[1, 3], ["1/3", 1]], samples=v, rng=0),
        "samples",
        "a positive integer",
    ),
}


@pytest.mark.parametrize("caller", sorted(CALLERS))
@pytest.mark.parametrize("bad", [True, 2.0, "2", 0, -1])
def test_every_whole_number_argument_is_refused_alike(caller, bad):
    """A bool, a float, text or a value below the range: one ValueError, one wording."""
    call, name, rule = CALLERS[caller]
    with pytest.raises(CitymatchValueError, match=rf"^`{name}` must be {rule}; got "):
        call(bad)
    with pytest.raises(CitymatchValueError) as info:
        call(bad)
    assert str(info.value).endswith(f"got {bad!r}.")


@pytest.mark.parametrize("caller", sorted(CALLERS))
def test_every_whole_number_argument_takes_a_numpy_integer(caller):
    """A numpy integer in range is accepted wherever a Python int is."""
    call, _, _ = CALLERS[caller]
    call(np.int64(2))


def test_top_k_probability_states_the_ranks_counted():
    """``top_k_probability`` refuses k beyond the ranks counted, and says how many there are."""
    res = rank_acceptability(X, W, T, samples=8, rng=0)
    with pytest.raises(
        CitymatchValueError,
        match=r"^`k` must be an integer in 1\.\.4; got 5 \(ranks counted: 4\)\.$",
    ):
        res.top_k_probability(5)


def test_parquet_paths_check_top_and_chunk_rows_alike(tmp_path):
    """``topsis_parquet``/``rank_parquet`` refuse a bool ``top`` or ``chunk_rows`` as the rest do."""
    from citymatch.scale import rank_parquet, topsis_parquet

    src = tmp_path / "c.parquet"
    pd.DataFrame({"id": ["a", "b"], "x": [1.0, 2.0]}).to_parquet(src)
    with pytest.raises(
        CitymatchValueError, match=r"^`top` must be a positive integer; got True\.$"
    ):
        topsis_parquet(src, [1.0], [1], columns=["x"], top=True)
    with pytest.raises(
        CitymatchValueError, match=r"^`chunk_rows` must be a positive integer; got 0\.$"
    ):
        rank_parquet(src, "partnership-city", chunk_rows=0)


@pytest.mark.parametrize(
    ("load", "error", "where"),
    [
        (lambda p: citymatch.load_criteria(p), citymatch.errors.CriteriaFileError, "criteria file"),
        (lambda p: citymatch.portfolio.load_problem(p), PortfolioError, "portfolio problem"),
        (lambda p: citymatch.agreements.load_policy(p), RegisterError, "policy file"),
    ],
)
def test_every_document_names_the_file_and_the_field(tmp_path, load, error, where):
    """A document with an unknown field: the caller's error, naming the file and the field."""
    path = tmp_path / "doc.toml"
    path.write_text("nonsense_field = 1\n", encoding="utf-8")
    with pytest.raises(error, match=rf"^{where} '.*doc\.toml': .*nonsense_field"):
        load(path)


def test_streamed_results_share_top_table_repr_and_read_only_arrays(tmp_path):
    """Both streamed results: ``to_frame`` copies the top table, arrays are read-only, and the
    repr says how many rows were kept and where the scores went."""
    from citymatch.scale import rank_parquet, topsis_parquet

    src = tmp_path / "c.parquet"
    pd.DataFrame({"id": ["a", "b", "c"], "x": [1.0, 3.0, 2.0]}).to_parquet(src)
    scores = topsis_parquet(src, [1.0], [1], columns=["x"], top=2, output=tmp_path / "s.parquet")
    assert repr(scores) == (
        f"StreamedScores(N=3, top 2 kept, scores in {tmp_path / 's.parquet'}, vector normalisation)"
    )
    frame = scores.to_frame()
    assert frame["row"].tolist() == [1, 2]
    frame.loc[:, "score"] = 0.0
    assert scores.top is not None and (scores.top["score"] > 0).all()
    assert not scores.weights.flags.writeable
    cities = tmp_path / "cities.parquet"
    citymatch.datasets.load_cities().to_parquet(cities)
    ranked = rank_parquet(cities, "partnership-city", top=3)
    assert repr(ranked).startswith("StreamedRanking(partnership-city: ")
    assert ", top 3 kept, vector normalisation)" in repr(ranked)
    assert len(ranked.to_frame()) == 3 and not ranked.ideal.flags.writeable
    empty = topsis_parquet(src, [1.0], [1], columns=["x"], output=tmp_path / "t.parquet")
    assert empty.to_frame().empty and "top 0 kept" in repr(empty)


def test_repeated_lists_each_value_seen_twice_or_more_once_sorted():
    """``models._base.repeated`` (ids of criteria sets, portfolio projects, criteria orders)."""
    from citymatch.models._base import repeated

    assert repeated(["b", "a", "b", "c", "a", "b"]) == ["a", "b"]
    assert repeated(["x", "y"]) == []
    assert repeated(iter(["z", "z"])) == ["z"]


RAGGED = [[1.0, 2.0], [3.0]]
ARRAY_CALLERS = {
    "stability_intervals matrix": (
        lambda v: stability_intervals(v, [1, 1], [1, 1], k=1),
        "matrix",
        "a 2-D array",
    ),
    "topsis weights": (lambda v: citymatch.topsis(X, v, T), "weights", "an array"),
    "topsis ideal": (lambda v: citymatch.topsis(X, W, T, ideal=v), "ideal", "an array"),
    "ahp_group expert_weights": (
        lambda v: citymatch.ahp_group([[[1, 2], [0.5, 1]]] * 2, expert_weights=v),
        "expert_weights",
        "an array",
    ),
}


@pytest.mark.parametrize("caller", sorted(ARRAY_CALLERS))
def test_every_array_argument_refuses_ragged_lists_as_a_shape_error(caller):
    """Ragged nested lists are a bad shape (ShapeError, a ValueError) for matrices and vectors
    alike (``real_array`` used to raise a TypeError for them, ``as_matrix`` a ShapeError)."""
    call, name, what = ARRAY_CALLERS[caller]
    with pytest.raises(
        citymatch.errors.ShapeError,
        match=rf"^`{name}` must be {what} of numbers with rows of equal length; got ",
    ):
        call(RAGGED)


@pytest.mark.parametrize("caller", sorted(ARRAY_CALLERS))
def test_every_array_argument_refuses_text_and_complex_numbers(caller):
    """Text is a TypeError naming the text; a complex array is refused, never truncated."""
    call, name, what = ARRAY_CALLERS[caller]
    with pytest.raises(
        citymatch.errors.CitymatchTypeError,
        match=rf"^`{name}` must be {what} of numbers; got 'ab'\.$",
    ):
        call("ab")
    with pytest.raises(
        citymatch.errors.CitymatchTypeError,
        match=rf"^`{name}` must hold real numbers; got complex dtype complex128 \(citymatch never",
    ):
        call(np.array([[1 + 1j, 2], [3, 4]]) if name == "matrix" else np.array([1 + 1j, 1]))


def test_both_ahp_results_share_n_the_element_index_and_read_only_arrays():
    """``AHPResult`` and ``AHPBatchResult``: ``n`` elements, an ``element`` index of the labels
    (or 0..n-1), and weights that cannot be written."""
    one = citymatch.ahp([[1, 3], ["1/3", 1]], labels=["a", "b"])
    batch = citymatch.ahp_batch([[[1, 3], ["1/3", 1]], [[1, 1], [1, 1]]])
    assert one.n == 2 and batch.n == 2 and len(batch) == 2
    assert one.to_frame().index.tolist() == ["a", "b"] and one.to_frame().index.name == "element"
    frame = batch.to_frame()
    assert frame.index.tolist() == [0, 1] and frame.index.name == "element"
    assert frame.to_numpy().round(3).tolist() == [[0.75, 0.5], [0.25, 0.5]]
    for res in (one, batch):
        assert not res.weights.flags.writeable


KNOWN_CALLERS = {
    "bounds": lambda: what_it_takes(X, "3", W, T, k=1, bounds={"zz": (0, 1)}),
    "binary": lambda: what_it_takes(X, "3", W, T, k=1, binary=["zz"]),
    "intervals": lambda: rank_acceptability(
        X, W, T, samples=8, rng=0, sampler="intervals", intervals={"zz": (0, 1)}
    ),
    "order": lambda: rank_acceptability(
        X, W, T, samples=8, rng=0, sampler="ordinal", order=["zz", "c0"]
    ),
    "ideal": lambda: citymatch.rank(
        citymatch.datasets.load_cities(), "partnership-city", ideal={"zz": 1.0}
    ),
}


@pytest.mark.parametrize("name", sorted(KNOWN_CALLERS))
def test_every_mapping_by_criterion_refuses_unknown_ids_alike(name):
    """An unknown criterion id in any per-criterion argument: one message naming it and
    listing the known ids."""
    known = (
        r"\['c0', 'c1'\]"
        if name != "ideal"
        else re.escape(str(list(citymatch.load_criteria("partnership-city").ids)))
    )
    with pytest.raises(
        CitymatchValueError, match=rf"^`{name}` names unknown criteria \['zz'\]; known: {known}\.$"
    ):
        KNOWN_CALLERS[name]()
