"""The analyst's own table, first time: id/name columns, yes/no cells, rows named as the file
shows them, fixes suggested in the caller's syntax (issue 16, "Own tables, first time")."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import citymatch
from citymatch.cli.main import main
from citymatch.errors import CandidateDataError, CellError, MissingValuesError

CRITERIA = """\
format_version = 1
name = "mine"
title = "Mine"
version = "1"

[[criteria]]
id = "sector"
label = "Sector"
direction = "benefit"
weight = 2
range = [0.0, 1.0]

[[criteria]]
id = "fta"
label = "Free trade"
direction = "benefit"
weight = 1
unit = "{unit}"

[[criteria]]
id = "cost"
label = "Cost"
direction = "cost"
weight = 1
"""


def _files(tmp_path: Path, fta: list[str], *, unit: str = "0/1", cost=None) -> tuple[Path, Path]:
    """An 4-city CSV (columns city, label, sector, fta, cost) and a criteria file."""
    cost = cost or ["3", "2", "4", "1"]
    rows = ["city,label,sector,fta,cost"] + [
        f"{c},{n},{s},{f},{k}"
        for c, n, s, f, k in zip(
            ["C1", "C2", "C3", "C4"],
            ["Alpha", "Beta", "Gamma", "Delta"],
            ["0.5", "0.7", "0.2", "0.9"],
            fta,
            cost,
            strict=True,
        )
    ]
    table = tmp_path / "cities.csv"
    table.write_text("\n".join(rows) + "\n", encoding="utf-8")
    crit = tmp_path / "mine.toml"
    crit.write_text(CRITERIA.format(unit=unit), encoding="utf-8")
    return table, crit


@pytest.mark.parametrize(
    "spelled",
    [
        ["Yes", "No", "yes", "NO"],
        ["True", "False", "TRUE", "false"],
        ["Y", "N", "y", "n"],
        ["1", "0", "1", "0"],
        [" yes", "no ", "Yes", "No"],
    ],
)
def test_yes_no_spellings_read_as_one_and_zero(tmp_path, spelled):
    """Every common yes/no spelling (any case, surrounding spaces) in a criterion whose unit
    is 0/1 is read as 1/0; the ranking equals the one of the same table written 1/0."""
    table, crit = _files(tmp_path, spelled)
    got = citymatch.rank(table, crit, id_column="city")
    assert got.matrix.loc[["C1", "C2", "C3", "C4"], "fta"].tolist() == [1.0, 0.0, 1.0, 0.0]
    plain = pd.read_csv(table).assign(fta=[1, 0, 1, 0])
    want = citymatch.rank(plain, crit, id_column="city")
    assert got.table["id"].tolist() == want.table["id"].tolist()
    assert got.table["score"].tolist() == want.table["score"].tolist()


@pytest.mark.parametrize("unit", ["yes/no", "Boolean", "binary", "true/false", "Y/N"])
def test_yes_no_units(tmp_path, unit):
    """The units that declare a yes/no criterion all accept Yes/No."""
    table, crit = _files(tmp_path, ["Yes", "No", "No", "Yes"], unit=unit)
    got = citymatch.rank(table, crit, id_column="city")
    assert got.matrix.loc[["C1", "C2", "C3", "C4"], "fta"].tolist() == [1.0, 0.0, 0.0, 1.0]


def test_other_spelling_in_yes_no_column_names_column_id_line_and_value(tmp_path):
    """Anything but a yes/no spelling is refused, naming the column, the user's id, the
    file line and the value (never a numpy repr)."""
    table, crit = _files(tmp_path, ["Yes", "maybe", "No", "No"])
    with pytest.raises(
        CellError,
        match=r"file '.*cities\.csv' column 'fta' must be yes/no .*Yes/No, True/False, Y/N "
        r"or 1/0 in any case; got 'maybe' for candidate 'C2' \(line 3\)\.$",
    ):
        citymatch.rank(table, crit, id_column="city")


def test_number_other_than_zero_or_one_in_yes_no_column_refused(tmp_path):
    """A yes/no criterion holds 0 or 1 only: 0.5 is refused, by id and line."""
    table, crit = _files(tmp_path, ["1", "0", "0.5", "1"])
    with pytest.raises(CellError, match=r"must be yes/no .*got 0\.5 for candidate 'C3' \(line 4\)"):
        citymatch.rank(table, crit, id_column="city")


def test_yes_no_in_a_numeric_criterion_says_how_to_declare_it(tmp_path):
    """Yes/No in a criterion that is not declared yes/no: the error names the cell and says
    how to declare the criterion."""
    table, crit = _files(tmp_path, ["Yes", "No", "No", "Yes"], unit="count")
    with pytest.raises(
        CellError,
        match=r"column 'fta' must be numeric; got 'Yes' for candidate 'C1' \(a yes/no column\? "
        r'give its criterion unit = "0/1" to read Yes/No as 1/0\) \(line 2\)',
    ):
        citymatch.rank(table, crit, id_column="city")


def test_rows_named_by_plain_ids_never_numpy_reprs(tmp_path):
    """Without an id column the ids are row numbers: messages show them as plain numbers
    (``2``), never ``np.int64(2)``, for bad cells and for missing values."""
    table, crit = _files(tmp_path, ["1", "0", "x", "1"])
    with pytest.raises(CellError) as bad:
        citymatch.rank(table, crit)
    assert "for candidate 2 (line 4)" in str(bad.value) and "np." not in str(bad.value)
    frame = pd.DataFrame({"sector": [0.1, 0.2, None], "fta": [1, 0, 1], "cost": [1, 2, 3]})
    with pytest.raises(MissingValuesError) as miss:
        citymatch.rank(frame, crit)
    assert "2: ['sector'] (row 2)" in str(miss.value) and "np." not in str(miss.value)


def test_missing_values_named_by_id_and_line_with_python_fix(tmp_path):
    """The missing-value error from Python names the candidates by id and file line and
    suggests the keyword ``missing='drop'``."""
    table, crit = _files(tmp_path, ["1", "0", "1", "0"], cost=["3", "", "4", ""])
    with pytest.raises(
        MissingValuesError,
        match=r"for 2 candidate\(s\): 'C2': \['cost'\] \(line 3\); 'C4': \['cost'\] \(line 5\)\. "
        r"Pass missing='drop' or missing='worst', or fill them\.$",
    ):
        citymatch.rank(table, crit, id_column="city")


def test_missing_values_on_the_command_line_suggest_the_flag(tmp_path, capsys):
    """On the command line the same error suggests ``--missing drop``, not Python syntax."""
    table, crit = _files(tmp_path, ["1", "0", "1", "0"], cost=["3", "", "4", "1"])
    code = main(["rank", str(table), "--criteria", str(crit), "--id-column", "city"])
    err = capsys.readouterr().err
    assert code == 1
    assert "'C2': ['cost'] (line 3). Pass --missing drop or --missing worst, or fill them." in err
    assert "missing='drop'" not in err


def test_id_and_name_columns_in_the_library(tmp_path):
    """``id_column`` / ``name_column`` give the result's ``id`` and ``name``."""
    table, crit = _files(tmp_path, ["1", "0", "1", "0"])
    got = citymatch.rank(table, crit, id_column="city", name_column="label").to_frame()
    names = dict(zip(got["id"], got["name"], strict=True))
    assert names == {"C1": "Alpha", "C2": "Beta", "C3": "Gamma", "C4": "Delta"}


def test_a_named_id_column_must_exist(tmp_path, capsys):
    """A misspelt id column is an error listing the columns (keyword in Python, flag on the
    command line), never a silent fallback to row numbers."""
    table, crit = _files(tmp_path, ["1", "0", "1", "0"])
    with pytest.raises(
        CandidateDataError,
        match=r"has no column 'cty' \(named by `id_column`\); its columns are \['city', 'label'",
    ):
        citymatch.rank(table, crit, id_column="cty")
    assert main(["rank", str(table), "--criteria", str(crit), "--id-column", "cty"]) == 1
    err = capsys.readouterr().err
    assert "has no column 'cty' (named by --id-column)" in err


def test_cli_ranking_shows_the_names(tmp_path, capsys):
    """``--id-column`` / ``--name-column`` on the command line: the table shows ids and names."""
    table, crit = _files(tmp_path, ["Yes", "No", "Yes", "No"])
    args = ["rank", str(table), "--criteria", str(crit)]
    assert main([*args, "--id-column", "city", "--name-column", "label"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["rank", "id", "name", "score"]
    shown = {line.split()[1]: line.split()[2] for line in lines[1:5]}
    assert shown == {"C1": "Alpha", "C2": "Beta", "C3": "Gamma", "C4": "Delta"}


def test_cli_ranks_the_shipped_organisations(capsys):
    """``citymatch rank example-organisations --criteria alternative-partner`` ranks the
    shipped alternative partners (its help says so)."""
    assert main(["rank", "example-organisations", "--criteria", "alternative-partner"]) == 0
    out = capsys.readouterr().out
    orgs = pd.read_csv(Path(citymatch.datasets.data_path("organisations")))
    assert len(out.splitlines()) == len(orgs) + 2  # header, one line each, footer
    assert "alternative-partner" in out.splitlines()[-1]
    assert all(i in out for i in orgs["id"])
    with pytest.raises(SystemExit):
        main(["rank", "--help"])
    assert "'example-organisations' for the shipped alternative partners" in " ".join(
        capsys.readouterr().out.split()
    )
