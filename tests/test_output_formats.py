"""Outputs by extension: every command that writes a table writes the format its ``--output``
suffix names (issue 16), through one home, ``citymatch.io.write_table``."""

from __future__ import annotations

import json
import re

import openpyxl
import pandas as pd
import pytest

import citymatch
from citymatch.cli.main import main
from citymatch.errors import ArgumentError
from citymatch.io import TABLE_FORMATS, write_table

RANK = ["rank", "example", "--criteria", "partnership-city"]


@pytest.fixture(scope="module")
def ranked() -> pd.DataFrame:
    """The ranking the CLI lines below write, computed by the library."""
    cities = citymatch.datasets.load_cities()
    return citymatch.rank(cities, "partnership-city").to_frame()


def _cli(tmp_path, name: str, *args: str) -> tuple[int, object]:
    target = tmp_path / name
    code = main([*args, "--output", str(target)])
    return code, target


def test_readme_output_ranked_csv_is_csv(tmp_path, ranked):
    """The README's ``--output ranked.csv`` writes real CSV: the full ranked table."""
    code, target = _cli(tmp_path, "ranked.csv", *RANK)
    assert code == 0
    back = pd.read_csv(target)
    assert list(back.columns) == list(ranked.columns)
    assert back["id"].tolist() == ranked["id"].tolist()
    assert back["score"].to_numpy() == pytest.approx(ranked["score"].to_numpy(), abs=1e-15)


def test_readme_output_ranked_xlsx_opens_in_excel_readers(tmp_path, ranked):
    """``--output ranked.xlsx`` writes a workbook openpyxl opens: header then one row per
    candidate, best first."""
    code, target = _cli(tmp_path, "ranked.xlsx", *RANK)
    assert code == 0
    sheet = openpyxl.load_workbook(target).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(ranked.columns)
    assert [r[0] for r in rows[1:]] == ranked["id"].tolist()
    assert [r[list(ranked.columns).index("score")] for r in rows[1:]] == pytest.approx(
        ranked["score"].tolist(), abs=1e-15
    )


def test_output_parquet_and_json(tmp_path, ranked):
    """``.parquet`` is Parquet (pandas reads it back); ``.json`` is the command's JSON (the
    contract's response, as ``--format json`` writes it)."""
    code, target = _cli(tmp_path, "ranked.parquet", *RANK)
    assert code == 0
    back = pd.read_parquet(target)
    assert back["id"].tolist() == ranked["id"].tolist()
    code, target = _cli(tmp_path, "ranked.json", *RANK)
    assert code == 0
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert [r["id"] for r in doc["ranking"]] == ranked["id"].tolist()


def test_output_markdown_and_html(tmp_path, ranked):
    """``.md`` is a Markdown table (header, rule, one row per candidate); ``.html`` a page
    whose table has one row per candidate."""
    code, target = _cli(tmp_path, "ranked.md", *RANK)
    assert code == 0
    lines = target.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 + len(ranked)
    assert [c.strip() for c in lines[0].strip("|").split("|")] == list(ranked.columns)
    assert set(lines[1].replace("|", "").split()) <= {"---", "---:"}
    assert [line.split("|")[1].strip() for line in lines[2:]] == ranked["id"].tolist()
    code, target = _cli(tmp_path, "ranked.html", *RANK)
    assert code == 0
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    body = re.findall(r"<tr>\s*<td>([^<]*)</td>", page)
    assert body == ranked["id"].tolist()


def test_output_txt_or_no_suffix_is_the_printed_text(tmp_path, capsys):
    """``.txt`` (or no suffix) writes exactly what the command prints."""
    assert main(RANK) == 0
    printed = capsys.readouterr().out
    for name in ("ranked.txt", "ranked"):
        code, target = _cli(tmp_path, name, *RANK)
        assert code == 0
        assert target.read_text(encoding="utf-8") == printed


def test_unknown_suffix_is_a_usage_error_listing_the_known_ones(tmp_path, capsys):
    """An unknown suffix: exit 2 before any work, the known suffixes listed, nothing
    written."""
    code, target = _cli(tmp_path, "ranked.docx", *RANK)
    assert code == 2
    err = capsys.readouterr().err
    assert (
        "citymatch: error: --output " + repr(str(target)) + " must end in .txt, .csv, .xlsx, "
        ".json, .parquet, .md, .html (or have no suffix: the printed text); got '.docx'."
    ) in err
    assert list(tmp_path.iterdir()) == []


def test_format_contradicting_the_suffix_is_a_usage_error(tmp_path, capsys):
    """``--format csv --output x.xlsx`` would write CSV into a workbook: refused (exit 2)."""
    code, _ = _cli(tmp_path, "x.xlsx", *RANK, "--format", "csv")
    assert code == 2
    assert "--format csv and --output" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_every_table_command_writes_by_suffix(tmp_path):
    """sensitivity, portfolio and ahp write their table in the suffix's format too."""
    code, target = _cli(
        tmp_path, "acc.csv", "sensitivity", "example", "--criteria", "partnership-city",
        "--samples", "200",
    )  # fmt: skip
    assert code == 0
    acc = pd.read_csv(target)
    assert list(acc.columns[:3]) == ["id", "rank", "p_first"]
    assert len(acc) == len(
        citymatch.rank(citymatch.datasets.load_cities(), "partnership-city").table
    )
    code, target = _cli(tmp_path, "plan.xlsx", "portfolio", "example")
    assert code == 0
    plan = citymatch.optimize_portfolio(citymatch.datasets.data_path("portfolio"))
    rows = list(openpyxl.load_workbook(target).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("id", "title")
    assert [r[0] for r in rows[1:]] == plan.selected["id"].tolist()
    matrix = tmp_path / "m.json"
    matrix.write_text("[[1, 3], [0.3333333333333333, 1]]", encoding="utf-8")
    code, target = _cli(tmp_path, "w.md", "ahp", str(matrix))
    assert code == 0
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "| criterion | weight |"
    assert [float(line.split("|")[2]) for line in lines[2:]] == pytest.approx([0.75, 0.25])


def test_ranking_to_file_and_write_table(tmp_path, ranked):
    """``Ranking.to_file`` writes by suffix; ``write_table`` refuses an unknown suffix with
    the known ones listed."""
    ranking = citymatch.rank(citymatch.datasets.load_cities(), "partnership-city")
    assert ranking.to_file(tmp_path / "r.csv") == tmp_path / "r.csv"
    assert pd.read_csv(tmp_path / "r.csv")["id"].tolist() == ranked["id"].tolist()
    ranking.to_file(tmp_path / "r.XLSX")  # any case
    rows = list(openpyxl.load_workbook(tmp_path / "r.XLSX").active.iter_rows(values_only=True))
    assert len(rows) == 1 + len(ranked)
    frame = pd.DataFrame({"id": ["a", "b"], "v": [1.5, float("nan")]})
    write_table(frame, tmp_path / "t.json")
    assert json.loads((tmp_path / "t.json").read_text()) == [
        {"id": "a", "v": 1.5},
        {"id": "b", "v": None},
    ]
    known = ", ".join(TABLE_FORMATS)
    with pytest.raises(
        ArgumentError,
        match=re.escape(f"`path` '{tmp_path / 't.odt'}' must end in a table format's suffix "
                        f"({known}); got '.odt'."),
    ):  # fmt: skip
        write_table(frame, tmp_path / "t.odt")
    assert not (tmp_path / "t.odt").exists()


def test_format_md_and_html_print_to_stdout(capsys, ranked):
    """``--format md`` / ``--format html`` without ``--output`` print the table in that format."""
    assert main([*RANK, "--format", "md"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 + len(ranked) and lines[0].startswith("| id | name |")
    assert main([*RANK, "--format", "html"]) == 0
    page = capsys.readouterr().out
    assert re.findall(r"<tr>\s*<td>([^<]*)</td>", page) == ranked["id"].tolist()


def test_report_format_follows_the_output_suffix(tmp_path, capsys):
    """``report --output x.html`` writes HTML (not Markdown in an .html file); ``.md``
    Markdown; a contradicting ``--format`` is a usage error."""
    args = ["report", "example", "--year", "2025", "--output"]
    assert main([*args, str(tmp_path / "r.html")]) == 0
    assert (
        (tmp_path / "r.html")
        .read_text(encoding="utf-8")
        .lstrip()
        .lower()
        .startswith("<!doctype html")
    )
    assert main([*args, str(tmp_path / "r.md")]) == 0
    assert (tmp_path / "r.md").read_text(encoding="utf-8").startswith("#")
    assert main([*args, str(tmp_path / "x.html"), "--format", "md"]) == 2
    assert "--format md and --output" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_text_that_a_spreadsheet_would_run_is_escaped(tmp_path, suffix):
    """CSV and XLSX outputs prefix ``'`` to text starting with = + - @ (formula injection);
    numbers (negative ones too) and other text are written as they are; the caller's frame
    is not modified."""
    from citymatch.io import write_table

    frame = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "name": ['=HYPERLINK("http://x","click")', "+1", "Lisbon"],
            "score": [-0.5, 0.25, 1.0],
        }
    )
    before = frame.copy()
    path = write_table(frame, tmp_path / f"out{suffix}")
    back = pd.read_csv(path) if suffix == ".csv" else pd.read_excel(path)
    assert back["name"].tolist() == ['\'=HYPERLINK("http://x","click")', "'+1", "Lisbon"]
    assert back["score"].tolist() == [-0.5, 0.25, 1.0]
    pd.testing.assert_frame_equal(frame, before)
