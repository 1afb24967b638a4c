"""Class-aware review (issue 17): each class on its own criteria set and term rule."""

from __future__ import annotations

import json
import tomllib
from datetime import date

import pandas as pd
import pytest

import citymatch
from citymatch import agreements as ag
from citymatch.cli.main import main
from citymatch.datasets import EXAMPLE_AS_OF, load_cities, load_example_register
from citymatch.models.agreement import Measurement
from helpers import ROOT

REGISTER = ROOT / "examples" / "register"


def test_no_friendship_agreement_is_judged_on_economic_criteria():
    """On the shipped example, with the economic set asked for, every Friendship partner is
    ranked on friendship-city — the rank equals its rank in an independent ranking on that set —
    and no Friendship row mentions the economic set; Partnership partners keep partnership-city."""
    cities = load_cities()
    rv = ag.review(load_example_register(), "partnership-city", cities, as_of=EXAMPLE_AS_OF)
    t = rv.table.set_index("id")
    friendly = t[t["class"] == "Friendship"]
    assert len(friendly) == 6
    assert set(friendly["criteria"]) == {"friendship-city"}
    assert not friendly["reasons"].str.contains("partnership-city").any()
    cultural = citymatch.rank(cities, "friendship-city", screening=False, missing="worst")
    expected = cultural.to_frame().set_index("id")["rank"]
    for agreement_id, row in friendly.iterrows():
        assert row["partner_rank"] == expected[agreement_id]
        assert "under friendship-city" in row["reasons"]
    partners = t[t["class"] == "Partnership"]
    assert set(partners["criteria"]) == {"partnership-city"}
    assert set(t.loc[t["class"] == "International Project", "criteria"].dropna()) == set()


def test_cli_review_judges_friendship_on_its_own_set(tmp_path):
    """`citymatch review example --criteria partnership-city` (JSON) names friendship-city for
    every Friendship agreement."""
    out = tmp_path / "r.json"
    args = ["review", "example", "--criteria", "partnership-city", "--format", "json"]
    assert main([*args, "--output", str(out)]) == 0
    rows = json.loads(out.read_text("utf-8"))["agreements"]
    friendly = [r for r in rows if r["class"] == "Friendship"]
    assert friendly and {r["criteria"] for r in friendly} == {"friendship-city"}


def test_criteria_mapping_and_unscorable_own_sets(agreement, reg_of):
    """A mapping sets the named classes' criteria (the caller's choice wins); a class's own
    set that the table cannot score is skipped (no rank), while a chosen one must score it."""
    cities = load_cities()
    friend = agreement(id="f", partners=("quito",), **{"class": "Friendship"})
    partner = agreement(id="p", partners=("paris",))
    reg = reg_of(friend, partner)
    chosen = ag.review(
        reg, {"Friendship": "partnership-city"}, cities, as_of=date(2026, 1, 1), cap=None
    ).table.set_index("id")
    assert chosen.loc["f", "criteria"] == "partnership-city"
    economic_only = cities.drop(columns=["cultural_ties"])
    t = ag.review(reg, "partnership-city", economic_only, as_of=date(2026, 1, 1)).table
    t = t.set_index("id")
    assert pd.isna(t.loc["f", "criteria"]) and pd.isna(t.loc["f", "partner_rank"])
    assert t.loc["p", "criteria"] == "partnership-city"
    with pytest.raises(ValueError, match=r"cultural_ties"):
        ag.review(reg, {"Friendship": "friendship-city"}, economic_only, as_of=date(2026, 1, 1))


def _raw_terms() -> dict[str, tuple[str, date | None, date | None, str | None]]:
    """Class, term start (start, else signed), end and recorded status, read with tomllib."""
    out = {}
    for path in sorted(REGISTER.glob("*.toml")):
        doc = tomllib.loads(path.read_text("utf-8"))
        ends = [doc.get("end"), *(r["new_end"] for r in doc.get("renewals", []))]
        ends = [e for e in ends if e is not None]
        out[doc["id"]] = (
            doc["class"],
            doc.get("start") or doc.get("signed"),
            max(ends) if ends else None,
            doc.get("status"),
        )
    return out


def test_every_agreement_longer_than_its_class_term_is_flagged():
    """Shipped register: every agreement not recorded sunset/historical whose term (read from
    the TOML files) is open-ended or longer than five years is flagged, with the class's term
    named in the reasons, and none of them is 'continue'; the others are not flagged."""
    rv = ag.review(load_example_register(), as_of=EXAMPLE_AS_OF).table.set_index("id")
    flagged_somewhere = 0
    for agreement_id, (cls, start, end, recorded) in _raw_terms().items():
        if recorded in ("sunset", "historical"):
            continue
        too_long = end is None or (end - start).days > 5 * 365.25 + 2
        row = rv.loc[agreement_id]
        assert (row["term"] in ("too long", "open-ended")) == too_long, agreement_id
        if too_long:
            flagged_somewhere += 1
            assert f"longer than the {cls} term of 3–5 years" in row["reasons"]
            assert row["recommendation"] != "continue"
    assert flagged_somewhere == 11


def _measured(value: float) -> list[Measurement]:
    return [Measurement(objective="o", metric="firms", period=2026, value=value)]


def test_long_terms_are_decided_not_continued(agreement, reg_of):
    """A 20-year term whose decision point (start + 5 years) has passed is decided now (renew
    when on track, sunset when not); one before its decision point is set-term; 4 years
    continues; 2 years continues but is reported too short; a policy allowing 25 years lets
    the 20-year term continue."""
    reg = reg_of(
        agreement(
            id="old-good", start=date(2010, 1, 1), end=date(2029, 12, 31), measurements=_measured(9)
        ),
        agreement(
            id="old-weak", start=date(2010, 1, 1), end=date(2029, 12, 31), measurements=_measured(1)
        ),
        agreement(id="new-long", start=date(2026, 1, 1), end=date(2045, 12, 31)),
        agreement(id="four", start=date(2025, 1, 1), end=date(2028, 12, 31)),
        agreement(id="two", start=date(2026, 1, 1), end=date(2027, 12, 31)),
    )
    t = ag.review(reg, as_of=date(2026, 6, 1), cap=None).table.set_index("id")
    assert t.loc["old-good", "recommendation"] == "renew"
    assert t.loc["old-weak", "recommendation"] == "sunset"
    assert "decision point 2015-01-01 passed" in t.loc["old-good", "reasons"]
    assert t.loc["old-good", "term"] == "too long" and t.loc["old-good", "term_years"] == 20.0
    assert t.loc["new-long", "recommendation"] == "set-term"
    assert "decision point 2031-01-01" in t.loc["new-long", "reasons"]
    assert (t.loc["four", "recommendation"], t.loc["four", "term"]) == ("continue", "ok")
    assert (t.loc["two", "recommendation"], t.loc["two", "term"]) == ("continue", "too short")
    lenient = {"Partnership": ag.ClassRules(None, min_years=1, max_years=25)}
    t = ag.review(reg, as_of=date(2026, 6, 1), cap=None, rules=lenient).table.set_index("id")
    assert (t.loc["new-long", "recommendation"], t.loc["new-long", "term"]) == ("continue", "ok")


def test_term_after_renewal_and_class_rules_errors(agreement):
    """After a renewal the current term runs from the previous end to the new end; term rules
    must satisfy 0 < min_years <= max_years."""
    from citymatch.models.agreement import Renewal

    a = agreement(
        start=date(2010, 1, 1),
        end=date(2014, 12, 31),
        renewals=[Renewal(decided=date(2014, 6, 1), new_end=date(2018, 12, 31))],
    )
    check = ag.term_check(a, ag.CLASS_RULES["Partnership"])
    assert (check.start, check.end, check.verdict) == (
        date(2014, 12, 31),
        date(2018, 12, 31),
        "ok",
    )
    with pytest.raises(ValueError, match=r"must satisfy 0 < min_years <= max_years; got 6 and 5"):
        ag.ClassRules(None, min_years=6, max_years=5)
