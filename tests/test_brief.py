"""The decision brief's content (no browser): the recommendation, why, robustness, the plan's
cost, conventions, escaping of user strings; its result type, its errors, and the CLI."""

from __future__ import annotations

import dataclasses
import datetime
import html
import os
import re
import stat
import tomllib

import pandas as pd
import pytest
from scipy.stats import beta

import citymatch
from citymatch.briefing import Brief, brief
from citymatch.cli import main
from citymatch.errors import (
    ArgumentError,
    BrowserError,
    BrowserNotFoundError,
    CitymatchTypeError,
    CitymatchValueError,
    MissingDependencyError,
)
from helpers import ROOT

CITIES = ROOT / "examples" / "data" / "cities.csv"
PORTFOLIO = ROOT / "examples" / "toronto_portfolio.toml"


def toy_set(label1="Criterion one", label2="Criterion two"):
    """Two benefit criteria weighted 0.6 / 0.4."""
    return citymatch.CriteriaSet(
        name="toy",
        title="Toy set",
        version="1",
        criteria=[
            {"id": "c1", "label": label1, "direction": "benefit", "weight": 0.6},
            {"id": "c2", "label": label2, "direction": "benefit", "weight": 0.4},
        ],
    )


def toy_table(names=("Alpha", "Beta", "Zed")):
    """Alpha is best on c1 and worst on c2, Beta the reverse, Zed worst on both.

    Hand-solved TOPSIS (vector normalisation; each column is (1, 0, 0) up to order): Alpha's
    closeness is w1, Beta's w2, Zed's 0 — so Alpha leads at (0.6, 0.4), and Beta takes the
    lead exactly where w1 falls below 0.5 (equivalently, w2 rises above 0.5).
    """
    return pd.DataFrame(
        {"id": ["a", "b", "z"], "name": list(names), "c1": [1, 0, 0], "c2": [0, 1, 0]}
    )


def visible(page: str) -> str:
    """The text a reader sees (no style sheet, no tags, entities decoded)."""
    body = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


@pytest.fixture(scope="module")
def toy_brief():
    return brief(citymatch.rank(toy_table(), toy_set()), sources=["toy.csv"])


def test_recommendation_names_the_leader(toy_brief):
    """The recommendation names the dominant candidate (hand-solved: Alpha, score 0.6 against
    Beta's 0.4, a margin of 0.2) and the number ranked."""
    text = visible(toy_brief.html)
    assert toy_brief.leader == "Alpha"
    assert "Pursue Alpha first: it ranks first of 3 candidates ranked" in text
    assert "0.2 points of score ahead of Beta (score 0.6 against 0.4)" in text


def test_strengths_are_the_largest_contributions_in_words(toy_brief):
    """Why, in words: Alpha is strongest on criterion one and weakest on two, Beta the reverse,
    and Zed (worst on both) has no strength (hand-solved signs of the TOPSIS contributions)."""
    rows = re.findall(
        r"<tr>(.*?)</tr>", toy_brief.html.split("Top candidates")[1].split("</table>")[0]
    )
    cells = [[visible(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r)] for r in rows]
    cells = [c for c in cells if c]
    assert cells == [
        ["1", "Alpha", "0.6", "Criterion one", "Criterion two"],
        ["2", "Beta", "0.4", "Criterion two", "Criterion one"],
        ["3", "Zed", "0", "—", "Criterion one"],
    ]


def test_tipping_weights_in_words(toy_brief):
    """Tipping weights in words, against the hand-solved tie at w1 = w2 = 0.5."""
    text = visible(toy_brief.html)
    assert "Alpha stays first unless one weight alone moves past a tipping point" in text
    assert "the weight of Criterion one falls below 50% (now 60%): then Beta leads" in text
    assert "the weight of Criterion two rises above 50% (now 40%): then Beta leads" in text


def test_rank_acceptability_in_words(toy_brief):
    """The leader's rank acceptability: Alpha is first when w1 > 0.5; the weights are drawn
    from Dirichlet(50 × (0.6, 0.4)), so w1 ~ Beta(30, 20) and the share is its tail above 0.5
    (independently from scipy); Zed is always last, so Alpha is always in the top 2."""
    text = visible(toy_brief.html)
    m = re.search(r"Alpha ranks first in (\d+)% of 2,000 rankings", text)
    assert m is not None, text
    expected = 100 * beta.sf(0.5, 30, 20)
    assert abs(int(m.group(1)) - expected) <= 2.5  # 2,000 draws: ±1.2 points at 2 sd, + rounding
    assert "and in the top 2 in 100%" in text


def test_conventions_and_sources(toy_brief):
    """The sources and conventions: the criteria set, method, normalisation, weights in
    percent with their source, the sampler, and the sources given."""
    text = visible(toy_brief.html)
    assert "Toy set (toy, version 1)" in text
    assert "TOPSIS, vector normalisation; higher scores are better" in text
    assert "Criterion one 60%, Criterion two 40% — direct" in text
    assert "SMAA-2, 2,000 weight draws, Dirichlet around the set's weights, seed 0" in text
    assert "toy.csv" in text


def test_page_is_self_contained_with_a4_print_css(toy_brief):
    """One HTML document with inline CSS, an A4 page rule, no script, nothing fetched."""
    page = toy_brief.html
    assert page.startswith("<!DOCTYPE html>")
    assert "@page { size: A4;" in page
    assert "<script" not in page.lower()
    assert not re.search(r"(src|href)\s*=", page)
    assert "url(" not in page and "@import" not in page


def test_hostile_names_are_escaped():
    """Every user string is HTML-escaped: candidate names, criterion labels, the title and the
    sources never reach the page as markup."""
    hostile = '<script>alert("x")</script>'
    table = toy_table(names=(hostile, "<img src=x onerror=alert(1)>", "Zed & Co"))
    cs = toy_set(label1="<b>bold</b>", label2='O\'Brien "quoted"')
    b = brief(
        citymatch.rank(table, cs),
        title="<i>Council</i> & co",
        sources=["<a href='http://evil'>here</a>"],
        robustness=False,
    )
    page = b.html
    for raw in ("<script", "<img", "<b>", "<i>", "<a ", "onerror=alert(1)>"):
        assert raw not in page.lower(), raw
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&lt;i&gt;Council&lt;/i&gt; &amp; co" in page
    assert "Zed &amp; Co" in page
    text = visible(page)
    assert f"Pursue {hostile} first" in text and "<b>bold</b>" in text


def test_long_names_and_labels_are_cut():
    """A very long name is cut to 48 characters and a label to 60, with "…", in the table and
    in the sentences alike (so that careless data cannot push the brief past two pages)."""
    long = "Ville-" + "x" * 200
    cs = toy_set(label1="L" * 100)
    b = brief(citymatch.rank(toy_table(names=(long, "Beta", "Zed")), cs), robustness=False)
    text = visible(b.html)
    assert long[:47] + "…" in text and long[:48] not in text
    assert f"Pursue {long[:47]}… first" in text
    assert "L" * 59 + "…" in text and "L" * 60 not in text


def test_plan_costs_formatted_for_people():
    """What the plan costs per year: every year's spending and budget left in dollars (computed
    here from the plan's schedule), the total, and no exponent or long decimal anywhere."""
    ranking = citymatch.rank(CITIES, "partnership-city")
    plan = citymatch.optimize_portfolio(PORTFOLIO)
    page = brief(ranking, plan=plan, robustness=False).html
    text = visible(page)
    sch = plan.schedule
    assert f"${sch['budget_used'].sum():,.0f} in total" in text
    for r in sch.itertuples(index=False):
        assert re.search(
            rf"{r.year} {r.n_new} {r.n_active} \${r.budget_used:,.0f} \${r.budget_left:,.0f}", text
        ), r.year
    for r in plan.selected.itertuples(index=False):
        assert f"{r.start}–{r.end} ${r.total_cost:,.0f}" in text
    assert "e+0" not in text and "nan" not in text.lower()
    assert not re.search(r"\d\.\d{4,}", text)


def test_infeasible_plan_is_said(tmp_path):
    """A plan that does not exist is said in words, with no cost table."""
    problem = tomllib.loads(PORTFOLIO.read_text("utf-8"))
    problem["budget"] = 1  # no project fits, yet one new project a year is required
    plan = citymatch.optimize_portfolio(problem, explain=False)
    ranking = citymatch.rank(toy_table(), toy_set())
    text = visible(brief(ranking, plan=plan, robustness=False).html)
    assert "What the plan costs No portfolio plan: No plan satisfies all constraints." in text
    assert "Budget left" not in text


def test_tie_for_first_is_said():
    """Two candidates with the same values tie for first: the brief says the ranking alone
    does not choose, and names both."""
    table = pd.DataFrame(
        {
            "id": ["a", "a2", "z"],
            "name": ["Alpha", "Alpha two", "Zed"],
            "c1": [1, 1, 0],
            "c2": [0, 0, 1],
        }
    )
    b = brief(citymatch.rank(table, toy_set()), robustness=False)
    assert b.leader == "Alpha and Alpha two"
    assert "Alpha and Alpha two tie for first place of 3 candidates ranked" in visible(b.html)


def test_other_methods_explain_by_weighted_position():
    """Under WSM (no additive decomposition) the strengths are the weighted positions: Alpha
    beats both others on criterion one and no one on two; the conventions say so."""
    b = brief(citymatch.rank(toy_table(), toy_set(), method="wsm"), robustness=False)
    text = visible(b.html)
    assert "1 Alpha 0.6 Criterion one Criterion two" in text
    assert "weighted position among the candidates" in text and "WSM has no additive" in text


def test_lower_is_better_methods_say_so():
    """Under VIKOR (lower Q is better) the dominant Alpha still leads (Q = 0) and the
    recommendation says that lower scores are better."""
    b = brief(citymatch.rank(toy_table(), toy_set(), method="vikor"), robustness=False)
    text = visible(b.html)
    assert b.leader == "Alpha"
    assert re.search(r"ahead of Beta \(score 0 against [\d.]+; lower is better\)", text), text


def test_title_subject_and_date_as_given():
    """The title, the subject of the recommendation and the date are the caller's."""
    b = brief(
        citymatch.rank(toy_table(), toy_set()),
        title="Council, 1 December",
        subject="trade outcomes",
        date=datetime.date(2026, 12, 1),
        robustness=False,
    )
    text = visible(b.html)
    assert "<title>Council, 1 December</title>" in b.html and b.title == "Council, 1 December"
    assert "01 December 2026 · 3 candidates ranked" in text
    assert "ranks first of 3 candidates ranked on trade outcomes, " in text


def test_without_robustness_no_robustness_section():
    """robustness=False with nothing given: no robustness section, nothing computed."""
    b = brief(citymatch.rank(toy_table(), toy_set()), robustness=False)
    assert "How robust it is" not in b.html


def test_brief_is_an_immutable_value_and_writes_html(toy_brief, tmp_path):
    """A frozen result; to_file writes the HTML (by suffix, atomically); repr names the leader;
    the notebook view frames the page so its CSS cannot restyle the notebook."""
    assert isinstance(toy_brief, Brief) and citymatch.brief is brief
    with pytest.raises(dataclasses.FrozenInstanceError):
        toy_brief.html = "x"
    out = toy_brief.to_file(tmp_path / "b.HTML")
    assert out.read_text("utf-8") == toy_brief.html
    assert os.listdir(tmp_path) == ["b.HTML"]
    assert repr(toy_brief) == "Brief('Partner recommendation: Toy set'; recommends Alpha)"
    assert toy_brief._repr_html_().startswith("<iframe srcdoc=")


def test_argument_errors(toy_brief, tmp_path):
    """Wrong types and values are refused with messages naming the argument."""
    ranking = citymatch.rank(toy_table(), toy_set())
    with pytest.raises(CitymatchTypeError, match=r"`ranking` must be a Ranking; got DataFrame"):
        brief(toy_table())
    with pytest.raises(
        CitymatchTypeError, match=r"`stability` must be a StabilityResult or None; got str"
    ):
        brief(ranking, stability="x")
    with pytest.raises(CitymatchTypeError, match=r"`title` must be a str or None; got int"):
        brief(ranking, title=3)
    with pytest.raises(CitymatchTypeError, match=r"`date` must be a date or None; got str"):
        brief(ranking, date="2026-12-01")
    with pytest.raises(CitymatchTypeError, match=r"`sources` must be a sequence of strings"):
        brief(ranking, sources="cities.csv")
    with pytest.raises(CitymatchValueError, match=r"`top` must be an integer ≥ 1; got 0"):
        brief(ranking, top=0)
    with pytest.raises(
        CitymatchTypeError, match=r"`samples` must be an integer ≥ 1; got True of type bool"
    ):
        brief(ranking, samples=True)
    with pytest.raises(
        ArgumentError, match=r"`path` must end in \.html, \.htm, \.pdf .*; got '.*b\.docx'"
    ):
        toy_brief.to_file(tmp_path / "b.docx")


# --------------------------------------------------------------------------- PDF, no real browser
def fake_browser(tmp_path, body: str):
    """An executable script standing in for Chromium (its arguments are logged)."""
    exe = tmp_path / "fake-chromium"
    exe.write_text(f'#!/bin/sh\necho "$@" > "{tmp_path}/args.txt"\n{body}\n')
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return exe


def pdf_arg(tmp_path):
    args = (tmp_path / "args.txt").read_text().split()
    return next(a.split("=", 1)[1] for a in args if a.startswith("--print-to-pdf="))


def test_pdf_through_the_browser_command(toy_brief, tmp_path):
    """to_pdf runs the browser headless, sandbox off, with a private profile, printing the page
    to a temporary file beside the target that replaces it (atomic)."""
    exe = fake_browser(
        tmp_path,
        'for a in "$@"; do case $a in --print-to-pdf=*) printf "%%PDF-1.4 fake" > "${a#*=}";; esac; done',
    )
    out = tmp_path / "brief.pdf"
    assert toy_brief.to_pdf(out, browser=exe) == out
    assert out.read_bytes() == b"%PDF-1.4 fake"
    args = (tmp_path / "args.txt").read_text().split()
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer"):
        assert flag in args
    assert any(a.startswith("--user-data-dir=") for a in args)
    assert args[-1].startswith("file://") and args[-1].endswith("brief.html")
    assert os.path.dirname(pdf_arg(tmp_path)) == str(tmp_path.resolve())
    assert os.path.basename(pdf_arg(tmp_path)) != "brief.pdf"  # a temporary, then renamed


def test_pdf_browser_failure_leaves_the_target(toy_brief, tmp_path):
    """A browser that fails raises BrowserError naming the exit status and its error output;
    the existing target keeps its bytes and no temporary is left."""
    exe = fake_browser(tmp_path, 'echo "boom: no display" >&2\nexit 3')
    out = tmp_path / "brief.pdf"
    out.write_bytes(b"old")
    with pytest.raises(BrowserError, match=r"wrote no PDF \(exit status 3\): boom: no display"):
        toy_brief.to_pdf(out, browser=exe)
    assert out.read_bytes() == b"old"
    assert sorted(os.listdir(tmp_path)) == ["args.txt", "brief.pdf", "fake-chromium"]


def test_pdf_browser_writing_no_pdf_is_an_error(toy_brief, tmp_path):
    """Exit status 0 without a PDF (e.g. an HTML error page) is still an error."""
    exe = fake_browser(
        tmp_path,
        'for a in "$@"; do case $a in --print-to-pdf=*) echo "<html>" > "${a#*=}";; esac; done',
    )
    with pytest.raises(BrowserError, match=r"wrote no PDF \(exit status 0\)"):
        toy_brief.to_pdf(tmp_path / "b.pdf", browser=exe)
    assert not (tmp_path / "b.pdf").exists()


def test_pdf_timeout(toy_brief, tmp_path):
    """A browser that hangs is stopped at ``timeout``; a bad timeout is refused."""
    exe = fake_browser(tmp_path, "sleep 5")
    with pytest.raises(
        BrowserError, match=r"did not finish printing the PDF within `timeout` = 0.3 s"
    ):
        toy_brief.to_pdf(tmp_path / "b.pdf", browser=exe, timeout=0.3)
    with pytest.raises(
        ArgumentError, match=r"`timeout` must be a positive number of seconds; got 0"
    ):
        toy_brief.to_pdf(tmp_path / "b.pdf", browser=exe, timeout=0)


def test_no_browser_is_a_missing_dependency(toy_brief, tmp_path, monkeypatch):
    """Without any browser, to_pdf raises BrowserNotFoundError (a MissingDependencyError, so an
    ImportError) saying how to install one; a named browser that is not one is refused too."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CITYMATCH_BROWSER", raising=False)
    with pytest.raises(
        BrowserNotFoundError,
        match=r"writing a PDF needs a Chromium-family browser .* `apt-get install chromium`",
    ) as info:
        toy_brief.to_pdf(tmp_path / "b.pdf")
    assert isinstance(info.value, MissingDependencyError) and isinstance(info.value, ImportError)
    assert not (tmp_path / "b.pdf").exists()
    monkeypatch.setenv("CITYMATCH_BROWSER", "nope")
    with pytest.raises(
        BrowserNotFoundError, match=r"\$CITYMATCH_BROWSER must name a browser executable .*'nope'"
    ):
        toy_brief.to_pdf(tmp_path / "b.pdf")
    with pytest.raises(BrowserNotFoundError, match=r"`browser` must name a browser executable"):
        toy_brief.to_pdf(tmp_path / "b.pdf", browser=tmp_path / "missing")


# --------------------------------------------------------------------------- CLI
def test_cli_writes_the_html_brief(tmp_path, capsys):
    """`citymatch brief example --criteria partnership-city --portfolio example --output
    b.html` writes the brief of the shipped cities, naming the ranking's leader, with the plan."""
    out = tmp_path / "b.html"
    code = main(
        ["brief", "example", "--criteria", "partnership-city", "--portfolio", "example",
         "--output", str(out)]
    )  # fmt: skip
    assert code == 0
    leader = citymatch.rank(CITIES, "partnership-city").table["name"].iloc[0]
    assert capsys.readouterr().out == f"Brief written to {out}: it recommends {leader}.\n"
    text = visible(out.read_text("utf-8"))
    assert f"Pursue {leader} first" in text
    assert "What the plan costs" in text and "candidates: cities.csv" in text


def test_cli_prints_html_without_output(capsys):
    """Without --output the HTML goes to stdout."""
    assert main(["brief", "example", "--criteria", "partnership-city", "--top", "2"]) == 0
    assert capsys.readouterr().out.startswith("<!DOCTYPE html>")


def test_cli_refuses_other_suffixes_and_missing_browser(tmp_path, capsys, monkeypatch):
    """--output other than .html/.pdf is a usage error (exit 2); .pdf without a browser is an
    error (exit 1) saying how to install one, and nothing is written."""
    code = main(["brief", "example", "--criteria", "partnership-city", "--output", "b.txt"])
    assert code == 2
    assert "--output must end in .html, .htm, .pdf (the brief is HTML or PDF); got 'b.txt'" in (
        capsys.readouterr().err
    )
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CITYMATCH_BROWSER", raising=False)
    out = tmp_path / "b.pdf"
    code = main(["brief", "example", "--criteria", "partnership-city", "--output", str(out)])
    assert code == 1
    assert "needs a Chromium-family browser" in capsys.readouterr().err
    assert not out.exists()
