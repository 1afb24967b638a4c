"""The annual report: sections, figures, a self-contained HTML page, changes in the year,
and the report as an immutable value."""

from __future__ import annotations

import dataclasses
import html.parser
from datetime import date

import pytest

from citymatch import agreements as ag
from citymatch.models.agreement import Measurement, Spending
from helpers import ROOT

REGISTER = ROOT / "examples" / "register"


class _Check(html.parser.HTMLParser):
    """Tags balance and nothing is loaded from outside the page."""

    def __init__(self):
        super().__init__()
        self.stack, self.external = [], []

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("src", "href") and v and not v.startswith("#"):
                self.external.append(v)
        if tag not in ("meta", "rect", "br"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in ("rect",):
            return
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-3:])
        self.stack.pop()


def test_annual_report_markdown_and_html():
    """The annual report has goals, KPI progress, budget spent vs planned and changes; the HTML
    parses and loads no external resources."""
    reg = ag.load_register(REGISTER)
    rep = ag.annual_report(reg, 2025)
    md = rep.to_markdown()
    for heading in (
        "## Goals and activities",
        "## KPI progress",
        "## Budget: planned and spent",
        "## Agreements signed",
    ):
        assert heading in md
    assert "illustrative" in md
    chicago = rep.kpis[rep.kpis["agreement"] == "chicago"].set_index("metric")
    assert chicago.loc["businesses reached", "progress"] == pytest.approx(95 / 120)
    assert rep.budget.set_index("agreement").loc["milan", "variance"] == 7000
    page = rep.to_html()
    checker = _Check()
    checker.feed(page)
    assert checker.stack == [] and checker.external == []
    assert "<svg" in page and "http://www.w3.org/2000/svg" in page  # namespace only, not fetched
    with pytest.raises(ValueError, match=r"`year` must be a calendar year; got 25"):
        ag.annual_report(reg, 25)


def test_signed_and_renewed_in_year(agreement, reg_of):
    """Agreements signed or renewed in the year are listed as changes."""
    a = agreement(
        id="new",
        signed=date(2026, 5, 1),
        renewals=[{"decided": date(2026, 9, 1), "new_end": date(2030, 1, 1)}],
        spending=[Spending(year=2026, planned=10, spent=12)],
    )
    rep = ag.annual_report(reg_of(a), 2026)
    assert set(rep.changes["change"]) == {"signed", "renewed to 2030-01-01"}
    assert rep.budget.to_dict("records") == [
        {"agreement": "new", "planned": 10.0, "spent": 12.0, "variance": 2.0}
    ]


def test_kpi_actual_is_the_latest_measurement_of_the_year(agreement, reg_of):
    """A report for a year shows the latest measurement up to that year, not a later one
    (hand-solved: baseline 0, target 10; 4 in 2025 and 9 in 2026 → 2025 shows 4, i.e. 40%)."""
    a = agreement(
        measurements=[
            Measurement(objective="o", metric="firms", period=2026, value=9),
            Measurement(objective="o", metric="firms", period=2025, value=4),
        ]
    )
    reg = reg_of(a)
    row = ag.annual_report(reg, 2025).kpis.iloc[0]
    assert (row["actual"], row["progress"]) == (4, 0.4)
    row = ag.annual_report(reg, 2026).kpis.iloc[0]
    assert (row["actual"], row["progress"]) == (9, 0.9)


def test_budget_chart_sits_in_the_budget_section(agreement, reg_of):
    """With no measured KPI the page draws one chart, the budget's, under the budget heading
    (not under the KPI heading)."""
    a = agreement(spending=[Spending(year=2026, planned=100, spent=80)])
    page = ag.annual_report(reg_of(a), 2026).to_html()
    assert page.count("<svg") == 1
    assert page.index("<h2>Budget: planned and spent</h2>") < page.index("<svg")
    assert "Budget 2026: planned and spent" in page


def test_annual_report_is_an_immutable_value(agreement, reg_of):
    """Changing a table the report hands out leaves the report unchanged; fields are frozen."""
    a = agreement(spending=[Spending(year=2026, planned=100, spent=80)])
    rep = ag.annual_report(reg_of(a), 2026)
    for name in ("goals", "kpis", "budget", "changes"):
        out = getattr(rep, name)
        if len(out):
            out.iloc[0, 0] = "tampered"
    budget = rep.budget
    budget.loc[0, "spent"] = 1e9
    assert rep.budget.loc[0, "spent"] == 80
    assert rep.goals.iloc[0, 0] == "a" and rep.kpis.iloc[0, 0] == "a"
    with pytest.raises(dataclasses.FrozenInstanceError):
        rep.year = 2020
