"""Lossless round trip (issue 17): register → CSV/XLSX → register keeps every field.

A property over generated registers — objectives, KPIs, responsibilities, milestones,
reporting dates, resources, renewals, spending, measurements, awkward text (formula starts,
apostrophes, quotes, commas, newlines, control characters, non-ASCII) — and the shipped
Toronto register; an edit made in the spreadsheet is kept; an old summary-only table still
imports.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from citymatch import agreements as ag
from citymatch.datasets import load_example_register
from citymatch.models.agreement import (
    KPI,
    Agreement,
    Measurement,
    Milestone,
    Objective,
    Renewal,
    Resource,
    Responsibility,
    Spending,
)

_ID = st.from_regex(r"[a-z0-9][a-z0-9_\-.]{0,8}", fullmatch=True)
_TEXT = st.text(alphabet=st.sampled_from(list("ab Zé漢=+-@'\",;\n\t\x01{}[]0.")), max_size=12)
_DAY = st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31))
_AMOUNT = st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False)
_VALUE = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def objectives(draw: st.DrawFn, oid: str) -> Objective:
    kpis = draw(
        st.lists(
            st.builds(
                KPI,
                metric=_ID,
                unit=_TEXT,
                baseline=st.none() | _VALUE,
                target=st.none() | _VALUE,
                due=st.none() | _DAY,
            ),
            max_size=2,
            unique_by=lambda k: k.metric,
        )
    )
    return Objective(
        id=oid,
        objective=draw(_TEXT),
        activity=draw(_TEXT),
        kind=draw(st.sampled_from(["economic", "cultural", "policy", "other"])),
        kpis=tuple(kpis),
        owner=draw(_TEXT),
        budget=draw(st.none() | _AMOUNT),
        staff=draw(st.none() | _AMOUNT),
        end=draw(st.none() | _DAY),
        responsibilities=tuple(
            draw(
                st.lists(
                    st.builds(Responsibility, party=_ID, tasks=st.lists(_TEXT, max_size=2)),
                    max_size=2,
                    unique_by=lambda r: r.party,
                )
            )
        ),
        milestones=tuple(
            draw(
                st.lists(
                    st.builds(Milestone, name=_ID, due=_DAY, done=st.none() | _DAY), max_size=2
                )
            )
        ),
        reporting=tuple(draw(st.lists(_DAY, max_size=2))),
        resources=tuple(
            draw(
                st.lists(
                    st.builds(
                        Resource,
                        year=st.integers(2000, 2040),
                        budget=st.none() | _AMOUNT,
                        staff=st.none() | _AMOUNT,
                    ),
                    max_size=2,
                    unique_by=lambda r: r.year,
                )
            )
        ),
    )


@st.composite
def agreements(draw: st.DrawFn, aid: str) -> Agreement:
    ids = draw(st.lists(_ID, max_size=2, unique=True))
    objs = tuple(draw(objectives(i)) for i in ids)
    known = [(o.id, k.metric) for o in objs for k in o.kpis]
    measurements = []
    if known:
        for _ in range(draw(st.integers(0, 2))):
            oid, metric = draw(st.sampled_from(known))
            measurements.append(
                Measurement(
                    objective=oid,
                    metric=metric,
                    period=draw(st.integers(2000, 2040)),
                    value=draw(_VALUE),
                )
            )
    start = draw(st.none() | _DAY)
    end = draw(st.none() | _DAY)
    if start and end and end < start:
        start, end = end, start
    return Agreement.model_validate(
        {
            "id": aid,
            "partners": draw(st.lists(_ID, min_size=1, max_size=3, unique=True)),
            "class": draw(st.sampled_from(ag.DEFAULT_CLASSES)),
            "signed": draw(st.none() | _DAY),
            "start": start,
            "end": end,
            "renewals": draw(st.lists(st.builds(Renewal, decided=_DAY, new_end=_DAY), max_size=2)),
            "status": draw(st.none() | st.sampled_from(["sunset", "historical"])),
            "objectives": objs,
            "projects": draw(st.lists(_ID, max_size=2)),
            "owner": draw(_TEXT),
            "budget": draw(st.none() | _AMOUNT),
            "spending": draw(
                st.lists(
                    st.builds(
                        Spending, year=st.integers(2000, 2040), planned=_AMOUNT, spent=_AMOUNT
                    ),
                    max_size=2,
                )
            ),
            "measurements": measurements,
            "illustrative": draw(st.booleans()),
            "source": draw(_TEXT),
        }
    )


@st.composite
def registers(draw: st.DrawFn) -> list[Agreement]:
    ids = draw(st.lists(_ID, min_size=1, max_size=3, unique=True))
    return [draw(agreements(i)) for i in ids]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=registers())
@example(
    items=[
        Agreement.model_validate(
            {"id": "q", "partners": ["x"], "class": "MOU", "owner": "'=1", "source": "''"}
        )
    ]
)
def test_round_trip_keeps_every_field(suffix, items):
    """Export then import gives back every agreement equal in every field (CSV and XLSX)."""
    reg = ag.Register(Path("."), {a.id: a for a in items})
    with tempfile.TemporaryDirectory() as tmp:
        path = ag.export_table(reg, Path(tmp) / f"register{suffix}", as_of=date(2026, 1, 1))
        back = ag.import_table(path)
    assert back == items


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_shipped_register_round_trip_keeps_the_objectives(tmp_path, suffix):
    """The shipped register (6 agreements with objectives) comes back equal, objectives,
    KPIs, measurements and milestones included — the export once dropped all of them."""
    reg = load_example_register()
    back = ag.import_table(ag.export_table(reg, tmp_path / f"r{suffix}"))
    assert back == list(reg)
    assert sum(len(a.objectives) for a in back) == 6
    chicago = {a.id: a for a in back}["chicago"]
    assert len(chicago.measurements) == 3 and len(chicago.objectives[0].milestones) == 4


def test_an_edit_in_the_spreadsheet_wins(tmp_path, agreement, reg_of):
    """A visible cell edited after export (the owner, the end date) is what comes back; the
    fields not edited keep their exact values."""
    import csv

    reg = reg_of(agreement(id="a", owner="WTC"))
    path = ag.export_table(reg, tmp_path / "r.csv")
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rows[0]["owner"] = "Toronto Global"
    rows[0]["end"] = "2028-06-30"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    (back,) = ag.import_table(path)
    assert back.owner == "Toronto Global" and back.end == date(2028, 6, 30)
    assert back.objectives == reg["a"].objectives


def test_summary_only_table_and_bad_cells(tmp_path):
    """A table without details imports from its visible columns; a cell that does not parse
    or details that are not JSON are reported with the file, the row and the column."""
    plain = tmp_path / "plain.csv"
    plain.write_text("id,partners,class,end,budget\nk,kyiv lviv,Friendship,2027-12-31,5\n")
    (a,) = ag.import_table(plain)
    assert (a.partners, a.end, a.budget) == (("kyiv", "lviv"), date(2027, 12, 31), 5.0)
    bad = tmp_path / "bad.csv"
    bad.write_text("id,partners,class,end\nk,kyiv,Friendship,31/12/2027\n")
    with pytest.raises(
        ag.RegisterError,
        match=r"row 0: column 'end': must be a date YYYY-MM-DD; got '31/12/2027'",
    ):
        ag.import_table(bad)
    broken = tmp_path / "broken.csv"
    broken.write_text('id,partners,class,details\nk,kyiv,Friendship,"{not json"\n')
    with pytest.raises(ag.RegisterError, match=r"broken.csv', row 0: Expecting property name"):
        ag.import_table(broken)
    (tmp_path / "x.txt").write_text("id\n")
    with pytest.raises(ag.RegisterError, match=r"must end in .csv or .xlsx; got '.txt'"):
        ag.import_table(tmp_path / "x.txt")


def test_export_and_import_refusals(tmp_path, agreement, reg_of):
    """An agreement too large for one XLSX cell is refused (CSV takes it whole); a missing
    import file is named."""
    big = agreement(id="big", source="x" * 40000)
    reg = ag.Register(tmp_path, {"big": big})
    with pytest.raises(
        ag.RegisterError,
        match=r"agreement 'big' is too large for one XLSX cell \(\d+ characters of details; "
        r"at most 32767\); export it to .csv",
    ):
        ag.export_table(reg, tmp_path / "big.xlsx")
    assert not (tmp_path / "big.xlsx").exists()
    assert ag.import_table(ag.export_table(reg, tmp_path / "big.csv")) == [big]
    with pytest.raises(ag.RegisterError, match=r"agreements file '.*nope.csv' does not exist"):
        ag.import_table(tmp_path / "nope.csv")


@pytest.mark.parametrize(
    ("column", "cell", "message"),
    [
        ("budget", "lots", r"column 'budget': must be a number; got 'lots'"),
        ("illustrative", "maybe", r"column 'illustrative': must be true or false; got 'maybe'"),
    ],
)
def test_unparsable_cells_name_the_column(tmp_path, column, cell, message):
    """A number or a yes/no cell that does not parse is refused, naming the row and column."""
    path = tmp_path / "t.csv"
    path.write_text(f"id,partners,class,{column}\nk,kyiv,Friendship,{cell}\n")
    with pytest.raises(ag.RegisterError, match=rf"row 0: {message}"):
        ag.import_table(path)
