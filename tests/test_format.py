"""Numbers formatted for people (citymatch._format), and the annual report using them."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from citymatch import agreements as ag
from citymatch._format import MISSING, money, number, percent, share_pair, value_text
from citymatch.models.agreement import Spending
from helpers import ROOT


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (120000, "$120,000"),
        (1.2e5, "$120,000"),
        (np.float64(112500.0), "$112,500"),
        (-7500, "−$7,500"),
        (1e12, "$1,000,000,000,000"),
        (0.4, "$0"),
        (-0.4, "$0"),
        (None, MISSING),
        (math.nan, MISSING),
        (math.inf, MISSING),
        ("12", MISSING),
        (True, MISSING),
    ],
)
def test_money(value, text):
    """Money in whole dollars with thousands separators, a minus before the symbol, never an
    exponent; missing or non-numeric values print as a dash."""
    assert money(value) == text


def test_money_cents_and_currency():
    """``cents`` keeps two decimals; ``currency`` replaces the symbol."""
    assert money(1234.5, cents=True) == "$1,234.50"
    assert money(-1234.5, currency="€", cents=True) == "−€1,234.50"


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (0.7917, 0, "79%"),
        (0.7917, 1, "79.2%"),
        (np.float64(0.2667), 0, "27%"),
        (0.0, 0, "0%"),
        (1.0, 0, "100%"),
        (0.001, 0, "<1%"),
        (0.0004, 1, "<0.1%"),
        (0.999, 0, ">99%"),
        (0.9996, 1, ">99.9%"),
        (1.25, 0, "125%"),
        (-0.05, 0, "−5%"),
        (math.nan, 0, MISSING),
        (None, 0, MISSING),
    ],
)
def test_percent(value, digits, text):
    """Shares as percentages; a rare event never prints as 0% nor a near-certain one as 100%."""
    assert percent(value, digits=digits) == text


def test_share_pair_uses_just_enough_decimals():
    """Two shares get the fewest decimals (0–2) that tell them apart."""
    assert share_pair(0.1645, 0.1707) == ("16%", "17%")
    assert share_pair(0.161, 0.164) == ("16.1%", "16.4%")
    assert share_pair(0.16451, 0.16482) == ("16.45%", "16.48%")
    assert share_pair(0.5, 0.5) == ("50.00%", "50.00%")


@pytest.mark.parametrize(
    ("value", "text"),
    [(2000, "2,000"), (0.5, "0.5"), (12.3456, "12.35"), (1.2e5, "120,000"), (-3.0, "−3")],
)
def test_number(value, text):
    """Plain figures: thousands separated, at most two decimals, no trailing zeros."""
    assert number(value) == text


def test_value_text_passes_text_and_blanks_missing():
    """Text cells pass unchanged; numbers are plain figures; missing values are empty."""
    assert value_text("Chicago") == "Chicago"
    assert value_text(5000.0) == "5,000"
    assert value_text(math.nan) == "" and value_text(None) == ""


def _visible(page: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", page, flags=re.S))


def test_annual_report_prints_money_and_percentages_for_people():
    """The shipped register's 2025 report shows budgets as dollars and KPI progress as
    percentages (Chicago: 95 of 120 firms → 79%; planned $120,000, spent $112,500, variance
    −$7,500), in Markdown, in the HTML tables and on the SVG bars — never 1.2e+05 or 0.7917."""
    rep = ag.annual_report(ag.load_register(ROOT / "examples" / "register"), 2025)
    md = rep.to_markdown()
    page = rep.to_html()
    for text in (md, _visible(page)):
        for shown in ("$120,000", "$112,500", "−$7,500", "79%"):
            assert shown in text, shown
        assert "e+0" not in text
        assert "0.7917" not in text and "0.79" not in text
    bars = re.findall(r"<text[^>]*>([^<]*)</text>", page)
    assert "$120,000" in bars and "79%" in bars
    assert not any("e+" in b for b in bars)


def test_annual_report_money_columns_by_name(tmp_path):
    """Budget columns are money whatever their size (Chicago's 2025 spending replaced by
    planned 2,500,000 and spent 2,600,000 → variance $100,000)."""
    chicago = next(a for a in ag.load_register(ROOT / "examples" / "register") if a.id == "chicago")
    changed = chicago.model_copy(
        update={"spending": (Spending(year=2025, planned=2_500_000, spent=2_600_000),)}
    )
    folder = tmp_path / "register"
    folder.mkdir()
    reg = ag.Register(folder, {})
    reg.save(changed)
    md = ag.annual_report(reg, 2025).to_markdown()
    assert "| chicago | $2,500,000 | $2,600,000 | $100,000 |" in md
    assert "| 79% |" in md
