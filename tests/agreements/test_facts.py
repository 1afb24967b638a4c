"""One register, one truth: existing-agreement facts come from the register (issue 17).

The shipped cities.csv columns equal the register join; the demo, the ranking, the cap and the
review count the same current agreements; Panama City (an active MOU) is not a new candidate.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

import citymatch
from citymatch import agreements as ag
from citymatch.cli.main import main
from citymatch.datasets import EXAMPLE_AS_OF, load_cities, load_example_register
from helpers import ROOT

CITIES_CSV = ROOT / "examples" / "data" / "cities.csv"

#: Hand-read from examples/register/: the agreements in force on 2026-11-27 (every agreement
#: not marked historical has no end before 2026-11-27; Milan's term ends 2026-12-31).
IN_FORCE_2026 = {
    "chongqing",
    "frankfurt-am-main",
    "chicago",
    "milan",
    "warsaw",
    "sagamihara",
    "kyiv",
    "ho-chi-minh-city",
    "quito",
    "rio-de-janeiro",
    "matera",
    "lisbon",
    "panama-city",
}


def _raw_cities() -> pd.DataFrame:
    return pd.read_csv(
        CITIES_CSV, keep_default_na=False, na_values=[""], dtype={"existing_year": "Int64"}
    )


def test_shipped_columns_are_the_register_join():
    """The existing_* columns shipped in cities.csv equal the register joined as of the
    example's date (examples/data/join_register.py regenerates them), and hold the hand-read
    facts: 13 in force, Panama City an active MOU of 2018, the five historical MOUs out."""
    raw = _raw_cities()
    joined = ag.join_register(raw, load_example_register(), as_of=EXAMPLE_AS_OF)
    pd.testing.assert_frame_equal(
        raw[list(ag.EXISTING_COLUMNS)], joined[list(ag.EXISTING_COLUMNS)], check_dtype=False
    )
    by_id = raw.set_index("id")
    assert set(by_id.index[by_id["existing_active"] == 1]) == IN_FORCE_2026
    assert by_id.loc[
        "panama-city", ["existing_class", "existing_year", "existing_status"]
    ].tolist() == [
        "MOU",
        2018,
        "active",
    ]
    assert by_id.loc["milan", "existing_status"] == "expiring"
    assert (by_id["existing_status"] == "historical").sum() == 5
    # load_cities() is the same join: its columns equal the file's.
    loaded = load_cities().set_index("id")
    pd.testing.assert_frame_equal(
        loaded[list(ag.EXISTING_COLUMNS)], by_id[list(ag.EXISTING_COLUMNS)], check_dtype=False
    )


def test_demo_ranking_cap_and_review_agree_on_the_shipped_example(tmp_path):
    """On the shipped example the demo lists the same current agreements as the review counts
    in force, the cap pressure names that count, and Panama City (an active MOU) is screened
    out of the new candidates by the file path and by load_cities() alike."""
    out = tmp_path / "demo.txt"
    assert main(["demo", "--output", str(out)]) == 0
    text = out.read_text("utf-8")
    listed = text.split("5. Agreements in force", 1)[1].splitlines()[1:-1]
    names = load_cities().set_index("name")["id"]
    demo_ids = {names[line[3:21].strip()] for line in listed}
    rv = ag.review(load_example_register(), as_of=EXAMPLE_AS_OF)
    review_ids = set(rv.table.loc[rv.table["status"].isin(["active", "expiring"]), "id"])
    assert demo_ids == review_ids == IN_FORCE_2026
    assert rv.active == len(IN_FORCE_2026) == 13
    assert f"{rv.active} active agreements exceed the cap of 10" in rv.table["reasons"].str.cat()
    for table in (CITIES_CSV, load_cities()):
        r = citymatch.rank(table, "partnership-city")
        assert "panama-city" not in set(r.to_frame()["id"])
        excluded = r.excluded.set_index("id")
        assert "already_partner" in excluded.loc["panama-city", "rule"]
        assert IN_FORCE_2026 <= set(excluded.index)


def test_cli_review_of_the_example_defaults_to_its_date(tmp_path):
    """`citymatch review example` without --as-of reviews on the example's date, so its count
    equals the demo's whatever day it runs."""
    out = tmp_path / "review.json"
    assert main(["review", "example", "--format", "json", "--output", str(out)]) == 0
    import json

    doc = json.loads(out.read_text("utf-8"))
    assert doc["as_of"] == "2026-11-27" and doc["active"] == 13


def test_load_cities_joins_the_register_on_the_date_asked():
    """The join is live: on 2027-06-01 Milan's term (ended 2026-12-31) no longer counts, so
    Milan is no longer screened out as "already a partner" (only by one-per-region: Matera is
    in Italy)."""
    later = load_cities(as_of=date(2027, 6, 1)).set_index("id")
    assert later.loc["milan", "existing_status"] == "expired"
    assert later.loc["milan", "existing_active"] == 0
    assert later["existing_active"].sum() == 12
    excluded = citymatch.rank(later.reset_index(), "partnership-city").excluded.set_index("id")
    assert excluded.loc["milan", "rule"] == "one_per_region"


def test_existing_facts_hand_solved(agreement, reg_of):
    """A partner in two agreements gets the one in force; expired and sunset agreements are
    not in force; an unknown signing year is missing; a row without an agreement gets missing
    facts; the table's other columns, order and index are kept and the table is not changed."""
    reg = reg_of(
        agreement(id="old", partners=("x",), status="historical", signed=date(1990, 1, 1)),
        agreement(id="now", partners=("x", "y"), signed=date(2024, 1, 1), **{"class": "MOU"}),
        agreement(id="done", partners=("z",), end=date(2025, 6, 30), signed=date(2020, 1, 1)),
        agreement(id="cut", partners=("w",), status="sunset"),
    )
    facts = ag.existing_facts(reg, as_of=date(2026, 1, 1))
    assert facts.to_dict("index") == {
        "w": {
            "existing_class": "Partnership",
            "existing_year": None,
            "existing_status": "sunset",
            "existing_active": 0,
        },
        "x": {
            "existing_class": "MOU",
            "existing_year": 2024,
            "existing_status": "active",
            "existing_active": 1,
        },
        "y": {
            "existing_class": "MOU",
            "existing_year": 2024,
            "existing_status": "active",
            "existing_active": 1,
        },
        "z": {
            "existing_class": "Partnership",
            "existing_year": 2020,
            "existing_status": "expired",
            "existing_active": 0,
        },
    }
    table = pd.DataFrame(
        {"id": ["q", "x", "z"], "existing_active": [1, 0, 1], "pop": [1.0, 2.0, 3.0]},
        index=[10, 11, 12],
    )
    before = table.copy()
    out = ag.join_register(table, reg, as_of=date(2026, 1, 1))
    pd.testing.assert_frame_equal(table, before)
    assert list(out.columns) == [
        "id",
        "existing_active",
        "pop",
        "existing_class",
        "existing_year",
        "existing_status",
    ]
    assert list(out.index) == [10, 11, 12] and out["pop"].tolist() == [1.0, 2.0, 3.0]
    assert out["existing_active"].tolist() == [0, 1, 0]
    assert out["existing_class"].tolist()[1:] == ["MOU", "Partnership"]
    assert out["existing_status"].tolist()[1:] == ["active", "expired"]
    assert out.loc[10, ["existing_class", "existing_status"]].isna().all()
    assert out["existing_year"].isna().tolist() == [True, False, False]


def test_join_errors_name_the_argument(agreement, reg_of):
    """A table without the id column, or an as_of that is not a date, is refused by name."""
    reg = reg_of(agreement())
    with pytest.raises(ValueError, match=r"`id_column` must name a column of the table; got 'id'"):
        ag.join_register(pd.DataFrame({"name": ["a"]}), reg, as_of=date(2026, 1, 1))
    with pytest.raises(ValueError, match=r"`as_of` must be a date; got '2026-01-01'"):
        ag.existing_facts(reg, as_of="2026-01-01")  # type: ignore[arg-type]


def test_an_agreement_before_its_start_is_pending_not_in_force(agreement, reg_of):
    """A draft or signed agreement whose term has not started is ``pending``: not a current
    partnership and not counted against the cap until its start date (then active)."""
    reg = reg_of(
        agreement(id="next", partners=("v",), start=date(2027, 1, 1), end=date(2030, 12, 31)),
    )
    a = next(iter(reg))
    assert a.status_on(date(2026, 12, 31)) == "pending"
    assert a.status_on(date(2027, 1, 1)) == "active"
    before = ag.existing_facts(reg, as_of=date(2026, 6, 1)).loc["v"]
    assert (before["existing_status"], before["existing_active"]) == ("pending", 0)
    after = ag.existing_facts(reg, as_of=date(2027, 6, 1)).loc["v"]
    assert (after["existing_status"], after["existing_active"]) == ("active", 1)
