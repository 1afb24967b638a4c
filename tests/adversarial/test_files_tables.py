"""Hostile candidate tables: corrupt, truncated, empty, not-Parquet and mis-typed files.

Every one is a citymatch error naming the file (and the column, the line) on every path —
``io.read_table``, ``rank()`` from a path, ``scale.rank_parquet``, ``scale.topsis_parquet``
and the CLI's ``rank`` with and without ``--stream`` — never a raw pyarrow/pandas exception,
never a ranking of a file cut short.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import citymatch
from citymatch import io, scale
from citymatch.cli import main
from citymatch.errors import CandidateDataError, CellError, CitymatchError

CRITERIA = """name = "ab"
title = "AB"
version = "1"
[[criteria]]
id = "a"
label = "A"
direction = "benefit"
weight = 1
[[criteria]]
id = "b"
label = "B"
direction = "cost"
weight = 1
"""
CS = citymatch.CriteriaSet.model_validate(
    {
        "name": "ab",
        "title": "AB",
        "version": "1",
        "criteria": [
            {"id": "a", "label": "A", "direction": "benefit", "weight": 1},
            {"id": "b", "label": "B", "direction": "cost", "weight": 1},
        ],
    }
)
N = 400


def good_frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {"id": [f"c{i}" for i in range(N)], "a": rng.uniform(size=N), "b": rng.uniform(size=N)}
    )


@pytest.fixture
def criteria_file(tmp_path):
    path = tmp_path / "ab.toml"
    path.write_text(CRITERIA)
    return path


@pytest.fixture
def good_bytes(tmp_path) -> bytes:
    path = tmp_path / "good-source.parquet"
    good_frame().to_parquet(path, index=False, row_group_size=100)
    data = path.read_bytes()
    path.unlink()
    return data


def broken_variants(raw: bytes) -> dict[str, bytes]:
    """Zero bytes, cuts at several offsets, a CSV renamed .parquet, a clobbered footer."""
    cuts = {f"cut-{k}": raw[:k] for k in (4, 7, 100, len(raw) // 2, len(raw) - 10, len(raw) - 1)}
    footer_len = int.from_bytes(raw[-8:-4], "little")
    start = len(raw) - 8 - footer_len
    clobbered = raw[:start] + b"\xff" * footer_len + raw[-8:]
    return {
        "zero-bytes": b"",
        **cuts,
        "csv-renamed": b"id,a,b\nx,1,2\ny,3,4\n",
        "footer-clobbered": clobbered,
    }


VARIANTS = ["zero-bytes", "cut-4", "cut-7", "cut-100", "cut-half", "cut-end-10", "cut-end-1"]
VARIANTS += ["csv-renamed", "footer-clobbered"]


def variant(raw: bytes, name: str) -> bytes:
    table = broken_variants(raw)
    keys = list(table)
    alias = dict(zip(VARIANTS, keys, strict=True))
    return table[alias[name]]


def read_paths():
    """Every way a user reads a Parquet source; each returns nothing or raises."""
    return {
        "io.read_table": lambda p: io.read_table(p),
        "rank": lambda p: citymatch.rank(p, CS),
        "rank_parquet": lambda p: scale.rank_parquet(p, CS, top=3, chunk_rows=64),
        "topsis_parquet": lambda p: scale.topsis_parquet(
            p, [1, 1], [1, -1], ["a", "b"], top=3, chunk_rows=64
        ),
    }


PATHS = list(read_paths())


@pytest.mark.parametrize("how", PATHS)
@pytest.mark.parametrize("name", VARIANTS)
def test_broken_parquet_is_a_clear_error_naming_the_file(tmp_path, good_bytes, name, how):
    """Zero-byte, truncated (several offsets), not-Parquet and footer-corrupt files give a
    CandidateDataError naming the file on every library path — never ArrowInvalid/OSError."""
    path = tmp_path / "broken.parquet"
    path.write_bytes(variant(good_bytes, name))
    with pytest.raises(CandidateDataError, match=r"'[^']*broken\.parquet'") as err:
        read_paths()[how](path)
    assert "is empty (0 bytes)" in str(err.value) or "not a readable Parquet file" in str(err.value)


@pytest.mark.parametrize("stream", [False, True], ids=["in-memory", "streamed"])
@pytest.mark.parametrize("name", ["zero-bytes", "cut-half", "csv-renamed", "footer-clobbered"])
def test_cli_rank_broken_parquet_exit_1(tmp_path, capsys, good_bytes, criteria_file, name, stream):
    """`citymatch rank` (with and without --stream) on a broken Parquet file: exit 1 and one
    line naming the file, no traceback."""
    path = tmp_path / "broken.parquet"
    path.write_bytes(variant(good_bytes, name))
    argv = ["rank", str(path), "--criteria", str(criteria_file)]
    argv += ["--stream", "--top", "3"] if stream else []
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert str(path) in err and "Traceback" not in err and err.count("\n") == 1


@pytest.mark.parametrize("how", PATHS)
def test_folder_names_the_bad_file(tmp_path, good_bytes, how):
    """A folder with one good and one truncated file: the error names the truncated file."""
    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / "a-good.parquet").write_bytes(good_bytes)
    (folder / "b-bad.parquet").write_bytes(good_bytes[: len(good_bytes) // 2])
    with pytest.raises(CandidateDataError, match=r"b-bad\.parquet") as err:
        read_paths()[how](folder)
    assert "not a readable Parquet file" in str(err.value)


def typed_file(tmp_path, kind: str):
    import pyarrow as pa
    import pyarrow.parquet as pq

    base = good_frame()
    col = {
        "text": pa.array(["high"] * N),
        "list": pa.array([[1.0, 2.0]] * N),
        "timestamp": pa.array(pd.date_range("2020-01-01", periods=N)),
        "duration": pa.array(pd.to_timedelta(np.arange(N), unit="s")),
    }[kind]
    path = tmp_path / f"typed-{kind}.parquet"
    pq.write_table(pa.table({"id": base["id"], "a": col, "b": base["b"]}), path)
    return path


@pytest.mark.parametrize("how", ["rank", "rank_parquet", "topsis_parquet"])
@pytest.mark.parametrize("kind", ["text", "list", "timestamp", "duration"])
def test_mistyped_column_names_file_and_column(tmp_path, kind, how):
    """A criterion column of text, lists, timestamps or durations is refused naming the file
    and the column (timestamps are never ranked as nanosecond counts)."""
    path = typed_file(tmp_path, kind)
    with pytest.raises(CandidateDataError, match=rf"'[^']*typed-{kind}\.parquet'.* column 'a' "):
        read_paths()[how](path)


def test_string_numbers_refused_by_the_bare_kernel(tmp_path):
    """topsis_parquet takes numeric Parquet types only: a string column names its type."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "s.parquet"
    pq.write_table(pa.table({"a": ["1", "2", "3"], "b": [1.0, 2.0, 3.0]}), path)
    with pytest.raises(
        CandidateDataError,
        match=r"`source` '.*s\.parquet' column 'a' must have a numeric Parquet type .*; got string",
    ):
        scale.topsis_parquet(path, [1, 1], [1, -1], ["a", "b"], top=2)


def test_boolean_criterion_is_zero_one_on_every_path(tmp_path):
    """A boolean criterion column is read as 0/1 — the documented rule — identically in memory
    and streamed (the scores equal those of the same column stored as integers)."""
    frame = good_frame().assign(a=[i % 3 == 0 for i in range(N)])
    as_int = frame.assign(a=frame["a"].astype(int))
    path = tmp_path / "bool.parquet"
    frame.to_parquet(path, index=False)
    want = citymatch.rank(as_int, CS).to_frame().set_index("id")["score"]
    for got in (
        citymatch.rank(path, CS).to_frame(),
        scale.rank_parquet(path, CS, top=N, chunk_rows=64).to_frame(),
    ):
        s = got.set_index("id")["score"].reindex(want.index)
        np.testing.assert_allclose(s.to_numpy(), want.to_numpy(), rtol=0, atol=1e-12)
    kernel = scale.topsis_parquet(path, [1, 1], [1, -1], ["a", "b"], id_column="id", top=N)
    s = kernel.to_frame().set_index("id")["score"].reindex(want.index)
    np.testing.assert_allclose(s.to_numpy(), want.to_numpy(), rtol=0, atol=1e-12)


@pytest.mark.parametrize("dtype", ["complex", "datetime", "timedelta"])
def test_complex_and_time_columns_refused_in_memory(dtype):
    """A DataFrame criterion column of complex numbers, timestamps or durations is refused
    naming the column and the kind — never cast to real numbers."""
    frame = good_frame().head(5)
    col = {
        "complex": frame["a"] + 1j,
        "datetime": pd.date_range("2020", periods=5, tz="UTC"),
        "timedelta": pd.to_timedelta(np.arange(5), unit="D"),
    }[dtype]
    what = {"complex": "complex numbers", "datetime": "timestamps", "timedelta": "durations"}
    with pytest.raises(
        CandidateDataError, match=rf"column 'a' must hold real numbers; got {what[dtype]}"
    ):
        citymatch.rank(frame.assign(a=col), CS)


# --------------------------------------------------------------------------- CSV and XLSX
def write_lines(path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_header_and_no_rows(tmp_path, suffix):
    """A CSV or XLSX with a header and no rows: 'has no rows' naming the file (was KeyError)."""
    path = tmp_path / f"empty{suffix}"
    pd.DataFrame(columns=["id", "a", "b"]).to_csv(path, index=False) if suffix == ".csv" else (
        pd.DataFrame(columns=["id", "a", "b"]).to_excel(path, index=False)
    )
    pattern = rf"`candidates` file '.*empty\{suffix}' has no rows: only a header \(3 columns\)"
    with pytest.raises(CandidateDataError, match=pattern):
        io.read_table(path)
    with pytest.raises(CandidateDataError, match=pattern):
        citymatch.rank(path, CS)


def test_cli_header_and_no_rows_exit_1(tmp_path, capsys, criteria_file):
    """The CLI on a header-only CSV: exit 1, one line 'has no rows', no traceback."""
    path = tmp_path / "h.csv"
    path.write_text("id,a,b\n")
    assert main(["rank", str(path), "--criteria", str(criteria_file)]) == 1
    err = capsys.readouterr().err
    assert "has no rows" in err and "Traceback" not in err


def test_zero_byte_csv(tmp_path):
    """A 0-byte CSV says so, naming the file."""
    path = tmp_path / "z.csv"
    path.write_bytes(b"")
    with pytest.raises(CandidateDataError, match=r"'.*z\.csv' is empty \(0 bytes\)"):
        io.read_table(path)


@pytest.mark.parametrize(
    "lines",
    [
        ["id,a,b", "x,1,2", "y,3,4", "z,5"],  # cut in the last row
        ["id,a,b", "x,1,2", "", "y,3,4", "z"],  # a blank line before the cut row
        ["id,a,b", '"x', 'still x",1,2', "y,3,4", "z,5"],  # a quoted newline before it
        ["id,a,b", "x,1", "y,3,4", "z,5,6"],  # a short row in the middle
    ],
    ids=["last-row", "after-blank-line", "after-quoted-newline", "middle-row"],
)
def test_row_cut_short_names_its_line(tmp_path, capsys, criteria_file, lines):
    """A CSV row with fewer fields than the header (a file truncated mid-row) is an error naming
    the file's physical line — never ranked with exit 0."""
    path = tmp_path / "cut.csv"
    write_lines(path, lines)
    header = len(lines[0].split(","))
    # Independent: the first physical line (1-based) outside a quoted field with too few commas.
    short = next(
        i + 1
        for i, text in enumerate(lines)
        if i > 0 and text and '"' not in text and text.count(",") + 1 < header
        and not lines[i - 1].startswith('"')
    )  # fmt: skip
    n = len(lines[short - 1].split(","))
    with pytest.raises(
        CandidateDataError,
        match=rf"'.*cut\.csv' line {short} has {n} field\(s\); the header \(line 1\) has 3: the row is cut short",
    ):
        io.read_table(path)
    assert main(["rank", str(path), "--criteria", str(criteria_file)]) == 1
    assert f"line {short} has" in capsys.readouterr().err


def test_bad_cell_named_by_file_line_and_column(tmp_path, capsys, criteria_file):
    """Text in a numeric column is named by the file's line (header = line 1; a quoted field
    with newlines counts every line it spans; blank lines count) and the column."""
    lines = [
        "id,name,a,b",
        'p,"Port',
        "of",
        'Call",1,2',
        "",
        "q,Quay,3,4",
        "r,Rue,abc,5",
        "s,Sea,7,8",
    ]
    path = tmp_path / "cells.csv"
    write_lines(path, lines)
    line = lines.index("r,Rue,abc,5") + 1  # independent: the line as an editor shows it
    assert line == 7
    with pytest.raises(
        CellError,
        match=rf"`candidates` file '.*cells\.csv' column 'a' must be numeric; got 'abc' for candidate 'r' \(line {line}\)\.",
    ) as err:
        citymatch.rank(path, CS)
    assert err.value.row == 2 and err.value.column == "a"
    assert main(["rank", str(path), "--criteria", str(criteria_file)]) == 1
    out = capsys.readouterr().err
    assert f"(line {line})" in out and "column 'a'" in out and "row 2" not in out


def test_out_of_range_cell_named_by_line(tmp_path):
    """A value outside a criterion's range in a CSV names the line and column too."""
    cs = CS.model_copy(
        update={
            "criteria": (CS.criteria[0].model_copy(update={"range": (0.0, 10.0)}), CS.criteria[1])
        }
    )
    path = tmp_path / "range.csv"
    write_lines(path, ["id,a,b", "x,1,2", "y,30,4", "z,5,6"])
    with pytest.raises(
        CellError, match=r"'.*range\.csv' column 'a' must lie in \[0, 10\].* \(line 3\)"
    ):
        citymatch.rank(path, cs)


def test_bad_cell_in_xlsx_names_the_spreadsheet_row(tmp_path):
    """In an XLSX file the bad cell is named by its spreadsheet row (header = row 1)."""
    path = tmp_path / "cells.xlsx"
    pd.DataFrame({"id": ["x", "y", "z"], "a": [1, "abc", 3], "b": [1, 2, 3]}).to_excel(
        path, index=False
    )
    with pytest.raises(
        CellError,
        match=r"'.*cells\.xlsx' column 'a' must be numeric; got 'abc' .*\(spreadsheet row 3\)",
    ):
        citymatch.rank(path, CS)


def test_in_memory_bad_cell_names_plain_values():
    """A DataFrame without an id column names the candidate as 2, not np.int64(2)."""
    frame = pd.DataFrame({"a": [1, 2, "x", 4], "b": [1, 2, 3, 4]})
    with pytest.raises(
        CellError,
        match=r"^`candidates` column 'a' must be numeric; got 'x' for candidate 2 \(row 2\)\.$",
    ):
        citymatch.rank(frame, CS)


def test_streamed_bad_cell_names_file_and_global_row(tmp_path):
    """Streamed, a bad cell in a later chunk is named by the file and its row in the file (not
    the row inside the chunk)."""
    frame = good_frame().astype({"a": str})
    frame.loc[250, "a"] = "abc"
    path = tmp_path / "s.parquet"
    frame.to_parquet(path, index=False)
    with pytest.raises(
        CellError,
        match=r"'.*s\.parquet' column 'a' must be numeric; got 'abc' for candidate 'c250' \(row 250\)",
    ):
        scale.rank_parquet(path, CS, top=3, chunk_rows=64)


def test_errors_are_citymatch_errors_only(tmp_path, good_bytes):
    """Sanity: across every variant and path, only citymatch errors escape."""
    for name in VARIANTS:
        path = tmp_path / f"{name}.parquet"
        path.write_bytes(variant(good_bytes, name))
        for fn in read_paths().values():
            with pytest.raises(CitymatchError):
                fn(path)


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_xlsx_names_the_file(tmp_path, cut):
    """An XLSX file cut short (a broken zip) is a CandidateDataError naming the file."""
    good = tmp_path / "good.xlsx"
    good_frame().head(20).to_excel(good, index=False)
    data = good.read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(CandidateDataError, match=r"`candidates` file '.*cut\.xlsx' cannot be read"):
        citymatch.rank(path, CS)


def test_csv_renamed_xlsx_names_the_file(tmp_path):
    """A CSV renamed .xlsx is a CandidateDataError naming the file, not a zipfile error."""
    path = tmp_path / "fake.xlsx"
    path.write_text("id,a,b\nx,1,2\ny,3,4\n")
    with pytest.raises(
        CandidateDataError, match=r"`candidates` file '.*fake\.xlsx' cannot be read"
    ):
        io.read_table(path)
