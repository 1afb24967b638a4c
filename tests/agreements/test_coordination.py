"""Coordinating citywide activities in the annual report (issue 17, best practice 5): which
citywide organisations were engaged with which partners in the year, of which kind, in which
activity and for which goals, and how the year's objectives serve each goal."""

from __future__ import annotations

import pandas as pd
import pytest

from citymatch import agreements as ag
from citymatch.cli.main import main
from citymatch.datasets import load_example_register, load_organisations
from citymatch.errors import CitymatchValueError
from citymatch.models.agreement import Responsibility
from helpers import ROOT

POLICY = ROOT / "examples" / "policy.toml"


def test_shipped_2025_report_lists_organisations_with_their_kind_and_goal():
    """Hand-read from examples/register/ (chicago.toml, milan.toml) and organisations.csv:
    in 2025 Chicago's trade mission engaged WTC Toronto and World Business Chicago (an
    industry organisation), Milan's design forum Toronto Global and Milano Partners (an
    industry organisation); the served table gives each objective's organisations and its
    KPI progress (Chicago: mean of 95/120 firms and 11/15 deals)."""
    rep = ag.annual_report(
        load_example_register(),
        2025,
        policy=ag.load_policy(POLICY),
        organisations=load_organisations(),
    )
    e = rep.engaged
    assert list(e.columns) == list(ag.ENGAGED_COLUMNS)
    assert e[["partner", "organisation", "kind", "role", "goals"]].values.tolist() == [
        ["chicago", "world-trade-centre-toronto", "", "party", "trade"],
        ["chicago", "world-business-chicago", "industry_org", "party", "trade"],
        ["milan", "toronto-global", "", "party", "investment"],
        ["milan", "milano-partners", "industry_org", "party", "investment"],
    ]
    assert e.loc[1, "tasks"] == "matches the firms with Chicago buyers"
    assert e.loc[1, "activity"] == "Annual joint trade mission and buyer program"
    s = rep.served.set_index("agreement")
    assert s.loc["chicago", "organisations"] == "world-trade-centre-toronto, world-business-chicago"
    assert s.loc["chicago", "kpi_progress"] == pytest.approx((95 / 120 + 11 / 15) / 2)
    assert pd.isna(s.loc["panama-city", "kpi_progress"])  # no measurement yet
    md, page = rep.to_markdown(), rep.to_html()
    assert "| chicago | world-business-chicago | industry_org | party |" in md
    assert "<td>milano-partners</td><td>industry_org</td>" in page


def test_an_alternative_partner_of_an_agreement_is_engaged_with_its_city(agreement, reg_of):
    """An agreement whose partner is an alternative partner (organisations.csv) lists it as
    engaged with the agreement's city partners, or — alone, as in a draft — with its own
    metro (station-f → paris, kaist with seoul); organisations not in the table have no
    kind; the city itself is never an organisation."""
    alone = agreement(id="sf", partners=("station-f",))
    pair = agreement(id="ai", partners=("seoul", "kaist"))
    rep = ag.annual_report(reg_of(alone, pair), 2025, organisations=load_organisations())
    rows = rep.engaged[["partner", "organisation", "kind", "role", "agreement"]]
    assert rows.values.tolist() == [
        ["paris", "station-f", "incubator", "partner", "sf"],
        ["seoul", "kaist", "university", "partner", "ai"],
    ]
    assert rep.engaged.loc[1, "tasks"] == "host the mission"
    bare = ag.annual_report(reg_of(alone, pair), 2025)
    assert bare.engaged.empty  # without the table nothing says station-f is an organisation
    helper = agreement(
        id="h",
        objectives=(
            agreement()
            .objectives[0]
            .model_copy(
                update={
                    "responsibilities": (
                        Responsibility(party="x", tasks=("host",)),
                        Responsibility(party="toronto", tasks=("fund",)),
                        Responsibility(party="tum", tasks=("advise",)),
                    )
                }
            ),
        ),
    )
    got = ag.annual_report(reg_of(helper), 2025, organisations=load_organisations()).engaged
    assert got[["partner", "organisation", "kind", "tasks"]].values.tolist() == [
        ["x", "tum", "university", "advise"]
    ]


def test_organisations_table_needs_an_id_column(reg_of, agreement):
    """An organisations table without `id` is refused, naming the argument and the columns."""
    with pytest.raises(CitymatchValueError, match=r"`organisations` must be a table with an `id`"):
        ag.annual_report(reg_of(agreement()), 2025, organisations=pd.DataFrame({"name": ["x"]}))


def test_cli_report_shows_the_coordination(tmp_path):
    """`citymatch report example --year 2025 --policy example` writes the goals served and
    the organisations engaged, with their kind from the shipped organisations table."""
    out = tmp_path / "r.md"
    assert (
        main(["report", "example", "--year", "2025", "--policy", "example", "--output", str(out)])
        == 0
    )
    text = out.read_text("utf-8")
    assert "## Strategic goals served" in text and "| innovation |" in text
    assert "| milan | milano-partners | industry_org | party | milan |" in text
