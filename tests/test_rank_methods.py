"""rank(method=...): every scoring method through the one in-memory ranking path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import citymatch as cm
from citymatch.errors import CitymatchValueError


@pytest.fixture
def ranked(cities_csv):
    return cm.rank(cities_csv, "partnership-city")


@pytest.mark.parametrize(
    ("method", "options", "call"),
    [
        ("vikor", {"v": 0.3}, lambda x, w, t: cm.vikor(x, w, t, v=0.3)),
        ("promethee", {"preference": "linear", "q": 0.0, "p": 1.0},
         lambda x, w, t: cm.promethee(x, w, t, preference="linear", q=0.0, p=1.0)),
        ("wsm", {"normalization": "minmax"}, lambda x, w, t: cm.wsm(x, w, t, normalization="minmax")),
        ("copras", {}, None),
    ],
)  # fmt: skip
def test_rank_scores_the_screened_matrix_with_the_method(ranked, cities_csv, method, options, call):
    """Same screening and matrix as TOPSIS; scores and ranks are the method's own on it."""
    got = cm.rank(cities_csv, "partnership-city", method=method, method_options=options)
    assert set(got.matrix.index) == set(ranked.matrix.index)
    x = got.matrix.to_numpy()
    w, t = got.weights.to_numpy(), got.criteria.types
    ref = (call or cm.copras)(x, w, t)
    by_id = got.table.set_index("id")
    np.testing.assert_allclose(by_id.loc[got.matrix.index, "score"], ref.scores, atol=1e-12)
    np.testing.assert_array_equal(by_id.loc[got.matrix.index, "rank"], ref.ranks)
    assert got.method == ref.method
    assert list(got.table["rank"]) == sorted(got.table["rank"])  # best first


def test_vikor_columns_and_orientation(cities_csv):
    """VIKOR's S and R are columns; the lowest Q is ranked first."""
    got = cm.rank(cities_csv, "partnership-city", method="VIKOR")
    assert {"S", "R"} <= set(got.table.columns) and "d_ideal" not in got.table.columns
    assert got.table["score"].iloc[0] == got.table["score"].min()
    assert "VIKOR" in repr(got)
    with pytest.raises(CitymatchValueError, match="this ranking used VIKOR, not TOPSIS"):
        got.topsis_result  # noqa: B018
    with pytest.raises(CitymatchValueError, match="draws TOPSIS contributions"):
        got.plot()


def test_a_criteria_set_names_its_method(cities_csv):
    """A set with method = "wsm" ranks by WSM unless the call overrides it."""
    base = cm.load_criteria("partnership-city")
    cs = base.model_copy(update={"method": "wsm", "method_options": {"normalization": "sum"}})
    cs = cm.CriteriaSet.model_validate(cs.model_dump())
    got = cm.rank(cities_csv, cs)
    x = got.matrix.to_numpy()
    ref = cm.wsm(x, got.weights.to_numpy(), cs.types, normalization="sum")
    np.testing.assert_allclose(got.table.set_index("id").loc[got.matrix.index, "score"], ref.scores)
    assert cm.rank(cities_csv, cs, method="topsis").method == "TOPSIS"


def test_method_errors_name_the_rule(cities_csv):
    """Unknown methods, foreign options and TOPSIS-only settings are refused clearly."""
    with pytest.raises(CitymatchValueError, match="`method` must be one of"):
        cm.rank(cities_csv, "partnership-city", method="electre")
    with pytest.raises(CitymatchValueError, match="may only set v; got lam"):
        cm.rank(cities_csv, "partnership-city", method="vikor", method_options={"lam": 0.5})
    with pytest.raises(CitymatchValueError, match="are TOPSIS settings"):
        cm.rank(cities_csv, "partnership-city", method="vikor", normalization="minmax")
    bad = cm.load_criteria("partnership-city").model_dump()
    bad["method"] = "vikor"
    bad["method_options"] = {"q": 1}
    with pytest.raises(ValueError, match="may only set v; got q"):
        cm.CriteriaSet.model_validate(bad)


def test_pandas_frame_in(cities_csv):
    """A DataFrame source ranks the same as its CSV."""
    frame = pd.read_csv(cities_csv)
    a = cm.rank(frame, "partnership-city", method="spotis")
    b = cm.rank(cities_csv, "partnership-city", method="spotis")
    pd.testing.assert_frame_equal(a.table, b.table)
