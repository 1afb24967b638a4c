"""The review: every recommendation, cap pressure, partner standing, the Toronto register,
and the review as an immutable value."""

from __future__ import annotations

import dataclasses
from datetime import date

import pandas as pd
import pytest

import citymatch
from citymatch import agreements as ag
from citymatch.models.agreement import Measurement
from helpers import ROOT

REGISTER = ROOT / "examples" / "register"


def test_review_reaches_every_recommendation(agreement, smart_objective, reg_of):
    """Crafted agreements reach renew, sunset, reclassify (both ways), needs-objectives,
    set-term (a 7-year term before its decision point), continue, and an agreement with no end
    date is flagged."""
    on_track = agreement(
        id="renew", measurements=[Measurement(objective="o", metric="firms", period=2026, value=9)]
    )
    behind = agreement(
        id="sunset", measurements=[Measurement(objective="o", metric="firms", period=2026, value=2)]
    )
    mou_econ = agreement(id="mou-econ", **{"class": "MOU"})
    mou_cult = agreement(
        id="mou-cult", **{"class": "MOU"}, objectives=(smart_objective(kind="cultural"),)
    )
    open_ended = agreement(id="open", end=None)
    unsmart = agreement(id="unsmart", objectives=(smart_objective(owner=""),))
    later = agreement(id="later", end=date(2028, 12, 31))
    too_long = agreement(id="long", end=date(2030, 12, 31))
    gone = agreement(id="gone", status="sunset")
    reg = reg_of(on_track, behind, mou_econ, mou_cult, open_ended, unsmart, later, too_long, gone)
    rv = ag.review(reg, as_of=date(2027, 3, 1), cap=None).table.set_index("id")
    assert rv.loc["renew", "recommendation"] == "renew"
    assert (
        rv.loc["sunset", "recommendation"] == "sunset"
        and "KPI progress 20%" in rv.loc["sunset", "reasons"]
    )
    assert (rv.loc["mou-econ", "recommendation"], rv.loc["mou-econ", "new_class"]) == (
        "reclassify",
        "Partnership",
    )
    assert (rv.loc["mou-cult", "recommendation"], rv.loc["mou-cult", "new_class"]) == (
        "reclassify",
        "Friendship",
    )
    assert rv.loc["open", "recommendation"] == "needs-objectives"
    assert "no end date" in rv.loc["open", "reasons"] and "dormant" in rv.loc["open", "reasons"]
    assert rv.loc["unsmart", "recommendation"] == "needs-objectives"
    assert "not assignable — no owner" in rv.loc["unsmart", "reasons"]
    assert rv.loc["later", "recommendation"] == "continue"
    assert rv.loc["long", "recommendation"] == "set-term"
    assert rv.loc["gone", "recommendation"] == "sunset"
    assert "renew" in repr(ag.review(reg, as_of=date(2027, 3, 1), cap=None))


def test_review_cap_pressure_and_partner_score(agreement, reg_of):
    """More agreements than the cap: the weakest are sunset with 'cap pressure'; a partner in
    the bottom third under the criteria blocks a renewal."""
    cities = citymatch.datasets.load_cities()
    ranked = citymatch.rank(cities, "partnership-city", screening=False).to_frame()
    weakest = ranked["id"].iloc[-1]
    strong = agreement(
        id="strong",
        partners=("paris",),
        measurements=[Measurement(objective="o", metric="firms", period=2026, value=10)],
    )
    weak = agreement(
        id="weak",
        partners=(weakest,),
        measurements=[Measurement(objective="o", metric="firms", period=2026, value=10)],
    )
    reg = reg_of(strong, weak)
    rv = ag.review(
        reg, "partnership-city", cities, as_of=date(2027, 6, 1), cap=None
    ).table.set_index("id")
    assert rv.loc["strong", "recommendation"] == "renew"
    assert rv.loc["weak", "recommendation"] == "sunset"
    assert "bottom third" in rv.loc["weak", "reasons"]
    crowded = reg_of(*(agreement(id=f"a{i}", end=date(2030, 1, 1)) for i in range(4)))
    rv = ag.review(crowded, as_of=date(2027, 1, 1), cap=2).table
    assert (rv["recommendation"] == "sunset").sum() == 2
    assert rv["reasons"].str.contains("cap pressure: 4 active agreements, cap 2").sum() == 2


def test_cap_pressure_sunsets_the_weakest_first(agreement, reg_of):
    """Under cap pressure the agreement without measured progress goes first, then the lowest
    progress (hand-solved: progress None, 0.3, 0.6, 0.9 with a cap of 2 sunsets the first two)."""

    def measured(i, value):
        ms = (
            []
            if value is None
            else [Measurement(objective="o", metric="firms", period=2026, value=value)]
        )
        return agreement(id=f"p{i}", end=date(2030, 1, 1), measurements=ms)

    reg = reg_of(measured(0, 9), measured(1, None), measured(2, 6), measured(3, 3))
    rv = ag.review(reg, as_of=date(2027, 1, 1), cap=2)
    t = rv.table.set_index("id")
    assert sorted(t.index[t["recommendation"] == "sunset"]) == ["p1", "p3"]
    assert rv.active == 4 and rv.cap == 2


def test_months_must_be_a_non_negative_integer(agreement, reg_of):
    """A negative or fractional review window is refused, naming the argument and the value."""
    reg = reg_of(agreement())
    with pytest.raises(ValueError, match=r"`months` must be a non-negative integer; got -1"):
        ag.review(reg, months=-1)
    with pytest.raises(ValueError, match=r"`months` must be a non-negative integer; got 1.5"):
        ag.review(reg, months=1.5)


def test_toronto_register_review():
    """The shipped Toronto register loads (18 agreements) and reviews: MOUs are reclassified,
    open-ended agreements need objectives, and the cap of ten is enforced."""
    reg = ag.load_register(REGISTER)
    assert len(reg) == 18
    rv = ag.review(
        reg, "partnership-city", citymatch.datasets.load_cities(), as_of=date(2026, 11, 27)
    )
    t = rv.table.set_index("id")
    assert t.loc["panama-city", "recommendation"] == "reclassify"
    assert t.loc["chongqing", "recommendation"] == "needs-objectives"
    assert (t["recommendation"] == "historical").sum() == 5
    still = t[t["status"].isin(["active", "expiring"]) & ~t["recommendation"].isin(["sunset"])]
    assert len(still) <= 10


def test_review_is_an_immutable_value(agreement, reg_of):
    """Changing the table a review hands out, or the frame it was built from, leaves the review
    unchanged; its fields cannot be reassigned."""
    rv = ag.review(reg_of(agreement()), as_of=date(2025, 1, 1), cap=None)
    for out in (rv.table, rv.to_frame()):
        out.loc[0, "recommendation"] = "tampered"
    assert rv.table.loc[0, "recommendation"] == "continue"
    with pytest.raises(dataclasses.FrozenInstanceError):
        rv.active = 0
    source = pd.DataFrame({"id": ["a"], "recommendation": ["renew"]})
    built = ag.Review(source, date(2025, 1, 1), 1, None)
    source.loc[0, "recommendation"] = "tampered"
    assert built.table.loc[0, "recommendation"] == "renew"


def test_empty_register_reviews_to_an_empty_table(tmp_path):
    """A register without agreements gives an empty table with every column, and a repr."""
    rv = ag.review(ag.Register(tmp_path, {}), as_of=date(2025, 1, 1))
    assert rv.table.empty and list(rv.table.columns) == [
        "id",
        "class",
        "status",
        "recommendation",
        "new_class",
        "end",
        "term_years",
        "term",
        "kpi_progress",
        "criteria",
        "partner_rank",
        "reasons",
    ]
    assert repr(rv) == "Review(as of 2025-01-01: 0 active, cap 10; {})"
