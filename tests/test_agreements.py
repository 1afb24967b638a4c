"""Agreement lifecycle: SMART validation, the register (round-trip, corrupt files, concurrent
edits, interrupted writes), spreadsheet export, review rules, annual report."""

from __future__ import annotations

import html.parser
import shutil
from datetime import date

import pandas as pd
import pytest

import citymatch
from citymatch import agreements as ag
from citymatch.models.agreement import KPI, Agreement, Measurement, Objective, Spending, _add_months
from helpers import ROOT

REGISTER = ROOT / "examples" / "register"


def smart_objective(**kw):
    base = dict(
        id="o",
        objective="Grow trade",
        activity="Trade mission",
        kind="economic",
        owner="WTC-T",
        budget=1000.0,
        end=date(2027, 12, 31),
        kpis=(KPI(metric="firms", unit="firms", baseline=0, target=10, due=date(2027, 12, 31)),),
    )
    base.update(kw)
    return Objective(**base)


def agreement(**kw):
    base = {
        "id": "a",
        "partners": ("x",),
        "class": "Partnership",
        "start": date(2024, 1, 1),
        "end": date(2027, 12, 31),
        "objectives": (smart_objective(),),
    }
    base.update(kw)
    return Agreement.model_validate(base)


# ------------------------------------------------------------------ SMART
def test_complete_objective_is_smart():
    """An objective with text, activity, a complete KPI, owner, resources and an end date passes."""
    assert smart_objective().smart_issues() == [] and smart_objective().is_smart


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"objective": ""}, "objective 'o': not specific — no objective text"),
        ({"activity": " "}, "objective 'o': not specific — no activity"),
        ({"kpis": ()}, "objective 'o': not measurable — no KPI"),
        (
            {
                "kpis": (
                    KPI(
                        metric="businesses reached", unit="firms", baseline=0, due=date(2027, 1, 1)
                    ),
                )
            },
            "KPI 'businesses reached' has no target",
        ),
        (
            {"kpis": (KPI(metric="m", baseline=0, target=1, due=date(2027, 1, 1)),)},
            "KPI 'm' has no unit",
        ),
        (
            {"kpis": (KPI(metric="m", unit="u", target=1, due=date(2027, 1, 1)),)},
            "KPI 'm' has no baseline",
        ),
        ({"kpis": (KPI(metric="m", unit="u", baseline=0, target=1),)}, "KPI 'm' has no due date"),
        ({"owner": ""}, "objective 'o': not assignable — no owner"),
        ({"budget": None, "staff": None}, "objective 'o': not resourced — no budget or staff"),
        ({"end": None}, "objective 'o': not time-bound — no end date"),
    ],
)
def test_each_smart_failure_is_reported(change, message):
    """Every way of failing SMART is detected and described (as data, not an exception)."""
    issues = smart_objective(**change).smart_issues()
    assert any(message in issue for issue in issues), issues


def test_all_failures_reported_at_once():
    """An empty objective reports every failure, not only the first."""
    issues = Objective(id="e").smart_issues()
    assert len(issues) == 6


# ------------------------------------------------------------------ dates
def test_add_months_clamps_and_handles_leap_years():
    """31 Jan + 1 month is 29 Feb in a leap year, 28 Feb otherwise; 29 Feb + 12 months is 28 Feb."""
    assert _add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert _add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert _add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)
    assert _add_months(date(2026, 11, 30), 14) == date(2028, 1, 30)
    # Past the calendar's end the window covers every date (found by fuzzing the service).
    assert _add_months(date(2000, 1, 1), 96_000) == date.max
    assert _add_months(date(9999, 12, 31), 1) == date.max
    assert _add_months(date(1, 1, 1), -1) == date.min


def test_status_across_years_and_leap_day():
    """Status follows the term: active, expiring within the window, expired after; renewals extend it."""
    a = agreement(end=date(2028, 2, 29))
    assert a.status_on(date(2026, 12, 31)) == "active"
    assert a.status_on(date(2027, 2, 28)) == "active"  # 2027-02-28 + 12 months = 2028-02-28 < end
    assert a.status_on(date(2027, 3, 1)) == "expiring"
    assert a.status_on(date(2028, 2, 29)) == "expiring"
    assert a.status_on(date(2028, 3, 1)) == "expired"
    renewed = agreement(
        end=date(2028, 2, 29),
        renewals=[{"decided": date(2028, 1, 15), "new_end": date(2031, 12, 31)}],
    )
    assert (
        renewed.current_end == date(2031, 12, 31)
        and renewed.status_on(date(2028, 3, 1)) == "active"
    )


# ------------------------------------------------------------------ review rules
def reg_of(*agreements, tmp_path):
    r = ag.Register(tmp_path, {})
    for a in agreements:
        r.save(a)
    return r


def test_review_reaches_every_recommendation(tmp_path):
    """Crafted agreements reach renew, sunset, reclassify (both ways), needs-objectives, continue,
    and an agreement with no end date is flagged."""
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
    later = agreement(id="later", end=date(2030, 12, 31))
    gone = agreement(id="gone", status="sunset")
    reg = reg_of(
        on_track, behind, mou_econ, mou_cult, open_ended, unsmart, later, gone, tmp_path=tmp_path
    )
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
    assert rv.loc["gone", "recommendation"] == "sunset"
    assert "renew" in repr(ag.review(reg, as_of=date(2027, 3, 1), cap=None))


def test_review_cap_pressure_and_partner_score(tmp_path):
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
    reg = reg_of(strong, weak, tmp_path=tmp_path)
    rv = ag.review(
        reg, "partnership-city", cities, as_of=date(2027, 6, 1), cap=None
    ).table.set_index("id")
    assert rv.loc["strong", "recommendation"] == "renew"
    assert rv.loc["weak", "recommendation"] == "sunset"
    assert "bottom third" in rv.loc["weak", "reasons"]
    (tmp_path / "c").mkdir()
    crowded = reg_of(
        *(agreement(id=f"a{i}", end=date(2030, 1, 1)) for i in range(4)), tmp_path=tmp_path / "c"
    )
    rv = ag.review(crowded, as_of=date(2027, 1, 1), cap=2).table
    assert (rv["recommendation"] == "sunset").sum() == 2
    assert rv["reasons"].str.contains("cap pressure: 4 active agreements, cap 2").sum() == 2


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


# ------------------------------------------------------------------ the register
def test_register_round_trip(tmp_path):
    """Saving and reloading gives equal agreements; files are human-editable TOML."""
    shutil.copytree(REGISTER, tmp_path / "reg")
    reg = ag.load_register(tmp_path / "reg")
    again = ag.load_register(tmp_path / "reg")
    assert reg.agreements == again.agreements
    chicago = reg["chicago"]
    reg.save(chicago.model_copy(update={"owner": "Economic Development"}))
    assert ag.load_register(tmp_path / "reg")["chicago"].owner == "Economic Development"
    assert 'class = "Partnership"' in (tmp_path / "reg" / "chicago.toml").read_text()


def test_corrupt_file_reported_and_nothing_touched(tmp_path):
    """A corrupt file is reported with its path and field; no file is modified."""
    shutil.copytree(REGISTER, tmp_path / "reg")
    bad = tmp_path / "reg" / "kyiv.toml"
    bad.write_text(
        bad.read_text().replace('class = "Friendship"', 'class = "Friendship"\nsigend = 1991-01-01')
    )
    before = {p.name: p.read_bytes() for p in (tmp_path / "reg").iterdir()}
    with pytest.raises(
        ag.RegisterError,
        match=r"register file '.*kyiv.toml': sigend: Extra inputs are not permitted",
    ):
        ag.load_register(tmp_path / "reg")
    assert {p.name: p.read_bytes() for p in (tmp_path / "reg").iterdir()} == before
    bad.write_text("id = ")
    with pytest.raises(ag.RegisterError, match=r"kyiv.toml' is not valid TOML"):
        ag.load_register(tmp_path / "reg")
    bad.write_text('id = "kyiv"\npartners = ["kyiv"]\nclass = "Twinning"\n')
    with pytest.raises(
        ag.RegisterError,
        match=r"class must be one of \['Partnership', 'Friendship', 'MOU', 'International Project'\]; got 'Twinning'",
    ):
        ag.load_register(tmp_path / "reg")
    with pytest.raises(ag.RegisterError, match=r"does not exist"):
        ag.load_register(tmp_path / "nowhere")


def test_concurrent_modification_refused(tmp_path):
    """A file changed on disk since it was read is not overwritten."""
    shutil.copytree(REGISTER, tmp_path / "reg")
    reg = ag.load_register(tmp_path / "reg")
    path = tmp_path / "reg" / "milan.toml"
    path.write_text(path.read_text() + "\n# edited by a colleague\n")
    edited = path.read_bytes()
    with pytest.raises(
        ag.ConcurrentModificationError, match=r"milan.toml' changed since it was read"
    ):
        reg.save(reg["milan"].model_copy(update={"owner": "me"}))
    assert path.read_bytes() == edited


def test_interrupted_write_leaves_old_file(tmp_path, monkeypatch):
    """A crash mid-write (simulated) leaves the old file intact and no temporary file behind."""
    shutil.copytree(REGISTER, tmp_path / "reg")
    reg = ag.load_register(tmp_path / "reg")
    path = tmp_path / "reg" / "warsaw.toml"
    old = path.read_bytes()
    real = ag._atomic_write
    monkeypatch.setattr(ag, "_atomic_write", lambda p, text: real(p, text, _fail_after=20))
    with pytest.raises(OSError, match="simulated interruption"):
        reg.save(reg["warsaw"].model_copy(update={"owner": "someone"}))
    assert path.read_bytes() == old
    assert not [p for p in (tmp_path / "reg").iterdir() if p.name.startswith(".")]


# ------------------------------------------------------------------ spreadsheets
def test_export_escapes_formula_injection(tmp_path):
    """Cells beginning with = + - @ are escaped in CSV and XLSX exports; import reads them back."""
    reg = reg_of(
        agreement(id="evil", owner='=HYPERLINK("http://x")'),
        agreement(id="ok", owner="@SUM(A1)"),
        tmp_path=tmp_path,
    )
    assert ag.escape_cell("=1+1") == "'=1+1" and ag.escape_cell("+1") == "'+1"
    assert (
        ag.escape_cell("-2") == "'-2"
        and ag.escape_cell("@x") == "'@x"
        and ag.escape_cell("safe") == "safe"
    )
    csv_path = ag.export_table(reg, tmp_path / "out.csv", as_of=date(2026, 1, 1))
    frame = pd.read_csv(csv_path)
    assert set(frame["owner"]) == {'\'=HYPERLINK("http://x")', "'@SUM(A1)"}
    xlsx_path = ag.export_table(reg, tmp_path / "out.xlsx", as_of=date(2026, 1, 1))
    import openpyxl

    cells = [c.value for row in openpyxl.load_workbook(xlsx_path).active.iter_rows() for c in row]
    assert not any(isinstance(v, str) and v.startswith("=") for v in cells)
    back = ag.import_table(csv_path)
    assert {a.id for a in back} == {"evil", "ok"}
    with pytest.raises(ag.RegisterError, match=r"must end in .csv or .xlsx"):
        ag.export_table(reg, tmp_path / "out.txt")


# ------------------------------------------------------------------ annual report
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

    class Check(html.parser.HTMLParser):
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

    checker = Check()
    checker.feed(page)
    assert checker.stack == [] and checker.external == []
    assert "<svg" in page and "http://www.w3.org/2000/svg" in page  # namespace only, not fetched
    with pytest.raises(ValueError, match=r"`year` must be a calendar year; got 25"):
        ag.annual_report(reg, 25)


def test_signed_and_renewed_in_year(tmp_path):
    """Agreements signed or renewed in the year are listed as changes."""
    a = agreement(
        id="new",
        signed=date(2026, 5, 1),
        renewals=[{"decided": date(2026, 9, 1), "new_end": date(2030, 1, 1)}],
        spending=[Spending(year=2026, planned=10, spent=12)],
    )
    rep = ag.annual_report(reg_of(a, tmp_path=tmp_path), 2026)
    assert set(rep.changes["change"]) == {"signed", "renewed to 2030-01-01"}
