"""Spreadsheet export and import: formula-injection escaping, round trip, missing openpyxl."""

from __future__ import annotations

import sys
from datetime import date

import pandas as pd
import pytest

from citymatch import agreements as ag
from citymatch.errors import MissingDependencyError


def test_export_escapes_formula_injection(tmp_path, agreement, reg_of):
    """Cells beginning with = + - @ are escaped in CSV and XLSX exports; import reads them back."""
    reg = reg_of(
        agreement(id="evil", owner='=HYPERLINK("http://x")'),
        agreement(id="ok", owner="@SUM(A1)"),
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
    assert '\'=HYPERLINK("http://x")' in cells
    back = ag.import_table(csv_path)
    assert {a.id for a in back} == {"evil", "ok"}
    assert {a.owner for a in back} == {'=HYPERLINK("http://x")', "@SUM(A1)"}
    assert {a.id for a in ag.import_table(xlsx_path)} == {"evil", "ok"}
    with pytest.raises(ag.RegisterError, match=r"must end in .csv or .xlsx; got '.txt'"):
        ag.export_table(reg, tmp_path / "out.txt")
    assert not (tmp_path / "out.txt").exists()


def test_import_names_the_file_and_row(tmp_path):
    """A row that is not a valid agreement is reported with the file, the row and the field."""
    bad = tmp_path / "in.csv"
    bad.write_text("id,partners,class\nok,x,MOU\n,y,MOU\n")
    with pytest.raises(ag.RegisterError, match=r"agreements file '.*in.csv', row 1: id: "):
        ag.import_table(bad)


def test_xlsx_without_openpyxl_names_the_extra(tmp_path, monkeypatch, agreement, reg_of):
    """Without openpyxl, XLSX export raises MissingDependencyError (an ImportError) naming the
    `excel` extra, and writes nothing; CSV export still works."""
    reg = reg_of(agreement())
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(
        MissingDependencyError,
        match=r'writing XLSX needs openpyxl, which is not installed: pip install "citymatch\[excel\]"',
    ) as info:
        ag.export_table(reg, tmp_path / "out.xlsx")
    assert isinstance(info.value, ImportError) and info.value.extra == "excel"
    assert not (tmp_path / "out.xlsx").exists()
    assert ag.export_table(reg, tmp_path / "out.csv").exists()
