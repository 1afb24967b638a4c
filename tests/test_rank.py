"""rank(): tables and files in, an explained Ranking out; screening; missing values; errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import citymatch
from citymatch.errors import CandidateDataError, CitymatchTypeError, NonFiniteError, ScreeningError

CS = citymatch.CriteriaSet(
    name="demo",
    title="Demo",
    version="1",
    criteria=[
        {"id": "trade", "label": "Trade", "direction": "benefit", "weight": 2, "range": [0, 100]},
        {"id": "cost", "label": "Cost", "column": "cost_musd", "direction": "cost", "weight": 1},
    ],
)


def frame():
    return pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "name": ["Alpha", "Beta", "Gamma", "Delta"],
            "kind": ["city"] * 4,
            "trade": [3.0, 5.0, 4.0, 5.0],
            "cost_musd": [1.0, 3.0, 2.0, 3.0],
        }
    )


def test_rank_table_columns_and_order():
    """to_frame: id, name, kind, score, rank, distances, contrib per criterion; best first;
    ties share a rank."""
    r = citymatch.rank(frame(), CS)
    t = r.to_frame()
    assert list(t.columns) == [
        "id",
        "name",
        "kind",
        "score",
        "rank",
        "d_ideal",
        "d_anti_ideal",
        "contrib_trade",
        "contrib_cost",
    ]
    assert t["score"].is_monotonic_decreasing
    assert t.set_index("id").loc[["b", "d"], "rank"].tolist() == [1, 1]
    assert t["rank"].tolist() == [1, 1, 3, 4]


def test_scores_equal_the_kernel():
    """rank() scores equal topsis() on the same matrix, weights and types."""
    r = citymatch.rank(frame(), CS)
    x = frame()[["trade", "cost_musd"]].to_numpy()
    k = citymatch.topsis(x, [2, 1], [1, -1])
    got = r.to_frame().set_index("id").loc[["a", "b", "c", "d"], "score"].to_numpy()
    np.testing.assert_allclose(got, k.scores, rtol=0, atol=0)


def test_contributions_decompose_the_score(cities_csv):
    """score = 0.5 + Σ contrib_j exactly (to rounding) for every candidate."""
    r = citymatch.rank(cities_csv, "partnership-city")
    t = r.to_frame()
    contrib = t[[c for c in t.columns if c.startswith("contrib_")]].sum(axis=1)
    np.testing.assert_allclose(t["score"], 0.5 + contrib, rtol=0, atol=1e-14)


def test_input_frame_not_mutated():
    """The caller's DataFrame is unchanged (values, dtypes, index)."""
    df = frame()
    df.loc[1, "trade"] = np.nan
    before = df.copy()
    citymatch.rank(df, CS, missing="worst")
    pd.testing.assert_frame_equal(df, before)


def test_top_k_and_accessors():
    """top(k) keeps every candidate with rank ≤ k (ties at the cut included); scores by id."""
    r = citymatch.rank(frame(), CS)
    assert r.top(1)["id"].tolist() == ["b", "d"]
    assert len(r.top(3)) == 3
    assert r.scores.index.tolist()[:2] == ["b", "d"]
    with pytest.raises(ValueError, match=r"`k` must be a positive integer; got 0"):
        r.top(0)
    assert "demo v1 · TOPSIS, vector normalisation · 4 ranked × 2 criteria" in repr(r)
    assert "<table" in r._repr_html_()


def test_weight_and_normalization_override():
    """weights= and normalization= override the set for one call."""
    r = citymatch.rank(frame(), CS, weights={"trade": 1, "cost": 0}, normalization="minmax")
    assert r.weights.to_dict() == {"trade": 1.0, "cost": 0.0}
    assert r.result.normalization == "minmax"
    assert r.to_frame()["id"].tolist()[:2] == ["b", "d"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_reads_files(tmp_path, suffix):
    """CSV, Parquet and XLSX paths give the same ranking as the DataFrame."""
    path = tmp_path / f"cands{suffix}"
    df = frame()
    {
        ".csv": lambda: df.to_csv(path, index=False),
        ".parquet": lambda: df.to_parquet(path),
        ".xlsx": lambda: df.to_excel(path, index=False),
    }[suffix]()
    a = citymatch.rank(path, CS).to_frame()
    b = citymatch.rank(df, CS).to_frame()
    pd.testing.assert_frame_equal(a, b)


def test_namibia_is_not_missing(tmp_path):
    """A CSV whose country code is 'NA' (Namibia) keeps it as a string, not a missing value."""
    path = tmp_path / "na.csv"
    df = frame().assign(country_iso2=["NA", "CA", "US", "MX"])
    df.to_csv(path, index=False)
    rule = citymatch.ScreeningRule(
        id="not_na", description="d", kind="exclude", column="country_iso2", op="==", value="NA"
    )
    cs = CS.model_copy(update={"screening": (rule,)})
    r = citymatch.rank(path, cs)
    assert r.excluded["id"].tolist() == ["a"]


def test_example_cities_rank_and_screen(cities_csv):
    """The shipped example ranks; current partners are screened out with their reason, and the
    one-per-region rule names the region already held."""
    r = citymatch.rank(cities_csv, "partnership-city")
    ex = r.excluded.set_index("id")
    assert "already_partner" in ex.loc["chicago", "rule"]
    assert "program_region 'USA' already holds 1 relationship(s)" in ex.loc["boston", "reason"]
    assert "no_other_canadian_twin" in ex.loc["shanghai", "rule"]
    assert set(r.to_frame()["id"]).isdisjoint(ex.index)
    assert len(r.to_frame()) + len(ex) == len(pd.read_csv(cities_csv))


def test_screening_off_and_applies_to(cities_csv):
    """screening=False scores everyone; a set's applies_to excludes other kinds with a reason."""
    r = citymatch.rank(cities_csv, "partnership-city", screening=False)
    assert len(r.excluded) == 0 and len(r.to_frame()) == 68
    df = frame()
    df.loc[0, "kind"] = "museum_library"
    cs = CS.model_copy(update={"applies_to": ("city",)})
    r = citymatch.rank(df, cs)
    assert r.excluded.loc[0, "reason"].startswith("kind 'museum_library' is not covered")


def test_screening_rule_kinds():
    """require / exclude / max_per_group / max_total each exclude the right rows; all failing
    rules are listed."""
    df = frame().assign(
        region=["X", "X", "Y", "Z"], active=[1, 0, 0, 0], diplomatic=[True, True, False, True]
    )
    rules = (
        citymatch.ScreeningRule(
            id="dip", description="diplomatic", kind="require", column="diplomatic", value=True
        ),
        citymatch.ScreeningRule(
            id="region",
            description="one per region",
            kind="max_per_group",
            column="region",
            occupied="active",
        ),
        citymatch.ScreeningRule(
            id="big", description="too costly", kind="exclude", column="cost_musd", op=">=", value=3
        ),
    )
    cs = CS.model_copy(update={"screening": rules})
    with pytest.raises(CandidateDataError, match=r"at least 2 candidates to rank .*1 left"):
        citymatch.rank(df, cs)
    cs2 = CS.model_copy(update={"screening": rules[:2]})
    r = citymatch.rank(df, cs2)
    ex = r.excluded.set_index("id")
    assert ex.loc["b", "rule"] == "region" and ex.loc["c", "rule"] == "dip"
    assert sorted(r.to_frame()["id"]) == ["a", "d"]
    cap = citymatch.ScreeningRule(
        id="cap", description="cap of 1", kind="max_total", occupied="active", max=1
    )
    r = citymatch.rank(df.assign(active=[1, 0, 0, 1]), CS.model_copy(update={"screening": (cap,)}))
    assert sorted(r.excluded["id"]) == ["b", "c"]
    assert "cap reached: 2 active relationship(s), cap 1" in r.excluded["reason"].iloc[0]


def test_screening_missing_column_is_clear():
    """A rule reading a column the table lacks names the rule and the column."""
    rule = citymatch.ScreeningRule(
        id="dip", description="d", kind="require", column="diplomatic", value=True
    )
    with pytest.raises(
        ScreeningError,
        match=r"screening rule 'dip' reads column 'diplomatic', which the candidate table does not have",
    ):
        citymatch.rank(frame(), CS.model_copy(update={"screening": (rule,)}))


# ------------------------------------------------------------------ missing values
def test_missing_error_names_rows_and_columns():
    """missing='error' (default) names the candidates and the columns."""
    df = frame()
    df.loc[2, "cost_musd"] = np.nan
    with pytest.raises(
        CandidateDataError,
        match=r"missing values in criterion columns for 1 candidate\(s\): 'c': \['cost_musd'\]",
    ):
        citymatch.rank(df, CS)


def test_missing_drop_and_worst():
    """'drop' lists the dropped candidate in excluded; 'worst' fills with the column's worst
    observed value (max for a cost) and lists the filled cell."""
    df = frame()
    df.loc[0, "cost_musd"] = np.nan
    d = citymatch.rank(df, CS, missing="drop")
    assert d.excluded.to_dict("records") == [
        {"id": "a", "rule": "missing", "reason": "missing value in cost_musd"}
    ]
    w = citymatch.rank(df, CS, missing="worst")
    assert w.filled.to_dict("records") == [{"id": "a", "criterion": "cost", "value": 3.0}]
    assert w.matrix.loc["a", "cost"] == 3.0
    with pytest.raises(
        ValueError, match=r"`missing` must be 'error', 'drop' or 'worst'; got 'zero'"
    ):
        citymatch.rank(df, CS, missing="zero")


# ------------------------------------------------------------------ bad tables
@pytest.mark.parametrize(
    ("mutate", "exc", "pattern"),
    [
        (
            lambda d: d.drop(columns="cost_musd"),
            CandidateDataError,
            r"lacks column\(s\) \['cost_musd'\] required by criteria set 'demo'",
        ),
        (
            lambda d: d.assign(id=["a", "a", "c", "d"]),
            CandidateDataError,
            r"ids in 'id' must be unique; repeated: \['a'\]",
        ),
        (
            lambda d: d.assign(trade=["3", "x", "4", "5"]),
            CandidateDataError,
            r"column 'trade' must be numeric; got 'x' for candidate 'b' \(row 1\)",
        ),
        (
            lambda d: d.assign(trade=[3, np.inf, 4, 5]),
            NonFiniteError,
            r"column 'trade' must be finite; got inf for candidate 'b'",
        ),
        (
            lambda d: d.assign(trade=[3, 500, 4, 5]),
            CandidateDataError,
            r"column 'trade' must lie in \[0, 100\] \(criterion 'trade'\); got 500 for candidate 'b'",
        ),
        (lambda d: d.head(1), CandidateDataError, r"at least 2 candidates to rank .*1 left"),
        (
            lambda d: d.assign(id=[None, "b", "c", "d"]),
            CandidateDataError,
            r"column 'id' must not be empty; row 0 has no id",
        ),
    ],
)
def test_bad_tables(mutate, exc, pattern):
    """Each broken table raises a clear error naming the column, row or id."""
    with pytest.raises(exc, match=pattern):
        citymatch.rank(mutate(frame()), CS)


def test_bad_sources(tmp_path):
    """Missing files, unknown extensions and non-table objects are refused with the path named."""
    with pytest.raises(CandidateDataError, match=r"`candidates` file '.*nope.csv' does not exist"):
        citymatch.rank(tmp_path / "nope.csv", CS)
    odd = tmp_path / "c.txt"
    odd.write_text("id\n")
    with pytest.raises(
        CandidateDataError, match=r"unknown extension '.txt'; use .csv, .parquet or .xlsx"
    ):
        citymatch.rank(odd, CS)
    with pytest.raises(
        CitymatchTypeError, match=r"`candidates` must be a pandas DataFrame or a path .*got list"
    ):
        citymatch.rank([1, 2], CS)


def test_index_used_as_id_when_no_id_column():
    """Without an id column, the index provides the ids."""
    df = frame().set_index("id")
    r = citymatch.rank(df, CS)
    assert sorted(r.to_frame()["id"]) == ["a", "b", "c", "d"]


@pytest.mark.parametrize(
    ("module", "suffix", "extra"),
    [("openpyxl", ".xlsx", "excel"), ("pyarrow", ".parquet", "parquet")],
)
def test_missing_optional_reader_is_a_clear_error(tmp_path, monkeypatch, module, suffix, extra):
    """Without openpyxl / pyarrow, reading XLSX / Parquet says which extra to install."""
    import sys

    path = tmp_path / f"c{suffix}"
    path.write_bytes(b"not really")
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` raise ImportError
    with pytest.raises(
        citymatch.errors.MissingDependencyError,
        match=rf'needs {module}, which is not installed: pip install "citymatch\[{extra}\]"',
    ):
        citymatch.rank(path, CS)
